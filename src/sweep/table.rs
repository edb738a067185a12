//! The tidy table of a sweep (`sweep.csv`; `ensemble.csv` of a run with `--seeds`): one row per
//! run and year, with `run_id, point, replicate, seed`, one column per swept key, `people_share`
//! and then every column of `national_yearly.csv` but `scenario` and `seed`. Also its summary
//! (`summary.csv`): n, mean, 5th and 95th percentile per grid point, year and column.
//!
//! The national columns are taken from the row struct as serialised, by name, so the table
//! follows `collect::rows` when columns are added there. Each run's rows are one small CSV file
//! with the table's header; the table is those files' rows concatenated in run order, byte for
//! byte, so a table assembled from shards is the table of an unsharded sweep.

use std::fmt::Write as _;

use anyhow::{Context, bail};

use super::grid::RunSpec;
use crate::collect::NationalYearRow;

/// The columns before the swept keys.
pub const LEAD: [&str; 4] = ["run_id", "point", "replicate", "seed"];
/// The column after the swept keys, before the national columns.
pub const SHARE: &str = "people_share";
/// National columns left out: the scenario is in `sweep.toml`, the seed is a lead column.
const DROPPED: [&str; 2] = ["scenario", "seed"];

/// The rows of one run as CSV text, with the table's header first.
pub fn run_csv(
    spec: &RunSpec,
    keys: &[String],
    people_share: f64,
    yearly: &[NationalYearRow],
) -> anyhow::Result<String> {
    // Serialise the national rows once to learn their columns and values as the csv crate
    // writes them.
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in yearly {
        w.serialize(row).context("failed to write a yearly row")?;
    }
    let bytes = w.into_inner().context("failed to write a yearly row")?;
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let national = r
        .headers()
        .context("failed to read the yearly rows")?
        .clone();
    let keep: Vec<usize> = (0..national.len())
        .filter(|&i| !DROPPED.contains(&&national[i]))
        .collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = LEAD.iter().map(|s| s.to_string()).collect();
    header.extend(keys.iter().cloned());
    header.push(SHARE.into());
    header.extend(keep.iter().map(|&i| national[i].to_string()));
    out.write_record(&header)?;
    let share = format!("{}", round_sig(people_share, 9));
    for record in r.records() {
        let record = record.context("failed to read the yearly rows")?;
        let mut fields: Vec<String> = vec![
            spec.id.clone(),
            spec.point.to_string(),
            spec.replicate.to_string(),
            spec.seed.to_string(),
        ];
        fields.extend(spec.settings.iter().map(|s| s.value.to_string()));
        fields.push(share.clone());
        fields.extend(keep.iter().map(|&i| record[i].to_string()));
        out.write_record(&fields)?;
    }
    let bytes = out.into_inner().context("failed to write the run's rows")?;
    String::from_utf8(bytes).context("the run's rows are not UTF-8")
}

/// The header line and data lines of a run file, checked against `spec` (its run id, seed and
/// swept values); `None` if the file is not exactly the rows of that run.
pub fn parse_run_file<'a>(
    text: &'a str,
    spec: &RunSpec,
    keys: &[String],
) -> Option<(&'a str, Vec<&'a str>)> {
    let mut lines = text.lines();
    let header = lines.next()?;
    let expected: Vec<String> = LEAD
        .iter()
        .map(|s| s.to_string())
        .chain(keys.iter().cloned())
        .chain([SHARE.to_string()])
        .collect();
    let cols: Vec<&str> = header.split(',').collect();
    if cols.len() <= expected.len() || cols[..expected.len()] != expected[..] {
        return None;
    }
    let rows: Vec<&str> = lines.collect();
    if rows.is_empty() || !text.ends_with('\n') {
        return None;
    }
    let values: Vec<String> = spec.settings.iter().map(|s| s.value.to_string()).collect();
    for row in &rows {
        let f: Vec<&str> = row.split(',').collect();
        if f.len() != cols.len()
            || f[0] != spec.id
            || f[1] != spec.point.to_string()
            || f[2] != spec.replicate.to_string()
            || f[3] != spec.seed.to_string()
            || f[4..4 + values.len()] != values[..]
        {
            return None;
        }
    }
    Some((header, rows))
}

/// A table read back: header and rows of text fields.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn parse(text: &str) -> anyhow::Result<Table> {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r
            .headers()
            .context("failed to read the table header")?
            .iter()
            .map(String::from)
            .collect();
        let rows = r
            .records()
            .map(|rec| rec.map(|rec| rec.iter().map(String::from).collect()))
            .collect::<Result<_, _>>()
            .context("failed to read the table")?;
        Ok(Table { header, rows })
    }

    /// Index of column `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// The mean of `xs` summed in order (0 values: NaN).
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The `p` quantile (0–1) of `xs` by linear interpolation between order statistics (Hyndman
/// & Fan type 7, the default of R and NumPy); NaN for no values.
pub fn quantile(xs: &[f64], p: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// `x` rounded to `digits` significant digits (for summary text; exact values stay in the
/// table).
pub fn round_sig(x: f64, digits: usize) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.*e}", digits.saturating_sub(1))
        .parse()
        .unwrap_or(x)
}

/// Summary statistics of one column in one year at one grid point.
#[derive(Clone, Debug, PartialEq)]
pub struct Stat {
    pub n: usize,
    pub mean: f64,
    pub p5: f64,
    pub p95: f64,
}

impl Stat {
    pub fn of(xs: &[f64]) -> Stat {
        Stat {
            n: xs.len(),
            mean: mean(xs),
            p5: quantile(xs, 0.05),
            p95: quantile(xs, 0.95),
        }
    }
}

/// `summary.csv` of a sweep table: `point, <keys>, year, variable, n, mean, p5, p95`, by point,
/// year and column in table order. `people_share` and every numeric national column are
/// summarised; values are those of the table (totals of the simulated world, not national
/// equivalents).
pub fn summary_csv(table: &Table, keys: &[String]) -> anyhow::Result<String> {
    let point_col = table
        .col("point")
        .context("the table has no point column")?;
    let year_col = table.col("year").context("the table has no year column")?;
    let share_col = table.col(SHARE).context("the table has no people_share")?;
    let vars: Vec<usize> = (share_col..table.header.len())
        .filter(|&i| i != year_col)
        .collect();
    let key_cols: Vec<usize> = keys
        .iter()
        .map(|k| {
            table
                .col(k)
                .with_context(|| format!("the table has no {k}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut out = String::from("point");
    for k in keys {
        out.push(',');
        out.push_str(k);
    }
    out.push_str(",year,variable,n,mean,p5,p95\n");
    // Points in order of first appearance (the table is in run order), years likewise.
    let mut points: Vec<&str> = Vec::new();
    for row in &table.rows {
        if !points.contains(&row[point_col].as_str()) {
            points.push(&row[point_col]);
        }
    }
    for point in points {
        let rows: Vec<&Vec<String>> = table
            .rows
            .iter()
            .filter(|r| r[point_col] == point)
            .collect();
        let mut years: Vec<&str> = Vec::new();
        for r in &rows {
            if !years.contains(&r[year_col].as_str()) {
                years.push(&r[year_col]);
            }
        }
        let key_text: String = key_cols
            .iter()
            .map(|&c| format!(",{}", rows[0][c]))
            .collect();
        for year in years {
            let in_year: Vec<&&Vec<String>> = rows.iter().filter(|r| r[year_col] == year).collect();
            for &v in &vars {
                let xs: Vec<f64> = in_year
                    .iter()
                    .filter_map(|r| r[v].parse::<f64>().ok())
                    .filter(|x| x.is_finite())
                    .collect();
                if xs.is_empty() {
                    continue;
                }
                let s = Stat::of(&xs);
                let _ = writeln!(
                    out,
                    "{point}{key_text},{year},{},{},{},{},{}",
                    table.header[v],
                    s.n,
                    round_sig(s.mean, 10),
                    round_sig(s.p5, 10),
                    round_sig(s.p95, 10)
                );
            }
        }
    }
    Ok(out)
}

/// Joins run files (each with the same header) into one table, in the order given.
pub fn assemble<'a>(
    files: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut header: Option<&str> = None;
    for (h, rows) in files {
        match header {
            None => {
                header = Some(h);
                out.push_str(h);
                out.push('\n');
            }
            Some(first) if first != h => {
                bail!("run files have different columns:\n  {first}\n  {h}")
            }
            Some(_) => {}
        }
        for row in rows {
            out.push_str(row);
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_r_and_numpy() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&xs, 0.0), 1.0);
        assert_eq!(quantile(&xs, 1.0), 5.0);
        assert_eq!(quantile(&xs, 0.5), 3.0);
        // numpy.percentile([1,2,3,4,5], 5) = 1.2, 95 → 4.8
        assert!((quantile(&xs, 0.05) - 1.2).abs() < 1e-12);
        assert!((quantile(&[5.0, 1.0, 4.0, 2.0, 3.0], 0.95) - 4.8).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.05), 7.0);
        assert!(quantile(&[], 0.5).is_nan());
        assert_eq!(round_sig(0.30000000000000004, 10), 0.3);
    }

    #[test]
    fn summary_groups_by_point_and_year() {
        let text = "run_id,point,replicate,seed,reporting.inflation,people_share,year,deaths\n\
                    0000,0,0,11,0.5,0.02,1957,10\n0000,0,0,11,0.5,0.02,1958,20\n\
                    0001,0,1,12,0.5,0.02,1957,30\n0001,0,1,12,0.5,0.02,1958,40\n\
                    0002,1,0,13,1,0.02,1957,5\n0002,1,0,13,1,0.02,1958,6\n";
        let t = Table::parse(text).unwrap();
        let s = summary_csv(&t, &["reporting.inflation".to_string()]).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(
            lines[0],
            "point,reporting.inflation,year,variable,n,mean,p5,p95"
        );
        assert_eq!(lines[1], "0,0.5,1957,people_share,2,0.02,0.02,0.02");
        assert_eq!(lines[2], "0,0.5,1957,deaths,2,20,11,29");
        assert_eq!(lines[4], "0,0.5,1958,deaths,2,30,21,39");
        assert_eq!(lines[8], "1,1,1958,deaths,1,6,6,6");
        assert_eq!(lines.len(), 9);
    }
}
