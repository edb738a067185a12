//! The reporting cascade and planner belief (§4.4).
//!
//! Each level receives the sum of its children's reports and passes on that sum times a markup:
//!
//! ```text
//! ln M = inflation · ( μ_level · π · zeal
//!                    + λ_T · max(0, ln T − ln received)           pull toward the plan target
//!                    + λ_E · max(0, ln Peer − ln received) )      keep up with sibling units
//! ```
//!
//! `Peer` is this unit's report of the same season last year times the median growth its
//! siblings (units with the same parent) received. Teams report what they did not hide.

use super::{CentreMonth, CommuneCtx, CommuneMonth, Knobs};
use crate::scenario::Params;
use crate::world::{BrigadesMut, TeamsMut, World};

/// The log markup a unit adds to what it received.
pub fn log_markup(received: f64, target: f64, peer: f64, mu: f64, zeal: f64, k: &Knobs) -> f64 {
    if k.inflation == 0.0 || received <= 0.0 {
        return 0.0;
    }
    let mut m = mu * k.pressure * zeal;
    if target > 0.0 {
        m += k.target_pull * (target.ln() - received.ln()).max(0.0);
    }
    if peer > 0.0 {
        m += k.peer_emulation * (peer.ln() - received.ln()).max(0.0);
    }
    k.inflation * m
}

/// Median of `xs` (mean of the middle two for an even count); 0 for none. Leaves `xs` in
/// another order.
///
/// By selection rather than a sort: the same values (in the order of `total_cmp`), in linear
/// time. Brigades take the median of their siblings in every report month.
pub fn median(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let n = xs.len();
    let (below, &mut upper, _) = xs.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        upper
    } else {
        // The largest of the lower half is the other middle value.
        let lower = below
            .iter()
            .copied()
            .max_by(f64::total_cmp)
            .unwrap_or(upper);
        (lower + upper) / 2.0
    }
}

/// Reports of a group of sibling units. `received[j]` is what unit `j` received, `last[j]` its
/// report of the same season last year, `target[j]` its share of the plan and `zeal[j]` its
/// cadres' zeal. Returns the reports passed up.
pub fn level(
    received: &[f64],
    last: &[f64],
    target: &[f64],
    zeal: &[f64],
    mu: f64,
    k: &Knobs,
) -> Vec<f64> {
    let mut reports = Vec::new();
    level_into(
        received,
        last,
        target,
        zeal,
        mu,
        k,
        &mut Vec::new(),
        &mut reports,
    );
    reports
}

/// [`level`] into `reports`, with `growth` as a buffer.
#[allow(clippy::too_many_arguments)]
pub fn level_into(
    received: &[f64],
    last: &[f64],
    target: &[f64],
    zeal: &[f64],
    mu: f64,
    k: &Knobs,
    growth: &mut Vec<f64>,
    reports: &mut Vec<f64>,
) {
    growth.clear();
    growth.extend(
        received
            .iter()
            .zip(last)
            .filter(|(_, l)| **l > 0.0)
            .map(|(r, l)| r / l),
    );
    let peer_growth = median(growth);
    reports.clear();
    reports.extend((0..received.len()).map(|j| {
        received[j]
            * log_markup(
                received[j],
                target[j],
                peer_growth * last[j],
                mu,
                zeal[j],
                k,
            )
            .exp()
    }));
}

/// Buffers for the reports of a group of siblings, reused from group to group: the arguments
/// of [`level`] and its result.
#[derive(Debug, Default)]
pub struct Scratch {
    received: Vec<f64>,
    last: Vec<f64>,
    targets: Vec<f64>,
    zeal: Vec<f64>,
    growth: Vec<f64>,
    reports: Vec<f64>,
}

impl Scratch {
    /// [`level`] of the group in the buffers, into `reports`.
    fn level(&mut self, mu: f64, k: &Knobs) {
        level_into(
            &self.received,
            &self.last,
            &self.targets,
            &self.zeal,
            mu,
            k,
            &mut self.growth,
            &mut self.reports,
        );
    }
}

/// Replaces the contents of `v` with `xs`, keeping its allocation.
fn refill(v: &mut Vec<f64>, xs: impl Iterator<Item = f64>) {
    v.clear();
    v.extend(xs);
}

/// Share of the season's plan target that falls to a unit with normal output `base`.
fn target(base: f64, national_base: f64, season: usize, p: &Params, k: &Knobs) -> f64 {
    let share = if season == 0 {
        p.production.summer_share
    } else {
        1.0 - p.production.summer_share
    };
    if national_base > 0.0 {
        k.plan_target_kg * share * base / national_base
    } else {
        0.0
    }
}

/// Brigade reports of one commune for season `s`; returns their sum (what the commune
/// receives). After a harvest the reports become next year's reference.
#[allow(clippy::too_many_arguments)]
pub fn brigades(
    t: &TeamsMut<'_>,
    b: &mut BrigadesMut<'_>,
    offsets: &[u32],
    s: usize,
    post_harvest: bool,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    national_base: f64,
) -> f64 {
    brigades_with(
        &mut Scratch::default(),
        t,
        b,
        offsets,
        s,
        post_harvest,
        ctx,
        p,
        k,
        national_base,
    )
}

/// [`brigades`] with buffers from `scratch`.
#[allow(clippy::too_many_arguments)]
pub fn brigades_with(
    scratch: &mut Scratch,
    t: &TeamsMut<'_>,
    b: &mut BrigadesMut<'_>,
    offsets: &[u32],
    s: usize,
    post_harvest: bool,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    national_base: f64,
) -> f64 {
    let n = b.report_kg.len();
    refill(
        &mut scratch.received,
        (0..n).map(|j| {
            t.report_kg[offsets[j] as usize..offsets[j + 1] as usize]
                .iter()
                .map(|&r| f64::from(r))
                .sum::<f64>()
        }),
    );
    refill(
        &mut scratch.last,
        b.last_report_kg.iter().map(|l| f64::from(l[s])),
    );
    refill(
        &mut scratch.targets,
        b.base_output_kg
            .iter()
            .map(|&x| target(f64::from(x), national_base, s, p, k)),
    );
    scratch.zeal.clear();
    scratch.zeal.resize(n, ctx.zeal);
    scratch.level(p.reporting.markup_brigade, k);
    let reports = &scratch.reports;
    for (j, &r) in reports.iter().enumerate() {
        b.report_kg[j] = r as f32;
        if post_harvest {
            b.last_report_kg[j][s] = r as f32;
        }
    }
    reports.iter().sum()
}

/// The cascade above the commune, in report months: communes, counties, provinces, and the
/// planner's belief. Groups are processed in index order.
pub fn cascade(
    world: &mut World,
    p: &Params,
    k: &Knobs,
    communes: &[CommuneMonth],
    centre: &mut CentreMonth,
) {
    let moy = k.month.month();
    let harvest = super::calendar::harvest(moy);
    let Some(s) = harvest.or(super::calendar::estimate(moy)) else {
        return;
    };
    let post = harvest.is_some();
    let national_base: f64 = world.provinces.base_output_kg.iter().sum();
    let h = &world.hierarchy;
    let r = &p.reporting;

    // Communes, grouped by county. One set of buffers serves every group.
    let mut b = Scratch::default();
    for kc in 0..world.n_counties() {
        let cs = h.county_offsets[kc] as usize..h.county_offsets[kc + 1] as usize;
        refill(
            &mut b.received,
            cs.clone().map(|c| communes[c].brigade_reports_kg),
        );
        refill(
            &mut b.last,
            cs.clone().map(|c| world.communes.last_report_kg[c][s]),
        );
        refill(
            &mut b.targets,
            cs.clone()
                .map(|c| target(world.communes.base_output_kg[c], national_base, s, p, k)),
        );
        refill(
            &mut b.zeal,
            cs.clone().map(|c| f64::from(world.communes.zeal[c])),
        );
        b.level(r.markup_commune, k);
        for (c, &rep) in cs.zip(&b.reports) {
            world.communes.report_kg[c] = rep;
            if post {
                world.communes.last_report_kg[c][s] = rep;
            }
        }
    }
    // Counties, grouped by province.
    for pi in 0..world.n_provinces() {
        let ks = h.province_county_offsets[pi] as usize..h.province_county_offsets[pi + 1] as usize;
        refill(
            &mut b.received,
            ks.clone().map(|kc| {
                (h.county_offsets[kc] as usize..h.county_offsets[kc + 1] as usize)
                    .map(|c| world.communes.report_kg[c])
                    .sum()
            }),
        );
        refill(
            &mut b.last,
            ks.clone().map(|kc| world.counties.last_report_kg[kc][s]),
        );
        refill(
            &mut b.targets,
            ks.clone()
                .map(|kc| target(world.counties.base_output_kg[kc], national_base, s, p, k)),
        );
        refill(
            &mut b.zeal,
            ks.clone().map(|kc| f64::from(world.counties.zeal[kc])),
        );
        b.level(r.markup_county, k);
        for (kc, &rep) in ks.zip(&b.reports) {
            world.counties.report_kg[kc] = rep;
            if post {
                world.counties.last_report_kg[kc][s] = rep;
            }
        }
    }
    // Provinces, all siblings under the centre.
    let np = world.n_provinces();
    let received: Vec<f64> = (0..np)
        .map(|pi| {
            (h.province_county_offsets[pi] as usize..h.province_county_offsets[pi + 1] as usize)
                .map(|kc| world.counties.report_kg[kc])
                .sum()
        })
        .collect();
    let last: Vec<f64> = (0..np)
        .map(|pi| world.provinces.last_report_kg[pi][s])
        .collect();
    let targets: Vec<f64> = (0..np)
        .map(|pi| target(world.provinces.base_output_kg[pi], national_base, s, p, k))
        .collect();
    let zeal: Vec<f64> = (0..np)
        .map(|pi| 1.0 + p.politics.radical_zeal * f64::from(world.provinces.radicalism[pi]))
        .collect();
    let reports = level(&received, &last, &targets, &zeal, r.markup_province, k);
    for (pi, rep) in reports.iter().enumerate() {
        world.provinces.report_kg[pi] = *rep;
        if post {
            world.provinces.last_report_kg[pi][s] = *rep;
            if s == 1 {
                world.provinces.last_year_report_kg[pi] =
                    world.provinces.last_report_kg[pi][0] + rep;
            }
        }
    }
    if post {
        let national: f64 = reports.iter().sum();
        centre.reported_kg = national;
        centre.province_reported_kg = reports.clone();
        centre.believed_kg = national * (1.0 - k.planner_discount);
        let output: u64 = communes.iter().map(|c| c.output_kg).sum();
        world.centre.output_year_kg += output as f64;
        if s == 1 {
            world.centre.last_year_output_kg = world.centre.output_year_kg;
            world.centre.output_year_kg = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Params;
    use crate::time::Month;

    fn knobs(inflation: f64, pressure: f64) -> Knobs {
        let mut p = Params::defaults();
        p.reporting.inflation = crate::time::Schedule::constant(inflation);
        p.politics.pressure = crate::time::Schedule::constant(pressure);
        Knobs::at(&p, Month::new(1958, 10), 1.0)
    }

    #[test]
    fn honest_reports_pass_through_unchanged() {
        let k = knobs(0.0, 1.0);
        let out = level(
            &[100.0, 200.0],
            &[50.0, 50.0],
            &[1000.0, 1000.0],
            &[1.5, 1.5],
            0.06,
            &k,
        );
        assert_eq!(out, vec![100.0, 200.0]);
    }

    #[test]
    fn markups_grow_with_pressure_zeal_targets_and_peers() {
        let k = knobs(1.0, 1.0);
        let base = log_markup(100.0, 0.0, 0.0, 0.06, 1.0, &k);
        assert!((base - 0.06).abs() < 1e-12);
        assert!(log_markup(100.0, 0.0, 0.0, 0.06, 2.0, &k) > base);
        assert!(log_markup(100.0, 200.0, 0.0, 0.06, 1.0, &k) > base);
        assert!(log_markup(100.0, 0.0, 150.0, 0.06, 1.0, &k) > base);
        // A unit already above its target and its peers is not pulled down.
        assert_eq!(log_markup(100.0, 50.0, 80.0, 0.06, 1.0, &k), base);
        let doubled = knobs(2.0, 1.0);
        assert!(
            (log_markup(100.0, 200.0, 0.0, 0.06, 1.0, &doubled)
                - 2.0 * log_markup(100.0, 200.0, 0.0, 0.06, 1.0, &k))
            .abs()
                < 1e-12
        );
    }

    #[test]
    fn laggards_are_pulled_toward_the_median_growth() {
        let k = knobs(1.0, 0.0);
        // Three siblings grew 50%, 50% and 0%; the laggard moves up, the others do not.
        let out = level(
            &[150.0, 150.0, 100.0],
            &[100.0; 3],
            &[0.0; 3],
            &[1.0; 3],
            0.0,
            &k,
        );
        assert_eq!(&out[..2], &[150.0, 150.0]);
        let expected = 100.0 * (k.peer_emulation * 1.5f64.ln()).exp();
        assert!((out[2] - expected).abs() < 1e-9);
        assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), 2.5);
    }

    #[test]
    fn the_median_by_selection_is_the_sorted_one() {
        let mut next = crate::step::tests::generator(5);
        for len in 0..40 {
            for _ in 0..50 {
                let xs: Vec<f64> = (0..len)
                    .map(|_| [0.0, 1.0, 1.5, (next() % 1_000) as f64 / 7.0][(next() % 4) as usize])
                    .collect();
                let mut sorted = xs.clone();
                sorted.sort_by(f64::total_cmp);
                let n = sorted.len();
                let expected = match n {
                    0 => 0.0,
                    _ if n % 2 == 1 => sorted[n / 2],
                    _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
                };
                assert_eq!(
                    median(&mut xs.clone()).to_bits(),
                    expected.to_bits(),
                    "{xs:?}"
                );
            }
        }
    }
}
