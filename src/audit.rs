//! `--audit`: checks after every month that grain and people are conserved in every commune,
//! that no stock or reserve is NaN, negative or out of range, and that the central stock
//! balances. The first failure stops the run with the unit and month named. On by default in
//! debug builds (and so in the tests); cheap enough for `--scale 0.1` in release.

use thiserror::Error;

use crate::step::MonthResult;
use crate::time::Month;
use crate::world::{N_AGE, World};

/// The first broken invariant found.
#[derive(Debug, Error)]
#[error("audit failed in {month}: {unit}: {what}")]
pub struct AuditError {
    pub month: Month,
    /// The unit, e.g. `commune 12 (Henan)` or `team 3401 of commune 12`.
    pub unit: String,
    pub what: String,
}

/// Checks month `r` of `world`; `stock_before` is the central stock at the start of the month.
pub fn check(world: &World, r: &MonthResult, stock_before: f64) -> Result<(), AuditError> {
    let fail = |unit: String, what: String| {
        Err(AuditError {
            month: r.month,
            unit,
            what,
        })
    };
    let commune_name = |c: usize| {
        format!(
            "commune {c} ({})",
            world.provinces.name[world.communes.province[c] as usize]
        )
    };
    for (c, m) in r.communes.iter().enumerate() {
        let inflow = m.grain_start_kg + m.output_kg + m.resale_kg;
        let outflow =
            m.seed_kg + m.feed_kg + m.storage_loss_kg + m.procured_kg + m.eaten_kg + m.waste_kg;
        if inflow != outflow + m.grain_end_kg {
            return fail(
                commune_name(c),
                format!(
                    "grain out of balance: start {} + output {} + resales {} kg ≠ uses {} + end {} kg",
                    m.grain_start_kg, m.output_kg, m.resale_kg, outflow, m.grain_end_kg
                ),
            );
        }
        let expected = m.pop_start as i64 + m.births as i64 - m.deaths as i64 - m.migrants;
        if expected != m.pop_end as i64 {
            return fail(
                commune_name(c),
                format!(
                    "people out of balance: {} + {} births − {} deaths − {} migrants ≠ {}",
                    m.pop_start, m.births, m.deaths, m.migrants, m.pop_end
                ),
            );
        }
    }
    let h = &world.hierarchy;
    for c in 0..world.n_communes() {
        for t in h.commune_team_offsets[c] as usize..h.commune_team_offsets[c + 1] as usize {
            let teams = &world.teams;
            for a in 0..N_AGE {
                let (res, eff) = (teams.reserve[t][a], teams.efficiency[t][a]);
                if !(0.0..=1.0).contains(&res) || !(0.0..=1.0).contains(&eff) {
                    return fail(
                        format!("team {t} of {}", commune_name(c)),
                        format!("reserve {res} or efficiency {eff} of age group {a} outside 0–1"),
                    );
                }
            }
            let (cap, season) = (teams.capital[t], teams.season_labour[t]);
            if !cap.is_finite() || cap < 0.0 || !season.is_finite() || season < 0.0 {
                return fail(
                    format!("team {t} of {}", commune_name(c)),
                    format!(
                        "capital {cap} or season labour {season} not a finite non-negative number"
                    ),
                );
            }
            if teams.pregnancy[t]
                .iter()
                .any(|p| !p.is_finite() || *p < 0.0)
                || !teams.postponed[t].is_finite()
            {
                return fail(
                    format!("team {t} of {}", commune_name(c)),
                    "pregnancies not finite and non-negative".into(),
                );
            }
        }
    }
    let n = r.national();
    let ce = &r.centre;
    let expected = stock_before + n.procured_kg as f64 + ce.imports_kg
        - ce.urban_use_kg
        - ce.other_use_kg
        - ce.exports_kg
        - n.resale_kg as f64
        + ce.central_shortfall_kg;
    let stock = world.centre.stock_kg;
    if !stock.is_finite()
        || stock < 0.0
        || (expected - stock).abs() > 1e-6 * expected.abs().max(1.0)
    {
        return fail(
            "the centre".into(),
            format!("central stock {stock} kg, expected {expected} kg"),
        );
    }
    if !world.centre.urban_pop.is_finite() || world.centre.urban_pop < 0.0 {
        return fail(
            "the centre".into(),
            format!("urban population {}", world.centre.urban_pop),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Params;

    #[test]
    fn a_month_that_loses_grain_is_caught_with_its_commune() {
        let mut s = crate::scenario::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/tiny.toml"
        )))
        .unwrap();
        s.params.population.scale = 0.0001;
        let mut w = crate::world::build(&s);
        let before = w.centre.stock_kg;
        let p: &Params = &s.params;
        let mut r = crate::step::step(&mut w, p, s.start, s.seed);
        assert!(check(&w, &r, before).is_ok());
        r.communes[3].eaten_kg += 1;
        let e = check(&w, &r, before).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("audit failed in 1957-01: commune 3 ("),
            "{e}"
        );
        assert!(e.to_string().contains("grain out of balance"), "{e}");
    }
}
