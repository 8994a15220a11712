//! Views: the borrowed, display-ready shapes templates receive. Formatting
//! (dates, durations, URLs) happens here once, so templates stay simple.

use std::sync::OnceLock;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use rustc_hash::FxHashMap;
use serde::Serialize;
use tera::Value;

use crate::archive::Archive;
use crate::incident::{ActionItem, Incident, SectionKind, Severity};
use crate::slug::slugify;

/// Site-wide values every template gets as `site`.
#[derive(Serialize)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// Path prefix for links, with a trailing slash (`/` or `/sre/pm/`).
    pub base: String,
    /// Absolute URL for feeds, with a trailing slash.
    pub base_url: String,
    pub repo_url: Option<&'a str>,
    pub severities: Vec<SeverityView>,
    pub taxonomies: Vec<LinkView>,
    pub incident_count: usize,
}

#[derive(Serialize, Clone)]
pub struct SeverityView {
    pub name: String,
    pub label: String,
    /// CSS-safe name, e.g. `sev-1`.
    pub slug: String,
    pub rank: usize,
}

#[derive(Serialize, Clone)]
pub struct LinkView {
    pub name: String,
    pub url: String,
}

/// A term with its page and count.
#[derive(Serialize)]
pub struct TermView<'a> {
    pub name: &'a str,
    pub url: String,
    pub count: usize,
}

/// An incident as listed in cards and tables.
#[derive(Serialize)]
pub struct CardView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub url: String,
    pub date: String,
    pub date_iso: String,
    pub severity: Option<SeverityView>,
    pub status: &'static str,
    /// [`LinkView`]s, shared with every other page that links the term.
    pub teams: Value,
    pub services: Value,
    pub summary: String,
}

/// What an incident page shows besides its [`CardView`]: the template's
/// `incident` has the fields of both (see [`IncidentView::with_card`]).
#[derive(Serialize)]
pub struct IncidentView<'a> {
    /// [`LinkView`]s.
    pub tags: Value,
    pub year_url: String,
    pub authors: &'a [String],
    pub times: Vec<MomentView>,
    pub durations: Vec<DurationView>,
    pub customer_impact: Option<bool>,
    pub data_loss: Option<bool>,
    pub sections: Vec<SectionView<'a>>,
    pub timeline: Vec<EventView<'a>>,
    pub action_items: Vec<ActionView<'a>>,
    pub has_mermaid: bool,
    pub reading_minutes: usize,
    pub source: String,
    pub edit_url: Option<String>,
    pub updated: Option<String>,
    /// `updated` as an ISO date, for `<time datetime>`.
    pub updated_iso: Option<String>,
    /// The whole summary (cards show a shortened one).
    pub full_summary: &'a str,
    pub extra: &'a std::collections::BTreeMap<String, serde_json::Value>,
}

impl IncidentView<'_> {
    /// The template's `incident`: this view's fields and those of `card`,
    /// the incident's [`CardView`] value, made once for its card and
    /// reused here rather than built and converted again.
    pub fn with_card(&self, card: &Value) -> Value {
        // The card's fields join this view's map rather than both being
        // copied into a third; on a clash this view's field wins (the two
        // share no name today).
        let mut fields = Value::from_serializable(self)
            .into_map()
            .unwrap_or_default();
        if let Some(card) = card.as_map() {
            fields.reserve(card.len());
            for (key, value) in card {
                fields.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        Value::from(fields)
    }
}

#[derive(Serialize)]
pub struct MomentView {
    pub label: &'static str,
    pub iso: String,
    pub display: String,
}

#[derive(Serialize)]
pub struct DurationView {
    pub label: &'static str,
    pub value: String,
    pub minutes: i64,
}

#[derive(Serialize)]
pub struct SectionView<'a> {
    pub kind: SectionKind,
    pub heading: &'a str,
    pub anchor: &'a str,
    pub html: &'a str,
}

#[derive(Serialize)]
pub struct EventView<'a> {
    pub label: &'a str,
    pub text: &'a str,
    pub iso: Option<String>,
    /// Time since the incident started (`+12 min`), when both are known.
    pub offset: Option<String>,
    pub approximate: bool,
    /// The key moments (`Started`, …) this event is at, usually none or one.
    pub moments: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct ActionView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub owner: Option<&'a str>,
    pub due: Option<String>,
    pub due_iso: Option<String>,
    pub status: &'static str,
    /// The status in words (`In progress`).
    pub status_label: &'static str,
    pub overdue_days: Option<i32>,
    /// How long past due, in words (`3 months`), when overdue: worked out
    /// here rather than by the theme's `days` component, which cost every
    /// overdue row of an incident page a nested component call.
    pub overdue_for: Option<String>,
    pub ticket: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub incident_title: &'a str,
    pub incident_url: String,
}

/// Builds views against one archive.
pub struct Views<'a> {
    pub archive: &'a Archive,
    base: String,
    /// Every linked term's [`LinkView`] as a template value, made on first
    /// use: an incident's teams, services and tags are looked up rather
    /// than slugged, formatted and converted again on every page.
    term_links: OnceLock<TermLinks>,
}

/// The taxonomies whose terms cards and incident pages link, by key.
const LINKED_TAXONOMIES: [&str; 3] = ["teams", "services", "tags"];

/// For each of [`LINKED_TAXONOMIES`], term name → its [`LinkView`] value.
/// (Owned names: borrowing them would tie `Views` to one archive lifetime
/// exactly, and its users pass it around with shorter ones.)
type TermLinks = [FxHashMap<String, Value>; LINKED_TAXONOMIES.len()];

impl<'a> Views<'a> {
    pub fn new(archive: &'a Archive) -> Self {
        Views {
            base: archive.config.base_path(),
            archive,
            term_links: OnceLock::new(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn site(&self) -> SiteView<'a> {
        let config = &self.archive.config;
        SiteView {
            title: &config.title,
            description: &config.description,
            base: self.base.clone(),
            base_url: config.absolute_base(),
            repo_url: config.repo_url.as_deref(),
            severities: config
                .severities
                .iter()
                .enumerate()
                .map(|(rank, level)| severity_view(rank, &level.name, &level.label))
                .collect(),
            taxonomies: self
                .archive
                .taxonomies
                .iter()
                .map(|t| LinkView {
                    name: t.title.to_string(),
                    url: format!("{}{}/", self.base, t.key),
                })
                .collect(),
            incident_count: self.archive.incidents.len(),
        }
    }

    pub fn term_url(&self, taxonomy: &str, name: &str) -> String {
        format!("{}{}/{}/", self.base, taxonomy, slugify(name))
    }

    fn link(&self, taxonomy: &str, name: &str) -> Value {
        Value::from_serializable(&LinkView {
            name: name.to_string(),
            url: self.term_url(taxonomy, name),
        })
    }

    fn term_links(&self) -> &TermLinks {
        self.term_links.get_or_init(|| {
            LINKED_TAXONOMIES.map(|key| {
                let terms = self.archive.taxonomy(key).map_or(&[][..], |t| &t.terms);
                terms
                    .iter()
                    .map(|term| (term.name.clone(), self.link(key, &term.name)))
                    .collect()
            })
        })
    }

    /// The [`LinkView`]s of `names` in `taxonomy`, as one template value.
    fn links(&self, taxonomy: &str, names: &[String]) -> Value {
        let known = LINKED_TAXONOMIES
            .iter()
            .position(|&key| key == taxonomy)
            .map(|index| &self.term_links()[index]);
        let links: Vec<Value> = names
            .iter()
            .map(
                |name| match known.and_then(|terms| terms.get(name.as_str())) {
                    Some(link) => link.clone(),
                    None => self.link(taxonomy, name),
                },
            )
            .collect();
        Value::from(links)
    }

    pub fn severity(&self, severity: &Severity) -> SeverityView {
        let label = self
            .archive
            .config
            .severities
            .get(severity.rank)
            .map_or("", |l| l.label.as_str());
        severity_view(severity.rank, &severity.name, label)
    }

    pub fn card(&self, incident: &'a Incident) -> CardView<'a> {
        CardView {
            id: &incident.id,
            title: &incident.title,
            url: self.incident_url(incident),
            date: display_date(incident.date),
            date_iso: incident.date.to_string(),
            severity: incident.severity.as_ref().map(|s| self.severity(s)),
            status: incident.status.as_str(),
            teams: self.links("teams", &incident.teams),
            services: self.links("services", &incident.services),
            summary: shorten(&incident.summary, 240),
        }
    }

    /// [`Archive::incident_url`] with the base path already at hand.
    pub fn incident_url(&self, incident: &Incident) -> String {
        crate::archive::incident_path(&self.base, &incident.id)
    }

    /// The incident's [`CardView`] as a template value.
    pub fn card_value(&self, incident: &'a Incident) -> Value {
        Value::from_serializable(&self.card(incident))
    }

    pub fn incident(&self, incident: &'a Incident) -> IncidentView<'a> {
        let config = &self.archive.config;
        let started = incident.times.started;
        let source = incident.source.to_string_lossy().replace('\\', "/");
        let times: Vec<MomentView> = [
            ("Started", incident.times.started),
            ("Detected", incident.times.detected),
            ("Mitigated", incident.times.mitigated),
            ("Resolved", incident.times.resolved),
        ]
        .into_iter()
        .filter_map(|(label, at)| {
            at.map(|at| MomentView {
                label,
                iso: at.to_string(),
                display: display_instant(at),
            })
        })
        .collect();
        let timeline = incident
            .timeline
            .iter()
            .map(|e| {
                let iso = e.at.map(|at| at.to_string());
                EventView {
                    label: &e.label,
                    text: &e.text,
                    moments: iso.as_ref().map_or_else(Vec::new, |iso| {
                        times
                            .iter()
                            .filter(|t| &t.iso == iso)
                            .map(|t| t.label)
                            .collect()
                    }),
                    iso,
                    offset: match (started, e.at) {
                        (Some(start), Some(at)) => Some(display_offset(at.duration_since(start))),
                        _ => None,
                    },
                    approximate: e.approximate,
                }
            })
            .collect();
        IncidentView {
            tags: self.links("tags", &incident.tags),
            year_url: format!("{}years/{}/", self.base, incident.year()),
            authors: &incident.authors,
            times,
            durations: [
                ("Time to detect", incident.durations.to_detect),
                ("Time to mitigate", incident.durations.to_mitigate),
                ("Time to resolve", incident.durations.to_resolve),
            ]
            .into_iter()
            .filter_map(|(label, d)| {
                d.map(|d| DurationView {
                    label,
                    value: display_duration(d),
                    minutes: d.as_mins(),
                })
            })
            .collect(),
            customer_impact: incident.customer_impact,
            data_loss: incident.data_loss,
            sections: incident
                .sections
                .iter()
                .map(|s| SectionView {
                    kind: s.kind,
                    heading: &s.heading,
                    anchor: &s.anchor,
                    html: &s.html,
                })
                .collect(),
            timeline,
            action_items: incident
                .action_items
                .iter()
                .map(|a| self.action(incident, a))
                .collect(),
            has_mermaid: incident.has_mermaid,
            reading_minutes: incident.word_count.div_ceil(220).max(1),
            edit_url: config.repo_url.as_ref().map(|repo| {
                format!(
                    "{}/edit/{}/{}",
                    repo.trim_end_matches('/'),
                    config.repo_branch,
                    source
                )
            }),
            source,
            updated: incident
                .updated
                .map(|t| display_date(t.to_zoned(jiff::tz::TimeZone::UTC).date())),
            extra: &incident.extra,
            updated_iso: incident
                .updated
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()),
            full_summary: &incident.summary,
        }
    }

    /// How many days past due `item` is, when it is overdue.
    pub fn overdue_days(&self, item: &ActionItem) -> Option<i32> {
        let today = self.archive.today;
        item.is_overdue(today)
            .then(|| item.due.map_or(0, |due| (today - due).get_days()))
    }

    pub fn action(&self, incident: &'a Incident, item: &'a ActionItem) -> ActionView<'a> {
        let overdue_days = self.overdue_days(item);
        ActionView {
            id: &item.id,
            title: &item.title,
            owner: item.owner.as_deref(),
            due: item.due.map(display_date),
            due_iso: item.due.map(|d| d.to_string()),
            status: item.status.as_str(),
            status_label: item.status.label(),
            overdue_days,
            overdue_for: overdue_days.map(display_days),
            ticket: item.ticket.as_deref(),
            priority: item.priority.as_deref(),
            incident_title: &incident.title,
            incident_url: self.incident_url(incident),
        }
    }
}

fn severity_view(rank: usize, name: &str, label: &str) -> SeverityView {
    SeverityView {
        name: name.to_string(),
        label: label.to_string(),
        slug: slugify(name),
        rank,
    }
}

/// `5 days`, `3 months`, `2 years`: a count of days as the default theme's
/// `days` component words it (months of 30 days from 60 days, years of 365
/// from 730, rounded down).
fn display_days(days: i32) -> String {
    match days {
        730.. => format!("{} years", days / 365),
        60.. => format!("{} months", days / 30),
        1 => "1 day".to_string(),
        _ => format!("{days} days"),
    }
}

/// `14 Mar 2024`.
pub fn display_date(date: Date) -> String {
    date.strftime("%-d %b %Y").to_string()
}

/// `14 Mar 2024, 14:32 UTC`.
pub fn display_instant(at: Timestamp) -> String {
    at.strftime("%-d %b %Y, %H:%M UTC").to_string()
}

/// `1 h 35 min`, `45 min`, `2 d 3 h`.
pub fn display_duration(duration: SignedDuration) -> String {
    let mut text = String::with_capacity(16);
    if duration.is_negative() {
        text.push('−');
    }
    push_duration(&mut text, duration);
    text
}

/// `+12 min`, `−5 min`: a timeline event's time since the incident started.
fn display_offset(duration: SignedDuration) -> String {
    let mut text = String::with_capacity(16);
    text.push(if duration.is_negative() { '−' } else { '+' });
    push_duration(&mut text, duration);
    text
}

/// Appends the length of `duration`, without its sign, as
/// [`display_duration`] words it: into one string, as a timeline of many
/// events formats an offset for each.
fn push_duration(text: &mut String, duration: SignedDuration) {
    use std::fmt::Write as _;
    let minutes = duration.as_mins().abs();
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let _ = match (days, hours, mins) {
        (0, 0, m) => write!(text, "{m} min"),
        (0, h, 0) => write!(text, "{h} h"),
        (0, h, m) => write!(text, "{h} h {m} min"),
        (d, 0, _) => write!(text, "{d} d"),
        (d, h, _) => write!(text, "{d} d {h} h"),
    };
}

/// Cuts text at a word boundary, adding an ellipsis.
pub fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(
            display_duration(SignedDuration::from_mins(95)),
            "1 h 35 min"
        );
        assert_eq!(display_duration(SignedDuration::from_mins(8)), "8 min");
        assert_eq!(
            display_duration(SignedDuration::from_mins(60 * 27)),
            "1 d 3 h"
        );
        assert_eq!(
            display_duration(SignedDuration::from_mins(-90)),
            "−1 h 30 min"
        );
        assert_eq!(display_offset(SignedDuration::from_mins(0)), "+0 min");
        assert_eq!(display_offset(SignedDuration::from_mins(12)), "+12 min");
        assert_eq!(display_offset(SignedDuration::from_mins(-5)), "−5 min");
    }

    #[test]
    fn days_read_like_the_days_component() {
        assert_eq!(display_days(1), "1 day");
        assert_eq!(display_days(59), "59 days");
        assert_eq!(display_days(60), "2 months");
        assert_eq!(display_days(729), "24 months");
        assert_eq!(display_days(730), "2 years");
        assert_eq!(display_days(1200), "3 years");
    }

    #[test]
    fn shorten_cuts_at_words() {
        assert_eq!(shorten("one two three", 9), "one two…");
        assert_eq!(shorten("short", 9), "short");
    }
}
