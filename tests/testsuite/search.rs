//! Search: the tantivy index and its static export, the CLI, the browser
//! client under Node (same top results as the CLI), and the search page in
//! headless Chromium.
//!
//! Node and Chromium tests need `node` and `chromium` on PATH; without them
//! they are skipped locally and fail when `CI` is set.

use crate::common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use casebook::search::{self, SearchRequest};
use casebook::site::{self, BuildOptions, NoProgress};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/search/archive");
const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/search/client.mjs");

/// Queries compared between the browser client and tantivy.
const QUERIES: &[&str] = &[
    "connection pool",
    "replication lag",
    "certificate expired",
    "memory leak",
    "deadlock",
    "deadlok",
    "canary stage",
    "retry storm",
    "queue depth consumers",
    "clock skew tokens",
    "third-party provider",
    "disk usage",
    "feature flag",
    "ledger",
    "settlement jobs",
    "out of memory",
    "\"lock ordering\"",
    "conection pool",
];

/// A fixture archive copied into a temporary folder and built there.
struct Built {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    public: PathBuf,
}

fn build_fixture() -> Built {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("archive");
    crate::support::copy_dir(Path::new(FIXTURE), &root);
    build_with_search(&root);
    Built {
        public: root.join("public"),
        root,
        _tmp: tmp,
    }
}

/// Builds the archive at `root` into `root/public`, search included.
fn build_with_search(root: &Path) {
    let options = BuildOptions {
        root: root.to_path_buf(),
        output: None,
        base_url: None,
        include_drafts: false,
        today: jiff::civil::date(2025, 1, 1),
        no_search: false,
    };
    let report = site::build(&options, &NoProgress).unwrap();
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let name = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .to_string();
            out.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

#[test]
fn build_indexes_and_exports_a_sharded_static_index() {
    let built = build_fixture();
    let dir = built.public.join("search");
    let meta: serde_json::Value =
        serde_json::from_slice(&gunzip(&std::fs::read(dir.join("meta.dat")).unwrap())).unwrap();
    assert_eq!(meta["docs"], 31);
    assert_eq!(meta["fields"][0][0], "title");
    assert!(dir.join("index.html").is_file());
    let files = files_under(&dir);
    assert!(files.keys().any(|k| k.starts_with("t/")), "term files");
    assert!(
        files.keys().any(|k| k.starts_with("v/")),
        "vocabulary files"
    );
    assert!(files.contains_key("c/0.dat") && files.contains_key("f/severity.dat"));
    let biggest = files.values().map(Vec::len).max().unwrap();
    assert!(biggest < 64 * 1024, "no single big file ({biggest} bytes)");
    for (name, bytes) in &files {
        if name.ends_with(".dat") {
            assert_eq!(&bytes[..2], &[0x1f, 0x8b], "{name} is gzip");
        }
    }
    // The vocabulary maps surface words to tantivy's stems.
    let vocab = String::from_utf8(gunzip(&files["v/de.dat"])).unwrap();
    assert!(
        vocab.lines().any(|l| l.starts_with("deadlocked\t2\t")),
        "{vocab}"
    );
    // The tantivy index stays in the build cache.
    assert!(
        built
            .root
            .join(".casebook-cache/search/index/meta.json")
            .is_file()
    );
    assert!(
        built
            .root
            .join(".casebook-cache/search/vocab.tsv")
            .is_file()
    );
}

#[test]
fn export_is_deterministic() {
    let a = build_fixture();
    let b = build_fixture();
    assert_eq!(
        files_under(&a.public.join("search")),
        files_under(&b.public.join("search"))
    );
}

#[test]
fn tantivy_query_filters_and_typos() {
    let built = build_fixture();
    let (index, vocabulary) = search::open(&built.root).unwrap();
    let request = |query: &str| SearchRequest {
        query: query.into(),
        limit: 10,
        ..SearchRequest::default()
    };
    let results = search::query::search(&index, vocabulary.as_ref(), &request("deadlok")).unwrap();
    assert_eq!(results.hits[0].id, "2024/ledger-deadlock");
    assert_eq!(
        results.corrections,
        vec![("deadlok".into(), "deadlock".into())]
    );
    assert!(!results.hits[0].highlights.is_empty());

    let all =
        search::query::search(&index, vocabulary.as_ref(), &request("connection pool")).unwrap();
    let mut filtered = request("connection pool");
    filtered.severity = vec!["SEV-2".into()];
    filtered.since = Some(jiff::civil::date(2022, 1, 1));
    let some = search::query::search(&index, vocabulary.as_ref(), &filtered).unwrap();
    assert!(some.total > 0 && some.total < all.total);
    assert!(
        some.hits
            .iter()
            .all(|h| h.severity.as_deref() == Some("SEV-2") && h.date.as_str() >= "2022-01-01")
    );

    let phrase =
        search::query::search(&index, vocabulary.as_ref(), &request("\"lock ordering\"")).unwrap();
    assert_eq!(phrase.total, 1);
}

/// Runs a command that must succeed and prints JSON; returns the JSON.
fn json_from(command: &mut Command) -> serde_json::Value {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn cli_top_ids(root: &Path, query: &str) -> Vec<String> {
    let json = json_from(
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args(["--root"])
            .arg(root)
            .args(["search", query, "--json", "-n", "10"]),
    );
    json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn browser_client_under_node_ranks_like_tantivy() {
    if !common::have("node") {
        return;
    }
    let built = build_fixture();
    let queries = built.root.join("queries.json");
    std::fs::write(&queries, serde_json::to_vec(QUERIES).unwrap()).unwrap();
    let json = json_from(
        Command::new("node")
            .arg(CLIENT)
            .arg(&built.public)
            .arg(&queries),
    );
    let mut disagreements = Vec::new();
    for (query, answer) in QUERIES.iter().zip(json["queries"].as_array().unwrap()) {
        let js: Vec<String> = answer["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let cli = cli_top_ids(&built.root, query);
        let phrase = query.starts_with('"');
        // Phrases are approximate in the browser: its results must contain tantivy's.
        let agrees = if phrase {
            cli.iter().all(|id| js.contains(id))
        } else {
            js == cli
        };
        if !agrees {
            disagreements.push(format!("{query}: js {js:?} cli {cli:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    let deadlok = &json["queries"][5];
    assert_eq!(deadlok["ids"][0], "2024/ledger-deadlock");
}

/// A common word's term file carries the cards of the documents it ranks
/// highest: a one-word query shows its results without fetching a card
/// file, and every card shown belongs to tantivy's top 10.
#[test]
fn common_words_bring_the_cards_of_their_best_documents() {
    if !common::have("node") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    if !crate::support::generate(root, 300, 0) {
        return;
    }
    build_with_search(root);
    let queries = ["checkout", "payments", "retry storm", "connection pool"];
    let file = root.join("queries.json");
    std::fs::write(&file, serde_json::to_vec(&queries).unwrap()).unwrap();
    let json = json_from(
        Command::new("node")
            .arg(CLIENT)
            .arg(root.join("public"))
            .arg(&file),
    );
    for (query, answer) in queries.iter().zip(json["queries"].as_array().unwrap()) {
        let strings =
            |key: &str| -> Vec<String> { serde_json::from_value(answer[key].clone()).unwrap() };
        let ids = strings("ids");
        assert_eq!(ids.len(), 10, "{query}");
        assert_eq!(ids, cli_top_ids(root, query), "{query}");
        let paths = strings("first_paths");
        assert!(
            paths.iter().any(|p| p.starts_with("t/w/")),
            "{query}: {paths:?}"
        );
        if !query.contains(' ') {
            assert!(
                !paths.iter().any(|p| p.starts_with("c/")),
                "{query} fetched card files: {paths:?}"
            );
        }
    }
}

const SEARCH_JS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/themes/default/static/search.js"
);
const CORPORA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora");

/// The client stems query words itself to find their postings in one
/// fetch: its stemmer must agree with tantivy's on every word of the
/// fixture and of the real postmortem corpora.
#[test]
fn browser_stemmer_agrees_with_tantivy() {
    if !common::have("node") {
        return;
    }
    let mut surfaces = std::collections::BTreeSet::new();
    let mut surface_analyzer = search::SearchIndex::surface_analyzer();
    for dir in [FIXTURE, CORPORA] {
        for entry in walkdir::WalkDir::new(dir) {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                surfaces.extend(search::index::tokens(&mut surface_analyzer, &text));
            }
        }
    }
    assert!(surfaces.len() > 3_000, "{} words", surfaces.len());
    let mut analyzer = search::SearchIndex::analyzer();
    let pairs: Vec<(String, String)> = surfaces
        .into_iter()
        .filter_map(|w| {
            let stem = search::index::tokens(&mut analyzer, &w).pop()?;
            Some((w, stem))
        })
        .collect();
    let script = format!(
        "const api = require({:?}); const pairs = JSON.parse(require('fs').readFileSync(0, 'utf8'));\
         const bad = pairs.filter(([w, s]) => api.stem(w) !== s).map(([w, s]) => [w, s, api.stem(w)]);\
         console.log(JSON.stringify(bad));",
        SEARCH_JS
    );
    let mut child = Command::new("node")
        .args(["-e", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(&pairs).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input).unwrap());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let disagreements: Vec<(String, String, String)> =
        serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        disagreements.is_empty(),
        "{} of {} words stem differently (word, tantivy, search.js): {disagreements:?}",
        disagreements.len(),
        pairs.len()
    );
}

/// Types a query, sees results, opens and applies a facet, moves with the
/// arrow key, follows a result, and collects console errors: the outcome is
/// written into the page for `--dump-dom`.
const HARNESS: &str = r#"<!DOCTYPE html><meta charset="utf-8"><title>harness</title><body>
<pre id="result"></pre>
<script>
const out = { errors: [], steps: [] };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms = 8000) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) { const v = fn(); if (v) return v; await sleep(25); }
  throw new Error('timed out waiting for ' + what);
}
function hook(w) {
  w.addEventListener('error', (e) => out.errors.push('error: ' + e.message));
  w.addEventListener('unhandledrejection', (e) => out.errors.push('rejection: ' + e.reason));
  const original = w.console.error;
  w.console.error = (...a) => { out.errors.push('console: ' + a.join(' ')); original.apply(w.console, a); };
}
(async () => {
  const frame = document.createElement('iframe');
  frame.style.width = '1200px'; frame.style.height = '900px';
  let loads = 0;
  frame.addEventListener('load', () => { loads++; hook(frame.contentWindow); });
  frame.src = '/search/';
  document.body.append(frame);
  await until('search page', () => loads >= 1 && frame.contentDocument.querySelector('#cb-search.cb-ready'));
  const d = frame.contentDocument;
  const input = d.querySelector('#cb-q');
  input.focus();
  for (const c of 'retry storm') {
    input.value += c;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await sleep(15);
  }
  const results = () => [...d.querySelectorAll('#cb-results .cb-result')];
  await until('results', () => results().length >= 3 && /result/.test(d.querySelector('#cb-status').textContent));
  out.steps.push('typed');
  out.status = d.querySelector('#cb-status').textContent;
  out.results = results().length;
  out.marked = d.querySelectorAll('#cb-results mark').length;
  const facet = d.querySelector('details[data-facet=severity]');
  facet.open = true;
  const box = await until('facet values', () => facet.querySelector('input[type=checkbox]'));
  out.facetLabel = box.parentElement.textContent.trim();
  box.click();
  await until('filtered url', () => frame.contentWindow.location.search.includes('severity='));
  await until('filtered results', () => results().length && d.querySelector('#cb-status').textContent !== out.status);
  out.steps.push('faceted');
  out.filteredStatus = d.querySelector('#cb-status').textContent;
  out.badges = [...new Set(results().map((li) => li.querySelector('.badge').textContent))];
  out.url = frame.contentWindow.location.search;
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
  out.selected = String(d.activeElement === results()[0].querySelector('a'));
  const link = results()[0].querySelector('a');
  out.title = link.textContent;
  link.click();
  await until('incident page', () => loads >= 2 && frame.contentWindow.location.pathname.startsWith('/incidents/'));
  out.steps.push('followed');
  out.page = frame.contentWindow.location.pathname;
  out.h1 = frame.contentDocument.querySelector('h1') && frame.contentDocument.querySelector('h1').textContent.trim();
  await sleep(200);
})().catch((e) => out.errors.push('harness: ' + e.message)).finally(() => {
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script>"#;

#[test]
fn search_page_works_in_headless_chromium() {
    if !common::have("chromium") {
        return;
    }
    let built = build_fixture();
    std::fs::write(built.public.join("harness.html"), HARNESS).unwrap();
    let port = common::serve_folder(built.public.clone());
    let (dom, console) =
        common::headless_dom(&format!("http://127.0.0.1:{port}/harness.html"), 60_000);
    let out: serde_json::Value = common::harness_json(&dom, "result");
    assert_eq!(
        out["errors"],
        serde_json::json!([]),
        "{out:#}\n{console:#?}"
    );
    assert_eq!(
        out["steps"],
        serde_json::json!(["typed", "faceted", "followed"]),
        "{out:#}"
    );
    assert!(out["results"].as_u64().unwrap() >= 3, "{out:#}");
    assert!(
        out["marked"].as_u64().unwrap() > 0,
        "matched words are highlighted: {out:#}"
    );
    assert_eq!(
        out["badges"].as_array().unwrap().len(),
        1,
        "one severity after the facet: {out:#}"
    );
    assert_eq!(
        out["selected"], "true",
        "arrow keys move through results: {out:#}"
    );
    assert_eq!(
        out["h1"], out["title"],
        "the followed result is the incident page: {out:#}"
    );
    let console_errors: Vec<&String> = console
        .iter()
        .filter(|l| l.contains("Uncaught") || l.contains("ERROR"))
        .collect();
    assert!(console_errors.is_empty(), "{console_errors:#?}");
}
