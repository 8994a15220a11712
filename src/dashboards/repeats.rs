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
//!
//! Similarity is the mean of two cosine similarities of TF-IDF vectors: of
//! the titles alone, and of the title (counted twice), summary and
//! contributing-factors text together. Titles name the failure; the longer
//! text confirms it, but alone it is diluted by each incident's details.
//! Title words found in more than a tenth of the titles (at least 5) are
//! left out of the title vector, so a house style ("Postmortem: …",
//! "… in Kubernetes") does not make every title alike.
//!
//! Text is lower-cased, split on anything that is not a letter or digit,
//! stop words and numbers dropped (except three-digit ones: HTTP status
//! codes such as 503 say a lot), and stemmed with the Snowball English
//! stemmer. Weights are `(1 + ln tf) · ln((N + 1) / df)`, vectors are
//! normalised to unit length.
//!
//! No pass compares all pairs. As in a search engine's more-like-this query,
//! each incident looks up only its [`QUERY_TERMS`] highest-weighted terms in
//! an inverted index that leaves out terms found in more than
//! [`max_postings`] incidents, accumulates partial scores, and computes the
//! exact cosine for its best [`CANDIDATES`] only. The work is linear in the
//! number of incidents.
//!
//! This is a self-contained stand-in for tantivy's more-like-this; once the
//! search stage's index is available at build time, the candidate lookup can
//! move there without changing what this module returns.

use std::collections::HashMap;

use rayon::prelude::*;
use rust_stemmers::{Algorithm, Stemmer};

use crate::archive::Archive;
use crate::incident::{Incident, SectionKind};
use crate::slug::slugify;

/// Similarity two incidents sharing a service or tag need to be a likely repeat.
pub const MIN_SIMILARITY: f32 = 0.20;
/// Similarity needed when two incidents share no service and no tag.
pub const MIN_SIMILARITY_TEXT_ONLY: f32 = 0.30;
/// How many of an incident's terms query the index.
pub const QUERY_TERMS: usize = 16;
/// How many candidates per incident get an exact cosine.
pub const CANDIDATES: usize = 8;
/// How many earlier incidents an incident page lists.
pub const MAX_EARLIER: usize = 5;

/// Terms found in more incidents than this are left out of the index: they
/// are too common to find repeats, and their postings would make the
/// lookup quadratic.
pub fn max_postings(incidents: usize) -> usize {
    (incidents / 100).max(25)
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
    /// Cosine similarity of their text, 0 to 1.
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
    let incidents = &archive.incidents;
    let count = incidents.len();
    let texts = Texts::new(incidents);
    let labels: Vec<Vec<String>> = incidents.par_iter().map(labels).collect();

    let mut pairs: HashMap<(usize, usize), RepeatPair> = HashMap::new();
    for pair in similar_pairs(&texts, &labels) {
        pairs.insert((pair.later, pair.earlier), pair);
    }
    for (index, incident) in incidents.iter().enumerate() {
        for id in &incident.recurrence_of {
            let Some(&other) = archive.by_id.get(id) else {
                continue;
            };
            if other == index {
                continue;
            }
            let (later, earlier) = (index.min(other), index.max(other));
            let similarity = texts.similarity(later, earlier);
            pairs.insert(
                (later, earlier),
                RepeatPair {
                    earlier,
                    later,
                    similarity,
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
            list.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(b.2.total_cmp(&a.2))
                    .then(a.0.cmp(&b.0))
            });
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

/// Services and tags of an incident, as slugs with a kind prefix, sorted.
fn labels(incident: &Incident) -> Vec<String> {
    let mut labels: Vec<String> = incident
        .services
        .iter()
        .map(|s| format!("s:{}", slugify(s)))
        .chain(incident.tags.iter().map(|t| format!("t:{}", slugify(t))))
        .filter(|l| l.len() > 2)
        .collect();
    labels.sort_unstable();
    labels.dedup();
    labels
}

fn share_a_label(a: &[String], b: &[String]) -> bool {
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
fn accept(similarity: f32, a: &[String], b: &[String]) -> bool {
    if share_a_label(a, b) {
        similarity >= MIN_SIMILARITY
    } else {
        similarity >= MIN_SIMILARITY_TEXT_ONLY
    }
}

/// A unit-length sparse vector, sorted by term.
type Vector = Vec<(u64, f32)>;

/// The text of every incident as vectors, for similarity.
struct Texts {
    /// Title (twice), summary and contributing factors.
    full: Vec<Vector>,
    /// Title alone, without words common to many titles.
    title: Vec<Vector>,
}

impl Texts {
    fn new(incidents: &[Incident]) -> Texts {
        let (title_counts, full_counts): (Vec<_>, Vec<_>) = incidents
            .par_iter()
            .map_init(Tokenizer::new, |tokenizer, incident| {
                tokenizer.term_counts(incident)
            })
            .unzip();
        let title_cap = (incidents.len() / 10).max(5);
        Texts {
            full: tfidf(full_counts, usize::MAX),
            title: tfidf(title_counts, title_cap),
        }
    }

    /// Similarity of two incidents' text, 0 to 1.
    fn similarity(&self, a: usize, b: usize) -> f32 {
        (cosine(&self.title[a], &self.title[b]) + cosine(&self.full[a], &self.full[b])) / 2.0
    }
}

/// Unit-length TF-IDF vectors, leaving out terms in more than `max_df` documents.
fn tfidf(counts: Vec<Vec<(u64, u32)>>, max_df: usize) -> Vec<Vector> {
    let df = document_frequencies(&counts);
    let total = (counts.len() + 1) as f32;
    counts
        .into_par_iter()
        .map(|terms| {
            let mut vector: Vector = terms
                .into_iter()
                .filter_map(|(term, tf)| {
                    let df = df.get(&term).copied().unwrap_or(1);
                    if df as usize > max_df {
                        return None;
                    }
                    let idf = (total / df as f32).ln();
                    Some((term, (1.0 + (tf as f32).ln()) * idf))
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

fn document_frequencies(counts: &[Vec<(u64, u32)>]) -> HashMap<u64, u32> {
    let mut df: HashMap<u64, u32> = HashMap::new();
    for terms in counts {
        for (term, _) in terms {
            *df.entry(*term).or_default() += 1;
        }
    }
    df
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
fn similar_pairs(texts: &Texts, labels: &[Vec<String>]) -> Vec<RepeatPair> {
    let vectors = &texts.full;
    let cap = max_postings(vectors.len());
    let mut postings: HashMap<u64, Vec<(u32, f32)>> = HashMap::new();
    for (doc, vector) in vectors.iter().enumerate() {
        for &(term, weight) in vector {
            postings.entry(term).or_default().push((doc as u32, weight));
        }
    }
    postings.retain(|_, list| list.len() >= 2 && list.len() <= cap);

    let mut found: Vec<RepeatPair> = (0..vectors.len())
        .into_par_iter()
        .map_init(
            || (vec![0.0f32; vectors.len()], Vec::<u32>::new()),
            |(scores, touched), doc| {
                // The strongest terms, and every title term: titles name the failure.
                let mut query: Vec<&(u64, f32)> = vectors[doc]
                    .iter()
                    .filter(|(term, _)| postings.contains_key(term))
                    .collect();
                query.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let title = &texts.title[doc];
                let mut n = 0;
                query.retain(|(term, _)| {
                    n += 1;
                    n <= QUERY_TERMS || title.binary_search_by_key(term, |t| t.0).is_ok()
                });
                for &&(term, weight) in &query {
                    for &(other, other_weight) in &postings[&term] {
                        if other as usize == doc {
                            continue;
                        }
                        if scores[other as usize] == 0.0 {
                            touched.push(other);
                        }
                        scores[other as usize] += weight * other_weight;
                    }
                }
                let mut candidates: Vec<(u32, f32)> =
                    touched.iter().map(|&o| (o, scores[o as usize])).collect();
                for &o in touched.iter() {
                    scores[o as usize] = 0.0;
                }
                touched.clear();
                candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                candidates.truncate(CANDIDATES);
                candidates
                    .into_iter()
                    .filter_map(|(other, _)| {
                        let other = other as usize;
                        let similarity = texts.similarity(doc, other);
                        accept(similarity, &labels[doc], &labels[other]).then(|| RepeatPair {
                            earlier: doc.max(other),
                            later: doc.min(other),
                            similarity,
                            explicit: false,
                        })
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
        let (a, b) = (root(&mut parent, pair.earlier), root(&mut parent, pair.later));
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
struct Tokenizer {
    stemmer: Stemmer,
    /// Hash of a lower-cased word → hash of its stem, `None` for stop words.
    cache: HashMap<u64, Option<u64>>,
    word: String,
    counts: HashMap<u64, u32>,
}

impl Tokenizer {
    fn new() -> Tokenizer {
        Tokenizer {
            stemmer: Stemmer::create(Algorithm::English),
            cache: HashMap::new(),
            word: String::new(),
            counts: HashMap::new(),
        }
    }

    /// Term counts of the title, and of the whole text repeats are judged
    /// on, each sorted by term.
    fn term_counts(&mut self, incident: &Incident) -> (Vec<(u64, u32)>, Vec<(u64, u32)>) {
        self.counts.clear();
        self.add(&incident.title);
        let mut title: Vec<(u64, u32)> = self.counts.iter().map(|(&t, &n)| (t, n)).collect();
        title.sort_unstable();
        self.add(&incident.title);
        self.add(&incident.summary);
        for section in incident
            .sections
            .iter()
            .filter(|s| s.kind == SectionKind::ContributingFactors)
        {
            self.add(&section.text);
        }
        let mut terms: Vec<(u64, u32)> = self.counts.drain().collect();
        terms.sort_unstable();
        (title, terms)
    }

    fn add(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_alphanumeric() {
                self.word.extend(c.to_lowercase());
            } else if !self.word.is_empty() {
                self.flush();
            }
        }
        if !self.word.is_empty() {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let word = std::mem::take(&mut self.word);
        let digits = word.bytes().all(|b| b.is_ascii_digit());
        let keep = if digits {
            word.len() == 3
        } else {
            word.chars().count() >= 3
        };
        if keep {
            let key = fnv1a(word.as_bytes());
            let term = *self.cache.entry(key).or_insert_with(|| {
                (!STOP_WORDS.contains(&word.as_str()))
                    .then(|| fnv1a(self.stemmer.stem(&word).as_bytes()))
            });
            if let Some(term) = term {
                *self.counts.entry(term).or_default() += 1;
            }
        }
        self.word = word;
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
    "because", "been", "before", "being", "below", "between", "both", "but", "can", "could",
    "did", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had",
    "has", "have", "having", "her", "here", "hers", "him", "his", "how", "into", "its",
    "itself", "just", "more", "most", "not", "now", "off", "once", "only", "other", "our",
    "ours", "out", "over", "own", "same", "she", "should", "some", "such", "than", "that",
    "the", "their", "them", "then", "there", "these", "they", "this", "those", "through",
    "too", "under", "until", "very", "was", "were", "what", "when", "where", "which", "while",
    "who", "whom", "why", "will", "with", "would", "you", "your",
]);

struct StopWords(&'static [&'static str]);

impl StopWords {
    fn contains(&self, word: &&str) -> bool {
        self.0.binary_search(word).is_ok()
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
        let mut tokenizer = Tokenizer::new();
        tokenizer.add("The certificates expired at 00:00; all services returned 503.");
        let stem = |w: &str| fnv1a(w.as_bytes());
        let counts = &tokenizer.counts;
        assert!(counts.contains_key(&stem("certif")));
        assert!(counts.contains_key(&stem("expir")));
        assert!(counts.contains_key(&stem("503")));
        assert!(!counts.contains_key(&stem("00")));
        assert!(!counts.contains_key(&stem("the")));
        assert!(!counts.contains_key(&stem("all")));
    }

    #[test]
    fn shared_labels_lower_the_bar() {
        let a = vec!["s:payments-db".to_string(), "t:database".to_string()];
        let b = vec!["t:database".to_string()];
        let c = vec!["s:cdn".to_string()];
        assert!(share_a_label(&a, &b));
        assert!(!share_a_label(&a, &c));
        assert!(accept(0.25, &a, &b));
        assert!(!accept(0.25, &a, &c));
        assert!(!accept(0.25, &a, &[]));
        assert!(accept(0.35, &a, &c));
        assert!(accept(0.35, &a, &[]));
    }
}

/// TEMPORARY analysis helper: every pair's similarity and label overlap.
#[doc(hidden)]
pub fn analysis_all_pairs(archive: &Archive) -> Vec<(usize, usize, f32, f32, f32, bool)> {
    let t = Texts::new(&archive.incidents);
    let labels: Vec<Vec<String>> = archive.incidents.iter().map(labels).collect();
    let mut out = Vec::new();
    for a in 0..t.full.len() {
        for b in a + 1..t.full.len() {
            out.push((a, b, t.similarity(a, b), cosine(&t.title[a], &t.title[b]), cosine(&t.full[a], &t.full[b]), accept(t.similarity(a, b), &labels[a], &labels[b])));
        }
    }
    out.sort_by(|x, y| y.2.total_cmp(&x.2));
    out
}
