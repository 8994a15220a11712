//! Test support: copies a fixture archive into a temp dir, builds it through
//! the library with a fixed "today", and reads the site back.
//!
//! Copies get a fixed modification time, so anything derived from file times
//! ("last updated", feed timestamps) is the same on every run.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime};

use casebook::diagnostics::Diagnostic;
use casebook::site::{self, BuildOptions, BuildReport, NoProgress};
use jiff::civil::Date;
use tempfile::TempDir;

/// The day every test build judges overdue action items against.
pub const TODAY: Date = jiff::civil::date(2025, 6, 1);

/// `SOURCE_DATE_EPOCH` for [`TODAY`], for runs of the binary.
pub const TODAY_EPOCH: &str = "1748736000";

/// The modification time every copied file gets: 2025-05-01T12:00:00Z.
pub fn fixed_mtime() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_746_100_800)
}

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `../shared/<sub>` beside the checkout, if present. When it is missing,
/// CI must fail rather than skip silently; elsewhere the caller skips.
pub fn shared(sub: &str) -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).join(sub);
    if dir.exists() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing; CI must provide ../shared (corpora and bench scripts)",
            dir.display()
        );
    }
    eprintln!(
        "skipped: {} is missing (set CI to make this fail)",
        dir.display()
    );
    None
}

/// An archive in a temp dir that tests can edit and build.
pub struct TestArchive {
    // Shared with every build of it, so `TestArchive::fixture(…).build()`
    // keeps the folder alive as long as the result is used.
    dir: Arc<TempDir>,
    root: PathBuf,
}

impl TestArchive {
    /// An archive with nothing in it yet.
    pub fn empty() -> TestArchive {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let root = dir.path().join("archive");
        fs::create_dir_all(&root).expect("create the archive root");
        TestArchive {
            dir: Arc::new(dir),
            root,
        }
    }

    /// A copy of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> TestArchive {
        let archive = TestArchive::empty();
        copy_dir(&fixture(name), &archive.root);
        archive
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The temp dir holding the archive (and any output written beside it).
    pub fn temp(&self) -> &Path {
        self.dir.path()
    }

    /// The default output folder, `<root>/public`.
    pub fn public(&self) -> PathBuf {
        self.root.join("public")
    }

    /// Writes a file relative to the archive root, creating folders.
    pub fn write(&self, relative: &str, text: &str) {
        let path = self.root.join(relative);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
        fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        set_fixed_mtime(&path);
    }

    /// Builds with the defaults: no drafts, no base URL, output `public/`.
    pub fn build(&self) -> Built {
        self.build_with(|_| {})
    }

    /// Builds after letting the test adjust the options.
    pub fn build_with(&self, adjust: impl FnOnce(&mut BuildOptions)) -> Built {
        let mut options = BuildOptions {
            root: self.root.clone(),
            output: None,
            base_url: None,
            include_drafts: false,
            today: TODAY,
            no_search: false,
        };
        adjust(&mut options);
        let output = options
            .output
            .clone()
            .unwrap_or_else(|| self.root.join("public"));
        let report = site::build(&options, &NoProgress)
            .unwrap_or_else(|e| panic!("build of {} failed outright: {e:#}", self.root.display()));
        let site = read_tree(&output);
        Built {
            report,
            output,
            site,
            dir: Some(Arc::clone(&self.dir)),
        }
    }
}

/// A finished build: its report, where the site was (or would have been)
/// written, and every file of the site as it was right after the build.
pub struct Built {
    pub report: BuildReport,
    pub output: PathBuf,
    site: BTreeMap<String, Vec<u8>>,
    // Keeps the archive's temp dir alive while the build is in use.
    dir: Option<Arc<TempDir>>,
}

impl Built {
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.report
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect()
    }

    pub fn warnings(&self) -> Vec<&Diagnostic> {
        self.report
            .diagnostics
            .iter()
            .filter(|d| !d.is_error())
            .collect()
    }

    /// Panics, listing the errors, unless the build succeeded.
    pub fn assert_ok(&self) -> &Self {
        let errors = self.errors();
        assert!(
            errors.is_empty(),
            "expected a clean build, got:\n{}",
            render(&errors)
        );
        assert_eq!(
            self.report.output.as_deref(),
            Some(self.output.as_path()),
            "the report names where the site went"
        );
        self
    }

    /// The site exists only in memory from now on; its temp dir is removed
    /// once the archive is dropped. For builds shared by many tests.
    pub fn detached(mut self) -> Built {
        self.dir = None;
        self
    }

    pub fn exists(&self, relative: &str) -> bool {
        self.site.contains_key(relative)
    }

    /// A page of the site as text; panics with the site's files if missing.
    pub fn page(&self, relative: &str) -> String {
        match self.site.get(relative) {
            Some(bytes) => String::from_utf8(bytes.clone())
                .unwrap_or_else(|e| panic!("{relative} is not UTF-8: {e}")),
            None => {
                let files: Vec<&String> = self.site.keys().collect();
                let diagnostics: Vec<&Diagnostic> = self.report.diagnostics.iter().collect();
                panic!(
                    "no {relative} in the site; it has:\n  {}\nthe build said:\n{}",
                    files
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join("\n  "),
                    render(&diagnostics)
                )
            }
        }
    }

    /// A page parsed as HTML.
    pub fn html(&self, relative: &str) -> scraper::Html {
        scraper::Html::parse_document(&self.page(relative))
    }

    /// Every file of the site by `/`-separated relative path.
    pub fn files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.site
    }

    /// Every HTML page of the site, parsed, by path.
    pub fn html_pages(&self) -> impl Iterator<Item = (&str, scraper::Html)> {
        self.site
            .iter()
            .filter(|(path, _)| path.ends_with(".html"))
            .map(|(path, bytes)| {
                (
                    path.as_str(),
                    scraper::Html::parse_document(&String::from_utf8_lossy(bytes)),
                )
            })
    }
}

/// The archive fixture built once with the defaults, shared by the tests
/// that only read it (the build takes most of each test's time).
pub fn archive_site() -> &'static Built {
    static SITE: LazyLock<Built> =
        LazyLock::new(|| TestArchive::fixture("archive").build().detached());
    &SITE
}

/// The archive fixture built once under `https://x.example/sub/`.
pub fn archive_site_under_sub_path() -> &'static Built {
    static SITE: LazyLock<Built> = LazyLock::new(|| {
        TestArchive::fixture("archive")
            .build_with(|o| o.base_url = Some(SUB_PATH_URL.into()))
            .detached()
    });
    &SITE
}

/// The project's sample archive built once with the defaults.
pub fn sample_site() -> &'static Built {
    static SITE: LazyLock<Built> = LazyLock::new(|| sample_archive().build().detached());
    &SITE
}

/// A base URL with a sub-path, as internal hosting often has.
pub const SUB_PATH_URL: &str = "https://x.example/sub/";

/// Diagnostics one per line, compiler style, for assertion messages.
pub fn render(diagnostics: &[&Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Copies a folder recursively. A file named `gitignore` becomes
/// `.gitignore`: fixtures cannot hold a real one without Git ignoring the
/// very files they are meant to ignore.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    let mut entries: Vec<_> = fs::read_dir(from)
        .unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
        .map(|e| e.expect("a directory entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let target_name = if name == "gitignore" {
            ".gitignore".into()
        } else {
            name
        };
        let target = to.join(target_name);
        let kind = entry.file_type().expect("a file type");
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
            set_fixed_mtime(&target);
        }
    }
}

fn set_fixed_mtime(path: &Path) {
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(fixed_mtime()))
        .unwrap_or_else(|e| panic!("set the time of {}: {e}", path.display()));
}

/// Every file under `dir` by `/`-separated relative path, with its bytes.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    collect(dir, dir, &mut files);
    files
}

fn collect(base: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(base, &path, files);
        } else {
            let relative = path
                .strip_prefix(base)
                .expect("under base")
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(relative, fs::read(&path).expect("read a site file"));
        }
    }
}

/// Names in `dir` that look like a build's staging or backup folder
/// (`.public.casebook-staging-…`, `.site.casebook-old-…`).
pub fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                // `.casebook-cache` (the search index) is not a leftover.
                .filter(|n| n.starts_with('.') && n[1..].contains(".casebook-"))
                .collect()
        })
        .unwrap_or_default()
}

/// The `<main>…</main>` element of a page, as written.
pub fn main_element(html: &str) -> &str {
    let start = html.find("<main").expect("the page has a <main> element");
    let end = html[start..]
        .find("</main>")
        .map(|i| start + i + "</main>".len())
        .expect("the <main> element is closed");
    &html[start..end]
}

/// Selects elements with a CSS selector.
pub fn select<'a>(html: &'a scraper::Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let parsed = scraper::Selector::parse(selector)
        .unwrap_or_else(|e| panic!("bad selector {selector:?}: {e:?}"));
    html.select(&parsed).collect()
}

/// The text of an element, whitespace collapsed.
pub fn text(element: &scraper::ElementRef) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every `href` and `src` of a page, entities decoded.
pub fn links(html: &scraper::Html) -> Vec<String> {
    let mut links: Vec<String> = select(html, "[href]")
        .iter()
        .filter_map(|e| e.value().attr("href"))
        .map(str::to_string)
        .collect();
    links.extend(
        select(html, "[src]")
            .iter()
            .filter_map(|e| e.value().attr("src"))
            .map(str::to_string),
    );
    links
}

/// The `casebook` binary, with no colour and a fixed "today".
pub fn casebook() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_casebook"));
    command
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        .env_remove("RUST_LOG");
    command
}

/// Runs the binary and returns its output; stdout and stderr as text.
pub fn run(command: &mut Command) -> (Output, String, String) {
    let output = command.output().expect("run the casebook binary");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    (output, stdout, stderr)
}

/// Decodes the entities the templates' escape writes (`&#x27;` for `'`, …).
pub fn unescape(text: &str) -> String {
    text.replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every value between `open` and the next `close` in `text`, decoded:
/// `between(xml, "<loc>", "</loc>")`, `between(xml, "href=\"", "\"")`.
pub fn between(text: &str, open: &str, close: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(close) else { break };
        values.push(unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    values
}

/// A copy of the project's own sample archive (`content/`, with the
/// project's `casebook.toml`, `templates/` and `static/` if it has them).
pub fn sample_archive() -> TestArchive {
    let archive = TestArchive::empty();
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&project.join("content"), &archive.root.join("content"));
    let config = project.join("casebook.toml");
    if config.is_file() {
        fs::copy(&config, archive.root.join("casebook.toml")).expect("copy casebook.toml");
    }
    for folder in ["templates", "static"] {
        if project.join(folder).is_dir() {
            copy_dir(&project.join(folder), &archive.root.join(folder));
        }
    }
    archive
}

/// The days an action item row says it is overdue: the number in the
/// `.overdue` mark's text, or in its title when the text rounds to months.
pub fn overdue_days(row: &scraper::ElementRef) -> Option<u32> {
    let selector = scraper::Selector::parse(".overdue").expect("a valid selector");
    let mark = row.select(&selector).next()?;
    let number = |s: &str| -> Option<u32> {
        let words: Vec<&str> = s.split_whitespace().collect();
        words.windows(2).find_map(|w| {
            let unit = w[1].to_lowercase();
            (unit == "d" || unit.starts_with("day"))
                .then(|| w[0].parse().ok())
                .flatten()
        })
    };
    number(&text(&mark)).or_else(|| number(mark.value().attr("title").unwrap_or_default()))
}

/// Ids of the incidents that have a page: `incidents/<id>/index.html`.
pub fn incident_ids(site: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    site.keys()
        .filter_map(|p| p.strip_prefix("incidents/")?.strip_suffix("/index.html"))
        .map(str::to_string)
        .collect()
}

/// Slugs of a taxonomy's term pages: `<taxonomy>/<slug>/index.html`.
pub fn term_slugs(site: &BTreeMap<String, Vec<u8>>, taxonomy: &str) -> BTreeSet<String> {
    site.keys()
        .filter_map(|p| {
            p.strip_prefix(taxonomy)?
                .strip_prefix('/')?
                .strip_suffix("/index.html")
        })
        .filter(|slug| !slug.contains('/'))
        .map(str::to_string)
        .collect()
}

/// Generates `n` postmortems plus `broken` broken ones with the shared
/// bench script into `dir/incidents/`, and a config pointing at them.
pub fn generate(dir: &Path, n: usize, broken: usize) -> bool {
    let Some(script) = shared("bench/gen-corpus") else {
        return false;
    };
    let status = Command::new("python3")
        .arg(&script)
        .arg(n.to_string())
        .arg(dir)
        .arg("--broken")
        .arg(broken.to_string())
        .status()
        .unwrap_or_else(|e| panic!("run python3 {}: {e}", script.display()));
    assert!(status.success(), "gen-corpus failed: {status}");
    std::fs::write(dir.join("casebook.toml"), "content_dir = \"incidents\"\n")
        .expect("write casebook.toml");
    true
}
