//! Digest tests: selection for an audience, ordering, reading time, the
//! speech rules (no URL, table, timestamp or person name), periods without
//! incidents, the built pages, the CLI, and the Listen control in headless
//! Chromium.
//!
//! The fixture archive is `tests/fixtures/digest/`: March 2024 has five
//! listed incidents (and one kept out with `digest.include: false`),
//! January has two, February none. The mobile team depends on
//! `checkout-api`.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use casebook::archive::Archive;
use casebook::digest::speech::{reading_seconds, word_count};
use casebook::digest::{Audience, Digest, Digester, Format, Period, Reason, Role};
use jiff::civil::{Date, date};
use regex::Regex;

/// "Today" for every test, so overdue action items are fixed.
const TODAY: Date = date(2024, 6, 1);

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/digest")
}

fn load() -> Archive {
    let mut timings = Vec::new();
    let (archive, diagnostics) =
        casebook::site::load_archive(&fixture(), None, false, TODAY, &mut timings);
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "fixture has errors: {errors:?}");
    archive.expect("fixture loads")
}

fn period(key: &str) -> Period {
    Period::parse(key).expect("valid period")
}

fn team(digester: &Digester, name: &str) -> Audience {
    digester.routing().team(name)
}

fn ids(digest: &Digest) -> Vec<&str> {
    digest.items.iter().map(|i| i.id.as_str()).collect()
}

/// Every digest the archive has, including per-team weekly ones the site
/// does not write (the CLI can print them).
fn every_digest(digester: &Digester) -> Vec<Digest> {
    let periods: Vec<Period> = digester.periods().collect();
    periods
        .iter()
        .flat_map(|&p| {
            digester
                .audiences(p)
                .into_iter()
                .filter_map(move |a| digester.digest(p, &a))
        })
        .collect()
}

#[test]
fn team_digest_puts_incidents_touching_the_team_first() {
    let archive = load();
    let digester = Digester::new(&archive);
    let mobile = team(&digester, "mobile");
    let selection = digester.select(period("2024-03"), &mobile).unwrap();
    let picked: Vec<(&str, Role, Option<Reason>)> = selection
        .picks
        .iter()
        .map(|p| {
            (
                archive.incidents[p.index].id.as_str(),
                p.role,
                p.reason.clone(),
            )
        })
        .collect();
    assert_eq!(
        picked,
        vec![
            // The most severe touching incident is featured: it involved
            // checkout-api, which mobile depends on.
            (
                "2024/checkout-db-failover",
                Role::Featured,
                Some(Reason::DependsOn("checkout-api".into()))
            ),
            // Then by severity; at equal severity the team's own first.
            ("2024/mobile-login-loop", Role::Other, Some(Reason::OwnTeam)),
            (
                "2024/checkout-latency",
                Role::Other,
                Some(Reason::DependsOn("checkout-api".into()))
            ),
            // share_with: [mobile]
            (
                "2024/search-indexer-lag",
                Role::Other,
                Some(Reason::SharedWith)
            ),
        ]
    );
    // The data team's warehouse incident does not touch mobile, and the
    // game day is kept out of every digest.
    assert_eq!(selection.counted.len(), 4);
}

#[test]
fn team_digest_ends_with_the_org_wide_featured_incident() {
    let archive = load();
    let digester = Digester::new(&archive);
    let digest = digester
        .digest(period("2024-03"), &team(&digester, "search"))
        .unwrap();
    assert_eq!(
        ids(&digest),
        ["2024/search-indexer-lag", "2024/checkout-db-failover"]
    );
    assert_eq!(digest.items[0].role, Role::Featured);
    assert_eq!(digest.items[1].role, Role::OrgFeatured);
    assert!(
        digest.items[1]
            .heading
            .starts_with("From elsewhere in the organisation")
    );
    // Only the team's own incident is counted in its header.
    assert_eq!(digest.total, 1);
}

#[test]
fn org_digest_orders_by_severity_then_newest() {
    let archive = load();
    let digester = Digester::new(&archive);
    let digest = digester.digest(period("2024-03"), &Audience::Org).unwrap();
    assert_eq!(
        ids(&digest),
        [
            "2024/checkout-db-failover",   // SEV-1, featured
            "2024/checkout-latency",       // SEV-2, 18 March
            "2024/mobile-login-loop",      // SEV-2, 5 March
            "2024/search-indexer-lag",     // SEV-3
            "2024/warehouse-export-delay", // SEV-4
        ]
    );
    assert!(!ids(&digest).contains(&"2024/payments-dry-run"));
    assert_eq!(digest.total, 5);
    let counts: Vec<(&str, usize)> = digest
        .severity_counts
        .iter()
        .map(|c| (c.name.as_str(), c.count))
        .collect();
    assert_eq!(
        counts,
        [("SEV-1", 1), ("SEV-2", 2), ("SEV-3", 1), ("SEV-4", 1)]
    );
    assert_eq!(digest.repeats, 1, "mobile-login-loop repeats January's");
    // February had none; one action item (due 29 March) was done.
    assert_eq!(
        digest.trend,
        "There were none last month. One was a repeat of an earlier incident. One action item was completed."
    );
}

#[test]
fn author_marked_incident_is_featured_over_a_more_severe_one() {
    let archive = load();
    let digester = Digester::new(&archive);
    let digest = digester.digest(period("2024-01"), &Audience::Org).unwrap();
    assert_eq!(
        ids(&digest),
        ["2024/flag-service-hiccup", "2024/mobile-login-january"]
    );
    assert_eq!(digest.featured().unwrap().id, "2024/flag-service-hiccup");
}

#[test]
fn periods_without_incidents_produce_no_digest() {
    let archive = load();
    let digester = Digester::new(&archive);
    let keys: BTreeSet<String> = digester.periods().map(|p| p.key()).collect();
    assert!(keys.contains("2024-03") && keys.contains("2024-01") && keys.contains("2024-Q1"));
    assert!(!keys.contains("2024-02"), "{keys:?}");
    assert!(!keys.contains("2024-Q2"));
    assert!(digester.digest(period("2024-02"), &Audience::Org).is_none());
    assert!(
        digester
            .digest(period("2024-W07"), &Audience::Org)
            .is_none()
    );
    assert!(digester.audiences(period("2024-02")).is_empty());
    // A team nothing touched in the period has no digest either.
    assert!(
        digester
            .digest(period("2024-03"), &team(&digester, "identity"))
            .is_none()
    );
    let error = casebook::digest::render_one(&archive, None, period("2024-02"), None, Format::Text)
        .unwrap_err();
    assert!(error.to_string().contains("no incidents"), "{error}");
}

#[test]
fn reading_time_is_estimated_at_150_words_a_minute() {
    assert_eq!(reading_seconds(150), 60);
    assert_eq!(reading_seconds(151), 61);
    assert_eq!(reading_seconds(75), 30);
    let archive = load();
    let digester = Digester::new(&archive);
    for digest in every_digest(&digester) {
        let spoken = digest.spoken_text();
        assert_eq!(digest.words, word_count(&spoken), "{}", digest.path);
        assert_eq!(digest.reading_seconds, reading_seconds(digest.words));
        let mut item_words = 0;
        for item in &digest.items {
            let words = word_count(&item.heading)
                + item.paragraphs.iter().map(|p| word_count(p)).sum::<usize>()
                + item.lesson.as_deref().map_or(0, word_count)
                + item.actions.iter().map(|a| word_count(a)).sum::<usize>();
            assert_eq!(item.words, words);
            assert_eq!(item.reading_seconds, (words * 60).div_ceil(150) as u32);
            item_words += words;
        }
        assert!(
            digest.words > item_words,
            "the total includes the header and questions"
        );
    }
    let digest = digester.digest(period("2024-03"), &Audience::Org).unwrap();
    let minutes = digest.reading_seconds as f64 / 60.0;
    assert!(
        (2.0..8.0).contains(&minutes),
        "a short digest: {minutes} min"
    );
    assert!(
        digest
            .intro
            .last()
            .unwrap()
            .starts_with("Reading it takes about")
    );
}

#[test]
fn spoken_text_has_no_url_table_timestamp_or_person_name() {
    let archive = load();
    let digester = Digester::new(&archive);
    let clock = Regex::new(r"\b\d{1,2}:\d{2}\b").unwrap();
    let iso_date = Regex::new(r"\b\d{4}-\d{2}-\d{2}").unwrap();
    let numeric_duration =
        Regex::new(r"\b\d+\s?(ms|s|sec|min|mins|minutes|h|hours|days)\b").unwrap();
    let authors: BTreeSet<&str> = archive
        .incidents
        .iter()
        .flat_map(|i| i.authors.iter().map(String::as_str))
        .collect();
    assert!(authors.contains("Jonas Weber") && authors.contains("Mei Takahashi"));
    let digests = every_digest(&digester);
    assert!(digests.len() > 10);
    for digest in &digests {
        let spoken = digest.spoken_text();
        let context = &digest.path;
        for needle in ["http", "://", "www.", ".com", "|", "---"] {
            assert!(
                !spoken.contains(needle),
                "{context}: {needle:?} in\n{spoken}"
            );
        }
        assert!(
            !clock.is_match(&spoken),
            "{context}: clock time in\n{spoken}"
        );
        assert!(
            !iso_date.is_match(&spoken),
            "{context}: raw date in\n{spoken}"
        );
        assert!(
            !numeric_duration.is_match(&spoken),
            "{context}: duration in digits in\n{spoken}"
        );
        for author in &authors {
            assert!(!spoken.contains(author), "{context}: {author} in\n{spoken}");
            for part in author.split_whitespace().filter(|p| p.len() >= 3) {
                let word = Regex::new(&format!(r"\b{}\b", regex::escape(part))).unwrap();
                assert!(!word.is_match(&spoken), "{context}: {part} in\n{spoken}");
            }
        }
    }
    // The body and the authored blurb name people and link dashboards;
    // none of it survives.
    let march = digester.digest(period("2024-03"), &Audience::Org).unwrap();
    let spoken = march.spoken_text();
    assert!(
        spoken.contains("An engineer takes the incident lead"),
        "{spoken}"
    );
    assert!(
        spoken.contains("An engineer spotted it on the dashboard."),
        "{spoken}"
    );
}

#[test]
fn acronyms_are_spelled_out_on_first_use_only() {
    let archive = load();
    let digester = Digester::new(&archive);
    let digest = digester.digest(period("2024-03"), &Audience::Org).unwrap();
    let spoken = digest.spoken_text();
    // PgB comes from the config glossary, and is used more than once.
    assert_eq!(
        spoken.matches("PgBouncer connection pooler (PgB)").count(),
        1,
        "{spoken}"
    );
    let first = spoken.find("(PgB)").unwrap();
    assert!(spoken[first + 5..].contains("PgB"), "later uses stay short");
    // The January digest spells out TLS from the built-in list.
    let january = digester.digest(period("2024-01"), &Audience::Org).unwrap();
    assert!(
        january
            .spoken_text()
            .contains("transport layer security (TLS)"),
        "{}",
        january.spoken_text()
    );
}

#[test]
fn featured_story_is_told_in_order_in_150_to_250_words() {
    let archive = load();
    let digester = Digester::new(&archive);
    let digest = digester.digest(period("2024-03"), &Audience::Org).unwrap();
    let featured = digest.featured().unwrap();
    let story = featured.paragraphs.join(" ");
    let words = word_count(&story);
    assert!((150..=250).contains(&words), "{words} words:\n{story}");
    // In the order people saw things, ending with what surprised the team
    // and why it was not worse.
    let order = [
        "On the fourteenth of March, the payments team had a critical incident.",
        "First, the storage volume under the primary stalls.",
        "The team is puzzled that checkout has not recovered.",
        "What surprised the team?",
        "Why was it not worse?",
    ];
    let mut at = 0;
    for part in order {
        let found = story[at..]
            .find(part)
            .unwrap_or_else(|| panic!("{part:?} missing or out of order in\n{story}"));
        at += found + part.len();
    }
    assert!(
        story.contains("A minute later,"),
        "durations in words: {story}"
    );
    assert!(
        story.contains("It was resolved in about two and a half hours."),
        "{story}"
    );
    // The lesson is phrased for the listener, and open actions follow.
    assert!(
        featured
            .lesson
            .as_deref()
            .unwrap()
            .starts_with("What we can all take from this: Failover has two halves")
    );
    let mobile = digester
        .digest(period("2024-03"), &team(&digester, "mobile"))
        .unwrap();
    let featured = mobile.featured().unwrap();
    assert!(
        featured
            .lesson
            .as_deref()
            .unwrap()
            .starts_with("Your team depends on checkout-api")
    );
    // Only the open action item that involves mobile is read to mobile.
    assert_eq!(
        featured.actions,
        [
            "Open action: Add pooler waiting clients to the mobile checkout dashboard, overdue since the fifteenth of May."
        ]
    );
}

#[test]
fn digests_are_deterministic() {
    let archive = load();
    let first: Vec<String> = every_digest(&Digester::new(&archive))
        .iter()
        .map(|d| d.spoken_text())
        .collect();
    let second: Vec<String> = every_digest(&Digester::new(&archive))
        .iter()
        .map(|d| d.spoken_text())
        .collect();
    assert_eq!(first, second);
    let a = build_site();
    let b = build_site();
    let files = |root: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        let mut out: Vec<(PathBuf, Vec<u8>)> = walk(&root.join("digests"))
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let (fa, fb) = (files(&a.output), files(&b.output));
    assert!(fa.len() > 20);
    assert_eq!(fa.len(), fb.len());
    for ((pa, ba), (pb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(pa, pb);
        assert!(ba == bb, "{} differs between builds", pa.display());
    }
}

#[test]
fn build_writes_digest_pages_index_and_feed() {
    let site = build_site();
    let out = &site.output;
    let read =
        |p: &str| std::fs::read_to_string(out.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    for file in [
        "digests/index.html",
        "digests/atom.xml",
        "digests/2024-03/index.html",
        "digests/2024-03/digest.md",
        "digests/2024-03/digest.txt",
        "digests/2024-Q1/index.html",
        "digests/2024-W11/index.html",
        "digests/2024-01/index.html",
        "digests/2024-03/teams/mobile/index.html",
        "digests/2024-03/teams/mobile/digest.md",
        "digests/2024-03/teams/mobile/digest.txt",
        "digests/2024-Q1/teams/mobile/index.html",
        "digest.js",
        "digest.css",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    // No digest for a period without incidents, and weekly digests are
    // org-wide only in the site.
    assert!(!out.join("digests/2024-02").exists());
    assert!(!out.join("digests/2024-W11/teams").exists());
    // Nothing touched identity in March.
    assert!(!out.join("digests/2024-03/teams/identity").exists());

    let index = read("digests/index.html");
    for link in [
        "/digests/2024-Q1/",
        "/digests/2024-03/",
        "/digests/2024-01/",
        "/digests/2024-W11/",
    ] {
        assert!(index.contains(&format!("href=\"{link}\"")), "{link}");
    }
    assert!(!index.contains("/digests/2024-02/"));
    let feed = read("digests/atom.xml");
    assert!(feed.contains("<entry>") && feed.contains("https://pm.example.com/digests/2024-03/"));

    // Every item links to its full postmortem in the written versions.
    let archive = load();
    let digester = Digester::new(&archive);
    let digest = digester.digest(period("2024-03"), &Audience::Org).unwrap();
    let html = read("digests/2024-03/index.html");
    let markdown = read("digests/2024-03/digest.md");
    for item in &digest.items {
        assert!(
            html.contains(&format!("href=\"{}\"", item.url)),
            "{}",
            item.url
        );
        assert!(
            markdown.contains(&format!("](https://pm.example.com{})", item.url)),
            "{}",
            item.url
        );
    }
    assert!(
        html.contains("data-listen") && html.contains("digest.js") && html.contains("digest.css")
    );
    assert!(html.contains("data-speak"));
    assert!(!markdown.contains('|'), "no tables in the Markdown digest");
    // The plain text is the script to read; links only after the separator.
    let text = read("digests/2024-03/digest.txt");
    let (script, links) = text.split_once("\n-- \n").expect("separator");
    assert!(!script.contains("http"), "{script}");
    assert!(links.contains("https://pm.example.com/incidents/2024/checkout-db-failover/"));
}

#[test]
fn cli_prints_one_digest() {
    let root = fixture();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .arg("--root")
            .arg(&root)
            .arg("digest")
            .args(args)
            .env("SOURCE_DATE_EPOCH", "1717200000")
            .env("NO_COLOR", "1")
            .output()
            .expect("casebook runs")
    };
    let md = run(&[
        "--period",
        "2024-03",
        "--audience",
        "mobile",
        "--format",
        "md",
    ]);
    assert!(
        md.status.success(),
        "{}",
        String::from_utf8_lossy(&md.stderr)
    );
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.starts_with("# Incident digest: March 2024 — mobile team\n"),
        "{md}"
    );
    assert!(md.contains("[Read the full postmortem: Checkout outage during payments-db failover](https://pm.example.com/incidents/2024/checkout-db-failover/)"));
    let again = run(&[
        "--period",
        "2024-03",
        "--audience",
        "mobile",
        "--format",
        "md",
    ]);
    assert_eq!(
        String::from_utf8(again.stdout).unwrap(),
        md,
        "deterministic"
    );

    let txt = run(&["--period", "2024-W11", "--format", "txt"]);
    assert!(txt.status.success());
    assert!(
        String::from_utf8_lossy(&txt.stdout).contains("the week of the eleventh of March, 2024")
    );

    let html = run(&[
        "--period",
        "2024-Q1",
        "--audience",
        "mobile",
        "--format",
        "html",
    ]);
    assert!(
        html.status.success(),
        "{}",
        String::from_utf8_lossy(&html.stderr)
    );
    assert!(String::from_utf8_lossy(&html.stdout).contains("data-listen"));

    let none = run(&["--period", "2024-02"]);
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no incidents"));
    let bad = run(&["--period", "March"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("2024-W12"));
}

/// A built copy of the fixture archive.
struct Site {
    _dir: tempfile::TempDir,
    output: PathBuf,
}

fn build_site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("archive");
    crate::support::copy_dir(&fixture(), &root);
    let output = dir.path().join("public");
    let status = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .arg("--root")
        .arg(&root)
        .arg("--quiet")
        .arg("build")
        .arg("--output")
        .arg(&output)
        .env("SOURCE_DATE_EPOCH", "1717200000")
        .status()
        .expect("casebook runs");
    assert!(status.success(), "build failed");
    Site { _dir: dir, output }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The Listen control in headless Chromium.

/// Installed before any page script: a recording stand-in for the Web
/// Speech API (headless Chromium has no voices), and a trap for errors.
const STUB: &str = r#"<script>
window.__test = { spoken: [], cancels: 0, pauses: 0, resumes: 0, errors: [] };
window.addEventListener("error", function (e) { window.__test.errors.push(String(e.message)); });
(function () {
  var original = console.error;
  console.error = function () {
    window.__test.errors.push(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  var utterances = [];
  var synth = {
    speaking: false, pending: false, paused: false,
    speak: function (u) { utterances.push(u); window.__test.spoken.push({ text: u.text, rate: u.rate }); this.speaking = true; },
    cancel: function () { window.__test.cancels++; this.speaking = false; },
    pause: function () { window.__test.pauses++; this.paused = true; },
    resume: function () { window.__test.resumes++; this.paused = false; },
    getVoices: function () { return []; }
  };
  window.__utterances = utterances;
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
  if (typeof window.SpeechSynthesisUtterance !== "function") {
    window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  }
})();
</script>"#;

/// Runs after digest.js (deferred scripts run before DOMContentLoaded):
/// drives the control and writes what happened into the page.
const DRIVER: &str = r#"<script>
document.addEventListener("DOMContentLoaded", function () {
  var t = window.__test;
  var result = { errors: t.errors };
  try {
    var control = document.querySelector("[data-listen]");
    var play = document.querySelector("[data-listen-play]");
    var next = document.querySelector("[data-listen-next]");
    var speed = document.querySelector("[data-listen-speed]");
    var speaks = function (i) { return document.querySelectorAll("[data-digest-item]")[i].querySelectorAll("[data-speak]"); };
    var text = function (el) { return el.textContent.replace(/\s+/g, " ").trim(); };
    result.visible = !control.hidden;
    play.click();
    result.afterPlay = { spoken: t.spoken.slice(), pressed: play.getAttribute("aria-pressed"), label: play.textContent.trim() };
    result.expectFirst = text(speaks(0)[0]);
    var u = window.__utterances[window.__utterances.length - 1];
    u.onend();
    result.afterEnd = t.spoken[t.spoken.length - 1].text;
    result.expectSecond = text(speaks(0)[1]);
    next.click();
    result.afterNext = { text: t.spoken[t.spoken.length - 1].text, cancels: t.cancels };
    result.expectHeading = text(speaks(1)[0]);
    result.speakingItem = document.querySelectorAll("[data-digest-item]")[1].classList.contains("is-speaking");
    speed.value = "1.5";
    speed.dispatchEvent(new Event("change"));
    result.rateAfterChange = t.spoken[t.spoken.length - 1].rate;
    play.click();
    result.afterPause = { pauses: t.pauses, label: play.textContent.trim() };
    play.click();
    result.afterResume = { resumes: t.resumes, label: play.textContent.trim() };
  } catch (e) {
    t.errors.push("driver: " + e);
  }
  result.errors = t.errors;
  var pre = document.createElement("pre");
  pre.id = "listen-test-result";
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
});
</script>"#;

/// Whether Chromium is installed. Under CI its absence is a failure.
#[test]
fn listen_control_starts_speech_in_headless_chromium() {
    if !common::have("chromium") {
        return;
    }
    let site = build_site();
    let page = site.output.join("digests/2024-03/index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let harness = html
        .replacen("<head>", &format!("<head>\n{STUB}"), 1)
        .replacen("</body>", &format!("{DRIVER}\n</body>"), 1);
    assert_ne!(harness, html, "stub and driver injected");
    std::fs::write(
        site.output.join("digests/2024-03/listen-test.html"),
        harness,
    )
    .unwrap();
    let port = common::serve_folder(site.output.clone());

    // The real page: loads digest.js and its styles without any console message.
    let (dom, console) =
        common::headless_dom(&format!("http://127.0.0.1:{port}/digests/2024-03/"), 5_000);
    assert!(dom.contains("data-digest"), "page did not load:\n{dom}");
    assert!(
        console.is_empty(),
        "console messages on the digest page: {console:#?}"
    );

    // The harness: the same page with speech stubbed, driven by clicks.
    let (dom, console) = common::headless_dom(
        &format!("http://127.0.0.1:{port}/digests/2024-03/listen-test.html"),
        5_000,
    );
    assert!(
        console.is_empty(),
        "console messages in the harness: {console:#?}"
    );
    let result: serde_json::Value = common::harness_json(&dom, "listen-test-result");
    assert_eq!(result["errors"], serde_json::json!([]), "{result:#}");
    assert_eq!(
        result["visible"], true,
        "the Listen control shows: {result:#}"
    );
    // Listen starts speech synthesis with the first spoken line.
    let first = &result["afterPlay"]["spoken"][0]["text"];
    assert_eq!(first, &result["expectFirst"], "{result:#}");
    assert!(
        first
            .as_str()
            .unwrap()
            .starts_with("This is the incident digest for March 2024")
    );
    assert_eq!(result["afterPlay"]["pressed"], "true");
    assert!(
        result["afterPlay"]["label"]
            .as_str()
            .unwrap()
            .ends_with("Pause")
    );
    // When one line ends, the next is spoken.
    assert_eq!(result["afterEnd"], result["expectSecond"], "{result:#}");
    // Next item cancels and moves to the next item's heading.
    assert_eq!(
        result["afterNext"]["text"], result["expectHeading"],
        "{result:#}"
    );
    assert!(result["afterNext"]["cancels"].as_u64().unwrap() >= 1);
    assert!(
        result["expectHeading"]
            .as_str()
            .unwrap()
            .starts_with("Our featured story")
    );
    assert_eq!(result["speakingItem"], true);
    // Speed applies at once; play/pause toggles.
    assert_eq!(result["rateAfterChange"], 1.5, "{result:#}");
    assert_eq!(result["afterPause"]["pauses"], 1);
    assert!(
        result["afterPause"]["label"]
            .as_str()
            .unwrap()
            .ends_with("Resume")
    );
    assert_eq!(result["afterResume"]["resumes"], 1);
    assert!(
        result["afterResume"]["label"]
            .as_str()
            .unwrap()
            .ends_with("Pause")
    );
}

// ---------------------------------------------------------------------------
// Timing on a large generated archive (not a test of correctness).

#[test]
#[ignore = "timing: python3 ../shared/bench/gen-corpus 10000 /tmp/d10k; DIGEST_BENCH_ROOT=/tmp/d10k cargo test --release --test testsuite digest:: -- --ignored --nocapture"]
fn timing_large_archive() {
    let Some(root) = std::env::var_os("DIGEST_BENCH_ROOT").map(PathBuf::from) else {
        eprintln!("set DIGEST_BENCH_ROOT to an archive");
        return;
    };
    let mut timings = Vec::new();
    let (archive, _) = casebook::site::load_archive(&root, None, false, TODAY, &mut timings);
    let archive = archive.expect("archive loads");
    let clock = Instant::now();
    let digester = Digester::new(&archive);
    let plan: Vec<(Period, Vec<Audience>)> = digester
        .periods()
        .map(|p| (p, digester.audiences(p)))
        .collect();
    println!(
        "digester: {:?}; {} periods, {} possible digests (every team, every period)",
        clock.elapsed(),
        plan.len(),
        plan.iter().map(|p| p.1.len()).sum::<usize>()
    );
    let theme = casebook::templates::Theme::load(&root, &archive.config).unwrap();
    let out = tempfile::tempdir().unwrap();
    let staging = casebook::output::Staging::create(&out.path().join("site")).unwrap();
    let views = casebook::render::views::Views::new(&archive);
    let clock = Instant::now();
    let cpu = cpu_seconds();
    let files = casebook::digest::write_pages(&archive, &theme, &staging, &views).unwrap();
    println!(
        "write_pages: {:?} wall, {:.2} s CPU, {files} files",
        clock.elapsed(),
        cpu_seconds() - cpu
    );
}

/// User + system CPU time of this process so far (Linux), in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    // utime and stime: fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    ticks / 100.0
}
