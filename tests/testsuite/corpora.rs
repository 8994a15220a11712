//! Real corpora from `../shared/corpora` and the project's own sample
//! archive: messy real-world postmortems build, one page each, with
//! warnings that say what was assumed.

use crate::support::{
    self, TestArchive, copy_dir, incident_ids, render, sample_site, select, term_slugs,
};

#[test]
fn real_corpora_build_one_page_per_postmortem() {
    let Some(corpora) = support::shared("corpora") else {
        return;
    };
    let archive = TestArchive::empty();
    for name in ["dfds-postmortems", "PostHog-post-mortems"] {
        copy_dir(
            &corpora.join(name),
            &archive.root().join("content").join(name),
        );
    }
    let built = archive.build();
    built.assert_ok();
    assert_eq!(built.report.incidents, 39 + 7);

    let files = built.files();
    let pages = incident_ids(files);
    let dfds = pages
        .iter()
        .filter(|p| p.starts_with("dfds-postmortems/"))
        .count();
    let posthog = pages
        .iter()
        .filter(|p| p.starts_with("posthog-post-mortems/"))
        .count();
    assert_eq!((dfds, posthog), (39, 7), "pages: {pages:#?}");

    // The extensionless file is a postmortem; templates and licences are not.
    assert!(
        pages.contains("dfds-postmortems/pm2022-009-bad-aws-eks-ami-causing-kubernetes-issues")
    );
    assert!(pages.contains("posthog-post-mortems/investigations/2024-02-28-decide-is-down"));
    for page in &pages {
        let name = page.rsplit('/').next().unwrap_or_default();
        assert!(
            !name.contains("template") && !["license", "source", "readme"].contains(&name),
            "{page} is not an incident"
        );
    }

    // Every postmortem without front matter gets one warning saying what was
    // assumed, at the top of the file.
    let assumed: Vec<_> = built
        .warnings()
        .into_iter()
        .filter(|d| d.rule == "content/assumed")
        .collect();
    assert_eq!(
        assumed.len(),
        46,
        "one per postmortem:\n{}",
        render(&assumed)
    );
    for warning in &assumed {
        assert_eq!((warning.line, warning.column), (1, 1), "{warning}");
        assert!(warning.message.contains("assumed"), "{warning}");
        assert!(warning.hint.is_some(), "{warning}");
    }
    let extensionless = assumed
        .iter()
        .find(|d| {
            d.path
                .ends_with("PM2022-009 - Bad AWS EKS AMI causing Kubernetes issues")
        })
        .expect("a warning for the file without .md");
    assert!(
        extensionless.message.contains(".md extension"),
        "{extensionless}"
    );
    let decide = assumed
        .iter()
        .find(|d| d.path.ends_with("2024-02-28-decide is down.md"))
        .expect("a warning for the PostHog investigation");
    assert!(decide.message.contains("2024-02-28"), "{decide}");

    // The dates came out right, not all the same default.
    let page = built
        .html("incidents/posthog-post-mortems/investigations/2024-02-28-decide-is-down/index.html");
    let dates: Vec<&str> = select(&page, "dl.facts time")
        .iter()
        .filter_map(|t| t.value().attr("datetime"))
        .collect();
    assert_eq!(dates, ["2024-02-28"]);
    assert!(files.contains_key("years/2019/index.html"));
    assert!(files.contains_key("years/2025/index.html"));
    // Raw HTML images survive sanitising, with their alt text.
    let flags = built.html("incidents/posthog-post-mortems/2025-09-29-flags-is-down/index.html");
    let images: Vec<&str> = select(&flags, ".incident-body img")
        .iter()
        .filter_map(|i| i.value().attr("alt"))
        .collect();
    assert!(images.contains(&"writer database load spike"), "{images:?}");
}

#[test]
fn sample_archive_is_complete_and_clean() {
    let built = sample_site();
    built.assert_ok();
    let files = built.files();
    let incidents = incident_ids(files).len();
    assert!(incidents >= 15, "{incidents} incidents");
    assert_eq!(built.report.incidents, incidents);
    let teams = term_slugs(files, "teams");
    assert!(teams.len() >= 5, "teams: {teams:?}");
    let years = term_slugs(files, "years");
    assert_eq!(years.len(), 3, "years: {years:?}");
    assert_eq!(
        term_slugs(files, "severity"),
        ["sev-1", "sev-2", "sev-3", "sev-4"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    // The sample is a showcase: most of its postmortems get a visual
    // timeline and a table of action items.
    let mut with_timeline = 0;
    let mut with_actions = 0;
    for (path, html) in built.html_pages() {
        if path.starts_with("incidents/") {
            with_timeline += usize::from(!select(&html, "ol.timeline > li").is_empty());
            with_actions += usize::from(!select(&html, "table.actions-table tbody tr").is_empty());
        }
    }
    assert!(
        with_timeline >= 10,
        "{with_timeline} pages with a visual timeline"
    );
    assert!(with_actions >= 10, "{with_actions} pages with action items");
}
