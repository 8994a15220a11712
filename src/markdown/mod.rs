//! Markdown: parses a postmortem's body once (pulldown-cmark) into sections
//! with rendered HTML, plus the raw material for the timeline, the action
//! items, body metadata and links between postmortems.
//!
//! Input: the body text and where the file sits. Output: a [`Document`].
//! Nothing here knows about front matter or the configuration beyond the
//! options passed in.

pub mod actions;
mod blocks;
mod labels;
mod sections;
mod time_prefix;
pub mod timeline;

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html,
};

use crate::incident::Section;
use crate::slug::slugify;
pub use blocks::Block;
pub use sections::classify_heading;

/// Prefix marking a link to another postmortem in rendered HTML; the archive
/// stage replaces it with the target's URL once every id is known.
pub const INCIDENT_LINK_MARKER: &str = "casebook-incident:";

/// What parsing a body produced.
#[derive(Debug, Default)]
pub struct Document {
    /// Text of a level-1 heading that opens the body, taken as the title.
    pub title: Option<String>,
    pub sections: Vec<Section>,
    /// Structural blocks of each section (same order as `sections`).
    pub blocks: Vec<Vec<Block>>,
    /// `**Label**: value` metadata found in the body, by normalised label,
    /// with its byte offset in the body.
    pub labels: BTreeMap<String, (String, usize)>,
    /// Relative links to other Markdown files, resolved against the file's
    /// folder: (target path within content, byte offset in the body).
    pub incident_links: Vec<(String, usize)>,
    pub has_mermaid: bool,
    pub has_raw_html: bool,
    pub word_count: usize,
}

/// How to parse one body.
pub struct ParseOptions<'a> {
    /// The file's folder relative to the content folder, for resolving links.
    pub folder: &'a str,
    /// Keep raw HTML as written; otherwise it is sanitised.
    pub allow_html: bool,
}

fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Parses a body into a [`Document`].
pub fn parse(body: &str, options: &ParseOptions) -> Document {
    let mut events: Vec<(Event, Range<usize>)> = Parser::new_ext(body, markdown_options())
        .into_offset_iter()
        .collect();
    let mut document = Document {
        title: take_title(&mut events),
        ..Document::default()
    };
    let mut anchors = HashSet::new();
    for part in sections::split(&events) {
        let slice = &events[part.range.clone()];
        let anchor = if part.heading.is_empty() {
            String::new()
        } else {
            unique_anchor(&part.heading, &mut anchors)
        };
        let blocks = blocks::collect(slice);
        let mut text = blocks::plain_text(slice);
        text.shrink_to_fit();
        document.word_count += text.split_whitespace().count();
        let html = render(slice, options, &mut anchors, &mut document);
        document.sections.push(Section {
            kind: part.kind,
            heading: part.heading,
            anchor,
            html,
            text,
        });
        document.blocks.push(blocks);
    }
    document.labels = labels::collect(body, &document.blocks);
    document
}

/// Removes a level-1 heading that opens the document and returns its text.
fn take_title(events: &mut Vec<(Event, Range<usize>)>) -> Option<String> {
    let is_h1 = matches!(
        events.first(),
        Some((
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }),
            _
        ))
    );
    if !is_h1 {
        return None;
    }
    let end = events
        .iter()
        .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))?;
    let title = blocks::plain_text(&events[1..end]).trim().to_string();
    events.drain(..=end);
    (!title.is_empty()).then_some(title)
}

fn unique_anchor(heading: &str, taken: &mut HashSet<String>) -> String {
    let base = match slugify(heading) {
        s if s.is_empty() => "section".to_string(),
        s => s,
    };
    let mut anchor = base.clone();
    let mut n = 1;
    while !taken.insert(anchor.clone()) {
        anchor = format!("{base}-{n}");
        n += 1;
    }
    anchor
}

/// Renders a section's events to HTML: heading anchors, links between
/// postmortems, Mermaid diagrams, and sanitised raw HTML.
fn render(
    slice: &[(Event, Range<usize>)],
    options: &ParseOptions,
    anchors: &mut HashSet<String>,
    document: &mut Document,
) -> String {
    let mut out: Vec<Event> = Vec::with_capacity(slice.len());
    let mut has_raw_html = false;
    let mut i = 0;
    while i < slice.len() {
        let (event, range) = &slice[i];
        match event {
            Event::Start(Tag::Heading {
                level,
                classes,
                attrs,
                ..
            }) => {
                let end = find_end(slice, i);
                let text = blocks::plain_text(&slice[i + 1..end]);
                let anchor = unique_anchor(&text, anchors);
                out.push(Event::Start(Tag::Heading {
                    level: *level,
                    id: Some(CowStr::from(anchor.clone())),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
                out.extend(slice[i + 1..end].iter().map(|(e, _)| e.clone()));
                out.push(Event::InlineHtml(CowStr::from(format!(
                    " <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this section\">#</a>"
                ))));
                out.push(Event::End(TagEnd::Heading(*level)));
                i = end + 1;
                continue;
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
                if lang.as_ref() == "mermaid" =>
            {
                let end = find_end(slice, i);
                let source: String = slice[i + 1..end]
                    .iter()
                    .filter_map(|(e, _)| match e {
                        Event::Text(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let mut escaped = String::new();
                let _ = pulldown_cmark_escape::escape_html(&mut escaped, &source);
                out.push(Event::Html(CowStr::from(format!(
                    "<pre class=\"mermaid\">{escaped}</pre>\n"
                ))));
                document.has_mermaid = true;
                i = end + 1;
                continue;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = match resolve_incident_link(options.folder, dest_url) {
                    Some((target, fragment)) => {
                        document.incident_links.push((target.clone(), range.start));
                        CowStr::from(format!("{INCIDENT_LINK_MARKER}{target}{fragment}"))
                    }
                    None => dest_url.clone(),
                };
                out.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: dest,
                    title: title.clone(),
                    id: id.clone(),
                }));
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                has_raw_html = true;
                out.push(event.clone());
            }
            _ => out.push(event.clone()),
        }
        i += 1;
    }
    // About the section's own source length (its events' offsets are into
    // the whole body); the HTML is kept for the whole build, so it is
    // trimmed to its length once written.
    let span = match (slice.first(), slice.last()) {
        (Some((_, first)), Some((_, last))) => last.end.saturating_sub(first.start),
        _ => 0,
    };
    let mut rendered = String::with_capacity(span * 3 / 2);
    html::push_html(&mut rendered, out.into_iter());
    if has_raw_html {
        document.has_raw_html = true;
        if !options.allow_html {
            rendered = sanitize(&rendered);
        }
    }
    rendered.shrink_to_fit();
    rendered
}

/// Index of the event closing the tag opened at `start`.
fn find_end(slice: &[(Event, Range<usize>)], start: usize) -> usize {
    let mut depth = 0usize;
    for (offset, (event, _)) in slice[start..].iter().enumerate() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return start + offset;
                }
            }
            _ => {}
        }
    }
    slice.len() - 1
}

/// Resolves a relative link to a Markdown file (`../2024/db.md#timeline`)
/// to its path within the content folder and the fragment.
fn resolve_incident_link(folder: &str, dest: &str) -> Option<(String, String)> {
    if dest.contains("://")
        || dest.starts_with('/')
        || dest.starts_with('#')
        || dest.starts_with("mailto:")
    {
        return None;
    }
    let (path, fragment) = match dest.find('#') {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    };
    let path = path.replace("%20", " ");
    let lower = path.to_ascii_lowercase();
    if !(lower.ends_with(".md") || lower.ends_with(".markdown")) {
        return None;
    }
    let mut parts: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    Some((parts.join("/"), fragment.to_string()))
}

/// Cleans raw HTML from Markdown: keeps formatting, images and the ids and
/// classes Casebook itself adds; drops scripts, styles and event handlers.
fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .add_generic_attributes(["id", "class", "align"])
        .add_tag_attributes("img", ["width", "height", "loading"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tags(["input", "details", "summary", "figure", "figcaption"])
        .add_url_schemes([INCIDENT_LINK_MARKER.trim_end_matches(':')])
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::SectionKind;

    fn parse_body(body: &str) -> Document {
        parse(
            body,
            &ParseOptions {
                folder: "2024",
                allow_html: false,
            },
        )
    }

    #[test]
    fn opening_h1_is_the_title() {
        let doc = parse_body("# Big outage\n\n## Summary\n\nIt broke.\n");
        assert_eq!(doc.title.as_deref(), Some("Big outage"));
        assert_eq!(doc.sections.len(), 1);
        assert_eq!(doc.sections[0].kind, SectionKind::Summary);
        assert_eq!(doc.sections[0].text.trim(), "It broke.");
    }

    #[test]
    fn links_to_postmortems_are_resolved() {
        let doc =
            parse_body("See [before](../2023/pool.md#timeline) and [web](https://x.org/a.md).");
        assert_eq!(doc.incident_links.len(), 1);
        assert_eq!(doc.incident_links[0].0, "2023/pool.md");
        assert!(
            doc.sections[0]
                .html
                .contains("casebook-incident:2023/pool.md#timeline")
        );
        assert!(doc.sections[0].html.contains("https://x.org/a.md"));
    }

    #[test]
    fn mermaid_blocks_become_diagrams() {
        let doc = parse_body("```mermaid\ngraph TD; A-->B\n```\n");
        assert!(doc.has_mermaid);
        assert!(
            doc.sections[0]
                .html
                .contains("<pre class=\"mermaid\">graph TD; A--&gt;B")
        );
    }

    #[test]
    fn raw_html_is_sanitised_unless_allowed() {
        let body = "Hi <script>alert(1)</script><b onclick=\"x()\">bold</b>\n";
        let doc = parse_body(body);
        assert!(!doc.sections[0].html.contains("<script"));
        assert!(!doc.sections[0].html.contains("onclick"));
        assert!(doc.sections[0].html.contains("<b>bold</b>"));
        let allowed = parse(
            body,
            &ParseOptions {
                folder: "",
                allow_html: true,
            },
        );
        assert!(allowed.sections[0].html.contains("<script>"));
    }

    #[test]
    fn subheadings_get_anchors() {
        let doc = parse_body("## Timeline\n\n### Day one\n\ntext\n");
        assert!(
            doc.sections[0].html.contains("id=\"day-one\""),
            "{}",
            doc.sections[0].html
        );
        assert_eq!(doc.sections[0].anchor, "timeline");
    }

    #[test]
    fn template_syntax_is_plain_text() {
        let doc = parse_body("Value {{ config.secret }} and {% raw %}\n");
        assert!(doc.sections[0].html.contains("{{ config.secret }}"));
    }
}
