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
            let in_key = key.chars().find(|&c| super::is_forbidden_control(c));
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
    match yaml_to_json(first) {
        Value::Object(map) => Ok(map.into_iter().collect()),
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
        Value::String(s) => s.chars().find(|&c| super::is_forbidden_control(c)),
        Value::Array(items) => items.iter().find_map(forbidden_control),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            k.chars()
                .find(|&c| super::is_forbidden_control(c))
                .or_else(|| forbidden_control(v))
        }),
        _ => None,
    }
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
        Yaml::Hash(map) => Value::Object(
            map.into_iter()
                .filter_map(|(key, value)| {
                    let key = match key {
                        Yaml::String(s) | Yaml::Real(s) => s,
                        Yaml::Boolean(b) => b.to_string(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Null => "null".to_string(),
                        _ => return None,
                    };
                    Some((key, yaml_to_json(value)))
                })
                .collect(),
        ),
        Yaml::Null | Yaml::Alias(_) | Yaml::BadValue => Value::Null,
    }
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

    #[test]
    fn invalid_yaml_has_a_file_line() {
        let err = split(path(), "---\ntitle: [unclosed\ndate: 2024-02-07\n---\n").unwrap_err();
        assert_eq!(err.rule, "front-matter/invalid-yaml");
        assert!(err.line >= 2, "line {}", err.line);
    }
}
