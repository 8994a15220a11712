//! Values: reads front-matter and body values tolerantly — a list written
//! as one comma-separated string, a date or time in the usual notations, a
//! duration in words.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// A scalar as text; `None` for null, lists and maps.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list of strings, from a YAML list or a comma-separated string.
pub fn list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(text).collect(),
        other => text(other).map(|s| split_list(&s)).unwrap_or_default(),
    }
}

/// Splits `a, b and c` into items.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';'])
        .flat_map(|part| part.split(" and "))
        .map(|s| {
            s.trim()
                .trim_matches(['`', '*', '[', ']'])
                .trim()
                .to_string()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// A yes/no value.
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "yes" | "true" | "y" => Some(true),
            "no" | "false" | "n" | "none" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A calendar date written `YYYY-MM-DD` (a time after it is ignored).
pub fn date(text: &str) -> Result<Date, String> {
    let head = text.trim().get(..10).unwrap_or(text.trim());
    head.parse::<Date>().map_err(|e| {
        let reason = e.to_string();
        // jiff's messages are precise but long; keep the last clause.
        reason.rsplit(": ").next().unwrap_or(&reason).to_string()
    })
}

/// An instant: RFC 3339 with an offset, or a local date and time read in
/// `zone` (`2024-03-14 14:32`, `2024-03-14T14:32:00`).
pub fn instant(text: &str, zone: &TimeZone) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Ok(timestamp);
    }
    let local = text.replacen(' ', "T", 1);
    let datetime = local
        .parse::<DateTime>()
        .map_err(|_| "expected an RFC 3339 time such as 2024-03-14T14:32:00Z".to_string())?;
    datetime
        .to_zoned(zone.clone())
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

/// A duration: `8m`, `1h35m`, `1 hour 35 minutes`, `PT1H`, or a bare
/// number of minutes. Words around it ("about 8 minutes") are dropped.
pub fn duration(value: &Value) -> Option<SignedDuration> {
    if let Some(minutes) = value.as_i64() {
        return Some(SignedDuration::from_mins(minutes));
    }
    let text = text(value)?.to_lowercase();
    let text = text
        .trim_start_matches(['~', '≈'])
        .trim_start_matches("about ")
        .trim_start_matches("approximately ");
    if let Ok(d) = text.parse::<SignedDuration>() {
        return Some(d);
    }
    // "8 minutes (estimate)": take the leading run that reads as a duration.
    let words: Vec<&str> = text.split_whitespace().collect();
    (1..=words.len().min(6)).rev().find_map(|n| {
        words[..n]
            .join(" ")
            .trim_end_matches([',', '.'])
            .parse::<SignedDuration>()
            .ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_from_strings() {
        assert_eq!(list(&Value::String("a, b and c".into())), ["a", "b", "c"]);
        assert_eq!(list(&serde_json::json!(["x", 2])), ["x", "2"]);
    }

    #[test]
    fn dates_and_instants() {
        assert_eq!(date("2024-03-14").unwrap().to_string(), "2024-03-14");
        assert!(date("2024-13-45").is_err());
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            instant("2024-03-14 14:32", &berlin).unwrap().to_string(),
            "2024-03-14T13:32:00Z"
        );
        assert_eq!(
            instant("2024-03-14T14:32:00+02:00", &berlin)
                .unwrap()
                .to_string(),
            "2024-03-14T12:32:00Z"
        );
    }

    #[test]
    fn durations_in_words() {
        let minutes = |v: Value| duration(&v).map(|d| d.as_secs() / 60);
        assert_eq!(minutes(Value::String("8m".into())), Some(8));
        assert_eq!(minutes(Value::String("1h35m".into())), Some(95));
        assert_eq!(minutes(Value::String("about 8 minutes".into())), Some(8));
        assert_eq!(minutes(serde_json::json!(12)), Some(12));
        assert_eq!(minutes(Value::String("unknown".into())), None);
    }
}
