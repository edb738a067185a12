//! The glue: load scenario → build world → step through the months → collect → export.
//! A run is a function of (scenario, seed), so sweeps can call [`simulate`] many times.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::charts::Run;
use crate::cli::{CalibrateArgs, Command, CompareArgs, RunArgs};
use crate::collect::Recorder;
use crate::export::{self, Timing};
use crate::report;
use crate::scenario::{self, PARAMS, Scenario};
use crate::step;
use crate::sweep::{self, ensemble};
use crate::world::{self, World};

/// Runs a parsed command.
pub fn main(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Run(args) => run(&args).map(|_| ()),
        Command::Compare(args) => compare(&args).map(|_| ()),
        Command::Calibrate(args) => calibrate(&args),
        Command::Explain { key } => {
            match key {
                Some(k) => print!("{}", crate::explain::explain(&k)?),
                None => print!("{}", crate::explain::overview()),
            }
            Ok(())
        }
        Command::List { dir } => {
            print!("{}", crate::explain::list(&dir)?);
            Ok(())
        }
        Command::New(args) => {
            print!(
                "{}",
                crate::scaffold::new(&args.file, &args.from, args.force)?
            );
            Ok(())
        }
        Command::Plot { run_dir } => {
            plot(&run_dir)?;
            println!("redrew {}", run_dir.display());
            Ok(())
        }
        Command::Sweep(args) => sweep::sweep(&args).map(|_| ()),
        Command::Merge(args) => sweep::merge(&args).map(|_| ()),
        Command::Sensitivity(args) => sweep::morris::screen(&args).map(|_| ()),
        Command::Check { scenario } => {
            let s = scenario::load(&scenario)?;
            println!(
                "ok: {} ({} to {}, {} events, seed {}, scale {})",
                s.name,
                s.start,
                s.end,
                s.events.len(),
                s.seed,
                s.params.population.scale
            );
            Ok(())
        }
    }
}

/// The scenario with the command line's overrides applied: `--seed`, `--scale`, then every
/// `--set` (checked as the validator checks a file).
pub fn prepare(args: &RunArgs) -> anyhow::Result<Scenario> {
    let mut s = scenario::load(&args.scenario)?;
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    if let Some(scale) = args.scale {
        set_scale(&mut s, scale)?;
    }
    if !args.set.is_empty() {
        let settings = sweep::set::parse_settings(&args.set)?;
        s = sweep::set::apply(&s, &settings);
        sweep::set::check(&s).context("the --set values do not fit together")?;
    }
    Ok(s)
}

/// Sets `--scale`, refusing a value outside the registry's range.
pub fn set_scale(s: &mut Scenario, scale: f64) -> anyhow::Result<()> {
    let def = PARAMS
        .iter()
        .find(|d| d.section == "population" && d.name == "scale")
        .expect("scale is defined");
    if !(scale.is_finite() && def.min <= scale && scale <= def.max) {
        bail!(
            "--scale must be a number from {} to {}, got {scale}",
            def.min,
            def.max
        );
    }
    s.params.population.scale = scale;
    Ok(())
}

/// `--threads`: the number given (at least 1), or all cores.
pub fn threads(given: Option<usize>) -> anyhow::Result<usize> {
    let threads = given.unwrap_or_else(default_threads);
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    Ok(threads)
}

/// A finished simulation.
pub struct Simulated {
    pub world: World,
    pub recorder: Recorder,
    /// Seconds spent building the world (not part of any output but `timing.toml`).
    pub build_seconds: f64,
}

/// Simulates `scenario` from its start to its end. Deterministic; never fails.
pub fn simulate(scenario: &Scenario) -> Simulated {
    match simulate_checked(scenario, false) {
        Ok(sim) => sim,
        Err(_) => unreachable!("no audit, no failure"),
    }
}

/// Simulates `scenario`; with `audit`, checks every month (`audit::check`) and stops at the
/// first broken invariant.
pub fn simulate_checked(
    scenario: &Scenario,
    audit: bool,
) -> Result<Simulated, crate::audit::AuditError> {
    simulate_with(scenario, audit, step::simd::Simd::chosen())
}

/// [`simulate_checked`] with the team loops in the instruction set `simd`: the same results
/// (to the bit) at another speed.
pub fn simulate_with(
    scenario: &Scenario,
    audit: bool,
    simd: step::simd::Simd,
) -> Result<Simulated, crate::audit::AuditError> {
    // std's clock panics on wasm32-unknown-unknown (the browser build, web/wasm); the build
    // time only goes into timing.toml.
    #[cfg(not(target_arch = "wasm32"))]
    let started = Instant::now();
    let mut world = world::build(scenario);
    #[cfg(not(target_arch = "wasm32"))]
    let build_seconds = started.elapsed().as_secs_f64();
    #[cfg(target_arch = "wasm32")]
    let build_seconds = 0.0;
    let mut recorder = Recorder::new(&scenario.name, scenario.seed, &world);
    let mut month = scenario.start;
    while month <= scenario.end {
        let stock_before = world.centre.stock_kg;
        let r = step::step_with(&mut world, &scenario.params, month, scenario.seed, simd);
        if audit {
            crate::audit::check(&world, &r, stock_before)?;
        }
        recorder.observe(&r, &world);
        month = month.plus(1);
    }
    recorder.finish(&world);
    Ok(Simulated {
        world,
        recorder,
        build_seconds,
    })
}

/// Bytes of memory a world of `teams` teams and `communes` communes takes while it runs
/// (measured: about 180 bytes per team with the month's buffers, plus the commune tables).
pub fn memory_estimate(teams: f64, communes: f64) -> f64 {
    teams * 180.0 + communes * 8_000.0 + 64e6
}

/// Refuses, before anything is built, a world that would not fit in memory: the expected size
/// from the scenario's `[population]`, against the memory available (`MemAvailable`, or
/// `COMMUNE_SIM_MEMORY_LIMIT` bytes if set).
pub fn check_memory(s: &Scenario) -> anyhow::Result<()> {
    let p = &s.params.population;
    let communes = (p.communes as f64 * p.scale).max(25.0);
    let teams = communes * p.brigades_per_commune * p.teams_per_brigade;
    let need = memory_estimate(teams, communes);
    let available = std::env::var("COMMUNE_SIM_MEMORY_LIMIT")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .or_else(available_memory);
    if let Some(available) = available
        && need > available
    {
        let per_scale = memory_estimate(teams / p.scale, communes / p.scale) - 64e6;
        let fits = ((available - 64e6) / per_scale).max(0.0);
        bail!(
            "{} would need about {:.1} GiB for {:.1} million teams, but about {:.1} GiB is available; \
             the largest scale that fits is about {:.3} (--scale, or [population] scale / communes)",
            s.name,
            need / 1073741824.0,
            teams / 1e6,
            available / 1073741824.0,
            (fits * 0.9 * 1000.0).floor() / 1000.0
        );
    }
    Ok(())
}

/// `MemAvailable` from /proc/meminfo, in bytes (None where there is no such file).
fn available_memory() -> Option<f64> {
    let text = fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// `commune-sim run`: simulates the scenario and writes its run folder, which it returns. With
/// `--seeds N`, an ensemble: the folder's tables are the first seed's, `ensemble.csv` holds every
/// seed's yearly rows, and the charts draw the mean and a 5–95% band.
pub fn run(args: &RunArgs) -> anyhow::Result<PathBuf> {
    let s = prepare(args)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name));
    let threads = threads(args.threads)?;
    if args.seeds == Some(0) {
        bail!("--seeds must be at least 1");
    }
    // Refuse what cannot succeed before spending time on it.
    export::check_destination(&out, args.force)?;
    check_memory(&s)?;
    let started = Instant::now();
    let (s, sim, extra) = match args.seeds {
        None => {
            let sim = in_pool(threads, || simulate_checked(&s, args.audit))??;
            (s, sim, Vec::new())
        }
        Some(n) => {
            let e = ensemble::simulate(&s, n, threads, args.audit, args.quiet)?;
            (e.scenario, e.first, e.files)
        }
    };
    let total = started.elapsed().as_secs_f64();
    let timing = Timing {
        threads,
        simd: step::simd::Simd::chosen().name(),
        build_seconds: sim.build_seconds,
        simulate_seconds: total - sim.build_seconds,
    };
    // In the same number of threads: the charts are drawn in parallel.
    in_pool(threads, || {
        export::write_run_with(
            &out,
            &s,
            &sim.world,
            &sim.recorder,
            &timing,
            args.force,
            &extra,
        )
    })??;
    if !args.quiet {
        print_summary(&s, &sim.world, &sim.recorder, &out, total);
        if let Some((_, text)) = extra.iter().find(|(f, _)| f == ensemble::TABLE) {
            print!("{}", ensemble::summary(text)?);
        }
    }
    Ok(out)
}

/// `commune-sim calibrate`: fits [`crate::calibrate::FREE`] to the official series, writes
/// `fitted.toml` and `fit.csv`, and with `--write` puts the values into the scenario file.
fn calibrate(args: &CalibrateArgs) -> anyhow::Result<()> {
    use crate::calibrate::{self as cal, FREE};
    use crate::collect::fit::Series;
    let s = scenario::load(&args.scenario)?;
    let def = PARAMS
        .iter()
        .find(|d| d.key() == "population.scale")
        .expect("scale is defined");
    if !(args.scale.is_finite() && def.min <= args.scale && args.scale <= def.max) {
        bail!(
            "--scale must be a number from {} to {}, got {}",
            def.min,
            def.max,
            args.scale
        );
    }
    if args.evaluations < FREE.len() + 2 {
        bail!(
            "--evaluations must be at least {} (one simplex)",
            FREE.len() + 2
        );
    }
    let targets = match &args.targets {
        Some(path) => Series::parse(
            &fs::read_to_string(path)
                .with_context(|| format!("failed to read targets {}", path.display()))?,
        ),
        None => Series::compiled(),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("calibration-{}", s.name)));
    fs::create_dir_all(&out).with_context(|| format!("failed to create {}", out.display()))?;
    let command = format!(
        "commune-sim calibrate {} --scale {} --evaluations {}{}",
        args.scenario.display(),
        args.scale,
        args.evaluations,
        args.targets
            .as_ref()
            .map(|t| format!(" --targets {}", t.display()))
            .unwrap_or_default()
    );
    let started = Instant::now();
    let opts = cal::Options {
        scale: args.scale,
        evaluations: args.evaluations,
        targets,
    };
    let quiet = args.quiet;
    let fitted = cal::calibrate(&s, &opts, |n, best, _| {
        if !quiet && (n % 25 == 0 || n == 1) {
            eprintln!(
                "  {n:4} evaluations, best objective {best:.5}, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    });
    let mut text = format!(
        "# Fitted by `{command}`\n# objective {:.6} after {} evaluations; targets and weights: collect/fit.rs\n",
        fitted.objective, fitted.evaluations
    );
    for ((key, value), free) in fitted.values.iter().zip(FREE) {
        text.push_str(&format!(
            "{key} = {value}  # searched {}..{}: {}\n",
            free.lo, free.hi, free.why
        ));
    }
    fs::write(out.join("fitted.toml"), &text)
        .with_context(|| format!("failed to write {}", out.display()))?;
    let mut w = csv::Writer::from_path(out.join("fit.csv"))
        .with_context(|| format!("failed to write {}", out.display()))?;
    for r in &fitted.fit {
        w.serialize(r)?;
    }
    w.flush()?;
    if args.write {
        let rounded: Vec<(&str, f64)> = fitted.values.iter().map(|(k, v)| (*k, *v)).collect();
        cal::write_into(&args.scenario, &rounded, &command)?;
    }
    if !quiet {
        println!(
            "objective {:.5} after {} evaluations ({:.0} s)",
            fitted.objective,
            fitted.evaluations,
            started.elapsed().as_secs_f64()
        );
        for (key, value) in &fitted.values {
            println!("  {key} = {value:.4}");
        }
        println!("  year  series              model   official  error");
        for r in &fitted.fit {
            println!(
                "  {}  {:18} {:9.3} {:9.3} {:+6.1}%",
                r.year,
                r.series,
                r.model,
                r.official,
                100.0 * r.error
            );
        }
        println!(
            "wrote {}{}",
            out.display(),
            if args.write {
                format!(" and {}", args.scenario.display())
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

pub(crate) fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `f` on a pool of `threads` workers (or directly without the `parallel` feature).
pub(crate) fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> anyhow::Result<R> {
    #[cfg(feature = "parallel")]
    {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("failed to start worker threads")?;
        Ok(pool.install(f))
    }
    #[cfg(not(feature = "parallel"))]
    {
        let _ = threads;
        Ok(f())
    }
}

fn print_summary(s: &Scenario, world: &World, rec: &Recorder, out: &std::path::Path, seconds: f64) {
    println!(
        "{}: {} communes, {} brigades, {} teams, {} to {} (seed {}) in {:.1} s",
        s.name,
        world.n_communes(),
        world.n_brigades(),
        world.n_teams(),
        s.start,
        s.end,
        s.seed,
        seconds
    );
    let k = 1.0 / world.centre.people_share;
    println!(
        "  national equivalents (simulated totals / {:.4}):",
        world.centre.people_share
    );
    println!("  year  output Mt  reported Mt  procured  CBR ‰  CDR ‰  excess deaths M");
    for y in &rec.yearly {
        println!(
            "  {}  {:9.1}  {:11.1}  {:7.1}%  {:5.1}  {:5.1}  {:15.2}",
            y.year,
            y.grain_output_mt * k,
            y.grain_reported_mt * k,
            100.0 * y.procurement_share,
            y.cbr_per_1000,
            y.cdr_per_1000,
            y.excess_deaths * k / 1e6
        );
    }
    println!("  wrote {}", out.display());
}

/// The file that marks a comparison folder and lists its runs.
pub const COMPARE_FILE: &str = "compare.toml";

/// `commune-sim compare`: runs each scenario (or reuses a finished run of exactly the same
/// resolved scenario and program version), then draws them overlaid into the comparison folder,
/// which it returns.
///
/// A run is reused from `output/<name>/` or `<out>/runs/<name>/`; new runs go to the latter, so
/// a comparison never replaces a run made by `commune-sim run`.
pub fn compare(args: &CompareArgs) -> anyhow::Result<PathBuf> {
    if args.scenarios.len() < 2 {
        bail!("compare needs at least two scenario files");
    }
    let mut prepared = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for path in &args.scenarios {
        let run_args = RunArgs {
            scenario: path.clone(),
            out: None,
            seed: args.seed,
            set: Vec::new(),
            seeds: args.seeds,
            threads: args.threads,
            scale: args.scale,
            quiet: true,
            // The comparison manages its own runs folder (reusing runs it can).
            force: true,
            audit: cfg!(debug_assertions),
        };
        let mut s = prepare(&run_args)?;
        // An ensemble's folder holds the first seed's run, and says which ensemble it is.
        let ensemble_toml = args.seeds.map(|n| ensemble::manifest(s.seed, n));
        if args.seeds.is_some() {
            s.seed = ensemble::seed(s.seed, 0);
        }
        let mut name = crate::scaffold::scenario_name(&s.name);
        let base = name.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}-{k}");
            k += 1;
        }
        names.push(name.clone());
        prepared.push((run_args, s.to_toml(), ensemble_toml, name));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("compare-{}", names.join("-"))));
    if out.exists() && !out.join(COMPARE_FILE).is_file() {
        let empty = fs::read_dir(&out).is_ok_and(|mut d| d.next().is_none());
        if !empty {
            bail!(
                "output folder {} exists and is not a commune-sim comparison folder; choose another --out or remove it",
                out.display()
            );
        }
    }
    let mut runs = Vec::new();
    let mut listed = Vec::new();
    for (mut run_args, resolved, ensemble_toml, name) in prepared {
        let own = out.join("runs").join(&name);
        let reuse = [PathBuf::from("output").join(&name), own.clone()]
            .into_iter()
            .find(|dir| is_finished_run_of(dir, &resolved, ensemble_toml.as_deref()));
        let dir = match reuse {
            Some(dir) => {
                if !args.quiet {
                    println!("{name}: reusing {}", dir.display());
                }
                dir
            }
            None => {
                if !args.quiet {
                    println!("{name}: running {}", run_args.scenario.display());
                }
                run_args.out = Some(own);
                run(&run_args)?
            }
        };
        let mut r = Run::read(&dir)?;
        r.meta.name = name.clone();
        let folder = match dir.strip_prefix(&out) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => fs::canonicalize(&dir).unwrap_or(dir.clone()),
        };
        listed.push((name, folder));
        runs.push(r);
    }
    report::write_compare(&out, &runs)?;
    write_compare_file(&out, &listed)?;
    if !args.quiet {
        print_headline(&runs);
        println!("  wrote {}", out.display());
    }
    Ok(out)
}

/// `commune-sim plot`: redraws the charts and report of a run or comparison folder, or the
/// summary and chart of a sweep folder.
pub fn plot(dir: &Path) -> anyhow::Result<()> {
    if dir.join(sweep::SWEEP_FILE).is_file() {
        return sweep::replot(dir);
    }
    let list = dir.join(COMPARE_FILE);
    if !list.is_file() {
        return report::write_run(dir);
    }
    let text =
        fs::read_to_string(&list).with_context(|| format!("failed to read {}", list.display()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("failed to read {}", list.display()))?;
    let entries = table
        .get("run")
        .and_then(|v| v.as_array())
        .with_context(|| format!("{} lists no [[run]]", list.display()))?;
    let mut runs = Vec::new();
    for e in entries {
        let (Some(name), Some(folder)) = (
            e.get("name").and_then(|v| v.as_str()),
            e.get("folder").and_then(|v| v.as_str()),
        ) else {
            bail!("{}: every [[run]] needs name and folder", list.display());
        };
        let folder = Path::new(folder);
        let folder = if folder.is_absolute() {
            folder.to_path_buf()
        } else {
            dir.join(folder)
        };
        let mut r = Run::read(&folder)
            .with_context(|| format!("comparison folder {} lists it", dir.display()))?;
        r.meta.name = name.to_string();
        runs.push(r);
    }
    report::write_compare(dir, &runs)
}

/// True if `dir` holds a whole run of exactly `resolved` by this program version, and the
/// ensemble `ensemble_toml` describes (or no ensemble).
fn is_finished_run_of(dir: &Path, resolved: &str, ensemble_toml: Option<&str>) -> bool {
    let ensemble_path = dir.join(ensemble::MANIFEST);
    let same_ensemble = match ensemble_toml {
        Some(e) => {
            fs::read_to_string(&ensemble_path).is_ok_and(|t| t == e)
                && dir.join(ensemble::TABLE).is_file()
        }
        None => !ensemble_path.exists(),
    };
    let same_scenario = fs::read_to_string(dir.join("scenario.toml")).is_ok_and(|t| t == resolved);
    let same_version = fs::read_to_string(dir.join("manifest.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|m| Some(m.get("run")?.get("version")?.as_str()? == env!("CARGO_PKG_VERSION")))
        .unwrap_or(false);
    same_scenario
        && same_version
        && same_ensemble
        && export::RUN_FILES.iter().all(|f| dir.join(f).is_file())
}

fn write_compare_file(out: &Path, listed: &[(String, PathBuf)]) -> anyhow::Result<()> {
    let mut text = String::from(
        "# The runs of this comparison, the first the reference. `commune-sim plot` on this folder\n\
         # redraws its charts and report from their CSV tables.\n",
    );
    for (name, folder) in listed {
        let mut t = toml::Table::new();
        t.insert("name".into(), name.clone().into());
        t.insert(
            "folder".into(),
            folder.to_string_lossy().into_owned().into(),
        );
        let mut top = toml::Table::new();
        top.insert(
            "run".into(),
            toml::Value::Array(vec![toml::Value::Table(t)]),
        );
        text.push_str(&toml::to_string(&top).context("failed to write the comparison list")?);
    }
    let path = out.join(COMPARE_FILE);
    fs::write(&path, text).with_context(|| format!("failed to write {}", path.display()))
}

fn print_headline(runs: &[Run]) {
    let tables: Vec<Vec<report::Metric>> = runs.iter().map(report::headline).collect();
    let Some(first) = tables.first() else { return };
    let seeds = tables
        .iter()
        .flat_map(|t| t.iter().map(|m| m.seeds))
        .max()
        .unwrap_or(1);
    let title = if seeds > 1 {
        format!("national equivalents, mean of {seeds} seeds")
    } else {
        "national equivalents".to_string()
    };
    print!("  {title:<34}");
    for r in runs {
        print!(" {:>16}", r.meta.name);
    }
    println!();
    for (i, m) in first.iter().enumerate() {
        print!("  {:<34}", format!("{} ({})", m.label, m.unit));
        for t in &tables {
            print!(" {:>16.1}", t[i].value);
        }
        println!();
    }
}
