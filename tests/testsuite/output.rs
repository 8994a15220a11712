//! Atomic output: a failed build leaves the previous site byte for byte as
//! it was, and no build leaves staging folders behind.

use crate::support::{TestArchive, leftovers, read_tree};

const BROKEN: &str = "---\ntitle: \"Never closed\"\ndate: 2024-09-01\n\n## Summary\n\nOops.\n";

#[test]
fn failed_build_leaves_the_previous_site_untouched() {
    let archive = TestArchive::fixture("archive");
    let first = archive.build();
    first.assert_ok();
    let before = read_tree(&archive.public());
    assert!(
        before.len() > 50,
        "a real site was written: {} files",
        before.len()
    );

    archive.write("content/2024/new-incident.md", BROKEN);
    let second = archive.build();
    assert!(
        second.report.has_errors(),
        "the broken file fails the build"
    );
    assert!(second.report.output.is_none());
    let after = read_tree(&archive.public());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (path, bytes) in &before {
        assert!(after[path] == *bytes, "{path} changed after a failed build");
    }
    assert_eq!(leftovers(archive.root()), Vec::<String>::new());
}

#[test]
fn failed_build_into_a_custom_output_keeps_it() {
    let archive = TestArchive::fixture("minimal");
    let site = archive.temp().join("site");
    let first = archive.build_with(|o| o.output = Some(site.clone()));
    first.assert_ok();
    let before = read_tree(&site);
    archive.write("content/2024/broken.md", BROKEN);
    let second = archive.build_with(|o| o.output = Some(site.clone()));
    assert!(second.report.has_errors());
    assert!(
        read_tree(&site) == before,
        "site/ changed after a failed build"
    );
    assert_eq!(leftovers(archive.temp()), Vec::<String>::new());
    assert!(
        !archive.public().exists(),
        "nothing written to the default output"
    );
}

#[test]
fn successful_rebuild_replaces_the_site_without_stale_pages() {
    let archive = TestArchive::fixture("archive");
    archive.build().assert_ok();
    let gone = "incidents/2025/kafka-consumer-lag/index.html";
    assert!(archive.public().join(gone).is_file());
    // A stray file in the old site must not survive either.
    std::fs::write(archive.public().join("stray.html"), "old").expect("write a stray file");

    std::fs::remove_file(archive.root().join("content/2025/kafka-consumer-lag.md"))
        .expect("remove a postmortem");
    let rebuilt = archive.build();
    rebuilt.assert_ok();
    assert!(
        !rebuilt.exists(gone),
        "the removed postmortem's page is gone"
    );
    assert!(!rebuilt.exists("stray.html"));
    assert!(!rebuilt.exists("tags/queue-backlog/index.html"));
    assert!(rebuilt.exists("incidents/2024/checkout-db-failover/index.html"));
    assert_eq!(leftovers(archive.root()), Vec::<String>::new());
}
