//! User-facing error types.
//!
//! A scenario that fails validation is one [`ScenarioError`] listing every [`Problem`] found in the
//! file and its `extends` chain, so that a user can fix them all in one pass. IO failures on the
//! scenario named on the command line are `anyhow` errors with context instead.

use std::fmt;
use std::path::PathBuf;

/// Everything wrong with a scenario and its `extends` chain, found before the run.
///
/// Displays as one header line and one indented line per problem:
///
/// ```text
/// scenario scenarios/bad.toml has 2 problems:
///   scenarios/bad.toml:5:1: reporting.inflaton: unknown key; did you mean `inflation`?
///   scenarios/bad.toml:9:12: labour.diversion: must be a number from 0 to 3, got -1
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", render(.file, .problems))]
pub struct ScenarioError {
    /// The scenario file that was given to `scenario::load`.
    pub file: PathBuf,
    /// Sorted by file (the given file first, then its parent, ...), line and column.
    pub problems: Vec<Problem>,
}

/// One problem at one place in one scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file as given or as joined from an `extends` key; never canonicalised.
    pub path: PathBuf,
    /// 1-based line and column (in characters) of the offending key or value; `None` for
    /// problems with the file as a whole (too large, unreadable, empty).
    pub position: Option<(u32, u32)>,
    /// Dotted key path such as `reporting.inflation` or `events[2].set.politics.pressure`
    /// (events are numbered from 1 in file order); empty where no key applies.
    pub key: String,
    /// What is wrong and what is allowed, with no trailing period.
    pub message: String,
}

impl fmt::Display for Problem {
    /// One line: control characters in the path, key or message (which can quote a file's
    /// keys, strings and paths) are escaped as in Rust source, `\n` or `\u{1b}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Escaped(&self.path.display().to_string()))?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", Escaped(&self.message))
        } else {
            write!(f, ": {}: {}", Escaped(&self.key), Escaped(&self.message))
        }
    }
}

/// Text with its control characters escaped, so that it stays on one line.
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_debug())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

fn render(file: &std::path::Path, problems: &[Problem]) -> String {
    let n = problems.len();
    let mut out = format!(
        "scenario {} has {n} problem{}:",
        Escaped(&file.display().to_string()),
        if n == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_line_per_problem() {
        let err = ScenarioError {
            file: "scenarios/bad.toml".into(),
            problems: vec![
                Problem {
                    path: "scenarios/bad.toml".into(),
                    position: Some((5, 1)),
                    key: "reporting.inflaton".into(),
                    message: "unknown key; did you mean `inflation`?".into(),
                },
                Problem {
                    path: "scenarios/bad.toml".into(),
                    position: None,
                    key: String::new(),
                    message: "scenario file is empty".into(),
                },
            ],
        };
        assert_eq!(
            err.to_string(),
            "scenario scenarios/bad.toml has 2 problems:\n  \
             scenarios/bad.toml:5:1: reporting.inflaton: unknown key; did you mean `inflation`?\n  \
             scenarios/bad.toml: scenario file is empty"
        );
    }

    #[test]
    fn control_characters_are_escaped_to_keep_one_line_per_problem() {
        let err = ScenarioError {
            file: "s\n.toml".into(),
            problems: vec![Problem {
                path: "a\0.toml".into(),
                position: Some((1, 2)),
                key: "x\ny".into(),
                message: "got `\u{1b}[2J` and \\ é".into(),
            }],
        };
        assert_eq!(
            err.to_string(),
            "scenario s\\n.toml has 1 problem:\n  a\\0.toml:1:2: x\\ny: got `\\u{1b}[2J` and \\ é"
        );
    }
}
