//! A resolved scenario (the text [`Scenario::to_toml`] writes, which lists every parameter and
//! has its events folded into the schedules) read back into a [`Scenario`] without the file
//! system, and parameters overridden by key on the way.
//!
//! The browser has no files, and `scenario::load` reads them, so `build.rs` resolves the bundled
//! scenarios natively with `load` and compiles in their resolved text; this module turns that
//! text back into the same `Scenario`. `build.rs` includes this file too and checks, for every
//! bundled scenario, that the round trip gives exactly what `load` gave.

use commune_sim::scenario::params::Resolver;
use commune_sim::scenario::{PARAMS, ParamDef, ParamKind, Params, Scenario};
use commune_sim::time::{Month, Schedule};

/// The parameter `key` (`section.name`) of [`PARAMS`].
pub fn param(key: &str) -> Option<&'static ParamDef> {
    let (section, name) = key.split_once('.')?;
    PARAMS
        .iter()
        .find(|d| d.section == section && d.name == name)
}

/// Parses the resolved text of a scenario.
pub fn parse(text: &str) -> Result<toml::Table, String> {
    text.parse()
        .map_err(|e| format!("bundled scenario does not parse: {e}"))
}

/// Sets parameter `key` in a resolved scenario table, as a constant over the whole run (a
/// schedule loses its dated points, as when a scenario file sets it). Switches take 0 or 1,
/// choices the index of the word. Numbers must lie in the parameter's range.
pub fn set(table: &mut toml::Table, key: &str, value: f64) -> Result<(), String> {
    let def = param(key).ok_or_else(|| format!("no parameter {key}"))?;
    if !value.is_finite() {
        return Err(format!("{key} must be a number, got {value}"));
    }
    let v = match def.kind {
        ParamKind::Number | ParamKind::Schedule => {
            if !(def.min <= value && value <= def.max) {
                return Err(format!(
                    "{key} must be in {}..={}, got {value}",
                    def.min, def.max
                ));
            }
            toml::Value::Float(value)
        }
        ParamKind::Integer => {
            if value.fract() != 0.0 || !(def.min <= value && value <= def.max) {
                return Err(format!(
                    "{key} must be a whole number in {}..={}, got {value}",
                    def.min, def.max
                ));
            }
            toml::Value::Integer(value as i64)
        }
        ParamKind::Switch => match value {
            0.0 => toml::Value::Boolean(false),
            1.0 => toml::Value::Boolean(true),
            _ => return Err(format!("{key} is a switch: 0 or 1, got {value}")),
        },
        ParamKind::Choice(names) => {
            let i = value as usize;
            if value.fract() != 0.0 || value < 0.0 || i >= names.len() {
                return Err(format!(
                    "{key} is one of {} (index 0..{}), got {value}",
                    names.join(", "),
                    names.len()
                ));
            }
            toml::Value::String(names[i].to_string())
        }
    };
    table
        .entry(def.section)
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .ok_or_else(|| format!("[{}] is not a table", def.section))?
        .insert(def.name.to_string(), v);
    Ok(())
}

/// Sets the seed of a resolved scenario table.
pub fn set_seed(table: &mut toml::Table, seed: u64) -> Result<(), String> {
    let seed = i64::try_from(seed).map_err(|_| format!("seed too large: {seed}"))?;
    table.insert("seed".into(), toml::Value::Integer(seed));
    Ok(())
}

/// The scenario a resolved table describes. `events` and `files` stay empty: the events are
/// already in the schedules, and there are no files.
pub fn scenario(table: &toml::Table) -> Result<Scenario, String> {
    let text = |k: &str| table.get(k).and_then(toml::Value::as_str);
    let month = |k: &str| {
        text(k)
            .and_then(Month::parse)
            .ok_or_else(|| format!("resolved scenario has no valid {k}"))
    };
    let mut r = TableResolver {
        table,
        problems: Vec::new(),
    };
    let params = Params::resolve(&mut r);
    if !r.problems.is_empty() {
        return Err(r.problems.join("; "));
    }
    Ok(Scenario {
        name: text("name").ok_or("resolved scenario has no name")?.into(),
        description: text("description").unwrap_or_default().into(),
        seed: table
            .get("seed")
            .and_then(toml::Value::as_integer)
            .and_then(|s| u64::try_from(s).ok())
            .ok_or("resolved scenario has no valid seed")?,
        start: month("start")?,
        end: month("end")?,
        params,
        events: Vec::new(),
        files: Vec::new(),
    })
}

/// Answers each parameter from its `[section] name = value` entry of a resolved table.
struct TableResolver<'a> {
    table: &'a toml::Table,
    problems: Vec<String>,
}

impl TableResolver<'_> {
    fn get(&mut self, def: &ParamDef) -> Option<&toml::Value> {
        let v = self
            .table
            .get(def.section)
            .and_then(toml::Value::as_table)
            .and_then(|s| s.get(def.name));
        if v.is_none() {
            self.problems
                .push(format!("resolved scenario has no {}", def.key()));
        }
        v
    }

    fn wrong(&mut self, def: &ParamDef, what: &str) {
        self.problems.push(format!(
            "{} in the resolved scenario is not {what}",
            def.key()
        ));
    }
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(x) => Some(*x as f64),
        _ => None,
    }
}

impl Resolver for TableResolver<'_> {
    fn number(&mut self, def: &'static ParamDef, default: f64) -> f64 {
        match self.get(def).map(number) {
            Some(Some(x)) => x,
            Some(None) => {
                self.wrong(def, "a number");
                default
            }
            None => default,
        }
    }

    fn integer(&mut self, def: &'static ParamDef, default: u64) -> u64 {
        match self.get(def).map(|v| v.as_integer().map(u64::try_from)) {
            Some(Some(Ok(x))) => x,
            Some(_) => {
                self.wrong(def, "a whole number");
                default
            }
            None => default,
        }
    }

    fn switch(&mut self, def: &'static ParamDef, default: bool) -> bool {
        match self.get(def).map(toml::Value::as_bool) {
            Some(Some(x)) => x,
            Some(None) => {
                self.wrong(def, "true or false");
                default
            }
            None => default,
        }
    }

    /// A number is a constant schedule; a table lists the months where the value changes,
    /// with the parameter's default before the first (the canonical form `to_toml` writes).
    fn schedule(&mut self, def: &'static ParamDef, default: f64) -> Schedule {
        let points = match self.get(def) {
            None => return Schedule::constant(default),
            Some(toml::Value::Table(t)) => t
                .iter()
                .map(|(k, v)| Some((Month::parse(k)?, number(v)?)))
                .collect::<Option<Vec<_>>>(),
            Some(v) => match number(v) {
                Some(x) => return Schedule::constant(x),
                None => None,
            },
        };
        match points {
            Some(mut points) => {
                points.sort_by_key(|p| p.0);
                Schedule {
                    base: default,
                    points,
                }
            }
            None => {
                self.wrong(def, "a number or a table of \"YYYY-MM\" = number");
                Schedule::constant(default)
            }
        }
    }

    fn choice(
        &mut self,
        def: &'static ParamDef,
        names: &'static [&'static str],
        default: usize,
    ) -> usize {
        let word = self.get(def).map(|v| v.as_str().map(str::to_owned));
        match word {
            Some(Some(w)) => match names.iter().position(|n| *n == w) {
                Some(i) => i,
                None => {
                    self.wrong(def, &format!("one of {}", names.join(", ")));
                    default
                }
            },
            Some(None) => {
                self.wrong(def, "a word");
                default
            }
            None => default,
        }
    }
}
