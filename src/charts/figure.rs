//! The few chart shapes every figure is made of, drawn the same way to PNG and SVG: lines and
//! points over years or months (with stacked bands), grouped bars over categories, and
//! histograms. A [`Figure`] is plain data; [`Figure::png`] and [`Figure::svg`] draw it.
//!
//! Layout rules: 1280×720 px, even font sizes of at least 16 px, the legend above each panel's
//! plot (never over the data), the source line at the bottom, axes scaled to the data.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Figure size, px.
pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 720;

const FAMILY: &str = "sans-serif";
const TITLE_PX: f64 = 28.0;
const PANEL_TITLE_PX: f64 = 20.0;
const AXIS_PX: f64 = 18.0;
const TICK_PX: f64 = 16.0;
const LEGEND_PX: f64 = 16.0;
const SMALL_PX: f64 = 16.0;

/// The Okabe–Ito colour-blind-safe palette, in the order series take it (yellow, the hardest
/// to see on white, last).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];

/// Black, for official series.
pub const OFFICIAL: RGBColor = RGBColor(0, 0, 0);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

/// The `i`th colour of [`PALETTE`] (wrapping).
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A whole chart: title, panels, notes and the source line.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File stem: `charts/<name>.png` and `.svg`.
    pub name: &'static str,
    pub title: String,
    /// Lines under the title (what is plotted, caveats).
    pub notes: Vec<String>,
    pub source: String,
    pub panels: Vec<Panel>,
    pub layout: Layout,
}

/// How panels share the figure.
#[derive(Clone, Debug)]
pub enum Layout {
    /// Side by side, equal widths.
    Row,
    /// Stacked, heights in proportion to the weights.
    Column(Vec<u32>),
}

/// One plot with its title, axis labels and legend.
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub plot: Plot,
}

/// What a panel draws.
#[derive(Clone, Debug)]
pub enum Plot {
    /// Series over a time axis in years (a month is a fractional year).
    Xy {
        series: Vec<Series>,
        x: TimeAxis,
        /// Keep 0 on the y axis.
        y_zero: bool,
        /// Scenarios compared: earlier palette colours draw wider lines, so that identical
        /// series stay visible as nested lines, the reference outermost.
        nested: bool,
    },
    /// Bars per category, one bar per group in each.
    Bars {
        categories: Vec<String>,
        groups: Vec<Group>,
        /// Categories down the y axis (first at the top), bars to the right.
        horizontal: bool,
    },
    /// Counts per bin (`edges` has one more entry than each group's values), plus vertical marks.
    Histogram {
        edges: Vec<f64>,
        groups: Vec<Group>,
        marks: Vec<Mark>,
    },
}

/// The x axis of an [`Plot::Xy`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TimeAxis {
    /// Values at whole years, labelled by year.
    Years,
    /// Values at mid-months; labels at the start of each year.
    Months,
}

/// A line, dashed line, points or band.
#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    pub colour: RGBColor,
    pub kind: Kind,
    /// (x, y); non-finite values are left out.
    pub points: Vec<(f64, f64)>,
}

/// How a [`Series`] is drawn.
#[derive(Clone, Debug)]
pub enum Kind {
    Line,
    Dashed,
    /// A line with a marker on every point.
    LineMarked(Marker),
    /// Markers only (official series).
    Points(Marker),
    /// A filled band between these lower values (same xs) and the series' values.
    Band(Vec<f64>),
    /// A light, see-through band between these lower values (same xs) and the series' values:
    /// the spread of an ensemble around its mean line, which overlapping bands leave visible.
    Shade(Vec<f64>),
}

/// Opacity of a [`Kind::Shade`] band.
const SHADE_ALPHA: f64 = 0.3;

#[derive(Clone, Copy, Debug)]
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
}

/// One set of bars.
#[derive(Clone, Debug)]
pub struct Group {
    pub label: String,
    pub colour: RGBColor,
    pub values: Vec<f64>,
}

/// A vertical reference line of a histogram.
#[derive(Clone, Debug)]
pub struct Mark {
    pub label: String,
    pub colour: RGBColor,
    pub x: f64,
}

/// A drawing error, as text (the backends' error types differ).
type Drawn<T = ()> = Result<T, String>;

fn fail<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn font(px: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, px).into_font()).color(&BLACK)
}

fn bold(px: f64) -> TextStyle<'static> {
    TextStyle::from(FontDesc::new(FontFamily::Name(FAMILY), px, FontStyle::Bold)).color(&BLACK)
}

impl Figure {
    /// The figure as PNG bytes.
    pub fn png(&self) -> anyhow::Result<Vec<u8>> {
        let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
            self.draw(&root)
                .map_err(|e| anyhow::anyhow!("failed to draw chart {}: {e}", self.name))?;
            root.present()
                .map_err(|e| anyhow::anyhow!("failed to draw chart {}: {e}", self.name))?;
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .write_header()
            .and_then(|mut w| w.write_image_data(&rgb))
            .map_err(|e| anyhow::anyhow!("failed to encode chart {}: {e}", self.name))?;
        Ok(out)
    }

    /// The figure as SVG text.
    pub fn svg(&self) -> anyhow::Result<String> {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
            self.draw(&root)
                .map_err(|e| anyhow::anyhow!("failed to draw chart {}: {e}", self.name))?;
            root.present()
                .map_err(|e| anyhow::anyhow!("failed to draw chart {}: {e}", self.name))?;
        }
        Ok(text)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        root.fill(&WHITE).map_err(fail)?;
        let (w, h) = (WIDTH as i32, HEIGHT as i32);
        let mut y = 14;
        root.draw(&Text::new(self.title.clone(), (24, y), bold(TITLE_PX)))
            .map_err(fail)?;
        y += 40;
        for note in &self.notes {
            root.draw(&Text::new(
                note.clone(),
                (24, y),
                font(SMALL_PX).color(&GREY),
            ))
            .map_err(fail)?;
            y += 22;
        }
        y += 6;
        let footer = 34;
        root.draw(&Text::new(
            self.source.clone(),
            (24, h - footer + 8),
            font(SMALL_PX).color(&GREY),
        ))
        .map_err(fail)?;
        let body = (16, y, w - 16, h - footer);
        let n = self.panels.len().max(1) as i32;
        let boxes: Vec<(i32, i32, i32, i32)> = match &self.layout {
            Layout::Row => {
                let pw = (body.2 - body.0) / n;
                (0..n)
                    .map(|i| (body.0 + i * pw, body.1, body.0 + (i + 1) * pw, body.3))
                    .collect()
            }
            Layout::Column(weights) => {
                let total: u32 = weights.iter().sum::<u32>().max(1);
                let height = body.3 - body.1;
                let mut top = body.1;
                weights
                    .iter()
                    .map(|wt| {
                        let ph = (height as f64 * f64::from(*wt) / f64::from(total)) as i32;
                        let b = (body.0, top, body.2, top + ph);
                        top += ph;
                        b
                    })
                    .collect()
            }
        };
        for (panel, b) in self.panels.iter().zip(boxes) {
            panel.draw(root, b)?;
        }
        Ok(())
    }
}

/// A legend entry's swatch.
#[derive(Clone, Copy)]
enum Swatch {
    Line,
    Dashed,
    Marked(Marker),
    Point(Marker),
    Fill,
}

impl Panel {
    fn legend(&self) -> Vec<(String, RGBColor, Swatch)> {
        match &self.plot {
            Plot::Xy { series, .. } => series
                .iter()
                .filter(|s| !s.label.is_empty())
                .map(|s| {
                    let sw = match s.kind {
                        Kind::Line => Swatch::Line,
                        Kind::Dashed => Swatch::Dashed,
                        Kind::LineMarked(m) => Swatch::Marked(m),
                        Kind::Points(m) => Swatch::Point(m),
                        Kind::Band(_) | Kind::Shade(_) => Swatch::Fill,
                    };
                    (s.label.clone(), s.colour, sw)
                })
                .collect(),
            Plot::Bars { groups, .. } => groups
                .iter()
                .map(|g| (g.label.clone(), g.colour, Swatch::Fill))
                .collect(),
            Plot::Histogram { groups, marks, .. } => groups
                .iter()
                .map(|g| (g.label.clone(), g.colour, Swatch::Fill))
                .chain(
                    marks
                        .iter()
                        .map(|m| (m.label.clone(), m.colour, Swatch::Dashed)),
                )
                .collect(),
        }
    }

    /// Draws the panel into the box (left, top, right, bottom) of `root`.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        b: (i32, i32, i32, i32),
    ) -> Drawn {
        let (left, top, right, bottom) = b;
        let mut y = top;
        if !self.title.is_empty() {
            root.draw(&Text::new(
                self.title.clone(),
                (left + 8, y),
                bold(PANEL_TITLE_PX),
            ))
            .map_err(fail)?;
            y += 28;
        }
        y = draw_legend(root, &self.legend(), left + 8, right - 8, y)?;
        let area = root.clone().shrink(
            ((left + 4) as u32, (y + 4) as u32),
            ((right - left - 8) as u32, (bottom - y - 4).max(10) as u32),
        );
        match &self.plot {
            Plot::Xy {
                series,
                x,
                y_zero,
                nested,
            } => self.draw_xy(root, &area, series, *x, *y_zero, *nested),
            Plot::Bars {
                categories,
                groups,
                horizontal,
            } => self.draw_bars(root, &area, categories, groups, *horizontal),
            Plot::Histogram {
                edges,
                groups,
                marks,
            } => self.draw_histogram(root, &area, edges, groups, marks),
        }
    }

    fn draw_xy<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        series: &[Series],
        axis: TimeAxis,
        y_zero: bool,
        nested: bool,
    ) -> Drawn {
        let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
        let ys = series.iter().flat_map(|s| {
            let lower = match &s.kind {
                Kind::Band(l) | Kind::Shade(l) => l.clone(),
                _ => Vec::new(),
            };
            s.points.iter().map(|p| p.1).chain(lower)
        });
        let (x0, x1) = finite_range(xs).unwrap_or((1957.0, 1962.0));
        let (x0, x1) = match axis {
            TimeAxis::Years => (x0 - 0.4, x1 + 0.4),
            TimeAxis::Months => (x0.floor(), x1.ceil().max(x0.floor() + 1.0)),
        };
        let y_range = padded(finite_range(ys), y_zero);
        let fmt = Ticks::new(y_range);
        let n_years = (x1 - x0).round().max(1.0) as usize;
        let n_y = y_label_count(area);
        let mut chart = ChartBuilder::on(area)
            .margin_right(18)
            .margin_top(10)
            .x_label_area_size(56)
            .y_label_area_size(fmt.width(root)? + 38)
            .build_cartesian_2d(x0..x1, y_range.0..y_range.1)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(n_years + 2)
            .y_labels(n_y)
            .x_label_formatter(&|x| year_label(*x))
            .y_label_formatter(&|v| fmt.format(*v))
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .label_style(font(TICK_PX))
            .axis_desc_style(font(AXIS_PX))
            .draw()
            .map_err(fail)?;
        // Bands first, then lines, then points on top.
        for s in series {
            let (lower, alpha) = match &s.kind {
                Kind::Band(lower) => (lower, 0.85),
                Kind::Shade(lower) => (lower, SHADE_ALPHA),
                _ => continue,
            };
            let mut poly: Vec<(f64, f64)> = s.points.clone();
            poly.extend(s.points.iter().zip(lower).rev().map(|(p, l)| (p.0, *l)));
            let poly: Vec<(f64, f64)> = poly.into_iter().filter(|p| finite(*p)).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    s.colour.mix(alpha).filled(),
                )))
                .map_err(fail)?;
        }
        let rank = |c: &RGBColor| PALETTE.iter().position(|p| p == c);
        // The official series' black is in the palette too, but it is not a scenario.
        let last = series
            .iter()
            .filter(|s| s.colour != OFFICIAL)
            .filter_map(|s| rank(&s.colour))
            .max()
            .unwrap_or(0);
        for s in series {
            let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| finite(*p)).collect();
            let width = match rank(&s.colour) {
                Some(r) if nested && s.colour != OFFICIAL => 3 + 2 * (last - r) as u32,
                _ => 3,
            };
            let style = s.colour.stroke_width(width);
            match s.kind {
                Kind::Line | Kind::LineMarked(_) => {
                    chart
                        .draw_series(LineSeries::new(pts.clone(), style))
                        .map_err(fail)?;
                }
                Kind::Dashed => {
                    chart
                        .draw_series(DashedLineSeries::new(pts.clone(), 12, 8, style))
                        .map_err(fail)?;
                }
                _ => {}
            }
        }
        for s in series {
            if let Kind::LineMarked(m) | Kind::Points(m) = s.kind {
                for p in s.points.iter().filter(|p| finite(**p)) {
                    let at = chart.backend_coord(p);
                    marker(root, at, m, s.colour, 6)?;
                }
            }
        }
        Ok(())
    }

    fn draw_bars<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        categories: &[String],
        groups: &[Group],
        horizontal: bool,
    ) -> Drawn {
        let n = categories.len().max(1);
        let values = groups.iter().flat_map(|g| g.values.iter().copied());
        let v_range = padded(finite_range(values), true);
        let fmt = Ticks::new(v_range);
        let c_range = (-0.5, n as f64 - 0.5);
        // Category i sits at position i (horizontal: the first at the top).
        let pos = |i: usize| {
            if horizontal {
                (n - 1 - i) as f64
            } else {
                i as f64
            }
        };
        let label_of = |x: f64| -> String {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
                return String::new();
            }
            let i = i as usize;
            let i = if horizontal { n - 1 - i } else { i };
            categories.get(i).cloned().unwrap_or_default()
        };
        let slot = 0.8 / groups.len().max(1) as f64;
        // The first group on the left (vertical) or on top (horizontal).
        let bar = |ci: usize, gi: usize, v: f64| {
            let k = if horizontal {
                groups.len() - 1 - gi
            } else {
                gi
            };
            let lo = pos(ci) - 0.4 + k as f64 * slot;
            let hi = lo + slot * 0.92;
            (lo, hi, v)
        };
        if horizontal {
            let widest = categories
                .iter()
                .map(|c| text_width(root, c, TICK_PX))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .max()
                .unwrap_or(40);
            let mut chart = ChartBuilder::on(area)
                .margin_right(24)
                .margin_top(6)
                .x_label_area_size(56)
                .y_label_area_size(widest as u32 + 20)
                .build_cartesian_2d(v_range.0..v_range.1, c_range.0..c_range.1)
                .map_err(fail)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .x_labels(8)
                .y_labels(n + 1)
                .x_label_formatter(&|v| fmt.format(*v))
                .y_label_formatter(&|y| label_of(*y))
                .x_desc(self.x_label.as_str())
                .label_style(font(TICK_PX))
                .axis_desc_style(font(AXIS_PX))
                .draw()
                .map_err(fail)?;
            for (gi, g) in groups.iter().enumerate() {
                let rects = g
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(ci, v)| {
                        let (lo, hi, v) = bar(ci, gi, *v);
                        Rectangle::new([(0.0, lo), (v, hi)], g.colour.filled())
                    });
                chart.draw_series(rects).map_err(fail)?;
            }
        } else {
            let mut chart = ChartBuilder::on(area)
                .margin_right(18)
                .margin_top(10)
                .x_label_area_size(56)
                .y_label_area_size(fmt.width(root)? + 38)
                .build_cartesian_2d(c_range.0..c_range.1, v_range.0..v_range.1)
                .map_err(fail)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .x_labels(n + 1)
                .y_labels(y_label_count(area))
                .x_label_formatter(&|x| label_of(*x))
                .y_label_formatter(&|v| fmt.format(*v))
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .label_style(font(TICK_PX))
                .axis_desc_style(font(AXIS_PX))
                .draw()
                .map_err(fail)?;
            for (gi, g) in groups.iter().enumerate() {
                let rects = g
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(ci, v)| {
                        let (lo, hi, v) = bar(ci, gi, *v);
                        Rectangle::new([(lo, 0.0), (hi, v)], g.colour.filled())
                    });
                chart.draw_series(rects).map_err(fail)?;
            }
        }
        Ok(())
    }

    fn draw_histogram<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        edges: &[f64],
        groups: &[Group],
        marks: &[Mark],
    ) -> Drawn {
        let xs = edges.iter().copied().chain(marks.iter().map(|m| m.x));
        let (x0, x1) = finite_range(xs).unwrap_or((0.0, 1.0));
        let x_range = if x1 > x0 {
            let pad = 0.02 * (x1 - x0);
            (x0 - pad, x1 + pad)
        } else {
            (x0 - 1.0, x0 + 1.0)
        };
        let y_range = padded(
            finite_range(groups.iter().flat_map(|g| g.values.iter().copied())),
            true,
        );
        let (xf, yf) = (Ticks::new(x_range), Ticks::new(y_range));
        let mut chart = ChartBuilder::on(area)
            .margin_right(24)
            .margin_top(10)
            .x_label_area_size(56)
            .y_label_area_size(yf.width(root)? + 38)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(10)
            .y_labels(y_label_count(area))
            .x_label_formatter(&|v| xf.format(*v))
            .y_label_formatter(&|v| yf.format(*v))
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .label_style(font(TICK_PX))
            .axis_desc_style(font(AXIS_PX))
            .draw()
            .map_err(fail)?;
        let alpha = if groups.len() > 1 { 0.45 } else { 0.85 };
        for g in groups {
            let bins = edges
                .windows(2)
                .zip(&g.values)
                .filter(|(_, v)| v.is_finite() && **v > 0.0);
            chart
                .draw_series(bins.clone().map(|(e, v)| {
                    Rectangle::new([(e[0], 0.0), (e[1], *v)], g.colour.mix(alpha).filled())
                }))
                .map_err(fail)?;
            chart
                .draw_series(bins.map(|(e, v)| {
                    Rectangle::new([(e[0], 0.0), (e[1], *v)], g.colour.stroke_width(2))
                }))
                .map_err(fail)?;
        }
        for m in marks {
            chart
                .draw_series(DashedLineSeries::new(
                    [(m.x, y_range.0), (m.x, y_range.1)],
                    12,
                    8,
                    m.colour.stroke_width(3),
                ))
                .map_err(fail)?;
        }
        Ok(())
    }
}

/// Draws legend entries from `y` down, wrapping within `left..right`; returns the y below them.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor, Swatch)],
    left: i32,
    right: i32,
    mut y: i32,
) -> Drawn<i32> {
    if entries.is_empty() {
        return Ok(y);
    }
    let row = 26;
    let mut x = left;
    for (label, colour, swatch) in entries {
        let w = 34 + text_width(root, label, LEGEND_PX)? + 22;
        if x > left && x + w > right {
            x = left;
            y += row;
        }
        let mid = y + row / 2 - 2;
        match swatch {
            Swatch::Line => {
                root.draw(&PathElement::new(
                    vec![(x, mid), (x + 28, mid)],
                    colour.stroke_width(3),
                ))
                .map_err(fail)?;
            }
            Swatch::Dashed => {
                for (a, b) in [(0, 8), (12, 20), (24, 28)] {
                    root.draw(&PathElement::new(
                        vec![(x + a, mid), (x + b, mid)],
                        colour.stroke_width(3),
                    ))
                    .map_err(fail)?;
                }
            }
            Swatch::Marked(m) => {
                root.draw(&PathElement::new(
                    vec![(x, mid), (x + 28, mid)],
                    colour.stroke_width(3),
                ))
                .map_err(fail)?;
                marker(root, (x + 14, mid), *m, *colour, 6)?;
            }
            Swatch::Point(m) => marker(root, (x + 14, mid), *m, *colour, 6)?,
            Swatch::Fill => {
                root.draw(&Rectangle::new(
                    [(x + 2, mid - 8), (x + 26, mid + 8)],
                    colour.filled(),
                ))
                .map_err(fail)?;
            }
        }
        root.draw(&Text::new(
            label.clone(),
            (x + 34, mid),
            font(LEGEND_PX).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(fail)?;
        x += w;
    }
    Ok(y + row + 2)
}

/// Draws a marker centred on the pixel `at`, outlined in white so it stands out on lines.
fn marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    m: Marker,
    colour: RGBColor,
    r: i32,
) -> Drawn {
    let (x, y) = at;
    match m {
        Marker::Circle => {
            root.draw(&Circle::new(at, r + 2, WHITE.filled()))
                .map_err(fail)?;
            root.draw(&Circle::new(at, r, colour.filled()))
                .map_err(fail)?;
        }
        Marker::Square => {
            root.draw(&Rectangle::new(
                [(x - r - 2, y - r - 2), (x + r + 2, y + r + 2)],
                WHITE.filled(),
            ))
            .map_err(fail)?;
            root.draw(&Rectangle::new(
                [(x - r, y - r), (x + r, y + r)],
                colour.filled(),
            ))
            .map_err(fail)?;
        }
        Marker::Triangle => {
            let tri = |k: i32| vec![(x, y - k - 1), (x - k, y + k - 1), (x + k, y + k - 1)];
            root.draw(&Polygon::new(tri(r + 4), WHITE.filled()))
                .map_err(fail)?;
            root.draw(&Polygon::new(tri(r + 1), colour.filled()))
                .map_err(fail)?;
        }
        Marker::Cross => {
            for (k, c, w) in [(r + 1, WHITE, 6), (r, colour, 3)] {
                root.draw(&PathElement::new(
                    vec![(x - k, y - k), (x + k, y + k)],
                    c.stroke_width(w),
                ))
                .map_err(fail)?;
                root.draw(&PathElement::new(
                    vec![(x - k, y + k), (x + k, y - k)],
                    c.stroke_width(w),
                ))
                .map_err(fail)?;
            }
        }
    }
    Ok(())
}

/// How many y tick labels fit the area: one per 48 px or so, 3 to 8.
fn y_label_count<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> usize {
    let (_, h) = area.dim_in_pixel();
    (h as usize / 48).clamp(3, 8)
}

fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    px: f64,
) -> Drawn<i32> {
    root.estimate_text_size(text, &font(px))
        .map(|(w, _)| w as i32)
        .map_err(fail)
}

fn finite(p: (f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite()
}

/// The smallest and largest finite value, if any.
fn finite_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A value range with 6% head room (and 0 included if `zero`), never empty.
fn padded(range: Option<(f64, f64)>, zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = range.unwrap_or((0.0, 1.0));
    if zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        let d = if hi.abs() > 0.0 { hi.abs() * 0.5 } else { 1.0 };
        return (lo - if zero && lo == 0.0 { 0.0 } else { d }, hi + d);
    }
    let pad = 0.06 * (hi - lo);
    let lo = if zero && lo == 0.0 { 0.0 } else { lo - pad };
    let hi = if zero && hi == 0.0 { 0.0 } else { hi + pad };
    (lo, hi)
}

/// A year label for whole years, nothing between.
fn year_label(x: f64) -> String {
    let r = x.round();
    if (x - r).abs() < 1e-6 {
        format!("{r:.0}")
    } else {
        String::new()
    }
}

/// Tick labels for a value range: as many decimals as the tick spacing needs, trailing zeros
/// dropped, thousands separated.
struct Ticks {
    decimals: usize,
    range: (f64, f64),
}

impl Ticks {
    fn new(range: (f64, f64)) -> Ticks {
        let step = (range.1 - range.0).abs() / 8.0;
        let decimals = if step > 0.0 && step.is_finite() {
            (-step.log10().floor()).clamp(0.0, 6.0) as usize + 1
        } else {
            1
        };
        Ticks { decimals, range }
    }

    fn format(&self, v: f64) -> String {
        let mut s = format!("{:.*}", self.decimals, v);
        if s.contains('.') {
            s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        if s == "-0" {
            s = "0".into();
        }
        group_thousands(&s)
    }

    /// Width of the widest label, px.
    fn width<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<u32> {
        let mut w = 0;
        for v in [
            self.range.0,
            self.range.1,
            (self.range.0 + self.range.1) / 2.0,
        ] {
            w = w.max(text_width(root, &self.format(v), TICK_PX)?);
            w = w.max(text_width(
                root,
                &format!("{}.5", self.format(v.trunc())),
                TICK_PX,
            )?);
        }
        Ok(w as u32)
    }
}

/// `12345.6` → `12,345.6`.
fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    if int.len() <= 4 {
        return s.to_string();
    }
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_short_and_readable() {
        let t = Ticks::new((0.0, 800.0));
        assert_eq!(t.format(200.0), "200");
        assert_eq!(t.format(12000.0), "12,000");
        let t = Ticks::new((0.0, 0.8));
        assert_eq!(t.format(0.25), "0.25");
        assert_eq!(t.format(0.5), "0.5");
        assert_eq!(group_thousands("-1234567.5"), "-1,234,567.5");
        assert_eq!(year_label(1958.0), "1958");
        assert_eq!(year_label(1958.5), "");
    }

    #[test]
    fn ranges_cope_with_flat_and_missing_data() {
        let (lo, hi) = padded(None, true);
        assert!(lo == 0.0 && hi >= 1.0);
        assert_eq!(padded(Some((0.0, 0.0)), true), (0.0, 1.0));
        let (lo, hi) = padded(Some((5.0, 5.0)), false);
        assert!(lo < 5.0 && hi > 5.0);
        let (lo, hi) = padded(Some((-2.0, 3.0)), true);
        assert!(lo < -2.0 && hi > 3.0);
    }
}
