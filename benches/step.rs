//! Criterion benchmarks of the library: building the world and stepping one month.
//!
//! `COMMUNE_SIM_BENCH_SCALE` sets the share of the national commune count (default 0.1; 1.0 is
//! the full national world of ~3.4 million teams). The world is built outside the timing loop
//! and cloned for each stepped month. Whole-program timings are in `benches/run.sh`.

use std::hint::black_box;
use std::path::Path;

use commune_sim::scenario::{self, Scenario};
use commune_sim::time::Month;
use commune_sim::{step, world};
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
        .unwrap_or(0.1);
    s
}

/// The world as it stands at the start of `until`, stepped from the scenario's start.
fn world_at(s: &Scenario, until: Month) -> world::World {
    let mut w = world::build(s);
    let mut m = s.start;
    while m < until {
        step::step(&mut w, &s.params, m, s.seed);
        m = m.plus(1);
    }
    w
}

fn benches(c: &mut Criterion) {
    let s = scenario();
    c.bench_function("world/build", |b| b.iter(|| black_box(world::build(&s))));
    let mut group = c.benchmark_group("step");
    // A plain month, a harvest month with reports and procurement, and a famine month.
    for (name, month) in [
        ("march", Month::new(1958, 3)),
        ("october", Month::new(1958, 10)),
        ("famine", Month::new(1960, 4)),
    ] {
        let w = world_at(&s, month);
        group.bench_function(name, |b| {
            b.iter_batched(
                || w.clone(),
                |mut w| black_box(step::step(&mut w, &s.params, month, s.seed)),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group! {
    name = step_benches;
    config = Criterion::default().sample_size(10).warm_up_time(std::time::Duration::from_secs(1));
    targets = benches
}
criterion_main!(step_benches);
