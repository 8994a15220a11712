//! Sentences for speaking: capitalisation that keeps identifiers and proper
//! nouns, sentence splitting, and long sentences cut at their joints.

use std::collections::HashSet;

use super::numbers::word_count;

/// Longest sentence, in words, before it is split for speaking.
const MAX_SENTENCE_WORDS: usize = 24;

/// Upper-cases the first letter, unless the first word is an identifier
/// such as `checkout-api` or `payments-db-1`, which keeps its spelling.
pub fn capitalise(text: &str) -> String {
    if starts_with_identifier(text) {
        return text.to_string();
    }
    recase_first(text, char::to_uppercase)
}

/// The text with its first character lower-cased.
fn lower_first(text: &str) -> String {
    recase_first(text, char::to_lowercase)
}

/// The text with its first character replaced by `case` of it (copied,
/// not collected character by character).
fn recase_first<I: Iterator<Item = char>>(text: &str, case: impl FnOnce(char) -> I) -> String {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.extend(case(first));
    out.push_str(chars.as_str());
    out
}

/// Whether the text starts with a lower-case identifier such as
/// `checkout-api`, `payments-db-1` or `query_timeout`.
fn starts_with_identifier(text: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "api", "db", "svc", "service", "worker", "proxy", "cron", "stream", "store", "app",
        "gateway", "cache", "queue", "index", "indexer", "server", "cluster", "broker", "batch",
        "export", "pipeline", "frontend", "backend", "limiter", "resizer", "shard", "node", "pool",
        "cli", "ctl", "client", "job", "bus", "lb",
    ];
    let first = text.split([' ', ',', ':', ';']).next().unwrap_or("");
    if first.chars().any(char::is_uppercase) || first.chars().count() < 3 {
        return false;
    }
    first.contains(['_', '.'])
        || (first.contains('-') && first.chars().any(|c| c.is_ascii_digit()))
        || (first.contains('-') && first.split('-').any(|part| SUFFIXES.contains(&part)))
}

/// Capitalised words used mid-sentence in a text: probably proper nouns
/// ("Patroni", "Kafka"), which keep their capital after a connector.
pub fn proper_nouns(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    mid_sentence_capitals(text, |bare| {
        out.insert(bare.to_string());
        false
    });
    out
}

/// Whether `word` is one of the [`proper_nouns`] of the texts (taken as
/// lines of one text), found without collecting them all: a story needs
/// the answer for a few words only.
pub fn is_proper_noun<'t>(texts: impl IntoIterator<Item = &'t str>, word: &str) -> bool {
    if !word.chars().next().is_some_and(char::is_uppercase) || EVERYDAY.contains(&word) {
        return false;
    }
    texts
        .into_iter()
        .any(|text| text.contains(word) && mid_sentence_capitals(text, |bare| bare == word))
}

/// Calls `found` with each capitalised word used mid-sentence (not an
/// everyday word) until it returns true; whether it did.
fn mid_sentence_capitals(text: &str, mut found: impl FnMut(&str) -> bool) -> bool {
    for line in text.lines() {
        let mut after_stop = true;
        for word in line.split_whitespace() {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
            if !after_stop
                && bare.chars().next().is_some_and(char::is_uppercase)
                && !EVERYDAY.contains(&bare)
                && found(bare)
            {
                return true;
            }
            after_stop = word.ends_with(['.', '!', '?', ':', '|', '—', '–'])
                || matches!(word, "|" | "-" | "—" | "–" | "*" | "•");
        }
    }
    false
}

/// Lower-cases the first word unless it is a name: an acronym, a
/// mixed-case word ("PgBouncer"), one of `proper`, or an identifier.
pub fn decapitalise_with(text: &str, proper: &HashSet<String>) -> String {
    decapitalise_unless(text, |word| proper.contains(word))
}

/// [`decapitalise_with`], asking `is_proper` about the first word only when
/// the answer matters.
pub fn decapitalise_unless(text: &str, is_proper: impl FnOnce(&str) -> bool) -> String {
    let first = text.split([' ', ',', ':', ';', '.']).next().unwrap_or("");
    let mut chars = first.chars();
    let lower_rest =
        chars.next().is_some_and(char::is_uppercase) && chars.all(|c| !c.is_uppercase());
    if lower_rest && first.chars().count() > 1 && !is_proper(first) {
        return lower_first(text);
    }
    if first == "A" || first == "I" {
        return if first == "A" {
            format!("a{}", &text[1..])
        } else {
            text.to_string()
        };
    }
    text.to_string()
}

/// Lower-cases the first word when it is an everyday word, for joining
/// sentences where nothing is known about the names in them.
pub fn decapitalise(text: &str) -> String {
    let first = text.split([' ', ',']).next().unwrap_or("");
    if EVERYDAY.contains(&first) {
        lower_first(text)
    } else {
        text.to_string()
    }
}

/// Everyday words that start sentences; never names.
const EVERYDAY: &[&str] = &[
    "The",
    "A",
    "An",
    "Our",
    "We",
    "It",
    "Its",
    "This",
    "That",
    "These",
    "Those",
    "They",
    "Their",
    "There",
    "All",
    "Every",
    "Some",
    "No",
    "One",
    "Two",
    "Three",
    "Customers",
    "Users",
    "Requests",
    "Traffic",
    "Errors",
    "Latency",
    "Alerts",
    "Someone",
    "Support",
    "Engineers",
    "Several",
    "Most",
    "Many",
    "After",
    "Before",
    "When",
    "While",
    "Once",
    "Incident",
    "On-call",
    "Dashboards",
    "Monitoring",
    "Rolling",
    "Disk",
    "Queue",
    "Retries",
    "Replication",
    "Clock",
    "Handoff",
    "Checkout",
    "Success",
    "Full",
    "Outbox",
    "Order",
    "Error",
    "Payments",
];

/// Splits text into sentences, then splits long sentences at natural
/// joints (semicolons, dashes, "but", "so") so each is short to say.
pub fn split_sentences(text: &str) -> Vec<String> {
    let mut pieces: Vec<&str> = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        // ASCII bytes never occur inside a multi-byte character.
        if !matches!(c, b'.' | b'!' | b'?') {
            continue;
        }
        let after = i + 1;
        if after >= bytes.len() || bytes[after] != b' ' {
            continue;
        }
        let next = text[after..].trim_start().chars().next();
        if !next.is_some_and(|n| n.is_uppercase() || n.is_ascii_digit() || n == '"' || n == '“') {
            continue;
        }
        if c == b'.' && is_abbreviation(text[start..i].rsplit(' ').next().unwrap_or("")) {
            continue;
        }
        pieces.push(text[start..=i].trim());
        start = after;
    }
    pieces.push(text[start..].trim());
    let mut sentences = Vec::with_capacity(pieces.len());
    for piece in pieces {
        if !piece.chars().any(char::is_alphabetic) {
            continue;
        }
        if word_count(piece) <= MAX_SENTENCE_WORDS {
            // What `shorten` returns for a short sentence, uncopied.
            sentences.push(finish(piece));
        } else {
            sentences.extend(shorten(piece).iter().map(|s| finish(s)));
        }
    }
    sentences
}

/// Whether the word before a full stop is an abbreviation ("e.g", "etc"),
/// in any case.
fn is_abbreviation(word: &str) -> bool {
    const ABBREVIATIONS: &[&str] = &[
        "e.g", "i.e", "vs", "etc", "approx", "cf", "no", "dr", "mr", "ms", "st",
    ];
    if word.is_ascii() {
        ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
    } else {
        // Some non-ASCII letters lower-case to ASCII ones (the Kelvin sign).
        ABBREVIATIONS.contains(&word.to_lowercase().as_str())
    }
}

/// Splits a long sentence at the joint closest to its middle.
pub(super) fn shorten(sentence: &str) -> Vec<String> {
    if word_count(sentence) <= MAX_SENTENCE_WORDS {
        return vec![sentence.to_string()];
    }
    const JOINTS: &[(&str, &str)] = &[
        ("; ", ""),
        (" — ", ""),
        (" – ", ""),
        (", but ", "But "),
        (", so ", "So "),
        (", which meant ", "That meant "),
        (", and ", ""),
        (", while ", "Meanwhile, "),
    ];
    let middle = sentence.len() / 2;
    let best = JOINTS
        .iter()
        .flat_map(|(joint, lead)| {
            sentence
                .match_indices(joint)
                .map(move |(at, _)| (at, *joint, *lead))
        })
        .filter(|(at, joint, _)| {
            word_count(&sentence[..*at]) >= 4 && word_count(&sentence[at + joint.len()..]) >= 4
        })
        .min_by_key(|(at, _, _)| at.abs_diff(middle));
    match best {
        Some((at, joint, lead)) => {
            let head = sentence[..at].trim_end_matches([',', ';']).to_string();
            let tail_text = &sentence[at + joint.len()..];
            let tail = if lead.is_empty() {
                capitalise(tail_text)
            } else {
                format!("{lead}{}", decapitalise(tail_text))
            };
            let mut out = shorten(&finish(&head));
            out.extend(shorten(&tail));
            out
        }
        None => vec![sentence.to_string()],
    }
}

/// Capitalised, ending in a full stop.
pub(super) fn finish(sentence: &str) -> String {
    let trimmed = sentence
        .trim()
        .trim_end_matches([',', ';', ':', '-', '–', '—'])
        .trim();
    let mut s = capitalise(trimmed);
    if !s.ends_with(['.', '!', '?', '"', '”']) {
        s.push('.');
    }
    s
}
