//! Compiles the bundled scenarios into the WebAssembly module.
//!
//! Each `scenarios/*.toml` of the repository (but `tiny.toml`, the historical scenario shrunk
//! for tests: the page picks its own scale) is loaded natively with `commune_sim::scenario::load`,
//! which follows `extends` and folds the events into the schedules, and written into
//! `$OUT_DIR/bundled.rs` as its resolved text (`Scenario::to_toml`). The browser reads that text
//! back with `src/resolve.rs`; this script checks that the round trip gives exactly the scenario
//! `load` gave, so the page runs what the native binary runs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "src/resolve.rs"]
mod resolve;

/// Scenario files the page leaves out.
const LEFT_OUT: &[&str] = &["tiny.toml"];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("scenarios");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", dir.display()))
        .map(|e| e.expect("readable folder entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            !LEFT_OUT
                .iter()
                .any(|l| p.file_name().is_some_and(|n| n == *l))
        })
        .collect();
    // The historical scenario first (the page opens on it), then by file name.
    files.sort_by_key(|p| (!p.ends_with("historical.toml"), p.clone()));
    assert!(
        files
            .first()
            .is_some_and(|p| p.ends_with("historical.toml")),
        "{} has no historical.toml",
        dir.display()
    );

    let mut out = String::from(
        "/// (file name, resolved scenario text), the historical scenario first.\n\
         pub static BUNDLED: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let loaded = commune_sim::scenario::load(path)
            .unwrap_or_else(|e| panic!("bundled scenario {name} does not load: {e:#}"));
        let text = loaded.to_toml();
        let back = resolve::parse(&text)
            .and_then(|t| resolve::scenario(&t))
            .unwrap_or_else(|e| panic!("resolved {name} does not read back: {e}"));
        let same = back.name == loaded.name
            && back.description == loaded.description
            && back.seed == loaded.seed
            && back.start == loaded.start
            && back.end == loaded.end
            && format!("{:?}", back.params) == format!("{:?}", loaded.params);
        assert!(
            same,
            "{name}: the resolved text read back (web/wasm/src/resolve.rs) differs from what \
             scenario::load gave; the page would not run the same scenario as the native binary"
        );
        let _ = writeln!(out, "    ({name:?}, {text:?}),");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(&dest, out)
        .unwrap_or_else(|e| panic!("failed to write {}: {e}", dest.display()));
}
