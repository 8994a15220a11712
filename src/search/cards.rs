//! Result cards of the static search index, part of stage 5 (search): what
//! the browser shows for each hit (id, title, date, severity, teams,
//! summary).
//!
//! Input: the archive and tantivy's postings. Output: the card files
//! `c/N.dat` (every document, a few per file) and, for the term file of
//! each common stem, the cards of the documents that stem ranks highest.
//! A query of common words then finds the cards of its likely top results
//! in the term files it fetched anyway: one round trip instead of two
//! (headless Chromium spends about 7 ms on each round trip here, and about
//! 3 ms more on each extra file fetched at once).

use serde_json::{Value, json};
use tantivy::fieldnorm::FieldNormReader;

use super::export::{Analysis, Posting};
use super::index::TEXT_FIELDS;
use crate::incident::Incident;
use crate::render::views::shorten;

/// Documents per card file. The ten results of a page are rarely
/// neighbours, so small files fetch fewer unused cards; since most cards
/// now travel in term files, four per file (a fifth smaller in all than
/// two, from fewer gzip headers) pays for more cards there.
pub const CARD_CHUNK: usize = 4;
/// Cards a common stem's term file carries: its best documents. Thirty
/// cover the whole first page of 39 of the benchmark's 50 queries (twenty
/// cover 35, ten 28) for about 1.4 MB more on a 10,000-postmortem archive.
pub const BEST_PER_STEM: usize = 30;
/// Characters of the summary kept on a card.
const CARD_SUMMARY_CHARS: usize = 220;
/// BM25 parameters, as tantivy's (and search.js's).
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// A document's card: `[id, title, date, severity, rank, teams, summary]`.
pub fn card(incident: &Incident) -> Value {
    json!([
        incident.id,
        incident.title,
        incident.date.to_string(),
        incident
            .severity
            .as_ref()
            .map(|s| s.name.as_str())
            .unwrap_or(""),
        incident.severity.as_ref().map_or(-1, |s| s.rank as i64),
        incident.teams,
        shorten(&incident.summary, CARD_SUMMARY_CHARS),
    ])
}

/// The `limit` documents with the highest BM25 score for one stem alone,
/// best first (ties by archive order), scored as search.js scores: each
/// field's score times its boost, summed over fields.
pub fn best_documents(
    lists: &[Vec<Posting>; TEXT_FIELDS.len()],
    analysis: &Analysis,
    limit: usize,
) -> Vec<u32> {
    let docs = analysis.num_docs as f32;
    // Each document's score summed over fields, by document: each field's
    // list is sorted by document, so it merges in without a sort.
    let mut summed: Vec<(u32, f32)> = Vec::new();
    let mut merged: Vec<(u32, f32)> = Vec::new();
    for (field, list) in lists.iter().enumerate() {
        if list.is_empty() {
            continue;
        }
        let n = list.len() as f32;
        let idf = (1.0 + (docs - n + 0.5) / (n + 0.5)).ln();
        let weight = idf * (1.0 + K1) * TEXT_FIELDS[field].1;
        let average = analysis.total_tokens[field] as f32 / docs;
        // The length part of BM25 for each field-norm id, once per field.
        let length_part: [f32; 256] = std::array::from_fn(|id| {
            let length = FieldNormReader::id_to_fieldnorm(id as u8) as f32;
            K1 * (1.0 - B + B * length / average)
        });
        let score = |&(doc, tf, norm): &Posting| {
            let tf = tf as f32;
            (doc, weight * tf / (tf + length_part[norm as usize]))
        };
        if summed.is_empty() {
            summed.extend(list.iter().map(score));
            continue;
        }
        merged.clear();
        merged.reserve(summed.len() + list.len());
        let mut scored = list.iter().map(score).peekable();
        for &(doc, sum) in &summed {
            while let Some(&(earlier, value)) = scored.peek().filter(|s| s.0 < doc) {
                merged.push((earlier, value));
                scored.next();
            }
            match scored.next_if(|s| s.0 == doc) {
                Some((_, value)) => merged.push((doc, sum + value)),
                None => merged.push((doc, sum)),
            }
        }
        merged.extend(scored);
        std::mem::swap(&mut summed, &mut merged);
    }
    // The best `limit`, kept in rank order as the scores go by: most
    // documents score below the last kept and are passed over at once.
    let by_rank = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    let mut best: Vec<(u32, f32)> = Vec::with_capacity(limit + 1);
    for candidate in summed {
        let passed_over = best.len() == limit
            && best
                .last()
                .is_none_or(|last| by_rank(&candidate, last).is_ge());
        if passed_over {
            continue;
        }
        let at = best.partition_point(|kept| by_rank(kept, &candidate).is_lt());
        best.insert(at, candidate);
        best.truncate(limit);
    }
    best.into_iter().map(|(doc, _)| doc).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis(docs: u64) -> Analysis {
        Analysis {
            terms: Default::default(),
            total_tokens: [docs * 5, docs * 20, docs * 200],
            num_docs: docs,
            vocabulary: Default::default(),
            norms: Default::default(),
        }
    }

    #[test]
    fn best_documents_rank_by_summed_fields() {
        // Doc 3 has the word in its title (boost 3), doc 1 twice in its body,
        // doc 2 once in its body, doc 0 once in a longer body.
        let lists = [
            vec![(3, 1, 5)],
            vec![],
            vec![(0, 1, 120), (1, 2, 100), (2, 1, 100), (3, 1, 100)],
        ];
        assert_eq!(best_documents(&lists, &analysis(100), 10), [3, 1, 2, 0]);
        assert_eq!(best_documents(&lists, &analysis(100), 2), [3, 1]);
        assert_eq!(best_documents(&lists, &analysis(100), 0), Vec::<u32>::new());
    }

    #[test]
    fn ties_keep_archive_order() {
        let lists = [vec![], vec![], vec![(7, 1, 10), (2, 1, 10), (5, 1, 10)]];
        assert_eq!(best_documents(&lists, &analysis(50), 2), [2, 5]);
    }
}
