//! Calendar months and piecewise-constant schedules keyed by `"YYYY-MM"`.
//!
//! The model steps one calendar month at a time. A [`Month`] is an absolute month count, so that
//! month arithmetic never needs a calendar crate. A [`Schedule`] is a value that changes on given
//! months: it holds its value from each point until the next one.

use std::fmt;

/// An absolute calendar month: `year * 12 + (month - 1)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub u32);

impl Month {
    /// The month `month` (1–12) of `year`.
    pub fn new(year: u32, month: u32) -> Month {
        debug_assert!((1..=12).contains(&month));
        Month(year * 12 + (month - 1))
    }

    /// The calendar year.
    pub fn year(self) -> u32 {
        self.0 / 12
    }

    /// The month of the year, 1 (January) to 12 (December).
    pub fn month(self) -> u32 {
        self.0 % 12 + 1
    }

    /// The month `n` months later.
    pub fn plus(self, n: u32) -> Month {
        Month(self.0 + n)
    }

    /// Number of days in this month (the Gregorian rule; 1960 is a leap year).
    pub fn days(self) -> u32 {
        match self.month() {
            2 => {
                let y = self.year();
                if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) {
                    29
                } else {
                    28
                }
            }
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// Parses `"YYYY-MM"` (four-digit year 1900–2100, two-digit month).
    pub fn parse(text: &str) -> Option<Month> {
        let bytes = text.as_bytes();
        // Digits only: `parse` alone would take a sign ("1959-+1").
        let digits = |r: std::ops::Range<usize>| bytes[r].iter().all(u8::is_ascii_digit);
        if bytes.len() != 7 || bytes[4] != b'-' || !digits(0..4) || !digits(5..7) {
            return None;
        }
        let year: u32 = text[..4].parse().ok()?;
        let month: u32 = text[5..].parse().ok()?;
        if !(1900..=2100).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        Some(Month::new(year, month))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// A number that changes on given months and holds until the next change.
///
/// `base` applies before the first point. Points are sorted by month with no month twice
/// (the scenario validator guarantees it).
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub base: f64,
    pub points: Vec<(Month, f64)>,
}

impl Schedule {
    /// A schedule that never changes.
    pub fn constant(value: f64) -> Schedule {
        Schedule {
            base: value,
            points: Vec::new(),
        }
    }

    /// The value in force during `month`.
    pub fn at(&self, month: Month) -> f64 {
        match self.points.partition_point(|(m, _)| *m <= month) {
            0 => self.base,
            i => self.points[i - 1].1,
        }
    }

    /// Sets the value from `month` on, replacing a point already on that month.
    pub fn set_from(&mut self, month: Month, value: f64) {
        match self.points.binary_search_by_key(&month, |(m, _)| *m) {
            Ok(i) => self.points[i].1 = value,
            Err(i) => self.points.insert(i, (month, value)),
        }
    }

    /// True if the value never changes.
    pub fn is_constant(&self) -> bool {
        self.points.iter().all(|(_, v)| *v == self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_print() {
        let m = Month::parse("1959-08").unwrap();
        assert_eq!((m.year(), m.month()), (1959, 8));
        assert_eq!(m.to_string(), "1959-08");
        assert_eq!(m.plus(5).to_string(), "1960-01");
        for bad in [
            "1959-8", "1959-13", "1959-00", "59-08", "1959/08", "abcd-ef", "1959-08 ", "1959-+1",
            "+959-01",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(Month::parse("1960-02").unwrap().days(), 29);
        assert_eq!(Month::parse("1959-02").unwrap().days(), 28);
    }

    #[test]
    fn schedule_holds_values_between_points() {
        let mut s = Schedule::constant(0.0);
        s.set_from(Month::new(1959, 8), 0.33);
        s.set_from(Month::new(1962, 1), 1.0);
        assert_eq!(s.at(Month::new(1959, 7)), 0.0);
        assert_eq!(s.at(Month::new(1959, 8)), 0.33);
        assert_eq!(s.at(Month::new(1961, 12)), 0.33);
        assert_eq!(s.at(Month::new(1965, 1)), 1.0);
        s.set_from(Month::new(1959, 8), 0.5);
        assert_eq!(s.points.len(), 2);
        assert_eq!(s.at(Month::new(1960, 1)), 0.5);
    }
}
