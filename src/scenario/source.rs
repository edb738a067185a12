//! Reading a scenario file and its `extends` chain, and locating problems in them.
//!
//! Files are read with a size limit and checked for UTF-8 and TOML syntax here; what they say is
//! checked in `validate`. Problems are collected with byte offsets and turned into
//! `file:line:column` only at the end, when every file of the chain is known.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use toml::de::{DeTable, DeValue};

use crate::error::Problem;

/// Largest scenario file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Most files in one `extends` chain, the given file included.
pub const MAX_CHAIN: usize = 16;

/// One file of the chain: index 0 is the file given to `load`, 1 its parent, and so on.
pub struct Source {
    /// As given, or as joined from the extending file's folder; never canonicalised.
    pub path: PathBuf,
    pub text: String,
    /// False when the file could not be read or parsed; `validate` skips it.
    pub ok: bool,
}

/// A problem before its position is known as line and column.
struct RawProblem {
    file: usize,
    offset: Option<usize>,
    key: String,
    message: String,
}

/// Collects problems from every file of the chain.
#[derive(Default)]
pub struct Problems {
    list: Vec<RawProblem>,
}

impl Problems {
    /// A problem at byte `offset` of file `file`.
    pub fn at(
        &mut self,
        file: usize,
        offset: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.list.push(RawProblem {
            file,
            offset: Some(offset),
            key: key.into(),
            message: message.into(),
        });
    }

    /// A problem with file `file` as a whole.
    pub fn whole(&mut self, file: usize, key: impl Into<String>, message: impl Into<String>) {
        self.list.push(RawProblem {
            file,
            offset: None,
            key: key.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The problems sorted by file (chain order), line and column, with exact duplicates removed.
    pub fn finish(self, sources: &[Source]) -> Vec<Problem> {
        let mut list = self.list;
        list.sort_by_key(|p| (p.file, p.offset));
        let mut out: Vec<Problem> = Vec::with_capacity(list.len());
        // Offsets come sorted within each file: one cursor per file keeps this linear in the
        // text, however many problems a file has.
        let mut cursor: Option<(usize, LineCursor)> = None;
        for p in list {
            let source = sources.get(p.file);
            let position = p.offset.map(|o| {
                let text = source.map_or("", |s| s.text.as_str());
                match &mut cursor {
                    Some((file, c)) if *file == p.file => c.advance(text, o),
                    _ => {
                        let mut c = LineCursor::default();
                        let at = c.advance(text, o);
                        cursor = Some((p.file, c));
                        at
                    }
                }
            });
            let problem = Problem {
                path: source.map(|s| s.path.clone()).unwrap_or_default(),
                position,
                key: p.key,
                message: p.message,
            };
            if out.last() != Some(&problem) {
                out.push(problem);
            }
        }
        out
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
#[cfg(test)]
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    LineCursor::default().advance(text, offset)
}

/// Line and column of increasing byte offsets in one text, in time linear in the text.
#[derive(Default)]
struct LineCursor {
    offset: usize,
    /// 0-based line of `offset`, and characters before it on that line.
    line: usize,
    column: usize,
}

impl LineCursor {
    /// 1-based line and column (in characters) of `offset`; starts again from the top if
    /// `offset` is before the last one. An offset inside a character counts that character.
    fn advance(&mut self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        if offset < self.offset {
            *self = LineCursor::default();
        }
        for &b in &text.as_bytes()[self.offset..offset] {
            if b == b'\n' {
                self.line += 1;
                self.column = 0;
            } else if b & 0xC0 != 0x80 {
                // Not a UTF-8 continuation byte: a character starts here.
                self.column += 1;
            }
        }
        self.offset = offset;
        (
            u32::try_from(self.line + 1).unwrap_or(u32::MAX),
            u32::try_from(self.column + 1).unwrap_or(u32::MAX),
        )
    }
}

/// Entries of a TOML table in file order (the parser keeps them sorted by name).
pub fn entries<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(
    &'a toml::Spanned<toml::de::DeString<'i>>,
    &'a toml::Spanned<DeValue<'i>>,
)> {
    let mut v: Vec<_> = table.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

/// Parses a whole file; `Err` holds toml's message and the byte offset of the error.
pub fn parse(text: &str) -> Result<DeTable<'_>, (String, usize)> {
    match DeTable::parse(text) {
        Ok(t) => Ok(t.into_inner()),
        Err(e) => Err((
            e.message().trim_end_matches('.').to_string(),
            e.span().map_or(0, |s| s.start),
        )),
    }
}

enum ReadError {
    Io(std::io::Error),
    TooLarge,
    Utf8 { text: String, offset: usize },
}

fn read_limited(path: &Path) -> Result<String, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        ReadError::Utf8 {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            offset,
        }
    })
}

/// Reads `path` and the files it `extends`, reporting every problem found on the way.
///
/// Fails (with context) only if the given file itself cannot be read; a missing or unreadable
/// parent is a problem located at the `extends` key that names it.
pub fn read_chain(path: &Path, problems: &mut Problems) -> anyhow::Result<Vec<Source>> {
    let mut sources: Vec<Source> = Vec::new();
    let mut canonical: Vec<PathBuf> = Vec::new();
    let first = match read_limited(path) {
        Err(ReadError::Io(e)) => {
            return Err(e).with_context(|| {
                format!(
                    "failed to read scenario {}",
                    crate::error::Escaped(&path.to_string_lossy())
                )
            });
        }
        other => other,
    };
    let first_canonical = std::fs::canonicalize(path).with_context(|| {
        format!(
            "failed to read scenario {}",
            crate::error::Escaped(&path.to_string_lossy())
        )
    })?;
    canonical.push(first_canonical);
    let mut next: Option<(PathBuf, Result<String, ReadError>)> = Some((path.to_path_buf(), first));

    while let Some((file_path, read)) = next.take() {
        let i = sources.len();
        let text = match read {
            Ok(text) => text,
            Err(ReadError::TooLarge) => {
                problems.whole(
                    i,
                    "",
                    format!(
                        "file is larger than {} MiB; scenario files are short TOML",
                        MAX_FILE_BYTES >> 20
                    ),
                );
                sources.push(Source {
                    path: file_path,
                    text: String::new(),
                    ok: false,
                });
                break;
            }
            Err(ReadError::Utf8 { text, offset }) => {
                problems.at(
                    i,
                    offset,
                    "",
                    format!(
                        "invalid UTF-8 at byte offset {offset}; scenario files must be UTF-8 text"
                    ),
                );
                sources.push(Source {
                    path: file_path,
                    text,
                    ok: false,
                });
                break;
            }
            Err(ReadError::Io(e)) => {
                // Only the given file reaches here with an IO error, and it returned above.
                problems.whole(i, "", format!("cannot read file: {e}"));
                sources.push(Source {
                    path: file_path,
                    text: String::new(),
                    ok: false,
                });
                break;
            }
        };
        let table = match parse(&text) {
            Ok(t) => t,
            Err((message, offset)) => {
                problems.at(i, offset, "", format!("TOML syntax error: {message}"));
                sources.push(Source {
                    path: file_path,
                    text,
                    ok: false,
                });
                break;
            }
        };
        if table.is_empty() {
            problems.whole(i, "", "scenario file is empty");
        }
        let extends = table
            .get("extends")
            .map(|v| (v.get_ref().as_str().map(str::to_string), v.span().start));
        drop(table);
        let dir = file_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        sources.push(Source {
            path: file_path,
            text,
            ok: true,
        });

        let Some((target, offset)) = extends else {
            break;
        };
        let Some(target) = target else {
            problems.at(
                i,
                offset,
                "extends",
                "expected a string: the path of the parent scenario, relative to this file",
            );
            break;
        };
        let parent_path = dir.join(&target);
        let parent_canonical = match std::fs::canonicalize(&parent_path) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                problems.at(
                    i,
                    offset,
                    "extends",
                    format!("parent scenario {} does not exist", parent_path.display()),
                );
                break;
            }
            Err(e) => {
                problems.at(
                    i,
                    offset,
                    "extends",
                    format!("cannot read parent scenario {}: {e}", parent_path.display()),
                );
                break;
            }
        };
        // A parent may live in another folder (exercises extend `../historical.toml`), but it
        // must be a scenario file: nothing else is read as one.
        if parent_canonical.extension().and_then(|e| e.to_str()) != Some("toml") {
            problems.at(
                i,
                offset,
                "extends",
                format!(
                    "parent scenario {} is not a .toml file",
                    parent_path.display()
                ),
            );
            break;
        }
        if let Some(start) = canonical.iter().position(|c| *c == parent_canonical) {
            let mut chain: Vec<String> = sources[start..]
                .iter()
                .map(|s| s.path.display().to_string())
                .collect();
            chain.push(parent_path.display().to_string());
            problems.at(
                i,
                offset,
                "extends",
                format!("extends cycle: {}", chain.join(" -> ")),
            );
            break;
        }
        if sources.len() >= MAX_CHAIN {
            problems.at(
                i,
                offset,
                "extends",
                format!("extends chain is longer than {MAX_CHAIN} files"),
            );
            break;
        }
        match read_limited(&parent_path) {
            Err(ReadError::Io(e)) => {
                problems.at(
                    i,
                    offset,
                    "extends",
                    format!("cannot read parent scenario {}: {e}", parent_path.display()),
                );
                break;
            }
            read => {
                canonical.push(parent_canonical);
                next = Some((parent_path, read));
            }
        }
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 4), (1, 5));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('2').unwrap()), (2, 6));
        assert_eq!(line_col(text, 1000), (3, 1));
        let mut c = LineCursor::default();
        assert_eq!(c.advance(text, 6), (2, 1));
        assert_eq!(c.advance(text, text.find('2').unwrap()), (2, 6));
        assert_eq!(c.advance(text, 4), (1, 5));
    }
}
