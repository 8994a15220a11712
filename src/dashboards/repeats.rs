//! Repeat incidents: which failures keep coming back.
//!
//! Input: the [`Archive`]. Output: [`Repeats`] — likely-repeat pairs, for
//! each incident the earlier incidents it may repeat ("this may have
//! happened before"), and clusters of incidents that are one recurring
//! failure.
//!
//! A pair of incidents is a likely repeat when
//!
//! - one names the other in `recurrence_of` (an author's word always counts), or
//! - their text is similar and they share a service or a tag: similarity
//!   at least [`MIN_SIMILARITY`]; or their text is very similar, at least
//!   [`MIN_SIMILARITY_TEXT_ONLY`], when they share neither (imported
//!   archives often have no services or tags, or only a coarse category).
//!   A tag on more than [`max_common`] incidents (`database` in a big
//!   archive) is too broad to count as shared.
//!
//! Similarity is the mean of two cosine similarities of TF-IDF vectors: of
//! the titles alone, and of the title (counted twice), summary and
//! contributing-factors text together. Titles name the failure; the longer
//! text confirms it, but alone it is diluted by each incident's details.
//! Words of service names (`payments`, `checkout`) are left out of the text:
//! which system was hit is what shared services measure, and the text
//! should say whether it failed the same way. Title words in more than half
//! of the titles (a house style: "Postmortem: …") are left out as well.
//!
//! Text is lower-cased, split on anything that is not a letter or digit,
//! stop words and numbers dropped (except three-digit ones: HTTP status
//! codes such as 503 say a lot), and stemmed with the Snowball English
//! stemmer. Weights are `(1 + ln tf) · ln((N + 1) / df)`; vectors are
//! normalised to unit length.
//!
//! No pass compares all pairs. As in a search engine's more-like-this query,
//! each incident looks up its [`QUERY_TERMS`] highest-weighted terms (and
//! every title term) in an inverted index that leaves out terms found in
//! more than [`max_common`] incidents, accumulates partial scores, and
//! computes the exact similarity for its best [`CANDIDATES`] only. The work
//! is linear in the number of incidents.
//!
//! This is a self-contained stand-in for tantivy's more-like-this; once the
//! search stage's index is available at build time, the candidate lookup can
//! move there without changing what this module returns.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use rust_stemmers::{Algorithm, Stemmer};

use crate::archive::Archive;
use crate::incident::{Incident, SectionKind};

/// Similarity two incidents sharing a service or tag need to be a likely repeat.
pub const MIN_SIMILARITY: f32 = 0.20;
/// Similarity needed when two incidents share no service and no tag.
pub const MIN_SIMILARITY_TEXT_ONLY: f32 = 0.30;
/// How many of an incident's terms query the index (title terms come on top).
pub const QUERY_TERMS: usize = 16;
/// How many candidates per incident get an exact similarity.
pub const CANDIDATES: usize = 8;
/// How many earlier incidents an incident page lists.
pub const MAX_EARLIER: usize = 5;

/// Terms and tags found in more incidents than this are too common to find
/// repeats: terms are left out of the candidate index (their postings would
/// make the lookup quadratic), tags do not count as shared.
pub fn max_common(incidents: usize) -> usize {
    (incidents / 20).max(50)
}

/// Likely repeat incidents in an archive.
#[derive(Debug, Default)]
pub struct Repeats {
    /// Every likely-repeat pair, by later then earlier incident.
    pub pairs: Vec<RepeatPair>,
    /// For each incident, earlier incidents it may repeat, most likely first
    /// (explicit `recurrence_of` links, then by similarity).
    pub earlier: Vec<Vec<usize>>,
    /// For each incident, later incidents that may repeat it, newest first.
    pub later: Vec<Vec<usize>>,
    /// Groups of incidents linked by likely-repeat pairs, largest first.
    pub clusters: Vec<Cluster>,
}

/// Two incidents that look like the same failure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepeatPair {
    /// Index of the older incident in `Archive::incidents`.
    pub earlier: usize,
    /// Index of the newer incident.
    pub later: usize,
    /// Similarity of their text, 0 to 1.
    pub similarity: f32,
    /// Linked by `recurrence_of`.
    pub explicit: bool,
}

/// Incidents connected by likely-repeat pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Indexes into `Archive::incidents`, oldest first.
    pub incidents: Vec<usize>,
}

/// For each incident, the earlier incidents it may repeat, most likely first:
/// what an incident page shows under "This may have happened before".
pub fn repeat_candidates(archive: &Archive) -> Vec<Vec<usize>> {
    detect(archive).earlier
}

/// Finds likely repeats in the archive.
pub fn detect(archive: &Archive) -> Repeats {
    detect_in(archive, &RepeatText::of(archive))
}

/// The words of each incident that repeat detection compares, read once
/// and kept by serve: after an edit, only the edited incident is read
/// again ([`RepeatText::update`]) before [`detect_in`].
pub struct RepeatText {
    /// Per incident: the terms of its title, and of its whole compared text.
    counts: Vec<(TermCounts, TermCounts)>,
}

impl RepeatText {
    pub fn of(archive: &Archive) -> RepeatText {
        let excluded = service_words(archive);
        let counts = archive
            .incidents
            .par_iter()
            .map_init(
                || Tokenizer::new(&excluded),
                |tokenizer, incident| tokenizer.term_counts(incident),
            )
            .collect();
        RepeatText { counts }
    }

    /// Reads incident `index` of `archive` again, after an edit that left
    /// the archive's services as they were (their words are left out).
    pub fn update(&mut self, archive: &Archive, index: usize) {
        let (Some(incident), Some(counts)) =
            (archive.incidents.get(index), self.counts.get_mut(index))
        else {
            return;
        };
        let excluded = service_words(archive);
        *counts = Tokenizer::new(&excluded).term_counts(incident);
    }
}

/// [`detect`] from the text of `archive` read before.
pub fn detect_in(archive: &Archive, text: &RepeatText) -> Repeats {
    let count = archive.incidents.len();
    let corpus = Corpus::new(archive, text);
    let labels = labels(archive);

    let mut pairs: HashMap<(usize, usize), RepeatPair> = similar_pairs(&corpus, &labels)
        .into_iter()
        .map(|p| ((p.later, p.earlier), p))
        .collect();
    for (index, incident) in archive.incidents.iter().enumerate() {
        for id in &incident.recurrence_of {
            let Some(&other) = archive.by_id.get(id) else {
                continue;
            };
            if other == index {
                continue;
            }
            let (later, earlier) = (index.min(other), index.max(other));
            pairs.insert(
                (later, earlier),
                RepeatPair {
                    earlier,
                    later,
                    similarity: corpus.similarity(later, earlier),
                    explicit: true,
                },
            );
        }
    }
    let mut pairs: Vec<RepeatPair> = pairs.into_values().collect();
    pairs.sort_by_key(|p| (p.later, p.earlier));

    let mut earlier: Vec<Vec<(usize, bool, f32)>> = vec![Vec::new(); count];
    let mut later: Vec<Vec<usize>> = vec![Vec::new(); count];
    for pair in &pairs {
        earlier[pair.later].push((pair.earlier, pair.explicit, pair.similarity));
        later[pair.earlier].push(pair.later);
    }
    let earlier = earlier
        .into_iter()
        .map(|mut list| {
            list.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
            list.truncate(MAX_EARLIER);
            list.into_iter().map(|(i, _, _)| i).collect()
        })
        .collect();
    for list in &mut later {
        list.sort_unstable();
    }
    let clusters = clusters(count, &pairs);
    Repeats {
        pairs,
        earlier,
        later,
        clusters,
    }
}

impl Repeats {
    /// The pair linking two incidents, in either order.
    pub fn pair(&self, a: usize, b: usize) -> Option<&RepeatPair> {
        let key = (a.min(b), a.max(b));
        self.pairs
            .binary_search_by_key(&key, |p| (p.later, p.earlier))
            .ok()
            .map(|i| &self.pairs[i])
    }

    /// Whether an incident looks like a repeat of an earlier one.
    pub fn is_repeat(&self, index: usize) -> bool {
        self.earlier.get(index).is_some_and(|e| !e.is_empty())
    }
}

/// Per incident: the ids of its services and of its not-too-common tags
/// (sorted), and whether it has any service or tag at all.
struct Labels {
    ids: Vec<Vec<u32>>,
}

fn labels(archive: &Archive) -> Labels {
    let mut ids: Vec<Vec<u32>> = vec![Vec::new(); archive.incidents.len()];
    let common = max_common(archive.incidents.len());
    let mut next: u32 = 0;
    for (key, capped) in [("services", false), ("tags", true)] {
        let Some(taxonomy) = archive.taxonomy(key) else {
            continue;
        };
        for term in &taxonomy.terms {
            if !(capped && term.incidents.len() > common) {
                for &i in &term.incidents {
                    ids[i].push(next);
                }
            }
            next += 1;
        }
    }
    for list in &mut ids {
        list.sort_unstable();
    }
    Labels { ids }
}

fn share_a_label(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Whether two incidents with this similarity and these labels are a likely repeat.
fn accept(similarity: f32, a: &[u32], b: &[u32]) -> bool {
    if share_a_label(a, b) {
        similarity >= MIN_SIMILARITY
    } else {
        similarity >= MIN_SIMILARITY_TEXT_ONLY
    }
}

/// A unit-length sparse vector: (term id, weight), sorted by term id.
type Vector = Vec<(u32, f32)>;

/// How often each term (by hash) occurs in a text, sorted by hash.
type TermCounts = Vec<(u64, u32)>;

/// Term hashes are already FNV-1a hashes: use them as they are.
#[derive(Default)]
struct TermHasher(u64);

impl Hasher for TermHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes.iter().fold(self.0, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type TermMap<V> = HashMap<u64, V, BuildHasherDefault<TermHasher>>;
type TermSet = HashSet<u64, BuildHasherDefault<TermHasher>>;

/// The text of every incident as vectors over one vocabulary.
struct Corpus {
    /// Title (twice), summary and contributing factors.
    full: Vec<Vector>,
    /// Title alone.
    title: Vec<Vector>,
    /// Incidents whose full text has each term.
    full_df: Vec<u32>,
}

/// The text of an incident that similarity compares: its title (which
/// also counts on its own), summary and contributing factors.
fn compared_text(incident: &Incident) -> impl Iterator<Item = &str> {
    let factors = incident
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::ContributingFactors)
        .map(|s| s.text.as_str());
    [incident.title.as_str(), incident.summary.as_str()]
        .into_iter()
        .chain(factors)
}

/// Whether two versions of an incident give repeat detection the same
/// text (serve asks, to know whether an edit can change repeats).
pub fn same_text(a: &Incident, b: &Incident) -> bool {
    compared_text(a).eq(compared_text(b))
}

impl Corpus {
    fn new(archive: &Archive, text: &RepeatText) -> Corpus {
        let incidents = &archive.incidents;
        // Dense ids, in order of first appearance (deterministic).
        let mut vocabulary: TermMap<u32> = TermMap::default();
        let mut intern = |list: &TermCounts| -> Vec<(u32, u32)> {
            let mut ids: Vec<(u32, u32)> = list
                .iter()
                .map(|&(hash, n)| {
                    let next = vocabulary.len() as u32;
                    (*vocabulary.entry(hash).or_insert(next), n)
                })
                .collect();
            ids.sort_unstable();
            ids
        };
        let (titles, fulls): (Vec<_>, Vec<_>) = text
            .counts
            .iter()
            .map(|(title, full)| (intern(title), intern(full)))
            .unzip();
        let size = vocabulary.len();
        let full_df = frequencies(&fulls, size);
        let title_df = frequencies(&titles, size);
        let house_style = (incidents.len() / 10).max(5);
        Corpus {
            full: tfidf(fulls, &full_df, usize::MAX),
            title: tfidf(titles, &title_df, house_style),
            full_df,
        }
    }

    /// Similarity of two incidents' text, 0 to 1.
    fn similarity(&self, a: usize, b: usize) -> f32 {
        (cosine(&self.title[a], &self.title[b]) * cosine(&self.full[a], &self.full[b])).sqrt()
    }
}

/// Stems of the words in service names, left out of the text.
fn service_words(archive: &Archive) -> TermSet {
    let mut words = TermSet::default();
    let Some(services) = archive.taxonomy("services") else {
        return words;
    };
    let none = TermSet::default();
    let mut tokenizer = Tokenizer::new(&none);
    for term in &services.terms {
        tokenizer.add(&term.name);
        words.extend(tokenizer.counts.drain().map(|(term, _)| term));
    }
    words
}

fn frequencies(docs: &[Vec<(u32, u32)>], size: usize) -> Vec<u32> {
    let mut df = vec![0u32; size];
    for doc in docs {
        for &(term, _) in doc {
            df[term as usize] += 1;
        }
    }
    df
}

/// Unit-length TF-IDF vectors, leaving out terms in more than `max_df` documents.
fn tfidf(docs: Vec<Vec<(u32, u32)>>, df: &[u32], max_df: usize) -> Vec<Vector> {
    let total = (docs.len() + 1) as f32;
    docs.into_par_iter()
        .map(|terms| {
            let mut vector: Vector = terms
                .into_iter()
                .filter(|&(term, _)| (df[term as usize] as usize) <= max_df)
                .map(|(term, tf)| {
                    let idf = (total / df[term as usize] as f32).ln();
                    (term, (1.0 + (tf as f32).ln()) * idf)
                })
                .filter(|(_, w)| *w > 0.0)
                .collect();
            let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (_, w) in &mut vector {
                    *w /= norm;
                }
            }
            vector
        })
        .collect()
}

fn cosine(a: &Vector, b: &Vector) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum.min(1.0)
}

/// Likely-repeat pairs found by text similarity (each pair once).
fn similar_pairs(corpus: &Corpus, labels: &Labels) -> Vec<RepeatPair> {
    let vectors = &corpus.full;
    let count = vectors.len();
    let cap = max_common(count) as u32;
    let indexed = |term: u32| (2..=cap).contains(&corpus.full_df[term as usize]);
    let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); corpus.full_df.len()];
    for (doc, vector) in vectors.iter().enumerate() {
        for &(term, weight) in vector {
            if indexed(term) {
                postings[term as usize].push((doc as u32, weight));
            }
        }
    }

    let mut found: Vec<RepeatPair> = (0..count)
        .into_par_iter()
        .map_init(
            || {
                (
                    vec![0.0f32; count],
                    Vec::<u32>::new(),
                    Vec::<(u32, f32)>::new(),
                )
            },
            |(scores, touched, query), doc| {
                // The strongest terms, and every title term: titles name the failure.
                query.clear();
                query.extend(vectors[doc].iter().filter(|(term, _)| indexed(*term)));
                query.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let title = &corpus.title[doc];
                let mut n = 0;
                query.retain(|(term, _)| {
                    n += 1;
                    n <= QUERY_TERMS || title.binary_search_by_key(term, |t| t.0).is_ok()
                });
                for &(term, weight) in query.iter() {
                    for &(other, other_weight) in &postings[term as usize] {
                        let slot = &mut scores[other as usize];
                        if *slot == 0.0 {
                            touched.push(other);
                        }
                        *slot += weight * other_weight;
                    }
                }
                let mut candidates: Vec<(u32, f32)> = touched
                    .iter()
                    .filter(|&&o| o as usize != doc)
                    .map(|&o| (o, scores[o as usize]))
                    .collect();
                for &o in touched.iter() {
                    scores[o as usize] = 0.0;
                }
                touched.clear();
                if candidates.len() > CANDIDATES {
                    candidates.select_nth_unstable_by(CANDIDATES, |a, b| {
                        b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
                    });
                    candidates.truncate(CANDIDATES);
                }
                candidates
                    .into_iter()
                    .filter_map(|(other, _)| {
                        let other = other as usize;
                        let similarity = corpus.similarity(doc, other);
                        accept(similarity, &labels.ids[doc], &labels.ids[other]).then_some(
                            RepeatPair {
                                earlier: doc.max(other),
                                later: doc.min(other),
                                similarity,
                                explicit: false,
                            },
                        )
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten()
        .collect();
    found.sort_by_key(|p| (p.later, p.earlier));
    found.dedup_by_key(|p| (p.later, p.earlier));
    found
}

/// Connected components of the repeat pairs (union–find), largest first,
/// then the one with the most recent incident.
fn clusters(count: usize, pairs: &[RepeatPair]) -> Vec<Cluster> {
    let mut parent: Vec<usize> = (0..count).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for pair in pairs {
        let (a, b) = (
            root(&mut parent, pair.earlier),
            root(&mut parent, pair.later),
        );
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for pair in pairs {
        for i in [pair.earlier, pair.later] {
            groups.entry(root(&mut parent, i)).or_default().push(i);
        }
    }
    let mut clusters: Vec<Cluster> = groups
        .into_values()
        .map(|mut members| {
            members.sort_unstable_by(|a, b| b.cmp(a));
            members.dedup();
            Cluster { incidents: members }
        })
        .collect();
    clusters.sort_by(|a, b| {
        b.incidents
            .len()
            .cmp(&a.incidents.len())
            .then(a.incidents.last().cmp(&b.incidents.last()))
    });
    clusters
}

/// Splits text into stemmed term hashes, remembering each word's stem.
struct Tokenizer<'a> {
    stemmer: Stemmer,
    /// Hash of a lower-cased word → hash of its stem, `None` for words left out.
    cache: TermMap<Option<u64>>,
    /// Stems left out (the words of service names).
    excluded: &'a TermSet,
    word: String,
    counts: TermMap<u32>,
}

impl<'a> Tokenizer<'a> {
    fn new(excluded: &'a TermSet) -> Tokenizer<'a> {
        Tokenizer {
            stemmer: Stemmer::create(Algorithm::English),
            cache: TermMap::default(),
            excluded,
            word: String::new(),
            counts: TermMap::default(),
        }
    }

    /// Term counts of the title, and of the whole text repeats are judged
    /// on, each sorted by term hash.
    fn term_counts(&mut self, incident: &Incident) -> (TermCounts, TermCounts) {
        self.counts.clear();
        self.add(&incident.title);
        let mut title: TermCounts = self.counts.iter().map(|(&t, &n)| (t, n)).collect();
        title.sort_unstable();
        for text in compared_text(incident) {
            self.add(text);
        }
        let mut terms: TermCounts = self.counts.drain().collect();
        terms.sort_unstable();
        (title, terms)
    }

    fn add(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii() {
                // The common case, without decoding characters.
                if b.is_ascii_alphanumeric() {
                    self.word.push(b.to_ascii_lowercase() as char);
                } else if !self.word.is_empty() {
                    self.flush();
                }
                i += 1;
            } else {
                let c = text[i..].chars().next().unwrap_or(' ');
                if c.is_alphanumeric() {
                    self.word.extend(c.to_lowercase());
                } else if !self.word.is_empty() {
                    self.flush();
                }
                i += c.len_utf8();
            }
        }
        if !self.word.is_empty() {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let word = &self.word;
        let keep = if word.bytes().all(|b| b.is_ascii_digit()) {
            word.len() == 3
        } else {
            word.len() >= 3 && word.chars().nth(2).is_some()
        };
        if keep {
            let key = fnv1a(word.as_bytes());
            let term = match self.cache.get(&key) {
                Some(&term) => term,
                None => {
                    let stem = fnv1a(self.stemmer.stem(word).as_bytes());
                    let term = (!STOP_WORDS.contains(word) && !self.excluded.contains(&stem))
                        .then_some(stem);
                    self.cache.insert(key, term);
                    term
                }
            };
            if let Some(term) = term {
                *self.counts.entry(term).or_default() += 1;
            }
        }
        self.word.clear();
    }
}

/// 64-bit FNV-1a: a stable hash, so term ids are the same on every run.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// English words too common to say what an incident was about (sorted, for
/// binary search).
const STOP_WORDS: StopWords = StopWords(&[
    "about", "above", "after", "again", "against", "all", "also", "and", "any", "are", "aren",
    "because", "been", "before", "being", "below", "between", "both", "but", "can", "could", "did",
    "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
    "have", "having", "her", "here", "hers", "him", "his", "how", "into", "its", "itself", "just",
    "more", "most", "not", "now", "off", "once", "only", "other", "our", "ours", "out", "over",
    "own", "same", "she", "should", "some", "such", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "through", "too", "under", "until", "very", "was",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "you", "your",
]);

struct StopWords(&'static [&'static str]);

impl StopWords {
    fn contains(&self, word: &str) -> bool {
        self.0.binary_search(&word).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted() {
        assert!(STOP_WORDS.0.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn tokenizer_stems_and_drops_noise() {
        let excluded: TermSet = [fnv1a(b"payment")].into_iter().collect();
        let mut tokenizer = Tokenizer::new(&excluded);
        tokenizer.add("The certificates expired at 00:00; all services returned 503 to payments.");
        let stem = |w: &str| fnv1a(w.as_bytes());
        let counts = &tokenizer.counts;
        assert!(counts.contains_key(&stem("certif")));
        assert!(counts.contains_key(&stem("expir")));
        assert!(counts.contains_key(&stem("503")));
        assert!(!counts.contains_key(&stem("00")));
        assert!(!counts.contains_key(&stem("the")));
        assert!(!counts.contains_key(&stem("all")));
        assert!(
            !counts.contains_key(&stem("payment")),
            "service words are left out"
        );
    }

    #[test]
    fn shared_labels_lower_the_bar() {
        let (a, b, c) = (vec![1, 4], vec![4], vec![7]);
        assert!(share_a_label(&a, &b));
        assert!(!share_a_label(&a, &c));
        assert!(accept(0.25, &a, &b));
        assert!(!accept(0.25, &a, &c));
        assert!(!accept(0.25, &a, &[]));
        assert!(accept(0.35, &a, &c));
        assert!(accept(0.35, &a, &[]));
    }
}
