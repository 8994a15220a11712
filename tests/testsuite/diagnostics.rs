//! Diagnostics: every fixture under `fixtures/invalid/` fails the build with
//! the right rule, file, line, column and a hint, and writes nothing; the
//! generated corpus with `--broken` reports every mistake in one build.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use casebook::diagnostics::Diagnostic;

use crate::support::{self, Built, TestArchive, casebook, leftovers, render, run};

/// One invalid fixture: its folder, the file at fault, the rule, line and
/// column (0 = not checked here), and words the message must contain.
struct Case {
    fixture: &'static str,
    file: &'static str,
    rule: &'static str,
    line: usize,
    column: usize,
    message: &'static str,
}

const CASES: &[Case] = &[
    Case {
        fixture: "unclosed-front-matter",
        file: "content/2024/db-failover.md",
        rule: "front-matter/unclosed",
        line: 1,
        column: 1,
        message: "never closed",
    },
    Case {
        fixture: "invalid-yaml",
        file: "content/2024/db-failover.md",
        rule: "front-matter/invalid-yaml",
        // `title: Checkout: down…`: the second colon, on line 4 of the file.
        line: 4,
        column: 16,
        message: "invalid YAML",
    },
    Case {
        fixture: "bad-date",
        file: "content/2024/db-failover.md",
        rule: "date/invalid",
        line: 3,
        column: 0,
        message: "2024-02-30",
    },
    Case {
        fixture: "unknown-severity",
        file: "content/2024/db-failover.md",
        rule: "severity/unknown",
        line: 4,
        column: 0,
        message: "unknown severity \"sev5\"",
    },
    Case {
        fixture: "missing-title",
        file: "content/2024/db-failover.md",
        rule: "title/missing",
        line: 1,
        column: 1,
        message: "no title",
    },
    Case {
        fixture: "resolved-before-started",
        file: "content/2024/db-failover.md",
        rule: "time/order",
        line: 6,
        column: 0,
        message: "before `started`",
    },
    Case {
        fixture: "broken-link",
        file: "content/2024/db-failover.md",
        rule: "link/broken",
        // `See [the earlier outage](../2023/no-such-incident.md)`: the `[`.
        line: 10,
        column: 5,
        message: "2023/no-such-incident.md",
    },
    Case {
        fixture: "duplicate-ids",
        file: "content/2024/checkout_outage.md",
        rule: "id/duplicate",
        line: 1,
        column: 1,
        message: "Checkout Outage.md",
    },
];

/// A build of one invalid fixture, with what it left on disk.
struct InvalidBuild {
    built: Built,
    wrote_output: bool,
    leftovers: Vec<String>,
}

/// Every invalid fixture, built once and shared by the tests below.
fn invalid(fixture: &str) -> &'static InvalidBuild {
    static BUILDS: LazyLock<BTreeMap<&'static str, InvalidBuild>> = LazyLock::new(|| {
        CASES
            .iter()
            .map(|case| {
                let archive = TestArchive::fixture(&format!("invalid/{}", case.fixture));
                let built = archive.build();
                let build = InvalidBuild {
                    wrote_output: built.output.exists(),
                    leftovers: leftovers(archive.root()),
                    built: built.detached(),
                };
                (case.fixture, build)
            })
            .collect()
    });
    BUILDS
        .get(fixture)
        .unwrap_or_else(|| panic!("no invalid fixture {fixture}"))
}

#[test]
fn each_invalid_fixture_fails_with_a_precise_diagnostic() {
    let mut problems = Vec::new();
    for case in CASES {
        let InvalidBuild {
            built,
            wrote_output,
            leftovers,
        } = invalid(case.fixture);
        let errors = built.errors();
        if !built.report.has_errors() {
            problems.push(format!("{}: the build did not fail", case.fixture));
            continue;
        }
        let Some(found) = errors.iter().find(|d| d.rule == case.rule) else {
            problems.push(format!(
                "{}: no {} error; got:\n{}",
                case.fixture,
                case.rule,
                render(&errors)
            ));
            continue;
        };
        let mut check = |ok: bool, what: String| {
            if !ok {
                problems.push(format!("{}: {what}\n  {found}", case.fixture));
            }
        };
        check(
            found.path == Path::new(case.file),
            format!("path should be {}", case.file),
        );
        check(
            found.line == case.line,
            format!("line should be {}", case.line),
        );
        if case.column > 0 {
            check(
                found.column == case.column,
                format!("column should be {}", case.column),
            );
        }
        check(
            found.message.contains(case.message),
            format!("message should mention {:?}", case.message),
        );
        check(
            found.hint.as_deref().is_some_and(|h| !h.trim().is_empty()),
            "a hint says how to fix it".into(),
        );
        // Nothing written: no site, no staging folder, nothing beside the root.
        check(
            built.report.output.is_none(),
            "the report names no output".into(),
        );
        check(!wrote_output, "no public/ folder is written".into());
        check(
            leftovers.is_empty(),
            format!("staging folders left behind: {leftovers:?}"),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn one_mistake_gives_one_error() {
    // An author fixes what they are told; a second, derived error that
    // contradicts the first ("the front matter has no `date`" when it has
    // one) sends them the wrong way.
    let mut problems = Vec::new();
    for case in CASES {
        let built = &invalid(case.fixture).built;
        let errors = built.errors();
        if errors.len() != 1 {
            problems.push(format!(
                "{}: expected only {}, got {}:\n{}",
                case.fixture,
                case.rule,
                errors.len(),
                render(&errors)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn field_errors_point_at_the_value() {
    // STYLE.md: `content/2024/db-failover.md:4:11: error: unknown severity "sev5"`.
    // The unknown-severity fixture is that very file.
    let expected = [
        ("unknown-severity", "severity/unknown", 4, 11), // severity: sev5
        ("bad-date", "date/invalid", 3, 7),              // date: 2024-02-30
        ("resolved-before-started", "time/order", 6, 11), // resolved: 2024-…
    ];
    let mut problems = Vec::new();
    for (fixture, rule, line, column) in expected {
        let built = &invalid(fixture).built;
        let found: Vec<&Diagnostic> = built
            .errors()
            .into_iter()
            .filter(|d| d.rule == rule)
            .collect();
        match found.first() {
            Some(d) if (d.line, d.column) == (line, column) => {}
            Some(d) => problems.push(format!(
                "{fixture}: expected {line}:{column}, got {}:{}\n  {d}",
                d.line, d.column
            )),
            None => problems.push(format!("{fixture}: no {rule} error")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn unclosed_front_matter_hint_names_where_the_body_starts() {
    let built = &invalid("unclosed-front-matter").built;
    let error = built
        .errors()
        .into_iter()
        .find(|d| d.rule == "front-matter/unclosed")
        .expect("an unclosed front matter error");
    assert!(
        error.hint.as_deref().unwrap_or_default().contains("line 6"),
        "{error}"
    );
}

#[test]
fn cli_prints_compiler_style_errors_and_exits_1() {
    let archive = TestArchive::fixture("invalid/unknown-severity");
    let (output, stdout, stderr) = run(casebook().arg("build").arg("--root").arg(archive.root()));
    assert_eq!(output.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stdout.is_empty(), "nothing on stdout on failure: {stdout}");
    assert!(
        stderr.contains("content/2024/db-failover.md:4:"),
        "path:line:col first: {stderr}"
    );
    assert!(
        stderr.contains(": error: unknown severity \"sev5\""),
        "{stderr}"
    );
    assert!(stderr.contains("[severity/unknown]"), "{stderr}");
    assert!(stderr.contains("help: use one of SEV-1"), "{stderr}");
    assert!(!archive.public().exists());
}

/// What each broken file of gen-corpus must produce: an error with this
/// rule and line, or (for `check`'s rules) no error at all.
const BROKEN: &[(&str, Option<(&str, usize)>)] = &[
    (
        "unclosed-front-matter-0.md",
        Some(("front-matter/unclosed", 1)),
    ),
    ("bad-date-1.md", Some(("date/invalid", 3))),
    ("unknown-severity-2.md", Some(("severity/unknown", 4))),
    ("missing-title-3.md", Some(("title/missing", 1))),
    ("action-without-owner-4.md", None),
    ("blame-language-5.md", None),
    // `title: [unclosed` is only noticed at `date:` on line 3.
    ("invalid-yaml-6.md", Some(("front-matter/invalid-yaml", 3))),
    ("resolved-before-start-7.md", Some(("time/order", 6))),
];

#[test]
fn generated_corpus_reports_every_broken_file_in_one_build() {
    let archive = TestArchive::empty();
    if !support::generate(archive.root(), 40, 8) {
        return;
    }
    let built = archive.build();
    assert!(built.report.has_errors());
    assert!(built.report.output.is_none() && !built.output.exists());

    let mut problems = Vec::new();
    for (file, expected) in BROKEN {
        let path = Path::new("incidents/broken").join(file);
        let errors: Vec<&Diagnostic> = built
            .errors()
            .into_iter()
            .filter(|d| d.path == path)
            .collect();
        match expected {
            None if errors.is_empty() => {}
            None => problems.push(format!(
                "{file}: is `check`'s job, but the build reported:\n{}",
                render(&errors)
            )),
            Some((rule, line)) => match errors.iter().find(|d| d.rule == *rule) {
                Some(d) if d.line == *line && d.column >= 1 && d.hint.is_some() => {}
                Some(d) => problems.push(format!("{file}: expected {rule} at line {line}: {d}")),
                None => problems.push(format!(
                    "{file}: no {rule} error; got:\n{}",
                    render(&errors)
                )),
            },
        }
    }
    // The forty good postmortems are not blamed for the broken ones.
    let elsewhere: Vec<&Diagnostic> = built
        .errors()
        .into_iter()
        .filter(|d| !d.path.starts_with("incidents/broken"))
        .collect();
    if !elsewhere.is_empty() {
        problems.push(format!("errors in valid files:\n{}", render(&elsewhere)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The command line reports them all, compiler style, and exits 1.
    let (output, _, stderr) = run(casebook().arg("build").arg("--root").arg(archive.root()));
    assert_eq!(output.status.code(), Some(1), "stderr:\n{stderr}");
    let located: Vec<&str> = stderr
        .lines()
        .filter(|line| is_located_error(line))
        .collect();
    for (file, expected) in BROKEN {
        if let Some((rule, line)) = expected {
            let prefix = format!("incidents/broken/{file}:{line}:");
            assert!(
                located
                    .iter()
                    .any(|l| l.starts_with(&prefix) && l.ends_with(&format!("[{rule}]"))),
                "no `{prefix}col: error: … [{rule}]` line in:\n{stderr}"
            );
        }
    }
    assert!(!archive.public().exists());
}

/// `path:line:col: error: message [rule]`.
fn is_located_error(line: &str) -> bool {
    let Some((location, _)) = line.split_once(": error: ") else {
        return false;
    };
    let mut parts = location.rsplitn(3, ':');
    let column = parts.next().unwrap_or_default();
    let line_number = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default();
    !path.is_empty()
        && column.parse::<usize>().is_ok_and(|c| c >= 1)
        && line_number.parse::<usize>().is_ok_and(|l| l >= 1)
}
