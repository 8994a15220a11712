//! Determinism: the same input gives byte-identical output, whichever
//! folder it is written to, wherever the archive lives, and however many
//! threads build it.

use std::collections::BTreeMap;

use crate::support::{
    Built, TestArchive, archive_site, casebook, read_tree, run as run_binary, sample_archive,
    sample_site,
};

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

/// Ten builds by the binary, alternating one worker thread and the default
/// (plus one with more threads than cores), give byte-identical sites: the
/// parallel stages never let scheduling order reach the output.
#[test]
fn ten_builds_with_one_thread_and_the_default_are_identical() {
    let archive = TestArchive::fixture("archive");
    let mut first: Option<BTreeMap<String, Vec<u8>>> = None;
    for run in 0..10 {
        let threads = match run {
            9 => Some("8"),
            n if n % 2 == 1 => Some("1"),
            _ => None,
        };
        let output = archive.temp().join(format!("run-{run}"));
        let mut command = casebook();
        command
            .args(["build", "--quiet", "--root"])
            .arg(archive.root())
            .arg("--output")
            .arg(&output);
        match threads {
            Some(n) => command.env("RAYON_NUM_THREADS", n),
            None => command.env_remove("RAYON_NUM_THREADS"),
        };
        let (out, _, stderr) = run_binary(&mut command);
        assert!(
            out.status.success(),
            "run {run} ({threads:?} threads): {stderr}"
        );
        let files = read_tree(&output);
        match &first {
            None => {
                assert!(files.len() > 50, "{} files", files.len());
                first = Some(files);
            }
            Some(first) => assert_identical(first, &files),
        }
    }
}
