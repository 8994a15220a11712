//! Stage 2, content: reads every postmortem under the content folder into a
//! typed [`Incident`], in parallel, collecting every diagnostic.
//!
//! Input: the archive root and config. Output: incidents in path order and
//! the diagnostics of all files. Nothing is dropped silently: a file that
//! cannot be read or parsed gets an error, a guess gets a warning.

mod discover;
mod fields;
mod front_matter;
mod values;

use std::path::Path;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, LineIndex, Position};
use crate::incident::Incident;
use crate::markdown::{self, ParseOptions};
pub use discover::{SourceFile, discover};

/// Everything the content stage produced.
pub struct Loaded {
    pub incidents: Vec<Incident>,
    pub diagnostics: Vec<Diagnostic>,
    /// Relative links from postmortems to other files: (from, target path
    /// within content, position), checked by the archive stage.
    pub links: Vec<IncidentLink>,
}

/// A link written in one postmortem to another, by path.
#[derive(Debug, Clone)]
pub struct IncidentLink {
    pub from: std::path::PathBuf,
    pub target: String,
    pub position: Position,
}

/// Discovers and reads every postmortem of the archive at `root`.
pub fn load(root: &Path, config: &Config) -> Loaded {
    let content_dir = root.join(&config.content_dir);
    let (files, mut diagnostics) = discover(root, &content_dir);
    let results: Vec<FileResult> = files
        .par_iter()
        .map(|file| load_file(file, config))
        .collect();
    let mut incidents = Vec::with_capacity(results.len());
    let mut links = Vec::new();
    for result in results {
        diagnostics.extend(result.diagnostics);
        links.extend(result.links);
        incidents.extend(result.incident);
    }
    Loaded {
        incidents,
        diagnostics,
        links,
    }
}

/// Reads one postmortem, `path` relative to the root, into an incident
/// (None when it has errors): serve's fast path for an edited file, before
/// the full rebuild.
pub fn load_one(root: &Path, config: &Config, path: &Path) -> Option<Incident> {
    let content_dir = root.join(&config.content_dir);
    let absolute = root.join(path);
    let file = SourceFile {
        within_content: absolute.strip_prefix(&content_dir).ok()?.to_path_buf(),
        relative: path.to_path_buf(),
        missing_extension: absolute.extension().is_none(),
        path: absolute,
    };
    let result = load_file(&file, config);
    if result.diagnostics.iter().any(Diagnostic::is_error) {
        return None;
    }
    result.incident
}

struct FileResult {
    incident: Option<Incident>,
    diagnostics: Vec<Diagnostic>,
    links: Vec<IncidentLink>,
}

impl FileResult {
    fn failed(diagnostic: Diagnostic) -> Self {
        FileResult {
            incident: None,
            diagnostics: vec![diagnostic],
            links: Vec::new(),
        }
    }
}

/// Reads one file into an incident.
fn load_file(file: &SourceFile, config: &Config) -> FileResult {
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return FileResult::failed(
                Diagnostic::error(
                    &file.relative,
                    "content/unreadable",
                    format!("cannot read the file: {e}"),
                )
                .hint("check the file's permissions"),
            );
        }
    };
    let text = match decode(&file.relative, &bytes) {
        Ok(text) => text,
        Err(diagnostic) => return FileResult::failed(diagnostic),
    };
    if text.trim().is_empty() {
        return FileResult::failed(
            Diagnostic::error(&file.relative, "content/empty", "the file is empty")
                .at(Position::new(1, 1))
                .hint("write the postmortem (`casebook new` scaffolds one), or delete the file"),
        );
    }
    let mut notes = Vec::new();
    if file.missing_extension {
        if !looks_like_markdown(text) {
            return FileResult::failed(
                Diagnostic::warning(
                    &file.relative,
                    "content/not-markdown",
                    "skipped: a file without an extension that does not read as Markdown",
                )
                .hint("give postmortems a .md extension, or move other files out of content/"),
            );
        }
        notes.push("read as Markdown although the file has no .md extension".to_string());
    }
    parse_file(file, text, config, notes)
}

fn parse_file(file: &SourceFile, text: &str, config: &Config, notes: Vec<String>) -> FileResult {
    let split = match front_matter::split(&file.relative, text) {
        Ok(split) => split,
        Err(diagnostic) => return FileResult::failed(diagnostic),
    };
    let folder = file
        .within_content
        .parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let document = markdown::parse(
        split.body,
        &ParseOptions {
            folder: &folder,
            allow_html: config.allow_html,
        },
    );
    let lines = LineIndex::new(text);
    let links = document
        .incident_links
        .iter()
        .map(|(target, offset)| IncidentLink {
            from: file.relative.clone(),
            target: target.clone(),
            position: lines.position(split.body_offset + offset),
        })
        .collect();
    let resolved = fields::resolve(fields::Input {
        file,
        split: &split,
        document,
        config,
        lines: &lines,
        notes,
    });
    FileResult {
        incident: resolved.incident,
        diagnostics: resolved.diagnostics,
        links,
    }
}

/// Checks the bytes are UTF-8 text (dropping a BOM); UTF-16 and binary
/// files get an error that says what to do.
fn decode<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, Diagnostic> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Diagnostic::error(
            path,
            "content/encoding",
            "the file is UTF-16; Casebook reads UTF-8",
        )
        .hint("re-save the file as UTF-8 (for example `iconv -f UTF-16 -t UTF-8`)"));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(Diagnostic::error(
            path,
            "content/binary",
            "the file contains NUL bytes and looks binary, not Markdown",
        )
        .hint("move binary files out of content/, or add them to .gitignore"));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let lines = LineIndex::new(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""));
        Diagnostic::error(path, "content/encoding", "the file is not valid UTF-8")
            .at(lines.position(e.valid_up_to()))
            .hint("re-save the file as UTF-8")
    })
}

fn looks_like_markdown(text: &str) -> bool {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    first.starts_with('#') || first == "---"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_rejects_utf16_and_binary() {
        let p = Path::new("a.md");
        assert_eq!(decode(p, b"\xEF\xBB\xBFhi").unwrap(), "hi");
        assert_eq!(
            decode(p, b"\xFF\xFEh\0i\0").unwrap_err().rule,
            "content/encoding"
        );
        assert_eq!(decode(p, b"a\0b").unwrap_err().rule, "content/binary");
        let err = decode(p, b"ok\nbad \xC3(").unwrap_err();
        assert_eq!((err.line, err.column), (2, 5));
    }
}
