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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
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
    // Sized for the body (real postmortems have about one event per 10 to
    // 20 bytes): grown from empty, the list was copied a dozen times.
    let mut events: Vec<(Event, Range<usize>)> = Vec::with_capacity(body.len() / 10 + 16);
    events.extend(Parser::new_ext(body, markdown_options()).into_offset_iter());
    let mut document = Document {
        title: take_title(&mut events),
        ..Document::default()
    };
    let mut anchors = BTreeSet::new();
    for part in sections::split(&events) {
        let slice = &mut events[part.range.clone()];
        let anchor = if part.heading.is_empty() {
            String::new()
        } else {
            unique_anchor(&part.heading, &mut anchors)
        };
        let blocks = blocks::collect(slice);
        let mut text = blocks::plain_text(slice);
        text.shrink_to_fit();
        document.word_count += count_words(&text);
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

/// `text.split_whitespace().count()`, a block of bytes at a time: the
/// character-wise split was a tenth of the Markdown stage. White space
/// outside ASCII (no-break and other Unicode spaces) splits the text into
/// runs whose words are counted byte-wise.
fn count_words(text: &str) -> usize {
    const BLOCK: usize = 32;
    let bytes = text.as_bytes();
    let mut words = 0;
    // Where the run after the last Unicode space starts.
    let mut run = 0;
    for (index, block) in bytes.chunks(BLOCK).enumerate() {
        // Every white space character outside ASCII starts with a byte
        // from 0xC2 on (U+0085 is `C2 85`).
        if !block.iter().fold(false, |any, &b| any | (b >= 0xC2)) {
            continue;
        }
        let start = index * BLOCK;
        for (at, &b) in (start..).zip(block) {
            if b < 0xC2 || at < run {
                continue;
            }
            // A byte from 0xC2 on starts a character.
            let c = text[at..].chars().next().unwrap_or('x');
            if c.is_whitespace() {
                words += ascii_words(&bytes[run..at]);
                run = at + c.len_utf8();
            }
        }
    }
    words + ascii_words(&bytes[run..])
}

/// The words of a text in which only ASCII white space separates them
/// (bytes of other characters are parts of words): the bytes that follow
/// white space, or start the text, and are not white space themselves.
fn ascii_words(bytes: &[u8]) -> usize {
    // `char::is_whitespace` on ASCII: tab to carriage return, and space.
    let space = |b: u8| (b == b' ') | (b.wrapping_sub(b'\t') < 5);
    let Some(&first) = bytes.first() else {
        return 0;
    };
    // Counted in a byte per pair of blocks of up to 255 bytes, which the
    // compiler vectorises (ten times faster than summing into a usize).
    let befores = bytes[..bytes.len() - 1].chunks(255);
    let afters = bytes[1..].chunks(255);
    let starts: usize = befores
        .zip(afters)
        .map(|(befores, afters)| {
            let starts = befores.iter().zip(afters).fold(0u8, |n, (&before, &b)| {
                n + u8::from(space(before) & !space(b))
            });
            usize::from(starts)
        })
        .sum();
    usize::from(!space(first)) + starts
}

/// A heading or label lower-cased, with each run of characters other than
/// letters and digits made one space, and no space at either end: what is
/// compared with the words that recognise sections and labels.
fn lowercase_words(text: &str) -> String {
    let mut words = String::with_capacity(text.len());
    let mut space = false;
    // Lower-cased a character at a time: only a final sigma comes out
    // otherwise than the whole string's `to_lowercase` (σ for ς), and
    // both are letters, which none of those words hold.
    let mut add = |c: char| {
        if c.is_alphanumeric() {
            if space && !words.is_empty() {
                words.push(' ');
            }
            space = false;
            words.push(c);
        } else {
            space = true;
        }
    };
    for c in text.chars() {
        if c.is_ascii() {
            add(c.to_ascii_lowercase());
        } else {
            c.to_lowercase().for_each(&mut add);
        }
    }
    words
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

/// The heading's slug, or the first of `slug-1`, `slug-2`… not yet taken.
/// (An ordered set: no hashing of what authors wrote, and a page's few
/// anchors are found in a handful of comparisons.)
fn unique_anchor(heading: &str, taken: &mut BTreeSet<String>) -> String {
    let base = match slugify(heading) {
        s if s.is_empty() => "section".to_string(),
        s => s,
    };
    let base_len = base.len();
    let mut anchor = base;
    let mut n = 1;
    while taken.contains(&anchor) {
        anchor.truncate(base_len);
        let _ = write!(anchor, "-{n}");
        n += 1;
    }
    taken.insert(anchor.clone());
    anchor
}

/// Renders a section's events to HTML: heading anchors, links between
/// postmortems, Mermaid diagrams, and sanitised raw HTML. The events are
/// moved out of `slice` into the writer as they are read (the section is
/// not read again), rather than copied into a list of their own.
fn render<'e>(
    slice: &mut [(Event<'e>, Range<usize>)],
    options: &ParseOptions,
    anchors: &mut BTreeSet<String>,
    document: &mut Document,
) -> String {
    // About the section's own source length (its events' offsets are into
    // the whole body); the HTML is kept for the whole build, so it is
    // trimmed to its length once written.
    let span = match (slice.first(), slice.last()) {
        (Some((_, first)), Some((_, last))) => last.end.saturating_sub(first.start),
        _ => 0,
    };
    let mut rendered = String::with_capacity(span * 3 / 2);
    let mut events = Rendered {
        slice,
        next: 0,
        heading: None,
        options,
        anchors,
        document,
        has_raw_html: false,
    };
    html::push_html(&mut rendered, &mut events);
    if events.has_raw_html {
        events.document.has_raw_html = true;
        if !options.allow_html {
            rendered = sanitize(&rendered);
        }
    }
    rendered.shrink_to_fit();
    rendered
}

/// The events of a section as rendered, taken one by one from the parsed
/// ones.
struct Rendered<'s, 'e, 'a> {
    slice: &'s mut [(Event<'e>, Range<usize>)],
    /// The next event of `slice` to read.
    next: usize,
    /// Inside a heading: the index of its end, its level, and its anchor
    /// link (taken once written, before the end).
    heading: Option<(usize, HeadingLevel, Option<String>)>,
    options: &'a ParseOptions<'a>,
    anchors: &'a mut BTreeSet<String>,
    document: &'a mut Document,
    has_raw_html: bool,
}

impl<'e> Rendered<'_, 'e, '_> {
    /// Moves the event at `i` out of the slice.
    fn take(&mut self, i: usize) -> Event<'e> {
        std::mem::replace(&mut self.slice[i].0, Event::SoftBreak)
    }
}

impl<'e> Iterator for Rendered<'_, 'e, '_> {
    type Item = Event<'e>;

    fn next(&mut self) -> Option<Event<'e>> {
        let i = self.next;
        // A heading's own events are written as they are; its anchor link
        // and end follow them.
        if let Some((end, level, link)) = &mut self.heading {
            if i < *end {
                self.next += 1;
                return Some(self.take(i));
            }
            if let Some(link) = link.take() {
                return Some(Event::InlineHtml(CowStr::from(link)));
            }
            let level = *level;
            self.heading = None;
            self.next = i + 1;
            return Some(Event::End(TagEnd::Heading(level)));
        }
        let (event, range) = self.slice.get(i)?;
        let event = match event {
            Event::Start(Tag::Heading { .. }) => {
                let end = find_end(self.slice, i);
                let text = blocks::plain_text(&self.slice[i + 1..end]);
                let anchor = unique_anchor(&text, self.anchors);
                let Event::Start(Tag::Heading {
                    level,
                    classes,
                    attrs,
                    ..
                }) = self.take(i)
                else {
                    unreachable!("the event is a heading's start")
                };
                let link = format!(
                    " <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this section\">#</a>"
                );
                self.heading = Some((end, level, Some(link)));
                Event::Start(Tag::Heading {
                    level,
                    id: Some(CowStr::from(anchor)),
                    classes,
                    attrs,
                })
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
                if lang.as_ref() == "mermaid" =>
            {
                let end = find_end(self.slice, i);
                let source: String = self.slice[i + 1..end]
                    .iter()
                    .filter_map(|(e, _)| match e {
                        Event::Text(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let mut escaped = String::new();
                let _ = pulldown_cmark_escape::escape_html(&mut escaped, &source);
                self.document.has_mermaid = true;
                self.next = end + 1;
                return Some(Event::Html(CowStr::from(format!(
                    "<pre class=\"mermaid\">{escaped}</pre>\n"
                ))));
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                let start = range.start;
                let resolved = resolve_incident_link(self.options.folder, dest_url);
                let Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) = self.take(i)
                else {
                    unreachable!("the event is a link's start")
                };
                let dest_url = match resolved {
                    Some((target, fragment)) => {
                        let dest = format!("{INCIDENT_LINK_MARKER}{target}{fragment}");
                        self.document.incident_links.push((target, start));
                        CowStr::from(dest)
                    }
                    None => dest_url,
                };
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                self.has_raw_html = true;
                self.take(i)
            }
            _ => self.take(i),
        };
        self.next = i + 1;
        Some(event)
    }
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
    use proptest::prelude::*;

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

    proptest! {
        /// The words are those of the lower-cased text with every
        /// character other than a letter or digit made a space, as they
        /// were found before (but for a final sigma, ς for σ).
        #[test]
        fn lowercase_words_are_found_as_before(
            pieces in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(vec![
                        "Date", "TL;DR", "Time", " ", "  ", "-", "_", ":", "é", "İ", "ΣΑΣ", "Σ",
                        "ς", "\u{a0}", "3", "٣", "ǅ", "ﬀ",
                    ])
                    .prop_map(str::to_string),
                    "\\PC{1,2}",
                ],
                0..8,
            )
        ) {
            let text = pieces.concat();
            let before: String = text
                .to_lowercase()
                .chars()
                .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                .collect();
            let before = before.split_whitespace().collect::<Vec<_>>().join(" ");
            prop_assert_eq!(
                lowercase_words(&text).replace('ς', "σ"),
                before.replace('ς', "σ"),
                "{:?}",
                text
            );
        }

        #[test]
        fn words_are_counted_as_split_whitespace_counts_them(
            pieces in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(vec![
                        "a", "word", " ", "  ", "\t", "\n", "\r\n", "\x0B", "\x0C", "\x1F", "é",
                        "—", "\u{85}", "\u{a0}", "\u{1680}", "\u{2003}", "\u{2028}", "\u{202F}",
                        "\u{205F}", "\u{3000}", "\u{200B}", "日本",
                    ])
                    .prop_map(str::to_string),
                    "\\PC{1,3}",
                ],
                0..40,
            )
        ) {
            let text = pieces.concat();
            prop_assert_eq!(count_words(&text), text.split_whitespace().count(), "{:?}", text);
        }
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
