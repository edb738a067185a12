//! Phase tests on a single team: each mechanism does what its equation says.

use super::*;
use crate::scenario::Params;
use crate::time::Schedule;
use crate::world::{MessMode, TeamColumns, build::AGE_SHARES, build::split_by_shares};

/// A xorshift generator: the same inputs every run (for the tests that compare batched code
/// with the one-team formulation on many teams).
pub(super) fn generator(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// A team-sized amount of grain of every kind from a random `r`: nothing, small, ordinary, near
/// `u32::MAX`, just past 2^31, anything.
pub(super) fn any_amount(r: u64) -> u32 {
    match r % 6 {
        0 => 0,
        1 => (r >> 8) as u32 % 100,
        2 => (r >> 8) as u32 % 100_000,
        3 => u32::MAX - (r >> 8) as u32 % 1_000,
        4 => (1 << 31) + (r >> 8) as u32 % 1_000,
        _ => (r >> 8) as u32,
    }
}

/// One of the four mess-hall regimes, from a random `r`.
pub(super) fn any_mess(r: u64) -> MessMode {
    [
        MessMode::Household,
        MessMode::Free,
        MessMode::Rationed,
        MessMode::Dissolved,
    ][(r % 4) as usize]
}

/// A team of `people` with the 1957 age structure, full reserves and `grain` kg in store.
fn team(people: u32, grain: u32) -> TeamColumns {
    let mut t = TeamColumns::default();
    t.grow(1);
    t.pop[0] = split_by_shares(people, &AGE_SHARES);
    t.reserve[0] = [1.0; N_AGE];
    t.efficiency[0] = [1.0; N_AGE];
    t.capital[0] = 1.0;
    t.grain_kg[0] = grain;
    t.base_output_kg[0] = 360.0 * people as f32;
    t.base_labour[0] = 1000.0;
    t
}

/// The facts of a commune of average zeal in a province with a normal death rate of 11‰.
fn ctx(p: &Params, k: &Knobs) -> CommuneCtx {
    let drafts = labour::drafts(1.0, p, k);
    let death = 11.0 / 1000.0 / 12.0 / 1.245;
    CommuneCtx {
        province: 0,
        zeal: 1.0,
        weather: 1.0,
        quota_share: 0.25,
        fertility: 34.0 / 1000.0 / 12.0 / AGE_SHARES[crate::world::WOMEN],
        quota_kg: 0.0,
        drafts,
        urban_recruitment: 0.0,
        land_term: 1.0,
        pal: std::array::from_fn(|a| if WORKING[a] { p.nutrition.pal_work } else { p.nutrition.pal_rest } as f32),
        death_base: std::array::from_fn(|a| (death * MORTALITY_PROFILE[a]) as f32),
        tool_melting: 0.0,
        together: 1.0,
    }
}

fn knobs(p: &Params, year: u32, month: u32) -> Knobs {
    Knobs::at(p, Month::new(year, month), 1.0)
}

fn with_view<R>(t: &mut TeamColumns, f: impl FnOnce(&mut TeamsMut<'_>) -> R) -> R {
    let mut views = t.split(&[0, 1]);
    f(&mut views[0])
}

#[test]
fn a_household_with_enough_grain_eats_the_normal_ration_and_keeps_its_reserve() {
    let p = Params::defaults();
    let k = knobs(&p, 1957, 11);
    let mut t = team(150, 60_000);
    let mut out = CommuneMonth::default();
    let intake = with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
    let ae = f64::from(procure::adult_equivalents(&t.pop[0]));
    let expected = p.nutrition.ration_kg * ae * 30.0;
    assert!(
        (out.eaten_kg as f64 - expected).abs() <= 1.0,
        "{} vs {expected}",
        out.eaten_kg
    );
    assert_eq!(out.waste_kg, 0);
    assert!(intake.kcal.iter().all(|&k| k > 2400.0), "{:?}", intake.kcal);
    assert_eq!(out.below_subsistence_thirds, 0);
    with_view(&mut t, |v| {
        demography::update(v, 0, &intake, &ctx(&p, &k), &p, &k, &mut out)
    });
    assert!(t.reserve[0].iter().all(|&r| r == 1.0));
}

#[test]
fn a_household_short_of_grain_spreads_it_to_october_and_goes_hungry() {
    let p = Params::defaults();
    let k = knobs(&p, 1957, 11);
    let mut t = team(150, 15_000);
    t.base_output_kg[0] = 0.0; // no summer harvest to count on
    let mut out = CommuneMonth::default();
    let intake = with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
    let ae = f64::from(procure::adult_equivalents(&t.pop[0]));
    let per_day = 15_000.0 / (ae * k.days_to_october);
    assert!((out.eaten_kg as f64 - per_day * ae * 30.0).abs() <= 1.0);
    assert!(out.below_subsistence_thirds > 0);
    let c = ctx(&p, &k);
    with_view(&mut t, |v| {
        demography::update(v, 0, &intake, &c, &p, &k, &mut out)
    });
    assert!(t.reserve[0].iter().all(|&r| r < 1.0), "{:?}", t.reserve[0]);
}

#[test]
fn a_canteen_confiscates_hidden_grain_serves_free_then_rations() {
    let mut p = Params::defaults();
    p.mess_halls.coverage = Schedule::constant(1.0);
    let mut t = team(150, 40_000);
    t.hidden_kg[0] = 2_000;
    let mut out = CommuneMonth::default();
    let k = knobs(&p, 1958, 10);
    let free = with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
    assert_eq!(t.mess[0], MessMode::Free);
    assert_eq!(t.hidden_kg[0], 0);
    assert_eq!(out.seized_kg, 2_000);
    // Free supply: the ration plus overconsumption, and the canteen's waste on top.
    let ae = f64::from(procure::adult_equivalents(&t.pop[0]));
    let eaten = p.nutrition.ration_kg * (1.0 + p.mess_halls.overconsumption) * ae * 31.0;
    assert!(
        (out.eaten_kg as f64 - eaten).abs() <= 2.0,
        "{} vs {eaten}",
        out.eaten_kg
    );
    assert!(out.waste_kg > 0);
    // After the free months the canteen rations, and non-workers get less than workers.
    for m in [11, 12] {
        let k = knobs(&p, 1958, m);
        with_view(&mut t, |v| {
            consume::eat(v, 0, &p, &k, &mut CommuneMonth::default())
        });
    }
    assert_eq!(t.mess[0], MessMode::Rationed);
    let k = knobs(&p, 1959, 1);
    let rationed = with_view(&mut t, |v| {
        consume::eat(v, 0, &p, &k, &mut CommuneMonth::default())
    });
    assert!(rationed.rationed);
    assert!(rationed.kcal[crate::world::CHILD] < rationed.kcal[crate::world::MEN]);
    assert!(free.kcal[crate::world::MEN] > rationed.kcal[crate::world::MEN]);
    // Coverage withdrawn: the canteen closes.
    p.mess_halls.coverage = Schedule::constant(0.0);
    let k = knobs(&p, 1959, 2);
    with_view(&mut t, |v| {
        consume::eat(v, 0, &p, &k, &mut CommuneMonth::default())
    });
    assert_eq!(t.mess[0], MessMode::Dissolved);
}

#[test]
fn extraction_stops_at_the_retention_floor_and_drops_the_rest_of_the_quota() {
    let p = Params::defaults();
    let k = knobs(&p, 1959, 1); // the last month of the autumn procurement season
    let mut t = team(100, 20_000);
    t.quota_kg[0] = 50_000;
    t.hidden_kg[0] = 1_000;
    let mut out = CommuneMonth::default();
    with_view(&mut t, |v| procure::extract(v, 0, &p, &k, &mut out));
    let people = f64::from(t.pop[0].iter().sum::<u32>());
    let floor = k.retention_floor_kg * people * k.floor_days / 365.25;
    assert_eq!(out.seized_kg, 200, "ζ = 0.2 of the hidden grain is found");
    assert!(
        (f64::from(t.grain_kg[0]) - floor).abs() <= 1.0,
        "{} vs {floor}",
        t.grain_kg[0]
    );
    assert_eq!(out.procured_kg + out.quota_shortfall_kg, 50_000);
    assert_eq!(t.quota_kg[0], 0);
}

#[test]
fn the_floor_covers_the_months_to_october_and_at_least_floor_months() {
    let mut p = Params::defaults();
    p.procurement.floor_months = 6.0;
    let months = |p: &Params, m: u32| knobs(p, 1959, m).floor_days * 12.0 / 365.25;
    // After the autumn harvest the floor reaches the next October.
    assert!((months(&p, 10) - 12.0).abs() < 1e-9);
    assert!((months(&p, 1) - 9.0).abs() < 1e-9);
    // After the summer harvest October is four months away; the floor still covers six.
    assert!((months(&p, 6) - 6.0).abs() < 1e-9);
    p.procurement.floor_months = 0.0;
    assert!((months(&p, 6) - 4.0).abs() < 1e-9);
    // In June a team 500 kg above the floor delivers those 500 kg and no more.
    let k = knobs(&p, 1959, 6);
    let mut t = team(100, 0);
    let floor = procure::floor_kg(&k, 100);
    t.grain_kg[0] = floor as u32 + 500;
    t.quota_kg[0] = 10_000;
    let mut out = CommuneMonth::default();
    with_view(&mut t, |v| procure::extract(v, 0, &p, &k, &mut out));
    assert_eq!(out.procured_kg, 500);
    assert_eq!(u64::from(t.grain_kg[0]), floor);
}

#[test]
fn political_pressure_lowers_the_floor() {
    let mut p = Params::defaults();
    let calm = knobs(&p, 1959, 11).retention_floor_kg;
    p.politics.pressure = Schedule::constant(1.0);
    let hot = knobs(&p, 1959, 11).retention_floor_kg;
    assert_eq!(calm, 180.0);
    assert_eq!(hot, 90.0);
}

#[test]
fn a_normal_harvest_is_the_base_output_less_normal_losses() {
    let p = Params::defaults();
    let k = knobs(&p, 1957, 10);
    let mut t = team(100, 0);
    t.season_labour[0] = 4.0;
    let c = ctx(&p, &k);
    let mut out = CommuneMonth::default();
    with_view(&mut t, |v| {
        harvest::harvest_team(v, 0, 1, 1.0, &c, &p, &k, &mut out)
    });
    let expected = 360.0 * 100.0 * 0.75 * (1.0 - p.production.loss_base);
    assert!(
        (out.output_kg as f64 - expected).abs() < 0.001 * expected,
        "{} vs {expected}",
        out.output_kg
    );
    // Missing hands at harvest time leave grain in the field.
    let mut t2 = team(100, 0);
    t2.season_labour[0] = 4.0;
    let mut short = CommuneMonth::default();
    with_view(&mut t2, |v| {
        harvest::harvest_team(v, 0, 1, 0.7, &c, &p, &k, &mut short)
    });
    let loss =
        p.production.loss_base + p.production.loss_slope * 0.3f64.powf(p.production.loss_curvature);
    let expected_short = 360.0 * 100.0 * 0.75 * (1.0 - loss);
    assert!((short.output_kg as f64 - expected_short).abs() < 0.002 * expected_short);
    // What the harvest yields goes to stocks, seed, feed, storage losses and hiding.
    let uses = out.seed_kg + out.feed_kg + out.storage_loss_kg;
    assert_eq!(
        u64::from(t.grain_kg[0]) + u64::from(t.hidden_kg[0]) + uses,
        out.output_kg
    );
}

#[test]
fn mortality_is_the_normal_rate_when_fed_and_rises_with_hunger() {
    let p = Params::defaults();
    let k = knobs(&p, 1957, 4);
    let c = ctx(&p, &k);
    // Deaths per 1000 per year in a team of 10,000 kept at `reserve` for ten years.
    let deaths = |reserve: f32| {
        let mut t = team(10_000, 0);
        let mut total = 0u64;
        for _ in 0..120 {
            t.reserve[0] = [reserve; N_AGE];
            t.efficiency[0] = [reserve; N_AGE];
            t.pop[0] = split_by_shares(10_000, &AGE_SHARES);
            let mut out = CommuneMonth::default();
            // Intake that keeps the reserve where it is (full) or lets it fall (hungry).
            let intake = consume::Intake {
                kcal: [if reserve == 1.0 { 2600.0 } else { 0.0 }; N_AGE],
                rationed: false,
            };
            with_view(&mut t, |v| {
                demography::update(v, 0, &intake, &c, &p, &k, &mut out)
            });
            total += out.deaths;
        }
        total as f64 / 100.0
    };
    let normal = deaths(1.0);
    assert!((normal - 11.0).abs() < 1.5, "normal CDR {normal}");
    assert!(deaths(0.7) > 3.0 * normal);
    assert!(deaths(0.3) > deaths(0.7));
}

#[test]
fn quotas_go_down_in_proportion_to_reports() {
    let mut t = team(100, 0);
    t.grow(3);
    // Two brigades: teams 0–1 and 2–3. Brigade reports 300 and 100; team reports within them.
    for (i, r) in [100.0, 200.0, 50.0, 50.0].into_iter().enumerate() {
        t.report_kg[i] = r;
    }
    let mut out = CommuneMonth::default();
    let mut views = t.split(&[0, 4]);
    quota::down(&mut views[0], &[0, 2, 4], &[300.0, 100.0], 4000.0, &mut out);
    assert_eq!(t.quota_kg, vec![1000, 2000, 500, 500]);
    assert_eq!(out.quota_kg, 4000);
}
