//! Nutrition, mortality, fertility, ageing and migration (§4.10, §4.2).
//!
//! ```text
//! Req  = BMR · (1 + (PAL − 1) · h(Res)) · (1 − adaptation · (1 − Res))
//! Res += (Intake − Req) · days / Store        (gains at `recovery` speed; 0 ≤ Res ≤ 1)
//! h    = h0[a] · s(month) · (1 + v[a] · (exp(γ · max(0, R* − Res)) − 1)) + v[a] · h_crit · [Res < R_crit]
//! ```
//! The hazard is averaged over three intake terciles whose reserves spread around the group's
//! as it is depleted: `Res_k = Res + z_k · cv · spread · (1 − Res)`. Deaths, births and migrants are
//! whole people: the fraction left over each month is carried to the next, so expected numbers
//! are honoured exactly without random draws. Conceptions pass through three monthly stages
//! of mean three months each (a nine-month Erlang delay).

use super::consume::Intake;
use super::curve::{ReserveTable, limit, trunc_small};
use super::simd::kernel;
use super::{Body, CommuneCtx, CommuneMonth, Knobs};
use crate::scenario::Params;
use crate::world::{CHILD, ELDERLY, MEN, N_AGE, TeamsMut, WOMEN, YOUTH};

/// Monthly ageing rates out of each group (1/years in the group), applied each January.
const AGEING_YEARS: [u32; N_AGE] = [5, 10, 45, 45, 0];

/// Teams that [`update_batch`] steps together. Their age-group arrays, side by side, are
/// `LANES · N_AGE` values in a row, and what is done to each group of each team runs as one
/// straight loop over them (with the group's parameters repeated team after team), which the
/// compiler turns into vector instructions: four values at a time with SSE2. Every value is
/// computed by the same expression as for one team alone, so the results are the same bits
/// whatever the batch. 32 teams rather than 8 or 16 spread the set-up of a batch (the
/// repeated constants, the lookups' defaults) over more teams; at most 32 because arrays
/// longer than that have no `Default`.
pub const LANES: usize = 32;

/// One value for each team of a batch.
type Lanes<T> = [T; LANES];

/// The age-group arrays of a batch's teams, side by side.
type Groups<T> = [[T; N_AGE]; LANES];

/// The batch's values in a row.
#[inline(always)]
fn flat<T>(g: &Groups<T>) -> &[T; LANES * N_AGE] {
    g.as_flattened().try_into().expect("LANES · N_AGE values")
}

/// The batch's values in a row, to change.
#[inline(always)]
fn flat_mut<T>(g: &mut Groups<T>) -> &mut [T; LANES * N_AGE] {
    g.as_flattened_mut()
        .try_into()
        .expect("LANES · N_AGE values")
}

/// What the teams of a batch ate this month ([`Intake`] by team).
#[derive(Clone, Copy, Debug, Default)]
pub struct Intakes {
    /// Energy per adult equivalent per day, by team and age group.
    pub kcal: Groups<f32>,
    /// True for teams under canteen rationing.
    pub rationed: Lanes<bool>,
}

impl Intakes {
    /// Sets team `j`'s intake.
    #[inline]
    pub fn set(&mut self, j: usize, intake: &Intake) {
        self.kcal[j] = intake.kcal;
        self.rationed[j] = intake.rationed;
    }
}

/// Nutrition, deaths, births and migration of team `i` this month: [`update_batch`] on a
/// batch of one.
#[inline]
pub fn update(
    t: &mut TeamsMut<'_>,
    i: usize,
    intake: &Intake,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    let mut intakes = Intakes::default();
    intakes.set(0, intake);
    update_batch(t, i, 1, &intakes, &Repeated::new(ctx, k), ctx, p, k, out);
}

/// Reserve of a group after this month's energy balance (§4.10). Drafted workers do heavier
/// work (night shifts at furnaces and dams); hungry people move less: activity above the basal
/// rate falls with h(Res) (`efficiency`, last month's).
#[inline(always)]
fn energy_balance(res: f32, kcal: f32, pal: f32, efficiency: f32, b: &Body) -> f32 {
    let pal = 1.0 + (pal - 1.0) * efficiency;
    let req = b.bmr * pal * (1.0 - b.adaptation * (1.0 - res));
    let change = (kcal - req) * b.days_per_store;
    let change = if change > 0.0 {
        change * b.recovery
    } else {
        change
    };
    limit(res + change, 0.0, 1.0)
}

/// The capital index after this month, for working men and women at reserves `men` and
/// `women` (§4.1, §4.8). Draft animals, pigs (manure) and tools recover slowly; animals are
/// slaughtered, eaten or die unfed as soon as the adults go hungry, and tools are melted down
/// in the steel campaign.
#[inline(always)]
fn capital(capital: f32, men: f32, women: f32, ctx: &CommuneCtx, p: &Params) -> f32 {
    let work_res = (men + women) / 2.0;
    let pr = &p.production;
    let cap = capital * (1.0 - ctx.tool_melting);
    limit(
        cap + pr.capital_recovery as f32 * (1.0 - cap)
            - pr.capital_hunger_loss as f32 * (1.0 - work_res).max(0.0),
        0.0,
        1.5,
    )
}

/// Whole deaths among a group's `people` this month and the fraction of a death carried to the
/// next, from the group's reserve, last month's carry, the table values at its reserve
/// (`famine`, `critical`), its normal hazard `base` and vulnerability `v`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn deaths(
    people: u32,
    res: f32,
    carry: f32,
    famine: f32,
    critical: f32,
    base: f32,
    v: f32,
    b: &Body,
) -> (u32, f32) {
    // The tables are exact at Res = 1 (no famine hazard): the normal hazard is selected there.
    // Both are worked out and one is selected without a branch: with a branch (which the
    // compiler makes of a plain `if`) the batch's loop is not vectorised.
    let hungry = (base * (1.0 + v * famine) + v * b.h_crit * critical).min(1.0);
    let hazard = std::hint::select_unpredictable(res == 1.0, base, hungry);
    // An empty group needs no skip: its expected deaths are its carry, which is below 1, so
    // none die and the carry stays.
    let expected = count(people) * hazard + carry;
    // `expected` is non-negative and at most `people + 1`, so truncation is the floor.
    let dead = trunc_small(expected).min(people as i32);
    (dead as u32, limit(expected - dead as f32, 0.0, 1.0))
}

/// People as f32, through i32: a team's people are far below 2^31, so this is `n as f32`, in
/// one instruction that SSE2 also has for four lanes (it has none from u32).
#[inline(always)]
fn count(n: u32) -> f32 {
    n as i32 as f32
}

/// A team's pregnancies this month: conceptions by its `women` at the women's `fecundity`
/// enter the first of three stages; returns the births that leave the last. Conceptions that
/// hunger prevents are postponed, and a share of them is made up each month in proportion to
/// the women's condition.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pregnancies(
    women: u32,
    fecundity: f32,
    postponed: &mut f32,
    stages: &mut [f32; 3],
    carry: &mut f32,
    ctx: &CommuneCtx,
    p: &Params,
) -> u32 {
    let d = &p.demography;
    let normal = count(women) * ctx.fertility as f32 * ctx.together;
    let made_up = *postponed * d.catch_up as f32 * fecundity;
    *postponed += normal * (1.0 - fecundity) - made_up;
    let conceptions = normal * fecundity + made_up;
    let moved = [stages[0] / 3.0, stages[1] / 3.0, stages[2] / 3.0];
    stages[0] += conceptions - moved[0];
    stages[1] += moved[0] - moved[1];
    stages[2] += moved[1] - moved[2];
    let expected = moved[2] + *carry;
    let born = trunc_small(expected.max(0.0));
    *carry = expected - born as f32;
    born as u32
}

/// Recruitment to the cities (or return) of a team's working-age people at `rate` (§4.2);
/// returns the migrants (negative: returned).
#[inline]
fn migrate(pop: &mut [u32; N_AGE], reserve: &mut [f32; N_AGE], carry: &mut f32, rate: f64) -> i64 {
    let workers = pop[MEN] + pop[WOMEN];
    let expected = workers as f32 * rate as f32 + *carry;
    // Toward zero, through i32 (`trunc` is a library call on baseline x86-64). A team's
    // migrants are far below 2^24, so the i32 is exact as f32.
    let whole = expected as i32;
    *carry = expected - whole as f32;
    let moved = i64::from(whole);
    if moved > 0 {
        let moved = (moved as u32).min(workers);
        let men = moved.div_ceil(2).min(pop[MEN]);
        let women = (moved - men).min(pop[WOMEN]);
        pop[MEN] -= men;
        pop[WOMEN] -= women;
        i64::from(men + women)
    } else if moved < 0 {
        let back = (-moved) as u32;
        let men = back.div_ceil(2);
        let women = back - men;
        mix(&mut reserve[MEN], pop[MEN], 1.0, men);
        mix(&mut reserve[WOMEN], pop[WOMEN], 1.0, women);
        pop[MEN] += men;
        pop[WOMEN] += women;
        -i64::from(back)
    } else {
        0
    }
}

/// The commune's per-group constants repeated for every team of a batch, so that the loops
/// over a batch's groups read them side by side with the teams' values. Made once a commune.
#[derive(Clone, Debug)]
pub struct Repeated {
    pal: Groups<f32>,
    death_base: Groups<f32>,
    vulnerability: Groups<f32>,
}

impl Repeated {
    pub fn new(ctx: &CommuneCtx, k: &Knobs) -> Repeated {
        Repeated {
            pal: [ctx.pal; LANES],
            death_base: [ctx.death_base; LANES],
            vulnerability: [k.body.vulnerability; LANES],
        }
    }
}

/// A batch of teams' columns, to change in place.
struct Batch<'a> {
    pop: &'a mut Groups<u32>,
    reserve: &'a mut Groups<f32>,
    efficiency: &'a mut Groups<f32>,
    death_carry: &'a mut Groups<f32>,
    capital: &'a mut Lanes<f32>,
    postponed: &'a mut Lanes<f32>,
    pregnancy: &'a mut Lanes<[f32; 3]>,
    birth_carry: &'a mut Lanes<f32>,
    migration_carry: &'a mut Lanes<f32>,
}

impl Batch<'_> {
    /// [`update_lanes`] on this batch, whose first `n` teams are real.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn update(
        self,
        n: usize,
        intake: &Intakes,
        repeated: &Repeated,
        ctx: &CommuneCtx,
        p: &Params,
        k: &Knobs,
        out: &mut CommuneMonth,
    ) {
        update_lanes(
            k.simd,
            self.pop,
            self.reserve,
            self.efficiency,
            self.death_carry,
            self.capital,
            self.postponed,
            self.pregnancy,
            self.birth_carry,
            self.migration_carry,
            n,
            intake,
            repeated,
            ctx,
            p,
            k,
            out,
        );
    }
}

/// The last, partial batch of a commune: copies of its teams' columns, padded with empty
/// teams at full reserve (no deaths or births; nothing of them is copied back or summed).
struct Padded {
    pop: Groups<u32>,
    reserve: Groups<f32>,
    efficiency: Groups<f32>,
    death_carry: Groups<f32>,
    capital: Lanes<f32>,
    postponed: Lanes<f32>,
    pregnancy: Lanes<[f32; 3]>,
    birth_carry: Lanes<f32>,
    migration_carry: Lanes<f32>,
}

/// Nutrition, deaths, births and migration this month of the `n` teams from `first`
/// (`1 ≤ n ≤ LANES`), whose intakes are `intake`'s first `n` lanes. `repeated` is
/// [`Repeated::new`] of this commune and month.
///
/// Plumbing: a whole batch is changed in place; a partial one is copied into a padded batch
/// and back.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn update_batch(
    t: &mut TeamsMut<'_>,
    first: usize,
    n: usize,
    intake: &Intakes,
    repeated: &Repeated,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    debug_assert!((1..=LANES).contains(&n));
    let rows = first..first + n.min(LANES);
    let n = rows.len();
    if n == LANES {
        let batch = Batch {
            pop: whole(&mut t.pop[rows.clone()]),
            reserve: whole(&mut t.reserve[rows.clone()]),
            efficiency: whole(&mut t.efficiency[rows.clone()]),
            death_carry: whole(&mut t.death_carry[rows.clone()]),
            capital: whole(&mut t.capital[rows.clone()]),
            postponed: whole(&mut t.postponed[rows.clone()]),
            pregnancy: whole(&mut t.pregnancy[rows.clone()]),
            birth_carry: whole(&mut t.birth_carry[rows.clone()]),
            migration_carry: whole(&mut t.migration_carry[rows]),
        };
        batch.update(n, intake, repeated, ctx, p, k, out);
        return;
    }
    let mut padded = Padded {
        pop: batch(&t.pop[rows.clone()], [0; N_AGE]),
        reserve: batch(&t.reserve[rows.clone()], [1.0; N_AGE]),
        efficiency: batch(&t.efficiency[rows.clone()], [1.0; N_AGE]),
        death_carry: batch(&t.death_carry[rows.clone()], [0.0; N_AGE]),
        capital: batch(&t.capital[rows.clone()], 0.0),
        postponed: batch(&t.postponed[rows.clone()], 0.0),
        pregnancy: batch(&t.pregnancy[rows.clone()], [0.0; 3]),
        birth_carry: batch(&t.birth_carry[rows.clone()], 0.0),
        migration_carry: batch(&t.migration_carry[rows.clone()], 0.0),
    };
    let batch = Batch {
        pop: &mut padded.pop,
        reserve: &mut padded.reserve,
        efficiency: &mut padded.efficiency,
        death_carry: &mut padded.death_carry,
        capital: &mut padded.capital,
        postponed: &mut padded.postponed,
        pregnancy: &mut padded.pregnancy,
        birth_carry: &mut padded.birth_carry,
        migration_carry: &mut padded.migration_carry,
    };
    batch.update(n, intake, repeated, ctx, p, k, out);
    t.pop[rows.clone()].copy_from_slice(&padded.pop[..n]);
    t.reserve[rows.clone()].copy_from_slice(&padded.reserve[..n]);
    t.efficiency[rows.clone()].copy_from_slice(&padded.efficiency[..n]);
    t.death_carry[rows.clone()].copy_from_slice(&padded.death_carry[..n]);
    t.capital[rows.clone()].copy_from_slice(&padded.capital[..n]);
    t.postponed[rows.clone()].copy_from_slice(&padded.postponed[..n]);
    t.pregnancy[rows.clone()].copy_from_slice(&padded.pregnancy[..n]);
    t.birth_carry[rows.clone()].copy_from_slice(&padded.birth_carry[..n]);
    t.migration_carry[rows].copy_from_slice(&padded.migration_carry[..n]);
}

kernel! {
/// [`update_batch`] on a batch whose first `n` teams are real, in the instruction set `simd`.
///
/// Out of line: its arguments' references are then known not to overlap (LLVM keeps that
/// of a function's arguments, not of a struct's fields), which the loops need to vectorise.
fn update_lanes(
    pop: &mut Groups<u32>,
    reserve: &mut Groups<f32>,
    efficiency: &mut Groups<f32>,
    death_carry: &mut Groups<f32>,
    capitals: &mut Lanes<f32>,
    postponed: &mut Lanes<f32>,
    pregnancy: &mut Lanes<[f32; 3]>,
    birth_carry: &mut Lanes<f32>,
    migration_carry: &mut Lanes<f32>,
    n: usize,
    intake: &Intakes,
    repeated: &Repeated,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    const ALL: usize = LANES * N_AGE;
    let b = &k.body;
    let n = n.min(LANES);

    // Reserves.
    {
        let (res, kcal, eff) = (flat_mut(reserve), flat(&intake.kcal), flat(efficiency));
        let pal = flat(&repeated.pal);
        for x in 0..ALL {
            res[x] = energy_balance(res[x], kcal[x], pal[x], eff[x], b);
        }
    }
    // One lookup per group gives h(Res), the famine hazard and fecundity (curve.rs). The
    // tables are exact at Res = 1 (h = 1, no famine hazard), where the values are selected
    // rather than looked up; fecundity is always the table's.
    let mut at = Looked::new(k);
    at.look_up(k, intake, reserve, n);
    {
        let (eff, res, at) = (flat_mut(efficiency), flat(reserve), flat(&at.efficiency));
        for x in 0..ALL {
            eff[x] = if res[x] == 1.0 { 1.0 } else { at[x] };
        }
    }
    for j in 0..LANES {
        capitals[j] = capital(capitals[j], reserve[j][MEN], reserve[j][WOMEN], ctx, p);
    }

    if k.month.month() == 1 {
        for j in 0..n {
            age(&mut pop[j], &mut reserve[j]);
        }
        // Ageing mixes reserves: look them up again.
        at.look_up(k, intake, reserve, n);
    }

    // Deaths.
    let mut dead = [0u32; ALL];
    {
        let (people, res, carry) = (flat_mut(pop), flat(reserve), flat_mut(death_carry));
        let (famine, critical) = (flat(&at.famine), flat(&at.critical));
        let (base, v) = (flat(&repeated.death_base), flat(&repeated.vulnerability));
        for x in 0..ALL {
            let (d, left) = deaths(
                people[x],
                res[x],
                carry[x],
                famine[x],
                critical[x],
                base[x],
                v[x],
                b,
            );
            carry[x] = left;
            people[x] -= d;
            dead[x] = d;
        }
    }
    out.deaths += dead.iter().map(|&d| u64::from(d)).sum::<u64>();

    // Births, nine months after conception.
    let mut born = [0u32; LANES];
    for j in 0..LANES {
        born[j] = pregnancies(
            pop[j][WOMEN],
            at.fecundity[j],
            &mut postponed[j],
            &mut pregnancy[j],
            &mut birth_carry[j],
            ctx,
            p,
        );
        // Newborns join the children with a full reserve. Whether a child is born is close
        // to a coin toss: select, do not branch.
        let mut newborn = reserve[j][CHILD];
        mix(&mut newborn, pop[j][CHILD], 1.0, born[j]);
        reserve[j][CHILD] =
            std::hint::select_unpredictable(born[j] > 0, newborn, reserve[j][CHILD]);
        pop[j][CHILD] += born[j];
    }
    out.births += born.iter().map(|&b| u64::from(b)).sum::<u64>();

    // Recruitment to the cities (or return), working-age people only.
    let rate = ctx.urban_recruitment;
    if rate != 0.0 {
        for j in 0..n {
            out.migrants += migrate(&mut pop[j], &mut reserve[j], &mut migration_carry[j], rate);
        }
    }

    // The commune's sums, the reserve sum team by team in order.
    let mut people = 0u64;
    for &x in flat(pop) {
        people += u64::from(x);
    }
    out.pop_end += people;
    for j in 0..n {
        let mut reserve_sum = 0.0f64;
        for a in 0..N_AGE {
            reserve_sum += f64::from(pop[j][a]) * f64::from(reserve[j][a]);
        }
        out.reserve_sum += reserve_sum;
    }
}
}

/// `LANES` rows as a batch.
#[inline(always)]
fn whole<R>(rows: &mut [R]) -> &mut [R; LANES] {
    rows.try_into().expect("a whole batch")
}

/// The rows as a batch; lanes past the rows hold `fill`.
#[inline(always)]
fn batch<R: Copy>(rows: &[R], fill: R) -> [R; LANES] {
    let mut lanes = [fill; LANES];
    let n = rows.len().min(LANES);
    lanes[..n].copy_from_slice(&rows[..n]);
    lanes
}

/// The reserve tables' values at every group's reserve of a batch.
struct Looked {
    efficiency: Groups<f32>,
    famine: Groups<f32>,
    critical: Groups<f32>,
    /// The women's fecundity.
    fecundity: Lanes<f32>,
}

impl Looked {
    /// The values at a full reserve (the same in both tables).
    fn new(k: &Knobs) -> Looked {
        let full = k.curves.reserve_normal.full();
        Looked {
            efficiency: [[full.efficiency; N_AGE]; LANES],
            famine: [[full.famine; N_AGE]; LANES],
            critical: [[full.critical; N_AGE]; LANES],
            fecundity: [full.fecundity; LANES],
        }
    }

    /// Looks up the first `n` teams' reserves, each in its table (canteen rationing spreads
    /// intake more unequally). Within a team, groups at a full reserve are looked up with the
    /// rest (they do not use the values but fecundity: the tables are exact there, and the
    /// callers select h = 1 and the normal hazard), which is cheaper than a branch per group
    /// that mispredicts; whole teams at full reserves, most teams in the good years, skip the
    /// lookups.
    #[inline(always)]
    fn look_up(&mut self, k: &Knobs, intake: &Intakes, reserve: &Groups<f32>, n: usize) {
        look_up(k.simd, self, k, intake, reserve, n);
    }
}

kernel! {
/// [`Looked::look_up`], out of line in the instruction set `simd`.
fn look_up(at: &mut Looked, k: &Knobs, intake: &Intakes, reserve: &Groups<f32>, n: usize) {
    // Where every reserve lies in the tables, in one loop that vectorises.
    let mut row = [[0u32; N_AGE]; LANES];
    let mut frac = [[0.0f32; N_AGE]; LANES];
    {
        let (res, row, frac) = (flat(reserve), flat_mut(&mut row), flat_mut(&mut frac));
        for x in 0..LANES * N_AGE {
            (row[x], frac[x]) = ReserveTable::locate(res[x]);
        }
    }
    for j in 0..n.min(LANES) {
        let table = if intake.rationed[j] {
            &k.curves.reserve_canteen
        } else {
            &k.curves.reserve_normal
        };
        // The four columns side by side for each group (one vector operation), then apart.
        let columns: [[f32; 4]; N_AGE] = if reserve[j].iter().all(|&r| r == 1.0) {
            // Well fed: the values at a full reserve, kept.
            [table.full_columns(); N_AGE]
        } else {
            std::array::from_fn(|a| table.columns_between(row[j][a], frac[j][a]))
        };
        for (a, &column) in columns.iter().enumerate() {
            [
                at.efficiency[j][a],
                at.famine[j][a],
                at.critical[j][a],
                _,
            ] = column;
        }
        at.fecundity[j] = columns[WOMEN][3];
    }
}
}

/// Reserve of a group of `n` people at `res` joined by `m` people at `incoming`.
fn mix(res: &mut f32, n: u32, incoming: f32, m: u32) {
    let total = n + m;
    if total > 0 {
        *res = (*res * count(n) + incoming * count(m)) / count(total);
    }
}

/// One year of ageing: a fifth of the under-fives become children, a tenth of the children
/// adults (half men, half women), a forty-fifth of the adults elderly. Reserves are mixed.
fn age(p: &mut [u32; N_AGE], r: &mut [f32; N_AGE]) {
    let pop = *p;
    let out: [u32; N_AGE] = std::array::from_fn(|a| {
        if AGEING_YEARS[a] == 0 {
            0
        } else {
            (pop[a] as f32 / AGEING_YEARS[a] as f32).round() as u32
        }
    });
    let res = *r;
    p[CHILD] -= out[CHILD];
    p[YOUTH] -= out[YOUTH];
    p[MEN] -= out[MEN];
    p[WOMEN] -= out[WOMEN];
    mix(&mut r[YOUTH], p[YOUTH], res[CHILD], out[CHILD]);
    p[YOUTH] += out[CHILD];
    let to_men = out[YOUTH].div_ceil(2);
    mix(&mut r[MEN], p[MEN], res[YOUTH], to_men);
    p[MEN] += to_men;
    mix(&mut r[WOMEN], p[WOMEN], res[YOUTH], out[YOUTH] - to_men);
    p[WOMEN] += out[YOUTH] - to_men;
    let old = out[MEN] + out[WOMEN];
    let old_res = if old > 0 {
        (res[MEN] * out[MEN] as f32 + res[WOMEN] * out[WOMEN] as f32) / old as f32
    } else {
        1.0
    };
    mix(&mut r[ELDERLY], p[ELDERLY], old_res, old);
    p[ELDERLY] += old;
}
