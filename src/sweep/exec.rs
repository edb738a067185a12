//! Many simulations at once: `threads / inner` worker threads take runs one at a time (in the
//! order given) and simulate each on their own rayon pool of `inner` threads; the results are put
//! back in run order. A run that panics is caught and reported as a failure; the others go on.
//!
//! The split: with at least as many runs as threads, every worker runs its simulations on one
//! thread, so exactly `threads` runs are in memory at once and each finishes (and is written) as
//! soon as it can; with fewer runs than threads, each run gets the spare threads. Plain worker
//! threads, not a rayon pool, take the runs: a rayon worker that waits for an inner pool steals
//! more runs meanwhile, which would start every run at once. Results do not depend on the
//! split: a simulation gives the same bytes on any number of threads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::progress::Progress;
use crate::app::{self, Simulated};
use crate::scenario::Scenario;

/// What a run is given to simulate with: its worker's pool.
pub struct Worker {
    #[cfg(feature = "parallel")]
    pool: rayon::ThreadPool,
}

impl Worker {
    fn new(threads: usize) -> anyhow::Result<Worker> {
        #[cfg(feature = "parallel")]
        {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| anyhow::anyhow!("failed to start worker threads: {e}"))?;
            Ok(Worker { pool })
        }
        #[cfg(not(feature = "parallel"))]
        {
            let _ = threads;
            Ok(Worker {})
        }
    }

    /// Simulates `s`; with `audit`, checks every month and fails at the first broken invariant.
    pub fn simulate(&self, s: &Scenario, audit: bool) -> anyhow::Result<Simulated> {
        #[cfg(feature = "parallel")]
        let sim = self.pool.install(|| app::simulate_checked(s, audit));
        #[cfg(not(feature = "parallel"))]
        let sim = app::simulate_checked(s, audit);
        sim.map_err(anyhow::Error::from)
    }
}

/// The runs one worker finished: (item index, result).
type Done<T> = Vec<(usize, anyhow::Result<T>)>;

/// Runs `work` on every item of `items`, starting them in the order `order` gives, and returns
/// the results in item order (items not in `order` are errors). A panic in `work` becomes an
/// error with its message.
pub fn parallel<J: Sync, T: Send>(
    items: &[J],
    order: &[usize],
    threads: usize,
    progress: &Progress,
    work: impl Fn(&J, &Worker) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<anyhow::Result<T>>> {
    let threads = threads.max(1);
    let outer = threads.min(order.len()).max(1);
    let inner = (threads / outer).max(1);
    let next = AtomicUsize::new(0);
    // One worker's loop: take the next run until none is left.
    let take_runs = || -> anyhow::Result<Done<T>> {
        let worker = Worker::new(inner)?;
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&i) = order.get(k) else {
                return Ok(done);
            };
            let result = match catch_unwind(AssertUnwindSafe(|| work(&items[i], &worker))) {
                Ok(r) => r,
                Err(payload) => Err(anyhow::anyhow!(
                    "the run panicked: {}",
                    panic_text(&payload)
                )),
            };
            progress.tick(result.is_ok());
            done.push((i, result));
        }
    };
    let mut slots: Vec<Option<anyhow::Result<T>>> = (0..items.len()).map(|_| None).collect();
    let mut put = |done: Done<T>| {
        for (i, r) in done {
            slots[i] = Some(r);
        }
    };
    if outer == 1 || cfg!(not(feature = "parallel")) {
        put(take_runs()?);
    } else {
        let finished: Vec<anyhow::Result<Done<T>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..outer).map(|_| scope.spawn(take_runs)).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a worker thread failed")))
                })
                .collect()
        });
        for f in finished {
            put(f?);
        }
    }
    Ok(slots
        .into_iter()
        .map(|s| s.unwrap_or_else(|| Err(anyhow::anyhow!("the run was not started"))))
        .collect())
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
