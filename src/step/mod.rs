//! The monthly step: an ordered list of phases over the world (MODEL §3).
//!
//! A month is two parallel passes over the communes with serial national work around them:
//!
//! 1. `events`: this month's knob values from the schedules ([`Knobs::at`]); in January the
//!    year's weather and sown area.
//! 2. Pass A, by commune: resales arrive; labour supply and drafts; field work and furnaces;
//!    at harvest months production and losses; at report months the team and brigade reports.
//! 3. Serial: the reporting cascade above the commune, planner belief, and at quota months the
//!    provincial quotas and their shares for each commune.
//! 4. Pass B, by commune: quotas down to teams; procurement extraction; allocation within the
//!    team; consumption and nutrition; births, deaths and migration; resale requests.
//! 5. Serial: the central balance, urban population, and what the centre can resell next month.
//!
//! Communes are independent within a pass; everything they share goes through the serial
//! stages, in commune order, so results do not depend on the thread count. Nothing here does IO
//! or can fail.

pub mod consume;
pub mod curve;
pub mod demography;
pub mod harvest;
pub mod labour;
pub mod procure;
pub mod quota;
pub mod report;
pub mod simd;
#[cfg(test)]
mod tests;

use crate::scenario::Params;
use crate::time::Month;
use crate::world::build::MORTALITY_PROFILE;
use crate::world::{
    BrigadeColumns, BrigadesMut, CHILD, ELDERLY, Hierarchy, N_AGE, TeamColumns, TeamsMut, WORKING,
    World,
};
use simd::kernel;

/// This month's values of every schedule the phases read (phase 1, "policy events").
#[derive(Clone, Debug)]
pub struct Knobs {
    pub month: Month,
    pub inflation: f64,
    pub target_pull: f64,
    pub peer_emulation: f64,
    pub plan_target_kg: f64,
    pub planner_discount: f64,
    pub pressure: f64,
    pub technique: f64,
    pub diversion: f64,
    pub steel_share: f64,
    pub water_share: f64,
    pub other_share: f64,
    pub urban_recruitment: f64,
    pub workdays: f64,
    pub female_participation: f64,
    pub communist_wind: f64,
    pub procurement_rate: f64,
    pub flexibility: f64,
    pub plan_growth: f64,
    pub seizure: f64,
    pub resale: f64,
    pub canteen_coverage: f64,
    pub urban_cdr: f64,
    pub urban_cbr: f64,
    pub urban_ration_kg: f64,
    pub other_use_kg_per_year: f64,
    pub exports_kg_per_year: f64,
    pub imports_kg_per_year: f64,
    /// f_t: retention floor this month, kg per person per year (§4.6).
    pub retention_floor_kg: f64,
    /// Days of the retention standard the floor protects this month: to October, and at least
    /// `procurement.floor_months` (§4.6).
    pub floor_days: f64,
    /// Effort multiplier e (§4.3), the same for every team.
    pub effort: f64,
    /// Per-person constants of the energy balance and hazard, in the precision the team loops
    /// use.
    pub body: Body,
    /// Days from the start of this month to the October harvest: the horizon over which teams
    /// ration their grain and the retention floor is protected.
    pub days_to_october: f64,
    /// Net summer harvest a team still expects before October, per kg of its normal annual
    /// output (0 once the summer harvest is in).
    pub summer_expectation: f64,
    /// Tabulated functions of the reserve.
    pub curves: std::sync::Arc<curve::Curves>,
    /// Constants of this month's meals, and of its procurement, in f32 as the team loops use
    /// them (worked out from the other knobs).
    pub meals: consume::Meals,
    pub terms: procure::Terms,
    /// Labour-days a person of each age group offers this month at full strength
    /// (participation × workdays).
    pub labour_days: [f32; N_AGE],
    /// Pig iron made per steel-campaign labour-day, and its usable part, over the furnace mix
    /// (§4.8), kg.
    pub iron_per_day: f64,
    pub usable_iron_per_day: f64,
    /// The instruction set the team loops run in ([`simd::Simd::chosen`] unless a caller of
    /// [`step_with`] chose another): it changes how fast they run, never a result.
    pub simd: simd::Simd,
}

impl Knobs {
    /// Resolves the schedules of `p` for `month`. National quantities in Mt are converted to kg
    /// and multiplied by `people_share`, the simulated share of the country.
    pub fn at(p: &Params, month: Month, people_share: f64) -> Knobs {
        let i = &p.incentives;
        let pressure = p.politics.pressure.at(month);
        let mt = |x: f64| x * 1e9 * people_share;
        let effort = 1.0
            - i.chi_exit * i.exit_rights_removed.at(month)
            - i.chi_free * i.free_supply.at(month)
            - i.chi_wind * i.communist_wind.at(month)
            + i.chi_plot * i.private_plots.at(month);
        let mut k = Knobs {
            month,
            inflation: p.reporting.inflation.at(month),
            target_pull: p.reporting.target_pull.at(month),
            peer_emulation: p.reporting.peer_emulation.at(month),
            plan_target_kg: mt(p.reporting.plan_target_mt.at(month)),
            planner_discount: p.reporting.planner_discount.at(month),
            pressure,
            // The scheduled shortfall scaled by its depth, never below nothing grown.
            technique: (1.0
                - p.production.technique_depth * (1.0 - p.production.technique.at(month)))
            .max(0.0),
            diversion: p.labour.diversion.at(month),
            steel_share: p.labour.steel_share.at(month),
            water_share: p.labour.water_share.at(month),
            other_share: p.labour.other_share.at(month),
            urban_recruitment: p.labour.urban_recruitment.at(month),
            workdays: p.labour.workdays.at(month),
            female_participation: p.labour.female_participation.at(month),
            communist_wind: i.communist_wind.at(month),
            procurement_rate: p.procurement.rate.at(month),
            flexibility: p.procurement.flexibility.at(month),
            plan_growth: p.procurement.plan_growth.at(month),
            seizure: p.procurement.seizure.at(month),
            resale: p.relief.resale.at(month),
            canteen_coverage: if p.mess_halls.enabled {
                p.mess_halls.coverage.at(month)
            } else {
                0.0
            },
            urban_cdr: p.demography.urban_cdr.at(month),
            urban_cbr: p.demography.urban_cbr.at(month),
            urban_ration_kg: p.centre.urban_ration_kg.at(month),
            other_use_kg_per_year: mt(p.centre.other_use_mt.at(month)),
            exports_kg_per_year: mt(p.trade.exports_mt.at(month)),
            imports_kg_per_year: mt(p.trade.imports_mt.at(month)),
            retention_floor_kg: p.procurement.retention_floor_kg
                * (1.0 - p.procurement.floor_pressure * pressure),
            effort: effort.max(0.0),
            body: Body::new(p, month),
            days_to_october: f64::from(calendar::months_to_october(month.month())) * 365.25 / 12.0,
            floor_days: f64::from(calendar::months_to_october(month.month()))
                .max(p.procurement.floor_months)
                * 365.25
                / 12.0,
            summer_expectation: if (6..=9).contains(&month.month()) {
                0.0
            } else {
                let pr = &p.production;
                pr.summer_share
                    * (1.0 - pr.seed_share - pr.feed_share - pr.storage_loss - pr.loss_base)
                    * (1.0 - p.procurement.rate.at(month))
            },
            curves: curve::Curves::shared(p),
            meals: consume::Meals::default(),
            terms: procure::Terms::default(),
            labour_days: labour::participation(&p.labour, month)
                .map(|x| (x * p.labour.workdays.at(month)) as f32),
            iron_per_day: {
                let f = &p.furnaces;
                f.improvised_labour * f.improvised_kg_per_day
                    + f.traditional_labour * f.traditional_kg_per_day
                    + f.modern_labour * f.modern_kg_per_day
            },
            usable_iron_per_day: {
                let f = &p.furnaces;
                f.improvised_labour * f.improvised_kg_per_day * f.improvised_usable
                    + f.traditional_labour * f.traditional_kg_per_day * f.traditional_usable
                    + f.modern_labour * f.modern_kg_per_day * f.modern_usable
            },
            simd: simd::Simd::chosen(),
        };
        k.meals = consume::Meals::new(p, &k);
        k.terms = procure::Terms::new(&k);
        k
    }
}

/// Constants of the energy balance (§4.10) for one month, as f32.
#[derive(Clone, Copy, Debug)]
pub struct Body {
    pub bmr: f32,
    pub adaptation: f32,
    /// Days in the month divided by the energy store: kcal/day of imbalance → change in reserve.
    pub days_per_store: f32,
    pub recovery: f32,
    pub h_crit: f32,
    /// Famine-hazard multiplier of each age group (vulnerability of the young and old).
    pub vulnerability: [f32; N_AGE],
}

impl Body {
    fn new(p: &Params, month: Month) -> Body {
        let (n, d) = (&p.nutrition, &p.demography);
        Body {
            bmr: n.bmr_kcal as f32,
            adaptation: n.adaptation as f32,
            days_per_store: (f64::from(month.days()) / n.store_kcal) as f32,
            recovery: n.recovery as f32,
            h_crit: d.h_crit as f32,
            vulnerability: std::array::from_fn(|a| {
                if a == CHILD || a == ELDERLY {
                    d.vulnerability as f32
                } else {
                    1.0
                }
            }),
        }
    }
}

/// The agricultural calendar (§3): which season a month grows, harvests, estimates or sets
/// quotas for. Season 0 is summer (harvest in June), season 1 autumn (harvest in October).
pub mod calendar {
    /// Months of each season in which the crop is growing and needs farm labour.
    pub const GROWING_MONTHS: f64 = 4.0;

    /// The season whose crop is growing in month-of-year `m` (Mar–Jun summer, Jul–Oct autumn).
    pub fn growing(m: u32) -> Option<usize> {
        match m {
            3..=6 => Some(0),
            7..=10 => Some(1),
            _ => None,
        }
    }

    /// True in the first growing month of a season.
    pub fn season_starts(m: u32) -> bool {
        m == 3 || m == 7
    }

    /// The season harvested in month `m`.
    pub fn harvest(m: u32) -> Option<usize> {
        match m {
            6 => Some(0),
            10 => Some(1),
            _ => None,
        }
    }

    /// The season whose pre-harvest estimate (估产) is reported in month `m`.
    pub fn estimate(m: u32) -> Option<usize> {
        match m {
            4 => Some(0),
            8 => Some(1),
            _ => None,
        }
    }

    /// The season whose quota is set in month `m`.
    pub fn quota(m: u32) -> Option<usize> {
        match m {
            5 => Some(0),
            9 => Some(1),
            _ => None,
        }
    }

    /// Share of the remaining quota due in month `m` (summer procurement Jun–Aug, autumn
    /// Oct–Jan, peaking Nov–Dec); 1 marks the season's last procurement month.
    pub fn procurement_due(m: u32) -> f64 {
        match m {
            6 => 0.5,
            7 => 0.6,
            8 => 1.0,
            10 => 0.2,
            11 => 0.4375,
            12 => 2.0 / 3.0,
            1 => 1.0,
            _ => 0.0,
        }
    }

    /// Share of a season's quota still to deliver at the start of month `m`, when each earlier
    /// procurement month of the season took its due share (0 outside the procurement months):
    /// what a run that starts in `m` finds outstanding of the season under way.
    pub fn still_due(m: u32) -> f64 {
        if procurement_due(m) == 0.0 {
            return 0.0;
        }
        let mut left = 1.0;
        let mut prev = m;
        loop {
            prev = if prev == 1 { 12 } else { prev - 1 };
            let due = procurement_due(prev);
            if due == 0.0 {
                return left;
            }
            left *= 1.0 - due;
        }
    }

    /// The season whose quota is delivered in procurement month `m` (summer June–August,
    /// autumn October–January).
    pub fn procured_season(m: u32) -> usize {
        if (6..=8).contains(&m) { 0 } else { 1 }
    }

    /// Months from `m` (inclusive) to the next October: the rest of the grain year, over which
    /// the retention floor is protected.
    pub fn months_to_october(m: u32) -> u32 {
        (10 + 12 - m - 1) % 12 + 1
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn calendar_is_consistent() {
            assert_eq!(months_to_october(10), 12);
            assert_eq!(months_to_october(9), 1);
            for m in 1..=12 {
                assert!((1..=12).contains(&months_to_october(m)));
                if let Some(s) = harvest(m) {
                    assert_eq!(growing(m), Some(s));
                }
            }
            // Every season's procurement ends with a month that takes all that remains.
            assert_eq!(procurement_due(8), 1.0);
            assert_eq!(procurement_due(1), 1.0);
        }

        #[test]
        fn what_is_still_due_adds_up_to_the_whole_quota() {
            // January owes the last of the autumn quota: 1 − (0.2, then 0.4375, then 2/3 of
            // the rest) = 0.15.
            assert!((still_due(1) - 0.15).abs() < 1e-12);
            assert_eq!(still_due(10), 1.0);
            assert_eq!(still_due(6), 1.0);
            assert_eq!(still_due(7), 0.5);
            // Outside the procurement months nothing is due.
            for m in [2, 3, 4, 5, 9] {
                assert_eq!(still_due(m), 0.0);
            }
            // Each season's months deliver, between them, the whole quota.
            for months in [&[6, 7, 8][..], &[10, 11, 12, 1][..]] {
                let s = procured_season(months[0]);
                let total: f64 = months
                    .iter()
                    .map(|&m| {
                        assert_eq!(procured_season(m), s);
                        procurement_due(m) * still_due(m)
                    })
                    .sum();
                assert!((total - 1.0).abs() < 1e-12, "{months:?}: {total}");
            }
        }
    }
}

/// Per-commune results of one month: flows in integer kg and persons where they are conserved.
#[derive(Clone, Debug, Default)]
pub struct CommuneMonth {
    /// Grain held by teams (collective and hidden) at the start of the month, kg.
    pub grain_start_kg: u64,
    pub grain_end_kg: u64,
    /// True output harvested this month (after harvest losses), kg.
    pub output_kg: u64,
    /// Output lost in the field because hands were missing, kg (not part of output).
    pub harvest_loss_kg: u64,
    pub seed_kg: u64,
    pub feed_kg: u64,
    pub storage_loss_kg: u64,
    /// Grain moved between the commune's teams by the communist wind, kg (it stays in the
    /// commune).
    pub levy_kg: u64,
    pub hidden_new_kg: u64,
    /// Grain found in searches and moved from hidden to collective stocks, kg.
    pub seized_kg: u64,
    pub quota_kg: u64,
    pub procured_kg: u64,
    /// Quota left undelivered at the end of a procurement season, kg.
    pub quota_shortfall_kg: u64,
    pub resale_kg: u64,
    pub resale_request_kg: u64,
    pub eaten_kg: u64,
    pub waste_kg: u64,
    /// Sum of the brigades' reports this month (estimate or post-harvest), kg.
    pub brigade_reports_kg: f64,
    /// Output the teams reported this month, kg.
    pub team_reports_kg: f64,
    pub pop_start: u64,
    pub pop_end: u64,
    pub births: u64,
    pub deaths: u64,
    /// People moved to cities (negative: returned), persons.
    pub migrants: i64,
    /// People whose intake was below subsistence this month, in thirds of a person (each age
    /// group is three intake terciles): divide by 3 for people.
    pub below_subsistence_thirds: u64,
    pub in_canteens: u64,
    /// Labour-days: supply, and its use.
    pub labour_supply: f64,
    pub labour_steel: f64,
    pub labour_water: f64,
    pub labour_other: f64,
    pub labour_mess: f64,
    pub labour_farm: f64,
    pub iron_kg: f64,
    pub iron_usable_kg: f64,
    /// Population-weighted reserve sum (divide by population for the mean).
    pub reserve_sum: f64,
    /// Cadres purged this month.
    pub purges: u64,
}

impl std::ops::AddAssign<&CommuneMonth> for CommuneMonth {
    /// Adds another commune's month: the national month is the sum of the communes', taken in
    /// commune order.
    fn add_assign(&mut self, c: &CommuneMonth) {
        self.grain_start_kg += c.grain_start_kg;
        self.grain_end_kg += c.grain_end_kg;
        self.output_kg += c.output_kg;
        self.harvest_loss_kg += c.harvest_loss_kg;
        self.seed_kg += c.seed_kg;
        self.feed_kg += c.feed_kg;
        self.storage_loss_kg += c.storage_loss_kg;
        self.levy_kg += c.levy_kg;
        self.hidden_new_kg += c.hidden_new_kg;
        self.seized_kg += c.seized_kg;
        self.quota_kg += c.quota_kg;
        self.procured_kg += c.procured_kg;
        self.quota_shortfall_kg += c.quota_shortfall_kg;
        self.resale_kg += c.resale_kg;
        self.resale_request_kg += c.resale_request_kg;
        self.eaten_kg += c.eaten_kg;
        self.waste_kg += c.waste_kg;
        self.brigade_reports_kg += c.brigade_reports_kg;
        self.team_reports_kg += c.team_reports_kg;
        self.pop_start += c.pop_start;
        self.pop_end += c.pop_end;
        self.births += c.births;
        self.deaths += c.deaths;
        self.migrants += c.migrants;
        self.below_subsistence_thirds += c.below_subsistence_thirds;
        self.in_canteens += c.in_canteens;
        self.labour_supply += c.labour_supply;
        self.labour_steel += c.labour_steel;
        self.labour_water += c.labour_water;
        self.labour_other += c.labour_other;
        self.labour_mess += c.labour_mess;
        self.labour_farm += c.labour_farm;
        self.iron_kg += c.iron_kg;
        self.iron_usable_kg += c.iron_usable_kg;
        self.reserve_sum += c.reserve_sum;
        self.purges += c.purges;
    }
}

impl MonthResult {
    /// The national totals of the month: the communes' results summed in commune order.
    pub fn national(&self) -> CommuneMonth {
        let mut n = CommuneMonth::default();
        for c in &self.communes {
            n += c;
        }
        n
    }
}

/// National results of one month that are not sums over communes.
#[derive(Clone, Debug, Default)]
pub struct CentreMonth {
    /// National reported output this month (post-harvest reports at province level), kg.
    pub reported_kg: f64,
    /// The same by province (empty in months without a harvest), kg.
    pub province_reported_kg: Vec<f64>,
    /// The planner's belief of that output, kg.
    pub believed_kg: f64,
    /// Quota set this month, kg.
    pub quota_set_kg: f64,
    pub urban_pop: f64,
    pub urban_births: u64,
    pub urban_deaths: u64,
    pub central_stock_kg: f64,
    pub urban_use_kg: f64,
    pub other_use_kg: f64,
    pub exports_kg: f64,
    pub imports_kg: f64,
    /// Central needs the stock could not meet, kg.
    pub central_shortfall_kg: f64,
}

/// Everything one month produced.
#[derive(Clone, Debug, Default)]
pub struct MonthResult {
    pub month: Month,
    pub communes: Vec<CommuneMonth>,
    pub centre: CentreMonth,
}

/// Read-only facts about one commune for its pass.
#[derive(Clone, Copy, Debug)]
pub struct CommuneCtx {
    pub province: usize,
    pub zeal: f64,
    pub weather: f64,
    pub quota_share: f64,
    pub fertility: f64,
    /// Quota assigned to the commune this month, kg (quota months only).
    pub quota_kg: f64,
    /// Shares of labour drafted to steel, water works and other campaigns this month.
    pub drafts: [f64; 3],
    /// Share of working-age people moved to the cities this month (negative: returned).
    pub urban_recruitment: f64,
    /// Sown area term of production, area^βA, times the extra yield of newly irrigated land.
    pub land_term: f64,
    /// Physical activity level of each age group this month, at full reserves.
    pub pal: [f32; N_AGE],
    /// Normal monthly death probability of each age group this month.
    pub death_base: [f32; N_AGE],
    /// Share of the capital index lost to iron implements melted this month (§4.8).
    pub tool_melting: f32,
    /// Conceptions relative to normal given the couples separated by the drafts.
    pub together: f32,
}

/// Buffers a worker reuses from commune to commune, so that the monthly loop does not allocate.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The commune's brigades' team ranges, local to its team slice.
    offsets: Vec<u32>,
    /// The brigade reports' buffers.
    report: report::Scratch,
    /// The demography's working arrays.
    demography: demography::Scratch,
}

/// `offsets` (the global team offsets of a commune's brigades) made local to its team slice, in
/// `buf`.
fn local_offsets<'a>(buf: &'a mut Vec<u32>, offsets: &[u32]) -> &'a [u32] {
    let first = offsets.first().copied().unwrap_or(0);
    buf.clear();
    buf.extend(offsets.iter().map(|o| o - first));
    buf
}

/// Advances the world by one month. Infallible; deterministic for any thread count.
///
/// The month's stages are public so that benchmarks can time each: this function is exactly
/// [`events`], [`pass_a`], [`national`], [`pass_b`] (unless fused into pass A) and
/// [`centre`], in that order.
pub fn step(world: &mut World, params: &Params, month: Month, seed: u64) -> MonthResult {
    step_with(world, params, month, seed, simd::Simd::chosen())
}

/// [`step`] with the team loops in the instruction set `simd`: the same results, at another
/// speed.
pub fn step_with(
    world: &mut World,
    params: &Params,
    month: Month,
    seed: u64,
    simd: simd::Simd,
) -> MonthResult {
    let mut k = events(world, params, month, seed);
    k.simd = simd;
    let fused = fused(&k);
    let mut communes = pass_a(world, params, &k, fused);
    let (mut centre_month, quota) = national(world, params, &k, &mut communes);
    if !fused {
        pass_b(world, params, &k, quota.as_deref(), &mut communes);
    }
    centre(world, params, &k, seed, &mut communes, &mut centre_month);
    MonthResult {
        month,
        communes,
        centre: centre_month,
    }
}

/// Phase 1: this month's knob values; in January, the year's weather and sown area.
pub fn events(world: &mut World, params: &Params, month: Month, seed: u64) -> Knobs {
    let k = Knobs::at(params, month, world.centre.people_share);
    if world.centre.year != month.year() {
        harvest::new_year(world, params, &k, seed);
    }
    k
}

/// True if each commune runs pass B straight after pass A this month.
///
/// Pass B needs the serial stage between the passes only in quota months, for the quotas. In
/// every other month a commune runs pass B straight after pass A, while its teams are still in
/// cache: the serial stage reads only pass A's results, pass B reads nothing it writes, and
/// pass B's commune facts are pass A's (it uses none that the stage changes). Outside the
/// harvest months (whose communist-wind levy is shared out over all of a commune's teams
/// between the passes) each team takes its pass B right after its own pass A.
pub fn fused(k: &Knobs) -> bool {
    calendar::quota(k.month.month()).is_none()
}

/// Pass A over every commune, in parallel: resales arrive, labour, production, reports up to
/// the brigades; with `fused`, each commune's pass B too. Returns the communes' results.
pub fn pass_a(world: &mut World, params: &Params, k: &Knobs, fused: bool) -> Vec<CommuneMonth> {
    let fill = world.centre.resale_fill;
    let facts = CommuneFacts::new(
        &world.communes,
        &world.provinces,
        world.centre.area,
        params,
        k,
    );
    let h = &world.hierarchy;
    let team_offsets = &h.team_offsets;
    let brigade_offsets = &h.brigade_offsets;
    let national_base: f64 = world.provinces.base_output_kg.iter().sum();
    let mut communes = vec![CommuneMonth::default(); world.communes.province.len()];
    par_communes(
        &mut world.teams,
        Some(&mut world.brigades),
        h,
        &mut communes,
        |scratch, c, mut t, b, out| {
            let mut b = b.expect("pass A's communes come with their brigades");
            let ctx = facts.context(c, 0.0);
            let offsets =
                &team_offsets[brigade_offsets[c] as usize..=brigade_offsets[c + 1] as usize];
            let local = local_offsets(&mut scratch.offsets, offsets);
            let (report, lanes) = (&mut scratch.report, &mut scratch.demography);
            *out = k.simd.run(
                #[inline(always)]
                || {
                    commune_pass_a(
                        &mut t,
                        &mut b,
                        local,
                        report,
                        lanes,
                        &ctx,
                        params,
                        k,
                        fill,
                        national_base,
                        fused,
                    )
                },
            );
        },
    );
    communes
}

/// The serial stage after pass A: resales leave the central stock; furnace fuel and water
/// works; the reporting cascade above the commune and the planner's belief; in quota months
/// the provincial quotas. Returns the centre's month so far and each commune's quota.
pub fn national(
    world: &mut World,
    params: &Params,
    k: &Knobs,
    communes: &mut [CommuneMonth],
) -> (CentreMonth, Option<Vec<f64>>) {
    let mut centre = CentreMonth::default();
    let resales: u64 = communes.iter().map(|c| c.resale_kg).sum();
    world.centre.stock_kg -= resales as f64;
    communes_after_pass_a(world, params, communes);
    report::cascade(world, params, k, communes, &mut centre);
    let commune_quota = quota::set(world, params, k, communes, &mut centre);
    (centre, commune_quota)
}

/// Pass B over every commune, in parallel: quotas down, extraction, consumption, nutrition,
/// demography, resale requests.
pub fn pass_b(
    world: &mut World,
    params: &Params,
    k: &Knobs,
    quota: Option<&[f64]>,
    communes: &mut [CommuneMonth],
) {
    let facts = CommuneFacts::new(
        &world.communes,
        &world.provinces,
        world.centre.area,
        params,
        k,
    );
    let h = &world.hierarchy;
    let team_offsets = &h.team_offsets;
    let brigade_offsets = &h.brigade_offsets;
    let brigade_reports = &world.brigades.report_kg;
    par_communes(
        &mut world.teams,
        None,
        h,
        communes,
        |scratch, c, mut t, _, out| {
            let ctx = facts.context(c, quota.map_or(0.0, |q| q[c]));
            let (b0, b1) = (brigade_offsets[c] as usize, brigade_offsets[c + 1] as usize);
            let local = local_offsets(&mut scratch.offsets, &team_offsets[b0..=b1]);
            let lanes = &mut scratch.demography;
            k.simd.run(
                #[inline(always)]
                || {
                    commune_pass_b(
                        &mut t,
                        local,
                        &brigade_reports[b0..b1],
                        lanes,
                        &ctx,
                        params,
                        k,
                        out,
                    )
                },
            );
        },
    );
}

/// The serial stage at the end of the month: the central balance, urban population, what the
/// centre can resell next month, and the political update.
pub fn centre(
    world: &mut World,
    params: &Params,
    k: &Knobs,
    seed: u64,
    communes: &mut [CommuneMonth],
    centre: &mut CentreMonth,
) {
    procure::central_balance(world, params, k, communes, centre);
    politics(world, params, k, seed, communes);
}

/// Runs `f(batch, context, out)` for every batch of at most [`demography::LANES`] teams of
/// every commune (the batches the passes step), in parallel by commune, in the instruction set
/// `k.simd`, and returns the communes' sums: for benchmarks that time one batched team phase
/// alone.
pub fn for_each_batch(
    world: &mut World,
    params: &Params,
    k: &Knobs,
    f: impl Fn(&mut TeamsMut<'_>, &CommuneCtx, &mut CommuneMonth) + Sync + Send,
) -> Vec<CommuneMonth> {
    let facts = CommuneFacts::new(
        &world.communes,
        &world.provinces,
        world.centre.area,
        params,
        k,
    );
    let mut communes = vec![CommuneMonth::default(); world.communes.province.len()];
    par_communes(
        &mut world.teams,
        None,
        &world.hierarchy,
        &mut communes,
        |_, c, mut t, _, out| {
            let ctx = facts.context(c, 0.0);
            let rows = t.rows();
            k.simd.run(
                #[inline(always)]
                || {
                    for first in (0..rows).step_by(demography::LANES) {
                        f(
                            &mut t.slice(first..rows.min(first + demography::LANES)),
                            &ctx,
                            out,
                        );
                    }
                },
            );
        },
    );
    communes
}

/// What [`CommuneCtx`] is made from: the world's commune and province columns and this month's
/// national values. Borrows only those columns, so pass A can make each commune's context
/// while it holds the teams.
struct CommuneFacts<'a> {
    params: &'a Params,
    k: &'a Knobs,
    communes: &'a crate::world::CommuneColumns,
    provinces: &'a crate::world::ProvinceColumns,
    land_term: f64,
    season: f64,
    /// Share of the capital index that is tools: melting takes tools, not herds.
    tool_part: f64,
}

impl<'a> CommuneFacts<'a> {
    /// Borrows the commune and province columns of a world whose sown-area multiplier is
    /// `area`.
    fn new(
        communes: &'a crate::world::CommuneColumns,
        provinces: &'a crate::world::ProvinceColumns,
        area: f64,
        params: &'a Params,
        k: &'a Knobs,
    ) -> CommuneFacts<'a> {
        let d = &params.demography;
        let pr = &params.production;
        CommuneFacts {
            params,
            k,
            communes,
            provinces,
            land_term: area.powf(params.production.beta_land),
            season: match k.month.month() {
                12 | 1..=3 => d.winter_factor,
                6..=9 => d.summer_factor,
                _ => 1.0,
            },
            // The capital index K stands for tools (β_K) and herds with their manure (β_F);
            // melting takes tools only, so K loses the tools' part of what is melted.
            tool_part: if pr.beta_capital + pr.beta_fertiliser > 0.0 {
                pr.beta_capital / (pr.beta_capital + pr.beta_fertiliser)
            } else {
                0.0
            },
        }
    }

    /// Commune `c`'s facts, with quota `quota_kg` this month.
    fn context(&self, c: usize, quota_kg: f64) -> CommuneCtx {
        let (params, k) = (self.params, self.k);
        let n = &params.nutrition;
        let d = &params.demography;
        let pi = self.communes.province[c] as usize;
        let zeal = f64::from(self.communes.zeal[c]);
        let drafts = labour::drafts(zeal, params, k);
        let drafted: f64 = drafts.iter().sum();
        let pal_work = n.pal_work + (n.pal_campaign - n.pal_work) * drafted;
        let mortality = f64::from(self.provinces.mortality_scale[pi]) * self.season;
        CommuneCtx {
            province: pi,
            zeal,
            weather: irrigated_weather(
                f64::from(self.provinces.weather[pi]),
                self.communes.irrigation[c],
                params,
            ),
            quota_share: self.provinces.quota_share[pi],
            fertility: f64::from(self.provinces.fertility[pi]),
            quota_kg,
            drafts,
            urban_recruitment: k.diversion * k.urban_recruitment * params.labour.urban_mult,
            land_term: self.land_term
                * (1.0 + params.water.yield_gain * f64::from(self.communes.irrigation[c])),
            pal: std::array::from_fn(|a| (if WORKING[a] { pal_work } else { n.pal_rest }) as f32),
            death_base: std::array::from_fn(|a| (mortality * MORTALITY_PROFILE[a]) as f32),
            tool_melting: (params.furnaces.tool_melting * drafts[0] * self.tool_part) as f32,
            together: (1.0 - d.separation * drafted).max(0.0) as f32,
        }
    }
}

#[cfg(test)]
fn commune_contexts(
    world: &World,
    quota: Option<&[f64]>,
    params: &Params,
    k: &Knobs,
) -> Vec<CommuneCtx> {
    let facts = CommuneFacts::new(
        &world.communes,
        &world.provinces,
        world.centre.area,
        params,
        k,
    );
    (0..world.n_communes())
        .map(|c| facts.context(c, quota.map_or(0.0, |q| q[c])))
        .collect()
}

/// The weather multiplier of a commune whose water works irrigate `irrigation` of its area:
/// irrigated land avoids a share `water.protection` of the year's weather losses (§4.11).
pub fn irrigated_weather(province: f64, irrigation: f32, p: &Params) -> f64 {
    let loss = (1.0 - province).max(0.0);
    let gain = (province - 1.0).max(0.0);
    1.0 - loss * (1.0 - p.water.protection * f64::from(irrigation)) + gain
}

kernel! {
/// The start of pass A for the teams of a batch (at most [`demography::LANES`]: the columns'
/// length), in the instruction set `simd`: the commune's grain and people at the start of the
/// month, then the resales (the share `fill` of last month's requests) arrive. Integer sums,
/// in any order. Out of line, so that the columns are known not to overlap and the loops
/// vectorise.
fn arrive_lanes(
    pop: &[[u32; N_AGE]],
    grain: &mut [u32],
    hidden: &[u32],
    request: &mut [u32],
    fill: f64,
    out: &mut CommuneMonth,
) {
    let n = pop.len().min(demography::LANES);
    let (pop, hidden) = (&pop[..n], &hidden[..n]);
    let (grain, request) = (&mut grain[..n], &mut request[..n]);
    let mut grain_start = 0u64;
    for j in 0..n {
        grain_start += u64::from(grain[j]) + u64::from(hidden[j]);
    }
    out.grain_start_kg += grain_start;
    let mut people = 0u64;
    for &x in pop.as_flattened() {
        people += u64::from(x);
    }
    out.pop_start += people;
    let mut resales = 0u64;
    for j in 0..n {
        let r = procure::resale_kg(request[j], fill);
        harvest::add(&mut grain[j], r);
        request[j] = 0;
        resales += r;
    }
    out.resale_kg += resales;
}
}

/// Pass A for one commune, and with `then_b` its pass B too (fused months). `brigade_offsets`
/// are the commune's brigades' team ranges, local to its team slice.
///
/// Always inlined, so that [`simd::Simd::run`] compiles it, and the team phases inlined into
/// it, for each instruction set.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn commune_pass_a(
    t: &mut TeamsMut<'_>,
    b: &mut BrigadesMut<'_>,
    brigade_offsets: &[u32],
    scratch: &mut report::Scratch,
    lanes: &mut demography::Scratch,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    resale_fill: f64,
    national_base: f64,
    then_b: bool,
) -> CommuneMonth {
    let mut out = CommuneMonth::default();
    let moy = k.month.month();
    let harvest_season = calendar::harvest(moy);
    let estimate_season = calendar::estimate(moy);
    // Without a harvest, nothing in pass A is shared between teams until the reports, which
    // read only what pass B leaves alone: a team can take its pass B right after its pass A.
    let team_b = then_b && harvest_season.is_none();
    let rows = t.rows();
    let repeated = demography::Repeated::new(ctx, k);
    for first in (0..rows).step_by(demography::LANES) {
        let mut t = t.slice(first..rows.min(first + demography::LANES));
        let t = &mut t;
        // Each phase runs over the whole batch: what a team's phases read of each other is
        // its own (the hands of its labour, the grain its resale brought), and the commune's
        // floating-point sums are still added team by team in order.
        arrive_lanes(
            k.simd,
            t.pop,
            t.grain_kg,
            t.hidden_kg,
            t.resale_request_kg,
            resale_fill,
            &mut out,
        );
        let hands = labour::allocate_batch(t, ctx, p, k, &mut out);
        if let Some(s) = harvest_season {
            harvest::harvest_batch(t, s, &hands, ctx, p, k, &mut out);
        } else if let Some(s) = estimate_season {
            harvest::estimate_batch(t, s, ctx, p, k);
        }
        if team_b {
            pass_b_teams(k.simd, t, &repeated, lanes, ctx, p, k, &mut out);
        }
    }
    if harvest_season.is_some() {
        harvest::share_out_levy(t, &out);
    }
    if let Some(s) = harvest_season.or(estimate_season) {
        out.team_reports_kg = t.report_kg.iter().map(|&r| f64::from(r)).sum();
        out.brigade_reports_kg = report::brigades_with(
            scratch,
            t,
            b,
            brigade_offsets,
            s,
            harvest_season.is_some(),
            ctx,
            p,
            k,
            national_base,
        );
    }
    if then_b && !team_b {
        commune_pass_b(t, brigade_offsets, b.report_kg, lanes, ctx, p, k, &mut out);
    }
    out
}

kernel! {
/// Pass B for the teams of `t`, at most [`demography::LANES`] (after the commune's quotas have
/// come down): the demography takes them as one batch. Teams are independent in pass B, and
/// what they add to the commune's sums in another order is integers (the reserve sum is added
/// in team order). Out of line, in the instruction set `simd` (`k.simd`).
fn pass_b_teams(
    t: &mut TeamsMut<'_>,
    repeated: &demography::Repeated,
    scratch: &mut demography::Scratch,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    let n = t.rows().min(demography::LANES);
    let mut intakes = demography::Intakes::default();
    let procure = calendar::procurement_due(k.month.month()) != 0.0;
    consume::eat_batch(t, n, procure, p, k, out, &mut intakes);
    demography::update_batch(t, 0, n, &intakes, repeated, scratch, ctx, p, k, out);
    for i in 0..n {
        out.grain_end_kg += u64::from(t.grain_kg[i]) + u64::from(t.hidden_kg[i]);
    }
}
}

/// Pass B for one commune (always inlined, as [`commune_pass_a`]).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn commune_pass_b(
    t: &mut TeamsMut<'_>,
    brigade_offsets: &[u32],
    brigade_reports: &[f32],
    lanes: &mut demography::Scratch,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    let moy = k.month.month();
    if calendar::quota(moy).is_some() {
        quota::down(t, brigade_offsets, brigade_reports, ctx.quota_kg, out);
    }
    let rows = t.rows();
    let repeated = demography::Repeated::new(ctx, k);
    for first in (0..rows).step_by(demography::LANES) {
        let mut t = t.slice(first..rows.min(first + demography::LANES));
        pass_b_teams(k.simd, &mut t, &repeated, lanes, ctx, p, k, out);
    }
}

/// Commune-level stocks after pass A: furnaces limited by the fuel within reach (§4.8), and
/// water works turning into irrigated area with a lag (§4.11).
fn communes_after_pass_a(world: &mut World, p: &Params, communes: &mut [CommuneMonth]) {
    let f = &p.furnaces;
    let w = &p.water;
    for (c, m) in communes.iter_mut().enumerate() {
        if m.iron_kg > 0.0 {
            let fuel = &mut world.communes.fuel_kg[c];
            let needed = m.iron_kg * f.fuel_kg_per_kg;
            if needed > *fuel {
                let made = if needed > 0.0 { *fuel / needed } else { 0.0 };
                m.iron_kg *= made;
                m.iron_usable_kg *= made;
            }
            *fuel = (*fuel - m.iron_kg * f.fuel_kg_per_kg).max(0.0);
        }
        if m.labour_supply > 0.0 {
            let works = &mut world.communes.works[c];
            *works = (*works + (w.gain_per_labour_month * m.labour_water / m.labour_supply) as f32)
                .min(1.0);
            let irrigation = &mut world.communes.irrigation[c];
            let step = if w.lag_months > 0.0 {
                (1.0 / w.lag_months) as f32
            } else {
                1.0
            };
            *irrigation += (*works - *irrigation) * step;
        }
    }
}

/// The political update (§4.12), at the end of each procurement season: cadres of communes
/// that delivered less than their quota are purged with probability p0·π, and their
/// successors are more zealous — the ratchet of the anti-right-deviation campaign.
fn politics(world: &mut World, p: &Params, k: &Knobs, seed: u64, communes: &mut [CommuneMonth]) {
    if calendar::procurement_due(k.month.month()) < 1.0 || k.pressure == 0.0 {
        return;
    }
    let chance = p.politics.purge_rate * k.pressure;
    for (c, m) in communes.iter_mut().enumerate() {
        if m.quota_shortfall_kg == 0 {
            continue;
        }
        let mut r = crate::rng::stream(seed, k.month.0, crate::rng::Stream::Purge, c as u32);
        if crate::rng::RngExt::random::<f64>(&mut r) < chance {
            let z = &mut world.communes.zeal[c];
            *z = (f64::from(*z) * p.politics.successor_zeal).min(5.0) as f32;
            world.communes.purges[c] = world.communes.purges[c].saturating_add(1);
            m.purges += 1;
        }
    }
}

/// Communes handed to a worker at a time.
///
/// Each pass gives out the communes' views (a slice of every team column, 336 bytes, and of
/// every brigade column) block by block, made as the block's communes come: made all at once
/// for every commune, they were written, gathered and moved again for each pass, 3 % of the
/// full run. A block of 64 is well under a millisecond of work, and a full run has 368 blocks
/// for the threads to share.
const COMMUNE_BLOCK: usize = 64;

/// A block of communes: their team rows, their brigade rows (if wanted) and their results.
type Block<'a, R> = ((TeamsMut<'a>, Option<BrigadesMut<'a>>), &'a mut [R]);

/// Runs `f(scratch, c, teams, brigades, out)` for every commune `c`, in parallel (with the
/// `parallel` feature): `teams` and `brigades` are the commune's rows (brigades only if
/// `brigades` is given), `out` is `results[c]`. Each worker lends `f` a [`Scratch`] it reuses
/// across communes. Communes are independent, so the results do not depend on the threads.
pub fn par_communes<R: Send>(
    teams: &mut TeamColumns,
    brigades: Option<&mut BrigadeColumns>,
    h: &Hierarchy,
    results: &mut [R],
    f: impl Fn(&mut Scratch, usize, TeamsMut<'_>, Option<BrigadesMut<'_>>, &mut R) + Sync + Send,
) {
    let n = results.len();
    debug_assert_eq!(n + 1, h.commune_team_offsets.len());
    // The block boundaries, as communes and as team and brigade rows.
    let cuts: Vec<usize> = (0..n).step_by(COMMUNE_BLOCK).chain([n]).collect();
    let rows_at = |offsets: &[u32]| cuts.iter().map(|&c| offsets[c]).collect::<Vec<_>>();
    let team_blocks = teams.split(&rows_at(&h.commune_team_offsets));
    let brigade_blocks: Vec<Option<BrigadesMut<'_>>> = match brigades {
        Some(b) => b
            .split(&rows_at(&h.brigade_offsets))
            .into_iter()
            .map(Some)
            .collect(),
        None => team_blocks.iter().map(|_| None).collect(),
    };
    let block = |scratch: &mut Scratch,
                 (i, ((mut teams, mut brigades), out)): (usize, Block<'_, R>)| {
        let first = i * COMMUNE_BLOCK;
        // Each commune's rows, as a view of the block's (made in place, no copies).
        let (team_base, brigade_base) = (h.commune_team_offsets[first], h.brigade_offsets[first]);
        let local = |offsets: &[u32], c: usize, base: u32| {
            (offsets[c] - base) as usize..(offsets[c + 1] - base) as usize
        };
        for (c, out) in (first..).zip(out) {
            let t = teams.slice(local(&h.commune_team_offsets, c, team_base));
            let b = brigades
                .as_mut()
                .map(|b| b.slice(local(&h.brigade_offsets, c, brigade_base)));
            f(scratch, c, t, b, out);
        }
    };
    let blocks = team_blocks
        .into_iter()
        .zip(brigade_blocks)
        .zip(results.chunks_mut(COMMUNE_BLOCK));
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        blocks
            .collect::<Vec<_>>()
            .into_par_iter()
            .enumerate()
            .for_each_init(Scratch::default, block);
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut s = Scratch::default();
        blocks.enumerate().for_each(|x| block(&mut s, x));
    }
}

#[cfg(test)]
mod mechanism_tests;
