//! Grain and people are conserved every month, in every commune and at the centre
//! (MODEL §7 unit tests; the engine issue's conservation requirement).

use commune_sim::step;
use commune_sim::world;

use crate::common::small;

#[test]
fn grain_and_people_balance_every_month_in_every_commune() {
    // production = procurement − resales + seed + feed + losses + consumption + Δstocks and
    // births − deaths − migrants = Δpopulation in every commune, the central stock balances, and
    // no reserve, stock or pregnancy leaves its range: `audit::check` holds these (its own test
    // shows it catches a broken balance).
    let s = small();
    let mut w = world::build(&s);
    let mut month = s.start;
    let mut months = 0;
    while month <= s.end {
        let stock_before = w.centre.stock_kg;
        let r = step::step(&mut w, &s.params, month, s.seed);
        assert_eq!(r.communes.len(), w.n_communes());
        if let Err(e) = commune_sim::audit::check(&w, &r, stock_before) {
            panic!("{e}");
        }
        months += 1;
        month = month.plus(1);
    }
    assert_eq!(months, s.n_months());
}
