//! `commune-sim sensitivity`: Morris elementary-effects screening (Morris 1991), with the
//! mean of absolute effects μ* of Campolongo, Cariboni & Saltelli (2007).
//!
//! The design: each parameter's range (the registry's, or `--range`) is mapped to [0, 1] and cut
//! into `p` levels (even; 4 by default); the step is Δ = p / (2(p − 1)). A trajectory starts at
//! a random grid point and changes one parameter at a time by ±Δ in a random order, k + 1 runs
//! for k parameters; r trajectories make r(k + 1) runs. The elementary effect of a parameter in a
//! trajectory is the change in an output over its step, divided by the signed step in unit
//! space, so effects are in output units per whole range and comparable across parameters.
//! μ is their mean, μ* the mean of their absolute values, σ their standard deviation (n − 1).
//! The design draws come from [`super::seeds::uniform`] keyed by the seed, and every run uses
//! that same seed (common random numbers: effects are of the parameters, not of the noise).
//! Campolongo's selection of the most spread trajectories from a larger set is not done.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};

use super::progress::{Mode, Progress};
use super::set::{self, Setting, Value};
use super::{SCENARIO_FILE, base_scenario, exec, seeds, table, write_atomic};
use crate::app;
use crate::charts::{self, many};
use crate::cli::SensitivityArgs;
use crate::collect::NationalYearRow;
use crate::scenario::{PARAMS, ParamKind, Scenario};

/// The file that marks a screening folder and says what was screened.
pub const MANIFEST: &str = "sensitivity.toml";
/// μ, μ*, σ and n per parameter and output.
pub const RESULTS: &str = "morris.csv";
/// Every run of the design with its parameter values and outputs.
pub const RUNS: &str = "morris_runs.csv";

/// A model output screened: national equivalents from a run's yearly rows.
pub struct Output {
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub value: fn(&[NationalYearRow], f64) -> f64,
}

/// The outputs, in the order of `morris.csv`; the chart draws the first two.
pub const OUTPUTS: [Output; 3] = [
    Output {
        name: "excess_deaths_1958_62",
        label: "Excess deaths 1958–62",
        unit: "million",
        value: excess_deaths_1958_62,
    },
    Output {
        name: "grain_output_1960",
        label: "Grain output 1960",
        unit: "Mt",
        value: grain_1960,
    },
    Output {
        name: "peak_cdr",
        label: "Peak crude death rate",
        unit: "per 1000",
        value: peak_cdr,
    },
];

/// Excess deaths (the collect layer's: above the first year's death rate) summed over
/// 1958–1962, national equivalent, million; NaN unless all five years were run.
fn excess_deaths_1958_62(rows: &[NationalYearRow], share: f64) -> f64 {
    let years: Vec<&NationalYearRow> = rows
        .iter()
        .filter(|r| (1958..=1962).contains(&r.year))
        .collect();
    if years.len() != 5 {
        return f64::NAN;
    }
    years.iter().map(|r| r.excess_deaths).sum::<f64>() / share / 1e6
}

/// True grain output in 1960, national equivalent, Mt.
fn grain_1960(rows: &[NationalYearRow], share: f64) -> f64 {
    rows.iter()
        .find(|r| r.year == 1960)
        .map_or(f64::NAN, |r| r.grain_output_mt / share)
}

/// The highest yearly crude death rate, per 1000.
fn peak_cdr(rows: &[NationalYearRow], _share: f64) -> f64 {
    rows.iter().map(|r| r.cdr_per_1000).fold(f64::NAN, f64::max)
}

/// A Morris design in unit space.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    /// Levels per factor (even).
    pub levels: usize,
    /// For each trajectory, its k + 1 points as level indices (0..levels) per factor.
    pub points: Vec<Vec<Vec<usize>>>,
    /// For each trajectory, the factor changed at each of its k steps.
    pub changed: Vec<Vec<usize>>,
}

impl Design {
    /// Step Δ in unit space: p / (2(p − 1)).
    pub fn delta(&self) -> f64 {
        self.levels as f64 / (2.0 * (self.levels - 1) as f64)
    }

    /// A level index as a unit-space coordinate.
    pub fn unit(&self, level: usize) -> f64 {
        level as f64 / (self.levels - 1) as f64
    }
}

/// `r` trajectories over `k` factors with `levels` levels (even, ≥ 2), drawn from `seed`.
pub fn design(k: usize, r: usize, levels: usize, seed: u64) -> Design {
    debug_assert!(levels >= 2 && levels.is_multiple_of(2));
    let half = levels / 2;
    let mut points = Vec::with_capacity(r);
    let mut changed = Vec::with_capacity(r);
    for t in 0..r as u64 {
        let mut draw = 0u64;
        let mut next = || {
            draw += 1;
            draw - 1
        };
        // Base levels 0..p/2, so that base + p/2 (the step Δ) stays on the grid.
        let base: Vec<usize> = (0..k)
            .map(|_| seeds::below(seed, t, next(), half))
            .collect();
        let up: Vec<bool> = (0..k)
            .map(|_| seeds::uniform(seed, t, next()) < 0.5)
            .collect();
        let mut order: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            let j = seeds::below(seed, t, next(), i + 1);
            order.swap(i, j);
        }
        let mut x: Vec<usize> = (0..k)
            .map(|i| if up[i] { base[i] } else { base[i] + half })
            .collect();
        let mut traj = vec![x.clone()];
        for &i in &order {
            x[i] = if up[i] { base[i] + half } else { base[i] };
            traj.push(x.clone());
        }
        points.push(traj);
        changed.push(order);
    }
    Design {
        levels,
        points,
        changed,
    }
}

/// The screening statistics of one factor on one output.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub mu: f64,
    pub mu_star: f64,
    pub sigma: f64,
    /// Elementary effects counted (trajectories whose two runs both gave a finite output).
    pub n: usize,
}

/// μ, μ*, σ per factor from the outputs `y[trajectory][point]` (None or non-finite: the run
/// failed, and its effects are left out).
pub fn effects(d: &Design, k: usize, y: &[Vec<Option<f64>>]) -> Vec<Effect> {
    let mut ee: Vec<Vec<f64>> = vec![Vec::new(); k];
    for (t, traj) in d.points.iter().enumerate() {
        for (j, &i) in d.changed[t].iter().enumerate() {
            let step = d.unit(traj[j + 1][i]) - d.unit(traj[j][i]);
            if let (Some(a), Some(b)) = (y[t][j], y[t][j + 1])
                && a.is_finite()
                && b.is_finite()
            {
                ee[i].push((b - a) / step);
            }
        }
    }
    ee.iter()
        .map(|e| {
            let n = e.len();
            let mu = table::mean(e);
            let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / n as f64;
            let sigma = if n > 1 {
                (e.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
            } else {
                f64::NAN
            };
            Effect {
                mu,
                mu_star,
                sigma,
                n,
            }
        })
        .collect()
}

/// A screened parameter and its range.
#[derive(Clone, Debug)]
struct Factor {
    index: usize,
    lo: f64,
    hi: f64,
}

impl Factor {
    fn key(&self) -> String {
        PARAMS[self.index].key()
    }

    /// The value at unit coordinate `u` (whole numbers rounded).
    fn value(&self, u: f64) -> Value {
        let x = self.lo + u * (self.hi - self.lo);
        match PARAMS[self.index].kind {
            ParamKind::Integer => Value::Integer(x.round() as u64),
            _ => Value::Number(table::round_sig(x, 12)),
        }
    }
}

/// The factors of `--params` with their `--range`s.
fn factors(args: &SensitivityArgs) -> anyhow::Result<Vec<Factor>> {
    if args.params.is_empty() {
        bail!("--params: name at least one parameter");
    }
    let mut out: Vec<Factor> = Vec::new();
    for key in &args.params {
        let key = key.trim();
        let what = format!("--params {key}");
        let index = set::find_key(key, &what)?;
        let def = &PARAMS[index];
        if !matches!(
            def.kind,
            ParamKind::Number | ParamKind::Schedule | ParamKind::Integer
        ) {
            bail!("{what}: {key} is not a number, so it cannot be screened");
        }
        if out.iter().any(|f| f.index == index) {
            bail!("{what}: given twice");
        }
        out.push(Factor {
            index,
            lo: def.min,
            hi: def.max,
        });
    }
    for arg in &args.range {
        let what = format!("--range {arg}");
        let (key, range) = arg
            .split_once('=')
            .with_context(|| format!("{what}: expected KEY=LO..HI"))?;
        let index = set::find_key(key.trim(), &what)?;
        let Some(f) = out.iter_mut().find(|f| f.index == index) else {
            bail!("{what}: {} is not among --params", key.trim());
        };
        let (lo, hi) = range
            .split_once("..")
            .with_context(|| format!("{what}: expected KEY=LO..HI"))?;
        let def = &PARAMS[index];
        let num = |t: &str| -> anyhow::Result<f64> {
            match t.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => bail!("{what}: `{}` is not a number", t.trim()),
            }
        };
        let (lo, hi) = (num(lo)?, num(hi)?);
        if !(def.min <= lo && lo < hi && hi <= def.max) {
            bail!(
                "{what}: need {} ≤ LO < HI ≤ {} (the range of {})",
                def.min,
                def.max,
                def.key()
            );
        }
        f.lo = lo;
        f.hi = hi;
    }
    Ok(out)
}

/// One run of the design.
struct Job {
    id: String,
    trajectory: usize,
    step: usize,
    settings: Vec<Setting>,
}

/// `commune-sim sensitivity`: runs the Morris design and writes the screening folder, which it
/// returns.
pub fn screen(args: &SensitivityArgs) -> anyhow::Result<PathBuf> {
    let started = Instant::now();
    let base = base_scenario(&args.scenario, args.scale, args.seed)?;
    let factors = factors(args)?;
    if args.levels < 2 || !args.levels.is_multiple_of(2) || args.levels > 100 {
        bail!(
            "--levels must be an even number from 2 to 100, got {}",
            args.levels
        );
    }
    if !(2..=10_000).contains(&args.trajectories) {
        bail!(
            "--trajectories must be from 2 to 10000, got {}",
            args.trajectories
        );
    }
    let threads = app::threads(args.threads)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-morris", base.name)));
    check_destination(&out, args.force)?;
    app::check_memory(&base)?;
    let k = factors.len();
    let d = design(k, args.trajectories, args.levels, base.seed);
    let n_runs = args.trajectories * (k + 1);
    let width = super::grid::id_width(n_runs);
    let mut jobs = Vec::with_capacity(n_runs);
    for (t, traj) in d.points.iter().enumerate() {
        for (j, levels) in traj.iter().enumerate() {
            let index = t * (k + 1) + j;
            jobs.push(Job {
                id: format!("{index:0width$}"),
                trajectory: t,
                step: j,
                settings: factors
                    .iter()
                    .zip(levels)
                    .map(|(f, &l)| Setting {
                        index: f.index,
                        value: f.value(d.unit(l)),
                    })
                    .collect(),
            });
        }
    }
    if !args.quiet {
        eprintln!(
            "sensitivity {}: {k} parameters × {} trajectories = {n_runs} runs at scale {}",
            base.name, args.trajectories, base.params.population.scale
        );
    }
    let progress = Progress::new(
        n_runs,
        if args.quiet { Mode::Quiet } else { Mode::Auto },
        "runs",
    );
    let order: Vec<usize> = (0..n_runs).collect();
    let results = exec::parallel(&jobs, &order, threads, &progress, |job, worker| {
        let s = set::apply(&base, &job.settings);
        set::check(&s)?;
        let sim = worker.simulate(&s, false)?;
        let share = sim.world.centre.people_share;
        Ok(OUTPUTS
            .iter()
            .map(|o| (o.value)(&sim.recorder.yearly, share))
            .collect::<Vec<f64>>())
    })?;
    progress.finish();

    // y[output][trajectory][point]
    let mut stats = Vec::new();
    for oi in 0..OUTPUTS.len() {
        let y: Vec<Vec<Option<f64>>> = (0..args.trajectories)
            .map(|t| {
                (0..=k)
                    .map(|j| results[t * (k + 1) + j].as_ref().ok().map(|v| v[oi]))
                    .collect()
            })
            .collect();
        stats.push(effects(&d, k, &y));
    }

    let tmp = partial_dir(&out)?;
    let written = (|| -> anyhow::Result<()> {
        write_atomic(&tmp.join(SCENARIO_FILE), &base.to_toml())?;
        write_atomic(
            &tmp.join(MANIFEST),
            &manifest(&base, &factors, args, &d, n_runs),
        )?;
        write_atomic(&tmp.join(RESULTS), &results_csv(&factors, &stats))?;
        write_atomic(&tmp.join(RUNS), &runs_csv(&factors, &jobs, &d, &results)?)?;
        let failures: Vec<(&Job, String)> = jobs
            .iter()
            .zip(&results)
            .filter_map(|(j, r)| r.as_ref().err().map(|e| (j, format!("{e:#}"))))
            .collect();
        if !failures.is_empty() {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["run_id", "trajectory", "step", "parameters", "error"])?;
            for (j, e) in &failures {
                let params: Vec<String> = j
                    .settings
                    .iter()
                    .map(|s| format!("{}={}", s.def().key(), s.value))
                    .collect();
                w.write_record([
                    j.id.clone(),
                    j.trajectory.to_string(),
                    j.step.to_string(),
                    params.join(" "),
                    e.clone(),
                ])?;
            }
            let bytes = w.into_inner().context("failed to write failures.csv")?;
            write_atomic(
                &tmp.join(super::FAILURES_FILE),
                &String::from_utf8_lossy(&bytes),
            )?;
            for (j, e) in &failures {
                eprintln!(
                    "run {} (trajectory {}, step {}) failed: {e}",
                    j.id, j.trajectory, j.step
                );
            }
        }
        let panels: Vec<many::MorrisPanel> = OUTPUTS
            .iter()
            .zip(&stats)
            .take(2)
            .map(|(o, st)| many::MorrisPanel {
                title: o.label.to_string(),
                unit: o.unit.to_string(),
                bars: ranked(&factors, st)
                    .into_iter()
                    .map(|(f, e)| (f.key(), e.mu_star, e.sigma))
                    .collect(),
            })
            .collect();
        let source = format!(
            "commune-sim {}, scenario {}, seed {}, scale {}; {} trajectories × {} runs, {} levels",
            env!("CARGO_PKG_VERSION"),
            base.name,
            base.seed,
            base.params.population.scale,
            args.trajectories,
            k + 1,
            args.levels
        );
        charts::write_figure(&tmp, &many::morris_figure(&panels, &source, args.levels))
    })();
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() {
        fs::remove_dir_all(&out)
            .with_context(|| format!("failed to remove the earlier screening {}", out.display()))?;
    }
    fs::rename(&tmp, &out).with_context(|| format!("failed to write {}", out.display()))?;
    let failed = results.iter().filter(|r| r.is_err()).count();
    if !args.quiet {
        print!("{}", ranking_text(&factors, &stats));
        println!(
            "{n_runs} runs in {:.1} s: wrote {}",
            started.elapsed().as_secs_f64(),
            out.display()
        );
    }
    if failed > 0 {
        bail!(
            "{failed} of {n_runs} runs failed (listed in {}); their effects are left out (see n in {RESULTS})",
            super::FAILURES_FILE
        );
    }
    Ok(out)
}

/// Factors by μ* (largest first; NaN last; ties in --params order).
fn ranked<'a>(factors: &'a [Factor], st: &'a [Effect]) -> Vec<(&'a Factor, &'a Effect)> {
    let mut v: Vec<(&Factor, &Effect)> = factors.iter().zip(st).collect();
    v.sort_by(|a, b| {
        let key = |e: &Effect| {
            if e.mu_star.is_finite() {
                e.mu_star
            } else {
                f64::NEG_INFINITY
            }
        };
        key(b.1).total_cmp(&key(a.1))
    });
    v
}

fn num(x: f64) -> String {
    if x.is_finite() {
        table::round_sig(x, 8).to_string()
    } else {
        "NaN".into()
    }
}

/// `morris.csv`: by output, then μ* (largest first).
fn results_csv(factors: &[Factor], stats: &[Vec<Effect>]) -> String {
    let mut s = String::from("param,output,mu,mu_star,sigma,n\n");
    for (o, st) in OUTPUTS.iter().zip(stats) {
        for (f, e) in ranked(factors, st) {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{}",
                f.key(),
                o.name,
                num(e.mu),
                num(e.mu_star),
                num(e.sigma),
                e.n
            );
        }
    }
    s
}

/// `morris_runs.csv`: `run_id, trajectory, step, changed, <params>, <outputs>`.
fn runs_csv(
    factors: &[Factor],
    jobs: &[Job],
    d: &Design,
    results: &[anyhow::Result<Vec<f64>>],
) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["run_id", "trajectory", "step", "changed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(factors.iter().map(Factor::key));
    header.extend(OUTPUTS.iter().map(|o| o.name.to_string()));
    w.write_record(&header)?;
    for (job, res) in jobs.iter().zip(results) {
        let changed = if job.step == 0 {
            String::new()
        } else {
            factors[d.changed[job.trajectory][job.step - 1]].key()
        };
        let mut f = vec![
            job.id.clone(),
            job.trajectory.to_string(),
            job.step.to_string(),
            changed,
        ];
        f.extend(job.settings.iter().map(|s| s.value.to_string()));
        match res {
            Ok(v) => f.extend(v.iter().map(|x| num(*x))),
            Err(_) => f.extend(OUTPUTS.iter().map(|_| String::new())),
        }
        w.write_record(&f)?;
    }
    let bytes = w.into_inner().context("failed to write morris_runs.csv")?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn manifest(
    base: &Scenario,
    factors: &[Factor],
    args: &SensitivityArgs,
    d: &Design,
    n_runs: usize,
) -> String {
    let mut s = format!(
        "# A Morris screening (Morris 1991; mu* of Campolongo et al. 2007): see src/sweep/morris.rs.\n\
         # Every run uses the seed below; the design draws come from it too. The scenario as resolved\n\
         # is scenario.toml beside this file; a schedule screened is set as a constant for the whole run.\n\
         program = \"commune-sim\"\nversion = \"{}\"\nscenario = {}\nscale = {:?}\nseed = {}\n\
         trajectories = {}\nlevels = {}\ndelta = {:?}\nruns = {n_runs}\noutputs = [{}]\n",
        env!("CARGO_PKG_VERSION"),
        toml::Value::String(base.name.clone()),
        base.params.population.scale,
        base.seed,
        args.trajectories,
        d.levels,
        d.delta(),
        OUTPUTS
            .iter()
            .map(|o| format!("\"{}\"", o.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for f in factors {
        let _ = write!(
            s,
            "\n[[factor]]\nkey = \"{}\"\nlo = {:?}\nhi = {:?}\n",
            f.key(),
            f.lo,
            f.hi
        );
    }
    s
}

/// The ranking, for the terminal.
fn ranking_text(factors: &[Factor], stats: &[Vec<Effect>]) -> String {
    let mut s = String::new();
    for (o, st) in OUTPUTS.iter().zip(stats) {
        let _ = writeln!(
            s,
            "{} ({} per whole range): mu*, sigma, mu, n",
            o.label, o.unit
        );
        for (f, e) in ranked(factors, st) {
            let _ = writeln!(
                s,
                "  {:<36} {:>10.3} {:>10.3} {:>+10.3} {:>4}",
                f.key(),
                e.mu_star,
                e.sigma,
                e.mu,
                e.n
            );
        }
    }
    s
}

/// Refuses to replace a folder that is not a screening, or one without `force`.
fn check_destination(out: &Path, force: bool) -> anyhow::Result<()> {
    if !out.exists() {
        return Ok(());
    }
    let ours = out.join(MANIFEST).is_file();
    let empty = fs::read_dir(out).is_ok_and(|mut d| d.next().is_none());
    if empty {
        return Ok(());
    }
    if !ours {
        bail!(
            "output folder {} exists and is not a commune-sim screening folder; choose another --out or remove it",
            out.display()
        );
    }
    if !force {
        bail!(
            "output folder {} already holds a screening; add --force to replace it, or choose another --out",
            out.display()
        );
    }
    Ok(())
}

/// A fresh temporary folder beside `out`.
fn partial_dir(out: &Path) -> anyhow::Result<PathBuf> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)
        .with_context(|| format!("failed to create output folder {}", parent.display()))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "morris".into());
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).with_context(|| format!("failed to remove {}", tmp.display()))?;
    }
    fs::create_dir(&tmp).with_context(|| format!("failed to create {}", tmp.display()))?;
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_change_one_factor_at_a_time_by_delta() {
        let (k, r, p) = (5, 20, 4);
        let d = design(k, r, p, 42);
        assert_eq!(d.points.len(), r);
        assert!((d.delta() - 2.0 / 3.0).abs() < 1e-12);
        for (t, traj) in d.points.iter().enumerate() {
            assert_eq!(traj.len(), k + 1);
            let mut seen = d.changed[t].clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..k).collect::<Vec<_>>(), "each factor once");
            for j in 0..k {
                let diff: Vec<usize> = (0..k).filter(|&i| traj[j][i] != traj[j + 1][i]).collect();
                assert_eq!(diff, vec![d.changed[t][j]], "one factor per step");
                let i = diff[0];
                let step = (d.unit(traj[j + 1][i]) - d.unit(traj[j][i])).abs();
                assert!((step - d.delta()).abs() < 1e-12);
            }
            assert!(traj.iter().flatten().all(|&l| l < p), "on the grid");
        }
        assert_eq!(design(k, r, p, 42), d, "deterministic from the seed");
        assert_ne!(design(k, r, p, 43), d);
        // Both directions and every base level occur.
        let starts: Vec<usize> = d.points.iter().map(|t| t[0][0]).collect();
        for l in 0..p {
            assert!(starts.contains(&l), "level {l} never starts");
        }
    }

    #[test]
    fn linear_functions_give_their_coefficients() {
        let coef = [3.0, -2.0, 0.0, 0.5];
        let k = coef.len();
        for p in [4, 6] {
            let d = design(k, 12, p, 7);
            let y: Vec<Vec<Option<f64>>> = d
                .points
                .iter()
                .map(|traj| {
                    traj.iter()
                        .map(|x| Some((0..k).map(|i| coef[i] * d.unit(x[i])).sum::<f64>() + 1.0))
                        .collect()
                })
                .collect();
            let e = effects(&d, k, &y);
            for i in 0..k {
                assert!((e[i].mu - coef[i]).abs() < 1e-9, "{p}: {:?}", e[i]);
                assert!((e[i].mu_star - coef[i].abs()).abs() < 1e-9);
                assert!(e[i].sigma.abs() < 1e-9);
                assert_eq!(e[i].n, 12);
            }
        }
    }

    #[test]
    fn interactions_show_in_sigma_and_failures_in_n() {
        let k = 2;
        let d = design(k, 10, 4, 3);
        let mut y: Vec<Vec<Option<f64>>> = d
            .points
            .iter()
            .map(|traj| {
                traj.iter()
                    .map(|x| Some(d.unit(x[0]) * d.unit(x[1])))
                    .collect()
            })
            .collect();
        let e = effects(&d, k, &y);
        assert!(e[0].sigma > 0.0 && e[1].sigma > 0.0);
        y[0][0] = None;
        let e = effects(&d, k, &y);
        assert_eq!(
            e[d.changed[0][0]].n, 9,
            "the failed run's effect is left out"
        );
    }
}
