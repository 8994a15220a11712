//! Determinism: the same input gives byte-identical output, whichever
//! folder it is written to and wherever the archive lives.

use std::collections::BTreeMap;

use crate::support::{TestArchive, sample_archive};

/// Builds `archive` into two output folders and compares every file.
fn assert_two_builds_identical(archive: &TestArchive) -> usize {
    let a = archive.build_with(|o| o.output = Some(archive.temp().join("out-a")));
    let b = archive.build_with(|o| o.output = Some(archive.temp().join("out-b")));
    a.assert_ok();
    b.assert_ok();
    assert_identical(a.files(), b.files());
    a.files().len()
}

fn assert_identical(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "both builds write the same files"
    );
    let differing: Vec<&String> = a.keys().filter(|path| a[*path] != b[*path]).collect();
    assert!(
        differing.is_empty(),
        "files differ between builds: {differing:#?}"
    );
}

#[test]
fn archive_fixture_builds_byte_identically() {
    let archive = TestArchive::fixture("archive");
    let files = assert_two_builds_identical(&archive);
    assert!(files > 50, "{files} files compared");

    // A second copy elsewhere (same file times): no absolute path of the
    // archive may leak into the site.
    let elsewhere = TestArchive::fixture("archive").build();
    elsewhere.assert_ok();
    let first = archive.build_with(|o| o.output = Some(archive.temp().join("out-c")));
    assert_identical(first.files(), elsewhere.files());
}

#[test]
fn sample_archive_builds_byte_identically() {
    let archive = sample_archive();
    let files = assert_two_builds_identical(&archive);
    assert!(files > 100, "{files} files compared");
}
