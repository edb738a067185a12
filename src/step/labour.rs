//! Labour supply and its allocation (§4.2) with effort (§4.3), and the iron the steel campaign
//! makes (§4.8).
//!
//! A team's labour supply is its people times participation, workdays and nutrition
//! (h(Res) = Res^θh). Drafts to furnaces and water works take a share scaled by the commune's
//! zeal; canteens take cooks; the rest farms. Farm labour, times effort and again h(Res) of the
//! workers, accumulates over the growing months into the season's labour index.

use super::demography::{LANES, count, lane_sum};
use super::simd::kernel;
use super::{CommuneCtx, CommuneMonth, Knobs, calendar};
use crate::scenario::Params;
use crate::world::{MEN, MessMode, N_AGE, TeamsMut, WOMEN};

/// h(Res): labour efficiency of people with reserve `res`.
#[inline]
pub fn efficiency(res: f32, theta: f32) -> f32 {
    if res >= 1.0 {
        1.0
    } else {
        res.max(0.0).powf(theta)
    }
}

/// Labour participation of each age group in `month` (children under 5 do not work).
pub fn participation(
    l: &crate::scenario::params::Labour,
    month: crate::time::Month,
) -> [f64; N_AGE] {
    [
        0.0,
        l.youth_participation,
        l.male_participation,
        l.female_participation.at(month),
        l.elderly_participation,
    ]
}

/// Shares of a commune's labour drafted to (steel, water works, other campaigns) this month.
/// Zealous communes draft more; together the drafts take at most 95%.
pub fn drafts(zeal: f64, p: &Params, k: &Knobs) -> [f64; 3] {
    let l = &p.labour;
    let d = k.diversion;
    let steel = (d * k.steel_share * l.steel_mult * zeal).min(0.9);
    let water = (d * k.water_share * l.water_mult * zeal).min(0.9);
    let other = (d * k.other_share * l.other_mult).min(0.9);
    let total = steel + water + other;
    let scale = if total > 0.95 { 0.95 / total } else { 1.0 };
    [steel * scale, water * scale, other * scale]
}

/// One team's labour this month, before it is added to the commune's sums.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TeamLabour {
    /// Labour-days the team's people offer, at their efficiency.
    pub supply: f32,
    /// Labour-days the canteen's cooks take (0 outside canteens).
    pub mess: f32,
    /// Labour-days left for the fields after the drafts and the cooks.
    pub farm: f32,
    /// Farm hands present relative to normal, at the workers' efficiency (which sets harvest
    /// losses, and accumulates over the growing months into the season's labour index).
    pub hands: f32,
}

/// The labour of a team of `pop` people of efficiency `eff` in mess regime `mess`, whose normal
/// monthly farm labour is `base_labour`, when the drafts take the share `drafted`.
///
/// In `f32` (a team's labour-days are far below 2^24, and its shares need no more than six
/// digits), so that a batch's loop runs eight teams to a vector instruction; and without
/// branches that depend on the team (amounts that would divide by nothing are computed and not
/// chosen).
#[inline(always)]
pub fn team_labour(
    pop: &[u32; N_AGE],
    eff: &[f32; N_AGE],
    mess: MessMode,
    base_labour: f32,
    drafted: f32,
    cooks_per_person: f32,
    k: &Knobs,
) -> TeamLabour {
    let mut supply = 0.0f32;
    for a in 0..N_AGE {
        supply += count(pop[a]) * k.labour_days[a] * eff[a];
    }
    let in_canteen = matches!(mess, MessMode::Free | MessMode::Rationed);
    let people: u32 = pop.iter().sum();
    let cooks = cooks_per_person * count(people);
    let mess = if in_canteen { cooks } else { 0.0 };
    let farm = (supply * (1.0 - drafted) - mess).max(0.0);

    let workers = pop[MEN] + pop[WOMEN];
    let mean_eff = (eff[MEN] * count(pop[MEN]) + eff[WOMEN] * count(pop[WOMEN])) / count(workers);
    let work_eff = if workers == 0 { 1.0 } else { mean_eff };
    let present = farm * work_eff / base_labour;
    let hands = if base_labour > 0.0 { present } else { 0.0 };
    TeamLabour {
        supply,
        mess,
        farm,
        hands,
    }
}

/// Labour-days of the canteens' cooks per person this month (mess staff × workdays).
#[inline(always)]
fn cooks_per_person(p: &Params, k: &Knobs) -> f32 {
    (p.labour.mess_staff * k.workdays) as f32
}

/// Adds labour to the commune's sums (labour use, and the iron the steel campaign makes):
/// `supply`, the cooks' share `mess` of it and `farm`, summed over one team or a batch of them.
#[inline(always)]
pub fn add_labour(
    supply: f64,
    mess: f64,
    farm: f64,
    ctx: &CommuneCtx,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    let [steel, water, other] = ctx.drafts;
    out.labour_supply += supply;
    out.labour_steel += supply * steel;
    out.labour_water += supply * water;
    out.labour_other += supply * other;
    out.labour_mess += mess;
    out.labour_farm += farm;
    let steel_days = supply * steel;
    out.iron_kg += steel_days * k.iron_per_day;
    out.iron_usable_kg += steel_days * k.usable_iron_per_day;
}

/// The season's labour index after this month's farm `hands`: restarted in the first growing
/// month of a season, accumulated (times effort) in the growing months.
#[inline(always)]
pub fn season_labour(index: f32, hands: f32, k: &Knobs) -> f32 {
    let moy = k.month.month();
    let index = if calendar::season_starts(moy) {
        0.0
    } else {
        index
    };
    if calendar::growing(moy).is_some() {
        index + hands * k.effort as f32
    } else {
        index
    }
}

/// The drafts' total share of the commune's labour.
#[inline(always)]
fn drafted(ctx: &CommuneCtx) -> f32 {
    let [steel, water, other] = ctx.drafts;
    (steel + water + other) as f32
}

/// Allocates team `i`'s labour this month. Returns the farm hands present relative to normal
/// (which set harvest losses), after accumulating the effective farm labour of the season.
#[inline(always)]
pub fn allocate(
    t: &mut TeamsMut<'_>,
    i: usize,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) -> f64 {
    let l = team_labour(
        &t.pop[i],
        &t.efficiency[i],
        t.mess[i],
        t.base_labour[i],
        drafted(ctx),
        cooks_per_person(p, k),
        k,
    );
    add_labour(
        f64::from(l.supply),
        f64::from(l.supply.min(l.mess)),
        f64::from(l.farm),
        ctx,
        k,
        out,
    );
    t.season_labour[i] = season_labour(t.season_labour[i], l.hands, k);
    f64::from(l.hands)
}

/// [`allocate`] for the teams of `t`, a batch of at most [`LANES`]: [`allocate_lanes`] on its
/// columns. Returns each team's farm hands.
#[inline(always)]
pub fn allocate_batch(
    t: &mut TeamsMut<'_>,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) -> [f64; LANES] {
    let mut hands = [0.0f64; LANES];
    allocate_lanes(
        k.simd,
        t.pop,
        t.efficiency,
        t.mess,
        t.base_labour,
        t.season_labour,
        &mut hands,
        ctx,
        p,
        k,
        out,
    );
    hands
}

kernel! {
/// [`allocate`] for the teams of a batch (at most [`LANES`]: the columns' length), in the
/// instruction set `simd`: each team's farm hands into `hands`.
///
/// The teams' labour is worked out in one loop over the batch, which vectorises (out of line,
/// so that the columns, separate arguments, are known not to overlap); the commune's sums,
/// floating point, are then added team by team in order.
pub fn allocate_lanes(
    pop: &[[u32; N_AGE]],
    efficiency: &[[f32; N_AGE]],
    mess: &[MessMode],
    base_labour: &[f32],
    season: &mut [f32],
    hands: &mut [f64; LANES],
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    let n = pop.len().min(LANES);
    let (pop, efficiency) = (&pop[..n], &efficiency[..n]);
    let (mess, base_labour, season) = (&mess[..n], &base_labour[..n], &mut season[..n]);
    let (drafted, cooks_per_person) = (drafted(ctx), cooks_per_person(p, k));
    // Lanes past `n` stay 0, so the sums below can run over every lane.
    let mut supply = [0.0f32; LANES];
    let mut cooks = [0.0f32; LANES];
    let mut farm = [0.0f32; LANES];
    for j in 0..n {
        let l = team_labour(&pop[j], &efficiency[j], mess[j], base_labour[j], drafted, cooks_per_person, k);
        supply[j] = l.supply;
        cooks[j] = l.supply.min(l.mess);
        farm[j] = l.farm;
        hands[j] = f64::from(l.hands);
        season[j] = season_labour(season[j], l.hands, k);
    }
    add_labour(
        lane_sum(&supply),
        lane_sum(&cooks),
        lane_sum(&farm),
        ctx,
        k,
        out,
    );
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn efficiency_is_one_when_fed_and_falls_with_hunger() {
        assert_eq!(efficiency(1.0, 0.7), 1.0);
        assert!((efficiency(0.5, 0.7) - 0.5f32.powf(0.7)).abs() < 1e-6);
        assert_eq!(efficiency(-0.1, 0.7), 0.0);
    }
}
