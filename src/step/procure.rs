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
use crate::step::harvest::{add, kg, kg32_f32};
use crate::world::{ADULT_EQUIVALENT, TeamsMut, World};
use std::hint::select_unpredictable as select;

/// Adult equivalents in a team, in f32 as the meals (a team's few thousand people are exact).
#[inline(always)]
pub fn adult_equivalents(pop: &[u32; 5]) -> f32 {
    let mut ae = 0.0f32;
    for (&n, a) in pop.iter().zip(ADULT_EQUIVALENT) {
        ae += n as f32 * a;
    }
    ae
}

/// This month's terms of procurement, in f32 as the team loops use them (8 teams to a vector
/// in AVX2); a team's amounts, far below 2^24 kg, are exact in f32.
#[derive(Clone, Copy, Debug, Default)]
pub struct Terms {
    /// The share of the quota left that is due this month (1 in the season's last month, 0
    /// outside the seasons).
    pub due: f32,
    /// ζ: the share of a team's hidden grain searches find.
    pub seizure: f32,
    /// The retention floor per person this month, kg: f_t over the floor's horizon.
    pub floor_per_person: f32,
}

impl Terms {
    pub fn new(k: &Knobs) -> Terms {
        Terms {
            due: calendar::procurement_due(k.month.month()) as f32,
            seizure: k.seizure as f32,
            floor_per_person: (k.retention_floor_kg * k.floor_days / 365.25) as f32,
        }
    }
}

/// The retention floor of a team of `people` this month (§4.6): f_t over the floor's horizon.
#[inline]
pub fn floor_kg(k: &Knobs, people: u32) -> u64 {
    u64::from(kg32_f32(floor_amount(&k.terms, people)))
}

/// [`floor_kg`] before rounding to whole kg.
#[inline(always)]
fn floor_amount(terms: &Terms, people: u32) -> f32 {
    terms.floor_per_person * people as f32
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
pub fn extract(t: &mut TeamsMut<'_>, i: usize, _p: &Params, k: &Knobs, out: &mut CommuneMonth) {
    if k.terms.due == 0.0 {
        return;
    }
    let people = t.pop[i].iter().sum();
    let (quota, grain, hidden) = (&mut t.quota_kg[i], &mut t.grain_kg[i], &mut t.hidden_kg[i]);
    deliver(quota, grain, hidden, people, &k.terms).add_to(out);
}

/// What a team gave up to procurement this month, kg.
#[derive(Clone, Copy, Debug, Default)]
pub struct Delivery {
    /// Hidden grain found in searches (it goes to the collective stock).
    pub seized: u32,
    pub procured: u32,
    /// Quota left undelivered at the end of the season.
    pub shortfall: u32,
}

impl Delivery {
    /// Adds the delivery to the commune's sums.
    #[inline(always)]
    pub fn add_to(self, out: &mut CommuneMonth) {
        out.seized_kg += u64::from(self.seized);
        out.procured_kg += u64::from(self.procured);
        out.quota_shortfall_kg += u64::from(self.shortfall);
    }
}

/// Procurement from a team of `people` with `quota` kg still to deliver, of which the share
/// `due` of the month's `terms` is due this month (1 in the season's last month): searches
/// find a share ζ of its `hidden` grain, then it delivers from its `grain` down to the
/// retention floor. Teams with no quota left are not searched.
///
/// Without branches, so that a loop over a batch of teams runs in vector instructions; amounts
/// in u32, as the stocks, and worked out in f32 (8 lanes to a vector in AVX2).
#[inline(always)]
pub fn deliver(
    quota: &mut u32,
    grain: &mut u32,
    hidden: &mut u32,
    people: u32,
    terms: &Terms,
) -> Delivery {
    let due = terms.due;
    let found = kg32_f32(terms.seizure * *hidden as f32).min(*hidden);
    let seized = select(*quota == 0, 0, found);
    *hidden -= seized;
    *grain = grain.saturating_add(seized);
    let floor = kg32_f32(floor_amount(terms, people));
    let ask = kg32_f32(*quota as f32 * due).min(*quota);
    let procured = ask.min(grain.saturating_sub(floor));
    *grain -= procured;
    *quota -= procured;
    // What is left at the end of the season is not owed any more.
    let last = due >= 1.0;
    let shortfall = select(last, *quota, 0);
    *quota = select(last, 0, *quota);
    Delivery {
        seized,
        procured,
        shortfall,
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
