//! The static search index: a compact, sharded copy of tantivy's own
//! analysis for the browser client (`search.js`), written under `search/`.
//!
//! Input: the tantivy index (its terms, postings, term frequencies and field
//! norms, read segment by segment) and the archive (cards, facets, dates).
//! Output: gzip-compressed files (the client inflates them with the
//! browser's `DecompressionStream`), none larger than a few kilobytes except
//! the on-demand facet columns:
//!
//! | file | holds | fetched |
//! |---|---|---|
//! | `meta.dat` | JSON: document count, BM25 statistics per field, shard and slot counts, the slots in use, vocabulary keys | first query |
//! | `v/KEY.dat` | surface words starting with KEY: `word TAB stem-edit TAB df` | while typing (prefixes) and for typos |
//! | `t/w/N.dat` | binary: postings of the common stems (and any rare ones) in slot N = FNV-1a mod `slots`, then the cards of the common stems' best documents | per query stem |
//! | `t/N.dat` | binary: postings of the rare stems whose FNV-1a hash is N mod shards | per query stem |
//! | `n/F.dat` | bytes: field F's field-norm id of each document (the body's) | with the first query |
//! | `c/N.dat` | JSON: result cards of documents N×C … N×C+C−1 | per result shown whose card no fetched term file carried |
//! | `f/NAME.dat` | JSON: a facet's values and each document's value ids | when that facet is shown or filtered |
//! | `dates.dat` | JSON: each document's day, delta-coded | for year counts and date ranges |
//!
//! Where a stem's postings live depends on the stem alone (its slot is in
//! use → `t/w/`, else its bucket → `t/`), so the client, which stems query
//! words itself, fetches postings without a vocabulary lookup first.
//!
//! Document numbers are positions in the archive (newest first), so ties
//! break the same way in the browser and in tantivy. Every map is ordered
//! and gzip runs with a fixed header, so the export is byte-for-byte
//! deterministic.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use libdeflater::{CompressionLvl, Compressor};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use tantivy::DocSet;
use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;

use super::cards::{self, BEST_PER_STEM, CARD_CHUNK};
use super::index::{self, SearchIndex, TEXT_FIELDS};
use crate::archive::Archive;
use crate::output::Staging;

/// Format version, bumped when the client must change with the files.
pub const FORMAT: u32 = 3;
/// Target size of a hash bucket of rare stems before compression.
const SHARD_TARGET_BYTES: usize = 4_000;
/// A stem in at least this many documents gets a term file of its own
/// (shared only when two such stems land in the same slot).
pub const OWN_FILE_DOCS: u32 = 64;
/// Slots per common stem: sparse enough that a rare stem seldom lands in a
/// common stem's slot (it is then stored there, a few bytes extra).
const SLOTS_PER_OWN_FILE: usize = 16;
/// Fields whose field norms ship as one column per document instead of one
/// byte per posting: the body, where common words have thousands of
/// postings and the column is loaded once.
const NORM_COLUMNS: [bool; FIELDS] = [false, false, true];
/// A vocabulary file with more words than this is split by a longer prefix.
const VOCAB_MAX_WORDS: usize = 250;
/// Longest vocabulary key, so a run of one huge prefix stops splitting.
const VOCAB_MAX_KEY: usize = 6;
/// Gzip level (libdeflate's scale, 1 to 12).
const GZIP_LEVEL: i32 = 6;

/// Number of text fields.
const FIELDS: usize = TEXT_FIELDS.len();

/// One posting: document (archive position), term frequency, field-norm id.
pub type Posting = (u32, u32, u8);

/// Everything tantivy knows about the archive's words, gathered once.
pub struct Analysis {
    /// Stem → postings per text field, each sorted by document.
    pub terms: BTreeMap<String, [Vec<Posting>; FIELDS]>,
    /// Tokens per text field over all documents (for the average field norm).
    pub total_tokens: [u64; FIELDS],
    pub num_docs: u64,
    /// Surface word → (stem, documents containing the stem in any field).
    pub vocabulary: BTreeMap<String, (String, u32)>,
    /// Field-norm id of each document (archive order) in each text field.
    pub norms: [Vec<u8>; FIELDS],
}

/// Reads the index's terms and postings; `words` are the surface words
/// indexing met, with their stems.
pub fn analyse(
    search: &SearchIndex,
    archive: &Archive,
    words: &FxHashMap<String, String>,
) -> Result<Analysis> {
    let reader = search
        .index
        .reader()
        .context("cannot open the search index")?;
    let searcher = reader.searcher();
    let mut terms: FxHashMap<String, [Vec<Posting>; FIELDS]> = FxHashMap::default();
    let mut total_tokens = [0u64; FIELDS];
    let mut num_docs = 0u64;
    let mut norms: [Vec<u8>; FIELDS] = std::array::from_fn(|_| vec![0; archive.incidents.len()]);
    for segment in searcher.segment_readers() {
        num_docs += u64::from(segment.max_doc());
        let ords = segment
            .fast_fields()
            .u64("ord")
            .context("search index lacks the ord column")?;
        let ord_of: Vec<u32> = (0..segment.max_doc())
            .map(|doc| ords.first(doc).unwrap_or(0) as u32)
            .collect();
        for (slot, field) in search.fields.text.iter().enumerate() {
            let inverted = segment.inverted_index(*field)?;
            total_tokens[slot] += inverted.total_num_tokens();
            let field_norms = segment.get_fieldnorms_reader(*field)?;
            for (doc, &ord) in ord_of.iter().enumerate() {
                if let Some(slot_norm) = norms[slot].get_mut(ord as usize) {
                    *slot_norm = field_norms.fieldnorm_id(doc as u32);
                }
            }
            let mut stream = inverted.terms().stream()?;
            while stream.advance() {
                let stem = String::from_utf8_lossy(stream.key()).into_owned();
                let mut postings = inverted
                    .read_postings_from_terminfo(stream.value(), IndexRecordOption::WithFreqs)?;
                let list = &mut terms.entry(stem).or_default()[slot];
                let mut doc = postings.doc();
                while doc != tantivy::TERMINATED {
                    list.push((
                        ord_of[doc as usize],
                        postings.term_freq(),
                        field_norms.fieldnorm_id(doc),
                    ));
                    doc = postings.advance();
                }
            }
        }
    }
    let mut terms: BTreeMap<String, [Vec<Posting>; FIELDS]> = terms.into_iter().collect();
    terms.par_iter_mut().for_each(|(_, lists)| {
        for list in lists.iter_mut() {
            list.sort_unstable_by_key(|p| p.0);
        }
    });
    let vocabulary = vocabulary(words, &terms);
    Ok(Analysis {
        terms,
        total_tokens,
        num_docs,
        vocabulary,
        norms,
    })
}

/// Every surface word of the archive with its stem, as tantivy's analyzer
/// produces them, and the number of documents holding the stem.
fn vocabulary(
    words: &FxHashMap<String, String>,
    terms: &BTreeMap<String, [Vec<Posting>; FIELDS]>,
) -> BTreeMap<String, (String, u32)> {
    words
        .par_iter()
        .filter_map(|(surface, stem)| {
            let lists = terms.get(stem)?;
            Some((surface.clone(), (stem.clone(), documents_with(lists))))
        })
        .collect()
}

/// Documents in which any field holds the term: those of its longest
/// list (usually the body's), and the others' documents that list lacks,
/// looked up there (each list is sorted by document).
pub fn documents_with(lists: &[Vec<Posting>; FIELDS]) -> u32 {
    let longest = (0..FIELDS).max_by_key(|&f| lists[f].len()).unwrap_or(0);
    let base = &lists[longest];
    let mut others: Vec<u32> = lists
        .iter()
        .enumerate()
        .filter(|&(field, _)| field != longest)
        .flat_map(|(_, list)| list.iter().map(|p| p.0))
        .filter(|doc| base.binary_search_by_key(doc, |p| p.0).is_err())
        .collect();
    others.sort_unstable();
    others.dedup();
    (base.len() + others.len()) as u32
}

/// FNV-1a over the UTF-8 bytes: the shard of a stem (search.js has the same).
pub fn fnv1a(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The vocabulary file a word belongs to: the longest key that prefixes it
/// (search.js has the same rule).
pub fn vocabulary_key<'a>(word: &str, keys: &'a BTreeSet<String>) -> Option<&'a str> {
    let chars: Vec<char> = word.chars().collect();
    (1..=chars.len().min(VOCAB_MAX_KEY)).rev().find_map(|n| {
        let prefix: String = chars[..n].iter().collect();
        keys.get(&prefix).map(String::as_str)
    })
}

/// Splits the vocabulary into files by prefix: two characters, longer where
/// a prefix holds too many words. Returns key → words (sorted).
pub fn vocabulary_files(words: &[&str]) -> BTreeMap<String, Vec<usize>> {
    let mut files = BTreeMap::new();
    let mut pending: Vec<(usize, Vec<usize>)> = vec![(2, (0..words.len()).collect())];
    while let Some((len, group)) = pending.pop() {
        let mut by_prefix: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &w in &group {
            by_prefix
                .entry(char_prefix(words[w], len))
                .or_default()
                .push(w);
        }
        for (prefix, members) in by_prefix {
            let splittable = members.len() > VOCAB_MAX_WORDS
                && len < VOCAB_MAX_KEY
                && prefix.chars().count() == len;
            if splittable {
                // Words no longer than the prefix stay under it.
                let (short, long): (Vec<usize>, Vec<usize>) = members
                    .into_iter()
                    .partition(|&w| words[w].chars().count() <= len);
                if !short.is_empty() {
                    files.insert(prefix.to_string(), short);
                }
                pending.push((len + 1, long));
            } else {
                files.insert(prefix.to_string(), members);
            }
        }
    }
    files
}

/// The first `len` characters of `word` (all of it when shorter).
fn char_prefix(word: &str, len: usize) -> &str {
    word.char_indices()
        .nth(len)
        .map_or(word, |(end, _)| &word[..end])
}

/// File name of a vocabulary key: itself when plain ASCII, else hex.
pub fn key_file_name(key: &str) -> String {
    if key
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        key.to_string()
    } else {
        let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
        format!("_{hex}")
    }
}

/// How a stem is written beside its surface word: characters to drop from
/// the end of the word, then what to append (`connection` → `connect`: "3").
pub fn stem_edit(surface: &str, stem: &str) -> String {
    if surface == stem {
        return String::new();
    }
    let common = surface
        .chars()
        .zip(stem.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let drop = surface.chars().count() - common;
    let append: String = stem.chars().skip(common).collect();
    format!("{drop}{append}")
}

#[derive(Serialize)]
struct Meta<'a> {
    format: u32,
    docs: u64,
    k1: f32,
    b: f32,
    /// [name, boost, total tokens, norms in a column] per text field, in
    /// scoring order.
    fields: Vec<(&'a str, f32, u64, bool)>,
    shards: usize,
    /// Slot count: a stem's slot is FNV-1a of the stem mod `slots`.
    slots: usize,
    /// Slots in use (each has a file `t/w/SLOT.dat`), as differences from the previous one.
    owned: Vec<usize>,
    chunk: usize,
    vocab: Vec<&'a str>,
    /// Words the analyzer drops: the client drops them from queries too.
    stop: &'a [&'a str],
    /// [key, title] of each facet, in display order.
    facets: Vec<(&'a str, &'a str)>,
}

#[derive(Serialize)]
struct FacetColumn<'a> {
    /// [slug, display name] per value; ids are positions in this list.
    values: Vec<(&'a str, &'a str)>,
    /// Per document, its value ids in base 36 joined by `,`; documents joined by `;`.
    docs: String,
}

/// Statistics of what was exported, for tests and the benchmark.
#[derive(Debug, Default)]
pub struct ExportReport {
    pub files: usize,
    pub bytes: usize,
    pub terms: usize,
    pub words: usize,
}

/// Writes the static index into `search/` of the staging folder. With
/// `remember`, also returns the hash of each file's uncompressed bytes
/// (see [`plan_hashes`]) and what planning them made, for serve's updates
/// after an edit.
pub fn export(
    archive: &Archive,
    analysis: &Analysis,
    staging: &Staging,
    remember: bool,
) -> Result<(ExportReport, Option<(PlanHashes, PlanMemo)>)> {
    let mut memo = PlanMemo::default();
    let planned = plan_files(archive, analysis, &mut memo)?;
    let kept = remember.then(|| (plan_hashes(&planned), memo));
    let files = compress(planned)?;
    let report = ExportReport {
        files: files.len(),
        bytes: files.iter().map(|(_, b)| b.len()).sum(),
        terms: analysis.terms.len(),
        words: analysis.vocabulary.len(),
    };
    files
        .par_iter()
        .try_for_each(|(path, bytes)| staging.write(&format!("search/{path}"), bytes))?;
    Ok((report, kept))
}

/// Every file of the export, compressed: path under `search/` → bytes.
pub fn build_files(archive: &Archive, analysis: &Analysis) -> Result<Vec<(String, Vec<u8>)>> {
    compress(plan_files(archive, analysis, &mut PlanMemo::default())?)
}

/// Gzips each planned file.
pub fn compress(planned: Vec<(String, Vec<u8>)>) -> Result<Vec<(String, Vec<u8>)>> {
    planned
        .into_par_iter()
        .map(|(path, bytes)| Ok((path, gzip(&bytes)?)))
        .collect()
}

/// Hash of each planned file's uncompressed bytes, by path.
pub type PlanHashes = BTreeMap<String, u64>;

/// Hashes the planned files: an edit then rewrites only the files whose
/// bytes it changed, without keeping the bytes themselves.
pub fn plan_hashes(planned: &[(String, Vec<u8>)]) -> PlanHashes {
    planned
        .par_iter()
        .map(|(path, bytes)| (path.clone(), xxhash_rust::xxh3::xxh3_64(bytes)))
        .collect()
}

/// What planning the export made that an edit of one document mostly
/// leaves as it was: serve plans the export again after each edit, and
/// reuses these unless [`PlanMemo::forget`] says the edit changed them.
#[derive(Default)]
pub struct PlanMemo {
    /// Stem → its encoded entry in a term file, and its document count.
    entries: BTreeMap<String, (Vec<u8>, u32)>,
    /// Stems whose entries an edit changed.
    stale: FxHashSet<String>,
    /// Slot of common stems → their best documents and those cards' JSON.
    slot_cards: FxHashMap<usize, (Vec<u32>, Vec<u8>)>,
    /// The card, facet and date files, which read no postings: the card
    /// files first, by number.
    documents: Option<Vec<(String, Vec<u8>)>>,
    /// Card files (by number) whose cards an edit changed.
    stale_cards: BTreeSet<usize>,
    /// Whether an edit changed the facet and date files.
    stale_columns: bool,
    /// The vocabulary files, while the vocabulary holds the same words.
    vocab: Option<VocabFiles>,
    /// Words whose document counts an edit changed.
    stale_words: FxHashSet<String>,
    /// Common stem → its best documents, scored with the document count
    /// and field lengths of `best_scored_with`: an edit that leaves those
    /// alone (a new severity, an item done) scores only its changed stems.
    best: FxHashMap<String, Vec<u32>>,
    best_scored_with: Option<(u64, [u64; FIELDS])>,
}

/// The vocabulary files as planned, and each word's file (by index).
struct VocabFiles {
    files: Vec<VocabFile>,
    file_of_word: Vec<u32>,
}

/// One vocabulary file as planned.
struct VocabFile {
    key: String,
    /// Its words, as indexes into the vocabulary's words, in order.
    members: Vec<usize>,
    text: Vec<u8>,
}

impl PlanMemo {
    /// Forgets what an edit of document `doc` changes: the entries (and
    /// best documents) of `stems`, those whose postings it changed; when
    /// its card changed, the cards it is among and its card file; and the
    /// facet and date files when its facets or date changed
    /// (`columns_changed`).
    pub fn forget<'a>(
        &mut self,
        doc: u32,
        stems: impl Iterator<Item = &'a String>,
        card_changed: bool,
        columns_changed: bool,
    ) {
        self.stale.extend(stems.cloned());
        if card_changed || columns_changed {
            self.slot_cards.retain(|_, (docs, _)| !docs.contains(&doc));
        }
        if card_changed {
            self.stale_cards.insert(doc as usize / CARD_CHUNK);
        }
        self.stale_columns |= columns_changed;
    }

    /// Forgets the vocabulary files of `words`, whose document counts an
    /// edit changed, or all of them when it added or removed a word (the
    /// files split the words by prefix, so their grouping may move).
    pub fn forget_words<'a>(&mut self, words: impl Iterator<Item = &'a String>, regrouped: bool) {
        if regrouped {
            self.vocab = None;
            self.stale_words.clear();
        } else if self.vocab.is_some() {
            self.stale_words.extend(words.cloned());
        }
    }

    /// The vocabulary files' keys and texts: those of stale words made
    /// again, or all when the words changed.
    fn vocab_files(&mut self, analysis: &Analysis) -> &[VocabFile] {
        let words: Vec<&str> = analysis.vocabulary.keys().map(String::as_str).collect();
        let text = |members: &[usize]| {
            let mut text = String::new();
            for &w in members {
                let (stem, df) = &analysis.vocabulary[words[w]];
                text.push_str(&format!(
                    "{}\t{}\t{df}\n",
                    words[w],
                    stem_edit(words[w], stem)
                ));
            }
            text.into_bytes()
        };
        let stale = std::mem::take(&mut self.stale_words);
        let vocab = match self.vocab.take() {
            Some(mut vocab) if vocab.file_of_word.len() == words.len() => {
                let files: BTreeSet<usize> = stale
                    .iter()
                    .filter_map(|word| words.binary_search(&word.as_str()).ok())
                    .map(|w| vocab.file_of_word[w] as usize)
                    .collect();
                for n in files {
                    let file = &mut vocab.files[n];
                    file.text = text(&file.members);
                }
                vocab
            }
            _ => {
                let files: Vec<VocabFile> = vocabulary_files(&words)
                    .into_par_iter()
                    .map(|(key, members)| VocabFile {
                        text: text(&members),
                        key,
                        members,
                    })
                    .collect();
                let mut file_of_word = vec![0; words.len()];
                for (n, file) in files.iter().enumerate() {
                    for &w in &file.members {
                        file_of_word[w] = n as u32;
                    }
                }
                VocabFiles {
                    files,
                    file_of_word,
                }
            }
        };
        &self.vocab.insert(vocab).files
    }

    /// Encodes the entries of every stem at first, then those of stale stems.
    fn update_entries(&mut self, analysis: &Analysis, num_docs: usize) {
        let encode = |lists: &[Vec<Posting>; FIELDS], stem: &str| {
            (encode_term(stem, lists, num_docs), documents_with(lists))
        };
        if self.entries.is_empty() {
            self.entries = analysis
                .terms
                .par_iter()
                .map(|(stem, lists)| (stem.clone(), encode(lists, stem)))
                .collect();
        } else {
            for stem in std::mem::take(&mut self.stale) {
                self.best.remove(&stem);
                match analysis.terms.get(&stem) {
                    Some(lists) => {
                        let entry = encode(lists, &stem);
                        self.entries.insert(stem, entry);
                    }
                    None => {
                        self.entries.remove(&stem);
                    }
                }
            }
        }
    }
}

/// Every file of the export, uncompressed and sorted by path: path under
/// `search/` → bytes. Reuses and fills `memo`.
pub fn plan_files(
    archive: &Archive,
    analysis: &Analysis,
    memo: &mut PlanMemo,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();

    // Term files: a file of its own for each common stem, hash buckets
    // for the rest, so a query downloads little besides its own postings.
    memo.update_entries(analysis, archive.incidents.len());
    anyhow::ensure!(
        memo.entries.keys().eq(analysis.terms.keys()),
        "the search export's memo is out of step with its analysis"
    );
    let rows: Vec<_> = analysis.terms.iter().zip(memo.entries.values()).collect();
    // The best documents of common stems, scored anew where the memo has
    // none that still hold.
    let scored_with = (analysis.num_docs, analysis.total_tokens);
    if memo.best_scored_with != Some(scored_with) {
        memo.best.clear();
        memo.best_scored_with = Some(scored_with);
    }
    let scored: Vec<(String, Vec<u32>)> = rows
        .par_iter()
        .filter(|((stem, _), (_, docs))| *docs >= OWN_FILE_DOCS && !memo.best.contains_key(*stem))
        .map(|((stem, lists), _)| {
            let best = cards::best_documents(lists, analysis, BEST_PER_STEM);
            ((*stem).clone(), best)
        })
        .collect();
    memo.best.extend(scored);
    // (hash of the stem, has a file of its own, encoded entry, its best
    // documents when common)
    let entries: Vec<(u32, bool, &[u8], &[u32])> = rows
        .par_iter()
        .map(|&((stem, _), (entry, docs))| {
            let own_file = *docs >= OWN_FILE_DOCS;
            let best = if own_file {
                memo.best.get(stem).map_or(&[][..], Vec::as_slice)
            } else {
                &[]
            };
            (fnv1a(stem), own_file, entry.as_slice(), best)
        })
        .collect();
    let own_count = entries.iter().filter(|e| e.1).count();
    let slots = (own_count * SLOTS_PER_OWN_FILE).next_power_of_two().max(64);
    let slot_of = |hash: u32| hash as usize % slots;
    let mut is_owned = vec![false; slots];
    for entry in entries.iter().filter(|e| e.1) {
        is_owned[slot_of(entry.0)] = true;
    }
    let in_slot = |hash: u32| is_owned[slot_of(hash)];
    let bucketed: usize = entries
        .iter()
        .filter(|e| !in_slot(e.0))
        .map(|e| e.2.len())
        .sum();
    let shards = bucketed.div_ceil(SHARD_TARGET_BYTES).max(1);
    let mut buckets: Vec<Vec<u8>> = vec![Vec::new(); shards];
    // Per slot (those no stem owns stay empty): its entries, its best documents.
    let mut slot_files: Vec<(Vec<u8>, Vec<u32>)> = vec![Default::default(); slots];
    for &(hash, _, entry, best) in &entries {
        if in_slot(hash) {
            let (bytes, slot_best) = &mut slot_files[slot_of(hash)];
            bytes.extend_from_slice(entry);
            slot_best.extend_from_slice(best);
        } else {
            buckets[hash as usize % shards].extend_from_slice(entry);
        }
    }
    // Each owned slot's file: its entries, an empty stem, then its best
    // documents' cards as JSON: [[document, ...card]], by document.
    let owned: Vec<usize> = (0..slots).filter(|&slot| is_owned[slot]).collect();
    let mut term_files: Vec<(String, Vec<u8>)> = Vec::with_capacity(owned.len());
    for &slot in &owned {
        let (mut bytes, mut best) = std::mem::take(&mut slot_files[slot]);
        best.sort_unstable();
        best.dedup();
        let json = match memo.slot_cards.get(&slot) {
            Some((docs, json)) if *docs == best => json,
            _ => {
                let json = slot_cards_json(archive, &best)?;
                &memo
                    .slot_cards
                    .entry(slot)
                    .insert_entry((best, json))
                    .into_mut()
                    .1
            }
        };
        varint(&mut bytes, 0);
        bytes.extend_from_slice(json);
        term_files.push((format!("t/w/{slot}.dat"), bytes));
    }
    term_files.extend(
        buckets
            .into_iter()
            .enumerate()
            .filter(|(_, b)| !b.is_empty())
            .map(|(n, b)| (format!("t/{n}.dat"), b)),
    );
    files.extend(term_files);
    // Field norms of the fields whose postings leave them out.
    for (slot, column) in NORM_COLUMNS.iter().enumerate() {
        if *column {
            files.push((format!("n/{slot}.dat"), analysis.norms[slot].clone()));
        }
    }

    // Vocabulary.
    let vocab_files = memo.vocab_files(analysis);
    let vocab_keys: Vec<String> = vocab_files.iter().map(|file| file.key.clone()).collect();
    files.extend(vocab_files.iter().map(|file| {
        (
            format!("v/{}.dat", key_file_name(&file.key)),
            file.text.clone(),
        )
    }));

    let stale_cards = std::mem::take(&mut memo.stale_cards);
    let stale_columns = std::mem::take(&mut memo.stale_columns);
    let documents = match memo.documents.take() {
        Some(mut documents) => {
            // The card files come first, in order.
            for n in stale_cards {
                documents[n] = card_file(archive, n)?;
            }
            if stale_columns {
                documents.truncate(card_files_count(archive));
                documents.extend(column_files(archive)?);
            }
            documents
        }
        None => {
            let mut documents = card_files(archive)?;
            documents.extend(column_files(archive)?);
            documents
        }
    };
    files.extend(documents.iter().cloned());
    memo.documents = Some(documents);
    let mut facets: Vec<(&str, &str)> = FACET_KEYS
        .iter()
        .filter_map(|key| archive.taxonomy(key))
        .map(|taxonomy| (taxonomy.key, taxonomy.title))
        .collect();
    facets.push(("years", "Year"));

    let meta = Meta {
        format: FORMAT,
        docs: analysis.num_docs,
        k1: 1.2,
        b: 0.75,
        fields: TEXT_FIELDS
            .iter()
            .zip(analysis.total_tokens)
            .zip(NORM_COLUMNS)
            .map(|(((name, boost), total), column)| (*name, *boost, total, column))
            .collect(),
        shards,
        slots,
        owned: owned
            .iter()
            .scan(0, |previous, &slot| {
                let gap = slot - *previous;
                *previous = slot;
                Some(gap)
            })
            .collect(),
        chunk: CARD_CHUNK,
        vocab: vocab_keys.iter().map(String::as_str).collect(),
        stop: &index::STOP_WORDS,
        facets,
    };
    files.push(("meta.dat".into(), serde_json::to_vec(&meta)?));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The taxonomies the facet columns are of, in display order.
const FACET_KEYS: [&str; 4] = ["severity", "teams", "services", "tags"];

/// Card file `n`: the result cards of documents n×C … n×C+C−1.
fn card_file(archive: &Archive, n: usize) -> Result<(String, Vec<u8>)> {
    let start = n * CARD_CHUNK;
    let chunk = &archive.incidents[start..(start + CARD_CHUNK).min(archive.incidents.len())];
    let cards: Vec<serde_json::Value> = chunk.iter().map(cards::card).collect();
    Ok((format!("c/{n}.dat"), serde_json::to_vec(&cards)?))
}

/// How many card files the documents fill.
fn card_files_count(archive: &Archive) -> usize {
    archive.incidents.len().div_ceil(CARD_CHUNK)
}

/// The documents' result cards, by card file number.
fn card_files(archive: &Archive) -> Result<Vec<(String, Vec<u8>)>> {
    (0..card_files_count(archive))
        .into_par_iter()
        .map(|n| card_file(archive, n))
        .collect()
}

/// The documents' facet values and dates, which read neither postings nor
/// cards.
fn column_files(archive: &Archive) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    // Facet columns.
    for key in FACET_KEYS {
        let Some(taxonomy) = archive.taxonomy(key) else {
            continue;
        };
        let mut per_doc: Vec<Vec<usize>> = vec![Vec::new(); archive.incidents.len()];
        for (id, term) in taxonomy.terms.iter().enumerate() {
            for &doc in &term.incidents {
                per_doc[doc].push(id);
            }
        }
        let docs: Vec<String> = per_doc
            .iter()
            .map(|ids| {
                ids.iter()
                    .map(|&id| base36(id as u64))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        let column = FacetColumn {
            values: taxonomy
                .terms
                .iter()
                .map(|t| (t.slug.as_str(), t.name.as_str()))
                .collect(),
            docs: docs.join(";"),
        };
        files.push((format!("f/{key}.dat"), serde_json::to_vec(&column)?));
    }

    // Dates: days since 1970-01-01, the first absolute, then differences
    // (documents are newest first, so each difference is the days back).
    let days: Vec<i64> = archive
        .incidents
        .iter()
        .map(|i| {
            i.date
                .since(jiff::civil::date(1970, 1, 1))
                .map_or(0, |span| i64::from(span.get_days()))
        })
        .collect();
    let deltas: Vec<i64> = days
        .iter()
        .enumerate()
        .map(|(n, d)| if n == 0 { *d } else { days[n - 1] - d })
        .collect();
    files.push(("dates.dat".into(), serde_json::to_vec(&deltas)?));

    Ok(files)
}

/// The JSON of the cards of `docs`: [[document, ...card]].
fn slot_cards_json(archive: &Archive, docs: &[u32]) -> Result<Vec<u8>> {
    let cards: Vec<serde_json::Value> = docs
        .iter()
        .map(|&doc| {
            let mut card = cards::card(&archive.incidents[doc as usize]);
            if let Some(fields) = card.as_array_mut() {
                fields.insert(0, doc.into());
            }
            card
        })
        .collect();
    Ok(serde_json::to_vec(&cards)?)
}

/// One stem's entry in a term file:
/// `len stem mask` then, for each field whose bit is set in `mask`:
/// `count kind docs tfs [norms]` — documents as gaps (`kind` 0) or, when
/// that is smaller, a bitmap of all documents (`kind` 1, bit d of byte d/8);
/// then the term frequencies; then the field-norm ids unless the field's
/// norms are a column. Grouping by kind compresses better than interleaving.
/// Numbers are LEB128 varints; field-norm ids are bytes.
fn encode_term(stem: &str, lists: &[Vec<Posting>; FIELDS], num_docs: usize) -> Vec<u8> {
    let mut out = Vec::new();
    varint(&mut out, stem.len() as u64);
    out.extend_from_slice(stem.as_bytes());
    let mask = lists
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .fold(0u8, |m, (i, _)| m | 1 << i);
    out.push(mask);
    for (slot, list) in lists.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        varint(&mut out, list.len() as u64);
        if list.len() > num_docs.div_ceil(8) {
            out.push(1);
            let mut bitmap = vec![0u8; num_docs.div_ceil(8)];
            for (doc, _, _) in list {
                bitmap[*doc as usize / 8] |= 1 << (doc % 8);
            }
            out.extend_from_slice(&bitmap);
        } else {
            out.push(0);
            let mut previous = 0u32;
            for (n, (doc, _, _)) in list.iter().enumerate() {
                let gap = if n == 0 { *doc } else { doc - previous };
                varint(&mut out, u64::from(gap));
                previous = *doc;
            }
        }
        for (_, tf, _) in list {
            varint(&mut out, u64::from(*tf));
        }
        if !NORM_COLUMNS[slot] {
            out.extend(list.iter().map(|p| p.2));
        }
    }
    out
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Gzip with a fixed header (no time, no name), so output is reproducible.
///
/// libdeflate compresses a whole buffer at once: the export writes
/// thousands of shards, most under a kilobyte, and a streaming zlib
/// compressor spent more clearing its tables between them than
/// compressing. Each thread keeps one compressor.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: RefCell<Compressor> = RefCell::new(Compressor::new(
            CompressionLvl::new(GZIP_LEVEL).unwrap_or_default(),
        ));
    }
    COMPRESSOR.with_borrow_mut(|compressor| {
        let mut out = vec![0; compressor.gzip_compress_bound(bytes.len())];
        let written = compressor
            .gzip_compress(bytes, &mut out)
            .map_err(|e| anyhow::anyhow!("cannot compress: {e:?}"))?;
        out.truncate(written);
        Ok(out)
    })
}

/// Writes the vocabulary beside the tantivy index, for the CLI's typo
/// tolerance (the same words and rules as the browser's).
pub fn write_vocabulary(analysis: &Analysis, path: &std::path::Path) -> Result<()> {
    let mut text = String::with_capacity(analysis.vocabulary.len() * 24);
    for (surface, (stem, df)) in &analysis.vocabulary {
        text.push_str(&format!("{surface}\t{stem}\t{df}\n"));
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_counted_once_across_fields() {
        let lists = [
            vec![(2, 1, 0), (9, 1, 0)],
            vec![],
            vec![(1, 1, 0), (2, 3, 0), (5, 1, 0), (9, 2, 0)],
        ];
        assert_eq!(documents_with(&lists), 4);
        assert_eq!(documents_with(&[vec![], vec![(4, 1, 0)], vec![]]), 1);
        assert_eq!(documents_with(&[vec![], vec![], vec![]]), 0);
    }

    #[test]
    fn stem_edits_round_trip() {
        assert_eq!(stem_edit("connection", "connect"), "3");
        assert_eq!(stem_edit("happy", "happi"), "1i");
        assert_eq!(stem_edit("pool", "pool"), "");
    }

    #[test]
    fn vocabulary_splits_big_prefixes() {
        let words: Vec<String> = (0..600).map(|n| format!("co{n:03}")).collect();
        let mut refs: Vec<&str> = words.iter().map(String::as_str).collect();
        refs.push("co");
        refs.push("db");
        refs.sort();
        let files = vocabulary_files(&refs);
        assert!(files.contains_key("db"));
        assert!(
            files.contains_key("co"),
            "the short word keeps the short key"
        );
        assert!(files.keys().any(|k| k.len() > 2));
        assert!(files.values().all(|v| v.len() <= VOCAB_MAX_WORDS));
        let keys: BTreeSet<String> = files.keys().cloned().collect();
        assert_eq!(vocabulary_key("co123", &keys), Some("co1"));
        assert_eq!(vocabulary_key("co", &keys), Some("co"));
    }

    #[test]
    fn hashes_match_the_client() {
        // Values checked against search.js's fnv1a.
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
    }

    #[test]
    fn gzip_is_deterministic() {
        assert_eq!(gzip(b"hello").unwrap(), gzip(b"hello").unwrap());
    }

    #[test]
    fn gzip_round_trips_with_a_reused_compressor() {
        use std::io::Read;
        // Text larger than the window, then short and empty inputs, on one
        // thread's compressor: each must decompress to itself alone.
        let long: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{} ", i * 7919 % 1000).into_bytes())
            .collect();
        for input in [&long[..], b"hello", b"", &long[..1000]] {
            let compressed = gzip(input).unwrap();
            assert_eq!(&compressed[..2], &[0x1f, 0x8b], "a gzip header");
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&compressed[..])
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, input);
        }
    }
}
