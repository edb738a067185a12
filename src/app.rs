//! The glue: load scenario → build world → step through the months → collect → export.
//! A run is a function of (scenario, seed), so sweeps can call [`simulate`] many times.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::cli::{Command, RunArgs};
use crate::collect::Recorder;
use crate::export::{self, Timing};
use crate::scenario::{self, PARAMS, Scenario};
use crate::step;
use crate::world::{self, World};

/// Runs a parsed command.
pub fn main(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Run(args) => run(&args).map(|_| ()),
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

/// The scenario with the command line's overrides applied.
pub fn prepare(args: &RunArgs) -> anyhow::Result<Scenario> {
    let mut s = scenario::load(&args.scenario)?;
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    if let Some(scale) = args.scale {
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
    }
    Ok(s)
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
    let started = Instant::now();
    let mut world = world::build(scenario);
    let build_seconds = started.elapsed().as_secs_f64();
    let mut recorder = Recorder::new(&scenario.name, scenario.seed, &world);
    let mut month = scenario.start;
    while month <= scenario.end {
        let r = step::step(&mut world, &scenario.params, month, scenario.seed);
        recorder.observe(&r, &world);
        month = month.plus(1);
    }
    recorder.finish(&world);
    Simulated {
        world,
        recorder,
        build_seconds,
    }
}

/// `commune-sim run`: simulates the scenario and writes its run folder, which it returns.
pub fn run(args: &RunArgs) -> anyhow::Result<PathBuf> {
    let s = prepare(args)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name));
    let threads = args.threads.unwrap_or_else(default_threads);
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let started = Instant::now();
    let sim = in_pool(threads, || simulate(&s))?;
    let total = started.elapsed().as_secs_f64();
    let timing = Timing {
        threads,
        build_seconds: sim.build_seconds,
        simulate_seconds: total - sim.build_seconds,
    };
    export::write_run(&out, &s, &sim.world, &sim.recorder, &timing)?;
    if !args.quiet {
        print_summary(&s, &sim.world, &sim.recorder, &out, total);
    }
    Ok(out)
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `f` on a pool of `threads` workers (or directly without the `parallel` feature).
fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> anyhow::Result<R> {
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
