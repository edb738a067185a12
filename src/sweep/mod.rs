//! Many runs: parameter sweeps, seed ensembles, Morris screening, and shards for clusters.
//!
//! A sweep is a grid of `--set` values × seeds. Every run is seeded from the master seed and
//! its grid position ([`seeds`]), runs in parallel with the others ([`exec`]), and writes its
//! yearly rows to its own file under `runs/` (temp file + rename) as soon as it finishes, so an
//! interrupted sweep keeps them and `--resume` skips them. The table (`sweep.csv`) is those
//! files joined in run order ([`table`]); `summary.csv` and the band chart follow from it. A
//! shard (`--shard K/N`) runs every N-th run; [`merge`] joins shard folders into exactly the
//! folder an unsharded sweep writes. [`morris`] screens parameters; [`ensemble`] is `run --seeds`.
//!
//! The sweep folder:
//!
//! ```text
//! sweep.toml      the definition: version, scenario name, scale, seeds, grid (+ [shard] in a shard)
//! scenario.toml   the scenario as resolved (before --set); re-runs use it
//! runs/<id>.csv   one run's rows, written when it finishes
//! sweep.csv       every run's rows, in run order
//! summary.csv     n, mean, p5, p95 per grid point, year and column (whole sweeps only)
//! failures.csv    runs that failed, with their parameters and the error (only if any)
//! charts/sweep.*  mean and 5–95% band per grid point (whole sweeps only)
//! ```

pub mod ensemble;
pub mod exec;
pub mod grid;
pub mod morris;
pub mod progress;
pub mod seeds;
pub mod set;
pub mod table;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::app;
use crate::charts::{self, many};
use crate::cli::{MergeArgs, SweepArgs};
use crate::scenario::{self, Scenario};
use grid::{Grid, RunSpec, Seeds};
use progress::{Mode, Progress};
use table::Table;

/// The file that marks a sweep folder and defines the sweep.
pub const SWEEP_FILE: &str = "sweep.toml";
/// The resolved base scenario of a sweep or screening.
pub const SCENARIO_FILE: &str = "scenario.toml";
/// The folder of per-run files.
pub const RUNS_DIR: &str = "runs";
pub const TABLE_FILE: &str = "sweep.csv";
pub const SUMMARY_FILE: &str = "summary.csv";
pub const FAILURES_FILE: &str = "failures.csv";

/// What a sweep is: everything its output depends on.
#[derive(Clone, Debug)]
pub struct Definition {
    /// The base scenario, resolved, with the scale applied and the master seed as its seed.
    pub scenario: Scenario,
    pub grid: Grid,
    pub seeds: Seeds,
}

impl Definition {
    /// `sweep.toml` without a shard section: deterministic text, compared byte for byte by
    /// `--resume` and `merge`.
    pub fn to_toml(&self) -> String {
        let s = &self.scenario;
        let n_runs = self.grid.n_points() * self.seeds.count();
        let mut t = String::new();
        t.push_str(
            "# A commune-sim sweep: the scenario (scenario.toml beside this file, as resolved), the\n\
             # grid of --set values and the seeds. Any row of sweep.csv re-runs alone with\n\
             #   commune-sim run scenario.toml --seed SEED --set KEY=VALUE ...\n\
             # (the values of its swept columns; a schedule is set as a constant for the whole run).\n\
             # Run ids count point × seeds + replicate, the first axis varying slowest.\n",
        );
        t.push_str(&format!(
            "program = \"commune-sim\"\nversion = \"{}\"\nscenario = {}\nscale = {:?}\npoints = {}\nruns = {}\n",
            env!("CARGO_PKG_VERSION"),
            toml_string(&s.name),
            s.params.population.scale,
            self.grid.n_points(),
            n_runs
        ));
        match &self.seeds {
            Seeds::Derived { master, n } => t.push_str(&format!(
                "seeds = {n}\nmaster_seed = {master}\n\
                 seed_rule = \"splitmix64(splitmix64(splitmix64(master_seed) + point) + replicate) >> 1\"\n"
            )),
            Seeds::List(list) => t.push_str(&format!(
                "seeds = {}\nseed_list = [{}]\nseed_rule = \"seed_list[replicate] at every point\"\n",
                list.len(),
                list.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
        for axis in &self.grid.axes {
            let values: Vec<String> = axis
                .values
                .iter()
                .map(|v| match v {
                    set::Value::Number(x) => format!("{x:?}"),
                    set::Value::Choice(w) => toml_string(w),
                    other => other.to_string(),
                })
                .collect();
            t.push_str(&format!(
                "\n[[axis]]\nkey = \"{}\"\nvalues = [{}]\n",
                axis.key(),
                values.join(", ")
            ));
        }
        t
    }

    /// Reads back [`Definition::to_toml`] (with the folder's `scenario.toml`), checking that this
    /// program made it.
    fn read(dir: &Path) -> anyhow::Result<(Definition, String, Option<Shard>)> {
        let path = dir.join(SWEEP_FILE);
        let text = fs::read_to_string(&path).with_context(|| {
            format!("{} is not a sweep folder (no {SWEEP_FILE})", dir.display())
        })?;
        let table: toml::Table = text
            .parse()
            .with_context(|| format!("failed to read {}", path.display()))?;
        let bad = |what: &str| anyhow::anyhow!("{}: {what}", path.display());
        let version = table
            .get("version")
            .and_then(|v| v.as_str())
            .ok_or_else(|| bad("no version"))?;
        if version != env!("CARGO_PKG_VERSION") {
            bail!(
                "{} was made by commune-sim {version}; this is {}",
                path.display(),
                env!("CARGO_PKG_VERSION")
            );
        }
        let scenario_path = dir.join(SCENARIO_FILE);
        let mut scenario = scenario::load(&scenario_path)?;
        let int = |k: &str| -> anyhow::Result<i64> {
            table
                .get(k)
                .and_then(|v| v.as_integer())
                .ok_or_else(|| bad(&format!("no {k}")))
        };
        let seeds = match table.get("seed_list").and_then(|v| v.as_array()) {
            Some(list) => Seeds::List(
                list.iter()
                    .map(|v| v.as_integer().map(|i| i as u64))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| bad("seed_list must list whole numbers"))?,
            ),
            None => Seeds::Derived {
                master: int("master_seed")? as u64,
                n: int("seeds")? as usize,
            },
        };
        if let Seeds::Derived { master, .. } = seeds {
            scenario.seed = master;
        }
        let mut axes = Vec::new();
        if let Some(list) = table.get("axis").and_then(|v| v.as_array()) {
            for a in list {
                let key = a
                    .get("key")
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| bad("an [[axis]] without key"))?;
                let values: Vec<String> = a
                    .get("values")
                    .and_then(|v| v.as_array())
                    .ok_or_else(|| bad("an [[axis]] without values"))?
                    .iter()
                    .map(|v| match v {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                axes.push(
                    set::parse_axis(&format!("{key}={}", values.join(",")))
                        .with_context(|| format!("in {}", path.display()))?,
                );
            }
        }
        let shard = match table.get("shard") {
            Some(s) => {
                let get = |k: &str| s.get(k).and_then(|v| v.as_integer());
                match (get("index"), get("count")) {
                    (Some(k), Some(n)) if 1 <= k && k <= n => Some((k as usize, n as usize)),
                    _ => bail!(
                        "{}: [shard] needs index and count, 1 ≤ index ≤ count",
                        path.display()
                    ),
                }
            }
            None => None,
        };
        let def = Definition {
            scenario,
            grid: Grid { axes },
            seeds,
        };
        let definition_text = text
            .split_once(SHARD_HEADER)
            .map_or(text.as_str(), |(d, _)| d)
            .to_string();
        if definition_text != def.to_toml() {
            bail!(
                "{} does not read back as written; was it edited?",
                path.display()
            );
        }
        Ok((def, definition_text, shard))
    }

    /// Every run, in grid order.
    pub fn runs(&self) -> Vec<RunSpec> {
        grid::runs(&self.grid, &self.seeds)
    }
}

const SHARD_HEADER: &str = "\n[shard]\n";

/// Shard K of N, 1-based.
pub type Shard = (usize, usize);

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `--shard K/N`: (K, N), 1 ≤ K ≤ N.
pub fn parse_shard(text: &str) -> anyhow::Result<Shard> {
    let parsed = text.split_once('/').and_then(|(k, n)| {
        Some((
            k.trim().parse::<usize>().ok()?,
            n.trim().parse::<usize>().ok()?,
        ))
    });
    match parsed {
        Some((k, n)) if 1 <= k && k <= n => Ok((k, n)),
        _ => bail!("--shard {text}: expected K/N with 1 ≤ K ≤ N, e.g. 2/8"),
    }
}

/// True if run `index` belongs to shard K of N (1-based): runs K-1, K-1+N, ... Interleaved, so
/// every shard gets a share of every part of the grid.
pub fn in_shard(index: usize, (k, n): Shard) -> bool {
    index % n == k - 1
}

/// The base scenario of a sweep: loaded, at `scale`, with the master seed.
pub fn base_scenario(path: &Path, scale: f64, seed: Option<u64>) -> anyhow::Result<Scenario> {
    let mut s = scenario::load(path)?;
    app::set_scale(&mut s, scale)?;
    if let Some(seed) = seed {
        s.seed = seed;
    }
    Ok(s)
}

/// The seeds of a sweep from `--seeds` / `--seed-list` (master: the scenario's seed).
pub fn seeds_from(n: Option<usize>, list: Option<&[u64]>, master: u64) -> anyhow::Result<Seeds> {
    match (n, list) {
        (_, Some(list)) => {
            if list.is_empty() {
                bail!("--seed-list: give at least one seed");
            }
            if let Some(s) = list.iter().find(|s| **s >= 1 << 63) {
                bail!("--seed-list: seeds must be below 2^63, got {s}");
            }
            for (i, s) in list.iter().enumerate() {
                if list[..i].contains(s) {
                    bail!("--seed-list: the seed {s} is given twice");
                }
            }
            Ok(Seeds::List(list.to_vec()))
        }
        (Some(0), None) => bail!("--seeds must be at least 1"),
        (n, None) => Ok(Seeds::Derived {
            master,
            n: n.unwrap_or(1),
        }),
    }
}

/// `commune-sim sweep`: runs the sweep (or its shard) and writes its folder, which it returns.
/// Fails, after writing everything it could, if any run failed.
pub fn sweep(args: &SweepArgs) -> anyhow::Result<PathBuf> {
    let started = Instant::now();
    let base = base_scenario(&args.scenario, args.scale, args.seed)?;
    let axes = set::parse_axes(&args.set)?;
    let seeds = seeds_from(args.seeds, args.seed_list.as_deref(), base.seed)?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let threads = app::threads(args.threads)?;
    let def = Definition {
        scenario: base,
        grid: Grid { axes },
        seeds,
    };
    let n_runs = def.grid.n_points() * def.seeds.count();
    if n_runs > 10_000_000 {
        bail!("{n_runs} runs are too many for one sweep; split the grid");
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-sweep", def.scenario.name)));
    let definition = def.to_toml();
    app::check_memory(&def.scenario)?;
    prepare_folder(
        &out,
        &definition,
        &def.scenario.to_toml(),
        args.resume,
        args.force,
    )?;
    let mut sweep_toml = definition.clone();
    if let Some((k, n)) = shard {
        sweep_toml.push_str(&format!("{SHARD_HEADER}index = {k}\ncount = {n}\n"));
    }
    write_atomic(&out.join(SWEEP_FILE), &sweep_toml)?;

    let all = def.runs();
    let mine: Vec<&RunSpec> = all
        .iter()
        .filter(|r| shard.is_none_or(|s| in_shard(r.index, s)))
        .collect();
    let keys = def.grid.keys();
    let runs_dir = out.join(RUNS_DIR);
    // Finished runs (with --resume) are kept; the rest run.
    let todo: Vec<&RunSpec> = mine
        .iter()
        .copied()
        .filter(|r| !(args.resume && read_run(&runs_dir, r, &keys).is_some()))
        .collect();
    let skipped = mine.len() - todo.len();
    // Each grid point is checked once, as the validator checks a file.
    let mut point_errors: Vec<Option<String>> = vec![None; def.grid.n_points()];
    let mut checked = vec![false; def.grid.n_points()];
    for r in &todo {
        if !checked[r.point] {
            checked[r.point] = true;
            let s = set::apply(&def.scenario, &r.settings);
            point_errors[r.point] = set::check(&s).err().map(|e| format!("{e:#}"));
        }
    }
    let mode = if args.quiet { Mode::Quiet } else { Mode::Auto };
    if !args.quiet {
        eprintln!(
            "sweep {}: {} points × {} seeds = {n_runs} runs{}{}",
            def.scenario.name,
            def.grid.n_points(),
            def.seeds.count(),
            shard.map_or(String::new(), |(k, n)| format!(
                ", shard {k}/{n}: {} runs",
                mine.len()
            )),
            if skipped > 0 {
                format!(", {skipped} already done")
            } else {
                String::new()
            }
        );
    }
    let progress = Progress::new(todo.len(), mode, "runs");
    let order = order_of(&todo);
    let results = exec::parallel(&todo, &order, threads, &progress, |r, worker| {
        if let Some(e) = &point_errors[r.point] {
            bail!("{e}");
        }
        let mut s = set::apply(&def.scenario, &r.settings);
        s.seed = r.seed;
        let sim = worker.simulate(&s, args.audit)?;
        let text = table::run_csv(
            r,
            &keys,
            sim.world.centre.people_share,
            &sim.recorder.yearly,
        )?;
        write_atomic(&runs_dir.join(format!("{}.csv", r.id)), &text)
    })?;
    progress.finish();
    let failures: Vec<(&RunSpec, String)> = todo
        .iter()
        .zip(results)
        .filter_map(|(r, res)| res.err().map(|e| (*r, format!("{e:#}"))))
        .collect();
    let whole = shard.is_none();
    finish(&out, &def, &mine, &failures, whole)?;
    report_failures(&failures, mine.len())?;
    if !args.quiet {
        println!(
            "{} runs in {:.1} s{}: wrote {}",
            todo.len(),
            started.elapsed().as_secs_f64(),
            if skipped > 0 {
                format!(" ({skipped} kept from before)")
            } else {
                String::new()
            },
            out.display()
        );
        if let Some((k, n)) = shard {
            println!("  shard {k}/{n}; join the shards with `commune-sim merge`");
        }
    }
    Ok(out)
}

/// The runs in the order to start them (replicate 0 of every point first).
fn order_of(runs: &[&RunSpec]) -> Vec<usize> {
    let owned: Vec<RunSpec> = runs.iter().map(|r| (*r).clone()).collect();
    grid::execution_order(&owned)
}

/// Makes `out` ready: new, or an earlier sweep with `--force` (replaced) or `--resume` (of the
/// same definition, kept). A folder that is not a sweep folder is never touched.
fn prepare_folder(
    out: &Path,
    definition: &str,
    scenario_toml: &str,
    resume: bool,
    force: bool,
) -> anyhow::Result<()> {
    if out.exists() {
        let is_sweep = out.join(SWEEP_FILE).is_file();
        let empty = fs::read_dir(out).is_ok_and(|mut d| d.next().is_none());
        if !is_sweep && !empty {
            bail!(
                "output folder {} exists and is not a commune-sim sweep folder; choose another --out or remove it",
                out.display()
            );
        }
        if is_sweep {
            if force {
                fs::remove_dir_all(out)
                    .with_context(|| format!("failed to remove {}", out.display()))?;
            } else if resume {
                let old = fs::read_to_string(out.join(SWEEP_FILE)).unwrap_or_default();
                let old = old
                    .split_once(SHARD_HEADER)
                    .map_or(old.as_str(), |(d, _)| d);
                let old_scenario = fs::read_to_string(out.join(SCENARIO_FILE)).unwrap_or_default();
                if old != definition || old_scenario != scenario_toml {
                    bail!(
                        "{} holds a different sweep (its sweep.toml or scenario.toml differ: another grid, seeds, \
                         scale, scenario or program version); --resume continues only the same sweep",
                        out.display()
                    );
                }
            } else {
                bail!(
                    "output folder {} already holds a sweep; add --resume to continue it, --force to replace it, or choose another --out",
                    out.display()
                );
            }
        }
    }
    let runs = out.join(RUNS_DIR);
    fs::create_dir_all(&runs).with_context(|| format!("failed to create {}", runs.display()))?;
    // Half-written files of an interrupted sweep.
    for e in fs::read_dir(&runs).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            let _ = fs::remove_file(e.path());
        }
    }
    write_atomic(&out.join(SCENARIO_FILE), scenario_toml)
}

/// The run file of `spec` under `runs_dir`, if it holds exactly that run's rows.
fn read_run(runs_dir: &Path, spec: &RunSpec, keys: &[String]) -> Option<String> {
    let text = fs::read_to_string(runs_dir.join(format!("{}.csv", spec.id))).ok()?;
    table::parse_run_file(&text, spec, keys)?;
    Some(text)
}

/// Writes the table (and, for a whole sweep, the summary and chart) from the run files of
/// `runs`, and `failures.csv` (removed if there are none).
fn finish(
    out: &Path,
    def: &Definition,
    runs: &[&RunSpec],
    failures: &[(&RunSpec, String)],
    whole: bool,
) -> anyhow::Result<()> {
    let keys = def.grid.keys();
    let runs_dir = out.join(RUNS_DIR);
    let texts: Vec<(usize, String)> = runs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| read_run(&runs_dir, r, &keys).map(|t| (i, t)))
        .collect();
    let parsed = texts
        .iter()
        .map(|(i, t)| table::parse_run_file(t, runs[*i], &keys).expect("read_run checked it"));
    let table_text = if texts.is_empty() {
        String::new()
    } else {
        table::assemble(parsed)?
    };
    write_atomic(&out.join(TABLE_FILE), &table_text)?;
    write_failures(out, &keys, failures)?;
    let summary_path = out.join(SUMMARY_FILE);
    let chart_dir = out.join(charts::CHARTS_DIR);
    if whole && !table_text.is_empty() {
        draw(out, def, &Table::parse(&table_text)?)
    } else {
        let _ = fs::remove_file(&summary_path);
        let _ = fs::remove_dir_all(&chart_dir);
        Ok(())
    }
}

/// `summary.csv` and the band chart of a whole sweep from its table.
fn draw(out: &Path, def: &Definition, table: &Table) -> anyhow::Result<()> {
    let keys = def.grid.keys();
    write_atomic(&out.join(SUMMARY_FILE), &table::summary_csv(table, &keys)?)?;
    let source = format!(
        "commune-sim {}, scenario {}, scale {}, {} seeds per point ({}); table: sweep.csv",
        env!("CARGO_PKG_VERSION"),
        def.scenario.name,
        def.scenario.params.population.scale,
        def.seeds.count(),
        match &def.seeds {
            Seeds::Derived { master, .. } => format!("master seed {master}"),
            Seeds::List(_) => "seed list".to_string(),
        }
    );
    let fig = many::sweep_figure(&sweep_bands(table, &keys)?, &def.scenario.name, source);
    charts::write_figure(out, &fig)
}

/// `commune-sim plot` on a sweep folder: redraws `summary.csv` and the band chart from
/// `sweep.csv`.
pub fn replot(dir: &Path) -> anyhow::Result<()> {
    let (def, _, shard) = Definition::read(dir)?;
    if let Some((k, n)) = shard {
        bail!(
            "{} is shard {k}/{n} of a sweep: a shard has no summary or chart; `commune-sim merge` the shards",
            dir.display()
        );
    }
    let path = dir.join(TABLE_FILE);
    let text =
        fs::read_to_string(&path).with_context(|| format!("failed to read {}", path.display()))?;
    if text.is_empty() {
        bail!("{} has no rows: every run failed", path.display());
    }
    draw(dir, &def, &Table::parse(&text)?)
}

/// `failures.csv`: `run_id, point, replicate, seed, <keys>, error`, in run order.
fn write_failures(
    out: &Path,
    keys: &[String],
    failures: &[(&RunSpec, String)],
) -> anyhow::Result<()> {
    let path = out.join(FAILURES_FILE);
    if failures.is_empty() {
        let _ = fs::remove_file(&path);
        return Ok(());
    }
    let mut sorted: Vec<&(&RunSpec, String)> = failures.iter().collect();
    sorted.sort_by_key(|(r, _)| r.index);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = table::LEAD.iter().map(|s| s.to_string()).collect();
    header.extend(keys.iter().cloned());
    header.push("error".into());
    w.write_record(&header)?;
    for (r, e) in sorted {
        let mut f = vec![
            r.id.clone(),
            r.point.to_string(),
            r.replicate.to_string(),
            r.seed.to_string(),
        ];
        f.extend(r.settings.iter().map(|s| s.value.to_string()));
        f.push(e.clone());
        w.write_record(&f)?;
    }
    let bytes = w.into_inner().context("failed to write failures.csv")?;
    write_atomic(&path, &String::from_utf8_lossy(&bytes))
}

/// Says which runs failed (with their parameters) and fails if any did.
fn report_failures(failures: &[(&RunSpec, String)], total: usize) -> anyhow::Result<()> {
    if failures.is_empty() {
        return Ok(());
    }
    for (r, e) in failures {
        eprintln!(
            "run {} failed (seed {}{}{}): {e}",
            r.id,
            r.seed,
            if r.settings.is_empty() { "" } else { ", " },
            r.describe()
        );
    }
    bail!(
        "{} of {total} runs failed (listed in {FAILURES_FILE}); the others are in the table",
        failures.len()
    )
}

/// Mean and 5–95% bands per grid point of the chart's series, as national equivalents.
fn sweep_bands(table: &Table, keys: &[String]) -> anyhow::Result<Vec<many::PointBands>> {
    let col = |name: &str| {
        table
            .col(name)
            .with_context(|| format!("{TABLE_FILE} has no column {name}"))
    };
    let (point, year, share) = (col("point")?, col("year")?, col(table::SHARE)?);
    let key_cols: Vec<usize> = keys.iter().map(|k| col(k)).collect::<anyhow::Result<_>>()?;
    let series: Vec<(usize, f64, bool)> = many::SWEEP_SERIES
        .iter()
        .map(|s| Ok((col(s.column)?, s.unit, s.national)))
        .collect::<anyhow::Result<_>>()?;
    let mut out: Vec<many::PointBands> = Vec::new();
    for row in &table.rows {
        let p: usize = row[point].parse().unwrap_or(0);
        if out.last().is_none_or(|b| b.point != p) {
            out.push(many::PointBands {
                point: p,
                label: keys
                    .iter()
                    .zip(&key_cols)
                    .map(|(k, &c)| format!("{}={}", short_key(k, keys), row[c]))
                    .collect::<Vec<_>>()
                    .join(", "),
                series: vec![Vec::new(); series.len()],
                seeds: 0,
            });
        }
    }
    for b in &mut out {
        let rows: Vec<&Vec<String>> = table
            .rows
            .iter()
            .filter(|r| r[point].parse::<usize>().ok() == Some(b.point))
            .collect();
        let mut years: Vec<u32> = rows.iter().filter_map(|r| r[year].parse().ok()).collect();
        years.sort_unstable();
        years.dedup();
        b.seeds = rows.len() / years.len().max(1);
        for (si, (c, unit, national)) in series.iter().enumerate() {
            for &y in &years {
                let xs: Vec<f64> = rows
                    .iter()
                    .filter(|r| r[year].parse::<u32>().ok() == Some(y))
                    .filter_map(|r| {
                        let v: f64 = r[*c].parse().ok()?;
                        let k = if *national {
                            1.0 / r[share].parse::<f64>().ok().filter(|s| *s > 0.0)?
                        } else {
                            1.0
                        };
                        Some(v * k * unit)
                    })
                    .collect();
                if xs.is_empty() {
                    continue;
                }
                let s = table::Stat::of(&xs);
                b.series[si].push((f64::from(y), s.mean, s.p5, s.p95));
            }
        }
    }
    Ok(out)
}

/// A swept key as shown in a legend: its name alone where no other swept key has that name.
fn short_key<'a>(key: &'a str, keys: &[String]) -> &'a str {
    let name = key.rsplit('.').next().unwrap_or(key);
    let clashes = keys
        .iter()
        .filter(|k| k.rsplit('.').next() == Some(name))
        .count();
    if clashes > 1 { key } else { name }
}

/// `commune-sim merge`: checks that the folders are the shards 1/N … N/N of one sweep and
/// writes the folder an unsharded sweep writes, which it returns. Fails (after writing) if any
/// run failed.
pub fn merge(args: &MergeArgs) -> anyhow::Result<PathBuf> {
    let mut first: Option<(Definition, String)> = None;
    let mut seen: Vec<(usize, &Path)> = Vec::new();
    let mut count = 0;
    for dir in &args.shards {
        let (def, text, shard) = Definition::read(dir)?;
        let Some((k, n)) = shard else {
            bail!(
                "{} is a whole sweep, not a shard (it has no [shard] in {SWEEP_FILE})",
                dir.display()
            );
        };
        match &first {
            None => {
                first = Some((def, text));
                count = n;
            }
            Some((_, t)) => {
                if *t != text || n != count {
                    bail!(
                        "{} and {} are shards of different sweeps ({SWEEP_FILE} differs: grid, seeds, scale, \
                         scenario or shard count); merge only the shards of one sweep",
                        args.shards[0].display(),
                        dir.display()
                    );
                }
            }
        }
        if let Some((_, other)) = seen.iter().find(|(s, _)| *s == k) {
            bail!(
                "shard {k}/{n} is given twice: {} and {}",
                other.display(),
                dir.display()
            );
        }
        let scenario_text = fs::read_to_string(dir.join(SCENARIO_FILE)).unwrap_or_default();
        let first_scenario =
            fs::read_to_string(args.shards[0].join(SCENARIO_FILE)).unwrap_or_default();
        if scenario_text != first_scenario {
            bail!(
                "{} and {} ran different scenarios ({SCENARIO_FILE} differs)",
                args.shards[0].display(),
                dir.display()
            );
        }
        seen.push((k, dir));
    }
    let (def, definition) = first.context("no shard folders given")?;
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.iter().any(|(s, _)| s == k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shard {} missing; merge needs every shard",
            missing.join(", ")
        );
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}-sweep", def.scenario.name)));
    if seen.iter().any(|(_, d)| same_dir(d, &out)) {
        bail!(
            "--out {} is one of the shards; choose another folder",
            out.display()
        );
    }
    if out.join(SWEEP_FILE).is_file() && !args.force {
        bail!(
            "output folder {} already holds a sweep; add --force to replace it, or choose another --out",
            out.display()
        );
    }
    let scenario_toml =
        fs::read_to_string(args.shards[0].join(SCENARIO_FILE)).with_context(|| {
            format!(
                "failed to read {}",
                args.shards[0].join(SCENARIO_FILE).display()
            )
        })?;
    prepare_folder(&out, &definition, &scenario_toml, false, args.force)?;
    write_atomic(&out.join(SWEEP_FILE), &definition)?;
    let keys = def.grid.keys();
    let all = def.runs();
    let mut failures: Vec<(&RunSpec, String)> = Vec::new();
    for r in &all {
        let (_, dir) = seen
            .iter()
            .find(|(k, _)| in_shard(r.index, (*k, count)))
            .expect("every shard is there");
        match read_run(&dir.join(RUNS_DIR), r, &keys) {
            Some(text) => write_atomic(&out.join(RUNS_DIR).join(format!("{}.csv", r.id)), &text)?,
            None => {
                let error = shard_failure(dir, r).unwrap_or_else(|| {
                    format!(
                        "no rows in shard {} (was the shard finished?)",
                        dir.display()
                    )
                });
                failures.push((r, error));
            }
        }
    }
    let refs: Vec<&RunSpec> = all.iter().collect();
    finish(&out, &def, &refs, &failures, true)?;
    report_failures(&failures, all.len())?;
    if !args.quiet {
        println!(
            "merged {count} shards, {} runs: wrote {}",
            all.len(),
            out.display()
        );
    }
    Ok(out)
}

/// The error a shard recorded for run `r` in its `failures.csv`.
fn shard_failure(dir: &Path, r: &RunSpec) -> Option<String> {
    let text = fs::read_to_string(dir.join(FAILURES_FILE)).ok()?;
    let t = Table::parse(&text).ok()?;
    let (id, err) = (t.col("run_id")?, t.col("error")?);
    t.rows
        .iter()
        .find(|row| row[id] == r.id)
        .map(|row| row[err].clone())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename, so the
/// file is either whole or absent.
pub fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    fs::write(&tmp, text).with_context(|| format!("failed to write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("failed to write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_runs() {
        assert_eq!(parse_shard("2/3").unwrap(), (2, 3));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        for i in 0..30 {
            let owners: Vec<usize> = (1..=4).filter(|&k| in_shard(i, (k, 4))).collect();
            assert_eq!(owners.len(), 1);
        }
        assert!(in_shard(0, (1, 3)) && in_shard(4, (2, 3)) && in_shard(5, (3, 3)));
    }

    #[test]
    fn seeds_are_checked() {
        assert!(seeds_from(Some(0), None, 1).is_err());
        assert!(seeds_from(None, Some(&[1, 1]), 1).is_err());
        assert!(seeds_from(None, Some(&[]), 1).is_err());
        assert!(seeds_from(None, Some(&[1 << 63]), 1).is_err());
        assert_eq!(
            seeds_from(None, None, 7).unwrap(),
            Seeds::Derived { master: 7, n: 1 }
        );
    }
}
