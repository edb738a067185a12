//! Charts of a run folder or a comparison, drawn only from the CSV tables of finished runs
//! (never from `World`): `commune-sim run` draws them into the folder it is writing,
//! `commune-sim plot` redraws them, `commune-sim compare` overlays several runs.
//!
//! [`series`] reads a run folder into typed series, [`figures`] says what each chart shows, and
//! [`figure`] draws any chart to PNG and SVG with the embedded Noto Sans font, so no system
//! fonts are needed and the bytes depend only on the data. [`many`] has the charts of many runs
//! (a sweep's bands, a Morris screening's ranking).

pub mod figure;
pub mod figures;
pub mod many;
pub mod series;

use std::fs;
use std::path::Path;
#[cfg(not(target_arch = "wasm32"))]
use std::sync::Once;

use anyhow::Context;

pub use figure::Figure;
pub use series::{Official, Run};

/// Folder of the charts inside a run or comparison folder.
pub const CHARTS_DIR: &str = "charts";

#[cfg(not(target_arch = "wasm32"))]
static FONTS: Once = Once::new();

/// Registers the embedded fonts under the family plotters uses (idempotent). plotters has no
/// `register_font` on wasm32, where it measures text with the browser's canvas; the browser
/// build (web/wasm) draws no charts with plotters.
pub fn register_fonts() {
    #[cfg(not(target_arch = "wasm32"))]
    FONTS.call_once(|| {
        use plotters::style::{FontStyle, register_font};
        for (style, bytes) in [
            (FontStyle::Normal, ttf_noto_sans::REGULAR),
            (FontStyle::Bold, ttf_noto_sans::BOLD),
        ] {
            if register_font("sans-serif", style, bytes).is_err() {
                // The bytes are compiled in and known to parse; a test draws every chart.
                debug_assert!(false, "embedded font does not parse");
            }
        }
    });
}

/// A chart as drawn: its file stem, title and SVG text (for the report).
pub struct Drawn {
    pub name: &'static str,
    pub title: String,
    pub svg: String,
}

/// Draws every figure for `runs` into `dir/charts/` as PNG and SVG; returns them for the report.
pub fn draw(dir: &Path, runs: &[Run]) -> anyhow::Result<Vec<Drawn>> {
    register_fonts();
    let charts = dir.join(CHARTS_DIR);
    fs::create_dir_all(&charts)
        .with_context(|| format!("failed to create {}", charts.display()))?;
    let official = Official::load();
    let figures = figures::all(runs, &official);
    // Each figure is drawn on its own (PNG encoding is most of the time of a small run), so
    // they are drawn in parallel; the bytes do not depend on which worker draws them.
    let jobs: Vec<(&Figure, bool)> = figures
        .iter()
        .flat_map(|f| [(f, true), (f, false)])
        .collect();
    let mut rendered = par_map(&jobs, |&(fig, png)| {
        if png {
            fig.png()
        } else {
            fig.svg().map(String::into_bytes)
        }
    })
    .into_iter();
    let mut drawn = Vec::new();
    for fig in &figures {
        let (Some(png), Some(svg)) = (rendered.next(), rendered.next()) else {
            unreachable!("two drawings per figure")
        };
        let (png, svg) = (png?, String::from_utf8(svg?).context("SVG is text")?);
        let path = charts.join(format!("{}.png", fig.name));
        fs::write(&path, png).with_context(|| format!("failed to write {}", path.display()))?;
        let path = charts.join(format!("{}.svg", fig.name));
        fs::write(&path, &svg).with_context(|| format!("failed to write {}", path.display()))?;
        drawn.push(Drawn {
            name: fig.name,
            title: fig.title.clone(),
            svg,
        });
    }
    Ok(drawn)
}

/// Draws `fig` into `dir/charts/<name>.png` and `.svg`.
pub fn write_figure(dir: &Path, fig: &Figure) -> anyhow::Result<()> {
    register_fonts();
    let charts = dir.join(CHARTS_DIR);
    fs::create_dir_all(&charts)
        .with_context(|| format!("failed to create {}", charts.display()))?;
    for (ext, bytes) in [("png", fig.png()?), ("svg", fig.svg()?.into_bytes())] {
        let path = charts.join(format!("{}.{ext}", fig.name));
        fs::write(&path, bytes).with_context(|| format!("failed to write {}", path.display()))?;
    }
    Ok(())
}

/// Maps `f` over `items` in parallel with the `parallel` feature, keeping their order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}
