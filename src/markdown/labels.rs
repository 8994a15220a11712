//! Body metadata: archives without front matter put it in the body as bold
//! labels (`**Date**: 2024-03-14`), `Key: value` list items (a "Stats"
//! list) or two-column tables. This finds the labels Casebook understands.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::blocks::Block;

static BOLD_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[-*]\s+)?\*\*([^*]{1,40}?)\s*:?\s*\*\*\s*:?\s*(.+?)\s*$")
        .expect("valid regex")
});
static PLAIN_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z][A-Za-z /()-]{0,40}?)\s*:\s+(.+)$").expect("valid regex")
});

/// Finds known labels; the first occurrence of each wins. Values keep their
/// byte offset in the body for diagnostics.
pub fn collect(body: &str, sections: &[Vec<Block>]) -> BTreeMap<String, (String, usize)> {
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
            Block::Paragraph { offset, .. } | Block::Item { offset, .. } => {
                let source = paragraph_source(body, *offset);
                let mut line_offset = *offset;
                for line in source.lines() {
                    if let Some(c) = BOLD_LABEL.captures(line) {
                        add(&c[1], &c[2], line_offset);
                    } else if let Block::Item { text, .. } = block
                        && let Some(c) = PLAIN_LABEL.captures(text)
                    {
                        add(&c[1], &c[2], line_offset);
                        break;
                    }
                    line_offset += line.len() + 1;
                }
            }
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

/// The source of a paragraph or item: from its start to the next blank line.
fn paragraph_source(body: &str, offset: usize) -> &str {
    let rest = body.get(offset..).unwrap_or("");
    let end = rest.find("\n\n").unwrap_or(rest.len());
    &rest[..end]
}

/// Maps the many ways of naming a field to Casebook's field names.
fn canonical(label: &str) -> Option<&'static str> {
    let normalised: String = label
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let normalised = normalised.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match normalised.as_str() {
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
    use crate::markdown::{ParseOptions, parse};

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
