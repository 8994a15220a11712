//! Source: a postmortem's file text, re-read for checking, with the views
//! the rules search and the way back from a byte offset to line and column.
//!
//! Input: the file's text. Output: a [`Source`] holding the front matter's
//! place and keys, the code and markup ranges of the body (one
//! pulldown-cmark pass), a `prose` view with code, HTML, URLs and markup
//! blanked out byte for byte (so offsets into it are offsets into the
//! file), and the sentence-like segments the language rules read.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};

use gray_matter::Pod;
use gray_matter::engine::{Engine, YAML};
use pulldown_cmark::{Event, Options, Parser, Tag};
use regex::Regex;

use crate::diagnostics::{Diagnostic, Level, Position};

use super::Finding;

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u:\b)[a-zA-Z][a-zA-Z0-9+.-]*://[^\s<>()\[\]"'`]+"#).expect("valid regex")
});
static LINK_DEFINITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^ {0,3}\[[^\]\n]+\]:[ \t]*\S.*$").expect("valid regex"));
static SENTENCE_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"[.!?;]+["'”’)\]]*\s"#).expect("valid regex"));

/// One postmortem file, ready for the rules.
pub struct Source {
    /// Path relative to the archive root, as diagnostics name it.
    pub path: PathBuf,
    pub text: String,
    /// Where each line starts, found on the first position asked for (the
    /// build's secret scan rarely needs one).
    line_starts: OnceLock<Vec<usize>>,
    /// Byte range of the YAML between the fences, if the file has front matter.
    pub yaml: Option<Range<usize>>,
    /// Where the Markdown body starts.
    pub body_offset: usize,
    /// Top-level front-matter keys and the byte offset of their line.
    pub fields: BTreeMap<String, usize>,
    /// `check: { allow: […] }` from the front matter.
    pub allow: Vec<String>,
    /// Fenced and indented code blocks and inline code spans, in order.
    pub code: Vec<Range<usize>>,
    /// The text with front-matter keys and comments and code blanked.
    pub without_code: String,
    /// `without_code` with HTML, link targets, URLs and markup also blanked:
    /// the words a reader reads, at their original offsets.
    pub prose: String,
    /// Sentence-like pieces of `prose`: split at blocks, table cells, list
    /// items, front-matter lines and sentence punctuation.
    pub segments: Vec<Range<usize>>,
    /// Headings of the body in order.
    pub headings: Vec<Heading>,
}

/// A heading of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// The heading as written, without `#` markers.
    pub text: String,
    /// 1 for `#`, 2 for `##`…
    pub level: usize,
    /// The byte range of the heading's line.
    pub line: Range<usize>,
}

impl Source {
    /// Reads `root/path`.
    pub fn read(root: &Path, path: &Path) -> std::io::Result<Source> {
        let bytes = std::fs::read(root.join(path))?;
        let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes);
        let text = String::from_utf8_lossy(bytes).into_owned();
        Ok(Source::new(path, text))
    }

    /// Reads a file for the build's secret scan, which needs only the text,
    /// the front matter's `allow` and the code spans: the prose views that
    /// the other rules read are left empty, a third of the cost. The body
    /// is not even parsed for its code spans unless the text holds a token
    /// the code-span rule could report ([`super::secrets::may_report_code`]),
    /// which most postmortems do not.
    pub fn read_for_secrets(root: &Path, path: &Path) -> std::io::Result<Source> {
        Ok(Source::for_secrets(path, &std::fs::read(root.join(path))?))
    }

    /// [`Source::read_for_secrets`] of a file whose bytes are in hand.
    pub fn for_secrets(path: &Path, bytes: &[u8]) -> Source {
        let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        // Checked whole first: the lossy decoding walks valid text several
        // times slower, and postmortems are valid UTF-8 nearly always.
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        };
        let body = super::secrets::may_report_code(&text);
        Source::prepare(path, text, false, body)
    }

    /// Prepares `text`, the content of the file at `path`.
    pub fn new(path: &Path, text: String) -> Source {
        Source::prepare(path, text, true, true)
    }

    /// With `body`, the body is parsed for its code spans and headings;
    /// with `prose` too, the prose views are built.
    fn prepare(path: &Path, text: String, prose: bool, body: bool) -> Source {
        let (yaml, body_offset) = split_front_matter(&text);
        let mut source = Source {
            path: path.to_path_buf(),
            line_starts: OnceLock::new(),
            yaml,
            body_offset,
            fields: BTreeMap::new(),
            allow: Vec::new(),
            code: Vec::new(),
            without_code: String::new(),
            prose: String::new(),
            segments: Vec::new(),
            headings: Vec::new(),
            text,
        };
        source.read_front_matter();
        if body {
            source.read_body(prose);
        }
        source
    }

    fn read_front_matter(&mut self) {
        let Some(yaml) = self.yaml.clone() else {
            return;
        };
        let mut offset = yaml.start;
        for line in self.text[yaml.clone()].split_inclusive('\n') {
            if !line.starts_with([' ', '\t', '-', '#'])
                && let Some((key, _)) = line.split_once(':')
            {
                let key = key.trim().trim_matches(['"', '\'']).to_string();
                self.fields.entry(key).or_insert(offset);
            }
            offset += line.len();
        }
        if !self.fields.contains_key("check") {
            return;
        }
        if let Ok(Pod::Hash(map)) = YAML::parse(&self.text[yaml])
            && let Some(Pod::Hash(check)) = map.get("check")
        {
            self.allow = match check.get("allow") {
                Some(Pod::Array(items)) => items
                    .iter()
                    .filter_map(|p| match p {
                        Pod::String(s) => Some(s.trim().to_string()),
                        _ => None,
                    })
                    .collect(),
                Some(Pod::String(s)) => s.split(',').map(|s| s.trim().to_string()).collect(),
                _ => Vec::new(),
            };
        }
    }

    fn read_body(&mut self, prose: bool) {
        let mut blank: Vec<Range<usize>> = Vec::new();
        let mut markup: Vec<Range<usize>> = Vec::new();
        let mut boundaries: Vec<usize> = vec![0, self.body_offset, self.text.len()];
        if let Some(yaml) = &self.yaml {
            // Fences, keys and comments are not prose; values are.
            blank.push(0..yaml.start);
            blank.push(yaml.end..self.body_offset);
            let mut offset = yaml.start;
            for line in self.text[yaml.clone()].split_inclusive('\n') {
                boundaries.push(offset);
                let trimmed = line.trim_start();
                if trimmed.starts_with('#') {
                    blank.push(offset..offset + line.len());
                } else if !line.starts_with([' ', '\t', '-'])
                    && let Some(colon) = line.find(':')
                {
                    blank.push(offset..offset + colon + 1);
                }
                offset += line.len();
            }
        }
        let body = &self.text[self.body_offset..];
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS;
        let base = self.body_offset;
        for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
            let range = range.start + base..range.end + base;
            match event {
                Event::Start(Tag::CodeBlock(_)) | Event::Code(_) => {
                    self.code.push(range.clone());
                    boundaries.extend([range.start, range.end]);
                }
                Event::Html(_) | Event::InlineHtml(_) => markup.push(range),
                Event::Start(Tag::Image { .. }) => markup.push(range),
                Event::Start(Tag::Link { .. }) => {
                    let source = &self.text[range.clone()];
                    if source.starts_with('<') {
                        markup.push(range);
                    } else if source.ends_with(')')
                        && let Some(at) = source.rfind("](")
                    {
                        markup.push(range.start + at..range.end);
                    }
                }
                Event::Start(Tag::Heading { level, .. }) => {
                    let line = self.line_range(range.start);
                    let text = self.text[range.clone()]
                        .trim()
                        .trim_start_matches('#')
                        .trim()
                        .trim_end_matches('#')
                        .trim()
                        .to_string();
                    self.headings.push(Heading {
                        text,
                        level: level as usize,
                        line,
                    });
                    boundaries.extend([range.start, range.end]);
                }
                Event::Start(
                    Tag::Paragraph
                    | Tag::Item
                    | Tag::TableCell
                    | Tag::BlockQuote(_)
                    | Tag::List(_)
                    | Tag::FootnoteDefinition(_),
                ) => boundaries.extend([range.start, range.end]),
                _ => {}
            }
        }
        self.code.sort_by_key(|r| r.start);
        if !prose {
            return;
        }
        let mut without_code = self.text.clone().into_bytes();
        for range in blank.iter().chain(&self.code) {
            blank_bytes(&mut without_code, range.clone());
        }
        let mut prose = without_code.clone();
        for range in &markup {
            blank_bytes(&mut prose, range.clone());
        }
        for found in URL.find_iter(&self.text) {
            blank_bytes(&mut prose, found.range());
        }
        for found in LINK_DEFINITION.find_iter(body) {
            blank_bytes(&mut prose, found.start() + base..found.end() + base);
        }
        blank_markup(&mut prose);
        self.without_code = into_string(without_code);
        self.prose = into_string(prose);
        boundaries.sort_unstable();
        boundaries.dedup();
        self.segments = segments(&self.prose, &boundaries);
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        crate::diagnostics::position_at(&self.text, self.line_starts(), offset)
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts
            .get_or_init(|| crate::diagnostics::line_starts(&self.text))
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts()
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The range of the line holding `offset`, without its line break.
    pub fn line_range(&self, offset: usize) -> Range<usize> {
        let line = self.position(offset).line;
        let start = self.line_start(line);
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let end = if self.text[..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        start..end
    }

    /// Whether `offset` is inside code.
    pub fn in_code(&self, offset: usize) -> bool {
        let i = self.code.partition_point(|r| r.start <= offset);
        i > 0 && self.code[i - 1].contains(&offset)
    }

    /// Whether `offset` is inside the front matter.
    pub fn in_front_matter(&self, offset: usize) -> bool {
        offset < self.body_offset
    }

    /// The byte range of a front-matter field's value (its whole line when
    /// the value is not on it), or the top of the file.
    pub fn field(&self, key: &str) -> Range<usize> {
        let Some(&start) = self.fields.get(key) else {
            return 0..0;
        };
        let line = self.line_range(start);
        let text = &self.text[line.clone()];
        match text.find(':') {
            Some(colon) => {
                let value = &text[colon + 1..];
                let lead = value.len() - value.trim_start().len();
                let value_start = line.start + colon + 1 + lead;
                let value_end = line.start + colon + 1 + value.trim_end().len();
                if value_start < value_end {
                    value_start..value_end
                } else {
                    line
                }
            }
            None => line,
        }
    }

    /// The first occurrence of `needle` at or after line `line`, within
    /// `lines` lines; used to place action items and other parsed values.
    pub fn find_from_line(&self, line: usize, lines: usize, needle: &str) -> Option<Range<usize>> {
        let needle = needle.trim();
        if needle.is_empty() {
            return None;
        }
        let start = self.line_start(line.max(1));
        let end = self.line_start(line.max(1) + lines);
        let window = &self.text[start..end.max(start)];
        window
            .find(needle)
            .map(|i| start + i..start + i + needle.len())
            .or_else(|| {
                // Markup inside the text (`code`, **bold**): from its first
                // word to its last.
                let word = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
                let first = needle
                    .split_whitespace()
                    .map(word)
                    .find(|w| !w.is_empty())?;
                let last = needle
                    .split_whitespace()
                    .map(word)
                    .rfind(|w| !w.is_empty())?;
                let from = window.find(first.as_str())?;
                let mut line_end = window[from..].find('\n').map_or(window.len(), |i| from + i);
                let line_start = window[..from].rfind('\n').map_or(0, |i| i + 1);
                if window[line_start..from].trim_start().starts_with('|') {
                    // A table cell ends at the next pipe.
                    line_end = window[from..line_end]
                        .find('|')
                        .map_or(line_end, |i| from + i);
                }
                let to = window[from..line_end]
                    .rfind(last.as_str())
                    .map_or(from + first.len(), |i| from + i + last.len());
                Some(start + from..start + to)
            })
    }

    /// The line of a body heading whose text is `heading`.
    pub fn heading(&self, heading: &str) -> Option<Range<usize>> {
        self.headings
            .iter()
            .find(|h| h.text == heading)
            .or_else(|| self.headings.iter().find(|h| h.text.contains(heading)))
            .map(|h| h.line.clone())
    }

    /// Where the heading a parsed section came from is in `headings`: the
    /// same text, or else the first heading that contains it.
    pub fn heading_of(&self, section_heading: &str) -> Option<usize> {
        self.headings
            .iter()
            .position(|h| h.text == section_heading || h.text.contains(section_heading))
    }

    /// The body under the heading at `index` in `headings`, up to the next
    /// heading of the same or a higher level.
    pub fn under_heading(&self, index: usize) -> Range<usize> {
        let Some(heading) = self.headings.get(index) else {
            return self.text.len()..self.text.len();
        };
        let end = self.headings[index + 1..]
            .iter()
            .find(|h| h.level <= heading.level)
            .map_or(self.text.len(), |h| h.line.start);
        heading.line.end.min(end)..end
    }

    /// A finding of `rule` at byte range `at`.
    pub fn finding(
        &self,
        rule: &'static str,
        level: Level,
        at: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Finding {
        let start = self.position(at.start);
        let end_column = if at.end > at.start {
            let line = self.line_range(at.start);
            let end = at.end.min(line.end).max(at.start);
            start.column + self.text[at.start..end].chars().count()
        } else {
            0
        };
        let diagnostic = Diagnostic {
            path: self.path.clone(),
            line: start.line,
            column: start.column,
            level,
            rule,
            message: message.into(),
            hint: Some(hint.into()),
        };
        Finding {
            diagnostic,
            end_column,
        }
    }
}

/// Finds the YAML between `---` fences the way the content stage does:
/// the YAML's range and where the body starts.
fn split_front_matter(text: &str) -> (Option<Range<usize>>, usize) {
    let Some(rest) = text.strip_prefix("---") else {
        return (None, 0);
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    let Some(after) = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))
    else {
        return (None, 0);
    };
    let yaml_start = text.len() - after.len();
    let mut offset = yaml_start;
    for line in after.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return (Some(yaml_start..offset), offset + line.len());
        }
        offset += line.len();
    }
    (None, 0)
}

/// Replaces the bytes of `range` with spaces, keeping line breaks, so
/// offsets stay the same and the text stays valid UTF-8 (ranges start and
/// end on character boundaries).
fn blank_bytes(bytes: &mut [u8], range: Range<usize>) {
    let end = range.end.min(bytes.len());
    for b in &mut bytes[range.start.min(end)..end] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

/// Blanks emphasis, heading, quote and table markers, and escapes.
fn blank_markup(bytes: &mut [u8]) {
    let mut line_start = true;
    for i in 0..bytes.len() {
        let b = bytes[i];
        let between_words = |bytes: &[u8]| {
            i > 0
                && i + 1 < bytes.len()
                && bytes[i - 1].is_ascii_alphanumeric()
                && bytes[i + 1].is_ascii_alphanumeric()
        };
        match b {
            b'*' | b'~' | b'|' | b'\\' | b'[' | b']' => bytes[i] = b' ',
            b'_' if !between_words(bytes) => bytes[i] = b' ',
            b'#' | b'>' if line_start => bytes[i] = b' ',
            b'-' | b'+' if line_start && bytes.get(i + 1) == Some(&b' ') => bytes[i] = b' ',
            _ => {}
        }
        if b == b'\n' {
            line_start = true;
        } else if !matches!(bytes[i], b' ' | b'\t' | b'#' | b'>') {
            line_start = false;
        }
    }
}

fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Splits prose into sentence-like pieces: between block boundaries, then
/// at sentence punctuation followed by a space.
fn segments(prose: &str, boundaries: &[usize]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for pair in boundaries.windows(2) {
        let (start, end) = (pair[0], pair[1].min(prose.len()));
        if start >= end || !prose.is_char_boundary(start) || !prose.is_char_boundary(end) {
            continue;
        }
        let piece = &prose[start..end];
        let mut from = 0;
        // A blank line also ends a sentence (a paragraph inside an item).
        let cuts = SENTENCE_END
            .find_iter(piece)
            .map(|m| m.end())
            .chain(piece.match_indices("\n\n").map(|(i, _)| i + 1))
            .chain([piece.len()]);
        let mut cuts: Vec<usize> = cuts.collect();
        cuts.sort_unstable();
        for cut in cuts {
            if cut <= from {
                continue;
            }
            let sentence = &piece[from..cut];
            if sentence.chars().any(char::is_alphanumeric) {
                let lead = sentence.len() - sentence.trim_start().len();
                let trail = sentence.len() - sentence.trim_end().len();
                out.push(start + from + lead..start + cut - trail);
            }
            from = cut;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        Source::new(Path::new("content/a.md"), text.to_string())
    }

    #[test]
    fn front_matter_keys_and_allow() {
        let s =
            source("---\ntitle: A\ncheck: { allow: [blameless, secrets/aws-key] }\n---\n\nBody\n");
        assert_eq!(s.allow, ["blameless", "secrets/aws-key"]);
        assert_eq!(s.position(s.fields["check"]).line, 3);
        assert_eq!(&s.text[s.field("title")], "A");
        assert_eq!(&s.text[s.body_offset..], "\nBody\n");
    }

    #[test]
    fn prose_blanks_code_urls_and_markup_in_place() {
        let text = "---\ntitle: X\n---\n## Summary\n\n**Ana** ran `rm -rf` see [docs](https://x.org/a) <b>hi</b>.\n\n```\nsecret\n```\n";
        let s = source(text);
        assert_eq!(s.prose.len(), text.len());
        assert!(s.prose.contains("  Ana   ran"));
        assert!(!s.prose.contains("rm -rf"));
        assert!(!s.prose.contains("x.org"));
        assert!(!s.prose.contains("secret"));
        assert!(!s.prose.contains("title"));
        assert!(s.prose.contains(" X"));
        assert!(s.in_code(text.find("secret").unwrap()));
        assert_eq!(s.headings[0].text, "Summary");
        assert_eq!(s.headings[0].level, 2);
    }

    #[test]
    fn segments_split_items_cells_and_sentences() {
        let s = source("- one thing. Two things\n- three\n\n| a | b |\n|---|---|\n| c | d |\n");
        let pieces: Vec<&str> = s.segments.iter().map(|r| &s.prose[r.clone()]).collect();
        assert_eq!(
            pieces,
            ["one thing.", "Two things", "three", "a", "b", "c", "d"]
        );
    }

    #[test]
    fn positions_count_characters() {
        let s = source("é\nab c");
        assert_eq!(s.position(5), Position::new(2, 3));
        let f = s.finding("x/y", Level::Warning, 3..5, "m", "h");
        assert_eq!(
            (f.diagnostic.line, f.diagnostic.column, f.end_column),
            (2, 1, 3)
        );
    }
}
