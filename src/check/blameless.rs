//! Blameless language: sentences that blame people rather than look at
//! systems — a person as the subject of a failure ("John pushed bad code"),
//! "human error", hindsight ("we should have"), judgements ("careless",
//! "negligent"), "fault of", "forgot to".
//!
//! Input: the prose of the file (code, URLs and markup blanked), split into
//! sentences; person names from `authors`, `[check] people`, a list of
//! common given names and `@mentions`. Output: `blameless/person` and
//! `blameless/language` findings with a hint that rephrases toward the
//! system. At most one finding per sentence, to keep the signal readable.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Context, Finding};

static WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"@?[\p{L}\p{N}][\p{L}\p{N}'’-]*").expect("valid regex"));

/// Failures only people commit: enough after any capitalised word.
static HUMAN_FAILURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^\s*(?:(?:had|has|then|also|just|again|unfortunately|simply|apparently|clearly|obviously)\s+){0,2}
        (forgot|forgotten|carelessly|negligently|neglected\s+to|overlooked
        |messed\s+up|screwed\s+up|botched|fat[-\s]?fingered
        |made\s+(?:a|an|the)\s+(?:\w+\s+)?(?:mistake|error|typo|blunder)
        |(?:was|were)\s+(?:careless|negligent|sloppy|lazy|reckless|to\s+blame|at\s+fault)
        |is\s+(?:to\s+blame|at\s+fault)
        |did\s*n[o'’]?t\s+bother)(?-u:\b)",
    )
    .expect("valid regex")
});

/// Failures that also describe systems ("the deploy broke checkout"):
/// blame only after a name known to be a person.
static FAILURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^\s*
        (?:['’]s\s+(?:\w+\s+)?(?:change|commit|pr|pull\s+request|deploy|deployment|push|script|code|query|config|configuration|mistake|error|migration|patch|command)\s+)?
        (?:(?:had|has|then|also|just|again|unfortunately|apparently)\s+){0,2}
        (broke|caused|missed|ignored|misconfigured|mistyped|failed\s+to|accidentally|mistakenly|inadvertently
        |did\s*n[o'’]?t\s+(?:check|test|notice|verify|review|follow|read|see|realise|realize|catch|validate|run|wait|update|communicate|escalate|ask|tell|look)
        |introduced\s+(?:a|an|the)\s+(?:\w+\s+)?(?:bug|regression|error|typo|breaking\s+change|outage)
        |(?:pushed|deployed|merged|shipped|committed|applied|ran|released)\s+(?:a\s+|an\s+|the\s+|some\s+)?(?:bad|broken|buggy|faulty|untested|wrong|incorrect|unreviewed|bogus)
        |took\s+down|brought\s+down|should\s+have|should['’]ve)(?-u:\b)",
    )
    .expect("valid regex")
});

/// One blaming phrase, its message and a hint toward the system.
struct Phrase {
    pattern: Regex,
    message: &'static str,
    hint: &'static str,
    /// Blames only with a person as its subject ("we should have" but not
    /// "the alert should have fired").
    needs_person: bool,
}

static PHRASES: LazyLock<Vec<Phrase>> = LazyLock::new(|| {
    let phrase = |pattern: &str, message, hint, needs_person| Phrase {
        pattern: Regex::new(pattern).expect("valid regex"),
        message,
        hint,
        needs_person,
    };
    vec![
        phrase(
            r"(?i)(?-u:\b)(?:human|operator)\s+errors?(?-u:\b)",
            "\"human error\" names a person as the cause",
            "say what made the mistake easy to make and hard to catch: \"the deploy tool accepted a config that failed validation\"",
            false,
        ),
        phrase(
            r"(?i)(?-u:\b)should\s+(?:not\s+)?have(?-u:\b)|(?-u:\b)should(?:n['’]t|['’]ve)(?-u:\b)(?:\s+have)?",
            "\"should have\" judges a decision with hindsight",
            "describe what the situation made hard at the time: \"the runbook did not say to…\", \"nothing prompted a check of…\"",
            true,
        ),
        phrase(
            r"(?i)(?-u:\b)(?:careless(?:ly|ness)?|negligen(?:t|tly|ce)|sloppy|sloppiness|reckless(?:ly|ness)?|incompeten(?:t|ce))(?-u:\b)",
            "judges a person instead of describing what happened",
            "describe the action and the conditions around it: \"the change was applied without a second review, which the process did not require\"",
            false,
        ),
        phrase(
            r"(?i)(?-u:\b)fault\s+of(?-u:\b)|(?-u:\b)(?:his|her|their|my|your)\s+fault(?-u:\b)|(?-u:\b)\w+['’]s\s+fault(?-u:\b)|(?-u:\b)(?:is|was|were|are)\s+to\s+blame(?-u:\b)|(?-u:\b)blame\s+(?:lies|falls|rests)(?-u:\b)",
            "assigns fault to someone",
            "look for causes in systems: \"our review process didn't catch…\", \"the alert had no runbook…\"",
            false,
        ),
        phrase(
            r"(?i)(?-u:\b)forg(?:o|e)t(?:ten)?\s+(?:to|about)(?-u:\b)",
            "\"forgot to\" makes a lapse of memory the cause",
            "name the missing safeguard instead: \"nothing reminded us to…\", \"the checklist had no step for…\"",
            false,
        ),
    ]
});

static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:not|no|never|nor|without|rather\s+than|instead\s+of|isn['’]t|wasn['’]t|aren['’]t|weren['’]t|don['’]t|doesn['’]t|didn['’]t|blameless|avoid|beyond)(?-u:\b)",
    )
    .expect("valid regex")
});

/// "human error was not the cause", "an error budget": the phrase is
/// denied or names something else.
static NEGATED_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:(?:was|is|were|are)\s+(?:not|never)(?-u:\b)|(?:wasn|isn|weren|aren)['’]t(?-u:\b)|budgets?(?-u:\b)|rates?(?-u:\b))",
    )
    .expect("valid regex")
});

/// Words for people as a sentence's subject (for "should have").
const PERSON_WORDS: &[&str] = &[
    "i",
    "we",
    "he",
    "she",
    "they",
    "you",
    "someone",
    "somebody",
    "nobody",
    "no-one",
    "everyone",
    "everybody",
    "anyone",
    "anybody",
    "engineer",
    "engineers",
    "developer",
    "developers",
    "dev",
    "devs",
    "operator",
    "operators",
    "team",
    "on-call",
    "oncall",
    "on-caller",
    "oncaller",
    "responder",
    "responders",
    "reviewer",
    "reviewers",
    "author",
    "authors",
    "admin",
    "admins",
    "sre",
    "sres",
    "owner",
    "owners",
    "staff",
    "person",
    "people",
    "lead",
    "manager",
    "he/she",
];

/// Words that start sentences in capitals without being names.
const NOT_NAMES: &[&str] = &[
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "we",
    "they",
    "he",
    "she",
    "i",
    "you",
    "our",
    "their",
    "his",
    "her",
    "its",
    "someone",
    "somebody",
    "nobody",
    "everyone",
    "no",
    "one",
    "a",
    "an",
    "then",
    "after",
    "before",
    "when",
    "while",
    "because",
    "so",
    "but",
    "and",
    "also",
    "unfortunately",
    "initially",
    "later",
    "finally",
    "team",
    "nothing",
    "everything",
    "which",
    "who",
    "what",
    "where",
    "there",
    "here",
    "if",
    "once",
    "as",
    "at",
    "on",
    "in",
    "during",
    "since",
    "until",
    "all",
    "some",
    "each",
    "both",
    "neither",
    "either",
    "another",
    "other",
    "somehow",
    "eventually",
    "again",
    "why",
    "how",
];

/// Common given names in many languages, lower case. Names that are also
/// everyday words or product names (Will, May, Mark, Grant, Ruby, Hugo,
/// Aurora, Jenkins, Travis…) are left out on purpose.
const GIVEN_NAMES: &str = "
aaron abena abigail adam ahmed aiden aisha akira alan albert alejandro alessandro alex alexander
alexei alexey alexis ali alice alicia amanda amina amit amy ana ananya anastasia anders andrea
andreas andrew andy angela anil ann anna anne antoine anthony arjun arthur ashley astrid
barbara ben benjamin beth betty beverly bjorn björn bob bobby brandon brenda brian brittany
bruce bryan camille carlos carmen carol carolyn catherine charles charlie charlotte cheryl
chinedu chloe chloé chris christina christine christopher cynthia dan dana daniel danielle
dave david debbie deborah debra deepa denise dennis derek diana diane diego divya dmitri dmitry
donald donna doris dorothy douglas dylan ed edward elena elias elijah elizabeth ella emeka
emily emma eric erica erik ethan eugene evelyn fatima federica felix finn florian francesco
francois françois gabriel gary george gloria greg gregory giulia giuseppe hannah hans haruto
hassan heidi helen henrik henry hiroshi hussein ibrahim igor ingrid irina isabella ivan jacob
jacqueline james jamie jan janet janice jason javier jean jeff jeffrey jennifer jenny jeremy
jerry jesse jessica jim jimmy joan joe joel johan john johnny jon jonas jonathan jose josé
joseph joshua joyce juan judith judy julie julien jun jurgen jürgen justin kaitlyn karen kasper
katarzyna kate katherine kathleen kathryn katie kavya kayla keith kelly ken kenji kenneth kevin
kim kimberly klaus kofi krishna krzysztof kwame kyle lakshmi larry lars laura lauren lawrence
lea leila leon liam linda lisa logan lorenzo lori louis luca lucas lucia lucía lukas mads
magnus manon marco marek margaret maria marie marilyn marta martha martin mary mateo mathieu
matt matteo matthew maximilian megan mei melissa mia michael michelle miguel mikhail mikkel
ming mohammed moritz muhammad nadia nancy natalie natasha nathan neha nicholas nick nicolas
nicole nils noah olga oliver olivia omar oluwaseun owen pablo pamela patricia patrick paul
pawel paweł peter philip piotr pooja priya rachel rahul raj ramesh ravi rebecca richard
rick roger ronald ruth ryan sakura sam samantha samuel sandra sanjay santiago sara sarah scott
sean sebastien sébastien sergei sergey sergio sharon shirley sigrid sipho sofia sofía sophia
sophie stefan stephanie stephen steve steven sunil susan suresh svetlana sven takeshi tanya
tatiana teresa terry thabo theresa thomas tim timothy tobias tom tomasz tony tunde tyler
valentina vijay vincent vladimir walter wayne wei william yaw yuki yumi yusuf zachary zainab
zoe
";

static GIVEN_NAME_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| GIVEN_NAMES.split_whitespace().collect());

/// The people a postmortem may name.
struct People {
    /// Full names as lower-case word lists.
    full: Vec<Vec<String>>,
    /// Given names (first words of full names).
    given: HashSet<String>,
}

impl People {
    fn new(lists: &[&[String]]) -> People {
        let mut people = People {
            full: Vec::new(),
            given: HashSet::new(),
        };
        for name in lists.iter().flat_map(|l| l.iter()) {
            let words: Vec<&str> = name.split_whitespace().collect();
            let looks_like_name = !words.is_empty()
                && words.len() <= 4
                && words.iter().all(|w| {
                    let mut chars = w.chars();
                    chars.next().is_some_and(char::is_uppercase)
                        && chars.all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '.'))
                        && !w.chars().all(|c| c.is_uppercase() || !c.is_alphabetic())
                });
            if !looks_like_name {
                continue;
            }
            people
                .full
                .push(words.iter().map(|w| w.to_lowercase()).collect());
            people.given.insert(words[0].to_lowercase());
        }
        people.full.sort_by_key(|f| std::cmp::Reverse(f.len()));
        people
    }
}

/// A word of a sentence with its byte range in the file.
struct Word<'a> {
    text: &'a str,
    range: Range<usize>,
}

/// Words that can open a failure after a name (see FAILURE and
/// HUMAN_FAILURE); a cheap test before the regexes run.
const FAILURE_STARTS: &[&str] = &[
    "broke",
    "caused",
    "missed",
    "ignored",
    "misconfigured",
    "mistyped",
    "failed",
    "did",
    "didn't",
    "didn’t",
    "didnt",
    "introduced",
    "pushed",
    "deployed",
    "merged",
    "shipped",
    "committed",
    "applied",
    "ran",
    "released",
    "took",
    "brought",
    "should",
    "should've",
    "should’ve",
    "forgot",
    "forgotten",
    "accidentally",
    "mistakenly",
    "carelessly",
    "inadvertently",
    "negligently",
    "neglected",
    "overlooked",
    "messed",
    "screwed",
    "botched",
    "fat-fingered",
    "fat",
    "made",
    "was",
    "were",
    "is",
];

/// Words FAILURE and HUMAN_FAILURE skip between a name and the failure.
const FILLERS: &[&str] = &[
    "had",
    "has",
    "then",
    "also",
    "just",
    "again",
    "unfortunately",
    "simply",
    "apparently",
    "clearly",
    "obviously",
];

/// Any word a blaming phrase starts with: segments without one are skipped.
static PHRASE_HINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:human|operator|should|careless|negligen|sloppy|reckless|incompeten|fault|blame|forg[oe]t)",
    )
    .expect("valid regex")
});

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let people = People::new(&[&cx.incident.authors, &cx.config.check.people]);
    let prose = &cx.source.prose;
    let hints: Vec<usize> = PHRASE_HINT.find_iter(prose).map(|m| m.start()).collect();
    for segment in &cx.source.segments {
        let words: Vec<Word> = WORD
            .find_iter(&prose[segment.clone()])
            .map(|m| Word {
                text: m.as_str(),
                range: segment.start + m.start()..segment.start + m.end(),
            })
            .collect();
        if let Some(finding) = person_blame(cx, &people, &words, segment) {
            out.push(finding);
            continue;
        }
        let first_hint = hints.partition_point(|&h| h < segment.start);
        if hints.get(first_hint).is_some_and(|&h| h < segment.end)
            && let Some(finding) = blaming_phrase(cx, &people, &words, segment)
        {
            out.push(finding);
        }
    }
}

/// A named person followed by a failure: "Dana pushed a bad config".
fn person_blame(
    cx: &Context,
    people: &People,
    words: &[Word],
    segment: &Range<usize>,
) -> Option<Finding> {
    let prose = &cx.source.prose;
    for (i, word) in words.iter().enumerate() {
        // Cheap test first: does a failure word follow?
        let possessive = strip_possessive(word.text).1;
        let next = words[i + 1..]
            .iter()
            .map(|w| w.text.to_lowercase())
            .find(|w| !FILLERS.contains(&w.as_str()));
        let failure_follows = next.is_some_and(|w| FAILURE_STARTS.contains(&w.as_str()));
        // "Dana Scully forgot": the failure follows the surname.
        let after_surname = words.get(i + 2).is_some_and(|w| {
            FAILURE_STARTS.contains(&w.text.to_lowercase().as_str())
                || strip_possessive(words[i + 1].text).1
        });
        if !(possessive || failure_follows || after_surname) {
            continue;
        }
        let Some((name, name_end, known)) = person_at(people, words, i) else {
            continue;
        };
        let after = &prose[name_end..segment.end];
        let failure = FAILURE
            .captures(after)
            .filter(|_| known)
            .or_else(|| HUMAN_FAILURE.captures(after));
        let Some(failure) = failure else {
            continue;
        };
        let end = name_end + failure.get(0).map_or(0, |m| m.end());
        let what = failure[1].split_whitespace().collect::<Vec<_>>().join(" ");
        return Some(cx.finding(
            "blameless/person",
            word.range.start..end,
            format!("{name} is the subject of a failure (\"{name} … {what}\")"),
            "make the system the subject: say what happened and what allowed it (\"a change with a bad query was deployed; our review process didn't catch it\"), and name roles, not people",
        ));
    }
    None
}

/// Whether the word at `i` starts a person's name: the name, where it
/// ends in the file, and whether it is known to be a person (not guessed
/// from capitals alone).
fn person_at(people: &People, words: &[Word], i: usize) -> Option<(String, usize, bool)> {
    let word = &words[i];
    let (bare, possessive) = strip_possessive(word.text);
    let name_end = word.range.start + bare.len();
    if let Some(handle) = bare.strip_prefix('@') {
        return (handle.len() > 1).then(|| (bare.to_string(), name_end, true));
    }
    let mut chars = bare.chars();
    let capitalised = chars.next().is_some_and(char::is_uppercase)
        && chars
            .clone()
            .all(|c| c.is_lowercase() || c == '-' || c == '\'')
        && bare.chars().count() >= 2;
    if !capitalised {
        return None;
    }
    let lower = bare.to_lowercase();
    // A full name from authors or the roster, longest first.
    if !possessive {
        for full in &people.full {
            let matches = full.len() > 1
                && words.len() >= i + full.len()
                && full
                    .iter()
                    .zip(&words[i..])
                    .all(|(part, w)| strip_possessive(w.text).0.to_lowercase() == *part);
            if matches {
                let last = &words[i + full.len() - 1];
                let (last_bare, _) = strip_possessive(last.text);
                let end = last.range.start + last_bare.len();
                let name = words[i..i + full.len()]
                    .iter()
                    .map(|w| strip_possessive(w.text).0)
                    .collect::<Vec<_>>()
                    .join(" ");
                return Some((name, end, true));
            }
        }
    }
    if people.given.contains(&lower) || GIVEN_NAME_SET.contains(lower.as_str()) {
        // "Dana Scully broke…": take a capitalised surname along.
        if let Some(next) = words.get(i + 1)
            && !possessive
        {
            let (next_bare, _) = strip_possessive(next.text);
            let mut chars = next_bare.chars();
            if chars.next().is_some_and(char::is_uppercase)
                && chars.all(char::is_lowercase)
                && !NOT_NAMES.contains(&next_bare.to_lowercase().as_str())
                && !FAILURE.is_match(&next_bare.to_lowercase())
            {
                return Some((
                    format!("{bare} {next_bare}"),
                    next.range.start + next_bare.len(),
                    true,
                ));
            }
        }
        return Some((bare.to_string(), name_end, true));
    }
    if NOT_NAMES.contains(&lower.as_str()) {
        return None;
    }
    Some((bare.to_string(), name_end, false))
}

fn strip_possessive(word: &str) -> (&str, bool) {
    match word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")) {
        Some(bare) if !bare.is_empty() => (bare, true),
        _ => (word, false),
    }
}

/// "human error", "should have", "careless", "fault of", "forgot to".
fn blaming_phrase(
    cx: &Context,
    people: &People,
    words: &[Word],
    segment: &Range<usize>,
) -> Option<Finding> {
    let prose = &cx.source.prose;
    let sentence = &prose[segment.clone()];
    for phrase in PHRASES.iter() {
        for m in phrase.pattern.find_iter(sentence) {
            let start = segment.start + m.start();
            let before = &sentence[..m.start()];
            let tail: String = before
                .chars()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let after: String = sentence[m.end()..].chars().take(24).collect();
            if NEGATION.is_match(&tail)
                || NEGATED_AFTER.is_match(&after)
                || before.trim_end().ends_with(['"', '“', '\'', '‘'])
            {
                continue;
            }
            if phrase.needs_person
                && !(person_subject(people, words, start)
                    && participle_follows(&sentence[m.end()..]))
            {
                continue;
            }
            return Some(cx.finding(
                "blameless/language",
                start..segment.start + m.end(),
                format!("{} (\"{}\")", phrase.message, m.as_str()),
                phrase.hint,
            ));
        }
    }
    None
}

/// Whether "should have" is followed by a past participle ("should have
/// checked"), not a noun ("we should have a talk with…", a plan).
fn participle_follows(rest: &str) -> bool {
    const IRREGULAR: &[&str] = &[
        "been",
        "done",
        "known",
        "seen",
        "caught",
        "run",
        "made",
        "taken",
        "gone",
        "had",
        "built",
        "sent",
        "kept",
        "left",
        "put",
        "set",
        "read",
        "written",
        "thought",
        "found",
        "told",
        "brought",
        "understood",
        "spent",
        "held",
        "taught",
        "spotted",
        "got",
        "gotten",
        "given",
        "heard",
        "rolled",
        "shut",
        "split",
        "spun",
        "stopped",
        "undone",
    ];
    let mut words = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase);
    let mut next = words.next();
    // "should have" (the match may stop before "have" for "shouldn't").
    if next.as_deref() == Some("have") {
        next = words.next();
    }
    // "should have immediately rolled back": skip adverbs in -ly.
    while next
        .as_deref()
        .is_some_and(|w| w.ends_with("ly") && w.len() > 3)
    {
        next = words.next();
    }
    next.is_some_and(|w| IRREGULAR.contains(&w.as_str()) || w.ends_with("ed") || w.ends_with("en"))
}

/// Whether the word before `offset` (skipping adverbs) is a person.
fn person_subject(people: &People, words: &[Word], offset: usize) -> bool {
    const ADVERBS: &[&str] = &[
        "really",
        "probably",
        "definitely",
        "also",
        "clearly",
        "obviously",
        "certainly",
        "perhaps",
        "maybe",
        "then",
        "all",
        "both",
        "likely",
        "arguably",
    ];
    let Some(index) = words.iter().rposition(|w| w.range.end <= offset) else {
        return false;
    };
    let mut i = index as isize;
    while i >= 0 {
        let w = &words[i as usize];
        let lower = w.text.to_lowercase();
        if ADVERBS.contains(&lower.as_str()) {
            i -= 1;
            continue;
        }
        if PERSON_WORDS.contains(&lower.as_str()) {
            return true;
        }
        return person_at(people, words, i as usize).is_some_and(|(_, _, known)| known);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::diagnostics::Diagnostic;
    use crate::incident::Incident;
    use std::path::Path;

    fn findings(body: &str, authors: &[&str]) -> Vec<(String, String)> {
        let text = format!("---\ntitle: T\n---\n{body}");
        let source = super::super::Source::new(Path::new("a.md"), text.clone());
        let incident = incident(authors);
        let config = Config::default();
        let build: Vec<&Diagnostic> = Vec::new();
        let cx = Context {
            incident: &incident,
            source: &source,
            config: &config,
            today: jiff::civil::date(2024, 1, 1),
            build: &build,
        };
        let mut out = Vec::new();
        check(&cx, &mut out);
        out.iter()
            .map(|f| {
                let line = source.line_range(source.line_start(f.diagnostic.line));
                let start = line.start
                    + source.text[line.clone()]
                        .char_indices()
                        .nth(f.diagnostic.column - 1)
                        .map_or(0, |(i, _)| i);
                let len: usize = source.text[start..]
                    .chars()
                    .take(f.end_column - f.diagnostic.column)
                    .map(char::len_utf8)
                    .sum();
                (
                    f.diagnostic.rule.to_string(),
                    source.text[start..start + len].to_string(),
                )
            })
            .collect()
    }

    fn incident(authors: &[&str]) -> Incident {
        let mut incident = crate::check::test_incident();
        incident.authors = authors.iter().map(|a| a.to_string()).collect();
        incident
    }

    #[test]
    fn names_as_subjects_of_failures() {
        let found = findings(
            "## Summary\n\nJohn pushed bad code to production. Priya Raman forgot to renew the certificate.\n\n- @dana accidentally ran the migration twice\n- Kubernetes broke the node pool.\n",
            &["Priya Raman"],
        );
        assert_eq!(
            found,
            [
                ("blameless/person".into(), "John pushed bad".into()),
                ("blameless/person".into(), "Priya Raman forgot".into()),
                ("blameless/person".into(), "@dana accidentally".into()),
            ]
        );
    }

    #[test]
    fn blaming_phrases_with_system_exceptions() {
        let found = findings(
            "The root cause was human error. We should have checked the config. The alert should have fired at 14:00. It was careless. Nothing reminded the team, so they forgot to rotate the key. This was not human error. Human error was not the cause. We should have a talk with the platform team. The lazy-loaded bundle broke.\n",
            &[],
        );
        let phrases: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            phrases,
            ["human error", "should have", "careless", "forgot to"]
        );
    }

    #[test]
    fn code_and_quotes_are_not_prose() {
        assert!(
            findings(
                "```\nJohn broke it\n```\n\nThe term \"human error\" hides causes.\n",
                &[]
            )
            .is_empty()
        );
    }
}
