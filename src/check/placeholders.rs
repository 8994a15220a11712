//! Placeholders: template text left in a postmortem — `TODO`, `TBD`,
//! `FIXME`, `<what happened>`, `YYYY-MM-DD`, `HH:MM` — outside code.
//!
//! Input: the file's text with code blanked. Output:
//! `placeholders/unfilled` findings, one per placeholder.

use std::sync::LazyLock;

use regex::Regex;

use super::{Context, Finding};

static WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:TODO|TBD|FIXME|YYYY-MM-DD|yyyy-mm-dd|YYYY|HH:MM(?::SS)?)(?-u:\b)")
        .expect("valid regex")
});
static ANGLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([^<>\n]{1,80})>").expect("valid regex"));

/// Tags that are HTML, not placeholders.
const HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "audio",
    "b",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (range, text) in find(&cx.source.without_code) {
        let hint = match text.as_str() {
            "YYYY-MM-DD" | "yyyy-mm-dd" | "YYYY" => "write the real date, e.g. 2024-03-14",
            t if t.starts_with("HH:MM") => "write the real time, e.g. 14:32",
            _ => "replace it with what really happened, or delete it if it does not apply",
        };
        out.push(cx.finding(
            "placeholders/unfilled",
            range,
            format!("unfilled template placeholder `{text}`"),
            hint,
        ));
    }
}

/// Whether `text` holds a placeholder.
pub(crate) fn contains(text: &str) -> bool {
    !find(text).is_empty()
}

/// Every placeholder in `text`: its byte range and text.
fn find(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut found: Vec<(std::ops::Range<usize>, String)> = WORDS
        .find_iter(text)
        .map(|m| (m.range(), m.as_str().to_string()))
        .collect();
    for c in ANGLE.captures_iter(text) {
        let (whole, inner) = (c.get(0).expect("match"), &c[1]);
        let before = text[..whole.start()].chars().next_back();
        if is_placeholder(inner) && !before.is_some_and(|b| b.is_alphanumeric()) {
            found.push((whole.range(), whole.as_str().to_string()));
        }
    }
    found.sort_by_key(|(range, _)| range.start);
    // `<YYYY-MM-DD>` is one placeholder, not two.
    found.dedup_by(|b, a| b.0.start < a.0.end);
    found
}

fn is_placeholder(inner: &str) -> bool {
    if inner.contains('…') || inner.contains("...") {
        return true;
    }
    let first = inner.chars().next().unwrap_or(' ');
    let last = inner.chars().next_back().unwrap_or(' ');
    if first.is_whitespace()
        || last.is_whitespace()
        || matches!(first, '/' | '!' | '?' | '-' | '=' | '<')
        || matches!(last, '-' | '=' | '/')
        || inner.contains("://")
        || inner.contains('@')
        || inner.contains('=')
        || inner.contains('"')
        || inner.starts_with("mailto:")
        || inner
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return false;
    }
    let tag = inner
        .split([' ', '/'])
        .next()
        .unwrap_or(inner)
        .to_ascii_lowercase();
    !HTML_TAGS.contains(&tag.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        find(text).into_iter().map(|(_, t)| t).collect()
    }

    #[test]
    fn finds_template_text() {
        assert_eq!(
            texts("TODO: fill in. Due <YYYY-MM-DD>, owner <owner>, at HH:MM, <what happened…>"),
            [
                "TODO",
                "<YYYY-MM-DD>",
                "<owner>",
                "HH:MM",
                "<what happened…>"
            ]
        );
    }

    #[test]
    fn leaves_html_links_and_code_alone() {
        assert!(texts("<img src=\"a.png\"> <br/> </b> <https://x.org> <a@b.org>").is_empty());
        assert!(texts("Vec<String> and latency < 200 ms > 100 ms, a <- b -> c").is_empty());
        assert!(texts("todo list and Todoist").is_empty());
        assert!(texts("<!-- a hint -->").is_empty());
    }
}
