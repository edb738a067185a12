//! Charts of many runs, in the style of the run charts: a sweep's mean line and 5–95% band per
//! grid point, and a Morris screening's ranked bars. Built from plain numbers that the sweep
//! layer reads back from its tables.

use super::figure::{Figure, Group, Kind, Layout, PALETTE, Panel, Plot, Series, TimeAxis, colour};

/// A yearly column of a sweep table drawn in the band chart.
pub struct BandSeries {
    pub column: &'static str,
    pub title: &'static str,
    pub y_label: &'static str,
    /// Multiplies the (national equivalent) value.
    pub unit: f64,
    /// Divide by the run's `people_share` (a total of the simulated world).
    pub national: bool,
    /// Keep 0 on the y axis (else the axis fits the data, so the grid points' differences
    /// show).
    pub zero: bool,
}

/// The band chart's panels, left to right.
pub const SWEEP_SERIES: [BandSeries; 2] = [
    BandSeries {
        column: "grain_output_mt",
        title: "True grain output",
        y_label: "Mt raw grain per year (national equivalent)",
        unit: 1.0,
        national: true,
        zero: false,
    },
    BandSeries {
        column: "excess_deaths",
        title: "Excess deaths",
        y_label: "million per year (national equivalent)",
        unit: 1e-6,
        national: true,
        zero: true,
    },
];

/// One grid point's bands: for each of [`SWEEP_SERIES`], (year, mean, p5, p95).
#[derive(Clone, Debug)]
pub struct PointBands {
    pub point: usize,
    /// `key=value, ...`.
    pub label: String,
    pub series: Vec<Vec<(f64, f64, f64, f64)>>,
    /// Seeds per point.
    pub seeds: usize,
}

/// The sweep's band chart (`charts/sweep.png`): per grid point, the mean over its seeds and the
/// 5–95% band, for the first [`PALETTE`]-many points.
pub fn sweep_figure(points: &[PointBands], scenario: &str, source: String) -> Figure {
    let shown = &points[..points.len().min(PALETTE.len())];
    let seeds = points.iter().map(|p| p.seeds).max().unwrap_or(0);
    let mut notes = vec![
        format!(
            "Lines: mean over the {seeds} seed{} of each grid point; shaded: 5th to 95th percentile (hidden under the line where narrower).",
            if seeds == 1 { "" } else { "s" }
        ),
        "Totals are national equivalents (each run's totals ÷ its share of people simulated); summary.csv has every column.".into(),
    ];
    if shown.len() < points.len() {
        notes.push(format!(
            "The first {} of {} grid points are drawn; summary.csv has them all.",
            shown.len(),
            points.len()
        ));
    }
    let panels = SWEEP_SERIES
        .iter()
        .enumerate()
        .map(|(si, spec)| {
            let mut series = Vec::new();
            for (i, p) in shown.iter().enumerate() {
                let pts = &p.series[si];
                if seeds > 1 {
                    series.push(Series {
                        label: String::new(),
                        colour: colour(i),
                        kind: Kind::Shade(pts.iter().map(|q| q.2).collect()),
                        points: pts.iter().map(|q| (q.0, q.3)).collect(),
                    });
                }
                series.push(Series {
                    label: if p.label.is_empty() {
                        "all runs".into()
                    } else {
                        p.label.clone()
                    },
                    colour: colour(i),
                    kind: Kind::Line,
                    points: pts.iter().map(|q| (q.0, q.1)).collect(),
                });
            }
            Panel {
                title: spec.title.into(),
                x_label: "year".into(),
                y_label: spec.y_label.into(),
                plot: Plot::Xy {
                    series,
                    x: TimeAxis::Years,
                    y_zero: spec.zero,
                    nested: false,
                },
            }
        })
        .collect();
    Figure {
        name: "sweep",
        title: format!("Sweep: mean and 5–95% band over seeds — {scenario}"),
        notes,
        source,
        panels,
        layout: Layout::Row,
    }
}

/// One output of a screening: bars (parameter, μ*, σ), ranked.
#[derive(Clone, Debug)]
pub struct MorrisPanel {
    pub title: String,
    pub unit: String,
    pub bars: Vec<(String, f64, f64)>,
}

/// The screening chart (`charts/morris.png`): μ* and σ per parameter, ranked by μ*, one panel
/// per output.
pub fn morris_figure(panels: &[MorrisPanel], source: &str, levels: usize) -> Figure {
    let delta = levels as f64 / (2.0 * (levels.max(2) - 1) as f64);
    let panels = panels
        .iter()
        .map(|p| Panel {
            title: p.title.clone(),
            x_label: format!("{} per whole range of the parameter", p.unit),
            y_label: String::new(),
            plot: Plot::Bars {
                categories: p.bars.iter().map(|b| b.0.clone()).collect(),
                groups: vec![
                    Group {
                        label: "μ* (mean |effect|)".into(),
                        colour: colour(0),
                        values: p.bars.iter().map(|b| b.1).collect(),
                    },
                    Group {
                        label: "σ (spread of effects)".into(),
                        colour: colour(1),
                        values: p.bars.iter().map(|b| b.2).collect(),
                    },
                ],
                horizontal: true,
            },
        })
        .collect();
    Figure {
        name: "morris",
        title: "Morris screening: which parameters move the outputs".into(),
        notes: vec![
            format!(
                "Elementary effects: the change in the output when one parameter moves by {:.0}% of its range ({levels} levels), per whole range.",
                100.0 * delta
            ),
            "Ranked by μ*; a large σ beside μ* means the effect depends on the other parameters or is not linear.".into(),
        ],
        source: source.into(),
        panels,
        layout: Layout::Row,
    }
}
