//! Digest speech: turns postmortem prose into text that reads well aloud.
//!
//! Input: plain text from the postmortem (sections, timeline events, front
//! matter) and the archive's people and glossary. Output: short sentences
//! with no URLs, tables, raw timestamps or person names; numbers, dates and
//! durations in words; acronyms spelled out on first use per digest.
//!
//! Everything here is a pure function of its input, so digests are
//! deterministic.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::LazyLock;

use jiff::SignedDuration;
use jiff::civil::Date;
use regex::{Captures, Regex};

use super::periods::month_name;
use crate::archive::Archive;
use crate::slug::slugify;

/// Spoken words per minute used for reading-time estimates.
pub const WORDS_PER_MINUTE: usize = 150;

/// Longest sentence, in words, before it is split for speaking.
const MAX_SENTENCE_WORDS: usize = 24;

/// What replaces a person's name in spoken text.
const PERSON: &str = "an engineer";

/// Acronyms spelled out on first use even without a configured glossary.
pub const BUILT_IN_GLOSSARY: &[(&str, &str)] = &[
    ("API", "application programming interface"),
    ("AZ", "availability zone"),
    ("CDN", "content delivery network"),
    ("CI", "continuous integration"),
    ("CPU", "processor"),
    ("DNS", "domain name system"),
    ("ETL", "extract, transform and load"),
    ("IAM", "identity and access management"),
    ("MTTD", "mean time to detect"),
    ("MTTR", "mean time to resolve"),
    ("OOM", "out of memory"),
    ("RCA", "root cause analysis"),
    ("RPO", "recovery point objective"),
    ("RTO", "recovery time objective"),
    ("SLA", "service level agreement"),
    ("SLI", "service level indicator"),
    ("SLO", "service level objective"),
    ("SRE", "site reliability engineering"),
    ("SSL", "secure sockets layer"),
    ("TCP", "transmission control protocol"),
    ("TLS", "transport layer security"),
    ("TTL", "time to live"),
    ("VPC", "virtual private cloud"),
    ("VPN", "virtual private network"),
    ("WAF", "web application firewall"),
];

/// Estimated seconds to read `words` aloud at [`WORDS_PER_MINUTE`].
pub fn reading_seconds(words: usize) -> u32 {
    (words * 60).div_ceil(WORDS_PER_MINUTE) as u32
}

/// Words in a text, as a listener hears them.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// A reading time for readers: `40 s`, `1 min 20 s`, `12 min`.
pub fn display_reading_time(seconds: u32) -> String {
    if seconds < 60 {
        return format!("{} s", seconds.div_ceil(5).max(1) * 5);
    }
    let rounded = seconds.div_ceil(10) * 10;
    let (minutes, rest) = (rounded / 60, rounded % 60);
    if minutes >= 10 || rest == 0 {
        format!("{} min", (seconds + 30) / 60)
    } else {
        format!("{minutes} min {rest} s")
    }
}

/// A reading time for listeners: "about two minutes", "under a minute".
pub fn spoken_reading_time(seconds: u32) -> String {
    if seconds < 45 {
        return "under a minute".to_string();
    }
    let halves = (seconds + 15) / 30;
    let (minutes, half) = (halves / 2, halves % 2 == 1);
    let text = match (minutes, half) {
        (0, _) => "half a minute".to_string(),
        (1, false) => "a minute".to_string(),
        (1, true) => "a minute and a half".to_string(),
        (m, false) => format!("{} minutes", number_words(u64::from(m))),
        (m, true) => format!("{} and a half minutes", number_words(u64::from(m))),
    };
    format!("about {text}")
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// A whole number in words: `9400` → "nine thousand four hundred".
pub fn number_words(n: u64) -> String {
    fn below_thousand(n: u64) -> String {
        let (hundreds, rest) = (n / 100, n % 100);
        let rest_words = match rest {
            0 => String::new(),
            1..=19 => ONES[rest as usize].to_string(),
            _ if rest % 10 == 0 => TENS[(rest / 10) as usize].to_string(),
            _ => format!(
                "{}-{}",
                TENS[(rest / 10) as usize],
                ONES[(rest % 10) as usize]
            ),
        };
        match (hundreds, rest) {
            (0, _) => rest_words,
            (h, 0) => format!("{} hundred", ONES[h as usize]),
            (h, _) => format!("{} hundred and {rest_words}", ONES[h as usize]),
        }
    }
    if n == 0 {
        return "zero".to_string();
    }
    let scales = [
        (1_000_000_000_000, "trillion"),
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
    ];
    let mut parts = Vec::new();
    let mut rest = n;
    for (size, name) in scales {
        if rest >= size {
            parts.push(format!("{} {name}", number_words(rest / size)));
            rest %= size;
        }
    }
    if rest > 0 {
        if !parts.is_empty() && rest < 100 {
            parts.push(format!("and {}", below_thousand(rest)));
        } else {
            parts.push(below_thousand(rest));
        }
    }
    parts.join(" ")
}

/// An ordinal in words: `14` → "fourteenth", `21` → "twenty-first".
pub fn ordinal_words(n: u32) -> String {
    let words = number_words(u64::from(n));
    let split = words.rfind([' ', '-']).map_or(0, |i| i + 1);
    let (head, last) = words.split_at(split);
    let last = match last {
        "one" => "first".to_string(),
        "two" => "second".to_string(),
        "three" => "third".to_string(),
        "five" => "fifth".to_string(),
        "eight" => "eighth".to_string(),
        "nine" => "ninth".to_string(),
        "twelve" => "twelfth".to_string(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    };
    format!("{head}{last}")
}

/// A day for listeners: "the fourteenth of March".
pub fn spoken_date(date: Date) -> String {
    format!(
        "the {} of {}",
        ordinal_words(date.day() as u32),
        month_name(date.month())
    )
}

/// A duration for listeners, rounded the way people say it: "eight
/// minutes", "about forty minutes", "about an hour and a half".
pub fn duration_words(duration: SignedDuration) -> String {
    let seconds = duration.as_secs().unsigned_abs();
    if seconds < 60 {
        return if seconds == 0 {
            "no time at all".to_string()
        } else {
            "under a minute".to_string()
        };
    }
    let minutes = (seconds + 30) / 60;
    let about = |exact: bool, text: String| {
        if exact { text } else { format!("about {text}") }
    };
    if minutes <= 10 {
        let exact = seconds.is_multiple_of(60);
        return about(
            exact,
            if minutes == 1 {
                "a minute".to_string()
            } else {
                format!("{} minutes", number_words(minutes))
            },
        );
    }
    if minutes < 53 {
        let rounded = (minutes + 2) / 5 * 5;
        return about(
            rounded * 60 == seconds,
            format!("{} minutes", number_words(rounded)),
        );
    }
    if minutes < 24 * 60 - 15 {
        let halves = ((minutes + 15) / 30).max(2);
        let (hours, half) = (halves / 2, halves % 2 == 1);
        let text = match (hours, half) {
            (1, false) => "an hour".to_string(),
            (1, true) => "an hour and a half".to_string(),
            (h, false) => format!("{} hours", number_words(h)),
            (h, true) => format!("{} and a half hours", number_words(h)),
        };
        return about(halves * 30 * 60 == seconds, text);
    }
    let half_days = ((minutes + 360) / 720).max(2);
    let (days, half) = (half_days / 2, half_days % 2 == 1);
    let text = match (days, half) {
        (1, false) => "a day".to_string(),
        (1, true) => "a day and a half".to_string(),
        (d, false) => format!("{} days", number_words(d)),
        (d, true) => format!("{} and a half days", number_words(d)),
    };
    about(half_days * 720 * 60 == seconds, text)
}

/// A clock time for listeners, to the nearest quarter hour: "about half
/// past two in the afternoon".
pub fn spoken_clock(hour: u32, minute: u32) -> String {
    let quarter = (minute + 7) / 15;
    let exact = quarter * 15 == minute;
    let (mut hour, quarter) = if quarter == 4 {
        ((hour + 1) % 24, 0)
    } else {
        (hour, quarter)
    };
    let next = |h: u32| (h + 1) % 24;
    let twelve = |h: u32| {
        let h12 = h % 12;
        number_words(u64::from(if h12 == 0 { 12 } else { h12 }))
    };
    let part = |h: u32| match h {
        0..=11 => " in the morning",
        12..=17 => " in the afternoon",
        _ => " in the evening",
    };
    let text = match quarter {
        0 if hour == 0 => "midnight".to_string(),
        0 if hour == 12 => "noon".to_string(),
        0 => format!("{} o'clock{}", twelve(hour), part(hour)),
        1 => format!("a quarter past {}{}", twelve(hour), part(hour)),
        2 => format!("half past {}{}", twelve(hour), part(hour)),
        _ => {
            hour = next(hour);
            format!("a quarter to {}{}", twelve(hour), part(hour))
        }
    };
    if exact { text } else { format!("about {text}") }
}

/// Acronyms and their spelled-out forms: the built-in list plus the
/// config's `[glossary]`, which wins on conflicts.
pub struct Glossary {
    /// Acronyms and expansions, by index.
    entries: Vec<(String, String)>,
    pattern: Option<Regex>,
}

/// A spoken text with the places its acronyms occur, found once so that
/// each digest only rewrites a text where an acronym is used first.
#[derive(Debug, Clone, Default)]
pub struct Spoken {
    pub text: String,
    /// (start, end, glossary index, plural), in text order.
    acronyms: Vec<(usize, usize, usize, bool)>,
}

impl Glossary {
    pub fn new(configured: &BTreeMap<String, String>) -> Glossary {
        let mut map: BTreeMap<String, String> = BUILT_IN_GLOSSARY
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (key, value) in configured {
            let (key, value) = (key.trim(), value.trim());
            if !key.is_empty() && !value.is_empty() {
                map.insert(key.to_string(), value.to_string());
            }
        }
        let mut entries: Vec<(String, String)> = map.into_iter().collect();
        // Longest first, so the alternation prefers `SLOs` over `SLO`.
        entries.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let alternation: Vec<String> = entries
            .iter()
            .map(|(k, _)| format!("({})", regex::escape(k)))
            .collect();
        // ASCII word boundaries keep matching on the fast DFA engines.
        let pattern = Regex::new(&format!(
            r"(?-u:\b)(?:{})(s)?(?-u:\b)",
            alternation.join("|")
        ))
        .ok();
        Glossary { entries, pattern }
    }

    /// Finds the acronyms in a text once.
    pub fn spoken(&self, text: String) -> Spoken {
        let mut acronyms = Vec::new();
        if let Some(pattern) = self.pattern.as_ref().filter(|p| p.is_match(&text)) {
            let plural_group = self.entries.len() + 1;
            for caps in pattern.captures_iter(&text) {
                let Some(whole) = caps.get(0) else { continue };
                let Some(index) = (1..=self.entries.len()).find(|&g| caps.get(g).is_some()) else {
                    continue;
                };
                let plural = caps.get(plural_group).is_some();
                acronyms.push((whole.start(), whole.end(), index - 1, plural));
            }
        }
        Spoken { text, acronyms }
    }

    /// A fresh first-use tracker for one digest.
    pub fn first_use(&self) -> Acronyms<'_> {
        Acronyms {
            glossary: self,
            seen: vec![false; self.entries.len()],
        }
    }
}

/// Spells out each acronym the first time a digest uses it.
pub struct Acronyms<'g> {
    glossary: &'g Glossary,
    seen: Vec<bool>,
}

impl Acronyms<'_> {
    /// `TTL` → "time to live (TTL)" on first use, `TTL` afterwards.
    pub fn expand(&mut self, text: &str) -> String {
        let spoken = self.glossary.spoken(text.to_string());
        self.expand_spoken(&spoken)
    }

    /// Like [`Acronyms::expand`], for a text whose acronyms are known.
    pub fn expand_spoken(&mut self, spoken: &Spoken) -> String {
        let text = &spoken.text;
        if spoken.acronyms.iter().all(|a| self.seen[a.2]) {
            return text.clone();
        }
        let mut out = String::with_capacity(text.len() + 40);
        let mut last = 0;
        let mut lowered: Option<String> = None;
        for &(start, end, index, plural) in &spoken.acronyms {
            if std::mem::replace(&mut self.seen[index], true) {
                continue;
            }
            let (key, expansion) = &self.glossary.entries[index];
            // Already spelled out by the author just before: keep as is.
            let lowered = lowered.get_or_insert_with(|| text.to_lowercase());
            if lowered
                .get(..start)
                .is_some_and(|before| before.contains(&expansion.to_lowercase()))
            {
                continue;
            }
            out.push_str(&text[last..start]);
            if plural {
                // "TTLs (time to live)": plural expansions read badly.
                out.push_str(&format!("{key}s ({expansion})"));
            } else {
                out.push_str(&format!("{expansion} ({key})"));
            }
            last = end;
        }
        out.push_str(&text[last..]);
        out
    }
}

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
regex!(SPACES, r"\s{2,}");
regex!(SPACE_PUNCT, r"\s+([,.;:!?)])");
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
        replace(&mut text, &FIRST_LAST, &|c| {
            if c.get(1).is_some() {
                format!("{PERSON}'s")
            } else {
                PERSON.to_string()
            }
        });
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
    fn numbers(text: &mut String) {
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
        if text.contains(':') {
            replace(text, &PAREN_TIME, &|_| String::new());
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
        replace(text, &DAY_MONTH, &|c| {
            spoken_day_of_month(&c[1], &c[2]).unwrap_or_else(|| c[0].to_string())
        });
        replace(text, &MONTH_DAY, &|c| {
            spoken_day_of_month(&c[2], &c[1]).unwrap_or_else(|| c[0].to_string())
        });
        replace(text, &IP, &|_| "an internal address".to_string());
        replace(text, &COMPACT_DURATION, &|c| {
            let hours: i64 = c[1].parse().unwrap_or(0);
            let minutes: i64 = c[2].parse().unwrap_or(0);
            duration_words(SignedDuration::from_mins(hours * 60 + minutes))
        });
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
        replace(text, &PERCENT, &|c| {
            format!("{} percent", decimal_words(&c[1]))
        });
        replace(text, &PERCENTILE, &|c| match &c[1] {
            "50" => "median".to_string(),
            n => match n.parse::<u32>() {
                Ok(n) => format!("{} percentile", ordinal_words(n)),
                Err(_) => format!("{n} percentile"),
            },
        });
        replace(text, &TIMES, &|c| format!("{} times", decimal_words(&c[1])));
    }
}

/// Replaces every match of `re` in `text`, allocating only on a match.
fn replace(text: &mut String, re: &Regex, with: &dyn Fn(&Captures) -> String) {
    if re.is_match(text) {
        *text = re.replace_all(text, |c: &Captures| with(c)).into_owned();
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

fn spoken_day_of_month(day: &str, month: &str) -> Option<String> {
    let day: u32 = day.parse().ok()?;
    let month_number =
        (1..=12).find(|&m| month_name(m).starts_with(&month[..3.min(month.len())]))?;
    (1..=31)
        .contains(&day)
        .then(|| format!("the {} of {}", ordinal_words(day), month_name(month_number)))
}

/// `3.8` → "three point eight", `9,400` stays digits-free too.
fn decimal_words(number: &str) -> String {
    match number.split_once('.') {
        Some((whole, fraction)) => {
            let digits: Vec<String> = fraction
                .chars()
                .filter_map(|c| c.to_digit(10))
                .map(|d| ONES[d as usize].to_string())
                .collect();
            format!(
                "{} point {}",
                number_words(whole.parse().unwrap_or(0)),
                digits.join(" ")
            )
        }
        None => match number.parse::<u64>() {
            Ok(n) if n < 1_000_000 => number_words(n),
            _ => number.to_string(),
        },
    }
}

/// Whether a line is prose rather than a table row, code or a log line.
fn speakable(line: &str) -> bool {
    if line.starts_with('|') || line.contains(" | ") || LOG_LINE.is_match(line) {
        return false;
    }
    let symbols = line
        .chars()
        .filter(|c| matches!(c, '=' | '{' | '}' | '<' | '>' | ';' | '$' | '\\' | '|'))
        .count();
    let letters = line.chars().filter(|c| c.is_alphabetic()).count();
    let visible = line.chars().filter(|c| !c.is_whitespace()).count().max(1);
    symbols < 2 && letters * 2 >= visible
}

/// Collapses whitespace, drops symbols a voice would read out, and fixes
/// the punctuation left behind by removals.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '~' | '≈' => out.push_str(" about "),
            '→' | '⇒' => out.push_str(" to "),
            '≥' => out.push_str(" at least "),
            '≤' => out.push_str(" at most "),
            '&' => out.push_str(" and "),
            '×' => out.push_str(" times "),
            '_' | '*' | '`' | '#' | '^' | '|' | '<' | '>' | '=' | '{' | '}' | '[' | ']' | '\\' => {
                out.push(' ')
            }
            c if c.is_alphanumeric() || c.is_whitespace() => out.push(c),
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '’' | '"' | '“' | '”' | '-' | '–' | '—'
            | '(' | ')' | '/' | '+' | '%' => out.push(c),
            _ => out.push(' '),
        }
    }
    let mut text = out;
    for _ in 0..2 {
        if text.contains('(') {
            replace(&mut text, &EMPTY_PARENS, &|_| String::new());
        }
        replace(&mut text, &SPACE_PUNCT, &|c| c[1].to_string());
        replace(&mut text, &DOUBLE_PUNCT, &|c| c[1].to_string());
        replace(&mut text, &SPACES, &|_| " ".to_string());
    }
    let text = text
        .trim()
        .trim_start_matches([',', ';', ':', '.', ')', '-', '–', '—'])
        .trim();
    capitalise(text)
}

/// Upper-cases the first letter, unless the first word is an identifier
/// such as `checkout-api` or `payments-db-1`, which keeps its spelling.
pub fn capitalise(text: &str) -> String {
    if starts_with_identifier(text) {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
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
    for line in text.lines() {
        let mut after_stop = true;
        for word in line.split_whitespace() {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
            if !after_stop
                && bare.chars().next().is_some_and(char::is_uppercase)
                && !EVERYDAY.contains(&bare)
            {
                out.insert(bare.to_string());
            }
            after_stop = word.ends_with(['.', '!', '?', ':', '|', '—', '–'])
                || matches!(word, "|" | "-" | "—" | "–" | "*" | "•");
        }
    }
    out
}

/// Lower-cases the first word unless it is a name: an acronym, a
/// mixed-case word ("PgBouncer"), one of `proper`, or an identifier.
pub fn decapitalise_with(text: &str, proper: &HashSet<String>) -> String {
    let first = text.split([' ', ',', ':', ';', '.']).next().unwrap_or("");
    let mut chars = first.chars();
    let lower_rest =
        chars.next().is_some_and(char::is_uppercase) && chars.all(|c| !c.is_uppercase());
    if lower_rest && first.chars().count() > 1 && !proper.contains(first) {
        let mut chars = text.chars();
        return chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default();
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
        let mut chars = text.chars();
        chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default()
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
    const ABBREVIATIONS: &[&str] = &[
        "e.g", "i.e", "vs", "etc", "approx", "cf", "no", "dr", "mr", "ms", "st",
    ];
    let mut sentences = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if !matches!(c, '.' | '!' | '?') {
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
        let word = text[start..i]
            .rsplit(' ')
            .next()
            .unwrap_or("")
            .to_lowercase();
        if c == '.' && ABBREVIATIONS.contains(&word.as_str()) {
            continue;
        }
        sentences.push(text[start..=i].trim().to_string());
        start = after;
    }
    sentences.push(text[start..].trim().to_string());
    sentences
        .into_iter()
        .filter(|s| s.chars().any(char::is_alphabetic))
        .flat_map(|s| shorten(&s))
        .map(|s| finish(&s))
        .collect()
}

/// Splits a long sentence at the joint closest to its middle.
fn shorten(sentence: &str) -> Vec<String> {
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
fn finish(sentence: &str) -> String {
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
