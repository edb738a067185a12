//! Command-line definitions (clap). No clap type leaves this file: `parse` returns a plain
//! [`Command`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Shown after `sweep --help`.
const SWEEP_HELP: &str = "Examples:
  commune-sim sweep scenarios/historical.toml --set reporting.inflation=0.5,1 \\
      --set procurement.rate=0.2..0.3:3 --seeds 5
  commune-sim sweep ... --shard 2/8 --out sweeps/x/shard-2   (then: commune-sim merge sweeps/x/shard-*)

Every run's seed is derived from the master seed and its grid position and written in
sweep.csv; `commune-sim run SCENARIO --scale F --seed S --set KEY=VALUE ...` re-runs it alone.
An interrupted sweep keeps its finished runs: run the same command with --resume.";

#[derive(Parser, Debug)]
#[command(
    name = "commune-sim",
    version,
    about = "Agent-based model of China's rural economy during the Great Leap Forward (1957-1962)",
    long_about = "Simulates ~23,500 people's communes, their brigades and production teams month by month: \
                  grain grown and reported, labour drawn to furnaces and water works, procurement set from \
                  inflated reports, mess halls, and the famine that followed. Communes are synthetic, drawn \
                  from provincial data."
)]
struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// Run a scenario and write its output folder
    Run {
        /// Scenario file (TOML)
        scenario: PathBuf,
        /// Output folder [default: output/<scenario name>]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Random seed [default: the scenario's]; with --seeds, the master seed of the ensemble
        #[arg(long)]
        seed: Option<u64>,
        /// Set a parameter, KEY=VALUE (repeatable); a schedule becomes a constant for the whole run
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Run an ensemble of N seeds derived from --seed: charts show the mean and a 5–95% band,
        /// ensemble.csv holds every seed's yearly rows, the other tables are the first seed's
        #[arg(long, value_name = "N")]
        seeds: Option<usize>,
        /// Worker threads [default: all cores]; results do not depend on it
        #[arg(long)]
        threads: Option<usize>,
        /// Share of the national commune count to simulate (e.g. 0.01) [default: the scenario's]
        #[arg(long, allow_negative_numbers = true)]
        scale: Option<f64>,
        /// Replace an earlier run in the output folder
        #[arg(long)]
        force: bool,
        /// Check conservation and ranges every month, stopping at the first failure
        /// [default: on in debug builds]
        #[arg(long, overrides_with = "no_audit")]
        audit: bool,
        /// Skip the monthly checks even in a debug build
        #[arg(long)]
        no_audit: bool,
        /// Print nothing but errors
        #[arg(long, short)]
        quiet: bool,
    },
    /// Validate a scenario without running it
    Check {
        /// Scenario file (TOML)
        scenario: PathBuf,
    },
    /// Run several scenarios (or reuse their finished runs) and draw them overlaid, with a report
    Compare {
        /// Scenario files (TOML); the first is the reference
        #[arg(required = true, num_args = 2..)]
        scenarios: Vec<PathBuf>,
        /// Output folder [default: output/compare-<a>-<b>...]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Random seed for every scenario [default: each scenario's]
        #[arg(long)]
        seed: Option<u64>,
        /// Run each scenario as an ensemble of N seeds: means with 5–95% bands
        #[arg(long, value_name = "N")]
        seeds: Option<usize>,
        /// Worker threads [default: all cores]; results do not depend on it
        #[arg(long)]
        threads: Option<usize>,
        /// Share of the national commune count to simulate [default: each scenario's]
        #[arg(long, allow_negative_numbers = true)]
        scale: Option<f64>,
        /// Print nothing but errors
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run a grid of parameter values × seeds in parallel into one tidy table (sweep.csv), with
    /// summary.csv (mean, 5th and 95th percentiles) and a band chart
    #[command(after_help = SWEEP_HELP)]
    Sweep {
        /// Scenario file (TOML)
        scenario: PathBuf,
        /// KEY=V1,V2,... or KEY=LO..HI:N (N values, ends included); repeat for more keys, the grid
        /// is every combination. A schedule is set as a constant for the whole run
        #[arg(long = "set", value_name = "KEY=VALUES")]
        set: Vec<String>,
        /// Replicates per grid point, each seeded from --seed and its grid position [default: 1]
        #[arg(long, value_name = "N", conflicts_with = "seed_list")]
        seeds: Option<usize>,
        /// Run these seeds at every grid point instead (comma-separated)
        #[arg(long, value_name = "S1,S2,...", value_delimiter = ',')]
        seed_list: Option<Vec<u64>>,
        /// Master seed [default: the scenario's]
        #[arg(long)]
        seed: Option<u64>,
        /// Share of the national commune count to simulate in each run
        #[arg(long, default_value_t = 0.02, allow_negative_numbers = true)]
        scale: f64,
        /// Output folder [default: output/<scenario name>-sweep]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores]; results do not depend on it
        #[arg(long)]
        threads: Option<usize>,
        /// Run only shard K of N (runs K, K+N, K+2N, ... counting from 1), for a cluster job
        /// array; `commune-sim merge` joins the shards
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Continue a sweep in the output folder, skipping the runs it finished
        #[arg(long, conflicts_with = "force")]
        resume: bool,
        /// Replace an earlier sweep in the output folder
        #[arg(long)]
        force: bool,
        /// Check conservation and ranges every month in every run
        #[arg(long)]
        audit: bool,
        /// No progress, no summary: only errors
        #[arg(long, short)]
        quiet: bool,
    },
    /// Join the shard folders of a sweep (`sweep --shard K/N`) into the folder an unsharded sweep
    /// writes
    Merge {
        /// Shard folders, every shard 1/N to N/N once, in any order
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output folder [default: output/<scenario name>-sweep]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an earlier sweep in the output folder
        #[arg(long)]
        force: bool,
        /// Print nothing but errors
        #[arg(long, short)]
        quiet: bool,
    },
    /// Screen parameters for influence (Morris elementary effects: mu*, sigma) on excess deaths
    /// 1958–62, grain output in 1960 and the peak death rate, with a ranked chart
    Sensitivity {
        /// Scenario file (TOML)
        scenario: PathBuf,
        /// Parameters to screen, comma-separated keys (numbers or schedules; a schedule is set as
        /// a constant for the whole run)
        #[arg(
            long,
            required = true,
            value_delimiter = ',',
            value_name = "KEY,KEY,..."
        )]
        params: Vec<String>,
        /// Morris trajectories (runs = trajectories × (parameters + 1))
        #[arg(long, default_value_t = 10)]
        trajectories: usize,
        /// Grid levels per parameter (even)
        #[arg(long, default_value_t = 4)]
        levels: usize,
        /// Range of a parameter, KEY=LO..HI (repeatable) [default: the registry's range]
        #[arg(long = "range", value_name = "KEY=LO..HI")]
        range: Vec<String>,
        /// Seed of the design and of every run [default: the scenario's]
        #[arg(long)]
        seed: Option<u64>,
        /// Share of the national commune count to simulate in each run
        #[arg(long, default_value_t = 0.02, allow_negative_numbers = true)]
        scale: f64,
        /// Output folder [default: output/<scenario name>-morris]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores]; results do not depend on it
        #[arg(long)]
        threads: Option<usize>,
        /// Replace an earlier screening in the output folder
        #[arg(long)]
        force: bool,
        /// No progress, no summary: only errors
        #[arg(long, short)]
        quiet: bool,
    },
    /// Fit the judgement parameters to the official national series (MODEL §7)
    Calibrate {
        /// Scenario file (TOML) to fit, normally scenarios/historical.toml
        scenario: PathBuf,
        /// Official series [default: data/history/national.csv, as compiled in]
        #[arg(long)]
        targets: Option<PathBuf>,
        /// Share of the communes simulated in each evaluation
        #[arg(long, default_value_t = 0.01)]
        scale: f64,
        /// Most evaluations to spend (each runs the scenario and its three counterfactuals)
        #[arg(long, default_value_t = 1200)]
        evaluations: usize,
        /// Folder for fitted.toml and fit.csv [default: output/calibration-<name>]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the fitted values into the scenario file, each with a comment naming this command
        #[arg(long)]
        write: bool,
        /// Print nothing but errors
        #[arg(long, short)]
        quiet: bool,
    },
    /// Explain a parameter (section.name or a section), or list them all
    Explain {
        /// Parameter key, e.g. reporting.inflation, or a section, e.g. labour
        key: Option<String>,
    },
    /// List the scenarios of a folder with their descriptions
    List {
        /// Folder of scenario files
        #[arg(default_value = "scenarios")]
        dir: PathBuf,
    },
    /// Redraw the charts and report.html of a run (or comparison) folder from its CSV tables,
    /// or the summary and chart of a sweep folder
    Plot {
        /// Run folder written by `commune-sim run` or `compare`, or a sweep folder
        run_dir: PathBuf,
    },
    /// Write a short, commented scenario that extends another, its headline knobs ready to edit
    New {
        /// The new scenario file (TOML); its name is the file's stem
        file: PathBuf,
        /// The parent: a bundled scenario's name (historical, no_diversion, ...) or a path
        #[arg(long, default_value = "historical")]
        from: String,
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
}

/// What the user asked for.
#[derive(Debug)]
pub enum Command {
    Run(RunArgs),
    Check { scenario: PathBuf },
    Compare(CompareArgs),
    Plot { run_dir: PathBuf },
    Calibrate(CalibrateArgs),
    Explain { key: Option<String> },
    List { dir: PathBuf },
    New(NewArgs),
    Sweep(SweepArgs),
    Merge(MergeArgs),
    Sensitivity(SensitivityArgs),
}

/// Arguments of `new`.
#[derive(Debug, Clone)]
pub struct NewArgs {
    pub file: PathBuf,
    pub from: String,
    pub force: bool,
}

/// Arguments of `sweep`.
#[derive(Debug, Clone)]
pub struct SweepArgs {
    pub scenario: PathBuf,
    /// `KEY=VALUES` as given.
    pub set: Vec<String>,
    pub seeds: Option<usize>,
    pub seed_list: Option<Vec<u64>>,
    pub seed: Option<u64>,
    pub scale: f64,
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
    /// `K/N` as given.
    pub shard: Option<String>,
    pub resume: bool,
    pub force: bool,
    pub audit: bool,
    pub quiet: bool,
}

/// Arguments of `merge`.
#[derive(Debug, Clone)]
pub struct MergeArgs {
    pub shards: Vec<PathBuf>,
    pub out: Option<PathBuf>,
    pub force: bool,
    pub quiet: bool,
}

/// Arguments of `sensitivity`.
#[derive(Debug, Clone)]
pub struct SensitivityArgs {
    pub scenario: PathBuf,
    pub params: Vec<String>,
    pub trajectories: usize,
    pub levels: usize,
    /// `KEY=LO..HI` as given.
    pub range: Vec<String>,
    pub seed: Option<u64>,
    pub scale: f64,
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
    pub force: bool,
    pub quiet: bool,
}

/// Arguments of `calibrate`.
#[derive(Debug, Clone)]
pub struct CalibrateArgs {
    pub scenario: PathBuf,
    pub targets: Option<PathBuf>,
    pub scale: f64,
    pub evaluations: usize,
    pub out: Option<PathBuf>,
    pub write: bool,
    pub quiet: bool,
}

/// Arguments of `compare`.
#[derive(Debug, Clone)]
pub struct CompareArgs {
    pub scenarios: Vec<PathBuf>,
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    /// Run each scenario as an ensemble of this many seeds.
    pub seeds: Option<usize>,
    pub threads: Option<usize>,
    pub scale: Option<f64>,
    pub quiet: bool,
}

/// Arguments of `run`.
#[derive(Debug, Clone)]
pub struct RunArgs {
    pub scenario: PathBuf,
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    /// `KEY=VALUE` as given.
    pub set: Vec<String>,
    /// Run an ensemble of this many seeds.
    pub seeds: Option<usize>,
    pub threads: Option<usize>,
    pub scale: Option<f64>,
    pub quiet: bool,
    /// Replace an earlier run in the output folder.
    pub force: bool,
    /// Check conservation and ranges every month.
    pub audit: bool,
}

/// Parses the process arguments (clap prints help and usage errors itself).
pub fn parse() -> Command {
    match Cli::parse().command {
        Sub::Run {
            scenario,
            out,
            seed,
            set,
            seeds,
            threads,
            scale,
            force,
            audit,
            no_audit,
            quiet,
        } => Command::Run(RunArgs {
            scenario,
            out,
            seed,
            set,
            seeds,
            threads,
            scale,
            quiet,
            force,
            audit: audit || (cfg!(debug_assertions) && !no_audit),
        }),
        Sub::Check { scenario } => Command::Check { scenario },
        Sub::Compare {
            scenarios,
            out,
            seed,
            seeds,
            threads,
            scale,
            quiet,
        } => Command::Compare(CompareArgs {
            scenarios,
            out,
            seed,
            seeds,
            threads,
            scale,
            quiet,
        }),
        Sub::Plot { run_dir } => Command::Plot { run_dir },
        Sub::Explain { key } => Command::Explain { key },
        Sub::List { dir } => Command::List { dir },
        Sub::New { file, from, force } => Command::New(NewArgs { file, from, force }),
        Sub::Calibrate {
            scenario,
            targets,
            scale,
            evaluations,
            out,
            write,
            quiet,
        } => Command::Calibrate(CalibrateArgs {
            scenario,
            targets,
            scale,
            evaluations,
            out,
            write,
            quiet,
        }),
        Sub::Sweep {
            scenario,
            set,
            seeds,
            seed_list,
            seed,
            scale,
            out,
            threads,
            shard,
            resume,
            force,
            audit,
            quiet,
        } => Command::Sweep(SweepArgs {
            scenario,
            set,
            seeds,
            seed_list,
            seed,
            scale,
            out,
            threads,
            shard,
            resume,
            force,
            audit,
            quiet,
        }),
        Sub::Merge {
            shards,
            out,
            force,
            quiet,
        } => Command::Merge(MergeArgs {
            shards,
            out,
            force,
            quiet,
        }),
        Sub::Sensitivity {
            scenario,
            params,
            trajectories,
            levels,
            range,
            seed,
            scale,
            out,
            threads,
            force,
            quiet,
        } => Command::Sensitivity(SensitivityArgs {
            scenario,
            params,
            trajectories,
            levels,
            range,
            seed,
            scale,
            out,
            threads,
            force,
            quiet,
        }),
    }
}
