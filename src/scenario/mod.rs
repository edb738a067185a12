//! Scenarios: reading a TOML file and its `extends` chain into a validated [`Scenario`].
//!
//! `load` is the only fallible stage of a run: it reads the files (`source`), checks every key,
//! type, range and date against the parameter registry [`PARAMS`] and reports all problems at
//! once (`validate`), then resolves [`Params`] with the dated events folded into the schedules.
//! [`Scenario::to_toml`] writes the resolved scenario back as a file that `load` accepts and that
//! gives the same scenario.
//!
//! The file format:
//!
//! ```toml
//! name = "historical"            # default: the file's stem; [A-Za-z0-9_-]{1,64}
//! description = "The Great Leap as it happened."
//! extends = "other.toml"         # optional; relative to this file's folder
//! seed = 1
//! start = "1957-01"              # 1956-01 at the earliest
//! end = "1962-12"                # 1970-12 at the latest
//!
//! [reporting]
//! inflation = 1.0                                             # Number and Schedule: a number
//! planner_discount = { "1959-08" = 0.33, "1962-01" = 1.0 }    # Schedule: "YYYY-MM" = number
//! [population]
//! communes = 23500               # Integer: no decimal point
//! [mess_halls]
//! enabled = true                 # Switch
//! [weather]
//! mode = "historical"            # Choice: one of the listed words
//!
//! [[events]]
//! date = "1958-08"
//! name = "Beidaihe conference"
//! source = "MODEL.md §6 [V]"     # optional
//! set = { "politics.pressure" = 0.9, "labour.steel_share" = 0.05 }   # schedules only
//! ```
//!
//! A schedule table's value before its first point is the parameter's default. Merge rules for
//! `extends` and the canonical form of schedules are in `validate`.

pub mod params;
mod source;
pub mod suggest;
mod validate;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use params::{
    Choice, Expectation, PARAMS, ParamDef, ParamKind, ParamValue, Params, SECTIONS, WeatherMode,
};

use crate::error::ScenarioError;
use crate::time::Month;
use params::ParamValue as Value;

/// A validated scenario: every parameter resolved, events folded into the schedules.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// From `name = "..."`, else the given file's stem; `[A-Za-z0-9_-]{1,64}` (it names a folder).
    pub name: String,
    /// Shown in reports; empty by default.
    pub description: String,
    pub seed: u64,
    /// First simulated month (default 1957-01).
    pub start: Month,
    /// Last simulated month (default 1962-12), not before `start`.
    pub end: Month,
    /// Every parameter, with the events already applied to the schedules.
    pub params: Params,
    /// The dated events as applied, sorted by date, then ancestors' before descendants', then
    /// file order. Assignments that a nearer file's own setting overrode are left out.
    pub events: Vec<Event>,
    /// The chain: the file given to [`load`], its parent, grandparent, ...
    pub files: Vec<PathBuf>,
}

/// A dated change to one or more schedules.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub date: Month,
    pub name: String,
    /// Where the event and its values come from (may be empty).
    pub source: String,
    /// `("section.name", value)` pairs, in file order.
    pub set: Vec<(String, f64)>,
}

/// Reads the scenario at `path` and the files it `extends`, and validates them.
///
/// Fails with a [`ScenarioError`] listing every problem in the chain, or with IO context if
/// `path` itself cannot be read.
pub fn load(path: &Path) -> anyhow::Result<Scenario> {
    let mut problems = source::Problems::default();
    let sources = source::read_chain(path, &mut problems)?;
    validate::build(path, &sources, problems).map_err(|problems| {
        ScenarioError {
            file: path.to_path_buf(),
            problems: problems.finish(&sources),
        }
        .into()
    })
}

impl Scenario {
    /// The scenario as resolved, as TOML text that [`load`] accepts and that gives the same
    /// scenario (apart from `files`, and `events`, which are folded into the schedules).
    ///
    /// Top-level keys come first, then every section with every parameter of [`PARAMS`]. A
    /// schedule that is constant over the run is written as a number; otherwise as a table of
    /// the months where its value changes, starting with `start` if the run opens away from the
    /// parameter's default. Numbers use Rust's shortest round-trip form, so the text is
    /// deterministic and exact.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# Scenario as resolved by commune-sim: events are folded into the schedules.\n",
        );
        let _ = writeln!(out, "name = {}", quote(&self.name));
        let _ = writeln!(out, "description = {}", quote(&self.description));
        let _ = writeln!(out, "seed = {}", self.seed);
        let _ = writeln!(out, "start = \"{}\"", self.start);
        let _ = writeln!(out, "end = \"{}\"", self.end);
        let values = self.params.values();
        debug_assert_eq!(values.len(), PARAMS.len());
        let mut section = "";
        for (def, value) in PARAMS.iter().zip(values) {
            if def.section != section {
                section = def.section;
                let _ = write!(out, "\n[{section}]\n");
            }
            let text = match value {
                Value::Number(x) => float(x),
                Value::Integer(x) => x.to_string(),
                Value::Switch(x) => x.to_string(),
                Value::Choice(x) => quote(x),
                Value::Schedule(s) => {
                    let default = def.default.parse().unwrap_or(s.base);
                    let s = validate::canonical(s, default, self.start, self.end);
                    if s.points.is_empty() {
                        float(s.base)
                    } else {
                        let points: Vec<String> = s
                            .points
                            .iter()
                            .map(|(m, v)| format!("\"{m}\" = {}", float(*v)))
                            .collect();
                        format!("{{ {} }}", points.join(", "))
                    }
                }
            };
            let _ = writeln!(out, "{} = {text}", def.name);
        }
        out
    }

    /// Number of simulated months, `start` and `end` included.
    pub fn n_months(&self) -> u32 {
        (self.end.0 + 1).saturating_sub(self.start.0)
    }
}

/// A TOML float literal that parses back to exactly `x` (`{:?}` always has a `.` or exponent).
fn float(x: f64) -> String {
    format!("{x:?}")
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Schedule;

    /// Writes `files` (name, text) into a temporary folder and loads the first.
    fn load_files(files: &[(&str, &str)]) -> Result<Scenario, String> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        load(&dir.path().join(files[0].0)).map_err(|e| {
            let text = format!("{e:#}");
            text.replace(&format!("{}/", dir.path().display()), "")
        })
    }

    fn load_one(text: &str) -> Result<Scenario, String> {
        load_files(&[("s.toml", text)])
    }

    fn m(text: &str) -> Month {
        Month::parse(text).unwrap()
    }

    const PARENT: &str = r#"
name = "parent"
description = "The parent."
seed = 7
[reporting]
inflation = 2.0
planner_discount = { "1959-08" = 0.33, "1962-01" = 0.9 }
[labour]
diversion = 1.5
steel_share = { "1958-08" = 0.1 }
[[events]]
date = "1958-08"
name = "Beidaihe"
set = { "politics.pressure" = 0.9, "labour.steel_share" = 0.1, "labour.water_share" = 0.2 }
[[events]]
date = "1959-08"
name = "Lushan"
source = "MODEL.md §6"
set = { politics = { pressure = 1.0 }, reporting.inflation = 1.0 }
"#;

    #[test]
    fn defaults_and_file_stem() {
        let s = load_files(&[("tiny-1.toml", "seed = 3\n")]).unwrap();
        assert_eq!(s.name, "tiny-1");
        assert_eq!((s.seed, s.start, s.end), (3, m("1957-01"), m("1962-12")));
        assert_eq!(s.n_months(), 72);
        assert_eq!(s.description, "");
        assert_eq!(s.params.reporting.inflation, Schedule::constant(1.0));
        assert_eq!(s.params.population.communes, 23500);
        assert!(s.params.mess_halls.enabled);
        assert_eq!(s.params.weather.mode, WeatherMode::Historical);
        assert!(s.events.is_empty());
        assert_eq!(s.files.len(), 1);
    }

    #[test]
    fn schedule_tables_and_events_fold_into_schedules() {
        let s = load_files(&[("p.toml", PARENT)]).unwrap();
        assert_eq!(s.params.reporting.planner_discount.base, 0.0);
        assert_eq!(
            s.params.reporting.planner_discount.points,
            vec![(m("1959-08"), 0.33), (m("1962-01"), 0.9)]
        );
        // inflation = 2.0 until the Lushan event sets 1.0: canonical form keeps the default as base.
        let infl = &s.params.reporting.inflation;
        assert_eq!(infl.base, 1.0);
        assert_eq!(infl.points, vec![(m("1957-01"), 2.0), (m("1959-08"), 1.0)]);
        assert_eq!(infl.at(m("1958-12")), 2.0);
        let pressure = &s.params.politics.pressure;
        assert_eq!(
            pressure.points,
            vec![(m("1958-08"), 0.9), (m("1959-08"), 1.0)]
        );
        assert_eq!(s.params.labour.water_share.at(m("1960-01")), 0.2);
        assert_eq!(s.events.len(), 2);
        assert_eq!(s.events[1].source, "MODEL.md §6");
        assert_eq!(
            s.events[1].set,
            vec![
                ("politics.pressure".to_string(), 1.0),
                ("reporting.inflation".to_string(), 1.0)
            ]
        );
    }

    #[test]
    fn extends_overrides_child_over_parent() {
        let child = r#"
extends = "parent.toml"
start = "1958-01"
end = "1960-12"
[reporting]
planner_discount = { "1960-01" = 0.5 }
[labour]
steel_share = 0.0
[[events]]
date = "1958-08"
name = "Milder Beidaihe"
set = { "politics.pressure" = 0.5 }
"#;
        let s = load_files(&[("child.toml", child), ("parent.toml", PARENT)]).unwrap();
        assert_eq!(s.name, "child", "name is not inherited");
        assert_eq!(s.description, "The parent.");
        assert_eq!(s.seed, 7);
        assert_eq!(
            (s.start, s.end, s.n_months()),
            (m("1958-01"), m("1960-12"), 36)
        );
        assert_eq!(s.files.len(), 2);
        // A child table replaces the parent's whole schedule.
        assert_eq!(
            s.params.reporting.planner_discount.points,
            vec![(m("1960-01"), 0.5)]
        );
        // A child number replaces the parent's table and the parent's events for that key.
        assert_eq!(s.params.labour.steel_share, Schedule::constant(0.0));
        // Not overridden: the parent's event still applies.
        assert_eq!(s.params.labour.water_share.at(m("1959-01")), 0.2);
        assert_eq!(s.params.labour.diversion, Schedule::constant(1.5));
        // Same key and month as a parent event: the child wins.
        assert_eq!(s.params.politics.pressure.at(m("1958-08")), 0.5);
        assert_eq!(s.params.politics.pressure.at(m("1959-08")), 1.0);
        let names: Vec<&str> = s.events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Beidaihe", "Milder Beidaihe", "Lushan"]);
        assert!(
            !s.events[0]
                .set
                .iter()
                .any(|(k, _)| k == "labour.steel_share")
        );
    }

    #[test]
    fn child_that_shortens_the_run_is_not_blamed_for_parent_dates() {
        let child = "extends = \"parent.toml\"\nend = \"1958-12\"\n";
        let s = load_files(&[("child.toml", child), ("parent.toml", PARENT)]).unwrap();
        assert_eq!(s.params.reporting.planner_discount, Schedule::constant(0.0));
        // But a child's own dates must lie in the run.
        let child = "extends = \"parent.toml\"\nend = \"1958-12\"\n[politics]\npressure = { \"1959-01\" = 1 }\n";
        let e = load_files(&[("child.toml", child), ("parent.toml", PARENT)]).unwrap_err();
        assert!(e.contains("child.toml:4:14: politics.pressure.1959-01: 1959-01 is outside the run, 1957-01 to 1958-12"), "{e}");
        assert!(!e.contains("parent.toml"), "{e}");
    }

    #[test]
    fn to_toml_round_trips() {
        let child = r#"
extends = "parent.toml"
description = "Quotes \" and \\ and a\nnewline"
[weather]
mode = "stochastic"
[population]
communes = 100
scale = 0.001
[mess_halls]
enabled = false
[procurement]
expectation = "estimates"
rate = { "1958-01" = 0.3333333333333333, "1959-01" = 0.1 }
[[events]]
date = "1960-01"
name = "Later"
set = { "reporting.inflation" = 0.5 }
"#;
        let s = load_files(&[("child.toml", child), ("parent.toml", PARENT)]).unwrap();
        let text = s.to_toml();
        assert!(!text.contains("extends") && !text.contains("[[events]]"));
        let t = load_files(&[("again.toml", &text)]).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(t.name, "child");
        assert_eq!(
            (&t.description, t.seed, t.start, t.end),
            (&s.description, s.seed, s.start, s.end)
        );
        assert_eq!(format!("{:?}", t.params), format!("{:?}", s.params));
        assert_eq!(t.to_toml(), text);
        assert!(
            text.contains(
                "inflation = { \"1957-01\" = 2.0, \"1959-08\" = 1.0, \"1960-01\" = 0.5 }\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("rate = { \"1958-01\" = 0.3333333333333333, \"1959-01\" = 0.1 }\n"),
            "{text}"
        );
        assert!(
            text.contains("communes = 100\n") && text.contains("mode = \"stochastic\"\n"),
            "{text}"
        );
        // Every parameter is written.
        for def in PARAMS {
            assert!(
                text.contains(&format!("\n{} = ", def.name)),
                "{} missing",
                def.key()
            );
        }
        // And the defaults round-trip too.
        let d = load_one("seed = 0\n").unwrap();
        let again = load_files(&[("s.toml", &d.to_toml())]).unwrap();
        assert_eq!(format!("{:?}", again.params), format!("{:?}", d.params));
    }

    #[test]
    fn did_you_mean_looks_across_sections() {
        let e =
            load_one("[reporting]\ndiversion = 1\n[weather]\nmode = \"histrical\"\n").unwrap_err();
        assert!(
            e.contains(
                "s.toml:2:1: reporting.diversion: unknown key; did you mean `labour.diversion`?"
            ),
            "{e}"
        );
        assert!(e.contains("s.toml:4:8: weather.mode: must be one of `historical`, `neutral`, `stochastic`, got `histrical`; did you mean `historical`?"), "{e}");
        let e = load_one("inflation = 1\n[reportin]\n").unwrap_err();
        assert!(
            e.contains("s.toml:1:1: inflation: unknown key; did you mean `reporting.inflation`?"),
            "{e}"
        );
        assert!(
            e.contains("s.toml:2:2: reportin: unknown section; did you mean `reporting`?"),
            "{e}"
        );
    }

    #[test]
    fn nested_and_dotted_event_keys_flatten() {
        let text =
            "[[events]]\ndate = \"1958-08\"\nname = \"x\"\n[events.set.politics]\npressure = 0.7\n";
        let s = load_one(text).unwrap();
        assert_eq!(
            s.events[0].set,
            vec![("politics.pressure".to_string(), 0.7)]
        );
        assert_eq!(s.params.politics.pressure.at(m("1958-08")), 0.7);
    }
}
