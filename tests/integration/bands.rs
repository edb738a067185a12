//! The historical scenario against the bands of the historical record, and the counterfactuals
//! against the directions the literature finds (MODEL §7). Runs at the calibration scale, 1% of
//! the communes, where per-person results are those of the full run within sampling noise.

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
        self.rows.iter().find(|r| r.year == y).expect("year simulated")
    }

    fn output_mt(&self, y: u32) -> f64 {
        self.year(y).grain_output_mt * self.k
    }

    fn believed_to_true(&self, y: u32) -> f64 {
        let r = self.year(y);
        r.grain_believed_mt / r.grain_output_mt
    }

    /// Excess deaths 1958–1962, millions.
    fn excess_deaths_m(&self) -> f64 {
        (1958..=1962)
            .map(|y| self.year(y).excess_deaths)
            .sum::<f64>()
            * self.k
            / 1e6
    }
}

fn within(what: &str, value: f64, lo: f64, hi: f64) {
    assert!(
        (lo..=hi).contains(&value),
        "{what} = {value:.3}, outside [{lo}, {hi}]"
    );
}

#[test]
fn the_historical_run_stays_within_the_bands_of_the_record() {
    let h = Outcome::of("scenarios/historical.toml");
    // Grain output: 1957 within 3% of 195 Mt, 1958–62 within 7% of the 1980s series.
    within("output 1957 / 195", h.output_mt(1957) / 195.05, 0.97, 1.03);
    for (y, official) in [
        (1958, 200.0),
        (1959, 170.0),
        (1960, 143.5),
        (1961, 147.5),
        (1962, 160.0),
    ] {
        within(
            &format!("output {y} / {official}"),
            h.output_mt(y) / official,
            0.93,
            1.07,
        );
    }
    within("believed ÷ true 1958", h.believed_to_true(1958), 1.6, 2.1);
    within("believed ÷ true 1959", h.believed_to_true(1959), 1.3, 1.8);
    within("believed ÷ true 1960", h.believed_to_true(1960), 0.0, 1.15);
    within(
        "procurement share 1957",
        h.year(1957).procurement_share,
        0.20,
        0.28,
    );
    within(
        "procurement share 1959",
        h.year(1959).procurement_share,
        0.33,
        0.43,
    );
    // Deaths peak in 1960 at 20–45 per 1000; 15–45 million excess deaths; births bottom out in
    // 1960 or 1961 and rebound in 1962.
    let cdr = |y| h.year(y).cdr_per_1000;
    let peak = (1957..=1962).max_by(|&a, &b| cdr(a).total_cmp(&cdr(b))).unwrap();
    assert_eq!(peak, 1960, "the death rate peaks in {peak}");
    within("CDR 1960", cdr(1960), 20.0, 45.0);
    within("excess deaths 1958–62 (M)", h.excess_deaths_m(), 15.0, 45.0);
    let cbr = |y| h.year(y).cbr_per_1000;
    let trough = (1957..=1962).min_by(|&a, &b| cbr(a).total_cmp(&cbr(b))).unwrap();
    assert!(
        trough == 1960 || trough == 1961,
        "births bottom out in {trough}"
    );
    assert!(cbr(1962) > cbr(1961), "no rebound of births in 1962");
    let iron = h.year(1958);
    within(
        "usable share of 1958 iron",
        iron.pig_iron_usable_mt / iron.pig_iron_reported_mt,
        0.2,
        0.7,
    );
}

#[test]
fn the_mechanisms_matter_in_the_direction_the_literature_finds() {
    let h = Outcome::of("scenarios/historical.toml");
    let base = h.excess_deaths_m();
    for (file, what) in [
        ("scenarios/honest_reporting.toml", "honest reports"),
        ("scenarios/flexible_procurement.toml", "flexible quotas"),
    ] {
        let cut = 1.0 - Outcome::of(file).excess_deaths_m() / base;
        assert!(
            cut >= 0.3,
            "{what} cut excess deaths by {:.0}%, not at least 30%",
            cut * 100.0
        );
    }
    let n = Outcome::of("scenarios/no_diversion.toml");
    for y in 1959..=1961 {
        assert!(
            n.output_mt(y) > h.output_mt(y),
            "without diversion, {y} output {:.1} Mt is not above {:.1} Mt",
            n.output_mt(y),
            h.output_mt(y)
        );
    }
    let w = Outcome::of("scenarios/neutral_weather.toml");
    assert!(
        w.excess_deaths_m() >= 0.5 * base,
        "with neutral weather only {:.1} of {:.1} M excess deaths are left: the famine would be \
         mostly natural",
        w.excess_deaths_m(),
        base
    );
}
