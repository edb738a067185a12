//! Checks the parsed files of an `extends` chain against [`PARAMS`], merges them and resolves
//! [`Params`], collecting every problem on the way.
//!
//! Merge rules, child over parent:
//! - Top-level keys and parameters: the value from the file nearest the given one wins. A
//!   parameter set in a file replaces that parameter's whole schedule from its ancestors, table
//!   points and events alike: a what-if that writes `labour.steel_share = 0` means zero all along.
//! - `[[events]]` concatenate, ancestors first; on the same month and key the nearer file wins.
//!   Events of the file that set the schedule, and of its descendants, apply on top of it.
//! - `name` is not inherited: it defaults to the given file's stem, because it names the output
//!   folder and a what-if must not overwrite its parent's results.
//!
//! Dates are checked against the run as each file sees it (its own `start`/`end`, else its
//! ancestors', else the defaults), so a child that shortens the run is not blamed for its
//! parent's dates, and a parent is never valid only thanks to its child.
//!
//! Schedules come out canonical over the run `[start, end]`: a constant schedule is
//! `Schedule::constant(v)`; otherwise `base` is the parameter's default and the points are the
//! months in the run where the value changes (a point on `start` if the run opens away from the
//! default). `Schedule::at` gives the same values over the run as the files say.

use std::collections::BTreeMap;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::params::{PARAMS, ParamDef, ParamKind, Params, Resolver, SECTIONS};
use super::source::{Problems, Source, entries, parse};
use super::suggest::closest;
use super::{Event, Scenario};
use crate::time::{Month, Schedule};

/// Earliest `start` and latest `end` accepted.
pub const FIRST_MONTH: Month = Month(1956 * 12);
pub const LAST_MONTH: Month = Month(1970 * 12 + 11);
pub const DEFAULT_START: Month = Month(1957 * 12);
pub const DEFAULT_END: Month = Month(1962 * 12 + 11);

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "extends",
    "seed",
    "start",
    "end",
    "events",
];
const EVENT_KEYS: &[&str] = &["date", "name", "source", "set"];
const SCHEDULE_HINT: &str = "a number or a table of \"YYYY-MM\" = number";

/// `section.name` of every parameter, in the order of [`PARAMS`] (made once: a file can have
/// many thousand unknown keys to suggest for).
static ALL_KEYS: std::sync::LazyLock<Vec<String>> =
    std::sync::LazyLock::new(|| PARAMS.iter().map(ParamDef::key).collect());

/// A value with the file and byte offset it came from.
#[derive(Clone, Debug)]
struct At<T> {
    file: usize,
    offset: usize,
    value: T,
}

#[derive(Clone, Debug)]
struct Point {
    month: Month,
    value: f64,
    offset: usize,
}

/// A parameter's value as written in one file, already checked.
#[derive(Clone, Debug)]
enum Val {
    Number(f64),
    Integer(u64),
    Switch(bool),
    Choice(usize),
    Points(Vec<Point>),
}

#[derive(Clone, Debug)]
struct SetIn {
    path: String,
    def: usize,
    value: f64,
    offset: usize,
}

#[derive(Clone, Debug)]
struct EventIn {
    file: usize,
    /// 1-based position in its file's `[[events]]` list.
    number: usize,
    date: Option<At<Month>>,
    name: String,
    source: String,
    set: Vec<SetIn>,
}

#[derive(Default)]
struct FileDoc {
    name: Option<At<String>>,
    description: Option<At<String>>,
    seed: Option<At<u64>>,
    start: Option<At<Month>>,
    end: Option<At<Month>>,
    params: BTreeMap<usize, At<Val>>,
    events: Vec<EventIn>,
}

/// Validates the chain read by `source::read_chain` and builds the scenario, or returns every
/// problem found (including those already in `problems`).
pub fn build(
    given: &Path,
    sources: &[Source],
    mut problems: Problems,
) -> Result<Scenario, Problems> {
    let mut docs: Vec<Option<FileDoc>> = Vec::with_capacity(sources.len());
    for (i, source) in sources.iter().enumerate() {
        let doc = if source.ok {
            parse(&source.text)
                .ok()
                .map(|table| read_file(i, &table, &mut problems))
        } else {
            None
        };
        docs.push(doc);
    }

    // The run as each file sees it, from the root of the chain down.
    let n = docs.len();
    let mut periods = vec![(DEFAULT_START, DEFAULT_END); n];
    let mut inherited = (DEFAULT_START, DEFAULT_END);
    for i in (0..n).rev() {
        if let Some(doc) = &docs[i] {
            if let Some(s) = &doc.start {
                inherited.0 = s.value;
            }
            if let Some(e) = &doc.end {
                inherited.1 = e.value;
            }
        }
        periods[i] = inherited;
    }
    let (start, end) = periods
        .first()
        .copied()
        .unwrap_or((DEFAULT_START, DEFAULT_END));
    let nearest = |f: &dyn Fn(&FileDoc) -> bool| docs.iter().flatten().find(|d| f(d));
    if start > end {
        let at = nearest(&|d| d.end.is_some())
            .and_then(|d| d.end.as_ref())
            .map(|e| (e.file, e.offset, "end"))
            .or_else(|| {
                nearest(&|d| d.start.is_some())
                    .and_then(|d| d.start.as_ref())
                    .map(|s| (s.file, s.offset, "start"))
            });
        let message = format!("the run must not end ({end}) before it starts ({start})");
        match at {
            Some((file, offset, key)) => problems.at(file, offset, key, message),
            None => problems.whole(0, "", message),
        }
    }

    for (i, doc) in docs.iter().enumerate() {
        if let Some(doc) = doc {
            check_dates(doc, periods[i], &mut problems);
            check_events(doc, &mut problems);
        }
    }

    // Merge, child over parent.
    let mut params: BTreeMap<usize, At<Val>> = BTreeMap::new();
    let mut description = String::new();
    let mut seed = 1;
    for doc in docs.iter().rev().flatten() {
        for (&k, v) in &doc.params {
            params.insert(k, v.clone());
        }
        if let Some(d) = &doc.description {
            description.clone_from(&d.value);
        }
        if let Some(s) = &doc.seed {
            seed = s.value;
        }
    }
    let name = match docs
        .first()
        .and_then(|d| d.as_ref())
        .and_then(|d| d.name.clone())
    {
        Some(name) => name.value,
        None => {
            let stem = given
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !valid_name(&stem) {
                problems.whole(
                    0,
                    "name",
                    format!(
                        "the file name `{stem}` is not a valid scenario name (1 to 64 letters, digits, `_` or `-`); add `name = \"...\"`"
                    ),
                );
            }
            stem
        }
    };
    cross_checks(&params, &mut problems);

    if !problems.is_empty() {
        return Err(problems);
    }

    let events_in: Vec<&EventIn> = docs
        .iter()
        .rev()
        .flatten()
        .flat_map(|d| d.events.iter())
        .collect();
    let mut resolver = Merged {
        params: &params,
        events: &events_in,
        start,
        end,
    };
    let params_out = Params::resolve(&mut resolver);

    // The events as applied: assignments a nearer file's setting overrode are left out.
    let mut events: Vec<Event> = Vec::new();
    for ev in &events_in {
        let Some(date) = &ev.date else { continue };
        let set: Vec<(String, f64)> = ev
            .set
            .iter()
            .filter(|s| params.get(&s.def).is_none_or(|p| p.file >= ev.file))
            .map(|s| (PARAMS[s.def].key(), s.value))
            .collect();
        if !set.is_empty() {
            events.push(Event {
                date: date.value,
                name: ev.name.clone(),
                source: ev.source.clone(),
                set,
            });
        }
    }
    events.sort_by_key(|e| e.date);

    Ok(Scenario {
        name,
        description,
        seed,
        start,
        end,
        params: params_out,
        events,
        files: sources.iter().map(|s| s.path.clone()).collect(),
    })
}

/// True if `name` can be a folder name: 1 to 64 of `[A-Za-z0-9_-]`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Rewrites `s` in the canonical form described in the module docs.
pub fn canonical(s: &Schedule, default: f64, start: Month, end: Month) -> Schedule {
    let first = s.at(start);
    let mut current = first;
    let mut changes = Vec::new();
    for &(month, value) in &s.points {
        if month > start && month <= end && value != current {
            changes.push((month, value));
            current = value;
        }
    }
    if changes.is_empty() {
        return Schedule::constant(first);
    }
    let mut points = Vec::with_capacity(changes.len() + 1);
    if first != default {
        points.push((start, first));
    }
    points.extend(changes);
    Schedule {
        base: default,
        points,
    }
}

fn def_index(section: &str, name: &str) -> Option<usize> {
    PARAMS
        .iter()
        .position(|d| d.section == section && d.name == name)
}

fn key_index(key: &str) -> Option<usize> {
    let (section, name) = key.split_once('.')?;
    def_index(section, name)
}

fn kind_name(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::Number => "Number",
        ParamKind::Integer => "Integer",
        ParamKind::Switch => "Switch",
        ParamKind::Schedule => "Schedule",
        ParamKind::Choice(_) => "Choice",
    }
}

fn found(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("string \"{}\"", s.escape_debug()),
        DeValue::Integer(i) => format!("integer {i}"),
        DeValue::Float(f) => format!("float {f}"),
        DeValue::Boolean(b) => format!("boolean {b}"),
        DeValue::Datetime(d) => format!("datetime {d}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

fn parse_int(v: &DeValue<'_>) -> Option<i128> {
    match v {
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// Reads a number (an integer is accepted) and checks it is finite and within `[min, max]`.
fn number(v: &Spanned<DeValue<'_>>, min: f64, max: f64) -> Result<f64, String> {
    let x = match v.get_ref() {
        DeValue::Float(f) => {
            let text = f.as_str().replace('_', "");
            text.parse::<f64>()
                .map_err(|_| format!("cannot read the number {f}"))?
        }
        DeValue::Integer(_) => match parse_int(v.get_ref()) {
            Some(i) => i as f64,
            None => return Err("cannot read the integer".to_string()),
        },
        other => return Err(format!("expected a number, found {}", found(other))),
    };
    if !x.is_finite() {
        return Err(format!(
            "must be a finite number, got {}",
            format!("{x}").to_lowercase()
        ));
    }
    if x < min || x > max {
        return Err(format!("must be a number from {min} to {max}, got {x}"));
    }
    Ok(x)
}

fn month_value(v: &Spanned<DeValue<'_>>) -> Result<Month, String> {
    match v.get_ref() {
        DeValue::String(s) => Month::parse(s)
            .ok_or_else(|| format!("`{s}` is not a month; write \"YYYY-MM\" such as \"1958-08\"")),
        DeValue::Datetime(d) => Err(format!(
            "expected a month as a string \"YYYY-MM\", found datetime {d}; put it in quotes"
        )),
        other => Err(format!(
            "expected a month as a string \"YYYY-MM\", found {}",
            found(other)
        )),
    }
}

fn string_value(v: &Spanned<DeValue<'_>>) -> Result<String, String> {
    match v.get_ref() {
        DeValue::String(s) => Ok(s.to_string()),
        other => Err(format!("expected a string, found {}", found(other))),
    }
}

/// Suggestion for an unknown key `key` given as `[section] key` (section `None` at top level).
fn unknown_key(section: Option<&str>, key: &str) -> String {
    let local: Vec<&str> = match section {
        Some(s) => PARAMS
            .iter()
            .filter(|d| d.section == s)
            .map(|d| d.name)
            .collect(),
        None => TOP_KEYS.iter().chain(SECTIONS.iter()).copied().collect(),
    };
    if let Some(c) = closest(key, local.iter().copied()) {
        return format!("unknown key; did you mean `{c}`?");
    }
    if let Some(d) = PARAMS.iter().find(|d| d.name == key) {
        return format!("unknown key; did you mean `{}`?", d.key());
    }
    if let Some(c) = closest(key, PARAMS.iter().map(|d| d.name))
        && let Some(d) = PARAMS.iter().find(|d| d.name == c)
    {
        return format!("unknown key; did you mean `{}`?", d.key());
    }
    if let Some(c) = closest(key, ALL_KEYS.iter().map(String::as_str)) {
        return format!("unknown key; did you mean `{c}`?");
    }
    match section {
        Some(s) => format!("unknown key; `[{s}]` has {}", local.join(", ")),
        None => format!(
            "unknown key; allowed are {} and the sections {}",
            TOP_KEYS.join(", "),
            SECTIONS.join(", ")
        ),
    }
}

fn read_file(file: usize, table: &DeTable<'_>, problems: &mut Problems) -> FileDoc {
    let mut doc = FileDoc::default();
    for (key, value) in entries(table) {
        let k: &str = key.get_ref();
        let at = value.span().start;
        match k {
            "name" => match string_value(value) {
                Ok(s) if valid_name(&s) => doc.name = Some(At { file, offset: at, value: s }),
                Ok(s) => problems.at(
                    file,
                    at,
                    "name",
                    format!("`{s}` is not a valid scenario name: use 1 to 64 letters, digits, `_` or `-` (it names the output folder)"),
                ),
                Err(e) => problems.at(file, at, "name", e),
            },
            "description" => match string_value(value) {
                Ok(s) => doc.description = Some(At { file, offset: at, value: s }),
                Err(e) => problems.at(file, at, "description", e),
            },
            // Followed (and its problems reported) by `source::read_chain`.
            "extends" => {}
            "seed" => match (value.get_ref(), parse_int(value.get_ref())) {
                (DeValue::Integer(_), Some(s)) if (0..1i128 << 63).contains(&s) => doc.seed = Some(At { file, offset: at, value: s as u64 }),
                (DeValue::Integer(i), _) => {
                    problems.at(file, at, "seed", format!("must be a whole number from 0 to 2^63 - 1, got {i}"));
                }
                (other, _) => problems.at(file, at, "seed", format!("expected a whole number, found {}", found(other))),
            },
            "start" | "end" => match month_value(value) {
                Ok(m) if (FIRST_MONTH..=LAST_MONTH).contains(&m) => {
                    if k == "start" {
                        doc.start = Some(At { file, offset: at, value: m });
                    } else {
                        doc.end = Some(At { file, offset: at, value: m });
                    }
                }
                Ok(m) => problems.at(file, at, k, format!("must be a month from {FIRST_MONTH} to {LAST_MONTH}, got {m}")),
                Err(e) => problems.at(file, at, k, e),
            },
            "events" => read_events(file, value, problems, &mut doc),
            _ if SECTIONS.contains(&k) => match value.get_ref() {
                DeValue::Table(t) => read_section(file, k, t, problems, &mut doc),
                other => problems.at(file, at, k, format!("expected a section `[{k}]`, found {}", found(other))),
            },
            _ => {
                let mut m = unknown_key(None, k);
                if value.get_ref().is_table() {
                    m = m.replacen("unknown key", "unknown section", 1);
                }
                problems.at(file, key.span().start, k, m);
            }
        }
    }
    doc
}

fn read_section(
    file: usize,
    section: &str,
    table: &DeTable<'_>,
    problems: &mut Problems,
    doc: &mut FileDoc,
) {
    for (key, value) in entries(table) {
        let name: &str = key.get_ref();
        let path = format!("{section}.{name}");
        let Some(index) = def_index(section, name) else {
            problems.at(
                file,
                key.span().start,
                path,
                unknown_key(Some(section), name),
            );
            continue;
        };
        let def = &PARAMS[index];
        let at = value.span().start;
        let result = match def.kind {
            ParamKind::Number => number(value, def.min, def.max).map(Val::Number),
            ParamKind::Integer => match (value.get_ref(), parse_int(value.get_ref())) {
                (DeValue::Integer(_), Some(i))
                    if (def.min..=def.max).contains(&(i as f64)) && i >= 0 =>
                {
                    Ok(Val::Integer(i as u64))
                }
                (DeValue::Integer(i), _) => Err(format!(
                    "must be a whole number from {} to {}, got {i}",
                    def.min, def.max
                )),
                (DeValue::Float(f), _) => Err(format!(
                    "expected a whole number, found float {f}; write it without a decimal point"
                )),
                (other, _) => Err(format!("expected a whole number, found {}", found(other))),
            },
            ParamKind::Switch => match value.get_ref() {
                DeValue::Boolean(b) => Ok(Val::Switch(*b)),
                other => Err(format!("expected true or false, found {}", found(other))),
            },
            ParamKind::Choice(names) => match value.get_ref() {
                DeValue::String(s) => match names.iter().position(|n| *n == s.as_ref()) {
                    Some(i) => Ok(Val::Choice(i)),
                    None => {
                        let allowed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                        let mut m = format!("must be one of {}, got `{s}`", allowed.join(", "));
                        if let Some(c) = closest(s, names.iter().copied()) {
                            m.push_str(&format!("; did you mean `{c}`?"));
                        }
                        Err(m)
                    }
                },
                other => Err(format!(
                    "expected a string, one of {}, found {}",
                    names.join(", "),
                    found(other)
                )),
            },
            ParamKind::Schedule => match value.get_ref() {
                DeValue::Table(t) => Ok(Val::Points(read_points(
                    file,
                    &path,
                    def,
                    t,
                    value.span().start,
                    problems,
                ))),
                DeValue::Integer(_) | DeValue::Float(_) => {
                    number(value, def.min, def.max).map(Val::Number)
                }
                other => Err(format!("expected {SCHEDULE_HINT}, found {}", found(other))),
            },
        };
        match result {
            Ok(v) => {
                doc.params.insert(
                    index,
                    At {
                        file,
                        offset: key.span().start,
                        value: v,
                    },
                );
            }
            Err(e) => problems.at(file, at, path, e),
        }
    }
}

fn read_points(
    file: usize,
    path: &str,
    def: &ParamDef,
    table: &DeTable<'_>,
    at: usize,
    problems: &mut Problems,
) -> Vec<Point> {
    let mut points: Vec<Point> = Vec::new();
    if table.is_empty() {
        problems.at(
            file,
            at,
            path,
            format!("expected {SCHEDULE_HINT}, found an empty table"),
        );
    }
    for (key, value) in entries(table) {
        let k: &str = key.get_ref();
        let point_path = format!("{path}.{k}");
        let Some(month) = Month::parse(k) else {
            let m = match value.get_ref() {
                DeValue::Table(_) => format!("`{k}` is not a month; a schedule is {SCHEDULE_HINT}"),
                _ => format!(
                    "`{k}` is not a month; schedule keys are \"YYYY-MM\" such as \"1958-08\""
                ),
            };
            problems.at(file, key.span().start, point_path, m);
            continue;
        };
        let value = match number(value, def.min, def.max) {
            Ok(v) => v,
            Err(e) => {
                problems.at(file, value.span().start, point_path, e);
                continue;
            }
        };
        if let Some(last) = points.last()
            && month <= last.month
        {
            problems.at(
                file,
                key.span().start,
                point_path,
                format!(
                    "months must increase down a schedule: {month} comes after {}",
                    last.month
                ),
            );
            continue;
        }
        points.push(Point {
            month,
            value,
            offset: key.span().start,
        });
    }
    points
}

fn read_events(
    file: usize,
    value: &Spanned<DeValue<'_>>,
    problems: &mut Problems,
    doc: &mut FileDoc,
) {
    let not_list = || {
        format!(
            "expected a list of `[[events]]` tables, found {}",
            found(value.get_ref())
        )
    };
    let DeValue::Array(items) = value.get_ref() else {
        problems.at(file, value.span().start, "events", not_list());
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let number = i + 1;
        let base = format!("events[{number}]");
        let DeValue::Table(t) = item.get_ref() else {
            problems.at(
                file,
                item.span().start,
                base,
                format!("expected an event table, found {}", found(item.get_ref())),
            );
            continue;
        };
        let mut ev = EventIn {
            file,
            number,
            date: None,
            name: String::new(),
            source: String::new(),
            set: Vec::new(),
        };
        let (mut has_date, mut has_name, mut has_set) = (false, false, false);
        for (key, value) in entries(t) {
            let k: &str = key.get_ref();
            let at = value.span().start;
            let path = format!("{base}.{k}");
            match k {
                "date" => {
                    has_date = true;
                    match month_value(value) {
                        Ok(m) => {
                            ev.date = Some(At {
                                file,
                                offset: at,
                                value: m,
                            })
                        }
                        Err(e) => problems.at(file, at, path, e),
                    }
                }
                "name" => {
                    has_name = true;
                    match string_value(value) {
                        Ok(s) if !s.trim().is_empty() => ev.name = s,
                        Ok(_) => problems.at(file, at, path, "must not be empty"),
                        Err(e) => problems.at(file, at, path, e),
                    }
                }
                "source" => match string_value(value) {
                    Ok(s) => ev.source = s,
                    Err(e) => problems.at(file, at, path, e),
                },
                "set" => {
                    has_set = true;
                    match value.get_ref() {
                        DeValue::Table(set) if !set.is_empty() => {
                            read_set(file, &path, "", set, problems, &mut ev.set);
                        }
                        DeValue::Table(_) => problems.at(
                            file,
                            at,
                            path,
                            "must set at least one schedule, as `{ \"section.name\" = number }`",
                        ),
                        other => problems.at(
                            file,
                            at,
                            path,
                            format!(
                                "expected a table `{{ \"section.name\" = number }}`, found {}",
                                found(other)
                            ),
                        ),
                    }
                }
                _ => {
                    let hint = if SECTIONS.contains(&k) || key_index(k).is_some() {
                        "unknown event key; parameters go in `set = { \"section.name\" = number }`"
                            .to_string()
                    } else {
                        match closest(k, EVENT_KEYS.iter().copied()) {
                            Some(c) => format!("unknown event key; did you mean `{c}`?"),
                            None => {
                                format!("unknown event key; an event has {}", EVENT_KEYS.join(", "))
                            }
                        }
                    };
                    problems.at(file, key.span().start, path, hint);
                }
            }
        }
        let at = item.span().start;
        for (present, key, what) in [
            (has_date, "date", "missing `date = \"YYYY-MM\"`"),
            (has_name, "name", "missing `name = \"...\"`"),
            (
                has_set,
                "set",
                "missing `set = { \"section.name\" = number }`",
            ),
        ] {
            if !present {
                problems.at(file, at, format!("{base}.{key}"), what);
            }
        }
        doc.events.push(ev);
    }
}

/// Flattens nested tables of an event's `set` into dotted parameter keys.
fn read_set(
    file: usize,
    base: &str,
    prefix: &str,
    table: &DeTable<'_>,
    problems: &mut Problems,
    out: &mut Vec<SetIn>,
) {
    for (key, value) in entries(table) {
        let k: &str = key.get_ref();
        let full = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        let path = format!("{base}.{full}");
        if let DeValue::Table(inner) = value.get_ref()
            && key_index(&full).is_none()
        {
            read_set(file, base, &full, inner, problems, out);
            continue;
        }
        let Some(index) = key_index(&full) else {
            let schedules = PARAMS
                .iter()
                .zip(ALL_KEYS.iter())
                .filter(|(d, _)| d.kind == ParamKind::Schedule)
                .map(|(_, k)| k.as_str());
            let m = match closest(&full, schedules) {
                Some(c) => format!("unknown parameter; did you mean `{c}`?"),
                None => {
                    "unknown parameter; keys in `set` are \"section.name\" of schedule parameters"
                        .to_string()
                }
            };
            problems.at(file, key.span().start, path, m);
            continue;
        };
        let def = &PARAMS[index];
        if def.kind != ParamKind::Schedule {
            problems.at(
                file,
                key.span().start,
                path,
                format!(
                    "only schedules can change in events; `{full}` is a {}",
                    kind_name(def.kind)
                ),
            );
            continue;
        }
        match number(value, def.min, def.max) {
            Ok(v) => out.push(SetIn {
                path: full,
                def: index,
                value: v,
                offset: key.span().start,
            }),
            Err(e) => problems.at(file, value.span().start, path, e),
        }
    }
}

fn check_dates(doc: &FileDoc, (start, end): (Month, Month), problems: &mut Problems) {
    if start > end {
        return;
    }
    let outside = |m: Month| format!("{m} is outside the run, {start} to {end}");
    for (&index, setting) in &doc.params {
        if let Val::Points(points) = &setting.value {
            for p in points {
                if p.month < start || p.month > end {
                    problems.at(
                        setting.file,
                        p.offset,
                        format!("{}.{}", PARAMS[index].key(), p.month),
                        outside(p.month),
                    );
                }
            }
        }
    }
    for ev in &doc.events {
        if let Some(d) = &ev.date
            && (d.value < start || d.value > end)
        {
            problems.at(
                d.file,
                d.offset,
                format!("events[{}].date", ev.number),
                outside(d.value),
            );
        }
    }
}

/// Events of one file: in date order, and no two values for one key on one month.
fn check_events(doc: &FileDoc, problems: &mut Problems) {
    let mut last: Option<(Month, usize)> = None;
    let mut seen: BTreeMap<(usize, Month), (usize, f64)> = BTreeMap::new();
    for ev in &doc.events {
        let Some(date) = &ev.date else { continue };
        if let Some((prev, number)) = last
            && date.value < prev
        {
            problems.at(
                date.file,
                date.offset,
                format!("events[{}].date", ev.number),
                format!(
                    "events must be in date order: {} comes after {prev} (events[{number}])",
                    date.value
                ),
            );
        }
        last = Some((date.value, ev.number));
        for s in &ev.set {
            let path = format!("events[{}].set.{}", ev.number, s.path);
            let key = PARAMS[s.def].key();
            if let Some(&(other, v)) = seen.get(&(s.def, date.value)) {
                if other == ev.number {
                    problems.at(
                        ev.file,
                        s.offset,
                        path,
                        format!("`{key}` is set twice in this event"),
                    );
                } else if v != s.value {
                    problems.at(
                        ev.file,
                        s.offset,
                        path,
                        format!("overlapping events: events[{other}] sets `{key}` to {v} on {} and this event to {}", date.value, s.value),
                    );
                }
                continue;
            }
            seen.insert((s.def, date.value), (ev.number, s.value));
            if let Some(At {
                value: Val::Points(points),
                ..
            }) = doc.params.get(&s.def)
                && let Some(p) = points
                    .iter()
                    .find(|p| p.month == date.value && p.value != s.value)
            {
                problems.at(
                    ev.file,
                    s.offset,
                    path,
                    format!(
                        "overlapping events: the `{key}` schedule in this file is {} on {} and this event sets {}",
                        p.value, p.month, s.value
                    ),
                );
            }
        }
    }
}

fn cross_checks(params: &BTreeMap<usize, At<Val>>, problems: &mut Problems) {
    for (low, high) in [
        ("reporting.concealment_min", "reporting.concealment_max"),
        ("demography.r_crit", "demography.r_star"),
    ] {
        let (Some(li), Some(hi)) = (key_index(low), key_index(high)) else {
            continue;
        };
        let get = |i: usize| match params.get(&i) {
            Some(At {
                value: Val::Number(x),
                file,
                offset,
            }) => (*x, Some((*file, *offset))),
            _ => (PARAMS[i].default.parse().unwrap_or(f64::NAN), None),
        };
        let ((lv, la), (hv, ha)) = (get(li), get(hi));
        if lv > hv {
            // Blame the setting nearest the given file.
            let (key, at) = match (la, ha) {
                (Some(a), Some(b)) if b < a => (high, Some(b)),
                (Some(a), _) => (low, Some(a)),
                (None, b) => (high, b),
            };
            let message = format!("`{low}` ({lv}) must not exceed `{high}` ({hv})");
            match at {
                Some((file, offset)) => problems.at(file, offset, key, message),
                None => problems.whole(0, key, message),
            }
        }
    }
}

/// Answers [`Params::resolve`] from the merged, already validated settings.
struct Merged<'a> {
    params: &'a BTreeMap<usize, At<Val>>,
    /// Ancestors' events first, each file's in its own order.
    events: &'a [&'a EventIn],
    start: Month,
    end: Month,
}

impl Merged<'_> {
    fn get(&self, def: &ParamDef) -> Option<&At<Val>> {
        self.params.get(&def_index(def.section, def.name)?)
    }
}

impl Resolver for Merged<'_> {
    fn number(&mut self, def: &'static ParamDef, default: f64) -> f64 {
        match self.get(def) {
            Some(At {
                value: Val::Number(x),
                ..
            }) => *x,
            _ => default,
        }
    }

    fn integer(&mut self, def: &'static ParamDef, default: u64) -> u64 {
        match self.get(def) {
            Some(At {
                value: Val::Integer(x),
                ..
            }) => *x,
            _ => default,
        }
    }

    fn switch(&mut self, def: &'static ParamDef, default: bool) -> bool {
        match self.get(def) {
            Some(At {
                value: Val::Switch(x),
                ..
            }) => *x,
            _ => default,
        }
    }

    fn schedule(&mut self, def: &'static ParamDef, default: f64) -> Schedule {
        let Some(index) = def_index(def.section, def.name) else {
            return Schedule::constant(default);
        };
        let (mut schedule, owner) = match self.params.get(&index) {
            Some(At {
                value: Val::Number(x),
                file,
                ..
            }) => (Schedule::constant(*x), *file),
            Some(At {
                value: Val::Points(points),
                file,
                ..
            }) => (
                Schedule {
                    base: default,
                    points: points.iter().map(|p| (p.month, p.value)).collect(),
                },
                *file,
            ),
            _ => (Schedule::constant(default), usize::MAX),
        };
        for ev in self.events.iter().filter(|e| e.file <= owner) {
            let Some(date) = &ev.date else { continue };
            for s in ev.set.iter().filter(|s| s.def == index) {
                schedule.set_from(date.value, s.value);
            }
        }
        canonical(&schedule, default, self.start, self.end)
    }

    fn choice(
        &mut self,
        def: &'static ParamDef,
        names: &'static [&'static str],
        default: usize,
    ) -> usize {
        match self.get(def) {
            Some(At {
                value: Val::Choice(i),
                ..
            }) if *i < names.len() => *i,
            _ => default,
        }
    }
}
