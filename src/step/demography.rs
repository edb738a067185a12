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
use ReserveTable as T;
use std::hint::select_unpredictable;

/// Monthly ageing rates out of each group (1/years in the group), applied each January.
const AGEING_YEARS: [u32; N_AGE] = [5, 10, 45, 45, 0];

/// Teams that [`update_batch`] steps together. Their age-group arrays, side by side, are
/// `LANES · N_AGE` values in a row, and what is done to each group of each team runs as one
/// straight loop over them (with the group's parameters repeated team after team), which the
/// compiler turns into vector instructions: four values at a time with SSE2. Every value is
/// computed by the same expression as for one team alone, so the results are the same bits
/// whatever the batch. 32 teams rather than 8 or 16 spread the set-up of a batch (the
/// repeated constants, the lookups' arrays) over more teams; at most 32 because arrays
/// longer than that have no `Default`. A commune's last batch may have fewer teams: the
/// loops run over those it has.
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
    let (repeated, scratch) = (&Repeated::new(ctx, k), &mut Scratch::default());
    update_batch(t, i, 1, &intakes, repeated, scratch, ctx, p, k, out);
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
pub(super) fn count(n: u32) -> f32 {
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
    // A third of each stage moves on (a multiplication: a division per stage and team cost
    // more than the rest of the births).
    const THIRD: f32 = 1.0 / 3.0;
    let moved = [stages[0] * THIRD, stages[1] * THIRD, stages[2] * THIRD];
    stages[0] += conceptions - moved[0];
    stages[1] += moved[0] - moved[1];
    stages[2] += moved[1] - moved[2];
    let expected = moved[2] + *carry;
    let born = trunc_small(expected.max(0.0));
    *carry = expected - born as f32;
    born as u32
}

/// Recruitment to the cities (or return) of a team's working-age people at `rate` (§4.2);
/// returns the recruits and the returnees. Recruits leave men first (half, rounded up),
/// as far as there are people; returnees come back half men (rounded up), half women, at a
/// full reserve.
///
/// Without branches, so that the batch's loop over its teams runs in vector instructions:
/// both directions are worked out, one of them with nobody moving, and the reserves mixed
/// only where people return (the same bits as one branch per direction: see the tests).
///
/// `RETURNS` false leaves the returns out, for months whose `rate` is positive: a carry is
/// above −1, so then nobody returns, and the results are the same.
#[inline(always)]
fn migrate<const RETURNS: bool>(
    pop: &mut [u32; N_AGE],
    reserve: &mut [f32; N_AGE],
    carry: &mut f32,
    rate: f32,
) -> (u32, u32) {
    let workers = pop[MEN] + pop[WOMEN];
    let expected = workers as f32 * rate + *carry;
    // Toward zero. A team's migrants are far below 2^24, so the i32 is exact as f32.
    let whole = to_i32(expected);
    *carry = expected - whole as f32;
    let recruited = select_unpredictable(whole > 0, whole as u32, 0).min(workers);
    let men = recruited.div_ceil(2).min(pop[MEN]);
    let women = (recruited - men).min(pop[WOMEN]);
    if !RETURNS {
        debug_assert!(whole >= 0, "returns in a month of recruitment");
        pop[MEN] -= men;
        pop[WOMEN] -= women;
        return (men + women, 0);
    }
    let returned = select_unpredictable(whole < 0, whole.unsigned_abs(), 0);
    let men_back = returned.div_ceil(2);
    let women_back = returned - men_back;
    let back = whole < 0;
    reserve[MEN] = select_unpredictable(
        back,
        mixed(reserve[MEN], pop[MEN], 1.0, men_back),
        reserve[MEN],
    );
    reserve[WOMEN] = select_unpredictable(
        back,
        mixed(reserve[WOMEN], pop[WOMEN], 1.0, women_back),
        reserve[WOMEN],
    );
    pop[MEN] = pop[MEN] - men + men_back;
    pop[WOMEN] = pop[WOMEN] - women + women_back;
    (men + women, returned)
}

/// `x as i32` (toward zero; saturating; NaN to 0), for every `x`, in operations that exist
/// for eight values at once in AVX2: LLVM converts the saturating `as` of a vectorised loop
/// one value at a time, with branches.
#[inline(always)]
fn to_i32(x: f32) -> i32 {
    const MIN: f32 = -2_147_483_648.0; // -2^31
    const HIGH: f32 = 2_147_483_648.0; // 2^31
    const BELOW_HIGH: f32 = 2_147_483_520.0; // the largest f32 below 2^31
    // SAFETY: limited to [-2^31, 2^31) (`limit` makes NaN -2^31), where truncation is in range.
    let v = unsafe { limit(x, MIN, BELOW_HIGH).to_int_unchecked::<i32>() };
    let v = select_unpredictable(x >= HIGH, i32::MAX, v);
    select_unpredictable(x.is_nan(), 0, v)
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

/// Working arrays of the demography of a batch, kept by each worker from batch to batch
/// rather than made (and cleared) for each: each batch writes what it reads of them.
/// Aligned to a cache line, as the vector loads and stores of the loops prefer.
#[derive(Clone, Debug, Default)]
#[repr(align(64))]
pub struct Scratch {
    looked: Looked,
    /// Each team's births, and its migrants (recruits and returnees), summed after their
    /// loops: a `u64` sum in a loop over the teams would make it four teams wide, not eight.
    born: Lanes<u32>,
    recruited: Lanes<u32>,
    returned: Lanes<u32>,
    /// Each group's people times its reserve, for the reserve sum.
    products: Groups<f32>,
}

/// Nutrition, deaths, births and migration this month of the `n` teams from `first`
/// (`1 ≤ n ≤ LANES`), whose intakes are `intake`'s first `n` lanes. `repeated` is
/// [`Repeated::new`] of this commune and month; `scratch` any [`Scratch`].
///
/// Plumbing: the kernel takes the batch's columns as slices and changes them in place, a
/// commune's last, partial batch too (no copies, but a scalar remainder to its loops).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn update_batch(
    t: &mut TeamsMut<'_>,
    first: usize,
    n: usize,
    intake: &Intakes,
    repeated: &Repeated,
    scratch: &mut Scratch,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    debug_assert!((1..=LANES).contains(&n));
    let rows = first..first + n.min(LANES);
    update_lanes(
        k.simd,
        &mut t.pop[rows.clone()],
        &mut t.reserve[rows.clone()],
        &mut t.efficiency[rows.clone()],
        &mut t.death_carry[rows.clone()],
        &mut t.capital[rows.clone()],
        &mut t.postponed[rows.clone()],
        &mut t.pregnancy[rows.clone()],
        &mut t.birth_carry[rows.clone()],
        &mut t.migration_carry[rows],
        intake,
        repeated,
        scratch,
        ctx,
        p,
        k,
        out,
    );
}

/// Whether every group of a batch is at a full reserve.
#[inline(always)]
fn all_fed(reserve: &[[f32; N_AGE]]) -> bool {
    // Every group compared (no early exit, which would be a branch per group).
    reserve
        .as_flattened()
        .iter()
        .fold(true, |fed, &r| fed & (r == 1.0))
}

/// [`deaths`] of a batch's groups in a row, with the table values `at` at their reserves;
/// returns the batch's deaths. `FED`: every group is at a full reserve (`at` is then not
/// read: the hazard is the normal one).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn all_deaths<const FED: bool>(
    people: &mut [u32],
    res: &[f32],
    carry: &mut [f32],
    at: &[[f32; 4]],
    base: &[f32],
    v: &[f32],
    b: &Body,
) -> u32 {
    // Summed in u32 in the loop (eight lanes; a u64 sum would make it four values wide): a
    // batch's people are far below 2^32.
    let n = people.len();
    let (res, carry, at, base, v) = (&res[..n], &mut carry[..n], &at[..n], &base[..n], &v[..n]);
    let mut dead = 0;
    for x in 0..n {
        let (famine, critical) = if FED {
            (0.0, 0.0)
        } else {
            (at[x][T::FAMINE], at[x][T::CRITICAL])
        };
        let res = if FED { 1.0 } else { res[x] };
        let (d, left) = deaths(people[x], res, carry[x], famine, critical, base[x], v[x], b);
        carry[x] = left;
        people[x] -= d;
        dead += d;
    }
    dead
}

/// Runs a per-team step, `$call` with `$w` teams' rows from team `$j` on, over a batch's
/// `$n` teams: eight at a time (`$w` = 8), then the rest one by one (`$w` = 1).
///
/// The steps that read some but not all of a team's age groups (births read the women's and
/// the children's, migration the men's and women's) are loops over the teams that the
/// compiler vectorises, but in a loop over slices LLVM then runs the last eight teams of
/// every batch in scalar code (its vector loads of the groups, which take whole rows, would
/// otherwise run past the end of the slices), with branches for the selects. Over arrays of
/// eight rows the length is known and all eight run in vector instructions; only a
/// commune's last, partial batch has teams left over.
macro_rules! by_eights {
    ($n:expr, $j:ident, $w:ident => $call:expr) => {{
        let eights = $n / 8 * 8;
        for $j in (0..eights).step_by(8) {
            const $w: usize = 8;
            $call
        }
        for $j in eights..$n {
            const $w: usize = 1;
            $call
        }
    }};
}

/// Rows `j..j + W` of a batch's column, as an array (see [`by_eights`]).
#[inline(always)]
fn rows<T, const W: usize>(column: &mut [T], j: usize) -> &mut [T; W] {
    (&mut column[j..j + W]).try_into().expect("W rows")
}

/// [`rows`], to read.
#[inline(always)]
fn rows_of<T, const W: usize>(column: &[T], j: usize) -> &[T; W] {
    column[j..j + W].try_into().expect("W rows")
}

/// Each of `W` teams' sum of its groups' `products`, in group order.
#[inline(always)]
fn team_sums<const W: usize>(products: &[[f32; N_AGE]; W], sums: &mut [f32; W]) {
    for j in 0..W {
        let mut sum = 0.0f32;
        for &product in &products[j] {
            sum += product;
        }
        sums[j] = sum;
    }
}

/// [`capital`] of `W` teams.
#[inline(always)]
fn capitals_of<const W: usize>(
    capitals: &mut [f32; W],
    reserve: &[[f32; N_AGE]; W],
    ctx: &CommuneCtx,
    p: &Params,
) {
    for j in 0..W {
        capitals[j] = capital(capitals[j], reserve[j][MEN], reserve[j][WOMEN], ctx, p);
    }
}

/// [`pregnancies`] of `W` teams, with the fecundity of their women looked up in `at`, and the
/// newborns joining the children; the births of each team in `born`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn births_of<const W: usize>(
    pop: &mut [[u32; N_AGE]; W],
    reserve: &mut [[f32; N_AGE]; W],
    postponed: &mut [f32; W],
    pregnancy: &mut [[f32; 3]; W],
    carry: &mut [f32; W],
    at: &[[[f32; 4]; N_AGE]; W],
    born: &mut [u32; W],
    ctx: &CommuneCtx,
    p: &Params,
) {
    for j in 0..W {
        let fecundity = at[j][WOMEN][T::FECUNDITY];
        born[j] = pregnancies(
            pop[j][WOMEN],
            fecundity,
            &mut postponed[j],
            &mut pregnancy[j],
            &mut carry[j],
            ctx,
            p,
        );
        // Newborns join the children with a full reserve. Whether a child is born is close
        // to a coin toss: select, do not branch.
        let newborn = mixed(reserve[j][CHILD], pop[j][CHILD], 1.0, born[j]);
        reserve[j][CHILD] = select_unpredictable(born[j] > 0, newborn, reserve[j][CHILD]);
        pop[j][CHILD] += born[j];
    }
}

/// [`migrate`] of `W` teams, each one's recruits and returnees in `recruited` and `returned`.
#[inline(always)]
fn migrate_all<const RETURNS: bool, const W: usize>(
    pop: &mut [[u32; N_AGE]; W],
    reserve: &mut [[f32; N_AGE]; W],
    carry: &mut [f32; W],
    rate: f32,
    recruited: &mut [u32; W],
    returned: &mut [u32; W],
) {
    for j in 0..W {
        (recruited[j], returned[j]) =
            migrate::<RETURNS>(&mut pop[j], &mut reserve[j], &mut carry[j], rate);
    }
}

/// [`migrate`] of a batch's teams (as many as in `pop`); returns the migrants (negative:
/// returned). `moved` holds each team's recruits and returnees, summed after the loop.
#[inline(always)]
fn migrate_batch<const RETURNS: bool>(
    pop: &mut [[u32; N_AGE]],
    reserve: &mut [[f32; N_AGE]],
    carry: &mut [f32],
    rate: f32,
    (recruited, returned): (&mut [u32], &mut [u32]),
) -> i64 {
    by_eights!(pop.len(), j, W => migrate_all::<RETURNS, W>(
        rows(pop, j),
        rows(reserve, j),
        rows(carry, j),
        rate,
        rows(recruited, j),
        rows(returned, j),
    ));
    let gone = recruited.iter().map(|&m| i64::from(m)).sum::<i64>();
    if RETURNS {
        gone - returned.iter().map(|&m| i64::from(m)).sum::<i64>()
    } else {
        gone
    }
}

kernel! {
/// [`update_batch`] on a batch's columns (at most [`LANES`] teams, as many in each), in the
/// instruction set `simd`.
///
/// Out of line: its arguments' references are then known not to overlap (LLVM keeps that
/// of a function's arguments, not of a struct's fields), which the loops need to vectorise.
/// What is done to each group of each team runs as one straight loop over the batch's
/// groups in a row (`n · N_AGE` values, with the group's constants repeated team after
/// team), and what is done to each team as a loop over the teams.
fn update_lanes(
    pop: &mut [[u32; N_AGE]],
    reserve: &mut [[f32; N_AGE]],
    efficiency: &mut [[f32; N_AGE]],
    death_carry: &mut [[f32; N_AGE]],
    capitals: &mut [f32],
    postponed: &mut [f32],
    pregnancy: &mut [[f32; 3]],
    birth_carry: &mut [f32],
    migration_carry: &mut [f32],
    intake: &Intakes,
    repeated: &Repeated,
    scratch: &mut Scratch,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    let b = &k.body;
    let n = pop.len().min(LANES);
    let (pop, reserve) = (&mut pop[..n], &mut reserve[..n]);
    let (efficiency, death_carry) = (&mut efficiency[..n], &mut death_carry[..n]);
    let (capitals, postponed) = (&mut capitals[..n], &mut postponed[..n]);
    let (pregnancy, birth_carry) = (&mut pregnancy[..n], &mut birth_carry[..n]);
    let migration_carry = &mut migration_carry[..n];
    // The batch's groups in a row.
    let all = n * N_AGE;
    let at = &mut scratch.looked;

    // Reserves.
    {
        let res = &mut reserve.as_flattened_mut()[..all];
        let eff = &efficiency.as_flattened()[..all];
        let (kcal, pal) = (&flat(&intake.kcal)[..all], &flat(&repeated.pal)[..all]);
        for x in 0..all {
            res[x] = energy_balance(res[x], kcal[x], pal[x], eff[x], b);
        }
    }
    // One lookup per group gives h(Res), the famine hazard and fecundity (curve.rs). The
    // tables are exact at Res = 1 (h = 1, no famine hazard), where the values are selected
    // rather than looked up; fecundity is always the table's. A batch whose groups are all
    // at a full reserve (most batches in the good years) looks nothing up.
    let mut fed = all_fed(reserve);
    at.look_up(k, intake, reserve, fed);
    {
        let eff = &mut efficiency.as_flattened_mut()[..all];
        if fed {
            eff.fill(1.0);
        } else {
            let (res, at) = (&reserve.as_flattened()[..all], &flat(&at.columns)[..all]);
            for x in 0..all {
                eff[x] = if res[x] == 1.0 { 1.0 } else { at[x][T::EFFICIENCY] };
            }
        }
    }
    by_eights!(n, j, W => capitals_of::<W>(rows(capitals, j), rows_of(reserve, j), ctx, p));

    if k.month.month() == 1 {
        for j in 0..n {
            age(&mut pop[j], &mut reserve[j]);
        }
        // Ageing mixes reserves: look them up again.
        fed = all_fed(reserve);
        at.look_up(k, intake, reserve, fed);
    }

    // Deaths.
    {
        let people = &mut pop.as_flattened_mut()[..all];
        let res = &reserve.as_flattened()[..all];
        let carry = &mut death_carry.as_flattened_mut()[..all];
        let at = &flat(&at.columns)[..all];
        let base = &flat(&repeated.death_base)[..all];
        let v = &flat(&repeated.vulnerability)[..all];
        let dead = if fed {
            all_deaths::<true>(people, res, carry, at, base, v, b)
        } else {
            all_deaths::<false>(people, res, carry, at, base, v, b)
        };
        out.deaths += u64::from(dead);
    }

    // Births, nine months after conception.
    {
        let (at, born) = (&at.columns[..n], &mut scratch.born[..n]);
        by_eights!(n, j, W => births_of::<W>(
            rows(pop, j),
            rows(reserve, j),
            rows(postponed, j),
            rows(pregnancy, j),
            rows(birth_carry, j),
            rows_of(at, j),
            rows(born, j),
            ctx,
            p,
        ));
        out.births += born.iter().map(|&b| u64::from(b)).sum::<u64>();
    }

    // Recruitment to the cities (or return), working-age people only.
    let rate = ctx.urban_recruitment as f32;
    let moved = (&mut scratch.recruited[..n], &mut scratch.returned[..n]);
    if rate > 0.0 {
        // Recruitment only: nobody returns (a carry is above −1, so the expected migrants are
        // too), and the reserves are not mixed.
        out.migrants += migrate_batch::<false>(pop, reserve, migration_carry, rate, moved);
    } else if rate < 0.0 {
        out.migrants += migrate_batch::<true>(pop, reserve, migration_carry, rate, moved);
    }

    // The commune's sums, the reserve sum team by team in order. People summed in u32, eight
    // lanes at a time: a batch's people are far below 2^32 (a team's below 2^24). Each
    // group's people times reserve in one loop over the batch's groups in a row.
    let mut people = 0u32;
    {
        let (pop, res) = (&pop.as_flattened()[..all], &reserve.as_flattened()[..all]);
        let products = &mut flat_mut(&mut scratch.products)[..all];
        for x in 0..all {
            people += pop[x];
            products[x] = count(pop[x]) * res[x];
        }
    }
    out.pop_end += u64::from(people);
    // Each team's sum (in group order, in f32: a team's people are far below 2^24) apart from
    // the others', which vectorises across the teams; then the batch's, eight lanes at a time
    // (lanes past `n` stay 0), in f64.
    let mut reserve_sums = [0.0f32; LANES];
    let products = &scratch.products[..n];
    by_eights!(n, j, W => team_sums::<W>(rows_of(products, j), rows(&mut reserve_sums, j)));
    out.reserve_sum += lane_sum(&reserve_sums);
}
}

/// The reserve tables' values at every group's reserve of a batch (the first teams' that
/// were looked up), and where the reserves lie in the tables.
#[derive(Clone, Debug, Default)]
struct Looked {
    /// Each group's four columns side by side, as in the table ([`ReserveTable::FAMINE`] and
    /// the others). Stored so, each group's four are interpolated and stored as one vector;
    /// the loops over the batch's groups read the columns they need four apart. (Stored as four
    /// arrays, one per column, the interpolation was split value by value into each array:
    /// a scalar load per value from the table; and that was slower.)
    columns: Groups<[f32; 4]>,
    /// Where each group's reserve lies in the tables: the interval and the fraction into it.
    row: Groups<u32>,
    frac: Groups<f32>,
}

impl Looked {
    /// Looks up the reserves of a batch's teams, each in its table (canteen rationing spreads
    /// intake more unequally). Within a team, groups at a full reserve are looked up with the
    /// rest (they do not use the values but fecundity: the tables are exact there, and the
    /// callers select h = 1 and the normal hazard), which is cheaper than a branch per group
    /// that mispredicts; whole teams at full reserves, most teams in the good years, skip the
    /// lookups.
    ///
    /// `fed`: every group of the batch is at a full reserve ([`all_fed`]); nothing is then
    /// looked up.
    #[inline(always)]
    fn look_up(&mut self, k: &Knobs, intake: &Intakes, reserve: &[[f32; N_AGE]], fed: bool) {
        look_up(k.simd, self, k, intake, reserve, fed);
    }
}

kernel! {
/// [`Looked::look_up`], out of line in the instruction set `simd`.
fn look_up(at: &mut Looked, k: &Knobs, intake: &Intakes, reserve: &[[f32; N_AGE]], fed: bool) {
    let n = reserve.len().min(LANES);
    let reserve = &reserve[..n];
    if fed {
        for j in 0..n {
            let table = if intake.rationed[j] {
                &k.curves.reserve_canteen
            } else {
                &k.curves.reserve_normal
            };
            at.columns[j] = [table.full_columns(); N_AGE];
        }
        return;
    }
    // Where every reserve lies in the tables, in one loop that vectorises.
    let (row, frac) = (&mut at.row, &mut at.frac);
    {
        let all = n * N_AGE;
        let res = &reserve.as_flattened()[..all];
        let (row, frac) = (&mut flat_mut(row)[..all], &mut flat_mut(frac)[..all]);
        for x in 0..all {
            (row[x], frac[x]) = ReserveTable::locate(res[x]);
        }
    }
    for j in 0..n {
        let table = if intake.rationed[j] {
            &k.curves.reserve_canteen
        } else {
            &k.curves.reserve_normal
        };
        // The four columns side by side for each group (one vector operation). Every group
        // compared (no early exit, which would be a branch per group).
        let fed = reserve[j].iter().fold(true, |fed, &r| fed & (r == 1.0));
        if fed {
            // Well fed: the values at a full reserve, kept.
            at.columns[j] = [table.full_columns(); N_AGE];
        } else {
            // Two groups to a vector operation.
            let (r, f) = (&row[j], &frac[j]);
            [at.columns[j][0], at.columns[j][1]] =
                table.columns_between_2([r[0], r[1]], [f[0], f[1]]);
            [at.columns[j][2], at.columns[j][3]] =
                table.columns_between_2([r[2], r[3]], [f[2], f[3]]);
            at.columns[j][4] = table.columns_between(r[4], f[4]);
        }
    }
}
}

/// The sum of a batch's values, eight lanes at a time (then the eight lanes, in `f64`): one
/// vector addition per eight teams rather than a chain of additions one team after another.
#[inline(always)]
pub(super) fn lane_sum(x: &Lanes<f32>) -> f64 {
    let mut lanes = [0.0f32; 8];
    for chunk in x.chunks_exact(8) {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l += v;
        }
    }
    lanes.iter().map(|&l| f64::from(l)).sum()
}

/// Reserve of a group of `n` people at `res` joined by `m` people at `incoming`.
#[inline(always)]
fn mix(res: &mut f32, n: u32, incoming: f32, m: u32) {
    *res = mixed(*res, n, incoming, m);
}

/// [`mix`] as a value. Without a branch (a group that stays empty keeps `res`; the quotient,
/// then not a number, is not selected), so that loops over a batch's teams vectorise.
#[inline(always)]
fn mixed(res: f32, n: u32, incoming: f32, m: u32) -> f32 {
    let total = n + m;
    let joined = (res * count(n) + incoming * count(m)) / count(total);
    select_unpredictable(total > 0, joined, res)
}

/// One year of ageing: a fifth of the under-fives become children, a tenth of the children
/// adults (half men, half women), a forty-fifth of the adults elderly. Reserves are mixed.
///
/// Inlined, so that it is compiled in the batch kernel's instruction set (out of line it ran
/// as compiled for the baseline, with a library call for each `round`), and without
/// branches.
#[inline(always)]
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
    let old_res = select_unpredictable(
        old > 0,
        (res[MEN] * out[MEN] as f32 + res[WOMEN] * out[WOMEN] as f32) / old as f32,
        1.0,
    );
    mix(&mut r[ELDERLY], p[ELDERLY], old_res, old);
    p[ELDERLY] += old;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::tests::generator;

    /// [`mix`] as it was written before the batches, with a branch: the reference.
    fn mix_reference(res: &mut f32, n: u32, incoming: f32, m: u32) {
        let total = n + m;
        if total > 0 {
            *res = (*res * count(n) + incoming * count(m)) / count(total);
        }
    }

    /// [`migrate`] as it was written before the batches, one branch per direction: the
    /// reference the branch-free formulation must match bit for bit.
    fn migrate_reference(
        pop: &mut [u32; N_AGE],
        reserve: &mut [f32; N_AGE],
        carry: &mut f32,
        rate: f64,
    ) -> i64 {
        let workers = pop[MEN] + pop[WOMEN];
        let expected = workers as f32 * rate as f32 + *carry;
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
            mix_reference(&mut reserve[MEN], pop[MEN], 1.0, men);
            mix_reference(&mut reserve[WOMEN], pop[WOMEN], 1.0, women);
            pop[MEN] += men;
            pop[WOMEN] += women;
            -i64::from(back)
        } else {
            0
        }
    }

    #[test]
    fn to_i32_is_the_saturating_cast() {
        let mut xs = vec![
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            0.0,
            -0.0,
            2_147_483_648.0,
            -2_147_483_648.0,
            2_147_483_520.0,
            -2_147_483_904.0,
            8_388_608.5,
        ];
        for k in -200_000..=200_000 {
            xs.push(k as f32 / 997.0);
        }
        let mut x = 1.0f32;
        while x < 1e38 {
            xs.extend([x, -x, x.next_up(), x.next_down(), -x.next_up()]);
            x *= 1.37;
        }
        for x in xs {
            assert_eq!(to_i32(x), x as i32, "{x}");
        }
    }

    #[test]
    fn branch_free_mix_is_the_branchy_one_bit_for_bit() {
        let mut next = generator(7);
        for _ in 0..200_000 {
            let n = [0, 1, 2, 7, 300, 100_000][(next() % 6) as usize] as u32;
            let m = [0, 1, 2, 5, 40, 90_000][(next() % 6) as usize] as u32;
            let res = [0.0, 1.0, (next() % 10_000) as f32 / 9_999.0][(next() % 3) as usize];
            let incoming = [1.0, 0.0, (next() % 1_000) as f32 / 999.0][(next() % 3) as usize];
            let (mut old, mut new) = (res, res);
            mix_reference(&mut old, n, incoming, m);
            mix(&mut new, n, incoming, m);
            assert_eq!(old.to_bits(), new.to_bits(), "{res} {n} {incoming} {m}");
        }
    }

    #[test]
    fn branch_free_migration_is_the_branchy_one_bit_for_bit() {
        let mut next = generator(11);
        let rates = [
            0.0, 0.003, -0.003, 0.05, -0.05, 0.5, -0.5, 1.0, -1.0, 1e-7, -1e-7, 3.0e9, -3.0e9,
        ];
        for _ in 0..200_000 {
            let size = [0, 1, 3, 40, 400, 5_000][(next() % 6) as usize];
            let mut pop: [u32; N_AGE] = std::array::from_fn(|_| (next() % (size + 1)) as u32);
            let mut reserve: [f32; N_AGE] = std::array::from_fn(|_| {
                [1.0, 0.0, (next() % 1_000) as f32 / 999.0][(next() % 3) as usize]
            });
            let mut carry = [0.0, 0.5, -0.5, 0.999, -0.999][(next() % 5) as usize];
            let rate = rates[(next() % rates.len() as u64) as usize];
            let (mut pop_new, mut reserve_new, mut carry_new) = (pop, reserve, carry);
            let when = format!("{pop:?} {reserve:?} {carry} {rate}");
            let old = migrate_reference(&mut pop, &mut reserve, &mut carry, rate);
            // Without returns where the rate is positive, as the batches run it.
            let (gone, back) = if rate > 0.0 {
                migrate::<false>(&mut pop_new, &mut reserve_new, &mut carry_new, rate as f32)
            } else {
                migrate::<true>(&mut pop_new, &mut reserve_new, &mut carry_new, rate as f32)
            };
            let new = i64::from(gone) - i64::from(back);
            assert_eq!(old, new, "{when}");
            assert_eq!(pop, pop_new, "{when}");
            assert_eq!(
                reserve.map(f32::to_bits),
                reserve_new.map(f32::to_bits),
                "{when}"
            );
            assert_eq!(carry.to_bits(), carry_new.to_bits(), "{when}");
        }
    }
}
