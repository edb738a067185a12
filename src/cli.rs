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
        /// Print nothing but errors
        #[arg(long, short)]
        quiet: bool,
    },
    /// Validate a scenario without running it
    Check {
        /// Scenario file (TOML)
        scenario: PathBuf,
    },
}

/// What the user asked for.
#[derive(Debug)]
pub enum Command {
    Run(RunArgs),
    Check { scenario: PathBuf },
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
            quiet,
        } => Command::Run(RunArgs {
            scenario,
            out,
            seed,
            threads,
            scale,
            quiet,
        }),
        Sub::Check { scenario } => Command::Check { scenario },
    }
}
