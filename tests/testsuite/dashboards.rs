//! The learning dashboards on a fixture archive with known answers
//! (`tests/fixtures/dashboards`), judged on a fixed day, 2025-06-01.
//!
//! The fixture, and what follows from it:
//!
//! | incident | date | severity | teams | action items |
//! |---|---|---|---|---|
//! | A 2024/db-pool-exhaustion | 2024-01-10 | SEV-1 | payments | done (closed +10 d), open due 2024-03-01 (overdue 457 d), won't do |
//! | D 2024/cert-expiry | 2024-04-02 | SEV-3 | identity | done (`done 2024-04-20`, +18 d), open due 2024-05-15 (overdue 382 d) |
//! | B 2024/db-pool-exhaustion-again | 2024-07-15 | SEV-2 | payments | done (Closed column, +10 d), in progress due 2025-07-01 |
//! | F 2024/dns-timeouts | 2024-10-05 | unrated | platform | none |
//! | C 2025/pool-exhaustion-settlement | 2025-02-03 | SEV-2 | payments, data | done (no date), open due 2025-05-01 (overdue 31 d) |
//! | E 2025/cert-expiry-edge | 2025-03-10 | SEV-1 | identity, platform | open due 2025-09-30 |
//! | G 2025/payments-db-failover | 2025-04-01 | SEV-2 | payments | done (closed +39 d) |
//!
//! Repeats: C names A in `recurrence_of`; A–B and D–E read alike and share
//! services and tags; G shares payments-db with A, B, C but is a different
//! failure (a storage stall), and F shares nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use casebook::archive::Archive;
use casebook::dashboards::actions::{self, ActionFilter, Completion, Format};
use casebook::dashboards::charts::{self, ChartSpec, Scale, Series};
use casebook::dashboards::metrics;
use casebook::dashboards::repeats;
use casebook::site::{self, BuildOptions, NoProgress};
use jiff::civil::{Date, date};

const TODAY: Date = date(2025, 6, 1);
/// `SOURCE_DATE_EPOCH` for 2025-06-01T00:00:00Z.
const TODAY_EPOCH: &str = "1748736000";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dashboards")
}

fn load(root: &Path, today: Date) -> Archive {
    let mut timings = Vec::new();
    let (archive, diagnostics) = site::load_archive(root, None, false, today, &mut timings);
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "fixture has errors: {errors:?}");
    archive.expect("the fixture loads")
}

fn index(archive: &Archive, id: &str) -> usize {
    *archive
        .by_id
        .get(id)
        .unwrap_or_else(|| panic!("no incident {id}"))
}

fn approx(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or(f64::NAN);
    assert!(
        (actual - expected).abs() < 1e-6,
        "expected {expected}, got {actual}"
    );
}

#[test]
fn action_item_counts_and_rates() {
    let archive = load(&fixture(), TODAY);
    let entries = actions::entries(&archive);
    let all = Completion::of(&entries);
    assert_eq!(all.total, 11);
    assert_eq!(all.open, 5, "open and in progress");
    assert_eq!(all.overdue, 3);
    assert_eq!(all.done, 5);
    assert_eq!(all.wont_do, 1);
    approx(all.rate, 50.0); // 5 done of 10 (11 − 1 won't do)
    assert_eq!(all.with_closed_date, 4); // 10, 10, 18 and 39 days
    approx(all.median_days_to_done, 14.0);

    let figures = actions::figures(&archive, &entries);
    let team = |name: &str| {
        figures
            .by_team
            .iter()
            .find(|g| g.name == name)
            .unwrap_or_else(|| panic!("no team {name}"))
    };
    let payments = team("payments");
    assert_eq!(
        (
            payments.completion.total,
            payments.completion.done,
            payments.completion.overdue
        ),
        (8, 4, 2)
    );
    approx(payments.completion.rate, 400.0 / 7.0);
    assert_eq!(payments.rate_text, "57.1%");
    approx(team("data").completion.rate, 50.0);
    approx(team("identity").completion.rate, 100.0 / 3.0);
    approx(team("platform").completion.rate, 0.0);

    let severity = &figures.by_severity;
    let names: Vec<&str> = severity.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        ["SEV-1", "SEV-2", "SEV-3"],
        "worst first; no item is unrated"
    );
    approx(severity[0].completion.rate, 100.0 / 3.0);
    approx(severity[1].completion.rate, 60.0);
    approx(severity[2].completion.rate, 50.0);

    let owners = &figures.by_owner;
    let bob = owners.iter().find(|g| g.name == "Bob").expect("Bob");
    assert_eq!(
        (
            bob.completion.total,
            bob.completion.overdue,
            bob.completion.wont_do
        ),
        (3, 2, 1)
    );
    approx(bob.completion.rate, 0.0);
}

#[test]
fn overdue_is_judged_against_the_day_passed_in() {
    let archive = load(&fixture(), TODAY);
    let entries = actions::entries(&archive);
    let overdue: Vec<(&str, i32)> = entries
        .iter()
        .filter_map(|e| e.overdue_days.map(|d| (e.item.id.as_str(), d)))
        .collect();
    // Most overdue first.
    assert_eq!(
        overdue,
        [
            ("2024/db-pool-exhaustion#2", 457),
            ("2024/cert-expiry#2", 382),
            ("2025/pool-exhaustion-settlement#2", 31),
        ]
    );
    // A year earlier only the items due before 2024-06-01 are late.
    let earlier = load(&fixture(), date(2024, 6, 1));
    let entries = actions::entries(&earlier);
    let overdue: Vec<(&str, i32)> = entries
        .iter()
        .filter_map(|e| e.overdue_days.map(|d| (e.item.id.as_str(), d)))
        .collect();
    assert_eq!(
        overdue,
        [
            ("2024/db-pool-exhaustion#2", 92),
            ("2024/cert-expiry#2", 17)
        ]
    );
}

#[test]
fn closed_dates_come_from_front_matter_columns_and_statuses() {
    let archive = load(&fixture(), TODAY);
    let closed = |id: &str| {
        archive
            .action_items()
            .find(|(_, a)| a.id == id)
            .and_then(|(_, a)| a.closed)
    };
    assert_eq!(closed("2024/db-pool-exhaustion#1"), Some(date(2024, 1, 20)));
    assert_eq!(
        closed("2024/db-pool-exhaustion-again#1"),
        Some(date(2024, 7, 25))
    );
    assert_eq!(closed("2024/cert-expiry#1"), Some(date(2024, 4, 20)));
    assert_eq!(closed("2025/pool-exhaustion-settlement#1"), None);
}

#[test]
fn metrics_have_known_answers() {
    let archive = load(&fixture(), TODAY);
    let found = repeats::detect(&archive);
    let all: Vec<usize> = (0..archive.incidents.len()).collect();
    let m = metrics::compute(&archive, &all, &found);

    assert_eq!(m.months.len(), 16, "2024-01 to 2025-04, gaps included");
    assert_eq!(m.months.first().map(String::as_str), Some("2024-01"));
    assert_eq!(
        m.severities,
        ["SEV-1", "SEV-2", "SEV-3", "Unrated"],
        "SEV-4 unused"
    );
    let total_per_severity: Vec<usize> = m.per_month.iter().map(|r| r.iter().sum()).collect();
    assert_eq!(total_per_severity, [2, 3, 1, 1]);

    let quarters: Vec<(&str, usize)> = m
        .quarters
        .iter()
        .map(|q| (q.label.as_str(), q.incidents))
        .collect();
    assert_eq!(
        quarters,
        [
            ("2024 Q1", 1),
            ("2024 Q2", 1),
            ("2024 Q3", 1),
            ("2024 Q4", 1),
            ("2025 Q1", 2),
            ("2025 Q2", 1)
        ]
    );

    let o = &m.overall;
    assert_eq!(o.incidents, 7);
    assert_eq!(o.customer_impact, 5);
    // Time to detect, minutes: 5, 10, 15, 20 (from `durations`), 30, 120.
    assert_eq!(o.detect.count, 6);
    approx(o.detect.median, 17.5);
    approx(o.detect.p90, 75.0);
    // Time to resolve: 45, 60, 90, 120, 240, 300.
    approx(o.resolve.median, 105.0);
    approx(o.resolve.p90, 270.0);
    // Time to mitigate: A 40, D 180, E 240, G 30 (B and C do not say).
    assert_eq!(o.mitigate.count, 4);
    approx(o.mitigate.median, 110.0);

    let q1_2025 = &m.quarters[4];
    approx(q1_2025.detect.median, 62.5);
    approx(q1_2025.detect.p90, 108.5);
    assert_eq!(q1_2025.customer_impact, 2);
    assert_eq!(q1_2025.actions.total, 3);

    approx(o.actions.rate, 50.0);
    assert_eq!(o.actions.overdue, 3);
    assert_eq!(
        o.complete, 5,
        "B lacks lessons; F lacks impact, factors, actions and lessons"
    );
    assert_eq!(o.repeats, 3, "B, C and E repeat earlier incidents");

    let b = &archive.incidents[index(&archive, "2024/db-pool-exhaustion-again")];
    assert_eq!(metrics::missing_parts(b), ["lessons learned"]);
    let f = &archive.incidents[index(&archive, "2024/dns-timeouts")];
    assert_eq!(
        metrics::missing_parts(f),
        [
            "impact",
            "contributing factors",
            "action items",
            "lessons learned"
        ]
    );

    // One team's figures.
    let payments: Vec<usize> = archive
        .taxonomy("teams")
        .and_then(|t| t.term("payments"))
        .map(|t| t.incidents.clone())
        .unwrap_or_default();
    let p = metrics::compute(&archive, &payments, &found).overall;
    assert_eq!((p.incidents, p.customer_impact, p.repeats), (4, 4, 2));
}

#[test]
fn repeats_finds_the_known_repeats() {
    let archive = load(&fixture(), TODAY);
    let found = repeats::detect(&archive);
    let id = |i: usize| archive.incidents[i].id.as_str();
    let mut clusters: Vec<Vec<&str>> = found
        .clusters
        .iter()
        .map(|c| c.incidents.iter().map(|&i| id(i)).collect())
        .collect();
    clusters.sort();
    assert_eq!(
        clusters,
        [
            vec!["2024/cert-expiry", "2025/cert-expiry-edge"],
            vec![
                "2024/db-pool-exhaustion",
                "2024/db-pool-exhaustion-again",
                "2025/pool-exhaustion-settlement"
            ],
        ],
        "the failover (a different failure on the same database) and the DNS incident stay out"
    );
    let a = index(&archive, "2024/db-pool-exhaustion");
    let b = index(&archive, "2024/db-pool-exhaustion-again");
    let c = index(&archive, "2025/pool-exhaustion-settlement");
    let pair = found.pair(a, c).expect("recurrence_of links A and C");
    assert!(pair.explicit);
    let pair = found.pair(a, b).expect("A and B read alike");
    assert!(!pair.explicit && pair.similarity >= repeats::MIN_SIMILARITY);

    // "This may have happened before": earlier incidents only, explicit first.
    let candidates = repeats::repeat_candidates(&archive);
    assert_eq!(candidates[c].first(), Some(&a));
    assert!(candidates[c].contains(&b));
    assert_eq!(candidates[b], [a]);
    assert!(candidates[a].is_empty(), "nothing came before the first");
    assert_eq!(found.later[a].len(), 2);
}

fn build_fixture() -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().expect("temp dir");
    let site = out.path().join("site");
    let options = BuildOptions {
        root: fixture(),
        output: Some(site.clone()),
        base_url: None,
        include_drafts: false,
        today: TODAY,
        no_search: true,
    };
    let report = site::build(&options, &NoProgress).expect("build");
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
    (out, site)
}

/// Every `<svg>…</svg>` in a page.
fn svgs(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let Some(end) = rest[start..].find("</svg>") else {
            break;
        };
        found.push(&rest[start..start + end + "</svg>".len()]);
        rest = &rest[start + end..];
    }
    found
}

fn assert_accessible_svg(svg: &str) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| {
        panic!(
            "SVG is not well-formed XML: {e}\n{}",
            &svg[..svg.len().min(300)]
        )
    });
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("role"), Some("img"));
    let labelled_by = root.attribute("aria-labelledby").expect("aria-labelledby");
    let title = root
        .children()
        .find(|n| n.has_tag_name("title"))
        .expect("a <title>");
    assert!(
        !title.text().unwrap_or("").trim().is_empty(),
        "empty <title>"
    );
    let desc = root
        .children()
        .find(|n| n.has_tag_name("desc"))
        .expect("a <desc>");
    for id in labelled_by.split_whitespace() {
        assert!(
            [title, desc].iter().any(|n| n.attribute("id") == Some(id)),
            "aria-labelledby names {id}, which is not the title or desc"
        );
    }
}

#[test]
fn metrics_pages_carry_accessible_svg_charts_with_tables() {
    let (_dir, site) = build_fixture();
    let html = std::fs::read_to_string(site.join("metrics/index.html")).expect("metrics page");
    let charts = svgs(&html);
    assert_eq!(charts.len(), 8, "every chart of the page");
    for svg in &charts {
        assert_accessible_svg(svg);
    }
    assert_eq!(
        html.matches("<table class=\"dash-table\"").count(),
        8 + 2 + 1,
        "a data table beside each chart, figures by team and by service, the incomplete list"
    );
    assert!(html.contains("Incidents per month by severity"));
    assert!(
        html.contains("id=\"by-services\""),
        "figures per service, filterable in the page"
    );
    // One page per team, with its charts.
    let team =
        std::fs::read_to_string(site.join("metrics/teams/payments/index.html")).expect("team page");
    assert!(team.contains("Metrics for team <em>payments</em>"));
    let team_charts = svgs(&team);
    assert_eq!(team_charts.len(), 8);
    for svg in team_charts {
        assert_accessible_svg(svg);
    }
}

#[test]
fn chart_text_is_escaped_and_well_formed() {
    let categories: Vec<String> = vec!["<Q1> & \"Q2\"".to_string(), "Q3".to_string()];
    let spec = ChartSpec {
        id: "escape",
        title: "Teams <a> & <b>",
        description: "Quotes \" and ' and ampersands &.",
        categories: &categories,
        y_label: "minutes & more",
    };
    let series = [
        Series::new("median <p50>", vec![Some(1.0), None], charts::PALETTE[0]),
        Series::new("p90 & co", vec![Some(2.0), Some(4.0)], charts::PALETTE[1]).dashed(),
    ];
    assert_accessible_svg(&charts::lines(&spec, &series, Scale::Amount).expect("lines"));
    assert_accessible_svg(
        &charts::stacked_bars(&spec, &[Series::counts("a & b", &[1, 2], charts::GREY)])
            .expect("bars"),
    );
    let empty: Vec<String> = Vec::new();
    let spec = ChartSpec {
        categories: &empty,
        ..spec
    };
    assert_accessible_svg(&charts::stacked_bars(&spec, &[]).expect("empty chart"));
}

#[test]
fn actions_page_lists_every_item_in_sections() {
    let (_dir, site) = build_fixture();
    let html = std::fs::read_to_string(site.join("actions/index.html")).expect("actions page");
    assert_eq!(html.matches("<tr data-status=").count(), 11);
    assert_eq!(html.matches("data-status=\"overdue\"").count(), 3);
    assert!(html.contains("457 d overdue"));
    assert!(
        html.contains("<h3 id=\"overdue-title\">Overdue <span class=\"count\" data-count>3</span>")
    );
    assert!(
        html.contains("dashboards.js"),
        "the in-page filter is linked"
    );
    assert!(
        html.contains("class=\"dash-filter\" hidden"),
        "the filter is hidden until the script runs"
    );
    assert!(html.contains("57.1%"), "payments completion");
    assert!(
        !html.contains("casebook-action-rows"),
        "every row marker was replaced"
    );

    let repeats = std::fs::read_to_string(site.join("repeats/index.html")).expect("repeats page");
    assert!(repeats.contains("2 groups of 5 incidents"));
    assert!(repeats.contains("Connection pool exhaustion on payments-db during the sale"));
    assert!(!repeats.contains("payments-db-failover"));
}

fn casebook(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(args)
        .arg("--root")
        .arg(fixture())
        .env("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        .env("NO_COLOR", "1")
        .output()
        .expect("run casebook")
}

#[test]
fn actions_command_prints_csv() {
    let out = casebook(&["actions", "--overdue", "--format", "csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,title,owner,due,status,overdue_days,age_days,closed,days_to_done,ticket,incident,incident_title,incident_date,severity,teams,url"
    );
    assert_eq!(
        lines.len(),
        4,
        "a header and the three overdue items:\n{text}"
    );
    assert!(lines[1].starts_with(
        "2024/db-pool-exhaustion#2,Cap checkout-api replicas by the payments-db connection budget,Bob,2024-03-01,open,457,508,"
    ));
    assert!(lines[3].contains(",payments; data,"), "teams joined");
    assert!(text.ends_with("\r\n"), "RFC 4180 line ends");
}

#[test]
fn actions_command_prints_json_filtered_by_owner() {
    let out = casebook(&["actions", "--owner", "bob", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["today"], "2025-06-01");
    assert_eq!(json["count"], 3);
    let items = json["action_items"].as_array().expect("a list");
    let ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "2024/db-pool-exhaustion#2",
            "2025/pool-exhaustion-settlement#2",
            "2024/db-pool-exhaustion#3"
        ]
    );
    assert_eq!(items[0]["overdue"], true);
    assert_eq!(items[0]["overdue_days"], 457);
    assert_eq!(items[0]["severity"], "SEV-1");
    assert_eq!(items[2]["status"], "wont-do");
    assert_eq!(items[2]["overdue_days"], serde_json::Value::Null);
}

#[test]
fn actions_command_prints_a_human_list() {
    let out = casebook(&["actions"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.starts_with("overdue 457d"), "{text}");
    assert!(
        text.ends_with("11 action items: 5 open (3 overdue), 5 done, 1 won't do\n"),
        "{text}"
    );
    let filtered = ActionFilter {
        overdue_only: true,
        owner: Some("@ERIN".to_string()),
    };
    let archive = load(&fixture(), TODAY);
    let report = actions::report(&archive, &filtered, Format::Human);
    assert_eq!(report.lines().count(), 2, "{report}");
    assert!(report.contains("Page on certificate expiry"));
}

#[test]
fn an_archive_without_incidents_gets_empty_dashboards() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("archive");
    std::fs::create_dir_all(root.join("content")).expect("content dir");
    std::fs::write(root.join("casebook.toml"), "title = \"Empty\"\n").expect("config");
    let options = BuildOptions {
        root: root.clone(),
        output: Some(root.join("public")),
        base_url: None,
        include_drafts: false,
        today: TODAY,
        no_search: true,
    };
    let report = site::build(&options, &NoProgress).expect("build");
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
    let read = |path: &str| std::fs::read_to_string(root.join("public").join(path)).expect(path);
    assert!(read("actions/index.html").contains("No postmortem lists an action item yet"));
    assert!(read("metrics/index.html").contains("No incidents here yet"));
    assert!(read("repeats/index.html").contains("No repeat incidents found"));
}
