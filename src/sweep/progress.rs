//! Progress of many runs on stderr: an indicatif bar (runs done, rate, time left) when stderr is
//! a terminal, a plain line every few seconds otherwise (logs of cluster jobs), nothing with
//! `--quiet`. Progress never touches the output files.

#[cfg(feature = "progress")]
use std::io::IsTerminal;
use std::sync::Mutex;
#[cfg(feature = "progress")]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Seconds between plain progress lines.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A bar if stderr is a terminal, else plain lines.
    Auto,
    Plain,
    Quiet,
}

/// Counts finished runs and shows them; shared by the worker threads.
pub struct Progress {
    total: usize,
    /// What is counted ("runs", "seeds").
    what: String,
    started: Instant,
    #[cfg(feature = "progress")]
    bar: Option<indicatif::ProgressBar>,
    plain: Option<Mutex<Plain>>,
    #[cfg(feature = "progress")]
    failed: AtomicUsize,
}

struct Plain {
    done: usize,
    failed: usize,
    last: Instant,
}

impl Progress {
    /// Progress over `total` runs, `what` naming them in the bar ("runs").
    pub fn new(total: usize, mode: Mode, what: &str) -> Progress {
        #[cfg(feature = "progress")]
        let bar = (mode == Mode::Auto && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            let style = indicatif::ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left) {{msg}}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        #[cfg(feature = "progress")]
        let has_bar = bar.is_some();
        #[cfg(not(feature = "progress"))]
        let has_bar = false;
        let plain = (mode != Mode::Quiet && !has_bar).then(|| {
            Mutex::new(Plain {
                done: 0,
                failed: 0,
                last: Instant::now(),
            })
        });
        if plain.is_some() {
            eprintln!("  0/{total} {what}");
        }
        Progress {
            total,
            what: what.to_string(),
            started: Instant::now(),
            #[cfg(feature = "progress")]
            bar,
            plain,
            #[cfg(feature = "progress")]
            failed: AtomicUsize::new(0),
        }
    }

    /// One more run finished (`ok` false if it failed).
    pub fn tick(&self, ok: bool) {
        #[cfg(feature = "progress")]
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if !ok {
                let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!("{failed} failed"));
            }
        }
        if let Some(plain) = &self.plain
            && let Ok(mut p) = plain.lock()
        {
            p.done += 1;
            p.failed += usize::from(!ok);
            if p.last.elapsed() >= PLAIN_EVERY || p.done == self.total {
                p.last = Instant::now();
                eprintln!("{}", self.line(p.done, p.failed));
            }
        }
    }

    /// Clears the bar (the caller prints the summary).
    pub fn finish(&self) {
        #[cfg(feature = "progress")]
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// "  12/30 runs, 2.40 runs/s, about 8 s left (1 failed)".
    fn line(&self, done: usize, failed: usize) -> String {
        let what = &self.what;
        let seconds = self.started.elapsed().as_secs_f64();
        let rate = done as f64 / seconds.max(1e-9);
        let left = (self.total - done) as f64 / rate.max(1e-9);
        let mut s = format!(
            "  {done}/{} {what}, {rate:.2} {what}/s, {}",
            self.total,
            if done == self.total {
                format!("done in {seconds:.0} s")
            } else {
                format!("about {left:.0} s left")
            }
        );
        if failed > 0 {
            s.push_str(&format!(" ({failed} failed)"));
        }
        s
    }
}
