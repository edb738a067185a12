//! Calibration (MODEL §0.6): fits the judgement [J] parameters listed in [`FREE`] to the
//! national targets of the fit table (`collect::fit`), by Nelder–Mead on a reduced-scale run.
//!
//! Everything is deterministic: the same scenario, targets, scale, seed and evaluation budget
//! give the same fitted values. `write_into` puts the fitted values into the scenario file,
//! each with a comment naming the command that fitted it.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use crate::collect::fit::{self, FitRow, Series};
use crate::scenario::{PARAMS, Scenario};

/// A parameter the calibration may move, with the bounds it searches within.
#[derive(Clone, Copy, Debug)]
pub struct Free {
    pub key: &'static str,
    pub lo: f64,
    pub hi: f64,
    /// What the targets identify it by.
    pub why: &'static str,
}

/// The judgement parameters set free, each identified by a target of the fit table.
pub const FREE: &[Free] = &[
    Free {
        key: "production.loss_slope",
        lo: 0.05,
        hi: 0.8,
        why: "1958 output (the autumn harvest left in the field)",
    },
    Free {
        key: "production.beta_labour",
        lo: 0.2,
        hi: 0.4,
        why: "1959–61 output (labour drained and weakened)",
    },
    Free {
        key: "incentives.chi_exit",
        lo: 0.0,
        hi: 0.2,
        why: "1959–61 output (effort after exit rights went)",
    },
    Free {
        key: "reporting.markup_commune",
        lo: 0.0,
        hi: 0.2,
        why: "believed ÷ true output 1958–60",
    },
    Free {
        key: "reporting.markup_county",
        lo: 0.0,
        hi: 0.2,
        why: "believed ÷ true output 1958–60",
    },
    Free {
        key: "production.capital_hunger_loss",
        lo: 0.05,
        hi: 0.5,
        why: "1961–62 output (draft animals and pigs lost in the famine [R])",
    },
    Free {
        key: "production.capital_recovery",
        lo: 0.002,
        hi: 0.02,
        why: "1961–62 output (herds rebuilt slowly: a fifth of the gap a year at most [J])",
    },
    Free {
        key: "production.theta_h",
        lo: 0.3,
        hi: 1.0,
        why: "1959–61 output (hungry workers do less)",
    },
    Free {
        key: "production.technique_depth",
        lo: 0.0,
        hi: 2.0,
        why: "1959–60 output (yields on the land still sown: 1.46 t/ha in 1957 and 1959, 1.17 in 1960 [R])",
    },
    Free {
        key: "weather.affected_loss",
        lo: 0.1,
        hi: 0.3,
        why: "output 1958–62 (yield lost on affected area: the official band is 10–30%)",
    },
    Free {
        key: "weather.serious_loss",
        lo: 0.3,
        hi: 0.7,
        why: "output 1958–62 (yield lost on seriously affected area: 30% or more)",
    },
    Free {
        key: "demography.separation",
        lo: 0.0,
        hi: 1.0,
        why: "birth rates 1958–60 (couples apart in the campaigns)",
    },
    Free {
        key: "procurement.floor_pressure",
        lo: 0.3,
        hi: 0.8,
        why: "procurement share 1959–60 (at least 0.3: MODEL §6 has the floor low after Lushan)",
    },
    Free {
        key: "nutrition.adaptation",
        lo: 0.0,
        hi: 0.5,
        why: "death rates (how long the hungry hold out)",
    },
    Free {
        key: "demography.gamma",
        lo: 4.0,
        hi: 20.0,
        why: "death rates 1959–61 (at least 4: MODEL §4.10 has 8; below 4 the hazard has no curvature left and deaths come from the h_crit step alone)",
    },
    Free {
        key: "demography.r_star",
        lo: 0.35,
        hi: 0.95,
        why: "death rates 1958–61 (R* stays above R_crit, 0.35)",
    },
    Free {
        key: "demography.h_crit",
        lo: 0.01,
        hi: 0.25,
        why: "the 1960 peak death rate (at most MODEL §4.10's 0.25 a month)",
    },
    Free {
        key: "demography.theta_b",
        lo: 1.0,
        hi: 6.0,
        why: "birth rates 1959–61",
    },
    Free {
        key: "demography.catch_up",
        lo: 0.0,
        hi: 0.3,
        why: "the 1962 rebound in births",
    },
];

/// How to calibrate.
pub struct Options {
    /// Share of the communes simulated in each evaluation.
    pub scale: f64,
    /// Most evaluations to spend (each is four runs: the scenario and its counterfactuals).
    pub evaluations: usize,
    pub targets: Series,
}

/// The result: fitted values, the objective, and the fit table of the best run.
pub struct Fitted {
    pub values: Vec<(&'static str, f64)>,
    pub objective: f64,
    pub fit: Vec<FitRow>,
    pub evaluations: usize,
}

/// The scenario with the free parameters at `values`.
pub fn with_values(base: &Scenario, values: &[(&str, f64)]) -> Scenario {
    let mut s = base.clone();
    for (key, v) in values {
        let ok = s.params.set_number(key, *v);
        debug_assert!(ok, "{key} is not a Number parameter");
    }
    s
}

/// A counterfactual run beside the scenario in every evaluation (MODEL §7.8: the decomposition
/// of the famine by switching off one mechanism at a time is a calibration target). `set` makes
/// it from the scenario, as the bundled scenario of the same name does from the historical one
/// (a test checks they agree); `remaining` is the share of the scenario's excess deaths
/// 1958–62 that the literature leaves in it.
pub struct Counterfactual {
    pub name: &'static str,
    pub set: &'static [&'static str],
    pub remaining: fn(&Series) -> Option<f64>,
    pub source: &'static str,
    /// The acceptance band of the remaining share (the historical scenario's validation
    /// targets: the famine was mostly man-made; flexible quotas cut it by at least 30%).
    pub band: fit::Band,
}

pub const COUNTERFACTUALS: &[Counterfactual] = &[
    Counterfactual {
        name: "neutral_weather",
        set: &["weather.mode=neutral"],
        remaining: |s| Some(s.total("param_manmade_share_houser_sands_xiao")? / 100.0),
        source: "Houser, Sands & Xiao (2009): 69% of the excess deaths man-made",
        band: Some((0.5, 1.0)),
    },
    Counterfactual {
        name: "flexible_procurement",
        set: &["procurement.flexibility=1"],
        remaining: |s| Some(1.0 - s.total("param_procurement_surge_share_kasahara_li")? / 100.0),
        source: "Kasahara & Li: the surge in the procurement rate caused 59% of the excess deaths",
        band: Some((0.0, 0.7)),
    },
    Counterfactual {
        name: "no_exports",
        set: &["trade.exports_mt=0"],
        remaining: |s| Some(1.0 - s.total("param_exports_share_kasahara_li")? / 100.0),
        source: "Kasahara & Li: grain exports caused 12% of the excess deaths",
        band: None,
    },
];

/// Weight of each counterfactual's row in the objective.
const COUNTERFACTUAL_WEIGHT: f64 = 1.0;

/// Runs `s` at `scale` and the [`COUNTERFACTUALS`] made from it, and returns the fit table
/// (with a row per counterfactual) and the objective.
pub fn evaluate(s: &Scenario, scale: f64, targets: &Series) -> (f64, Vec<FitRow>) {
    let mut s = s.clone();
    s.params.population.scale = scale;
    let sim = crate::app::simulate(&s);
    let share = sim.world.centre.people_share;
    let mut rows = fit::table(
        &sim.recorder.yearly,
        &sim.recorder.provinces,
        share,
        targets,
    );
    let base = fit::excess_deaths_m(&sim.recorder.yearly, share);
    for c in COUNTERFACTUALS {
        let (Some(target), Some(base)) = ((c.remaining)(targets), base) else {
            continue;
        };
        let cf = crate::sweep::set::apply(&s, &settings(c));
        let run = crate::app::simulate(&cf);
        let excess = fit::excess_deaths_m(&run.recorder.yearly, run.world.centre.people_share);
        let remaining = excess.unwrap_or(0.0) / base.max(1e-9);
        rows.push(fit::row(
            &format!("excess_deaths_remaining_{}", c.name),
            &format!(
                "share of the scenario's excess deaths 1958–62 ({})",
                c.source
            ),
            1962,
            remaining,
            target,
            COUNTERFACTUAL_WEIGHT,
            c.band,
        ));
    }
    (fit::objective(&rows), rows)
}

/// The settings of counterfactual `c`.
pub fn settings(c: &Counterfactual) -> Vec<crate::sweep::set::Setting> {
    let args: Vec<String> = c.set.iter().map(|t| t.to_string()).collect();
    crate::sweep::set::parse_settings(&args).expect("the counterfactual settings are valid")
}

/// Bounded point ↔ unconstrained coordinates (logistic), so the simplex never leaves the box.
fn to_point(z: &[f64]) -> Vec<f64> {
    FREE.iter()
        .zip(z)
        .map(|(f, &z)| f.lo + (f.hi - f.lo) / (1.0 + (-z).exp()))
        .collect()
}

fn to_z(x: &[f64]) -> Vec<f64> {
    FREE.iter()
        .zip(x)
        .map(|(f, &x)| {
            let u = ((x - f.lo) / (f.hi - f.lo)).clamp(0.02, 0.98);
            (u / (1.0 - u)).ln()
        })
        .collect()
}

/// Fits [`FREE`], starting from their documented defaults. `progress(evaluation, best, current)`
/// is called after each model run.
pub fn calibrate(
    base: &Scenario,
    opts: &Options,
    mut progress: impl FnMut(usize, f64, f64),
) -> Fitted {
    // Always from the documented defaults, not from values an earlier fit wrote into the
    // scenario: the same command then gives the same values, however often it is run.
    let start: Vec<f64> = FREE
        .iter()
        .map(|f| default_of(f.key).clamp(f.lo, f.hi))
        .collect();
    let mut evaluations = 0usize;
    let mut best = (f64::INFINITY, Vec::new(), Vec::new());
    // Every run is scored by the whole objective (bands included), and the best so scored is
    // the result; `bands` says whether the search itself sees the bands.
    let mut f = |z: &[f64], bands: bool| -> f64 {
        let x = to_point(z);
        let values: Vec<(&str, f64)> = FREE.iter().map(|f| f.key).zip(x.iter().copied()).collect();
        let (obj, rows) = evaluate(&with_values(base, &values), opts.scale, &opts.targets);
        evaluations += 1;
        let searched = if bands {
            obj
        } else {
            fit::least_squares(&rows)
        };
        if obj < best.0 {
            best = (obj, x, rows);
        }
        progress(evaluations, best.0, obj);
        searched
    };
    // The first search is plain least squares: from the defaults, far outside several bands,
    // their steep cost would drive the simplex. A simplex in many dimensions also collapses
    // onto a face and stalls; restarting it around the best point so far (with a smaller step)
    // lets it move again. The restarts see the bands. Half the budget goes to the first
    // search, a quarter to each restart.
    let first = nelder_mead(
        &mut |z| f(z, false),
        &to_z(&start),
        0.6,
        opts.evaluations / 2,
    );
    let second = nelder_mead(&mut |z| f(z, true), &first, 0.3, opts.evaluations / 4);
    nelder_mead(
        &mut |z| f(z, true),
        &second,
        0.15,
        opts.evaluations - opts.evaluations / 2 - opts.evaluations / 4,
    );
    let (objective, x, fit) = best;
    Fitted {
        values: FREE.iter().map(|f| f.key).zip(x).collect(),
        objective,
        fit,
        evaluations,
    }
}

/// The documented default of a Number parameter.
fn default_of(key: &str) -> f64 {
    PARAMS
        .iter()
        .find(|d| d.key() == key)
        .and_then(|d| d.default.parse().ok())
        .unwrap_or(0.0)
}

/// Minimises `f` from `x0` with the Nelder–Mead simplex (standard coefficients), spending at
/// most `budget` evaluations. Deterministic.
pub fn nelder_mead(
    f: &mut impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    step: f64,
    budget: usize,
) -> Vec<f64> {
    let n = x0.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    let mut used = 0;
    let mut eval = |x: &[f64], used: &mut usize| {
        *used += 1;
        f(x)
    };
    simplex.push((x0.to_vec(), eval(x0, &mut used)));
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += step;
        let fx = eval(&x, &mut used);
        simplex.push((x, fx));
    }
    while used < budget {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|(x, _)| x[j]).sum::<f64>() / n as f64)
            .collect();
        let worst = simplex[n].clone();
        let along = |t: f64| -> Vec<f64> {
            (0..n)
                .map(|j| centroid[j] + t * (worst.0[j] - centroid[j]))
                .collect()
        };
        let reflected = along(-1.0);
        let fr = eval(&reflected, &mut used);
        if fr < simplex[0].1 {
            let expanded = along(-2.0);
            let fe = eval(&expanded, &mut used);
            simplex[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            let (contracted, fc) = if fr < worst.1 {
                let c = along(-0.5);
                let fc = eval(&c, &mut used);
                (c, fc)
            } else {
                let c = along(0.5);
                let fc = eval(&c, &mut used);
                (c, fc)
            };
            if fc < worst.1.min(fr) {
                simplex[n] = (contracted, fc);
            } else {
                // Shrink toward the best point.
                let best = simplex[0].0.clone();
                for item in simplex.iter_mut().skip(1) {
                    let x: Vec<f64> = (0..n)
                        .map(|j| best[j] + 0.5 * (item.0[j] - best[j]))
                        .collect();
                    let fx = eval(&x, &mut used);
                    *item = (x, fx);
                    if used >= budget {
                        break;
                    }
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0).0
}

/// Writes `values` into the scenario file at `path`: each `key = value` line is replaced in
/// its `[section]` (or added under the section header, or a new section at the end), with a
/// comment naming `command`. The file must still load afterwards.
pub fn write_into(path: &Path, values: &[(&str, f64)], command: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for (key, value) in values {
        let (section, name) = key
            .split_once('.')
            .context("parameter keys are section.name")?;
        let line = format!("{name} = {} # fitted by `{command}`", format_value(*value));
        let header = format!("[{section}]");
        match lines.iter().position(|l| l.trim() == header) {
            Some(h) => {
                let end = lines[h + 1..]
                    .iter()
                    .position(|l| l.trim_start().starts_with('['))
                    .map_or(lines.len(), |e| h + 1 + e);
                let existing = (h + 1..end).find(|&i| {
                    let l = lines[i].trim_start();
                    l.strip_prefix(name)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                });
                match existing {
                    Some(i) => lines[i] = line,
                    None => lines.insert(h + 1, line),
                }
            }
            None => {
                // A new section goes before the first [[events]] (and the comments that
                // introduce it), so it stays a plain table.
                let mut at = lines
                    .iter()
                    .position(|l| l.trim() == "[[events]]")
                    .unwrap_or(lines.len());
                while at > 0
                    && (lines[at - 1].trim().is_empty()
                        || lines[at - 1].trim_start().starts_with('#'))
                {
                    at -= 1;
                }
                lines.splice(at..at, [String::new(), header, line]);
            }
        }
    }
    let mut out = String::new();
    for l in &lines {
        let _ = writeln!(out, "{l}");
    }
    std::fs::write(path, out).with_context(|| format!("failed to write {}", path.display()))?;
    crate::scenario::load(path)
        .with_context(|| format!("{} no longer loads after calibration", path.display()))?;
    Ok(())
}

/// A fitted value with four decimals (enough for parameters of order 0.01–20).
fn format_value(x: f64) -> String {
    format!("{x:.4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_the_minimum_of_a_bowl() {
        let mut f = |x: &[f64]| (x[0] - 1.0).powi(2) + 3.0 * (x[1] + 2.0).powi(2);
        let x = nelder_mead(&mut f, &[0.0, 0.0], 0.5, 400);
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] + 2.0).abs() < 1e-3,
            "{x:?}"
        );
    }

    #[test]
    fn free_parameters_exist_and_their_bounds_are_allowed() {
        for f in FREE {
            let def = PARAMS
                .iter()
                .find(|d| d.key() == f.key)
                .unwrap_or_else(|| panic!("{}", f.key));
            assert!(def.kind == crate::scenario::ParamKind::Number, "{}", f.key);
            assert!(
                def.min <= f.lo && f.hi <= def.max && f.lo < f.hi,
                "{}",
                f.key
            );
        }
        let x: Vec<f64> = FREE.iter().map(|f| (f.lo + f.hi) / 2.0).collect();
        let back = to_point(&to_z(&x));
        assert!(x.iter().zip(back).all(|(a, b)| (a - b).abs() < 1e-9));
    }

    #[test]
    fn fitted_values_are_written_into_their_sections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            "name = \"s\"\n[demography]\ngamma = 8.0\n\n[[events]]\ndate = \"1958-01\"\nname = \"e\"\nset = { \"politics.pressure\" = 0.5 }\n",
        )
        .unwrap();
        write_into(
            &path,
            &[
                ("demography.gamma", 5.123456),
                ("nutrition.adaptation", 0.2),
            ],
            "commune-sim calibrate s.toml",
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("gamma = 5.1235 # fitted by `commune-sim calibrate s.toml`"),
            "{text}"
        );
        assert!(
            text.find("[nutrition]").unwrap() < text.find("[[events]]").unwrap(),
            "{text}"
        );
        let s = crate::scenario::load(&path).unwrap();
        assert_eq!(s.params.demography.gamma, 5.1235);
        assert_eq!(s.params.nutrition.adaptation, 0.2);
    }
}
