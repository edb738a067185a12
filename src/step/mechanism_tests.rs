//! Unit tests of the mechanisms of MODEL §4.1 (capital), §4.3, §4.6–4.12, one phase at a time.
//!
//! Every test sets the parameters it depends on explicitly (starting from the documented
//! defaults), so that recalibrating a scenario does not move them.

use super::consume::Intake;
use super::*;
use crate::scenario::{Params, Scenario};
use crate::time::Schedule;
use crate::world::build::{AGE_SHARES, split_by_shares};
use crate::world::{BrigadeColumns, MEN, MessMode, TeamColumns, WOMEN, YOUTH};

// ---------------------------------------------------------------------------------------------
// Helpers (the ones in `tests.rs` are private to it).

/// Teams with the 1957 age structure, full reserves, normal capital and no hiding: one row per
/// `(people, grain kg)`.
fn teams(rows: &[(u32, u32)]) -> TeamColumns {
    let mut t = TeamColumns::default();
    t.grow(rows.len());
    for (i, &(people, grain)) in rows.iter().enumerate() {
        t.pop[i] = split_by_shares(people, &AGE_SHARES);
        t.reserve[i] = [1.0; N_AGE];
        t.efficiency[i] = [1.0; N_AGE];
        t.capital[i] = 1.0;
        t.grain_kg[i] = grain;
        t.base_output_kg[i] = 360.0 * people as f32;
        t.base_labour[i] = 1000.0;
    }
    t
}

fn team(people: u32, grain: u32) -> TeamColumns {
    teams(&[(people, grain)])
}

/// The facts of a commune of zeal 1 in a province with a normal death rate of 11‰.
fn ctx(p: &Params, k: &Knobs) -> CommuneCtx {
    let death = 11.0 / 1000.0 / 12.0 / 1.245;
    CommuneCtx {
        province: 0,
        zeal: 1.0,
        weather: 1.0,
        quota_share: 0.25,
        fertility: 34.0 / 1000.0 / 12.0 / AGE_SHARES[WOMEN],
        quota_kg: 0.0,
        drafts: labour::drafts(1.0, p, k),
        urban_recruitment: 0.0,
        land_term: 1.0,
        pal: std::array::from_fn(|a| {
            (if WORKING[a] {
                p.nutrition.pal_work
            } else {
                p.nutrition.pal_rest
            }) as f32
        }),
        death_base: std::array::from_fn(|a| (death * MORTALITY_PROFILE[a]) as f32),
        tool_melting: 0.0,
        together: 1.0,
    }
}

fn knobs(p: &Params, year: u32, month: u32) -> Knobs {
    Knobs::at(p, Month::new(year, month), 1.0)
}

/// Runs `f` on a view of all the rows of `t` (one commune).
fn with_view<R>(t: &mut TeamColumns, f: impl FnOnce(&mut TeamsMut<'_>) -> R) -> R {
    let n = t.len() as u32;
    let mut views = t.split(&[0, n]);
    f(&mut views[0])
}

/// Enough food to keep every reserve full, and none at all.
const FED: Intake = Intake {
    kcal: [4000.0; N_AGE],
    rationed: false,
};
const STARVED: Intake = Intake {
    kcal: [0.0; N_AGE],
    rationed: false,
};
/// Somewhat less than a working adult needs: reserves fall by about a tenth in a month.
const SHORT: Intake = Intake {
    kcal: [2000.0; N_AGE],
    rationed: false,
};

/// The synthetic world of `p` with one commune per province (25 communes).
fn small_world(p: &Params) -> World {
    let mut params = p.clone();
    params.population.scale = 0.0001;
    crate::world::build(&Scenario {
        name: "mechanisms".into(),
        description: String::new(),
        seed: 7,
        start: Month::new(1957, 1),
        end: Month::new(1962, 12),
        params,
        events: Vec::new(),
        files: Vec::new(),
    })
}

/// A world of `n` communes with only the commune columns the serial stages touch.
fn communes_only(n: usize) -> World {
    let mut w = World::default();
    w.communes.zeal = vec![1.0; n];
    w.communes.fuel_kg = vec![0.0; n];
    w.communes.works = vec![0.0; n];
    w.communes.irrigation = vec![0.0; n];
    w.communes.purges = vec![0; n];
    w
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-12)
}

// ---------------------------------------------------------------------------------------------
// §4.3 Incentives and effort.

#[test]
fn a_run_starting_in_january_owes_the_last_of_the_autumn_quota_and_holds_the_grain_for_it() {
    let p = Params::defaults();
    let w = small_world(&p);
    let k = Knobs::at(&p, Month::new(1957, 1), w.centre.people_share);
    let honest = crate::world::build::honest_report_share(&p);
    let t = &w.teams;
    let (mut owed, mut normal) = (0u64, 0.0f64);
    for i in 0..w.n_teams() {
        let q = u64::from(t.quota_kg[i]);
        owed += q;
        normal += f64::from(t.base_output_kg[i]);
        let floor = procure::floor_kg(&k, t.pop[i].iter().sum());
        assert!(u64::from(t.grain_kg[i]) >= floor + q, "team {i}");
    }
    // τ × autumn share × 0.15 still due in January, of a normal honest report.
    let expected = 0.25 * (1.0 - p.production.summer_share) * 0.15 * honest * normal;
    assert!(close(owed as f64, expected, 1e-3), "{owed} vs {expected}");
}

#[test]
fn removing_exit_rights_lowers_effort_by_chi_exit() {
    let mut p = Params::defaults();
    p.incentives.chi_exit = 0.12;
    assert_eq!(knobs(&p, 1958, 8).effort, 1.0);
    p.incentives.exit_rights_removed = Schedule::constant(1.0);
    let e = knobs(&p, 1958, 8).effort;
    assert!((e - 0.88).abs() < 1e-12, "{e}");
}

#[test]
fn free_supply_and_the_communist_wind_lower_effort_and_private_plots_raise_it() {
    let mut p = Params::defaults();
    p.incentives.chi_free = 0.05;
    p.incentives.chi_wind = 0.3;
    p.incentives.chi_plot = 0.5;
    let effort = |p: &Params| knobs(p, 1959, 1).effort;
    let mut free = p.clone();
    free.incentives.free_supply = Schedule::constant(1.0);
    assert!((effort(&free) - 0.95).abs() < 1e-12);
    let mut wind = p.clone();
    wind.incentives.communist_wind = Schedule::constant(0.1);
    assert!((effort(&wind) - 0.97).abs() < 1e-12);
    let mut plots = p.clone();
    plots.incentives.private_plots = Schedule::constant(0.06);
    assert!((effort(&plots) - 1.03).abs() < 1e-12);
    // Together they add up.
    free.incentives.communist_wind = Schedule::constant(0.1);
    free.incentives.private_plots = Schedule::constant(0.06);
    assert!((effort(&free) - (1.0 - 0.05 - 0.03 + 0.03)).abs() < 1e-12);
}

#[test]
fn private_plots_add_their_food_to_the_supplement() {
    let mut p = Params::defaults();
    p.nutrition.supplement_kcal = Schedule::constant(150.0);
    p.nutrition.plot_kcal = 3750.0;
    let june_1961 = knobs(&p, 1961, 6).month;
    assert_eq!(consume::supplement_kcal(&p, june_1961), 150.0);
    p.incentives.private_plots = Schedule::constant(0.06);
    let supplement = consume::supplement_kcal(&p, june_1961);
    assert!((supplement - (150.0 + 0.06 * 3750.0)).abs() < 1e-9);
    // And what a household eats rises by as much.
    let eaten = |p: &Params| {
        let k = knobs(p, 1961, 6);
        let mut t = team(100, 100_000);
        with_view(&mut t, |v| {
            consume::eat(v, 0, p, &k, &mut CommuneMonth::default()).kcal[MEN]
        })
    };
    let mut none = p.clone();
    none.incentives.private_plots = Schedule::constant(0.0);
    let gain = eaten(&p) - eaten(&none);
    assert!((f64::from(gain) - 225.0).abs() < 0.01, "{gain}");
}

#[test]
fn lower_effort_shrinks_the_seasons_farm_labour_and_the_harvest_by_its_elasticity() {
    let mut p = Params::defaults();
    p.incentives.chi_exit = 0.1;
    p.production.beta_labour = 0.3;
    // Four growing months (July–October), then the autumn harvest.
    let season = |removed: f64| {
        let mut p = p.clone();
        p.incentives.exit_rights_removed = Schedule::constant(removed);
        let mut t = team(100, 0);
        let mut out = CommuneMonth::default();
        for m in 7..=10 {
            let k = knobs(&p, 1958, m);
            let c = ctx(&p, &k);
            with_view(&mut t, |v| {
                let farm = labour::allocate(v, 0, &c, &p, &k, &mut out);
                if m == 10 {
                    harvest::harvest_team(v, 0, 1, farm, &c, &p, &k, &mut out);
                }
            });
        }
        (f64::from(t.season_labour[0]), out.output_kg as f64)
    };
    let (labour_full, output_full) = season(0.0);
    let (labour_low, output_low) = season(1.0);
    assert!(labour_full > 0.0);
    assert!(
        close(labour_low, 0.9 * labour_full, 1e-5),
        "{labour_low} vs {labour_full}"
    );
    let expected = output_full * 0.9f64.powf(0.3);
    assert!(
        close(output_low, expected, 1e-3),
        "{output_low} vs {expected}"
    );
}

#[test]
fn the_communist_wind_levies_each_harvest_and_shares_the_pool_out_by_headcount() {
    let mut p = Params::defaults();
    p.incentives.communist_wind = Schedule::constant(0.1);
    // Two teams of 100; the second has twice the land.
    let harvest = |p: &Params| {
        let k = knobs(p, 1958, 10);
        let c = ctx(p, &k);
        let mut t = teams(&[(100, 0), (100, 0)]);
        t.base_output_kg[1] *= 2.0;
        t.season_labour = vec![4.0; 2];
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| {
            for i in 0..2 {
                harvest::harvest_team(v, i, 1, 1.0, &c, p, &k, &mut out);
            }
            harvest::share_out_levy(v, &out);
        });
        (t.grain_kg.clone(), out)
    };
    let mut calm = p.clone();
    calm.incentives.communist_wind = Schedule::constant(0.0);
    let (before, calm_out) = harvest(&calm);
    let (after, out) = harvest(&p);
    assert_eq!(calm_out.levy_kg, 0);
    let levies: Vec<u64> = before
        .iter()
        .map(|&g| harvest::kg(0.1 * f64::from(g)))
        .collect();
    assert_eq!(out.levy_kg, levies.iter().sum::<u64>());
    // Nothing leaves the commune; each team gets half the pool back.
    assert_eq!(
        after.iter().map(|&g| u64::from(g)).sum::<u64>(),
        before.iter().map(|&g| u64::from(g)).sum::<u64>()
    );
    for i in 0..2 {
        let expected = i64::from(before[i]) - levies[i] as i64 + (out.levy_kg / 2) as i64;
        assert!((i64::from(after[i]) - expected).abs() <= 1, "team {i}");
    }
    assert!(after[0] > before[0], "the poorer team gains");
    assert!(after[1] < before[1], "the richer team loses");
}

// ---------------------------------------------------------------------------------------------
// §4.8 Backyard furnaces.

#[test]
fn each_furnace_type_makes_its_iron_per_labour_day_of_which_only_its_usable_share_counts() {
    let mut p = Params::defaults();
    p.labour.steel_share = Schedule::constant(0.3);
    let f = &mut p.furnaces;
    (
        f.improvised_kg_per_day,
        f.traditional_kg_per_day,
        f.modern_kg_per_day,
    ) = (0.3, 2.0, 5.0);
    (f.improvised_usable, f.traditional_usable, f.modern_usable) = (0.1, 0.65, 0.9);
    for (kind, kg_per_day, usable) in [(0, 0.3, 0.1), (1, 2.0, 0.65), (2, 5.0, 0.9)] {
        let mut p = p.clone();
        let mut mix = [0.0; 3];
        mix[kind] = 1.0;
        let f = &mut p.furnaces;
        (f.improvised_labour, f.traditional_labour, f.modern_labour) = (mix[0], mix[1], mix[2]);
        let k = knobs(&p, 1958, 10);
        let c = ctx(&p, &k);
        assert!((c.drafts[0] - 0.3).abs() < 1e-12);
        let mut t = team(100, 0);
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| labour::allocate(v, 0, &c, &p, &k, &mut out));
        assert!(out.labour_steel > 0.0);
        assert!(close(out.labour_steel, 0.3 * out.labour_supply, 1e-12));
        assert!(
            close(out.iron_kg, kg_per_day * out.labour_steel, 1e-12),
            "type {kind}"
        );
        assert!(
            close(out.iron_usable_kg, usable * out.iron_kg, 1e-12),
            "type {kind}"
        );
    }
    // The 1958 mix: 80% improvised, 15% traditional, 5% modern.
    let f = &mut p.furnaces;
    (f.improvised_labour, f.traditional_labour, f.modern_labour) = (0.8, 0.15, 0.05);
    let k = knobs(&p, 1958, 10);
    assert!((k.iron_per_day - 0.79).abs() < 1e-12);
    assert!((k.usable_iron_per_day - 0.444).abs() < 1e-12);
}

#[test]
fn melting_tools_for_the_steel_campaign_lowers_the_capital_index() {
    let mut p = Params::defaults();
    p.furnaces.tool_melting = 0.3;
    p.production.capital_recovery = 0.01;
    p.labour.steel_share = Schedule::constant(0.3);
    let mut w = small_world(&p);
    w.communes.zeal[0] = 1.0;
    let k = knobs(&p, 1958, 10);
    let c = commune_contexts(&w, None, &p, &k)[0];
    // 9% of the tools melted; tools are β_K/(β_K + β_F) = 0.4 of the capital index.
    assert!((c.tool_melting - 0.036).abs() < 1e-6, "{}", c.tool_melting);
    // A fed team: 3.6% of the index melted, a hundredth of that rebuilt.
    let mut t = team(100, 0);
    with_view(&mut t, |v| {
        demography::update(v, 0, &FED, &c, &p, &k, &mut CommuneMonth::default())
    });
    assert!((t.capital[0] - 0.96436).abs() < 1e-5, "{}", t.capital[0]);
    // Without a steel draft nothing is melted.
    p.labour.steel_share = Schedule::constant(0.0);
    let k = knobs(&p, 1958, 10);
    assert_eq!(commune_contexts(&w, None, &p, &k)[0].tool_melting, 0.0);
}

#[test]
fn short_fuel_cuts_iron_and_usable_iron_in_proportion_and_burns_what_there_is() {
    let mut p = Params::defaults();
    p.furnaces.fuel_kg_per_kg = 45.0;
    let mut w = communes_only(2);
    // Commune 0 has half the fuel 100 kg of iron needs; commune 1 plenty.
    w.communes.fuel_kg = vec![2250.0, 1e6];
    let made = CommuneMonth {
        iron_kg: 100.0,
        iron_usable_kg: 40.0,
        ..Default::default()
    };
    let mut communes = vec![made.clone(), made];
    communes_after_pass_a(&mut w, &p, &mut communes);
    assert!((communes[0].iron_kg - 50.0).abs() < 1e-9);
    assert!((communes[0].iron_usable_kg - 20.0).abs() < 1e-9);
    assert_eq!(w.communes.fuel_kg[0], 0.0);
    assert_eq!(communes[1].iron_kg, 100.0);
    assert_eq!(communes[1].iron_usable_kg, 40.0);
    assert!((w.communes.fuel_kg[1] - (1e6 - 4500.0)).abs() < 1e-6);
}

#[test]
fn in_a_whole_month_scarce_fuel_caps_each_communes_iron_at_what_its_fuel_can_smelt() {
    let mut p = Params::defaults();
    p.labour.steel_share = Schedule::constant(0.3);
    p.furnaces.fuel_kg_per_kg = 45.0;
    let month = Month::new(1957, 11);
    let run = |fuel_t_per_person: f64| {
        let mut p = p.clone();
        p.furnaces.fuel_t_per_person = fuel_t_per_person;
        let mut w = small_world(&p);
        let fuel = w.communes.fuel_kg.clone();
        let r = step(&mut w, &p, month, 7);
        (fuel, r, w.communes.fuel_kg)
    };
    let (_, plenty, _) = run(1.0);
    let (fuel, scarce, left) = run(0.001);
    let k = Knobs::at(&p, month, 1.0);
    let usable_share = k.usable_iron_per_day / k.iron_per_day;
    for c in 0..fuel.len() {
        let (a, b) = (&plenty.communes[c], &scarce.communes[c]);
        assert!(
            a.iron_kg * 45.0 > fuel[c],
            "commune {c} would need more than it has"
        );
        assert!(close(b.iron_kg, fuel[c] / 45.0, 1e-9), "commune {c}");
        assert!(close(a.iron_usable_kg, usable_share * a.iron_kg, 1e-9));
        assert!(close(b.iron_usable_kg, usable_share * b.iron_kg, 1e-9));
        assert!(left[c] < 1e-6 * fuel[c], "commune {c} keeps {}", left[c]);
    }
}

// ---------------------------------------------------------------------------------------------
// §4.11 Water conservancy.

#[test]
fn water_works_labour_builds_works_and_irrigation_follows_with_the_lag() {
    let mut p = Params::defaults();
    p.water.gain_per_labour_month = 0.05;
    p.water.lag_months = 4.0;
    let mut w = communes_only(1);
    // One month with 40% of the labour on the dams, then three without.
    for water in [400.0, 0.0, 0.0, 0.0] {
        let mut m = vec![CommuneMonth {
            labour_supply: 1000.0,
            labour_water: water,
            ..Default::default()
        }];
        communes_after_pass_a(&mut w, &p, &mut m);
        assert!((w.communes.works[0] - 0.02).abs() < 1e-7);
    }
    // Irrigation closes a quarter of the gap each month: 0.02 · (1 − 0.75⁴).
    let expected = 0.02 * (1.0 - 0.75f32.powi(4));
    assert!(
        (w.communes.irrigation[0] - expected).abs() < 1e-6,
        "{}",
        w.communes.irrigation[0]
    );
    // Without a lag the works irrigate at once; works never exceed the whole area.
    p.water.lag_months = 0.0;
    p.water.gain_per_labour_month = 5.0;
    let mut w = communes_only(1);
    let mut m = vec![CommuneMonth {
        labour_supply: 1000.0,
        labour_water: 400.0,
        ..Default::default()
    }];
    communes_after_pass_a(&mut w, &p, &mut m);
    assert_eq!(w.communes.works[0], 1.0);
    assert_eq!(w.communes.irrigation[0], 1.0);
}

#[test]
fn a_month_of_water_works_raises_each_communes_works_by_its_draft() {
    let mut p = Params::defaults();
    p.labour.water_share = Schedule::constant(0.4);
    p.water.gain_per_labour_month = 0.05;
    p.water.lag_months = 4.0;
    let mut w = small_world(&p);
    let month = Month::new(1957, 11);
    let k = Knobs::at(&p, month, 1.0);
    let r = step(&mut w, &p, month, 7);
    for c in 0..w.n_communes() {
        let draft = labour::drafts(f64::from(w.communes.zeal[c]), &p, &k)[1];
        assert!(draft > 0.0, "commune {c}");
        let m = &r.communes[c];
        assert!(close(m.labour_water, draft * m.labour_supply, 1e-9));
        let works = f64::from(w.communes.works[c]);
        assert!((works - 0.05 * draft).abs() < 1e-6, "commune {c}: {works}");
        assert!((f64::from(w.communes.irrigation[c]) - works / 4.0).abs() < 1e-6);
    }
}

#[test]
fn irrigated_land_avoids_part_of_the_weather_loss_but_gains_nothing_in_good_years() {
    let mut p = Params::defaults();
    p.water.protection = 0.5;
    assert!((irrigated_weather(0.8, 0.0, &p) - 0.8).abs() < 1e-12);
    assert!((irrigated_weather(0.8, 1.0, &p) - 0.9).abs() < 1e-12);
    assert!((irrigated_weather(0.8, 0.4, &p) - 0.84).abs() < 1e-7);
    assert!((irrigated_weather(1.1, 1.0, &p) - 1.1).abs() < 1e-12);
}

#[test]
fn an_irrigated_commune_loses_less_to_bad_weather_and_gains_yield() {
    let mut p = Params::defaults();
    p.water.protection = 0.5;
    p.water.yield_gain = 0.3;
    let mut w = small_world(&p);
    w.provinces.weather.fill(0.8);
    w.centre.area = 1.0;
    w.communes.irrigation[1] = 0.5;
    let k = knobs(&p, 1960, 10);
    let cs = commune_contexts(&w, None, &p, &k);
    assert!((cs[0].weather - 0.8).abs() < 1e-6);
    assert!((cs[0].land_term - 1.0).abs() < 1e-12);
    assert!((cs[1].weather - 0.85).abs() < 1e-6);
    assert!((cs[1].land_term - 1.15).abs() < 1e-7);
    // The same team's autumn harvest in each commune.
    let output = |c: &CommuneCtx| {
        let mut t = team(100, 0);
        t.season_labour[0] = 4.0;
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| {
            harvest::harvest_team(v, 0, 1, 1.0, c, &p, &k, &mut out)
        });
        out.output_kg as f64
    };
    let ratio = output(&cs[1]) / output(&cs[0]);
    assert!(close(ratio, 0.85 * 1.15 / 0.8, 1e-4), "{ratio}");
}

// ---------------------------------------------------------------------------------------------
// §4.12 Political dynamics.

/// Runs the political update over `n` communes of zeal 1 after the season ending in `month`;
/// communes where `short(c)` left quota undelivered. Returns the world.
fn purge_round(p: &Params, month: Month, n: usize, short: impl Fn(usize) -> bool) -> World {
    let mut w = communes_only(n);
    let mut communes: Vec<CommuneMonth> = (0..n)
        .map(|c| CommuneMonth {
            quota_shortfall_kg: if short(c) { 1000 } else { 0 },
            ..Default::default()
        })
        .collect();
    let k = Knobs::at(p, month, 1.0);
    politics(&mut w, p, &k, 11, &mut communes);
    for (m, &purges) in communes.iter().zip(&w.communes.purges) {
        assert_eq!(u64::from(purges), m.purges);
    }
    w
}

fn purged(w: &World) -> usize {
    w.communes.purges.iter().filter(|&&n| n > 0).count()
}

#[test]
fn cadres_are_purged_only_where_the_quota_was_not_delivered_and_successors_are_more_zealous() {
    let mut p = Params::defaults();
    p.politics.purge_rate = 0.5;
    p.politics.successor_zeal = 1.2;
    p.politics.pressure = Schedule::constant(1.0);
    let w = purge_round(&p, Month::new(1959, 1), 2000, |c| c % 2 == 0);
    let mut count = 0;
    for c in 0..2000 {
        if w.communes.purges[c] > 0 {
            assert_eq!(c % 2, 0, "commune {c} delivered its quota but was purged");
            assert!((w.communes.zeal[c] - 1.2).abs() < 1e-6);
            count += 1;
        } else {
            assert_eq!(w.communes.zeal[c], 1.0);
        }
    }
    // p0·π = 0.5 of the 1000 communes that fell short (±4.5 sd).
    assert!((430..=570).contains(&count), "{count}");
}

#[test]
fn purges_become_likelier_with_pressure_and_come_only_when_a_season_closes() {
    let mut p = Params::defaults();
    p.politics.purge_rate = 0.5;
    let at = |pressure: f64, month: Month| {
        let mut p = p.clone();
        p.politics.pressure = Schedule::constant(pressure);
        purged(&purge_round(&p, month, 2000, |_| true))
    };
    let close_of_season = Month::new(1959, 8);
    let low = at(0.2, close_of_season);
    let high = at(0.8, close_of_season);
    assert!((140..=260).contains(&low), "{low}"); // 0.1 of 2000
    assert!((720..=880).contains(&high), "{high}"); // 0.4 of 2000
    assert_eq!(at(0.0, close_of_season), 0);
    // Mid-season (November), nothing happens.
    assert_eq!(at(0.8, Month::new(1959, 11)), 0);
}

#[test]
fn a_purged_communes_successor_marks_the_brigade_reports_up_more() {
    let mut p = Params::defaults();
    p.politics.purge_rate = 1.0;
    p.politics.successor_zeal = 1.2;
    p.politics.pressure = Schedule::constant(1.0);
    p.reporting.inflation = Schedule::constant(1.0);
    p.reporting.markup_brigade = 0.05;
    p.reporting.target_pull = Schedule::constant(0.0);
    p.reporting.peer_emulation = Schedule::constant(0.0);
    let w = purge_round(&p, Month::new(1959, 1), 1, |_| true);
    let successor = f64::from(w.communes.zeal[0]);
    assert!((successor - 1.2).abs() < 1e-6);
    let k = knobs(&p, 1959, 10);
    let report = |zeal: f64| {
        let mut t = team(100, 0);
        t.report_kg[0] = 10_000.0;
        let mut b = BrigadeColumns::default();
        b.grow(1);
        let mut c = ctx(&p, &k);
        c.zeal = zeal;
        let tv = t.split(&[0, 1]);
        let mut bv = b.split(&[0, 1]);
        report::brigades(&tv[0], &mut bv[0], &[0, 1], 1, false, &c, &p, &k, 0.0)
    };
    // ln M = μ·π·z.
    assert!(close(report(1.0), 10_000.0 * 0.05f64.exp(), 1e-6));
    assert!(close(
        report(successor),
        10_000.0 * (0.05 * successor).exp(),
        1e-6
    ));
}

// ---------------------------------------------------------------------------------------------
// §4.6 Concealment and anti-concealment.

#[test]
fn households_hide_their_share_of_the_harvest_and_canteen_teams_hide_nothing() {
    let p = Params::defaults();
    let k = knobs(&p, 1958, 10);
    let c = ctx(&p, &k);
    let harvest = |mode: MessMode| {
        let mut t = team(100, 0);
        t.concealment[0] = 0.08;
        t.season_labour[0] = 4.0;
        t.mess[0] = mode;
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| {
            harvest::harvest_team(v, 0, 1, 1.0, &c, &p, &k, &mut out)
        });
        (t, out)
    };
    for mode in [MessMode::Household, MessMode::Dissolved] {
        let (t, out) = harvest(mode);
        let hidden = harvest::kg(0.08 * out.output_kg as f64);
        assert_eq!(out.hidden_new_kg, hidden, "{mode:?}");
        assert_eq!(u64::from(t.hidden_kg[0]), hidden);
        assert_eq!(t.report_kg[0], (out.output_kg - hidden) as f32);
    }
    for mode in [MessMode::Free, MessMode::Rationed] {
        let (t, out) = harvest(mode);
        assert_eq!(out.hidden_new_kg, 0, "{mode:?}");
        assert_eq!(t.hidden_kg[0], 0);
        assert_eq!(t.report_kg[0], out.output_kg as f32);
    }
}

#[test]
fn the_pre_harvest_estimate_leaves_out_what_households_mean_to_hide() {
    let p = Params::defaults();
    let k = knobs(&p, 1958, 8);
    let c = ctx(&p, &k);
    let estimate = |mode: MessMode| {
        let mut t = team(100, 0);
        t.concealment[0] = 0.1;
        t.season_labour[0] = 2.0; // two normal months so far
        t.mess[0] = mode;
        with_view(&mut t, |v| harvest::estimate_team(v, 0, 1, &c, &p, &k));
        f64::from(t.report_kg[0])
    };
    let honest = 360.0 * 100.0 * 0.75 * (1.0 - p.production.loss_base);
    assert!(close(estimate(MessMode::Rationed), honest, 1e-4));
    assert!(close(estimate(MessMode::Household), 0.9 * honest, 1e-4));
}

#[test]
fn searches_find_zeta_of_hidden_grain_in_procurement_months_only() {
    let mut p = Params::defaults();
    p.procurement.seizure = Schedule::constant(0.6);
    let search = |year: u32, month: u32| {
        let k = knobs(&p, year, month);
        let mut t = team(100, 50_000);
        t.hidden_kg[0] = 5_000;
        t.quota_kg[0] = 1_000;
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| procure::extract(v, 0, &p, &k, &mut out));
        (t, out)
    };
    // January: the autumn season's last procurement month.
    let (t, out) = search(1959, 1);
    assert_eq!(out.seized_kg, 3_000);
    assert_eq!(t.hidden_kg[0], 2_000);
    assert_eq!(out.procured_kg, 1_000);
    assert_eq!(t.grain_kg[0], 50_000 + 3_000 - 1_000);
    // March: no procurement, no search.
    let (t, out) = search(1959, 3);
    assert_eq!(out.seized_kg, 0);
    assert_eq!(t.hidden_kg[0], 5_000);
}

// ---------------------------------------------------------------------------------------------
// §4.9 Mess-hall regimes.

fn canteens(coverage: f64) -> Params {
    let mut p = Params::defaults();
    p.mess_halls.coverage = Schedule::constant(coverage);
    p
}

#[test]
fn a_new_canteen_rations_at_once_if_its_grain_would_not_last_to_october() {
    let p = canteens(1.0);
    let k = knobs(&p, 1958, 11);
    let regime = |share_of_need: f64| {
        let mut t = team(100, 0);
        t.base_output_kg[0] = 0.0; // no summer harvest to count on
        let need = p.nutrition.ration_kg
            * f64::from(procure::adult_equivalents(&t.pop[0]))
            * k.days_to_october;
        t.grain_kg[0] = (share_of_need * need) as u32;
        let intake = with_view(&mut t, |v| {
            consume::eat(v, 0, &p, &k, &mut CommuneMonth::default())
        });
        (t.mess[0], intake.rationed)
    };
    assert_eq!(regime(1.2), (MessMode::Free, false));
    assert_eq!(regime(0.9), (MessMode::Rationed, true));
}

#[test]
fn a_canteen_reimposed_after_closing_rations_from_the_start_and_takes_the_hidden_grain() {
    let p = canteens(1.0);
    let k = knobs(&p, 1959, 11);
    let open = |mode: MessMode| {
        let mut t = team(150, 40_000);
        t.hidden_kg[0] = 1_000;
        t.mess[0] = mode;
        let mut out = CommuneMonth::default();
        let intake = with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
        (t, out, intake)
    };
    let (t, out, intake) = open(MessMode::Dissolved);
    assert_eq!(t.mess[0], MessMode::Rationed);
    assert!(intake.rationed);
    assert_eq!((t.hidden_kg[0], out.seized_kg), (0, 1_000));
    // No overeating: at most the ration (plus the canteen's waste) is drawn.
    let ae = f64::from(procure::adult_equivalents(&t.pop[0]));
    let ration = p.nutrition.ration_kg * ae * 30.0;
    assert!(
        out.eaten_kg as f64 <= ration + 1.0,
        "{} vs {ration}",
        out.eaten_kg
    );
    // A first canteen, by contrast, starts with free supply.
    let (t, out, _) = open(MessMode::Household);
    assert_eq!(t.mess[0], MessMode::Free);
    assert!(out.eaten_kg as f64 > 1.2 * ration);
}

#[test]
fn canteens_open_below_the_coverage_rank_and_dissolve_when_it_falls() {
    let mut t = teams(&[(100, 40_000), (120, 40_000)]);
    t.canteen_rank = vec![0.3, 0.7];
    let month = |p: &Params, t: &mut TeamColumns, m: u32| {
        let k = knobs(p, 1958, m);
        let mut out = CommuneMonth::default();
        with_view(t, |v| {
            for i in 0..2 {
                consume::eat(v, i, p, &k, &mut out);
            }
        });
        out
    };
    let out = month(&canteens(0.5), &mut t, 10);
    assert_eq!(t.mess, vec![MessMode::Free, MessMode::Household]);
    assert_eq!(out.in_canteens, 100);
    let out = month(&canteens(0.2), &mut t, 11);
    assert_eq!(t.mess, vec![MessMode::Dissolved, MessMode::Household]);
    assert_eq!(out.in_canteens, 0);
}

#[test]
fn canteen_waste_is_grain_drawn_but_not_eaten() {
    let mut p = canteens(1.0);
    p.mess_halls.waste = 0.1;
    for mode in [MessMode::Household, MessMode::Free, MessMode::Rationed] {
        let mut t = team(150, 40_000);
        t.mess[0] = mode;
        t.canteen_months[0] = 5;
        let mut p = p.clone();
        if mode == MessMode::Household {
            p.mess_halls.coverage = Schedule::constant(0.0);
        }
        // November 1958: a Free canteen in its sixth month would switch; keep it free.
        p.mess_halls.free_months = 12.0;
        let k = knobs(&p, 1958, 11);
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
        assert_eq!(t.mess[0], mode);
        let drawn = u64::from(40_000 - t.grain_kg[0]);
        assert_eq!(out.eaten_kg + out.waste_kg, drawn, "{mode:?}");
        if mode == MessMode::Household {
            assert_eq!(out.waste_kg, 0);
        } else {
            assert!(
                (out.waste_kg as f64 - 0.1 * drawn as f64).abs() <= 1.0,
                "{mode:?}: {} of {drawn}",
                out.waste_kg
            );
        }
    }
}

#[test]
fn a_rationed_canteen_short_of_grain_serves_only_what_it_holds_less_waste() {
    let mut p = canteens(1.0);
    p.mess_halls.cadre_uplift = 0.0;
    p.mess_halls.nonworker_ration = 1.0;
    p.mess_halls.waste = 0.05;
    let k = knobs(&p, 1959, 1);
    // 200 kg left in January, a normal summer harvest still to come.
    let mut t = team(100, 200);
    t.mess[0] = MessMode::Rationed;
    t.canteen_months[0] = 5;
    let mut out = CommuneMonth::default();
    let intake = with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
    assert_eq!(t.grain_kg[0], 0, "the canteen empties its store");
    let ae = f64::from(procure::adult_equivalents(&t.pop[0]));
    let supplement = consume::supplement_kcal(&p, k.month) as f32;
    let served = f64::from(intake.kcal[MEN] - supplement) / p.nutrition.kcal_per_kg
        * ae
        * f64::from(k.month.days());
    assert_eq!((out.eaten_kg, out.waste_kg), (190, 10));
    // The ration it planned counts the summer harvest, but it serves only what it drew.
    assert!(
        (served - out.eaten_kg as f64).abs() <= 1.0,
        "grain served {served:.0} kg, eaten {} kg",
        out.eaten_kg
    );
}

// ---------------------------------------------------------------------------------------------
// §4.9–4.10 Within-team inequality and cadre uplift.

/// Grain energy (without the supplement) of each age group, kcal per adult equivalent per day.
fn grain_kcal(intake: &Intake, p: &Params, k: &Knobs) -> [f64; N_AGE] {
    let supplement = consume::supplement_kcal(p, k.month) as f32;
    intake.kcal.map(|x| f64::from(x) - f64::from(supplement))
}

#[test]
fn in_canteens_cadres_eat_more_and_everyone_else_slightly_less_from_the_same_total() {
    let mut p = canteens(1.0);
    p.mess_halls.cadre_share = 0.02;
    p.labour.mess_staff = 0.02;
    let k = knobs(&p, 1958, 10);
    let serve = |uplift: f64| {
        let mut p = p.clone();
        p.mess_halls.cadre_uplift = uplift;
        let mut t = team(150, 40_000);
        let mut out = CommuneMonth::default();
        let intake = with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
        assert_eq!(t.mess[0], MessMode::Free);
        (grain_kcal(&intake, &p, &k), out.eaten_kg)
    };
    let (equal, eaten_equal) = serve(0.0);
    let (uneven, eaten_uneven) = serve(0.3);
    assert_eq!(eaten_equal, eaten_uneven);
    let s = 0.04; // cadres, staff and cooks
    for a in 0..N_AGE {
        let majority = uneven[a] / equal[a];
        assert!(
            (majority - 1.0 / (1.0 + 0.3 * s)).abs() < 1e-5,
            "group {a}: {majority}"
        );
        // Cadres get (1 + ς) of that; the team's total is what it was.
        assert!(1.3 * majority > 1.0);
        assert!(((1.0 - s) * majority + s * 1.3 * majority - 1.0).abs() < 1e-5);
    }
}

#[test]
fn in_a_rationed_canteen_non_workers_get_xi_of_a_workers_ration_from_the_same_total() {
    let mut p = canteens(1.0);
    p.mess_halls.cadre_uplift = 0.0;
    let k = knobs(&p, 1959, 1);
    let serve = |xi: f64| {
        let mut p = p.clone();
        p.mess_halls.nonworker_ration = xi;
        let mut t = team(150, 40_000);
        t.mess[0] = MessMode::Rationed;
        t.canteen_months[0] = 5;
        let mut out = CommuneMonth::default();
        let intake = with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
        (grain_kcal(&intake, &p, &k), out.eaten_kg, t.pop[0])
    };
    let (flat, eaten_flat, pop) = serve(1.0);
    let (worked, eaten_worked, _) = serve(0.8);
    assert_eq!(eaten_flat, eaten_worked);
    for a in [CHILD, YOUTH, ELDERLY] {
        assert!((worked[a] / worked[MEN] - 0.8).abs() < 1e-5, "group {a}");
    }
    assert!((worked[WOMEN] - worked[MEN]).abs() < 1e-3);
    // The adult-equivalent mean is unchanged.
    let mean = |x: &[f64; N_AGE]| {
        let w: f64 = (0..N_AGE)
            .map(|a| f64::from(pop[a]) * f64::from(crate::world::ADULT_EQUIVALENT[a]))
            .sum();
        (0..N_AGE)
            .map(|a| f64::from(pop[a]) * f64::from(crate::world::ADULT_EQUIVALENT[a]) * x[a])
            .sum::<f64>()
            / w
    };
    assert!(close(mean(&worked), mean(&flat), 1e-5));
}

#[test]
fn the_rationed_canteens_wider_intake_spread_puts_a_tercile_below_subsistence_at_the_same_mean() {
    let mut p = canteens(1.0);
    p.mess_halls.cadre_uplift = 0.0;
    p.mess_halls.nonworker_ration = 1.0;
    p.nutrition.intake_cv = 0.15;
    p.nutrition.intake_cv_canteen = 0.3;
    p.nutrition.subsistence_kcal = 1800.0;
    p.nutrition.supplement_kcal = Schedule::constant(150.0);
    let eat = |mode: MessMode| {
        let mut p = p.clone();
        if mode == MessMode::Household {
            p.mess_halls.coverage = Schedule::constant(0.0);
        }
        let k = knobs(&p, 1959, 1);
        let mut t = team(150, 40_000);
        t.mess[0] = mode;
        t.canteen_months[0] = 5;
        let mut out = CommuneMonth::default();
        let intake = with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
        (intake, out.below_subsistence_thirds)
    };
    let (home, below_home) = eat(MessMode::Household);
    let (canteen, below_canteen) = eat(MessMode::Rationed);
    // The full ration in both: about 2,580 kcal.
    for a in 0..N_AGE {
        assert!((home.kcal[a] - canteen.kcal[a]).abs() < 5.0, "group {a}");
        assert!((home.kcal[a] - 2580.0).abs() < 5.0);
    }
    // 2,580 · (1 − 1.22·0.15) ≈ 2,106 > 1,800, but 2,580 · (1 − 1.22·0.3) ≈ 1,632 < 1,800: the
    // lowest tercile of every group, a third of all 150 people.
    assert_eq!(below_home, 0);
    assert_eq!(below_canteen, 150);
}

#[test]
fn at_the_same_reserve_the_rationed_canteens_spread_kills_more() {
    let p = Params::defaults();
    let k = knobs(&p, 1960, 4);
    let c = ctx(&p, &k);
    let deaths = |rationed: bool| {
        let mut t = team(10_000, 0);
        t.reserve[0] = [0.6; N_AGE];
        t.efficiency[0] = [0.6f32.powf(0.7); N_AGE];
        let intake = Intake {
            rationed,
            ..STARVED
        };
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| {
            demography::update(v, 0, &intake, &c, &p, &k, &mut out)
        });
        out.deaths
    };
    let (normal, canteen) = (deaths(false), deaths(true));
    assert!(normal > 0);
    assert!(
        canteen as f64 > 1.1 * normal as f64,
        "{canteen} vs {normal}"
    );
}

// ---------------------------------------------------------------------------------------------
// §4.1 Capital: draft animals and pigs.

#[test]
fn hungry_adults_lose_draft_animals_in_proportion_to_their_deficit() {
    let mut p = Params::defaults();
    p.production.capital_hunger_loss = 0.2;
    p.production.capital_recovery = 0.05;
    let k = knobs(&p, 1960, 4);
    let c = ctx(&p, &k);
    let mut losses = Vec::new();
    for reserve in [0.9, 0.7] {
        let mut t = team(100, 0);
        t.reserve[0] = [reserve; N_AGE];
        with_view(&mut t, |v| {
            demography::update(v, 0, &SHORT, &c, &p, &k, &mut CommuneMonth::default())
        });
        // The adults' reserve after this month's meals; capital started at 1, so recovery adds
        // nothing.
        let adults = (t.reserve[0][MEN] + t.reserve[0][WOMEN]) / 2.0;
        assert!(adults < reserve);
        let expected = 1.0 - 0.2 * (1.0 - adults);
        assert!(
            (t.capital[0] - expected).abs() < 1e-6,
            "{} vs {expected}",
            t.capital[0]
        );
        losses.push(1.0 - t.capital[0]);
    }
    assert!(losses[1] > losses[0], "{losses:?}");
}

#[test]
fn fed_teams_rebuild_their_herds_toward_normal_at_the_recovery_rate() {
    let mut p = Params::defaults();
    p.production.capital_hunger_loss = 0.2;
    p.production.capital_recovery = 0.05;
    let k = knobs(&p, 1962, 4);
    let c = ctx(&p, &k);
    let mut t = team(100, 0);
    t.capital[0] = 0.5;
    for _ in 0..12 {
        with_view(&mut t, |v| {
            demography::update(v, 0, &FED, &c, &p, &k, &mut CommuneMonth::default())
        });
    }
    let expected = 1.0 - 0.5 * 0.95f32.powi(12);
    assert!((t.capital[0] - expected).abs() < 1e-5, "{}", t.capital[0]);
    // A full herd stays full.
    let mut t = team(100, 0);
    with_view(&mut t, |v| {
        demography::update(v, 0, &FED, &c, &p, &k, &mut CommuneMonth::default())
    });
    assert_eq!(t.capital[0], 1.0);
}

#[test]
fn a_smaller_herd_lowers_the_harvest_by_its_elasticities() {
    let mut p = Params::defaults();
    p.production.beta_capital = 0.1;
    p.production.beta_fertiliser = 0.15;
    let k = knobs(&p, 1960, 10);
    let c = ctx(&p, &k);
    let output = |capital: f32| {
        let mut t = team(100, 0);
        t.capital[0] = capital;
        t.season_labour[0] = 4.0;
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| {
            harvest::harvest_team(v, 0, 1, 1.0, &c, &p, &k, &mut out)
        });
        out.output_kg as f64
    };
    assert!(close(output(0.6) / output(1.0), 0.6f64.powf(0.25), 1e-4));
}

#[test]
fn the_technique_penalty_takes_its_depth_times_the_scheduled_shortfall_off_the_harvest() {
    let harvest = |depth: f64, phi: f64| {
        let mut p = Params::defaults();
        p.production.technique = Schedule::constant(phi);
        p.production.technique_depth = depth;
        let k = knobs(&p, 1959, 10);
        let c = ctx(&p, &k);
        let mut t = team(100, 0);
        t.season_labour[0] = 4.0;
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| {
            harvest::harvest_team(v, 0, 1, 1.0, &c, &p, &k, &mut out)
        });
        out.output_kg as f64
    };
    let normal = harvest(1.0, 1.0);
    assert!(close(harvest(1.0, 0.95) / normal, 0.95, 1e-4));
    assert!(close(harvest(0.4, 0.95) / normal, 0.98, 1e-4));
    assert!(close(harvest(2.0, 0.95) / normal, 0.90, 1e-4));
    assert_eq!(harvest(0.0, 0.95), normal);
    // A deep penalty on a low schedule takes everything, not less than everything.
    assert_eq!(harvest(3.0, 0.5), 0.0);
}

// ---------------------------------------------------------------------------------------------
// §4.6–4.7 Resales and the central balance.

#[test]
fn a_short_team_asks_for_rho_of_its_gap_to_need_until_october() {
    let mut p = Params::defaults();
    p.relief.resale = Schedule::constant(0.3);
    let k = knobs(&p, 1960, 11);
    let ask = |grain: u32| {
        let mut t = team(100, grain);
        t.base_output_kg[0] = 0.0; // no summer harvest to count on
        let mut out = CommuneMonth::default();
        with_view(&mut t, |v| consume::eat(v, 0, &p, &k, &mut out));
        let need = p.nutrition.ration_kg
            * f64::from(procure::adult_equivalents(&t.pop[0]))
            * k.days_to_october;
        let gap = (need - f64::from(t.grain_kg[0] + t.hidden_kg[0])).max(0.0);
        assert_eq!(u64::from(t.resale_request_kg[0]), out.resale_request_kg);
        (out.resale_request_kg, harvest::kg(0.3 * gap))
    };
    let (asked, expected) = ask(10_000);
    assert!(asked > 0);
    assert_eq!(asked, expected);
    assert_eq!(ask(60_000).0, 0, "a team with enough asks for nothing");
}

#[test]
fn a_team_receives_the_centres_fill_rate_of_what_it_asked() {
    let mut t = team(100, 1_000);
    t.resale_request_kg[0] = 2_000;
    let mut out = CommuneMonth::default();
    with_view(&mut t, |v| procure::receive_resale(v, 0, 0.4, &mut out));
    assert_eq!(t.grain_kg[0], 1_800);
    assert_eq!(out.resale_kg, 800);
    assert_eq!(t.resale_request_kg[0], 0);
}

/// The centre's month with `stock` kg, 10,000 townspeople on 18 kg a month and no other uses:
/// returns the world after it.
fn centre_month(stock: f64, procured: u64, requests: u64) -> (World, CentreMonth) {
    let mut p = Params::defaults();
    p.centre.urban_ration_kg = Schedule::constant(18.0);
    p.centre.other_use_mt = Schedule::constant(0.0);
    p.demography.urban_cbr = Schedule::constant(0.0);
    p.demography.urban_cdr = Schedule::constant(0.0);
    let k = Knobs::at(&p, Month::new(1960, 3), 1e-4);
    let mut w = World::default();
    w.centre.stock_kg = stock;
    w.centre.urban_pop = 10_000.0;
    let communes = [CommuneMonth {
        procured_kg: procured,
        resale_request_kg: requests,
        ..Default::default()
    }];
    let mut centre = CentreMonth::default();
    procure::central_balance(&mut w, &p, &k, &communes, &mut centre);
    (w, centre)
}

#[test]
fn the_centre_resells_only_from_its_stock_above_a_month_of_urban_rations() {
    // 380,000 − 180,000 for the towns leaves 200,000, of which 20,000 above a month's rations.
    let (w, centre) = centre_month(380_000.0, 0, 40_000);
    assert_eq!(centre.urban_use_kg, 180_000.0);
    assert_eq!(w.centre.stock_kg, 200_000.0);
    assert_eq!(w.centre.resale_fill, 0.5);
    assert_eq!(centre_month(380_000.0, 0, 10_000).0.centre.resale_fill, 1.0);
    assert_eq!(centre_month(380_000.0, 0, 0).0.centre.resale_fill, 1.0);
    // Less than a month of rations left: nothing is resold.
    assert_eq!(centre_month(250_000.0, 0, 10_000).0.centre.resale_fill, 0.0);
    // Procurement refills the stock before resales are reckoned.
    assert_eq!(
        centre_month(250_000.0, 200_000, 10_000)
            .0
            .centre
            .resale_fill,
        1.0
    );
    // A stock that cannot cover the towns runs dry and records the shortfall.
    let (w, centre) = centre_month(100_000.0, 0, 10_000);
    assert_eq!(w.centre.stock_kg, 0.0);
    assert_eq!(centre.central_shortfall_kg, 80_000.0);
}

#[test]
fn the_central_stock_changes_by_procurement_and_imports_less_urban_rations_other_uses_and_exports()
{
    let mut p = Params::defaults();
    p.centre.urban_ration_kg = Schedule::constant(15.0);
    p.centre.other_use_mt = Schedule::constant(7.0);
    p.trade.exports_mt = Schedule::constant(2.4);
    p.trade.imports_mt = Schedule::constant(6.0);
    let share = 1e-4;
    let k = Knobs::at(&p, Month::new(1961, 3), share);
    let mut w = World::default();
    w.centre.stock_kg = 1e6;
    w.centre.urban_pop = 12_000.0;
    let communes = [
        CommuneMonth {
            procured_kg: 150_000,
            ..Default::default()
        },
        CommuneMonth {
            procured_kg: 50_000,
            ..Default::default()
        },
    ];
    let mut c = CentreMonth::default();
    procure::central_balance(&mut w, &p, &k, &communes, &mut c);
    // Mt a year at the simulated share of the country, by the month.
    let per_month = |mt: f64| mt * 1e9 * share / 12.0;
    assert!(close(c.imports_kg, per_month(6.0), 1e-12));
    assert!(close(c.exports_kg, per_month(2.4), 1e-12));
    assert!(close(c.other_use_kg, per_month(7.0), 1e-12));
    assert!(close(c.urban_use_kg, 15.0 * c.urban_pop, 1e-12));
    let change = 200_000.0 + c.imports_kg - c.urban_use_kg - c.other_use_kg - c.exports_kg;
    assert!(close(w.centre.stock_kg - 1e6, change, 1e-9));
    assert_eq!(c.central_stock_kg, w.centre.stock_kg);
}

// ---------------------------------------------------------------------------------------------
// §4.10 Fertility.

/// Conceptions of a team of 10,000 this month (no deaths, no pregnancies yet), and the women's
/// reserve they were reckoned at.
fn conceptions(
    p: &Params,
    c: &CommuneCtx,
    reserve: f32,
    intake: &Intake,
    postponed: f32,
) -> (f32, f32, f32) {
    let k = knobs(p, 1960, 4);
    let mut c = *c;
    c.death_base = [0.0; N_AGE];
    let mut t = team(10_000, 0);
    t.reserve[0] = [reserve; N_AGE];
    t.postponed[0] = postponed;
    with_view(&mut t, |v| {
        demography::update(v, 0, intake, &c, p, &k, &mut CommuneMonth::default())
    });
    (t.pregnancy[0][0], t.reserve[0][WOMEN], t.postponed[0])
}

#[test]
fn conceptions_fall_with_the_womens_reserve_to_the_power_theta_b_and_are_postponed() {
    let mut p = Params::defaults();
    p.demography.theta_b = 3.0;
    let k = knobs(&p, 1960, 4);
    let c = ctx(&p, &k);
    let (normal, full, postponed) = conceptions(&p, &c, 1.0, &FED, 0.0);
    assert_eq!(full, 1.0);
    assert_eq!(postponed, 0.0);
    let women = split_by_shares(10_000, &AGE_SHARES)[WOMEN] as f32;
    assert!((normal - women * c.fertility as f32).abs() < 1e-3 * normal);
    let (hungry, res, postponed) = conceptions(&p, &c, 0.8, &SHORT, 0.0);
    assert!(res < 0.8);
    let fecundity = res.powi(3);
    assert!(
        (hungry - normal * fecundity).abs() < 1e-3 * normal,
        "{hungry} vs {normal}·{fecundity}"
    );
    assert!((postponed - normal * (1.0 - fecundity)).abs() < 1e-3 * normal);
}

#[test]
fn couples_separated_by_the_drafts_conceive_less() {
    let mut p = Params::defaults();
    p.demography.separation = 0.5;
    p.labour.steel_share = Schedule::constant(0.2);
    p.labour.water_share = Schedule::constant(0.2);
    let mut w = small_world(&p);
    w.communes.zeal[0] = 1.0;
    let k = knobs(&p, 1960, 4);
    let drafted = commune_contexts(&w, None, &p, &k)[0];
    assert!(
        (drafted.together - 0.8).abs() < 1e-6,
        "{}",
        drafted.together
    );
    let home = CommuneCtx {
        together: 1.0,
        ..drafted
    };
    let (apart, _, postponed) = conceptions(&p, &drafted, 1.0, &FED, 0.0);
    let (together, _, _) = conceptions(&p, &home, 1.0, &FED, 0.0);
    assert!(
        (apart - 0.8 * together).abs() < 1e-4 * together,
        "{apart} vs {together}"
    );
    assert_eq!(
        postponed, 0.0,
        "separation loses conceptions, it does not postpone them"
    );
}

#[test]
fn postponed_conceptions_are_made_up_once_women_are_fed() {
    let mut p = Params::defaults();
    p.demography.catch_up = 0.05;
    let k = knobs(&p, 1962, 4);
    let c = ctx(&p, &k);
    let (normal, _, _) = conceptions(&p, &c, 1.0, &FED, 0.0);
    let (with_backlog, _, left) = conceptions(&p, &c, 1.0, &FED, 100.0);
    assert!(
        (with_backlog - (normal + 5.0)).abs() < 1e-3,
        "{with_backlog} vs {normal} + 5"
    );
    assert!((left - 95.0).abs() < 1e-3, "{left}");
    // Hungry women make up less: the share times Res^θb.
    p.demography.theta_b = 3.0;
    let (_, res, left) = conceptions(&p, &c, 0.8, &SHORT, 100.0);
    let (_, _, left_without_backlog) = conceptions(&p, &c, 0.8, &SHORT, 0.0);
    let made_up = 100.0 * 0.05 * res.powi(3);
    assert!(
        (left - left_without_backlog - (100.0 - made_up)).abs() < 1e-3,
        "{left} vs {left_without_backlog} + 100 − {made_up}"
    );
}
