//! Numbers, dates, durations, clock times and reading times in words, for
//! digest speech: `3.8` → "three point eight", 14:05 → "five past two in
//! the afternoon", 150 words → "one minute".

use jiff::SignedDuration;
use jiff::civil::Date;

use crate::digest::periods::month_name;

/// Spoken words per minute used for reading-time estimates.
pub const WORDS_PER_MINUTE: usize = 150;

/// Estimated seconds to read `words` aloud at [`WORDS_PER_MINUTE`].
pub fn reading_seconds(words: usize) -> u32 {
    (words * 60).div_ceil(WORDS_PER_MINUTE) as u32
}

/// Words in a text, as a listener hears them: runs of characters that are
/// not white space (what `split_whitespace` counts).
pub fn word_count(text: &str) -> usize {
    if !text.is_ascii() {
        return wide_word_count(text);
    }
    // Runs of non-space bytes; ASCII white space is what `char::is_whitespace`
    // says for ASCII (not `u8::is_ascii_whitespace`, which leaves out \x0b).
    let mut words = 0;
    let mut in_word = false;
    for &b in text.as_bytes() {
        let space = matches!(b, b' ' | b'\t'..=b'\r');
        words += usize::from(!space && !in_word);
        in_word = !space;
    }
    words
}

/// [`word_count`] of a text with non-ASCII characters, a byte at a time
/// with only the lead bytes of non-ASCII white space decoded.
fn wide_word_count(text: &str) -> usize {
    let mut words = 0;
    let mut in_word = false;
    let mut at = 0;
    while at < text.len() {
        let space = super::scan::whitespace_len(text, at);
        if space > 0 {
            in_word = false;
            at += space;
        } else {
            words += usize::from(!in_word);
            in_word = true;
            at += 1;
        }
    }
    words
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

pub(super) fn spoken_day_of_month(day: &str, month: &str) -> Option<String> {
    let day: u32 = day.parse().ok()?;
    let month_number =
        (1..=12).find(|&m| month_name(m).starts_with(&month[..3.min(month.len())]))?;
    (1..=31)
        .contains(&day)
        .then(|| format!("the {} of {}", ordinal_words(day), month_name(month_number)))
}

/// `3.8` → "three point eight", `9,400` stays digits-free too.
pub(super) fn decimal_words(number: &str) -> String {
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
