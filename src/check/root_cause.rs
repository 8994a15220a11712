//! Root cause: incidents have several contributing factors, seldom one
//! cause. A "Root cause" section naming a single cause, with no
//! contributing factors listed, is a warning.
//!
//! Input: the incident's cause sections and their source. Output:
//! `root-cause/single` findings on the section's heading.

use pulldown_cmark::{Event, Options, Parser, Tag};

use crate::incident::SectionKind;

use super::{Context, Finding, placeholders};

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let sections: Vec<_> = cx
        .incident
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::ContributingFactors && !s.text.trim().is_empty())
        .collect();
    let Some(first) = sections.first() else {
        return;
    };
    if sections.iter().any(|s| placeholders::contains(&s.text)) {
        // A scaffold still being filled in: the placeholder rule speaks.
        return;
    }
    let mut factors = 0;
    for section in &sections {
        let Some(index) = cx.source.heading_of(&section.heading) else {
            // A heading Casebook cannot find again: do not guess.
            return;
        };
        factors += count_factors(&cx.source.text[cx.source.under_heading(index)]);
    }
    if factors > 1 {
        return;
    }
    let heading = first.heading.to_lowercase();
    let message = if heading.contains("contributing") || heading.contains("factors") {
        "only one contributing factor is listed".to_string()
    } else {
        format!(
            "{:?} names a single cause and no contributing factors",
            first.heading
        )
    };
    let at = cx.source.heading(&first.heading).unwrap_or(0..0);
    out.push(cx.finding(
        "root-cause/single",
        at,
        message,
        "list the conditions that together allowed the incident (technical, process, organisational) as bullet points under `## Contributing factors`; there is rarely just one",
    ));
}

/// Factors under a heading: top-level list items, or subheadings when each
/// factor has its own.
fn count_factors(markdown: &str) -> usize {
    let mut depth = 0usize;
    let mut items = 0;
    let mut subheadings = 0;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS) {
        match event {
            Event::Start(Tag::List(_)) => depth += 1,
            Event::End(pulldown_cmark::TagEnd::List(_)) => depth = depth.saturating_sub(1),
            Event::Start(Tag::Item) if depth == 1 => items += 1,
            Event::Start(Tag::Heading { .. }) if depth == 0 => subheadings += 1,
            Event::Start(Tag::TableRow) => items += 1,
            _ => {}
        }
    }
    items.max(subheadings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_items_rows_and_subheadings() {
        assert_eq!(count_factors("\nThe disk filled.\n"), 0);
        assert_eq!(count_factors("\n- one\n  - detail\n- two\n"), 2);
        assert_eq!(count_factors("\n### A\ntext\n### B\ntext\n"), 2);
        assert_eq!(count_factors("\n| f |\n|---|\n| a |\n| b |\n"), 2);
    }
}
