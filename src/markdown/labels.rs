//! Body metadata: archives without front matter put it in the body as bold
//! labels (`**Date**: 2024-03-14`), `Key: value` list items (a "Stats"
//! list) or two-column tables. This finds the labels Casebook understands.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::blocks::Block;

static PLAIN_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z][A-Za-z /()-]{0,40}?)\s*:\s+(.+)$").expect("valid regex")
});

/// Finds known labels; the first occurrence of each wins. Values keep their
/// byte offset in the body for diagnostics.
pub fn collect(body: &str, sections: &[Vec<Block>]) -> BTreeMap<String, (String, usize)> {
    collect_with(&BodyLines::new(body), sections)
}

fn collect_with(lines: &BodyLines, sections: &[Vec<Block>]) -> BTreeMap<String, (String, usize)> {
    let mut labels = BTreeMap::new();
    let mut add = |label: &str, value: &str, offset: usize| {
        if let Some(key) = canonical(label) {
            let value = value.trim().trim_matches('*').trim();
            if !value.is_empty() {
                labels
                    .entry(key.to_string())
                    .or_insert((value.to_string(), offset));
            }
        }
    };
    for block in sections.iter().flatten() {
        match block {
            Block::Paragraph { offset, .. } => lines.scan(*offset, None, &mut add),
            Block::Item { offset, text, .. } => lines.scan(*offset, Some(text), &mut add),
            Block::Table { header, rows } if header.len() == 2 => {
                add(&header[0], &header[1], rows.first().map_or(0, |r| r.offset));
                for row in rows {
                    if let [key, value] = row.cells.as_slice() {
                        add(key, value, row.offset);
                    }
                }
            }
            _ => {}
        }
    }
    labels
}

/// The body as the label search reads it. A paragraph or an item is read
/// from its offset to the next blank line, line by line: a bold label on
/// each line, else the item's own `Key: value` (which ends the item). In a
/// tight list every item's reading runs on to the end of the list, so the
/// blank lines and the bold label lines are found once for the body and
/// each reading skips to the bold labels it would find.
struct BodyLines<'a> {
    body: &'a str,
    /// Where every `\n\n` starts (overlapping ones too).
    blanks: Vec<usize>,
    /// Every whole line that is a bold label: its start and end, label
    /// and value.
    bold: Vec<(usize, usize, &'a str, &'a str)>,
    /// The body has carriage returns, which offsets count differently: it
    /// is read line by line instead (rare).
    line_by_line: bool,
}

impl<'a> BodyLines<'a> {
    fn new(body: &'a str) -> BodyLines<'a> {
        let mut lines = BodyLines {
            body,
            blanks: Vec::new(),
            bold: Vec::new(),
            line_by_line: body.contains('\r'),
        };
        if !lines.line_by_line {
            lines.blanks = blank_lines(body.as_bytes());
            // Only a line holding `**` can be a bold label.
            let mut previous = None;
            for at in double_stars(body) {
                let start = body[..at].rfind('\n').map_or(0, |i| i + 1);
                if previous.replace(start) == Some(start) {
                    continue;
                }
                let end = body[at..].find('\n').map_or(body.len(), |i| at + i);
                if let Some((label, value)) = bold_label(&body[start..end]) {
                    lines.bold.push((start, end, label, value));
                }
            }
        }
        lines
    }

    /// Reads the paragraph or item at `offset` (`item` is an item's text),
    /// calling `add` for each label found.
    fn scan(&self, offset: usize, item: Option<&str>, add: &mut impl FnMut(&str, &str, usize)) {
        if self.line_by_line {
            return scan_lines(paragraph_source(self.body, offset), offset, item, add);
        }
        if self.body.get(offset..).is_none() {
            return;
        }
        let next_blank = self.blanks.partition_point(|&b| b < offset);
        let end = self
            .blanks
            .get(next_blank)
            .copied()
            .unwrap_or(self.body.len());
        let mut plain = None;
        let mut start = offset;
        while start < end {
            // The first line may start inside a line (an item's marker).
            // Its end is looked for only when it opens as a bold label
            // does: most paragraphs and items do not.
            let bold = if start == offset {
                may_open_bold(&self.body[start..end])
                    .then(|| {
                        let line_end = self.body[start..end].find('\n').map_or(end, |i| start + i);
                        bold_label(&self.body[start..line_end]).map(|(l, v)| (line_end, l, v))
                    })
                    .flatten()
            } else {
                self.bold_at(start)
            };
            if let Some((line_end, label, value)) = bold {
                add(label, value, start);
                start = line_end + 1;
                continue;
            }
            if let Some(text) = item
                && let Some(c) = plain.get_or_insert_with(|| plain_label(text)).as_ref()
            {
                add(&c[1], &c[2], start);
                return;
            }
            // The rest of the reading can only find bold labels, on the
            // lines after this one (no line starts between `start` and the
            // end of its line).
            let after = self.bold.partition_point(|b| b.0 <= start);
            for &(at, _, label, value) in self.bold[after..].iter().take_while(|b| b.0 < end) {
                add(label, value, at);
            }
            return;
        }
    }

    /// The bold label line starting at `start`: its end, label and value.
    fn bold_at(&self, start: usize) -> Option<(usize, &'a str, &'a str)> {
        self.bold
            .binary_search_by_key(&start, |b| b.0)
            .ok()
            .map(|i| (self.bold[i].1, self.bold[i].2, self.bold[i].3))
    }
}

/// Where every `\n\n` starts, overlapping ones too: blocks of bytes
/// without two line feeds in a row are passed over by a test the compiler
/// vectorises (looking for each line feed cost a call per line).
fn blank_lines(bytes: &[u8]) -> Vec<usize> {
    const BLOCK: usize = 32;
    let mut blanks = Vec::new();
    let Some(pairs) = bytes.len().checked_sub(1) else {
        return blanks;
    };
    for start in (0..pairs).step_by(BLOCK) {
        let end = (start + BLOCK).min(pairs);
        let any = bytes[start..end]
            .iter()
            .zip(&bytes[start + 1..end + 1])
            .fold(false, |any, (&a, &b)| any | ((a == b'\n') & (b == b'\n')));
        if any {
            blanks.extend((start..end).filter(|&at| bytes[at] == b'\n' && bytes[at + 1] == b'\n'));
        }
    }
    blanks
}

/// Reads a paragraph's or item's source line by line (see [`BodyLines`]).
fn scan_lines(
    source: &str,
    offset: usize,
    item: Option<&str>,
    add: &mut impl FnMut(&str, &str, usize),
) {
    // An item's own `Key: value`, tried once (it does not depend on the
    // line), and only where it can match.
    let mut plain = None;
    let mut line_offset = offset;
    for line in source.lines() {
        if let Some((label, value)) = bold_label(line) {
            add(label, value, line_offset);
        } else if let Some(text) = item
            && let Some(c) = plain.get_or_insert_with(|| plain_label(text)).as_ref()
        {
            add(&c[1], &c[2], line_offset);
            break;
        }
        line_offset += line.len() + 1;
    }
}

/// A `**Label**: value` line's label and value, exactly as the regex
/// `^\s*(?:[-*]\s+)?\*\*([^*]{1,40}?)\s*:?\s*\*\*\s*:?\s*(.+?)\s*$` would
/// capture them.
fn bold_label(line: &str) -> Option<(&str, &str)> {
    let (label, end) = bold_head(line)?;
    let value = bold_value(&line[end..])?;
    Some((label, value))
}

/// The label of a bold label line and where its head ends, exactly as
/// `^\s*(?:[-*]\s+)?\*\*([^*]{1,40}?)\s*:?\s*\*\*` would capture it. Read
/// by hand: the regex's captures cost more than the rest of the content
/// stage's label search together.
fn bold_head(line: &str) -> Option<(&str, usize)> {
    let start = line.len() - line.trim_start().len();
    // `[-*]\s+` is taken when the rest matches after it; else the rest
    // must match where the marker is.
    let after_marker = line[start..]
        .strip_prefix(['-', '*'])
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .map(|rest| line.len() - rest.trim_start().len());
    after_marker
        .and_then(|at| bold_label_between_stars(line, at))
        .or_else(|| bold_label_between_stars(line, start))
}

/// Whether a line that starts `text` can open as [`bold_head`] wants: `**`
/// after spaces, or after a `-` or `*` marker and spaces. Looked at
/// without the end of the line, as the line's own start is; a line that
/// opens so is read by [`bold_label`] once its end is known.
fn may_open_bold(text: &str) -> bool {
    let rest = text.trim_start();
    rest.starts_with("**")
        || rest
            .strip_prefix(['-', '*'])
            .is_some_and(|r| r.starts_with(char::is_whitespace) && r.trim_start().starts_with("**"))
}

/// `\*\*([^*]{1,40}?)\s*:?\s*\*\*` at `at`: the label and where the
/// closing stars end. Nothing between the stars can be a star, so they
/// close at the first star after the opening; the label is the shortest
/// start (one character at least) of what is between that leaves spaces,
/// one colon and spaces.
fn bold_label_between_stars(line: &str, at: usize) -> Option<(&str, usize)> {
    let inner_start = at + 2;
    if !line[at..].starts_with("**") {
        return None;
    }
    let inner_end = inner_start + line[inner_start..].find('*')?;
    if !line[inner_end..].starts_with("**") {
        return None;
    }
    let inner = &line[inner_start..inner_end];
    let without_spaces = inner.trim_end();
    let without_colon = without_spaces.strip_suffix(':').unwrap_or(without_spaces);
    let label_end = match without_colon.trim_end() {
        // At least one character, whatever it is.
        "" => inner.chars().next()?.len_utf8(),
        label => label.len(),
    };
    let label = &inner[..label_end];
    (label.chars().count() <= 40).then_some((label, inner_end + 2))
}

/// What `\s*:?\s*(.+?)\s*$` captures of the rest of a line (which holds
/// no line break): the text after the spaces and one colon, without
/// trailing spaces; when nothing else is left, the regex backs off and the
/// value is the colon itself or a single space (which the caller trims
/// away); nothing at all when the rest is empty.
fn bold_value(rest: &str) -> Option<&str> {
    let after_spaces = rest.trim_start();
    let colon = after_spaces.starts_with(':');
    let after_colon = if colon {
        &after_spaces[1..]
    } else {
        after_spaces
    };
    let value = after_colon.trim_start();
    if !value.is_empty() {
        return Some(value.trim_end());
    }
    if !after_colon.is_empty() {
        return first(after_colon);
    }
    if colon {
        return Some(&after_spaces[..1]);
    }
    first(rest)
}

/// Where `**` occurs in `text`, as `match_indices("**")` finds it (left
/// to right, not overlapping), by looking for single stars: a search for
/// the two-byte string was a tenth of the content stage's label search.
fn double_stars(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let at = from + text.get(from..)?.find('*')?;
            if text.as_bytes().get(at + 1) == Some(&b'*') {
                from = at + 2;
                return Some(at);
            }
            from = at + 1;
        }
    })
}

/// The first character of a text, as a slice of it.
fn first(text: &str) -> Option<&str> {
    text.chars().next().map(|c| &text[..c.len_utf8()])
}

/// `Key: value` at the start of an item's text, when it can be one: a
/// letter first and a colon somewhere (checked before the regex runs).
fn plain_label(text: &str) -> Option<regex::Captures<'_>> {
    let possible =
        text.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && text.contains(':');
    possible.then(|| PLAIN_LABEL.captures(text)).flatten()
}

/// The source of a paragraph or item: from its start to the next blank line.
fn paragraph_source(body: &str, offset: usize) -> &str {
    let rest = body.get(offset..).unwrap_or("");
    let end = rest.find("\n\n").unwrap_or(rest.len());
    &rest[..end]
}

/// Maps the many ways of naming a field to Casebook's field names.
fn canonical(label: &str) -> Option<&'static str> {
    Some(match super::lowercase_words(label).as_str() {
        "date" | "incident date" | "date of incident" | "day" => "date",
        "severity" | "sev" | "severity level" | "incident severity" => "severity",
        "team" | "teams" | "owning team" | "owner team" | "responsible team" => "teams",
        "service"
        | "services"
        | "affected service"
        | "affected services"
        | "affected systems"
        | "systems affected"
        | "components"
        | "affected components" => "services",
        "author" | "authors" | "incident lead" | "written by" | "postmortem owner"
        | "incident commander" => "authors",
        "category" | "categories" | "tags" | "keywords" | "labels" => "tags",
        "time to detection" | "time to detect" | "ttd" | "detection time" | "mttd" => {
            "time_to_detect"
        }
        "time to mitigate" | "time to mitigation" | "ttm" => "time_to_mitigate",
        "time to recovery" | "time to resolve" | "time to resolution" | "time to restore"
        | "ttr" | "recovery time" | "mttr" | "duration" | "total duration" => "time_to_resolve",
        "start time" | "started" | "start" | "started at" => "started",
        "detected" | "detected at" | "detection" => "detected",
        "end time" | "resolved" | "resolved at" | "ended" | "end" => "resolved",
        "mitigated" | "mitigated at" => "mitigated",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use regex::Regex;

    use super::{BodyLines, blank_lines, bold_label, collect_with, double_stars};
    use crate::markdown::{ParseOptions, parse};

    /// The body read once for all its paragraphs and items finds what
    /// reading each paragraph and item line by line finds.
    #[test]
    fn reading_the_body_once_finds_what_line_by_line_finds() {
        let bodies = [
            "**Date**: 2024-03-14\n**Severity:** SEV-2\n\n## Stats\n\n- Category: Kubernetes\n- Time to detection: 8 minutes\n- Note: not a label\n",
            "## Timeline\n\n- 14:02 alert fired\n- 14:05 paged\n- **Severity**: SEV-1\n- Team: payments\n- **Team**: platform\n",
            "- one\n- two\n  - **Date**: 2024-01-02\n  - Services: db\n- Severity: SEV-3\n\n\n\n**Authors**: Ana\n",
            "> - **Date**: 2024-05-06\n> - Tags: dns\n\nText **bold** here\n**Duration**: 2h\nmore\n",
            "1. **Date**:\n2. **Severity** :\n3. Severity: SEV-2\n4. **Teams**: a, b\n",
            "| Key | Value |\n|---|---|\n| Date | 2024-03-14 |\n\n- **Started**: 10:00\n",
            "Paragraph one\n**Date**: 2024-03-14\n\n- x\n- Owner team: payments\n- **Owner team**: platform",
        ];
        for body in bodies {
            for body in [body.to_string(), body.replace('\n', "\r\n")] {
                let doc = parse(
                    &body,
                    &ParseOptions {
                        folder: "",
                        allow_html: false,
                    },
                );
                let mut line_by_line = BodyLines::new(&body);
                line_by_line.line_by_line = true;
                assert_eq!(
                    collect_with(&BodyLines::new(&body), &doc.blocks),
                    collect_with(&line_by_line, &doc.blocks),
                    "{body:?}"
                );
            }
        }
    }

    fn body_piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "- ",
            "* ",
            "1. ",
            "> ",
            "  ",
            "\n",
            "\n\n",
            "**Date**: 2024-03-14",
            "**Team**:",
            "**",
            "*",
            "Severity: SEV-2",
            "Team: payments",
            "text",
            " ",
            "## Stats",
            "-",
            "| a | b |",
            "|---|---|",
            "**Severity** ",
            ": x",
            "é",
        ])
    }

    proptest! {
        /// On any body, the reading of the whole body finds what reading
        /// each paragraph and item line by line finds.
        #[test]
        fn any_body_reads_as_line_by_line(pieces in prop::collection::vec(body_piece(), 0..24)) {
            let body = pieces.concat();
            let doc = parse(&body, &ParseOptions { folder: "", allow_html: false });
            let mut line_by_line = BodyLines::new(&body);
            line_by_line.line_by_line = true;
            prop_assert_eq!(
                collect_with(&BodyLines::new(&body), &doc.blocks),
                collect_with(&line_by_line, &doc.blocks),
                "{:?}",
                body
            );
        }
    }

    /// The label and value read by hand match what the whole regex, as it
    /// was before the split, captures.
    #[test]
    fn bold_labels_read_as_the_whole_regex_reads_them() {
        let whole =
            Regex::new(r"^\s*(?:[-*]\s+)?\*\*([^*]{1,40}?)\s*:?\s*\*\*\s*:?\s*(.+?)\s*$").unwrap();
        let lines = [
            "**Date**: 2024-03-14",
            "**Severity:** SEV-2  ",
            "- **Team**:payments",
            "* **Team** : a : b",
            "**Date**:",
            "**Date**: ",
            "**Date** :  ",
            "**Date**",
            "**Date**   ",
            "**Date**\u{a0}:\u{a0}x\u{a0}",
            "  **Date :**:: x",
            "**Date*** x",
            "****",
            "** **x**",
            "**Impact**: Customers could not pay for **forty** minutes.",
            "**a very long label that goes past forty characters**: x",
            "-**Date**: x",
            "text **Date**: x",
            "**Dé**: é",
        ];
        for line in lines {
            assert_eq!(bold_label(line), whole_regex(&whole, line), "{line:?}");
        }
    }

    fn whole_regex<'a>(whole: &Regex, line: &'a str) -> Option<(&'a str, &'a str)> {
        whole
            .captures(line)
            .map(|c| (c.get(1).unwrap().as_str(), c.get(2).unwrap().as_str()))
    }

    fn trimmed<'a>(found: Option<(&'a str, &'a str)>) -> Option<(&'a str, &'a str)> {
        found.map(|(label, value)| (label, value.trim()))
    }

    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "*",
            "**",
            "-",
            " ",
            "  ",
            "\t",
            "\u{a0}",
            ":",
            "::",
            "Date",
            "é",
            "x",
            "a b",
            "label of twenty chars",
            "_",
        ])
    }

    proptest! {
        #[test]
        fn any_line_reads_as_the_whole_regex(pieces in prop::collection::vec(piece(), 0..12)) {
            let whole =
                Regex::new(r"^\s*(?:[-*]\s+)?\*\*([^*]{1,40}?)\s*:?\s*\*\*\s*:?\s*(.+?)\s*$").unwrap();
            let line = pieces.concat();
            // Values are read trimmed: where nothing but spaces is left,
            // which one space the regex backs off to does not matter.
            prop_assert_eq!(
                trimmed(bold_label(&line)),
                trimmed(whole_regex(&whole, &line)),
                "{:?}",
                line
            );
        }

        #[test]
        fn blank_lines_are_found_as_a_search_for_each_line_feed_finds_them(
            pieces in prop::collection::vec(prop::sample::select(vec!["\n", "\n\n", "a", "é", " ", "\r"]), 0..80)
        ) {
            let text = pieces.concat();
            let bytes = text.as_bytes();
            let expected: Vec<usize> = text
                .match_indices('\n')
                .map(|(at, _)| at)
                .filter(|&at| bytes.get(at + 1) == Some(&b'\n'))
                .collect();
            prop_assert_eq!(blank_lines(bytes), expected);
        }

        #[test]
        fn double_stars_are_found_as_match_indices_finds_them(
            pieces in prop::collection::vec(prop::sample::select(vec!["*", "**", "a", "é", "\n"]), 0..16)
        ) {
            let text = pieces.concat();
            let expected: Vec<usize> = text.match_indices("**").map(|(at, _)| at).collect();
            prop_assert_eq!(double_stars(&text).collect::<Vec<_>>(), expected);
        }
    }

    #[test]
    fn finds_bold_labels_and_stats_lists() {
        let body = "**Date**: 2024-03-14\n**Severity:** SEV-2\n\n## Stats\n\n- Category: Kubernetes\n- Time to detection: 8 minutes\n- Note: not a label\n";
        let doc = parse(
            body,
            &ParseOptions {
                folder: "",
                allow_html: false,
            },
        );
        assert_eq!(doc.labels["date"].0, "2024-03-14");
        assert_eq!(doc.labels["severity"].0, "SEV-2");
        assert_eq!(doc.labels["severity"].1, 21);
        assert_eq!(doc.labels["tags"].0, "Kubernetes");
        assert_eq!(doc.labels["time_to_detect"].0, "8 minutes");
        assert!(!doc.labels.contains_key("note"));
    }
}
