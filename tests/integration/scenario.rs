//! Scenario validation, through the public `scenario::load`: a table of bad inputs, each with the
//! pieces of the error message it must produce (file:line:column, key path and what is allowed).

use std::path::Path;

use commune_sim::scenario::{self, Scenario};

/// Writes `files` (relative path, bytes) into a fresh temporary folder and loads the first one.
/// Errors are rendered with `{:#}` and the folder prefix removed, so paths read `s.toml`.
fn load_files(files: &[(&str, Vec<u8>)]) -> Result<Scenario, String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    scenario::load(&dir.path().join(files[0].0)).map_err(|e| strip(&format!("{e:#}"), dir.path()))
}

fn strip(text: &str, dir: &Path) -> String {
    text.replace(
        &format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR),
        "",
    )
}

fn one(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![("s.toml", text.as_bytes().to_vec())]
}

fn two(child: &str, parent_name: &'static str, parent: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("s.toml", child.as_bytes().to_vec()),
        (parent_name, parent.as_bytes().to_vec()),
    ]
}

const EVENT: &str = "[[events]]\ndate = \"1958-08\"\nname = \"Beidaihe\"\n";

struct Case {
    what: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    expect: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    let big = {
        let mut text = String::from("# padding\n");
        while text.len() < 2 << 20 {
            text.push_str("# this line only pads the file out to two mebibytes\n");
        }
        text
    };
    let c = |what, files, expect| Case {
        what,
        files,
        expect,
    };
    vec![
        c(
            "misspelt key",
            one("[reporting]\ninflaton = 1\n"),
            &["s.toml:2:1: reporting.inflaton: unknown key; did you mean `inflation`?"],
        ),
        c(
            "key in the wrong section",
            one("[reporting]\ndiversion = 1\n"),
            &["s.toml:2:1: reporting.diversion: unknown key; did you mean `labour.diversion`?"],
        ),
        c(
            "misspelt top-level key",
            one("sede = 3\n"),
            &["s.toml:1:1: sede: unknown key; did you mean `seed`?"],
        ),
        c(
            "unknown section",
            one("[reportin]\ninflation = 1\n"),
            &["s.toml:1:2: reportin: unknown section; did you mean `reporting`?"],
        ),
        c(
            "wrong type",
            one("[labour]\ndiversion = \"high\"\n"),
            &[
                "s.toml:2:13: labour.diversion: expected a number or a table of \"YYYY-MM\" = number, found string \"high\"",
            ],
        ),
        c(
            "switch given a number",
            one("[mess_halls]\nenabled = 1\n"),
            &["s.toml:2:11: mess_halls.enabled: expected true or false, found integer 1"],
        ),
        c(
            "nan",
            one("[reporting]\ninflation = nan\n"),
            &["s.toml:2:13: reporting.inflation: must be a finite number, got nan"],
        ),
        c(
            "inf",
            one("[population]\nscale = -inf\n"),
            &["s.toml:2:9: population.scale: must be a finite number, got -inf"],
        ),
        c(
            "negative inflation",
            one("[reporting]\ninflation = -0.5\n"),
            &["s.toml:2:13: reporting.inflation: must be a number from 0 to 5, got -0.5"],
        ),
        c(
            "share above 1",
            one("[mess_halls]\ncoverage = 1.2\n"),
            &["s.toml:2:12: mess_halls.coverage: must be a number from 0 to 1, got 1.2"],
        ),
        c(
            "integer given a float",
            one("[population]\ncommunes = 23500.0\n"),
            &["s.toml:2:12: population.communes: expected a whole number, found float 23500.0"],
        ),
        c(
            "integer out of range",
            one("[population]\ncommunes = 0\n"),
            &["s.toml:2:12: population.communes: must be a whole number from 1 to 100000, got 0"],
        ),
        c(
            "bad choice word",
            one("[weather]\nmode = \"histrical\"\n"),
            &[
                "s.toml:2:8: weather.mode: must be one of `historical`, `neutral`, `stochastic`, got `histrical`; did you mean `historical`?",
            ],
        ),
        c(
            "malformed schedule date",
            one("[politics]\npressure = { \"1958-8\" = 0.5 }\n"),
            &[
                "s.toml:2:14: politics.pressure.1958-8: `1958-8` is not a month; schedule keys are \"YYYY-MM\" such as \"1958-08\"",
            ],
        ),
        c(
            "month 13",
            one("start = \"1958-13\"\n"),
            &["s.toml:1:9: start: `1958-13` is not a month; write \"YYYY-MM\""],
        ),
        c(
            "unquoted date",
            one("start = 1958-01-01\n"),
            &[
                "s.toml:1:9: start: expected a month as a string \"YYYY-MM\", found datetime 1958-01-01",
            ],
        ),
        c(
            "unsorted schedule",
            one("[politics]\npressure = { \"1959-01\" = 0.5, \"1958-08\" = 0.9 }\n"),
            &[
                "s.toml:2:31: politics.pressure.1958-08: months must increase down a schedule: 1958-08 comes after 1959-01",
            ],
        ),
        c(
            "empty schedule table",
            one("[politics]\npressure = {}\n"),
            &[
                "s.toml:2:12: politics.pressure: expected a number or a table of \"YYYY-MM\" = number, found an empty table",
            ],
        ),
        c(
            "schedule date outside the run",
            one("end = \"1961-12\"\n[politics]\npressure = { \"1962-01\" = 0.5 }\n"),
            &[
                "s.toml:3:14: politics.pressure.1962-01: 1962-01 is outside the run, 1957-01 to 1961-12",
            ],
        ),
        c(
            "start after end",
            one("start = \"1960-01\"\nend = \"1959-12\"\n"),
            &["s.toml:2:7: end: the run must not end (1959-12) before it starts (1960-01)"],
        ),
        c(
            "start too early",
            one("start = \"1950-01\"\n"),
            &["s.toml:1:9: start: must be a month from 1956-01 to 1970-12, got 1950-01"],
        ),
        c(
            "negative seed",
            one("seed = -1\n"),
            &["s.toml:1:8: seed: must be a whole number from 0 to 2^63 - 1, got -1"],
        ),
        c(
            "bad name",
            one("name = \"../evil\"\n"),
            &[
                "s.toml:1:8: name: `../evil` is not a valid scenario name: use 1 to 64 letters, digits, `_` or `-`",
            ],
        ),
        c(
            "file stem not a valid name",
            vec![("my scenario.toml", b"seed = 2\n".to_vec())],
            &["my scenario.toml: name: the file name `my scenario` is not a valid scenario name"],
        ),
        c(
            "event date outside the run",
            one(
                "[[events]]\ndate = \"1956-06\"\nname = \"Early\"\nset = { \"politics.pressure\" = 0.5 }\n",
            ),
            &["s.toml:2:8: events[1].date: 1956-06 is outside the run, 1957-01 to 1962-12"],
        ),
        c(
            "event sets a non-schedule",
            one(&format!("{EVENT}set = {{ \"population.scale\" = 0.5 }}\n")),
            &[
                "s.toml:4:9: events[1].set.population.scale: only schedules can change in events; `population.scale` is a Number",
            ],
        ),
        c(
            "event sets an unknown parameter",
            one(&format!("{EVENT}set = {{ \"politics.presure\" = 0.5 }}\n")),
            &[
                "s.toml:4:9: events[1].set.politics.presure: unknown parameter; did you mean `politics.pressure`?",
            ],
        ),
        c(
            "event value out of range",
            one(&format!(
                "{EVENT}set = {{ politics = {{ pressure = 1.5 }} }}\n"
            )),
            &[
                "s.toml:4:33: events[1].set.politics.pressure: must be a number from 0 to 1, got 1.5",
            ],
        ),
        c(
            "unknown event key",
            one(
                "[[events]]\ndate = \"1958-08\"\nnmae = \"x\"\nset = { \"politics.pressure\" = 0.5 }\n",
            ),
            &[
                "s.toml:1:1: events[1].name: missing `name = \"...\"`",
                "s.toml:3:1: events[1].nmae: unknown event key; did you mean `name`?",
            ],
        ),
        c(
            "event without date or set",
            one("[[events]]\nname = \"x\"\n"),
            &[
                "s.toml:1:1: events[1].date: missing `date = \"YYYY-MM\"`",
                "s.toml:1:1: events[1].set: missing `set",
            ],
        ),
        c(
            "overlapping events",
            one(&format!(
                "{EVENT}set = {{ \"politics.pressure\" = 0.9 }}\n{EVENT}set = {{ \"politics.pressure\" = 0.8 }}\n"
            )),
            &[
                "s.toml:8:9: events[2].set.politics.pressure: overlapping events: events[1] sets `politics.pressure` to 0.9 on 1958-08",
            ],
        ),
        c(
            "event overlaps a schedule point",
            one(&format!(
                "[politics]\npressure = {{ \"1958-08\" = 0.7 }}\n{EVENT}set = {{ \"politics.pressure\" = 0.9 }}\n"
            )),
            &[
                "s.toml:6:9: events[1].set.politics.pressure: overlapping events: the `politics.pressure` schedule in this file is 0.7 on 1958-08",
            ],
        ),
        c(
            "unsorted events",
            one(
                "[[events]]\ndate = \"1959-08\"\nname = \"Lushan\"\nset = { \"politics.pressure\" = 1 }\n\
                 [[events]]\ndate = \"1958-08\"\nname = \"Beidaihe\"\nset = { \"politics.pressure\" = 0.9 }\n",
            ),
            &[
                "s.toml:6:8: events[2].date: events must be in date order: 1958-08 comes after 1959-08 (events[1])",
            ],
        ),
        c(
            "events not a list",
            one("events = 5\n"),
            &["s.toml:1:10: events: expected a list of `[[events]]` tables, found integer 5"],
        ),
        c(
            "extends a missing file",
            one("seed = 1\nextends = \"nope.toml\"\n"),
            &["s.toml:2:11: extends: parent scenario nope.toml does not exist"],
        ),
        c(
            "extends cycle",
            two("extends = \"p.toml\"\n", "p.toml", "extends = \"s.toml\"\n"),
            &["p.toml:1:11: extends: extends cycle: s.toml -> p.toml -> s.toml"],
        ),
        c(
            "extends a file that is not a scenario",
            vec![
                ("sub/s.toml", b"extends = \"../p.txt\"\n".to_vec()),
                ("p.txt", b"seed = 1\n".to_vec()),
            ],
            &["sub/s.toml:1:11: extends: parent scenario sub/../p.txt is not a .toml file"],
        ),
        c(
            "problem in a parent file",
            two(
                "extends = \"p.toml\"\nseed = 2\n",
                "p.toml",
                "[labour]\ndiversion = 9\n",
            ),
            &["p.toml:2:13: labour.diversion: must be a number from 0 to 3, got 9"],
        ),
        c(
            "empty file",
            one("# nothing but a comment\n\n"),
            &["s.toml: scenario file is empty"],
        ),
        c(
            "invalid UTF-8",
            vec![("s.toml", b"seed = 1\nname = \"\xff\xfe\"\n".to_vec())],
            &["s.toml:2:9: invalid UTF-8 at byte offset 17; scenario files must be UTF-8 text"],
        ),
        c(
            "file too large",
            vec![("s.toml", big.into_bytes())],
            &["s.toml: file is larger than 1 MiB"],
        ),
        c(
            "syntax error",
            one("[reporting]\ninflation = \n"),
            &["s.toml:2:13: TOML syntax error: "],
        ),
        c(
            "concealment bounds crossed",
            one("[reporting]\nconcealment_min = 0.3\n"),
            &[
                "s.toml:2:1: reporting.concealment_min: `reporting.concealment_min` (0.3) must not exceed `reporting.concealment_max` (0.1)",
            ],
        ),
    ]
}

#[test]
fn bad_scenarios_are_rejected_with_located_messages() {
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 25);
    for case in cases {
        match load_files(&case.files) {
            Ok(_) => failures.push(format!("{}: loaded without error", case.what)),
            Err(e) => {
                for want in case.expect {
                    if !e.contains(want) {
                        failures.push(format!("{}: expected `{want}` in\n{e}", case.what));
                    }
                }
                if e.lines().skip(1).any(|l| l.ends_with('.')) {
                    failures.push(format!("{}: message ends with a period:\n{e}", case.what));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn all_problems_are_reported_at_once_in_file_order() {
    let text = "name = \"x y\"\n[reporting]\ninflation = \"lots\"\n[labour]\nsteel_shar = 0.2\n";
    let e = load_files(&one(text)).unwrap_err();
    let expected = "scenario s.toml has 3 problems:\n  \
        s.toml:1:8: name: `x y` is not a valid scenario name: use 1 to 64 letters, digits, `_` or `-` (it names the output folder)\n  \
        s.toml:3:13: reporting.inflation: expected a number or a table of \"YYYY-MM\" = number, found string \"lots\"\n  \
        s.toml:5:1: labour.steel_shar: unknown key; did you mean `steel_share`?";
    assert_eq!(e, expected);
}

#[test]
fn problems_across_the_chain_are_listed_given_file_first() {
    let files = two(
        "extends = \"p.toml\"\n[weather]\nmode = 1\n",
        "p.toml",
        "seeds = 1\n",
    );
    let e = load_files(&files).unwrap_err();
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 3, "{e}");
    assert!(lines[1].starts_with("  s.toml:3:8: weather.mode:"), "{e}");
    assert!(
        lines[2].starts_with("  p.toml:1:1: seeds: unknown key; did you mean `seed`?"),
        "{e}"
    );
}

#[test]
fn missing_file_is_an_io_error_with_context() {
    let dir = tempfile::tempdir().unwrap();
    let e = scenario::load(&dir.path().join("absent.toml")).unwrap_err();
    assert!(
        format!("{e:#}").starts_with("failed to read scenario "),
        "{e:#}"
    );
}

#[test]
fn a_classroom_what_if_is_a_few_lines() {
    let parent =
        "name = \"historical\"\ndescription = \"As it happened\"\n[reporting]\ninflation = 1.0\n";
    let child = "extends = \"historical.toml\"\n[reporting]\ninflation = 0\n";
    let s = load_files(&two(child, "historical.toml", parent)).unwrap();
    assert_eq!(s.name, "s");
    assert_eq!(s.description, "As it happened");
    assert_eq!(s.params.reporting.inflation.base, 0.0);
    assert_eq!(s.files.len(), 2);
}

#[test]
fn a_scenario_may_extend_one_in_a_parent_folder() {
    let s = load_files(&[
        (
            "exercises/s.toml",
            b"extends = \"../p.toml\"\nseed = 3\n".to_vec(),
        ),
        (
            "p.toml",
            b"seed = 1\n[reporting]\ninflation = 0.5\n".to_vec(),
        ),
    ])
    .unwrap();
    assert_eq!(s.seed, 3);
    assert_eq!(s.params.reporting.inflation.base, 0.5);
}

#[test]
fn never_panics_on_truncated_or_mutated_input() {
    let text = "name = \"h\"\nseed = 2\nstart = \"1957-01\"\nend = \"1960-12\"\n\
        [reporting]\ninflation = { \"1958-01\" = 2.0, \"1959-08\" = 1 }\n[population]\ncommunes = 30\n\
        [weather]\nmode = \"neutral\"\n[mess_halls]\nenabled = false\n\
        [[events]]\ndate = \"1958-08\"\nname = \"Beidaihe\"\nsource = \"§6\"\n\
        set = { \"politics.pressure\" = 0.9, labour = { steel_share = 0.3 } }\n";
    assert!(load_files(&one(text)).is_ok());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.toml");
    let bytes = text.as_bytes();
    for i in 0..bytes.len() {
        let mut variants = vec![bytes[..i].to_vec()];
        for b in [b'"', b'=', b'[', b'\n', b'0', b'-', b'{', 0xff] {
            let mut v = bytes.to_vec();
            v[i] = b;
            variants.push(v);
        }
        for v in variants {
            std::fs::write(&path, &v).unwrap();
            // Any answer will do, as long as it is an answer; and what loads must round-trip.
            if let Ok(s) = scenario::load(&path) {
                let again = dir.path().join("again.toml");
                std::fs::write(&again, s.to_toml()).unwrap();
                let t = scenario::load(&again).unwrap_or_else(|e| panic!("{e:#}\n{}", s.to_toml()));
                assert_eq!(format!("{:?}", t.params), format!("{:?}", s.params));
                assert_eq!(t.to_toml(), s.to_toml());
            }
        }
    }
}

#[test]
fn every_bad_scenario_fails_the_binary_with_one_error_block_and_no_panic() {
    let cases = cases();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    for case in cases {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in &case.files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
        }
        let given = dir.path().join(case.files[0].0);
        let o = crate::common::commune_sim(&["check", given.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{}: {err}", case.what);
        assert!(err.starts_with("error: "), "{}: {err}", case.what);
        let blocks = err.lines().filter(|l| l.starts_with("error: ")).count();
        assert_eq!(blocks, 1, "{}: one error block: {err}", case.what);
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{}: {err}",
            case.what
        );
        assert!(o.stdout.is_empty(), "{}", case.what);
    }
}

#[test]
fn the_calibration_counterfactuals_are_the_bundled_scenarios() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let historical = scenario::load(&root.join("historical.toml")).unwrap();
    for c in commune_sim::calibrate::COUNTERFACTUALS {
        let made =
            commune_sim::sweep::set::apply(&historical, &commune_sim::calibrate::settings(c));
        let bundled = scenario::load(&root.join(format!("{}.toml", c.name))).unwrap();
        assert_eq!(
            format!("{:?}", made.params.values()),
            format!("{:?}", bundled.params.values()),
            "`{}` in the calibration is not scenarios/{}.toml",
            c.set.join(" "),
            c.name
        );
    }
}
