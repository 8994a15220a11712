//! Determinism: the same input gives byte-identical output, whichever
//! folder it is written to and wherever the archive lives.

use std::collections::BTreeMap;

use crate::support::{Built, TestArchive, archive_site, sample_archive, sample_site};

/// Builds `archive` again into another output folder and compares every
/// file with `first`, a build of another copy of the same input. Two copies
/// in different temp dirs (with the same file times) also prove that no
/// absolute path of the archive leaks into the site.
fn assert_rebuild_identical(first: &Built, archive: &TestArchive) -> usize {
    let again = archive.build_with(|o| o.output = Some(archive.temp().join("elsewhere/site")));
    first.assert_ok();
    again.assert_ok();
    assert_identical(first.files(), again.files());
    first.files().len()
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
    let files = assert_rebuild_identical(archive_site(), &TestArchive::fixture("archive"));
    assert!(files > 50, "{files} files compared");
}

#[test]
fn sample_archive_builds_byte_identically() {
    let files = assert_rebuild_identical(sample_site(), &sample_archive());
    assert!(files > 100, "{files} files compared");
}
