//! `casebook check` and `casebook new`, end to end: the rule table (one
//! fixture per rule under tests/check/rules/, a snapshot of its findings),
//! the output formats, exit codes, the sample archive, the build's secret
//! refusal, the scaffold, and the blameless rule's false-positive rate on
//! the real corpora in ../shared/corpora.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use casebook::check::{self, CheckOptions, CheckReport, Finding};
use jiff::civil::{Date, date};
use serde_json::Value;

/// The day the fixtures are checked on (due dates before it are overdue).
const TODAY: Date = date(2024, 6, 1);

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    manifest_dir().join("tests/check/rules").join(name)
}

/// A temporary archive holding the given fixtures under content/2024/.
fn archive(fixtures: &[&str], config: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let content = tmp.path().join("content/2024");
    std::fs::create_dir_all(&content).expect("content dir");
    for name in fixtures {
        std::fs::copy(fixture(name), content.join(name)).expect("copy fixture");
    }
    std::fs::write(tmp.path().join("casebook.toml"), config).expect("config");
    tmp
}

fn run_check(root: &Path, paths: Vec<PathBuf>, strict: bool) -> CheckReport {
    check::check(&CheckOptions {
        root: root.to_path_buf(),
        paths,
        strict,
        today: TODAY,
    })
    .expect("check runs")
}

/// One line per finding with the text it points at, for snapshots.
fn render(root: &Path, findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let d = &f.diagnostic;
        let text = std::fs::read_to_string(root.join(&d.path)).unwrap_or_default();
        let line = text.lines().nth(d.line.saturating_sub(1)).unwrap_or("");
        let pointed: String = if d.line > 0 && f.end_column > d.column {
            line.chars()
                .skip(d.column - 1)
                .take(f.end_column - d.column)
                .collect()
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{}:{}:{} {} [{}] {}\n",
            d.path.file_name().unwrap_or_default().to_string_lossy(),
            d.line,
            d.column,
            d.level,
            d.rule,
            d.message
        ));
        if !pointed.is_empty() {
            out.push_str(&format!("    at: {pointed}\n"));
        }
        if let Some(hint) = &d.hint {
            out.push_str(&format!("    help: {hint}\n"));
        }
    }
    out
}

/// Each rule, its fixture, and the rule that fixture must trigger.
const RULE_TABLE: &[(&str, &str)] = &[
    ("schema.md", "severity/unknown"),
    ("time-order.md", "time/order"),
    ("severity-missing.md", "severity/missing"),
    ("sections-missing.md", "sections/missing"),
    ("sections-empty.md", "sections/empty"),
    ("action-items-missing.md", "action-items/missing"),
    ("action-items-no-owner.md", "action-items/no-owner"),
    ("action-items-no-due-date.md", "action-items/no-due-date"),
    ("action-items-not-a-verb.md", "action-items/not-a-verb"),
    ("action-items-vague.md", "action-items/vague"),
    ("action-items-overdue.md", "action-items/overdue"),
    ("blameless-person.md", "blameless/person"),
    ("blameless-language.md", "blameless/language"),
    ("root-cause-single.md", "root-cause/single"),
    ("secrets-aws-key.md", "secrets/aws-key"),
    ("secrets-github-token.md", "secrets/github-token"),
    ("secrets-slack-token.md", "secrets/slack-token"),
    ("secrets-private-key.md", "secrets/private-key"),
    ("secrets-password-in-url.md", "secrets/password-in-url"),
    ("secrets-high-entropy.md", "secrets/high-entropy"),
    ("personal-data-email.md", "personal-data/email"),
    ("personal-data-ip-address.md", "personal-data/ip-address"),
    ("placeholders-unfilled.md", "placeholders/unfilled"),
    ("check-unknown-rule.md", "check/unknown-rule"),
];

#[test]
fn every_rule_has_a_fixture_and_a_page() {
    for rule in check::rules::RULES {
        assert!(
            RULE_TABLE.iter().any(|(_, r)| r == &rule.id),
            "no fixture for {}",
            rule.id
        );
        let page = manifest_dir().join(check::rules::doc_path(rule.id));
        let text = std::fs::read_to_string(&page)
            .unwrap_or_else(|_| panic!("{} is not documented at {}", rule.id, page.display()));
        assert!(
            text.contains("## Bad") && text.contains("## Good"),
            "{}",
            page.display()
        );
    }
    assert!(manifest_dir().join("docs/rules/schema.md").exists());
}

#[test]
fn the_clean_fixture_has_no_findings() {
    let tmp = archive(&["clean.md"], "");
    let report = run_check(tmp.path(), Vec::new(), true);
    assert_eq!(render(tmp.path(), &report.findings), "");
    assert_eq!(report.files, 1);
}

#[test]
fn rule_table() {
    for (fixture, rule) in RULE_TABLE {
        let tmp = archive(&[fixture], "");
        let report = run_check(tmp.path(), Vec::new(), false);
        assert!(
            report.findings.iter().any(|f| f.diagnostic.rule == *rule),
            "{fixture} does not trigger {rule}:\n{}",
            render(tmp.path(), &report.findings)
        );
        let name = fixture.trim_end_matches(".md");
        insta::with_settings!({
            snapshot_path => "../check/snapshots",
            prepend_module_to_snapshot => false,
            description => format!("casebook check on tests/check/rules/{fixture}"),
        }, {
            insta::assert_snapshot!(name, render(tmp.path(), &report.findings));
        });
    }
}

#[test]
fn systems_as_subjects_and_people_doing_their_job_are_not_blamed() {
    let tmp = archive(&["blameless-systems.md"], "");
    let report = run_check(tmp.path(), Vec::new(), false);
    let blame: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.diagnostic.rule.starts_with("blameless/"))
        .collect();
    assert!(blame.is_empty(), "{}", render(tmp.path(), &report.findings));
}

#[test]
fn config_relevels_and_front_matter_allows() {
    let config = "[check.rules]\nblameless = \"error\"\n\"blameless/person\" = \"off\"\n\"personal-data\" = \"off\"\n";
    let tmp = archive(
        &[
            "blameless-person.md",
            "blameless-language.md",
            "personal-data-email.md",
        ],
        config,
    );
    let report = run_check(tmp.path(), Vec::new(), false);
    let rules: Vec<(&str, String)> = report
        .findings
        .iter()
        .map(|f| (f.diagnostic.rule, f.diagnostic.level.to_string()))
        .collect();
    assert!(
        rules
            .iter()
            .all(|(r, _)| *r != "blameless/person" && !r.starts_with("personal-data")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("blameless/language", "error".to_string())),
        "{rules:?}"
    );

    // The per-file allow list of check-unknown-rule.md allows secrets/high-entropy.
    let tmp = archive(&["check-unknown-rule.md", "secrets-high-entropy.md"], "");
    let text = std::fs::read_to_string(fixture("secrets-high-entropy.md")).unwrap();
    let allowed = text.replacen("---\n", "---\ncheck:\n  allow: [secrets/high-entropy]\n", 1);
    std::fs::write(
        tmp.path().join("content/2024/secrets-high-entropy.md"),
        allowed,
    )
    .unwrap();
    let report = run_check(tmp.path(), Vec::new(), false);
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.diagnostic.rule == "secrets/high-entropy"),
        "{}",
        render(tmp.path(), &report.findings)
    );
}

#[test]
fn build_errors_cannot_be_turned_off() {
    let tmp = archive(&["schema.md"], "[check.rules]\nschema = \"off\"\n");
    let report = run_check(tmp.path(), Vec::new(), false);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.diagnostic.rule == "severity/unknown" && f.diagnostic.is_error())
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.diagnostic.rule == "link/broken")
    );
}

#[test]
fn paths_limit_what_is_reported() {
    let tmp = archive(&["clean.md", "blameless-language.md"], "");
    let report = run_check(
        tmp.path(),
        vec![tmp.path().join("content/2024/clean.md")],
        true,
    );
    assert!(
        report.findings.is_empty(),
        "{}",
        render(tmp.path(), &report.findings)
    );
    assert_eq!(report.files, 1);
    let missing = check::check(&CheckOptions {
        root: tmp.path().to_path_buf(),
        paths: vec![PathBuf::from("content/2024/nope.md")],
        strict: false,
        today: TODAY,
    });
    assert!(missing.is_err());
}

#[test]
fn the_build_refuses_secrets_unless_allowed() {
    let tmp = archive(
        &[
            "secrets-aws-key.md",
            "secrets-high-entropy.md",
            "personal-data-email.md",
        ],
        "",
    );
    let (archive, _) =
        casebook::site::load_archive(tmp.path(), None, false, TODAY, &mut Vec::new());
    let found = check::secret_findings(&archive.expect("archive"), tmp.path());
    let rules: Vec<&str> = found.iter().map(|d| d.rule).collect();
    // Only errors block: the high-entropy heuristic and personal data warn.
    assert_eq!(rules, ["secrets/aws-key", "secrets/aws-key"], "{found:?}");
    assert!(found.iter().all(|d| d.is_error() && d.line > 0));

    let text = std::fs::read_to_string(fixture("secrets-aws-key.md")).unwrap();
    let allowed = text.replacen("---\n", "---\ncheck: { allow: [secrets/aws-key] }\n", 1);
    std::fs::write(tmp.path().join("content/2024/secrets-aws-key.md"), allowed).unwrap();
    let (archive, _) =
        casebook::site::load_archive(tmp.path(), None, false, TODAY, &mut Vec::new());
    assert!(check::secret_findings(&archive.expect("archive"), tmp.path()).is_empty());
}

fn casebook(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casebook"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1717200000") // 2024-06-01
        .env_remove("NO_COLOR")
        .output()
        .expect("casebook runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// An archive with a finding of most kinds.
fn mixed_archive() -> tempfile::TempDir {
    archive(
        &[
            "clean.md",
            "secrets-aws-key.md",
            "blameless-language.md",
            "action-items-overdue.md",
            "placeholders-unfilled.md",
            "schema.md",
        ],
        "",
    )
}

#[test]
fn exit_codes() {
    let tmp = archive(&["clean.md"], "");
    assert_eq!(casebook(tmp.path(), &["check"]).status.code(), Some(0));
    let tmp = archive(&["clean.md", "action-items-overdue.md"], "");
    assert_eq!(casebook(tmp.path(), &["check"]).status.code(), Some(0));
    assert_eq!(
        casebook(tmp.path(), &["check", "--strict"]).status.code(),
        Some(1)
    );
    let tmp = mixed_archive();
    assert_eq!(casebook(tmp.path(), &["check"]).status.code(), Some(1));
    assert_eq!(
        casebook(tmp.path(), &["check", "no/such.md"]).status.code(),
        Some(2)
    );
    assert_eq!(
        casebook(tmp.path(), &["check", "--format", "xml"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn human_format_quotes_the_line_with_a_caret() {
    let tmp = archive(&["blameless-language.md", "secrets-aws-key.md"], "");
    let out = stdout(&casebook(tmp.path(), &["check"]));
    assert!(!out.contains('\x1b'), "no colour off a terminal");
    assert!(
        out.contains("content/2024/blameless-language.md:13:74: warning: \"human error\" names a person as the cause (\"human error\") [blameless/language]"),
        "{out}"
    );
    assert!(
        out.contains("13 | The nightly finance export stalled for forty minutes. The root cause was human error."),
        "{out}"
    );
    assert!(
        out.contains(&format!("   | {}{}\n", " ".repeat(73), "^".repeat(11))),
        "{out}"
    );
    assert!(
        out.contains(" = help: say what made the mistake easy to make"),
        "{out}"
    );
    // Secrets are masked in the quoted line.
    assert!(
        out.contains("AWS_ACCESS_KEY_ID=********************"),
        "{out}"
    );
    assert!(!out.contains("AKIAZ7VQ3XKJ5T2WLM4P"), "{out}");
    assert!(out.trim_end().ends_with("in 2 postmortems"), "{out}");
}

#[test]
fn github_format_is_workflow_commands() {
    let tmp = mixed_archive();
    let out = stdout(&casebook(tmp.path(), &["check", "--format", "github"]));
    let syntax = regex::Regex::new(
        r"^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+(,title=[^:]*)?::.+$",
    )
    .unwrap();
    assert!(out.lines().count() > 10, "{out}");
    for line in out.lines() {
        assert!(syntax.is_match(line), "{line}");
    }
    assert!(
        out.contains("::error file=content/2024/secrets-aws-key.md,line="),
        "{out}"
    );
    assert!(out.contains("title=secrets/aws-key::"), "{out}");
    assert!(out.contains("%0Ahelp: "), "{out}");
}

#[test]
fn json_format_counts_and_lists_findings() {
    let tmp = mixed_archive();
    let output = casebook(tmp.path(), &["check", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(doc["files"], 6);
    assert_eq!(
        doc["errors"].as_u64().unwrap() + doc["warnings"].as_u64().unwrap(),
        findings.len() as u64
    );
    for f in findings {
        for key in [
            "rule",
            "level",
            "path",
            "line",
            "column",
            "end_column",
            "message",
            "doc",
        ] {
            assert!(!f[key].is_null(), "{key} in {f}");
        }
    }
}

#[test]
fn sarif_format_has_the_required_structure() {
    let tmp = mixed_archive();
    let output = casebook(tmp.path(), &["check", "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .unwrap()
            .contains("sarif-schema-2.1.0")
    );
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "casebook");
    let rules = driver["rules"].as_array().expect("rules");
    for rule in rules {
        assert!(rule["id"].is_string());
        assert!(rule["shortDescription"]["text"].is_string());
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "note", "none"].contains(&level));
    }
    let results = runs[0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for result in results {
        let id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at the rule");
        assert!(["error", "warning", "note", "none"].contains(&result["level"].as_str().unwrap()));
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let locations = result["locations"].as_array().expect("locations");
        assert!(!locations.is_empty());
        let physical = &locations[0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.starts_with("content/") && !uri.contains('\\'), "{uri}");
        let region = &physical["region"];
        assert!(region["startLine"].as_u64().expect("startLine") >= 1);
        if let (Some(start), Some(end)) =
            (region["startColumn"].as_u64(), region["endColumn"].as_u64())
        {
            assert!(start >= 1 && end > start);
        }
    }
}

#[test]
fn the_sample_archive_has_no_errors() {
    let report = check::check(&CheckOptions {
        root: manifest_dir(),
        paths: Vec::new(),
        strict: false,
        today: TODAY,
    })
    .expect("check runs");
    let errors: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.diagnostic.is_error())
        .collect();
    assert!(
        errors.is_empty(),
        "{}",
        render(&manifest_dir(), &report.findings)
    );
    assert!(report.files >= 18);
}

#[test]
fn new_scaffolds_a_postmortem_that_builds_and_fails_check() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let output = casebook(
        root,
        &[
            "new",
            "Checkout outage: DB failover",
            "--severity",
            "sev2",
            "--team",
            "payments",
            "--service",
            "checkout-api",
            "--tag",
            "database",
            "--date",
            "2024-03-14",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let path = root.join("content/2024/checkout-outage-db-failover.md");
    assert_eq!(stdout(&output).trim(), path.display().to_string());
    let text = std::fs::read_to_string(&path).unwrap();
    for expected in [
        "title: \"Checkout outage: DB failover\"",
        "date: 2024-03-14",
        "severity: \"SEV-2\"",
        "teams: [\"payments\"]",
        "services: [\"checkout-api\"]",
        "tags: [\"database\"]",
        "| Action | Owner | Due | Status |",
        "## Lessons learned",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }

    // Never overwrites.
    std::fs::write(&path, "edited").unwrap();
    let again = casebook(
        root,
        &[
            "new",
            "Checkout outage: DB failover",
            "--date",
            "2024-03-14",
        ],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited");
    std::fs::write(&path, text).unwrap();

    // Builds without errors (drafts included), and check reports placeholders.
    let public = root.join("public");
    let build = casebook(
        root,
        &["build", "--drafts", "--output", public.to_str().unwrap()],
    );
    assert_eq!(
        build.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let output = casebook(root, &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules
            .iter()
            .filter(|r| **r == "placeholders/unfilled")
            .count()
            >= 8,
        "{rules:?}"
    );
    assert!(
        !rules.contains(&"action/due"),
        "the placeholder is reported once: {rules:?}"
    );
}

/// Blameless findings on the real corpora that are true positives, by file
/// and line. Anything else the rule reports there is a false positive.
const CORPUS_TRUE_POSITIVES: &[(&str, usize)] = &[
    // "Human error in not knowing that Hellman logs are stored in a different AWS account"
    ("PM2022-002 -  Logs not shipped to CloudWatch.md", 23),
];

#[test]
fn blameless_false_positive_rate_on_real_corpora() {
    let corpora = manifest_dir().join("../shared/corpora");
    if !corpora.is_dir() {
        eprintln!("skipped: {} not found", corpora.display());
        return;
    }
    let mut flagged = 0;
    let mut false_positives = Vec::new();
    let mut sentences = 0;
    for corpus in ["dfds-postmortems", "PostHog-post-mortems"] {
        let tmp = tempfile::tempdir().unwrap();
        crate::support::copy_dir(&corpora.join(corpus), &tmp.path().join("content"));
        let report = run_check(tmp.path(), Vec::new(), false);
        sentences += count_sentences(tmp.path());
        for f in report
            .findings
            .iter()
            .filter(|f| f.diagnostic.rule.starts_with("blameless/"))
        {
            flagged += 1;
            let name = f
                .diagnostic
                .path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            if !CORPUS_TRUE_POSITIVES.contains(&(name.as_str(), f.diagnostic.line)) {
                false_positives.push(format!(
                    "{name}:{}: {}",
                    f.diagnostic.line, f.diagnostic.message
                ));
            }
        }
    }
    let rate = false_positives.len() as f64 / flagged.max(1) as f64;
    eprintln!(
        "blameless on corpora: {flagged} flagged, {} false positive(s) ({:.0}% of flags), over about {sentences} sentences",
        false_positives.len(),
        rate * 100.0
    );
    assert!(
        false_positives.is_empty(),
        "false positives:\n{}",
        false_positives.join("\n")
    );
    assert_eq!(flagged, CORPUS_TRUE_POSITIVES.len());
}

/// Sentence-like pieces of prose in the archive, the denominator of the rate.
fn count_sentences(root: &Path) -> usize {
    walk(&root.join("content"))
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            Some(check::Source::new(path, text).segments.len())
        })
        .sum()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if !matches!(
            path.file_name().and_then(|n| n.to_str()),
            Some("LICENSE" | "SOURCE.txt")
        ) {
            out.push(path);
        }
    }
    out
}

/// The build scans each postmortem for secrets as it reads it: a secret
/// in a published postmortem stops it, one in a draft only when drafts are
/// published too.
#[test]
fn the_build_refuses_secrets_in_what_it_publishes() {
    use casebook::site::{BuildOptions, NoProgress, build};
    let tmp = archive(&["clean.md", "secrets-aws-key.md"], "");
    let build_with = |include_drafts: bool| {
        build(
            &BuildOptions {
                root: tmp.path().to_path_buf(),
                output: Some(tmp.path().join("public")),
                base_url: None,
                include_drafts,
                today: TODAY,
                no_search: true,
            },
            &NoProgress,
        )
        .expect("build runs")
    };
    let refused = build_with(false);
    let secrets: Vec<_> = refused
        .diagnostics
        .iter()
        .filter(|d| d.rule == "secrets/aws-key")
        .collect();
    assert_eq!(secrets.len(), 2, "{:?}", refused.diagnostics);
    assert!(secrets.iter().all(|d| d.is_error()
        && d.message.ends_with("; not published")
        && d.path.ends_with("secrets-aws-key.md")));
    assert!(refused.output.is_none(), "nothing is published");

    let file = tmp.path().join("content/2024/secrets-aws-key.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("status: final", "status: draft", 1)).unwrap();
    let published = build_with(false);
    assert!(!published.has_errors(), "{:?}", published.diagnostics);
    assert!(tmp.path().join("public/index.html").is_file());
    assert!(
        build_with(true).has_errors(),
        "a published draft is scanned"
    );
}
