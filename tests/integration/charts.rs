//! Charts, `plot`, `compare` and `report.html`: every run folder gets them, their bytes depend
//! only on the data, `plot` redraws the same bytes, and the report opens in a browser (with
//! `COMMUNE_SIM_BROWSER_TESTS=1` and chromium installed, as `.ci/run` does).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{SMALL_SCALE, arg, commune_sim, root};

/// The figures every run and comparison draws.
const CHARTS: [&str; 7] = [
    "grain",
    "food",
    "labour",
    "iron",
    "people",
    "provinces",
    "distribution",
];

/// Runs the small scenario into `dir` with `threads`.
fn run(dir: &Path, threads: usize) {
    let o = commune_sim(&[
        "run",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--out",
        arg(dir),
        "--threads",
        &threads.to_string(),
        "--quiet",
    ]);
    assert!(
        o.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The drawn files of a folder (charts and report), by relative path.
fn drawn(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = vec![(
        "report.html".to_string(),
        fs::read(dir.join("report.html")).expect("report.html"),
    )];
    for name in CHARTS {
        for ext in ["png", "svg"] {
            let rel = format!("charts/{name}.{ext}");
            let bytes = fs::read(dir.join(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
            v.push((rel, bytes));
        }
    }
    v
}

fn assert_same(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)], what: &str) {
    assert_eq!(a.len(), b.len());
    for ((name, x), (_, y)) in a.iter().zip(b) {
        assert!(x == y, "{name} differs: {what}");
    }
}

#[test]
fn charts_are_byte_identical_for_1_and_2_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a, 1);
    run(&b, 2);
    let (da, db) = (drawn(&a), drawn(&b));
    assert_same(&da, &db, "1 thread vs 2");
    for (name, bytes) in &da {
        if name.ends_with(".png") {
            assert!(
                bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                "{name} is not a PNG"
            );
        } else {
            let text = String::from_utf8_lossy(bytes);
            assert!(text.contains("<svg"), "{name} has no <svg>");
        }
    }
}

#[test]
fn plot_redraws_the_same_bytes_and_names_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    run(&dir, 2);
    let before = drawn(&dir);
    fs::remove_dir_all(dir.join("charts")).unwrap();
    fs::remove_file(dir.join("report.html")).unwrap();
    let o = commune_sim(&["plot", arg(&dir)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same(&before, &drawn(&dir), "run vs plot");

    fs::remove_file(dir.join("provinces_yearly.csv")).unwrap();
    let o = commune_sim(&["plot", arg(&dir)]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("provinces_yearly.csv") && err.contains(arg(&dir)),
        "{err}"
    );

    let nowhere = tmp.path().join("nowhere");
    let o = commune_sim(&["plot", arg(&nowhere)]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(arg(&nowhere)), "{err}");
}

#[test]
fn report_is_self_contained_and_says_what_the_data_are() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    run(&dir, 1);
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    for needle in [
        "<!DOCTYPE html>",
        "synthetic",
        "understate famine deaths",
        "data/history/national.csv",
        "reporting.inflation",
        "labour.diversion",
        "procurement.rate",
        "procurement.flexibility",
        "mess_halls.enabled",
        "weather.mode",
        "weather.scale",
        "Excess deaths",
        "Peak crude death rate",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle:?}");
    }
    assert_eq!(html.matches("<svg").count(), CHARTS.len());
    // Nothing to fetch: no scripts, no external style sheets, fonts or images.
    for bad in [
        "<script",
        "<img",
        "<link rel=\"stylesheet\"",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(bad), "report.html contains {bad:?}");
    }
    for (i, _) in html.match_indices("http") {
        let rest = &html[i..];
        assert!(
            rest.starts_with("http://www.w3.org/"),
            "report.html links out: {}",
            &rest[..rest.len().min(60)]
        );
    }
    // Every chart says where its data come from.
    for name in CHARTS {
        let svg = fs::read_to_string(dir.join(format!("charts/{name}.svg"))).unwrap();
        assert!(
            svg.contains("official series: data/history/national.csv") && svg.contains("seed 1"),
            "{name}.svg has no source line"
        );
    }
}

/// Writes scenario files into `dir` that extend a copy of the historical scenario.
fn scenarios(dir: &Path) -> Vec<PathBuf> {
    fs::copy(
        root().join("scenarios/historical.toml"),
        dir.join("historical.toml"),
    )
    .unwrap();
    let files = [
        ("base", ""),
        ("honest", "\n[reporting]\ninflation = 0.0\n"),
        ("no_diversion", "\n[labour]\ndiversion = 0.0\n"),
    ];
    files
        .iter()
        .map(|(name, tables)| {
            let path = dir.join(format!("{name}.toml"));
            let text = format!(
                "name = \"{name}\"\nextends = \"historical.toml\"\n\n[population]\nscale = {SMALL_SCALE}\n{tables}"
            );
            fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

#[test]
fn compare_overlays_scenarios_and_reuses_finished_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let files = scenarios(tmp.path());
    let out = tmp.path().join("cmp");
    let mut args: Vec<&str> = vec!["compare"];
    args.extend(files.iter().map(|f| arg(f)));
    args.extend(["--out", arg(&out), "--threads", "2"]);
    let o = commune_sim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let first = drawn(&out);
    let headline = fs::read_to_string(out.join("headline.csv")).unwrap();
    assert_eq!(headline.lines().count(), 1 + 3 * 5, "{headline}");
    assert!(headline.starts_with("scenario,seed,scale,metric,unit,value,reference,difference"));
    assert!(headline.contains("honest,1,") && headline.contains("no_diversion,1,"));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("no_diversion") && html.contains("difference"));

    // Again: every run is reused, and the drawings are the same.
    let o = commune_sim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(stdout.matches("reusing").count(), 3, "{stdout}");
    assert_same(&first, &drawn(&out), "first compare vs second");

    // A different seed is a different scenario: run again.
    let mut reseeded = args.clone();
    reseeded.extend(["--seed", "2"]);
    let o = commune_sim(&reseeded);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(stdout.matches("running").count(), 3, "{stdout}");

    // `plot` redraws a comparison too.
    fs::remove_file(out.join("report.html")).unwrap();
    let o = commune_sim(&["plot", arg(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("report.html").is_file());
}

#[test]
fn compare_refuses_a_folder_that_is_not_a_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let files = scenarios(tmp.path());
    let out = tmp.path().join("taken");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = commune_sim(&[
        "compare",
        arg(&files[0]),
        arg(&files[1]),
        "--out",
        arg(&out),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not a commune-sim comparison folder"), "{err}");
    assert!(out.join("notes.txt").is_file());
}

/// Renders `report.html` in headless chromium: no console errors, a screenshot is taken.
/// Needs chromium; runs only with `COMMUNE_SIM_BROWSER_TESTS=1` (set by `.ci/run`).
#[test]
fn report_opens_in_headless_chromium_without_errors() {
    if std::env::var("COMMUNE_SIM_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: set COMMUNE_SIM_BROWSER_TESTS=1 (and install chromium) to run it");
        return;
    }
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok())
        .expect("COMMUNE_SIM_BROWSER_TESTS=1 but no chromium on PATH");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    run(&dir, 2);
    let report = fs::canonicalize(dir.join("report.html")).unwrap();
    let shot = tmp.path().join("report.png");
    let profile = tmp.path().join("profile");
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .expect("failed to start chromium");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "chromium failed: {stderr}");
    for line in stderr.lines() {
        let console = line.contains("CONSOLE") || line.contains("Uncaught");
        let missing = line.contains("ERR_FILE_NOT_FOUND") || line.contains("Failed to load");
        assert!(!(console || missing), "browser error: {line}");
    }
    let png = fs::read(&shot).expect("chromium wrote no screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    if let Ok(keep) = std::env::var("COMMUNE_SIM_SCREENSHOT") {
        fs::copy(&shot, keep).unwrap();
    }
}
