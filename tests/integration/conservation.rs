//! Grain and people are conserved every month, in every commune and at the centre
//! (MODEL §7 unit tests; the engine issue's conservation requirement).

use commune_sim::step;
use commune_sim::world;

use crate::common::small;

#[test]
fn grain_and_people_balance_every_month_in_every_commune() {
    let s = small();
    let mut w = world::build(&s);
    let mut month = s.start;
    let mut checked = 0;
    while month <= s.end {
        let stock_before = w.centre.stock_kg;
        let r = step::step(&mut w, &s.params, month, s.seed);
        for (c, m) in r.communes.iter().enumerate() {
            // production = procurement − resales + seed + feed + losses + consumption + Δstocks
            let inflow = m.grain_start_kg + m.output_kg + m.resale_kg;
            let outflow =
                m.seed_kg + m.feed_kg + m.storage_loss_kg + m.procured_kg + m.eaten_kg + m.waste_kg;
            assert_eq!(
                inflow,
                outflow + m.grain_end_kg,
                "grain out of balance in commune {c}, {month}"
            );
            // births − deaths − migrants = change in population
            let pop = m.pop_start as i64 + m.births as i64 - m.deaths as i64 - m.migrants;
            assert_eq!(
                pop, m.pop_end as i64,
                "people out of balance in commune {c}, {month}"
            );
            checked += 1;
        }
        // The centre: deliveries and imports in; rations, other uses, exports and resales out.
        let n = r.national();
        let ce = &r.centre;
        let expected = stock_before + n.procured_kg as f64 + ce.imports_kg
            - ce.urban_use_kg
            - ce.other_use_kg
            - ce.exports_kg
            - n.resale_kg as f64
            + ce.central_shortfall_kg;
        assert!(
            (expected - w.centre.stock_kg).abs() <= 1e-6 * expected.abs().max(1.0),
            "central stock out of balance in {month}: {expected} vs {}",
            w.centre.stock_kg
        );
        month = month.plus(1);
    }
    assert_eq!(checked, w.n_communes() * s.n_months() as usize);
}

#[test]
fn no_stock_or_reserve_leaves_its_range() {
    let s = small();
    let mut w = world::build(&s);
    let mut month = s.start;
    while month <= s.end {
        step::step(&mut w, &s.params, month, s.seed);
        for t in 0..w.n_teams() {
            for a in 0..world::N_AGE {
                let r = w.teams.reserve[t][a];
                assert!((0.0..=1.0).contains(&r), "reserve {r} in team {t}, {month}");
            }
            assert!(w.teams.capital[t].is_finite() && w.teams.capital[t] >= 0.0);
        }
        assert!(w.centre.stock_kg >= 0.0 && w.centre.urban_pop >= 0.0);
        month = month.plus(1);
    }
}
