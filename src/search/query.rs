//! Queries against the tantivy index: what `casebook search` (and the
//! server's `/api/search`) run.
//!
//! Input: a [`SearchRequest`] (free text with optional "quoted phrases",
//! facet filters, a date range). Output: [`SearchResults`], hits ranked by
//! BM25 over the boosted text fields, ties broken by archive order (newest
//! first), each with a snippet.
//!
//! The query means what the browser client computes: every word (or
//! phrase) must match in some field; a word's score sums its BM25 scores
//! over the fields, each times the field's boost. A word the archive does
//! not contain is replaced by the closest vocabulary word (typo tolerance,
//! the same rule as `search.js`).

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::path::Path;

use anyhow::{Context, Result};
use jiff::civil::Date;
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Searcher, TantivyDocument, Term};

use super::export::{vocabulary_files, vocabulary_key};
use super::index::{self, SearchIndex, TEXT_FIELDS};
use crate::slug::slugify;

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// Severity names or slugs (`SEV-1`, `sev-1`); any of them matches.
    pub severity: Vec<String>,
    pub teams: Vec<String>,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    pub years: Vec<u16>,
    /// First day included.
    pub since: Option<Date>,
    /// Last day included.
    pub until: Option<Date>,
    pub limit: usize,
}

/// The answer to a request.
#[derive(Debug, Serialize)]
pub struct SearchResults {
    /// Matching incidents in all.
    pub total: usize,
    /// Words replaced by typo tolerance: (as typed, used instead).
    pub corrections: Vec<(String, String)>,
    pub hits: Vec<SearchHit>,
}

/// One matching incident.
#[derive(Debug, Serialize)]
pub struct SearchHit {
    pub id: String,
    pub title: String,
    pub date: String,
    pub severity: Option<String>,
    pub score: f32,
    /// Position in the archive, newest first (the static index's doc number).
    pub ord: u64,
    /// Plain-text excerpt around the matched words.
    pub snippet: String,
    /// Byte ranges of `snippet` to highlight.
    pub highlights: Vec<(usize, usize)>,
}

/// The archive's surface words with their stems, as exported for the
/// browser, for typo tolerance.
pub struct Vocabulary {
    /// Surface word → (stem, documents holding the stem).
    words: HashMap<String, (String, u32)>,
    /// Vocabulary file key → its words, as the client loads them.
    files: HashMap<String, Vec<String>>,
    keys: BTreeSet<String>,
}

impl Vocabulary {
    /// Reads `vocab.tsv` written by the build beside the index.
    pub fn load(path: &Path) -> Result<Vocabulary> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut words = HashMap::new();
        let mut sorted = Vec::new();
        for line in text.lines() {
            let mut parts = line.split('\t');
            if let (Some(surface), Some(stem), Some(df)) =
                (parts.next(), parts.next(), parts.next())
            {
                words.insert(
                    surface.to_string(),
                    (stem.to_string(), df.parse().unwrap_or(0)),
                );
                sorted.push(surface.to_string());
            }
        }
        Ok(Vocabulary::from_words(words, sorted))
    }

    /// Builds the vocabulary from surface → (stem, df).
    pub fn from_words(
        words: HashMap<String, (String, u32)>,
        mut sorted: Vec<String>,
    ) -> Vocabulary {
        sorted.sort();
        let refs: Vec<&str> = sorted.iter().map(String::as_str).collect();
        let files: HashMap<String, Vec<String>> = vocabulary_files(&refs)
            .into_iter()
            .map(|(key, members)| (key, members.iter().map(|&w| sorted[w].clone()).collect()))
            .collect();
        let keys = files.keys().cloned().collect();
        Vocabulary { words, files, keys }
    }

    /// The closest word in the same vocabulary file, by edit distance (with
    /// transpositions) within [`max_typos`], then most documents, then
    /// alphabetical. Returns its stem.
    pub fn correct(&self, word: &str) -> Option<(String, String)> {
        let key = vocabulary_key(word, &self.keys)?;
        let allowed = max_typos(word.chars().count());
        if allowed == 0 {
            return None;
        }
        self.files
            .get(key)?
            .iter()
            .filter_map(|candidate| {
                let distance = edit_distance(word, candidate, allowed)?;
                let (stem, df) = self.words.get(candidate)?;
                Some((distance, std::cmp::Reverse(*df), candidate, stem))
            })
            .min()
            .map(|(_, _, candidate, stem)| (candidate.clone(), stem.clone()))
    }
}

/// Typos forgiven in a word of `len` characters (search.js has the same).
pub fn max_typos(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Optimal-string-alignment distance, or None when above `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        let mut best = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = d;
            best = best.min(d);
        }
        if best > max {
            return None;
        }
    }
    let d = rows[a.len() * width + b.len()];
    (d <= max).then_some(d)
}

/// A query split into what must match: single words and phrases, as
/// surface words (lowercased, not stemmed).
#[derive(Debug, PartialEq)]
pub enum Clause {
    Word(String),
    /// Words with their positions in the phrase (stop words leave gaps).
    Phrase(Vec<(usize, String)>),
}

/// Splits free text into clauses: `"quoted text"` is a phrase, everything
/// else one word per token (the client parses the same way).
pub fn parse(text: &str) -> Vec<Clause> {
    let mut analyzer = SearchIndex::surface_analyzer();
    let mut clauses = Vec::new();
    for (n, part) in text.split('"').enumerate() {
        let words = index::positioned_tokens(&mut analyzer, part);
        if n % 2 == 1 && words.len() > 1 {
            let first = words[0].0;
            clauses.push(Clause::Phrase(
                words.into_iter().map(|(p, w)| (p - first, w)).collect(),
            ));
        } else {
            clauses.extend(words.into_iter().map(|(_, w)| Clause::Word(w)));
        }
    }
    clauses
}

/// Runs a request against the index.
pub fn search(
    index: &SearchIndex,
    vocabulary: Option<&Vocabulary>,
    request: &SearchRequest,
) -> Result<SearchResults> {
    let reader = index
        .index
        .reader()
        .context("cannot open the search index")?;
    let searcher = reader.searcher();
    let fields = index.fields;
    let mut stemmer = SearchIndex::analyzer();
    let mut corrections = Vec::new();
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();

    let mut stem = |word: &str, corrections: &mut Vec<(String, String)>| -> Result<String> {
        let stem = index::tokens(&mut stemmer, word).pop().unwrap_or_default();
        if doc_freq(&searcher, &fields.text, &stem)? > 0 {
            return Ok(stem);
        }
        match vocabulary.and_then(|v| v.correct(word)) {
            Some((surface, corrected)) => {
                corrections.push((word.to_string(), surface));
                Ok(corrected)
            }
            None => Ok(stem),
        }
    };
    for clause in parse(&request.query) {
        let per_field: Vec<(Occur, Box<dyn Query>)> = match clause {
            Clause::Word(word) => {
                let stem = stem(&word, &mut corrections)?;
                TEXT_FIELDS
                    .iter()
                    .zip(fields.text)
                    .map(|((_, boost), field)| {
                        let term = TermQuery::new(
                            Term::from_field_text(field, &stem),
                            IndexRecordOption::WithFreqs,
                        );
                        boosted(Box::new(term), *boost)
                    })
                    .collect()
            }
            Clause::Phrase(words) => {
                let stems: Vec<(usize, String)> = words
                    .iter()
                    .map(|(p, w)| Ok((*p, stem(w, &mut corrections)?)))
                    .collect::<Result<_>>()?;
                TEXT_FIELDS
                    .iter()
                    .zip(fields.text)
                    .map(|((_, boost), field)| {
                        let terms = stems
                            .iter()
                            .map(|(p, s)| (*p, Term::from_field_text(field, s)))
                            .collect();
                        boosted(Box::new(PhraseQuery::new_with_offset(terms)), *boost)
                    })
                    .collect()
            }
        };
        must.push((Occur::Must, Box::new(BooleanQuery::new(per_field))));
    }
    let has_text = !must.is_empty();

    // Filters: constant zero scores, so they narrow without re-ranking.
    let facet_filters = [
        (0, &request.severity),
        (1, &request.teams),
        (2, &request.services),
        (3, &request.tags),
    ];
    for (slot, values) in facet_filters {
        if values.is_empty() {
            continue;
        }
        let any: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .map(|v| {
                let term = Term::from_field_text(fields.facets[slot], &slugify(v));
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        must.push((Occur::Must, filter(Box::new(BooleanQuery::new(any)))));
    }
    if !request.years.is_empty() {
        let any: Vec<(Occur, Box<dyn Query>)> = request
            .years
            .iter()
            .map(|y| {
                let term = Term::from_field_u64(fields.year, u64::from(*y));
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        must.push((Occur::Must, filter(Box::new(BooleanQuery::new(any)))));
    }
    if request.since.is_some() || request.until.is_some() {
        let bound = |d: Option<Date>| match d {
            Some(d) => Bound::Included(Term::from_field_u64(fields.day, index::day_number(d))),
            None => Bound::Unbounded,
        };
        let range = RangeQuery::new(bound(request.since), bound(request.until));
        must.push((Occur::Must, filter(Box::new(range))));
    }
    if must.is_empty() {
        return Ok(SearchResults {
            total: 0,
            corrections,
            hits: Vec::new(),
        });
    }
    let query = BooleanQuery::new(must);

    let total = searcher.search(&query, &Count)?;
    let limit = request.limit.max(1);
    // Collect every match and order by (score, archive order), so ties break
    // as in the browser whatever the segment layout.
    let all = searcher.search(&query, &TopDocs::with_limit(total.max(1)).order_by_score())?;
    let ord_column: Vec<_> = searcher
        .segment_readers()
        .iter()
        .map(|s| s.fast_fields().u64("ord"))
        .collect::<tantivy::Result<_>>()?;
    let mut ranked: Vec<(f32, u64, tantivy::DocAddress)> = all
        .into_iter()
        .map(|(score, address)| {
            let ord = ord_column[address.segment_ord as usize]
                .first(address.doc_id)
                .unwrap_or(0);
            (score, ord, address)
        })
        .collect();
    ranked.sort_by(|a, b| {
        if has_text {
            b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
        } else {
            a.1.cmp(&b.1)
        }
    });
    ranked.truncate(limit);

    let snippets: Vec<SnippetGenerator> = if has_text {
        fields
            .text
            .iter()
            .skip(1)
            .map(|f| {
                let mut generator = SnippetGenerator::create(&searcher, &query, *f)?;
                generator.set_max_num_chars(180);
                Ok(generator)
            })
            .collect::<tantivy::Result<_>>()?
    } else {
        Vec::new()
    };
    let mut hits = Vec::with_capacity(ranked.len());
    for (score, ord, address) in ranked {
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let mut snippet = (String::new(), Vec::new());
        for generator in &snippets {
            let s = generator.snippet_from_doc(&doc);
            if !s.highlighted().is_empty() {
                snippet = (
                    s.fragment().to_string(),
                    s.highlighted().iter().map(|r| (r.start, r.end)).collect(),
                );
                break;
            }
        }
        if snippet.0.is_empty() {
            snippet.0 = crate::render::views::shorten(&text(fields.text[1]), 180);
        }
        let severity = text(fields.severity_name);
        hits.push(SearchHit {
            id: text(fields.id),
            title: text(fields.text[0]),
            date: text(fields.date),
            severity: (!severity.is_empty()).then_some(severity),
            score,
            ord,
            snippet: snippet.0,
            highlights: snippet.1,
        });
    }
    Ok(SearchResults {
        total,
        corrections,
        hits,
    })
}

fn boosted(query: Box<dyn Query>, boost: f32) -> (Occur, Box<dyn Query>) {
    let query: Box<dyn Query> = if boost == 1.0 {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    };
    (Occur::Should, query)
}

fn filter(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

fn doc_freq(searcher: &Searcher, fields: &[tantivy::schema::Field], stem: &str) -> Result<u64> {
    let mut total = 0;
    for field in fields {
        total += searcher.doc_freq(&Term::from_field_text(*field, stem))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words_and_phrases() {
        assert_eq!(
            parse(r#"Connection "out of memory" the DB"#),
            vec![
                Clause::Word("connection".into()),
                Clause::Phrase(vec![(0, "out".into()), (2, "memory".into())]),
                Clause::Word("db".into()),
            ]
        );
    }

    #[test]
    fn edit_distance_counts_transpositions() {
        assert_eq!(edit_distance("deadlok", "deadlock", 1), Some(1));
        assert_eq!(edit_distance("dealdock", "deadlock", 2), Some(1));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
    }

    #[test]
    fn typo_correction_prefers_close_common_words() {
        let words: HashMap<String, (String, u32)> = [
            ("deadlock", "deadlock", 5),
            ("deadlocks", "deadlock", 5),
            ("deadline", "deadlin", 9),
        ]
        .into_iter()
        .map(|(a, b, c)| (a.to_string(), (b.to_string(), c)))
        .collect();
        let sorted = words.keys().cloned().collect();
        let vocabulary = Vocabulary::from_words(words, sorted);
        assert_eq!(
            vocabulary.correct("deadlok"),
            Some(("deadlock".into(), "deadlock".into()))
        );
        assert_eq!(vocabulary.correct("xyz"), None);
    }
}
