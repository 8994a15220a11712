//! The postmortem as data: the typed record the `content` stage produces for
//! each file and every later stage reads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// One postmortem, parsed and resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    /// Unique, URL-safe identifier (`2024/checkout-db-failover`).
    pub id: String,
    /// Path of the source file relative to the archive root.
    pub source: PathBuf,
    pub title: String,
    /// Day the incident began.
    pub date: Date,
    pub severity: Option<Severity>,
    pub status: Status,
    pub times: IncidentTimes,
    pub durations: Durations,
    pub teams: Vec<String>,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    pub customer_impact: Option<bool>,
    pub data_loss: Option<bool>,
    /// Plain-text summary: front matter, else the Summary section's first paragraph.
    pub summary: String,
    pub authors: Vec<String>,
    pub action_items: Vec<ActionItem>,
    pub related: Vec<String>,
    pub recurrence_of: Vec<String>,
    pub share_with: Vec<String>,
    pub digest: DigestHints,
    /// Front-matter fields Casebook does not know, kept for templates.
    pub extra: BTreeMap<String, serde_json::Value>,
    /// Body split into sections, in document order.
    pub sections: Vec<Section>,
    pub timeline: Vec<TimelineEvent>,
    /// The body contains at least one Mermaid diagram.
    pub has_mermaid: bool,
    pub word_count: usize,
    /// When the file was last changed (Git history, else file time).
    pub updated: Option<Timestamp>,
}

/// A level of the configured severity scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Severity {
    /// Position in the scale, 0 being the worst.
    pub rank: usize,
    /// Canonical name, e.g. `SEV-1`.
    pub name: String,
}

/// Where a postmortem is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Review,
    Final,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Final => "final",
        }
    }
}

/// The moments that define an incident's durations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IncidentTimes {
    pub started: Option<Timestamp>,
    pub detected: Option<Timestamp>,
    pub mitigated: Option<Timestamp>,
    pub resolved: Option<Timestamp>,
}

/// How long the incident took to detect, mitigate and resolve, from the
/// times when known, else from the `durations` map or body statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Durations {
    pub to_detect: Option<SignedDuration>,
    pub to_mitigate: Option<SignedDuration>,
    pub to_resolve: Option<SignedDuration>,
}

/// The author's hints for read-aloud digests.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DigestHints {
    pub blurb: Option<String>,
    /// `Some(false)` keeps the incident out of digests; `Some(true)` features it.
    pub include: Option<bool>,
}

/// What a section of a postmortem is about, recognised from its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    Summary,
    Impact,
    Timeline,
    ContributingFactors,
    FiveWhys,
    WentWell,
    WentWrong,
    ActionItems,
    Lessons,
    Other,
}

/// A heading and everything under it up to the next section.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub kind: SectionKind,
    /// The heading as written; empty for text before the first heading.
    pub heading: String,
    /// Fragment id of the heading.
    pub anchor: String,
    /// Rendered HTML of the section body (without its heading).
    pub html: String,
    /// Plain text of the section body, for summaries, search and digests
    /// (left out of `incidents.json`, which carries the HTML).
    #[serde(skip_serializing)]
    pub text: String,
}

/// One parsed entry of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    /// The time as written (`14:32`, `2024-03-14 14:32 CET`, `~19:30`).
    pub label: String,
    /// The instant, when the date and zone are known.
    pub at: Option<Timestamp>,
    /// Written with `~` or "about".
    pub approximate: bool,
    /// What happened, as plain text.
    pub text: String,
}

/// One follow-up from the Action items section or front matter.
#[derive(Debug, Clone, Serialize)]
pub struct ActionItem {
    /// `{incident id}#{n}`, stable while the list order is.
    pub id: String,
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<Date>,
    pub status: ActionStatus,
    pub kind: Option<String>,
    pub priority: Option<String>,
    pub ticket: Option<String>,
    /// When it was completed, if the author recorded it (`closed:`).
    pub closed: Option<Date>,
    /// Line in the source file, for diagnostics.
    pub line: usize,
}

/// Where an action item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    WontDo,
}

impl ActionStatus {
    /// Reads the many ways authors write a status; unknown words are open.
    pub fn parse(text: &str) -> Option<ActionStatus> {
        let normalised: String = text
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        Some(match normalised.as_str() {
            "" => return None,
            "open" | "todo" | "new" | "notstarted" | "planned" | "pending" | "backlog" => {
                ActionStatus::Open
            }
            "inprogress" | "doing" | "started" | "ongoing" | "wip" | "active" => {
                ActionStatus::InProgress
            }
            "done" | "closed" | "complete" | "completed" | "fixed" | "resolved" | "finished"
            | "shipped" | "x" => ActionStatus::Done,
            "wontdo" | "wontfix" | "cancelled" | "canceled" | "dropped" | "rejected" => {
                ActionStatus::WontDo
            }
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in-progress",
            ActionStatus::Done => "done",
            ActionStatus::WontDo => "wont-do",
        }
    }

    /// The status as pages show it (`In progress`).
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Open => "Open",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Done => "Done",
            ActionStatus::WontDo => "Won’t do",
        }
    }

    /// Still needs doing.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

impl ActionItem {
    /// Open and past its due date on `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status.is_open() && self.due.is_some_and(|due| due < today)
    }
}

impl Incident {
    /// The first section of a kind, if the postmortem has one.
    pub fn section(&self, kind: SectionKind) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind == kind)
    }

    /// Year the incident happened, for the years index.
    pub fn year(&self) -> i16 {
        self.date.year()
    }

    /// Gives back the spare room of the incident's lists, which the model
    /// keeps for the whole build: grown an item at a time, a list of nine
    /// sections had room for sixteen (7 MB of 10,000 postmortems' peak).
    pub fn shrink_to_fit(&mut self) {
        self.teams.shrink_to_fit();
        self.services.shrink_to_fit();
        self.tags.shrink_to_fit();
        self.authors.shrink_to_fit();
        self.action_items.shrink_to_fit();
        self.related.shrink_to_fit();
        self.recurrence_of.shrink_to_fit();
        self.share_with.shrink_to_fit();
        self.sections.shrink_to_fit();
        self.timeline.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_read_tolerantly() {
        assert_eq!(
            ActionStatus::parse("In progress"),
            Some(ActionStatus::InProgress)
        );
        assert_eq!(ActionStatus::parse("wont-do"), Some(ActionStatus::WontDo));
        assert_eq!(ActionStatus::parse("DONE"), Some(ActionStatus::Done));
        assert_eq!(ActionStatus::parse("maybe"), None);
    }
}
