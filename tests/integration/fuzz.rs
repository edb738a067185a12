//! Fuzzing `scenario::load` with proptest: generated scenario files (structured, mutated from
//! `scenarios/historical.toml`, raw bytes, large and deeply nested) must never panic or hang, every
//! error must render as one header line and one well-formed line per problem, and whatever loads
//! must round-trip through `Scenario::to_toml`. Valid generated files must load with the values
//! they say.
//!
//! `COMMUNE_SIM_FUZZ_CASES` sets the number of cases per strategy (default 256; the stress
//! strategy runs a thirty-second of it); proptest's own variables (`PROPTEST_RNG_SEED`, ...) apply
//! too. A long run:
//!
//! ```sh
//! COMMUNE_SIM_FUZZ_CASES=20000 cargo test --release --test integration fuzz -- --nocapture
//! ```
//!
//! Inputs that once failed are kept as named regression tests at the end.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use commune_sim::scenario::{self, PARAMS, ParamDef, ParamKind, ParamValue, SECTIONS, Scenario};
use commune_sim::time::Month;
use proptest::prelude::*;
use proptest::sample::Index;

/// A file set: relative path and bytes; the first is the file given to `load`.
#[derive(Clone)]
struct Files(Vec<(String, Vec<u8>)>);

impl std::fmt::Debug for Files {
    /// Text as a Rust string literal (ready for a regression test), long files shortened.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, bytes) in &self.0 {
            let shown = &bytes[..bytes.len().min(2000)];
            write!(f, "\n{name} ({} bytes): ", bytes.len())?;
            match std::str::from_utf8(shown) {
                Ok(text) => write!(f, "{text:?}")?,
                Err(_) => write!(f, "b\"{}\"", shown.escape_ascii())?,
            }
        }
        Ok(())
    }
}

const HISTORICAL: &str = include_str!("../../scenarios/historical.toml");
const LUSHAN: &str = include_str!("../../scenarios/lushan_heeded.toml");

/// A guard against hangs and quadratic blow-ups, not a benchmark: a 1 MiB file loads in well
/// under a second in release, and the quadratic behaviour this once caught took minutes in debug.
/// Generous, so that a loaded CI machine cannot fail it.
const LIMIT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 90 } else { 15 });

fn cases() -> u32 {
    std::env::var("COMMUNE_SIM_FUZZ_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(256)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases.max(1),
        // Failures are kept by hand as the regression tests below, not in files.
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Writes `files` into a fresh folder, loads the first and checks every property.
fn check(files: &[(String, Vec<u8>)]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), files);
    let path = dir.path().join(&files[0].0);
    let (result, elapsed) = timed_load(&path)?;
    if std::env::var_os("COMMUNE_SIM_FUZZ_TIMES").is_some() {
        eprintln!("load: {elapsed:?}");
    }
    prop_assert!(
        elapsed < LIMIT,
        "load took {elapsed:?} (limit {LIMIT:?}) on {} files",
        files.len()
    );
    match result {
        Err(e) => check_error(&format!("{e:#}"), dir.path(), &path)?,
        Ok(s) => check_scenario(&s)?,
    }
    Ok(())
}

fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
}

fn timed_load(path: &Path) -> Result<(anyhow::Result<Scenario>, Duration), TestCaseError> {
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| scenario::load(path)));
    let elapsed = start.elapsed();
    match result {
        Ok(r) => Ok((r, elapsed)),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(TestCaseError::fail(format!("load panicked: {message}")))
        }
    }
}

/// `scenario PATH has N problem(s):` and then exactly N lines `  FILE[:LINE:COL]: MESSAGE`,
/// each naming a file of the folder, a position inside it, with no control characters and
/// no trailing period, in file order.
fn check_error(text: &str, dir: &Path, given: &Path) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text.split('\n').collect();
    let head = lines[0];
    let prefix = format!("scenario {} has ", given.display());
    prop_assert!(head.starts_with(&prefix), "bad first line: {text}");
    let count = &head[prefix.len()..];
    let n: usize = count
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let expect = format!("{n} problem{}:", if n == 1 { "" } else { "s" });
    prop_assert!(
        n >= 1 && count == expect,
        "bad problem count `{count}`: {text}"
    );
    prop_assert_eq!(lines.len(), n + 1, "one line per problem: {}", text);
    let dir_prefix = format!("  {}{}", dir.display(), std::path::MAIN_SEPARATOR);
    let mut last: Option<(String, Option<(u32, u32)>)> = None;
    let mut widths: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for line in &lines[1..] {
        prop_assert!(
            !line.chars().any(char::is_control),
            "control character in {line:?}"
        );
        prop_assert!(line.starts_with(&dir_prefix), "bad problem line: {line:?}");
        let rest = &line[dir_prefix.len()..];
        let Some((place, message)) = rest.split_once(": ") else {
            return Err(TestCaseError::fail(format!("no message in {line:?}")));
        };
        prop_assert!(
            !message.trim().is_empty() && !message.ends_with('.'),
            "bad message in {line:?}"
        );
        // `place` is `FILE` or `FILE:LINE:COL`; file names of the fuzz have no `:`.
        let mut parts = place.split(':');
        let file = parts.next().unwrap_or_default().to_string();
        let position = match (parts.next(), parts.next(), parts.next()) {
            (None, _, _) => None,
            (Some(l), Some(c), None) => match (l.parse::<u32>(), c.parse::<u32>()) {
                (Ok(l), Ok(c)) => Some((l, c)),
                _ => return Err(TestCaseError::fail(format!("bad position in {line:?}"))),
            },
            _ => return Err(TestCaseError::fail(format!("bad position in {line:?}"))),
        };
        if !widths.contains_key(&file) {
            let bytes = std::fs::read(dir.join(&file));
            prop_assert!(
                bytes.is_ok(),
                "problem in a file that is not there: {line:?}"
            );
            let content = String::from_utf8_lossy(bytes.as_ref().unwrap()).into_owned();
            let w: Vec<usize> = content.split('\n').map(|l| l.chars().count()).collect();
            widths.insert(file.clone(), w);
        }
        let file_lines = &widths[&file];
        if let Some((l, c)) = position {
            prop_assert!(
                l >= 1 && (l as usize) <= file_lines.len(),
                "line {l} outside the file: {line:?}"
            );
            let width = file_lines[l as usize - 1];
            prop_assert!(
                c >= 1 && (c as usize) <= width + 1,
                "column {c} outside line {l} ({width} characters): {line:?}"
            );
        }
        if let Some((f, p)) = &last
            && *f == file
        {
            prop_assert!(*p <= position, "problems out of order at {line:?}");
        }
        last = Some((file, position));
    }
    Ok(())
}

/// A loaded scenario is consistent and round-trips through `to_toml`.
fn check_scenario(s: &Scenario) -> Result<(), TestCaseError> {
    prop_assert!(s.start <= s.end);
    for (def, value) in PARAMS.iter().zip(s.params.values()) {
        let ok = match value {
            ParamValue::Number(x) => x.is_finite() && x >= def.min && x <= def.max,
            ParamValue::Integer(i) => (i as f64) >= def.min && (i as f64) <= def.max,
            ParamValue::Switch(_) => true,
            ParamValue::Choice(c) => matches!(def.kind, ParamKind::Choice(n) if n.contains(&c)),
            ParamValue::Schedule(sc) => {
                sc.base.is_finite()
                    && sc
                        .points
                        .iter()
                        .all(|(_, v)| v.is_finite() && *v >= def.min && *v <= def.max)
                    && sc.points.windows(2).all(|w| w[0].0 < w[1].0)
            }
        };
        prop_assert!(ok, "{} = {:?} is not valid", def.key(), value);
    }
    let text = s.to_toml();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("again.toml");
    std::fs::write(&path, &text).unwrap();
    let (again, _) = timed_load(&path)?;
    let t = match again {
        Ok(t) => t,
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "to_toml does not load again: {e:#}\n{text}"
            )));
        }
    };
    prop_assert_eq!(&t.name, &s.name);
    prop_assert_eq!(&t.description, &s.description);
    prop_assert_eq!((t.seed, t.start, t.end), (s.seed, s.start, s.end));
    prop_assert_eq!(format!("{:?}", t.params), format!("{:?}", s.params));
    prop_assert_eq!(t.to_toml(), text);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Literals

/// A TOML basic string for any text.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn int_lit() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (-3i64..40).prop_map(|i| i.to_string()),
        2 => any::<i64>().prop_map(|i| i.to_string()),
        1 => any::<u32>().prop_map(|i| format!("0x{i:X}")),
        1 => any::<u16>().prop_map(|i| format!("0o{i:o}")),
        1 => any::<u8>().prop_map(|i| format!("0b{i:b}")),
        1 => any::<u32>().prop_map(|i| underscores(&i.to_string())),
        2 => prop::sample::select(vec![
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "18446744073709551616",
            "170141183460469231731687303715884105728",
            "99999999999999999999999999999999999999999999999999",
            "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
            "+0",
            "-0",
            "+17",
            "1_0",
            "0x0",
            "00",
            "1__0",
            "0_",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

/// `1234567` as `1_234_567`.
fn underscores(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('_');
        }
        out.push(c);
    }
    out
}

fn float_lit() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (0.0f64..2.0).prop_map(|x| format!("{x:?}")),
        2 => any::<f64>().prop_map(|x| format!("{x:?}").to_lowercase()),
        1 => any::<f64>().prop_map(|x| format!("{x:e}")),
        3 => prop::sample::select(vec![
            "nan", "+nan", "-nan", "inf", "+inf", "-inf", "-0.0", "0.0", "+0.0", "1e308",
            "1e309", "-1e309", "5e-324", "1e-400", "1.7976931348623157e308",
            "2.2250738585072014e-308",
            "1_000.5", "0.000_1", "1E2", "1e+2", "3.14159", "-1.5", "1.", ".5", "1e", "01.5",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

fn string_lit() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[A-Za-z0-9_ .-]{0,12}".prop_map(|s| quote(&s)),
        2 => any::<String>().prop_map(|s| quote(&s)),
        1 => "[a-z\\\\\"]{0,6}".prop_map(|s| format!("'{}'", s.replace('\'', ""))),
        1 => "[a-z\n]{0,10}".prop_map(|s| format!("\"\"\"{s}\"\"\"")),
        1 => prop::sample::select(vec![
            "\"\"", "\"\\n\"", "\"\\u0000\"", "\"\\r\\n\"", "\"\\u001B[31m\"", "\"\\u0085\"",
            "\"\\u2028\"", "\"\\t\"", "\"x\\ny\"", "\"\\\\\"", "\"..\"", "\"/\"", "\".\"",
            "\"é\"", "\"\\uFEFF\"", "\"a.b\"",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

/// A month as text: mostly "YYYY-MM" in or near the run, sometimes malformed.
fn date_text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => (1955u32..1972, 1u32..=12).prop_map(|(y, m)| format!("{y:04}-{m:02}")),
        1 => (0u32..3000, 0u32..100).prop_map(|(y, m)| format!("{y:04}-{m:02}")),
        2 => prop::sample::select(vec![
            "1959-13", "1959-00", "1959-8", "59-08", "1959/08", "1959-08 ", " 1959-08",
            "1959-+8", "+959-08", "1959-08-01", "", "abcd-ef", "１９５９-08", "1959‐08",
            "1959-0٨", "1900-01", "2100-12", "2101-01", "1899-12", "1956-01", "1970-12",
            "1970-13", "1955-12", "1971-01", "0000-00", "1959-1", "1959--8",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

fn datetime_lit() -> BoxedStrategy<String> {
    prop::sample::select(vec![
        "1958-08-01",
        "1958-08-01T00:00:00",
        "1979-05-27T07:32:00Z",
        "07:32:00",
        "1958-08-01 12:00:00+08:00",
    ])
    .prop_map(str::to_string)
    .boxed()
}

fn bare_or_quoted_key() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-z_]{1,10}",
        1 => "[A-Za-z0-9_-]{1,6}",
        1 => any::<String>().prop_map(|s| quote(&s)),
        1 => date_text().prop_map(|d| quote(&d)),
    ]
    .boxed()
}

fn scalar() -> BoxedStrategy<String> {
    prop_oneof![
        3 => int_lit(),
        4 => float_lit(),
        1 => any::<bool>().prop_map(|b| b.to_string()),
        2 => string_lit(),
        2 => date_text().prop_map(|d| quote(&d)),
        1 => datetime_lit(),
    ]
    .boxed()
}

/// Any TOML value (as inline text), nested a little.
fn value() -> BoxedStrategy<String> {
    scalar()
        .prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
                prop::collection::vec((bare_or_quoted_key(), inner), 0..5).prop_map(|kv| {
                    let kv: Vec<String> =
                        kv.into_iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    format!("{{ {} }}", kv.join(", "))
                }),
                schedule_table(),
            ]
        })
        .boxed()
}

/// A number for `def`: mostly in range, sometimes at or past the ends.
fn number_for(def: &'static ParamDef) -> BoxedStrategy<String> {
    let (min, max) = (def.min, def.max);
    prop_oneof![
        6 => (0.0f64..=1.0).prop_map(move |t| format!("{:?}", min + t * (max - min))),
        1 => Just(format!("{min:?}")),
        1 => Just(format!("{max:?}")),
        1 => Just(format!("{}", min as i64)),
        1 => prop::sample::select(vec![
            format!("{:?}", max + 1.0),
            format!("{:?}", min - 1.0),
            format!("{:?}", max * (1.0 + f64::EPSILON)),
            format!("{:e}", max),
            "-0.0".to_string(),
        ]),
        1 => float_lit(),
    ]
    .boxed()
}

/// `{ "YYYY-MM" = number, ... }` in random order, with repeats.
fn schedule_table_for(def: Option<&'static ParamDef>) -> BoxedStrategy<String> {
    let number = match def {
        Some(d) => number_for(d),
        None => prop_oneof![float_lit(), int_lit()].boxed(),
    };
    (
        prop::collection::vec((date_text(), number, 0u8..4), 0..6),
        any::<bool>(),
    )
        .prop_map(|(points, sorted)| {
            let mut points = points;
            if sorted {
                points.sort();
            }
            let items: Vec<String> = points
                .into_iter()
                .map(|(d, v, form)| match form {
                    0 => format!("{d} = {v}"), // bare key: 1958-08 is a valid bare key
                    1 => format!("'{d}' = {v}"),
                    _ => format!("{} = {v}", quote(&d)),
                })
                .collect();
            format!("{{ {} }}", items.join(", "))
        })
        .boxed()
}

fn schedule_table() -> BoxedStrategy<String> {
    schedule_table_for(None)
}

/// A value for `def`: mostly of its kind and in range.
fn value_for(def: &'static ParamDef) -> BoxedStrategy<String> {
    let good = match def.kind {
        ParamKind::Number => number_for(def),
        ParamKind::Integer => {
            let (min, max) = (def.min as i64, def.max as i64);
            prop_oneof![
                (min..=max).prop_map(|i| i.to_string()),
                (min..=max).prop_map(|i| underscores(&i.to_string())),
                (min.max(0)..=max).prop_map(|i| format!("0x{i:x}")),
                Just(format!("{}", max + 1)),
                Just(format!("{}", min - 1)),
                Just(format!("{min}.0")),
            ]
            .boxed()
        }
        ParamKind::Switch => prop_oneof![
            4 => any::<bool>().prop_map(|b| b.to_string()),
            1 => prop::sample::select(vec!["1", "0", "\"true\"", "True"]).prop_map(str::to_string),
        ]
        .boxed(),
        ParamKind::Choice(names) => prop_oneof![
            4 => prop::sample::select(names.to_vec()).prop_map(quote),
            1 => prop::sample::select(names.to_vec()).prop_map(|n| {
                let mut s = n.to_string();
                s.pop();
                quote(&s)
            }),
            1 => prop::sample::select(names.to_vec()).prop_map(|n| quote(&n.to_uppercase())),
        ]
        .boxed(),
        ParamKind::Schedule => prop_oneof![
            1 => number_for(def),
            1 => schedule_table_for(Some(def)),
        ]
        .boxed(),
    };
    prop_oneof![8 => good, 1 => value()].boxed()
}

fn any_def() -> BoxedStrategy<&'static ParamDef> {
    (0..PARAMS.len()).prop_map(|i| &PARAMS[i]).boxed()
}

fn schedule_defs() -> Vec<&'static ParamDef> {
    PARAMS
        .iter()
        .filter(|d| d.kind == ParamKind::Schedule)
        .collect()
}

fn schedule_def() -> BoxedStrategy<&'static ParamDef> {
    prop::sample::select(schedule_defs()).boxed()
}

// ---------------------------------------------------------------------------------------------
// (a) Structured documents

/// A `key = value` line of a section: a real parameter (of this section or another), a
/// misspelling or a random key.
fn section_line(section: &'static str) -> BoxedStrategy<String> {
    let own: Vec<&'static ParamDef> = PARAMS.iter().filter(|d| d.section == section).collect();
    let own = if own.is_empty() {
        PARAMS.iter().collect()
    } else {
        own
    };
    prop_oneof![
        10 => prop::sample::select(own).prop_flat_map(assignment),
        1 => any_def().prop_flat_map(assignment),
        1 => any_def().prop_flat_map(|d| (value_for(d), any::<Index>()).prop_map(move |(v, i)| {
            let mut name: Vec<char> = d.name.chars().collect();
            let at = i.index(name.len());
            name.remove(at);
            format!("{} = {v}", name.iter().collect::<String>())
        })),
        1 => (bare_or_quoted_key(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => schedule_def().prop_flat_map(|d| {
            (date_text(), number_for(d)).prop_map(move |(m, v)| format!("{}.\"{m}\" = {v}", d.name))
        }),
    ]
    .boxed()
}

/// `name = value` for `def`.
fn assignment(def: &'static ParamDef) -> BoxedStrategy<String> {
    value_for(def)
        .prop_map(move |v| format!("{} = {v}", def.name))
        .boxed()
}

fn section_name() -> BoxedStrategy<&'static str> {
    prop_oneof![
        12 => prop::sample::select(SECTIONS.to_vec()),
        1 => prop::sample::select(vec![
            "reportin", "labor", "events", "name", "Reporting", "set", "politics.pressure",
        ]),
    ]
    .boxed()
}

/// `[section]` with its lines, or a sub-table `[section.name]` of schedule points.
fn section_block() -> BoxedStrategy<String> {
    prop_oneof![
        6 => section_name().prop_flat_map(|s| {
            prop::collection::vec(section_line(s), 0..6)
                .prop_map(move |lines| format!("[{s}]\n{}\n", lines.join("\n")))
        }),
        1 => schedule_def().prop_flat_map(|d| {
            prop::collection::vec((date_text(), number_for(d)), 0..5).prop_map(move |points| {
                let lines: Vec<String> =
                    points.into_iter().map(|(m, v)| format!("\"{m}\" = {v}")).collect();
                format!("[{}.{}]\n{}\n", d.section, d.name, lines.join("\n"))
            })
        }),
    ]
    .boxed()
}

/// One entry of an event's `set`: quoted, dotted or nested key forms.
fn set_entry() -> BoxedStrategy<String> {
    let key_and_value = prop_oneof![
        8 => schedule_def().prop_flat_map(|d| number_for(d).prop_map(move |v| (d, v))),
        1 => any_def().prop_flat_map(|d| value_for(d).prop_map(move |v| (d, v))),
    ];
    prop_oneof![
        12 => (key_and_value, 0u8..3).prop_map(|((d, v), form)| match form {
            0 => format!("\"{}.{}\" = {v}", d.section, d.name),
            1 => format!("{}.{} = {v}", d.section, d.name),
            _ => format!("{} = {{ {} = {v} }}", d.section, d.name),
        }),
        1 => (bare_or_quoted_key(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => schedule_def().prop_map(|d| format!("{} = 0.5", d.name)),
        1 => schedule_def()
            .prop_map(|d| format!("\"{}.{}\" = {{ \"1958-01\" = 0.5 }}", d.section, d.name)),
        1 => schedule_def().prop_map(|d| format!("{} = {{ {} = {{ x = 1 }} }}", d.section, d.name)),
    ]
    .boxed()
}

fn set_value() -> BoxedStrategy<String> {
    prop_oneof![
        10 => prop::collection::vec(set_entry(), 0..4)
            .prop_map(|e| format!("{{ {} }}", e.join(", "))),
        1 => value(),
    ]
    .boxed()
}

/// An `[[events]]` block body (without the header), its date first.
fn event_body() -> BoxedStrategy<(String, String)> {
    let date = prop_oneof![
        10 => (1957u32..=1962, 1u32..=12).prop_map(|(y, m)| quote(&format!("{y}-{m:02}"))),
        2 => date_text().prop_map(|d| quote(&d)),
        1 => value(),
    ];
    let name = prop_oneof![
        8 => "[A-Za-z ]{1,12}".prop_map(|s| quote(&s)),
        1 => Just("\"  \"".to_string()),
        1 => value(),
    ];
    let extra = prop_oneof![
        4 => Just(None),
        1 => (prop::sample::select(vec![
            "dat", "nmae", "sett", "politics", "reporting.inflation", "events", "when",
        ]), value())
            .prop_map(|(k, v)| Some(format!("{k} = {v}"))),
    ];
    (
        prop::option::weighted(0.95, date),
        prop::option::weighted(0.95, name),
        prop::option::weighted(0.3, string_lit()),
        prop::option::weighted(0.95, set_value()),
        extra,
        0u8..6,
    )
        .prop_map(|(date, name, source, set, extra, form)| {
            let sort_key = date.clone().unwrap_or_default();
            let mut lines = Vec::new();
            if let Some(d) = date {
                lines.push(format!("date = {d}"));
            }
            if let Some(n) = name {
                lines.push(format!("name = {n}"));
            }
            if let Some(s) = source {
                lines.push(format!("source = {s}"));
            }
            if let Some(e) = extra {
                lines.push(e);
            }
            let mut tail = String::new();
            if let Some(set) = set {
                // Sometimes as a `[events.set]` sub-table of the same event.
                if form == 0 && set.starts_with("{ ") && set.ends_with(" }") && !set.contains("{ x")
                {
                    let inner = &set[2..set.len() - 2];
                    let entries: Vec<&str> = inner.split(", ").collect();
                    tail = format!("[events.set]\n{}\n", entries.join("\n"));
                } else {
                    lines.push(format!("set = {set}"));
                }
            }
            (sort_key, format!("{}\n{tail}", lines.join("\n")))
        })
        .boxed()
}

/// Top-level lines other than `extends`.
fn top_lines() -> BoxedStrategy<Vec<String>> {
    let name = prop_oneof![
        6 => "[A-Za-z0-9_-]{1,12}".prop_map(|s| quote(&s)),
        1 => Just(quote(&"x".repeat(64))),
        1 => Just(quote(&"x".repeat(65))),
        1 => string_lit(),
        1 => value(),
    ];
    let description = prop_oneof![4 => string_lit(), 1 => value()];
    let seed =
        prop_oneof![4 => (0u64..1000).prop_map(|s| s.to_string()), 2 => int_lit(), 1 => value()];
    let month = || {
        prop_oneof![
            6 => (1956u32..=1970, 1u32..=12).prop_map(|(y, m)| quote(&format!("{y}-{m:02}"))),
            2 => date_text().prop_map(|d| quote(&d)),
            1 => value(),
        ]
    };
    let other = prop_oneof![
        1 => (prop::sample::select(vec![
            "sede", "nmae", "evnts", "inflation", "Seed", "description2",
        ]), value())
            .prop_map(|(k, v)| format!("{k} = {v}")),
        1 => schedule_def().prop_flat_map(|d| {
            value_for(d).prop_map(move |v| format!("{}.{} = {v}", d.section, d.name))
        }),
        1 => schedule_def().prop_flat_map(|d| {
            value_for(d).prop_map(move |v| format!("{} = {{ {} = {v} }}", d.section, d.name))
        }),
        1 => (bare_or_quoted_key(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => prop::collection::vec(event_body(), 0..3).prop_map(|evs| {
            let items: Vec<String> = evs
                .into_iter()
                .map(|(_, body)| {
                    let kv: Vec<&str> = body
                        .lines()
                        .filter(|l| !l.is_empty() && !l.starts_with('['))
                        .collect();
                    format!("{{ {} }}", kv.join(", "))
                })
                .collect();
            format!("events = [{}]", items.join(", "))
        }),
        1 => value().prop_map(|v| format!("events = {v}")),
    ];
    (
        prop::option::weighted(0.5, name),
        prop::option::weighted(0.3, description),
        prop::option::weighted(0.5, seed),
        prop::option::weighted(0.4, month()),
        prop::option::weighted(0.4, month()),
        prop::collection::vec(other, 0..2),
    )
        .prop_map(|(name, description, seed, start, end, other)| {
            let mut lines = Vec::new();
            for (k, v) in [
                ("name", name),
                ("description", description),
                ("seed", seed),
                ("start", start),
                ("end", end),
            ] {
                if let Some(v) = v {
                    lines.push(format!("{k} = {v}"));
                }
            }
            lines.extend(other);
            lines
        })
        .boxed()
}

/// A whole scenario file (without `extends`).
fn document() -> BoxedStrategy<String> {
    (
        top_lines(),
        prop::collection::vec(section_block(), 0..5),
        prop::collection::vec(event_body(), 0..5),
        0u8..8,
    )
        .prop_map(|(top, sections, events, order)| {
            let mut events = events;
            // Usually in date order, so that the later checks are reached.
            if order < 6 {
                events.sort_by(|a, b| a.0.cmp(&b.0));
            }
            let mut blocks: Vec<String> = sections;
            for (_, body) in events {
                blocks.push(format!("[[events]]\n{body}"));
            }
            if order == 7 {
                blocks.reverse();
            }
            let mut text = top.join("\n");
            text.push('\n');
            for b in blocks {
                text.push_str(&b);
            }
            text
        })
        .boxed()
}

fn with_extends(extends: Option<&str>, doc: &str) -> Vec<u8> {
    match extends {
        Some(e) => format!("extends = {e}\n{doc}").into_bytes(),
        None => doc.as_bytes().to_vec(),
    }
}

/// A file set: one document, or a chain through `extends` (parents, cycles, missing files,
/// `..`, folders, odd values).
fn file_set() -> BoxedStrategy<Files> {
    let f = |name: &str, bytes: Vec<u8>| (name.to_string(), bytes);
    prop_oneof![
        4 => document().prop_map(move |d| vec![f("s.toml", d.into_bytes())]),
        4 => (document(), document(), prop::sample::select(vec![
            "\"p.toml\"", "\"./p.toml\"", "\"sub/../p.toml\"", "'p.toml'",
        ]))
            .prop_map(move |(c, p, e)| vec![
                f("s.toml", with_extends(Some(e), &c)),
                f("p.toml", p.into_bytes()),
                f("sub/x.toml", b"seed = 1\n".to_vec()),
            ]),
        2 => (document(), document(), document()).prop_map(move |(c, p, g)| vec![
            f("s.toml", with_extends(Some("\"p.toml\""), &c)),
            f("p.toml", with_extends(Some("\"q.toml\""), &p)),
            f("q.toml", g.into_bytes()),
        ]),
        1 => (document(), document(), any::<bool>()).prop_map(move |(c, p, self_cycle)| {
            if self_cycle {
                vec![f("s.toml", with_extends(Some("\"s.toml\""), &c))]
            } else {
                vec![
                    f("s.toml", with_extends(Some("\"p.toml\""), &c)),
                    f("p.toml", with_extends(Some("\"./s.toml\""), &p)),
                ]
            }
        }),
        1 => (document(), prop::sample::select(vec![
            "\"missing.toml\"", "\"../p.toml\"", "\"sub\"", "\"\"", "\".\"", "\"/\"",
            "\"/etc/hostname\"", "\"\\u0000\"", "\"a\\nb.toml\"", "\"p.toml\\u0000x\"",
            "\"\\u001B[2J.toml\"", "\"sub/\"",
            "5", "true", "[\"p.toml\"]", "{ path = \"p.toml\" }", "1958-08-01", "\"p.toml \"",
        ]), document()).prop_map(move |(c, e, p)| vec![
            f("s.toml", with_extends(Some(e), &c)),
            f("p.toml", p.into_bytes()),
            f("sub/x.toml", b"seed = 1\n".to_vec()),
        ]),
        1 => (document(), document()).prop_map(move |(c, p)| vec![
            f("sub/s.toml", with_extends(Some("\"../p.toml\""), &c)),
            f("p.toml", p.into_bytes()),
        ]),
        1 => (document(), 14usize..19, any::<bool>()).prop_map(move |(d, n, cycle)| {
            let mut files = Vec::new();
            for i in 0..n {
                let next = if i + 1 < n {
                    Some(format!("\"c{}.toml\"", i + 1))
                } else if cycle {
                    Some("\"c0.toml\"".to_string())
                } else {
                    None
                };
                let body = if i + 1 == n { d.as_str() } else { "" };
                files.push((format!("c{i}.toml"), with_extends(next.as_deref(), body)));
            }
            files
        }),
    ]
    .prop_map(Files)
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// (b) Mutations of the historical scenario

#[derive(Clone, Debug)]
enum Edit {
    Replace(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    /// Replaces the number literal at or after a position.
    Number(Index, String),
    /// Replaces the month string at or after a position.
    Date(Index, String),
}

const TOKENS: &[&str] = &[
    "\"",
    "'",
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    ".",
    "\n",
    "\r",
    "\r\n",
    "\t",
    " ",
    "#",
    "\0",
    "\u{7f}",
    "\u{1b}",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
    "é",
    "中",
    "\"\"\"",
    "'''",
    "\\",
    "\\u",
    "0",
    "1",
    "-",
    "+",
    "_",
    "e",
    "nan",
    "inf",
    "true",
    "[[events]]\n",
    "[reporting]\n",
    "set = {",
    "date = \"1958-08\"\n",
    "extends = \"historical.toml\"\n",
    "x = 1\n",
    "\"1958-08\"",
    "1958-08",
    "= {}",
    "= []",
    "inflation",
    "politics.",
    "1979-05-27T07:32:00Z",
];

fn edit() -> BoxedStrategy<Edit> {
    prop_oneof![
        3 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        3 => (any::<Index>(), prop_oneof![
            3 => prop::sample::select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
            1 => prop::collection::vec(any::<u8>(), 1..4),
        ]).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => (any::<Index>(), 1usize..24).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        2 => any::<Index>().prop_map(Edit::DeleteLine),
        2 => any::<Index>().prop_map(Edit::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        3 => (any::<Index>(), prop_oneof![float_lit(), int_lit(), value()])
            .prop_map(|(i, v)| Edit::Number(i, v)),
        3 => (any::<Index>(), date_text()).prop_map(|(i, d)| Edit::Date(i, d)),
    ]
    .boxed()
}

fn lines_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len();
    match edit {
        Edit::Replace(i, b) if len > 0 => bytes[i.index(len)] = *b,
        Edit::Insert(i, b) => {
            let at = i.index(len + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Edit::Delete(i, n) if len > 0 => {
            let at = i.index(len);
            bytes.drain(at..(at + n).min(len));
        }
        Edit::Truncate(i) => bytes.truncate(i.index(len + 1)),
        Edit::DeleteLine(i) | Edit::DuplicateLine(i) | Edit::SwapLines(i, _) => {
            let mut lines = lines_of(bytes);
            if lines.is_empty() {
                return;
            }
            let a = i.index(lines.len());
            match edit {
                Edit::DeleteLine(_) => {
                    lines.remove(a);
                }
                Edit::DuplicateLine(_) => {
                    let l = lines[a].clone();
                    lines.insert(a, l);
                }
                Edit::SwapLines(_, j) => {
                    let b = j.index(lines.len());
                    lines.swap(a, b);
                }
                _ => unreachable!(),
            }
            *bytes = lines.concat();
        }
        Edit::Number(i, lit) if len > 0 => {
            let from = i.index(len);
            if let Some(p) = bytes[from..].iter().position(u8::is_ascii_digit) {
                let start = from + p;
                let end = bytes[start..]
                    .iter()
                    .position(|b| !(b.is_ascii_digit() || b"._eE+-".contains(b)))
                    .map_or(len, |q| start + q);
                bytes.splice(start..end, lit.bytes());
            }
        }
        Edit::Date(i, date) if len > 0 => {
            let from = i.index(len);
            let hay = &bytes[from..];
            if let Some(p) = hay.windows(3).position(|w| w == b"\"19") {
                let start = from + p + 1;
                let end = (start + 7).min(len);
                bytes.splice(start..end, date.bytes());
            }
        }
        _ => {}
    }
}

fn mutated(base: &'static str) -> BoxedStrategy<Vec<u8>> {
    prop::collection::vec(edit(), 1..8)
        .prop_map(move |edits| {
            let mut bytes = base.as_bytes().to_vec();
            for e in &edits {
                apply(&mut bytes, e);
            }
            bytes
        })
        .boxed()
}

/// The historical scenario mutated; or a child of it mutated with the parent intact; or the
/// parent mutated under an intact child.
fn mutated_set() -> BoxedStrategy<Files> {
    let f = |name: &str, bytes: Vec<u8>| (name.to_string(), bytes);
    prop_oneof![
        4 => mutated(HISTORICAL).prop_map(move |h| vec![f("historical.toml", h)]),
        1 => mutated(LUSHAN).prop_map(move |c| vec![
            f("lushan.toml", c),
            f("historical.toml", HISTORICAL.as_bytes().to_vec()),
        ]),
        1 => mutated(HISTORICAL).prop_map(move |h| vec![
            f("lushan.toml", LUSHAN.as_bytes().to_vec()),
            f("historical.toml", h),
        ]),
    ]
    .prop_map(Files)
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// (c) Raw bytes and token soup; (e) large and deep inputs

fn raw_set() -> BoxedStrategy<Files> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..600),
        2 => prop::collection::vec(prop::sample::select(TOKENS), 0..80)
            .prop_map(|t| t.concat().into_bytes()),
    ]
    .prop_map(|b| vec![("s.toml".to_string(), b)])
    .prop_map(Files)
    .boxed()
}

/// Files near the size limit: many keys, points, events or problems; long keys and strings;
/// deep nesting.
fn stress_set() -> BoxedStrategy<Files> {
    let f = |b: String| vec![("s.toml".to_string(), b.into_bytes())];
    prop_oneof![
        // Many distinct unknown keys: one problem each.
        (100usize..40_000).prop_map(move |n| f((0..n).map(|i| format!("k{i} = 1\n")).collect())),
        (100usize..40_000).prop_map(move |n| f(format!(
            "[reporting]\n{}",
            (0..n).map(|i| format!("k{i} = 1\n")).collect::<String>()
        ))),
        // The same on one line.
        (100usize..40_000).prop_map(move |n| f(format!(
            "reporting = {{ {} }}\n",
            (0..n)
                .map(|i| format!("k{i} = 1"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        // A long schedule, sorted or not.
        (100usize..20_000, any::<bool>()).prop_map(move |(n, sorted)| {
            let mut months: Vec<u32> = (0..n as u32)
                .map(|i| 1956 * 12 + (i * 7919) % 180)
                .collect();
            if sorted {
                months.sort();
            }
            let points: Vec<String> = months
                .iter()
                .map(|m| format!("\"{}\" = 0.5", Month(*m)))
                .collect();
            f(format!(
                "[reporting]\ninflation = {{ {} }}\n",
                points.join(", ")
            ))
        }),
        // Many events.
        (100usize..8_000).prop_map(move |n| f((0..n)
            .map(|i| format!(
                "[[events]]\ndate = \"{}\"\nname = \"e{i}\"\n\
                 set = {{ \"politics.pressure\" = 0.{} }}\n",
                Month(1957 * 12 + (i as u32 % 72)),
                i % 10
            ))
            .collect())),
        // Long keys and values.
        (1usize..900_000, 0u8..5).prop_map(move |(n, form)| {
            let long = "a".repeat(n);
            f(match form {
                0 => format!("{long} = 1\n"),
                1 => format!("[reporting]\n{long} = 1\n"),
                2 => format!("[weather]\nmode = \"{long}\"\n"),
                3 => format!(
                    "[[events]]\ndate = \"1958-08\"\nname = \"x\"\nset = {{ \"{long}\" = 1 }}\n"
                ),
                _ => format!("name = \"{long}\"\n[[events]]\ndate = \"{long}\"\nname = \"x\"\n"),
            })
        }),
        // Deep nesting.
        (1usize..200_000, 0u8..5).prop_map(move |(depth, form)| f(match form {
            0 => format!("a = {}1{}\n", "[".repeat(depth), "]".repeat(depth)),
            1 => format!("a = {}{}\n", "{ b = ".repeat(depth), "}".repeat(depth)),
            2 => format!(
                "[[events]]\ndate = \"1958-08\"\nname = \"x\"\nset = {}1{}\n",
                "{ a = ".repeat(depth),
                " }".repeat(depth)
            ),
            3 => format!("[{}]\n", vec!["a"; depth.min(100_000)].join(".")),
            _ => format!(
                "[[events]]\ndate = \"1958-08\"\nname = \"x\"\nset.{} = 1\n",
                vec!["a"; depth.min(100_000)].join(".")
            ),
        })),
    ]
    .prop_map(Files)
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// (d) Valid documents: they must load with the values they say

#[derive(Clone, Debug)]
struct ValidDoc {
    text: String,
    /// The run as this file sees it (its own `start`/`end`, else inherited).
    start: Month,
    end: Month,
    name: Option<String>,
    description: Option<String>,
    seed: Option<u64>,
    /// PARAMS index → what was written.
    params: Vec<(usize, Written)>,
    /// (month, PARAMS index, value), from the events.
    events: Vec<(Month, usize, f64)>,
}

#[derive(Clone, Debug)]
enum Written {
    Number(f64),
    Integer(u64),
    Switch(bool),
    Choice(&'static str),
    Points(Vec<(Month, f64)>),
}

/// A number in `[min, max]` and a literal that reads back as exactly it.
fn exact_number(def: &'static ParamDef) -> BoxedStrategy<(f64, String)> {
    let (min, max) = (def.min, def.max);
    let integral = (min.ceil() as i64)..=(max.floor() as i64);
    prop_oneof![
        4 => (0.0f64..=1.0, 0u8..4).prop_map(move |(t, form)| {
            let x = (min + t * (max - min)).clamp(min, max);
            let text = match form {
                0 => format!("{x:?}"),
                1 => format!("{x:e}"),
                2 if x >= 0.0 => format!("+{x:?}"),
                2 => format!("{x:?}"),
                _ => format!("{x:E}"),
            };
            (x, text)
        }),
        2 => (integral, 0u8..4).prop_map(|(i, form)| {
            let text = match form {
                0 => i.to_string(),
                1 if i >= 0 => format!("0x{i:X}"),
                2 if i >= 1000 => underscores(&i.to_string()),
                3 => format!("{i}.0"),
                _ => format!("{i}"),
            };
            (i as f64, text)
        }),
        1 => Just((min, format!("{min:?}"))),
        1 => Just((max, format!("{max:?}"))),
    ]
    .boxed()
}

/// `n` distinct sorted months in `[start, end]`.
fn months_in(start: Month, end: Month, n: usize) -> BoxedStrategy<Vec<Month>> {
    let span = (end.0 - start.0 + 1) as usize;
    prop::collection::btree_set(0..span as u32, 0..=n.min(span))
        .prop_map(move |set| set.into_iter().map(|i| Month(start.0 + i)).collect())
        .boxed()
}

fn written_for(
    def: &'static ParamDef,
    start: Month,
    end: Month,
) -> BoxedStrategy<(Written, String)> {
    match def.kind {
        ParamKind::Number => exact_number(def)
            .prop_map(|(x, t)| (Written::Number(x), t))
            .boxed(),
        ParamKind::Integer => ((def.min as u64)..=(def.max as u64), any::<bool>())
            .prop_map(|(i, hex)| {
                let text = if hex {
                    format!("0x{i:x}")
                } else {
                    underscores(&i.to_string())
                };
                (Written::Integer(i), text)
            })
            .boxed(),
        ParamKind::Switch => any::<bool>()
            .prop_map(|b| (Written::Switch(b), b.to_string()))
            .boxed(),
        ParamKind::Choice(names) => prop::sample::select(names.to_vec())
            .prop_map(|n| (Written::Choice(n), quote(n)))
            .boxed(),
        ParamKind::Schedule => prop_oneof![
            exact_number(def).prop_map(|(x, t)| (Written::Number(x), t)),
            months_in(start, end, 6)
                .prop_flat_map(move |months| {
                    let n = months.len().max(1);
                    (
                        Just(months),
                        prop::collection::vec(exact_number(def), n),
                        any::<bool>(),
                    )
                })
                .prop_filter("a schedule table has a point", |(m, _, _)| !m.is_empty())
                .prop_map(|(months, values, bare)| {
                    let points: Vec<(Month, f64)> = months
                        .iter()
                        .zip(&values)
                        .map(|(m, (x, _))| (*m, *x))
                        .collect();
                    let items: Vec<String> = months
                        .iter()
                        .zip(&values)
                        .map(|(m, (_, t))| {
                            if bare {
                                format!("{m} = {t}")
                            } else {
                                format!("\"{m}\" = {t}")
                            }
                        })
                        .collect();
                    (
                        Written::Points(points),
                        format!("{{ {} }}", items.join(", ")),
                    )
                }),
        ]
        .boxed(),
    }
}

/// A valid file whose run defaults to `inherited` (its parent's, or the default run).
fn valid_doc_in(inherited: (Month, Month)) -> BoxedStrategy<ValidDoc> {
    let (is, ie) = inherited;
    let (first, last) = (1956u32 * 12, 1970u32 * 12 + 11);
    let run = prop_oneof![
        2 => Just((None, None)),
        2 => (first..=last, first..=last)
            .prop_map(|(a, b)| (Some(Month(a.min(b))), Some(Month(a.max(b))))),
        1 => (first..=ie.0).prop_map(|a| (Some(Month(a)), None)),
        1 => (is.0..=last).prop_map(|b| (None, Some(Month(b)))),
    ];
    // Pairs checked against each other are left to the other strategies.
    let free: Vec<usize> = (0..PARAMS.len())
        .filter(|&i| {
            !["concealment_min", "concealment_max", "r_crit", "r_star"].contains(&PARAMS[i].name)
        })
        .collect();
    (run, prop::sample::subsequence(free, 0..12))
        .prop_flat_map(move |((start, end), chosen)| {
            let s = start.unwrap_or(is);
            let e = end.unwrap_or(ie);
            let values: Vec<_> = chosen
                .iter()
                .map(|&i| written_for(&PARAMS[i], s, e))
                .collect();
            let events = months_in(s, e, 5).prop_flat_map(|months| {
                let n = months.len();
                (
                    Just(months),
                    prop::collection::vec(
                        (prop::sample::subsequence(schedule_defs(), 1..4), 0u8..3).prop_flat_map(
                            |(defs, form)| {
                                let vals: Vec<_> = defs.iter().map(|d| exact_number(d)).collect();
                                (Just(defs), vals, Just(form))
                            },
                        ),
                        n,
                    ),
                )
            });
            let top = (
                prop::option::of("[A-Za-z0-9_-]{1,20}"),
                prop::option::of("[ -~é\n\t]{0,20}"),
                prop::option::of(0u64..(1 << 63)),
            );
            (Just((start, end, s, e)), Just(chosen), values, events, top)
        })
        .prop_map(
            |((start, end, s, e), chosen, values, (months, sets), (name, description, seed))| {
                // An empty file is a problem of its own.
                let seed = if name.is_none() && description.is_none() && chosen.is_empty() {
                    seed.or(Some(1))
                } else {
                    seed
                };
                let mut top = Vec::new();
                if let Some(n) = &name {
                    top.push(format!("name = \"{n}\""));
                }
                if let Some(d) = &description {
                    top.push(format!("description = {}", quote(d)));
                }
                if let Some(x) = seed {
                    top.push(format!("seed = {x}"));
                }
                if let Some(m) = start {
                    top.push(format!("start = \"{m}\""));
                }
                if let Some(m) = end {
                    top.push(format!("end = \"{m}\""));
                }
                let mut params = Vec::new();
                let mut by_section: Vec<(&str, Vec<String>)> = Vec::new();
                for (&i, (w, text)) in chosen.iter().zip(values) {
                    let def = &PARAMS[i];
                    match by_section.iter_mut().find(|(s, _)| *s == def.section) {
                        Some((_, lines)) => lines.push(format!("{} = {text}", def.name)),
                        None => {
                            by_section.push((def.section, vec![format!("{} = {text}", def.name)]))
                        }
                    }
                    params.push((i, w));
                }
                let tables: Vec<usize> = params
                    .iter()
                    .filter(|(_, w)| matches!(w, Written::Points(_)))
                    .map(|(i, _)| *i)
                    .collect();
                let mut text = top.join("\n");
                text.push('\n');
                for (section, lines) in &by_section {
                    text.push_str(&format!("[{section}]\n{}\n", lines.join("\n")));
                }
                let mut events = Vec::new();
                for (k, (month, (defs, vals, form))) in months.iter().zip(sets).enumerate() {
                    let mut entries = Vec::new();
                    for (d, (x, t)) in defs.iter().zip(&vals) {
                        let index = PARAMS
                            .iter()
                            .position(|p| p.section == d.section && p.name == d.name)
                            .unwrap();
                        // A table in this file and an event on the same month must agree: skip keys
                        // with tables.
                        if tables.contains(&index) {
                            continue;
                        }
                        events.push((*month, index, *x));
                        match form {
                            0 => entries.push(format!("\"{}.{}\" = {t}", d.section, d.name)),
                            1 => entries.push(format!("{}.{} = {t}", d.section, d.name)),
                            // Nested: one inline table per section.
                            _ => {
                                let head = format!("{} = {{ ", d.section);
                                match entries.iter_mut().find(|e| e.starts_with(&head)) {
                                    Some(e) => {
                                        e.truncate(e.len() - 2);
                                        e.push_str(&format!(", {} = {t} }}", d.name));
                                    }
                                    None => entries.push(format!("{head}{} = {t} }}", d.name)),
                                }
                            }
                        }
                    }
                    if entries.is_empty() {
                        continue;
                    }
                    text.push_str(&format!(
                        "[[events]]\ndate = \"{month}\"\nname = \"event {k}\"\nset = {{ {} }}\n",
                        entries.join(", ")
                    ));
                }
                ValidDoc {
                    text,
                    start: s,
                    end: e,
                    name,
                    description,
                    seed,
                    params,
                    events,
                }
            },
        )
        .boxed()
}

/// A valid file, or a valid child (first) of a valid parent.
fn valid_chain() -> BoxedStrategy<Vec<ValidDoc>> {
    let default = (Month(1957 * 12), Month(1962 * 12 + 11));
    prop_oneof![
        1 => valid_doc_in(default).prop_map(|d| vec![d]),
        2 => valid_doc_in(default).prop_flat_map(move |parent| {
            let run = (parent.start, parent.end);
            valid_doc_in(run).prop_map(move |child| vec![child, parent.clone()])
        }),
    ]
    .boxed()
}

/// Loads the chain and checks the merge rules: nearest file wins; a parameter set in a file
/// takes the events of that file and its descendants only, applied ancestors first.
fn check_valid(docs: &[ValidDoc]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.toml");
    let mut text = docs[0].text.clone();
    if docs.len() > 1 {
        text = format!("extends = \"p.toml\"\n{text}");
        std::fs::write(dir.path().join("p.toml"), &docs[1].text).unwrap();
    }
    std::fs::write(&path, &text).unwrap();
    let (result, _) = timed_load(&path)?;
    let s = match result {
        Ok(s) => s,
        Err(e) => return Err(TestCaseError::fail(format!("valid file rejected: {e:#}"))),
    };
    prop_assert_eq!((s.start, s.end), (docs[0].start, docs[0].end));
    let name = docs[0].name.clone().unwrap_or_else(|| "v".to_string());
    prop_assert_eq!(&s.name, &name);
    let description = docs
        .iter()
        .find_map(|d| d.description.clone())
        .unwrap_or_default();
    prop_assert_eq!(&s.description, &description);
    prop_assert_eq!(s.seed, docs.iter().find_map(|d| d.seed).unwrap_or(1));
    let values = s.params.values();
    for (index, def) in PARAMS.iter().enumerate() {
        let owner = docs
            .iter()
            .position(|d| d.params.iter().any(|(i, _)| *i == index));
        let written = owner
            .and_then(|o| docs[o].params.iter().find(|(i, _)| *i == index))
            .map(|(_, w)| w);
        let got = values[index];
        match (def.kind, written, got) {
            (ParamKind::Schedule, _, ParamValue::Schedule(sc)) => {
                let default: f64 = def.default.parse().unwrap();
                let mut expect = match written {
                    Some(Written::Number(x)) => commune_sim::time::Schedule::constant(*x),
                    Some(Written::Points(p)) => commune_sim::time::Schedule {
                        base: default,
                        points: p.clone(),
                    },
                    _ => commune_sim::time::Schedule::constant(default),
                };
                let owner = owner.unwrap_or(docs.len() - 1);
                for doc in docs[..=owner].iter().rev() {
                    for (m, i, x) in &doc.events {
                        if *i == index {
                            expect.set_from(*m, *x);
                        }
                    }
                }
                for m in s.start.0..=s.end.0 {
                    let m = Month(m);
                    prop_assert!(
                        sc.at(m) == expect.at(m),
                        "{} at {m}: got {}, wrote {}",
                        def.key(),
                        sc.at(m),
                        expect.at(m)
                    );
                }
            }
            (_, Some(Written::Number(x)), ParamValue::Number(y)) => {
                prop_assert!(*x == y, "{}", def.key())
            }
            (_, Some(Written::Integer(x)), ParamValue::Integer(y)) => prop_assert_eq!(*x, y),
            (_, Some(Written::Switch(x)), ParamValue::Switch(y)) => prop_assert_eq!(*x, y),
            (_, Some(Written::Choice(x)), ParamValue::Choice(y)) => prop_assert_eq!(*x, y),
            (_, None, _) => {}
            (_, w, g) => {
                return Err(TestCaseError::fail(format!(
                    "{}: wrote {w:?}, got {g:?}",
                    def.key()
                )));
            }
        }
    }
    check_scenario(&s)
}

// ---------------------------------------------------------------------------------------------
// The fuzz tests

proptest! {
    #![proptest_config(config(cases()))]

    #[test]
    fn fuzz_structured(files in file_set()) {
        check(&files.0)?;
    }

    #[test]
    fn fuzz_mutated_historical(files in mutated_set()) {
        check(&files.0)?;
    }

    #[test]
    fn fuzz_raw_bytes(files in raw_set()) {
        check(&files.0)?;
    }

    #[test]
    fn fuzz_valid_documents_load_as_written(docs in valid_chain()) {
        check_valid(&docs)?;
    }
}

proptest! {
    #![proptest_config(config((cases() / 32).max(8)))]

    #[test]
    fn fuzz_large_and_deep(files in stress_set()) {
        check(&files.0)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: inputs the fuzz found, minimised

fn regress(files: &[(&str, &[u8])]) {
    let files: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, b)| (n.to_string(), b.to_vec()))
        .collect();
    if let Err(e) = check(&files) {
        panic!("{e}");
    }
}

/// `n` lines `k0 = 1`, `k1 = 1`, ...: one unknown-key problem each.
fn many_unknown_keys(n: usize) -> String {
    (0..n).map(|i| format!("k{i} = 1\n")).collect()
}

/// Loads one file `s.toml` and renders the error with `{:#}`, the folder left out.
fn error_of(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let e = format!("{:#}", scenario::load(&path).unwrap_err());
    e.replace(
        &format!("{}{}", dir.path().display(), std::path::MAIN_SEPARATOR),
        "",
    )
}

#[test]
fn regression_nul_in_extends_path_is_escaped() {
    let text = "extends = \"\\u0000\"\n";
    regress(&[("s.toml", text.as_bytes())]);
    let e = error_of(text);
    assert!(
        e.ends_with("\n  s.toml:1:11: extends: cannot read parent scenario \\0: file name contained an unexpected NUL byte"),
        "{e}"
    );
}

#[test]
fn regression_newlines_in_keys_and_values_stay_on_one_line() {
    for text in [
        "\"a\\nb\" = 1\n",
        "[weather]\nmode = \"x\\ny\"\n",
        "extends = \"a\\nb.toml\"\n",
        "start = \"\\u001B[2J\"\n",
    ] {
        regress(&[("s.toml", text.as_bytes())]);
        assert_eq!(error_of(text).lines().count(), 2, "{text}");
    }
    assert!(error_of("[weather]\nmode = \"x\\ny\"\n").ends_with("got `x\\ny`"));
}

#[test]
fn regression_many_unknown_keys_in_a_section_are_fast() {
    let text = format!("[reporting]\n{}", many_unknown_keys(12_000));
    regress(&[("s.toml", text.as_bytes())]);
}

#[test]
fn regression_month_with_a_plus_sign_is_not_a_month() {
    for text in [
        "start = \"1959-+1\"\n",
        "[reporting]\ninflation = { \"1959-+8\" = 0.5 }\n",
        "[[events]]\ndate = \"1959-+8\"\nname = \"x\"\nset = { \"politics.pressure\" = 0.5 }\n",
    ] {
        regress(&[("s.toml", text.as_bytes())]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, text).unwrap();
        let e = format!("{:#}", scenario::load(&path).unwrap_err());
        assert!(e.contains("is not a month"), "{e}");
    }
}

#[test]
fn regression_many_unknown_top_level_keys_are_fast() {
    regress(&[("s.toml", many_unknown_keys(20_000).as_bytes())]);
}
