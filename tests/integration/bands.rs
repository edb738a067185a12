//! The historical scenario against the bands of the historical record, and the counterfactuals
//! against the directions the literature finds (MODEL §7). Runs at the calibration scale, 1% of
//! the communes, where per-person results are those of the full run within a few per cent.
//!
//! Each band is its own test, so a failure names the band. The calibration's objective
//! (`collect::fit`) carries the same bands as a penalty; these tests are the record's bands as
//! stated, independent of that code.

use std::sync::OnceLock;

use commune_sim::app;
use commune_sim::collect::NationalYearRow;

use crate::common::load;

/// The calibration scale: 235 communes.
const SCALE: f64 = 0.01;

/// What the bands are judged on, in national-equivalent units.
struct Outcome {
    rows: Vec<NationalYearRow>,
    /// Persons per simulated person.
    k: f64,
}

impl Outcome {
    fn of(relative: &str) -> Outcome {
        let mut s = load(relative);
        s.params.population.scale = SCALE;
        let sim = app::simulate(&s);
        Outcome {
            rows: sim.recorder.yearly.clone(),
            k: 1.0 / sim.world.centre.people_share,
        }
    }

    fn year(&self, y: u32) -> &NationalYearRow {
        self.rows
            .iter()
            .find(|r| r.year == y)
            .expect("year simulated")
    }

    fn output_mt(&self, y: u32) -> f64 {
        self.year(y).grain_output_mt * self.k
    }

    fn believed_to_true(&self, y: u32) -> f64 {
        let r = self.year(y);
        r.grain_believed_mt / r.grain_output_mt
    }

    /// Excess deaths 1958–1962, millions (as the fit table counts them).
    fn excess_deaths_m(&self) -> f64 {
        commune_sim::collect::fit::excess_deaths_m(&self.rows, 1.0 / self.k)
            .expect("the run covers 1958–62")
    }
}

/// The historical run, simulated once for all the tests of this module.
fn historical() -> &'static Outcome {
    static RUN: OnceLock<Outcome> = OnceLock::new();
    RUN.get_or_init(|| Outcome::of("scenarios/historical.toml"))
}

fn within(what: &str, value: f64, lo: f64, hi: f64) {
    assert!(
        (lo..=hi).contains(&value),
        "{what} = {value:.3}, outside [{lo:.2}, {hi:.2}]"
    );
}

/// Output within `tolerance` of the official 1980s series.
fn output_near(y: u32, official: f64, tolerance: f64) {
    within(
        &format!("output {y} ÷ official {official} Mt"),
        historical().output_mt(y) / official,
        1.0 - tolerance,
        1.0 + tolerance,
    );
}

#[test]
fn output_1957_is_within_3_percent_and_1960_within_7() {
    output_near(1957, 195.05, 0.03);
    output_near(1960, 143.5, 0.07);
}

#[test]
fn output_1958_is_within_7_percent() {
    output_near(1958, 200.0, 0.07);
}

#[test]
fn output_1959_is_within_7_percent() {
    output_near(1959, 170.0, 0.07);
}

#[test]
fn output_1961_is_within_7_percent() {
    output_near(1961, 147.5, 0.07);
}

#[test]
fn output_1962_is_within_7_percent() {
    output_near(1962, 160.0, 0.07);
}

#[test]
fn the_planner_believes_inflated_reports_in_1958_and_learns_by_1960() {
    let h = historical();
    within("believed ÷ true 1958", h.believed_to_true(1958), 1.6, 2.1);
    within("believed ÷ true 1960", h.believed_to_true(1960), 0.0, 1.15);
}

#[test]
fn the_planner_believes_inflated_reports_in_1959() {
    within(
        "believed ÷ true 1959",
        historical().believed_to_true(1959),
        1.3,
        1.8,
    );
}

#[test]
fn procurement_takes_a_quarter_in_1957_and_a_third_or_more_in_1959() {
    let h = historical();
    let share = |y| h.year(y).procurement_share;
    within("procurement share 1957", share(1957), 0.20, 0.28);
    within("procurement share 1959", share(1959), 0.33, 0.43);
}

#[test]
fn deaths_peak_in_1960_and_births_bottom_out_then_rebound() {
    let h = historical();
    let cdr = |y| h.year(y).cdr_per_1000;
    let peak = (1957..=1962)
        .max_by(|&a, &b| cdr(a).total_cmp(&cdr(b)))
        .unwrap();
    assert_eq!(peak, 1960, "the death rate peaks in {peak}");
    within("CDR 1960", cdr(1960), 20.0, 45.0);
    within("excess deaths 1958–62 (M)", h.excess_deaths_m(), 15.0, 45.0);
    let cbr = |y| h.year(y).cbr_per_1000;
    let trough = (1957..=1962)
        .min_by(|&a, &b| cbr(a).total_cmp(&cbr(b)))
        .unwrap();
    assert!(
        trough == 1960 || trough == 1961,
        "births bottom out in {trough}"
    );
    assert!(cbr(1962) > cbr(1961), "no rebound of births in 1962");
}

#[test]
fn much_of_the_1958_backyard_iron_is_unusable() {
    let iron = historical().year(1958);
    within(
        "usable share of 1958 iron",
        iron.pig_iron_usable_mt / iron.pig_iron_reported_mt,
        0.2,
        0.7,
    );
}

/// The share of the historical excess deaths that `file` avoids.
fn deaths_cut(file: &str) -> f64 {
    1.0 - Outcome::of(file).excess_deaths_m() / historical().excess_deaths_m()
}

#[test]
fn honest_reports_cut_excess_deaths_by_at_least_30_percent() {
    let cut = deaths_cut("scenarios/honest_reporting.toml");
    assert!(
        cut >= 0.3,
        "honest reports cut excess deaths by {:.0}%",
        cut * 100.0
    );
}

#[test]
fn flexible_quotas_cut_excess_deaths_by_at_least_30_percent() {
    let cut = deaths_cut("scenarios/flexible_procurement.toml");
    assert!(
        cut >= 0.3,
        "flexible quotas cut excess deaths by {:.0}%",
        cut * 100.0
    );
}

#[test]
fn without_diversion_1959_to_1961_output_is_higher() {
    let h = historical();
    let n = Outcome::of("scenarios/no_diversion.toml");
    for y in 1959..=1961 {
        assert!(
            n.output_mt(y) > h.output_mt(y),
            "without diversion, {y} output {:.1} Mt is not above {:.1} Mt",
            n.output_mt(y),
            h.output_mt(y)
        );
    }
}

#[test]
fn with_neutral_weather_at_least_half_the_excess_deaths_remain() {
    let left = 1.0 - deaths_cut("scenarios/neutral_weather.toml");
    assert!(
        left >= 0.5,
        "with neutral weather only {:.0}% of the excess deaths are left: the famine would be \
         mostly natural",
        left * 100.0
    );
}
