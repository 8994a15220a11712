//! Templates: loads the theme's Tera templates and static files.
//!
//! The default theme is embedded in the binary so an installed `casebook`
//! works on any archive. Overrides apply file by file, later winning:
//! embedded default → `themes/<theme>/` → the archive's `templates/` and
//! `static/`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, Result, bail};
use include_dir::{Dir, include_dir};
use tera::Tera;
use walkdir::WalkDir;

use crate::config::Config;

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// The loaded theme: compiled templates and the static files to copy.
pub struct Theme {
    pub tera: Tera,
    /// Output path → bytes, for CSS, JS, fonts and images.
    pub static_files: BTreeMap<String, StaticFile>,
}

/// A static file from the embedded theme or from disk.
pub enum StaticFile {
    Embedded(&'static [u8]),
    OnDisk(PathBuf),
}

impl Theme {
    /// Loads the theme named in `config`, with the archive's overrides.
    pub fn load(root: &Path, config: &Config) -> Result<Theme> {
        let mut templates: BTreeMap<String, String> = BTreeMap::new();
        let mut static_files = BTreeMap::new();
        embedded_files(&DEFAULT_THEME, &mut templates, &mut static_files)?;
        if config.theme != "default" {
            let dir = root.join("themes").join(&config.theme);
            if !dir.is_dir() {
                bail!(
                    "theme {:?} not found: expected a folder {} (or set theme = \"default\" in casebook.toml)",
                    config.theme,
                    dir.display()
                );
            }
            disk_files(&dir.join("templates"), &mut templates)?;
            static_from_disk(&dir.join("static"), &mut static_files);
        }
        disk_files(&root.join("templates"), &mut templates)?;
        static_from_disk(&root.join("static"), &mut static_files);

        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(write_escaped_html);
        tera.add_raw_templates(
            templates
                .iter()
                .map(|(name, body)| (name.as_str(), body.as_str())),
        )
        .map_err(|e| anyhow::anyhow!(error_chain(&e)))
        .context("cannot load the theme's templates")?;
        Ok(Theme { tera, static_files })
    }

    /// Renders a template, with the full cause chain on error (Tera hides the
    /// real cause in the chain).
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(name, context)
            .map_err(|e| anyhow::anyhow!("cannot render {name}: {}", error_chain(&e)))
    }

    /// [`Theme::render`], appending the page's bytes to `out`.
    pub fn render_into(
        &self,
        name: &str,
        context: &tera::Context,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.tera
            .render_to(name, context, out)
            .map_err(|e| anyhow::anyhow!("cannot render {name}: {}", error_chain(&e)))
    }
}

fn embedded_files(
    dir: &'static Dir<'static>,
    templates: &mut BTreeMap<String, String>,
    static_files: &mut BTreeMap<String, StaticFile>,
) -> Result<()> {
    for entry in dir.entries() {
        if let Some(sub) = entry.as_dir() {
            embedded_files(sub, templates, static_files)?;
        } else if let Some(file) = entry.as_file() {
            let path = file.path().to_string_lossy().replace('\\', "/");
            if let Some(name) = path.strip_prefix("templates/") {
                let body = file
                    .contents_utf8()
                    .with_context(|| format!("embedded template {name} is not UTF-8"))?;
                templates.insert(name.to_string(), body.to_string());
            } else if let Some(name) = path.strip_prefix("static/") {
                let bytes = if name.ends_with(".js") && !name.starts_with("vendor/") {
                    minified(name, file.contents())
                } else {
                    file.contents()
                };
                static_files.insert(name.to_string(), StaticFile::Embedded(bytes));
            }
        }
    }
    Ok(())
}

/// The default theme's own scripts, minified once per process: comments
/// and indentation are a quarter of what a reader would otherwise download
/// (search.js: 11.8 KB gzipped as written, 8.7 KB minified). Vendored
/// scripts ship minified already, and an archive's own scripts are copied
/// as they are.
fn minified(name: &str, source: &'static [u8]) -> &'static [u8] {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static [u8]>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.entry(name.to_string()).or_insert_with(|| {
        let Ok(text) = std::str::from_utf8(source) else {
            return source;
        };
        match minifier::js::minify(text) {
            // Leaked once per script for the life of the process, like the
            // embedded bytes themselves.
            Ok(code) => Box::leak(code.to_string().into_bytes().into_boxed_slice()),
            Err(_) => source,
        }
    })
}

fn disk_files(dir: &Path, templates: &mut BTreeMap<String, String>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        let body = std::fs::read_to_string(entry.path())
            .with_context(|| format!("cannot read template {}", entry.path().display()))?;
        templates.insert(name, body);
    }
    Ok(())
}

fn static_from_disk(dir: &Path, static_files: &mut BTreeMap<String, StaticFile>) {
    if !dir.is_dir() {
        return;
    }
    for entry in WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
        if entry.file_type().is_file() {
            let name = entry
                .path()
                .strip_prefix(dir)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            static_files.insert(name, StaticFile::OnDisk(entry.path().to_path_buf()));
        }
    }
}

/// Escapes text for HTML and XML, in element content and in quoted
/// attributes: `&`, `<`, `>`, `"` and `'`. Unlike Tera's default it leaves
/// `/` alone (no context the templates use needs it escaped), so every URL
/// in a page is not tripled in size (`&#x2F;`), and it copies the runs
/// between special characters whole.
pub fn escape_html(input: &str) -> String {
    let mut output = String::with_capacity(input.len() + input.len() / 8);
    escape_html_into(input, &mut output);
    output
}

/// [`escape_html`] appending to `output`: for HTML assembled in Rust, such
/// as the rows of the actions page.
pub fn escape_html_into(input: &str, output: &mut String) {
    let appended: Result<(), std::convert::Infallible> = escaped_pieces(input, |piece| {
        output.push_str(piece);
        Ok(())
    });
    let Ok(()) = appended;
}

/// [`escape_html_into`] in the shape Tera's escape hook takes, writing
/// straight into the page being rendered.
fn write_escaped_html(input: &str, output: &mut dyn std::io::Write) -> std::io::Result<()> {
    escaped_pieces(input, |piece| output.write_all(piece.as_bytes()))
}

/// Hands `emit` the escaped text piece by piece, in order: each run
/// between special characters whole, then the special character's entity.
///
/// Most text has few special characters, so the next one is found eight
/// bytes at a time ([`specials`]) rather than by looking at every byte.
fn escaped_pieces<E>(input: &str, mut emit: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
    let bytes = input.as_bytes();
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        let index = match bytes.get(at..at + 8) {
            Some(block) => {
                let flagged = specials(u64::from_le_bytes(block.try_into().unwrap_or_default()));
                if flagged == 0 {
                    at += 8;
                    continue;
                }
                at + (flagged.trailing_zeros() / 8) as usize
            }
            None => at,
        };
        at = index + 1;
        if let Some(entity) = html_entity(bytes[index]) {
            emit(&input[start..index])?;
            emit(entity)?;
            start = index + 1;
        }
    }
    emit(&input[start..])
}

/// High bits set in `word` for the bytes [`html_entity`] escapes: the
/// lowest one exactly at the first such byte, the others possibly wrong
/// (the classic zero-byte test, whose borrow only runs upwards). `&` and
/// `'` differ only in the lowest bit, `<` and `>` only in the second, so
/// three byte-equality tests cover all five.
fn specials(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    let equal_to = |word: u64, byte: u8| {
        // High bits where `word` has `byte`; the classic test for a zero byte.
        let diff = word ^ (ONES * u64::from(byte));
        diff.wrapping_sub(ONES) & !diff & (ONES << 7)
    };
    equal_to(word, b'"') | equal_to(word | ONES, b'\'') | equal_to(word | (ONES << 1), b'>')
}

/// The entity that stands for `byte` in HTML text and quoted attributes,
/// if it needs one.
fn html_entity(byte: u8) -> Option<&'static str> {
    match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#x27;"),
        _ => None,
    }
}

/// Joins an error with its sources: "a: b: c".
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::{escape_html, write_escaped_html};

    #[test]
    fn escapes_what_html_needs_and_leaves_slashes() {
        assert_eq!(
            escape_html(r#"<a href="/x/">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;/x/&quot;&gt;Tom &amp; Jerry&#x27;s&lt;/a&gt;"
        );
        assert_eq!(escape_html("naïve — ok"), "naïve — ok");
        assert_eq!(escape_html(""), "");
    }

    /// The escaping as first written, one byte at a time.
    fn escaped_bytewise(input: &str) -> String {
        let mut output = String::new();
        for c in input.chars() {
            match c {
                '&' => output.push_str("&amp;"),
                '<' => output.push_str("&lt;"),
                '>' => output.push_str("&gt;"),
                '"' => output.push_str("&quot;"),
                '\'' => output.push_str("&#x27;"),
                c => output.push(c),
            }
        }
        output
    }

    #[test]
    fn blockwise_scan_finds_specials_anywhere() {
        let texts = [
            "exactly8",
            "seven 7",
            "a plain sentence longer than eight bytes, with no specials",
            "12345678<",
            "1234567>",
            "%()*+,-./0123456789:;=?@[]^`{|}~ \u{7f}!#$",
            "multibyte — naïve café 日本語 & more ' \" < > at the end",
            "&&&&&&&&&&&&&&&&",
            "\u{0}\u{1}\u{ff}ÿ",
        ];
        for text in texts {
            assert_eq!(escape_html(text), escaped_bytewise(text), "{text:?}");
        }
        for byte in 0u8..128 {
            for position in 0..16 {
                let mut text = "x".repeat(16);
                text.replace_range(position..position + 1, &char::from(byte).to_string());
                assert_eq!(
                    escape_html(&text),
                    escaped_bytewise(&text),
                    "{byte} at {position}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn escapes_like_the_bytewise_scan(text in "\\PC*") {
            proptest::prop_assert_eq!(escape_html(&text), escaped_bytewise(&text));
        }
    }

    #[test]
    fn tera_hook_writes_what_escape_html_returns() {
        for text in [
            "'\"<&>",
            "a'b\"c<d&e>f",
            "plain",
            "x>",
            "Tom & Jerry's \"café\"",
        ] {
            let mut written = Vec::new();
            write_escaped_html(text, &mut written).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), escape_html(text));
        }
        assert_eq!(escape_html("'\"<&>"), "&#x27;&quot;&lt;&amp;&gt;");
    }
}
