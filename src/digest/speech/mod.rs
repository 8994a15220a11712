//! Digest speech: turns postmortem prose into text that reads well aloud.
//!
//! Input: plain text from the postmortem (sections, timeline events, front
//! matter) and the archive's people and glossary. Output: short sentences
//! with no URLs, tables, raw timestamps or person names; numbers, dates and
//! durations in words; acronyms spelled out on first use per digest.
//!
//! Everything here is a pure function of its input, so digests are
//! deterministic.
//!
//! - [`numbers`]: numbers, dates, durations and clock times in words;
//! - [`glossary`]: acronyms spelled out on first use;
//! - [`sentences`]: capitalisation and sentence splitting;
//! - this module: the [`Speaker`], which cleans prose (names, URLs,
//!   timestamps, symbols) using the three.

mod glossary;
mod numbers;
mod scan;
mod sentences;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::LazyLock;

use jiff::SignedDuration;
use jiff::civil::Date;
use regex::{Captures, Regex};

use crate::archive::Archive;
use crate::slug::slugify;

pub use glossary::{Acronyms, BUILT_IN_GLOSSARY, Glossary, Spoken};
pub use numbers::{
    WORDS_PER_MINUTE, display_reading_time, duration_words, number_words, ordinal_words,
    reading_seconds, spoken_clock, spoken_date, spoken_reading_time, word_count,
};
pub use sentences::{
    capitalise, decapitalise, decapitalise_unless, decapitalise_with, is_proper_noun, proper_nouns,
    split_sentences,
};

use numbers::{decimal_words, spoken_day_of_month};

/// What replaces a person's name in spoken text.
const PERSON: &str = "an engineer";

/// Turns postmortem prose into speakable sentences for one archive.
pub struct Speaker {
    /// Names of people found in the archive (authors, action item owners).
    people: Option<Regex>,
    pub glossary: Glossary,
}

/// Built-in first names used to spot "First Last" in prose even when the
/// person is not an author of any postmortem.
const FIRST_NAMES: &[&str] = &[
    "Aaron", "Adam", "Ahmed", "Aisha", "Alex", "Alice", "Amir", "Amy", "Ana", "Andrea", "Andrew",
    "Anna", "Anne", "Arjun", "Ben", "Carlos", "Chen", "Chloe", "Chloé", "Chris", "Daniel", "David",
    "Dev", "Diego", "Elena", "Emily", "Emma", "Eric", "Erik", "Fatima", "Hannah", "Hans", "Ivan",
    "Jack", "James", "Jane", "Jason", "Jennifer", "Jessica", "John", "Jonas", "Jose", "José",
    "Juan", "Julia", "Kate", "Kevin", "Laura", "Lisa", "Lucas", "Lukas", "Maria", "María", "Marta",
    "Martin", "Matt", "Mei", "Michael", "Mike", "Mohammed", "Nadia", "Nina", "Noah", "Olivia",
    "Omar", "Owen", "Paul", "Pedro", "Peter", "Priya", "Rahul", "Raj", "Robert", "Ryan", "Sam",
    "Samuel", "Sara", "Sarah", "Sofia", "Sophie", "Steve", "Tom", "Wei", "Yuki", "Zoe",
];

/// Name parts that are also everyday words; a lone one is not stripped.
const COMMON_WORDS: &[&str] = &[
    "may", "will", "mark", "grant", "bill", "rose", "june", "april", "august", "hope", "page",
    "long", "young", "white", "black", "brown", "green", "rich", "king", "love", "star", "case",
    "lead", "chase", "price", "cook", "bell", "fisher", "hunter", "miller", "baker", "new", "the",
    "and", "van", "von", "der", "den", "del", "de", "la", "le", "di", "da", "dev", "sam", "max",
    "ray", "dawn", "sky", "summer", "winter", "lin", "wang", "han", "park", "lee", "li", "ma",
];

macro_rules! regex {
    ($name:ident, $re:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).expect("valid regex"));
    };
}

regex!(
    URL,
    r#"(?i)(?:(?-u:\b)(?:at|on|in|via|see|from|here:?)\s+)?(?:(?-u:\b)(?:https?://|ftp://|www\.)[^\s<>()]*[^\s<>().,;:!?'"]|<[a-z]+://[^>]*>)"#
);
regex!(
    SEE_URL,
    r"(?i)(?:^|[.!?]\s+)(?:see|visit|details|more|read)(?-u:\b)[^.!?]*?(?:https?://|www\.)[^.!?\s]*(?:\.[^.!?\s]+)*[^.!?]*[.!?]?"
);
regex!(
    PERSON_AT_START,
    r"(^|[.!?]\s+)(an engineer|two engineers|several engineers)"
);
regex!(EMAIL, r"[\w.+-]+@[\w-]+\.[\w.-]+");
regex!(HANDLE, r"(?:^|\s)@[A-Za-z][\w.-]*");
regex!(
    ISO_DATETIME,
    r"(?-u:\b)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?:\s?(?:UTC|GMT))?)?(?-u:\b)"
);
regex!(
    PAREN_TIME,
    r"\s*\([^()]*(?-u:\b)\d{1,2}:\d{2}(?-u:\b)[^()]*\)|\s*\[[^\[\]]*(?-u:\b)\d{1,2}:\d{2}(?-u:\b)[^\[\]]*\]"
);
regex!(
    LEADING_AT,
    r"^(?i:at|around|about|from)\s+~?\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:UTC|GMT|[A-Z]{3,4}(?-u:\b)))?(?:\s+(?i:on)\s+[^,.]+)?,?\s*"
);
regex!(
    MID_AT,
    r"\s+(?i:at|around)\s+~?\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:UTC|GMT|[A-Z]{3,4}(?-u:\b)))?(?:\s+(?i:on)\s+(?:\d{1,2}\s+[A-Z][a-z]+(?:\s+\d{4})?|the\s+\w+\s+of\s+[A-Z][a-z]+))?"
);
regex!(
    TIME_RANGE,
    r"~?(?-u:\b)(\d{1,2}):(\d{2})\s*(?:[-–—]|to)\s*~?(\d{1,2}):(\d{2})(?-u:\b)(?:\s*(?:UTC|GMT|[A-Z]{3,4}(?-u:\b)))?"
);
regex!(
    CLOCK,
    r"~?(?-u:\b)(\d{1,2}):(\d{2})(?::\d{2})?(?-u:\b)(?:\s*(?:UTC|GMT|CET|CEST|PST|PDT|EST|EDT|BST)(?-u:\b))?"
);
regex!(
    DAY_MONTH,
    r"(?-u:\b)(\d{1,2})(?:st|nd|rd|th)?\s+(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?(?:,?\s+\d{4})?(?-u:\b)"
);
regex!(
    MONTH_DAY,
    r"(?-u:\b)(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+\d{4})?(?-u:\b)"
);
regex!(IP, r"(?-u:\b)\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?-u:\b)");
regex!(
    DURATION,
    r"(?-u:\b)(\d+(?:\.\d+)?)\s?(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|d)(?-u:\b)"
);
regex!(COMPACT_DURATION, r"(?-u:\b)(\d+)h\s?(\d+)m(?:in)?(?-u:\b)");
regex!(PERCENT, r"(\d+(?:\.\d+)?)\s?%");
regex!(PERCENTILE, r"(?-u:\b)[pP](\d{2}(?:\.\d)?)(?-u:\b)");
regex!(TIMES, r"(?-u:\b)(\d+(?:\.\d+)?)x(?-u:\b)");
regex!(FOOTNOTE, r"\[\^[^\]]*\]");
regex!(
    SLASH_WORDS,
    r"(?-u:\b)([A-Za-z]{2,})/([A-Za-z]{2,})(?-u:\b)"
);
regex!(
    ENGINEERS,
    r"(?i:an engineer)(?:(?:,\s*|\s+and\s+|,\s+and\s+)(?i:an engineer))+"
);
regex!(
    LOG_LINE,
    r"^\s*(?:\d{4}-\d{2}-\d{2}[T ]\S+|\[\w+\]|\w+=\S+)\s|^\s*(?:INFO|WARN|ERROR|DEBUG)(?-u:\b)"
);
regex!(EMPTY_PARENS, r"\(\s*(?:(?i:see|at|in|via|on|from)\s*)?\)");
regex!(DOUBLE_PUNCT, r"([,;:])\s*[,;:]+|,\s*\.");

impl Speaker {
    /// A speaker that knows the archive's people and glossary.
    pub fn new(archive: &Archive) -> Speaker {
        let team_slugs: HashSet<String> = archive
            .incidents
            .iter()
            .flat_map(|i| i.teams.iter().chain(&i.share_with))
            .map(|t| slugify(t))
            .chain(archive.config.teams.keys().map(|t| slugify(t)))
            .collect();
        let mut names: BTreeSet<String> = BTreeSet::new();
        for incident in &archive.incidents {
            for author in &incident.authors {
                add_person(&mut names, author);
            }
            for owner in incident
                .action_items
                .iter()
                .filter_map(|a| a.owner.as_deref())
            {
                if looks_like_person(owner, &team_slugs) {
                    add_person(&mut names, owner);
                }
            }
        }
        Speaker {
            people: people_pattern(&names),
            glossary: Glossary::new(&archive.config.glossary),
        }
    }

    /// A speaker for a given list of people, for tests and tools.
    pub fn with_people(people: &[&str], glossary: &BTreeMap<String, String>) -> Speaker {
        let mut names = BTreeSet::new();
        for person in people {
            add_person(&mut names, person);
        }
        Speaker {
            people: people_pattern(&names),
            glossary: Glossary::new(glossary),
        }
    }

    /// Speakable sentences from a block of plain text (lines are list items
    /// or paragraphs). Lines that cannot be spoken (table rows, code, logs)
    /// are dropped.
    pub fn sentences(&self, text: &str) -> Vec<String> {
        text.lines()
            .filter_map(|line| self.clean(line))
            .flat_map(|line| split_sentences(&line))
            .collect()
    }

    /// The first `max` speakable sentences of a text.
    pub fn first_sentences(&self, text: &str, max: usize) -> Vec<String> {
        let mut out = Vec::new();
        for line in text.lines() {
            if out.len() >= max {
                break;
            }
            if let Some(clean) = self.clean(line) {
                out.extend(split_sentences(&clean).into_iter().take(max - out.len()));
            }
        }
        out
    }

    /// One line made speakable, or `None` if nothing speakable is left.
    pub fn clean(&self, line: &str) -> Option<String> {
        let line = line
            .trim()
            .trim_start_matches(['-', '*', '+', '•', '>'])
            .trim();
        if line.is_empty() || !speakable(line) {
            return None;
        }
        let mut text = line.to_string();
        // Cheap checks first: most lines need only a few of the patterns.
        if text.contains("://") || text.contains("www.") || text.contains('<') {
            // "See https://… for details." says nothing once the link is gone.
            replace(&mut text, &SEE_URL, &|c| {
                if c[0].starts_with(['.', '!', '?']) {
                    c[0][..1].to_string()
                } else {
                    String::new()
                }
            });
            replace(&mut text, &URL, &|_| String::new());
        }
        if text.contains('@') {
            replace(&mut text, &EMAIL, &|_| " someone".to_string());
            replace(&mut text, &HANDLE, &|_| format!(" {PERSON}"));
        }
        if text.contains("[^") {
            replace(&mut text, &FOOTNOTE, &|_| String::new());
        }
        if text.bytes().any(|b| b.is_ascii_digit()) {
            Self::numbers(&mut text);
        }
        if text.contains('/') {
            replace(&mut text, &SLASH_WORDS, &|c| {
                format!("{} or {}", &c[1], &c[2])
            });
        }
        if let Some(people) = &self.people {
            replace(&mut text, people, &|c| {
                if c.get(1).is_some() {
                    format!("{PERSON}'s")
                } else {
                    PERSON.to_string()
                }
            });
        }
        if scan::maybe_first_last(&text, FIRST_NAMES) {
            replace(&mut text, &FIRST_LAST, &|c| {
                if c.get(1).is_some() {
                    format!("{PERSON}'s")
                } else {
                    PERSON.to_string()
                }
            });
        }
        if text.contains("ngineer") {
            replace(&mut text, &ENGINEERS, &|c| {
                let count = c[0].to_lowercase().matches(PERSON).count();
                if count == 2 {
                    "two engineers".to_string()
                } else {
                    "several engineers".to_string()
                }
            });
            replace(&mut text, &PERSON_AT_START, &|c| {
                format!("{}{}", &c[1], capitalise(&c[2]))
            });
        }
        Some(tidy(&text)).filter(|t| t.chars().any(char::is_alphabetic))
    }

    /// Dates, times, durations and other numbers, in words.
    /// Each pattern is tried only when the text holds what every match
    /// needs ([`scan`]; a regex scan costs more than the look).
    fn numbers(text: &mut String) {
        if scan::digit_before(text, b'-') {
            Self::iso_dates(text);
        }
        Self::clock_times_and_units(text);
    }

    /// ISO dates and times, as spoken dates.
    fn iso_dates(text: &mut String) {
        replace(text, &ISO_DATETIME, &|c| {
            let date = Date::new(
                c[1].parse().unwrap_or(2000),
                c[2].parse().unwrap_or(1),
                c[3].parse().unwrap_or(1),
            );
            match date {
                Ok(date) => spoken_date(date),
                Err(_) => String::new(),
            }
        });
    }

    /// Clock times, day-and-month dates, durations, percentages.
    fn clock_times_and_units(text: &mut String) {
        if scan::digit_before(text, b':') {
            if text.contains(['(', '[']) {
                replace(text, &PAREN_TIME, &|_| String::new());
            }
            replace(text, &LEADING_AT, &|_| String::new());
            replace(text, &MID_AT, &|_| String::new());
            replace(text, &TIME_RANGE, &|c| {
                let clock = |h: &str, m: &str| {
                    spoken_clock(h.parse().unwrap_or(0) % 24, m.parse().unwrap_or(0) % 60)
                };
                format!(
                    "between {} and {}",
                    clock(&c[1], &c[2]),
                    clock(&c[3], &c[4])
                )
            });
            replace(text, &CLOCK, &|c| {
                spoken_clock(
                    c[1].parse().unwrap_or(0) % 24,
                    c[2].parse().unwrap_or(0) % 60,
                )
            });
        }
        if scan::maybe_month(text) {
            replace(text, &DAY_MONTH, &|c| {
                spoken_day_of_month(&c[1], &c[2]).unwrap_or_else(|| c[0].to_string())
            });
            replace(text, &MONTH_DAY, &|c| {
                spoken_day_of_month(&c[2], &c[1]).unwrap_or_else(|| c[0].to_string())
            });
        }
        if scan::digit_before(text, b'.') {
            replace(text, &IP, &|_| "an internal address".to_string());
        }
        if scan::digit_before(text, b'h') {
            replace(text, &COMPACT_DURATION, &|c| {
                let hours: i64 = c[1].parse().unwrap_or(0);
                let minutes: i64 = c[2].parse().unwrap_or(0);
                duration_words(SignedDuration::from_mins(hours * 60 + minutes))
            });
        }
        if scan::maybe_duration(text) {
            Self::durations(text);
        }
        if scan::maybe_percent(text) {
            replace(text, &PERCENT, &|c| {
                format!("{} percent", decimal_words(&c[1]))
            });
        }
        if scan::maybe_percentile(text) {
            replace(text, &PERCENTILE, &|c| match &c[1] {
                "50" => "median".to_string(),
                n => match n.parse::<u32>() {
                    Ok(n) => format!("{} percentile", ordinal_words(n)),
                    Err(_) => format!("{n} percentile"),
                },
            });
        }
        if scan::digit_before(text, b'x') {
            replace(text, &TIMES, &|c| format!("{} times", decimal_words(&c[1])));
        }
    }

    /// `10 min`, `95 ms`: amounts and units in words.
    fn durations(text: &mut String) {
        replace(text, &DURATION, &|c| {
            let unit = match &c[2] {
                "ms" | "millisecond" | "milliseconds" => "millisecond",
                "s" | "sec" | "secs" | "second" | "seconds" => "second",
                "min" | "mins" | "minute" | "minutes" => "minute",
                "h" | "hr" | "hrs" | "hour" | "hours" => "hour",
                _ => "day",
            };
            let amount = decimal_words(&c[1]);
            let plural = if &c[1] == "1" { "" } else { "s" };
            format!("{amount} {unit}{plural}")
        });
    }
}

/// Replaces every match of `re` in `text` as `Regex::replace_all` does,
/// allocating only on a match (one search, not a look and then a
/// search); whether there was one.
fn replace(text: &mut String, re: &Regex, with: &dyn Fn(&Captures) -> String) -> bool {
    let mut matches = re.captures_iter(text).peekable();
    if matches.peek().is_none() {
        return false;
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    for captures in matches {
        let whole = captures.get(0).expect("group 0 is the match");
        out.push_str(&text[copied..whole.start()]);
        out.push_str(&with(&captures));
        copied = whole.end();
    }
    out.push_str(&text[copied..]);
    *text = out;
    true
}

/// What [`respace`] does with runs of white space.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Respace {
    /// Drops a run before `,.;:!?)` (the regex `\s+([,.;:!?)])` → `$1`).
    BeforePunctuation,
    /// Makes a run of two or more one space (the regex `\s{2,}` → ` `).
    Collapse,
}

/// Rewrites runs of white space in one pass (the two regexes cost more
/// than the rest of tidying), a byte at a time; whether anything changed.
fn respace(text: &mut String, how: Respace) -> bool {
    if !scan::maybe_respace(text, how == Respace::Collapse) {
        return false;
    }
    let mut out: Option<String> = None;
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let space = scan::whitespace_len(text, at);
        if space == 0 {
            at += 1;
            continue;
        }
        let start = at;
        let mut count = 0;
        let mut len = space;
        while len > 0 {
            at += len;
            count += 1;
            len = if at < bytes.len() {
                scan::whitespace_len(text, at)
            } else {
                0
            };
        }
        let replacement = match how {
            Respace::BeforePunctuation => bytes
                .get(at)
                .is_some_and(|next| matches!(next, b',' | b'.' | b';' | b':' | b'!' | b'?' | b')'))
                .then_some(""),
            Respace::Collapse => (count >= 2).then_some(" "),
        };
        if let Some(replacement) = replacement {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..start]);
            out.push_str(replacement);
            copied = at;
        }
    }
    match out {
        Some(mut out) => {
            out.push_str(&text[copied..]);
            *text = out;
            true
        }
        None => false,
    }
}

/// "First Last" where First is a common first name.
static FIRST_LAST: LazyLock<Regex> = LazyLock::new(|| {
    let names: Vec<String> = FIRST_NAMES.iter().map(|n| regex::escape(n)).collect();
    Regex::new(&format!(
        r"(?-u:\b)(?:{})\s+[A-Z][\p{{Ll}}-]+(?:[- ][A-Z][\p{{Ll}}]+)?('s|’s)?",
        names.join("|")
    ))
    .expect("valid regex")
});

/// Whether a line is prose rather than a table row, code or a log line.
fn speakable(line: &str) -> bool {
    if line.starts_with('|') || line.contains(" | ") || LOG_LINE.is_match(line) {
        return false;
    }
    let (symbols, letters, visible) = scan::prose_counts(line);
    symbols < 2 && letters * 2 >= visible.max(1)
}

/// Collapses whitespace, drops symbols a voice would read out, and fixes
/// the punctuation left behind by removals.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Characters that stay are copied a run at a time.
    let mut copied = 0;
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        // Letters, digits and spaces stay: the common case, judged on the byte.
        if b.is_ascii_alphanumeric() || b == b' ' {
            at += 1;
            continue;
        }
        let c = if b.is_ascii() {
            char::from(b)
        } else {
            text[at..].chars().next().unwrap_or(' ')
        };
        let here = at;
        at += c.len_utf8();
        let replacement = match c {
            '~' | '≈' => " about ",
            '→' | '⇒' => " to ",
            '≥' => " at least ",
            '≤' => " at most ",
            '&' => " and ",
            '×' => " times ",
            '_' | '*' | '`' | '#' | '^' | '|' | '<' | '>' | '=' | '{' | '}' | '[' | ']' | '\\' => {
                " "
            }
            c if c.is_alphanumeric() || c.is_whitespace() => continue,
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '’' | '"' | '“' | '”' | '-' | '–' | '—'
            | '(' | ')' | '/' | '+' | '%' => continue,
            _ => " ",
        };
        out.push_str(&text[copied..here]);
        out.push_str(replacement);
        copied = at;
    }
    out.push_str(&text[copied..]);
    let mut text = out;
    for _ in 0..2 {
        let mut changed = false;
        if text.contains('(') && text.contains(')') {
            changed |= replace(&mut text, &EMPTY_PARENS, &|_| String::new());
        }
        changed |= respace(&mut text, Respace::BeforePunctuation);
        if scan::maybe_double_punct(&text) {
            // `x, .` has no first group: the full stop stays.
            changed |= replace(&mut text, &DOUBLE_PUNCT, &|c| {
                c.get(1).map_or(".", |m| m.as_str()).to_string()
            });
        }
        changed |= respace(&mut text, Respace::Collapse);
        // A second round only finds what the first one's changes made.
        if !changed {
            break;
        }
    }
    let text = text
        .trim()
        .trim_start_matches([',', ';', ':', '.', ')', '-', '–', '—'])
        .trim();
    capitalise(text)
}

fn add_person(names: &mut BTreeSet<String>, person: &str) {
    let person = person.trim().trim_start_matches('@');
    let person = person.split(['<', '(']).next().unwrap_or("").trim();
    if person.chars().filter(|c| c.is_alphabetic()).count() < 2 {
        return;
    }
    names.insert(person.to_string());
    let parts: Vec<&str> = person.split_whitespace().collect();
    if parts.len() > 1 {
        for part in parts {
            let part = part.trim_matches(|c: char| !c.is_alphabetic());
            if part.chars().count() >= 3 && !COMMON_WORDS.contains(&part.to_lowercase().as_str()) {
                names.insert(part.to_string());
            }
        }
    }
}

/// An owner such as "Jonas Weber", not "Platform database team".
fn looks_like_person(owner: &str, team_slugs: &HashSet<String>) -> bool {
    let words: Vec<&str> = owner.split_whitespace().collect();
    const TEAMISH: &[&str] = &[
        "team",
        "on-call",
        "oncall",
        "squad",
        "group",
        "guild",
        "crew",
        "rotation",
        "owners",
        "engineering",
        "ops",
        "infra",
    ];
    (2..=3).contains(&words.len())
        && words.iter().all(|w| {
            let mut chars = w.chars();
            chars.next().is_some_and(char::is_uppercase)
                && chars.all(|c| c.is_lowercase() || c == '-' || c == '\'')
                && !TEAMISH.contains(&w.to_lowercase().as_str())
        })
        && !team_slugs.contains(&slugify(owner))
}

fn people_pattern(names: &BTreeSet<String>) -> Option<Regex> {
    if names.is_empty() {
        return None;
    }
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    let alternation: Vec<String> = sorted.iter().map(|n| regex::escape(n)).collect();
    Regex::new(&format!(r"\b(?:{})\b('s|’s)?", alternation.join("|"))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speaker() -> Speaker {
        Speaker::with_people(&["Jonas Weber", "Priya Raman"], &BTreeMap::new())
    }

    #[test]
    fn respacing_matches_the_regexes_it_replaced() {
        let before = Regex::new(r"\s+([,.;:!?)])").unwrap();
        let collapse = Regex::new(r"\s{2,}").unwrap();
        for text in [
            "",
            " ",
            "a b",
            "a  b",
            "a \t\n b , c ; d:e  !  ?x )",
            "  lead and trail  ",
            "tab\tonly, nbsp\u{a0}\u{a0}here\u{2003}.",
            "é  ü ,  (x  )",
            "end .",
            "dash — , then\u{2014}  two → ok",
            "“quoted” ,no change",
        ] {
            let mut ours = text.to_string();
            let changed = respace(&mut ours, Respace::BeforePunctuation);
            assert_eq!(ours, before.replace_all(text, "$1"), "{text:?}");
            assert_eq!(changed, before.is_match(text), "{text:?}");
            let mut ours = text.to_string();
            let changed = respace(&mut ours, Respace::Collapse);
            assert_eq!(ours, collapse.replace_all(text, " "), "{text:?}");
            assert_eq!(changed, collapse.is_match(text), "{text:?}");
        }
    }

    #[test]
    fn word_counts_match_split_whitespace() {
        for text in [
            "",
            " ",
            "a",
            " a  b\t\x0bc\r\n",
            "x\u{a0}y é",
            "one—two three",
            "a\u{2003}b\u{3000}c\u{85}d\u{1680}e\u{205f}",
            "\u{2028}é—à ",
        ] {
            assert_eq!(
                word_count(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn word_counts_match_split_whitespace_on_any_text(
            text in "[ -~\t\n\u{b}\u{c}\r\u{a0}\u{2003}é]{0,40}"
        ) {
            proptest::prop_assert_eq!(word_count(&text), text.split_whitespace().count());
        }
    }

    #[test]
    fn numbers_and_ordinals() {
        assert_eq!(number_words(0), "zero");
        assert_eq!(number_words(42), "forty-two");
        assert_eq!(number_words(305), "three hundred and five");
        assert_eq!(number_words(9400), "nine thousand four hundred");
        assert_eq!(number_words(2_000_007), "two million and seven");
        assert_eq!(ordinal_words(1), "first");
        assert_eq!(ordinal_words(14), "fourteenth");
        assert_eq!(ordinal_words(21), "twenty-first");
        assert_eq!(ordinal_words(30), "thirtieth");
        assert_eq!(ordinal_words(99), "ninety-ninth");
    }

    #[test]
    fn durations_in_words() {
        let m = |n| duration_words(SignedDuration::from_mins(n));
        assert_eq!(m(1), "a minute");
        assert_eq!(m(8), "eight minutes");
        assert_eq!(m(38), "about forty minutes");
        assert_eq!(m(40), "forty minutes");
        assert_eq!(m(60), "an hour");
        assert_eq!(m(95), "about an hour and a half");
        assert_eq!(m(150), "two and a half hours");
        assert_eq!(m(60 * 50), "about two days");
        assert_eq!(
            duration_words(SignedDuration::from_secs(20)),
            "under a minute"
        );
    }

    #[test]
    fn clock_times() {
        assert_eq!(spoken_clock(14, 32), "about half past two in the afternoon");
        assert_eq!(spoken_clock(9, 0), "nine o'clock in the morning");
        assert_eq!(spoken_clock(23, 55), "about midnight");
        assert_eq!(spoken_clock(18, 45), "a quarter to seven in the evening");
    }

    #[test]
    fn reading_time() {
        assert_eq!(reading_seconds(150), 60);
        assert_eq!(reading_seconds(75), 30);
        assert_eq!(reading_seconds(1), 1);
        assert_eq!(display_reading_time(30), "30 s");
        assert_eq!(display_reading_time(80), "1 min 20 s");
        assert_eq!(display_reading_time(600), "10 min");
    }

    #[test]
    fn cleaning_removes_times_urls_and_names() {
        let s = speaker();
        let text = s
            .clean("At 14:32 UTC on 14 March 2024, Jonas Weber saw the volume stall (see https://status.example.com/x).")
            .unwrap();
        assert_eq!(text, "An engineer saw the volume stall.");
        let text = s
            .clean("We found them in SHOW SERVERS at 14:47 and fixed it by 15:04.")
            .unwrap();
        assert_eq!(
            text,
            "We found them in SHOW SERVERS and fixed it by about three o'clock in the afternoon."
        );
        let text = s
            .clean("Priya's fix cut p99 latency from 480 ms to 20 s, 4x better (99.2%).")
            .unwrap();
        assert_eq!(
            text,
            "An engineer's fix cut ninety-ninth percentile latency from four hundred and eighty milliseconds to twenty seconds, four times better (ninety-nine point two percent)."
        );
        assert_eq!(s.clean("| 14:32 | Alert | fired |"), None);
        assert_eq!(
            s.clean("2024-03-14T14:32:01Z ERROR pool=primary active=3"),
            None
        );
        // A comma left before a full stop used to panic the build.
        assert_eq!(
            s.clean("We restarted it,. Then it worked").unwrap(),
            "We restarted it. Then it worked"
        );
        let text = s
            .clean("Sarah Connor and Jonas restarted it on 2024-03-14.")
            .unwrap();
        assert_eq!(
            text,
            "Two engineers restarted it on the fourteenth of March."
        );
    }

    #[test]
    fn long_sentences_are_split() {
        let long = "The pooler kept its server connections to the stalled primary for the whole incident window, but nothing in the path was set up to notice that the node had stopped answering queries.";
        let parts = split_sentences(long);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[1].starts_with("But nothing"), "{parts:?}");
        assert_eq!(
            split_sentences("It broke. We fixed it, e.g. by restarting"),
            vec!["It broke.", "We fixed it, e.g. by restarting."]
        );
    }

    #[test]
    fn expanded_word_counts_are_the_words_of_the_result() {
        let mut glossary = BTreeMap::new();
        glossary.insert("ON CALL".to_string(), "the on\u{a0}call rota".to_string());
        glossary.insert("PgB".to_string(), "the connection pooler".to_string());
        let g = Glossary::new(&glossary);
        for text in [
            "The DNS TTL was long and PgB kept DNS answers.",
            "More APIs, (TTLs) and x/SLO/y.",
            "A time to live (TTL) of one hour; TTL again.",
            "ON CALL paged—twice—about the CDN; DNS.",
            "No acronyms here at all.",
            "",
        ] {
            let spoken = g.spoken(text.to_string());
            assert_eq!(spoken.words, word_count(text), "{text:?}");
            let mut acronyms = g.first_use();
            let (expanded, words) = acronyms.expand_counted(&spoken);
            assert_eq!(words, word_count(&expanded), "{expanded:?}");
            // Seen acronyms stay short, and the count stays right.
            let (again, words) = acronyms.expand_counted(&spoken);
            assert_eq!((again.as_str(), words), (text, word_count(text)));
        }
    }

    #[test]
    fn acronyms_spelled_out_once() {
        let mut glossary = BTreeMap::new();
        glossary.insert("PgB".to_string(), "the connection pooler".to_string());
        let g = Glossary::new(&glossary);
        let mut first = g.first_use();
        assert_eq!(
            first.expand("The DNS TTL was long and PgB kept DNS answers."),
            "The domain name system (DNS) time to live (TTL) was long and the connection pooler (PgB) kept DNS answers."
        );
        assert_eq!(
            first.expand("More APIs and TTL."),
            "More APIs (application programming interface) and TTL."
        );
        let mut again = g.first_use();
        assert_eq!(
            again.expand("A time to live (TTL) of one hour; TTL again."),
            "A time to live (TTL) of one hour; TTL again."
        );
    }
}
