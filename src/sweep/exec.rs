//! Many simulations at once: parallel across runs (rayon), each run on its own small pool, the
//! results put back in run order. A run that panics is caught and reported as a failure; the
//! others go on.
//!
//! The split: `threads` workers take runs; a run gets `threads / runs` workers of its own when
//! there are fewer runs than workers (else one), so a sweep of two runs on sixteen cores still
//! uses them all, and memory holds at most about `threads` worlds. Results do not depend on
//! the split: a simulation gives the same bytes on any number of threads.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::progress::Progress;
use crate::app::{self, Simulated};
use crate::scenario::Scenario;

/// Runs `work` on every item of `items` (in the order `order` gives, as far as the pool allows)
/// and returns the results in item order. A panic in `work` becomes an error with its message.
pub fn parallel<J: Sync, T: Send>(
    items: &[J],
    order: &[usize],
    threads: usize,
    progress: &Progress,
    work: impl Fn(&J, usize) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<anyhow::Result<T>>> {
    let threads = threads.max(1);
    let outer = threads.min(order.len().max(1));
    let inner = (threads / outer).max(1);
    let one = |i: usize| -> (usize, anyhow::Result<T>) {
        let result = match catch_unwind(AssertUnwindSafe(|| work(&items[i], inner))) {
            Ok(r) => r,
            Err(payload) => Err(anyhow::anyhow!(
                "the run panicked: {}",
                panic_text(&payload)
            )),
        };
        progress.tick(result.is_ok());
        (i, result)
    };
    #[cfg(feature = "parallel")]
    let done: Vec<(usize, anyhow::Result<T>)> = {
        use rayon::prelude::*;
        app::in_pool(outer, || {
            order.par_iter().with_max_len(1).map(|&i| one(i)).collect()
        })?
    };
    #[cfg(not(feature = "parallel"))]
    let done: Vec<(usize, anyhow::Result<T>)> = order.iter().map(|&i| one(i)).collect();
    let mut slots: Vec<Option<anyhow::Result<T>>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in done {
        slots[i] = Some(r);
    }
    Ok(slots
        .into_iter()
        .map(|s| s.unwrap_or_else(|| Err(anyhow::anyhow!("the run was not started"))))
        .collect())
}

/// Simulates `s` on a pool of `threads` workers; with `audit`, checks every month and fails at
/// the first broken invariant.
pub fn simulate(s: &Scenario, threads: usize, audit: bool) -> anyhow::Result<Simulated> {
    let sim = app::in_pool(threads, || app::simulate_checked(s, audit))?;
    sim.map_err(|e| anyhow::anyhow!("{e}"))
}

fn panic_text(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".into()
    }
}
