//! The binary end to end: `run` and `check`, their outputs and their errors.

use std::fs;

use crate::common::{SMALL_SCALE, arg, commune_sim};

/// Columns the engine issue requires, in this order at the start of national_yearly.csv.
const NATIONAL_YEARLY: &[&str] = &[
    "scenario",
    "seed",
    "year",
    "population",
    "rural_population",
    "grain_output_mt",
    "grain_reported_mt",
    "grain_believed_mt",
    "procurement_mt",
    "procurement_share",
    "rural_grain_per_capita_kg",
    "people_below_subsistence",
    "births",
    "deaths",
    "cbr_per_1000",
    "cdr_per_1000",
    "excess_deaths",
    "farm_labour_share",
    "pig_iron_reported_mt",
    "pig_iron_usable_mt",
];

const PROVINCES_YEARLY: &[&str] = &[
    "scenario",
    "seed",
    "year",
    "province",
    "population",
    "grain_output_mt",
    "procurement_mt",
    "procurement_share",
    "rural_grain_per_capita_kg",
    "deaths",
    "cdr_per_1000",
];

fn header(path: &std::path::Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .unwrap()
        .split(',')
        .map(String::from)
        .collect()
}

#[test]
fn run_writes_a_complete_run_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("small");
    let o = commune_sim(&[
        "run",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--out",
        arg(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("1962"), "{stdout}");
    for f in commune_sim::export::RUN_FILES {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let national = header(&out.join("national_yearly.csv"));
    for col in NATIONAL_YEARLY {
        assert!(
            national.iter().any(|c| c == col),
            "national_yearly.csv lacks {col}"
        );
    }
    let provinces = header(&out.join("provinces_yearly.csv"));
    for col in PROVINCES_YEARLY {
        assert!(
            provinces.iter().any(|c| c == col),
            "provinces_yearly.csv lacks {col}"
        );
    }
    // Six years, and every province every year, spelt as in data/.
    let yearly = fs::read_to_string(out.join("national_yearly.csv")).unwrap();
    assert_eq!(yearly.lines().count(), 1 + 6);
    let rows = fs::read_to_string(out.join("provinces_yearly.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 6 * 25);
    assert!(rows.contains(",Sichuan,") && rows.contains(",Rest of China,"));
    let monthly = fs::read_to_string(out.join("national_monthly.csv")).unwrap();
    assert_eq!(monthly.lines().count(), 1 + 72);
    // The manifest re-runs: its scenario.toml loads and names the seed.
    let manifest = fs::read_to_string(out.join("manifest.toml")).unwrap();
    assert!(
        manifest.contains("seed = 1") && manifest.contains("version = "),
        "{manifest}"
    );
    let again = commune_sim(&["check", arg(&out.join("scenario.toml"))]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn an_earlier_run_is_replaced_only_with_force_and_no_partial_folder_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let run = |seed: &str, force: bool| {
        let mut args = vec![
            "run",
            "scenarios/tiny.toml",
            "--scale",
            SMALL_SCALE,
            "--out",
            arg(&out),
            "--seed",
            seed,
            "-q",
        ];
        if force {
            args.push("--force");
        }
        commune_sim(&args)
    };
    let o = run("1", false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let refused = run("2", false);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("already holds a run") && err.contains("--force"),
        "{err}"
    );
    assert!(
        fs::read_to_string(out.join("manifest.toml"))
            .unwrap()
            .contains("seed = 1")
    );
    let o = run("2", true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        fs::read_to_string(out.join("manifest.toml"))
            .unwrap()
            .contains("seed = 2")
    );
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["run".to_string()], "leftovers: {names:?}");
}

#[test]
fn a_killed_run_leaves_no_complete_looking_folder_and_the_earlier_run_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let first = commune_sim(&[
        "run",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--out",
        arg(&out),
        "-q",
    ]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = fs::read(out.join("national_yearly.csv")).unwrap();
    // A bigger run into the same folder, killed while it simulates.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_commune-sim"))
        .args([
            "run",
            "scenarios/historical.toml",
            "--scale",
            "0.05",
            "--out",
            arg(&out),
            "--force",
            "--seed",
            "9",
            "-q",
        ])
        .current_dir(crate::common::root())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    child.kill().unwrap();
    child.wait().unwrap();
    // The earlier run is untouched; nothing else carries the run's name or a manifest.
    assert_eq!(fs::read(out.join("national_yearly.csv")).unwrap(), before);
    assert!(
        fs::read_to_string(out.join("manifest.toml"))
            .unwrap()
            .contains("seed = 1")
    );
    for e in fs::read_dir(tmp.path()).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name != "run" {
            assert!(name.starts_with(".run.partial-"), "unexpected {name}");
            assert!(
                !e.path().join("manifest.toml").exists(),
                "{name} looks complete"
            );
        }
    }
}

#[test]
fn a_world_too_big_for_memory_is_refused_up_front() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_commune-sim"))
        .args([
            "run",
            "scenarios/historical.toml",
            "--out",
            "/nonexistent/never-written",
        ])
        .env("COMMUNE_SIM_MEMORY_LIMIT", "100000000")
        .current_dir(crate::common::root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("GiB") && err.contains("largest scale that fits"),
        "{err}"
    );
}

#[test]
fn run_refuses_to_overwrite_a_folder_that_is_not_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("precious.txt"), "keep me").unwrap();
    let o = commune_sim(&[
        "run",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--out",
        arg(tmp.path()),
        "-q",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("not a commune-sim run folder"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("precious.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn check_accepts_every_bundled_scenario() {
    for entry in fs::read_dir(crate::common::root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let o = commune_sim(&["check", arg(&path)]);
            assert!(
                o.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(String::from_utf8_lossy(&o.stdout).starts_with("ok: "));
        }
    }
}

#[test]
fn bad_input_gives_one_error_and_a_failing_exit() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    fs::write(
        &bad,
        "name = \"bad\"\n[reporting]\ninflaton = 1.0\n[labour]\ndiversion = -1\n",
    )
    .unwrap();
    for cmd in ["check", "run"] {
        let o = commune_sim(&[cmd, arg(&bad)]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with("error: "), "{err}");
        assert!(
            err.contains("bad.toml:3:1") && err.contains("did you mean"),
            "{err}"
        );
        assert!(err.contains("labour.diversion"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let missing = commune_sim(&["run", "no/such/file.toml"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.toml"));
    let scale = commune_sim(&["run", "scenarios/tiny.toml", "--scale", "-3"]);
    assert_eq!(scale.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&scale.stderr).contains("--scale must be"));
}

#[test]
fn calibrate_writes_fitted_values_and_updates_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let root = crate::common::root();
    let scen = tmp.path().join("historical.toml");
    fs::copy(root.join("scenarios/historical.toml"), &scen).unwrap();
    let out = tmp.path().join("cal");
    let n = (commune_sim::calibrate::FREE.len() + 2).to_string();
    let o = commune_sim(&[
        "calibrate",
        arg(&scen),
        "--scale",
        SMALL_SCALE,
        "--evaluations",
        &n,
        "--out",
        arg(&out),
        "--write",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fitted = fs::read_to_string(out.join("fitted.toml")).unwrap();
    assert!(fitted.contains("demography.gamma = "), "{fitted}");
    let fit = fs::read_to_string(out.join("fit.csv")).unwrap();
    assert!(
        fit.starts_with("series,unit,year,model,official,error,weight"),
        "{fit}"
    );
    // The counterfactual decomposition is part of the objective (MODEL §7.8).
    for c in commune_sim::calibrate::COUNTERFACTUALS {
        assert!(
            fit.contains(&format!("excess_deaths_remaining_{},", c.name)),
            "{fit}"
        );
    }
    // Every free parameter is now in the scenario with a comment naming the command.
    let text = fs::read_to_string(&scen).unwrap();
    let marked = text
        .lines()
        .filter(|l| l.contains("# fitted by `commune-sim calibrate"))
        .count();
    assert_eq!(marked, commune_sim::calibrate::FREE.len(), "{text}");
    let check = commune_sim(&["check", arg(&scen)]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn every_bundled_scenario_runs_briefly() {
    let tmp = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(crate::common::root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let out = tmp.path().join(&name);
        let o = commune_sim(&[
            "run",
            arg(&path),
            "--scale",
            SMALL_SCALE,
            "--out",
            arg(&out),
            "--audit",
            "-q",
        ]);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.join("national_yearly.csv").is_file(), "{name}");
    }
}

#[test]
fn a_50_mb_scenario_file_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.toml");
    fs::File::create(&big).unwrap().set_len(50 << 20).unwrap();
    let o = commune_sim(&["check", arg(&big)]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("larger than 1 MiB") && err.contains("big.toml"),
        "{err}"
    );
}

#[test]
fn an_output_folder_that_cannot_be_made_gives_a_clear_error_before_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    fs::write(&file, "not a folder").unwrap();
    let out = file.join("run");
    let o = commune_sim(&[
        "run",
        "scenarios/tiny.toml",
        "--scale",
        SMALL_SCALE,
        "--out",
        arg(&out),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("a-file"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "not a folder");
}
