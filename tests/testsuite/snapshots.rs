//! Snapshots of the `<main>` element only, so a change to the site's
//! header or footer does not touch every snapshot. Temp paths are redacted.

use crate::support::{TestArchive, main_element};

fn redacted(archive: &TestArchive, html: &str) -> String {
    html.replace(&archive.temp().display().to_string(), "[TEMP]")
}

#[test]
fn incident_page_main() {
    let archive = TestArchive::fixture("archive");
    let built = archive.build();
    built.assert_ok();
    let page = built.page("incidents/2024/checkout-db-failover/index.html");
    insta::assert_snapshot!(
        "incident_page_main",
        redacted(&archive, main_element(&page))
    );
}
