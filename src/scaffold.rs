//! `commune-sim new`: a short, commented scenario that extends another.
//!
//! The new file names its parent with `extends` (a path relative to the new file's folder) and
//! lists the headline knobs ([`HEADLINE`]) commented out, each with its meaning, unit and range
//! from the parameter registry ([`PARAMS`]) and the parent's resolved value. Until a line is
//! uncommented the file gives exactly the parent's scenario (apart from its name and
//! description); uncommenting a line unchanged gives it too, so a student edits one value and
//! asks one question. The text is generated from the registry, so it cannot drift from what the
//! validator accepts.
//!
//! The file is written under a temporary name beside its destination, loaded like any scenario,
//! and renamed into place only if it loads: `new` never leaves a file that `commune-sim check`
//! rejects.

use std::fmt::Write as _;
use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};

use crate::scenario::{self, PARAMS, ParamDef, ParamKind, Scenario};

/// The knobs a new scenario lists, in this order: the headline knobs of MODEL §0.2 and the keys
/// the bundled counterfactuals change.
pub const HEADLINE: &[&str] = &[
    "reporting.inflation",
    "reporting.planner_discount",
    "labour.diversion",
    "labour.steel_mult",
    "labour.water_mult",
    "labour.urban_mult",
    "procurement.rate",
    "procurement.flexibility",
    "procurement.seizure",
    "mess_halls.enabled",
    "mess_halls.coverage",
    "weather.mode",
    "weather.scale",
    "trade.exports_mt",
    "trade.imports_mt",
    "relief.resale",
    "incentives.exit_rights_removed",
    "politics.pressure",
];

/// Folder of the bundled scenarios, relative to the current folder.
pub const BUNDLED: &str = "scenarios";

/// Widest comment line written.
const WIDTH: usize = 96;

/// `commune-sim new FILE --from FROM [--force]`: writes the scenario and returns a message
/// saying what was written and what to do next.
pub fn new(file: &Path, from: &str, force: bool) -> anyhow::Result<String> {
    if file.extension().is_none_or(|e| e != "toml") {
        bail!(
            "{} must end in .toml (scenario files are TOML), e.g. my_what_if.toml",
            file.display()
        );
    }
    if file.exists() && !force {
        bail!(
            "{} already exists; choose another name, or add --force to replace it",
            file.display()
        );
    }
    if file.is_dir() {
        bail!("{} is a folder", file.display());
    }
    let parent_path = resolve_from(from)?;
    let parent = scenario::load(&parent_path).with_context(|| {
        format!(
            "the parent scenario {} does not load",
            parent_path.display()
        )
    })?;

    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let extends = relative(&absolute(&dir)?, &absolute(&parent_path)?);

    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = scenario_name(&stem);
    let text = render(&Template {
        name: &name,
        extends: &extends,
        parent: &parent,
        parent_shown: &parent_path.display().to_string(),
        file_shown: &file.display().to_string(),
    });

    // Write beside the target (so `extends` resolves the same), check, then rename into place.
    let file_name = file
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.new", std::process::id()));
    fs::write(&temp, &text).with_context(|| format!("failed to write {}", temp.display()))?;
    if let Err(err) = scenario::load(&temp) {
        let _ = fs::remove_file(&temp);
        bail!(
            "{} was not written: it would not load as a scenario: {err:#}",
            file.display()
        );
    }
    fs::rename(&temp, file).with_context(|| {
        let _ = fs::remove_file(&temp);
        format!("failed to write {}", file.display())
    })?;
    Ok(format!(
        "wrote {file} (extends {parent}): it runs like {name_p} until you change it.\n\
         Uncomment a line (remove the leading \"# \"), change its value, then:\n  \
         commune-sim check {file}\n  \
         commune-sim compare {parent} {file} --scale 0.05\n",
        file = file.display(),
        parent = parent_path.display(),
        name_p = parent.name,
    ))
}

/// The path of the parent: a bundled name (`historical`) is `scenarios/historical.toml`; a
/// value with a folder separator or ending in `.toml` is a path.
fn resolve_from(from: &str) -> anyhow::Result<PathBuf> {
    let as_path = Path::new(from);
    if from.ends_with(".toml") || as_path.components().count() > 1 {
        if !as_path.is_file() {
            bail!("--from {from}: no such scenario file");
        }
        return Ok(as_path.to_path_buf());
    }
    let path = Path::new(BUNDLED).join(format!("{from}.toml"));
    if path.is_file() {
        return Ok(path);
    }
    let bundled = bundled_names();
    if bundled.is_empty() {
        bail!(
            "--from {from}: there is no {BUNDLED}/ folder here; run commune-sim in the repository \
             folder, or give the parent's path (--from path/to/scenario.toml)"
        );
    }
    let near = scenario::suggest::closest(from, bundled.iter().map(String::as_str))
        .map(|n| format!("did you mean `{n}`? "))
        .unwrap_or_default();
    bail!(
        "--from {from}: no bundled scenario of that name; {near}bundled: {} (or give a path)",
        bundled.join(", ")
    )
}

/// Stems of the `.toml` files in the bundled folder, sorted.
fn bundled_names() -> Vec<String> {
    let Ok(entries) = fs::read_dir(BUNDLED) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// A scenario name from a file stem: 1 to 64 of `[A-Za-z0-9_-]`, other characters as `_`.
pub fn scenario_name(stem: &str) -> String {
    let s: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if s.is_empty() {
        "my_scenario".into()
    } else {
        s
    }
}

/// `path` made absolute against the current folder, with `.` and `..` folded away lexically
/// (symbolic links are kept as the user named them, so `extends` reads as they expect).
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    let joined = std::path::absolute(path)
        .with_context(|| format!("failed to resolve {}", path.display()))?;
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// `to` as a path relative to the folder `from` (both absolute), with `/` separators.
pub fn relative(from: &Path, to: &Path) -> String {
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// What [`render`] needs.
pub struct Template<'a> {
    /// The new scenario's name.
    pub name: &'a str,
    /// The `extends` value: the parent relative to the new file's folder.
    pub extends: &'a str,
    /// The parent, loaded.
    pub parent: &'a Scenario,
    /// The parent's path as the user sees it (for the comments).
    pub parent_shown: &'a str,
    /// The new file's path as the user sees it (for the comments).
    pub file_shown: &'a str,
}

/// The new scenario's text.
pub fn render(t: &Template) -> String {
    let parent = t.parent;
    // The parent's values as resolved (events folded in), exactly as a scenario file writes them.
    let resolved: toml::Table = parent
        .to_toml()
        .parse()
        .expect("a resolved scenario is valid TOML");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}: a what-if that starts from the scenario `{}` ({}).",
        t.name, parent.name, t.parent_shown
    );
    let _ = writeln!(out, "#");
    let _ = writeln!(
        out,
        "# As written it runs exactly like `{}`: every line that starts with # is a comment.",
        parent.name
    );
    let _ = writeln!(out, "# To ask a question:");
    let _ = writeln!(
        out,
        "#   1. pick a knob below and delete the \"# \" in front of its last line;"
    );
    let _ = writeln!(
        out,
        "#   2. change the value (each knob gives its unit, its range and its value in `{}`,",
        parent.name
    );
    let _ = writeln!(out, "#      dated events included);");
    let _ = writeln!(
        out,
        "#   3. say in `description` what you changed, and why;"
    );
    let _ = writeln!(out, "#   4. check it and compare it with its parent:");
    let _ = writeln!(out, "#        commune-sim check {}", t.file_shown);
    let _ = writeln!(
        out,
        "#        commune-sim compare {} {} --scale 0.05",
        t.parent_shown, t.file_shown
    );
    let _ = writeln!(
        out,
        "# Any other parameter can be set here too: `commune-sim explain` lists them all."
    );
    out.push('\n');
    let _ = writeln!(out, "name = \"{}\"", t.name);
    let _ = writeln!(
        out,
        "description = \"What if ...? (say here what you changed, and why)\""
    );
    let _ = writeln!(out, "extends = \"{}\"", t.extends);

    let mut section = "";
    for key in HEADLINE {
        let def = PARAMS
            .iter()
            .find(|d| d.key() == *key)
            .unwrap_or_else(|| panic!("HEADLINE names {key}, which is not in PARAMS"));
        if def.section != section {
            section = def.section;
            let _ = write!(out, "\n[{section}]\n");
        }
        let value = resolved
            .get(def.section)
            .and_then(|s| s.get(def.name))
            .map(inline_value)
            .unwrap_or_else(|| def.default.to_string());
        out.push_str(&wrap(&doc_line(def), "# "));
        out.push_str(&wrap(
            &format!("{}; {} has {value}.", allowed(def), parent.name),
            "#   ",
        ));
        let _ = writeln!(out, "#   More: commune-sim explain {}", def.key());
        let _ = writeln!(out, "# {} = {value}", def.name);
    }
    out
}

/// A parameter's doc comment as one line, without the "Headline: " tag.
fn doc_line(def: &ParamDef) -> String {
    let text = def.doc.split_whitespace().collect::<Vec<_>>().join(" ");
    text.strip_prefix("Headline: ")
        .map(|rest| {
            let mut c = rest.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .unwrap_or(text)
}

/// What a parameter accepts, in words: unit and range, or the allowed words.
fn allowed(def: &ParamDef) -> String {
    let unit = if def.unit.is_empty() || def.unit == "switch" {
        String::new()
    } else {
        format!("{}, ", def.unit)
    };
    match def.kind {
        ParamKind::Number => format!("{unit}{} to {}", def.min, def.max),
        ParamKind::Integer => format!("{unit}a whole number from {} to {}", def.min, def.max),
        ParamKind::Switch => "true or false".into(),
        ParamKind::Schedule if def.unit == "switch" => {
            format!(
                "{} (off) to {} (on), or {{ \"YYYY-MM\" = value, ... }} from those months",
                def.min, def.max
            )
        }
        ParamKind::Schedule => format!(
            "{unit}{} to {}, or {{ \"YYYY-MM\" = value, ... }} from those months",
            def.min, def.max
        ),
        ParamKind::Choice(words) => format!(
            "one of {}",
            words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A TOML value on one line (`toml`'s inline form for tables).
fn inline_value(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => {
            let parts: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("\"{k}\" = {}", inline_value(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        toml::Value::Float(x) => format!("{x:?}"),
        other => other.to_string(),
    }
}

/// `text` as comment lines starting with `prefix`, wrapped at [`WIDTH`] columns.
fn wrap(text: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(prefix);
    for word in text.split_whitespace() {
        if line.len() > prefix.len() && line.len() + 1 + word.len() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(prefix);
        }
        if line.len() > prefix.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.len() > prefix.len() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// The resolved scenario without its name and description lines.
    fn resolved_body(s: &Scenario) -> String {
        s.to_toml()
            .lines()
            .filter(|l| !l.starts_with("name = ") && !l.starts_with("description = "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A temporary folder holding a copy of the bundled scenarios in `scenarios/`, as a
    /// repository checkout has them.
    fn checkout() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(BUNDLED)).unwrap();
        for e in fs::read_dir(root().join(BUNDLED)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                fs::copy(&p, dir.path().join(BUNDLED).join(p.file_name().unwrap())).unwrap();
            }
        }
        dir
    }

    /// Renders a child of `parent` (a bundled file) at the top of `dir` (a [`checkout`]), with
    /// `edit` applied to its text, and loads it: the text as written, the child and the parent.
    fn child_of(
        parent: &str,
        dir: &Path,
        edit: impl Fn(&str) -> String,
    ) -> (String, Scenario, Scenario) {
        let parent_path = dir.join(BUNDLED).join(parent);
        let loaded = scenario::load(&parent_path).unwrap();
        let extends = relative(
            &fs::canonicalize(dir).unwrap(),
            &fs::canonicalize(&parent_path).unwrap(),
        );
        assert_eq!(extends, format!("scenarios/{parent}"));
        let text = render(&Template {
            name: "child",
            extends: &extends,
            parent: &loaded,
            parent_shown: "scenarios/parent.toml",
            file_shown: "child.toml",
        });
        let text = edit(&text);
        let path = dir.join("child.toml");
        fs::write(&path, &text).unwrap();
        let child = scenario::load(&path).unwrap_or_else(|e| panic!("{e:#}\n{text}"));
        (text, child, loaded)
    }

    #[test]
    fn every_headline_key_is_a_parameter() {
        for key in HEADLINE {
            assert!(PARAMS.iter().any(|d| d.key() == *key), "{key}");
        }
    }

    #[test]
    fn a_new_scenario_is_its_parent_until_edited() {
        let dir = checkout();
        for parent in [
            "historical.toml",
            "lushan_heeded.toml",
            "no_mess_halls.toml",
        ] {
            let (text, child, p) = child_of(parent, dir.path(), str::to_string);
            assert_eq!(child.name, "child");
            assert_eq!(
                resolved_body(&child),
                resolved_body(&p),
                "{parent}:\n{text}"
            );
            for key in HEADLINE {
                let name = key.split('.').nth(1).unwrap();
                assert!(
                    text.contains(&format!("\n# {name} = ")),
                    "{key} missing:\n{text}"
                );
                assert!(
                    text.contains(&format!("#   More: commune-sim explain {key}\n")),
                    "{key}"
                );
            }
            // Comments are wrapped; a knob stays on one line so that it can be uncommented.
            let knob = |l: &str| {
                HEADLINE
                    .iter()
                    .any(|k| l.starts_with(&format!("# {} = ", k.split('.').nth(1).unwrap())))
            };
            assert!(
                text.lines().all(|l| knob(l) || l.chars().count() <= WIDTH),
                "{text}"
            );
        }
    }

    #[test]
    fn uncommenting_every_knob_unchanged_keeps_the_parent() {
        let dir = checkout();
        for parent in [
            "historical.toml",
            "lushan_heeded.toml",
            "neutral_weather.toml",
        ] {
            let uncomment = |text: &str| {
                let mut out = String::new();
                for line in text.lines() {
                    let knob = line.strip_prefix("# ").filter(|rest| {
                        HEADLINE.iter().any(|k| {
                            rest.starts_with(&format!("{} = ", k.split('.').nth(1).unwrap()))
                        })
                    });
                    out.push_str(knob.unwrap_or(line));
                    out.push('\n');
                }
                out
            };
            let (text, child, p) = child_of(parent, dir.path(), uncomment);
            assert!(
                text.contains("\ninflation = "),
                "nothing uncommented:\n{text}"
            );
            assert_eq!(resolved_body(&child), resolved_body(&p), "{parent}");
        }
    }

    #[test]
    fn an_edited_knob_changes_the_scenario() {
        let dir = checkout();
        let (_, child, _) = child_of("historical.toml", dir.path(), |t| {
            t.replace("# inflation = 1.0", "inflation = 2.0")
        });
        assert_eq!(child.params.reporting.inflation.base, 2.0);
        assert!(child.params.reporting.inflation.points.is_empty());
    }

    #[test]
    fn names_and_relative_paths() {
        assert_eq!(scenario_name("my what-if!"), "my_what-if_");
        assert_eq!(scenario_name(""), "my_scenario");
        assert_eq!(scenario_name(&"x".repeat(80)).len(), 64);
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c.toml")),
            "c.toml"
        );
        assert_eq!(
            relative(Path::new("/a/b/ex"), Path::new("/a/b/h.toml")),
            "../h.toml"
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a/scenarios/h.toml")),
            "scenarios/h.toml"
        );
    }

    #[test]
    fn comments_wrap_and_describe_the_range() {
        let w = wrap(&"word ".repeat(40), "# ");
        assert!(w.lines().all(|l| l.len() <= WIDTH && l.starts_with("# ")));
        let def = PARAMS
            .iter()
            .find(|d| d.key() == "reporting.inflation")
            .unwrap();
        assert_eq!(
            doc_line(def),
            "Multiplies markups, target pull and peer emulation (0 = honest reports, 1 = historical)."
        );
        assert!(allowed(def).starts_with("multiplier, 0 to 5, or {"));
        let mode = PARAMS.iter().find(|d| d.key() == "weather.mode").unwrap();
        assert_eq!(
            allowed(mode),
            "one of \"historical\", \"neutral\", \"stochastic\""
        );
    }
}
