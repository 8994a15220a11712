//! Byte-level looks at a line before the speaker's regexes run: cheap
//! checks that say a pattern cannot match (so its scan is skipped), and
//! character classes worked out a byte at a time for ASCII text.
//!
//! Each check is conservative: it may say "maybe" when the regex then
//! finds nothing, never "no" when the regex would match. `\d` and `\s`
//! in the regexes are Unicode classes, so non-ASCII characters are decoded
//! and judged with [`char::is_numeric`] (a superset of `\d`) and
//! [`char::is_whitespace`] (the same set as `\s`).

/// The character starting at byte `at` (a char boundary) and its length.
fn char_at(text: &str, at: usize) -> (char, usize) {
    let c = text[at..].chars().next().unwrap_or('\0');
    (c, c.len_utf8())
}

/// The length of the white space character starting at byte `at`, or 0.
/// Only a few lead bytes start non-ASCII white space (U+0085, U+00A0,
/// U+1680, U+2000–U+205F, U+3000); other bytes are judged without decoding.
#[inline]
pub(super) fn whitespace_len(text: &str, at: usize) -> usize {
    match text.as_bytes()[at] {
        b' ' | b'\t'..=b'\r' => 1,
        0xC2 | 0xE1 | 0xE2 | 0xE3 => wide_whitespace_len(text, at),
        _ => 0,
    }
}

#[cold]
fn wide_whitespace_len(text: &str, at: usize) -> usize {
    match char_at(text, at) {
        (c, len) if c.is_whitespace() => len,
        _ => 0,
    }
}

/// Byte classes for the checks below, one table look per byte.
const SPACE: u8 = 1;
const PUNCT: u8 = 2;
/// A lead byte of non-ASCII white space.
const WIDE: u8 = 4;
const UPPER: u8 = 8;
/// The last byte of a white space character, ASCII or not (or of some
/// other non-ASCII character).
const SPACE_END: u8 = 16;
/// An ASCII symbol that marks code or markup (`=`, `{`, `<`, `$`, `|`…).
const SYMBOL: u8 = 32;
const LETTER: u8 = 64;
/// An ASCII byte that is not white space.
const VISIBLE: u8 = 128;

static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let mut class = 0;
        if matches!(byte, b' ' | b'\t'..=b'\r') {
            class |= SPACE | SPACE_END;
        }
        if matches!(byte, b',' | b'.' | b';' | b':' | b'!' | b'?' | b')') {
            class |= PUNCT;
        }
        if matches!(byte, 0xC2 | 0xE1 | 0xE2 | 0xE3) {
            class |= WIDE;
        }
        if byte.is_ascii_uppercase() {
            class |= UPPER;
        }
        if byte >= 0x80 {
            class |= SPACE_END;
        }
        if matches!(
            byte,
            b'=' | b'{' | b'}' | b'<' | b'>' | b';' | b'$' | b'\\' | b'|'
        ) {
            class |= SYMBOL;
        }
        if byte.is_ascii_alphabetic() {
            class |= LETTER;
        }
        if byte < 0x80 && !matches!(byte, b' ' | b'\t'..=b'\r') {
            class |= VISIBLE;
        }
        table[b] = class;
        b += 1;
    }
    table
};

/// Symbols (`=`, `{`, `}`, `<`, `>`, `;`, `$`, `\`, `|`), letters and
/// characters that are not white space in a line, in one pass that looks
/// up ASCII bytes in a table and decodes other characters only.
pub(super) fn prose_counts(line: &str) -> (usize, usize, usize) {
    let (mut symbols, mut letters, mut visible) = (0, 0, 0);
    let bytes = line.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if b < 0x80 {
            let class = CLASS[usize::from(b)];
            symbols += usize::from(class & SYMBOL != 0);
            letters += usize::from(class & LETTER != 0);
            visible += usize::from(class & VISIBLE != 0);
            at += 1;
        } else {
            let (c, len) = char_at(line, at);
            letters += usize::from(c.is_alphabetic());
            visible += usize::from(!c.is_whitespace());
            at += len;
        }
    }
    (symbols, letters, visible)
}

/// Could [`super::respace`] change anything: two white space characters
/// in a row (`collapse`), or one before `,.;:!?)`. The bytes answer for
/// ASCII white space; a text with non-ASCII white space (rare, looked for
/// only when a lead byte that may start one is there) says "maybe".
pub(super) fn maybe_respace(text: &str, collapse: bool) -> bool {
    // Bit 0 of `hit`: a space after a space; bit 1: punctuation after a
    // space; bit 2: a wide lead byte.
    let want = if collapse { SPACE | WIDE } else { PUNCT | WIDE };
    let mut previous = 0u8;
    let mut hit = 0u8;
    for &b in text.as_bytes() {
        let class = CLASS[usize::from(b)];
        let after_space = (previous & SPACE) * (SPACE | PUNCT);
        hit |= (after_space | WIDE) & class;
        previous = class;
    }
    if hit & want & !WIDE != 0 {
        return true;
    }
    hit & want & WIDE != 0 && text.chars().any(|c| !c.is_ascii() && c.is_whitespace())
}

/// Whether a digit (`\d`) is followed by something `then` accepts: the
/// rest of the text after the digit.
fn digit_then(text: &str, then: impl Fn(&str) -> bool) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if b.is_ascii_digit() {
            if then(&text[at + 1..]) {
                return true;
            }
            at += 1;
        } else if b >= 0xC0 {
            let (c, len) = char_at(text, at);
            if c.is_numeric() && then(&text[at + len..]) {
                return true;
            }
            at += len;
        } else {
            at += 1;
        }
    }
    false
}

/// Whether `rest` starts with an optional white space character and then
/// a byte in `set` (the regexes' `\s?` before a unit or `%`).
fn then_maybe_space(rest: &str, set: &[u8]) -> bool {
    let Some(&first) = rest.as_bytes().first() else {
        return false;
    };
    if set.contains(&first) {
        return true;
    }
    let space = whitespace_len(rest, 0);
    space > 0 && rest.as_bytes().get(space).is_some_and(|b| set.contains(b))
}

/// A digit directly followed by `byte`: `2024-`, `14:`, `10.`, `2h`, `4x`.
/// Looks at the bytes equal to `byte` (rarer than digits, found with
/// `memchr` through `str::find`).
pub(super) fn digit_before(text: &str, byte: u8) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find(char::from(byte)) {
        let at = from + found;
        let digit = at > 0
            && match bytes[at - 1] {
                d if d.is_ascii_digit() => true,
                d if d < 0x80 => false,
                _ => text[..at].chars().next_back().is_some_and(char::is_numeric),
            };
        if digit {
            return true;
        }
        // `byte` is ASCII, so the next byte starts a character.
        from = at + 1;
    }
    false
}

/// Could `\d\s?(ms|s|min|h|d…)` match: a digit, maybe a space, a unit letter.
pub(super) fn maybe_duration(text: &str) -> bool {
    digit_then(text, |rest| then_maybe_space(rest, b"mshd"))
}

/// Could `\d\s?%` match.
pub(super) fn maybe_percent(text: &str) -> bool {
    text.contains('%') && digit_then(text, |rest| then_maybe_space(rest, b"%"))
}

/// Could `[pP]\d{2}` match.
pub(super) fn maybe_percentile(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(at, &b)| {
        matches!(b, b'p' | b'P')
            && bytes
                .get(at + 1)
                .is_some_and(|&n| n.is_ascii_digit() || n >= 0xC0)
    })
}

/// Could a month name (`January`…`December`, `Jan`…`Dec`, `Sept`) be in
/// the text: every one starts with one of these capitalised three letters.
pub(super) fn maybe_month(text: &str) -> bool {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let bytes = text.as_bytes();
    bytes.windows(3).any(|w| {
        matches!(w[0], b'J' | b'F' | b'M' | b'A' | b'S' | b'O' | b'N' | b'D')
            && MONTHS
                .iter()
                .any(|m| m[0] == w[0] && m[1] == w[1] && m[2] == w[2])
    })
}

/// Could `[,;:]\s*[,;:]` or `,\s*\.` match.
pub(super) fn maybe_double_punct(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        at += 1;
        if !matches!(b, b',' | b';' | b':') {
            continue;
        }
        let mut next = at;
        while next < bytes.len() {
            let space = whitespace_len(text, next);
            if space == 0 {
                break;
            }
            next += space;
        }
        if bytes
            .get(next)
            .is_some_and(|&n| matches!(n, b',' | b';' | b':') || (b == b',' && n == b'.'))
        {
            return true;
        }
    }
    false
}

/// Could `\b(?:First)\s+[A-Z]` match, where `First` is one of `names`:
/// an upper-case letter after white space that follows one of the names.
pub(super) fn maybe_first_last(text: &str, names: &[&str]) -> bool {
    let bytes = text.as_bytes();
    for at in 1..bytes.len() {
        // A capital after the end of a space (or of some non-ASCII character).
        if CLASS[usize::from(bytes[at])] & UPPER == 0
            || CLASS[usize::from(bytes[at - 1])] & SPACE_END == 0
        {
            continue;
        }
        let mut before = &text[..at];
        let mut spaces = 0;
        while let Some(c) = before.chars().next_back().filter(|c| c.is_whitespace()) {
            before = &before[..before.len() - c.len_utf8()];
            spaces += 1;
        }
        if spaces == 0 {
            continue;
        }
        // The letters just before the space; a name is the whole of them
        // when they are ASCII (an ASCII letter before it is no boundary).
        let word_start = before
            .bytes()
            .rposition(|b| !(b.is_ascii_alphabetic() || b >= 0x80))
            .map_or(0, |p| p + 1);
        let word = &before[word_start..];
        let found = if word.is_ascii() {
            // Most capitals follow a word that is no name at all.
            word.len() >= 2 && word.as_bytes()[0].is_ascii_uppercase() && names.contains(&word)
        } else {
            names.iter().any(|name| word.ends_with(name))
        };
        if found {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    /// Each check says "maybe" wherever its regex matches.
    #[test]
    fn checks_never_miss_a_match() {
        let texts = [
            "",
            "took 10 minutes",
            "took 10minutes",
            "took 10\u{a0}ms",
            "took 10\u{2003}h",
            "٣ s later",
            "at 14:32 UTC",
            "on 2024-03-14",
            "99.2% and 99 % and 5\u{a0}%",
            "p99 and P50 and p٣٣",
            "on 14 March, March 3",
            "Sept 3rd",
            "a, , b ;\u{a0}: c ,  .",
            "no numbers here",
            "Sam  Smith, éAlex Jones, Chloé\u{a0}Martin",
            "Samuel Smith",
            "10.0.0.1:8080 and 4x and 2h 30m",
        ];
        type Check = fn(&str) -> bool;
        let cases: [(&str, Check); 6] = [
            (
                r"(?-u:\b)(\d+(?:\.\d+)?)\s?(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|d)(?-u:\b)",
                maybe_duration,
            ),
            (r"(\d+(?:\.\d+)?)\s?%", maybe_percent),
            (r"(?-u:\b)[pP](\d{2}(?:\.\d)?)(?-u:\b)", maybe_percentile),
            (
                r"(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)",
                maybe_month,
            ),
            (r"([,;:])\s*[,;:]+|,\s*\.", maybe_double_punct),
            (r"(?-u:\b)(?:Sam|Samuel|Alex|Chloé)\s+[A-Z]", |t: &str| {
                maybe_first_last(t, &["Sam", "Samuel", "Alex", "Chloé"])
            }),
        ];
        for (pattern, check) in cases {
            let re = Regex::new(pattern).unwrap();
            for text in texts {
                if re.is_match(text) {
                    assert!(check(text), "{pattern} on {text:?}");
                }
            }
        }
        for (byte, pattern) in [(b'-', r"\d-"), (b':', r"\d:"), (b'.', r"\d\.")] {
            let re = Regex::new(pattern).unwrap();
            for text in texts {
                if re.is_match(text) {
                    assert!(digit_before(text, byte), "{pattern} on {text:?}");
                }
            }
        }
        assert!(!maybe_duration("no numbers here"));
        assert!(!maybe_first_last("The Disk was full", &["Sam"]));
    }

    #[test]
    fn white_space_lengths() {
        for (text, len) in [
            (" x", 1),
            ("\u{a0}x", 2),
            ("\u{3000}", 3),
            ("é", 0),
            ("—", 0),
        ] {
            assert_eq!(whitespace_len(text, 0), len, "{text:?}");
        }
    }

    /// The counts as the per-character loop they replaced worked them out.
    fn prose_counts_by_char(line: &str) -> (usize, usize, usize) {
        let symbols = line
            .chars()
            .filter(|c| matches!(c, '=' | '{' | '}' | '<' | '>' | ';' | '$' | '\\' | '|'))
            .count();
        let letters = line.chars().filter(|c| c.is_alphabetic()).count();
        let visible = line.chars().filter(|c| !c.is_whitespace()).count();
        (symbols, letters, visible)
    }

    proptest::proptest! {
        #[test]
        fn prose_counts_match_the_per_character_loop(
            line in "[ -~\t\n\u{b}\u{c}\r\u{a0}\u{2003}\u{3000}éü—→٣ß\u{1680}]{0,40}"
        ) {
            proptest::prop_assert_eq!(prose_counts(&line), prose_counts_by_char(&line));
        }
    }
}
