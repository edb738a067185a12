//! Labour supply and its allocation (§4.2) with effort (§4.3), and the iron the steel campaign
//! makes (§4.8).
//!
//! A team's labour supply is its people times participation, workdays and nutrition
//! (h(Res) = Res^θh). Drafts to furnaces and water works take a share scaled by the commune's
//! zeal; canteens take cooks; the rest farms. Farm labour, times effort and again h(Res) of the
//! workers, accumulates over the growing months into the season's labour index.

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
    let pop = t.pop[i];
    let eff = t.efficiency[i];
    let mut supply = 0.0f32;
    for a in 0..N_AGE {
        supply += pop[a] as f32 * k.labour_days[a] * eff[a];
    }
    let supply = f64::from(supply);
    let [steel, water, other] = ctx.drafts;
    let drafted = steel + water + other;
    let in_canteen = matches!(t.mess[i], MessMode::Free | MessMode::Rationed);
    let mess = if in_canteen {
        let people: u32 = pop.iter().sum();
        p.labour.mess_staff * f64::from(people) * k.workdays
    } else {
        0.0
    };
    let farm = (supply * (1.0 - drafted) - mess).max(0.0);

    out.labour_supply += supply;
    out.labour_steel += supply * steel;
    out.labour_water += supply * water;
    out.labour_other += supply * other;
    out.labour_mess += supply.min(mess);
    out.labour_farm += farm;
    let steel_days = supply * steel;
    out.iron_kg += steel_days * k.iron_per_day;
    out.iron_usable_kg += steel_days * k.usable_iron_per_day;

    let workers = pop[MEN] + pop[WOMEN];
    let work_eff = if workers == 0 {
        1.0
    } else {
        (eff[MEN] * pop[MEN] as f32 + eff[WOMEN] * pop[WOMEN] as f32) / workers as f32
    };
    let base = f64::from(t.base_labour[i]);
    let hands = if base > 0.0 {
        farm * f64::from(work_eff) / base
    } else {
        0.0
    };
    let moy = k.month.month();
    if calendar::season_starts(moy) {
        t.season_labour[i] = 0.0;
    }
    if calendar::growing(moy).is_some() {
        t.season_labour[i] += (hands * k.effort) as f32;
    }
    hands
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
