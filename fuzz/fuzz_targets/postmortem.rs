//! Fuzz target: one postmortem through the whole build — decode, front
//! matter, fields, Markdown, the archive, and every page rendered with the
//! default theme into a staging folder (abandoned, so nothing is kept).
//! Static files are left out (they do not depend on the input) and so is
//! the tantivy search stage, to keep executions fast.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

use casebook::archive::{Archive, BuildOptions};
use casebook::config::Config;
use casebook::content::{self, SourceFile};
use casebook::output::Staging;
use casebook::render;
use casebook::site::NoProgress;
use casebook::templates::Theme;

struct Fixture {
    theme: Theme,
    out: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let out = tempfile::tempdir().expect("temporary folder");
        let mut theme =
            Theme::load(out.path(), &Config::default()).expect("the default theme loads");
        theme.static_files.clear();
        Fixture { theme, out }
    })
}

fuzz_target!(|bytes: &[u8]| {
    let fixture = fixture();
    let config = Config::default();
    let file = SourceFile {
        path: PathBuf::from("content/2024/fuzz.md"),
        relative: PathBuf::from("content/2024/fuzz.md"),
        within_content: PathBuf::from("2024/fuzz.md"),
        missing_extension: false,
    };
    let loaded = content::load_source(&file, bytes, &config);
    let today = jiff::civil::date(2025, 1, 1);
    let (archive, _) = Archive::assemble(
        config,
        loaded.incidents,
        &loaded.links,
        &BuildOptions {
            include_drafts: true,
            today,
        },
    );
    let staging = Staging::create(&fixture.out.path().join("public")).expect("staging folder");
    render::render_site(&archive, &fixture.theme, &staging, &NoProgress)
        .expect("a loaded incident always renders");
});
