//! Front matter: splits the YAML block between `---` fences from the body and
//! parses it (yaml-rust2, the YAML parser behind gray_matter, used directly)
//! into a JSON-like map.
//!
//! Input: a file's text. Output: the fields, the line each field starts on,
//! and the body with its byte offset, so later diagnostics point at the
//! right line of the original file.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use crate::diagnostics::{Diagnostic, LineIndex, Position};

/// A file split into its front matter and Markdown body.
#[derive(Debug, Default)]
pub struct Split<'a> {
    /// Parsed fields; empty when the file has no front matter.
    pub fields: BTreeMap<String, Value>,
    /// Where each top-level field's value starts (1-based line and column).
    pub field_lines: BTreeMap<String, Position>,
    /// The Markdown after the closing fence.
    pub body: &'a str,
    /// Byte offset of `body` in the file.
    pub body_offset: usize,
    /// The file had a front-matter block at all.
    pub has_front_matter: bool,
}

impl Split<'_> {
    /// Position of a field's line, or the top of the file when unknown.
    pub fn position_of(&self, field: &str) -> Position {
        self.field_lines
            .get(field)
            .copied()
            .unwrap_or(Position::new(1, 1))
    }
}

/// Splits and parses the front matter of `text` (a file at `path`).
pub fn split<'a>(path: &Path, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let Some(after_open) = strip_fence_line(text) else {
        return Ok(Split {
            body: text,
            ..Split::default()
        });
    };
    let open_len = text.len() - after_open.len();
    let Some((yaml_len, close_len)) = find_closing_fence(after_open) else {
        return Err(unclosed(path, text));
    };
    let yaml = &after_open[..yaml_len];
    let body_offset = open_len + yaml_len + close_len;
    let fields = parse_yaml(path, yaml)?;
    let field_lines = field_lines(yaml);
    // An escape such as "\0" or "\x01" in a quoted value: the file itself
    // is clean text, but pages and feeds could not carry the value.
    let position_of = |key: &str| field_lines.get(key).copied().unwrap_or(Position::new(2, 1));
    // The first in the file, whatever the order of the keys.
    if let Some((key, c)) = fields
        .iter()
        .filter_map(|(key, value)| {
            let in_key = forbidden_in(key);
            in_key
                .or_else(|| forbidden_control(value))
                .map(|c| (key, c))
        })
        .min_by_key(|(key, _)| {
            let p = position_of(key);
            (p.line, p.column)
        })
    {
        return Err(Diagnostic::error(
            path,
            "front-matter/control-character",
            format!("`{key}` contains the control character U+{:04X}, which pages and feeds cannot carry", c as u32),
        )
        .at(position_of(key))
        .hint("remove the escape (such as `\\0` or `\\x01`) from the value"));
    }
    Ok(Split {
        field_lines,
        fields,
        body: &text[body_offset..],
        body_offset,
        has_front_matter: true,
    })
}

/// Returns the text after a leading `---` line, if the file opens with one.
fn strip_fence_line(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("---")?;
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))
}

/// Finds the closing `---` (or YAML's `...`) line: the length of the YAML
/// before it and of the fence line itself.
fn find_closing_fence(text: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Some((offset, line.len()));
        }
        offset += line.len();
    }
    None
}

fn unclosed(path: &Path, text: &str) -> Diagnostic {
    // The body most likely starts at the first heading: suggest closing there.
    let heading_line = text
        .lines()
        .position(|line| line.starts_with('#'))
        .map(|i| i + 1);
    let hint = match heading_line {
        Some(line) => {
            format!("add a line with only `---` before line {line}, where the body starts")
        }
        None => "add a line with only `---` after the last front-matter field".to_string(),
    };
    Diagnostic::error(
        path,
        "front-matter/unclosed",
        "front matter opened with `---` is never closed",
    )
    .at(Position::new(1, 1))
    .hint(hint)
}

fn parse_yaml(path: &Path, yaml: &str) -> Result<BTreeMap<String, Value>, Diagnostic> {
    if yaml.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    if let Some(simple) = simple_yaml(yaml) {
        return Ok(json_entries(simple).collect());
    }
    let documents = YamlLoader::load_from_str(yaml).map_err(|e| {
        let message = e.to_string();
        // yaml-rust2 says "... at byte B line L column C", B counting
        // characters. Its lines also break at a lone `\r`, so place the
        // error by B, counting lines as every other diagnostic does.
        let (info, index) = split_yaml_location(&message);
        let offset = yaml
            .char_indices()
            .nth(index)
            .map_or(yaml.len(), |(i, _)| i);
        let position = LineIndex::new(yaml).position(offset);
        // The YAML starts on line 2, after the opening fence.
        Diagnostic::error(
            path,
            "front-matter/invalid-yaml",
            format!("invalid YAML in front matter: {info}"),
        )
        .at(Position::new(position.line + 1, position.column))
        .hint("check quoting and brackets; values with `:` or `[` need quotes")
    })?;
    let first = documents.into_iter().next().unwrap_or(Yaml::Null);
    if let Yaml::Hash(map) = first {
        return Ok(json_entries(map).collect());
    }
    match yaml_to_json(first) {
        Value::Null => Ok(BTreeMap::new()),
        _ => Err(Diagnostic::error(
            path,
            "front-matter/invalid-yaml",
            "front matter is not a set of `key: value` fields",
        )
        .at(Position::new(2, 1))
        .hint("write one `key: value` per line between the `---` fences")),
    }
}

/// Reads front matter written in the plain YAML nearly every postmortem
/// uses, a field per line: `key: value` with a plain, quoted or empty
/// value or a one-line list (`tags: [a, "b"]`), exactly as yaml-rust2
/// would, at a fraction of its cost (its loading was most of the front
/// matter's). Anything else (nesting, block lists, comments, escapes,
/// anchors, a value yaml-rust2 might reject) gives `None`, and yaml-rust2
/// reads the text; the tests compare the two on many texts.
fn simple_yaml(yaml: &str) -> Option<yaml_rust2::yaml::Hash> {
    // Tabs, carriage returns and byte-order marks change how lines and
    // blanks are read; `#` may start a comment.
    if yaml.bytes().any(|b| matches!(b, b'\t' | b'\r' | b'#')) || yaml.contains('\u{FEFF}') {
        return None;
    }
    let mut hash = yaml_rust2::yaml::Hash::new();
    for line in yaml.split('\n') {
        if line.is_empty() {
            continue;
        }
        // A key of letters, digits, `_` and `-` at the start of the line
        // (indented lines continue or nest the one before), then `:` and
        // a space or the end of the line.
        let key_len = line
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            .unwrap_or(line.len());
        let (key, rest) = line.split_at(key_len);
        if key.is_empty() || key.len() > 64 || key.starts_with('-') {
            return None;
        }
        let rest = rest.strip_prefix(':')?;
        if !rest.is_empty() && !rest.starts_with(' ') {
            return None;
        }
        let value = simple_value(rest.trim_start_matches(' '))?;
        if hash.insert(Yaml::from_str(key), value).is_some() {
            // yaml-rust2 rejects a repeated key with its own message.
            return None;
        }
    }
    (!hash.is_empty()).then_some(hash)
}

/// A value of [`simple_yaml`] (what follows `key: `), or `None`.
fn simple_value(text: &str) -> Option<Yaml> {
    if text.is_empty() {
        return Some(Yaml::Null);
    }
    if let Some(items) = text.strip_prefix('[') {
        let items = items.trim_end_matches(' ').strip_suffix(']')?;
        if items.bytes().any(is_bracket) {
            return None;
        }
        if items.trim_matches(' ').is_empty() {
            return Some(Yaml::Array(Vec::new()));
        }
        return items
            .split(',')
            .map(|item| simple_scalar(item.trim_matches(' '), true))
            .collect::<Option<Vec<_>>>()
            .map(Yaml::Array);
    }
    simple_scalar(text.trim_end_matches(' '), false)
}

/// A quoted or plain scalar without spaces around it, in a list (`flow`)
/// or not, or `None`.
fn simple_scalar(text: &str, flow: bool) -> Option<Yaml> {
    let first = text.chars().next()?;
    if first == '"' || first == '\'' {
        // Quoted: nothing after the closing quote, no quote (or escape)
        // inside.
        let inner = text[1..].strip_suffix(first)?;
        if inner.bytes().any(|b| matches!(b, b'"' | b'\'' | b'\\')) {
            return None;
        }
        return Some(Yaml::String(inner.to_string()));
    }
    // Plain: not starting with an indicator; no `: ` (or a `:` at the
    // end, or any in a list), which would make a mapping; no brackets or
    // quotes (in a list).
    let indicator = matches!(
        first,
        '-' | '?'
            | ':'
            | ','
            | '['
            | ']'
            | '{'
            | '}'
            | '#'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '%'
            | '@'
            | '`'
    );
    let mapping = text.as_bytes().windows(2).any(|pair| pair == b": ")
        || text.ends_with(':')
        || (flow && text.contains(':'));
    // In a list, yaml-rust2 also rejects a word `-` before `,` or `]`.
    let special = if flow {
        text.bytes().any(|b| matches!(b, b'"' | b'\'')) || text.ends_with('-')
    } else {
        text.bytes().any(is_bracket)
    };
    if indicator || mapping || special {
        return None;
    }
    Some(Yaml::from_str(text))
}

/// `[`, `]`, `{` or `}`. (Bytes are tested rather than characters: the
/// `contains` of a list of characters was slower than the rest of the
/// fast reading.)
fn is_bracket(b: u8) -> bool {
    matches!(b, b'[' | b']' | b'{' | b'}')
}

/// The message without its location, and the character index of the error.
fn split_yaml_location(message: &str) -> (&str, usize) {
    let Some(at) = message.find(" at byte ") else {
        return (message, 0);
    };
    let index = message[at + " at byte ".len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    (&message[..at], index)
}

/// The first forbidden control character in any string of `value`.
fn forbidden_control(value: &Value) -> Option<char> {
    match value {
        Value::String(s) => forbidden_in(s),
        Value::Array(items) => items.iter().find_map(forbidden_control),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| forbidden_in(k).or_else(|| forbidden_control(v))),
        _ => None,
    }
}

/// The first forbidden control character of `text`, found byte-wise.
fn forbidden_in(text: &str) -> Option<char> {
    super::first_forbidden_control(text).map(|(_, c)| c)
}

/// Converts a YAML value into JSON, as gray_matter's values read it
/// (reals parsed as Rust reads them, keys of other kinds written out,
/// lists and maps as keys dropped, the last of equal keys kept), with keys
/// in sorted order so output stays deterministic.
fn yaml_to_json(yaml: Yaml) -> Value {
    match yaml {
        Yaml::Real(real) => serde_json::Number::from_f64(real.parse().unwrap_or(0.0))
            .map_or(Value::Null, Value::Number),
        Yaml::Integer(i) => Value::from(i),
        Yaml::String(s) => Value::String(s),
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Array(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Value::Object(json_entries(map).collect()),
        Yaml::Null | Yaml::Alias(_) | Yaml::BadValue => Value::Null,
    }
}

/// A YAML mapping's entries as JSON ones (see [`yaml_to_json`]), for a
/// JSON object or, at the top, straight into the fields.
fn json_entries(map: yaml_rust2::yaml::Hash) -> impl Iterator<Item = (String, Value)> {
    map.into_iter().filter_map(|(key, value)| {
        let key = match key {
            Yaml::String(s) | Yaml::Real(s) => s,
            Yaml::Boolean(b) => b.to_string(),
            Yaml::Integer(i) => i.to_string(),
            Yaml::Null => "null".to_string(),
            _ => return None,
        };
        Some((key, yaml_to_json(value)))
    })
}

/// Where each top-level key's value starts, as a position in the file:
/// the column of the value after `key:`, so diagnostics point at it.
fn field_lines(yaml: &str) -> BTreeMap<String, Position> {
    let mut lines = BTreeMap::new();
    for (index, line) in yaml.lines().enumerate() {
        if line.starts_with([' ', '\t', '-', '#']) {
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            let key = key.trim().trim_matches(['"', '\'']);
            let indent = value.len() - value.trim_start().len();
            let column = if value.trim().is_empty() {
                1
            } else {
                // Characters up to and including the colon, then the spaces.
                line[..line.len() - value.len()].chars().count() + indent + 1
            };
            // The first line of YAML is line 2 of the file.
            lines
                .entry(key.to_string())
                .or_insert(Position::new(index + 2, column));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn path() -> &'static Path {
        Path::new("a.md")
    }

    #[test]
    fn splits_fields_and_body() {
        let text = "---\ntitle: Hi\ntags: [a, b]\n---\n# Body\n";
        let split = split(path(), text).unwrap();
        assert_eq!(split.fields["title"], "Hi");
        assert_eq!(split.fields["tags"][1], "b");
        assert_eq!(split.body, "# Body\n");
        assert_eq!(split.field_lines["tags"], Position::new(3, 7));
        assert_eq!(&text[split.body_offset..], "# Body\n");
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let split = split(path(), "# Title\n\ntext").unwrap();
        assert!(split.fields.is_empty());
        assert!(!split.has_front_matter);
        assert_eq!(split.body_offset, 0);
    }

    #[test]
    fn crlf_fences_work() {
        let split = split(path(), "---\r\ntitle: x\r\n---\r\nbody").unwrap();
        assert_eq!(split.fields["title"], "x");
        assert_eq!(split.body, "body");
    }

    #[test]
    fn unclosed_front_matter_points_at_the_body() {
        let err = split(path(), "---\ntitle: x\n\n## Summary\n").unwrap_err();
        assert_eq!(err.rule, "front-matter/unclosed");
        assert!(err.hint.unwrap().contains("line 4"));
    }

    /// Front matter reads as it did through gray_matter's values, and
    /// malformed front matter gives the same message.
    #[test]
    fn yaml_reads_as_through_gray_matter() {
        use gray_matter::engine::{Engine, YAML};
        let texts = [
            "title: Hi\ntags: [a, b]\ncount: 3\nratio: 1.5\nbig: 1e400\ninf: .inf\nok: true\nnone: ~\n",
            "nested:\n  a: 1\n  b: [x, {c: d}]\n1: one\ntrue: yes\n~: null key\n1.5: real key\n[a]: list key\n",
            "same: 1\nsame: 2\n'1': string\n1: integer\n",
            "anchor: &a value\nalias: *a\nhex: 0x1F\noctal: 0o17\nminus: -3\nquoted: \"3\"\n",
            "block: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
            "- a list\n- at the top\n",
            "just text",
            "",
            "title: [unclosed\ndate: 2024-02-07\n",
            "a: b: c\n",
            "key: \"unterminated\n",
            "\tkey: tab\n",
            "a: 1\n b: 2\n",
            "alias: *missing\n",
        ];
        for text in texts {
            let ours = YamlLoader::load_from_str(text)
                .map(|docs| yaml_to_json(docs.into_iter().next().unwrap_or(Yaml::Null)))
                .map_err(|e| e.to_string());
            let theirs = YAML::parse(text).map(pod_to_json).map_err(|e| {
                e.to_string()
                    .trim_start_matches("Deserialize error: ")
                    .to_string()
            });
            assert_eq!(ours, theirs, "{text:?}");
            // The fields are the top-level object's, by either reading.
            if let Ok(Value::Object(object)) = ours {
                let fields: BTreeMap<String, Value> = object.into_iter().collect();
                assert_eq!(parse_yaml(path(), text).ok(), Some(fields), "{text:?}");
            }
        }
    }

    /// gray_matter's value as JSON, as the front matter was read before.
    fn pod_to_json(pod: gray_matter::Pod) -> Value {
        use gray_matter::Pod;
        match pod {
            Pod::Null => Value::Null,
            Pod::String(s) => Value::String(s),
            Pod::Integer(i) => Value::from(i),
            Pod::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            Pod::Boolean(b) => Value::Bool(b),
            Pod::Array(items) => Value::Array(items.into_iter().map(pod_to_json).collect()),
            Pod::Hash(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, pod_to_json(v))).collect())
            }
        }
    }

    /// What yaml-rust2 reads of `text`, when it reads a document.
    fn by_yaml_rust2(text: &str) -> Option<Yaml> {
        YamlLoader::load_from_str(text)
            .ok()
            .map(|docs| docs.into_iter().next().unwrap_or(Yaml::Null))
    }

    #[test]
    fn simple_front_matter_reads_as_yaml_rust2_reads_it() {
        let texts = [
            "title: \"Queue backlog: 5 minutes\"\ndate: 2019-03-25\nseverity: SEV-3\nstarted: 2019-03-25T00:00:00Z\nteams: [payments]\ntags: [third-party, dns]\ncustomer_impact: true\n",
            "title: 'It is down'\nsummary:\nrelated: []\nservices: [ a ,  \"b c\" ]\n1: one\nTrue: x\n0x1F: hex\nnull: n\n",
            "a: 1.5\nb: 1e400\nc: .inf\nd: +3\ne: ~\nf: yes\ng: 2024-03-14 14:32\nh: R&D and don't\n",
        ];
        for text in texts {
            let simple = simple_yaml(text).unwrap_or_else(|| panic!("read: {text:?}"));
            assert_eq!(Some(Yaml::Hash(simple)), by_yaml_rust2(text), "{text:?}");
        }
        for text in [
            "title: x\n  more\n",
            "a: b: c\n",
            "a: b\na: c\n",
            "a: x # note\n",
            "tags:\n- a\n",
            "a: [x: y]\n",
            "a: \"x\\ty\"\n",
            "a: 'it''s'\n",
            "a: -x\n",
            "a: x:\n",
            "a: [3 -]\n",
        ] {
            assert_eq!(simple_yaml(text), None, "{text:?}");
        }
    }

    fn yaml_piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "title",
            "date",
            "tags",
            "1",
            "01",
            "0x1F",
            "true",
            "True",
            "null",
            "~",
            "a-b",
            "_x",
            "1e3",
            ".inf",
            "k k",
            "é",
            ":",
            ": ",
            ":  ",
            " :",
            "::",
            "",
            "x",
            "Hi there",
            "\"quoted\"",
            "'single'",
            "\"a\\\"b\"",
            "'it''s'",
            "\"",
            "'",
            "[a, b]",
            "[]",
            "[ ]",
            "[a,,b]",
            "[a, ]",
            "[\"x, y\", z]",
            "[a: b]",
            "[[a]]",
            "{a: b}",
            "[",
            "]",
            ",",
            "- a",
            "-",
            "3",
            "-3",
            "1.5",
            "1e400",
            ".nan",
            "yes",
            "2024-03-14",
            "14:32",
            "a: b",
            "a:",
            "#",
            " #b",
            "&a x",
            "*a",
            "!t x",
            "|",
            ">",
            "%x",
            "@x",
            "`x",
            "? x",
            "x, y",
            "R&D",
            "don't",
            "\u{85}",
            "\u{a0}",
            "\u{2028}",
            "\u{7f}",
            "\u{feff}",
            "\\",
            "\n",
            " \n",
            "\n\n",
            "\n  ",
            "\n- ",
            "\t",
            "\r\n",
            " ",
            "---",
            "...",
        ])
    }

    fn yaml_line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "title", "date", "tags", "1", "True", "~", "a-b", "x_1", "0x1F", "null", "-a",
        ]);
        let sep = prop::sample::select(vec![": ", ":", ":  ", " : ", ":x"]);
        let value = prop::collection::vec(yaml_piece(), 0..4).prop_map(|p| p.concat());
        let end = prop::sample::select(vec!["\n", " \n", "\n\n", ""]);
        (key, sep, value, end).prop_map(|(k, s, v, e)| format!("{k}{s}{v}{e}"))
    }

    /// A line the fast reading mostly reads: a key, then a plain, quoted
    /// or list value made of words that are mostly harmless.
    fn simple_line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "title", "date", "tags", "1", "01", "True", "false", "~", "null", "a-b", "x_1", "0x1F",
            "1e3", "1.5",
        ]);
        let word = prop::sample::select(vec![
            "x",
            "SEV-2",
            "2024-03-14",
            "14:32",
            "3",
            "+3",
            "0o17",
            "1.5",
            ".inf",
            "true",
            "No",
            "null",
            "~",
            "é",
            "a b",
            " ",
            ",",
            ":",
            "-",
            "'",
            "\"",
            "?",
            "&",
            "*",
            "!",
            "%",
            "\u{85}",
            "\u{a0}",
            "\u{7f}",
            "\u{2028}",
            "...",
            "---",
            "1_000",
            "0b101",
            ".5",
            "1.",
            "0x",
            "+",
            "+.inf",
            "00",
            "1:2",
            "x?",
            " ? y",
            " - y",
            " |y",
            " >y",
            " %y",
            " @y",
            " `y",
            " !y",
            " &y",
            " *y",
            "\\",
            "é\u{301}",
        ]);
        let words = prop::collection::vec(word, 1..4).prop_map(|w| w.concat());
        let value = prop_oneof![
            words.clone(),
            words.clone().prop_map(|w| format!("\"{w}\"")),
            words.clone().prop_map(|w| format!("'{w}'")),
            prop::collection::vec(words, 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
            Just(String::new()),
        ];
        let end = prop::sample::select(vec!["\n", " \n", "\n\n"]);
        (key, value, end).prop_map(|(k, v, e)| format!("{k}: {v}{e}"))
    }

    fn front_matter_text() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::collection::vec(simple_line(), 1..6).prop_map(|lines| lines.concat()),
            prop::collection::vec(yaml_line(), 0..6).prop_map(|lines| lines.concat()),
            prop::collection::vec(yaml_piece(), 0..16).prop_map(|pieces| pieces.concat()),
        ]
    }

    proptest! {
        /// Whatever the fast reading reads, yaml-rust2 reads alike.
        #[test]
        fn simple_yaml_reads_as_yaml_rust2(text in front_matter_text()) {
            if let Some(simple) = simple_yaml(&text) {
                prop_assert_eq!(Some(Yaml::Hash(simple)), by_yaml_rust2(&text), "{:?}", text);
            }
        }
    }

    #[test]
    fn invalid_yaml_has_a_file_line() {
        let err = split(path(), "---\ntitle: [unclosed\ndate: 2024-02-07\n---\n").unwrap_err();
        assert_eq!(err.rule, "front-matter/invalid-yaml");
        assert!(err.line >= 2, "line {}", err.line);
    }
}
