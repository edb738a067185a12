//! `run --seeds N`: an ensemble of one scenario over N seeds derived from the master seed (as
//! replicates of a one-point sweep: [`seed`]). The run folder holds the first replicate's usual
//! tables, `ensemble.csv` (every replicate's yearly rows, in the layout of `sweep.csv` without
//! swept columns) and `ensemble.toml` (the master seed and the rule); the charts draw the mean
//! and the 5–95% band over the replicates from `ensemble.csv`.

use std::fmt::Write as _;

use anyhow::Context;

use super::exec;
use super::grid::{self, RunSpec};
use super::progress::{Mode, Progress};
use super::seeds;
use super::table::{self, Stat, Table};
use crate::app::Simulated;
use crate::scenario::Scenario;

/// The ensemble's table in a run folder.
pub const TABLE: &str = "ensemble.csv";
/// The ensemble's description in a run folder.
pub const MANIFEST: &str = "ensemble.toml";

/// The seed of replicate `replicate` under `master` (point 0 of a sweep).
pub fn seed(master: u64, replicate: usize) -> u64 {
    seeds::run_seed(master, 0, replicate as u64)
}

/// `ensemble.toml` for `n` seeds under `master`.
pub fn manifest(master: u64, n: usize) -> String {
    let list: Vec<String> = (0..n).map(|r| seed(master, r).to_string()).collect();
    format!(
        "# An ensemble: this folder's tables are those of the first seed; ensemble.csv holds every\n\
         # seed's yearly rows. The charts draw the mean and the 5–95% band over the seeds.\n\
         master_seed = {master}\nseeds = {n}\n\
         seed_rule = \"splitmix64(splitmix64(splitmix64(master_seed) + 0) + replicate) >> 1\"\n\
         replicate_seeds = [{}]\n",
        list.join(", ")
    )
}

/// A simulated ensemble.
pub struct Ensemble {
    /// The scenario with the first replicate's seed: the run folder's scenario.
    pub scenario: Scenario,
    /// The first replicate, whole.
    pub first: Simulated,
    /// `(file name, text)`: [`TABLE`] and [`MANIFEST`].
    pub files: Vec<(String, String)>,
}

/// Simulates `s` with `n` seeds derived from `s.seed`, in parallel.
pub fn simulate(
    s: &Scenario,
    n: usize,
    threads: usize,
    audit: bool,
    quiet: bool,
) -> anyhow::Result<Ensemble> {
    let specs: Vec<RunSpec> = grid::runs(
        &grid::Grid { axes: Vec::new() },
        &grid::Seeds::Derived { master: s.seed, n },
    );
    let progress = Progress::new(n, if quiet { Mode::Quiet } else { Mode::Auto }, "seeds");
    let order: Vec<usize> = (0..n).collect();
    let results = exec::parallel(&specs, &order, threads, &progress, |r, worker| {
        let mut one = s.clone();
        one.seed = r.seed;
        let sim = worker.simulate(&one, audit)?;
        let text = table::run_csv(r, &[], sim.world.centre.people_share, &sim.recorder.yearly)?;
        Ok((if r.replicate == 0 { Some(sim) } else { None }, text))
    })?;
    progress.finish();
    let mut first = None;
    let mut texts = Vec::with_capacity(n);
    for (r, res) in specs.iter().zip(results) {
        let (sim, text) = res.with_context(|| {
            format!(
                "seed {} of the ensemble (replicate {})",
                r.seed, r.replicate
            )
        })?;
        if sim.is_some() {
            first = sim;
        }
        texts.push(text);
    }
    let parsed: Vec<(&str, Vec<&str>)> = texts
        .iter()
        .zip(&specs)
        .map(|(t, r)| table::parse_run_file(t, r, &[]).context("an ensemble run wrote no rows"))
        .collect::<anyhow::Result<_>>()?;
    let csv = table::assemble(parsed)?;
    let mut scenario = s.clone();
    scenario.seed = specs[0].seed;
    Ok(Ensemble {
        scenario,
        first: first.context("the first replicate is missing")?,
        files: vec![
            (TABLE.to_string(), csv),
            (MANIFEST.to_string(), manifest(s.seed, n)),
        ],
    })
}

/// A few lines for the terminal: excess deaths and the death rate by year, mean and 5–95%.
pub fn summary(ensemble_csv: &str) -> anyhow::Result<String> {
    let t = Table::parse(ensemble_csv)?;
    let col = |n: &str| t.col(n).with_context(|| format!("{TABLE} has no {n}"));
    let (year, share, excess, cdr) = (
        col("year")?,
        col(table::SHARE)?,
        col("excess_deaths")?,
        col("cdr_per_1000")?,
    );
    let mut years: Vec<&str> = t.rows.iter().map(|r| r[year].as_str()).collect();
    years.dedup();
    years.sort_unstable();
    years.dedup();
    let n = t.rows.len() / years.len().max(1);
    let mut s = format!(
        "  ensemble of {n} seeds: mean (5–95%)\n  year  excess deaths M (national)      CDR ‰\n"
    );
    for y in years {
        let rows: Vec<&Vec<String>> = t.rows.iter().filter(|r| r[year] == y).collect();
        let num = |r: &Vec<String>, c: usize| r[c].parse::<f64>().unwrap_or(f64::NAN);
        let ex: Vec<f64> = rows
            .iter()
            .map(|r| num(r, excess) / num(r, share) / 1e6)
            .collect();
        let cd: Vec<f64> = rows.iter().map(|r| num(r, cdr)).collect();
        let (e, c) = (Stat::of(&ex), Stat::of(&cd));
        let _ = writeln!(
            s,
            "  {y}  {:6.2} ({:6.2} to {:6.2})    {:5.1} ({:4.1} to {:4.1})",
            e.mean, e.p5, e.p95, c.mean, c.p5, c.p95
        );
    }
    Ok(s)
}
