//! Serve's quick path after an edit (`casebook::serve::quick`): the pages,
//! export and search index files it rewrites must leave the served site
//! exactly as a full build of the edited archive would make it; an edit
//! that shows on pages it does not render is left to the full rebuild.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use casebook::serve::quick::{Written, preview_page, update_affected};
use casebook::site::{BuildOptions, Kept, build_and_keep};

use crate::support::{TODAY, TestArchive, fixed_mtime, read_tree};

const BASE_URL: &str = "http://127.0.0.1:1/";

fn options(archive: &TestArchive, output: &Path) -> BuildOptions {
    BuildOptions {
        root: archive.root().to_path_buf(),
        output: Some(output.to_path_buf()),
        base_url: Some(BASE_URL.to_string()),
        include_drafts: false,
        today: TODAY,
        no_search: false,
    }
}

/// A full build into `output` that keeps its model, as serve's builds do,
/// prepared for search updates as serve prepares it once the build is out.
fn build_keeping(archive: &TestArchive, output: &Path) -> Kept {
    let mut kept = build_keeping_unprepared(archive, output);
    let Kept {
        archive, search, ..
    } = &mut kept;
    search
        .as_mut()
        .expect("the search analysis is kept")
        .prepare(archive);
    kept
}

/// [`build_keeping`] without the preparation: the first search update
/// does it.
fn build_keeping_unprepared(archive: &TestArchive, output: &Path) -> Kept {
    let (report, kept) =
        build_and_keep(&options(archive, output), false, None).expect("the build runs");
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
    kept.expect("the model is kept")
}

/// The fixture archive, built into its `site` with the model kept.
fn fixture_built() -> (TestArchive, PathBuf, Kept) {
    let archive = TestArchive::fixture("archive");
    let site = archive.temp().join("site");
    let kept = build_keeping(&archive, &site);
    (archive, site, kept)
}

/// Writes `text` to the postmortem at `relative`, dated `later` after the
/// fixture's fixed time.
fn edit(archive: &TestArchive, relative: &str, text: &str, later: Duration) {
    let path = archive.root().join(relative);
    fs::write(&path, text).expect("write the postmortem");
    fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(fixed_mtime() + later))
        .expect("date the postmortem");
}

/// Runs the quick path for `relative`: the search index files it rewrote,
/// or None when it left the pages the edit shows on to a full rebuild.
fn quick_update(
    kept: &mut Kept,
    archive: &TestArchive,
    site: &Path,
    relative: &str,
) -> Option<Vec<String>> {
    let changed = archive.root().join(relative);
    let edit = preview_page(kept, archive.root(), site, &changed).expect("the page is previewed");
    let reported = Mutex::new(Vec::new());
    let affected = update_affected(kept, site, &edit, &|part| {
        reported.lock().unwrap().push(part)
    })
    .expect("the quick update runs");
    let mut reported = reported.into_inner().unwrap();
    let Some(affected) = affected else {
        assert_eq!(reported, [], "a declined update writes nothing");
        return None;
    };
    affected.export.expect("incidents.json is rewritten");
    let search = affected
        .search
        .expect("the build kept its search analysis")
        .expect("the search index is updated");
    let files = [search.written, search.removed].concat();
    // Side by side: reported as each is done, in any order.
    reported.sort_by_key(|part| match part {
        Written::Pages(_) => 0,
        Written::SearchIndex(_) => 1,
        Written::Export(_) => 2,
    });
    assert!(
        matches!(
            reported[..],
            [Written::Pages(_), Written::SearchIndex(n), Written::Export(true)] if n == files.len()
        ),
        "each part reported once written: {reported:?}"
    );
    Some(files)
}

/// `text` with a section of notes holding `note` before its action items:
/// prose the search index reads and no other page shows.
fn with_notes(text: &str, note: &str) -> String {
    let added = text.replacen(
        "## Action items\n",
        &format!("## Notes\n\n{note}\n\n## Action items\n"),
        1,
    );
    assert_ne!(added, text, "the postmortem has action items");
    added
}

/// Asserts `site` holds what a clean build of the archive writes, byte for
/// byte.
fn assert_same_as_full_build(archive: &TestArchive, site: &Path) {
    let full = archive.temp().join("full");
    let _ = fs::remove_dir_all(&full);
    let _ = fs::remove_dir_all(archive.root().join(".casebook-cache"));
    build_keeping(archive, &full);
    let quick = read_tree(site);
    let clean = read_tree(&full);
    assert_eq!(
        quick.keys().collect::<Vec<_>>(),
        clean.keys().collect::<Vec<_>>(),
        "the same files"
    );
    let differing: Vec<&String> = quick.keys().filter(|p| quick[*p] != clean[*p]).collect();
    assert!(
        differing.is_empty(),
        "the quick update left files unlike a full build's: {differing:#?}"
    );
}

#[test]
fn a_prose_edit_updates_its_page_digests_feeds_and_export_as_a_full_build_would() {
    let (archive, site, mut kept) = fixture_built();
    let relative = "content/2024/cache-stampede.md";
    let text = fs::read_to_string(archive.root().join(relative)).unwrap();

    // Prose added at the end, saved an hour later: a new last-updated time
    // for its feeds and the export, new words for its digests.
    let added = format!("{text}\n\nA paragraph added while previewing, about the cache.\n");
    edit(&archive, relative, &added, Duration::from_secs(3600));
    // At the end, under "Action items": the search index reads the items
    // themselves, not the section's prose.
    let files = quick_update(&mut kept, &archive, &site, relative).expect("a quick update");
    assert_eq!(files, Vec::<String>::new(), "no search file changes");
    let json = fs::read_to_string(site.join("incidents.json")).unwrap();
    assert!(
        json.contains("A paragraph added while previewing"),
        "the export has the edit"
    );
    assert_same_as_full_build(&archive, &site);

    // Then a shorter edit, from a new model (as after serve's rebuild).
    let mut kept = build_keeping(&archive, &site);
    let trimmed = format!("{text}\n\nA note.\n");
    edit(&archive, relative, &trimmed, Duration::from_secs(7200));
    assert!(quick_update(&mut kept, &archive, &site, relative).is_some());
    assert_same_as_full_build(&archive, &site);

    // Saved two days later: its last-updated day, in the sitemap and on
    // its page, changes too.
    let mut kept = build_keeping(&archive, &site);
    edit(&archive, relative, &added, Duration::from_secs(2 * 86_400));
    assert!(quick_update(&mut kept, &archive, &site, relative).is_some());
    assert_same_as_full_build(&archive, &site);
}

#[test]
fn a_prose_edit_updates_the_search_index_as_a_full_build_would() {
    let (archive, site, mut kept) = fixture_built();
    let relative = "content/2024/cache-stampede.md";
    let text = fs::read_to_string(archive.root().join(relative)).unwrap();

    // New words (one no other postmortem has) in a section of notes.
    let added = with_notes(&text, "The warmup job was xyzzied before the stampede.");
    edit(&archive, relative, &added, Duration::from_secs(3600));
    let files = quick_update(&mut kept, &archive, &site, relative).expect("a quick update");
    for expected in ["meta.dat", "v/xy.dat"] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} rewritten: {files:?}"
        );
    }
    assert_same_as_full_build(&archive, &site);

    // The word taken out again, from the same model: it leaves the
    // vocabulary, as it would in a full build.
    edit(&archive, relative, &text, Duration::from_secs(7200));
    let files = quick_update(&mut kept, &archive, &site, relative).expect("a quick update");
    assert!(
        files.iter().any(|f| f == "v/xy.dat") && !site.join("search/v/xy.dat").exists(),
        "the word's vocabulary file is gone: {files:?}"
    );
    assert_same_as_full_build(&archive, &site);
}

/// An archive of two real corpora (dfds, PostHog); None when the shared
/// corpora are missing outside CI.
fn real_corpora() -> Option<TestArchive> {
    let corpora = crate::support::shared("corpora")?;
    let archive = TestArchive::empty();
    for name in ["dfds-postmortems", "PostHog-post-mortems"] {
        crate::support::copy_dir(
            &corpora.join(name),
            &archive.root().join("content").join(name),
        );
    }
    Some(archive)
}

/// Real postmortems, in their own formats (no front matter: dates, times
/// and summaries read from the text).
#[test]
fn a_prose_edit_in_a_real_corpus_updates_the_site_as_a_full_build_would() {
    let Some(archive) = real_corpora() else {
        return;
    };
    let site = archive.temp().join("site");
    let mut kept = build_keeping(&archive, &site);
    let relative = "content/dfds-postmortems/PM2020-004 - CoreDNS upgrade issue.md";
    let text = fs::read_to_string(archive.root().join(relative)).unwrap();
    let added = text.replacen(
        "## Timeline",
        "The upgrade had been rehearsed on a smaller cluster the week before.\n\n## Timeline",
        1,
    );
    assert_ne!(added, text, "the postmortem has a timeline to write before");
    edit(&archive, relative, &added, Duration::from_secs(3600));
    let files = quick_update(&mut kept, &archive, &site, relative).expect("a quick update");
    assert!(!files.is_empty(), "new words change search files");
    assert_same_as_full_build(&archive, &site);
}

/// Edits made one after another from one kept model, as when serve's
/// rebuild lags behind the writer, each saved an hour after the last.
struct EditsInARow<'a> {
    archive: &'a TestArchive,
    site: PathBuf,
    kept: Kept,
    later: Duration,
}

impl<'a> EditsInARow<'a> {
    /// Builds `archive` into its `site`, keeping the model.
    fn new(archive: &'a TestArchive) -> Self {
        let site = archive.temp().join("site");
        let kept = build_keeping(archive, &site);
        EditsInARow {
            archive,
            site,
            kept,
            later: Duration::ZERO,
        }
    }

    /// Replaces `from` with `to` in the postmortem at `relative` (`what`
    /// names the edit); the quick path must take the edit and leave the
    /// site as a full build would.
    fn step(&mut self, relative: &str, what: &str, from: &str, to: &str) {
        let archive = self.archive;
        let text = fs::read_to_string(archive.root().join(relative)).unwrap();
        let edited = text.replacen(from, to, 1);
        assert_ne!(edited, text, "{what}: {from:?} is in {relative}");
        self.later += Duration::from_secs(3600);
        edit(archive, relative, &edited, self.later);
        let files = quick_update(&mut self.kept, archive, &self.site, relative);
        assert!(files.is_some(), "{what}: a quick update");
        assert_same_as_full_build(archive, &self.site);
    }
}

/// Edits of what listings show (title, summary, terms, severity, times),
/// each from the model the one before left, as when serve's rebuild lags
/// behind the writer: every page that shows the incident, its terms'
/// pages and feeds, its neighbours' and related incidents' pages, the
/// dashboards, digests and search index end as a full build leaves them.
#[test]
fn edits_that_show_on_listings_update_the_site_as_a_full_build_would() {
    let archive = TestArchive::fixture("archive");
    let mut edits = EditsInARow::new(&archive);
    let stampede = "content/2024/cache-stampede.md";
    edits.step(
        stampede,
        "a new title",
        "title: \"Cache stampede after a product-catalog deploy\"",
        "title: \"Cache stampede after a catalog deploy\"",
    );
    let page = fs::read_to_string(edits.site.join("tags/cache/index.html")).unwrap();
    assert!(
        page.contains("Cache stampede after a catalog deploy"),
        "its term's page lists it by its new title"
    );
    edits.step(
        stampede,
        "a new summary",
        "A deploy flushed the catalog cache",
        "A deploy emptied the catalog cache",
    );
    edits.step(
        stampede,
        "a tag other postmortems have",
        "tags: [cache, deploy]",
        "tags: [cache, deploy, database]",
    );
    edits.step(
        stampede,
        "a tag that relates it to another postmortem",
        "tags: [cache, deploy, database]",
        "tags: [cache, deploy, database, failover]",
    );
    edits.step(
        stampede,
        "longer to resolve",
        "time_to_resolve: 45m",
        "time_to_resolve: 3h",
    );
    edits.step(
        stampede,
        "contributing factors that repeat detection reads",
        "The cache had no request coalescing.",
        "The cache had no request coalescing, and the database connection pool was exhausted.",
    );
    edits.step(
        "content/2025/kafka-consumer-lag.md",
        "a severity other postmortems have",
        "severity: sev2",
        "severity: SEV-3",
    );
    // The title and summary of a later postmortem: that one now looks like
    // a repeat of this one, and shows it on its page; then its own again,
    // and that page no longer does.
    let titles = [
        "title: \"Cache stampede after a catalog deploy\"",
        "title: \"Kafka consumer lag delayed order emails\"",
    ];
    let summaries = [
        "A deploy emptied the catalog cache at peak and every request went to the\n\
         database at once.",
        "A rebalance loop in the order-email consumer group delayed confirmation e-mails\n\
         by up to ninety minutes.",
    ];
    edits.step(stampede, "a later one's title", titles[0], titles[1]);
    edits.step(
        stampede,
        "a later one's summary",
        summaries[0],
        summaries[1],
    );
    let page = fs::read_to_string(
        edits
            .site
            .join("incidents/2025/kafka-consumer-lag/index.html"),
    )
    .unwrap();
    assert!(
        page.contains("incidents/2024/cache-stampede/"),
        "the later one shows it as a likely earlier occurrence"
    );
    edits.step(stampede, "its own title again", titles[1], titles[0]);
    edits.step(
        stampede,
        "its own summary again",
        summaries[1],
        summaries[0],
    );
    // An action item done: the actions page, home page, metrics and the
    // digests that count completed items.
    edits.step(
        stampede,
        "an action item done",
        "- [ ] Add request coalescing",
        "- [x] Add request coalescing",
    );
}

#[test]
fn an_edit_that_routes_digests_anew_is_left_to_the_full_rebuild() {
    let (archive, site, mut kept) = fixture_built();
    let relative = "content/2024/cache-stampede.md";
    let text = fs::read_to_string(archive.root().join(relative)).unwrap();
    let retitled = text
        .replacen("teams: [platform]", "teams: [platform, payments]", 1)
        .replacen("Cache stampede after", "A renamed incident:", 1);
    edit(&archive, relative, &retitled, Duration::from_secs(3600));
    assert!(
        quick_update(&mut kept, &archive, &site, relative).is_none(),
        "a new team routes digests anew"
    );
    let page = fs::read_to_string(site.join("incidents/2024/cache-stampede/index.html")).unwrap();
    assert!(
        page.contains("A renamed incident"),
        "its own page is updated at once"
    );

    // The kept search analysis no longer matches the model: a prose edit
    // after it leaves the search index to the rebuild too.
    let other = "content/2025/kafka-consumer-lag.md";
    let text = fs::read_to_string(archive.root().join(other)).unwrap();
    edit(
        &archive,
        other,
        &format!("{text}\n\nMore prose.\n"),
        Duration::from_secs(3600),
    );
    let changed = archive.root().join(other);
    let edit = preview_page(&mut kept, archive.root(), &site, &changed).expect("previewed");
    let affected = update_affected(&mut kept, &site, &edit, &|_| {})
        .expect("the quick update runs")
        .expect("the prose edit stays local");
    assert!(
        affected.search.is_none(),
        "no search update from a stale analysis"
    );
}

/// An edit that adds a term no other postmortem has (a page of its own)
/// is left to the full rebuild.
#[test]
fn an_edit_that_adds_a_term_is_left_to_the_full_rebuild() {
    let (archive, site, mut kept) = fixture_built();
    let relative = "content/2024/cache-stampede.md";
    let text = fs::read_to_string(archive.root().join(relative)).unwrap();
    let tagged = text.replacen(
        "tags: [cache, deploy]",
        "tags: [cache, deploy, thundering-herd]",
        1,
    );
    edit(&archive, relative, &tagged, Duration::from_secs(3600));
    assert!(quick_update(&mut kept, &archive, &site, relative).is_none());
}

/// Edits of two postmortems in a row, from one kept model: the second
/// update plans from the first's analysis. The model is not prepared: the
/// first update counts the archive's words as they were before its edit.
#[test]
fn edits_of_two_postmortems_in_a_row_update_the_search_index_as_a_full_build_would() {
    let archive = TestArchive::fixture("archive");
    let site = archive.temp().join("site");
    let mut kept = build_keeping_unprepared(&archive, &site);
    let originals: Vec<(&str, String)> = [
        "content/2025/kafka-consumer-lag.md",
        "content/2023/payments-pool-exhaustion.md",
    ]
    .into_iter()
    .map(|relative| {
        let text = fs::read_to_string(archive.root().join(relative)).unwrap();
        (relative, text)
    })
    .collect();
    for (n, (relative, text)) in originals.iter().enumerate() {
        let relative = *relative;
        let added = with_notes(text, "Consumers rebalanced twice while the pool drained.");
        edit(
            &archive,
            relative,
            &added,
            Duration::from_secs(3600 * (n as u64 + 1)),
        );
        let files = quick_update(&mut kept, &archive, &site, relative).expect("a quick update");
        assert!(!files.is_empty(), "new words change search files");
    }
    assert_same_as_full_build(&archive, &site);

    // The words taken out of each again: they stay while the other has
    // them, then leave the vocabulary.
    for (n, (relative, text)) in originals.iter().enumerate() {
        edit(
            &archive,
            relative,
            text,
            Duration::from_secs(3600 * (n as u64 + 4)),
        );
        assert!(quick_update(&mut kept, &archive, &site, relative).is_some());
        assert_same_as_full_build(&archive, &site);
    }
}

/// A postmortem of the generated archive below; `note` ends its notes.
fn generated_postmortem(n: usize, note: &str) -> String {
    format!(
        "---\ntitle: \"Queue stall number {n}\"\ndate: 2024-03-{day:02}\nseverity: sev3\n\
         teams: [platform]\nservices: [queue-{service}]\ntags: [backlog]\n---\n\n\
         ## Summary\n\nThe queue stalled for {n} minutes.\n\n\
         ## Notes\n\nWorkers number {n} restarted after the stall.{note}\n",
        day = n % 28 + 1,
        service = n % 5,
    )
}

/// An edit that swaps one word for another leaves every field's length
/// and so every other word's scores alone: the common words it took and
/// gave are scored again, and the document the edit made the best for a
/// common word is among that word's cards, as a full build would have it.
#[test]
fn a_word_swapped_for_a_common_one_makes_its_postmortem_that_words_best() {
    let own_file_docs = casebook::search::export::OWN_FILE_DOCS as usize;
    let archive = TestArchive::empty();
    let with_word = |n: usize| {
        if n < own_file_docs + 8 {
            " Zephyrs paused it."
        } else {
            ""
        }
    };
    let count = own_file_docs + 16;
    for n in 0..count {
        archive.write(
            &format!("content/stall-{n:03}.md"),
            &generated_postmortem(n, with_word(n)),
        );
    }
    let site = archive.temp().join("site");
    let mut kept = build_keeping(&archive, &site);
    // The shortest notes with the word: the best document for it.
    let last = count - 1;
    let relative = format!("content/stall-{last:03}.md");
    let before = generated_postmortem(last, "");
    let after = before.replace("restarted after", "zephyrs after");
    assert_ne!(after, before);
    edit(&archive, &relative, &after, Duration::from_secs(3600));
    assert!(quick_update(&mut kept, &archive, &site, &relative).is_some());
    assert_same_as_full_build(&archive, &site);
}

/// An edit that makes a word common (in as many postmortems as earn it a
/// term file of its own) changes which files the index has: every file
/// is planned again, new ones written and those gone removed, as a full
/// build would leave them; and back again.
#[test]
fn an_edit_that_makes_a_word_common_reshapes_the_search_index_as_a_full_build_would() {
    let own_file_docs = casebook::search::export::OWN_FILE_DOCS as usize;
    let archive = TestArchive::empty();
    let with_word = |n: usize| {
        if n < own_file_docs - 1 {
            " Zephyrs paused it."
        } else {
            ""
        }
    };
    for n in 0..own_file_docs + 4 {
        archive.write(
            &format!("content/stall-{n:03}.md"),
            &generated_postmortem(n, with_word(n)),
        );
    }
    let site = archive.temp().join("site");
    let mut kept = build_keeping(&archive, &site);
    let relative = format!("content/stall-{:03}.md", own_file_docs + 2);
    let before = generated_postmortem(own_file_docs + 2, "");
    let after = generated_postmortem(own_file_docs + 2, " Zephyrs paused it.");

    edit(&archive, &relative, &after, Duration::from_secs(3600));
    let files = quick_update(&mut kept, &archive, &site, &relative).expect("a quick update");
    assert!(
        files.iter().any(|f| f.starts_with("t/w/")),
        "the word's own term file is written: {files:?}"
    );
    assert_same_as_full_build(&archive, &site);

    let mut kept = build_keeping(&archive, &site);
    edit(&archive, &relative, &before, Duration::from_secs(7200));
    assert!(quick_update(&mut kept, &archive, &site, &relative).is_some());
    assert_same_as_full_build(&archive, &site);
}

/// The actions page counts items per owner, owners compared as slugs, and
/// names an owner's row as the first of its items in the page writes it:
/// an edit that moves an item of another spelling to the top renames the
/// row, as a full build would.
#[test]
fn an_action_item_moved_to_the_top_names_its_owners_row() {
    let archive = TestArchive::fixture("archive");
    let stampede = "content/2024/cache-stampede.md";
    let path = archive.root().join(stampede);
    let text = fs::read_to_string(&path).unwrap();
    let spelled = text.replace("(platform, 2025-12-01)", "(PLATFORM, 2025-12-01)");
    assert_ne!(spelled, text, "the fixture's item is owned by platform");
    fs::write(&path, spelled).unwrap();
    let option = |edits: &EditsInARow| {
        let page = fs::read_to_string(edits.site.join("actions/index.html")).unwrap();
        let at = page
            .find("<option value=\"platform\">")
            .expect("platform's option");
        page[at..][..page[at..].find("</option>").unwrap()].to_string()
    };
    let mut edits = EditsInARow::new(&archive);
    assert!(option(&edits).ends_with(">platform"), "{}", option(&edits));
    edits.step(
        stampede,
        "the item due long ago, so the most overdue",
        "(PLATFORM, 2025-12-01)",
        "(PLATFORM, 2020-01-01)",
    );
    assert!(option(&edits).ends_with(">PLATFORM"), "{}", option(&edits));
    edits.step(
        stampede,
        "the item done",
        "- [ ] Add request coalescing",
        "- [x] Add request coalescing",
    );
    assert!(option(&edits).ends_with(">platform"), "{}", option(&edits));
}

/// Listing edits in real postmortems, in their own formats: a title read
/// from the first heading, and a summary read from the text.
#[test]
fn listing_edits_in_a_real_corpus_update_the_site_as_a_full_build_would() {
    let Some(archive) = real_corpora() else {
        return;
    };
    let mut edits = EditsInARow::new(&archive);
    edits.step(
        "content/dfds-postmortems/PM2020-004 - CoreDNS upgrade issue.md",
        "a new title",
        "# CoreDNS upgrade issue",
        "# CoreDNS upgrade broke cluster DNS",
    );
    edits.step(
        "content/PostHog-post-mortems/2025-09-29-flags-is-down.md",
        "a new summary",
        "approximately 78% of flag evaluation requests",
        "most flag evaluation requests",
    );
}

/// Listing edits in a generated archive of a few hundred postmortems,
/// where terms are shared widely and related incidents and repeats are
/// many: each edit moves some of them, and the site ends as a full build
/// leaves it.
#[test]
fn listing_edits_in_a_generated_archive_update_the_site_as_a_full_build_would() {
    let archive = TestArchive::empty();
    if !crate::support::generate(archive.root(), 300, 0) {
        return;
    }
    let mut files: Vec<String> = walkdir::WalkDir::new(archive.root().join("incidents"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| {
            let path = e.path().strip_prefix(archive.root()).unwrap();
            path.to_string_lossy().into_owned()
        })
        .collect();
    files.sort();
    let mut edits = EditsInARow::new(&archive);
    let line_of = |relative: &str, key: &str| -> String {
        fs::read_to_string(archive.root().join(relative))
            .unwrap()
            .lines()
            .find(|line| line.starts_with(key))
            .unwrap_or_else(|| panic!("{relative} has a {key} line"))
            .to_string()
    };
    // In date order, `a` and `c` share a service (repeat detection asks
    // that of a pair): `c` is the later.
    let on_checkout: Vec<&String> = files
        .iter()
        .filter(|f| line_of(f, "services:").contains("checkout-api"))
        .collect();
    let (a, c) = (
        on_checkout[0],
        *on_checkout
            .iter()
            .rev()
            .find(|c| line_of(c, "title:") != line_of(on_checkout[0], "title:"))
            .expect("another title"),
    );
    let b = files
        .iter()
        .find(|f| ![a, c].contains(f))
        .expect("a third postmortem");
    // The later one's contributing factors, then its title: the later one
    // now looks like a repeat of this one, and shows it on its page.
    let heading = "## Contributing Factors\n";
    let later_text = fs::read_to_string(archive.root().join(c)).unwrap();
    let factors = later_text.split(heading).nth(1).expect("factors");
    let factors = format!(
        "{}\n",
        &factors[..factors.find("\n## ").expect("a section after")]
    );
    edits.step(
        a,
        "the contributing factors of a later postmortem",
        heading,
        &format!("{heading}{factors}"),
    );
    let (title, later_title) = (line_of(a, "title:"), line_of(c, "title:"));
    edits.step(a, "the title of a later postmortem", &title, &later_title);
    let (tags, others) = (line_of(a, "tags:"), line_of(b, "tags:"));
    edits.step(a, "the tags of another postmortem", &tags, &others);
    let severity = line_of(b, "severity:");
    let other = if severity.contains("SEV-2") {
        "severity: SEV-3"
    } else {
        "severity: SEV-2"
    };
    edits.step(b, "another severity", &severity, other);
    let summary = line_of(b, "summary:");
    edits.step(
        b,
        "a new summary",
        &summary,
        "summary: \"A retry storm took the queue down.\"",
    );
    // Its own title and factors again: no longer a likely repeat, it leaves
    // the later one's page.
    edits.step(a, "its own title again", &later_title, &title);
    edits.step(
        a,
        "its own contributing factors again",
        &format!("{heading}{factors}"),
        heading,
    );
    // An open action item done.
    let (file, item) = files
        .iter()
        .find_map(|f| {
            let text = fs::read_to_string(archive.root().join(f)).unwrap();
            let item = text
                .lines()
                .find(|line| line.starts_with('|') && line.ends_with("| open |"))?
                .to_string();
            Some((f, item))
        })
        .expect("a postmortem with an open action item");
    let done = item.replace("| open |", "| done |");
    edits.step(file, "an action item done", &item, &done);
}
