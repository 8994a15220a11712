//! Secrets and personal data pasted into postmortems: cloud keys and
//! tokens (AWS, GitHub, Slack), private keys, passwords in URLs, random
//! tokens in log excerpts, e-mail addresses and public IP addresses.
//! Documentation values (AWS's `…EXAMPLE` keys, `example.com`, the
//! documentation IP ranges) are left alone.
//!
//! Input: the whole file text, code and front matter included (log
//! excerpts are where secrets hide). Output: `secrets/*` and
//! `personal-data/*` findings. Messages never repeat a secret in full.

use std::net::Ipv4Addr;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Context, Finding, Source, rules};

static AWS_KEY_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?-u:\b)")
        .expect("valid regex")
});
static AWS_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)aws.{0,20}?secret.{0,20}?["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)"#)
        .expect("valid regex")
});
static GITHUB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(?:(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?-u:\b)",
    )
    .expect("valid regex")
});
static SLACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)xox[abposre]-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}")
        .expect("valid regex")
});
static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----").expect("valid regex")
});
static PASSWORD_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@<>]+:([^/\s@<>]+)@[^\s/@<>]+")
        .expect("valid regex")
});
/// A keyword and the token given for it, the token captured: the part
/// of [`KEYWORD_TOKEN`] after the word boundary it starts with, with every
/// keyword in lowercase.
const KEYWORD_AND_TOKEN: &str = r#"(?:api[_-]?key|apikey|secret(?:[_-]?key)?|client[_-]?secret|access[_-]?token|auth[_-]?token|token|passwd|password|pwd|bearer|authorization)(?-u:\b)["']?\s*(?:[:=]|:?\s+bearer\s|\s)\s*["']?([A-Za-z0-9+/_.=-]{16,})"#;
/// A secret-looking token after a keyword such as `password:`, in any case.
static KEYWORD_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)(?-u:\b){KEYWORD_AND_TOKEN}")).expect("valid regex")
});
/// [`KEYWORD_TOKEN`] for a text whose ASCII letters are in lowercase.
/// Matching case-insensitively, its alternation of keywords is too wide
/// for the regex's literal search, which crawled through every file with
/// its automaton (71 ms of one core over the generated 10k archive's
/// files); in lowercase, the literal search finds the keywords (17 ms with
/// the lowering, measured outside the build).
static KEYWORD_TOKEN_LOWERED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?-u:\b){KEYWORD_AND_TOKEN}")).expect("valid regex"));

/// Whether `text` has one of the two non-ASCII letters that Unicode case
/// folding matches to ASCII ones (`ſ` to `s`, the Kelvin sign to `k`):
/// [`KEYWORD_TOKEN`] reads them as keyword letters, which lowering the
/// ASCII letters does not make them.
fn has_folded_letters(text: &str) -> bool {
    text.contains(['\u{17F}', '\u{212A}'])
}

/// Where [`KEYWORD_TOKEN`] matches in `text`, one match after another:
/// each match's range and its token's. Lowering ASCII letters keeps every
/// byte where it was, so the ranges found in the lowered copy are the
/// original's.
fn keyword_tokens(text: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let ranges = |found: regex::Captures| {
        let whole = found.get(0).expect("a match").range();
        let token = found.get(1).expect("the token group").range();
        (whole, token)
    };
    if has_folded_letters(text) {
        return KEYWORD_TOKEN.captures_iter(text).map(ranges).collect();
    }
    let lowered = text.to_ascii_lowercase();
    KEYWORD_TOKEN_LOWERED
        .captures_iter(&lowered)
        .map(ranges)
        .collect()
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?-u:\b)",
    )
    .expect("valid regex")
});
static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)(?:\d{1,3}\.){3}\d{1,3}(?-u:\b)").expect("valid regex"));

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    check_secrets(cx.source, out);
    personal_data(cx.source, out);
}

/// Whether the code-span rule (random-looking tokens in code) could report
/// anything in this text. A token it finds in a code span is a run of
/// token characters that code spans start and end outside of (backticks,
/// fences, indentation, line breaks), so the same run is found in the whole
/// text: when no run of the whole text passes the rule's tests, the file's
/// code spans need not be found at all.
pub(crate) fn may_report_code(text: &str) -> bool {
    code_tokens(text).any(|r| random_code_token(&text[r]))
}

/// The matches of `[A-Za-z0-9+/_=-]{20,}` in a text: its runs of at least
/// 20 token characters. Scanned by hand: the regex's DFA crawled through
/// prose, where nearly every byte is a token character. A run that long
/// covers the byte 19 after any place it starts from, so only that byte
/// is looked at first: where it is not a token character, the search
/// moves on by 20 bytes without reading the ones between.
fn code_tokens(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    const TOKEN: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'_' | b'=' | b'-');
            b += 1;
        }
        table
    };
    const LEAST: usize = 20;
    let bytes = text.as_bytes();
    let is_token = move |i: usize| TOKEN[usize::from(bytes[i])];
    // Every run that starts before `from` has been seen, and the byte
    // before `from` (if any) is not a token character.
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let probe = from + LEAST - 1;
            if probe >= bytes.len() {
                return None;
            }
            if !is_token(probe) {
                from = probe + 1;
                continue;
            }
            let mut start = probe;
            while start > from && is_token(start - 1) {
                start -= 1;
            }
            let mut end = probe + 1;
            while end < bytes.len() && is_token(end) {
                end += 1;
            }
            from = end;
            if end - start >= LEAST {
                return Some(start..end);
            }
        }
    })
}

/// The code-span rule's tests of one token.
fn random_code_token(token: &str) -> bool {
    looks_random(token, 4.0) && strong_mix(token) && !is_identifier(token)
}

/// The `secrets/*` rules alone, for the build.
pub(crate) fn check_secrets(source: &Source, out: &mut Vec<Finding>) {
    let text = &source.text;
    let mut found: Vec<(Range<usize>, &'static str, String, &'static str)> = Vec::new();
    for m in AWS_KEY_ID.find_iter(text) {
        if !m.as_str().ends_with("EXAMPLE") {
            found.push((
                m.range(),
                "secrets/aws-key",
                format!("AWS access key id {} in the postmortem", redact(m.as_str())),
                ROTATE,
            ));
        }
    }
    for c in AWS_SECRET.captures_iter(text) {
        let key = c.get(1).expect("group");
        if !key.as_str().contains("EXAMPLEKEY") {
            found.push((
                key.range(),
                "secrets/aws-key",
                format!(
                    "AWS secret access key {} in the postmortem",
                    redact(key.as_str())
                ),
                ROTATE,
            ));
        }
    }
    for m in GITHUB.find_iter(text) {
        found.push((
            m.range(),
            "secrets/github-token",
            format!("GitHub token {} in the postmortem", redact(m.as_str())),
            ROTATE,
        ));
    }
    for m in SLACK.find_iter(text) {
        let message = if m.as_str().starts_with("https") {
            "Slack webhook URL `https://hooks.slack.com/…` in the postmortem".to_string()
        } else {
            format!("Slack token {} in the postmortem", redact(m.as_str()))
        };
        found.push((m.range(), "secrets/slack-token", message, ROTATE));
    }
    for m in PRIVATE_KEY.find_iter(text) {
        found.push((
            m.range(),
            "secrets/private-key",
            "private key in the postmortem".to_string(),
            "remove the key block and replace the key pair: it is in the Git history now; show `-----BEGIN … PRIVATE KEY-----` with nothing in between if the format matters",
        ));
    }
    let tokens: Vec<Range<usize>> = found.iter().map(|f| f.0.clone()).collect();
    for c in PASSWORD_URL.captures_iter(text) {
        let password = c.get(1).expect("group");
        // A token used as the password is reported as that token.
        if !is_stand_in(password.as_str()) && !overlaps(&tokens, &password.range()) {
            found.push((
                password.range(),
                "secrets/password-in-url",
                "password in a URL".to_string(),
                "remove the password (write `scheme://user:***@host`) and change it: it is in the Git history now",
            ));
        }
    }
    let mut taken: Vec<Range<usize>> = found.iter().map(|f| f.0.clone()).collect();
    for (whole, token) in keyword_tokens(text) {
        let token_text = &text[token.clone()];
        if looks_random(token_text, 3.5) && !overlaps(&taken, &token) {
            taken.push(token.clone());
            found.push((
                token,
                "secrets/high-entropy",
                format!(
                    "what looks like a secret {} after {:?}",
                    redact(token_text),
                    keyword(&text[whole])
                ),
                ENTROPY_HINT,
            ));
        }
    }
    for code in &source.code {
        for m in code_tokens(&text[code.clone()]) {
            let token = &text[code.start + m.start..code.start + m.end];
            let range = code.start + m.start..code.start + m.end;
            if random_code_token(token) && !overlaps(&taken, &range) {
                taken.push(range.clone());
                found.push((
                    range,
                    "secrets/high-entropy",
                    format!("random-looking token {} in a code block", redact(token)),
                    ENTROPY_HINT,
                ));
            }
        }
    }
    for (range, rule, message, hint) in found {
        let level = rules::find(rule).map_or(crate::diagnostics::Level::Error, |r| r.level);
        out.push(source.finding(rule, level, range, message, hint));
    }
}

const ROTATE: &str = "remove it from the postmortem and revoke or rotate it: once pushed it is in the Git history; if the text matters, keep its first four characters and an ellipsis";
const ENTROPY_HINT: &str = "if this is a secret, remove it and rotate it; if it is an id, hash or sample value, shorten it (`ab12…`) or allow the rule for this file with `check: { allow: [secrets/high-entropy] }`";

fn personal_data(source: &Source, out: &mut Vec<Finding>) {
    let text = &source.text;
    for m in EMAIL.find_iter(text) {
        // `scheme://user[:password]@host` is a login, not an address.
        let word_start = text[..m.start()]
            .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '<' | '`' | '"' | '\''))
            .map_or(0, |i| i + 1);
        if text[word_start..m.start()].contains("://") || !is_personal_email(m.as_str()) {
            continue;
        }
        out.push(source.finding(
            "personal-data/email",
            level("personal-data/email"),
            m.range(),
            format!("e-mail address {} in the postmortem", m.as_str()),
            "name the role or team instead (\"the payments on-call\"), or use an address at example.com in samples",
        ));
    }
    for m in IPV4.find_iter(text) {
        let after = &text[m.end()..];
        let before = &text[..m.start()];
        let versionish = before.ends_with(['.', 'v', 'V', '-', '_'])
            || after.starts_with(|c: char| {
                c == '.' && after[1..].starts_with(|d: char| d.is_ascii_digit())
            })
            || after.starts_with('/') && after[1..].starts_with(|d: char| d.is_ascii_digit());
        if versionish {
            continue;
        }
        let Ok(ip) = m.as_str().parse::<Ipv4Addr>() else {
            continue;
        };
        if !is_public(ip) {
            continue;
        }
        out.push(source.finding(
            "personal-data/ip-address",
            level("personal-data/ip-address"),
            m.range(),
            format!("public IP address {ip} in the postmortem"),
            "an IP address can identify a customer: remove it, or use one from the documentation ranges 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24",
        ));
    }
}

fn level(rule: &str) -> crate::diagnostics::Level {
    rules::find(rule).map_or(crate::diagnostics::Level::Warning, |r| r.level)
}

/// Addresses that name a person: not documentation domains, not system
/// accounts such as `git@github.com` or `root@host`.
fn is_personal_email(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    let local = local.to_ascii_lowercase();
    let documentation = ["example.com", "example.org", "example.net", "example.edu"]
        .iter()
        .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
        || [
            ".example",
            ".test",
            ".invalid",
            ".localhost",
            ".local",
            ".internal",
        ]
        .iter()
        .any(|tld| domain.ends_with(tld));
    let system = [
        "git",
        "root",
        "ubuntu",
        "ec2-user",
        "admin",
        "postgres",
        "deploy",
        "www-data",
        "centos",
        "debian",
        "core",
        "docker",
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
    ]
    .contains(&local.as_str())
        || local.ends_with("noreply");
    // `image@2x.png` and friends: a file name, not an address.
    let file = [
        "png", "jpg", "jpeg", "gif", "svg", "webp", "js", "css", "md",
    ]
    .iter()
    .any(|ext| domain.ends_with(&format!(".{ext}")));
    !(documentation || system || file)
}

/// Public, routable unicast addresses: not private, loopback, link-local,
/// shared, documentation, benchmarking, multicast or reserved ranges, nor
/// the public resolvers every runbook names.
fn is_public(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 0 && c == 0)
        || a == 255;
    let resolvers = [
        [8, 8, 8, 8],
        [8, 8, 4, 4],
        [1, 1, 1, 1],
        [1, 0, 0, 1],
        [9, 9, 9, 9],
    ];
    !reserved && !resolvers.contains(&ip.octets())
}

/// Obvious stand-ins for a password: `***`, `xxx`, `<password>`, `$PASS`.
fn is_stand_in(password: &str) -> bool {
    let lower = password.to_lowercase();
    password
        .chars()
        .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '•' | '…'))
        || password.starts_with(['$', '<', '{', '%'])
        || [
            "password", "pass", "passwd", "pwd", "secret", "redacted", "changeme", "hidden",
            "token", "example",
        ]
        .contains(&lower.trim_matches(['[', ']', '(', ')']))
}

/// Shannon entropy per character above `threshold`, mixed character
/// classes, and not a hex id, UUID or kebab-case name.
fn looks_random(token: &str, threshold: f64) -> bool {
    let token = token.trim_end_matches('.');
    if token.len() < 16 || is_stand_in(token) || token.contains("EXAMPLE") {
        return false;
    }
    let hex = token
        .chars()
        .all(|c| c.is_ascii_hexdigit() || c == '-' || c == '_' || c == ':');
    if hex {
        return false;
    }
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let has_letter = token.chars().any(|c| c.is_ascii_alphabetic());
    // `refresh_interval_seconds`: words joined by separators.
    let wordy = token
        .split(['-', '_', '.', '/'])
        .all(|part| part.chars().all(|c| c.is_ascii_alphabetic()));
    has_digit && has_letter && !wordy && entropy(token) >= threshold
}

/// Upper case, lower case and digits all present: base64 and API keys,
/// not host names or identifiers.
fn strong_mix(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_uppercase())
        && token.chars().any(|c| c.is_ascii_lowercase())
        && token.chars().any(|c| c.is_ascii_digit())
        && token.chars().filter(|c| *c == '/').count() <= 2
}

/// CamelCase and snake_case names (`MobileApiLatencyP99High`) are made of
/// word-length runs; random tokens (`eyJhbGciOiJIUzI1`) change character
/// class every one or two characters.
fn is_identifier(token: &str) -> bool {
    let mut runs = 0usize;
    let mut letters = 0usize;
    let mut previous: Option<char> = None;
    for c in token.chars() {
        let starts_run = match previous {
            None => true,
            Some(p) => {
                (c.is_ascii_uppercase() && !p.is_ascii_uppercase())
                    || (c.is_ascii_digit() != p.is_ascii_digit())
                    || (!c.is_ascii_alphanumeric() && p.is_ascii_alphanumeric())
            }
        };
        if starts_run && c.is_ascii_alphanumeric() {
            runs += 1;
        }
        if c.is_ascii_alphanumeric() {
            letters += 1;
        }
        previous = Some(c);
    }
    runs > 0 && letters as f64 / runs as f64 >= 3.0
}

fn entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in text.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = text.chars().count() as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

fn overlaps(taken: &[Range<usize>], range: &Range<usize>) -> bool {
    taken
        .iter()
        .any(|t| t.start < range.end && range.start < t.end)
}

/// The first characters of a secret and an ellipsis.
fn redact(secret: &str) -> String {
    let head: String = secret.chars().take(4).collect();
    format!("`{head}…`")
}

fn keyword(matched: &str) -> String {
    matched
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .next()
        .unwrap_or(matched)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn code_tokens_are_the_regex_matches() {
        let regex = Regex::new(r"[A-Za-z0-9+/_=-]{20,}").unwrap();
        for text in [
            "",
            "short words only",
            "aaaaaaaaaaaaaaaaaaaa",
            "aaaaaaaaaaaaaaaaaaa",
            "x AKIA1234567890ABCDEFGH/+_=-tail é ZZZZZZZZZZZZZZZZZZZZZZZZ",
            "é1234567890123456789012345678é and `ghp_abcdefghijklmnopqrstuvwxyz0123456789`",
            "developer-experience-team-platform\nnext",
        ] {
            let expected: Vec<Range<usize>> = regex.find_iter(text).map(|m| m.range()).collect();
            assert_eq!(code_tokens(text).collect::<Vec<_>>(), expected, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn code_tokens_are_the_regex_matches_in_any_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "Z9", "+/_=-", "abcdefghij", " ", "é", "\n", "`"]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            let regex = Regex::new(r"[A-Za-z0-9+/_=-]{20,}").unwrap();
            let expected: Vec<Range<usize>> = regex.find_iter(&text).map(|m| m.range()).collect();
            proptest::prop_assert_eq!(code_tokens(&text).collect::<Vec<_>>(), expected);
        }
    }

    /// What the case-insensitive regex finds searching the text itself.
    fn regex_keyword_tokens(text: &str) -> Vec<(Range<usize>, Range<usize>)> {
        KEYWORD_TOKEN
            .captures_iter(text)
            .map(|c| (c.get(0).unwrap().range(), c.get(1).unwrap().range()))
            .collect()
    }

    /// `piece` in any ASCII case, with `s` and `k` in their Unicode folds
    /// where `folded` says.
    fn spelt(piece: &str, upper: &[bool], folded: &[bool]) -> String {
        piece
            .chars()
            .enumerate()
            .map(|(n, c)| match c {
                's' if folded[n % folded.len()] => '\u{17F}',
                'k' if folded[n % folded.len()] => '\u{212A}',
                c if upper[n % upper.len()] => c.to_ascii_uppercase(),
                c => c,
            })
            .collect()
    }

    const KEYWORDS: [&str; 21] = [
        "api_key",
        "api-key",
        "apikey",
        "secret",
        "secret_key",
        "secretkey",
        "client_secret",
        "client-secret",
        "clientsecret",
        "access_token",
        "access-token",
        "accesstoken",
        "auth_token",
        "auth-token",
        "authtoken",
        "token",
        "passwd",
        "password",
        "pwd",
        "bearer",
        "authorization",
    ];

    proptest::proptest! {
        /// The lowered search finds what the case-insensitive regex finds
        /// in the text itself: keywords in any ASCII case and with `s` and
        /// `k` in their Unicode folds, among words, separators and tokens,
        /// glued to what is around them or not.
        #[test]
        fn keyword_tokens_are_the_regex_matches_in_any_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(
                    [
                        &KEYWORDS[..],
                        &[
                            ": ", "=", " ", "\": \"", ": Bearer ", "'", "\n", "é", "x", "_", "-",
                            "the api", "fraud-api", "access", "aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0z",
                            "0123456789abcdef", "short", "İ", "ß",
                        ],
                    ]
                    .concat(),
                ),
                0..24,
            ),
            upper in proptest::collection::vec(proptest::bool::ANY, 1..16),
            folded in proptest::collection::vec(proptest::bool::weighted(0.05), 1..16),
        ) {
            let text: String = pieces.iter().map(|p| spelt(p, &upper, &folded)).collect();
            proptest::prop_assert_eq!(keyword_tokens(&text), regex_keyword_tokens(&text), "{:?}", text);
        }

        /// Every keyword before a token is found as the regex finds it, in
        /// any case and spelling (one that starts with a folded letter has
        /// no ASCII word boundary before it, so the regex finds none).
        #[test]
        fn every_keyword_before_a_token_is_found(
            keyword in proptest::sample::select(KEYWORDS.to_vec()),
            upper in proptest::collection::vec(proptest::bool::ANY, 16),
            folded in proptest::collection::vec(proptest::bool::ANY, 16),
            before in proptest::sample::select(vec!["", " ", "the ", "\n", "é "]),
            between in proptest::sample::select(vec![": ", "=", " ", "\": \"", ": Bearer "]),
        ) {
            let text = format!(
                "{before}{}{between}aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0z",
                spelt(keyword, &upper, &folded)
            );
            let found = keyword_tokens(&text);
            proptest::prop_assert_eq!(&found, &regex_keyword_tokens(&text), "{:?}", text);
            if !has_folded_letters(&text) {
                proptest::prop_assert_eq!(found.len(), 1, "{:?}", text);
            }
        }
    }

    #[test]
    fn a_keyword_spelt_with_a_folded_letter_is_still_found() {
        let text = "pa\u{17F}\u{17F}word: aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0z";
        assert!(has_folded_letters(text));
        assert_eq!(keyword_tokens(text), regex_keyword_tokens(text));
        assert_eq!(keyword_tokens(text).len(), 1);
        assert!(keyword_tokens("the fraud-api team had access to the client").is_empty());
    }

    fn rules_found(text: &str) -> Vec<&'static str> {
        let source = Source::new(Path::new("a.md"), text.to_string());
        let mut out = Vec::new();
        check_secrets(&source, &mut out);
        personal_data(&source, &mut out);
        out.iter().map(|f| f.diagnostic.rule).collect()
    }

    #[test]
    fn finds_keys_and_tokens() {
        assert_eq!(
            rules_found("key AKIAZ7VQ3XKJ5T2WLM4P here"),
            ["secrets/aws-key"]
        );
        assert!(rules_found("AKIAIOSFODNN7EXAMPLE is AWS's sample").is_empty());
        assert_eq!(
            rules_found("ghp_1234567890abcdefghijklmnopqrstuvwxyzAB"),
            ["secrets/github-token"]
        );
        assert_eq!(
            rules_found("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
            ["secrets/slack-token"]
        );
        assert_eq!(
            rules_found("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"),
            ["secrets/private-key"]
        );
        assert_eq!(
            rules_found("postgres://app:s3cr3tP4ss@db.internal:5432/app"),
            ["secrets/password-in-url"]
        );
        assert!(rules_found("postgres://app:***@db:5432 and https://u:$PASS@h").is_empty());
        assert_eq!(
            rules_found(
                "```\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\n```\n"
            ),
            ["secrets/high-entropy"]
        );
    }

    #[test]
    fn ignores_ids_hashes_and_names() {
        let text = "```\ncommit 3f786850e387550fdab836ed7c61c5a1e1e2a3b4\ntrace 4bf92f35-77b3-4da6-a3ce-929d0e0e4736\npod checkout-api-7d9f8c6b5-x2k4p\nclass AbstractAnnotationConfigDispatcherServletInitializer\nalert `MobileApiLatencyP99High` and KafkaConsumerLagSeconds2xxTotal\n```\ntoken: refresh_interval_seconds\n";
        assert!(rules_found(text).is_empty(), "{:?}", rules_found(text));
    }

    #[test]
    fn personal_data_but_not_documentation_values() {
        assert_eq!(
            rules_found("mail jane.doe@acme.io now"),
            ["personal-data/email"]
        );
        assert!(
            rules_found("oncall@example.com, git@github.com:org/repo, NDCG@10, logo@2x.png")
                .is_empty()
        );
        assert_eq!(
            rules_found("from 81.2.69.160 at"),
            ["personal-data/ip-address"]
        );
        assert!(rules_found("192.0.2.11 198.51.100.7 203.0.113.9 10.0.0.1 172.20.1.1 192.168.1.1 127.0.0.1 8.8.8.8").is_empty());
        assert!(rules_found("10.0.0.0/16 v1.2.3.4 1.2.3.4.5 and 203.0.113.0/24").is_empty());
    }
}
