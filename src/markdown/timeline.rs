//! Timeline: reads the events of a Timeline section in the notations real
//! archives use — list items and table rows that start with a time, one
//! heading per timestamp, a date subheading followed by times, bold-time
//! paragraphs — with ranges (`02:00-04:30`), approximations (`~19:30`),
//! unknown times (`--:--`) and a zone stated once ("All times in CET").
//!
//! Input: the blocks of the timeline section. Output: events with the
//! instant when the date and zone are known. What cannot be parsed is not an
//! event; the page still shows the section as written.

use std::sync::{LazyLock, OnceLock};

use jiff::civil::{Date, Time};
use jiff::tz::{Offset, TimeZone};
use regex::Regex;

use super::blocks::Block;
use super::time_prefix;
use crate::incident::TimelineEvent;

static ZONE_STATEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:all\s+)?times?\s+(?:are\s+)?(?:in|shown\s+in|given\s+in)\s+(?P<zone>[A-Za-z_]+(?:/[A-Za-z_]+)?)")
        .expect("valid regex")
});
static WORD_DATE: LazyLock<AnyDigits> = LazyLock::new(|| {
    AnyDigits::new(
        r"(?xi)\b(?:
            (?P<month1>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<day1>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year1>\d{4}))?
          | (?P<day2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month2>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:,?\s+(?P<year2>\d{4}))?
        )\b",
    )
});
static ISO_DATE: LazyLock<AnyDigits> =
    LazyLock::new(|| AnyDigits::new(r"\b(\d{4})-(\d{2})-(\d{2})\b"));

/// A regex with `\d` twice over: as written (Unicode's decimal digits, a
/// large automaton) and narrowed to `[0-9]`, which is several times
/// cheaper to run and matches alike in a text without other digits.
/// The one as written is compiled only when a text needs it.
struct AnyDigits {
    pattern: &'static str,
    any: OnceLock<Regex>,
    ascii: Regex,
}

impl AnyDigits {
    fn new(pattern: &'static str) -> AnyDigits {
        AnyDigits {
            pattern,
            any: OnceLock::new(),
            ascii: Regex::new(&pattern.replace(r"\d", "[0-9]")).expect("valid regex"),
        }
    }

    /// The regex to run on `text`: the narrow one unless the text has a
    /// digit other than 0-9 (`is_numeric` covers more than `\d` does).
    fn for_text(&self, text: &str) -> &Regex {
        if time_prefix::has_other_digits(text) {
            self.any
                .get_or_init(|| Regex::new(self.pattern).expect("valid regex"))
        } else {
            &self.ascii
        }
    }
}

/// A timeline entry before its instant is worked out.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    label: String,
    /// A date written in the entry itself.
    date: Option<Date>,
    /// The day set by a date heading or paragraph above the entry.
    day: Option<Date>,
    time: Option<Time>,
    zone: Option<String>,
    approximate: bool,
    text: String,
}

/// Parses the blocks of a timeline section into events. `default_date` is
/// the incident's date; `default_zone` the configured or front-matter zone.
pub fn parse<'a>(
    blocks: impl IntoIterator<Item = &'a Block>,
    default_date: Option<Date>,
    default_zone: &TimeZone,
) -> Vec<TimelineEvent> {
    let mut entries = Vec::new();
    let mut stated_zone: Option<String> = None;
    // The day set by the last date heading; dates in entries only set the year.
    let mut current_date: Option<Date> = None;
    let mut year_context: Option<Date> = default_date;
    for block in blocks {
        match block {
            Block::Item { text, .. } | Block::Paragraph { text, .. } => {
                if let Some(entry) = parse_entry(text, current_date, year_context) {
                    year_context = entry.date.or(year_context);
                    entries.push(entry);
                } else if let Some(c) = ZONE_STATEMENT.captures(text) {
                    stated_zone = Some(c["zone"].to_string());
                } else if let Block::Paragraph { text, .. } = block
                    && text.len() < 80
                    && let Some(date) = find_date(text, year_context)
                {
                    // A bold date paragraph ("**March 14**") sets the day for what follows.
                    current_date = Some(date);
                    year_context = Some(date);
                }
            }
            Block::Heading { text, .. } => {
                if let Some(entry) = parse_entry(text, current_date, year_context) {
                    year_context = entry.date.or(year_context);
                    entries.push(entry);
                } else if let Some(date) = find_date(text, year_context) {
                    current_date = Some(date);
                    year_context = Some(date);
                }
            }
            Block::Table { header, rows } => {
                if let Some(c) = header
                    .first()
                    .and_then(|h| ZONE_STATEMENT.captures(h).or_else(|| zone_in_header(h)))
                {
                    stated_zone = Some(c["zone"].to_string());
                }
                for row in rows {
                    if let Some(entry) = parse_row(&row.cells, current_date, year_context) {
                        year_context = entry.date.or(year_context);
                        entries.push(entry);
                    }
                }
            }
        }
    }
    let zone = stated_zone
        .as_deref()
        .and_then(zone_named)
        .unwrap_or_else(|| default_zone.clone());
    resolve(entries, default_date, &zone)
}

/// "Date and Time in CET", "Time (UTC)".
fn zone_in_header(header: &str) -> Option<regex::Captures<'_>> {
    static IN_HEADER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:\bin\s+|\()(?P<zone>UTC|GMT|CET|CEST|[A-Z][a-z]+/[A-Za-z_]+)\)?")
            .expect("valid regex")
    });
    IN_HEADER.captures(header)
}

/// Reads one line of text that may start with a time.
fn parse_entry(text: &str, day: Option<Date>, year_context: Option<Date>) -> Option<Entry> {
    // Without a digit or an unknown time there is neither a date nor a
    // time to find: skip the regex (most prose lines).
    if !text.bytes().any(|b| b.is_ascii_digit())
        && !text.contains("--:--")
        && !text.contains("??:??")
    {
        return None;
    }
    let prefix = time_prefix::read(text);
    let group = |range: &Option<std::ops::Range<usize>>| range.clone().map(|r| &text[r]);
    let date = group(&prefix.date).and_then(|d| d.parse::<Date>().ok());
    let time_text = group(&prefix.time);
    if date.is_none() && time_text.is_none() {
        return None;
    }
    // A date without a time must be followed by text to be an event.
    let rest = text[prefix.whole.end..]
        .trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, '-' | '–' | '—' | ':' | '|' | '.' | ',')
        })
        .trim();
    if rest.is_empty() {
        return None;
    }
    let time = time_text.and_then(parse_time);
    // A bare number like "2024" is not a time; "--:--" is an unknown one.
    if time_text.is_some_and(|t| time.is_none() && !t.contains("--") && !t.contains("??")) {
        return None;
    }
    let note_date = group(&prefix.note).and_then(|note| find_date(note, year_context));
    Some(Entry {
        label: text[prefix.whole].trim().to_string(),
        date: date.or(note_date),
        day,
        time,
        zone: group(&prefix.zone).map(|zone| zone.trim().to_string()),
        approximate: prefix.approx.is_some(),
        text: rest.to_string(),
    })
}

/// Reads a table row: `| 2024-03-14 14:32 | text |` or `| 2024-03-14 | 14:32 | text |`.
fn parse_row(cells: &[String], day: Option<Date>, year_context: Option<Date>) -> Option<Entry> {
    let first = cells.first()?;
    let rest: Vec<&str> = cells[1..]
        .iter()
        .map(String::as_str)
        .filter(|c| !c.is_empty())
        .collect();
    if rest.is_empty() {
        return None;
    }
    let joined = format!("{first} — {}", rest.join(" — "));
    let mut entry = parse_entry(&joined, day, year_context)?;
    // A date-only first cell followed by a time cell.
    if entry.time.is_none()
        && let Some(time) = rest.first().and_then(|t| parse_time(t.trim()))
    {
        entry.time = Some(time);
        entry.label = format!("{} {}", entry.label, rest[0].trim());
        entry.text = rest[1..].join(" — ");
    }
    Some(entry)
}

fn parse_time(text: &str) -> Option<Time> {
    let mut parts = text.split(':');
    let hour: i8 = parts.next()?.parse().ok()?;
    let minute: i8 = parts.next()?.parse().ok()?;
    let second: i8 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    Time::new(hour, minute, second, 0).ok()
}

/// Finds a date written as `2024-03-14`, `March 14, 2024`, `14 March` or
/// `Oct 29` (the year then comes from `context`).
pub fn find_date(text: &str, context: Option<Date>) -> Option<Date> {
    // Both notations hold a digit: without one (a status such as "open",
    // most prose) neither regex can match.
    if !text.bytes().any(|b| b.is_ascii_digit()) && !time_prefix::has_other_digits(text) {
        return None;
    }
    find_date_by_regex(text, context)
}

/// [`find_date`] without the test for a digit.
fn find_date_by_regex(text: &str, context: Option<Date>) -> Option<Date> {
    if let Some(c) = ISO_DATE.for_text(text).captures(text) {
        return Date::new(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?).ok();
    }
    let word_date = WORD_DATE.for_text(text);
    let c = word_date.captures(text)?;
    let month_name = c
        .name("month1")
        .or_else(|| c.name("month2"))?
        .as_str()
        .to_lowercase();
    let month = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| month_name.starts_with(m))? as i8
        + 1;
    let day: i8 = c
        .name("day1")
        .or_else(|| c.name("day2"))?
        .as_str()
        .parse()
        .ok()?;
    let year: i16 = match c.name("year1").or_else(|| c.name("year2")) {
        Some(y) => y.as_str().parse().ok()?,
        None => context?.year(),
    };
    Date::new(year, month, day).ok()
}

/// Resolves a zone name or abbreviation to a time zone.
pub fn zone_named(name: &str) -> Option<TimeZone> {
    let fixed = |hours: i8| Some(TimeZone::fixed(Offset::constant(hours)));
    match name.to_ascii_uppercase().as_str() {
        "Z" | "UTC" | "GMT" => Some(TimeZone::UTC),
        "CEST" | "EET" => fixed(2),
        "EEST" => fixed(3),
        "BST" => fixed(1),
        "PST" => fixed(-8),
        "PDT" => fixed(-7),
        "EST" => fixed(-5),
        "EDT" | "CDT" => fixed(-4),
        "CST" => fixed(-6),
        _ => {
            if let Ok(offset) = name.replace(':', "").parse::<i32>() {
                let seconds = (offset / 100) * 3600 + (offset % 100) * 60;
                return Offset::from_seconds(seconds).ok().map(TimeZone::fixed);
            }
            TimeZone::get(name).ok()
        }
    }
}

/// Gives each entry its instant: the entry's own date or the one before it,
/// rolling to the next day when a time-only entry goes back by more than
/// twelve hours (23:50 then 00:10).
fn resolve(entries: Vec<Entry>, default_date: Option<Date>, zone: &TimeZone) -> Vec<TimelineEvent> {
    let mut date = default_date;
    let mut day = None;
    let mut previous: Option<Time> = None;
    let mut events = entries
        .into_iter()
        .map(|entry| {
            if let Some(own) = entry.date {
                date = Some(own);
            } else if entry.day.is_some() && entry.day != day {
                date = entry.day;
            } else if let (Some(time), Some(prev), Some(d)) = (entry.time, previous, date)
                && (prev - time).get_hours() >= 12
            {
                date = d.tomorrow().ok();
            }
            previous = entry.time.or(previous);
            day = entry.day;
            let entry_zone = entry.zone.as_deref().and_then(zone_named);
            let at = match (date, entry.time) {
                (Some(d), Some(t)) => d
                    .to_datetime(t)
                    .to_zoned(entry_zone.unwrap_or_else(|| zone.clone()))
                    .ok()
                    .map(|z| z.timestamp()),
                _ => None,
            };
            TimelineEvent {
                label: entry.label,
                at,
                approximate: entry.approximate,
                text: entry.text,
            }
        })
        .collect::<Vec<_>>();
    // Collected in place, the events would keep the larger entries'
    // allocation for the whole build.
    events.shrink_to_fit();
    events
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::markdown::blocks::TableRow;

    fn item(text: &str) -> Block {
        Block::Item {
            text: text.into(),
            checked: None,
            offset: 0,
        }
    }

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    /// The `[0-9]` regexes find what the `\d` ones find, in texts without
    /// other digits; a text with them gets the regex as written.
    #[test]
    fn narrowed_digits_match_alike() {
        let texts = [
            "14:32 — Alert fired",
            "~2024-03-14 02:00-04:30 CET (approx) restarted",
            "about 9:05 UTC: paged",
            "March 14, 2024 and 2024-03-15 and 3rd Oct",
            "--:-- unknown",
            "09:00\u{a0}UTC noted",
        ];
        for regex in [&*WORD_DATE, &*ISO_DATE] {
            let any = Regex::new(regex.pattern).unwrap();
            for text in texts {
                let names = |r: &Regex| {
                    r.captures(text)
                        .map(|c| c.iter().map(|m| m.map(|m| m.range())).collect::<Vec<_>>())
                };
                assert_eq!(names(regex.for_text(text)), names(&any), "{text}");
            }
            let arabic = "٠٩:٣٠ 2024-03-14";
            assert!(std::ptr::eq(
                regex.for_text(arabic),
                regex.any.get().unwrap()
            ));
        }
    }

    proptest! {
        /// A text without a digit has no date, as the regexes find.
        #[test]
        fn dates_are_found_as_the_regexes_find_them(
            pieces in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(vec![
                        "March", "mar", "14", "14th", "2024", "-", "03", "2024-03-14", " ", ",",
                        "Oct", "٣", "١٤", "open", "é",
                    ])
                    .prop_map(str::to_string),
                    "\\PC",
                ],
                0..8,
            ),
            year in prop::option::of(1990i16..2100),
        ) {
            let text = pieces.concat();
            let context = year.and_then(|y| Date::new(y, 1, 1).ok());
            prop_assert_eq!(find_date(&text, context), find_date_by_regex(&text, context), "{:?}", text);
        }
    }

    #[test]
    fn list_items_with_times() {
        let blocks = [
            item("14:32 — Alert fired"),
            item("~14:40 Rolled back"),
            item("Not an event"),
        ];
        let events = parse(&blocks, Some(date("2024-03-14")), &TimeZone::UTC);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].text, "Alert fired");
        assert_eq!(events[0].at.unwrap().to_string(), "2024-03-14T14:32:00Z");
        assert!(events[1].approximate);
    }

    #[test]
    fn bold_times_with_zone_and_day_rollover() {
        let blocks = [
            item("2024-03-14 23:50 UTC - Deploy"),
            item("00:10 UTC - Errors"),
        ];
        let events = parse(&blocks, Some(date("2024-03-14")), &TimeZone::UTC);
        assert_eq!(events[1].at.unwrap().to_string(), "2024-03-15T00:10:00Z");
    }

    #[test]
    fn tables_with_stated_zone() {
        let blocks = [
            Block::Paragraph {
                text: "All times in CET.".into(),
                offset: 0,
            },
            Block::Table {
                header: vec!["Time".into(), "Event".into()],
                rows: vec![TableRow {
                    cells: vec!["2021-07-02 07:32".into(), "Pipeline starts".into()],
                    offset: 0,
                }],
            },
        ];
        let events = parse(&blocks, None, &TimeZone::UTC);
        assert_eq!(events[0].text, "Pipeline starts");
        assert_eq!(events[0].at.unwrap().to_string(), "2021-07-02T05:32:00Z");
    }

    #[test]
    fn date_headings_then_times() {
        let blocks = [
            Block::Heading {
                text: "October 21, 2025 - Redis Overload".into(),
                offset: 0,
            },
            item("21:45 UTC - Deploy timeout handling change"),
        ];
        let events = parse(&blocks, None, &TimeZone::UTC);
        assert_eq!(events[0].at.unwrap().to_string(), "2025-10-21T21:45:00Z");
    }

    #[test]
    fn ranges_and_unknown_times() {
        let blocks = [
            item("02:00-04:30 Maintenance window"),
            item("--:-- Someone noticed"),
        ];
        let events = parse(&blocks, Some(date("2024-01-01")), &TimeZone::UTC);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].label, "02:00-04:30");
        assert!(events[1].at.is_none());
    }

    #[test]
    fn word_dates() {
        assert_eq!(
            find_date("On Friday 29 November 2019, we", None),
            Some(date("2019-11-29"))
        );
        assert_eq!(
            find_date("Oct 29", Some(date("2025-01-01"))),
            Some(date("2025-10-29"))
        );
        assert_eq!(find_date("nothing", None), None);
    }
}
