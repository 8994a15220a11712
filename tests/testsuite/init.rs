//! `casebook init`: a new archive that builds at once.

use crate::support::{TestArchive, casebook, run};

#[test]
fn init_creates_an_archive_that_builds() {
    let temp = TestArchive::empty();
    let dir = temp.temp().join("new-archive");

    let (output, stdout, stderr) = run(casebook().arg("init").arg(&dir));
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    // SOURCE_DATE_EPOCH fixes "today" to 2025-06-01.
    for file in [
        "casebook.toml",
        "content/2025/checkout-connection-pool.md",
        ".gitignore",
    ] {
        assert!(dir.join(file).is_file(), "init wrote {file}");
        assert!(stdout.contains(file), "init names {file}: {stdout}");
    }
    let gitignore = std::fs::read_to_string(dir.join(".gitignore")).expect("read .gitignore");
    assert!(
        gitignore.lines().any(|l| l.trim_matches('/') == "public"),
        "{gitignore}"
    );
    let example = std::fs::read_to_string(dir.join("content/2025/checkout-connection-pool.md"))
        .expect("read the example");
    assert!(example.starts_with("---\n"), "front matter first");
    assert!(
        example.contains("date: 2025-06-01"),
        "the example is dated today"
    );
    assert!(!example.contains("{{"), "no placeholder left: {example}");

    // A second init refuses and changes nothing.
    let config_before = std::fs::read(dir.join("casebook.toml")).expect("read config");
    let (again, _, again_stderr) = run(casebook().arg("init").arg(&dir));
    assert_eq!(again.status.code(), Some(2), "stderr:\n{again_stderr}");
    assert!(again_stderr.contains("already"), "{again_stderr}");
    assert_eq!(
        std::fs::read(dir.join("casebook.toml")).expect("read config"),
        config_before
    );

    // The new archive builds cleanly.
    let (build, build_stdout, build_stderr) = run(casebook().arg("build").arg("--root").arg(&dir));
    assert_eq!(build.status.code(), Some(0), "stderr:\n{build_stderr}");
    assert!(build_stdout.contains("Built 1 incident"), "{build_stdout}");
    assert!(
        !build_stderr.contains("warning"),
        "the example is a model postmortem: {build_stderr}"
    );
    assert!(
        dir.join("public/incidents/2025/checkout-connection-pool/index.html")
            .is_file()
    );
}

#[test]
fn init_into_the_root_folder() {
    // `casebook --root DIR init` with no folder initialises DIR itself.
    let temp = TestArchive::empty();
    let (output, _, stderr) = run(casebook().arg("--root").arg(temp.root()).arg("init"));
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(temp.root().join("casebook.toml").is_file());
}
