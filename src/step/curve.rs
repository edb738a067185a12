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

/// Number of intervals of a table.
const N: usize = 1024;

/// A function of `x ∈ [0, max]`, tabulated.
#[derive(Clone, Debug)]
pub struct Curve {
    values: Vec<f32>,
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
            values: (0..=N)
                .map(|j| f(max * j as f64 / N as f64) as f32)
                .collect(),
            density: (N as f64 / max) as f32,
        }
    }

    /// The value at `x`, clamped to the table's range.
    #[inline]
    pub fn at(&self, x: f32) -> f32 {
        let pos = limit(x * self.density, 0.0, N as f32);
        // Through i32: one instruction, where a conversion to usize is a branchy sequence.
        let j = (pos as i32 as usize).min(N - 1);
        let frac = pos - j as f32;
        let (a, b) = (self.values[j], self.values[j + 1]);
        a + (b - a) * frac
    }
}

/// The famine part of the monthly hazard of an age group, averaged over its three intake
/// terciles, as a function of the group's reserve: the mean famine factor
/// `mean_k exp(γ·max(0, R* − Res_k)) − 1` and the share of terciles below R_crit, where
/// `Res_k = Res + z_k·cv·spread·(1 − Res)`. One table lookup gives both.
#[derive(Clone, Debug)]
pub struct TercileHazard {
    values: Vec<[f32; 2]>,
}

impl TercileHazard {
    fn new(gamma: f64, r_star: f64, r_crit: f64, spread_cv: f64) -> TercileHazard {
        let z = super::consume::TERCILE_Z.map(f64::from);
        let values = (0..=N)
            .map(|j| {
                let res = j as f64 / N as f64;
                let r = z.map(|z| res + z * spread_cv * (1.0 - res));
                let famine = r
                    .iter()
                    .map(|&r| (gamma * (r_star - r).max(0.0)).exp() - 1.0)
                    .sum::<f64>()
                    / 3.0;
                let critical = r.iter().filter(|&&r| r < r_crit).count() as f64 / 3.0;
                [famine as f32, critical as f32]
            })
            .collect();
        TercileHazard { values }
    }

    /// (mean famine factor, share of terciles below R_crit) at reserve `res`.
    #[inline]
    pub fn at(&self, res: f32) -> (f32, f32) {
        let pos = limit(res * N as f32, 0.0, N as f32);
        let j = (pos as i32 as usize).min(N - 1);
        let frac = pos - j as f32;
        let ([fa, ca], [fb, cb]) = (self.values[j], self.values[j + 1]);
        (fa + (fb - fa) * frac, ca + (cb - ca) * frac)
    }
}

/// The curves the team phases use.
#[derive(Clone, Debug)]
pub struct Curves {
    /// h(Res) = Res^θh.
    pub efficiency: Curve,
    /// The tercile-averaged famine hazard with normal and with canteen intake spreads.
    pub hazard_normal: TercileHazard,
    pub hazard_canteen: TercileHazard,
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
    pub fn new(p: &crate::scenario::Params) -> Curves {
        let (pr, d, n) = (&p.production, &p.demography, &p.nutrition);
        Curves {
            efficiency: Curve::new(|r| r.powf(pr.theta_h)),
            hazard_normal: TercileHazard::new(
                d.gamma,
                d.r_star,
                d.r_crit,
                n.intake_cv * n.reserve_spread,
            ),
            hazard_canteen: TercileHazard::new(
                d.gamma,
                d.r_star,
                d.r_crit,
                n.intake_cv_canteen * n.reserve_spread,
            ),
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
            let h = TercileHazard::new(8.0, 0.85, 0.35, 0.0);
            // Linear interpolation cuts the corner at R* by at most half a table step times γ.
            let famine = (8.0 * (0.85 - rf).max(0.0)).exp() - 1.0;
            assert!(
                (f64::from(h.at(r).0) - famine).abs() <= 1e-3 * famine + 8.0 / 1024.0,
                "famine({r})"
            );
            assert!(close(c.fertility.at(r), rf.powf(3.0)), "fertility({r})");
        }
        assert_eq!(c.efficiency.at(1.0), 1.0);
        assert_eq!(c.hazard_canteen.at(1.0), (0.0, 0.0));
        // At Res = 0.5 with the canteen spread (0.3): terciles at 0.316, 0.5, 0.684.
        let (f, crit) = c.hazard_canteen.at(0.5);
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
}
