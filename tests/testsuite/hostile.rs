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
