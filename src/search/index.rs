//! The tantivy index of record: one document per incident, kept on disk in
//! the build cache so `casebook search` (and the server) can query it
//! without rebuilding the site.
//!
//! Input: the [`Archive`]. Output: a tantivy index in a folder, written into
//! a temporary folder first and swapped into place, so a reader never sees
//! half an index.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rustc_hash::FxHashMap;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer, TokenStream,
};
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::stemmer::{MemoStemmer, Words};
use crate::archive::Archive;
use crate::incident::{Incident, SectionKind};
use crate::slug::slugify;

/// Tokenizer of every text field: tantivy's `en_stem` (split on
/// non-alphanumerics, drop tokens of 40 bytes or more, lowercase, Snowball
/// English stemmer) with Lucene's English stop words removed before
/// stemming. The browser client never stems: the export ships each surface
/// word with its stem, and the stop words in its metadata.
pub const TOKENIZER: &str = "casebook_en";

/// Lucene's English stop words: in nearly every postmortem, so they rank
/// nothing and would be the largest postings of the static index.
pub const STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// The text fields searched, with their score boosts, in scoring order.
/// The browser client receives this table in its metadata and sums field
/// scores in the same order. The body holds the sections, the timeline and
/// the action items: one field rather than three keeps a word that appears
/// in several of them to one posting, a third less index to download.
pub const TEXT_FIELDS: [(&str, f32); 3] = [("title", 3.0), ("summary", 1.5), ("body", 1.0)];

/// The facet fields: the archive's taxonomies, as slugs.
pub const FACETS: [&str; 4] = ["severity", "teams", "services", "tags"];

/// Handles to the fields of the schema.
#[derive(Clone, Copy)]
pub struct Fields {
    /// Text fields in [`TEXT_FIELDS`] order.
    pub text: [Field; 3],
    /// Facet fields in [`FACETS`] order (raw slugs, indexed and stored).
    pub facets: [Field; 4],
    /// Incident id, stored.
    pub id: Field,
    /// Position of the incident in the archive (newest first): the document
    /// number in the static export and the tie-break of equal scores.
    pub ord: Field,
    /// Day of the incident as YYYYMMDD, for date ranges.
    pub day: Field,
    /// Year of the incident.
    pub year: Field,
    /// Date as written (YYYY-MM-DD), stored for display.
    pub date: Field,
    /// Severity name as configured (`SEV-1`), stored for display.
    pub severity_name: Field,
}

/// An open tantivy index with its fields.
pub struct SearchIndex {
    pub index: Index,
    pub fields: Fields,
}

/// The schema: text fields with positions (phrases in the CLI), the facets
/// as raw strings, and numeric fast fields.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text_options = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let text = TEXT_FIELDS.map(|(name, _)| builder.add_text_field(name, text_options.clone()));
    let facets = FACETS.map(|name| builder.add_text_field(name, STRING | STORED));
    let id = builder.add_text_field("id", STRING | STORED);
    let ord = builder.add_u64_field("ord", FAST | STORED);
    let day = builder.add_u64_field("day", INDEXED | FAST);
    let year = builder.add_u64_field("year", INDEXED | FAST);
    let date = builder.add_text_field("date", STORED);
    let severity_name = builder.add_text_field("severity_name", STORED);
    let fields = Fields {
        text,
        facets,
        id,
        ord,
        day,
        year,
        date,
        severity_name,
    };
    (builder.build(), fields)
}

/// The text of each text field of an incident, in [`TEXT_FIELDS`] order.
///
/// The body holds every section except the timeline and action items,
/// then the timeline events and action items from their parsed form (the
/// sections' text stands in when nothing was parsed), so no word is counted
/// twice.
pub fn field_texts(incident: &Incident) -> [String; 3] {
    let mut body = String::new();
    for section in &incident.sections {
        let parsed_elsewhere = match section.kind {
            SectionKind::Timeline => !incident.timeline.is_empty(),
            SectionKind::ActionItems => !incident.action_items.is_empty(),
            // The summary field already holds it when it came from here.
            SectionKind::Summary => section.text.trim() == incident.summary.trim(),
            _ => false,
        };
        if parsed_elsewhere {
            continue;
        }
        // Headings of the usual sections ("What went well") are template,
        // in every postmortem; a heading of the author's own says something.
        if section.kind == SectionKind::Other {
            push_paragraph(&mut body, &section.heading);
        }
        push_paragraph(&mut body, &section.text);
    }
    for event in &incident.timeline {
        push_paragraph(&mut body, &event.text);
    }
    for item in &incident.action_items {
        push_paragraph(&mut body, &item.title);
    }
    [incident.title.clone(), incident.summary.clone(), body]
}

fn push_paragraph(out: &mut String, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str(text);
}

/// The values of each facet of an incident, as slugs, in [`FACETS`] order.
pub fn facet_values(incident: &Incident) -> [Vec<String>; 4] {
    let slugs = |values: &[String]| -> Vec<String> {
        let mut out: Vec<String> = values
            .iter()
            .map(|v| slugify(v))
            .filter(|s| !s.is_empty())
            .collect();
        out.dedup();
        out
    };
    [
        incident.severity.iter().map(|s| slugify(&s.name)).collect(),
        slugs(&incident.teams),
        slugs(&incident.services),
        slugs(&incident.tags),
    ]
}

/// Day as the number YYYYMMDD.
pub fn day_number(date: jiff::civil::Date) -> u64 {
    let year = date.year().max(0) as u64;
    year * 10_000 + date.month() as u64 * 100 + date.day() as u64
}

/// Where the build keeps the tantivy index: `ROOT/.casebook-cache/search/`.
pub fn cache_dir(root: &Path) -> PathBuf {
    root.join(".casebook-cache").join("search")
}

impl SearchIndex {
    /// Indexes every incident of the archive into a fresh index in `dir`,
    /// replacing what was there only once the new index is complete.
    /// Returns the index and every indexed word with its stem.
    pub fn create(
        archive: &Archive,
        dir: &Path,
    ) -> Result<(SearchIndex, FxHashMap<String, String>)> {
        let parent = dir.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let name = dir
            .file_name()
            .map_or("search".into(), |n| n.to_string_lossy().to_string());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).with_context(|| format!("cannot clear {}", tmp.display()))?;
        }
        fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(&tmp, schema)
            .with_context(|| format!("cannot create a search index in {}", tmp.display()))?;
        let words = Words::default();
        index
            .tokenizers()
            .register(TOKENIZER, SearchIndex::recording_analyzer(words.clone()));
        write_documents(&index, &fields, archive)?;
        drop(index);
        if dir.exists() {
            fs::remove_dir_all(dir)
                .with_context(|| format!("cannot remove the old index {}", dir.display()))?;
        }
        fs::rename(&tmp, dir)
            .with_context(|| format!("cannot move the new index into {}", dir.display()))?;
        Ok((SearchIndex::open(dir)?, words.take()))
    }

    /// Indexes the archive in memory (tests, and `search` without a cache).
    pub fn in_memory(archive: &Archive) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        register_tokenizer(&index);
        write_documents(&index, &fields, archive)?;
        Ok(SearchIndex { index, fields })
    }

    /// Opens the index the last build left in `dir`.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        let index = Index::open_in_dir(dir)
            .with_context(|| format!("cannot open the search index in {}", dir.display()))?;
        register_tokenizer(&index);
        let (_, fields) = schema();
        let expected: Vec<&str> = TEXT_FIELDS
            .iter()
            .map(|(n, _)| *n)
            .chain(FACETS)
            .chain(["id", "ord", "day", "year", "date", "severity_name"])
            .collect();
        for name in expected {
            index.schema().get_field(name).with_context(|| {
                format!(
                    "the search index in {} is from another version of Casebook; run `casebook build` to rebuild it",
                    dir.display()
                )
            })?;
        }
        Ok(SearchIndex { index, fields })
    }

    /// The analyzer of the text fields, for queries and the export.
    pub fn analyzer() -> TextAnalyzer {
        SearchIndex::analyzer_with(MemoStemmer::default())
    }

    /// The analyzer of the text fields, also recording each word it
    /// meets with its stem into `words` (as indexing records the
    /// vocabulary).
    pub fn recording_analyzer(words: Words) -> TextAnalyzer {
        SearchIndex::analyzer_with(MemoStemmer::recording(words))
    }

    fn analyzer_with(stemmer: MemoStemmer) -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(stop_words())
            .filter(stemmer)
            .build()
    }

    /// The analyzer without its stemmer: surface words as the reader types them.
    pub fn surface_analyzer() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(stop_words())
            .build()
    }
}

fn stop_words() -> StopWordFilter {
    StopWordFilter::remove(STOP_WORDS.iter().map(|w| w.to_string()))
}

fn register_tokenizer(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, SearchIndex::analyzer());
}

/// Runs `analyzer` over `text` and returns the tokens.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    positioned_tokens(analyzer, text)
        .into_iter()
        .map(|(_, t)| t)
        .collect()
}

/// Runs `analyzer` over `text` and returns the tokens with their positions
/// (stop words leave gaps, which phrases keep).
pub fn positioned_tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        out.push((token.position, token.text.clone()));
    }
    out
}

fn write_documents(index: &Index, fields: &Fields, archive: &Archive) -> Result<()> {
    // Two threads match the target machine; the budget is per thread.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    let mut writer: IndexWriter = index
        .writer_with_num_threads(threads, threads * 60_000_000)
        .context("cannot start the search index writer")?;
    for (ord, incident) in archive.incidents.iter().enumerate() {
        let mut doc = TantivyDocument::default();
        for (field, text) in fields.text.iter().zip(field_texts(incident)) {
            doc.add_text(*field, text);
        }
        for (field, values) in fields.facets.iter().zip(facet_values(incident)) {
            for value in values {
                doc.add_text(*field, value);
            }
        }
        doc.add_text(fields.id, &incident.id);
        doc.add_u64(fields.ord, ord as u64);
        doc.add_u64(fields.day, day_number(incident.date));
        doc.add_u64(fields.year, incident.date.year().max(0) as u64);
        doc.add_text(fields.date, incident.date.to_string());
        if let Some(severity) = &incident.severity {
            doc.add_text(fields.severity_name, &severity.name);
        }
        writer
            .add_document(doc)
            .context("cannot add an incident to the search index")?;
    }
    writer.commit().context("cannot commit the search index")?;
    writer
        .wait_merging_threads()
        .context("cannot finish the search index")?;
    Ok(())
}
