//! Accessibility: axe-core (WCAG 2.1 A and AA rules plus axe's best
//! practices) run in headless Chromium over one page of every kind the
//! sample archive's site has, with results shown where the page has them.
//!
//! axe-core comes from `tests/tools` (`npm ci --prefix tests/tools`, which
//! `.ci/run` does); without it or Chromium the test is skipped locally and
//! fails under CI.

use std::path::Path;

use crate::{common, support};

const AXE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/tools/node_modules/axe-core/axe.min.js"
);

/// Pages to audit: every template the site renders, by a page that has
/// content (the search page with results on screen).
const PAGES: &[&str] = &[
    "",
    "incidents/2025/payments-db-pool-exhaustion-settlement-batch/",
    "search/?q=connection+pool",
    "tags/",
    "teams/payments/",
    "severity/",
    "years/2024/",
    "actions/",
    "metrics/",
    "repeats/",
    "digests/",
    "digests/2025-Q1/",
    "404.html",
];

/// Loads each page in an iframe, injects axe and runs it; the violations
/// per page are written into the harness page for `--dump-dom`.
const HARNESS: &str = r#"<!DOCTYPE html><meta charset="utf-8"><title>axe</title><body>
<pre id="result"></pre>
<script>
const PAGES = __PAGES__;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const out = {};
  for (const page of PAGES) {
    const frame = document.createElement('iframe');
    frame.style.width = '1280px'; frame.style.height = '900px';
    const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
    frame.src = '/' + page;
    document.body.append(frame);
    await loaded;
    await sleep(500); // scripts fill in results, filters and charts
    const doc = frame.contentDocument;
    const axe = doc.createElement('script');
    const ready = new Promise((r, e) => { axe.onload = r; axe.onerror = e; });
    axe.src = '/axe.min.js';
    doc.head.append(axe);
    await ready;
    const r = await frame.contentWindow.axe.run(doc, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    out[page] = r.violations.map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} element(s), first ${v.nodes[0].target.join(' ')}`);
    frame.remove();
  }
  document.getElementById('result').textContent = JSON.stringify(out);
})().catch((e) => { document.getElementById('result').textContent = JSON.stringify({ harness: [String(e)] }); });
</script>"#;

#[test]
fn every_kind_of_page_passes_axe() {
    let axe = Path::new(AXE);
    if !axe.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "axe-core is required under CI: npm ci --prefix tests/tools"
        );
        eprintln!("skipped: run `npm ci --prefix tests/tools` for the accessibility audit");
        return;
    }
    if !common::have("chromium") {
        return;
    }
    let site = support::sample_archive().build();
    std::fs::copy(axe, site.output.join("axe.min.js")).unwrap();
    let pages = serde_json::to_string(PAGES).unwrap();
    std::fs::write(
        site.output.join("axe-harness.html"),
        HARNESS.replace("__PAGES__", &pages),
    )
    .unwrap();
    let port = common::serve_folder(site.output.clone());
    let (dom, _) = common::headless_dom(
        &format!("http://127.0.0.1:{port}/axe-harness.html"),
        120_000,
    );
    let results: std::collections::BTreeMap<String, Vec<String>> =
        common::harness_json(&dom, "result");
    assert_eq!(
        results.len(),
        PAGES.len(),
        "every page audited: {results:#?}"
    );
    let failing: Vec<_> = results.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert!(failing.is_empty(), "axe violations: {failing:#?}");
}
