//! Stage 6, digest: read-aloud digests of a period's incidents for a
//! listening team, to read at a cross-team review, post to a channel, or
//! listen to in the browser.
//!
//! Input: the immutable [`Archive`]. Output: [`Digest`]s — one per ISO week,
//! month and quarter that has incidents, org-wide and per team touched —
//! rendered as HTML pages with a Listen control, Markdown and plain text,
//! plus an index and an Atom feed ([`write_pages`]).
//!
//! The pipeline per digest: [`periods`] groups incidents, [`selection`]
//! chooses and orders them for the audience, [`compose`] tells them with
//! the helpers of [`speech`], and [`render`] writes them out. Per-incident
//! spoken text is computed at most once per build and shared by every
//! digest that reads the incident.

pub mod compose;
pub mod periods;
pub mod render;
pub mod selection;
pub mod speech;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use jiff::civil::Date;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::archive::Archive;
use crate::incident::ActionStatus;
pub use periods::{Period, PeriodKind};
pub use render::{Format, render_one, write_pages};
pub use selection::{Audience, Reason, Role, Selection};
use speech::{Speaker, Spoken};

/// One digest: a period, an audience, and everything read aloud.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    /// `2024-03`, `2024-W12`, `2024-Q1`.
    pub key: String,
    /// `week`, `month` or `quarter`.
    pub kind: &'static str,
    /// `March 2024`.
    pub title: String,
    /// `1–31 Mar 2024`.
    pub range: String,
    /// The last day of the period.
    pub updated: Date,
    /// The listening team; `None` for the org-wide digest.
    pub team: Option<TeamRef>,
    /// Folder under the site root, with a trailing slash.
    pub path: String,
    /// Incidents this audience's header counts.
    pub total: usize,
    pub severity_counts: Vec<SeverityCount>,
    /// The same audience's count in the previous period.
    pub previous_total: Option<usize>,
    /// Counted incidents that repeat an earlier one (`recurrence_of`).
    pub repeats: usize,
    /// Action items completed in the period (closed then, or done and due then).
    pub actions_completed: usize,
    /// The one-line trend, spoken.
    pub trend: String,
    /// Spoken header sentences (period, counts, trend, reading time).
    pub intro: Vec<String>,
    /// Read aloud in order: featured, others, org-wide featured.
    pub items: Vec<DigestItem>,
    /// Further incidents, listed in the written version only (at most
    /// [`selection::MAX_LISTED_MORE`]).
    pub more: Vec<MoreItem>,
    /// How many further incidents there are in all.
    pub more_total: usize,
    /// Open questions for discussion, spoken.
    pub questions: Vec<String>,
    /// The closing sentence, spoken.
    pub outro: String,
    /// Spoken words in total.
    pub words: usize,
    /// Estimated reading time at 150 words a minute.
    pub reading_seconds: u32,
    /// `4 min 10 s`.
    pub reading_time: String,
}

/// The team a digest is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamRef {
    pub slug: String,
    pub name: String,
}

/// A severity and how many incidents had it.
#[derive(Debug, Clone, Serialize)]
pub struct SeverityCount {
    pub name: String,
    pub label: String,
    pub rank: usize,
    pub slug: String,
    pub count: usize,
}

/// One incident as read in a digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestItem {
    pub id: String,
    /// The title as written (shown, not spoken).
    pub title: String,
    /// Link to the full postmortem, under the base path.
    pub url: String,
    pub date: String,
    pub date_iso: String,
    pub severity: Option<SeverityCount>,
    pub teams: Vec<String>,
    pub role: Role,
    /// Why the listening team hears it, for readers.
    pub reason: Option<String>,
    /// Spoken: "Our featured story: …", "Next: …".
    pub heading: String,
    /// Spoken: the story (featured) or the blurb.
    pub paragraphs: Vec<String>,
    /// Spoken: one lesson phrased for the listener.
    pub lesson: Option<String>,
    /// Spoken: open action items that involve the listener.
    pub actions: Vec<String>,
    pub words: usize,
    pub reading_seconds: u32,
    pub reading_time: String,
}

/// An incident listed but not read aloud.
#[derive(Debug, Clone, Serialize)]
pub struct MoreItem {
    pub title: String,
    pub url: String,
    pub date: String,
    pub severity: Option<String>,
    /// `SEV-2 · 14 Mar 2024`, or the date alone: the line the page shows.
    pub meta: String,
}

impl Digest {
    /// Everything a listener hears, in order, one paragraph per line
    /// group. This is what the Listen control reads and what the plain-text
    /// format prints.
    pub fn spoken_text(&self) -> String {
        let mut parts: Vec<&str> = self.intro.iter().map(String::as_str).collect();
        for item in &self.items {
            parts.push(&item.heading);
            parts.extend(item.paragraphs.iter().map(String::as_str));
            parts.extend(item.lesson.as_deref());
            parts.extend(item.actions.iter().map(String::as_str));
        }
        if !self.questions.is_empty() {
            parts.push(QUESTIONS_LEAD);
            parts.extend(self.questions.iter().map(String::as_str));
        }
        parts.push(&self.outro);
        parts.join("\n\n")
    }

    /// The featured item, if any.
    pub fn featured(&self) -> Option<&DigestItem> {
        self.items.iter().find(|i| i.role == Role::Featured)
    }
}

/// Spoken before the discussion questions.
pub const QUESTIONS_LEAD: &str = "Questions for discussion.";

/// Builds digests for one archive, sharing per-incident work between them.
pub struct Digester<'a> {
    pub archive: &'a Archive,
    work: Prepared,
}

/// Everything a [`Digester`] worked out, apart from the archive it read:
/// kept by serve to make the digests of an edited incident's periods again
/// without working out the rest anew (see [`Digester::after_edit`]).
pub struct Prepared {
    routing: selection::Routing,
    speaker: Speaker,
    /// Listed incidents of every period that has any, newest first.
    periods: BTreeMap<Period, Vec<usize>>,
    /// Completed action items by period: org-wide, and per team slug.
    completed: BTreeMap<Period, (usize, BTreeMap<String, usize>)>,
    /// Each incident's summary and section sentences, shared by its
    /// story, blurb and lesson.
    sentences: Vec<compose::Sentences>,
    stories: Vec<OnceLock<Vec<Spoken>>>,
    blurbs: Vec<OnceLock<Spoken>>,
    lessons: Vec<OnceLock<Option<Spoken>>>,
    titles: Vec<OnceLock<Spoken>>,
    open_actions: Vec<OnceLock<Vec<(usize, Spoken)>>>,
    links: Vec<OnceLock<IncidentLink>>,
    /// Each action item's owner as `-slug-`, for matching team names.
    owners: Vec<Vec<Option<String>>>,
    /// The slug of each severity of the scale, by rank.
    severity_slugs: Vec<String>,
}

/// How the written digest shows an incident it links to, worked out once
/// per build rather than in every digest that lists the incident.
#[derive(Debug)]
pub struct IncidentLink {
    /// The full postmortem, under the base path.
    pub url: String,
    /// `14 Mar 2024`.
    pub date: String,
}

impl<'a> Digester<'a> {
    pub fn new(archive: &'a Archive) -> Digester<'a> {
        // The speaker's pattern of people's names takes longest to build:
        // build it on one core while the other routes incidents to teams.
        let (speaker, (routing, owners)) = rayon::join(
            || Speaker::new(archive),
            || rayon::join(|| selection::Routing::new(archive), || owners(archive)),
        );
        let mut periods: BTreeMap<Period, Vec<usize>> = BTreeMap::new();
        for (index, incident) in archive.incidents.iter().enumerate() {
            if selection::is_listed(incident) {
                for kind in PeriodKind::ALL {
                    periods
                        .entry(Period::containing(kind, incident.date))
                        .or_default()
                        .push(index);
                }
            }
        }
        let completed = completed(archive, &routing, &owners);
        let n = archive.incidents.len();
        let work = Prepared {
            routing,
            speaker,
            periods,
            completed,
            sentences: (0..n).map(|_| compose::Sentences::default()).collect(),
            stories: (0..n).map(|_| OnceLock::new()).collect(),
            blurbs: (0..n).map(|_| OnceLock::new()).collect(),
            lessons: (0..n).map(|_| OnceLock::new()).collect(),
            titles: (0..n).map(|_| OnceLock::new()).collect(),
            open_actions: (0..n).map(|_| OnceLock::new()).collect(),
            links: (0..n).map(|_| OnceLock::new()).collect(),
            owners,
            severity_slugs: archive
                .config
                .severities
                .iter()
                .map(|level| crate::slug::slugify(&level.name))
                .collect(),
        };
        Digester { archive, work }
    }

    /// What this digester worked out, to be taken up again by
    /// [`Digester::after_edit`].
    pub fn into_prepared(self) -> Prepared {
        self.work
    }

    /// A digester over `archive` from what one worked out before incident
    /// `edited` changed, when the edit leaves alone everything besides its
    /// own text that digests read: its date, status, teams, services,
    /// authors, action items and digest hints (serve checks). The
    /// incident's own spoken text is worked out again.
    ///
    /// With `actions_moved` (an edit of its action items that left their
    /// owners as they were), the completed items are counted again.
    pub fn after_edit(
        archive: &'a Archive,
        mut work: Prepared,
        edited: usize,
        actions_moved: bool,
    ) -> Digester<'a> {
        if actions_moved {
            work.completed = completed(archive, &work.routing, &work.owners);
        }
        if edited < work.stories.len() {
            work.sentences[edited] = compose::Sentences::default();
            work.stories[edited] = OnceLock::new();
            work.blurbs[edited] = OnceLock::new();
            work.lessons[edited] = OnceLock::new();
            work.titles[edited] = OnceLock::new();
            work.open_actions[edited] = OnceLock::new();
            work.links[edited] = OnceLock::new();
        }
        Digester { archive, work }
    }

    /// Which teams each incident touches.
    pub fn routing(&self) -> &selection::Routing {
        &self.work.routing
    }

    /// How this archive's text is made speakable.
    pub fn speaker(&self) -> &Speaker {
        &self.work.speaker
    }

    /// Every period with at least one listed incident, by kind then time.
    pub fn periods(&self) -> impl Iterator<Item = Period> + '_ {
        self.work.periods.keys().copied()
    }

    /// The listed incidents of a period, newest first.
    pub fn incidents_in(&self, period: Period) -> &[usize] {
        self.work.periods.get(&period).map_or(&[], Vec::as_slice)
    }

    /// The audiences with a digest for a period: the organisation, then
    /// every team some incident of the period touches, by slug.
    pub fn audiences(&self, period: Period) -> Vec<Audience> {
        let in_period = self.incidents_in(period);
        if in_period.is_empty() {
            return Vec::new();
        }
        let slugs: BTreeSet<&str> = in_period
            .iter()
            .flat_map(|&i| self.work.routing.touches[i].iter().map(|(s, _)| s.as_str()))
            .collect();
        std::iter::once(Audience::Org)
            .chain(slugs.into_iter().map(|slug| self.work.routing.team(slug)))
            .collect()
    }

    /// The selection for a period and audience; `None` when nothing in the
    /// period concerns the audience.
    pub fn select(&self, period: Period, audience: &Audience) -> Option<Selection> {
        selection::select(
            self.archive,
            &self.work.routing,
            self.incidents_in(period),
            audience,
        )
    }

    /// The digest for a period and audience; `None` when the period has no
    /// incident for the audience.
    pub fn digest(&self, period: Period, audience: &Audience) -> Option<Digest> {
        let selection = self.select(period, audience)?;
        let previous_total = period.previous().map(|p| self.count(p, audience));
        Some(compose::assemble(
            self,
            period,
            audience,
            &selection,
            previous_total,
        ))
    }

    /// How many incidents of a period concern the audience.
    pub fn count(&self, period: Period, audience: &Audience) -> usize {
        let in_period = self.incidents_in(period);
        match audience.team_slug() {
            None => in_period.len(),
            Some(slug) => in_period
                .iter()
                .filter(|&&i| self.work.routing.reason(i, slug).is_some())
                .count(),
        }
    }

    /// Action items completed in the period (closed then, or done and due
    /// then) that concern the audience.
    pub fn actions_completed(&self, period: Period, audience: &Audience) -> usize {
        let Some((org, by_team)) = self.work.completed.get(&period) else {
            return 0;
        };
        match audience.team_slug() {
            None => *org,
            Some(slug) => by_team.get(slug).copied().unwrap_or(0),
        }
    }

    /// What the incident's story, blurb and lesson are told from.
    fn material(&self, index: usize) -> compose::Material<'_> {
        compose::Material {
            speaker: &self.work.speaker,
            incident: &self.archive.incidents[index],
            sentences: &self.work.sentences[index],
        }
    }

    /// The featured story of an incident (paragraphs), computed once.
    pub fn story(&self, index: usize) -> &[Spoken] {
        self.work.stories[index].get_or_init(|| {
            compose::story(&self.material(index), &self.archive.config.severities)
                .into_iter()
                .map(|p| self.work.speaker.glossary.spoken(p))
                .collect()
        })
    }

    /// The blurb of an incident, computed once.
    pub fn blurb(&self, index: usize) -> &Spoken {
        self.work.blurbs[index].get_or_init(|| {
            let sentences = compose::blurb(&self.material(index), &self.archive.config.severities);
            self.work.speaker.glossary.spoken(sentences.join(" "))
        })
    }

    /// The lesson of an incident, computed once.
    pub fn lesson(&self, index: usize) -> Option<&Spoken> {
        self.work.lessons[index]
            .get_or_init(|| {
                compose::lesson(&self.material(index)).map(|l| self.work.speaker.glossary.spoken(l))
            })
            .as_ref()
    }

    /// The incident's title made speakable, computed once.
    pub fn title(&self, index: usize) -> &Spoken {
        self.work.titles[index].get_or_init(|| {
            let title = self
                .work
                .speaker
                .clean(&self.archive.incidents[index].title)
                .unwrap_or_else(|| "An incident".to_string());
            self.work
                .speaker
                .glossary
                .spoken(title.trim_end_matches('.').to_string())
        })
    }

    /// The incident's open action items, each with its index and spoken
    /// line ("Open action: …, due the thirtieth of June."), computed once.
    pub fn open_actions(&self, index: usize) -> &[(usize, Spoken)] {
        self.work.open_actions[index].get_or_init(|| {
            compose::open_actions(
                &self.work.speaker,
                &self.archive.incidents[index],
                self.archive.today,
            )
            .into_iter()
            .map(|(n, line)| (n, self.work.speaker.glossary.spoken(line)))
            .collect()
        })
    }

    /// The incident's link and display date, computed once.
    pub fn link(&self, index: usize) -> &IncidentLink {
        self.work.links[index].get_or_init(|| {
            let incident = &self.archive.incidents[index];
            IncidentLink {
                url: self.archive.incident_url(incident),
                date: crate::render::views::display_date(incident.date),
            }
        })
    }

    /// The slug of a severity (`sev-1`), from the scale when the name is
    /// the scale's own.
    pub fn severity_slug(&self, rank: usize, name: &str) -> String {
        match self.archive.config.severities.get(rank) {
            Some(level) if level.name == name => self.work.severity_slugs[rank].clone(),
            _ => crate::slug::slugify(name),
        }
    }

    /// Whether action item `n` of incident `index` involves the team: its
    /// owner names the team, or it has no owner and the incident is the
    /// team's own.
    pub fn involves(&self, index: usize, n: usize, team_slug: &str) -> bool {
        match self.work.owners[index].get(n).and_then(Option::as_deref) {
            Some(owner) => names_team(owner, team_slug),
            None => matches!(
                self.work.routing.reason(index, team_slug),
                Some(Reason::OwnTeam)
            ),
        }
    }
}

/// Each incident's action item owners as `-slug-`, for matching team names.
/// Completed action items by period (of their closing day, else their due
/// day): org-wide, and per team slug (the teams the incident touches, and
/// those its owner names).
fn completed(
    archive: &Archive,
    routing: &selection::Routing,
    owners: &[Vec<Option<String>>],
) -> BTreeMap<Period, (usize, BTreeMap<String, usize>)> {
    let mut completed: BTreeMap<Period, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    // The teams each owner names, worked out once per owner: a few dozen
    // owners own tens of thousands of items.
    let mut named: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    for (index, incident) in archive.incidents.iter().enumerate() {
        for (n, item) in incident.action_items.iter().enumerate() {
            if item.status != ActionStatus::Done {
                continue;
            }
            let Some(day) = item.closed.or(item.due) else {
                continue;
            };
            // The teams it concerns: those the incident touches, and
            // those its owner names.
            let mut teams: BTreeSet<&str> = routing.touches[index]
                .iter()
                .map(|(slug, _)| slug.as_str())
                .collect();
            if let Some(owner) = owners[index][n].as_deref() {
                let names = named.entry(owner).or_insert_with(|| {
                    routing
                        .team_names
                        .keys()
                        .filter(|slug| names_team(owner, slug))
                        .map(String::as_str)
                        .collect()
                });
                teams.extend(names.iter().copied());
            }
            for kind in PeriodKind::ALL {
                let (org, by_team) = completed.entry(Period::containing(kind, day)).or_default();
                *org += 1;
                for &team in &teams {
                    match by_team.get_mut(team) {
                        Some(count) => *count += 1,
                        None => {
                            by_team.insert(team.to_string(), 1);
                        }
                    }
                }
            }
        }
    }
    completed
}

fn owners(archive: &Archive) -> Vec<Vec<Option<String>>> {
    archive
        .incidents
        .iter()
        .map(|i| {
            i.action_items
                .iter()
                .map(|a| {
                    a.owner
                        .as_deref()
                        .map(|o| format!("-{}-", crate::slug::slugify(o)))
                })
                .collect()
        })
        .collect()
}

/// Whether an owner (as `-slug-`) names a team: `-platform-database-team-`
/// names `platform`.
fn names_team(owner: &str, team_slug: &str) -> bool {
    owner
        .match_indices(team_slug)
        .any(|(at, _)| owner[..at].ends_with('-') && owner[at + team_slug.len()..].starts_with('-'))
}
