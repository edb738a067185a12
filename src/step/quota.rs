//! Quota setting (§4.5): the centre sets each province's quota before the harvest from what it
//! expects, and quotas go down the hierarchy in proportion to each unit's own estimate, so units
//! that exaggerated more are asked for more.
//!
//! ```text
//! Exp[p]   = B[p, last year] · (1 + g_plan) · season share      (or this season's estimate)
//! share[p] = τ · (Exp_pc[p] / Exp_pc[nation])^η · (1 + κ_r · r_p)
//! Q[p]     = share[p] · Exp[p]
//! ```

use super::{CentreMonth, CommuneMonth, Knobs, calendar};
use crate::scenario::{Expectation, Params};
use crate::step::harvest::kg;
use crate::world::{TeamsMut, World};

/// Highest procurement share a province can be asked for [J].
const MAX_SHARE: f64 = 0.9;

/// In quota months, sets the provinces' quotas and shares and returns each commune's quota.
pub fn set(
    world: &mut World,
    p: &Params,
    k: &Knobs,
    communes: &[CommuneMonth],
    centre: &mut CentreMonth,
) -> Option<Vec<f64>> {
    let s = calendar::quota(k.month.month())?;
    let pr = &p.procurement;
    let season_share = if s == 0 {
        p.production.summer_share
    } else {
        1.0 - p.production.summer_share
    };
    let np = world.n_provinces();
    let h = &world.hierarchy;
    let mut rural = vec![0.0f64; np];
    for (c, cm) in communes.iter().enumerate() {
        rural[world.communes.province[c] as usize] += cm.pop_start as f64;
    }
    let expected: Vec<f64> = (0..np)
        .map(|pi| {
            let believed = match pr.expectation {
                Expectation::LastYearBelief => {
                    world.provinces.last_year_report_kg[pi] * (1.0 + k.plan_growth) * season_share
                }
                Expectation::Estimates => world.provinces.report_kg[pi],
            };
            believed * (1.0 - k.planner_discount)
        })
        .collect();
    let national_pc = expected.iter().sum::<f64>() / rural.iter().sum::<f64>().max(1.0);
    let target_stock = p.centre.target_stock_mt * 1e9 * world.centre.people_share;
    let stock_gap = if target_stock > 0.0 {
        (1.0 - world.centre.stock_kg / target_stock).max(0.0)
    } else {
        0.0
    };
    let rate = k.procurement_rate * (1.0 + pr.stock_feedback * stock_gap);

    let mut commune_quota = vec![0.0f64; world.n_communes()];
    for pi in 0..np {
        let pc = if rural[pi] > 0.0 {
            expected[pi] / rural[pi]
        } else {
            0.0
        };
        let relative = if national_pc > 0.0 && pc > 0.0 {
            (pc / national_pc).powf(pr.progressivity)
        } else {
            1.0
        };
        let share = (rate
            * relative
            * (1.0 + pr.radical_bonus * f64::from(world.provinces.radicalism[pi])))
        .min(MAX_SHARE);
        world.provinces.quota_share[pi] = share;
        let q = share * expected[pi];
        centre.quota_set_kg += q;
        let ks = h.province_county_offsets[pi] as usize..h.province_county_offsets[pi + 1] as usize;
        let county_total: f64 = ks.clone().map(|kc| world.counties.report_kg[kc]).sum();
        for kc in ks {
            let qk = proportional(q, world.counties.report_kg[kc], county_total);
            let cs = h.county_offsets[kc] as usize..h.county_offsets[kc + 1] as usize;
            let commune_total: f64 = cs.clone().map(|c| world.communes.report_kg[c]).sum();
            for c in cs {
                commune_quota[c] = proportional(qk, world.communes.report_kg[c], commune_total);
            }
        }
    }
    Some(commune_quota)
}

/// `total · part / whole`, or 0 when the whole is empty.
fn proportional(total: f64, part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        total * part / whole
    } else {
        0.0
    }
}

/// Passes a commune's quota to its brigades in proportion to their reports, and from each
/// brigade to its teams in proportion to theirs.
pub fn down(
    t: &mut TeamsMut<'_>,
    offsets: &[u32],
    brigade_reports: &[f32],
    quota: f64,
    out: &mut CommuneMonth,
) {
    let total: f64 = brigade_reports.iter().map(|&r| f64::from(r)).sum();
    for (j, &rep) in brigade_reports.iter().enumerate() {
        let qb = proportional(quota, f64::from(rep), total);
        let teams = offsets[j] as usize..offsets[j + 1] as usize;
        let team_total: f64 = t.report_kg[teams.clone()]
            .iter()
            .map(|&r| f64::from(r))
            .sum();
        for i in teams {
            let q = kg(proportional(qb, f64::from(t.report_kg[i]), team_total))
                .min(u64::from(u32::MAX));
            t.quota_kg[i] = q as u32;
            out.quota_kg += q;
        }
    }
}
