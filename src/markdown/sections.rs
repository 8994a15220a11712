//! Sections: where a body's sections begin, and what each is about.
//!
//! Real archives name sections in many words ("TL;DR", "Root cause
//! analysis", "Next steps") at heading levels 1–3. A recognised heading
//! always starts a section; an unrecognised one starts a section only when it
//! is no deeper than the current section's heading, so "### Detection" under
//! "## Timeline" stays part of the timeline.

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use pulldown_cmark::{Event, Tag, TagEnd};

use super::blocks::plain_text;
use super::lowercase_words;
use crate::incident::SectionKind;

/// A section's place in the event list, with its heading text.
pub struct Part {
    pub kind: SectionKind,
    pub heading: String,
    /// Events of the section body, after the heading.
    pub range: Range<usize>,
}

/// Splits top-level events into sections.
pub fn split(events: &[(Event, Range<usize>)]) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let mut current = Part {
        kind: SectionKind::Other,
        heading: String::new(),
        range: 0..0,
    };
    let mut current_level = usize::MAX;
    let mut depth = 0usize;
    let mut i = 0;
    while i < events.len() {
        match &events[i].0 {
            Event::Start(Tag::Heading { level, .. }) if depth == 0 => {
                let end = heading_end(events, i);
                let heading = plain_text(&events[i + 1..end]).trim().to_string();
                let kind = classify_heading(&heading);
                let level = *level as usize;
                if kind != SectionKind::Other || level <= current_level {
                    current.range.end = i;
                    if !current.range.is_empty() || !current.heading.is_empty() {
                        parts.push(current);
                    }
                    current = Part {
                        kind,
                        heading,
                        range: end + 1..end + 1,
                    };
                    current_level = level;
                    i = end + 1;
                    continue;
                }
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    current.range.end = events.len();
    if !current.range.is_empty() || !current.heading.is_empty() {
        parts.push(current);
    }
    parts
}

fn heading_end(events: &[(Event, Range<usize>)], start: usize) -> usize {
    events[start..]
        .iter()
        .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))
        .map_or(events.len() - 1, |offset| start + offset)
}

/// The words that recognise a section, in the order they are tried: the
/// first kind whose phrases occur in the heading (`has`), or that the
/// heading is exactly (`is`), wins.
const KINDS: &[(SectionKind, &[&str], &[&str])] = &[
    (
        SectionKind::FiveWhys,
        &["five whys", "5 whys", "5 why"],
        &[],
    ),
    (
        SectionKind::Timeline,
        &[
            "timeline",
            "chronology",
            "sequence of events",
            "timeline summary",
        ],
        &[],
    ),
    (
        SectionKind::ActionItems,
        &[
            "action item",
            "follow up",
            "followup",
            "corrective action",
            "next step",
            "remediation",
            "action plan",
            "preventive",
            "preventative",
        ],
        &["actions", "todo", "prevention", "fixes"],
    ),
    (
        SectionKind::WentWell,
        &[
            "went well",
            "got lucky",
            "what worked",
            "things that went right",
        ],
        &[],
    ),
    (
        SectionKind::WentWrong,
        &[
            "went wrong",
            "could be improved",
            "didn t go well",
            "did not go well",
            "went poorly",
            "could have gone better",
            "where we struggled",
            "what was hard",
        ],
        &[],
    ),
    (
        SectionKind::ContributingFactors,
        &[
            "root cause",
            "contributing factor",
            "identified cause",
            "why it happened",
            "causes",
            "trigger",
        ],
        &["cause", "analysis", "what caused it"],
    ),
    (
        SectionKind::Lessons,
        &["lesson", "learning", "takeaway"],
        &[],
    ),
    (
        SectionKind::Impact,
        &["impact", "blast radius"],
        &["scope", "customer effect"],
    ),
    (
        SectionKind::Summary,
        &["summary", "overview", "tl dr", "tldr"],
        &["description", "what happened", "background", "incident"],
    ),
];

/// Every `has` phrase of [`KINDS`], found in one pass; each pattern's
/// index in `KINDS`.
static PHRASES: LazyLock<(AhoCorasick, Vec<usize>)> = LazyLock::new(|| {
    let (kinds, phrases): (Vec<usize>, Vec<&str>) = KINDS
        .iter()
        .enumerate()
        .flat_map(|(kind, (_, has, _))| has.iter().map(move |phrase| (kind, *phrase)))
        .unzip();
    let matcher = AhoCorasick::new(phrases).expect("valid phrases");
    (matcher, kinds)
});

/// Recognises a section from its heading, case-insensitively, in the words
/// real postmortems use.
pub fn classify_heading(heading: &str) -> SectionKind {
    let text = lowercase_words(heading);
    // Drop a leading section number ("3 timeline").
    let text = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
    // The phrases are ASCII: every occurrence is seen, overlapping ones too.
    let (matcher, kinds) = &*PHRASES;
    let has = matcher
        .find_overlapping_iter(text)
        .map(|m| kinds[m.pattern().as_usize()])
        .min();
    let is = KINDS.iter().position(|(_, _, words)| words.contains(&text));
    match (has, is) {
        (Some(a), Some(b)) => KINDS[a.min(b)].0,
        (Some(k), None) | (None, Some(k)) => KINDS[k].0,
        (None, None) => SectionKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The heading classifier as it was before the phrases were found in
    /// one pass: the definition the faster one is compared with.
    fn classify_heading_as_before(heading: &str) -> SectionKind {
        let text: String = heading
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // Drop a leading section number ("3 timeline").
        let text = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
        let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
        let is = |words: &[&str]| words.contains(&text);

        if has(&["five whys", "5 whys", "5 why"]) {
            SectionKind::FiveWhys
        } else if has(&[
            "timeline",
            "chronology",
            "sequence of events",
            "timeline summary",
        ]) {
            SectionKind::Timeline
        } else if has(&[
            "action item",
            "follow up",
            "followup",
            "corrective action",
            "next step",
            "remediation",
            "action plan",
            "preventive",
            "preventative",
        ]) || is(&["actions", "todo", "prevention", "fixes"])
        {
            SectionKind::ActionItems
        } else if has(&[
            "went well",
            "got lucky",
            "what worked",
            "things that went right",
        ]) {
            SectionKind::WentWell
        } else if has(&[
            "went wrong",
            "could be improved",
            "didn t go well",
            "did not go well",
            "went poorly",
            "could have gone better",
            "where we struggled",
            "what was hard",
        ]) {
            SectionKind::WentWrong
        } else if has(&[
            "root cause",
            "contributing factor",
            "identified cause",
            "why it happened",
            "causes",
            "trigger",
        ]) || is(&["cause", "analysis", "what caused it"])
        {
            SectionKind::ContributingFactors
        } else if has(&["lesson", "learning", "takeaway"]) {
            SectionKind::Lessons
        } else if has(&["impact", "blast radius"]) || is(&["scope", "customer effect"]) {
            SectionKind::Impact
        } else if has(&["summary", "overview", "tl dr", "tldr"])
            || is(&["description", "what happened", "background", "incident"])
        {
            SectionKind::Summary
        } else {
            SectionKind::Other
        }
    }

    fn piece() -> impl Strategy<Value = String> {
        let words: Vec<String> = KINDS
            .iter()
            .flat_map(|(_, has, is)| has.iter().chain(is.iter()))
            .flat_map(|phrase| phrase.split(' ').chain([*phrase]))
            .map(str::to_string)
            .chain(
                [
                    " ", "  ", "-", ":", ";", "'", "3", "5", "12.", "\t", "\u{a0}", "é", "İ", "Σ",
                    "ΣΑ", "ς", "٣", "TL;DR", "Five", "WHYS", "Time", "line", "Action", "s", "x",
                    "_", "’",
                ]
                .map(str::to_string),
            )
            .collect();
        prop_oneof![prop::sample::select(words), "\\PC{1,3}"]
    }

    proptest! {
        #[test]
        fn any_heading_is_classified_as_before(pieces in prop::collection::vec(piece(), 0..8)) {
            let heading = pieces.concat();
            prop_assert_eq!(
                classify_heading(&heading),
                classify_heading_as_before(&heading),
                "{:?}",
                heading
            );
        }
    }

    #[test]
    fn headings_in_many_words() {
        let cases = [
            ("Summary", SectionKind::Summary),
            ("TL;DR", SectionKind::Summary),
            ("Executive overview", SectionKind::Summary),
            ("Customer Impact", SectionKind::Impact),
            ("Incident Timeline", SectionKind::Timeline),
            ("Root Cause Analysis", SectionKind::ContributingFactors),
            ("Contributing Factors", SectionKind::ContributingFactors),
            ("Five whys", SectionKind::FiveWhys),
            ("What went well", SectionKind::WentWell),
            ("Where we got lucky", SectionKind::WentWell),
            ("What could be improved", SectionKind::WentWrong),
            ("Follow-ups", SectionKind::ActionItems),
            ("Corrective actions", SectionKind::ActionItems),
            ("Next steps", SectionKind::ActionItems),
            ("Lessons Learned", SectionKind::Lessons),
            ("3. Timeline", SectionKind::Timeline),
            ("Attendees", SectionKind::Other),
        ];
        for (heading, kind) in cases {
            assert_eq!(classify_heading(heading), kind, "{heading}");
        }
    }
}
