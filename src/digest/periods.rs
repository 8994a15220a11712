//! Digest periods: ISO weeks, calendar months and quarters.
//!
//! Input: a date or a key such as `2024-W12`, `2024-03` or `2024-Q1`.
//! Output: a [`Period`] that knows its first and last day, its neighbours,
//! and how to name itself for readers and for listeners.

use std::fmt;

use jiff::ToSpan;
use jiff::civil::{Date, ISOWeekDate, Weekday};

use super::speech::{ordinal_words, spoken_date};

/// How long a digest period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodKind {
    /// An ISO 8601 week, Monday to Sunday.
    Week,
    Month,
    Quarter,
}

impl PeriodKind {
    /// Every kind, longest first (the order of the digest index).
    pub const ALL: [PeriodKind; 3] = [PeriodKind::Quarter, PeriodKind::Month, PeriodKind::Week];

    /// `week`, `month`, `quarter`.
    pub fn noun(self) -> &'static str {
        match self {
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
        }
    }
}

/// One week, month or quarter. Ordered by kind, then by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub kind: PeriodKind,
    /// The calendar year, or the ISO week-numbering year for weeks.
    pub year: i16,
    /// Week 1–53, month 1–12 or quarter 1–4.
    pub number: i8,
}

/// A period key that does not name a week, month or quarter.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{0:?} is not a period: write a week as 2024-W12, a month as 2024-03, or a quarter as 2024-Q1"
)]
pub struct PeriodError(pub String);

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The English name of a month, 1–12.
pub fn month_name(month: i8) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

impl Period {
    /// The period of `kind` that contains `date`.
    pub fn containing(kind: PeriodKind, date: Date) -> Period {
        match kind {
            PeriodKind::Week => {
                let week = date.iso_week_date();
                Period {
                    kind,
                    year: week.year(),
                    number: week.week(),
                }
            }
            PeriodKind::Month => Period {
                kind,
                year: date.year(),
                number: date.month(),
            },
            PeriodKind::Quarter => Period {
                kind,
                year: date.year(),
                number: (date.month() - 1) / 3 + 1,
            },
        }
    }

    /// Reads `2024-W12`, `2024-03` or `2024-Q1` (case-insensitive).
    pub fn parse(key: &str) -> Result<Period, PeriodError> {
        let error = || PeriodError(key.to_string());
        let trimmed = key.trim();
        let (year, rest) = trimmed.split_once('-').ok_or_else(error)?;
        if year.len() != 4 {
            return Err(error());
        }
        let year: i16 = year.parse().map_err(|_| error())?;
        let (kind, number) = match rest.chars().next() {
            Some('W' | 'w') => (PeriodKind::Week, &rest[1..]),
            Some('Q' | 'q') => (PeriodKind::Quarter, &rest[1..]),
            Some(c) if c.is_ascii_digit() => (PeriodKind::Month, rest),
            _ => return Err(error()),
        };
        if number.is_empty() || number.len() > 2 || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        let number: i8 = number.parse().map_err(|_| error())?;
        let valid = match kind {
            PeriodKind::Week => ISOWeekDate::new(year, number, Weekday::Monday).is_ok(),
            PeriodKind::Month => (1..=12).contains(&number),
            PeriodKind::Quarter => (1..=4).contains(&number),
        };
        if !valid || !(1..=9998).contains(&year) {
            return Err(error());
        }
        Ok(Period { kind, year, number })
    }

    /// The URL segment and CLI key: `2024-W12`, `2024-03`, `2024-Q1`.
    pub fn key(&self) -> String {
        self.to_string()
    }

    /// The first day of the period.
    pub fn start(&self) -> Date {
        match self.kind {
            PeriodKind::Week => ISOWeekDate::new(self.year, self.number, Weekday::Monday)
                .map(|w| w.date())
                .unwrap_or(Date::MIN),
            PeriodKind::Month => Date::new(self.year, self.number, 1).unwrap_or(Date::MIN),
            PeriodKind::Quarter => {
                Date::new(self.year, (self.number - 1) * 3 + 1, 1).unwrap_or(Date::MIN)
            }
        }
    }

    /// The last day of the period.
    pub fn end(&self) -> Date {
        let start = self.start();
        let next = match self.kind {
            PeriodKind::Week => start.checked_add(7.days()),
            PeriodKind::Month => start.checked_add(1.month()),
            PeriodKind::Quarter => start.checked_add(3.months()),
        };
        next.and_then(|d| d.yesterday()).unwrap_or(Date::MAX)
    }

    /// Whether `date` falls in the period.
    pub fn contains(&self, date: Date) -> bool {
        Period::containing(self.kind, date) == *self
    }

    /// The period of the same kind just before this one.
    pub fn previous(&self) -> Option<Period> {
        self.start()
            .yesterday()
            .ok()
            .map(|d| Period::containing(self.kind, d))
    }

    /// For readers: `Week 12, 2024`, `March 2024`, `Q1 2024`.
    pub fn title(&self) -> String {
        match self.kind {
            PeriodKind::Week => format!("Week {}, {}", self.number, self.year),
            PeriodKind::Month => format!("{} {}", month_name(self.number), self.year),
            PeriodKind::Quarter => format!("Q{} {}", self.number, self.year),
        }
    }

    /// The days covered, for readers: `18–24 Mar 2024`, `1–31 Mar 2024`.
    pub fn range(&self) -> String {
        let (start, end) = (self.start(), self.end());
        let short = |d: Date| &month_name(d.month())[..3];
        if start.year() != end.year() {
            format!(
                "{} {} {} – {} {} {}",
                start.day(),
                short(start),
                start.year(),
                end.day(),
                short(end),
                end.year()
            )
        } else if start.month() != end.month() {
            format!(
                "{} {} – {} {} {}",
                start.day(),
                short(start),
                end.day(),
                short(end),
                end.year()
            )
        } else {
            format!(
                "{}–{} {} {}",
                start.day(),
                end.day(),
                short(end),
                end.year()
            )
        }
    }

    /// For listeners: "the week of the eighteenth of March, 2024",
    /// "March 2024", "the first quarter of 2024".
    pub fn spoken(&self) -> String {
        match self.kind {
            PeriodKind::Week => format!(
                "the week of {}, {}",
                spoken_date(self.start()),
                self.start().year()
            ),
            PeriodKind::Month => format!("{} {}", month_name(self.number), self.year),
            PeriodKind::Quarter => format!(
                "the {} quarter of {}",
                ordinal_words(self.number as u32),
                self.year
            ),
        }
    }

    /// "this week", "this month", "this quarter".
    pub fn this(&self) -> String {
        format!("this {}", self.kind.noun())
    }

    /// "last week", "last month", "last quarter".
    pub fn last(&self) -> String {
        format!("last {}", self.kind.noun())
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Week => write!(f, "{:04}-W{:02}", self.year, self.number),
            PeriodKind::Month => write!(f, "{:04}-{:02}", self.year, self.number),
            PeriodKind::Quarter => write!(f, "{:04}-Q{}", self.year, self.number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn keys_round_trip() {
        for key in ["2024-W12", "2024-03", "2024-Q1", "2020-W53"] {
            assert_eq!(Period::parse(key).unwrap().key(), key);
        }
        assert_eq!(Period::parse("2024-w01").unwrap().key(), "2024-W01");
        for bad in [
            "2024", "2024-13", "2024-Q5", "2023-W53", "24-03", "2024-3x", "",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn containing_and_bounds() {
        let d = date(2024, 3, 14);
        let week = Period::containing(PeriodKind::Week, d);
        assert_eq!(week.key(), "2024-W11");
        assert_eq!(week.start(), date(2024, 3, 11));
        assert_eq!(week.end(), date(2024, 3, 17));
        let month = Period::containing(PeriodKind::Month, d);
        assert_eq!(
            (month.start(), month.end()),
            (date(2024, 3, 1), date(2024, 3, 31))
        );
        let quarter = Period::containing(PeriodKind::Quarter, d);
        assert_eq!(quarter.key(), "2024-Q1");
        assert_eq!(quarter.end(), date(2024, 3, 31));
        // ISO weeks cross years.
        assert_eq!(
            Period::containing(PeriodKind::Week, date(2021, 1, 2)).key(),
            "2020-W53"
        );
    }

    #[test]
    fn previous_periods() {
        let p = |k: &str| Period::parse(k).unwrap();
        assert_eq!(p("2024-W01").previous().unwrap().key(), "2023-W52");
        assert_eq!(p("2024-01").previous().unwrap().key(), "2023-12");
        assert_eq!(p("2024-Q1").previous().unwrap().key(), "2023-Q4");
    }

    #[test]
    fn names() {
        let p = Period::parse("2024-Q1").unwrap();
        assert_eq!(p.spoken(), "the first quarter of 2024");
        assert_eq!(Period::parse("2024-W11").unwrap().range(), "11–17 Mar 2024");
    }
}
