//! The short spoken material of one incident: its opening line, blurb,
//! lesson and open action items.

use std::sync::OnceLock;

use jiff::civil::Date;

use crate::config::SeverityLevel;
use crate::digest::speech::{Speaker, duration_words, spoken_date, word_count};
use crate::incident::{Incident, SectionKind};

/// A generated blurb stops adding sentences past this many words.
const BLURB_WORDS: usize = 60;
/// Open action items read per incident.
pub const SPOKEN_ACTIONS: usize = 3;

/// Spoken lines for an incident's open action items, with their indexes.
pub fn open_actions(speaker: &Speaker, incident: &Incident, today: Date) -> Vec<(usize, String)> {
    incident
        .action_items
        .iter()
        .enumerate()
        .filter(|(_, a)| a.status.is_open())
        .filter_map(|(n, a)| {
            let title = speaker.clean(&a.title)?;
            let title = title.trim_end_matches('.');
            let due = match a.due {
                Some(due) if a.is_overdue(today) => {
                    format!(", overdue since {}", spoken_date(due))
                }
                Some(due) => format!(", due {}", spoken_date(due)),
                None => String::new(),
            };
            Some((n, format!("Open action: {title}{due}.")))
        })
        .collect()
}

/// "On the fourteenth of March, the payments and platform teams had a
/// critical incident."
pub fn opening(incident: &Incident, scale: &[SeverityLevel]) -> String {
    let severity = severity_phrase(incident, scale);
    let teams = team_phrase(&incident.teams);
    match teams {
        Some(teams) => format!("On {}, {teams} had {severity}.", spoken_date(incident.date)),
        None => format!("On {}, there was {severity}.", spoken_date(incident.date)),
    }
}

fn severity_phrase(incident: &Incident, scale: &[SeverityLevel]) -> String {
    match &incident.severity {
        Some(s) => {
            let label = incident_label(incident, scale).unwrap_or_else(|| s.name.clone());
            let article = if label.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("{article} {label} incident")
        }
        None => "an incident".to_string(),
    }
}

/// The severity's label in lower case ("critical"), when the scale has one.
fn incident_label(incident: &Incident, scale: &[SeverityLevel]) -> Option<String> {
    incident.severity.as_ref().and_then(|s| {
        scale
            .get(s.rank)
            .filter(|l| !l.label.is_empty())
            .map(|l| l.label.to_lowercase())
    })
}

/// "the payments team", "the payments and platform teams".
fn team_phrase(teams: &[String]) -> Option<String> {
    match teams {
        [] => None,
        [one] => Some(format!("the {one} team")),
        many => Some(format!("the {} teams", join_and(many))),
    }
}

/// "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

/// The first sentences of an incident's summary and of its sections, each
/// cleaned once and shared by the incident's story, blurb and lesson
/// (which ask for the same summary, impact and causes). Each holds the
/// most sentences any of them asks for; fewer are a prefix, since
/// sentences are taken in order and the first section with any is the
/// same whatever the count.
#[derive(Default)]
pub struct Sentences {
    /// [`SUMMARY_SENTENCES`] of the summary (front matter, else section).
    summary: OnceLock<Vec<String>>,
    /// [`SECTION_SENTENCES`] of the first section of each kind in
    /// [`CACHED_KINDS`] that has any.
    sections: [OnceLock<Vec<String>>; CACHED_KINDS.len()],
}

/// The most summary sentences asked for (the story's filler).
const SUMMARY_SENTENCES: usize = 4;
/// The most sentences asked for of any other section.
const SECTION_SENTENCES: usize = 2;
/// The section kinds stories, blurbs and lessons read.
const CACHED_KINDS: [SectionKind; 5] = [
    SectionKind::Impact,
    SectionKind::ContributingFactors,
    SectionKind::WentWell,
    SectionKind::WentWrong,
    SectionKind::Lessons,
];

/// One incident's material for speaking: the speaker, the incident and
/// its [`Sentences`].
pub struct Material<'a> {
    pub speaker: &'a Speaker,
    pub incident: &'a Incident,
    pub sentences: &'a Sentences,
}

impl Material<'_> {
    /// The first `max` sentences of the first section of `kind` that has
    /// any.
    pub(super) fn section(&self, kind: SectionKind, max: usize) -> &[String] {
        let Some(at) = CACHED_KINDS.iter().position(|&k| k == kind) else {
            debug_assert!(false, "{kind:?} is not cached");
            return &[];
        };
        debug_assert!(max <= SECTION_SENTENCES);
        let all = self.sentences.sections[at].get_or_init(|| {
            section_sentences(self.speaker, self.incident, kind, SECTION_SENTENCES)
        });
        &all[..max.min(all.len())]
    }

    /// The first `max` sentences of the summary: front matter or Summary
    /// section.
    pub(super) fn summary(&self, max: usize) -> &[String] {
        debug_assert!(max <= SUMMARY_SENTENCES);
        let all = self.sentences.summary.get_or_init(|| {
            let sentences = self
                .speaker
                .first_sentences(&self.incident.summary, SUMMARY_SENTENCES);
            if sentences.is_empty() {
                section_sentences(
                    self.speaker,
                    self.incident,
                    SectionKind::Summary,
                    SUMMARY_SENTENCES,
                )
            } else {
                sentences
            }
        });
        &all[..max.min(all.len())]
    }
}

/// Sentences of the first section of `kind` that has any.
fn section_sentences(
    speaker: &Speaker,
    incident: &Incident,
    kind: SectionKind,
    max: usize,
) -> Vec<String> {
    incident
        .sections
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| speaker.first_sentences(&s.text, max))
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

/// One lesson from the postmortem, as a sentence or two.
pub fn lesson(material: &Material) -> Option<String> {
    for kind in [
        SectionKind::Lessons,
        SectionKind::WentWrong,
        SectionKind::ContributingFactors,
    ] {
        let sentences = material.section(kind, 2);
        if let Some(first) = sentences.first() {
            let mut text = first.clone();
            if word_count(first) < 8
                && let Some(second) = sentences.get(1)
            {
                text = format!("{first} {second}");
            }
            return Some(text);
        }
    }
    None
}

/// A blurb of about forty to sixty words: the author's `digest.blurb`
/// when given, else the opening, the summary, the impact and how long it
/// took.
pub fn blurb(material: &Material, scale: &[SeverityLevel]) -> Vec<String> {
    let (speaker, incident) = (material.speaker, material.incident);
    if let Some(authored) = incident
        .digest
        .blurb
        .as_deref()
        .filter(|b| !b.trim().is_empty())
    {
        let sentences = speaker.sentences(authored);
        if !sentences.is_empty() {
            return sentences;
        }
    }
    let mut sentences = vec![opening(incident, scale)];
    let mut words = word_count(&sentences[0]);
    let add = |sentence: String, words: &mut usize, sentences: &mut Vec<String>| {
        if *words < BLURB_WORDS && !sentences.contains(&sentence) {
            *words += word_count(&sentence);
            sentences.push(sentence);
        }
    };
    for s in material.summary(2) {
        add(s.clone(), &mut words, &mut sentences);
    }
    for s in material.section(SectionKind::Impact, 1) {
        add(s.clone(), &mut words, &mut sentences);
    }
    if let Some(resolve) = incident.durations.to_resolve.filter(|d| d.is_positive()) {
        sentences.push(format!("It was resolved in {}.", duration_words(resolve)));
    }
    sentences
}
