//! The featured story of a digest: 150–250 words in the order people saw
//! things, fitted from the opening, the timeline, the causes, the impact,
//! the durations, what surprised the team and why it was not worse.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use jiff::SignedDuration;

use crate::config::SeverityLevel;
use crate::digest::speech::{
    capitalise, decapitalise, decapitalise_unless, duration_words, is_proper_noun, word_count,
};
use crate::incident::{SectionKind, TimelineEvent};

use super::blurbs::{Material, opening};

/// The featured story's length, in words.
pub const STORY_MIN_WORDS: usize = 150;
pub const STORY_MAX_WORDS: usize = 250;
/// Timeline events considered for the featured story.
const MAX_STORY_EVENTS: usize = 12;

/// A part of the featured story.
struct Part {
    /// Position in the story (narrative order).
    order: usize,
    /// Lower is kept first when the story must be shortened.
    priority: usize,
    sentences: Vec<String>,
    /// A timeline event: gets a time connector once events are chosen.
    event: Option<EventTime>,
}

#[derive(Clone, Copy)]
struct EventTime {
    /// Minutes since some fixed point, when known.
    minute: Option<i64>,
}

/// The featured story, 150–250 words when the postmortem has the material:
/// the opening, the timeline in the order people saw things, what was
/// going on underneath, the impact, how long it took, then what surprised
/// the team and why it was not worse. Returns paragraphs.
pub fn story(material: &Material, scale: &[SeverityLevel]) -> Vec<String> {
    let (speaker, incident) = (material.speaker, material.incident);
    let mut parts: Vec<Part> = Vec::new();
    let mut order = 0;
    let push = |parts: &mut Vec<Part>,
                order: &mut usize,
                priority: usize,
                sentences: Vec<String>,
                event: Option<EventTime>| {
        if !sentences.is_empty() {
            parts.push(Part {
                order: *order,
                priority,
                sentences,
                event,
            });
        }
        *order += 1;
    };

    // 0: the opening.
    push(
        &mut parts,
        &mut order,
        0,
        vec![opening(incident, scale)],
        None,
    );

    // 1: the timeline, in the order people saw things.
    let mut events = ordered_events(&incident.timeline);
    if events.len() > MAX_STORY_EVENTS {
        // Only so many events fit in 250 words: keep the first, then the
        // turning points, and clean only those.
        let mut ranked: Vec<(usize, usize)> = events
            .iter()
            .enumerate()
            .skip(1)
            .map(|(n, e)| (turning_point(&e.text).unwrap_or(8), n))
            .collect();
        ranked.sort_unstable();
        let mut keep: Vec<usize> = std::iter::once(0)
            .chain(ranked.iter().take(MAX_STORY_EVENTS - 1).map(|&(_, n)| n))
            .collect();
        keep.sort_unstable();
        events = keep.into_iter().map(|n| events[n]).collect();
    }
    let spoken_events: Vec<(Vec<String>, EventTime)> = events
        .iter()
        .filter_map(|e| {
            let sentences = speaker.first_sentences(&e.text, 2);
            (!sentences.is_empty()).then(|| {
                (
                    sentences,
                    EventTime {
                        minute: event_minute(e),
                    },
                )
            })
        })
        .collect();
    let last = spoken_events.len().saturating_sub(1);
    for (n, (sentences, time)) in spoken_events.into_iter().enumerate() {
        let priority = if n == 0 {
            1
        } else {
            turning_point(&sentences.join(" ")).unwrap_or(if n == last { 6 } else { 8 })
        };
        push(&mut parts, &mut order, priority, sentences, Some(time));
    }
    // The summary's first sentences, cleaned once: they tell what happened
    // when there is no timeline, and fill a thin story.
    let summary = material.summary(4).to_vec();
    if order == 1 {
        // No timeline: the summary tells what happened.
        push(
            &mut parts,
            &mut order,
            1,
            summary.iter().take(3).cloned().collect(),
            None,
        );
    }

    // What was going on underneath, the impact, and how long it took.
    let cause = material
        .section(SectionKind::ContributingFactors, 2)
        .to_vec();
    let cause = with_lead("What was going on underneath?", cause);
    push(&mut parts, &mut order, 3, cause, None);
    let impact = material.section(SectionKind::Impact, 1).to_vec();
    push(&mut parts, &mut order, 3, impact, None);
    let mut took = Vec::new();
    if let Some(detect) = incident.durations.to_detect.filter(|d| d.is_positive()) {
        took.push(format!("It took {} to notice.", duration_words(detect)));
    }
    if let Some(resolve) = incident.durations.to_resolve.filter(|d| d.is_positive()) {
        took.push(format!("It was resolved in {}.", duration_words(resolve)));
    }
    push(&mut parts, &mut order, 6, took, None);

    // The ending: what surprised the team and why it was not worse.
    let surprised = surprise(material);
    push(
        &mut parts,
        &mut order,
        2,
        with_lead("What surprised the team?", surprised.clone()),
        None,
    );
    let mut not_worse = material.section(SectionKind::WentWell, 2).to_vec();
    not_worse.retain(|s| !surprised.contains(s));
    push(
        &mut parts,
        &mut order,
        2,
        with_lead("Why was it not worse?", not_worse),
        None,
    );

    // Fillers for thin postmortems, placed before the ending.
    let fillers: Vec<String> = summary;
    let filler_order = parts
        .iter()
        .filter(|p| p.priority != 2)
        .map(|p| p.order)
        .max()
        .unwrap_or(0);

    let chosen = fit(parts, fillers, filler_order);
    // Capitalised words used mid-sentence anywhere in the postmortem are
    // names, which keep their capital after a time connector.
    let is_proper = |word: &str| {
        is_proper_noun(
            incident
                .sections
                .iter()
                .map(|s| s.text.as_str())
                .chain(incident.timeline.iter().map(|e| e.text.as_str())),
            word,
        )
    };
    paragraphs(chosen, is_proper)
}

fn with_lead(lead: &str, sentences: Vec<String>) -> Vec<String> {
    if sentences.is_empty() {
        return sentences;
    }
    let mut out = vec![lead.to_string()];
    out.extend(sentences);
    out
}

/// What surprised the team: a timeline moment of surprise, else the first
/// thing that went wrong, else the lesson.
fn surprise(material: &Material) -> Vec<String> {
    let went_wrong = material.section(SectionKind::WentWrong, 1);
    if !went_wrong.is_empty() {
        return went_wrong.to_vec();
    }
    material.section(SectionKind::Lessons, 1).to_vec()
}

/// Words that make a timeline event a turning point, by how much it
/// matters: surprise (3), then mitigation (4), then detection (5).
const TURNING_WORDS: [(usize, &[&str]); 3] = [
    (
        3,
        &[
            "puzzl",
            "surpris",
            "unexpected",
            "confus",
            "not recover",
            "still fail",
            "did not",
            "no effect",
        ],
    ),
    (
        4,
        &[
            "recover",
            "mitigat",
            "restor",
            "fixed",
            "rolled back",
            "rollback",
            "revert",
            "disabled",
            "back to",
            "reconnect",
            "failover",
            "promot",
            "found",
            "identif",
        ],
    ),
    (
        5,
        &[
            "page", "alert", "declared", "noticed", "reported", "escalat",
        ],
    ),
];

/// All the [`TURNING_WORDS`], in order, for one pass over ASCII text.
static TURNING: LazyLock<(AhoCorasick, Vec<usize>)> = LazyLock::new(|| {
    let (ranks, words): (Vec<usize>, Vec<&str>) = TURNING_WORDS
        .iter()
        .flat_map(|(rank, words)| words.iter().map(move |w| (*rank, *w)))
        .unzip();
    let matcher = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .expect("valid words");
    (matcher, ranks)
});

/// How much a timeline event matters to the story, if it is a turning
/// point: surprise first, then mitigation, then detection.
fn turning_point(text: &str) -> Option<usize> {
    if text.is_ascii() {
        // Case-insensitive on ASCII is what lower-casing did; every
        // occurrence is seen, overlapping ones too.
        let (matcher, ranks) = &*TURNING;
        return matcher
            .find_overlapping_iter(text)
            .map(|m| ranks[m.pattern().as_usize()])
            .min();
    }
    let lower = text.to_lowercase();
    TURNING_WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| lower.contains(w)))
        .map(|(rank, _)| *rank)
}

static YEAR: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"\b\d{4}-\d{2}-\d{2}").expect("valid regex"));

/// Timeline events in the order they happened when every event is dated,
/// else as written.
fn ordered_events(timeline: &[TimelineEvent]) -> Vec<&TimelineEvent> {
    let mut events: Vec<&TimelineEvent> = timeline.iter().collect();
    // Only fully dated entries are trusted to reorder what the authors
    // wrote; a bare "07:38" after a dated entry may belong to the next day.
    let dated = |e: &TimelineEvent| e.at.is_some() && YEAR.is_match(&e.label);
    if events.iter().all(|e| dated(e)) {
        events.sort_by_key(|e| e.at);
    }
    events
}

fn event_minute(event: &TimelineEvent) -> Option<i64> {
    if let Some(at) = event.at {
        return Some(at.as_second() / 60);
    }
    // "14:32" without a date: minutes of the day.
    let label = event.label.trim().trim_start_matches('~');
    let (h, rest) = label.split_once(':')?;
    let m: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let (h, m): (i64, i64) = (h.trim().parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Keeps the story between the minimum and maximum length: required parts
/// first, then the rest by priority while they fit, then fillers.
fn fit(mut parts: Vec<Part>, fillers: Vec<String>, filler_order: usize) -> Vec<Part> {
    let words = |p: &Part| p.sentences.iter().map(|s| word_count(s)).sum::<usize>() + 3;
    parts.sort_by_key(|p| (p.priority, p.order));
    let mut chosen: Vec<Part> = Vec::new();
    let mut total = 0;
    for mut part in parts {
        let mut w = words(&part);
        if part.priority <= 2 && total + w > STORY_MAX_WORDS && part.sentences.len() > 2 {
            part.sentences.truncate(2);
            w = words(&part);
        }
        if total + w <= STORY_MAX_WORDS || (part.priority == 0 && chosen.is_empty()) {
            total += w;
            chosen.push(part);
        }
    }
    if total < STORY_MIN_WORDS {
        let mut extra = Vec::new();
        for sentence in fillers {
            let w = word_count(&sentence);
            if total + w > STORY_MAX_WORDS {
                break;
            }
            let already = chosen.iter().any(|p| p.sentences.contains(&sentence));
            if !already {
                total += w;
                extra.push(sentence);
            }
        }
        if !extra.is_empty() {
            let mut sentences = vec!["In short:".to_string()];
            sentences.extend(extra);
            chosen.push(Part {
                order: filler_order,
                priority: 9,
                sentences: join_lead(sentences),
                event: None,
            });
        }
    }
    chosen.sort_by_key(|p| (p.order, p.priority));
    chosen
}

/// "In short:" + "It broke." → "In short, it broke."
fn join_lead(mut sentences: Vec<String>) -> Vec<String> {
    if sentences.len() >= 2 && sentences[0].ends_with(':') {
        let lead = sentences.remove(0);
        let first = decapitalise(&sentences[0]);
        sentences[0] = format!("{}, {first}", lead.trim_end_matches(':'));
    }
    sentences
}

/// Adds time connectors to events and groups parts into paragraphs: the
/// unfolding, the aftermath, the ending.
fn paragraphs(chosen: Vec<Part>, is_proper: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    let mut previous: Option<EventTime> = None;
    let mut first_event = true;
    let event_count = chosen.iter().filter(|p| p.event.is_some()).count();
    let mut seen_events = 0;
    let mut in_events = false;
    for part in chosen {
        match part.event {
            Some(time) => {
                seen_events += 1;
                in_events = true;
                let connector = if first_event {
                    "First, ".to_string()
                } else {
                    match (previous.and_then(|p| p.minute), time.minute) {
                        (Some(a), Some(b)) if b > a + 12 * 60 => "Later, ".to_string(),
                        (Some(a), Some(b)) if b > a => {
                            format!(
                                "{} later, ",
                                capitalise(&duration_words(SignedDuration::from_mins(b - a)))
                            )
                        }
                        (Some(a), Some(b)) if b == a => "Moments later, ".to_string(),
                        _ if seen_events == event_count => "Finally, ".to_string(),
                        _ => "Then, ".to_string(),
                    }
                };
                first_event = false;
                previous = Some(time);
                let mut sentences = part.sentences;
                sentences[0] = format!(
                    "{connector}{}",
                    decapitalise_unless(&sentences[0], &is_proper)
                );
                if let Some(p) = out.last_mut() {
                    p.extend(sentences);
                }
            }
            None => {
                if in_events || part.priority == 2 {
                    out.push(Vec::new());
                    in_events = false;
                }
                if let Some(p) = out.last_mut() {
                    p.extend(part.sentences);
                }
            }
        }
    }
    out.into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.join(" "))
        .collect()
}
