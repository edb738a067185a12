//! Command-line definitions (clap). No clap type leaves this file: `parse` returns a plain
//! [`Command`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
        /// Random seed [default: the scenario's]
        #[arg(long)]
        seed: Option<u64>,
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
        /// Most model runs to spend
        #[arg(long, default_value_t = 800)]
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
    /// Redraw the charts and report.html of a run (or comparison) folder from its CSV tables
    Plot {
        /// Run folder written by `commune-sim run` or `compare`
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
}

/// Arguments of `new`.
#[derive(Debug, Clone)]
pub struct NewArgs {
    pub file: PathBuf,
    pub from: String,
    pub force: bool,
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
            threads,
            scale,
            quiet,
        } => Command::Compare(CompareArgs {
            scenarios,
            out,
            seed,
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
    }
}
