//! The build cache: a rebuild with nothing changed leaves the site as it
//! was (same bytes, same timestamps), and a rebuild after an edit writes
//! exactly what a clean build of the edited archive writes.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

use crate::support::{Built, TestArchive, read_tree};

/// Every file's modification time under `dir`.
fn times(dir: &Path) -> BTreeMap<String, SystemTime> {
    read_tree(dir)
        .into_keys()
        .map(|relative| {
            let modified = fs::metadata(dir.join(&relative))
                .and_then(|m| m.modified())
                .expect("a file time");
            (relative, modified)
        })
        .collect()
}

/// Builds the archive from scratch (no cache, a new output folder) and
/// asserts `built` has exactly its files, byte for byte.
fn assert_same_as_clean_build(archive: &TestArchive, built: &Built) {
    fs::remove_dir_all(archive.root().join(".casebook-cache")).expect("remove the cache");
    let clean = archive.build_with(|o| {
        o.output = Some(
            archive
                .temp()
                .join(format!("clean-{}", built.files().len())),
        )
    });
    clean.assert_ok();
    assert_eq!(
        built.files().keys().collect::<Vec<_>>(),
        clean.files().keys().collect::<Vec<_>>(),
        "the rebuild and the clean build have the same files"
    );
    let differing: Vec<&String> = built
        .files()
        .keys()
        .filter(|path| built.files()[*path] != clean.files()[*path])
        .collect();
    assert!(
        differing.is_empty(),
        "files differ from a clean build: {differing:#?}"
    );
}

/// The first postmortem under `content/2024`, as a path under the root.
fn a_postmortem(archive: &TestArchive) -> String {
    let mut names: Vec<String> = fs::read_dir(archive.root().join("content/2024"))
        .expect("content/2024")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .to_string()
        })
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    format!("content/2024/{}", names[0])
}

#[test]
fn rebuild_with_nothing_changed_keeps_every_file_and_its_time() {
    let archive = TestArchive::fixture("archive");
    let first = archive.build();
    first.assert_ok();
    let before = times(&first.output);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = archive.build();
    again.assert_ok();
    assert_eq!(first.files(), again.files());
    assert_eq!(before, times(&again.output), "no file was rewritten");
    assert_eq!(first.report.diagnostics, again.report.diagnostics);
    assert_eq!(first.report.files, again.report.files);
    assert_eq!(first.report.incidents, again.report.incidents);
}

#[test]
fn rebuild_after_an_edit_matches_a_clean_build() {
    let archive = TestArchive::fixture("archive");
    let first = archive.build();
    first.assert_ok();
    let before = times(&first.output);

    let edited = a_postmortem(&archive);
    let text = fs::read_to_string(archive.root().join(&edited)).expect("read the postmortem");
    archive.write(
        &edited,
        &format!("{text}\n\nA paragraph added in review.\n"),
    );
    let rebuilt = archive.build();
    rebuilt.assert_ok();
    assert_ne!(first.files(), rebuilt.files(), "the edit shows");
    let after = times(&rebuilt.output);
    let kept = before
        .iter()
        .filter(|(path, time)| after.get(*path) == Some(*time))
        .count();
    assert!(kept > 0, "files the edit does not change keep their time");
    assert_same_as_clean_build(&archive, &rebuilt);
}

#[test]
fn rebuild_after_a_removal_drops_its_pages() {
    let archive = TestArchive::fixture("archive");
    archive.build().assert_ok();
    fs::remove_file(archive.root().join(a_postmortem(&archive))).expect("remove a postmortem");
    let rebuilt = archive.build();
    rebuilt.assert_ok();
    assert_same_as_clean_build(&archive, &rebuilt);
}

#[test]
fn a_touched_output_file_is_rebuilt() {
    let archive = TestArchive::fixture("archive");
    let first = archive.build();
    first.assert_ok();
    fs::write(first.output.join("index.html"), "tampered").expect("tamper");
    fs::write(first.output.join("extra.txt"), "stray").expect("add a stray file");
    let again = archive.build();
    again.assert_ok();
    assert_eq!(first.files(), again.files(), "the build restores the site");
}

#[test]
fn an_edit_that_keeps_size_and_time_is_still_seen() {
    let archive = TestArchive::fixture("archive");
    archive.build().assert_ok();
    let edited = a_postmortem(&archive);
    let text = fs::read_to_string(archive.root().join(&edited)).expect("read the postmortem");
    let title = text
        .lines()
        .find(|l| l.starts_with("title:"))
        .expect("a title");
    // Same length, and `write` sets the same fixed time as before.
    let value = &title["title:".len()..];
    let changed = format!(
        "title:{}",
        value.replacen(|c: char| c.is_ascii_lowercase(), "Q", 1)
    );
    archive.write(&edited, &text.replacen(title, &changed, 1));
    let rebuilt = archive.build();
    rebuilt.assert_ok();
    let shown = rebuilt.files().values().any(|bytes| {
        String::from_utf8_lossy(bytes).contains(
            changed
                .trim_start_matches("title:")
                .trim()
                .trim_matches('"'),
        )
    });
    assert!(shown, "the new title {changed:?} is in the site");
}

/// Whether the build ran its stages or was skipped by the build cache.
fn rendered(built: &Built) -> bool {
    built
        .report
        .timings
        .iter()
        .any(|(stage, _)| *stage == "render")
}

#[test]
fn files_gitignore_leaves_out_do_not_invalidate_the_cache() {
    // An archive kept beside code: its `target/` is not an input.
    let archive = TestArchive::fixture("archive");
    archive.write(".gitignore", "target/\n");
    archive.write("target/build-artifact.bin", "one");
    archive.build().assert_ok();
    archive.write("target/build-artifact.bin", "two, longer");
    let again = archive.build();
    again.assert_ok();
    assert!(
        !rendered(&again),
        "an ignored file changed: nothing to rebuild"
    );
    archive.write(
        "NOTES.md",
        "not ignored: an input as far as the cache knows",
    );
    let third = archive.build();
    third.assert_ok();
    assert!(
        rendered(&third),
        "a file not ignored changed: the build runs"
    );
}
