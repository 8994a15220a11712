//! The time that opens a timeline line, read by hand: what the regex
//! [`PATTERN`] captures, at a small fraction of its cost. Captures made
//! the regex run its backtracking engine on every line with a digit, about
//! a third of the timeline's whole cost.
//!
//! Input: one line of text. Output: the byte ranges the regex's groups
//! would capture. The regex stays the definition: a text with digits other
//! than 0-9 (which its `\d` matches) is read by it, and the tests compare
//! the two on many texts.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// A time (or a date, or both) that opens a line, with what goes with it.
pub const PATTERN: &str = r"(?xi)^\s*
    (?P<approx>~|≈|about\s+|approx\.?\s+|approximately\s+|circa\s+|ca\.\s+)?
    (?:(?P<date>\d{4}-\d{2}-\d{2})(?:T|\s+|$))?
    (?P<time>\d{1,2}:\d{2}(?::\d{2})?|--:--|\?\?:\?\?)?
    (?:\s*(?:-|–|—|to)\s*(?P<end>\d{1,2}:\d{2}))?
    (?P<zone>\s*(?:Z|UTC|GMT|CET|CEST|EET|EEST|BST|PST|PDT|EST|EDT|CST|CDT|IST|[+-]\d{2}:?\d{2})\b)?
    (?:\s*\((?P<note>[^)]{1,24})\))?";

/// The regex as written, for texts with digits other than 0-9.
static UNICODE_DIGITS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(PATTERN).expect("valid regex"));

/// What [`PATTERN`] captures of a line, as byte ranges of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimePrefix {
    /// The whole match (it always starts at 0).
    pub whole: Range<usize>,
    pub approx: Option<Range<usize>>,
    pub date: Option<Range<usize>>,
    pub time: Option<Range<usize>>,
    pub end: Option<Range<usize>>,
    /// With the spaces before it, as the regex captures it.
    pub zone: Option<Range<usize>>,
    pub note: Option<Range<usize>>,
}

/// Reads the time prefix of `text`, as [`PATTERN`] would.
pub fn read(text: &str) -> TimePrefix {
    if has_other_digits(text) {
        return by_regex(&UNICODE_DIGITS, text);
    }
    let line = Line(text);
    let mut prefix = TimePrefix {
        whole: 0..0,
        approx: None,
        date: None,
        time: None,
        end: None,
        zone: None,
        note: None,
    };
    let mut at = line.spaces(0);
    // Each group is optional and everything after it is too, so the
    // regex takes the first way each group matches and never backs off
    // into an earlier one: the groups are read one after another.
    if let Some(after) = line.approximation(at) {
        prefix.approx = Some(at..after);
        at = after;
    }
    if let Some((date, after)) = line.date(at) {
        prefix.date = Some(date);
        at = after;
    }
    if let Some(after) = line.time(at) {
        prefix.time = Some(at..after);
        at = after;
    }
    if let Some((end, after)) = line.range_end(at) {
        prefix.end = Some(end);
        at = after;
    }
    if let Some(after) = line.zone(at) {
        prefix.zone = Some(at..after);
        at = after;
    }
    if let Some((note, after)) = line.note(at) {
        prefix.note = Some(note);
        at = after;
    }
    prefix.whole = 0..at;
    prefix
}

/// Whether the text has a digit other than 0-9: `\d` matches those, so
/// the text is read by the regex itself (`is_numeric` covers more than
/// `\d` does, which only sends a few more texts there).
pub fn has_other_digits(text: &str) -> bool {
    // Only the characters outside ASCII are decoded (most lines have none
    // or a dash or two), found by their first byte in the blocks that
    // hold any, which a test the compiler vectorises picks out.
    const BLOCK: usize = 16;
    let bytes = text.as_bytes();
    bytes.chunks(BLOCK).enumerate().any(|(index, block)| {
        block.iter().fold(0, |any, &b| any | b) >= 0x80
            && (index * BLOCK..)
                .zip(block)
                .filter(|&(_, &b)| b >= 0xC0)
                .any(|(at, _)| text[at..].chars().next().is_some_and(char::is_numeric))
    })
}

fn by_regex(regex: &Regex, text: &str) -> TimePrefix {
    let captures = regex.captures(text);
    let group = |name: &str| {
        captures
            .as_ref()
            .and_then(|c| c.name(name))
            .map(|m| m.range())
    };
    TimePrefix {
        whole: captures
            .as_ref()
            .and_then(|c| c.get(0))
            .map_or(0..0, |m| m.range()),
        approx: group("approx"),
        date: group("date"),
        time: group("time"),
        end: group("end"),
        zone: group("zone"),
        note: group("note"),
    }
}

/// A line and the pieces of the pattern, each reading at a byte offset
/// and returning where its match ends.
struct Line<'a>(&'a str);

impl Line<'_> {
    fn char_at(&self, at: usize) -> Option<char> {
        self.0.get(at..)?.chars().next()
    }

    /// `\s*`: Unicode white space, as the regex's `\s`.
    fn spaces(&self, at: usize) -> usize {
        let rest = &self.0[at..];
        at + rest.len() - rest.trim_start().len()
    }

    /// `\s+`.
    fn some_spaces(&self, at: usize) -> Option<usize> {
        let after = self.spaces(at);
        (after > at).then_some(after)
    }

    /// An exact character.
    fn char(&self, at: usize, expected: char) -> Option<usize> {
        (self.char_at(at)? == expected).then(|| at + expected.len_utf8())
    }

    /// An ASCII word, matched as `(?i)` does: ignoring case, where `k`
    /// and `s` also match the Kelvin sign and the long s.
    fn word(&self, mut at: usize, word: &str) -> Option<usize> {
        for expected in word.chars() {
            let c = self.char_at(at)?;
            let same = c.eq_ignore_ascii_case(&expected)
                || (expected.eq_ignore_ascii_case(&'k') && c == '\u{212A}')
                || (expected.eq_ignore_ascii_case(&'s') && c == '\u{017F}');
            if !same {
                return None;
            }
            at += c.len_utf8();
        }
        Some(at)
    }

    /// Exactly `n` digits 0-9.
    fn digits(&self, at: usize, n: usize) -> Option<usize> {
        let digits = self.0.as_bytes().get(at..at + n)?;
        digits.iter().all(u8::is_ascii_digit).then_some(at + n)
    }

    /// `\d{1,2}:\d{2}`: two digits are tried first, then one.
    fn hours_minutes(&self, at: usize) -> Option<usize> {
        let hours = self
            .digits(at, 2)
            .and_then(|after| self.char(after, ':'))
            .or_else(|| self.digits(at, 1).and_then(|after| self.char(after, ':')))?;
        self.digits(hours, 2)
    }

    /// `~|≈|about\s+|approx\.?\s+|approximately\s+|circa\s+|ca\.\s+`.
    fn approximation(&self, at: usize) -> Option<usize> {
        let spaced = |after: Option<usize>| after.and_then(|after| self.some_spaces(after));
        self.char(at, '~')
            .or_else(|| self.char(at, '≈'))
            .or_else(|| spaced(self.word(at, "about")))
            .or_else(|| {
                spaced(
                    self.word(at, "approx")
                        .map(|after| self.char(after, '.').unwrap_or(after)),
                )
            })
            .or_else(|| spaced(self.word(at, "approximately")))
            .or_else(|| spaced(self.word(at, "circa")))
            .or_else(|| spaced(self.word(at, "ca").and_then(|after| self.char(after, '.'))))
    }

    /// `(?P<date>\d{4}-\d{2}-\d{2})(?:T|\s+|$)`: the date and where the
    /// whole ends.
    fn date(&self, at: usize) -> Option<(Range<usize>, usize)> {
        let year = self.digits(at, 4)?;
        let month = self.digits(self.char(year, '-')?, 2)?;
        let day = self.digits(self.char(month, '-')?, 2)?;
        let after = self
            .word(day, "T")
            .or_else(|| self.some_spaces(day))
            .or_else(|| (day == self.0.len()).then_some(day))?;
        Some((at..day, after))
    }

    /// `\d{1,2}:\d{2}(?::\d{2})?|--:--|\?\?:\?\?`.
    fn time(&self, at: usize) -> Option<usize> {
        if let Some(minutes) = self.hours_minutes(at) {
            let seconds = self
                .char(minutes, ':')
                .and_then(|colon| self.digits(colon, 2));
            return Some(seconds.unwrap_or(minutes));
        }
        let rest = &self.0[at..];
        (rest.starts_with("--:--") || rest.starts_with("??:??")).then_some(at + 5)
    }

    /// `\s*(?:-|–|—|to)\s*(?P<end>\d{1,2}:\d{2})`: the end time and where
    /// the whole ends.
    fn range_end(&self, at: usize) -> Option<(Range<usize>, usize)> {
        let dash = self.spaces(at);
        let after_dash = self
            .char(dash, '-')
            .or_else(|| self.char(dash, '–'))
            .or_else(|| self.char(dash, '—'))
            .or_else(|| self.word(dash, "to"))?;
        let start = self.spaces(after_dash);
        let end = self.hours_minutes(start)?;
        Some((start..end, end))
    }

    /// `\s*(?:Z|UTC|…|[+-]\d{2}:?\d{2})\b`.
    fn zone(&self, at: usize) -> Option<usize> {
        const NAMES: [&str; 15] = [
            "Z", "UTC", "GMT", "CET", "CEST", "EET", "EEST", "BST", "PST", "PDT", "EST", "EDT",
            "CST", "CDT", "IST",
        ];
        let start = self.spaces(at);
        // Every name starts with an ASCII letter, which only itself and
        // its other case match.
        let letter = self
            .0
            .as_bytes()
            .get(start)
            .is_some_and(u8::is_ascii_alphabetic);
        let named = NAMES
            .iter()
            .filter(|_| letter)
            .filter_map(|name| self.word(start, name))
            .find(|&after| self.word_boundary(after));
        named.or_else(|| {
            let sign = self.char(start, '+').or_else(|| self.char(start, '-'))?;
            let hours = self.digits(sign, 2)?;
            // `:?` takes the colon when there is one; without it, the
            // minutes would have to start at the colon.
            let minutes = self.char(hours, ':').unwrap_or(hours);
            let after = self.digits(minutes, 2)?;
            self.word_boundary(after).then_some(after)
        })
    }

    /// `\s*\((?P<note>[^)]{1,24})\)`: the note and where the whole ends.
    fn note(&self, at: usize) -> Option<(Range<usize>, usize)> {
        let start = self.char(self.spaces(at), '(')?;
        let (length, close) = self.0[start..]
            .char_indices()
            .take(25)
            .enumerate()
            .find(|(_, (_, c))| *c == ')')
            .map(|(chars, (offset, _))| (chars, start + offset))?;
        (length >= 1).then(|| (start..close, close + 1))
    }

    /// `\b` after a word character: the text ends or a non-word
    /// character follows.
    fn word_boundary(&self, at: usize) -> bool {
        self.char_at(at).is_none_or(|c| !is_word_character(c))
    }
}

/// Unicode's word characters, as the regex's `\w` and `\b` see them.
fn is_word_character(c: char) -> bool {
    static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\w$").expect("valid regex"));
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    WORD.is_match(c.encode_utf8(&mut [0; 4]))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The regex with `\d` narrowed to 0-9, which is what the texts read
    /// by hand are read as.
    fn narrowed() -> Regex {
        Regex::new(&PATTERN.replace(r"\d", "[0-9]")).unwrap()
    }

    fn assert_reads_as_the_regex(regex: &Regex, text: &str) {
        let regex = if has_other_digits(text) {
            &UNICODE_DIGITS
        } else {
            regex
        };
        assert_eq!(read(text), by_regex(regex, text), "{text:?}");
    }

    #[test]
    fn reads_as_the_regex() {
        let regex = narrowed();
        let texts = [
            "14:32 — Alert fired",
            "~2024-03-14 02:00-04:30 CET (approx) restarted",
            "about 9:05 UTC: paged",
            "approx. 9:05 paged",
            "approx9:05",
            "Approximately  10:00 to 11:00 EEST (day 2)",
            "ca. 10:00",
            "ca 10:00",
            "circa\t23:59:59Z",
            "2024-03-14T10:00Z",
            "2024-03-14t10:00",
            "2024-03-14",
            "2024-03-14x",
            "2024-03-14 text",
            "12345-03-14 10:00",
            "123:45",
            "1:05pm",
            "--:-- unknown",
            "??:?? unknown",
            "09:00\u{a0}UTC noted",
            "10:00 Zulu",
            "10:00 Z",
            "10:00 CEſT ok",
            "10:00 +05:30 ok",
            "10:00 +0530",
            "10:00 +05:3012",
            "10:00 -0800é",
            "10:00 UTCé",
            "10:00 UTC_x",
            "10:00 (note)",
            "10:00 ()",
            "10:00 (a very long note of many words)",
            "10:00 (exactly twenty-four ch)",
            "10:00 (exactly twenty-four c)",
            "10:00 (ééééééééééééééééééééééé)",
            "10:00 (open",
            "  10:00 — 11:00",
            "10:00 TO 11:00",
            "10:00 –11:00",
            "10:00 to",
            "",
            "   ",
            "٠٩:٣٠ 2024-03-14",
            "\u{212A}10:00",
        ];
        for text in texts {
            assert_reads_as_the_regex(&regex, text);
        }
    }

    /// The hand-read `\s` and `(?i)` letters are the regex's own.
    #[test]
    fn white_space_and_case_folding_are_the_regex_s() {
        let space = Regex::new(r"^\s$").unwrap();
        let letter = Regex::new(r"(?i)^[a-z]$").unwrap();
        let mut folded = Vec::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let text = c.to_string();
            assert_eq!(space.is_match(&text), c.is_whitespace(), "{c:?}");
            if !c.is_ascii() && letter.is_match(&text) {
                folded.push(c);
            }
        }
        assert_eq!(folded, ['\u{017F}', '\u{212A}']);
        assert!(Regex::new("(?i)^s$").unwrap().is_match("\u{017F}"));
        assert!(Regex::new("(?i)^k$").unwrap().is_match("\u{212A}"));
    }

    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "0",
            "1",
            "2",
            "4",
            "9",
            "12",
            "2024",
            ":",
            "-",
            "–",
            "—",
            " ",
            "  ",
            "\t",
            "\u{a0}",
            "~",
            "≈",
            "about",
            "approx",
            ".",
            "approximately",
            "circa",
            "ca",
            "T",
            "t",
            "to",
            "Z",
            "UTC",
            "cest",
            "CE",
            "EEST",
            "ist",
            "+",
            "(",
            ")",
            "x",
            "é",
            "_",
            "ſ",
            "?",
            "--:--",
            "??:??",
            "2024-03-14",
            "10:00",
            "1:05",
            "05:30",
        ])
    }

    proptest! {
        #[test]
        fn other_digits_are_found_as_a_scan_of_every_character_finds_them(
            pieces in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(vec!["a", "1", " ", "—", "é", "٣", "½", "①", "𝟙", "\u{a0}"])
                        .prop_map(str::to_string),
                    "\\PC",
                ],
                0..12,
            )
        ) {
            let text = pieces.concat();
            let every = text.chars().any(|c| !c.is_ascii() && c.is_numeric());
            prop_assert_eq!(has_other_digits(&text), every, "{:?}", text);
        }

        #[test]
        fn reads_any_text_as_the_regex(pieces in prop::collection::vec(piece(), 0..12)) {
            let text = pieces.concat();
            let regex = narrowed();
            prop_assert_eq!(read(&text), by_regex(&regex, &text), "{:?}", text);
        }
    }
}
