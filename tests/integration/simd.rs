//! The team loops give the same bits in every instruction set this processor runs
//! (`step::simd`): the portable baseline and, on x86-64, the copy compiled for AVX2, chosen
//! explicitly here (not through the environment variable).

use commune_sim::app;
use commune_sim::export::{self, Timing};
use commune_sim::step::{self, simd::Simd};
use commune_sim::world;

use crate::common::load;
use crate::determinism::{files, first_difference};

/// The levels compared, the baseline first; printed so that a log shows what was checked.
fn levels() -> Vec<Simd> {
    let levels = Simd::available();
    assert_eq!(levels[0], Simd::baseline());
    eprintln!(
        "instruction sets: {}",
        levels
            .iter()
            .map(|l| l.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    levels
}

#[test]
fn every_instruction_set_gives_the_same_months_and_world() {
    // The tiny scenario (about 50 communes): whole batches of teams and partial ones, canteens,
    // harvests, quotas, famine and January ageing all occur.
    let s = load("scenarios/tiny.toml");
    let levels = levels();
    let mut worlds: Vec<_> = levels.iter().map(|_| world::build(&s)).collect();
    let mut month = s.start;
    while month <= s.end {
        let results: Vec<String> = worlds
            .iter_mut()
            .zip(&levels)
            .map(|(w, &simd)| format!("{:#?}", step::step_with(w, &s.params, month, s.seed, simd)))
            .collect();
        for (r, simd) in results.iter().zip(&levels).skip(1) {
            assert!(
                *r == results[0],
                "{} differs from the baseline in {month} at {}",
                simd.name(),
                first_difference(results[0].as_bytes(), r.as_bytes())
            );
        }
        month = month.plus(1);
    }
    let last: Vec<String> = worlds.iter().map(|w| format!("{w:?}")).collect();
    for (w, simd) in last.iter().zip(&levels).skip(1) {
        assert!(*w == last[0], "the world differs with {}", simd.name());
    }
}

#[test]
fn every_instruction_set_writes_the_same_run_folder() {
    let s = load("scenarios/tiny.toml");
    let tmp = tempfile::tempdir().unwrap();
    let mut folders = Vec::new();
    for simd in levels() {
        let sim = app::simulate_with(&s, false, simd).expect("no audit, no failure");
        let dir = tmp.path().join(simd.name());
        let timing = Timing {
            threads: 1,
            simd: "any",
            build_seconds: 0.0,
            simulate_seconds: 0.0,
        };
        export::write_run(&dir, &s, &sim.world, &sim.recorder, &timing, false).unwrap();
        folders.push((simd, files(&dir)));
    }
    let (_, expected) = &folders[0];
    assert!(expected.len() >= 6);
    for (simd, got) in &folders[1..] {
        assert_eq!(got.len(), expected.len());
        for ((fa, a), (fb, b)) in expected.iter().zip(got) {
            assert_eq!(fa, fb);
            assert!(
                a == b,
                "{fa} differs with {} at {}",
                simd.name(),
                first_difference(a, b)
            );
        }
    }
}
