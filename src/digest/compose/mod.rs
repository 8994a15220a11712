//! Digest composition: the spoken material of each incident (the featured
//! story, blurbs, lessons) and the assembly of a whole [`Digest`].
//!
//! Input: the archive, a [`Selection`] and the [`Speaker`]. Output: a
//! [`Digest`] whose every spoken string is ready to read aloud: acronyms
//! spelled out on first use, reading time estimated per item and in total.
//!
//! - [`blurbs`]: an incident's opening, blurb, lesson and open actions;
//! - [`story`]: the featured story;
//! - this module: one digest assembled from them, with its trend line and
//!   questions.

mod blurbs;
mod story;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::digest::periods::Period;
use crate::digest::selection::{Audience, MAX_LISTED_MORE, Pick, Reason, Role, Selection};
use crate::digest::speech::{
    Spoken, capitalise, display_reading_time, duration_words, number_words, reading_seconds,
    spoken_reading_time, word_count,
};
use crate::digest::{
    Digest, DigestItem, Digester, MoreItem, QUESTIONS_LEAD, SeverityCount, TeamRef,
};
use crate::incident::Incident;

pub use blurbs::{
    Material, SPOKEN_ACTIONS, Sentences, blurb, join_and, lesson, open_actions, opening,
};
pub use story::{STORY_MAX_WORDS, STORY_MIN_WORDS, story};

/// Assembles one digest from its selection.
pub fn assemble(
    digester: &Digester,
    period: Period,
    audience: &Audience,
    selection: &Selection,
    previous_total: Option<usize>,
) -> Digest {
    let archive = digester.archive;
    let speaker = digester.speaker();
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
                slug: digester.severity_slug(rank, &level.name),
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

    // The period as spoken and as keyed, each worked out once: the intro
    // and outro both say it, the key names the page and its folder.
    let spoken_period = period.spoken();
    let key = period.key();

    // Acronyms are spelled out on first use, in the order they are heard.
    let mut acronyms = speaker.glossary.first_use();
    let mut intro = Vec::new();
    intro.push(match &team {
        None => format!("This is the incident digest for {spoken_period}."),
        Some(t) => format!(
            "This is the incident digest for {spoken_period}, for the {} team.",
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
            // Words are counted as the texts are expanded: the story and
            // blurbs come with their counts, which every digest would
            // otherwise count again.
            let lead = digester
                .lesson(pick.index)
                .map(|_| lesson_lead(pick, team.as_ref()));
            let mut words = word_count(&heading) + lead.as_deref().map_or(0, word_count);
            let mut expand = |spoken: &Spoken| {
                let (text, count) = acronyms.expand_counted(spoken);
                words += count;
                text
            };
            let paragraphs: Vec<String> = match pick.role {
                Role::Featured => digester.story(pick.index).iter().map(&mut expand).collect(),
                _ => vec![expand(digester.blurb(pick.index))],
            };
            // The lead and the lesson are joined by one space, so their
            // words add up.
            let lesson = digester
                .lesson(pick.index)
                .zip(lead)
                .map(|(lesson, lead)| format!("{lead} {}", expand(lesson)));
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
                .map(|s| expand(s))
                .collect();
            let more_actions = open.len().saturating_sub(SPOKEN_ACTIONS);
            if more_actions > 0 {
                let line = format!(
                    "And {} more open {}.",
                    number_words(more_actions as u64),
                    if more_actions == 1 {
                        "action"
                    } else {
                        "actions"
                    }
                );
                words += word_count(&line);
                actions.push(line);
            }
            let seconds = reading_seconds(words);
            let link = digester.link(pick.index);
            DigestItem {
                id: incident.id.clone(),
                title: incident.title.clone(),
                url: link.url.clone(),
                date: link.date.clone(),
                date_iso: incident.date.to_string(),
                severity: incident.severity.as_ref().map(|s| SeverityCount {
                    name: s.name.clone(),
                    label: archive
                        .config
                        .severities
                        .get(s.rank)
                        .map_or(String::new(), |l| l.label.clone()),
                    rank: s.rank,
                    slug: digester.severity_slug(s.rank, &s.name),
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
        "That is all for {spoken_period}. The written digest links to every full postmortem."
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
            let link = digester.link(i);
            let date = link.date.clone();
            let severity = incident.severity.as_ref().map(|s| s.name.clone());
            MoreItem {
                title: incident.title.clone(),
                url: link.url.clone(),
                meta: match &severity {
                    Some(s) => format!("{s} · {date}"),
                    None => date.clone(),
                },
                date,
                severity,
            }
        })
        .collect();

    let path = match &team {
        None => format!("digests/{key}/"),
        Some(t) => format!("digests/{key}/teams/{}/", t.slug),
    };
    Digest {
        key,
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

/// What introduces an incident's lesson, by why the audience hears it.
fn lesson_lead(pick: &Pick, team: Option<&TeamRef>) -> String {
    match (&pick.role, &pick.reason, team) {
        (Role::OrgFeatured, _, _) => "What every team can take from this:".to_string(),
        (_, None, _) | (_, _, None) => "What we can all take from this:".to_string(),
        (_, Some(Reason::OwnTeam), Some(_)) => "For your own team:".to_string(),
        (_, Some(Reason::DependsOn(service)), Some(_)) => {
            format!("Your team depends on {service}, so take this with you:")
        }
        (_, Some(Reason::SharedWith), Some(_)) => {
            "The authors wanted your team to hear this:".to_string()
        }
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
