//! Writes a run folder: the CSV tables, `manifest.toml` (what was run: the resolved scenario,
//! seed, version — everything needed to reproduce the bytes) and `timing.toml` (threads and
//! wall time, the only file that differs between identical runs).
//!
//! The folder is written under a temporary name beside its destination and renamed into place
//! when complete, so a folder with the destination's name is always a whole run. The charts and
//! `report.html` are drawn inside the temporary folder from the CSV tables just written (the
//! same code path as `commune-sim plot`), so they are part of the whole run too.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

use crate::collect::Recorder;
use crate::collect::fit;
use crate::scenario::Scenario;
use crate::world::World;

/// The files every run folder holds.
pub const RUN_FILES: [&str; 9] = [
    "manifest.toml",
    "scenario.toml",
    "timing.toml",
    "national_monthly.csv",
    "national_yearly.csv",
    "provinces_yearly.csv",
    "communes_yearly.csv",
    "fit.csv",
    "report.html",
];

/// How the run went, recorded apart from the results.
pub struct Timing {
    pub threads: usize,
    /// The instruction set the team loops ran in (`baseline` or `avx2`, see `step::simd`).
    pub simd: &'static str,
    pub build_seconds: f64,
    pub simulate_seconds: f64,
}

/// Checks that a run may be written to `dir`: it does not exist (and its parent can be made),
/// or it holds an earlier run and `force` is given. A folder that is not a run folder is never
/// replaced.
pub fn check_destination(dir: &Path, force: bool) -> anyhow::Result<()> {
    if !dir.exists() {
        // Make the parent now, so an impossible destination fails before the run, not after.
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return fs::create_dir_all(parent)
            .with_context(|| format!("failed to create output folder {}", parent.display()));
    }
    if !dir.join("manifest.toml").is_file() {
        bail!(
            "output folder {} exists and is not a commune-sim run folder; choose another --out or remove it",
            dir.display()
        );
    }
    if !force {
        bail!(
            "output folder {} already holds a run; add --force to replace it, or choose another --out",
            dir.display()
        );
    }
    Ok(())
}

/// Writes the run folder `dir` (replacing an earlier run there only with `force`).
pub fn write_run(
    dir: &Path,
    scenario: &Scenario,
    world: &World,
    rec: &Recorder,
    timing: &Timing,
    force: bool,
) -> anyhow::Result<()> {
    write_run_with(dir, scenario, world, rec, timing, force, &[])
}

/// [`write_run`] with `extra` files `(name, text)` (an ensemble's tables), written before the
/// charts and report are drawn so that they can use them.
pub fn write_run_with(
    dir: &Path,
    scenario: &Scenario,
    world: &World,
    rec: &Recorder,
    timing: &Timing,
    force: bool,
    extra: &[(String, String)],
) -> anyhow::Result<()> {
    check_destination(dir, force)?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)
        .with_context(|| format!("failed to create output folder {}", parent.display()))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp)
            .with_context(|| format!("failed to remove stale {}", tmp.display()))?;
    }
    fs::create_dir(&tmp).with_context(|| format!("failed to create {}", tmp.display()))?;
    let written = write_files(&tmp, scenario, world, rec, timing, extra);
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    replace_dir(&tmp, dir)
}

/// Moves the finished folder `from` to `to`, replacing an earlier run at `to`.
fn replace_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    let old: Option<PathBuf> = if to.exists() {
        let old = from.with_extension("old");
        fs::rename(to, &old)
            .with_context(|| format!("failed to move the earlier run {} aside", to.display()))?;
        Some(old)
    } else {
        None
    };
    if let Err(e) = fs::rename(from, to) {
        if let Some(old) = &old {
            let _ = fs::rename(old, to);
        }
        return Err(e)
            .with_context(|| format!("failed to move the finished run into {}", to.display()));
    }
    if let Some(old) = old {
        fs::remove_dir_all(&old)
            .with_context(|| format!("failed to remove the earlier run {}", old.display()))?;
    }
    Ok(())
}

fn write_files(
    dir: &Path,
    scenario: &Scenario,
    world: &World,
    rec: &Recorder,
    timing: &Timing,
    extra: &[(String, String)],
) -> anyhow::Result<()> {
    write_csv(&dir.join("national_monthly.csv"), &rec.monthly)?;
    write_csv(&dir.join("national_yearly.csv"), &rec.yearly)?;
    write_csv(&dir.join("provinces_yearly.csv"), &rec.provinces)?;
    write_csv(&dir.join("communes_yearly.csv"), &rec.communes)?;
    let fit = fit::table(
        &rec.yearly,
        &rec.provinces,
        world.centre.people_share,
        &fit::Series::compiled(),
    );
    write_csv(&dir.join("fit.csv"), &fit)?;
    let resolved = scenario.to_toml();
    write_text(&dir.join("scenario.toml"), &resolved)?;
    write_text(
        &dir.join("manifest.toml"),
        &manifest(scenario, world, &resolved, &fit)?,
    )?;
    let timing = format!(
        "# How long the run took. The only file of a run folder that differs between identical runs.\n\
         threads = {}\nsimd = \"{}\"\nbuild_seconds = {:.3}\nsimulate_seconds = {:.3}\n",
        timing.threads, timing.simd, timing.build_seconds, timing.simulate_seconds
    );
    write_text(&dir.join("timing.toml"), &timing)?;
    for (name, text) in extra {
        write_text(&dir.join(name), text)?;
    }
    crate::report::write_run(dir)
}

/// The manifest: program, version, seed, the world's size, and the resolved scenario.
fn manifest(
    scenario: &Scenario,
    world: &World,
    resolved: &str,
    fit: &[fit::FitRow],
) -> anyhow::Result<String> {
    let scenario_table: toml::Table = resolved
        .parse()
        .context("failed to read back the resolved scenario")?;
    let mut run = toml::Table::new();
    let mut put = |k: &str, v: toml::Value| {
        run.insert(k.to_string(), v);
    };
    put("program", "commune-sim".into());
    put("version", env!("CARGO_PKG_VERSION").into());
    put("scenario", scenario.name.clone().into());
    put("seed", toml::Value::Integer(scenario.seed as i64));
    put("start", scenario.start.to_string().into());
    put("end", scenario.end.to_string().into());
    put("scale", scenario.params.population.scale.into());
    put(
        "people_share",
        ((world.centre.people_share * 1e9).round() / 1e9).into(),
    );
    put(
        "provinces",
        toml::Value::Integer(world.n_provinces() as i64),
    );
    put("counties", toml::Value::Integer(world.n_counties() as i64));
    put("communes", toml::Value::Integer(world.n_communes() as i64));
    put("brigades", toml::Value::Integer(world.n_brigades() as i64));
    put("teams", toml::Value::Integer(world.n_teams() as i64));
    put(
        "rng",
        "ChaCha8 (rand_chacha 0.10), one stream per (seed, step, draw kind, unit)".into(),
    );
    put(
        "files",
        toml::Value::Array(RUN_FILES.iter().map(|f| toml::Value::from(*f)).collect()),
    );
    // The fit to the official record (MODEL §7): the objective and every compared value.
    let mut fit_table = toml::Table::new();
    let objective = (fit::objective(fit) * 1e6).round() / 1e6;
    fit_table.insert("objective".into(), objective.into());
    fit_table.insert("table".into(), "fit.csv".into());
    fit_table.insert(
        "rows".into(),
        toml::Value::Array(
            fit.iter()
                .map(|r| {
                    let mut t = toml::Table::new();
                    t.insert("series".into(), r.series.clone().into());
                    t.insert("year".into(), toml::Value::Integer(i64::from(r.year)));
                    t.insert("model".into(), r.model.into());
                    t.insert("official".into(), r.official.into());
                    t.insert("error".into(), r.error.into());
                    if let (Some(lo), Some(hi)) = (r.band_low, r.band_high) {
                        t.insert("band".into(), vec![lo, hi].into());
                    }
                    toml::Value::Table(t)
                })
                .collect(),
        ),
    );
    let mut top = toml::Table::new();
    top.insert("fit".into(), toml::Value::Table(fit_table));
    top.insert("run".into(), toml::Value::Table(run));
    top.insert("scenario".into(), toml::Value::Table(scenario_table));
    let body = toml::to_string(&top).context("failed to write the manifest")?;
    Ok(format!(
        "# What was run. Every output file except timing.toml depends only on this scenario, the seed\n\
         # and the program version. `scenario.toml` beside this file re-runs it.\n{body}"
    ))
}

fn write_text(path: &Path, text: &str) -> anyhow::Result<()> {
    fs::write(path, text).with_context(|| format!("failed to write {}", path.display()))
}

fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)
        .with_context(|| format!("failed to create {}", path.display()))?;
    for row in rows {
        w.serialize(row)
            .with_context(|| format!("failed to write {}", path.display()))?;
    }
    w.flush()
        .with_context(|| format!("failed to write {}", path.display()))
}
