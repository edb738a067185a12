//! The seven figures of a run or a comparison, built from runs read back from their CSV tables.
//! One run draws each quantity in its own colour; several runs overlay their series, one
//! colour per scenario (the first is the reference), and a line style per quantity.

use super::figure::{
    Figure, Group, Kind, Layout, Mark, Marker, OFFICIAL, Panel, Plot, Series, TimeAxis, colour,
};
use super::series::{AE_PER_PERSON, MonthRow, Official, Run, YearRow};
use crate::time::Month;

/// A column of a monthly row.
type MonthValue = fn(&MonthRow) -> f64;

/// Years counted as the Leap and the famine in the headline figures.
pub const LEAP_YEARS: (u32, u32) = (1958, 1962);

/// Every figure for `runs` (one run, or a comparison with the reference first).
pub fn all(runs: &[Run], official: &Official) -> Vec<Figure> {
    let c = Ctx { runs, official };
    vec![
        c.grain(),
        c.food(),
        c.labour(),
        c.iron(),
        c.people(),
        c.provinces(),
        c.distribution(),
    ]
}

struct Ctx<'a> {
    runs: &'a [Run],
    official: &'a Official,
}

const NAT: &str = "national equivalent";

impl Ctx<'_> {
    fn single(&self) -> bool {
        self.runs.len() == 1
    }

    fn years(&self) -> (u32, u32) {
        let ys = self.runs.iter().flat_map(|r| r.years());
        let lo = ys.clone().min().unwrap_or(1957);
        (lo, ys.max().unwrap_or(lo))
    }

    fn source(&self) -> String {
        let version = self.runs.first().map_or("?", |r| r.meta.version.as_str());
        let seeds = |r: &Run| match r.ensemble.len() {
            0 => format!("seed {}", r.meta.seed),
            n => format!("{n} seeds, the first {}", r.meta.seed),
        };
        let scenarios = if self.single() {
            let r = &self.runs[0];
            format!("scenario {}, {}", r.meta.name, seeds(r))
        } else {
            let names: Vec<String> = self
                .runs
                .iter()
                .map(|r| format!("{} ({})", r.meta.name, seeds(r)))
                .collect();
            format!("scenarios {}", names.join(", "))
        };
        format!("commune-sim {version}, {scenarios}; official series: data/history/national.csv")
    }

    fn figure(
        &self,
        name: &'static str,
        title: &str,
        notes: Vec<String>,
        panels: Vec<Panel>,
        layout: Layout,
    ) -> Figure {
        let title = if self.single() {
            format!("{} — {}", title, self.runs[0].meta.name)
        } else {
            format!("{title} — {} scenarios compared", self.runs.len())
        };
        Figure {
            name,
            title,
            notes,
            source: self.source(),
            panels,
            layout,
        }
    }

    /// Note on national equivalents (the runs' scales).
    fn scale_note(&self) -> String {
        let shares: Vec<String> = self
            .runs
            .iter()
            .map(|r| format!("{:.4}", r.meta.people_share))
            .collect();
        let mut shares_unique = shares.clone();
        shares_unique.dedup();
        format!(
            "Totals are national equivalents: simulated totals ÷ the share of people simulated ({}).",
            shares_unique.join(", ")
        )
    }

    /// The note of a figure whose yearly lines are ensemble means, if any run is an ensemble.
    fn ensemble_note(&self) -> Option<String> {
        let sizes: Vec<usize> = self.runs.iter().map(|r| r.ensemble.len()).collect();
        let n = sizes.iter().copied().max().unwrap_or(0);
        (n > 0).then(|| {
            format!(
                "Ensemble{}: yearly lines and bars are the mean of {n} seeds, shaded bands the 5th to 95th percentile \
                 (hidden under the line where narrower); monthly and provincial charts show the first seed.",
                if sizes.iter().all(|s| *s == n) { "" } else { "s (some runs single)" }
            )
        })
    }

    /// The 5–95% band of yearly `f` over run `r`'s ensemble, drawn light in `colour` behind its
    /// mean line; None for a single run.
    fn shade(
        &self,
        r: &Run,
        f: impl Fn(&YearRow) -> f64,
        national: bool,
        unit: f64,
        colour: plotters::style::RGBColor,
    ) -> Option<Series> {
        if r.ensemble.is_empty() {
            return None;
        }
        let band = r.band(f, national, unit);
        Some(Series {
            label: String::new(),
            colour,
            kind: Kind::Shade(band.iter().map(|b| b.p5).collect()),
            points: band.iter().map(|b| (f64::from(b.year), b.p95)).collect(),
        })
    }

    /// A panel of series over time, 0 on the y axis; compared scenarios nest their lines.
    fn xy(
        &self,
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
        series: Vec<Series>,
        x: TimeAxis,
    ) -> Panel {
        Panel {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            plot: Plot::Xy {
                series,
                x,
                y_zero: true,
                nested: !self.single(),
            },
        }
    }

    /// Yearly series `f` of run `r`, as national equivalents if `national` (times `unit`): the
    /// mean over the seeds for an ensemble.
    fn yearly(
        &self,
        r: &Run,
        f: impl Fn(&YearRow) -> f64,
        national: bool,
        unit: f64,
    ) -> Vec<(f64, f64)> {
        if !r.ensemble.is_empty() {
            return r
                .band(f, national, unit)
                .iter()
                .map(|b| (f64::from(b.year), b.mean))
                .collect();
        }
        let k = if national { r.national() } else { 1.0 } * unit;
        r.yearly
            .iter()
            .map(|y| (f64::from(y.year), f(y) * k))
            .collect()
    }

    fn monthly(
        &self,
        r: &Run,
        f: impl Fn(&MonthRow) -> f64,
        national: bool,
        unit: f64,
    ) -> Vec<(f64, f64)> {
        let k = if national { r.national() } else { 1.0 } * unit;
        r.monthly.iter().map(|m| (m.x(), f(m) * k)).collect()
    }

    fn official_points(&self, series: &str, label: &str, marker: Marker) -> Series {
        Series {
            label: label.into(),
            colour: OFFICIAL,
            kind: Kind::Points(marker),
            points: self.official.points(series, self.years()),
        }
    }

    fn grain(&self) -> Figure {
        let x = "year";
        let y = format!("Mt raw grain per year ({NAT})");
        let official_output = self.official_points(
            "grain_output_official_1980s_series",
            "official output (1980s series)",
            Marker::Circle,
        );
        let claimed = self.official_points(
            "grain_output_claimed_at_time",
            "output claimed at the time",
            Marker::Triangle,
        );
        let official_proc = self.official_points(
            "grain_procurement_gross",
            "official gross procurement",
            Marker::Square,
        );
        let retained = |y: &YearRow| y.grain_output_mt - y.procurement_mt + y.resales_mt;
        let mut notes = vec![
            "Retained = true output − procurement + resales (grain left in the villages, calendar year).".into(),
            self.scale_note(),
        ];
        notes.extend(self.ensemble_note());
        if self.single() {
            let r = &self.runs[0];
            let s = |label: &str, c: usize, kind: Kind, pts| Series {
                label: label.into(),
                colour: colour(c),
                kind,
                points: pts,
            };
            let series = vec![
                s(
                    "true output",
                    0,
                    Kind::LineMarked(Marker::Circle),
                    self.yearly(r, |y| y.grain_output_mt, true, 1.0),
                ),
                s(
                    "reported output",
                    1,
                    Kind::Line,
                    self.yearly(r, |y| y.grain_reported_mt, true, 1.0),
                ),
                s(
                    "planner's belief",
                    4,
                    Kind::Dashed,
                    self.yearly(r, |y| y.grain_believed_mt, true, 1.0),
                ),
                s(
                    "procurement",
                    2,
                    Kind::LineMarked(Marker::Square),
                    self.yearly(r, |y| y.procurement_mt, true, 1.0),
                ),
                s(
                    "retained in villages",
                    3,
                    Kind::Line,
                    self.yearly(r, retained, true, 1.0),
                ),
                official_output,
                claimed,
                official_proc,
            ];
            let shades = [
                self.shade(r, |y| y.grain_output_mt, true, 1.0, colour(0)),
                self.shade(r, |y| y.procurement_mt, true, 1.0, colour(2)),
            ];
            let series: Vec<Series> = shades.into_iter().flatten().chain(series).collect();
            let panel = self.xy(String::new(), x, y, series, TimeAxis::Years);
            return self.figure(
                "grain",
                "Grain: output, reports, belief and procurement",
                notes,
                vec![panel],
                Layout::Row,
            );
        }
        let mut left = Vec::new();
        let mut right = Vec::new();
        for (i, r) in self.runs.iter().enumerate() {
            left.extend(self.shade(r, |y| y.grain_output_mt, true, 1.0, colour(i)));
            right.extend(self.shade(r, |y| y.procurement_mt, true, 1.0, colour(i)));
        }
        for (i, r) in self.runs.iter().enumerate() {
            let n = &r.meta.name;
            left.push(Series {
                label: format!("{n}: true"),
                colour: colour(i),
                kind: Kind::Line,
                points: self.yearly(r, |y| y.grain_output_mt, true, 1.0),
            });
            left.push(Series {
                label: format!("{n}: reported"),
                colour: colour(i),
                kind: Kind::Dashed,
                points: self.yearly(r, |y| y.grain_reported_mt, true, 1.0),
            });
            right.push(Series {
                label: format!("{n}: procurement"),
                colour: colour(i),
                kind: Kind::Line,
                points: self.yearly(r, |y| y.procurement_mt, true, 1.0),
            });
            right.push(Series {
                label: format!("{n}: retained"),
                colour: colour(i),
                kind: Kind::Dashed,
                points: self.yearly(r, retained, true, 1.0),
            });
        }
        left.extend([official_output, claimed]);
        right.push(official_proc);
        let panels = vec![
            self.xy(
                "Output: true (solid) and reported (dashed)",
                x,
                y.clone(),
                left,
                TimeAxis::Years,
            ),
            self.xy(
                "Procurement (solid) and retained (dashed)",
                x,
                y,
                right,
                TimeAxis::Years,
            ),
        ];
        self.figure(
            "grain",
            "Grain: output, reports and procurement",
            notes,
            panels,
            Layout::Row,
        )
    }

    /// Need per person per day by month, for run `r`.
    fn need(&self, r: &Run) -> Vec<(f64, f64)> {
        r.monthly
            .iter()
            .filter_map(|m| Some((m.x(), r.need_kg_day(Month::new(m.year, m.month))?)))
            .collect()
    }

    fn food(&self) -> Figure {
        let x = "month";
        let notes = vec![
            format!(
                "Need = the scenario's normal ration (nutrition.ration_kg, kg per adult equivalent) × {AE_PER_PERSON} adult equivalents per person."
            ),
            self.scale_note(),
        ];
        let needs: Vec<Vec<(f64, f64)>> = self.runs.iter().map(|r| self.need(r)).collect();
        let same_need = needs.windows(2).all(|w| w[0] == w[1]);
        let mut top = Vec::new();
        let mut bottom = Vec::new();
        for (i, r) in self.runs.iter().enumerate() {
            let label = |what: &str| {
                if self.single() {
                    what.to_string()
                } else {
                    format!("{}: {what}", r.meta.name)
                }
            };
            let c = if self.single() { 0 } else { i };
            top.push(Series {
                label: label("grain eaten"),
                colour: colour(c),
                kind: Kind::Line,
                points: self.monthly(r, |m| m.rural_grain_per_capita_kg_day, false, 1.0),
            });
            if !same_need || i == 0 {
                let (lab, col) = if same_need {
                    ("subsistence need".to_string(), OFFICIAL)
                } else {
                    (label("need"), colour(c))
                };
                top.push(Series {
                    label: lab,
                    colour: col,
                    kind: Kind::Dashed,
                    points: needs[i].clone(),
                });
            }
            let pts = self.monthly(r, |m| m.people_below_subsistence, true, 1e-6);
            let kind = if self.single() {
                Kind::Band(vec![0.0; pts.len()])
            } else {
                Kind::Line
            };
            bottom.push(Series {
                label: label("below subsistence"),
                colour: colour(if self.single() { 1 } else { i }),
                kind,
                points: pts,
            });
        }
        let panels = vec![
            self.xy(
                "Grain eaten per rural person per day",
                x,
                "kg raw grain per person per day",
                top,
                TimeAxis::Months,
            ),
            self.xy(
                format!("People below subsistence ({NAT})"),
                x,
                "million people",
                bottom,
                TimeAxis::Months,
            ),
        ];
        self.figure(
            "food",
            "Food: rural grain per person against need",
            notes,
            panels,
            Layout::Column(vec![3, 2]),
        )
    }

    fn labour(&self) -> Figure {
        let x = "month";
        let notes = vec![
            "Shares of rural labour-days by use; migrants: net rural people moved to cities each month (negative: sent back).".into(),
        ];
        let mut top = Vec::new();
        let mut bottom = Vec::new();
        if self.single() {
            let r = &self.runs[0];
            let layers: [(&str, usize, MonthValue); 5] = [
                ("farming", 2, |m| m.labour_farm_share),
                ("furnaces (steel)", 1, |m| m.labour_steel_share),
                ("water works", 0, |m| m.labour_water_share),
                ("other campaigns", 4, |m| m.labour_other_share),
                ("canteens (mess halls)", 3, |m| m.labour_mess_share),
            ];
            let mut lower = vec![0.0; r.monthly.len()];
            for (label, c, f) in layers {
                let upper: Vec<f64> = r
                    .monthly
                    .iter()
                    .zip(&lower)
                    .map(|(m, l)| l + 100.0 * f(m))
                    .collect();
                top.push(Series {
                    label: label.into(),
                    colour: colour(c),
                    kind: Kind::Band(lower.clone()),
                    points: r
                        .monthly
                        .iter()
                        .zip(&upper)
                        .map(|(m, u)| (m.x(), *u))
                        .collect(),
                });
                lower = upper;
            }
            bottom.push(Series {
                label: "migrants to cities".into(),
                colour: colour(0),
                kind: Kind::Line,
                points: self.monthly(r, |m| m.migrants_to_cities, true, 1e-3),
            });
        } else {
            for (i, r) in self.runs.iter().enumerate() {
                let n = &r.meta.name;
                top.push(Series {
                    label: format!("{n}: farming"),
                    colour: colour(i),
                    kind: Kind::Line,
                    points: self.monthly(r, |m| 100.0 * m.labour_farm_share, false, 1.0),
                });
                top.push(Series {
                    label: format!("{n}: furnaces + water + other"),
                    colour: colour(i),
                    kind: Kind::Dashed,
                    points: self.monthly(
                        r,
                        |m| {
                            100.0
                                * (m.labour_steel_share
                                    + m.labour_water_share
                                    + m.labour_other_share)
                        },
                        false,
                        1.0,
                    ),
                });
                bottom.push(Series {
                    label: n.clone(),
                    colour: colour(i),
                    kind: Kind::Line,
                    points: self.monthly(r, |m| m.migrants_to_cities, true, 1e-3),
                });
            }
        }
        let top_title = if self.single() {
            "Rural labour-days by use (stacked)"
        } else {
            "Rural labour-days: farming (solid) and diverted (dashed)"
        };
        let panels = vec![
            self.xy(
                top_title,
                x,
                "share of labour-days (%)",
                top,
                TimeAxis::Months,
            ),
            self.xy(
                format!("Urban recruitment: net migrants to cities ({NAT})"),
                x,
                "thousand per month",
                bottom,
                TimeAxis::Months,
            ),
        ];
        self.figure(
            "labour",
            "Labour: fields, furnaces, water works and canteens",
            notes,
            panels,
            Layout::Column(vec![3, 2]),
        )
    }

    fn iron(&self) -> Figure {
        let mut notes = vec![
            "Reported: all pig iron the furnaces made; usable: the part fit for use, by furnace type (improvised, traditional, small modern).".into(),
            self.scale_note(),
        ];
        notes.extend(self.ensemble_note());
        let mut series = Vec::new();
        let mut cost = Vec::new();
        for (i, r) in self.runs.iter().enumerate() {
            let (cr, cu) = if self.single() {
                (colour(1), colour(0))
            } else {
                (colour(i), colour(i))
            };
            let prefix = if self.single() {
                String::new()
            } else {
                format!("{}: ", r.meta.name)
            };
            series.push(Series {
                label: format!("{prefix}reported"),
                colour: cr,
                kind: Kind::LineMarked(Marker::Circle),
                points: self.yearly(r, |y| y.pig_iron_reported_mt, true, 1.0),
            });
            series.push(Series {
                label: format!("{prefix}usable"),
                colour: cu,
                kind: if self.single() {
                    Kind::LineMarked(Marker::Square)
                } else {
                    Kind::Dashed
                },
                points: self.yearly(r, |y| y.pig_iron_usable_mt, true, 1.0),
            });
            cost.push(Series {
                label: format!("{prefix}labour-days per usable tonne"),
                colour: if self.single() { colour(2) } else { colour(i) },
                kind: Kind::LineMarked(Marker::Circle),
                // Only campaign years have a cost; others would read as a free tonne.
                points: self
                    .yearly(r, |y| y.labour_days_per_usable_t, false, 1.0)
                    .into_iter()
                    .filter(|(_, v)| *v > 0.0)
                    .collect(),
            });
        }
        let cost_panel = self.xy(
            "Labour-days per usable tonne",
            "year",
            "labour-days per tonne",
            cost,
            TimeAxis::Years,
        );
        let panel = self.xy(
            "Pig iron made",
            "year",
            format!("Mt pig iron per year ({NAT})"),
            series,
            TimeAxis::Years,
        );
        self.figure(
            "iron",
            "Iron: pig iron reported and usable, and what it cost",
            notes,
            vec![panel, cost_panel],
            Layout::Row,
        )
    }

    fn people(&self) -> Figure {
        let x = "year";
        let mut notes = vec![
            "Registered (official) death rates understate famine deaths. Excess deaths: deaths above the first simulated year's death rate.".into(),
            self.scale_note(),
        ];
        notes.extend(self.ensemble_note());
        let mut counts = Vec::new();
        let mut rates = Vec::new();
        let mut excess = Vec::new();
        for (i, r) in self.runs.iter().enumerate() {
            let (cb, cd) = if self.single() {
                (colour(0), colour(1))
            } else {
                (colour(i), colour(i))
            };
            if self.single() {
                counts.extend(self.shade(r, |y| y.births, true, 1e-6, cb));
                rates.extend(self.shade(r, |y| y.cbr_per_1000, false, 1.0, cb));
            }
            counts.extend(self.shade(r, |y| y.deaths, true, 1e-6, cd));
            rates.extend(self.shade(r, |y| y.cdr_per_1000, false, 1.0, cd));
        }
        for (i, r) in self.runs.iter().enumerate() {
            let single = self.single();
            let p = if single {
                String::new()
            } else {
                format!("{}: ", r.meta.name)
            };
            let (cb, cd) = if single {
                (colour(0), colour(1))
            } else {
                (colour(i), colour(i))
            };
            let (kb, kd) = if single {
                (
                    Kind::LineMarked(Marker::Circle),
                    Kind::LineMarked(Marker::Square),
                )
            } else {
                (Kind::Dashed, Kind::Line)
            };
            counts.push(Series {
                label: format!("{p}births"),
                colour: cb,
                kind: kb.clone(),
                points: self.yearly(r, |y| y.births, true, 1e-6),
            });
            counts.push(Series {
                label: format!("{p}deaths"),
                colour: cd,
                kind: kd.clone(),
                points: self.yearly(r, |y| y.deaths, true, 1e-6),
            });
            rates.push(Series {
                label: format!("{p}CBR"),
                colour: cb,
                kind: kb,
                points: self.yearly(r, |y| y.cbr_per_1000, false, 1.0),
            });
            rates.push(Series {
                label: format!("{p}CDR"),
                colour: cd,
                kind: kd,
                points: self.yearly(r, |y| y.cdr_per_1000, false, 1.0),
            });
            let (y0, y1) = self.years();
            let by_year = self.yearly(r, |y| y.excess_deaths, true, 1e-6);
            excess.push(Group {
                label: if single {
                    "excess deaths".into()
                } else {
                    r.meta.name.clone()
                },
                colour: if single { colour(1) } else { colour(i) },
                values: (y0..=y1)
                    .map(|year| {
                        by_year
                            .iter()
                            .find(|(x, _)| *x == f64::from(year))
                            .map_or(f64::NAN, |(_, v)| *v)
                    })
                    .collect(),
            });
        }
        rates.push(self.official_points("cbr_official", "official CBR", Marker::Triangle));
        rates.push(self.official_points("cdr_official", "official CDR", Marker::Circle));
        let (y0, y1) = self.years();
        let panels = vec![
            self.xy(
                "Births and deaths",
                x,
                format!("million per year ({NAT})"),
                counts,
                TimeAxis::Years,
            ),
            self.xy(
                "Crude rates",
                x,
                "per 1000 people per year",
                rates,
                TimeAxis::Years,
            ),
            Panel {
                title: "Excess deaths".into(),
                x_label: x.into(),
                y_label: format!("million ({NAT})"),
                plot: Plot::Bars {
                    categories: (y0..=y1).map(|y| y.to_string()).collect(),
                    groups: excess,
                    horizontal: false,
                },
            },
        ];
        self.figure(
            "people",
            "People: births, deaths and excess deaths",
            notes,
            panels,
            Layout::Row,
        )
    }

    fn provinces(&self) -> Figure {
        let reference = &self.runs[0];
        let worst: Vec<Option<u32>> = self.runs.iter().map(Run::worst_year).collect();
        let rows = |r: &Run, year: Option<u32>| -> Vec<(String, f64, f64)> {
            r.provinces
                .iter()
                .filter(|p| Some(p.year) == year)
                .map(|p| {
                    (
                        p.province.clone(),
                        p.cdr_per_1000,
                        100.0 * p.procurement_share,
                    )
                })
                .collect()
        };
        let mut order = rows(reference, worst[0]);
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let categories: Vec<String> = order.iter().map(|p| p.0.clone()).collect();
        let mut cdr = Vec::new();
        let mut share = Vec::new();
        for (i, (r, year)) in self.runs.iter().zip(&worst).enumerate() {
            let rs = rows(r, *year);
            let get = |name: &str, f: fn(&(String, f64, f64)) -> f64| {
                rs.iter().find(|p| p.0 == name).map_or(f64::NAN, f)
            };
            let year_text = year.map_or("–".to_string(), |y| y.to_string());
            let label = |what: &str| {
                if self.single() {
                    format!("{what}, {year_text}")
                } else {
                    format!("{} ({year_text})", r.meta.name)
                }
            };
            let c = |k: usize| if self.single() { colour(k) } else { colour(i) };
            cdr.push(Group {
                label: label("death rate"),
                colour: c(1),
                values: categories.iter().map(|n| get(n, |p| p.1)).collect(),
            });
            share.push(Group {
                label: label("procurement share"),
                colour: c(0),
                values: categories.iter().map(|n| get(n, |p| p.2)).collect(),
            });
        }
        let year_text = worst[0].map_or("–".to_string(), |y| y.to_string());
        let notes = vec![format!(
            "Provinces ranked by the death rate of the worst year (highest national CDR: {year_text}{}); rural population only.",
            if self.single() {
                ""
            } else {
                " for the reference; each scenario at its own worst year"
            }
        )];
        let panels = vec![
            Panel {
                title: "Crude death rate in the worst year".into(),
                x_label: "deaths per 1000 rural people".into(),
                y_label: String::new(),
                plot: Plot::Bars {
                    categories: categories.clone(),
                    groups: cdr,
                    horizontal: true,
                },
            },
            Panel {
                title: "Procurement share in the worst year".into(),
                x_label: "procurement ÷ true output (%)".into(),
                y_label: String::new(),
                plot: Plot::Bars {
                    categories,
                    groups: share,
                    horizontal: true,
                },
            },
        ];
        self.figure(
            "provinces",
            "Provinces: death rate and procurement in the worst year",
            notes,
            panels,
            Layout::Row,
        )
    }

    fn distribution(&self) -> Figure {
        let worst: Vec<Option<u32>> = self.runs.iter().map(Run::worst_year).collect();
        let values: Vec<Vec<f64>> = self
            .runs
            .iter()
            .zip(&worst)
            .map(|(r, year)| {
                r.communes
                    .iter()
                    .filter(|c| Some(c.year) == *year && c.grain_per_capita_kg.is_finite())
                    .map(|c| c.grain_per_capita_kg)
                    .collect()
            })
            .collect();
        let need_year: Vec<Option<f64>> = self
            .runs
            .iter()
            .zip(&worst)
            .map(|(r, year)| {
                let year = (*year)?;
                let needs: Vec<f64> = (1..=12)
                    .filter_map(|m| r.need_kg_day(Month::new(year, m)))
                    .collect();
                (!needs.is_empty()).then(|| needs.iter().sum::<f64>() / needs.len() as f64 * 365.0)
            })
            .collect();
        let max = values
            .iter()
            .flatten()
            .copied()
            .chain(need_year.iter().flatten().copied())
            .fold(0.0_f64, f64::max);
        let min = values
            .iter()
            .flatten()
            .copied()
            .chain(need_year.iter().flatten().copied())
            .fold(max, f64::min)
            .max(0.0);
        let step = nice_step((max - min) / 24.0);
        let first = (min / step).floor();
        let n_bins = (((max / step).floor() - first) as usize + 1).max(1);
        let edges: Vec<f64> = (0..=n_bins).map(|i| (first + i as f64) * step).collect();
        let mut groups = Vec::new();
        for (i, (r, v)) in self.runs.iter().zip(&values).enumerate() {
            let mut counts = vec![0.0; n_bins];
            for x in v {
                let b = ((x.max(0.0) / step).floor() - first).max(0.0) as usize;
                let b = b.min(n_bins - 1);
                counts[b] += 1.0;
            }
            let total = v.len().max(1) as f64;
            let year_text = worst[i].map_or("–".to_string(), |y| y.to_string());
            groups.push(Group {
                label: if self.single() {
                    format!("communes, {year_text}")
                } else {
                    format!("{} ({year_text})", r.meta.name)
                },
                colour: colour(i),
                values: counts.iter().map(|c| 100.0 * c / total).collect(),
            });
        }
        let marks: Vec<Mark> = need_year
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((i, (*n)?)))
            .filter(|(i, n)| *i == 0 || Some(*n) != need_year[0])
            .map(|(i, n)| Mark {
                label: if i == 0 {
                    format!("subsistence need ({n:.0} kg)")
                } else {
                    format!("{}: need ({n:.0} kg)", self.runs[i].meta.name)
                },
                colour: if i == 0 { OFFICIAL } else { colour(i) },
                x: n,
            })
            .collect();
        let notes = vec![
            "Grain eaten per person in the year with the highest national death rate, one count per simulated commune.".into(),
            format!("Need = nutrition.ration_kg × {AE_PER_PERSON} adult equivalents per person × 365 days."),
        ];
        let panel = Panel {
            title: String::new(),
            x_label: "grain eaten per person in the worst year (kg raw grain)".into(),
            y_label: "share of communes (%)".into(),
            plot: Plot::Histogram {
                edges,
                groups,
                marks,
            },
        };
        self.figure(
            "distribution",
            "Communes by food in the worst year",
            notes,
            vec![panel],
            Layout::Row,
        )
    }
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at least `raw` (and positive).
fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(9.0), 10.0);
        assert_eq!(nice_step(11.0), 20.0);
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(0.0), 1.0);
    }
}
