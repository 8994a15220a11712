//! Hostile and broken input: each case gets a clear diagnostic or builds,
//! and none panics or hangs.

use crate::support::TestArchive;

const VALID: &str =
    "---\ntitle: \"Fine\"\ndate: 2024-03-14\nseverity: SEV-3\n---\n\n## Summary\n\nAll good.\n";

fn write_bytes(archive: &TestArchive, relative: &str, bytes: &[u8]) {
    let path = archive.root().join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn empty_binary_and_badly_encoded_files_get_diagnostics() {
    let archive = TestArchive::empty();
    archive.write("content/2024/fine.md", VALID);
    write_bytes(&archive, "content/2024/empty.md", b"");
    write_bytes(
        &archive,
        "content/2024/binary.md",
        &[0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0xff],
    );
    write_bytes(
        &archive,
        "content/2024/utf16.md",
        &[0xFF, 0xFE, b'#', 0, b' ', 0, b'x', 0],
    );
    write_bytes(
        &archive,
        "content/2024/latin1.md",
        b"# Caf\xe9 outage\n\nText.\n",
    );
    let built = archive.build();
    let rule_of = |file: &str| -> Vec<&str> {
        built
            .report
            .diagnostics
            .iter()
            .filter(|d| d.path.to_string_lossy().ends_with(file))
            .map(|d| d.rule)
            .collect()
    };
    assert_eq!(rule_of("binary.md"), ["content/binary"]);
    assert_eq!(rule_of("utf16.md"), ["content/encoding"]);
    assert_eq!(rule_of("latin1.md"), ["content/encoding"]);
    assert_eq!(rule_of("empty.md"), ["content/empty"]);
    assert!(built.report.has_errors());
}

#[test]
fn huge_tables_and_deep_nesting_build() {
    let archive = TestArchive::empty();
    let mut table = String::from(
        "---\ntitle: \"Big table\"\ndate: 2024-03-14\n---\n\n## Timeline\n\n| Time | Event |\n|---|---|\n",
    );
    for i in 0..10_000 {
        table.push_str(&format!(
            "| {:02}:{:02} | event {i} |\n",
            (i / 60) % 24,
            i % 60
        ));
    }
    archive.write("content/2024/table.md", &table);
    let mut nested = String::from("---\ntitle: \"Deep\"\ndate: 2024-03-14\n---\n\n");
    for depth in 0..500 {
        nested.push_str(&"  ".repeat(depth));
        nested.push_str("- item\n");
    }
    nested.push_str(&">".repeat(500));
    nested.push_str(" quoted\n");
    archive.write("content/2024/deep.md", &nested);
    let built = archive.build();
    built.assert_ok();
    assert!(
        built
            .page("incidents/2024/table/index.html")
            .contains("event 9999")
    );
    assert!(built.exists("incidents/2024/deep/index.html"));
}

#[test]
fn odd_file_names_build_and_slug_collisions_are_reported() {
    let archive = TestArchive::empty();
    archive.write("content/2024/with spaces.md", VALID);
    archive.write("content/2024/ünïcödé.md", VALID);
    archive.write("content/2024/$(rm -rf ~); `x` & y.md", VALID);
    archive.write("content/2024/DB Failover.md", VALID);
    archive.write("content/2024/db-failover.md", VALID);
    let built = archive.build();
    let duplicates: Vec<_> = built
        .errors()
        .into_iter()
        .filter(|d| d.rule == "id/duplicate")
        .collect();
    assert_eq!(duplicates.len(), 1, "{:?}", built.report.diagnostics);
    std::fs::remove_file(archive.root().join("content/2024/DB Failover.md")).unwrap();
    let built = archive.build();
    built.assert_ok();
    assert!(built.exists("incidents/2024/with-spaces/index.html"));
    assert!(built.exists("incidents/2024/unicode/index.html"));
    assert!(built.exists("incidents/2024/rm-rf-x-y/index.html"));
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed_out_of_the_archive() {
    let archive = TestArchive::empty();
    archive.write("content/2024/fine.md", VALID);
    let outside = archive.temp().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("secret.md"),
        VALID.replace("Fine", "Outside secret"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, archive.root().join("content/linked")).unwrap();
    std::os::unix::fs::symlink(
        archive.root().join("content/loop"),
        archive.root().join("content/loop"),
    )
    .unwrap();
    let built = archive.build();
    built.assert_ok();
    assert_eq!(built.report.incidents, 1);
    assert!(!built.exists("incidents/linked/secret/index.html"));
}

#[test]
fn nul_bytes_are_reported_where_they_are() {
    let archive = TestArchive::empty();
    archive.write("content/2024/fine.md", VALID);
    // A stray NUL in an otherwise good text file, and one written as a YAML
    // escape (a NUL character in a value, which XML feeds cannot carry).
    write_bytes(
        &archive,
        "content/2024/stray.md",
        b"---\ntitle: \"Stray\"\ndate: 2024-03-14\n---\n\n## Summary\n\nA\0B\n",
    );
    let built = archive.build();
    let stray: Vec<_> = built
        .errors()
        .into_iter()
        .filter(|d| d.path.ends_with("stray.md"))
        .collect();
    assert_eq!(stray.len(), 1, "{:?}", built.report.diagnostics);
    assert_eq!(stray[0].rule, "content/binary");
    assert_eq!((stray[0].line, stray[0].column), (8, 2));

    std::fs::remove_file(archive.root().join("content/2024/stray.md")).unwrap();
    archive.write(
        "content/2024/escaped.md",
        "---\ntitle: \"Escaped \\0 NUL\"\ndate: 2024-03-14\ntags: [\"a\\0b\"]\n---\n\n## Summary\n\nText.\n",
    );
    let built = archive.build();
    let errors = built.errors();
    assert_eq!(errors.len(), 1, "{:?}", built.report.diagnostics);
    assert_eq!(errors[0].rule, "front-matter/control-character");
    assert!(
        errors[0].message.contains("U+0000"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].line, 2, "points at the title");

    // Other control characters, written literally, are found too.
    std::fs::remove_file(archive.root().join("content/2024/escaped.md")).unwrap();
    write_bytes(
        &archive,
        "content/2024/bell.md",
        b"---\ntitle: \"Bell\"\ndate: 2024-03-14\n---\n\nRing \x07 once.\n",
    );
    let built = archive.build();
    let errors = built.errors();
    assert_eq!(errors.len(), 1, "{:?}", built.report.diagnostics);
    assert_eq!(errors[0].rule, "content/control-character");
    assert_eq!((errors[0].line, errors[0].column), (6, 6));
}

/// A directory named like a postmortem is walked into, not read.
#[test]
fn a_directory_named_like_a_postmortem_is_not_read_as_one() {
    let archive = TestArchive::empty();
    archive.write("content/2024/folder.md/inner.md", VALID);
    let built = archive.build();
    built.assert_ok();
    assert_eq!(built.report.incidents, 1);
    assert!(built.exists("incidents/2024/folder-md/inner/index.html"));
}

/// Permission denied, for real: as root (CI), chmod 000 does not deny reads,
/// so the binary runs as `nobody` through `setpriv`; as any other user it
/// runs directly.
#[cfg(unix)]
#[test]
fn an_unreadable_file_gets_a_diagnostic_and_no_site() {
    use std::os::unix::fs::PermissionsExt;
    let archive = TestArchive::empty();
    archive.write("content/2024/fine.md", VALID);
    archive.write("content/2024/locked.md", VALID);
    let locked = archive.root().join("content/2024/locked.md");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Everything else readable (and the archive writable) by anyone.
    for dir in [archive.temp(), archive.root()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    for dir in ["content", "content/2024"] {
        std::fs::set_permissions(
            archive.root().join(dir),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let is_root = std::fs::metadata("/proc/self").is_ok_and(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    });
    let mut command = if is_root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_casebook"));
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_casebook"))
    };
    command
        .env("NO_COLOR", "1")
        .args(["build", "--root"])
        .arg(archive.root());
    let (output, _, stderr) = crate::support::run(&mut command);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("content/2024/locked.md")
            && stderr.contains("cannot read the file")
            && stderr.contains("Permission denied"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!archive.public().exists(), "no site from a failed build");
}

/// A 50 MB postmortem (a pasted log) gets a clear diagnostic, quickly and
/// without reading it into memory; the rest of the archive is unaffected.
#[test]
fn a_50_mb_postmortem_gets_a_diagnostic() {
    let archive = TestArchive::empty();
    archive.write("content/2024/fine.md", VALID);
    let mut huge = String::from("---\ntitle: \"Huge\"\ndate: 2024-03-14\n---\n\n## Timeline\n\n");
    let line =
        "- 14:32 ERROR connection pool exhausted, retrying request to ledger-db (attempt 3)\n";
    while huge.len() < 50 * 1024 * 1024 {
        huge.push_str(line);
    }
    archive.write("content/2024/huge.md", &huge);
    let started = std::time::Instant::now();
    let built = archive.build();
    let errors = built.errors();
    assert_eq!(errors.len(), 1, "{:?}", built.report.diagnostics);
    assert_eq!(errors[0].rule, "content/too-large");
    assert!(errors[0].path.ends_with("huge.md"));
    assert!(
        errors[0].message.contains("50.0 MB"),
        "{}",
        errors[0].message
    );
    assert!(errors[0].hint.is_some());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}
