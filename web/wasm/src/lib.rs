//! commune-sim in the browser: the bindings the classroom page (`web/page/`) calls from its Web
//! Worker. Built for `wasm32-unknown-unknown` by `web/build.sh`.
//!
//! The page asks for the [`catalogue`] (bundled scenarios, headline knobs with their units,
//! ranges and historical values) once, then calls [`run`] with a scenario, the knobs the student
//! moved, a scale and a seed. A run is `commune_sim::app::simulate`, the function the native
//! binary calls, on the scenario as the native binary would resolve it, so the yearly table it
//! returns has the same bytes as `national_yearly.csv` of `commune-sim run` at that scale and
//! seed (web/test/e2e.mjs checks it). Results cross to JavaScript as JSON text.

mod json;
pub mod resolve;

use commune_sim::charts::figures::LEAP_YEARS;
use commune_sim::charts::series::{AE_PER_PERSON, Official};
use commune_sim::collect::Recorder;
use commune_sim::scenario::{PARAMS, ParamKind, ParamValue, Scenario};
use commune_sim::time::{Month, Schedule};
use wasm_bindgen::prelude::*;

use json::{arr, num, obj, pairs, text};

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// Share of the country's communes the page simulates unless told otherwise (235 communes).
pub const CLASSROOM_SCALE: f64 = 0.01;

/// A headline knob as the page shows it.
struct Knob {
    key: &'static str,
    label: &'static str,
    /// Slider step (numbers only).
    step: f64,
    /// Slider end, where the registry's range is wider than is useful in class.
    max: Option<f64>,
}

/// The knobs on the page, in order. Units, ranges and help text come from the registry.
const KNOBS: &[Knob] = &[
    Knob {
        key: "reporting.inflation",
        label: "Reporting inflation",
        step: 0.05,
        max: Some(3.0),
    },
    Knob {
        key: "labour.diversion",
        label: "Labour diversion (furnaces, water works, cities)",
        step: 0.05,
        max: None,
    },
    Knob {
        key: "procurement.rate",
        label: "Procurement rate",
        step: 0.01,
        max: Some(0.6),
    },
    Knob {
        key: "procurement.flexibility",
        label: "Quota flexibility",
        step: 0.05,
        max: None,
    },
    Knob {
        key: "mess_halls.enabled",
        label: "Communal mess halls",
        step: 1.0,
        max: None,
    },
    Knob {
        key: "weather.mode",
        label: "Weather",
        step: 1.0,
        max: None,
    },
    Knob {
        key: "weather.scale",
        label: "Weather disasters",
        step: 0.05,
        max: None,
    },
];

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console)]
    fn error(message: &str);
}

/// Sends panic messages to the console (a panic otherwise shows only as "unreachable").
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| error(&format!("commune-sim: {info}"))));
}

/// The bundled scenarios and the headline knobs, as JSON:
/// `{scale, knobs: [{key, label, kind, unit, min, max, step, doc, names, historical}],
/// scenarios: [{file, name, description, seed, values: {key: value}}]}`, where a value is
/// `{value, varies, lo, hi, text}`.
#[wasm_bindgen]
pub fn catalogue() -> Result<String, JsError> {
    let mut scenarios = Vec::new();
    let mut historical = None;
    for (file, resolved) in BUNDLED {
        let s = bundled(file, resolved)?;
        let values: Vec<(String, String)> = KNOBS
            .iter()
            .map(|k| Ok((k.key.to_string(), knob_value(&s, k.key)?)))
            .collect::<Result<_, JsError>>()?;
        if historical.is_none() {
            historical = Some(values.clone());
        }
        scenarios.push(obj(&[
            ("file", text(file)),
            ("name", text(&s.name)),
            ("description", text(&s.description)),
            ("seed", s.seed.to_string()),
            ("values", pairs(&values)),
        ]));
    }
    let historical = historical.ok_or_else(|| JsError::new("no bundled scenarios"))?;
    let knobs: Vec<String> = KNOBS
        .iter()
        .zip(&historical)
        .map(|(k, (_, h))| {
            let def = resolve::param(k.key).ok_or_else(|| JsError::new(k.key))?;
            let (kind, names) = match def.kind {
                ParamKind::Switch => ("switch", Vec::new()),
                ParamKind::Choice(names) => ("choice", names.iter().map(|n| text(n)).collect()),
                _ => ("range", Vec::new()),
            };
            Ok(obj(&[
                ("key", text(k.key)),
                ("label", text(k.label)),
                ("kind", text(kind)),
                ("unit", text(def.unit)),
                ("min", num(def.min)),
                ("max", num(k.max.unwrap_or(def.max).min(def.max))),
                ("step", num(k.step)),
                ("doc", text(def.doc.trim())),
                ("names", arr(names)),
                ("historical", h.clone()),
            ]))
        })
        .collect::<Result<_, JsError>>()?;
    Ok(obj(&[
        ("scale", num(CLASSROOM_SCALE)),
        ("knobs", arr(knobs)),
        ("scenarios", arr(scenarios)),
    ]))
}

/// Runs bundled scenario `file` with parameters `keys[i]` set to `values[i]` over the whole run
/// (switches 0/1, choices by index), at `scale` with `seed`. Returns the charts' series as JSON
/// (national equivalents), with `yearly_csv`, the bytes of the native `national_yearly.csv`.
#[wasm_bindgen]
pub fn run(
    file: &str,
    keys: Vec<String>,
    values: Vec<f64>,
    scale: f64,
    seed: f64,
) -> Result<String, JsError> {
    let (_, resolved) = BUNDLED
        .iter()
        .find(|(f, _)| *f == file)
        .ok_or_else(|| JsError::new(&format!("no bundled scenario {file}")))?;
    if keys.len() != values.len() {
        return Err(JsError::new("run: one value per key"));
    }
    if !(seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed <= 9.0e15) {
        return Err(JsError::new(&format!(
            "the seed must be a whole number from 0 to 9e15, got {seed}"
        )));
    }
    let mut table = resolve::parse(resolved).map_err(|e| JsError::new(&e))?;
    for (k, v) in keys.iter().zip(&values) {
        resolve::set(&mut table, k, *v).map_err(|e| JsError::new(&e))?;
    }
    resolve::set(&mut table, "population.scale", scale).map_err(|e| JsError::new(&e))?;
    resolve::set_seed(&mut table, seed as u64).map_err(|e| JsError::new(&e))?;
    let s = resolve::scenario(&table).map_err(|e| JsError::new(&e))?;
    let sim = commune_sim::app::simulate(&s);
    Ok(results(&s, &sim))
}

fn bundled(file: &str, resolved: &str) -> Result<Scenario, JsError> {
    resolve::parse(resolved)
        .and_then(|t| resolve::scenario(&t))
        .map_err(|e| JsError::new(&format!("{file}: {e}")))
}

/// A knob's value in scenario `s` as JSON `{value, varies, lo, hi, text}`: a schedule that
/// changes over the run has `varies` true, its range in `lo`/`hi`, `value` its mean over the
/// run's months, and `text` its path ("0 → 0.2 (1960-01) → …").
fn knob_value(s: &Scenario, key: &str) -> Result<String, JsError> {
    let i = PARAMS
        .iter()
        .position(|d| d.key() == key)
        .ok_or_else(|| JsError::new(&format!("no parameter {key}")))?;
    let single = |x: f64, t: String| {
        obj(&[
            ("value", num(x)),
            ("varies", "false".into()),
            ("lo", num(x)),
            ("hi", num(x)),
            ("text", text(&t)),
        ])
    };
    Ok(match s.params.values()[i] {
        ParamValue::Number(x) => single(x, short(x)),
        ParamValue::Integer(x) => single(x as f64, x.to_string()),
        ParamValue::Switch(b) => {
            single(f64::from(u8::from(b)), if b { "on" } else { "off" }.into())
        }
        ParamValue::Choice(w) => {
            let ParamKind::Choice(names) = PARAMS[i].kind else {
                return Err(JsError::new(key));
            };
            let index = names.iter().position(|n| *n == w).unwrap_or(0);
            single(index as f64, w.to_string())
        }
        ParamValue::Schedule(sch) => schedule_value(sch, s.start, s.end),
    })
}

fn schedule_value(sch: &Schedule, start: Month, end: Month) -> String {
    let months: Vec<f64> = (start.0..=end.0).map(|m| sch.at(Month(m))).collect();
    let first = months.first().copied().unwrap_or(sch.base);
    let (lo, hi) = months
        .iter()
        .fold((first, first), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    if lo == hi {
        return obj(&[
            ("value", num(first)),
            ("varies", "false".into()),
            ("lo", num(first)),
            ("hi", num(first)),
            ("text", text(&short(first))),
        ]);
    }
    let mut path = vec![short(first)];
    let mut current = first;
    for m in start.0 + 1..=end.0 {
        let x = sch.at(Month(m));
        if x != current {
            path.push(format!("{} ({})", short(x), Month(m)));
            current = x;
        }
    }
    let mean = months.iter().sum::<f64>() / months.len() as f64;
    obj(&[
        ("value", num(mean)),
        ("varies", "true".into()),
        ("lo", num(lo)),
        ("hi", num(hi)),
        ("text", text(&path.join(" → "))),
    ])
}

/// A number as people write it: up to 3 decimals, no trailing zeros.
fn short(x: f64) -> String {
    let t = format!("{x:.3}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" { "0".into() } else { t.into() }
}

/// The page's series from a finished run.
fn results(s: &Scenario, sim: &commune_sim::app::Simulated) -> String {
    let rec: &Recorder = &sim.recorder;
    let w = &sim.world;
    let k = 1.0 / w.centre.people_share;
    let yearly = &rec.yearly;
    let years: Vec<String> = yearly.iter().map(|y| y.year.to_string()).collect();
    let col = |f: &dyn Fn(&commune_sim::collect::NationalYearRow) -> f64| {
        arr(yearly.iter().map(|y| num(f(y))).collect())
    };
    let excess_m: f64 = yearly
        .iter()
        .filter(|y| (LEAP_YEARS.0..=LEAP_YEARS.1).contains(&y.year))
        .map(|y| y.excess_deaths * k / 1e6)
        .sum();
    let monthly = &rec.monthly;
    let need = s.params.nutrition.ration_kg * AE_PER_PERSON;
    let official = Official::load();
    let span = (
        yearly.first().map_or(1957, |y| y.year),
        yearly.last().map_or(1962, |y| y.year),
    );
    let points = |series: &str| {
        arr(official
            .points(series, span)
            .iter()
            .map(|(x, y)| arr(vec![num(*x), num(*y)]))
            .collect())
    };
    obj(&[
        ("name", text(&s.name)),
        ("seed", s.seed.to_string()),
        ("scale", num(s.params.population.scale)),
        ("people_share", num(w.centre.people_share)),
        ("communes", w.n_communes().to_string()),
        ("brigades", w.n_brigades().to_string()),
        ("teams", w.n_teams().to_string()),
        ("years", arr(years)),
        ("output_mt", col(&|y| y.grain_output_mt * k)),
        ("reported_mt", col(&|y| y.grain_reported_mt * k)),
        ("procured_mt", col(&|y| y.procurement_mt * k)),
        ("cdr_per_1000", col(&|y| y.cdr_per_1000)),
        ("deaths_m", col(&|y| y.deaths as f64 * k / 1e6)),
        ("excess_deaths_m", num(excess_m)),
        (
            "leap_years",
            arr(vec![LEAP_YEARS.0.to_string(), LEAP_YEARS.1.to_string()]),
        ),
        (
            "months",
            arr(monthly
                .iter()
                .map(|m| num(f64::from(m.year) + (f64::from(m.month) - 0.5) / 12.0))
                .collect()),
        ),
        (
            "food_kg_day",
            arr(monthly
                .iter()
                .map(|m| num(m.rural_grain_per_capita_kg_day))
                .collect()),
        ),
        ("need_kg_day", num(need)),
        (
            "official",
            obj(&[
                ("output_mt", points("grain_output_official_1980s_series")),
                ("cdr_per_1000", points("cdr_official")),
            ]),
        ),
        ("yearly_csv", text(&yearly_csv(rec))),
    ])
}

/// `national_yearly.csv` as the native binary writes it.
pub fn yearly_csv(rec: &Recorder) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in &rec.yearly {
        // Writing rows of plain numbers and strings into memory cannot fail.
        w.serialize(row).expect("a yearly row serialises");
    }
    let bytes = w.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("csv writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_scenario_reads_back() {
        assert!(BUNDLED[0].0 == "historical.toml");
        for (file, text) in BUNDLED {
            let t = resolve::parse(text).unwrap();
            let s = resolve::scenario(&t).unwrap();
            assert!(!s.name.is_empty(), "{file}");
        }
    }

    #[test]
    fn knobs_are_in_the_registry_and_overrides_are_checked() {
        let mut t = resolve::parse(BUNDLED[0].1).unwrap();
        for k in KNOBS {
            assert!(resolve::param(k.key).is_some(), "{}", k.key);
        }
        resolve::set(&mut t, "reporting.inflation", 0.0).unwrap();
        resolve::set(&mut t, "mess_halls.enabled", 0.0).unwrap();
        resolve::set(&mut t, "weather.mode", 1.0).unwrap();
        let s = resolve::scenario(&t).unwrap();
        assert_eq!(s.params.reporting.inflation, Schedule::constant(0.0));
        assert!(!s.params.mess_halls.enabled);
        assert!(resolve::set(&mut t, "reporting.inflation", 99.0).is_err());
        assert!(resolve::set(&mut t, "weather.mode", 7.0).is_err());
        assert!(resolve::set(&mut t, "no.such", 1.0).is_err());
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(1.0), "1");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(-0.0), "0");
        assert_eq!(short(0.33333), "0.333");
    }
}
