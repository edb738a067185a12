//! The fit table: model against the official record, year by year (MODEL §7), for every run
//! and for calibration.
//!
//! Targets come from `data/history/national.csv` (compiled in): grain output (1980s yearbook
//! series), the believed ÷ true ratio (output claimed at the time ÷ the yearbook series: the
//! claims — 375 Mt for 1958 at Wuchang, 270 Mt for 1959 after the Lushan revision, 150 Mt for
//! 1960 — are the centre's figures, so they are compared with the planner's belief, the
//! provinces' reports less the planner's discount ν),
//! the procurement share of output, the share of procurement not resold to the countryside
//! (compared, weight 0), year-end population, and the registered crude birth and death rates.
//! Registered death rates understate famine deaths (reconstructions are two to three times
//! higher in the worst years): a model that fits them undercounts excess deaths. Two more rows
//! come from totals: excess deaths 1958–62 against the reconstructions, and (compared, weight
//! 0) the provincial pattern of Meng, Qian & Yared. Rows with an acceptance band ([`Band`])
//! give it in `band_low` and `band_high`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{NationalYearRow, ProvinceYearRow};

const NATIONAL_CSV: &str = include_str!("../../data/history/national.csv");

/// One compared quantity: which column of `national_yearly.csv`, which series of the data, and
/// how much it weighs in the calibration objective.
struct Target {
    name: &'static str,
    unit: &'static str,
    /// Weight of a year's row in the calibration objective.
    weight: fn(u32) -> f64,
    /// The model's value from a yearly row, in national-equivalent units (`k` = 1/people_share).
    model: fn(&NationalYearRow, f64) -> f64,
    /// The official value for a year, from the data series.
    official: fn(&Series, u32) -> Option<f64>,
    /// The acceptance band of a year's model value, given the official value ([`Band`]).
    band: fn(u32, f64) -> Band,
}

/// Where a model value must lie for the historical run to count as agreeing with the record
/// (low, high): the validation targets of the historical scenario (MODEL §7 and the record:
/// output within 7% of the yearbook series, 3% in 1957; believed ÷ true 1.6–2.1 in 1958,
/// 1.3–1.8 in 1959, below 1.15 in 1960; procurement 20–28% of output in 1957, 33–43% in 1959;
/// a death rate of 20–45‰ in 1960; 15–45 M excess deaths, the range of the reconstructions).
/// The calibration objective adds a steep cost for leaving a band ([`BAND_PENALTY`]): the fit
/// is least squares among the parameter sets that reproduce every pattern, as in
/// pattern-oriented modelling (Grimm et al. 2005).
pub type Band = Option<(f64, f64)>;

/// Cost per squared log distance outside a band, against 1 per squared log error inside:
/// leaving a band by 1% costs as much as a 10% miss on a row of weight 1.
pub const BAND_PENALTY: f64 = 100.0;

/// How far inside its band (log distance) the objective wants a value: the calibration runs
/// 1% of the communes, and the full run differs from it by up to about half a percent.
pub const BAND_MARGIN: f64 = 0.01;

fn no_band(_: u32, _: f64) -> Band {
    None
}

/// The national series as (series, year) → value, and the totals over a span of years (such as
/// the reconstructions of excess deaths) as series → value.
pub struct Series {
    yearly: BTreeMap<(String, u32), f64>,
    totals: BTreeMap<String, f64>,
}

impl Series {
    /// The series compiled into the program.
    pub fn compiled() -> Series {
        Series::parse(NATIONAL_CSV)
    }

    /// Reads `series, year, value, ...` rows; rows with a span of years (`1958-1961`) are
    /// totals; rows with no number are skipped.
    pub fn parse(text: &str) -> Series {
        let mut yearly = BTreeMap::new();
        let mut totals = BTreeMap::new();
        for r in csv::Reader::from_reader(text.as_bytes())
            .records()
            .flatten()
        {
            let (Some(s), Some(y), Some(v)) = (r.get(0), r.get(1), r.get(2)) else {
                continue;
            };
            let Ok(v) = v.parse::<f64>() else { continue };
            if let Ok(y) = y.parse::<u32>() {
                yearly.insert((s.to_string(), y), v);
            } else if y.contains('-') {
                totals.insert(s.to_string(), v);
            }
        }
        Series { yearly, totals }
    }

    pub fn get(&self, series: &str, year: u32) -> Option<f64> {
        self.yearly.get(&(series.to_string(), year)).copied()
    }

    /// A total over a span of years.
    pub fn total(&self, series: &str) -> Option<f64> {
        self.totals.get(series).copied()
    }

    /// The median of the demographic reconstructions of excess deaths that the data hold,
    /// million.
    pub fn excess_deaths_m(&self) -> Option<f64> {
        let mut v: Vec<f64> = RECONSTRUCTIONS
            .iter()
            .filter_map(|s| self.total(s))
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        Some(if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        })
    }
}

/// Demographic reconstructions of the famine's excess deaths (MODEL §7.5: 16.5–45 M, central
/// ~30 M). Their spans differ (1958–61, 1959–61, 1958–62); the famine's deaths fall almost all in
/// 1959–61, so they are compared with the model's 1958–62 total.
const RECONSTRUCTIONS: &[&str] = &[
    "excess_deaths_peng1987",
    "excess_deaths_coale1984",
    "excess_deaths_banister1987",
    "excess_deaths_ashton1984",
    "excess_deaths_cao2005",
    "excess_deaths_yang_jisheng",
    "excess_deaths_jiang_zhenghua",
];

/// Weight of the excess-deaths row in the calibration objective.
const EXCESS_WEIGHT: f64 = 1.0;

/// Weight of each year's grain output: the record the production side is judged by (the
/// bands of the historical scenario are on output), so it counts for more than one series
/// among six.
const OUTPUT_WEIGHT: f64 = 2.0;

/// Years whose registered deaths miss a large share of the famine's: the reconstructions put
/// the 1959–61 death rates at one and a half to two times the registered ones, so these rows
/// weigh little and the excess-deaths row carries the famine's size.
const UNDER_REGISTERED: std::ops::RangeInclusive<u32> = 1959..=1961;
const UNDER_REGISTERED_WEIGHT: f64 = 0.25;

const TARGETS: &[Target] = &[
    Target {
        name: "grain_output_mt",
        unit: "Mt",
        weight: |_| OUTPUT_WEIGHT,
        model: |r, k| r.grain_output_mt * k,
        official: |s, y| s.get("grain_output_official_1980s_series", y),
        band: |y, official| {
            let tolerance = if y == 1957 { 0.03 } else { 0.07 };
            Some((official * (1.0 - tolerance), official * (1.0 + tolerance)))
        },
    },
    Target {
        name: "believed_to_true",
        unit: "ratio",
        weight: |_| 1.0,
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
        band: |y, _| match y {
            1958 => Some((1.6, 2.1)),
            1959 => Some((1.3, 1.8)),
            1960 => Some((0.0, 1.15)),
            _ => None,
        },
    },
    Target {
        name: "procurement_share",
        unit: "share",
        weight: |_| 1.0,
        model: |r, _| r.procurement_share,
        official: |s, y| Some(s.get("grain_procurement_share_of_output", y)? / 100.0),
        band: |y, _| match y {
            1957 => Some((0.20, 0.28)),
            1959 => Some((0.33, 0.43)),
            _ => None,
        },
    },
    Target {
        // Compared, not fitted (weight 0): the model's resales are a relief rate on need, with
        // no planned sales to grain-poor places, so it cannot match them yet (ODD §9).
        name: "net_to_gross_procurement",
        unit: "ratio (procurement less resales ÷ procurement)",
        weight: |_| 0.0,
        model: |r, _| {
            if r.procurement_mt > 0.0 {
                (r.procurement_mt - r.resales_mt) / r.procurement_mt
            } else {
                0.0
            }
        },
        official: |s, y| s.get("grain_procurement_net_to_gross", y),
        band: no_band,
    },
    Target {
        name: "population_m",
        unit: "million",
        weight: |_| 0.5,
        model: |r, k| r.population as f64 * k / 1e6,
        official: |s, y| s.get("population_total_yearend", y),
        band: no_band,
    },
    Target {
        name: "cbr_per_1000",
        unit: "per 1000",
        weight: |_| 0.5,
        model: |r, _| r.cbr_per_1000,
        official: |s, y| s.get("cbr_official", y),
        band: no_band,
    },
    Target {
        name: "cdr_per_1000",
        unit: "per 1000 (registered)",
        weight: |year| {
            if UNDER_REGISTERED.contains(&year) {
                UNDER_REGISTERED_WEIGHT
            } else {
                1.0
            }
        },
        model: |r, _| r.cdr_per_1000,
        official: |s, y| s.get("cdr_official", y),
        band: |y, _| (y == 1960).then_some((20.0, 45.0)),
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
    /// The acceptance band of the model value, if the row has one ([`Band`]).
    pub band_low: Option<f64>,
    pub band_high: Option<f64>,
}

/// Model against official for every target and every simulated year that has data.
/// `people_share` is the simulated share of the country (totals are scaled up by its inverse).
pub fn table(
    yearly: &[NationalYearRow],
    provinces: &[ProvinceYearRow],
    people_share: f64,
    series: &Series,
) -> Vec<FitRow> {
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
            rows.push(row(
                t.name,
                t.unit,
                r.year,
                (t.model)(r, k),
                official,
                (t.weight)(r.year),
                (t.band)(r.year, official),
            ));
        }
    }
    // Registered deaths understate the famine; the reconstructions do not.
    if let (Some(model), Some(official)) = (
        excess_deaths_m(yearly, people_share),
        series.excess_deaths_m(),
    ) {
        rows.push(row(
            "excess_deaths_1958_62_m",
            "million (median of demographic reconstructions)",
            1962,
            model,
            official,
            EXCESS_WEIGHT,
            Some((15.0, 45.0)),
        ));
    }
    // The provincial pattern (MODEL §7 item 6), compared and not fitted: provincial outcomes
    // are a held-out validation set.
    if let (Some(model), Some(official)) = (
        output_mortality_correlation(provinces),
        series.total("param_province_output_mortality_correlation_mqy"),
    ) {
        rows.push(row(
            "province_output_mortality_correlation",
            "correlation across provinces of log 1958 output per head and log 1959 death rate",
            1959,
            model,
            official,
            0.0,
            None,
        ));
    }
    rows
}

/// The correlation across provinces (the "rest of China" aggregate left out) of log 1958
/// grain output per rural person with the log 1959 death rate: Meng, Qian & Yared's famine
/// pattern, positive in the record (more grain, more deaths, through inflexible procurement).
/// `None` unless the run covers both years in at least three provinces.
pub fn output_mortality_correlation(provinces: &[ProvinceYearRow]) -> Option<f64> {
    let of_year = |year: u32| {
        provinces
            .iter()
            .filter(move |r| r.year == year && r.province != crate::world::data::REST_OF_CHINA)
    };
    let mut pairs = Vec::new();
    for a in of_year(1958) {
        let Some(b) = of_year(1959).find(|b| b.province == a.province) else {
            continue;
        };
        if a.population > 0 && a.grain_output_mt > 0.0 && b.cdr_per_1000 > 0.0 {
            pairs.push((
                (a.grain_output_mt / a.population as f64).ln(),
                b.cdr_per_1000.ln(),
            ));
        }
    }
    correlation(&pairs)
}

/// Pearson's correlation of the pairs (`None` for fewer than three, or no spread).
fn correlation(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p.0 / n, y + p.1 / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// The run's excess deaths 1958–62, national equivalent, million (`None` unless the run covers
/// all five years).
pub fn excess_deaths_m(yearly: &[NationalYearRow], people_share: f64) -> Option<f64> {
    let k = if people_share > 0.0 {
        1.0 / people_share
    } else {
        1.0
    };
    let famine: Vec<&NationalYearRow> = yearly
        .iter()
        .filter(|r| (1958..=1962).contains(&r.year))
        .collect();
    (famine.len() == 5).then(|| famine.iter().map(|r| r.excess_deaths).sum::<f64>() * k / 1e6)
}

/// A fit row, rounded to four decimals.
pub fn row(
    series: &str,
    unit: &str,
    year: u32,
    model: f64,
    official: f64,
    weight: f64,
    band: Band,
) -> FitRow {
    let round = |x: f64| (x * 1e4).round() / 1e4;
    FitRow {
        series: series.to_string(),
        unit: unit.to_string(),
        year,
        model: round(model),
        official: round(official),
        error: round(if official != 0.0 {
            model / official - 1.0
        } else {
            0.0
        }),
        weight,
        band_low: band.map(|b| round(b.0)),
        band_high: band.map(|b| round(b.1)),
    }
}

/// The calibration objective: the weighted mean of squared log ratios of model to official
/// (0 is a perfect fit; 0.01 is about a 10% miss everywhere), plus [`BAND_PENALTY`] times the
/// squared log distance of each value outside its acceptance band (narrowed by
/// [`BAND_MARGIN`]).
pub fn objective(rows: &[FitRow]) -> f64 {
    least_squares(rows) + BAND_PENALTY * outside_bands(rows)
}

fn log_ratio(a: f64, b: f64) -> f64 {
    (a.max(1e-9) / b.max(1e-9)).ln()
}

/// The weighted mean of squared log ratios of model to official.
pub fn least_squares(rows: &[FitRow]) -> f64 {
    let (mut sum, mut weights) = (0.0, 0.0);
    for r in rows {
        let ratio = log_ratio(r.model, r.official);
        sum += r.weight * ratio * ratio;
        weights += r.weight;
    }
    if weights > 0.0 { sum / weights } else { 0.0 }
}

/// The sum over rows of the squared log distance of the model value outside its band less
/// [`BAND_MARGIN`] on each side.
pub fn outside_bands(rows: &[FitRow]) -> f64 {
    rows.iter()
        .map(|r| {
            let below = r
                .band_low
                .map_or(0.0, |lo| (log_ratio(lo, r.model) + BAND_MARGIN).max(0.0));
            let above = r
                .band_high
                .map_or(0.0, |hi| (log_ratio(r.model, hi) + BAND_MARGIN).max(0.0));
            below * below + above * above
        })
        .sum()
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
        // Peng 23, Coale 27, Banister 30, Ashton 30, Cao 32.5, Yang 36, Jiang 17 → 30.
        assert_eq!(s.excess_deaths_m(), Some(30.0));
    }

    #[test]
    fn leaving_an_acceptance_band_costs_band_penalty_times_the_squared_log_distance() {
        // Just inside the band, within the margin, costs a little.
        let edge = row("x", "", 1962, 106.5, 100.0, 2.0, Some((93.0, 107.0)));
        let near = (106.5f64 / 107.0).ln() + BAND_MARGIN;
        let expect = 1.065f64.ln().powi(2) + BAND_PENALTY * near * near;
        assert!((objective(&[edge]) - expect).abs() < 1e-12);
        let inside = row("x", "", 1962, 105.0, 100.0, 2.0, Some((93.0, 107.0)));
        let plain = row("x", "", 1962, 105.0, 100.0, 2.0, None);
        assert_eq!(
            objective(&[inside]),
            objective(std::slice::from_ref(&plain))
        );
        let mean = 1.05f64.ln().powi(2);
        assert!((objective(&[plain]) - mean).abs() < 1e-12);

        let above = row("x", "", 1962, 110.0, 100.0, 2.0, Some((93.0, 107.0)));
        let out = (110.0f64 / 107.0).ln() + BAND_MARGIN;
        let expect = 1.1f64.ln().powi(2) + BAND_PENALTY * out * out;
        assert!((objective(&[above]) - expect).abs() < 1e-12);
        let below = row("x", "", 1962, 90.0, 100.0, 2.0, Some((93.0, 107.0)));
        let out = (93.0f64 / 90.0).ln() + BAND_MARGIN;
        let expect = 0.9f64.ln().powi(2) + BAND_PENALTY * out * out;
        assert!((objective(&[below]) - expect).abs() < 1e-12);
        // A band open below (zero) costs nothing however small the value.
        let open = row("x", "", 1960, 0.5, 1.0, 1.0, Some((0.0, 1.15)));
        assert!((objective(&[open]) - 0.5f64.ln().powi(2)).abs() < 1e-12);
    }

    #[test]
    fn pearsons_correlation_of_exact_lines_is_one_or_minus_one() {
        let up = [(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)];
        assert!((correlation(&up).unwrap() - 1.0).abs() < 1e-12);
        let down = [(1.0, 2.0), (2.0, 0.0), (3.0, -2.0)];
        assert!((correlation(&down).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(correlation(&up[..2]), None);
        assert_eq!(correlation(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)]), None);
        // x: 1, 2, 3; y: 1, 3, 2 → cov 0.5 / sqrt(1 · 1).
        let mixed = [(1.0, 1.0), (2.0, 3.0), (3.0, 2.0)];
        assert!((correlation(&mixed).unwrap() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_output_band_is_seven_percent_and_three_in_1957() {
        let band = |y, official| {
            let (lo, hi) = (TARGETS[0].band)(y, official).unwrap();
            ((lo * 1e9).round() / 1e9, (hi * 1e9).round() / 1e9)
        };
        assert_eq!(band(1962, 160.0), (148.8, 171.2));
        assert_eq!(band(1957, 200.0), (194.0, 206.0));
    }
}
