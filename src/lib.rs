//! commune-sim: an agent-based model of China's rural economy during the Great Leap Forward
//! (1957–1962).
//!
//! The layers, in the order data flows through them (see ARCHITECTURE.md):
//! [`scenario`] (the only fallible input stage) → [`world`] (the synthetic communes) →
//! [`step`] (the monthly phases; no IO, cannot fail) → [`collect`] (national, provincial and
//! commune series) → [`export`] (CSV and the manifest) → [`charts`] and [`report`] (drawn from
//! the CSV tables read back). [`app`] is the glue the CLI calls.

pub mod app;
pub mod audit;
pub mod calibrate;
pub mod charts;
pub mod cli;
pub mod collect;
pub mod error;
pub mod explain;
pub mod export;
pub mod report;
pub mod rng;
pub mod scaffold;
pub mod scenario;
pub mod step;
pub mod sweep;
pub mod time;
pub mod world;
