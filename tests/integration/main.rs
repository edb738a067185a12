//! The single integration-test binary (STYLE §12): modules by subject.

mod bands;
mod charts;
mod classroom;
mod cli;
mod common;
mod conservation;
mod determinism;
mod docs;
mod fuzz;
mod scenario;
mod simd;
mod sweep;
