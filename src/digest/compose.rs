//! Digest composition: the spoken material of each incident (the featured
//! story, blurbs, lessons) and the assembly of a whole [`Digest`].
//!
//! Input: the archive, a [`Selection`] and the [`Speaker`]. Output: a
//! [`Digest`] whose every spoken string is ready to read aloud: acronyms
//! spelled out on first use, reading time estimated per item and in total.

use std::collections::HashSet;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use super::periods::Period;
use super::selection::{Audience, MAX_LISTED_MORE, Reason, Role, Selection};
use super::speech::{
    Speaker, Spoken, capitalise, decapitalise, decapitalise_with, display_reading_time,
    duration_words, number_words, proper_nouns, reading_seconds, spoken_date, spoken_reading_time,
    word_count,
};
use super::{Digest, DigestItem, Digester, MoreItem, QUESTIONS_LEAD, SeverityCount, TeamRef};
use crate::config::SeverityLevel;
use crate::incident::{Incident, SectionKind, TimelineEvent};
use crate::render::views::display_date;

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

/// The featured story's length, in words.
pub const STORY_MIN_WORDS: usize = 150;
pub const STORY_MAX_WORDS: usize = 250;
/// A generated blurb stops adding sentences past this many words.
const BLURB_WORDS: usize = 60;
/// Timeline events considered for the featured story.
const MAX_STORY_EVENTS: usize = 12;
/// Open action items read per incident.
const SPOKEN_ACTIONS: usize = 3;

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

/// Sentences of the first section of `kinds` that has any.
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

/// The summary as sentences: front matter or Summary section.
fn summary_sentences(speaker: &Speaker, incident: &Incident, max: usize) -> Vec<String> {
    let sentences = speaker.first_sentences(&incident.summary, max);
    if sentences.is_empty() {
        section_sentences(speaker, incident, SectionKind::Summary, max)
    } else {
        sentences
    }
}

/// One lesson from the postmortem, as a sentence or two.
pub fn lesson(speaker: &Speaker, incident: &Incident) -> Option<String> {
    for kind in [
        SectionKind::Lessons,
        SectionKind::WentWrong,
        SectionKind::ContributingFactors,
    ] {
        let sentences = section_sentences(speaker, incident, kind, 2);
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
pub fn blurb(speaker: &Speaker, incident: &Incident, scale: &[SeverityLevel]) -> Vec<String> {
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
    for s in summary_sentences(speaker, incident, 2) {
        add(s, &mut words, &mut sentences);
    }
    for s in section_sentences(speaker, incident, SectionKind::Impact, 1) {
        add(s, &mut words, &mut sentences);
    }
    if let Some(resolve) = incident.durations.to_resolve.filter(|d| d.is_positive()) {
        sentences.push(format!("It was resolved in {}.", duration_words(resolve)));
    }
    sentences
}

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
pub fn story(speaker: &Speaker, incident: &Incident, scale: &[SeverityLevel]) -> Vec<String> {
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
    if order == 1 {
        // No timeline: the summary tells what happened.
        push(
            &mut parts,
            &mut order,
            1,
            summary_sentences(speaker, incident, 3),
            None,
        );
    }

    // What was going on underneath, the impact, and how long it took.
    let cause = section_sentences(speaker, incident, SectionKind::ContributingFactors, 2);
    let cause = with_lead("What was going on underneath?", cause);
    push(&mut parts, &mut order, 3, cause, None);
    let impact = section_sentences(speaker, incident, SectionKind::Impact, 1);
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
    let surprised = surprise(speaker, incident);
    push(
        &mut parts,
        &mut order,
        2,
        with_lead("What surprised the team?", surprised.clone()),
        None,
    );
    let mut not_worse = section_sentences(speaker, incident, SectionKind::WentWell, 2);
    not_worse.retain(|s| !surprised.contains(s));
    push(
        &mut parts,
        &mut order,
        2,
        with_lead("Why was it not worse?", not_worse),
        None,
    );

    // Fillers for thin postmortems, placed before the ending.
    let fillers: Vec<String> = summary_sentences(speaker, incident, 4);
    let filler_order = parts
        .iter()
        .filter(|p| p.priority != 2)
        .map(|p| p.order)
        .max()
        .unwrap_or(0);

    let chosen = fit(parts, fillers, filler_order);
    let all_text: String = incident
        .sections
        .iter()
        .map(|s| s.text.as_str())
        .chain(incident.timeline.iter().map(|e| e.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    paragraphs(chosen, &proper_nouns(&all_text))
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
fn surprise(speaker: &Speaker, incident: &Incident) -> Vec<String> {
    let went_wrong = section_sentences(speaker, incident, SectionKind::WentWrong, 1);
    if !went_wrong.is_empty() {
        return went_wrong;
    }
    section_sentences(speaker, incident, SectionKind::Lessons, 1)
}

/// How much a timeline event matters to the story, if it is a turning
/// point: surprise first, then mitigation, then detection.
fn turning_point(text: &str) -> Option<usize> {
    const SURPRISE: &[&str] = &[
        "puzzl",
        "surpris",
        "unexpected",
        "confus",
        "not recover",
        "still fail",
        "did not",
        "no effect",
    ];
    const MITIGATION: &[&str] = &[
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
    ];
    const DETECTION: &[&str] = &[
        "page", "alert", "declared", "noticed", "reported", "escalat",
    ];
    let lower = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(SURPRISE) {
        Some(3)
    } else if has(MITIGATION) {
        Some(4)
    } else if has(DETECTION) {
        Some(5)
    } else {
        None
    }
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
fn paragraphs(chosen: Vec<Part>, proper: &HashSet<String>) -> Vec<String> {
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
                sentences[0] = format!("{connector}{}", decapitalise_with(&sentences[0], proper));
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

/// Assembles one digest from its selection.
pub fn assemble(
    digester: &Digester,
    period: Period,
    audience: &Audience,
    selection: &Selection,
    previous_total: Option<usize>,
) -> Digest {
    let archive = digester.archive;
    let speaker = &digester.speaker;
    let team = match audience {
        Audience::Org => None,
        Audience::Team { slug, name } => Some(TeamRef {
            slug: slug.clone(),
            name: name.clone(),
        }),
    };
    let counted: Vec<&Incident> = selection
        .counted
        .iter()
        .map(|&i| &archive.incidents[i])
        .collect();

    // Header: counts by severity, trend, repeats, completed action items.
    let mut severity_counts: Vec<SeverityCount> = Vec::new();
    for (rank, level) in archive.config.severities.iter().enumerate() {
        let count = counted
            .iter()
            .filter(|i| i.severity.as_ref().is_some_and(|s| s.rank == rank))
            .count();
        if count > 0 {
            severity_counts.push(SeverityCount {
                name: level.name.clone(),
                label: level.label.clone(),
                rank,
                slug: crate::slug::slugify(&level.name),
                count,
            });
        }
    }
    let unrated = counted.iter().filter(|i| i.severity.is_none()).count();
    let repeats = counted
        .iter()
        .filter(|i| !i.recurrence_of.is_empty())
        .count();
    let actions_completed = digester.actions_completed(period, audience);
    let total = counted.len();

    // Acronyms are spelled out on first use, in the order they are heard.
    let mut acronyms = speaker.glossary.first_use();
    let mut intro = Vec::new();
    intro.push(match &team {
        None => format!("This is the incident digest for {}.", period.spoken()),
        Some(t) => format!(
            "This is the incident digest for {}, for the {} team.",
            period.spoken(),
            t.name
        ),
    });
    let mut mix: Vec<String> = severity_counts
        .iter()
        .map(|c| {
            let label = if c.label.is_empty() {
                c.name.clone()
            } else {
                c.label.to_lowercase()
            };
            format!("{} {label}", number_words(c.count as u64))
        })
        .collect();
    if unrated > 0 {
        mix.push(format!(
            "{} without a severity",
            number_words(unrated as u64)
        ));
    }
    let incidents = plural(total, "incident", "incidents");
    intro.push(match &team {
        None => format!(
            "There {} {}: {}.",
            if total == 1 { "was" } else { "were" },
            incidents,
            join_and(&mix)
        ),
        Some(t) => format!(
            "{} touched the {} team: {}.",
            capitalise(&incidents),
            t.name,
            join_and(&mix)
        ),
    });
    let trend = trend_line(&period, total, previous_total, repeats, actions_completed);
    intro.push(trend.clone());
    for line in &mut intro {
        *line = acronyms.expand(line);
    }

    // Items, from the per-incident text computed once per build.
    let items: Vec<DigestItem> = selection
        .picks
        .iter()
        .map(|pick| {
            let incident = &archive.incidents[pick.index];
            let title = acronyms.expand_spoken(digester.title(pick.index));
            let heading = match pick.role {
                Role::Featured => format!("Our featured story: {title}."),
                Role::Other => format!("Next: {title}."),
                Role::OrgFeatured => format!("From elsewhere in the organisation: {title}."),
            };
            let paragraphs: Vec<String> = match pick.role {
                Role::Featured => digester
                    .story(pick.index)
                    .iter()
                    .map(|p| acronyms.expand_spoken(p))
                    .collect(),
                _ => vec![acronyms.expand_spoken(digester.blurb(pick.index))],
            };
            let lesson = digester.lesson(pick.index).map(|lesson| {
                let lead = match (&pick.role, &pick.reason, &team) {
                    (Role::OrgFeatured, _, _) => "What every team can take from this:".to_string(),
                    (_, None, _) | (_, _, None) => "What we can all take from this:".to_string(),
                    (_, Some(Reason::OwnTeam), Some(_)) => "For your own team:".to_string(),
                    (_, Some(Reason::DependsOn(service)), Some(_)) => {
                        format!("Your team depends on {service}, so take this with you:")
                    }
                    (_, Some(Reason::SharedWith), Some(_)) => {
                        "The authors wanted your team to hear this:".to_string()
                    }
                };
                format!("{lead} {}", acronyms.expand_spoken(lesson))
            });
            let open: Vec<&Spoken> = digester
                .open_actions(pick.index)
                .iter()
                .filter(|(n, _)| match &team {
                    None => true,
                    Some(t) => digester.involves(pick.index, *n, &t.slug),
                })
                .map(|(_, line)| line)
                .collect();
            let mut actions: Vec<String> = open
                .iter()
                .take(SPOKEN_ACTIONS)
                .map(|s| acronyms.expand_spoken(s))
                .collect();
            let more_actions = open.len().saturating_sub(SPOKEN_ACTIONS);
            if more_actions > 0 {
                actions.push(format!(
                    "And {} more open {}.",
                    number_words(more_actions as u64),
                    if more_actions == 1 {
                        "action"
                    } else {
                        "actions"
                    }
                ));
            }
            let words = word_count(&heading)
                + paragraphs.iter().map(|p| word_count(p)).sum::<usize>()
                + lesson.as_deref().map_or(0, word_count)
                + actions.iter().map(|a| word_count(a)).sum::<usize>();
            let seconds = reading_seconds(words);
            DigestItem {
                id: incident.id.clone(),
                title: incident.title.clone(),
                url: archive.incident_url(incident),
                date: display_date(incident.date),
                date_iso: incident.date.to_string(),
                severity: incident.severity.as_ref().map(|s| SeverityCount {
                    name: s.name.clone(),
                    label: archive
                        .config
                        .severities
                        .get(s.rank)
                        .map_or(String::new(), |l| l.label.clone()),
                    rank: s.rank,
                    slug: crate::slug::slugify(&s.name),
                    count: 1,
                }),
                teams: incident.teams.clone(),
                role: pick.role,
                reason: written_reason(pick.reason.as_ref(), pick.role),
                heading,
                paragraphs,
                lesson,
                actions,
                words,
                reading_seconds: seconds,
                reading_time: display_reading_time(seconds),
            }
        })
        .collect();

    let questions: Vec<String> = questions(digester, audience, selection, repeats)
        .iter()
        .map(|q| acronyms.expand(q))
        .collect();
    let outro = format!(
        "That is all for {}. The written digest links to every full postmortem.",
        period.spoken()
    );

    let spoken_words = intro.iter().map(|l| word_count(l)).sum::<usize>()
        + items.iter().map(|i| i.words).sum::<usize>()
        + questions.iter().map(|q| word_count(q)).sum::<usize>()
        + word_count(&outro)
        + if questions.is_empty() {
            0
        } else {
            word_count(QUESTIONS_LEAD)
        };
    // The spoken reading time is itself part of the intro ("Reading it
    // takes about four minutes."): count its own words too.
    let mut sentence = String::new();
    let mut words = spoken_words;
    for _ in 0..3 {
        sentence = format!(
            "Reading it takes {}.",
            spoken_reading_time(reading_seconds(words))
        );
        let with_sentence = spoken_words + word_count(&sentence);
        if with_sentence == words {
            break;
        }
        words = with_sentence;
    }
    intro.push(sentence);
    let reading = reading_seconds(words);

    let more = selection
        .more
        .iter()
        .take(MAX_LISTED_MORE)
        .map(|&i| {
            let incident = &archive.incidents[i];
            MoreItem {
                title: incident.title.clone(),
                url: archive.incident_url(incident),
                date: display_date(incident.date),
                severity: incident.severity.as_ref().map(|s| s.name.clone()),
            }
        })
        .collect();

    let path = match &team {
        None => format!("digests/{}/", period.key()),
        Some(t) => format!("digests/{}/teams/{}/", period.key(), t.slug),
    };
    Digest {
        key: period.key(),
        kind: period.kind.noun(),
        title: period.title(),
        range: period.range(),
        updated: period.end(),
        team,
        path,
        total,
        severity_counts,
        previous_total,
        repeats,
        actions_completed,
        trend,
        intro,
        items,
        more,
        more_total: selection.more.len(),
        questions,
        outro,
        words,
        reading_seconds: reading,
        reading_time: display_reading_time(reading),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("one {one}")
    } else {
        format!("{} {many}", number_words(n as u64))
    }
}

/// The one-line trend: against the previous period, repeats, and action
/// items completed.
fn trend_line(
    period: &Period,
    total: usize,
    previous: Option<usize>,
    repeats: usize,
    completed: usize,
) -> String {
    let last = period.last();
    let versus = match previous.unwrap_or(0) {
        0 => format!("There were none {last}."),
        p if p == total => format!("That is the same as {last}."),
        p if p < total => format!(
            "That is {} more than {last}.",
            number_words((total - p) as u64)
        ),
        p => format!(
            "That is {} fewer than {last}.",
            number_words((p - total) as u64)
        ),
    };
    let repeats = match repeats {
        0 => "None was a repeat.".to_string(),
        1 => "One was a repeat of an earlier incident.".to_string(),
        n => format!(
            "{} were repeats of earlier incidents.",
            capitalise(&number_words(n as u64))
        ),
    };
    let completed = match completed {
        0 => "No action items were completed.".to_string(),
        1 => "One action item was completed.".to_string(),
        n => format!(
            "{} action items were completed.",
            capitalise(&number_words(n as u64))
        ),
    };
    format!("{versus} {repeats} {completed}")
}

/// Why a team hears an incident, for readers.
fn written_reason(reason: Option<&Reason>, role: Role) -> Option<String> {
    match (role, reason) {
        (Role::OrgFeatured, _) => Some("Featured across the organisation".to_string()),
        (_, Some(Reason::OwnTeam)) => Some("Your team's incident".to_string()),
        (_, Some(Reason::DependsOn(service))) => {
            Some(format!("Involves {service}, which your team depends on"))
        }
        (_, Some(Reason::SharedWith)) => Some("Shared with your team by its authors".to_string()),
        (_, None) => None,
    }
}

/// Open questions for the discussion after the reading.
fn questions(
    digester: &Digester,
    audience: &Audience,
    selection: &Selection,
    repeats: usize,
) -> Vec<String> {
    let archive = digester.archive;
    let mut out = Vec::new();
    let featured = selection
        .picks
        .first()
        .map(|p| (&archive.incidents[p.index], p));
    if let Some((incident, _)) = featured {
        match incident.durations.to_detect {
            Some(detect) if detect >= SignedDuration::from_mins(10) => out.push(format!(
                "The featured incident took {} to notice. How soon would we have noticed?",
                duration_words(detect)
            )),
            _ => out.push("Where could the featured story happen in our own systems?".to_string()),
        }
    }
    if let Some((_, pick)) = featured
        && let Some(Reason::DependsOn(service)) = &pick.reason
    {
        out.push(format!(
            "We depend on {service}. What happens to us when it slows down instead of failing?"
        ));
    }
    if repeats > 0 {
        out.push(if repeats == 1 {
            "One incident repeated an earlier one. What would stop it happening a third time?"
                .to_string()
        } else {
            format!(
                "{} incidents repeated earlier ones. What would stop the next repeat?",
                capitalise(&number_words(repeats as u64))
            )
        });
    }
    let open = selection
        .counted
        .iter()
        .flat_map(|&i| {
            archive.incidents[i]
                .action_items
                .iter()
                .enumerate()
                .map(move |(n, a)| (i, n, a))
        })
        .filter(|(i, n, a)| {
            a.status.is_open()
                && audience
                    .team_slug()
                    .is_none_or(|slug| digester.involves(*i, *n, slug))
        })
        .count();
    if open > 0 && out.len() < 3 {
        out.push(match (open, audience) {
            (1, Audience::Org) => {
                "One action item from these incidents is still open. Does it need help?".to_string()
            }
            (n, Audience::Org) => format!(
                "{} action items from these incidents are still open. Which one matters most?",
                capitalise(&number_words(n as u64))
            ),
            (1, Audience::Team { .. }) => {
                "One open action item involves us. What would it take to finish it?".to_string()
            }
            (n, Audience::Team { .. }) => format!(
                "{} open action items involve us. Which one should we finish first?",
                capitalise(&number_words(n as u64))
            ),
        });
    }
    if out.len() < 2 {
        out.push("What surprised you most, and what would you do differently on call?".to_string());
    }
    out.truncate(3);
    out
}

/// The last day of a period, as an Atom timestamp.
pub fn feed_time(date: Date) -> String {
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_string()
}
