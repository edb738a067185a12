//! Functions tabulated once per month, so that the team loops need no `exp` or `powf`: labour
//! efficiency h(Res) = Res^θh, the famine factor of the hazard exp(γ·max(0, R* − Res)) − 1,
//! fertility Res^θb, and the production terms. Values are exact at 1,025 evenly spaced points
//! and linear between them (relative error below 1e-4 for the defaults away from 0).

/// `x` limited to `[lo, hi]` with `maxss`/`minss`: branch-free, where `f32::clamp` compiles to
/// compare-and-branch in the team loops (measured 12% of a run). `x` is never NaN here.
#[inline]
#[allow(clippy::manual_clamp)]
pub fn limit(x: f32, lo: f32, hi: f32) -> f32 {
    x.max(lo).min(hi)
}

/// `x as i32` for `0 ≤ x < 2^23`, in operations that SSE2 has for four lanes at once (the
/// saturating `as` has none, and a loop with it is not vectorised). Adding 2^23 leaves `x`
/// rounded to the nearest integer in the low bits of the mantissa; one less if that rounded
/// up. Exact in that range, which the callers guarantee (people and births of one team).
#[inline(always)]
pub fn trunc_small(x: f32) -> i32 {
    const SHIFT: f32 = 8_388_608.0;
    let r = x + SHIFT;
    let rounded = r.to_bits() as i32 - SHIFT.to_bits() as i32;
    if r - SHIFT > x { rounded - 1 } else { rounded }
}

/// Number of intervals of a table.
const N: usize = 1024;

/// Position of `x` in a table of `N` intervals over `[0, N / density]`: the interval `j` and the
/// fraction `frac` into it. `x` beyond the range is held at its ends.
#[inline]
fn locate(x: f32, density: f32) -> (usize, f32) {
    let pos = limit(x * density, 0.0, N as f32);
    // Through i32: one instruction, where a conversion to usize is a branchy sequence.
    let j = (pos as i32 as usize).min(N - 1);
    (j, pos - j as f32)
}

/// The N + 1 points of `f` at `j · max / N`.
fn tabulate<T: Copy + std::fmt::Debug>(max: f64, f: impl Fn(f64) -> T) -> Box<[T; N + 1]> {
    let values: Vec<T> = (0..=N).map(|j| f(max * j as f64 / N as f64)).collect();
    values
        .into_boxed_slice()
        .try_into()
        .expect("N + 1 table points")
}

/// A function of `x ∈ [0, max]`, tabulated.
#[derive(Clone, Debug)]
pub struct Curve {
    /// Fixed length, so that the lookups need no bounds checks.
    values: Box<[f32; N + 1]>,
    /// Table points per unit of `x`.
    density: f32,
}

impl Curve {
    /// Tabulates `f` on `[0, 1]`.
    pub fn new(f: impl Fn(f64) -> f64) -> Curve {
        Curve::on(1.0, f)
    }

    /// Tabulates `f` on `[0, max]`.
    pub fn on(max: f64, f: impl Fn(f64) -> f64) -> Curve {
        Curve {
            values: tabulate(max, |x| f(x) as f32),
            density: (N as f64 / max) as f32,
        }
    }

    /// The value at `x`, clamped to the table's range.
    #[inline]
    pub fn at(&self, x: f32) -> f32 {
        let (j, frac) = locate(x, self.density);
        let (a, b) = (self.values[j], self.values[j + 1]);
        a + (b - a) * frac
    }

    /// [`at`](Self::at) in operations that vectorise (the position converted by
    /// [`trunc_small`], which is `as i32` within the table's range): the same value, for loops
    /// over the teams of a batch.
    #[inline(always)]
    pub fn at_lanes(&self, x: f32) -> f32 {
        let pos = limit(x * self.density, 0.0, N as f32);
        let j = trunc_small(pos).min(N as i32 - 1);
        let frac = pos - j as f32;
        // `j` is within `[0, N)` already; the limit again as an index proves it to the compiler.
        let j = (j as u32 as usize).min(N - 1);
        let (a, b) = (self.values[j], self.values[j + 1]);
        a + (b - a) * frac
    }
}

/// Everything the demography needs of a group's reserve, from one lookup: labour efficiency
/// h(Res) = Res^θh, the famine part of the monthly hazard averaged over the group's three intake
/// terciles — the mean famine factor `mean_k exp(γ·max(0, R* − Res_k)) − 1` and the share of
/// terciles below R_crit, where `Res_k = Res + z_k·cv·spread·(1 − Res)` — and fecundity
/// Res^θb. Each column holds exactly the values a separate table of it would, so one lookup
/// gives the same results as four.
#[derive(Clone, Debug)]
pub struct ReserveTable {
    values: Box<[[f32; 4]; N + 1]>,
    /// The values at a full reserve, `at(1.0)`.
    full: AtReserve,
}

/// What [`ReserveTable::at`] returns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AtReserve {
    /// Labour efficiency h(Res).
    pub efficiency: f32,
    /// Mean famine factor of the terciles.
    pub famine: f32,
    /// Share of terciles below R_crit.
    pub critical: f32,
    /// Res^θb.
    pub fecundity: f32,
}

impl ReserveTable {
    /// Where each value lies among a point's four columns. The famine factor first and the
    /// share below R_crit last: the deaths loop reads those two of each group, and a loop that
    /// reads neither the first nor the last of a group's values is compiled with its last
    /// eight groups in scalar code (LLVM's vector loads of the group would run past the end).
    pub const FAMINE: usize = 0;
    pub const EFFICIENCY: usize = 1;
    pub const FECUNDITY: usize = 2;
    pub const CRITICAL: usize = 3;

    fn new(p: &crate::scenario::Params, spread_cv: f64) -> ReserveTable {
        let (pr, d) = (&p.production, &p.demography);
        ReserveTable::with(
            pr.theta_h, d.theta_b, d.gamma, d.r_star, d.r_crit, spread_cv,
        )
    }

    fn with(
        theta_h: f64,
        theta_b: f64,
        gamma: f64,
        r_star: f64,
        r_crit: f64,
        spread_cv: f64,
    ) -> ReserveTable {
        let z = super::consume::TERCILE_Z.map(f64::from);
        let values = tabulate(1.0, |res| {
            let r = z.map(|z| res + z * spread_cv * (1.0 - res));
            let famine = r
                .iter()
                .map(|&r| (gamma * (r_star - r).max(0.0)).exp() - 1.0)
                .sum::<f64>()
                / 3.0;
            let critical = r.iter().filter(|&&r| r < r_crit).count() as f64 / 3.0;
            let mut columns = [0.0; 4];
            columns[Self::EFFICIENCY] = res.powf(theta_h) as f32;
            columns[Self::FAMINE] = famine as f32;
            columns[Self::CRITICAL] = critical as f32;
            columns[Self::FECUNDITY] = res.powf(theta_b) as f32;
            columns
        });
        let mut table = ReserveTable {
            values,
            full: AtReserve {
                efficiency: 1.0,
                famine: 0.0,
                critical: 0.0,
                fecundity: 1.0,
            },
        };
        table.full = table.at(1.0);
        table
    }

    /// `at(1.0)`, kept: most teams in most months have full reserves.
    #[inline]
    pub fn full(&self) -> AtReserve {
        self.full
    }

    /// The table's values at reserve `res`.
    #[inline]
    pub fn at(&self, res: f32) -> AtReserve {
        let (j, frac) = locate(res, N as f32);
        self.between(j as u32, frac)
    }

    /// Where reserve `res` lies in the tables: `at(res)` is `between(locate(res))`. In
    /// operations that vectorise, for the reserves of many groups at once.
    #[inline(always)]
    pub fn locate(res: f32) -> (u32, f32) {
        let pos = limit(res * N as f32, 0.0, N as f32);
        // `pos` is within `[0, N]`: `trunc_small` is `pos as i32` there.
        let j = trunc_small(pos).min(N as i32 - 1);
        (j as u32, pos - j as f32)
    }

    /// The values a fraction `frac` into interval `j`.
    #[inline(always)]
    pub fn between(&self, j: u32, frac: f32) -> AtReserve {
        let c = self.columns_between(j, frac);
        AtReserve {
            efficiency: c[Self::EFFICIENCY],
            famine: c[Self::FAMINE],
            critical: c[Self::CRITICAL],
            fecundity: c[Self::FECUNDITY],
        }
    }

    /// [`between`](Self::between) as the four columns side by side (in the order of
    /// [`FAMINE`](Self::FAMINE) and the others): one vector operation for all four.
    #[inline(always)]
    pub fn columns_between(&self, j: u32, frac: f32) -> [f32; 4] {
        let j = (j as usize).min(N - 1);
        let (a, b) = (self.values[j], self.values[j + 1]);
        // Spelled out rather than `array::from_fn`, which LLVM sometimes leaves out of line.
        [
            a[0] + (b[0] - a[0]) * frac,
            a[1] + (b[1] - a[1]) * frac,
            a[2] + (b[2] - a[2]) * frac,
            a[3] + (b[3] - a[3]) * frac,
        ]
    }

    /// [`columns_between`](Self::columns_between) of two groups at once, side by side: eight
    /// values, one AVX vector operation (the same operations on the same values).
    #[inline(always)]
    pub fn columns_between_2(&self, j: [u32; 2], frac: [f32; 2]) -> [[f32; 4]; 2] {
        let (j0, j1) = ((j[0] as usize).min(N - 1), (j[1] as usize).min(N - 1));
        let (a0, b0, a1, b1) = (
            self.values[j0],
            self.values[j0 + 1],
            self.values[j1],
            self.values[j1 + 1],
        );
        let a = [a0[0], a0[1], a0[2], a0[3], a1[0], a1[1], a1[2], a1[3]];
        let b = [b0[0], b0[1], b0[2], b0[3], b1[0], b1[1], b1[2], b1[3]];
        let f = [
            frac[0], frac[0], frac[0], frac[0], frac[1], frac[1], frac[1], frac[1],
        ];
        let mut v = [0.0f32; 8];
        for c in 0..8 {
            v[c] = a[c] + (b[c] - a[c]) * f[c];
        }
        [[v[0], v[1], v[2], v[3]], [v[4], v[5], v[6], v[7]]]
    }

    /// [`full`](Self::full) as the four columns side by side.
    #[inline]
    pub fn full_columns(&self) -> [f32; 4] {
        let f = self.full;
        let mut columns = [0.0; 4];
        columns[Self::EFFICIENCY] = f.efficiency;
        columns[Self::FAMINE] = f.famine;
        columns[Self::CRITICAL] = f.critical;
        columns[Self::FECUNDITY] = f.fecundity;
        columns
    }
}

/// What the curves are tabulated from (see [`Curves::key`]).
type CurveKey = [u64; 13];

/// The curves the team phases use.
#[derive(Clone, Debug)]
pub struct Curves {
    /// h(Res) = Res^θh.
    pub efficiency: Curve,
    /// h(Res), the tercile-averaged famine hazard and fecundity, with normal and with canteen
    /// intake spreads.
    pub reserve_normal: ReserveTable,
    pub reserve_canteen: ReserveTable,
    /// Res^θb.
    pub fertility: Curve,
    /// Labour index^βL, for an index from 0 to 4.
    pub labour: Curve,
    /// Capital index^(βK + βF), for an index from 0 to 2.
    pub capital: Curve,
    /// ℓ1 · shortage^κ, the harvest loss from missing hands.
    pub harvest_loss: Curve,
}

impl Curves {
    /// The curves of `p`, tabulated once per distinct set of the parameters they depend on and
    /// shared from then on: a run tabulates them once, not every month. A pure function of
    /// those parameters, so sharing cannot change a result.
    pub fn shared(p: &crate::scenario::Params) -> std::sync::Arc<Curves> {
        use std::sync::{Arc, Mutex};
        /// Recently used tables; a few, for sweeps that run different parameters at once.
        static CACHE: Mutex<Vec<(CurveKey, Arc<Curves>)>> = Mutex::new(Vec::new());
        const KEEP: usize = 8;
        let key = Curves::key(p);
        let mut cache = CACHE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, c)) = cache.iter().find(|(k, _)| *k == key) {
            return Arc::clone(c);
        }
        let c = Arc::new(Curves::new(p));
        if cache.len() == KEEP {
            cache.remove(0);
        }
        cache.push((key, Arc::clone(&c)));
        c
    }

    /// The bits of every parameter [`Curves::new`] reads.
    fn key(p: &crate::scenario::Params) -> CurveKey {
        let (pr, d, n) = (&p.production, &p.demography, &p.nutrition);
        [
            pr.theta_h,
            pr.beta_labour,
            pr.beta_capital,
            pr.beta_fertiliser,
            pr.loss_slope,
            pr.loss_curvature,
            d.theta_b,
            d.gamma,
            d.r_star,
            d.r_crit,
            n.intake_cv,
            n.intake_cv_canteen,
            n.reserve_spread,
        ]
        .map(f64::to_bits)
    }

    pub fn new(p: &crate::scenario::Params) -> Curves {
        let (pr, d, n) = (&p.production, &p.demography, &p.nutrition);
        Curves {
            efficiency: Curve::new(|r| r.powf(pr.theta_h)),
            reserve_normal: ReserveTable::new(p, n.intake_cv * n.reserve_spread),
            reserve_canteen: ReserveTable::new(p, n.intake_cv_canteen * n.reserve_spread),
            fertility: Curve::new(|r| r.powf(d.theta_b)),
            labour: Curve::on(4.0, |x| x.powf(pr.beta_labour)),
            capital: Curve::on(2.0, |x| x.powf(pr.beta_capital + pr.beta_fertiliser)),
            harvest_loss: Curve::new(|x| pr.loss_slope * x.powf(pr.loss_curvature)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_match_the_functions() {
        let c = Curves::new(&crate::scenario::Params::defaults());
        for k in 0..=1000 {
            let r = k as f32 / 1000.0;
            let rf = f64::from(r);
            let close = |a: f32, b: f64| (f64::from(a) - b).abs() <= 2e-4 * b.abs().max(1e-2);
            assert!(
                close(c.efficiency.at(r), rf.powf(0.7)) || r < 0.01,
                "h({r})"
            );
            // With no spread the three terciles coincide.
            let h = ReserveTable::with(0.7, 3.0, 8.0, 0.85, 0.35, 0.0);
            // Linear interpolation cuts the corner at R* by at most half a table step times γ.
            let famine = (8.0 * (0.85 - rf).max(0.0)).exp() - 1.0;
            assert!(
                (f64::from(h.at(r).famine) - famine).abs() <= 1e-3 * famine + 8.0 / 1024.0,
                "famine({r})"
            );
            assert!(close(c.fertility.at(r), rf.powf(3.0)), "fertility({r})");
        }
        assert_eq!(c.efficiency.at(1.0), 1.0);
        let full = c.reserve_canteen.at(1.0);
        assert_eq!((full.famine, full.critical), (0.0, 0.0));
        // At Res = 0.5 with the canteen spread (0.3): terciles at 0.316, 0.5, 0.684.
        let AtReserve {
            famine: f,
            critical: crit,
            ..
        } = c.reserve_canteen.at(0.5);
        let expect: f64 = [0.316_29, 0.5, 0.683_71]
            .iter()
            .map(|r: &f64| (8.0 * (0.85 - r)).exp() - 1.0)
            .sum::<f64>()
            / 3.0;
        assert!(
            (f64::from(f) - expect).abs() < 0.02 * expect,
            "{f} vs {expect}"
        );
        assert!((crit - 1.0 / 3.0).abs() < 1e-3, "{crit}");
        assert_eq!(c.efficiency.at(1.5), 1.0);
        assert_eq!(c.efficiency.at(-0.5), 0.0);
        assert!((c.labour.at(2.0) - 2f32.powf(0.3)).abs() < 1e-4);
        assert!((c.capital.at(0.5) - 0.5f32.powf(0.25)).abs() < 1e-4);
        assert!((c.harvest_loss.at(0.3) - 0.4 * 0.3f32.powf(1.5)).abs() < 1e-4);
    }

    #[test]
    fn trunc_small_is_the_saturating_cast_below_two_to_the_23() {
        let mut x = 0.0f32;
        while x < 8_388_608.0 {
            for y in [
                x,
                x.next_down().max(0.0),
                x.next_up(),
                x + 0.5,
                x + 0.25,
                x + 0.75,
            ] {
                if y < 8_388_608.0 {
                    assert_eq!(trunc_small(y), y as i32, "{y}");
                }
            }
            x = if x < 64.0 {
                x + 1.0
            } else {
                (x * 1.37).floor()
            };
        }
        for k in 0..100_000 {
            let y = k as f32 / 997.0;
            assert_eq!(trunc_small(y), y as i32, "{y}");
        }
        assert_eq!(trunc_small(-0.0), 0);
        assert_eq!(trunc_small(8_388_607.5), 8_388_607);
    }

    #[test]
    fn curves_at_lanes_are_the_bits_of_at() {
        let c = Curves::new(&crate::scenario::Params::defaults());
        let mut xs = vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            f32::MAX,
            1e-30,
        ];
        for k in -100..=50_000 {
            xs.push(k as f32 / 9_999.0);
        }
        for x in xs {
            for curve in [&c.labour, &c.capital, &c.harvest_loss, &c.efficiency] {
                for y in [x, x.next_up(), x.next_down()] {
                    assert_eq!(curve.at_lanes(y).to_bits(), curve.at(y).to_bits(), "{y}");
                }
            }
        }
    }

    #[test]
    fn located_reserves_give_the_bits_of_at() {
        let c = Curves::new(&crate::scenario::Params::defaults());
        for k in -10..=5000 {
            let r = k as f32 / 4999.0;
            for t in [&c.reserve_normal, &c.reserve_canteen] {
                let (j, frac) = ReserveTable::locate(r);
                assert_eq!(t.between(j, frac), t.at(r), "{r}");
            }
        }
    }

    #[test]
    fn one_reserve_lookup_gives_the_bits_of_the_separate_curves() {
        let c = Curves::new(&crate::scenario::Params::defaults());
        for k in -10..=5000 {
            let r = k as f32 / 4999.0;
            for t in [&c.reserve_normal, &c.reserve_canteen] {
                let v = t.at(r);
                assert_eq!(
                    v.efficiency.to_bits(),
                    c.efficiency.at(r).to_bits(),
                    "h({r})"
                );
                assert_eq!(
                    v.fecundity.to_bits(),
                    c.fertility.at(r).to_bits(),
                    "Res^θb({r})"
                );
            }
        }
    }
}
