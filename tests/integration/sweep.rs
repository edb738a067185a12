//! Sweeps, ensembles, sensitivity and shards, end to end through the binary, at the small test
//! scale. Only structural properties are checked (which rows, which bytes equal which), never
//! model outcomes, so the model can change under these tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Mutex, MutexGuard};

use crate::common::{SMALL_SCALE, arg, commune_sim};

/// The tests here that simulate run one at a time: with the harness's other tests on the
/// same cores, several at once would slow the wall-clock limits of other tests (fuzz).
fn heavy() -> MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::new(());
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

/// A 2-point × 2-seed sweep of the small scenario (4 runs) into `out`, with `extra` arguments
/// (on one thread unless they say otherwise: the test harness already runs tests in parallel).
fn sweep(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--set",
        "reporting.inflation=0.5,1",
        "--seeds",
        "2",
        "--out",
        arg(out),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    if !extra.contains(&"--threads") {
        args.extend(["--threads", "1"]);
    }
    commune_sim(&args)
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` as (relative path, bytes), sorted.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).unwrap().map(|e| e.unwrap()) {
        let name = e.file_name().to_string_lossy().into_owned();
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

fn read(path: PathBuf) -> String {
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows of a CSV table as header → value maps.
fn rows(text: &str) -> Vec<Vec<(String, String)>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn get<'a>(row: &'a [(String, String)], col: &str) -> &'a str {
    &row.iter()
        .find(|(h, _)| h == col)
        .unwrap_or_else(|| panic!("no column {col}"))
        .1
}

/// Shards 1/3, 2/3 and 3/3 merged are byte for byte the unsharded sweep (on another thread
/// count); two seeds of one grid point differ; a run re-run alone with its seed reproduces.
#[test]
fn shards_merge_into_exactly_the_unsharded_sweep() {
    let _heavy = heavy();
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    ok(&sweep(&whole, &["--threads", "2"]));
    let table = read(whole.join("sweep.csv"));
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with(
            "run_id,point,replicate,seed,reporting.inflation,people_share,year,population,"
        ),
        "{header}"
    );
    let ids: Vec<String> = rows(&table)
        .iter()
        .map(|r| get(r, "run_id").to_string())
        .collect();
    let mut distinct = ids.clone();
    distinct.dedup();
    assert_eq!(distinct, ["0000", "0001", "0002", "0003"], "grid order");
    for f in [
        "sweep.toml",
        "scenario.toml",
        "summary.csv",
        "charts/sweep.png",
        "charts/sweep.svg",
    ] {
        assert!(whole.join(f).is_file(), "missing {f}");
    }
    assert!(!whole.join("failures.csv").exists());
    // `plot` redraws the summary and chart from the table, byte for byte.
    let before = files(&whole);
    fs::remove_file(whole.join("summary.csv")).unwrap();
    ok(&commune_sim(&["plot", arg(&whole)]));
    assert!(files(&whole) == before, "plot changed the sweep folder");

    // Two seeds of one grid point: different seeds, different worlds.
    let table = rows(&table);
    let of = |id: &str| -> Vec<&Vec<(String, String)>> {
        table.iter().filter(|r| get(r, "run_id") == id).collect()
    };
    let (a, b) = (of("0000"), of("0001"));
    assert_eq!(get(a[0], "point"), get(b[0], "point"));
    assert_ne!(get(a[0], "seed"), get(b[0], "seed"));
    assert_ne!(get(a[0], "population"), get(b[0], "population"));
    // Different points get different seeds too.
    assert_ne!(get(of("0002")[0], "seed"), get(a[0], "seed"));
    // The same seed reproduces: run 0003 alone, from the sweep folder's scenario, its seed and
    // its --set value, gives the sweep's rows.
    let r = of("0003");
    let single = tmp.path().join("single");
    ok(&commune_sim(&[
        "run",
        arg(&whole.join("scenario.toml")),
        "--seed",
        get(r[0], "seed"),
        "--set",
        &format!("reporting.inflation={}", get(r[0], "reporting.inflation")),
        "--out",
        arg(&single),
        "--threads",
        "1",
        "--quiet",
    ]));
    let yearly = rows(&read(single.join("national_yearly.csv")));
    assert_eq!(yearly.len(), r.len());
    for (y, s) in yearly.iter().zip(&r) {
        for (col, value) in y.iter().filter(|(c, _)| c != "scenario") {
            assert_eq!(get(s, col), value, "column {col}, year {}", get(y, "year"));
        }
    }

    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| {
            let dir = tmp.path().join(format!("shard-{k}"));
            ok(&sweep(
                &dir,
                &["--shard", &format!("{k}/3"), "--threads", "1"],
            ));
            assert!(!dir.join("summary.csv").exists(), "a shard has no summary");
            dir
        })
        .collect();
    // Shard 1 of 3 holds runs 0 and 3.
    let shard_ids: Vec<String> = rows(&read(shards[0].join("sweep.csv")))
        .iter()
        .map(|r| get(r, "run_id").to_string())
        .collect();
    assert!(shard_ids.iter().all(|id| id == "0000" || id == "0003"));

    let merged = tmp.path().join("merged");
    let mut args = vec!["merge", "--out", arg(&merged), "--quiet"];
    // Any order.
    args.extend([arg(&shards[2]), arg(&shards[0]), arg(&shards[1])]);
    ok(&commune_sim(&args));
    let (a, b) = (files(&whole), files(&merged));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs between the merged and the unsharded sweep"
        );
    }

    // A missing shard, a shard twice, and shards of another sweep are refused.
    let o = commune_sim(&[
        "merge",
        "--out",
        arg(&tmp.path().join("m2")),
        arg(&shards[0]),
        arg(&shards[1]),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("shard 3/3 missing"),
        "{}",
        stderr(&o)
    );
    let o = commune_sim(&[
        "merge",
        "--out",
        arg(&tmp.path().join("m3")),
        arg(&shards[0]),
        arg(&shards[0]),
        arg(&shards[1]),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("given twice"),
        "{}",
        stderr(&o)
    );
    let other = tmp.path().join("other-2");
    fs::create_dir(&other).unwrap();
    for (name, bytes) in files(&shards[1]) {
        let path = other.join(&name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    let toml = read(other.join("sweep.toml")).replace("master_seed = 1\n", "master_seed = 2\n");
    fs::write(other.join("sweep.toml"), toml).unwrap();
    let o = commune_sim(&[
        "merge",
        "--out",
        arg(&tmp.path().join("m4")),
        arg(&shards[0]),
        arg(&other),
        arg(&shards[2]),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("different sweeps"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("m4").exists());
    let o = commune_sim(&["merge", "--out", arg(&tmp.path().join("m5")), arg(&whole)]);
    assert!(
        !o.status.success() && stderr(&o).contains("not a shard"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_interrupted_sweep_resumes_without_redoing_runs() {
    let _heavy = heavy();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    ok(&sweep(&out, &[]));
    let table = read(out.join("sweep.csv"));
    let kept = out.join("runs/0002.csv");
    let kept_time = fs::metadata(&kept).unwrap().modified().unwrap();
    // As if it had been stopped: two runs not done, no table yet, a half-written temp file.
    fs::remove_file(out.join("runs/0001.csv")).unwrap();
    fs::remove_file(out.join("runs/0003.csv")).unwrap();
    fs::remove_file(out.join("sweep.csv")).unwrap();
    fs::write(out.join("runs/.0001.csv.tmp-1"), "run_id,poi").unwrap();

    let o = sweep(&out, &[]);
    assert!(
        !o.status.success() && stderr(&o).contains("--resume"),
        "{}",
        stderr(&o)
    );
    let o = commune_sim(&[
        "sweep",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--set",
        "reporting.inflation=0.5,1",
        "--seeds",
        "2",
        "--out",
        arg(&out),
        "--resume",
    ]);
    ok(&o);
    assert!(stderr(&o).contains("2 already done"), "{}", stderr(&o));
    assert_eq!(fs::metadata(&kept).unwrap().modified().unwrap(), kept_time);
    assert_eq!(
        read(out.join("sweep.csv")),
        table,
        "the same table as before"
    );
    assert!(
        !out.join("runs/.0001.csv.tmp-1").exists(),
        "stale temp file removed"
    );

    // A different sweep is not resumed into the folder; --force replaces it.
    let o = sweep(&out, &["--resume", "--seed", "5"]);
    assert!(
        !o.status.success() && stderr(&o).contains("different sweep"),
        "{}",
        stderr(&o)
    );
    ok(&commune_sim(&[
        "sweep",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--out",
        arg(&out),
        "--force",
        "--threads",
        "1",
        "--quiet",
    ]));
    assert_eq!(fs::read_dir(out.join("runs")).unwrap().count(), 1);
}

#[test]
fn a_failing_run_is_listed_and_the_others_kept() {
    let _heavy = heavy();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    // r_crit above r_star is refused by the validator: point 1 fails, point 0 runs.
    let o = commune_sim(&[
        "sweep",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--set",
        "demography.r_star=0.5",
        "--set",
        "demography.r_crit=0.3,0.9",
        "--out",
        arg(&out),
        "--quiet",
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("run 0001 failed") && err.contains("demography.r_crit=0.9"),
        "{err}"
    );
    assert!(err.contains("1 of 2 runs failed"), "{err}");
    let failures = read(out.join("failures.csv"));
    assert!(
        failures.starts_with(
            "run_id,point,replicate,seed,demography.r_star,demography.r_crit,error\n0001,1,0,"
        ),
        "{failures}"
    );
    let table = rows(&read(out.join("sweep.csv")));
    assert!(!table.is_empty() && table.iter().all(|r| get(r, "run_id") == "0000"));
}

#[test]
fn bad_arguments_are_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    for (set, expect) in [
        (
            "reporting.inflaton=1",
            "did you mean `reporting.inflation`?",
        ),
        ("reporting.inflation=9", "must be from 0 to 5, got 9"),
        (
            "reporting.inflation=x",
            "--set reporting.inflation=x: `x` is not a number",
        ),
        ("reporting.inflation=0..1", "LO..HI:N"),
    ] {
        let o = sweep(&out, &["--set", set]);
        assert!(!o.status.success(), "{set}");
        assert!(stderr(&o).contains(expect), "{set}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    let o = sweep(&out, &["--shard", "4/3"]);
    assert!(stderr(&o).contains("--shard 4/3"), "{}", stderr(&o));
    let o = commune_sim(&[
        "sweep",
        "scenarios/tiny.toml",
        "--scale",
        "7",
        "--out",
        arg(&out),
    ]);
    assert!(stderr(&o).contains("--scale must be"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing written");
    // A folder that is not a sweep is never touched.
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = sweep(&out, &["--force"]);
    assert!(
        stderr(&o).contains("not a commune-sim sweep folder"),
        "{}",
        stderr(&o)
    );
    assert_eq!(read(out.join("notes.txt")), "mine");
    // run --set checks the same way.
    let o = commune_sim(&[
        "run",
        "scenarios/tiny.toml",
        "--set",
        "reporting.inflation=1,2",
    ]);
    assert!(stderr(&o).contains("one value only"), "{}", stderr(&o));
}

#[test]
fn run_with_seeds_writes_an_ensemble() {
    let _heavy = heavy();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("e");
    ok(&commune_sim(&[
        "run",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--seeds",
        "2",
        "--out",
        arg(&out),
        "--threads",
        "1",
        "--quiet",
    ]));
    let table = rows(&read(out.join("ensemble.csv")));
    let mut seeds: Vec<&str> = table.iter().map(|r| get(r, "seed")).collect();
    seeds.dedup();
    assert_eq!(seeds.len(), 2);
    // The folder's own tables are the first seed's.
    let manifest = read(out.join("manifest.toml"));
    assert!(
        manifest.contains(&format!("seed = {}\n", seeds[0])),
        "{manifest}"
    );
    assert!(read(out.join("ensemble.toml")).contains("master_seed = 1\nseeds = 2\n"));
    assert!(read(out.join("report.html")).contains("ensemble of 2 seeds"));
    assert!(read(out.join("charts/grain.svg")).contains("mean of 2 seeds"));
}

#[test]
fn sensitivity_writes_ranked_effects() {
    let _heavy = heavy();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    let o = commune_sim(&[
        "sensitivity",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--params",
        "reporting.inflation,procurement.rate",
        "--range",
        "procurement.rate=0.2..0.3",
        "--trajectories",
        "2",
        "--out",
        arg(&out),
        "--threads",
        "1",
        "--quiet",
    ]);
    ok(&o);
    let results = read(out.join("morris.csv"));
    let lines: Vec<&str> = results.lines().collect();
    assert_eq!(lines[0], "param,output,mu,mu_star,sigma,n");
    assert_eq!(lines.len(), 1 + 2 * 3, "{results}");
    assert!(lines[1].contains(",excess_deaths_1958_62,") && lines[1].ends_with(",2"));
    let runs = read(out.join("morris_runs.csv"));
    assert_eq!(runs.lines().count(), 1 + 2 * 3, "{runs}");
    assert!(read(out.join("sensitivity.toml")).contains("lo = 0.2\nhi = 0.3\n"));
    for f in ["charts/morris.png", "charts/morris.svg", "scenario.toml"] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let o = commune_sim(&[
        "sensitivity",
        "scenarios/tiny.toml",
        "--params",
        "weather.mode",
        "--out",
        arg(&tmp.path().join("x")),
    ]);
    assert!(stderr(&o).contains("not a number"), "{}", stderr(&o));
}
