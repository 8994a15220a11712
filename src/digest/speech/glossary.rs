//! Acronyms spelled out on first use in a digest: the built-in glossary
//! plus the archive's `[glossary]`.

use std::collections::BTreeMap;

use regex::Regex;

use super::numbers::word_count;

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

/// Acronyms and their spelled-out forms: the built-in list plus the
/// config's `[glossary]`, which wins on conflicts.
pub struct Glossary {
    /// Acronyms and expansions, by index.
    entries: Vec<(String, String)>,
    /// The words each expansion adds where it is spelled out, by index.
    expansion_words: Vec<usize>,
    pattern: Option<Regex>,
}

/// A spoken text with the places its acronyms occur, found once so that
/// each digest only rewrites a text where an acronym is used first.
#[derive(Debug, Clone, Default)]
pub struct Spoken {
    pub text: String,
    /// Words in `text` ([`word_count`]), counted once.
    pub words: usize,
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
        let expansion_words = entries.iter().map(|(_, v)| word_count(v)).collect();
        Glossary {
            entries,
            expansion_words,
            pattern,
        }
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
        Spoken {
            words: word_count(&text),
            text,
            acronyms,
        }
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
        // Most lines of a digest's own (intro, questions) name no acronym:
        // one look says so, without copying or counting the line.
        if !self
            .glossary
            .pattern
            .as_ref()
            .is_some_and(|p| p.is_match(text))
        {
            return text.to_string();
        }
        let spoken = self.glossary.spoken(text.to_string());
        self.expand_spoken(&spoken)
    }

    /// Like [`Acronyms::expand`], for a text whose acronyms are known.
    pub fn expand_spoken(&mut self, spoken: &Spoken) -> String {
        self.expand_counted(spoken).0
    }

    /// [`Acronyms::expand_spoken`] with the words of the result, worked out
    /// from the count already known rather than counted again: an
    /// acronym sits inside a run of non-space characters, and spelling it
    /// out (`TTL` → `time to live (TTL)`, `TTLs` → `TTLs (time to live)`)
    /// adds exactly the expansion's own words, which are trimmed.
    pub fn expand_counted(&mut self, spoken: &Spoken) -> (String, usize) {
        let text = &spoken.text;
        if spoken.acronyms.iter().all(|a| self.seen[a.2]) {
            return (text.clone(), spoken.words);
        }
        let mut words = spoken.words;
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
            words += self.glossary.expansion_words[index];
            if plural {
                // "TTLs (time to live)": plural expansions read badly.
                out.push_str(&format!("{key}s ({expansion})"));
            } else {
                out.push_str(&format!("{expansion} ({key})"));
            }
            last = end;
        }
        out.push_str(&text[last..]);
        debug_assert_eq!(words, word_count(&out), "{out:?}");
        (out, words)
    }
}
