//! Building `fixtures/archive` and `fixtures/minimal`: which pages exist and
//! what the incident pages, listings, feeds and exports say.

use std::collections::BTreeSet;

use crate::support::{
    SUB_PATH_URL, TestArchive, archive_site, archive_site_under_sub_path, between, incident_ids,
    links, overdue_days, select, term_slugs, text,
};

/// Ids of the archive fixture's published (non-draft) postmortems.
const PUBLISHED: &[&str] = &[
    "2023/2023-11-02-dns-resolver-outage",
    "2023/payments-pool-exhaustion",
    "2024/cache-stampede",
    "2024/checkout-db-failover",
    "2025/kafka-consumer-lag",
    "2025/search-latency-regression",
];
const DRAFT: &str = "2025/draft-login-outage";
const MAIN: &str = "incidents/2024/checkout-db-failover/index.html";

/// Terms of each taxonomy in the published archive.
const TERMS: &[(&str, &[&str])] = &[
    (
        "tags",
        &[
            "batch-job",
            "cache",
            "config-change",
            "connection-pool",
            "database",
            "deploy",
            "failover",
            "latency",
            "queue-backlog",
        ],
    ),
    ("teams", &["data", "payments", "platform", "search"]),
    (
        "services",
        &[
            "catalog-api",
            "checkout-api",
            "kafka",
            "order-emails",
            "payments-db",
            "pgbouncer",
            "redis-cache",
            "search-api",
            "settlement-batch",
        ],
    ),
    ("severity", &["sev-1", "sev-2", "sev-3", "sev-4"]),
    ("years", &["2023", "2024", "2025"]),
];

fn incident_page(id: &str) -> String {
    format!("incidents/{id}/index.html")
}

#[test]
fn archive_has_every_expected_page() {
    let built = archive_site();
    built.assert_ok();
    assert_eq!(built.report.incidents, PUBLISHED.len());

    let mut expected = vec![
        "index.html".to_string(),
        "atom.xml".into(),
        "sitemap.xml".into(),
        "404.html".into(),
        "incidents.json".into(),
    ];
    expected.extend(PUBLISHED.iter().map(|id| incident_page(id)));
    for (taxonomy, terms) in TERMS {
        expected.push(format!("{taxonomy}/index.html"));
        for term in *terms {
            expected.push(format!("{taxonomy}/{term}/index.html"));
            expected.push(format!("{taxonomy}/{term}/atom.xml"));
        }
    }
    let files = built.files();
    let missing: Vec<&String> = expected
        .iter()
        .filter(|p| !files.contains_key(*p))
        .collect();
    assert!(missing.is_empty(), "missing pages: {missing:#?}");

    // Exactly one page per published postmortem, and one page per term.
    assert_eq!(
        incident_ids(files),
        PUBLISHED.iter().map(|id| id.to_string()).collect()
    );
    for (taxonomy, terms) in TERMS {
        assert_eq!(
            term_slugs(files, taxonomy),
            terms.iter().map(|t| t.to_string()).collect(),
            "terms of {taxonomy}"
        );
    }
    // Every taxonomy index links to each of its term pages.
    for (taxonomy, terms) in TERMS {
        let page = built.html(&format!("{taxonomy}/index.html"));
        let hrefs = links(&page);
        for term in *terms {
            let url = format!("/{taxonomy}/{term}/");
            assert!(hrefs.contains(&url), "{taxonomy}/index.html links to {url}");
        }
    }
}

#[test]
fn drafts_are_built_only_on_request() {
    let built = archive_site();
    built.assert_ok();
    assert!(!built.exists(&incident_page(DRAFT)));
    assert!(!built.exists("tags/draft-only/index.html"));
    assert!(!built.exists("teams/identity/index.html"));
    for page in ["index.html", "atom.xml", "sitemap.xml", "incidents.json"] {
        assert!(
            !built.page(page).contains("DRAFT login outage"),
            "{page} mentions the draft"
        );
    }

    let archive = TestArchive::fixture("archive");
    let with_drafts = archive.build_with(|o| o.include_drafts = true);
    with_drafts.assert_ok();
    assert_eq!(with_drafts.report.incidents, PUBLISHED.len() + 1);
    let page = with_drafts.html(&incident_page(DRAFT));
    let badges: Vec<String> = select(&page, ".badges .badge").iter().map(text).collect();
    assert!(badges.contains(&"Draft".to_string()), "badges: {badges:?}");
    assert!(with_drafts.exists("tags/draft-only/index.html"));
    assert!(with_drafts.exists("teams/identity/atom.xml"));
    assert!(
        with_drafts
            .page("index.html")
            .contains("DRAFT login outage")
    );
}

#[test]
fn incident_page_shows_metadata_durations_and_teams() {
    let built = archive_site();
    built.assert_ok();
    let page = built.html(MAIN);

    let title: Vec<String> = select(&page, "article.incident h1")
        .iter()
        .map(text)
        .collect();
    assert_eq!(title, ["Checkout outage during payments-db failover"]);
    let severity: Vec<String> = select(&page, ".badges .badge.sev-1")
        .iter()
        .map(text)
        .collect();
    assert_eq!(severity, ["SEV-1"]);
    let impact: Vec<String> = select(&page, ".badges .badge.impact")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        impact,
        ["Customer impact"],
        "data_loss: false shows no badge"
    );

    let facts: Vec<(String, String)> = select(&page, "dl.facts > div")
        .iter()
        .map(|div| {
            let dt = select_in(div, "dt");
            let dd = select_in(div, "dd");
            (dt, dd)
        })
        .collect();
    for (label, value) in [
        ("Date", "14 Mar 2024"),
        ("Time to detect", "2 min"),
        ("Time to mitigate", "32 min"),
        ("Time to resolve", "2 h 38 min"),
        ("Written by", "Payments on-call"),
    ] {
        assert!(
            facts.contains(&(label.to_string(), value.to_string())),
            "expected {label}: {value} in {facts:?}"
        );
    }
    let team_links: Vec<(String, String)> = select(&page, "dl.facts a.term")
        .iter()
        .map(|a| (text(a), a.value().attr("href").unwrap_or("").to_string()))
        .collect();
    for (name, href) in [
        ("payments", "/teams/payments/"),
        ("platform", "/teams/platform/"),
        ("pgbouncer", "/services/pgbouncer/"),
        ("failover", "/tags/failover/"),
    ] {
        assert!(
            team_links.contains(&(name.to_string(), href.to_string())),
            "expected a link {name} → {href} in {team_links:?}"
        );
    }
    let moments: Vec<String> = select(&page, "ol.moments time")
        .iter()
        .filter_map(|t| t.value().attr("datetime").map(str::to_string))
        .collect();
    assert_eq!(
        moments,
        [
            "2024-03-14T14:32:00Z",
            "2024-03-14T14:34:00Z",
            "2024-03-14T15:04:00Z",
            "2024-03-14T17:10:00Z"
        ]
    );

    // Durations given as a `durations:` map, without exact times.
    let stampede = built.html(&incident_page("2024/cache-stampede"));
    let values: Vec<String> = select(&stampede, "dl.facts dd").iter().map(text).collect();
    assert!(values.contains(&"6 min".to_string()), "{values:?}");
    assert!(values.contains(&"45 min".to_string()), "{values:?}");
}

fn select_in(element: &scraper::ElementRef, selector: &str) -> String {
    let parsed = scraper::Selector::parse(selector).expect("a valid selector");
    element
        .select(&parsed)
        .next()
        .map(|e| text(&e))
        .unwrap_or_default()
}

#[test]
fn incident_page_has_a_visual_timeline() {
    let built = archive_site();
    let page = built.html(MAIN);
    let events = select(&page, "ol.timeline > li.event");
    assert_eq!(events.len(), 6, "one event per timeline entry");
    let first_time = select(&page, "ol.timeline > li.event time");
    let times: Vec<(String, String)> = first_time
        .iter()
        .map(|t| {
            (
                text(t),
                t.value().attr("datetime").unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        times[0],
        ("14:32".to_string(), "2024-03-14T14:32:00Z".to_string())
    );
    assert_eq!(
        times[5],
        ("17:10".to_string(), "2024-03-14T17:10:00Z".to_string())
    );
    let texts: Vec<String> = select(&page, "ol.timeline .event-text")
        .iter()
        .map(text)
        .collect();
    assert_eq!(texts[2], "Patroni promotes the replica in the other zone.");
    let offsets: Vec<String> = select(&page, "ol.timeline .event-offset")
        .iter()
        .map(text)
        .collect();
    assert_eq!(offsets[3], "+20 min", "offset from `started`: {offsets:?}");

    // Two entries are enough for a timeline; the search incident has two.
    let search = built.html(&incident_page("2025/search-latency-regression"));
    assert_eq!(select(&search, "ol.timeline > li.event").len(), 2);
    // A postmortem without a Timeline section gets none.
    let dns = built.html(&incident_page("2023/2023-11-02-dns-resolver-outage"));
    assert!(select(&dns, "ol.timeline").is_empty());
}

#[test]
fn action_items_are_marked_overdue_against_today() {
    let built = archive_site();
    let page = built.html(MAIN);
    let rows = select(&page, "table.actions-table tbody tr");
    assert_eq!(rows.len(), 3, "one row per action item");
    let row = |i: usize| text(&rows[i]).to_lowercase();
    let overdue = |i: usize| rows[i].value().classes().any(|c| c == "is-overdue");

    // Open, due 2025-01-15: 137 days overdue on 2025-06-01.
    assert!(overdue(0), "{}", row(0));
    assert!(row(0).starts_with("set query_timeout on every pgbouncer"));
    assert_eq!(overdue_days(&rows[0]), Some(137), "{}", row(0));
    // In progress and due in the future: not overdue.
    assert!(!overdue(1) && !row(1).contains("overdue"), "{}", row(1));
    assert!(row(1).contains("in progress"), "{}", row(1));
    // Done, with a due date long past: never overdue.
    assert!(!overdue(2) && !row(2).contains("overdue"), "{}", row(2));
    assert!(row(2).contains("done"), "{}", row(2));
    assert_eq!(select(&page, "table.actions-table .overdue").len(), 1);

    // Task-list items become tracked items too: `(owner, due)` is read.
    let kafka = built.html(&incident_page("2025/kafka-consumer-lag"));
    let kafka_rows = select(&kafka, "table.actions-table tbody tr");
    let kafka_text: Vec<String> = kafka_rows.iter().map(text).collect();
    assert_eq!(kafka_rows.len(), 2, "{kafka_text:?}");
    assert!(
        kafka_text[0].starts_with("Pin the consumer group's session timeout data"),
        "{kafka_text:?}"
    );
    assert_eq!(overdue_days(&kafka_rows[0]), Some(17), "{kafka_text:?}");
    assert_eq!(overdue_days(&kafka_rows[1]), None, "done: {kafka_text:?}");
}

#[test]
fn home_page_counts_open_and_overdue_actions() {
    let built = archive_site();
    let home = built.html("index.html");
    let stats: Vec<(String, String)> = select(&home, "dl.stats > div")
        .iter()
        .map(|div| (select_in(div, "dt"), select_in(div, "dd")))
        .collect();
    // Open: failover ×2, pool exhaustion ×1, cache stampede ×1, kafka ×1.
    // Overdue on 2025-06-01: failover #1, pool exhaustion #2, kafka #1.
    for (label, value) in [
        ("Postmortems", "6"),
        ("Teams", "4"),
        ("Open", "5"),
        ("Overdue", "3"),
    ] {
        assert!(
            stats
                .iter()
                .any(|(l, v)| l.starts_with(label) && v == value),
            "expected {label}… = {value} in {stats:?}"
        );
    }
    let cards = select(&home, ".recent article.card");
    assert_eq!(cards.len(), PUBLISHED.len());
    // Newest first.
    let first = select(&home, ".recent article.card h3 a");
    assert_eq!(
        first[0].value().attr("href"),
        Some("/incidents/2025/kafka-consumer-lag/")
    );
    assert_eq!(
        first[5].value().attr("href"),
        Some("/incidents/2023/payments-pool-exhaustion/")
    );
}

#[test]
fn related_incidents_and_relative_links() {
    let built = archive_site();
    let page = built.html(MAIN);
    let related: Vec<&str> = select(&page, "section.related article.card h3 a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        related.contains(&"/incidents/2024/cache-stampede/"),
        "`related` is listed: {related:?}"
    );
    assert!(
        related.contains(&"/incidents/2023/payments-pool-exhaustion/"),
        "`recurrence_of` is listed: {related:?}"
    );
    // Explicit links work both ways.
    let earlier = built.html(&incident_page("2023/payments-pool-exhaustion"));
    let back: Vec<&str> = select(&earlier, "section.related article.card h3 a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        back.contains(&"/incidents/2024/checkout-db-failover/"),
        "{back:?}"
    );

    // `../2023/payments-pool-exhaustion.md#timeline` → the incident's URL.
    let body_links: Vec<&str> = select(&page, ".incident-body a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        body_links.contains(&"/incidents/2023/payments-pool-exhaustion/#timeline"),
        "{body_links:?}"
    );
    let search = built.html(&incident_page("2025/search-latency-regression"));
    let search_links: Vec<&str> = select(&search, ".incident-body a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        search_links.contains(&"/incidents/2024/checkout-db-failover/"),
        "{search_links:?}"
    );
    // No incident page links to a postmortem's Markdown source.
    for (path, html) in built.html_pages() {
        if path.starts_with("incidents/") {
            let md: Vec<String> = links(&html)
                .into_iter()
                .filter(|l| {
                    let l = l.split('#').next().unwrap_or_default();
                    l.ends_with(".md") || l.starts_with("casebook-incident:")
                })
                .collect();
            assert!(md.is_empty(), "{path} still links to Markdown: {md:?}");
        }
    }
}

#[test]
fn mermaid_is_loaded_only_where_a_diagram_is() {
    let built = archive_site();
    let stampede = built.html(&incident_page("2024/cache-stampede"));
    let scripts: Vec<&str> = select(&stampede, "script[src]")
        .iter()
        .filter_map(|s| s.value().attr("src"))
        .collect();
    // Every page loads the search client; only this one loads Mermaid.
    assert_eq!(scripts, ["/search.js", "/vendor/mermaid.min.js"]);
    let diagrams: Vec<String> = select(&stampede, "pre.mermaid").iter().map(text).collect();
    assert_eq!(diagrams.len(), 1);
    assert!(diagrams[0].starts_with("flowchart TD"), "{diagrams:?}");
    assert!(diagrams[0].contains("Deploy[Deploy flushes cache] --> Miss"));

    for (path, html) in built.html_pages() {
        if path != incident_page("2024/cache-stampede") {
            let loads: Vec<String> = links(&html)
                .into_iter()
                .filter(|l| l.contains("mermaid"))
                .collect();
            assert!(
                loads.is_empty(),
                "{path} loads mermaid without a diagram: {loads:?}"
            );
        }
    }
}

#[test]
fn every_internal_link_resolves_to_a_file() {
    for (built, prefix) in [
        (archive_site(), "/"),
        (archive_site_under_sub_path(), "/sub/"),
    ] {
        built.assert_ok();
        let files = built.files();
        let mut broken = BTreeSet::new();
        for (path, html) in built.html_pages() {
            for link in links(&html) {
                let Some(local) = link.strip_prefix(prefix) else {
                    continue;
                };
                let local = local.split(['#', '?']).next().unwrap_or_default();
                let target = if local.is_empty() || local.ends_with('/') {
                    format!("{local}index.html")
                } else {
                    local.to_string()
                };
                if !files.contains_key(&target) {
                    broken.insert(format!("{path} → {link}"));
                }
            }
        }
        assert!(broken.is_empty(), "links to missing files: {broken:#?}");
    }
}

#[test]
fn incidents_json_lists_every_incident_with_action_items() {
    let built = archive_site();
    let json: serde_json::Value =
        serde_json::from_str(&built.page("incidents.json")).expect("incidents.json parses");
    assert_eq!(json["count"], PUBLISHED.len());
    let incidents = json["incidents"].as_array().expect("an incidents array");
    let ids: BTreeSet<&str> = incidents.iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(ids, PUBLISHED.iter().copied().collect());
    for incident in incidents {
        let id = incident["id"].as_str().unwrap_or_default();
        assert_eq!(incident["url"], format!("/incidents/{id}/"));
        assert!(
            incident["action_items"].is_array(),
            "{id} has an action_items list"
        );
    }
    let by_id = |id: &str| {
        incidents
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("{id} in incidents.json"))
    };
    let failover = by_id("2024/checkout-db-failover");
    assert_eq!(
        failover["title"],
        "Checkout outage during payments-db failover"
    );
    assert_eq!(failover["severity"]["name"], "SEV-1");
    assert_eq!(failover["date"], "2024-03-14");
    let items: Vec<(&str, &str, &str, &str)> = failover["action_items"]
        .as_array()
        .expect("action items")
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap_or_default(),
                a["owner"].as_str().unwrap_or_default(),
                a["due"].as_str().unwrap_or_default(),
                a["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            (
                "Set query_timeout on every PgBouncer",
                "platform",
                "2025-01-15",
                "open"
            ),
            (
                "Rehearse a failover every month",
                "payments",
                "2025-09-30",
                "in-progress"
            ),
            (
                "Add a stuck-connection alert",
                "platform",
                "2024-04-30",
                "done"
            ),
        ]
    );
    assert_eq!(
        failover["action_items"][0]["id"],
        "2024/checkout-db-failover#1"
    );
    let pool = by_id("2023/payments-pool-exhaustion");
    let statuses: Vec<&str> = pool["action_items"]
        .as_array()
        .expect("action items")
        .iter()
        .filter_map(|a| a["status"].as_str())
        .collect();
    assert_eq!(statuses, ["done", "open"]);
    assert_eq!(
        by_id("2025/kafka-consumer-lag")["severity"]["name"],
        "SEV-2",
        "alias sev2"
    );
}

#[test]
fn base_url_sub_path_prefixes_every_link() {
    let built = archive_site_under_sub_path();
    built.assert_ok();
    for (path, html) in built.html_pages() {
        for link in links(&html) {
            if link.starts_with('/') {
                assert!(
                    link.starts_with("/sub/"),
                    "{path}: {link} ignores the base path"
                );
            }
        }
    }
    let page = built.html(MAIN);
    let body_links: Vec<String> = links(&page);
    for expected in [
        "/sub/incidents/2023/payments-pool-exhaustion/#timeline",
        "/sub/teams/payments/",
        "/sub/incidents/2024/cache-stampede/",
    ] {
        assert!(body_links.contains(&expected.to_string()), "{expected}");
    }
    let stampede = built.html(&incident_page("2024/cache-stampede"));
    assert!(links(&stampede).contains(&"/sub/vendor/mermaid.min.js".to_string()));
    let json: serde_json::Value =
        serde_json::from_str(&built.page("incidents.json")).expect("incidents.json parses");
    assert_eq!(
        json["incidents"][0]["url"],
        "/sub/incidents/2025/kafka-consumer-lag/"
    );
}

#[test]
fn feeds_and_sitemap_use_the_absolute_base_url() {
    let built = archive_site_under_sub_path();
    built.assert_ok();
    let incident_url = format!("{SUB_PATH_URL}incidents/2024/checkout-db-failover/");
    let mut problems = Vec::new();
    let mut feeds = 0;
    // Every feed and the sitemap: each URL is the base URL + the page's path.
    for (path, bytes) in built.files() {
        if !path.ends_with(".xml") {
            continue;
        }
        feeds += 1;
        let xml = String::from_utf8_lossy(bytes);
        let urls: Vec<String> = between(&xml, "href=\"", "\"")
            .into_iter()
            .chain(between(&xml, "<id>", "</id>"))
            .chain(between(&xml, "<loc>", "</loc>"))
            .collect();
        assert!(!urls.is_empty(), "{path} has no URLs");
        problems.extend(
            urls.iter()
                .filter(|url| !url.starts_with(SUB_PATH_URL) || url.contains("/sub/sub/"))
                .map(|url| format!("{path}: {url}")),
        );
    }
    assert!(
        feeds >= 30,
        "{feeds} feeds: one per term, the site's and the sitemap"
    );
    let atom = built.page("atom.xml");
    if !between(&atom, "href=\"", "\"").contains(&incident_url) {
        problems.push(format!("atom.xml has no entry linking to {incident_url}"));
    }
    let locs = between(&built.page("sitemap.xml"), "<loc>", "</loc>");
    for expected in [SUB_PATH_URL.to_string(), incident_url.clone()] {
        if !locs.contains(&expected) {
            problems.push(format!("sitemap.xml has no <loc>{expected}</loc>"));
        }
    }
    let shown = problems.len();
    problems.truncate(12);
    assert!(
        problems.is_empty(),
        "feed and sitemap URLs must be {SUB_PATH_URL} + the page's path; {shown} are not, e.g.:\n{}",
        problems.join("\n")
    );
}

#[test]
fn term_pages_and_feeds_list_their_incidents() {
    let built = archive_site();
    // "Platform" and "platform" are one team.
    let platform = built.html("teams/platform/index.html");
    let listed: Vec<&str> = select(&platform, "article.card h3 a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(
        listed,
        [
            "/incidents/2025/kafka-consumer-lag/",
            "/incidents/2024/cache-stampede/",
            "/incidents/2024/checkout-db-failover/",
        ]
    );
    // `sev2` is an alias of SEV-2.
    let sev2 = built.html("severity/sev-2/index.html");
    assert_eq!(select(&sev2, "article.card").len(), 2);
    let feed = built.page("teams/payments/atom.xml");
    assert_eq!(feed.matches("<entry>").count(), 2, "{feed}");
    assert!(feed.contains("[SEV-1] Checkout outage during payments-db failover"));
    let site_feed = built.page("atom.xml");
    assert_eq!(site_feed.matches("<entry>").count(), PUBLISHED.len());
    let sitemap = built.page("sitemap.xml");
    for id in PUBLISHED {
        assert!(
            between(&sitemap, "<loc>", "</loc>").contains(&format!("/incidents/{id}/")),
            "sitemap lists {id}"
        );
    }
}

/// An incident page's sitemap entry carries the day its file was last
/// changed (every fixture file's time is 2025-05-01, and the fixture is
/// not a Git checkout); no other page carries a day.
#[test]
fn the_sitemap_dates_incident_pages_by_their_files() {
    let built = archive_site();
    let sitemap = built.page("sitemap.xml");
    let entries = between(&sitemap, "<url>", "</url>");
    let mut dated = BTreeSet::new();
    for entry in &entries {
        let loc = between(entry, "<loc>", "</loc>").concat();
        let lastmod = between(entry, "<lastmod>", "</lastmod>");
        match loc
            .strip_prefix("/incidents/")
            .and_then(|id| id.strip_suffix('/'))
        {
            Some(id) => {
                assert_eq!(lastmod, ["2025-05-01"], "{loc}");
                dated.insert(id.to_string());
            }
            None => assert!(lastmod.is_empty(), "{loc} has no day: {lastmod:?}"),
        }
    }
    let published: BTreeSet<String> = PUBLISHED.iter().map(|id| id.to_string()).collect();
    assert_eq!(dated, published);
}

#[test]
fn file_without_front_matter_uses_heading_and_file_name_date() {
    let built = archive_site();
    let page = built.html(&incident_page("2023/2023-11-02-dns-resolver-outage"));
    let title: Vec<String> = select(&page, "article.incident h1")
        .iter()
        .map(text)
        .collect();
    assert_eq!(title, ["Office DNS resolver outage"]);
    let date: Vec<&str> = select(&page, "dl.facts time")
        .iter()
        .filter_map(|t| t.value().attr("datetime"))
        .collect();
    assert_eq!(date, ["2023-11-02"]);
    let unrated: Vec<String> = select(&page, ".badges .badge.sev-none")
        .iter()
        .map(text)
        .collect();
    assert_eq!(unrated, ["Unrated"]);
    let warnings = built.warnings();
    let assumed: Vec<_> = warnings
        .iter()
        .filter(|d| d.path.ends_with("2023/2023-11-02-dns-resolver-outage.md"))
        .collect();
    assert_eq!(assumed.len(), 1, "{assumed:?}");
    assert_eq!(assumed[0].rule, "content/assumed");
    assert!(
        assumed[0].message.contains("2023-11-02") && assumed[0].message.contains("file name"),
        "the warning says what was assumed: {}",
        assumed[0].message
    );
}

#[test]
fn gitignored_file_is_not_published() {
    let archive = TestArchive::fixture("archive");
    assert!(archive.root().join(".gitignore").is_file());
    assert!(
        archive
            .root()
            .join("content/2024/scratch-notes.md")
            .is_file()
    );
    let built = archive.build();
    built.assert_ok();
    assert!(!built.exists("incidents/2024/scratch-notes/index.html"));
    for (path, bytes) in built.files() {
        assert!(
            !String::from_utf8_lossy(bytes).contains("SCRATCH NOTES"),
            "{path} publishes the ignored file"
        );
    }
    assert!(
        built
            .report
            .diagnostics
            .iter()
            .all(|d| !d.path.to_string_lossy().contains("scratch")),
        "the ignored file is not even read"
    );

    // Without the .gitignore it would be an incident: the fixture is honest.
    std::fs::remove_file(archive.root().join(".gitignore")).expect("remove .gitignore");
    let unignored = archive.build();
    assert!(unignored.exists("incidents/2024/scratch-notes/index.html"));
}

#[test]
fn templates_folder_overrides_one_theme_template() {
    let built = archive_site();
    let not_found = built.page("404.html");
    assert!(not_found.contains("FIXTURE-OVERRIDE: no postmortem here"));
    assert!(
        !not_found.contains("Page not found"),
        "the default 404 is replaced"
    );
    assert!(
        not_found.contains("class=\"site-header\""),
        "the override still extends the theme's base.html"
    );
    assert!(not_found.contains("<title>Lost · Fixture Postmortems</title>"));
    for (path, bytes) in built.files() {
        if path != "404.html" {
            assert!(
                !String::from_utf8_lossy(bytes).contains("FIXTURE-OVERRIDE"),
                "{path}"
            );
        }
    }
    // Other templates are the theme's own.
    assert!(built.page(MAIN).contains("class=\"incident-head\""));
}

#[test]
fn minimal_archive_builds() {
    let built = TestArchive::fixture("minimal").build();
    built.assert_ok();
    assert!(built.warnings().is_empty(), "{:?}", built.warnings());
    assert_eq!(built.report.incidents, 1);
    let home = built.html("index.html");
    let titles: Vec<String> = select(&home, "article.card h3").iter().map(text).collect();
    assert_eq!(titles, ["Login timeouts after a session-store restart"]);
    let page = built.html("incidents/2024/login-timeouts/index.html");
    assert_eq!(select(&page, "ol.timeline > li.event").len(), 2);
    assert!(
        built
            .page("index.html")
            .contains("<title>Minimal archive</title>")
    );
    assert!(built.exists("teams/identity/atom.xml"));
}

#[test]
fn content_is_escaped_sanitised_and_never_a_template() {
    let archive = TestArchive::empty();
    archive.write(
        "content/2024/hostile.md",
        r#"---
title: "<script>alert('title')</script> & friends"
date: 2024-05-01
severity: SEV-3
teams: ["<b>ops</b>"]
summary: "{{ site.title }} should stay as written"
---

## Summary

Raw <script>alert('body')</script> and <b onclick="steal()">bold</b> text.
Template syntax {{ config.base_url }} and {% if true %}kept{% endif %} as text.
"#,
    );
    let built = archive.build();
    built.assert_ok();
    let raw = built.page("incidents/2024/hostile/index.html");
    assert!(
        !raw.contains("<script>alert"),
        "no script from content runs"
    );
    assert!(!raw.contains("onclick"), "event handlers are dropped");
    let page = built.html("incidents/2024/hostile/index.html");
    let title: Vec<String> = select(&page, "main h1").iter().map(text).collect();
    assert_eq!(title, ["<script>alert('title')</script> & friends"]);
    let body: String = select(&page, ".incident-body").iter().map(text).collect();
    assert!(body.contains("{{ config.base_url }}"), "{body}");
    assert!(body.contains("{% if true %}kept{% endif %}"), "{body}");
    let lede: Vec<String> = select(&page, ".lede").iter().map(text).collect();
    assert_eq!(lede, ["{{ site.title }} should stay as written"]);
    for feed in ["atom.xml", "teams/b-ops-b/atom.xml"] {
        let xml = built.page(feed);
        assert!(!xml.contains("<script>"), "{feed} escapes the title");
        assert!(xml.contains("&lt;script&gt;"), "{feed}: {xml}");
    }
}
