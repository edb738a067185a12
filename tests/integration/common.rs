//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use commune_sim::scenario::{self, Scenario};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scenario of the repository, loaded.
pub fn load(relative: &str) -> Scenario {
    scenario::load(&root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e:#}"))
}

/// Scale of the test runs: one commune per province (25 communes).
pub const SMALL_SCALE: &str = "0.0001";

/// The test scenario: the historical one with one commune per province.
pub fn small() -> Scenario {
    let mut s = load("scenarios/tiny.toml");
    s.params.population.scale = SMALL_SCALE.parse().unwrap();
    s
}

/// Runs the `commune-sim` binary with `args`.
pub fn commune_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_commune-sim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("failed to start commune-sim")
}

/// A path as a `&str` argument.
pub fn arg(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}
