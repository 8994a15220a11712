//! The build orchestrator: one line per stage, reading like the pipeline.
//!
//! config → content → archive → (theme) → render → output. Diagnostics from
//! every stage are collected; if any is an error, nothing is written and the
//! previous site stays as it was.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use anyhow::Result;
use jiff::civil::Date;

use crate::archive::{Archive, BuildOptions as ArchiveOptions};
use crate::cache::{self, Manifest};
use crate::config::Config;
use crate::content;
use crate::diagnostics::{self, Diagnostic};
use crate::history;
use crate::output::{Spare, Staging};
use crate::render::{self, Progress};
use crate::templates::Theme;
use crate::timings::{Stopwatch, Timings};

/// What the user asked the build to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Output folder; defaults to the config's `output_dir` under the root.
    pub output: Option<PathBuf>,
    pub base_url: Option<String>,
    pub include_drafts: bool,
    /// The day to judge overdue action items against.
    pub today: Date,
    /// Skip the search stage (no tantivy index, no `search/` in the site).
    pub no_search: bool,
}

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// Every diagnostic, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Where the site was written, if it was.
    pub output: Option<PathBuf>,
    pub incidents: usize,
    pub files: usize,
    /// How long each stage took, for `--verbose`.
    pub timings: Timings,
    /// Dropped before writing anything: an edit made it stale (serve).
    pub abandoned: bool,
}

impl BuildReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads the archive without writing anything: the model plus diagnostics.
/// `build`, `check` and `serve` all start here.
pub fn load_archive(
    root: &Path,
    base_url: Option<&str>,
    include_drafts: bool,
    today: Date,
    timings: &mut Timings,
) -> (Option<Archive>, Vec<Diagnostic>) {
    let loaded = load_and_scan(root, base_url, include_drafts, today, timings, None, false);
    (loaded.archive, loaded.diagnostics)
}

/// What [`load_and_scan`] found.
struct Scanned {
    archive: Option<Archive>,
    diagnostics: Vec<Diagnostic>,
    /// The secrets that keep published postmortems from being published
    /// (empty unless asked for).
    secrets: Vec<Diagnostic>,
    /// The postmortems dated by a commit rather than by their file's time.
    committed: HashSet<PathBuf>,
}

/// Loads the archive and, with `scan_secrets`, looks for secrets in the
/// published postmortems: each file is scanned as the content stage reads
/// it, and the findings of those published are kept. With the build
/// cache's `fingerprint`, the files it read and the times it saw are not
/// read or looked up again.
fn load_and_scan(
    root: &Path,
    base_url: Option<&str>,
    include_drafts: bool,
    today: Date,
    timings: &mut Timings,
    mut fingerprint: Option<&mut cache::Fingerprint>,
    scan_secrets: bool,
) -> Scanned {
    let mut watch = Stopwatch::start();
    let mut config = match Config::load(root) {
        Ok(config) => config,
        Err(diagnostic) => {
            return Scanned {
                archive: None,
                diagnostics: vec![diagnostic],
                secrets: Vec::new(),
                committed: HashSet::new(),
            };
        }
    };
    if let Some(base_url) = base_url {
        config.base_url = base_url.to_string();
    }
    watch.lap("config", timings);
    let scan = |file: &content::SourceFile, bytes: &[u8]| {
        crate::check::secret_findings_of(&file.relative, bytes, &config.check)
    };
    // The postmortems the fingerprint read: content and the secret scan
    // take their bytes from here rather than reading them again.
    let read = fingerprint
        .as_deref_mut()
        .map(|f| std::mem::take(&mut f.read))
        .unwrap_or_default();
    let mut loaded = content::load_reading(
        root,
        &config,
        read,
        scan_secrets.then_some(&scan as content::Inspect),
    );
    watch.lap("content", timings);
    // The fingerprint looked at every file's time: history need not again.
    let seen = fingerprint.as_deref().map(|f| &f.inputs);
    let seen_time = |path: &Path| cache::seen_time(seen?, path);
    let committed = history::annotate(root, &mut loaded.incidents, &seen_time);
    watch.lap("history", timings);
    let options = ArchiveOptions {
        include_drafts,
        today,
    };
    let (archive, archive_diagnostics) =
        Archive::assemble(config, loaded.incidents, &loaded.links, &options);
    watch.lap("archive", timings);
    let published: HashSet<&Path> = archive
        .incidents
        .iter()
        .map(|i| i.source.as_path())
        .collect();
    let mut secrets = loaded.inspected;
    secrets.retain(|d| published.contains(d.path.as_path()));
    diagnostics::sort(&mut secrets);
    let mut all = loaded.diagnostics;
    all.extend(archive_diagnostics);
    diagnostics::sort(&mut all);
    Scanned {
        archive: Some(archive),
        diagnostics: all,
        secrets,
        committed,
    }
}

/// What a build leaves in memory for serve to re-render an edited page
/// at once: the model, the theme and the cards.
pub struct Kept {
    pub archive: Archive,
    pub theme: Theme,
    pub rendered: render::Rendered,
    /// The postmortems dated by a commit: an edit leaves their date alone.
    pub committed: HashSet<PathBuf>,
    /// The build cache's record of the site's files as the build left them.
    pub outputs: cache::Outputs,
    /// The pages the sitemap lists.
    pub sitemap_pages: Vec<String>,
    /// The static search index's analysis, when the build wrote one.
    pub search: Option<crate::search::KeptSearch>,
}

/// Builds the site. Returns Err only for failures that are not the
/// author's (I/O, a broken theme); problems in postmortems are diagnostics.
pub fn build(options: &BuildOptions, progress: &dyn Progress) -> Result<BuildReport> {
    build_inner(options, progress, true, false, None).map(|(report, _)| report)
}

/// How serve keeps a build from replacing its site while it writes an
/// edit into it, and from replacing it at all once an edit has made the
/// build stale (another build is coming).
pub struct CommitGate<'a> {
    /// Held while the site is replaced; serve holds it while it writes.
    pub site: &'a Mutex<()>,
    /// Set when an edit arrived after the build read the archive.
    pub stale: &'a AtomicBool,
}

/// Builds the site and keeps the model, for serve. With `skip_unchanged`,
/// a build the cache finds unchanged is skipped and keeps nothing. With a
/// `gate`, a build found stale when its site is ready is dropped: its
/// report says `abandoned` and nothing is written.
pub fn build_and_keep(
    options: &BuildOptions,
    skip_unchanged: bool,
    gate: Option<&CommitGate>,
) -> Result<(BuildReport, Option<Kept>)> {
    build_inner(options, &NoProgress, skip_unchanged, true, gate)
}

fn build_inner(
    options: &BuildOptions,
    progress: &dyn Progress,
    skip_unchanged: bool,
    keep: bool,
    gate: Option<&CommitGate>,
) -> Result<(BuildReport, Option<Kept>)> {
    let clock = Instant::now();
    let mut cache = BuildCache::open(options);
    if skip_unchanged && let Some(mut report) = cache.as_ref().and_then(BuildCache::fresh_report) {
        report.timings = vec![("cache", clock.elapsed())];
        return Ok((report, None));
    }
    let mut report = BuildReport::default();
    report.timings.push(("cache", clock.elapsed()));
    // Secrets pasted into postmortems are refused (unless allowed per file).
    let loaded = load_and_scan(
        &options.root,
        options.base_url.as_deref(),
        options.include_drafts,
        options.today,
        &mut report.timings,
        cache.as_mut().and_then(|c| c.fingerprint.as_mut()),
        true,
    );
    report.diagnostics = loaded.diagnostics;
    let Some(archive) = loaded.archive else {
        return Ok((report, None));
    };
    report.incidents = archive.incidents.len();
    if !loaded.secrets.is_empty() {
        report.diagnostics.extend(loaded.secrets);
        crate::diagnostics::sort(&mut report.diagnostics);
    }
    if report.has_errors() {
        return Ok((report, None));
    }
    let clock = Instant::now();
    let theme = Theme::load(&options.root, &archive.config)?;
    report.timings.push(("theme", clock.elapsed()));

    let output = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join(&archive.config.output_dir));
    // The last build's record of its files moves to staging: the manifest
    // is not read again (the next one is made from what this build writes).
    let previous = cache
        .as_mut()
        .filter(|c| c.output == output)
        .and_then(|c| c.manifest.as_mut())
        .map(|m| std::mem::take(&mut m.outputs))
        .unwrap_or_default();
    // The site this build replaces is kept for the next build to start
    // from, when a manifest will say what it holds.
    let spare = cache
        .as_ref()
        .filter(|c| c.output == output && c.fingerprint.is_some())
        .and_then(|c| {
            Some(Spare {
                dir: cache::spare_path(&options.root, &output)?,
                record: c.manifest.as_ref().and_then(|m| m.spare.clone()),
            })
        });
    if let Some(cache) = cache.as_mut() {
        cache.manifest = None;
    }
    let staging = Staging::with_spare(&output, previous, spare)?;
    // Rendering and the search index read the same model and write
    // different files: side by side, the search stage fills the cores that
    // rendering's single-threaded parts (feeds, the JSON export) leave idle.
    let (rendered, search) = rayon::join(
        || {
            let clock = Instant::now();
            render::render_site(&archive, &theme, &staging, progress, keep)
                .map(|r| (r, clock.elapsed()))
        },
        || {
            let clock = Instant::now();
            (!options.no_search)
                .then(|| crate::search::build(&archive, &theme, &options.root, &staging, keep))
                .transpose()
                .map(|s| s.map(|s| (s, clock.elapsed())))
        },
    );
    let (rendered, took) = rendered?;
    report.files = rendered.files;
    report.timings.push(("render", took));
    report.timings.extend(rendered.timings.iter().copied());
    let mut kept_search = None;
    if let Some((search, took)) = search? {
        report.files += search.files;
        report.timings.push(("search", took));
        report.timings.extend(search.timings);
        kept_search = search.kept;
    }

    let (sitemap_pages, sitemap_files) = render::write_sitemap(&archive, &theme, &staging)?;
    report.files += sitemap_files;

    let clock = Instant::now();
    let _site_held = match gate {
        Some(gate) => {
            let held = gate.site.lock().unwrap_or_else(PoisonError::into_inner);
            if gate.stale.load(Ordering::SeqCst) {
                report.abandoned = true;
                return Ok((report, None));
            }
            Some(held)
        }
        None => None,
    };
    Manifest::forget(&options.root, &output);
    let committed = staging.commit()?;
    report.timings.push(("output", clock.elapsed()));
    let outputs = if keep {
        committed.outputs.clone()
    } else {
        cache::Outputs::new()
    };
    if let Some(fingerprint) = cache.and_then(|c| c.fingerprint.filter(|_| c.output == output)) {
        Manifest {
            key: fingerprint.key,
            incidents: report.incidents,
            files: report.files,
            diagnostics: report.diagnostics.iter().map(Into::into).collect(),
            outputs: committed.outputs,
            inputs: fingerprint.inputs,
            fingerprinted_at: fingerprint.taken_at,
            spare: committed.spare,
            ..Manifest::default()
        }
        .save(&options.root, &output);
    }
    report.output = Some(output);
    let kept = Kept {
        archive,
        theme,
        rendered,
        committed: loaded.committed,
        outputs,
        sitemap_pages: if keep { sitemap_pages } else { Vec::new() },
        search: kept_search,
    };
    if keep {
        return Ok((report, Some(kept)));
    }
    // Freeing a large model takes tens of milliseconds that nothing waits
    // for (a `casebook build` exits right after): another thread does it.
    std::thread::spawn(move || drop(kept));
    Ok((report, None))
}

/// What the build cache knows before a build: the inputs' fingerprint and
/// the record of the last build into the same output folder.
struct BuildCache {
    output: PathBuf,
    /// None when some input could not be read: no shortcut, no record.
    fingerprint: Option<cache::Fingerprint>,
    manifest: Option<Manifest>,
}

impl BuildCache {
    /// None when the config cannot be read (the build reports why).
    fn open(options: &BuildOptions) -> Option<BuildCache> {
        let config = Config::load(&options.root).ok()?;
        let output = options
            .output
            .clone()
            .unwrap_or_else(|| options.root.join(&config.output_dir));
        let settings = cache::Settings {
            output: &output,
            content_dir: &config.content_dir,
            options: format!(
                "{}|{:?}|{}|{}|{}",
                output.display(),
                options.base_url,
                options.include_drafts,
                options.today,
                options.no_search
            ),
        };
        // The last build's record is parsed while the inputs are listed:
        // neither needs the other, and each takes one core for tens of
        // milliseconds on a large archive.
        let (manifest, listed) = rayon::join(
            || Manifest::load(&options.root, &output),
            || cache::list_inputs(&options.root, &settings),
        );
        let fingerprint = listed.and_then(|listed| {
            cache::fingerprint(&options.root, &settings, manifest.as_ref(), listed)
        });
        Some(BuildCache {
            output,
            fingerprint,
            manifest,
        })
    }

    /// The last build's report when its inputs and its output are exactly
    /// as they were: nothing to do.
    fn fresh_report(&self) -> Option<BuildReport> {
        let manifest = self.manifest.as_ref()?;
        let fresh = self.fingerprint.as_ref().map(|f| &f.key) == Some(&manifest.key)
            && manifest.output_intact(&self.output);
        fresh.then(|| BuildReport {
            diagnostics: manifest.diagnostics.iter().map(|d| d.restore()).collect(),
            output: Some(self.output.clone()),
            incidents: manifest.incidents,
            files: manifest.files,
            timings: Vec::new(),
            abandoned: false,
        })
    }
}

/// Progress that shows nothing, for tests and quiet runs.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: u64) {}
    fn advance(&self) {}
}
