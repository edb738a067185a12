//! Output bytes depend only on (scenario, seed, version): not on the thread count, nor on the
//! run (STYLE §13).

use std::fs;
use std::path::Path;

use crate::common::{SMALL_SCALE, arg, commune_sim};

/// Runs the small scenario with `threads` into `dir`.
fn run(dir: &Path, threads: usize, seed: &str) {
    let out = commune_sim(&[
        "run",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--out",
        arg(dir),
        "--threads",
        &threads.to_string(),
        "--seed",
        seed,
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file of a run folder except the timing record, with those of its subfolders (charts/)
/// as `folder/file`.
pub(crate) fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = Vec::new();
    for e in fs::read_dir(dir).unwrap().map(|e| e.unwrap()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "timing.toml" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            v.extend(
                files(&e.path())
                    .into_iter()
                    .map(|(n, b)| (format!("{name}/{n}"), b)),
            );
        } else {
            v.push((name, fs::read(e.path()).unwrap()));
        }
    }
    v.sort();
    v
}

/// The first line where two texts differ, for a readable failure.
pub(crate) fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  {x}\n  {y}", i + 1);
        }
    }
    "lengths differ".into()
}

#[test]
fn output_is_identical_for_1_2_and_8_threads_and_repeated_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("t1");
    run(&reference, 1, "7");
    let expected = files(&reference);
    assert!(
        expected.len() >= 6,
        "{:?}",
        expected.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (name, threads) in [("t2", 2), ("t8", 8), ("t1-again", 1)] {
        let dir = tmp.path().join(name);
        run(&dir, threads, "7");
        let got = files(&dir);
        assert_eq!(got.len(), expected.len());
        for ((fa, a), (fb, b)) in expected.iter().zip(&got) {
            assert_eq!(fa, fb);
            assert!(
                a == b,
                "{fa} differs with {threads} threads at {}",
                first_difference(a, b)
            );
        }
    }
}

#[test]
fn different_seeds_give_different_communes() {
    let tmp = tempfile::tempdir().unwrap();
    run(&tmp.path().join("a"), 2, "1");
    run(&tmp.path().join("b"), 2, "2");
    let read = |d: &str| fs::read(tmp.path().join(d).join("communes_yearly.csv")).unwrap();
    assert_ne!(read("a"), read("b"));
}
