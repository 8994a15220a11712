//! Stage 2, content: reads every postmortem under the content folder into a
//! typed [`Incident`], in parallel, collecting every diagnostic.
//!
//! Input: the archive root and config. Output: incidents in path order and
//! the diagnostics of all files. Nothing is dropped silently: a file that
//! cannot be read or parsed gets an error, a guess gets a warning.

mod discover;
mod fields;
mod front_matter;
mod positions;
mod values;

use std::path::Path;

use rayon::prelude::*;

use crate::cache::Read;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, LineIndex, Position};
use crate::incident::Incident;
use crate::markdown::{self, ParseOptions};
pub use discover::{SourceFile, discover, may_be_postmortem};
pub use front_matter::{Split, split as split_front_matter};
use positions::Positions;

/// Everything the content stage produced.
pub struct Loaded {
    pub incidents: Vec<Incident>,
    pub diagnostics: Vec<Diagnostic>,
    /// Relative links from postmortems to other files: (from, target path
    /// within content, position), checked by the archive stage.
    pub links: Vec<IncidentLink>,
    /// What the [`Inspect`] given to [`load_reading`] found, in path order.
    pub inspected: Vec<Diagnostic>,
}

/// A look at the bytes of each file that loads as an incident, while
/// they are in memory: the build's secret scan, which so needs no copy of
/// the archive's text of its own (200 MB at 50,000 postmortems).
pub type Inspect<'a> = &'a (dyn Fn(&SourceFile, &[u8]) -> Vec<Diagnostic> + Sync);

/// A link written in one postmortem to another, by path.
#[derive(Debug, Clone)]
pub struct IncidentLink {
    pub from: std::path::PathBuf,
    pub target: String,
    pub position: Position,
}

/// Discovers and reads every postmortem of the archive at `root`.
pub fn load(root: &Path, config: &Config) -> Loaded {
    load_reading(root, config, Read::new(), None)
}

/// [`load`], taking a file's bytes from `read` when an earlier stage (the
/// build cache's fingerprint) has read them already, and showing each
/// loaded file's bytes to `inspect`. Each file's bytes are dropped once
/// it is parsed.
pub fn load_reading(
    root: &Path,
    config: &Config,
    mut read: Read,
    inspect: Option<Inspect>,
) -> Loaded {
    let content_dir = root.join(&config.content_dir);
    let (files, mut diagnostics) = discover(root, &content_dir);
    let given: Vec<Option<Vec<u8>>> = files.iter().map(|f| read.remove(&f.path)).collect();
    drop(read);
    // Read first, on the I/O pool, then parse on the cores. A file's bytes,
    // or its reading when that has none to parse.
    let readings: Vec<Result<Vec<u8>, Box<Reading>>> = crate::io_pool::run(|| {
        files
            .par_iter()
            .zip(given)
            .map(|(file, given)| match given {
                Some(bytes) => Ok(bytes),
                None => match crate::cache::read_file(&file.path, MAX_POSTMORTEM_BYTES) {
                    Ok((_, Some(bytes))) => Ok(bytes),
                    reading => Err(Box::new(reading)),
                },
            })
            .collect()
    });
    // One postmortem per piece of work: parses differ in cost, and left
    // to itself rayon splits the list into a few long runs, one of which
    // is still parsing on one core when the other has run out (200 ms of
    // one idle core at the end of the stage at 50k).
    let results: Vec<(FileResult, Vec<Diagnostic>)> = files
        .par_iter()
        .zip(readings)
        .with_max_len(1)
        .map(|(file, reading)| {
            let bytes = match reading {
                Ok(bytes) => bytes,
                Err(reading) => return (load_read(file, &reading, config), Vec::new()),
            };
            let mut result = load_bytes(file, &bytes, config);
            let inspected = match inspect {
                Some(inspect) if result.incident.is_some() => inspect(file, &bytes),
                _ => Vec::new(),
            };
            drop(bytes);
            result.incident = result.incident.as_ref().map(compacted);
            (result, inspected)
        })
        .collect();
    let mut incidents = Vec::with_capacity(results.len());
    let mut links = Vec::new();
    let mut inspected = Vec::new();
    for (result, found) in results {
        diagnostics.extend(result.diagnostics);
        links.extend(result.links);
        incidents.extend(result.incident);
        inspected.extend(found);
    }
    Loaded {
        incidents,
        diagnostics,
        links,
        inspected,
    }
}

/// A copy of an incident the model keeps for the whole build, made once
/// the parse that produced it has freed its scratch memory and the file's
/// bytes. The parsed strings lie among the parse's freed temporaries and
/// keep their memory pages resident (at 10k, 123 MB of live model grew
/// resident memory by 185 MB); the copy's are allocated close together.
/// Peak memory of the 50k archive's build went from 1,080 MB to 920–950
/// MB, its time unchanged within noise (A/B, session 14).
fn compacted(parsed: &Incident) -> Incident {
    parsed.clone()
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

/// Reads one postmortem whose bytes are already in memory, exactly as
/// [`load`] reads each file it discovers (`file.path` is not read). The
/// fuzz targets and property tests start here.
pub fn load_source(file: &SourceFile, bytes: &[u8], config: &Config) -> Loaded {
    let result = load_bytes(file, bytes, config);
    Loaded {
        incidents: result.incident.into_iter().collect(),
        diagnostics: result.diagnostics,
        links: result.links,
        inspected: Vec::new(),
    }
}

/// The largest postmortem read, in bytes. Real ones are kilobytes; a file
/// past this is a pasted log or a mistake, and rendering, sanitising and
/// indexing it would cost seconds and hundreds of megabytes.
pub const MAX_POSTMORTEM_BYTES: u64 = 10 * 1024 * 1024;

/// The error for a file over [`MAX_POSTMORTEM_BYTES`].
fn too_large(file: &SourceFile, len: u64) -> Option<FileResult> {
    (len > MAX_POSTMORTEM_BYTES).then(|| too_large_error(file, len))
}

fn too_large_error(file: &SourceFile, len: u64) -> FileResult {
    let mb = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    FileResult::failed(
        Diagnostic::error(
            &file.relative,
            "content/too-large",
            format!(
                "the file is {:.1} MB; postmortems are read up to {:.0} MB",
                mb(len),
                mb(MAX_POSTMORTEM_BYTES)
            ),
        )
        .hint("move long logs or data into static/ and link to them from the postmortem"),
    )
}

/// Reads one file into an incident.
fn load_file(file: &SourceFile, config: &Config) -> FileResult {
    load_read(
        file,
        &crate::cache::read_file(&file.path, MAX_POSTMORTEM_BYTES),
        config,
    )
}

/// A file's reading: its metadata, and its bytes unless it is too large.
type Reading = std::io::Result<(std::fs::Metadata, Option<Vec<u8>>)>;

/// Parses one file as read, or says why it could not be read.
fn load_read(file: &SourceFile, reading: &Reading, config: &Config) -> FileResult {
    match reading {
        Ok((_, Some(bytes))) => load_bytes(file, bytes, config),
        Ok((metadata, None)) => too_large_error(file, metadata.len()),
        Err(e) => FileResult::failed(
            Diagnostic::error(
                &file.relative,
                "content/unreadable",
                format!("cannot read the file: {e}"),
            )
            .hint("check the file's permissions, and that it still exists"),
        ),
    }
}

/// Decodes and parses one file's bytes.
fn load_bytes(file: &SourceFile, bytes: &[u8], config: &Config) -> FileResult {
    if let Some(failed) = too_large(file, bytes.len() as u64) {
        return failed;
    }
    let text = match decode(&file.relative, bytes) {
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
    let mut split = match front_matter::split(&file.relative, text) {
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
    let lines = Positions::new(text);
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
        fields: std::mem::take(&mut split.fields),
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
    // `contains` looks for the byte many at a time; most files have none.
    if bytes.contains(&0)
        && let Some(nul) = bytes.iter().position(|&b| b == 0)
    {
        let before = String::from_utf8_lossy(&bytes[..nul]);
        return Err(Diagnostic::error(
            path,
            "content/binary",
            "the file contains a NUL byte and looks binary, not Markdown",
        )
        .at(LineIndex::new(&before).position(before.len()))
        .hint("move binary files out of content/ (or add them to .gitignore); in a text file, delete the NUL byte"));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let lines = LineIndex::new(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""));
        Diagnostic::error(path, "content/encoding", "the file is not valid UTF-8")
            .at(lines.position(e.valid_up_to()))
            .hint("re-save the file as UTF-8")
    })?;
    if let Some((offset, c)) = first_forbidden_control(text) {
        return Err(Diagnostic::error(
            path,
            "content/control-character",
            format!("the file contains the control character U+{:04X}, which pages and feeds cannot carry", c as u32),
        )
        .at(LineIndex::new(text).position(offset))
        .hint("delete it: most editors do not show it (search for it, or re-type the line)"));
    }
    Ok(text)
}

/// Characters XML 1.0 forbids (so an Atom feed carrying them is broken)
/// and HTML treats as errors: C0 controls other than tab, line feed and
/// carriage return, and the non-characters U+FFFE and U+FFFF.
pub fn is_forbidden_control(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0B' | '\x0C' | '\x0E'..='\x1F' | '\u{FFFE}' | '\u{FFFF}')
}

/// The first [`is_forbidden_control`] character of `text` and its offset,
/// found byte by byte: the C0 controls are single bytes, and U+FFFE and
/// U+FFFF the only characters encoded `EF BF BE` and `EF BF BF`. Blocks
/// without a byte that may start one are skipped with a test the compiler
/// runs many bytes at a time: this scan was a tenth of the content stage.
fn first_forbidden_control(text: &str) -> Option<(usize, char)> {
    const BLOCK: usize = 64;
    let bytes = text.as_bytes();
    let mut start = 0;
    for block in bytes.chunks(BLOCK) {
        let suspect = block
            .iter()
            .fold(0u8, |any, &b| any | u8::from(may_start_forbidden(b)));
        if suspect != 0
            && let Some(found) = (start..start + block.len()).find_map(|i| forbidden_at(bytes, i))
        {
            return Some(found);
        }
        start += block.len();
    }
    None
}

/// Whether a byte is a forbidden control or may start a noncharacter;
/// branch-free, so that a block of bytes is tested at once.
fn may_start_forbidden(b: u8) -> bool {
    (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') | (b == 0xEF)
}

/// The forbidden character starting at byte `i`, if any.
fn forbidden_at(bytes: &[u8], i: usize) -> Option<(usize, char)> {
    match bytes[i] {
        b @ 0x00..=0x1F => is_forbidden_control(char::from(b)).then(|| (i, char::from(b))),
        0xEF => match bytes.get(i + 1..i + 3) {
            Some([0xBF, 0xBE]) => Some((i, '\u{FFFE}')),
            Some([0xBF, 0xBF]) => Some((i, '\u{FFFF}')),
            _ => None,
        },
        _ => None,
    }
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
        let nul = decode(p, b"---\ntitle: a\0b").unwrap_err();
        assert_eq!(nul.rule, "content/binary");
        assert_eq!((nul.line, nul.column), (2, 9), "points at the NUL byte");
        let control = decode(p, b"ok\n  \x01").unwrap_err();
        assert_eq!(control.rule, "content/control-character");
        assert_eq!((control.line, control.column), (2, 3));
        assert!(decode(p, b"tab\there\r\n").is_ok());
        let noncharacter = decode(p, "é\n\u{FFFD}a\u{FFFF}".as_bytes()).unwrap_err();
        assert_eq!(noncharacter.rule, "content/control-character");
        assert!(noncharacter.message.contains("U+FFFF"));
        assert_eq!((noncharacter.line, noncharacter.column), (2, 3));
        let err = decode(p, b"ok\nbad \xC3(").unwrap_err();
        assert_eq!((err.line, err.column), (2, 5));
    }

    /// The block-wise scan finds what a byte-by-byte one finds, wherever
    /// the character sits relative to the blocks.
    #[test]
    fn forbidden_controls_are_found_in_any_block() {
        let by_byte = |text: &str| (0..text.len()).find_map(|i| forbidden_at(text.as_bytes(), i));
        for len in [0, 1, 63, 64, 65, 130] {
            for (bad, c) in [
                ("\x01", '\x01'),
                ("\u{FFFE}", '\u{FFFE}'),
                ("\u{FFFF}", '\u{FFFF}'),
            ] {
                for at in [0, len / 2, len] {
                    let mut text = "é\tx\r\n\u{FFFD}".repeat(len / 8 + 1);
                    let at = text.floor_char_boundary(at.min(text.len()));
                    text.insert_str(at, bad);
                    assert_eq!(first_forbidden_control(&text), Some((at, c)), "{text:?}");
                    assert_eq!(first_forbidden_control(&text), by_byte(&text));
                }
            }
            let clean = "é\tx\r\n\u{FFFD}\u{EFFF}".repeat(len);
            assert_eq!(first_forbidden_control(&clean), None);
        }
    }

    /// The read-error path, exercised honestly even as root (where chmod 000
    /// does not deny reads): the file disappears between discovery and
    /// reading, as when it is deleted while `casebook serve` rebuilds.
    #[test]
    fn a_file_that_cannot_be_read_gets_a_diagnostic() {
        let tmp = tempfile::tempdir().unwrap();
        let file = SourceFile {
            path: tmp.path().join("content/2024/gone.md"),
            relative: "content/2024/gone.md".into(),
            within_content: "2024/gone.md".into(),
            missing_extension: false,
        };
        let result = load_file(&file, &Config::default());
        assert!(result.incident.is_none());
        let [diagnostic] = result.diagnostics.as_slice() else {
            panic!("one diagnostic: {:?}", result.diagnostics);
        };
        assert_eq!(diagnostic.rule, "content/unreadable");
        assert!(diagnostic.is_error());
        assert_eq!(diagnostic.path, Path::new("content/2024/gone.md"));
        assert!(
            diagnostic.message.contains("No such file"),
            "{}",
            diagnostic.message
        );
        assert!(diagnostic.hint.is_some());
    }
}
