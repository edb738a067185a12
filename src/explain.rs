//! `commune-sim explain` and `commune-sim list`: the parameter registry and the bundled
//! scenarios, in words. Generated from the same table the validator uses (`PARAMS`), so the
//! two cannot drift apart.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::bail;

use crate::scenario::{self, PARAMS, ParamDef, ParamKind, SECTIONS};

/// What a parameter is, for people: key, kind, default, range, unit, source, meaning.
pub fn describe(def: &ParamDef) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", def.key());
    let _ = writeln!(s, "  {}", def.doc.trim().replace('\n', "\n  "));
    let kind = match def.kind {
        ParamKind::Number => "number".to_string(),
        ParamKind::Integer => "whole number".to_string(),
        ParamKind::Switch => "true or false".to_string(),
        ParamKind::Schedule => {
            "number, or schedule { \"YYYY-MM\" = number, ... } (events can change it)".to_string()
        }
        ParamKind::Choice(words) => format!(
            "one of {}",
            words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let _ = writeln!(s, "  kind:    {kind}");
    let _ = writeln!(s, "  default: {}", def.default);
    if matches!(
        def.kind,
        ParamKind::Number | ParamKind::Integer | ParamKind::Schedule
    ) {
        let _ = writeln!(s, "  range:   {} to {}", def.min, def.max);
    }
    if !def.unit.is_empty() {
        let _ = writeln!(s, "  unit:    {}", def.unit);
    }
    let _ = writeln!(
        s,
        "  source:  {}  (§ = docs/MODEL.md; tags [V] checked, [R] recalled, [D] derived, [J] judgement)",
        def.source
    );
    s
}

/// `explain` with no key: every parameter, one line each, by section.
pub fn overview() -> String {
    let mut s = String::from(
        "Every parameter a scenario file can set (commune-sim explain KEY for one, or a section name):\n",
    );
    for section in SECTIONS {
        let _ = writeln!(s, "\n[{section}]");
        for def in PARAMS.iter().filter(|d| d.section == *section) {
            let first = def.doc.trim().lines().next().unwrap_or("");
            let _ = writeln!(s, "  {:<28} {:<10} {first}", def.name, def.default);
        }
    }
    s
}

/// `explain KEY`: one parameter (`section.name`, or a bare name if unique) or a whole section.
pub fn explain(key: &str) -> anyhow::Result<String> {
    if let Some(def) = PARAMS.iter().find(|d| d.key() == key) {
        return Ok(describe(def));
    }
    if SECTIONS.contains(&key) {
        return Ok(PARAMS
            .iter()
            .filter(|d| d.section == key)
            .map(describe)
            .collect::<Vec<_>>()
            .join("\n"));
    }
    let by_name: Vec<&ParamDef> = PARAMS.iter().filter(|d| d.name == key).collect();
    if let [def] = by_name.as_slice() {
        return Ok(describe(def));
    }
    // Suggest among full keys, sections, and bare names (shown as their full key).
    let keys: Vec<String> = PARAMS
        .iter()
        .map(ParamDef::key)
        .chain(SECTIONS.iter().map(|s| s.to_string()))
        .collect();
    let near = scenario::suggest::closest(key, keys.iter().map(String::as_str))
        .map(str::to_string)
        .or_else(|| {
            let name = scenario::suggest::closest(key, PARAMS.iter().map(|d| d.name))?;
            PARAMS.iter().find(|d| d.name == name).map(ParamDef::key)
        });
    match near {
        Some(near) => bail!(
            "no parameter `{key}`; did you mean `{near}`? (`commune-sim explain` lists them all)"
        ),
        None => bail!("no parameter `{key}` (`commune-sim explain` lists them all)"),
    }
}

/// `list`: the scenarios of a folder with the first sentence of their descriptions.
pub fn list(dir: &Path) -> anyhow::Result<String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("failed to read scenario folder {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut s = String::new();
    for path in paths {
        match scenario::load(&path) {
            Ok(sc) => {
                let text = sc
                    .description
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                // The first sentence: up to a full stop or question mark followed by a space.
                let end = [text.find(". "), text.find("? ")]
                    .into_iter()
                    .flatten()
                    .min()
                    .map_or(text.len(), |i| i + 1);
                let first = &text[..end];
                let _ = writeln!(s, "{:<36} {first}", path.display());
            }
            Err(_) => {
                let _ = writeln!(
                    s,
                    "{:<36} (does not load: commune-sim check {})",
                    path.display(),
                    path.display()
                );
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_the_validator_accepts_is_explained() {
        let all = overview();
        for def in PARAMS {
            assert!(
                all.contains(&format!("  {}", def.name)),
                "{} missing from the overview",
                def.key()
            );
            let one = explain(&def.key()).unwrap();
            assert!(
                one.contains(def.default) && one.contains(def.source),
                "{}",
                def.key()
            );
        }
        assert!(
            explain("reporting")
                .unwrap()
                .contains("reporting.inflation")
        );
        assert!(
            explain("inflation")
                .unwrap()
                .starts_with("reporting.inflation")
        );
        let e = explain("reporting.inflaton").unwrap_err().to_string();
        assert!(e.contains("did you mean `reporting.inflation`"), "{e}");
        let e = explain("inflaton").unwrap_err().to_string();
        assert!(e.contains("did you mean `reporting.inflation`"), "{e}");
    }
}
