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

use super::consume::{Intake, TERCILE_Z};
use super::labour::efficiency;
use super::{CommuneCtx, CommuneMonth, Knobs};
use crate::scenario::Params;
use crate::world::build::MORTALITY_PROFILE;
use crate::world::{CHILD, ELDERLY, MEN, N_AGE, TeamsMut, WOMEN, WORKING, YOUTH};

/// Monthly ageing rates out of each group (1/years in the group), applied each January.
const AGEING_YEARS: [u32; N_AGE] = [5, 10, 45, 45, 0];

/// Nutrition, deaths, births and migration of team `i` this month.
pub fn update(t: &mut TeamsMut<'_>, i: usize, intake: &Intake, ctx: &CommuneCtx, p: &Params, k: &Knobs, out: &mut CommuneMonth) {
    let n = &p.nutrition;
    let d = &p.demography;
    let days = k.month.days() as f32;
    let moy = k.month.month();

    // Reserves. Drafted workers do heavier work (night shifts at furnaces and dams).
    let drafted: f64 = super::labour::drafts(ctx, p, k).iter().sum();
    let pal_work = (n.pal_work + (n.pal_campaign - n.pal_work) * drafted) as f32;
    let spread = n.reserve_spread as f32;
    let theta = p.production.theta_h as f32;
    for a in 0..N_AGE {
        let res = t.reserve[i][a];
        // Hungry people move less: activity above the basal rate falls with h(Res).
        let pal = 1.0 + (if WORKING[a] { pal_work } else { n.pal_rest as f32 } - 1.0) * efficiency(res, theta);
        let req = n.bmr_kcal as f32 * pal * (1.0 - n.adaptation as f32 * (1.0 - res));
        let mut change = (intake.kcal[a] - req) * days / n.store_kcal as f32;
        if change > 0.0 {
            change *= n.recovery as f32;
        }
        t.reserve[i][a] = (res + change).clamp(0.0, 1.0);
    }
    // Draft animals and tools recover slowly and are lost (slaughtered, dead) in hunger.
    let work_res = (t.reserve[i][MEN] + t.reserve[i][WOMEN]) / 2.0;
    let pr = &p.production;
    let cap = t.capital[i];
    t.capital[i] = (cap + pr.capital_recovery as f32 * (1.0 - cap)
        - pr.capital_hunger_loss as f32 * (d.r_star as f32 - work_res).max(0.0))
    .clamp(0.0, 1.5);

    if moy == 1 {
        age(t, i);
    }

    // Deaths.
    let season = match moy {
        12 | 1..=3 => d.winter_factor,
        6..=9 => d.summer_factor,
        _ => 1.0,
    } as f32;
    let scale = ctx.mortality_scale as f32 * season;
    let (gamma, r_star, r_crit, h_crit) = (d.gamma as f32, d.r_star as f32, d.r_crit as f32, d.h_crit as f32);
    for a in 0..N_AGE {
        let people = t.pop[i][a];
        if people == 0 {
            continue;
        }
        let v = if a == CHILD || a == ELDERLY { d.vulnerability as f32 } else { 1.0 };
        let base = scale * MORTALITY_PROFILE[a] as f32;
        let res = t.reserve[i][a];
        let mut hazard = 0.0f32;
        for z in TERCILE_Z {
            let r = (res + z * intake.cv * spread * (1.0 - res)).clamp(0.0, 1.0);
            let famine = if r < r_star { (gamma * (r_star - r)).exp() - 1.0 } else { 0.0 };
            hazard += base * (1.0 + v * famine) + if r < r_crit { v * h_crit } else { 0.0 };
        }
        let hazard = (hazard / 3.0).min(1.0);
        let expected = people as f32 * hazard + t.death_carry[i][a];
        let dead = (expected.floor() as u32).min(people);
        t.death_carry[i][a] = (expected - dead as f32).clamp(0.0, 1.0);
        t.pop[i][a] -= dead;
        out.deaths += u64::from(dead);
    }

    // Births, nine months after conception.
    let conceptions = t.pop[i][WOMEN] as f32 * ctx.fertility as f32 * t.reserve[i][WOMEN].powf(d.theta_b as f32);
    let stages = &mut t.pregnancy[i];
    let moved = [stages[0] / 3.0, stages[1] / 3.0, stages[2] / 3.0];
    stages[0] += conceptions - moved[0];
    stages[1] += moved[0] - moved[1];
    stages[2] += moved[1] - moved[2];
    let expected = moved[2] + t.birth_carry[i];
    let born = expected.floor().max(0.0) as u32;
    t.birth_carry[i] = expected - born as f32;
    if born > 0 {
        mix(&mut t.reserve[i][CHILD], t.pop[i][CHILD], 1.0, born);
        t.pop[i][CHILD] += born;
    }
    out.births += u64::from(born);

    // Recruitment to the cities (or return), working-age people only.
    let rate = k.diversion * k.urban_recruitment * p.labour.urban_mult;
    if rate != 0.0 {
        let workers = t.pop[i][MEN] + t.pop[i][WOMEN];
        let expected = workers as f32 * rate as f32 + t.migration_carry[i];
        let moved = expected.trunc();
        t.migration_carry[i] = expected - moved;
        let moved = moved as i64;
        if moved > 0 {
            let moved = (moved as u32).min(workers);
            let men = moved.div_ceil(2).min(t.pop[i][MEN]);
            let women = (moved - men).min(t.pop[i][WOMEN]);
            t.pop[i][MEN] -= men;
            t.pop[i][WOMEN] -= women;
            out.migrants += i64::from(men + women);
        } else if moved < 0 {
            let back = (-moved) as u32;
            let men = back.div_ceil(2);
            let women = back - men;
            mix(&mut t.reserve[i][MEN], t.pop[i][MEN], 1.0, men);
            mix(&mut t.reserve[i][WOMEN], t.pop[i][WOMEN], 1.0, women);
            t.pop[i][MEN] += men;
            t.pop[i][WOMEN] += women;
            out.migrants -= i64::from(back);
        }
    }

    let pop = t.pop[i];
    out.pop_end += pop.iter().map(|&x| u64::from(x)).sum::<u64>();
    out.reserve_sum += pop.iter().zip(t.reserve[i]).map(|(&x, r)| f64::from(x) * f64::from(r)).sum::<f64>();
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
fn age(t: &mut TeamsMut<'_>, i: usize) {
    let pop = t.pop[i];
    let out: [u32; N_AGE] = std::array::from_fn(|a| {
        if AGEING_YEARS[a] == 0 { 0 } else { (pop[a] as f32 / AGEING_YEARS[a] as f32).round() as u32 }
    });
    let res = t.reserve[i];
    let p = &mut t.pop[i];
    let r = &mut t.reserve[i];
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
    let old_res = if old > 0 { (res[MEN] * out[MEN] as f32 + res[WOMEN] * out[WOMEN] as f32) / old as f32 } else { 1.0 };
    mix(&mut r[ELDERLY], p[ELDERLY], old_res, old);
    p[ELDERLY] += old;
}
