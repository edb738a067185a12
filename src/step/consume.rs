//! Allocation within the team and consumption under the mess-hall regimes (§4.9).
//!
//! ```text
//! household:  c = min(c_norm, (G + H) / (AE · days to harvest))
//! free:       c = c_norm · (1 + ω_free) from G (hidden grain confiscated), until the stock
//!             would not last to the harvest at c_norm or the free months are over → rationed
//! rationed:   c = min(c_norm, (1 − w) · G / (AE · days to harvest)); non-workers get ξ of a
//!             worker's ration
//! ```
//! Canteens lose a share w of the grain they draw to waste, theft and cooking.

use super::demography::{Intakes, LANES};
use super::procure;
use super::simd::kernel;
use super::{CommuneMonth, Knobs};
use crate::scenario::Params;
use crate::step::harvest::kg32_f32;
use crate::step::procure::adult_equivalents;
use crate::world::{ADULT_EQUIVALENT, MessMode, N_AGE, TeamsMut, WORKING};
use std::hint::select_unpredictable as select;

/// Offsets of three equally likely intake levels, ±√1.5 and 0: intake multipliers
/// `1 + z·cv` then have mean 1 and coefficient of variation exactly `cv`.
pub const TERCILE_Z: [f32; 3] = [-1.224_744_9, 0.0, 1.224_744_9];

/// What each age group of a team took in this month, per adult equivalent.
#[derive(Clone, Copy, Debug)]
pub struct Intake {
    /// Energy per adult equivalent per day, by age group.
    pub kcal: [f32; N_AGE],
    /// True under canteen rationing, when intake is spread more unequally.
    pub rationed: bool,
}

/// This month's constants of the meals, worked out once rather than for every team, in f32 as
/// the team loops use them (8 teams to a vector in AVX2; a team's stocks, far below 2^24 kg,
/// are exact in f32).
#[derive(Clone, Copy, Debug, Default)]
pub struct Meals {
    /// Days in the month.
    days: f32,
    /// Days in the month over the days to the October harvest: the share of its grain a
    /// household eats this month.
    spread: f32,
    /// Days from the start of the month to the October harvest.
    days_to_october: f32,
    /// The free-supply ration with overconsumption, kg per adult equivalent per day.
    free_ration: f32,
    /// Intake below which each tercile is below subsistence, with the normal and the canteen
    /// intake spread.
    limits: [[f32; 3]; 2],
    /// Energy from other foods, kcal per day.
    supplement: f32,
    /// Canteens cover the teams ranked below this: the coverage rounded up to an f32, below
    /// which are exactly the f32 ranks below the coverage itself.
    coverage: f32,
    /// Net summer harvest a team still expects, per kg of its normal annual output.
    summer_expectation: f32,
    /// ρ: the share of its shortfall to October a team asks to be resold.
    resale: f32,
}

impl Meals {
    /// The meals' constants of the month of the knobs `k` (all but this one worked out).
    pub fn new(p: &Params, k: &Knobs) -> Meals {
        let (m, n) = (&p.mess_halls, &p.nutrition);
        let days = f64::from(k.month.days());
        let limits = |cv: f64| {
            let cv = cv as f32;
            TERCILE_Z.map(|z| n.subsistence_kcal as f32 / (1.0 + z * cv))
        };
        Meals {
            days: days as f32,
            spread: (days / k.days_to_october) as f32,
            days_to_october: k.days_to_october as f32,
            free_ration: (n.ration_kg * (1.0 + m.overconsumption)) as f32,
            limits: [limits(n.intake_cv), limits(n.intake_cv_canteen)],
            supplement: supplement_kcal(p, k.month) as f32,
            coverage: rounded_up(k.canteen_coverage),
            summer_expectation: k.summer_expectation as f32,
            resale: k.resale as f32,
        }
    }
}

/// `x` rounded up to an f32 `c`: for every f32 `r`, `r < c` exactly when `f64::from(r) < x`.
fn rounded_up(x: f64) -> f32 {
    let c = x as f32;
    if f64::from(c) < x { c.next_up() } else { c }
}

/// Energy from foods other than the collective's grain (vegetables, wild and substitute foods,
/// and the private plots once they are given back), kcal per adult equivalent per day.
pub fn supplement_kcal(p: &Params, month: crate::time::Month) -> f64 {
    p.nutrition.supplement_kcal.at(month)
        + p.nutrition.plot_kcal * p.incentives.private_plots.at(month)
}

/// The parameters the meals read, as the team loops use them (worked out once a batch).
#[derive(Clone, Copy, Debug)]
struct Rules {
    /// The ration, kg per adult equivalent per day.
    ration: f32,
    /// The share of the grain a canteen draws that is eaten, 1 − w.
    kept: f32,
    /// ξ: a non-worker's canteen ration per worker's.
    nonworker: f32,
    /// Canteen intake of everyone but the cadres and staff, per ration: 1 / (1 + ς·share).
    majority: f32,
    /// Energy per kg of grain, kcal.
    kcal_per_kg: f32,
    /// Months of free supply before a canteen rations, rounded up to whole months as the months
    /// in a canteen are counted (`u32::MAX` if never).
    free_months: u32,
}

impl Rules {
    #[inline(always)]
    fn new(p: &Params) -> Rules {
        let (m, n) = (&p.mess_halls, &p.nutrition);
        let free = m.free_months.ceil();
        Rules {
            ration: n.ration_kg as f32,
            kept: (1.0 - m.waste) as f32,
            nonworker: m.nonworker_ration as f32,
            majority: (1.0 / (1.0 + m.cadre_uplift * (m.cadre_share + p.labour.mess_staff))) as f32,
            kcal_per_kg: n.kcal_per_kg as f32,
            // Whole months reach the free months when they reach them rounded up; a u8 never
            // counts more than 255.
            free_months: if free <= 0.0 {
                0
            } else if free <= 256.0 {
                free as u32
            } else {
                u32::MAX
            },
        }
    }
}

/// Updates team `i`'s mess-hall regime, feeds it, and returns what each group ate: [`eat_batch`]
/// on a batch of one.
pub fn eat(
    t: &mut TeamsMut<'_>,
    i: usize,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) -> Intake {
    let mut intakes = Intakes::default();
    eat_batch(&mut t.slice(i..i + 1), 1, false, p, k, out, &mut intakes);
    Intake {
        kcal: intakes.kcal[0],
        rationed: intakes.rationed[0],
    }
}

/// A team's mess-hall regime this month, from last month's `mode` and its `months` in a canteen,
/// as its canteen is `covered` or not: a canteen opens while the team's rank is below the
/// coverage and closes above it. Returns the regime, the months in a canteen, and whether a
/// canteen opens (and takes the households' hidden grain). Without branches, as [`ration`].
#[inline(always)]
fn regime(covered: bool, mode: MessMode, months: u8) -> (MessMode, u8, bool) {
    let canteen = matches!(mode, MessMode::Free | MessMode::Rationed);
    // A canteen that opens for the first time starts with free supply; one re-imposed after
    // closing (as in November 1959) rations from the start.
    let opened = select(
        mode == MessMode::Household,
        MessMode::Free,
        MessMode::Rationed,
    );
    let open = select(canteen, mode, opened);
    let closed = select(canteen, MessMode::Dissolved, mode);
    let opens = covered & !canteen;
    let months = select(covered, months.saturating_add(1), months);
    (
        select(covered, open, closed),
        select(opens, 0, months),
        opens,
    )
}

/// True if a free-supply canteen turns to rationing: its free months are over, or the team's
/// `stock` with the `expected` summer harvest would not feed its `ae` adult equivalents the
/// ration until the October harvest.
#[inline(always)]
fn rations(months: u8, stock: u32, expected: f32, ae: f32, r: &Rules, meals: &Meals) -> bool {
    (u32::from(months) >= r.free_months)
        | (stock as f32 + expected < r.ration * ae * meals.days_to_october)
}

/// What a team draws from its stocks this month and what it eats.
#[derive(Clone, Copy, Debug)]
struct Ration {
    /// Grain eaten per adult equivalent per day, kg.
    c: f32,
    /// Grain drawn from the collective stock and from the hidden grain, kg.
    drawn: u32,
    from_hidden: u32,
    /// Each worker's and each non-worker's share of `c` (cadres and staff take more in canteens;
    /// under rationing non-workers get ξ of a worker's ration).
    work: f32,
    rest: f32,
}

/// The ration of a team of `ae` adult equivalents (`work_ae` of them in the working groups,
/// `rest_ae` in the others) under regime `mode`, with `stock` kg in store, `hidden` kg hidden
/// by its households and `expected` kg still to come from the summer harvest (the equations
/// at the top).
///
/// Without branches, so that a batch's loop over its teams runs in vector instructions: what
/// differs between the regimes is selected before it is worked out, and each amount is still
/// computed by the same operations as with a branch per regime.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn ration(
    mode: MessMode,
    ae: f32,
    work_ae: f32,
    rest_ae: f32,
    stock: u32,
    hidden: u32,
    expected: f32,
    meals: &Meals,
    r: &Rules,
) -> Ration {
    let (ration, spread, kept) = (r.ration, meals.spread, r.kept);
    let g = stock as f32;
    // Rations are in kg per adult equivalent per day; `month` converts them to the team's kg
    // this month and `per_kg` back (one division per team).
    let month = ae * meals.days;
    let per_kg = select(month > 0.0, 1.0 / month, 0.0);

    let canteen = matches!(mode, MessMode::Free | MessMode::Rationed);
    let is_rationed = mode == MessMode::Rationed;
    // Households ration their grain (hidden grain first) over the whole grain year, counting on
    // a normal summer harvest (less the normal procurement rate) if it is still to come.
    let home = (ration * month).min((g + hidden as f32 + expected) * spread);
    // Canteens draw, before waste, as much as is wanted under free supply, and under rationing
    // what the stock allows to the harvest, at most the ration; all from the collective stock.
    let c_rationed = ration.min(kept * (g + expected) * spread * per_kg);
    let canteen_ration = select(is_rationed, c_rationed, meals.free_ration);
    let want = select(canteen, canteen_ration * month / kept, home);
    let drawn = kg32_f32(want).min(select(canteen, stock, stock.saturating_add(hidden)));
    let from_hidden = select(canteen, 0, drawn.min(hidden));
    // What is eaten, per adult equivalent per day (× 1 outside canteens changes nothing).
    let c = drawn as f32 * select(canteen, kept, 1.0) * per_kg;
    // Non-workers get ξ of a worker's ration; the total is unchanged.
    let worker = ae / (work_ae + r.nonworker * rest_ae);

    // In canteens, cadres and staff eat (1 + ς) times the ration; everyone else a little less.
    let majority = select(canteen, r.majority, 1.0);
    let (work, rest) = (majority * worker, majority * (worker * r.nonworker));
    let empty = ae <= 0.0;
    let split = is_rationed && !empty;
    Ration {
        c: select(empty, 0.0, c),
        drawn: select(empty, 0, drawn - from_hidden),
        from_hidden: select(empty, 0, from_hidden),
        work: select(split, work, majority),
        rest: select(split, rest, majority),
    }
}

/// Energy per adult equivalent per day of people who take `share` of a ration of `c` kg of
/// grain, with the other foods.
#[inline(always)]
fn kcal(c: f32, share: f32, meals: &Meals, r: &Rules) -> f32 {
    share * (c * r.kcal_per_kg) + meals.supplement
}

/// Terciles of a group below subsistence at intake `kcal`: a tercile is below if its intake,
/// kcal·(1 + z·cv), is under the limit subsistence / (1 + z·cv).
#[inline(always)]
fn thirds_below(kcal: f32, limits: &[f32; 3]) -> u32 {
    limits.iter().map(|&l| u32::from(kcal < l)).sum()
}

/// Resale request for next month of a team that holds `stock` and `hidden` kg and expects
/// `expected` kg from the summer harvest: a share ρ of the gap between its need until October
/// and what it holds and expects (§4.6).
#[inline(always)]
fn resale_request(stock: u32, hidden: u32, expected: f32, ae: f32, r: &Rules, m: &Meals) -> u32 {
    let held = stock as f32 + hidden as f32 + expected;
    kg32_f32(m.resale * (r.ration * ae * m.days_to_october - held).max(0.0))
}

/// With `procure` (in procurement months) this month's procurement, then the meals, of the
/// first `n` teams of `t` (at most [`LANES`]): [`procure::deliver`], and the regime, ration,
/// intake and resale request of each team. Sets what each group ate in `intakes`.
#[inline(always)]
pub fn eat_batch(
    t: &mut TeamsMut<'_>,
    n: usize,
    procure: bool,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
    intakes: &mut Intakes,
) {
    let rows = 0..n.min(LANES).min(t.rows());
    procure_and_eat(
        k.simd,
        &t.pop[rows.clone()],
        &t.base_output_kg[rows.clone()],
        &t.canteen_rank[rows.clone()],
        &mut t.quota_kg[rows.clone()],
        &mut t.grain_kg[rows.clone()],
        &mut t.hidden_kg[rows.clone()],
        &mut t.mess[rows.clone()],
        &mut t.canteen_months[rows.clone()],
        &mut t.resale_request_kg[rows],
        procure,
        intakes,
        p,
        k,
        out,
    );
}

kernel! {
/// [`eat_batch`] on a batch's columns (at most [`LANES`] teams, as many in each), in the
/// instruction set `simd`; with `procure`, the month's procurement first.
///
/// Out of line, so that its arguments are known not to overlap, and in straight loops over
/// the batch's teams, which the compiler vectorises: every value is computed by the same
/// operations as for one team alone, so the results are the same bits. The columns are
/// changed in place, a partial batch too (no copies, but a scalar remainder).
fn procure_and_eat(
    pop: &[[u32; N_AGE]],
    base_output: &[f32],
    rank: &[f32],
    quota: &mut [u32],
    stock: &mut [u32],
    hidden: &mut [u32],
    mode: &mut [MessMode],
    months: &mut [u8],
    request: &mut [u32],
    procure: bool,
    intakes: &mut Intakes,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    let (meals, rules) = (&k.meals, &Rules::new(p));
    let n = pop.len().min(LANES);
    let (pop, base_output, rank) = (&pop[..n], &base_output[..n], &rank[..n]);
    let (quota, stock, hidden) = (&mut quota[..n], &mut stock[..n], &mut hidden[..n]);
    let (mode, months, request) = (&mut mode[..n], &mut months[..n], &mut request[..n]);
    // What the meals need of the teams' people.
    let mut ae = [0.0f32; LANES];
    let mut work_ae = [0.0f32; LANES];
    let mut rest_ae = [0.0f32; LANES];
    let mut workers = [0u32; LANES];
    let mut others = [0u32; LANES];
    for j in 0..n {
        let pop = &pop[j];
        ae[j] = adult_equivalents(pop);
        let (mut w, mut r) = (0.0f32, 0.0f32);
        let (mut nw, mut nr) = (0u32, 0u32);
        for a in 0..N_AGE {
            let x = pop[a] as f32 * ADULT_EQUIVALENT[a];
            if WORKING[a] {
                w += x;
                nw += pop[a];
            } else {
                r += x;
                nr += pop[a];
            }
        }
        (work_ae[j], rest_ae[j], workers[j], others[j]) = (w, r, nw, nr);
    }

    // The loops keep each team's amounts in u32 columns and the u64 sums come after: with no
    // 64-bit value in them they run 8 teams to a vector in AVX2 (f32 and u32), not 4.
    let sum = |x: &[u32; LANES]| x[..n].iter().map(|&v| u64::from(v)).sum::<u64>();
    if procure {
        let mut seized = [0u32; LANES];
        let mut procured = [0u32; LANES];
        let mut shortfall = [0u32; LANES];
        for j in 0..n {
            let people = workers[j] + others[j];
            let d = procure::deliver(&mut quota[j], &mut stock[j], &mut hidden[j], people, &k.terms);
            (seized[j], procured[j], shortfall[j]) = (d.seized, d.procured, d.shortfall);
        }
        out.seized_kg += sum(&seized);
        out.procured_kg += sum(&procured);
        out.quota_shortfall_kg += sum(&shortfall);
    }

    let mut kcal_work = [0.0f32; LANES];
    let mut kcal_rest = [0.0f32; LANES];
    let mut seized = [0u32; LANES];
    let mut eaten_kg = [0u32; LANES];
    let mut waste_kg = [0u32; LANES];
    let mut in_canteens = [0u32; LANES];
    let mut below = [0u32; LANES];
    for j in 0..n {
        let covered = rank[j] < meals.coverage;
        let opens;
        (mode[j], months[j], opens) = regime(covered, mode[j], months[j]);
        // Household stocks (and cookware) go to the canteen.
        let taken = select(opens, hidden[j], 0);
        stock[j] = stock[j].saturating_add(taken);
        hidden[j] -= taken;
        seized[j] = taken;
        // Households ration their grain over the whole grain year, counting on a normal
        // summer harvest (less the normal procurement rate) if it is still to come.
        let expected = base_output[j] * meals.summer_expectation;
        let free = mode[j] == MessMode::Free;
        let rationing = free & rations(months[j], stock[j], expected, ae[j], rules, meals);
        mode[j] = select(rationing, MessMode::Rationed, mode[j]);

        let r = ration(
            mode[j],
            ae[j],
            work_ae[j],
            rest_ae[j],
            stock[j],
            hidden[j],
            expected,
            meals,
            rules,
        );
        stock[j] -= r.drawn;
        hidden[j] -= r.from_hidden;
        let total = r.drawn + r.from_hidden;
        let eaten = kg32_f32(r.c * (ae[j] * meals.days)).min(total);
        eaten_kg[j] = eaten;
        waste_kg[j] = total - eaten;
        let canteen = matches!(mode[j], MessMode::Free | MessMode::Rationed);
        in_canteens[j] = select(canteen, workers[j] + others[j], 0);
        kcal_work[j] = kcal(r.c, r.work, meals, rules);
        kcal_rest[j] = kcal(r.c, r.rest, meals, rules);
        // The canteen's intake spread under rationing.
        let rationed = mode[j] == MessMode::Rationed;
        let limits = &std::array::from_fn(|z| {
            select(rationed, meals.limits[1][z], meals.limits[0][z])
        });
        below[j] = workers[j] * thirds_below(kcal_work[j], limits)
            + others[j] * thirds_below(kcal_rest[j], limits);
        request[j] = resale_request(stock[j], hidden[j], expected, ae[j], rules, meals);
    }
    out.seized_kg += sum(&seized);
    out.eaten_kg += sum(&eaten_kg);
    out.waste_kg += sum(&waste_kg);
    out.in_canteens += sum(&in_canteens);
    out.below_subsistence_thirds += sum(&below);
    out.resale_request_kg += request.iter().map(|&v| u64::from(v)).sum::<u64>();

    for j in 0..n {
        intakes.kcal[j] = std::array::from_fn(|a| {
            if WORKING[a] {
                kcal_work[j]
            } else {
                kcal_rest[j]
            }
        });
        intakes.rationed[j] = mode[j] == MessMode::Rationed;
    }
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::calendar;
    use crate::step::harvest::add;
    use crate::time::Month;
    use crate::world::TeamColumns;

    /// Procurement and the meals of team `i` as they were written before the batches, one
    /// branch per regime, in f32 amounts from the parameters and knobs themselves: the
    /// reference the batched code must match bit for bit.
    fn reference(
        t: &mut TeamsMut<'_>,
        i: usize,
        p: &Params,
        k: &Knobs,
        out: &mut CommuneMonth,
    ) -> Intake {
        // Half up, saturating, as `as` does.
        let kg = |x: f32| (x.max(0.0) + 0.5) as u32;
        let due = calendar::procurement_due(k.month.month()) as f32;
        if due != 0.0 && t.quota_kg[i] != 0 {
            let hidden = t.hidden_kg[i];
            let seized = kg(k.seizure as f32 * hidden as f32).min(hidden);
            t.hidden_kg[i] -= seized;
            add(&mut t.grain_kg[i], u64::from(seized));
            out.seized_kg += u64::from(seized);
            let people: u32 = t.pop[i].iter().sum();
            let floor = kg((k.retention_floor_kg * k.floor_days / 365.25) as f32 * people as f32);
            let ask = kg(t.quota_kg[i] as f32 * due).min(t.quota_kg[i]);
            let give = ask.min(t.grain_kg[i].saturating_sub(floor));
            t.grain_kg[i] -= give;
            t.quota_kg[i] -= give;
            out.procured_kg += u64::from(give);
            if due >= 1.0 {
                out.quota_shortfall_kg += u64::from(t.quota_kg[i]);
                t.quota_kg[i] = 0;
            }
        }
        let (m, n) = (&p.mess_halls, &p.nutrition);
        let pop = t.pop[i];
        let ae = adult_equivalents(&pop);
        let horizon = k.days_to_october as f32;
        let expected = t.base_output_kg[i] * k.summer_expectation as f32;
        let ration = n.ration_kg as f32;
        let kept = (1.0 - m.waste) as f32;
        let covered = f64::from(t.canteen_rank[i]) < k.canteen_coverage;
        match (covered, t.mess[i]) {
            (true, MessMode::Household | MessMode::Dissolved) => {
                t.mess[i] = if t.mess[i] == MessMode::Household {
                    MessMode::Free
                } else {
                    MessMode::Rationed
                };
                t.canteen_months[i] = 0;
                let h = u64::from(t.hidden_kg[i]);
                add(&mut t.grain_kg[i], h);
                t.hidden_kg[i] = 0;
                out.seized_kg += h;
            }
            (true, _) => t.canteen_months[i] = t.canteen_months[i].saturating_add(1),
            (false, MessMode::Free | MessMode::Rationed) => t.mess[i] = MessMode::Dissolved,
            (false, _) => {}
        }
        if t.mess[i] == MessMode::Free
            && (f64::from(t.canteen_months[i]) >= m.free_months
                || t.grain_kg[i] as f32 + expected < ration * ae * horizon)
        {
            t.mess[i] = MessMode::Rationed;
        }
        let g = t.grain_kg[i] as f32;
        let in_canteen = matches!(t.mess[i], MessMode::Free | MessMode::Rationed);
        let majority = if in_canteen {
            (1.0 / (1.0 + m.cadre_uplift * (m.cadre_share + p.labour.mess_staff))) as f32
        } else {
            1.0
        };
        let mut factors = [majority; N_AGE];
        let (stock, hidden) = (t.grain_kg[i], t.hidden_kg[i]);
        let days = k.month.days() as f32;
        let month = ae * days;
        let per_kg = if month > 0.0 { 1.0 / month } else { 0.0 };
        let spread = (f64::from(k.month.days()) / k.days_to_october) as f32;
        let (c, drawn_from_hidden, drawn) = if ae <= 0.0 {
            (0.0, 0, 0)
        } else {
            match t.mess[i] {
                MessMode::Household | MessMode::Dissolved => {
                    let eat = kg((ration * month).min((g + hidden as f32 + expected) * spread))
                        .min(stock.saturating_add(hidden));
                    let from_hidden = eat.min(hidden);
                    (eat as f32 * per_kg, from_hidden, eat - from_hidden)
                }
                MessMode::Free => {
                    let free = (n.ration_kg * (1.0 + m.overconsumption)) as f32;
                    let drawn = kg(free * month / kept).min(stock);
                    (drawn as f32 * kept * per_kg, 0, drawn)
                }
                MessMode::Rationed => {
                    let c = ration.min(kept * (g + expected) * spread * per_kg);
                    let drawn = kg(c * month / kept).min(stock);
                    let (mut w, mut r) = (0.0f32, 0.0f32);
                    for a in 0..N_AGE {
                        let x = pop[a] as f32 * ADULT_EQUIVALENT[a];
                        if WORKING[a] { w += x } else { r += x }
                    }
                    let xi = m.nonworker_ration as f32;
                    let worker = ae / (w + xi * r);
                    for a in 0..N_AGE {
                        factors[a] = majority * if WORKING[a] { worker } else { worker * xi };
                    }
                    (drawn as f32 * kept * per_kg, 0, drawn)
                }
            }
        };
        t.hidden_kg[i] -= drawn_from_hidden;
        t.grain_kg[i] -= drawn;
        let total = drawn + drawn_from_hidden;
        let eaten = kg(c * month).min(total);
        out.eaten_kg += u64::from(eaten);
        out.waste_kg += u64::from(total - eaten);
        if in_canteen {
            out.in_canteens += u64::from(pop.iter().sum::<u32>());
        }
        let rationed = t.mess[i] == MessMode::Rationed;
        let grain_kcal = c * n.kcal_per_kg as f32;
        let supplement = supplement_kcal(p, k.month) as f32;
        let mut kcal = [0.0f32; N_AGE];
        let limits = k.meals.limits[usize::from(rationed)];
        let mut below_thirds = 0u32;
        for a in 0..N_AGE {
            kcal[a] = factors[a] * grain_kcal + supplement;
            let below = limits.iter().filter(|&&l| kcal[a] < l).count() as u32;
            below_thirds += pop[a] * below;
        }
        out.below_subsistence_thirds += u64::from(below_thirds);
        let held = t.grain_kg[i] as f32 + t.hidden_kg[i] as f32 + expected;
        let ask = kg(k.resale as f32 * (ration * ae * horizon - held).max(0.0));
        t.resale_request_kg[i] = ask;
        out.resale_request_kg += u64::from(ask);
        Intake { kcal, rationed }
    }

    /// Teams of every kind: empty, tiny, huge stocks and quotas (up to `u32::MAX`), every
    /// regime, in and out of the canteens' coverage.
    fn teams(n: usize, seed: u64) -> TeamColumns {
        let mut next = crate::step::tests::generator(seed);
        let mut t = TeamColumns::default();
        t.grow(n);
        for i in 0..n {
            let size = [0, 1, 30, 200, 5_000][(next() % 5) as usize];
            t.pop[i] = std::array::from_fn(|_| (next() % (size + 1)) as u32);
            let amount = crate::step::tests::any_amount;
            t.grain_kg[i] = amount(next());
            t.hidden_kg[i] = amount(next());
            t.quota_kg[i] = amount(next());
            t.base_output_kg[i] = (next() % 1_000_000) as f32;
            t.canteen_rank[i] = (next() % 1000) as f32 / 1000.0;
            t.mess[i] = crate::step::tests::any_mess(next());
            t.canteen_months[i] = [0, 1, 3, 254, 255][(next() % 5) as usize];
        }
        t
    }

    #[test]
    fn batched_meals_are_the_one_team_formulation_bit_for_bit() {
        let mut p = Params::defaults();
        // Canteens cover half of the teams.
        p.mess_halls.coverage = crate::time::Schedule::constant(0.5);
        for (year, month) in [
            (1957, 3),
            (1958, 10),
            (1958, 12),
            (1959, 8),
            (1959, 11),
            (1960, 1),
            (1961, 6),
        ] {
            let k = Knobs::at(&p, Month::new(year, month), 1.0);
            let procure = calendar::procurement_due(month) != 0.0;
            for (n, seed) in [(LANES, 1), (LANES, 2), (7, 3), (1, 4), (2 * LANES + 5, 5)] {
                let mut old = teams(n, seed * 31 + u64::from(month));
                let mut new = old.clone();
                let (mut out_old, mut out_new) = (CommuneMonth::default(), CommuneMonth::default());
                let mut old_intakes = Vec::new();
                let mut new_intakes = Vec::new();
                {
                    let v = &mut old.split(&[0, n as u32])[0];
                    for i in 0..n {
                        old_intakes.push(reference(v, i, &p, &k, &mut out_old));
                    }
                }
                {
                    let v = &mut new.split(&[0, n as u32])[0];
                    for first in (0..n).step_by(LANES) {
                        let rows = first..n.min(first + LANES);
                        let mut intakes = Intakes::default();
                        eat_batch(
                            &mut v.slice(rows.clone()),
                            rows.len(),
                            procure,
                            &p,
                            &k,
                            &mut out_new,
                            &mut intakes,
                        );
                        for j in 0..rows.len() {
                            new_intakes.push(Intake {
                                kcal: intakes.kcal[j],
                                rationed: intakes.rationed[j],
                            });
                        }
                    }
                }
                let when = format!("{year}-{month}, {n} teams, seed {seed}");
                assert_eq!(format!("{old:?}"), format!("{new:?}"), "{when}");
                assert_eq!(format!("{out_old:?}"), format!("{out_new:?}"), "{when}");
                for (a, b) in old_intakes.iter().zip(&new_intakes) {
                    assert_eq!(a.kcal.map(f32::to_bits), b.kcal.map(f32::to_bits), "{when}");
                    assert_eq!(a.rationed, b.rationed, "{when}");
                }
            }
        }
    }
}
