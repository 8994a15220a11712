//! Serve's update of the static search index after an edit, so a
//! search in the preview finds the words just written without waiting for
//! the full rebuild.
//!
//! Input: the analysis the last full build exported from (kept in memory
//! with a hash of each file it wrote), the edited incident as it was and
//! as it is. Output: the export's files whose bytes the edit changed,
//! written over the site's; byte for byte what a full build would write.
//!
//! The edited incident is analysed as tantivy analyses it (the same
//! tokenizer and stemmer; a field's length is its number of tokens), its
//! old postings are taken out of the analysis and its new ones put in, and
//! every file is planned again from the analysis: an edit changes the
//! statistics (field lengths, document frequencies) that the best
//! documents of every common stem are ranked by, so no file is known
//! unchanged without planning it. Planning reuses what the edit left
//! alone (the encoded postings of the stems it did not touch, the cards;
//! see [`PlanMemo`]), and only the files whose hash moved are compressed
//! and written: at 10,000 postmortems, a dozen or two of about 4,150.

use anyhow::Result;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::tokenizer::TokenStream;

use super::cards;
use super::export::{self, Analysis, PlanHashes, PlanMemo};
use super::index::facet_values;
use super::index::{SearchIndex, TEXT_FIELDS, field_texts};
use super::stemmer::Words;
use crate::archive::Archive;
use crate::incident::Incident;
use crate::output::Staging;

const FIELDS: usize = TEXT_FIELDS.len();

/// What a full build leaves for serve to update the static index from.
pub struct KeptSearch {
    analysis: Analysis,
    /// The hash of each file the site's `search/` holds, uncompressed.
    written: PlanHashes,
    /// What planning those files made.
    memo: PlanMemo,
    /// How many documents hold each surface word of the vocabulary: an
    /// edit that takes a word out of its document drops it from the
    /// vocabulary when no other has it. Counted by [`KeptSearch::prepare`]
    /// after the build, or by the first update.
    surface_docs: Option<FxHashMap<String, u32>>,
}

impl KeptSearch {
    pub fn new(analysis: Analysis, (written, memo): (PlanHashes, PlanMemo)) -> KeptSearch {
        KeptSearch {
            analysis,
            written,
            memo,
            surface_docs: None,
        }
    }

    /// Counts what an update needs that the build did not (a few hundred
    /// milliseconds at 10,000 postmortems): serve calls it once the
    /// rebuild is published, so that neither the build nor an edit waits.
    pub fn prepare(&mut self, archive: &Archive) {
        if self.surface_docs.is_none() {
            self.surface_docs = Some(count_surfaces(archive, None));
        }
    }
}

/// How many documents hold each surface word, counted as [`DocTerms`]
/// finds a document's words; with `instead`, one incident counted as it
/// was.
fn count_surfaces(
    archive: &Archive,
    instead: Option<(usize, &Incident)>,
) -> FxHashMap<String, u32> {
    // Per thread: each word's count and the last document counted in it.
    let per_thread = archive
        .incidents
        .par_iter()
        .enumerate()
        .fold(
            || {
                (
                    SearchIndex::surface_analyzer(),
                    FxHashMap::<String, (u32, usize)>::default(),
                )
            },
            |(mut analyzer, mut counts), (doc, incident)| {
                let incident = match instead {
                    Some((index, was)) if index == doc => was,
                    _ => incident,
                };
                for text in field_texts(incident) {
                    let mut stream = analyzer.token_stream(&text);
                    while stream.advance() {
                        let word = &stream.token().text;
                        match counts.get_mut(word) {
                            Some((count, last)) if *last != doc => {
                                *count += 1;
                                *last = doc;
                            }
                            Some(_) => {}
                            None => {
                                counts.insert(word.clone(), (1, doc));
                            }
                        }
                    }
                }
                (analyzer, counts)
            },
        )
        .map(|(_, counts)| counts);
    per_thread
        .reduce(FxHashMap::default, |mut all, counts| {
            for (word, (count, _)) in counts {
                all.entry(word).or_default().0 += count;
            }
            all
        })
        .into_iter()
        .map(|(word, (count, _))| (word, count))
        .collect()
}

/// The files of `search/` an update changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Written into the staging folder, new or with new bytes.
    pub written: Vec<String>,
    /// No longer part of the export (a vocabulary prefix or hash bucket
    /// the edit emptied, or the buckets regrouped): the caller removes
    /// them from the site once the written files are in.
    pub removed: Vec<String>,
}

/// Puts the edit of the incident at `index` (once `old`) into the kept
/// analysis and writes the files it changed into `staging`, as
/// `search/…`. The incident must keep its place in the archive.
pub fn update_after_edit(
    kept: &mut KeptSearch,
    archive: &Archive,
    index: usize,
    old: &Incident,
    staging: &Staging,
) -> Result<Changes> {
    let Some(new) = archive.incidents.get(index) else {
        anyhow::bail!("no incident {index} in the archive");
    };
    let doc = index as u32;
    let before = DocTerms::of(old);
    let after = DocTerms::of(new);
    apply(&mut kept.analysis, doc, &before, &after);
    // Counted as the archive was before the edit, like the analysis.
    let surface_docs = kept
        .surface_docs
        .get_or_insert_with(|| count_surfaces(archive, Some((index, old))));
    let vocabulary = update_vocabulary(&mut kept.analysis, surface_docs, &before, &after);
    kept.memo
        .forget_words(vocabulary.counted.iter(), vocabulary.regrouped);
    kept.memo.forget(
        doc,
        changed_stems(&before, &after).into_iter(),
        cards::card(old) != cards::card(new),
        facet_values(old) != facet_values(new) || old.date != new.date,
    );

    let planned = export::plan_files(archive, &kept.analysis, &mut kept.memo)?;
    let hashes = export::plan_hashes(&planned);
    let changed: Vec<(String, Vec<u8>)> = planned
        .into_iter()
        .filter(|(path, _)| kept.written.get(path) != hashes.get(path))
        .collect();
    let changes = Changes {
        written: changed.iter().map(|(path, _)| path.clone()).collect(),
        removed: kept
            .written
            .keys()
            .filter(|path| !hashes.contains_key(*path))
            .cloned()
            .collect(),
    };
    for (path, bytes) in export::compress(changed)? {
        staging.write(&format!("search/{path}"), &bytes)?;
    }
    kept.written = hashes;
    Ok(changes)
}

/// What tantivy indexes of one incident.
struct DocTerms {
    /// Per text field: each stem with its term frequency.
    stems: [FxHashMap<String, u32>; FIELDS],
    /// Per text field: the number of tokens (the field's length).
    tokens: [u32; FIELDS],
    /// Every surface word (lowercased, stop words left out) with its stem.
    surfaces: FxHashMap<String, String>,
}

impl DocTerms {
    fn of(incident: &Incident) -> DocTerms {
        // The analyzer tantivy indexed with, recording each surface word
        // with its stem as it met them while indexing.
        let words = Words::default();
        let mut analyzer = SearchIndex::recording_analyzer(words.clone());
        let mut terms = DocTerms {
            stems: Default::default(),
            tokens: [0; FIELDS],
            surfaces: FxHashMap::default(),
        };
        for (slot, text) in field_texts(incident).iter().enumerate() {
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {
                terms.tokens[slot] += 1;
                *terms.stems[slot]
                    .entry(stream.token().text.clone())
                    .or_default() += 1;
            }
        }
        terms.surfaces = words.take();
        terms
    }

    fn all_stems(&self) -> impl Iterator<Item = &String> {
        self.stems.iter().flat_map(|field| field.keys())
    }
}

/// The stems whose postings the edit from `before` to `after` changed: in
/// a field whose length (as its field norm) moved, every stem the document
/// had or has there; in the others, those whose count in it moved.
fn changed_stems<'a>(before: &'a DocTerms, after: &'a DocTerms) -> FxHashSet<&'a String> {
    let mut changed = FxHashSet::default();
    for slot in 0..FIELDS {
        let (was, now) = (&before.stems[slot], &after.stems[slot]);
        let norm = |tokens: u32| FieldNormReader::fieldnorm_to_id(tokens);
        let length_moved = norm(before.tokens[slot]) != norm(after.tokens[slot]);
        for (stems, other) in [(was, now), (now, was)] {
            changed.extend(
                stems
                    .iter()
                    .filter(|&(stem, tf)| length_moved || other.get(stem) != Some(tf))
                    .map(|(stem, _)| stem),
            );
        }
    }
    changed
}

/// Replaces document `doc`'s postings, field lengths and token totals.
fn apply(analysis: &mut Analysis, doc: u32, before: &DocTerms, after: &DocTerms) {
    for slot in 0..FIELDS {
        for stem in before.stems[slot].keys() {
            if let Some(lists) = analysis.terms.get_mut(stem) {
                let list = &mut lists[slot];
                if let Ok(at) = list.binary_search_by_key(&doc, |p| p.0) {
                    list.remove(at);
                }
            }
        }
        let norm = FieldNormReader::fieldnorm_to_id(after.tokens[slot]);
        for (stem, &tf) in &after.stems[slot] {
            let list = &mut analysis.terms.entry(stem.clone()).or_default()[slot];
            let at = list.partition_point(|p| p.0 < doc);
            list.insert(at, (doc, tf, norm));
        }
        let total = &mut analysis.total_tokens[slot];
        *total =
            (*total + u64::from(after.tokens[slot])).saturating_sub(u64::from(before.tokens[slot]));
        if let Some(field_norm) = analysis.norms[slot].get_mut(doc as usize) {
            *field_norm = norm;
        }
    }
    for stem in before.all_stems() {
        if analysis
            .terms
            .get(stem)
            .is_some_and(|lists| lists.iter().all(Vec::is_empty))
        {
            analysis.terms.remove(stem);
        }
    }
}

/// Adds the surface words the edit brought, drops those it took from the
/// archive (no other document has them), and recounts the documents of
/// every stem the edit touched.
fn update_vocabulary(
    analysis: &mut Analysis,
    surface_docs: &mut FxHashMap<String, u32>,
    before: &DocTerms,
    after: &DocTerms,
) -> VocabularyChanges {
    let mut changes = VocabularyChanges::default();
    for (surface, stem) in &after.surfaces {
        *surface_docs.entry(surface.clone()).or_default() += 1;
        if !analysis.vocabulary.contains_key(surface) {
            analysis
                .vocabulary
                .insert(surface.clone(), (stem.clone(), 0));
            changes.regrouped = true;
        }
    }
    for surface in before.surfaces.keys() {
        let Some(count) = surface_docs.get_mut(surface) else {
            continue;
        };
        *count = count.saturating_sub(1);
        if *count == 0 {
            surface_docs.remove(surface);
            analysis.vocabulary.remove(surface);
            changes.regrouped = true;
        }
    }
    let touched: FxHashSet<&String> = before.all_stems().chain(after.all_stems()).collect();
    let mut counts: FxHashMap<&String, u32> = FxHashMap::default();
    for (surface, (stem, df)) in analysis.vocabulary.iter_mut() {
        if let Some(&stem) = touched.get(stem) {
            let count = *counts
                .entry(stem)
                .or_insert_with(|| analysis.terms.get(stem).map_or(0, export::documents_with));
            if *df != count {
                *df = count;
                changes.counted.push(surface.clone());
            }
        }
    }
    changes
}

/// What [`update_vocabulary`] changed.
#[derive(Default)]
struct VocabularyChanges {
    /// A word came into the vocabulary or left it.
    regrouped: bool,
    /// Words whose document counts moved.
    counted: Vec<String>,
}
