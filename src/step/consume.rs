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

use super::{CommuneMonth, Knobs};
use crate::scenario::Params;
use crate::step::harvest::{add, kg32};
use crate::step::procure::adult_equivalents;
use crate::world::{ADULT_EQUIVALENT, MessMode, N_AGE, TeamsMut, WORKING};

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

/// This month's constants of the meals, worked out once rather than for every team.
#[derive(Clone, Copy, Debug)]
pub struct Meals {
    /// Days in the month.
    days: f64,
    /// Days in the month over the days to the October harvest: the share of its grain a
    /// household eats this month.
    spread: f64,
    /// The free-supply ration with overconsumption, kg per adult equivalent per day.
    free_ration: f64,
    /// Intake below which each tercile is below subsistence, with the normal and the canteen
    /// intake spread.
    limits: [[f32; 3]; 2],
    /// Energy from other foods, kcal per day.
    supplement: f32,
}

impl Meals {
    pub fn new(p: &Params, month: crate::time::Month) -> Meals {
        let (m, n) = (&p.mess_halls, &p.nutrition);
        let days = f64::from(month.days());
        let horizon = f64::from(super::calendar::months_to_october(month.month())) * 365.25 / 12.0;
        let limits = |cv: f64| {
            let cv = cv as f32;
            TERCILE_Z.map(|z| n.subsistence_kcal as f32 / (1.0 + z * cv))
        };
        Meals {
            days,
            spread: days / horizon,
            free_ration: n.ration_kg * (1.0 + m.overconsumption),
            limits: [limits(n.intake_cv), limits(n.intake_cv_canteen)],
            supplement: supplement_kcal(p, month) as f32,
        }
    }
}

/// Energy from foods other than the collective's grain (vegetables, wild and substitute foods,
/// and the private plots once they are given back), kcal per adult equivalent per day.
pub fn supplement_kcal(p: &Params, month: crate::time::Month) -> f64 {
    p.nutrition.supplement_kcal.at(month)
        + p.nutrition.plot_kcal * p.incentives.private_plots.at(month)
}

/// Updates team `i`'s mess-hall regime, feeds it, and returns what each group ate.
#[inline(always)]
pub fn eat(
    t: &mut TeamsMut<'_>,
    i: usize,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) -> Intake {
    let m = &p.mess_halls;
    let n = &p.nutrition;
    let meals = &k.meals;
    let days = meals.days;
    let pop = t.pop[i];
    let ae = adult_equivalents(&pop);
    // Households ration their grain over the whole grain year, counting on a normal summer
    // harvest (less the normal procurement rate) if it is still to come.
    let horizon = k.days_to_october;
    let expected = f64::from(t.base_output_kg[i]) * k.summer_expectation;
    let ration = n.ration_kg;

    // Regime.
    let covered = f64::from(t.canteen_rank[i]) < k.canteen_coverage;
    match (covered, t.mess[i]) {
        // A canteen that opens for the first time starts with free supply; one re-imposed
        // after closing (as in November 1959) rations from the start.
        (true, MessMode::Household | MessMode::Dissolved) => {
            t.mess[i] = if t.mess[i] == MessMode::Household {
                MessMode::Free
            } else {
                MessMode::Rationed
            };
            t.canteen_months[i] = 0;
            // Household stocks (and cookware) go to the canteen.
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
            || f64::from(t.grain_kg[i]) + expected < ration * ae * horizon)
    {
        t.mess[i] = MessMode::Rationed;
    }

    // Grain per adult equivalent per day, and grain drawn from the stocks.
    let g = f64::from(t.grain_kg[i]);
    // In canteens, cadres and staff eat (1 + ς) times the ration; everyone else a little less.
    let in_canteen = matches!(t.mess[i], MessMode::Free | MessMode::Rationed);
    let majority = if in_canteen {
        (1.0 / (1.0 + m.cadre_uplift * (m.cadre_share + p.labour.mess_staff))) as f32
    } else {
        1.0
    };
    let mut factors = [majority; N_AGE];
    // Team quantities fit in u32 (as the stocks do), whose conversions to f64 are exact and
    // cheap; u64's are a branchy sequence on baseline x86-64.
    let stock = t.grain_kg[i];
    let hidden = t.hidden_kg[i];
    // Rations are in kg per adult equivalent per day; `month` converts them to the team's kg
    // this month and `per_kg` back (one division per team).
    let month = ae * days;
    let per_kg = if month > 0.0 { 1.0 / month } else { 0.0 };
    let spread = meals.spread;
    let (c, drawn_from_hidden, drawn) = if ae <= 0.0 {
        (0.0, 0, 0)
    } else {
        match t.mess[i] {
            MessMode::Household | MessMode::Dissolved => {
                let eat = kg32((ration * month).min((g + f64::from(hidden) + expected) * spread))
                    .min(stock.saturating_add(hidden));
                let from_hidden = eat.min(hidden);
                (f64::from(eat) * per_kg, from_hidden, eat - from_hidden)
            }
            MessMode::Free => {
                let want = meals.free_ration * month / (1.0 - m.waste);
                let drawn = kg32(want).min(stock);
                (f64::from(drawn) * (1.0 - m.waste) * per_kg, 0, drawn)
            }
            MessMode::Rationed => {
                let c = ration.min((1.0 - m.waste) * (g + expected) * spread * per_kg);
                let drawn = kg32(c * month / (1.0 - m.waste)).min(stock);
                // Non-workers get ξ of a worker's ration; the total is unchanged.
                let (mut w, mut r) = (0.0f64, 0.0f64);
                for a in 0..N_AGE {
                    let x = f64::from(pop[a]) * f64::from(ADULT_EQUIVALENT[a]);
                    if WORKING[a] { w += x } else { r += x }
                }
                let worker = (ae / (w + m.nonworker_ration * r)) as f32;
                for a in 0..N_AGE {
                    factors[a] = majority
                        * if WORKING[a] {
                            worker
                        } else {
                            worker * m.nonworker_ration as f32
                        };
                }
                (f64::from(drawn) * (1.0 - m.waste) * per_kg, 0, drawn)
            }
        }
    };
    t.hidden_kg[i] -= drawn_from_hidden;
    t.grain_kg[i] -= drawn;
    let total = drawn + drawn_from_hidden;
    let eaten = kg32(c * month).min(total);
    out.eaten_kg += u64::from(eaten);
    out.waste_kg += u64::from(total - eaten);

    let people: u32 = pop.iter().sum();
    if in_canteen {
        out.in_canteens += u64::from(people);
    }
    let rationed = t.mess[i] == MessMode::Rationed;
    let supp = meals.supplement;
    let grain_kcal = (c * n.kcal_per_kg) as f32;
    let mut kcal = [0.0f32; N_AGE];
    // A tercile is below subsistence if its intake, kcal·(1 + z·cv), is under the limit
    // subsistence / (1 + z·cv), with the canteen's cv under rationing.
    let limits = meals.limits[usize::from(rationed)];
    let mut below_thirds = 0u32;
    for a in 0..N_AGE {
        kcal[a] = factors[a] * grain_kcal + supp;
        let below = limits.iter().filter(|&&l| kcal[a] < l).count() as u32;
        below_thirds += pop[a] * below;
    }
    out.below_subsistence_thirds += u64::from(below_thirds);

    // Resale request for next month: a share ρ of the gap between need until October and what
    // the team holds and still expects from the summer harvest (§4.6).
    let held = f64::from(t.grain_kg[i]) + f64::from(t.hidden_kg[i]) + expected;
    let ask = kg32(k.resale * (ration * ae * horizon - held).max(0.0));
    t.resale_request_kg[i] = ask;
    out.resale_request_kg += u64::from(ask);
    Intake { kcal, rationed }
}
