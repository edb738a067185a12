//! `report.html`: a self-contained page (inline SVG charts, no scripts, no network, no
//! timestamps) for a run folder or a comparison folder, plus a comparison's `headline.csv`.
//!
//! Everything here is drawn from run folders read back from disk ([`Run`]), so `commune-sim
//! plot` gives the same bytes as the run that wrote the folder.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::Context;

use crate::charts::figures::LEAP_YEARS;
use crate::charts::series::TextTable;
use crate::charts::{self, Drawn, Run};

/// The report's file name.
pub const REPORT: &str = "report.html";
/// A comparison's headline table.
pub const HEADLINE: &str = "headline.csv";

/// Draws the charts and the report of the run folder `dir` from its CSV tables.
pub fn write_run(dir: &Path) -> anyhow::Result<()> {
    let run = Run::read(dir)?;
    let runs = std::slice::from_ref(&run);
    let drawn = charts::draw(dir, runs)?;
    write_text(&dir.join(REPORT), &html(runs, &drawn))
}

/// Draws the overlaid charts, `headline.csv` and the report of a comparison into `dir`.
pub fn write_compare(dir: &Path, runs: &[Run]) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let drawn = charts::draw(dir, runs)?;
    write_text(&dir.join(HEADLINE), &headline_csv(runs))?;
    write_text(&dir.join(REPORT), &html(runs, &drawn))
}

fn write_text(path: &Path, text: &str) -> anyhow::Result<()> {
    fs::write(path, text).with_context(|| format!("failed to write {}", path.display()))
}

/// One headline number of a run.
#[derive(Clone, Debug)]
pub struct Metric {
    pub key: &'static str,
    pub label: String,
    pub unit: &'static str,
    /// The value; for an ensemble, the mean over its seeds.
    pub value: f64,
    /// Extra text after the value (the year of a peak).
    pub note: String,
    /// Seeds the value is the mean of (1 for a single run).
    pub seeds: usize,
    /// 5th and 95th percentiles over the seeds (the value itself for a single run).
    pub p5: f64,
    pub p95: f64,
}

/// The headline numbers of a run, national equivalents, over [`LEAP_YEARS`]; for an ensemble,
/// the mean of each seed's numbers with their 5–95% range.
pub fn headline(run: &Run) -> Vec<Metric> {
    if run.ensemble.is_empty() {
        return headline_of(&run.yearly, run.national());
    }
    let each: Vec<Vec<Metric>> = run
        .ensemble
        .iter()
        .map(|r| headline_of(&r.yearly, 1.0 / r.people_share))
        .collect();
    let mut out = each[0].clone();
    for (i, m) in out.iter_mut().enumerate() {
        let xs: Vec<f64> = each
            .iter()
            .map(|t| t[i].value)
            .filter(|x| x.is_finite())
            .collect();
        m.value = crate::sweep::table::mean(&xs);
        m.p5 = crate::sweep::table::quantile(&xs, 0.05);
        m.p95 = crate::sweep::table::quantile(&xs, 0.95);
        m.seeds = xs.len();
        if !m.note.is_empty() {
            m.note = format!("(mean; first seed {})", m.note);
        }
    }
    out
}

/// The headline numbers of one run's yearly rows, `k` the factor to national equivalents.
fn headline_of(yearly: &[charts::series::YearRow], k: f64) -> Vec<Metric> {
    let leap = || {
        yearly
            .iter()
            .filter(|y| (LEAP_YEARS.0..=LEAP_YEARS.1).contains(&y.year))
    };
    let span = format!("{}–{}", LEAP_YEARS.0, LEAP_YEARS.1 % 100);
    let sum = |f: fn(&charts::series::YearRow) -> f64| leap().map(f).sum::<f64>();
    // The year with the highest death rate (the first of equals), as `Run::worst_year`.
    let mut peak: Option<&charts::series::YearRow> = None;
    for y in yearly {
        if peak.is_none_or(|b| y.cdr_per_1000 > b.cdr_per_1000) {
            peak = Some(y);
        }
    }
    let mut out = vec![
        Metric {
            key: "output_mt",
            label: format!("Grain output {span}"),
            unit: "Mt",
            value: sum(|y| y.grain_output_mt) * k,
            note: String::new(),
            seeds: 1,
            p5: f64::NAN,
            p95: f64::NAN,
        },
        Metric {
            key: "procurement_mt",
            label: format!("Procurement {span}"),
            unit: "Mt",
            value: sum(|y| y.procurement_mt) * k,
            note: String::new(),
            seeds: 1,
            p5: f64::NAN,
            p95: f64::NAN,
        },
        Metric {
            key: "deaths_million",
            label: format!("Deaths {span}"),
            unit: "million",
            value: sum(|y| y.deaths) * k / 1e6,
            note: String::new(),
            seeds: 1,
            p5: f64::NAN,
            p95: f64::NAN,
        },
        Metric {
            key: "excess_deaths_million",
            label: format!("Excess deaths {span}"),
            unit: "million",
            value: sum(|y| y.excess_deaths) * k / 1e6,
            note: String::new(),
            seeds: 1,
            p5: f64::NAN,
            p95: f64::NAN,
        },
        Metric {
            key: "peak_cdr_per_1000",
            label: "Peak crude death rate".into(),
            unit: "per 1000",
            value: peak.map_or(f64::NAN, |p| p.cdr_per_1000),
            note: peak.map_or(String::new(), |p| format!("in {}", p.year)),
            seeds: 1,
            p5: f64::NAN,
            p95: f64::NAN,
        },
    ];
    for m in &mut out {
        (m.p5, m.p95) = (m.value, m.value);
    }
    out
}

/// Tidy `headline.csv`: one row per scenario and metric, with the difference from the first.
fn headline_csv(runs: &[Run]) -> String {
    let mut out = String::from(
        "scenario,seed,scale,metric,unit,value,reference,difference,difference_percent,seeds,p5,p95\n",
    );
    let reference = runs.first().map(headline).unwrap_or_default();
    let ref_name = runs.first().map_or("", |r| r.meta.name.as_str());
    for r in runs {
        for (m, base) in headline(r).iter().zip(&reference) {
            let diff = m.value - base.value;
            let pct = if base.value != 0.0 {
                format!("{:.2}", 100.0 * diff / base.value)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{},{},{},{},{},{:.3},{},{:.3},{},{},{:.3},{:.3}",
                r.meta.name,
                r.meta.seed,
                r.meta.scale,
                m.key,
                m.unit,
                m.value,
                ref_name,
                diff,
                pct,
                m.seeds,
                m.p5,
                m.p95
            );
        }
    }
    out
}

/// The headline knobs shown for every scenario: (section, key, what it means).
const KNOBS: [(&str, &str, &str); 8] = [
    (
        "reporting",
        "inflation",
        "reporting inflation (0 honest, 1 historical)",
    ),
    (
        "labour",
        "diversion",
        "labour diversion (0 none, 1 historical)",
    ),
    ("procurement", "rate", "procurement rate"),
    ("procurement", "flexibility", "procurement flexibility"),
    ("mess_halls", "enabled", "mess halls"),
    ("mess_halls", "coverage", "mess-hall coverage"),
    ("weather", "mode", "weather"),
    ("weather", "scale", "weather scale"),
];

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// A scenario value as text: numbers as written, schedules as "a from YYYY-MM; ...".
fn value_text(v: Option<&toml::Value>) -> String {
    match v {
        None => "—".into(),
        Some(toml::Value::String(s)) => s.clone(),
        Some(toml::Value::Boolean(b)) => if *b { "on" } else { "off" }.into(),
        Some(toml::Value::Integer(i)) => i.to_string(),
        Some(toml::Value::Float(x)) => format!("{x}"),
        Some(toml::Value::Table(t)) => t
            .iter()
            .map(|(k, v)| format!("{} from {k}", value_text(Some(v))))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

fn number(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let s = format!("{v:.1}");
    if s == "-0.0" { "0.0".into() } else { s }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans',Arial,sans-serif;\
max-width:1320px;margin:0 auto;padding:24px;color:#111;line-height:1.45;font-size:18px}\
h1{font-size:32px;margin:0 0 8px}h2{font-size:24px;margin:32px 0 8px;border-bottom:2px solid #ddd}\
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f2f2f2}\
figure{margin:16px 0 32px}figure svg{width:100%;height:auto;display:block;border:1px solid #eee}\
figcaption{font-size:16px;color:#444}.note{background:#f7f7f2;border-left:4px solid #E69F00;padding:8px 14px}\
.pos{color:#D55E00}.neg{color:#0072B2}";

/// The report page for one run or a comparison (the first run is the reference).
fn html(runs: &[Run], drawn: &[Drawn]) -> String {
    let single = runs.len() == 1;
    let mut h = String::new();
    let title = if single {
        format!("commune-sim: {}", runs[0].meta.name)
    } else {
        let names: Vec<&str> = runs.iter().map(|r| r.meta.name.as_str()).collect();
        format!("commune-sim: {} compared", names.join(" vs "))
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    for (i, r) in runs.iter().enumerate() {
        let m = &r.meta;
        let _ = writeln!(
            h,
            "<p><b>{}</b>{}: {} <br><small>commune-sim {}, {}, scale {} ({} of the people simulated), {} to {}</small></p>",
            esc(&m.name),
            if single || i > 0 { "" } else { " (reference)" },
            esc(if m.description.is_empty() {
                "(no description)"
            } else {
                &m.description
            }),
            esc(&m.version),
            match r.ensemble.len() {
                0 => format!("seed {}", m.seed),
                n => format!(
                    "ensemble of {n} seeds (ensemble.csv; the first, {}, gives the monthly, provincial and commune tables): \
                     headline numbers and yearly lines are means, with the 5–95% range over the seeds",
                    m.seed
                ),
            },
            m.scale,
            percent(m.people_share),
            m.start,
            m.end
        );
    }
    h.push_str(
        "<p class=\"note\">The communes, brigades and teams of this model are <b>synthetic</b>: drawn from \
         1955–57 provincial data (population, grain output, birth and death rates) with documented size \
         distributions, not the historical units. Totals are shown as national equivalents (simulated \
         totals ÷ the share of people simulated). Official series (points in the charts) come from \
         <code>data/history/national.csv</code>, compiled from the State Statistical Bureau's yearbook series \
         and the literature; sources are listed in <code>data/README.md</code>. <b>Registered death rates \
         understate famine deaths</b>: deaths went unregistered during the famine, and demographers' \
         estimates of excess deaths range widely",
    );
    if let Some((lo, hi)) = excess_range() {
        let _ = write!(h, " (from {lo:.1} to {hi:.1} million in that file)");
    }
    h.push_str(
        ". Judgement parameters of the historical scenario are fitted to the national series by <code>commune-sim calibrate</code> (the fit table shows how well); where the fit misses, read the numbers as the behaviour of the mechanisms, not as estimates.</p>\n",
    );

    // Knobs.
    h.push_str("<h2>Headline knobs</h2>\n<table>\n<tr><th>parameter</th>");
    for r in runs {
        let _ = write!(h, "<th>{}</th>", esc(&r.meta.name));
    }
    h.push_str("</tr>\n");
    for (section, key, what) in KNOBS {
        let _ = write!(
            h,
            "<tr><td><code>{section}.{key}</code> — {}</td>",
            esc(what)
        );
        for r in runs {
            let _ = write!(h, "<td>{}</td>", esc(&value_text(r.param(section, key))));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");

    // Headline numbers.
    let _ = writeln!(
        h,
        "<h2>Headline numbers</h2>\n<p>National equivalents; {}–{} inclusive.{}</p>",
        LEAP_YEARS.0,
        LEAP_YEARS.1,
        if single {
            ""
        } else {
            " Differences are against the first scenario."
        }
    );
    h.push_str("<table>\n<tr><th>measure</th><th>unit</th>");
    for (i, r) in runs.iter().enumerate() {
        let _ = write!(h, "<th>{}</th>", esc(&r.meta.name));
        if i > 0 {
            let _ = write!(h, "<th>difference</th>");
        }
    }
    h.push_str("</tr>\n");
    let tables: Vec<Vec<Metric>> = runs.iter().map(headline).collect();
    if let Some(first) = tables.first() {
        for (mi, m) in first.iter().enumerate() {
            let _ = write!(h, "<tr><td>{}</td><td>{}</td>", esc(&m.label), esc(m.unit));
            for (i, t) in tables.iter().enumerate() {
                let v = &t[mi];
                let note = if v.note.is_empty() {
                    String::new()
                } else {
                    format!(" {}", v.note)
                };
                let range = if v.seeds > 1 {
                    format!(" ({}–{})", number(v.p5), number(v.p95))
                } else {
                    String::new()
                };
                let _ = write!(
                    h,
                    "<td class=\"n\">{}{}{}</td>",
                    number(v.value),
                    esc(&range),
                    esc(&note)
                );
                if i > 0 {
                    let d = v.value - m.value;
                    let pct = if m.value != 0.0 && m.value.is_finite() {
                        format!(" ({:+.0}%)", 100.0 * d / m.value)
                    } else {
                        String::new()
                    };
                    let class = if d > 0.0 {
                        "pos"
                    } else if d < 0.0 {
                        "neg"
                    } else {
                        ""
                    };
                    let _ = write!(h, "<td class=\"n {class}\">{}{}</td>", signed(d), pct);
                }
            }
            h.push_str("</tr>\n");
        }
    }
    h.push_str("</table>\n");
    if !single {
        let _ = writeln!(h, "<p>The same numbers are in <code>{HEADLINE}</code>.</p>");
    }

    // Fit tables.
    for r in runs {
        if let Some(fit) = &r.fit {
            let _ = writeln!(
                h,
                "<h2>Fit to the official series: {}</h2>",
                esc(&r.meta.name)
            );
            text_table(&mut h, fit);
        }
    }

    // Charts.
    h.push_str("<h2>Charts</h2>\n");
    for d in drawn {
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n{}\n<figcaption>{} — also <a href=\"charts/{}.png\">PNG</a> and \
             <a href=\"charts/{}.svg\">SVG</a> in this folder.</figcaption>\n</figure>",
            d.name,
            svg_body(&d.svg),
            esc(&d.title),
            d.name,
            d.name
        );
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// A share as a percentage with three significant figures or one decimal.
fn percent(share: f64) -> String {
    let p = 100.0 * share;
    if p >= 10.0 {
        format!("{p:.1}%")
    } else {
        let s = format!("{p:.3}");
        format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
    }
}

fn signed(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let s = number(v);
    if v > 0.0 && s != "0.0" {
        format!("+{s}")
    } else {
        s
    }
}

/// The smallest and largest literature estimate of excess deaths in the official file.
fn excess_range() -> Option<(f64, f64)> {
    let text = include_str!("../../data/history/national.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let values: Vec<f64> = reader
        .records()
        .flatten()
        .filter(|r| r.get(0).is_some_and(|s| s.starts_with("excess_deaths_")))
        .filter(|r| r.get(3).is_some_and(|u| u.starts_with("million")))
        .filter_map(|r| r.get(2)?.parse().ok())
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// The SVG document without its XML prolog, for inlining.
fn svg_body(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

fn text_table(h: &mut String, t: &TextTable) {
    h.push_str("<table>\n<tr>");
    for c in &t.header {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr>\n");
    for row in &t.rows {
        h.push_str("<tr>");
        for c in row {
            let class = if c.parse::<f64>().is_ok() {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{}</td>", esc(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_text() {
        let t: toml::Table = r#"a = { "1960-01" = 0.2, "1961-01" = 0.6 }
b = true
c = "historical"
d = 0.25"#
            .parse()
            .unwrap();
        assert_eq!(value_text(t.get("a")), "0.2 from 1960-01; 0.6 from 1961-01");
        assert_eq!(value_text(t.get("b")), "on");
        assert_eq!(value_text(t.get("c")), "historical");
        assert_eq!(value_text(t.get("d")), "0.25");
        assert_eq!(value_text(None), "—");
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn excess_death_estimates_are_found() {
        let (lo, hi) = excess_range().unwrap();
        assert!(lo > 0.0 && hi > lo);
    }
}
