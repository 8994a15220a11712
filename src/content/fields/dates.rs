//! The incident's time zone, its timestamps (front matter or timeline),
//! its date, and the durations between the timestamps.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::Reader;
use crate::content::values;
use crate::incident::{Durations, IncidentTimes};
use crate::markdown::timeline;

pub(super) fn time_zone(r: &mut Reader) -> TimeZone {
    let configured = || TimeZone::get(&r.input.config.timezone).unwrap_or(TimeZone::UTC);
    match r.text("timezone") {
        None => configured(),
        Some(name) => match TimeZone::get(&name) {
            Ok(zone) => zone,
            Err(_) => {
                r.error(
                    "timezone",
                    "timezone/unknown",
                    format!("unknown time zone {name:?}"),
                    "use an IANA name such as \"UTC\" or \"Europe/Berlin\"",
                );
                configured()
            }
        },
    }
}

/// The first plausible year in a file name (`PM2020-003 - …` → 2020).
pub(super) fn year_from_file_name(path: &std::path::Path) -> Option<i16> {
    let name = path.file_name()?.to_string_lossy();
    let digits: Vec<(usize, char)> = name.char_indices().collect();
    digits.windows(4).find_map(|w| {
        let text: String = w.iter().map(|(_, c)| *c).collect();
        let year: i16 = text.parse().ok()?;
        let boundary_before =
            w[0].0 == 0 || !name[..w[0].0].ends_with(|c: char| c.is_ascii_digit());
        ((1990..=2100).contains(&year) && boundary_before).then_some(year)
    })
}

pub(super) fn times(r: &mut Reader, zone: &TimeZone) -> IncidentTimes {
    let mut read = |field: &str| -> Option<Timestamp> {
        let (text, from_body) = match r.text(field) {
            Some(text) => (text, false),
            None => (r.input.document.labels.get(field)?.0.clone(), true),
        };
        match values::instant(&text, zone) {
            Ok(at) => Some(at),
            Err(_) if from_body => None,
            Err(reason) => {
                r.error(field, "time/invalid", format!("`{field}` is not a valid time: {text:?} ({reason})"), "write times as RFC 3339, e.g. 2024-03-14T14:32:00Z, or 2024-03-14 14:32 with `timezone`");
                None
            }
        }
    };
    let times = IncidentTimes {
        started: read("started"),
        detected: read("detected"),
        mitigated: read("mitigated"),
        resolved: read("resolved"),
    };
    if let (Some(started), Some(resolved)) = (times.started, times.resolved)
        && resolved < started
    {
        r.error(
            "resolved",
            "time/order",
            format!("`resolved` ({resolved}) is before `started` ({started})"),
            "check the dates and the time zone offsets of `started` and `resolved`",
        );
    }
    times
}

pub(super) fn date(r: &mut Reader, times: &IncidentTimes, zone: &TimeZone) -> Option<Date> {
    if let Some(text) = r.text("date") {
        return match values::date(&text) {
            Ok(date) => Some(date),
            Err(reason) => {
                r.error(
                    "date",
                    "date/invalid",
                    format!("invalid date {text:?}: {reason}"),
                    "write the date as YYYY-MM-DD, e.g. 2024-03-14",
                );
                None
            }
        };
    }
    if let Some(started) = times.started {
        r.assumed.push("the date from `started`".into());
        return Some(started.to_zoned(zone.clone()).date());
    }
    let name = r
        .input
        .file
        .within_content
        .file_name()?
        .to_string_lossy()
        .to_string();
    if let Some(date) = name.get(..10).and_then(|head| values::date(head).ok()) {
        r.assumed.push(format!("date {date} from the file name"));
        return Some(date);
    }
    if let Some((text, _)) = r.input.document.labels.get("date")
        && let Some(date) = timeline::find_date(text, None)
    {
        r.assumed.push(format!("date {date} from the body"));
        return Some(date);
    }
    None
}

pub(super) fn durations(r: &mut Reader, times: &IncidentTimes) -> Durations {
    let between = |a: Option<Timestamp>, b: Option<Timestamp>| Some(b?.duration_since(a?));
    let mut durations = Durations {
        to_detect: between(times.started, times.detected),
        to_mitigate: between(times.started, times.mitigated),
        to_resolve: between(times.started, times.resolved),
    };
    let map = r.fields.get("durations").cloned().unwrap_or(Value::Null);
    let labels = &r.input.document.labels;
    let fill = |slot: &mut Option<SignedDuration>, key: &str| {
        if slot.is_none() {
            *slot = map.get(key).and_then(values::duration).or_else(|| {
                labels
                    .get(key)
                    .and_then(|(text, _)| values::duration(&Value::String(text.clone())))
            });
        }
    };
    fill(&mut durations.to_detect, "time_to_detect");
    fill(&mut durations.to_mitigate, "time_to_mitigate");
    fill(&mut durations.to_resolve, "time_to_resolve");
    durations
}
