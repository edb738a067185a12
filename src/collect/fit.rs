//! The fit table: model against the official record, year by year (MODEL §7), for every run
//! and for calibration.
//!
//! Targets come from `data/history/national.csv` (compiled in): grain output (1980s yearbook
//! series), the believed ÷ true ratio (output claimed at the time ÷ the yearbook series: the
//! claims — 375 Mt for 1958 at Wuchang, 270 Mt for 1959 after the Lushan revision, 150 Mt for
//! 1960 — are the centre's figures, so they are compared with the planner's belief, the
//! provinces' reports less the planner's discount ν),
//! the procurement share of output, year-end population, and the registered crude birth and
//! death rates. Registered death rates understate famine deaths (reconstructions are two to
//! three times higher in the worst years): a model that fits them undercounts excess deaths.

use std::collections::BTreeMap;

use serde::Serialize;

use super::NationalYearRow;

const NATIONAL_CSV: &str = include_str!("../../data/history/national.csv");

/// One compared quantity: which column of `national_yearly.csv`, which series of the data, and
/// how much it weighs in the calibration objective.
struct Target {
    name: &'static str,
    unit: &'static str,
    weight: f64,
    /// The model's value from a yearly row, in national-equivalent units (`k` = 1/people_share).
    model: fn(&NationalYearRow, f64) -> f64,
    /// The official value for a year, from the data series.
    official: fn(&Series, u32) -> Option<f64>,
}

/// The national series as (series, year) → value.
pub struct Series(BTreeMap<(String, u32), f64>);

impl Series {
    /// The series compiled into the program.
    pub fn compiled() -> Series {
        Series::parse(NATIONAL_CSV)
    }

    /// Reads `series, year, value, ...` rows; rows with a year range or no number are skipped.
    pub fn parse(text: &str) -> Series {
        let mut map = BTreeMap::new();
        for r in csv::Reader::from_reader(text.as_bytes())
            .records()
            .flatten()
        {
            let (Some(s), Some(y), Some(v)) = (r.get(0), r.get(1), r.get(2)) else {
                continue;
            };
            if let (Ok(y), Ok(v)) = (y.parse::<u32>(), v.parse::<f64>()) {
                map.insert((s.to_string(), y), v);
            }
        }
        Series(map)
    }

    pub fn get(&self, series: &str, year: u32) -> Option<f64> {
        self.0.get(&(series.to_string(), year)).copied()
    }
}

const TARGETS: &[Target] = &[
    Target {
        name: "grain_output_mt",
        unit: "Mt",
        weight: 1.0,
        model: |r, k| r.grain_output_mt * k,
        official: |s, y| s.get("grain_output_official_1980s_series", y),
    },
    Target {
        name: "believed_to_true",
        unit: "ratio",
        weight: 1.0,
        model: |r, _| {
            if r.grain_output_mt > 0.0 {
                r.grain_believed_mt / r.grain_output_mt
            } else {
                0.0
            }
        },
        official: |s, y| {
            let claimed = s
                .get("grain_output_claimed_at_time", y)
                .or_else(|| s.get("grain_output_claimed_by_mao_to_montgomery", y))?;
            Some(claimed / s.get("grain_output_official_1980s_series", y)?)
        },
    },
    Target {
        name: "procurement_share",
        unit: "share",
        weight: 1.0,
        model: |r, _| r.procurement_share,
        official: |s, y| Some(s.get("grain_procurement_share_of_output", y)? / 100.0),
    },
    Target {
        name: "population_m",
        unit: "million",
        weight: 0.5,
        model: |r, k| r.population as f64 * k / 1e6,
        official: |s, y| s.get("population_total_yearend", y),
    },
    Target {
        name: "cbr_per_1000",
        unit: "per 1000",
        weight: 0.5,
        model: |r, _| r.cbr_per_1000,
        official: |s, y| s.get("cbr_official", y),
    },
    Target {
        name: "cdr_per_1000",
        unit: "per 1000 (registered)",
        weight: 1.0,
        model: |r, _| r.cdr_per_1000,
        official: |s, y| s.get("cdr_official", y),
    },
];

/// One row of `fit.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct FitRow {
    /// The compared quantity (a column of `national_yearly.csv`, scaled to the country).
    pub series: String,
    pub unit: String,
    pub year: u32,
    /// The model's value, national equivalent.
    pub model: f64,
    /// The official value (data/history/national.csv).
    pub official: f64,
    /// model ÷ official − 1.
    pub error: f64,
    /// Weight of this row in the calibration objective.
    pub weight: f64,
}

/// Model against official for every target and every simulated year that has data.
/// `people_share` is the simulated share of the country (totals are scaled up by its inverse).
pub fn table(yearly: &[NationalYearRow], people_share: f64, series: &Series) -> Vec<FitRow> {
    let k = if people_share > 0.0 {
        1.0 / people_share
    } else {
        1.0
    };
    let mut rows = Vec::new();
    for t in TARGETS {
        for r in yearly {
            let Some(official) = (t.official)(series, r.year) else {
                continue;
            };
            let model = (t.model)(r, k);
            let round = |x: f64| (x * 1e4).round() / 1e4;
            rows.push(FitRow {
                series: t.name.to_string(),
                unit: t.unit.to_string(),
                year: r.year,
                model: round(model),
                official: round(official),
                error: round(if official != 0.0 {
                    model / official - 1.0
                } else {
                    0.0
                }),
                weight: t.weight,
            });
        }
    }
    rows
}

/// The calibration objective: the weighted mean of squared log ratios of model to official
/// (0 is a perfect fit; 0.01 is about a 10% miss everywhere).
pub fn objective(rows: &[FitRow]) -> f64 {
    let (mut sum, mut weights) = (0.0, 0.0);
    for r in rows {
        let ratio = (r.model.max(1e-9) / r.official.max(1e-9)).ln();
        sum += r.weight * ratio * ratio;
        weights += r.weight;
    }
    if weights > 0.0 { sum / weights } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_series_have_every_target_for_the_leap() {
        let s = Series::compiled();
        for t in TARGETS {
            for y in 1958..=1960 {
                assert!((t.official)(&s, y).is_some(), "{} {y}", t.name);
            }
        }
        let ratio = (TARGETS[1].official)(&s, 1958).unwrap();
        assert!((ratio - 1.875).abs() < 1e-9, "{ratio}");
        assert_eq!((TARGETS[0].official)(&s, 1961), Some(147.5));
    }
}
