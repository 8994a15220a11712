//! Stage 5, search: the tantivy index of record, the static browser index
//! exported from it, and queries.
//!
//! Input: the [`Archive`] and the theme. Output: the tantivy index in the
//! build cache (`ROOT/.casebook-cache/search/`), and `search/` in the site:
//! the search page and the sharded static index that `search.js` reads.
//!
//! - [`index`] builds and opens the tantivy index;
//! - [`export`] turns tantivy's terms, postings and statistics into the
//!   static files;
//! - [`cards`] makes the result cards, and picks which travel with the
//!   postings of each common stem;
//! - [`query`] answers `casebook search` from the tantivy index.

pub mod cards;
pub mod export;
pub mod index;
pub mod query;
pub mod stemmer;
pub mod update;

use std::path::Path;

use anyhow::Result;

use crate::archive::Archive;
use crate::output::Staging;
use crate::render::views::Views;
use crate::templates::Theme;
use crate::timings::{Stopwatch, Timings};
pub use index::SearchIndex;
pub use query::{SearchRequest, SearchResults, Vocabulary};
pub use update::KeptSearch;

/// File of the vocabulary beside the tantivy index in the cache.
pub const VOCABULARY_FILE: &str = "vocab.tsv";

/// What the search stage wrote, and how long its parts took (for `--verbose`).
pub struct Built {
    pub files: usize,
    pub timings: Timings,
    /// With `keep`: what serve updates the static index from after an edit.
    pub kept: Option<KeptSearch>,
}

/// The build's search stage: indexes the archive with tantivy into the
/// cache under `root`, exports the static index and writes the search page
/// into the staging folder. With `keep`, the export's analysis is kept.
pub fn build(
    archive: &Archive,
    theme: &Theme,
    root: &Path,
    staging: &Staging,
    keep: bool,
) -> Result<Built> {
    let mut timings = Timings::new();
    let mut watch = Stopwatch::start();
    let cache = index::cache_dir(root);
    let (search_index, words) = SearchIndex::create(archive, &cache.join("index"))?;
    watch.lap("  tantivy index", &mut timings);
    let analysis = export::analyse(&search_index, archive, &words)?;
    export::write_vocabulary(&analysis, &cache.join(VOCABULARY_FILE))?;
    watch.lap("  analysis", &mut timings);
    let (report, written) = export::export(archive, &analysis, staging, keep)?;
    write_page(archive, theme, staging)?;
    watch.lap("  export", &mut timings);
    Ok(Built {
        files: report.files + 1,
        timings,
        kept: written.map(|written| KeptSearch::new(analysis, written)),
    })
}

/// Renders `search.html` into `search/index.html`.
pub fn write_page(archive: &Archive, theme: &Theme, staging: &Staging) -> Result<()> {
    let views = Views::new(archive);
    let mut context = tera::Context::new();
    context.insert("site", &views.site());
    context.insert("page_title", "Search");
    let html = theme.render("search.html", &context)?;
    staging.write("search/index.html", html.as_bytes())
}

/// Opens the index and vocabulary the last build left under `root`.
pub fn open(root: &Path) -> Result<(SearchIndex, Option<Vocabulary>)> {
    let cache = index::cache_dir(root);
    let search_index = SearchIndex::open(&cache.join("index"))?;
    let vocabulary = Vocabulary::load(&cache.join(VOCABULARY_FILE)).ok();
    Ok((search_index, vocabulary))
}
