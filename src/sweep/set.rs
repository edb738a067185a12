//! `--set KEY=VALUES`: parameter values from the command line, checked against the registry
//! (`PARAMS`) and applied to a loaded scenario.
//!
//! `KEY` is a full key (`reporting.inflation`); VALUES is one value, a comma-separated list
//! (`0.5,1,1.5`) or an evenly spaced range `LO..HI:N` (N values, both ends included). Numbers,
//! schedules and whole numbers take numbers, switches `true`/`false`, choices their words.
//! A schedule set this way is a constant for the whole run: it replaces the scenario's points
//! and the events that change it.
//!
//! Problems are errors that name the argument, never panics: an unknown key with "did you mean",
//! a value that is not a number, a value outside the registry's range (with the range).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};

use crate::error::ScenarioError;
use crate::scenario::params::Resolver;
use crate::scenario::{self, PARAMS, ParamDef, ParamKind, ParamValue, Params, Scenario};
use crate::time::Schedule;

/// A parameter value given on the command line.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// For Number and Schedule parameters.
    Number(f64),
    Integer(u64),
    Switch(bool),
    /// A Choice parameter's word.
    Choice(&'static str),
}

impl Value {
    /// The value as a number (switches 0/1; choices their index).
    pub fn as_f64(&self, def: &ParamDef) -> f64 {
        match self {
            Value::Number(x) => *x,
            Value::Integer(i) => *i as f64,
            Value::Switch(b) => f64::from(u8::from(*b)),
            Value::Choice(w) => match def.kind {
                ParamKind::Choice(names) => names.iter().position(|n| n == w).unwrap_or(0) as f64,
                _ => 0.0,
            },
        }
    }
}

impl std::fmt::Display for Value {
    /// As it would be written in a scenario file (numbers in Rust's shortest round-trip form,
    /// without an exponent), and as it is written in the sweep tables.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Number(x) => write!(f, "{x}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Switch(b) => write!(f, "{b}"),
            Value::Choice(w) => write!(f, "{w}"),
        }
    }
}

/// One parameter and the values it takes (one for `run --set`, several for a sweep axis).
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Index into [`PARAMS`].
    pub index: usize,
    pub values: Vec<Value>,
}

impl Axis {
    pub fn def(&self) -> &'static ParamDef {
        &PARAMS[self.index]
    }

    pub fn key(&self) -> String {
        self.def().key()
    }
}

/// One parameter set to one value.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// Index into [`PARAMS`].
    pub index: usize,
    pub value: Value,
}

impl Setting {
    pub fn def(&self) -> &'static ParamDef {
        &PARAMS[self.index]
    }
}

/// The registry index of `key`, or an error with "did you mean" (`what` names the argument).
pub fn find_key(key: &str, what: &str) -> anyhow::Result<usize> {
    if let Some(i) = PARAMS.iter().position(|d| d.key() == key) {
        return Ok(i);
    }
    let keys: Vec<String> = PARAMS.iter().map(ParamDef::key).collect();
    let near = scenario::suggest::closest(key, keys.iter().map(String::as_str))
        .map(str::to_string)
        .or_else(|| {
            // A bare name (`inflation`) or a misspelt one: suggest its full key.
            let bare = key.rsplit('.').next().unwrap_or(key);
            let name = scenario::suggest::closest(bare, PARAMS.iter().map(|d| d.name))?;
            PARAMS.iter().find(|d| d.name == name).map(ParamDef::key)
        });
    match near {
        Some(near) => bail!(
            "{what}: no parameter `{key}`; did you mean `{near}`? (`commune-sim explain` lists them all)"
        ),
        None => bail!("{what}: no parameter `{key}` (`commune-sim explain` lists them all)"),
    }
}

/// Parses one `--set KEY=VALUES` argument.
pub fn parse_axis(arg: &str) -> anyhow::Result<Axis> {
    let what = format!("--set {arg}");
    let Some((key, values)) = arg.split_once('=') else {
        bail!("{what}: expected KEY=VALUE, KEY=V1,V2,... or KEY=LO..HI:N");
    };
    let key = key.trim();
    let index = find_key(key, &what)?;
    let def = &PARAMS[index];
    let values = values.trim();
    if values.is_empty() {
        bail!("{what}: no value after `=`");
    }
    let parsed = if let Some((lo, rest)) = values.split_once("..") {
        parse_range(def, lo, rest, &what)?
    } else {
        values
            .split(',')
            .map(|v| parse_value(def, v.trim(), &what))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    for (i, v) in parsed.iter().enumerate() {
        if parsed[..i].contains(v) {
            bail!("{what}: the value {v} is given twice");
        }
    }
    Ok(Axis {
        index,
        values: parsed,
    })
}

/// Parses every `--set` argument, refusing a key given twice.
pub fn parse_axes(args: &[String]) -> anyhow::Result<Vec<Axis>> {
    let mut axes: Vec<Axis> = Vec::new();
    for arg in args {
        let axis = parse_axis(arg)?;
        if axes.iter().any(|a| a.index == axis.index) {
            bail!("--set {}: the key is set twice", axis.key());
        }
        axes.push(axis);
    }
    Ok(axes)
}

/// Parses `run --set` arguments: one value each.
pub fn parse_settings(args: &[String]) -> anyhow::Result<Vec<Setting>> {
    parse_axes(args)?
        .into_iter()
        .zip(args)
        .map(|(axis, arg)| match axis.values.as_slice() {
            [v] => Ok(Setting {
                index: axis.index,
                value: v.clone(),
            }),
            _ => bail!(
                "--set {arg}: one value only here (use `commune-sim sweep` for several values)"
            ),
        })
        .collect()
}

/// The range text `LO..HI:N` of `def`, already split at `..`.
fn parse_range(def: &ParamDef, lo: &str, rest: &str, what: &str) -> anyhow::Result<Vec<Value>> {
    let Some((hi, n)) = rest.split_once(':') else {
        bail!("{what}: a range needs the number of values, as LO..HI:N");
    };
    if !matches!(
        def.kind,
        ParamKind::Number | ParamKind::Schedule | ParamKind::Integer
    ) {
        bail!(
            "{what}: {} is not a number, so it takes no range",
            def.key()
        );
    }
    let number = |t: &str| -> anyhow::Result<f64> {
        let t = t.trim();
        match t.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => bail!("{what}: `{t}` is not a number"),
        }
    };
    let (lo, hi) = (number(lo)?, number(hi)?);
    let n: usize = match n.trim().parse() {
        Ok(n) if (1..=10_000).contains(&n) => n,
        _ => bail!(
            "{what}: the number of values must be a whole number from 1 to 10000, got `{}`",
            n.trim()
        ),
    };
    if n > 1 && lo == hi {
        bail!("{what}: a range of {n} values needs LO and HI to differ");
    }
    (0..n)
        .map(|i| {
            let x = if i + 1 == n && n > 1 {
                hi
            } else {
                round12(lo + (hi - lo) * i as f64 / (n.max(2) - 1) as f64)
            };
            checked(def, x, what)
        })
        .collect()
}

/// `x` rounded to 12 significant digits, so a range's steps read as typed (0.3, not
/// 0.30000000000000004).
fn round12(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// One value of `def` from text.
fn parse_value(def: &ParamDef, text: &str, what: &str) -> anyhow::Result<Value> {
    if text.is_empty() {
        bail!("{what}: an empty value in the list");
    }
    match def.kind {
        ParamKind::Number | ParamKind::Schedule | ParamKind::Integer => match text.parse::<f64>() {
            Ok(x) if x.is_finite() => checked(def, x, what),
            _ => bail!("{what}: `{text}` is not a number"),
        },
        ParamKind::Switch => match text {
            "true" | "on" | "1" => Ok(Value::Switch(true)),
            "false" | "off" | "0" => Ok(Value::Switch(false)),
            _ => bail!(
                "{what}: {} is a switch: true or false, got `{text}`",
                def.key()
            ),
        },
        ParamKind::Choice(names) => match names.iter().find(|n| **n == text) {
            Some(n) => Ok(Value::Choice(n)),
            None => {
                let allowed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                let near = scenario::suggest::closest(text, names.iter().copied())
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                bail!(
                    "{what}: {} must be one of {}, got `{text}`{near}",
                    def.key(),
                    allowed.join(", ")
                )
            }
        },
    }
}

/// The number `x` as a value of `def`, if it is in the registry's range (and whole where it
/// must be).
pub fn checked(def: &ParamDef, x: f64, what: &str) -> anyhow::Result<Value> {
    if !(def.min <= x && x <= def.max) {
        bail!(
            "{what}: {} must be from {} to {}, got {x}",
            def.key(),
            def.min,
            def.max
        );
    }
    match def.kind {
        ParamKind::Integer => {
            if x.fract() != 0.0 {
                bail!("{what}: {} must be a whole number, got {x}", def.key());
            }
            Ok(Value::Integer(x as u64))
        }
        _ => Ok(Value::Number(x)),
    }
}

/// `base` with `settings` applied (schedules as constants). Does not check combinations; see
/// [`check`].
pub fn apply(base: &Scenario, settings: &[Setting]) -> Scenario {
    let mut s = base.clone();
    if settings.is_empty() {
        return s;
    }
    let values = base.params.values();
    let mut overlay = Overlay {
        base: &values,
        settings,
        next: 0,
    };
    s.params = Params::resolve(&mut overlay);
    s
}

/// Checks `s` as the validator checks a file (every rule, including combinations such as
/// `reporting.concealment_min` ≤ `concealment_max`), by writing it out and loading it back.
/// The error lists the problems by key.
pub fn check(s: &Scenario) -> anyhow::Result<()> {
    static N: AtomicU64 = AtomicU64::new(0);
    let path: PathBuf = std::env::temp_dir().join(format!(
        "commune-sim-check-{}-{}.toml",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, s.to_toml())
        .with_context(|| format!("failed to write {}", path.display()))?;
    let loaded = scenario::load(&path);
    let _ = std::fs::remove_file(&path);
    match loaded {
        Ok(_) => Ok(()),
        Err(e) => match e.downcast_ref::<ScenarioError>() {
            Some(se) => {
                let problems: Vec<String> = se
                    .problems
                    .iter()
                    .map(|p| {
                        if p.key.is_empty() {
                            p.message.clone()
                        } else {
                            format!("{}: {}", p.key, p.message)
                        }
                    })
                    .collect();
                bail!("{}", problems.join("; "))
            }
            None => Err(e),
        },
    }
}

/// Answers [`Params::resolve`] with the base scenario's values, except the settings.
struct Overlay<'a> {
    base: &'a [ParamValue<'a>],
    settings: &'a [Setting],
    /// `resolve` asks for the parameters in [`PARAMS`] order, once each.
    next: usize,
}

impl<'a> Overlay<'a> {
    /// The next parameter's setting (if any) and base value.
    fn take(&mut self, def: &ParamDef) -> (Option<&'a Value>, Option<&'a ParamValue<'a>>) {
        let i = self.next;
        self.next += 1;
        debug_assert_eq!(PARAMS[i].key(), def.key(), "resolve order changed");
        let settings: &'a [Setting] = self.settings;
        let base: &'a [ParamValue<'a>] = self.base;
        (
            settings.iter().find(|s| s.index == i).map(|s| &s.value),
            base.get(i),
        )
    }
}

impl Resolver for Overlay<'_> {
    fn number(&mut self, def: &'static ParamDef, default: f64) -> f64 {
        match self.take(def) {
            (Some(Value::Number(x)), _) => *x,
            (_, Some(ParamValue::Number(x))) => *x,
            _ => default,
        }
    }

    fn integer(&mut self, def: &'static ParamDef, default: u64) -> u64 {
        match self.take(def) {
            (Some(Value::Integer(x)), _) => *x,
            (_, Some(ParamValue::Integer(x))) => *x,
            _ => default,
        }
    }

    fn switch(&mut self, def: &'static ParamDef, default: bool) -> bool {
        match self.take(def) {
            (Some(Value::Switch(x)), _) => *x,
            (_, Some(ParamValue::Switch(x))) => *x,
            _ => default,
        }
    }

    fn schedule(&mut self, def: &'static ParamDef, default: f64) -> Schedule {
        match self.take(def) {
            (Some(Value::Number(x)), _) => Schedule::constant(*x),
            (_, Some(ParamValue::Schedule(s))) => (*s).clone(),
            _ => Schedule::constant(default),
        }
    }

    fn choice(
        &mut self,
        def: &'static ParamDef,
        names: &'static [&'static str],
        default: usize,
    ) -> usize {
        let word = match self.take(def) {
            (Some(Value::Choice(w)), _) => Some(*w),
            (_, Some(ParamValue::Choice(w))) => Some(*w),
            _ => None,
        };
        word.and_then(|w| names.iter().position(|n| *n == w))
            .unwrap_or(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(arg: &str) -> String {
        format!("{:#}", parse_axis(arg).unwrap_err())
    }

    #[test]
    fn lists_ranges_and_kinds_parse() {
        let a = parse_axis("reporting.inflation=0.5,1,1.5").unwrap();
        assert_eq!(a.key(), "reporting.inflation");
        assert_eq!(
            a.values,
            vec![Value::Number(0.5), Value::Number(1.0), Value::Number(1.5)]
        );
        let a = parse_axis("procurement.rate=0.1..0.3:3").unwrap();
        assert_eq!(
            a.values,
            vec![Value::Number(0.1), Value::Number(0.2), Value::Number(0.3)]
        );
        let texts: Vec<String> = parse_axis("procurement.rate=0..0.3:4")
            .unwrap()
            .values
            .iter()
            .map(Value::to_string)
            .collect();
        assert_eq!(texts, ["0", "0.1", "0.2", "0.3"]);
        let a = parse_axis("mess_halls.enabled=true,false").unwrap();
        assert_eq!(a.values, vec![Value::Switch(true), Value::Switch(false)]);
        let a = parse_axis("weather.mode=neutral").unwrap();
        assert_eq!(a.values, vec![Value::Choice("neutral")]);
        let a = parse_axis("population.communes=100,200").unwrap();
        assert_eq!(a.values, vec![Value::Integer(100), Value::Integer(200)]);
        let a = parse_axis("procurement.plan_growth=-0.5..0.5:3").unwrap();
        assert_eq!(a.values[1], Value::Number(0.0));
    }

    #[test]
    fn bad_arguments_are_named_and_explained() {
        let e = err("reporting.inflaton=1");
        assert!(e.contains("--set reporting.inflaton=1: no parameter `reporting.inflaton`; did you mean `reporting.inflation`?"), "{e}");
        let e = err("inflation=1");
        assert!(e.contains("did you mean `reporting.inflation`?"), "{e}");
        let e = err("reporting.inflation=9");
        assert!(
            e.contains("reporting.inflation must be from 0 to 5, got 9"),
            "{e}"
        );
        let e = err("reporting.inflation=abc");
        assert!(
            e.contains("--set reporting.inflation=abc: `abc` is not a number"),
            "{e}"
        );
        assert!(err("reporting.inflation").contains("expected KEY=VALUE"));
        assert!(err("reporting.inflation=").contains("no value"));
        assert!(err("reporting.inflation=1,,2").contains("empty value"));
        assert!(err("reporting.inflation=0..1").contains("LO..HI:N"));
        assert!(err("reporting.inflation=0..1:0").contains("from 1 to 10000"));
        assert!(err("reporting.inflation=NaN").contains("not a number"));
        assert!(err("reporting.inflation=1,1").contains("given twice"));
        assert!(err("weather.mode=histrical").contains("did you mean `historical`?"));
        assert!(err("mess_halls.enabled=maybe").contains("true or false"));
        assert!(err("population.communes=1.5").contains("whole number"));
        assert!(err("weather.mode=a..b:2").contains("takes no range"));
        let e = format!(
            "{:#}",
            parse_axes(&["demography.gamma=1".into(), "demography.gamma=2".into()]).unwrap_err()
        );
        assert!(e.contains("set twice"), "{e}");
        let e = format!(
            "{:#}",
            parse_settings(&["demography.gamma=1,2".into()]).unwrap_err()
        );
        assert!(e.contains("one value only"), "{e}");
    }

    #[test]
    fn settings_apply_and_leave_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            "[reporting]\nplanner_discount = { \"1959-08\" = 0.33 }\ninflation = { \"1958-01\" = 2.0 }\n",
        )
        .unwrap();
        let base = scenario::load(&path).unwrap();
        let settings = parse_settings(&[
            "reporting.inflation=0.5".into(),
            "demography.gamma=3".into(),
            "weather.mode=neutral".into(),
            "mess_halls.enabled=false".into(),
        ])
        .unwrap();
        let s = apply(&base, &settings);
        assert_eq!(s.params.reporting.inflation, Schedule::constant(0.5));
        assert_eq!(s.params.demography.gamma, 3.0);
        assert_eq!(s.params.weather.mode, crate::scenario::WeatherMode::Neutral);
        assert!(!s.params.mess_halls.enabled);
        assert_eq!(
            s.params.reporting.planner_discount,
            base.params.reporting.planner_discount
        );
        assert_eq!(
            format!("{:?}", apply(&base, &[]).params),
            format!("{:?}", base.params)
        );
        check(&s).unwrap();
        // A combination the validator refuses.
        let bad = apply(
            &base,
            &parse_settings(&[
                "demography.r_crit=0.9".into(),
                "demography.r_star=0.5".into(),
            ])
            .unwrap(),
        );
        let e = format!("{:#}", check(&bad).unwrap_err());
        assert!(e.contains("demography.r_crit"), "{e}");
    }
}
