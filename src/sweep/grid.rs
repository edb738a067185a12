//! The runs of a sweep: the grid of parameter values (every combination of the `--set` axes,
//! the first axis varying slowest) times the seeds, each run with a stable id in grid order.

use super::seeds;
use super::set::{Axis, Setting};

/// Which seeds each grid point runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Seeds {
    /// `n` replicates, each seeded by [`seeds::run_seed`]`(master, point, replicate)`: replicates
    /// differ, and so do the seeds of different points.
    Derived { master: u64, n: usize },
    /// These seeds, the same at every point (common random numbers).
    List(Vec<u64>),
}

impl Seeds {
    pub fn count(&self) -> usize {
        match self {
            Seeds::Derived { n, .. } => *n,
            Seeds::List(list) => list.len(),
        }
    }

    /// The seed of `replicate` at `point`.
    pub fn seed(&self, point: usize, replicate: usize) -> u64 {
        match self {
            Seeds::Derived { master, .. } => {
                seeds::run_seed(*master, point as u64, replicate as u64)
            }
            Seeds::List(list) => list[replicate],
        }
    }
}

/// The grid of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub axes: Vec<Axis>,
}

impl Grid {
    /// Number of parameter combinations (1 for no axes).
    pub fn n_points(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// The settings of point `point` (the last axis varies fastest).
    pub fn point(&self, point: usize) -> Vec<Setting> {
        let mut rest = point;
        let mut out: Vec<Setting> = Vec::with_capacity(self.axes.len());
        for axis in self.axes.iter().rev() {
            let n = axis.values.len();
            out.push(Setting {
                index: axis.index,
                value: axis.values[rest % n].clone(),
            });
            rest /= n;
        }
        out.reverse();
        out
    }

    /// The swept keys, in axis order (the table's parameter columns).
    pub fn keys(&self) -> Vec<String> {
        self.axes.iter().map(Axis::key).collect()
    }
}

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    /// Position in grid order: `point × seeds + replicate`.
    pub index: usize,
    /// `index` zero-padded to the width of the largest index (at least 4 digits).
    pub id: String,
    pub point: usize,
    pub replicate: usize,
    pub seed: u64,
    pub settings: Vec<Setting>,
}

impl RunSpec {
    /// The settings as `key=value` text, for messages and `failures.csv`.
    pub fn describe(&self) -> String {
        self.settings
            .iter()
            .map(|s| format!("{}={}", s.def().key(), s.value))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every run of `grid` × `seeds`, in grid order.
pub fn runs(grid: &Grid, seeds: &Seeds) -> Vec<RunSpec> {
    let n_seeds = seeds.count();
    let total = grid.n_points() * n_seeds;
    let width = id_width(total);
    let mut out = Vec::with_capacity(total);
    for point in 0..grid.n_points() {
        let settings = grid.point(point);
        for replicate in 0..n_seeds {
            let index = point * n_seeds + replicate;
            out.push(RunSpec {
                index,
                id: format!("{index:0width$}"),
                point,
                replicate,
                seed: seeds.seed(point, replicate),
                settings: settings.clone(),
            });
        }
    }
    out
}

/// Digits of a run id: enough for `total - 1`, at least 4.
pub fn id_width(total: usize) -> usize {
    total.saturating_sub(1).to_string().len().max(4)
}

/// The order to run in: replicate 0 of every point first, then replicate 1, ..., so that a
/// sweep cut short has every point covered evenly (NetLogo #278). Ids stay in grid order.
pub fn execution_order(runs: &[RunSpec]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by_key(|&i| (runs[i].replicate, runs[i].point));
    order
}

#[cfg(test)]
mod tests {
    use super::super::set::parse_axes;
    use super::*;

    #[test]
    fn grid_order_is_first_axis_slowest_then_replicates() {
        let grid = Grid {
            axes: parse_axes(&[
                "reporting.inflation=0.5,1".into(),
                "procurement.rate=0.1,0.2,0.3".into(),
            ])
            .unwrap(),
        };
        assert_eq!(grid.n_points(), 6);
        let seeds = Seeds::Derived { master: 1, n: 2 };
        let rs = runs(&grid, &seeds);
        assert_eq!(rs.len(), 12);
        assert_eq!(rs[0].id, "0000");
        assert_eq!(rs[11].id, "0011");
        assert_eq!(
            rs[3].describe(),
            "reporting.inflation=0.5 procurement.rate=0.2"
        );
        assert_eq!(
            rs[7].describe(),
            "reporting.inflation=1 procurement.rate=0.1"
        );
        assert_eq!((rs[7].point, rs[7].replicate), (3, 1));
        assert_ne!(rs[6].seed, rs[7].seed, "replicates differ");
        assert_ne!(rs[0].seed, rs[2].seed, "points differ");
        let order = execution_order(&rs);
        assert_eq!(&order[..6], &[0, 2, 4, 6, 8, 10]);
        let list = Seeds::List(vec![5, 9]);
        let rs = runs(&grid, &list);
        assert_eq!((rs[0].seed, rs[1].seed, rs[2].seed), (5, 9, 5));
        assert_eq!(id_width(10_001), 5);
        let empty = Grid { axes: Vec::new() };
        assert_eq!(empty.n_points(), 1);
        assert!(empty.point(0).is_empty());
    }
}
