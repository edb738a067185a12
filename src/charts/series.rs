//! A run folder read back for charts and reports: the one place where CSV columns become typed
//! series. Only the columns the charts use are read, by name, so tables may gain columns.
//!
//! Extensive quantities stay totals of the simulated world here; [`Run::national`] is the factor
//! (1 / `people_share`) that turns them into national equivalents.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::scenario::PARAMS;
use crate::time::Month;

/// The official series, compiled in (`data/history/national.csv`).
const NATIONAL_CSV: &str = include_str!("../../data/history/national.csv");

/// Adult equivalents per person of the rural population (MODEL §4.9): need per person =
/// `nutrition.ration_kg` × this.
pub const AE_PER_PERSON: f64 = 0.79;

/// One month of `national_monthly.csv`.
#[derive(Clone, Debug, Deserialize)]
pub struct MonthRow {
    pub year: u32,
    pub month: u32,
    pub rural_grain_per_capita_kg_day: f64,
    pub people_below_subsistence: f64,
    pub labour_farm_share: f64,
    pub labour_steel_share: f64,
    pub labour_water_share: f64,
    pub labour_other_share: f64,
    pub labour_mess_share: f64,
    pub migrants_to_cities: f64,
}

impl MonthRow {
    /// The month's middle as a fractional year (1958.04 for January 1958).
    pub fn x(&self) -> f64 {
        f64::from(self.year) + (f64::from(self.month) - 0.5) / 12.0
    }
}

/// One year of `national_yearly.csv`.
#[derive(Clone, Debug, Deserialize)]
pub struct YearRow {
    pub year: u32,
    pub grain_output_mt: f64,
    pub grain_reported_mt: f64,
    pub grain_believed_mt: f64,
    pub procurement_mt: f64,
    pub resales_mt: f64,
    pub births: f64,
    pub deaths: f64,
    pub cbr_per_1000: f64,
    pub cdr_per_1000: f64,
    pub excess_deaths: f64,
    pub pig_iron_reported_mt: f64,
    pub pig_iron_usable_mt: f64,
    /// Steel-campaign labour-days per tonne of usable iron (0 in years without a campaign).
    #[serde(default)]
    pub labour_days_per_usable_t: f64,
}

/// One province and year of `provinces_yearly.csv`.
#[derive(Clone, Debug, Deserialize)]
pub struct ProvinceRow {
    pub year: u32,
    pub province: String,
    pub procurement_share: f64,
    pub cdr_per_1000: f64,
}

/// One commune and year of `communes_yearly.csv`.
#[derive(Clone, Debug, Deserialize)]
pub struct CommuneRow {
    pub year: u32,
    pub grain_per_capita_kg: f64,
}

/// A CSV table kept as text (for `fit.csv`, whose columns may change).
#[derive(Clone, Debug, Default)]
pub struct TextTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What was run, from `manifest.toml` and `scenario.toml`.
#[derive(Clone, Debug)]
pub struct Meta {
    pub name: String,
    pub description: String,
    pub version: String,
    pub seed: u64,
    pub scale: f64,
    /// Share of the country's people simulated; extensive totals ÷ this = national equivalents.
    pub people_share: f64,
    pub start: Month,
    pub end: Month,
    /// `scenario.toml` as written by the run.
    pub scenario: toml::Table,
}

/// One seed of an ensemble (`ensemble.csv` of `run --seeds N`).
#[derive(Clone, Debug)]
pub struct Replicate {
    pub seed: u64,
    /// This seed's share of the country's people simulated.
    pub people_share: f64,
    pub yearly: Vec<YearRow>,
}

/// The mean and the 5th and 95th percentiles of a yearly value over an ensemble's seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub year: u32,
    pub mean: f64,
    pub p5: f64,
    pub p95: f64,
}

/// A run folder, read.
#[derive(Clone, Debug)]
pub struct Run {
    pub meta: Meta,
    pub monthly: Vec<MonthRow>,
    pub yearly: Vec<YearRow>,
    pub provinces: Vec<ProvinceRow>,
    pub communes: Vec<CommuneRow>,
    pub fit: Option<TextTable>,
    /// Every seed of an ensemble run (the first is the seed of the other tables); empty for a
    /// single run.
    pub ensemble: Vec<Replicate>,
}

impl Run {
    /// Reads the run folder `dir`. Errors name the folder and the file.
    pub fn read(dir: &Path) -> anyhow::Result<Run> {
        if !dir.is_dir() {
            bail!("{} is not a folder", dir.display());
        }
        let manifest = read_toml(dir, "manifest.toml")?;
        let scenario = read_toml(dir, "scenario.toml")?;
        let meta = meta(dir, &manifest, scenario)?;
        let fit_path = dir.join("fit.csv");
        let fit = if fit_path.is_file() {
            Some(read_text_table(&fit_path)?)
        } else {
            None
        };
        Ok(Run {
            meta,
            monthly: read_csv(dir, "national_monthly.csv")?,
            yearly: read_csv(dir, "national_yearly.csv")?,
            provinces: read_csv(dir, "provinces_yearly.csv")?,
            communes: read_csv(dir, "communes_yearly.csv")?,
            fit,
            ensemble: read_ensemble(dir)?,
        })
    }

    /// Mean and 5–95% of `f` per year over the ensemble (national equivalents if `national`,
    /// times `unit`); empty for a single run.
    pub fn band(&self, f: impl Fn(&YearRow) -> f64, national: bool, unit: f64) -> Vec<Band> {
        let mut years: Vec<u32> = self
            .ensemble
            .iter()
            .flat_map(|r| r.yearly.iter().map(|y| y.year))
            .collect();
        years.sort_unstable();
        years.dedup();
        years
            .into_iter()
            .filter_map(|year| {
                let xs: Vec<f64> = self
                    .ensemble
                    .iter()
                    .filter_map(|r| {
                        let y = r.yearly.iter().find(|y| y.year == year)?;
                        let k = if national { 1.0 / r.people_share } else { 1.0 };
                        Some(f(y) * k * unit)
                    })
                    .filter(|x| x.is_finite())
                    .collect();
                (!xs.is_empty()).then(|| Band {
                    year,
                    mean: crate::sweep::table::mean(&xs),
                    p5: crate::sweep::table::quantile(&xs, 0.05),
                    p95: crate::sweep::table::quantile(&xs, 0.95),
                })
            })
            .collect()
    }

    /// Factor from simulated totals to national equivalents.
    pub fn national(&self) -> f64 {
        1.0 / self.meta.people_share
    }

    /// A scenario value as TOML, `section.key`.
    pub fn param(&self, section: &str, key: &str) -> Option<&toml::Value> {
        self.meta.scenario.get(section)?.as_table()?.get(key)
    }

    /// A scenario number or schedule's value in `month`; before a schedule's first point, the
    /// parameter's default (the resolved writer leaves out points equal to it).
    pub fn param_at(&self, section: &str, key: &str, month: Month) -> Option<f64> {
        let value = self.param(section, key)?;
        let default = PARAMS
            .iter()
            .find(|d| d.section == section && d.name == key)
            .and_then(|d| d.default.parse().ok());
        schedule_at(value, month, default)
    }

    /// Subsistence need per rural person per day in `month`, kg: `nutrition.ration_kg` ×
    /// [`AE_PER_PERSON`] (a schedule is followed month by month).
    pub fn need_kg_day(&self, month: Month) -> Option<f64> {
        self.param_at("nutrition", "ration_kg", month)
            .map(|r| r * AE_PER_PERSON)
    }

    /// The year with the highest national crude death rate (the first of equals).
    pub fn worst_year(&self) -> Option<u32> {
        let mut best: Option<&YearRow> = None;
        for y in &self.yearly {
            if best.is_none_or(|b| y.cdr_per_1000 > b.cdr_per_1000) {
                best = Some(y);
            }
        }
        best.map(|y| y.year)
    }

    /// The simulated years.
    pub fn years(&self) -> Vec<u32> {
        self.yearly.iter().map(|y| y.year).collect()
    }
}

/// The value of a scenario number or `{ "YYYY-MM" = v, ... }` schedule in `month`; before the
/// first point, `base` (or the first point's value if `base` is unknown).
pub fn schedule_at(value: &toml::Value, month: Month, base: Option<f64>) -> Option<f64> {
    match value {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(x) => Some(*x as f64),
        toml::Value::Table(t) => {
            let mut points: Vec<(Month, f64)> = t
                .iter()
                .filter_map(|(k, v)| Some((Month::parse(k)?, schedule_at(v, month, None)?)))
                .collect();
            points.sort_by_key(|p| p.0);
            let first = base.unwrap_or(points.first()?.1);
            Some(
                points
                    .iter()
                    .rev()
                    .find(|(m, _)| *m <= month)
                    .map_or(first, |p| p.1),
            )
        }
        _ => None,
    }
}

/// The official national series: series → [(year, value)], the first value given for a year.
#[derive(Clone, Debug)]
pub struct Official(BTreeMap<String, Vec<(u32, f64)>>);

impl Official {
    /// The compiled-in `data/history/national.csv`.
    pub fn load() -> Official {
        let mut map: BTreeMap<String, Vec<(u32, f64)>> = BTreeMap::new();
        let mut reader = csv::Reader::from_reader(NATIONAL_CSV.as_bytes());
        for record in reader.records().flatten() {
            let (Some(series), Some(year), Some(value)) = (
                record.get(0),
                record.get(1).and_then(|y| y.parse::<u32>().ok()),
                record.get(2).and_then(|v| v.parse::<f64>().ok()),
            ) else {
                continue;
            };
            let v = map.entry(series.to_string()).or_default();
            if !v.iter().any(|(y, _)| *y == year) {
                v.push((year, value));
            }
        }
        for v in map.values_mut() {
            v.sort_by_key(|p| p.0);
        }
        Official(map)
    }

    /// The points of `series` within `years` (inclusive).
    pub fn points(&self, series: &str, years: (u32, u32)) -> Vec<(f64, f64)> {
        self.0.get(series).map_or_else(Vec::new, |v| {
            v.iter()
                .filter(|(y, _)| (years.0..=years.1).contains(y))
                .map(|(y, v)| (f64::from(*y), *v))
                .collect()
        })
    }
}

/// `ensemble.csv` if the folder has one: rows grouped by `run_id`, in file order.
fn read_ensemble(dir: &Path) -> anyhow::Result<Vec<Replicate>> {
    let file = "ensemble.csv";
    let path = dir.join(file);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let bad = |what: String| anyhow::anyhow!("{file} in run folder {}: {what}", dir.display());
    let mut reader = csv::Reader::from_path(&path).with_context(|| missing(dir, file, &path))?;
    let headers = reader
        .headers()
        .with_context(|| missing(dir, file, &path))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(format!("no column {name}")))
    };
    let (id, seed, share) = (col("run_id")?, col("seed")?, col("people_share")?);
    let mut out: Vec<(String, Replicate)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(format!("row {}: {e}", i + 1)))?;
        let row: YearRow = record
            .deserialize(Some(&headers))
            .map_err(|e| bad(format!("row {}: {e}", i + 1)))?;
        let run = &record[id];
        if out.last().is_none_or(|(r, _)| r != run) {
            let number = |c: usize| {
                record[c]
                    .parse::<f64>()
                    .map_err(|_| bad(format!("row {}: `{}` is not a number", i + 1, &record[c])))
            };
            let people_share = number(share)?;
            if !(people_share > 0.0 && people_share.is_finite()) {
                return Err(bad(format!("row {}: people_share must be positive", i + 1)));
            }
            out.push((
                run.to_string(),
                Replicate {
                    seed: record[seed]
                        .parse()
                        .map_err(|_| bad(format!("row {}: bad seed", i + 1)))?,
                    people_share,
                    yearly: Vec::new(),
                },
            ));
        }
        if let Some((_, r)) = out.last_mut() {
            r.yearly.push(row);
        }
    }
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

fn read_toml(dir: &Path, file: &str) -> anyhow::Result<toml::Table> {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).with_context(|| missing(dir, file, &path))?;
    text.parse()
        .with_context(|| format!("failed to read {} in run folder {}", file, dir.display()))
}

fn missing(dir: &Path, file: &str, path: &Path) -> String {
    if path.exists() {
        format!("failed to read {} in run folder {}", file, dir.display())
    } else {
        format!("run folder {} has no {}", dir.display(), file)
    }
}

fn meta(dir: &Path, manifest: &toml::Table, scenario: toml::Table) -> anyhow::Result<Meta> {
    let bad = |key: &str| {
        anyhow::anyhow!(
            "manifest.toml in run folder {} lacks [run] {key}",
            dir.display()
        )
    };
    let run = manifest
        .get("run")
        .and_then(|r| r.as_table())
        .ok_or_else(|| bad("table"))?;
    let text = |key: &str| {
        run.get(key)
            .and_then(|v| v.as_str())
            .map(String::from)
            .ok_or_else(|| bad(key))
    };
    let number = |key: &str| {
        run.get(key)
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
            .ok_or_else(|| bad(key))
    };
    let month = |key: &str| text(key).and_then(|t| Month::parse(&t).ok_or_else(|| bad(key)));
    let people_share = number("people_share")?;
    if !(people_share > 0.0 && people_share.is_finite()) {
        return Err(bad("people_share (a positive number)"));
    }
    let description = scenario
        .get("description")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    Ok(Meta {
        name: text("scenario")?,
        description,
        version: text("version")?,
        seed: run
            .get("seed")
            .and_then(|v| v.as_integer())
            .ok_or_else(|| bad("seed"))? as u64,
        scale: number("scale")?,
        people_share,
        start: month("start")?,
        end: month("end")?,
        scenario,
    })
}

fn read_csv<T: for<'de> Deserialize<'de>>(dir: &Path, file: &str) -> anyhow::Result<Vec<T>> {
    let path = dir.join(file);
    let mut reader = csv::Reader::from_path(&path).with_context(|| missing(dir, file, &path))?;
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| {
            row.with_context(|| {
                format!(
                    "failed to read row {} of {} in run folder {}",
                    i + 1,
                    file,
                    dir.display()
                )
            })
        })
        .collect()
}

fn read_text_table(path: &Path) -> anyhow::Result<TextTable> {
    let mut reader = csv::Reader::from_path(path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    let header = reader
        .headers()
        .with_context(|| format!("failed to read {}", path.display()))?
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(String::from).collect()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("failed to read {}", path.display()))?;
    Ok(TextTable { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_hold_their_value_until_the_next_point() {
        let v: toml::Table = r#"a = { "1958-05" = 0.95, "1960-01" = 0.97 }
b = 0.81
c = 2"#
            .parse()
            .unwrap();
        let m = |t| Month::parse(t).unwrap();
        assert_eq!(schedule_at(&v["a"], m("1957-01"), None), Some(0.95));
        assert_eq!(schedule_at(&v["a"], m("1957-01"), Some(1.0)), Some(1.0));
        assert_eq!(schedule_at(&v["a"], m("1959-12"), Some(1.0)), Some(0.95));
        assert_eq!(schedule_at(&v["a"], m("1960-01"), None), Some(0.97));
        assert_eq!(schedule_at(&v["b"], m("1960-01"), None), Some(0.81));
        assert_eq!(schedule_at(&v["c"], m("1960-01"), None), Some(2.0));
    }

    #[test]
    fn official_series_are_compiled_in() {
        let o = Official::load();
        assert_eq!(
            o.points("grain_output_official_1980s_series", (1958, 1958)),
            vec![(1958.0, 200.0)]
        );
        assert!(!o.points("cdr_official", (1957, 1962)).is_empty());
        assert!(o.points("no_such_series", (1957, 1962)).is_empty());
    }
}
