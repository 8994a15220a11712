//! Schema rules beyond what the build reports: the incident's moments in
//! order (`started ≤ detected ≤ mitigated ≤ resolved`) and a severity.
//!
//! Input: the incident's times and severity. Output: `time/order` and
//! `severity/missing` findings on the front-matter lines concerned.

use super::{Context, Finding};

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    time_order(cx, out);
    severity(cx, out);
}

fn time_order(cx: &Context, out: &mut Vec<Finding>) {
    let times = &cx.incident.times;
    let known: Vec<(&str, jiff::Timestamp)> = [
        ("started", times.started),
        ("detected", times.detected),
        ("mitigated", times.mitigated),
        ("resolved", times.resolved),
    ]
    .into_iter()
    .filter_map(|(name, at)| Some((name, at?)))
    .collect();
    for pair in known.windows(2) {
        let ((earlier, a), (later, b)) = (pair[0], pair[1]);
        if b >= a {
            continue;
        }
        let at = field_or_alias(cx, later);
        // The build reports `resolved` before `started` itself.
        if (earlier, later) == ("started", "resolved")
            && cx.build_reported("time/order", cx.source.position(at.start).line)
        {
            continue;
        }
        out.push(cx.finding(
            "time/order",
            at,
            format!("`{later}` ({b}) is before `{earlier}` ({a})"),
            format!(
                "the moments go started ≤ detected ≤ mitigated ≤ resolved; check the dates and offsets of `{earlier}` and `{later}`"
            ),
        ));
    }
}

/// The value of a time field, under its own name or an alias.
fn field_or_alias(cx: &Context, field: &str) -> std::ops::Range<usize> {
    let aliases: &[&str] = match field {
        "started" => &["started", "start_time", "started_at"],
        "detected" => &["detected", "detected_at"],
        "mitigated" => &["mitigated", "mitigated_at"],
        _ => &["resolved", "end_time", "resolved_at"],
    };
    aliases
        .iter()
        .find(|name| cx.source.fields.contains_key(**name))
        .map_or(0..0, |name| cx.source.field(name))
}

fn severity(cx: &Context, out: &mut Vec<Finding>) {
    if cx.incident.severity.is_some() || cx.build.iter().any(|d| d.rule == "severity/unknown") {
        return;
    }
    let names: Vec<&str> = cx
        .config
        .severities
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let at = if cx.source.fields.contains_key("severity") {
        cx.source.field("severity")
    } else {
        0..0
    };
    out.push(cx.finding(
        "severity/missing",
        at,
        "the postmortem has no severity",
        format!(
            "add `severity:` with one of {} to the front matter; it decides which sections are required",
            names.join(", ")
        ),
    ));
}
