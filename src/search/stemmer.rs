//! The English stemmer of the search analyzer, with a memo: tantivy's own
//! `Stemmer` filter (the same Snowball algorithm, from the same `frostem`
//! crate) runs the algorithm for every token, and an archive repeats its
//! words: 4.6 million tokens but 25,000 distinct words in 10,000
//! postmortems, where stemming was a fifth of the index's time.
//!
//! Each analyzer instance (tantivy clones one per indexing thread) keeps
//! its own memo, so there is no lock on the way of a token. A recording
//! stemmer also adds each new word of its memo to a shared [`Words`]: the
//! static export's vocabulary, gathered while indexing rather than by a
//! second pass over the archive's text.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

use frostem::Algorithm;
use rustc_hash::FxHashMap;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Distinct words remembered before the memo starts over, which bounds
/// its memory on an archive of many rare words.
const MEMO_WORDS: usize = 200_000;

/// Every word a recording stemmer was given (lowercased, stop words
/// already removed), with its stem.
#[derive(Clone, Default)]
pub struct Words(Arc<Mutex<FxHashMap<String, String>>>);

impl Words {
    fn insert(&self, word: &str, stem: &str) {
        let mut words = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        words.insert(word.to_string(), stem.to_string());
    }

    /// The words recorded so far.
    pub fn take(&self) -> FxHashMap<String, String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The token filter: stems each token as tantivy's English `Stemmer` does.
#[derive(Clone, Default)]
pub struct MemoStemmer {
    words: Option<Words>,
}

impl MemoStemmer {
    /// A stemmer that also records each distinct word into `words`.
    pub fn recording(words: Words) -> MemoStemmer {
        MemoStemmer { words: Some(words) }
    }
}

impl TokenFilter for MemoStemmer {
    type Tokenizer<T: Tokenizer> = MemoStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MemoStemmerFilter<T> {
        MemoStemmerFilter {
            inner: tokenizer,
            memo: FxHashMap::default(),
            words: self.words,
        }
    }
}

#[derive(Clone)]
pub struct MemoStemmerFilter<T> {
    inner: T,
    /// Word → its stem, or None when the stem is the word itself.
    memo: FxHashMap<String, Option<String>>,
    words: Option<Words>,
}

impl<T: Tokenizer> Tokenizer for MemoStemmerFilter<T> {
    type TokenStream<'a> = MemoStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        if self.memo.len() > MEMO_WORDS {
            self.memo.clear();
        }
        MemoStemmerStream {
            tail: self.inner.token_stream(text),
            memo: &mut self.memo,
            words: self.words.as_ref(),
            stemmer: frostem::Stemmer::new(Algorithm::English),
        }
    }
}

pub struct MemoStemmerStream<'a, T> {
    tail: T,
    memo: &'a mut FxHashMap<String, Option<String>>,
    words: Option<&'a Words>,
    stemmer: frostem::Stemmer,
}

impl<T: TokenStream> TokenStream for MemoStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        match self.memo.get(&token.text) {
            Some(Some(stem)) => token.text.clone_from(stem),
            Some(None) => {}
            None => match self.stemmer.stem(&token.text) {
                Cow::Owned(stem) => {
                    let word = std::mem::replace(&mut token.text, stem);
                    if let Some(words) = self.words {
                        words.insert(&word, &token.text);
                    }
                    self.memo.insert(word, Some(token.text.clone()));
                }
                Cow::Borrowed(_) => {
                    if let Some(words) = self.words {
                        words.insert(&token.text, &token.text);
                    }
                    self.memo.insert(token.text.clone(), None);
                }
            },
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};

    use super::*;

    fn stems(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn stems_as_tantivys_stemmer_twice_over() {
        let text = "Connections were pooled; the pool's connection retries \
                    happily exhausted retrying pools. Zürich caches cached caching";
        let mut ours = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(MemoStemmer::default())
            .build();
        let mut theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::default())
            .build();
        let expected = stems(&mut theirs, text);
        assert!(expected.contains(&"connect".to_string()));
        // The second pass answers from the memo.
        assert_eq!(stems(&mut ours, text), expected);
        assert_eq!(stems(&mut ours, text), expected);
    }

    #[test]
    fn recording_keeps_every_distinct_word_with_its_stem() {
        let words = Words::default();
        let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(MemoStemmer::recording(words.clone()))
            .build();
        stems(&mut analyzer, "Pools pooled the POOL");
        // Recorded on the memo's first sight, so a clone (tantivy's per
        // thread) records into the same words.
        let mut clone = analyzer.clone();
        stems(&mut clone, "pools retrying");
        let mut recorded: Vec<(String, String)> = words.take().into_iter().collect();
        recorded.sort();
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(w, s)| (w.to_string(), s.to_string()))
                .collect()
        };
        assert_eq!(
            recorded,
            pairs(&[
                ("pool", "pool"),
                ("pooled", "pool"),
                ("pools", "pool"),
                ("retrying", "retri"),
                ("the", "the"),
            ])
        );
    }
}
