//! Criterion benchmarks of the build's stages on a generated archive:
//! load (content, Markdown and the archive model), Markdown alone, render,
//! search, write, and serve's update of the search index after an edit. Not run by `cargo test`; run them with
//! `cargo bench --bench stages` (`CASEBOOK_BENCH_N` sets the archive size,
//! 500 postmortems by default; `../shared/bench/gen-corpus` makes them).

use std::path::{Path, PathBuf};
use std::process::Command;

use casebook::markdown::{self, ParseOptions};
use casebook::output::Staging;
use casebook::site::{self, NoProgress};
use casebook::templates::Theme;
use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::date;

/// Generates the archive once per run, in a temp dir that lives until exit.
fn archive() -> (tempfile::TempDir, PathBuf) {
    let n: usize = std::env::var("CASEBOOK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().expect("a temp dir");
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen-corpus");
    let corpus = dir.path().join("corpus");
    let status = Command::new("python3")
        .arg(&generator)
        .arg(n.to_string())
        .arg(&corpus)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs the corpus generator");
    assert!(status.success(), "{} failed", generator.display());
    let root = dir.path().join("archive");
    std::fs::create_dir_all(&root).expect("the archive folder");
    std::fs::rename(corpus.join("incidents"), root.join("content")).expect("move the corpus");
    (dir, root)
}

fn stages(c: &mut Criterion) {
    let (dir, root) = archive();
    let today = date(2026, 1, 1);
    let load = || {
        let (archive, _) = site::load_archive(&root, None, false, today, &mut Vec::new());
        archive.expect("the archive loads")
    };
    let mut group = c.benchmark_group("stages");
    group.sample_size(10);
    group.bench_function("load", |b| b.iter(load));

    let texts: Vec<String> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .take(200)
        .map(|e| std::fs::read_to_string(e.path()).expect("a postmortem"))
        .collect();
    let options = ParseOptions {
        folder: "2024",
        allow_html: false,
    };
    group.bench_function("markdown (200 postmortems)", |b| {
        b.iter(|| {
            for text in &texts {
                let body = text.splitn(3, "---").nth(2).unwrap_or(text);
                std::hint::black_box(markdown::parse(body, &options));
            }
        })
    });

    let archive = load();
    let theme = Theme::load(&root, &archive.config).expect("the theme");
    let out = dir.path().join("out");
    group.bench_function("render", |b| {
        b.iter(|| {
            let staging = Staging::create(&out.join("render")).expect("staging");
            casebook::render::render_site(&archive, &theme, &staging, &NoProgress, false)
                .expect("render")
        })
    });
    group.bench_function("search", |b| {
        b.iter(|| {
            let staging = Staging::create(&out.join("search")).expect("staging");
            casebook::search::build(&archive, &theme, &root, &staging, false).expect("search")
        })
    });

    // Serve's search update: one postmortem's text edited back and forth.
    let mut edited = load();
    let staging = Staging::create(&out.join("search-site")).expect("staging");
    let built = casebook::search::build(&edited, &theme, &root, &staging, true).expect("search");
    staging.commit().expect("commit");
    let mut kept = built.kept.expect("the analysis is kept");
    let index = edited.incidents.len() / 2;
    let mut other = edited.incidents[index].clone();
    if let Some(section) = other.sections.last_mut() {
        section
            .text
            .push_str(" The benchmark adds these words, and zephyrs.");
    }
    group.bench_function("search update after an edit", |b| {
        b.iter(|| {
            let (index, old) = edited.patch(other.clone()).expect("the edit patches in");
            let staging = Staging::for_search_update(&out.join("search-site")).expect("staging");
            casebook::search::update::update_after_edit(&mut kept, &edited, index, &old, &staging)
                .expect("the update");
            other = old;
        })
    });

    // The rendered site's files, written into a new folder and moved in.
    let staging = Staging::create(&out.join("site")).expect("staging");
    casebook::render::render_site(&archive, &theme, &staging, &NoProgress, false).expect("render");
    staging.commit().expect("commit");
    let files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(out.join("site"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let relative = e
                .path()
                .strip_prefix(out.join("site"))
                .expect("under the site");
            let bytes = std::fs::read(e.path()).expect("a site file");
            (relative.to_string_lossy().replace('\\', "/"), bytes)
        })
        .collect();
    group.bench_function("write", |b| {
        b.iter(|| {
            let target = out.join("written");
            let _ = std::fs::remove_dir_all(&target);
            let staging = Staging::create(&target).expect("staging");
            for (relative, bytes) in &files {
                staging.write(relative, bytes).expect("write");
            }
            staging.commit().expect("commit")
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
