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
use super::curve::{AtReserve, ReserveTable, limit};
use super::{CommuneCtx, CommuneMonth, Knobs};
use crate::scenario::Params;
use crate::world::{CHILD, ELDERLY, MEN, N_AGE, TeamsMut, WOMEN, YOUTH};

/// Monthly ageing rates out of each group (1/years in the group), applied each January.
const AGEING_YEARS: [u32; N_AGE] = [5, 10, 45, 45, 0];

/// Nutrition, deaths, births and migration of team `i` this month.
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
    let d = &p.demography;
    let moy = k.month.month();
    let b = &k.body;
    // One lookup per group gives h(Res), the famine hazard and fecundity (curve.rs).
    let table = if intake.rationed {
        &k.curves.reserve_canteen
    } else {
        &k.curves.reserve_normal
    };
    let mut pop = t.pop[i];
    let mut reserve = t.reserve[i];
    let mut efficiency = t.efficiency[i];

    // Reserves. Drafted workers do heavier work (night shifts at furnaces and dams); hungry
    // people move less: activity above the basal rate falls with h(Res).
    for a in 0..N_AGE {
        let res = reserve[a];
        let pal = 1.0 + (ctx.pal[a] - 1.0) * efficiency[a];
        let req = b.bmr * pal * (1.0 - b.adaptation * (1.0 - res));
        let change = (intake.kcal[a] - req) * b.days_per_store;
        let change = if change > 0.0 {
            change * b.recovery
        } else {
            change
        };
        reserve[a] = limit(res + change, 0.0, 1.0);
    }
    // The tables are exact at Res = 1 (h = 1, no famine hazard), where the values are
    // selected rather than looked up; fecundity is always the table's.
    let mut at = look_up(table, &reserve);
    for a in 0..N_AGE {
        efficiency[a] = if reserve[a] == 1.0 {
            1.0
        } else {
            at[a].efficiency
        };
    }
    t.efficiency[i] = efficiency;
    // Draft animals, pigs (manure) and tools recover slowly; animals are slaughtered, eaten or
    // die unfed as soon as the adults go hungry, and tools are melted down in the steel
    // campaign (§4.1, §4.8).
    let work_res = (reserve[MEN] + reserve[WOMEN]) / 2.0;
    let pr = &p.production;
    let cap = t.capital[i] * (1.0 - ctx.tool_melting);
    t.capital[i] = limit(
        cap + pr.capital_recovery as f32 * (1.0 - cap)
            - pr.capital_hunger_loss as f32 * (1.0 - work_res).max(0.0),
        0.0,
        1.5,
    );

    if moy == 1 {
        age(&mut pop, &mut reserve);
        // Ageing mixes reserves: look them up again.
        at = look_up(table, &reserve);
    }

    // Deaths.
    let mut carry = t.death_carry[i];
    for a in 0..N_AGE {
        // An empty group needs no skip (a branch that mispredicts): its expected deaths are
        // its carry, which is below 1, so none die and the carry stays.
        let people = pop[a];
        let base = ctx.death_base[a];
        let hazard = if reserve[a] == 1.0 {
            base
        } else {
            let (famine, critical) = (at[a].famine, at[a].critical);
            let v = b.vulnerability[a];
            (base * (1.0 + v * famine) + v * b.h_crit * critical).min(1.0)
        };
        let expected = people as f32 * hazard + carry[a];
        // `expected` is non-negative, so truncation is the floor (via i32: one instruction).
        let dead = (expected as i32 as u32).min(people);
        carry[a] = limit(expected - dead as f32, 0.0, 1.0);
        pop[a] -= dead;
        out.deaths += u64::from(dead);
    }
    t.death_carry[i] = carry;

    // Births, nine months after conception. Conceptions that hunger prevents are postponed,
    // and a share of them is made up each month in proportion to the women's condition.
    let fecundity = at[WOMEN].fecundity;
    let normal = pop[WOMEN] as f32 * ctx.fertility as f32 * ctx.together;
    let made_up = t.postponed[i] * d.catch_up as f32 * fecundity;
    t.postponed[i] += normal * (1.0 - fecundity) - made_up;
    let conceptions = normal * fecundity + made_up;
    let stages = &mut t.pregnancy[i];
    let moved = [stages[0] / 3.0, stages[1] / 3.0, stages[2] / 3.0];
    stages[0] += conceptions - moved[0];
    stages[1] += moved[0] - moved[1];
    stages[2] += moved[1] - moved[2];
    let expected = moved[2] + t.birth_carry[i];
    let born = expected.max(0.0) as i32 as u32;
    t.birth_carry[i] = expected - born as f32;
    // Whether a child is born is close to a coin toss: select, do not branch.
    let mut newborn = reserve[CHILD];
    mix(&mut newborn, pop[CHILD], 1.0, born);
    reserve[CHILD] = std::hint::select_unpredictable(born > 0, newborn, reserve[CHILD]);
    pop[CHILD] += born;
    out.births += u64::from(born);

    // Recruitment to the cities (or return), working-age people only.
    let rate = ctx.urban_recruitment;
    if rate != 0.0 {
        let workers = pop[MEN] + pop[WOMEN];
        let expected = workers as f32 * rate as f32 + t.migration_carry[i];
        // Toward zero, through i32 (`trunc` is a library call on baseline x86-64). A team's
        // migrants are far below 2^24, so the i32 is exact as f32.
        let whole = expected as i32;
        t.migration_carry[i] = expected - whole as f32;
        let moved = i64::from(whole);
        if moved > 0 {
            let moved = (moved as u32).min(workers);
            let men = moved.div_ceil(2).min(pop[MEN]);
            let women = (moved - men).min(pop[WOMEN]);
            pop[MEN] -= men;
            pop[WOMEN] -= women;
            out.migrants += i64::from(men + women);
        } else if moved < 0 {
            let back = (-moved) as u32;
            let men = back.div_ceil(2);
            let women = back - men;
            mix(&mut reserve[MEN], pop[MEN], 1.0, men);
            mix(&mut reserve[WOMEN], pop[WOMEN], 1.0, women);
            pop[MEN] += men;
            pop[WOMEN] += women;
            out.migrants -= i64::from(back);
        }
    }

    t.pop[i] = pop;
    t.reserve[i] = reserve;
    let mut people = 0u64;
    let mut reserve_sum = 0.0f64;
    for a in 0..N_AGE {
        people += u64::from(pop[a]);
        reserve_sum += f64::from(pop[a]) * f64::from(reserve[a]);
    }
    out.pop_end += people;
    out.reserve_sum += reserve_sum;
}

/// The tables at every group's reserve. Within a team, groups at a full reserve are looked up
/// with the rest (they do not use the values but fecundity: the tables are exact there, and
/// the callers select h = 1 and the normal hazard), which is cheaper than a branch per group
/// that mispredicts; whole teams at full reserves, most teams in the good years, skip the
/// lookups.
#[inline]
fn look_up(table: &ReserveTable, reserve: &[f32; N_AGE]) -> [AtReserve; N_AGE] {
    if reserve.iter().all(|&r| r == 1.0) {
        // Well fed: the values at a full reserve, kept.
        [table.full(); N_AGE]
    } else {
        look_up_each(table, reserve)
    }
}

// Not inlined: in the team loop's one big body it costs more in spilled registers than the call.
#[inline(never)]
fn look_up_each(table: &ReserveTable, reserve: &[f32; N_AGE]) -> [AtReserve; N_AGE] {
    let mut at = [table.at(reserve[0]); N_AGE];
    for a in 1..N_AGE {
        at[a] = table.at(reserve[a]);
    }
    at
}

/// Reserve of a group of `n` people at `res` joined by `m` people at `incoming`.
fn mix(res: &mut f32, n: u32, incoming: f32, m: u32) {
    let total = n + m;
    if total > 0 {
        *res = (*res * n as f32 + incoming * m as f32) / total as f32;
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
