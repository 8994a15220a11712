//! Completeness: the sections an incident needs, by the practice's decision
//! tree. Severe incidents (SEV-1 and SEV-2 by default), and any with
//! customer impact or data loss, need the full set — summary, impact,
//! timeline, contributing factors, action items, lessons learned; the rest
//! a lightweight set. Both sets and the tree are `[check.sections]`.
//!
//! Input: the incident's sections and the config. Output:
//! `sections/missing` and `sections/empty` findings.

use crate::config::{RequiredSections, SectionName};
use crate::incident::{Incident, SectionKind};

use super::{Context, Finding};

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let incident = cx.incident;
    let (required, reason, reason_field) = required(incident, &cx.config.check.sections);
    let missing: Vec<&str> = required
        .iter()
        .filter(|name| {
            let kind = kind_of(**name);
            let present = incident.sections.iter().any(|s| s.kind == kind)
                || (kind == SectionKind::Summary && cx.source.fields.contains_key("summary"))
                || (kind == SectionKind::ActionItems
                    && cx.source.fields.contains_key("action_items"));
            !present
        })
        .map(|name| title(*name))
        .collect();
    if !missing.is_empty() {
        let at = match reason_field {
            Some(field) if cx.source.fields.contains_key(field) => cx.source.field(field),
            _ => 0..0,
        };
        let headings: Vec<String> = missing.iter().map(|t| format!("`## {t}`")).collect();
        let pronoun = if missing.len() == 1 {
            "it does"
        } else {
            "they do"
        };
        out.push(cx.finding(
            "sections/missing",
            at,
            format!(
                "no {} section, which {reason} needs",
                join_or(&missing)
            ),
            format!(
                "add {} (recognised by heading, with aliases; if {pronoun} not apply, say so under the heading — the required sets are [check.sections] in casebook.toml)",
                headings.join(", ")
            ),
        ));
    }
    for section in &incident.sections {
        if section.heading.is_empty()
            || section.kind == SectionKind::Other
            || !section.text.trim().is_empty()
            || section.html.contains("<img")
        {
            continue;
        }
        let Some(index) = cx.source.heading_of(&section.heading) else {
            continue;
        };
        // Subsections Casebook reads as sections of their own ("Impact"
        // then "### Scope") still fill the heading they sit under.
        let under = cx.source.under_heading(index);
        if cx.source.prose[under].chars().any(char::is_alphanumeric) {
            continue;
        }
        let at = cx.source.headings[index].line.clone();
        out.push(cx.finding(
            "sections/empty",
            at,
            format!("the {:?} section is empty", section.heading),
            "write the section, or remove the heading if it does not apply",
        ));
    }
}

/// The sections `incident` needs, why (for the message), and the field that
/// decided it.
fn required<'a>(
    incident: &Incident,
    sets: &'a RequiredSections,
) -> (&'a [SectionName], String, Option<&'static str>) {
    let severity = incident.severity.as_ref().map(|s| s.name.as_str());
    if let Some(name) = severity
        && sets.full_for.iter().any(|s| s.eq_ignore_ascii_case(name))
    {
        return (&sets.full, format!("a {name} postmortem"), Some("severity"));
    }
    if sets.full_for_customer_impact && incident.customer_impact == Some(true) {
        return (
            &sets.full,
            "an incident with customer impact".to_string(),
            Some("customer_impact"),
        );
    }
    if sets.full_for_data_loss && incident.data_loss == Some(true) {
        return (
            &sets.full,
            "an incident with data loss".to_string(),
            Some("data_loss"),
        );
    }
    if let Some(name) = severity
        && let Some((_, set)) = sets
            .by_severity
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(name))
    {
        return (set, format!("a {name} postmortem"), Some("severity"));
    }
    let who = match severity {
        Some(name) => format!("a {name} postmortem"),
        None => "every postmortem".to_string(),
    };
    (&sets.light, who, Some("severity"))
}

/// The section kind a configured name stands for.
pub(crate) fn kind_of(name: SectionName) -> SectionKind {
    match name {
        SectionName::Summary => SectionKind::Summary,
        SectionName::Impact => SectionKind::Impact,
        SectionName::Timeline => SectionKind::Timeline,
        SectionName::ContributingFactors => SectionKind::ContributingFactors,
        SectionName::FiveWhys => SectionKind::FiveWhys,
        SectionName::WentWell => SectionKind::WentWell,
        SectionName::WentWrong => SectionKind::WentWrong,
        SectionName::ActionItems => SectionKind::ActionItems,
        SectionName::Lessons => SectionKind::Lessons,
    }
}

/// "A", "A or B", "A, B or C".
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The heading an author would write.
fn title(name: SectionName) -> &'static str {
    match name {
        SectionName::Summary => "Summary",
        SectionName::Impact => "Impact",
        SectionName::Timeline => "Timeline",
        SectionName::ContributingFactors => "Contributing factors",
        SectionName::FiveWhys => "Five whys",
        SectionName::WentWell => "What went well",
        SectionName::WentWrong => "What went wrong",
        SectionName::ActionItems => "Action items",
        SectionName::Lessons => "Lessons learned",
    }
}
