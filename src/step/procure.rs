//! Extraction, concealment and resales (§4.6) and the central balance (§4.7).
//!
//! ```text
//! Avail = G + ζ·H                       searches find a share of hidden grain
//! Floor = f_t · N · max(months to October, m_floor) / 12,   f_t = f0 · (1 − ω_π · π)
//! P     = min(quota due, max(0, Avail − Floor))
//! RS    = ρ · max(0, Need − (G + H)), asked after the month's meals (`consume`), paid next
//!         month as far as the central stock allows
//! CS   += Σ P + imports − urban ration − other uses − exports − Σ RS
//! ```

use super::{CentreMonth, CommuneMonth, Knobs, calendar};
use crate::scenario::Params;
use crate::step::harvest::{add, kg};
use crate::world::{ADULT_EQUIVALENT, TeamsMut, World};

/// Adult equivalents in a team.
pub fn adult_equivalents(pop: &[u32; 5]) -> f64 {
    pop.iter()
        .zip(ADULT_EQUIVALENT)
        .map(|(&n, a)| f64::from(n) * f64::from(a))
        .sum()
}

/// The retention floor of a team of `people` this month (§4.6): f_t over the floor's horizon.
#[inline]
pub fn floor_kg(k: &Knobs, people: u32) -> u64 {
    kg(k.retention_floor_kg * f64::from(people) * k.floor_days / 365.25)
}

/// The resale paid on a request of `request` kg when the centre fills the share `fill` of
/// the requests.
#[inline(always)]
pub fn resale_kg(request: u32, fill: f64) -> u64 {
    kg(f64::from(request) * fill)
}

/// Pays team `i` the share `fill` of the resale it asked for last month.
#[inline(always)]
pub fn receive_resale(t: &mut TeamsMut<'_>, i: usize, fill: f64, out: &mut CommuneMonth) {
    let r = resale_kg(t.resale_request_kg[i], fill);
    add(&mut t.grain_kg[i], r);
    t.resale_request_kg[i] = 0;
    out.resale_kg += r;
}

/// Procurement from team `i` in procurement months: searches, then delivery down to the floor.
#[inline(always)]
pub fn extract(t: &mut TeamsMut<'_>, i: usize, _p: &Params, k: &Knobs, out: &mut CommuneMonth) {
    let moy = k.month.month();
    let due = calendar::procurement_due(moy);
    if due == 0.0 || t.quota_kg[i] == 0 {
        return;
    }
    let seized = kg(k.seizure * f64::from(t.hidden_kg[i])).min(u64::from(t.hidden_kg[i]));
    t.hidden_kg[i] -= seized as u32;
    add(&mut t.grain_kg[i], seized);
    out.seized_kg += seized;

    let people: u32 = t.pop[i].iter().sum();
    let floor = floor_kg(k, people);
    let ask = kg(f64::from(t.quota_kg[i]) * due).min(u64::from(t.quota_kg[i]));
    let give = ask.min(u64::from(t.grain_kg[i]).saturating_sub(floor));
    t.grain_kg[i] -= give as u32;
    t.quota_kg[i] -= give as u32;
    out.procured_kg += give;
    if due >= 1.0 {
        out.quota_shortfall_kg += u64::from(t.quota_kg[i]);
        t.quota_kg[i] = 0;
    }
}

/// The centre's month: deliveries in; urban rations, other uses and exports out; imports in;
/// urban births and deaths; and how much of the resale requests it can pay next month.
pub fn central_balance(
    world: &mut World,
    _p: &Params,
    k: &Knobs,
    communes: &[CommuneMonth],
    centre: &mut CentreMonth,
) {
    let c = &mut world.centre;
    // One pass over the communes' results (integer sums: the order does not matter).
    let (mut procured, mut requests, mut migrants) = (0u64, 0u64, 0i64);
    for x in communes {
        procured += x.procured_kg;
        requests += x.resale_request_kg;
        migrants += x.migrants;
    }

    // Urban population: natural change at the urban rates, plus migrants from the teams.
    let births = c.urban_pop * k.urban_cbr / 12_000.0 + c.urban_birth_carry;
    let deaths = c.urban_pop * k.urban_cdr / 12_000.0 + c.urban_death_carry;
    c.urban_birth_carry = births - births.floor();
    c.urban_death_carry = deaths - deaths.floor();
    c.urban_pop += births.floor() - deaths.floor() + migrants as f64;
    centre.urban_births = births.floor() as u64;
    centre.urban_deaths = deaths.floor() as u64;
    centre.urban_pop = c.urban_pop;

    let urban = c.urban_pop * k.urban_ration_kg;
    let other = k.other_use_kg_per_year / 12.0;
    let exports = k.exports_kg_per_year / 12.0;
    let imports = k.imports_kg_per_year / 12.0;
    c.stock_kg += procured as f64 + imports - urban - other - exports;
    if c.stock_kg < 0.0 {
        centre.central_shortfall_kg = -c.stock_kg;
        c.stock_kg = 0.0;
    }
    centre.urban_use_kg = urban;
    centre.other_use_kg = other;
    centre.exports_kg = exports;
    centre.imports_kg = imports;
    centre.central_stock_kg = c.stock_kg;
    // The centre keeps a month of urban rations before it resells to the countryside.
    let spare = (c.stock_kg - urban).max(0.0);
    c.resale_fill = if requests > 0 {
        (spare / requests as f64).min(1.0)
    } else {
        1.0
    };
}
