//! Criterion benchmarks of the library: building the world, each stage of a month, each team
//! phase on its own, and whole months.
//!
//! `COMMUNE_SIM_BENCH_SCALE` sets the share of the national commune count (default 1.0, the
//! full national world of ~3.4 million teams; 0.02 is quick). Worlds are built and stepped to
//! the benchmarked month outside the timing loop and cloned for each timed iteration, so every
//! iteration starts from the same state. `RAYON_NUM_THREADS` sets the threads (default: all
//! cores). Whole-program timings are in `benches/run.sh`; `docs/performance.md` has the
//! results.
//!
//! Groups:
//! - `world/build`: the synthetic country from the scenario.
//! - `month/{march,october,famine}`: `step::step`, a plain month (March 1958, passes fused),
//!   a harvest month (October 1958: harvest, reports, procurement) and a famine month
//!   (April 1960: estimates, hungry teams).
//! - `stage/*`: the stages of `step::step` in October 1959 (harvest and famine), pass B run
//!   separately from pass A: `events`, `pass_a`, `national` (cascade and quotas), `pass_b`,
//!   `centre`.
//! - `team/*`: one team phase over every team of the country, batch by batch of 32 teams as
//!   the passes run them (`step::for_each_batch`), in parallel by commune, in October 1959:
//!   `labour` (labour::allocate_batch), `harvest` (the same and harvest::harvest_batch), `eat`
//!   (consume::eat_batch without procurement), `procure+eat` (with it), `eat+demography`
//!   (consume::eat_batch and demography::update_batch: demography alone is the difference).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use commune_sim::scenario::{self, Scenario};
use commune_sim::step::{self, consume, demography, harvest, labour};
use commune_sim::time::Month;
use commune_sim::world::{self, World};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn scenario() -> Scenario {
    let mut s = scenario::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/historical.toml"
    )))
    .expect("the historical scenario loads");
    s.params.population.scale = std::env::var("COMMUNE_SIM_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    s
}

/// Steps `w` from `from` up to (not including) `until`; returns `until`.
fn advance(w: &mut World, s: &Scenario, from: Month, until: Month) -> Month {
    let mut m = from;
    while m < until {
        step::step(w, &s.params, m, s.seed);
        m = m.plus(1);
    }
    m
}

/// Times `routine` on a fresh clone of `state` (a world, or a world and what a stage takes
/// besides) per iteration; the clone is not timed.
fn bench_on<S: Clone, R>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    state: &S,
    mut routine: impl FnMut(&mut S) -> R,
) {
    group.bench_function(name, |b| {
        b.iter_batched_ref(
            || state.clone(),
            |s| black_box(routine(s)),
            BatchSize::LargeInput,
        )
    });
}

fn benches(c: &mut Criterion) {
    let s = scenario();
    let p = &s.params;
    let seed = s.seed;
    c.bench_function("world/build", |b| b.iter(|| black_box(world::build(&s))));

    // Whole months, stepping one world forward through them.
    let mut w = world::build(&s);
    let mut at = s.start;
    {
        let mut group = c.benchmark_group("month");
        for (name, month) in [
            ("march", Month::new(1958, 3)),
            ("october", Month::new(1958, 10)),
            ("famine", Month::new(1960, 4)),
        ] {
            at = advance(&mut w, &s, at, month);
            bench_on(&mut group, name, &w, |w| step::step(w, p, month, seed));
        }
        group.finish();
    }
    // The stages and the team phases of October 1959, from a world rebuilt and stepped there.
    let month = Month::new(1959, 10);
    let mut w = world::build(&s);
    advance(&mut w, &s, s.start, month);
    {
        let mut group = c.benchmark_group("stage");
        bench_on(&mut group, "events", &w, |w| {
            step::events(w, p, month, seed)
        });
        let k = step::events(&mut w.clone(), p, month, seed);
        bench_on(&mut group, "pass_a", &w, |w| step::pass_a(w, p, &k, false));
        let mut after_a = w.clone();
        let mut communes = step::pass_a(&mut after_a, p, &k, false);
        let state = (after_a, communes);
        bench_on(&mut group, "national", &state, |(w, communes)| {
            step::national(w, p, &k, communes)
        });
        (after_a, communes) = state;
        let (centre, quota) = step::national(&mut after_a, p, &k, &mut communes);
        let state = (after_a, communes);
        bench_on(&mut group, "pass_b", &state, |(w, communes)| {
            step::pass_b(w, p, &k, quota.as_deref(), communes)
        });
        (after_a, communes) = state;
        step::pass_b(&mut after_a, p, &k, quota.as_deref(), &mut communes);
        let state = (after_a, communes, centre);
        bench_on(&mut group, "centre", &state, |(w, communes, centre)| {
            step::centre(w, p, &k, seed, communes, centre)
        });
        group.finish();

        let mut group = c.benchmark_group("team");
        bench_on(&mut group, "labour", &w, |w| {
            step::for_each_batch(w, p, &k, |t, ctx, out| {
                labour::allocate_batch(t, ctx, p, &k, out);
            })
        });
        bench_on(&mut group, "harvest", &w, |w| {
            step::for_each_batch(w, p, &k, |t, ctx, out| {
                let hands = labour::allocate_batch(t, ctx, p, &k, out);
                harvest::harvest_batch(t, 1, &hands, ctx, p, &k, out);
            })
        });
        // Pass B's phases on the state pass B starts from.
        let mut before_b = w.clone();
        let mut communes = step::pass_a(&mut before_b, p, &k, false);
        step::national(&mut before_b, p, &k, &mut communes);
        let eat = |t: &mut world::TeamsMut<'_>, procure: bool, out: &mut step::CommuneMonth| {
            let mut intakes = demography::Intakes::default();
            consume::eat_batch(t, t.rows(), procure, p, &k, out, &mut intakes);
            intakes
        };
        bench_on(&mut group, "eat", &before_b, |w| {
            step::for_each_batch(w, p, &k, |t, _, out| {
                eat(t, false, out);
            })
        });
        bench_on(&mut group, "procure+eat", &before_b, |w| {
            step::for_each_batch(w, p, &k, |t, _, out| {
                eat(t, true, out);
            })
        });
        bench_on(&mut group, "eat+demography", &before_b, |w| {
            step::for_each_batch(w, p, &k, |t, ctx, out| {
                let intakes = eat(t, false, out);
                let repeated = demography::Repeated::new(ctx, &k);
                let scratch = &mut demography::Scratch::default();
                let n = t.rows();
                demography::update_batch(t, 0, n, &intakes, &repeated, scratch, ctx, p, &k, out);
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = step_benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(step_benches);
