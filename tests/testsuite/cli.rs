//! The command line: help, exit codes (0 ok, 1 problems in the archive,
//! 2 usage or internal error), `--quiet`, and build flags.

use crate::support::{TestArchive, casebook, fixture, leftovers, overdue_days, run, select};

#[test]
fn help_lists_commands_and_exit_codes() {
    let (output, stdout, stderr) = run(casebook().arg("--help"));
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(stdout.contains("Usage:"), "{stdout}");
    for command in ["build", "init"] {
        assert!(stdout.contains(command), "--help lists {command}: {stdout}");
    }
    assert!(stdout.contains("Exit codes"), "{stdout}");

    let (output, stdout, _) = run(casebook().args(["build", "--help"]));
    assert_eq!(output.status.code(), Some(0));
    for flag in ["--output", "--base-url", "--drafts", "--root"] {
        assert!(stdout.contains(flag), "build --help lists {flag}: {stdout}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let (output, _, stderr) = run(casebook().args(["build", "--no-such-flag"]));
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
    let (output, _, _) = run(casebook().arg("no-such-command"));
    assert_eq!(output.status.code(), Some(2));
    let (output, _, _) = run(&mut casebook());
    assert_eq!(output.status.code(), Some(2), "a command is required");
}

#[test]
fn build_succeeds_with_exit_0_and_a_summary() {
    let archive = TestArchive::fixture("archive");
    let (output, stdout, stderr) = run(casebook().arg("build").arg("--root").arg(archive.root()));
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(stdout.contains("Built 6 incidents"), "{stdout}");
    assert!(stdout.contains("1 warning"), "{stdout}");
    // The one warning: the postmortem without front matter.
    assert!(
        stderr.contains("content/2023/2023-11-02-dns-resolver-outage.md:1:1: warning:"),
        "{stderr}"
    );
    assert!(
        archive
            .public()
            .join("incidents/2024/checkout-db-failover/index.html")
            .is_file()
    );
    // SOURCE_DATE_EPOCH is "today": 2025-06-01, so the item is 137 days late.
    let page = std::fs::read_to_string(
        archive
            .public()
            .join("incidents/2024/checkout-db-failover/index.html"),
    )
    .expect("read the page");
    let page = scraper::Html::parse_document(&page);
    let first = select(&page, "table.actions-table tbody tr");
    assert_eq!(overdue_days(&first[0]), Some(137));
}

#[test]
fn quiet_prints_only_errors() {
    let archive = TestArchive::fixture("archive");
    let (output, stdout, stderr) = run(casebook()
        .arg("--quiet")
        .arg("build")
        .arg("--root")
        .arg(archive.root()));
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    assert_eq!(stdout, "", "--quiet prints no summary");
    assert_eq!(stderr, "", "--quiet prints no warnings");
    assert!(
        archive.public().join("index.html").is_file(),
        "but still builds"
    );

    let broken = TestArchive::fixture("invalid/bad-date");
    let (output, stdout, stderr) = run(casebook()
        .args(["build", "-q", "--root"])
        .arg(broken.root()));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("content/2024/db-failover.md:3:"),
        "errors still show: {stderr}"
    );
}

#[test]
fn build_flags_output_drafts_and_base_url() {
    let archive = TestArchive::fixture("archive");
    let site = archive.temp().join("site");
    let (output, _, stderr) = run(casebook()
        .arg("build")
        .arg("--root")
        .arg(archive.root())
        .arg("--output")
        .arg(&site)
        .arg("--drafts")
        .args(["--base-url", "https://x.example/sub/"]));
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(!archive.public().exists(), "--output replaces public/");
    assert!(
        site.join("incidents/2025/draft-login-outage/index.html")
            .is_file()
    );
    // The base URL reaches the pages (feeds are checked in build.rs).
    let home = std::fs::read_to_string(site.join("index.html")).expect("read index.html");
    let home = scraper::Html::parse_document(&home);
    let hrefs: Vec<&str> = select(&home, "a[href]")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        hrefs.contains(&"/sub/incidents/2025/draft-login-outage/"),
        "the draft is listed under the base path: {hrefs:?}"
    );
    let stylesheets: Vec<&str> = select(&home, "link[rel=stylesheet]")
        .iter()
        .filter_map(|l| l.value().attr("href"))
        .collect();
    assert!(
        stylesheets.iter().all(|h| h.starts_with("/sub/")),
        "{stylesheets:?}"
    );
}

#[test]
fn build_runs_from_the_current_directory() {
    // No --root: the current directory is the archive.
    let archive = TestArchive::fixture("minimal");
    let (output, _, stderr) = run(casebook().arg("build").current_dir(archive.root()));
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(
        archive
            .public()
            .join("incidents/2024/login-timeouts/index.html")
            .is_file()
    );
    assert!(
        !fixture("minimal").join("public").exists(),
        "tests never build inside tests/fixtures"
    );
}

#[test]
fn broken_template_exits_2_and_names_it() {
    // Not the author's postmortem but the theme: an internal failure, with
    // the cause chain down to Tera's message.
    let archive = TestArchive::fixture("minimal");
    archive.write(
        "templates/incident.html",
        "{% extends \"base.html\" %}\n{% block main %}{{ incident.title | no_such_filter }}{% endblock main %}\n",
    );
    let (output, stdout, stderr) = run(casebook().arg("build").arg("--root").arg(archive.root()));
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("incident.html"), "{stderr}");
    assert!(
        stderr.contains("no_such_filter"),
        "the real cause: {stderr}"
    );
    assert!(!archive.public().exists(), "nothing written");
    assert_eq!(leftovers(archive.root()), Vec::<String>::new());
}
