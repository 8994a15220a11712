//! Action items across the archive: every follow-up with its incident,
//! owner, due date, status and age; completion rates; and the same list as
//! text, JSON or CSV for `casebook actions`.
//!
//! Input: the [`Archive`] (its `today` decides what is overdue). Output:
//! [`ActionEntry`] lists, [`Completion`] figures, and the rows of the
//! `/actions/` page.
//!
//! Definitions, the same on the page, in the CLI and in tests:
//!
//! - *overdue*: open or in progress, with a due date before today;
//! - *age*: days from the incident's date to today, for items still open
//!   (items carry no creation date of their own);
//! - *completion rate*: done ÷ (all − won't do), so deliberately dropped
//!   items neither help nor hurt;
//! - *time to done*: days from the incident's date to the item's `closed`
//!   date, for done items that record one.

use std::fmt::Write as _;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::stats::{self, format_percent};
pub use super::tally::ActionFigures;
use super::tally::Tally;
use crate::archive::Archive;
use crate::incident::{ActionItem, ActionStatus, Incident};
use crate::slug::slugify;
use crate::templates::escape_html_into;

/// One action item with what the dashboards derive from it.
#[derive(Debug, Clone, Copy)]
pub struct ActionEntry<'a> {
    /// Index of the incident in `Archive::incidents`.
    pub incident_index: usize,
    pub incident: &'a Incident,
    pub item: &'a ActionItem,
    /// Days past the due date, for overdue items.
    pub overdue_days: Option<i32>,
    /// Days since the incident, for items still open.
    pub age_days: Option<i32>,
    /// Days from the incident to the `closed` date, for done items.
    pub days_to_done: Option<i32>,
}

/// Where an item stands on the dashboard: the status, with overdue split out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    Overdue,
    Open,
    InProgress,
    Done,
    WontDo,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Overdue => "overdue",
            Standing::Open => "open",
            Standing::InProgress => "in-progress",
            Standing::Done => "done",
            Standing::WontDo => "wont-do",
        }
    }
}

impl<'a> ActionEntry<'a> {
    /// Derives overdue days, age and time to done against `archive.today`.
    pub fn new(
        archive: &Archive,
        incident_index: usize,
        item: &'a ActionItem,
        incident: &'a Incident,
    ) -> Self {
        let today = archive.today;
        let days = stats::days_between;
        ActionEntry {
            incident_index,
            incident,
            item,
            overdue_days: item
                .is_overdue(today)
                .then(|| item.due.map_or(0, |due| days(due, today))),
            age_days: item
                .status
                .is_open()
                .then(|| days(incident.date, today).max(0)),
            days_to_done: (item.status == ActionStatus::Done)
                .then_some(item.closed)
                .flatten()
                .map(|closed| days(incident.date, closed)),
        }
    }

    pub fn standing(&self) -> Standing {
        match self.item.status {
            _ if self.overdue_days.is_some() => Standing::Overdue,
            ActionStatus::Open => Standing::Open,
            ActionStatus::InProgress => Standing::InProgress,
            ActionStatus::Done => Standing::Done,
            ActionStatus::WontDo => Standing::WontDo,
        }
    }

    /// Display order: most overdue first, then open by due date, then done
    /// and won't do, newest incident first.
    pub(super) fn sort_key(&self) -> (u8, i64, usize, &'a str) {
        let due = self.item.due.map_or(i64::MAX, |d| {
            i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
        });
        match self.standing() {
            Standing::Overdue => (
                0,
                -i64::from(self.overdue_days.unwrap_or(0)),
                self.incident_index,
                &self.item.id,
            ),
            Standing::Open | Standing::InProgress => (1, due, self.incident_index, &self.item.id),
            Standing::Done => (2, 0, self.incident_index, &self.item.id),
            Standing::WontDo => (3, 0, self.incident_index, &self.item.id),
        }
    }
}

/// Every action item in the archive, in display order.
pub fn entries(archive: &Archive) -> Vec<ActionEntry<'_>> {
    let mut list: Vec<ActionEntry> = archive
        .incidents
        .iter()
        .enumerate()
        .flat_map(|(index, incident)| {
            incident
                .action_items
                .iter()
                .map(move |item| ActionEntry::new(archive, index, item, incident))
        })
        .collect();
    list.sort_by_cached_key(ActionEntry::sort_key);
    list
}

/// The actions page's figures over `entries`, in the page's order.
pub fn figures(archive: &Archive, entries: &[ActionEntry]) -> ActionFigures {
    let (tally, items) = Tally::of(archive, entries);
    tally.figures(archive, &items)
}

/// Which action items `casebook actions` prints.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    /// Only items past their due date.
    pub overdue_only: bool,
    /// Only items of this owner, compared as slugs (`@Alice` matches `alice`).
    pub owner: Option<String>,
}

impl ActionFilter {
    pub fn matches(&self, entry: &ActionEntry) -> bool {
        if self.overdue_only && entry.overdue_days.is_none() {
            return false;
        }
        match &self.owner {
            Some(owner) => entry
                .item
                .owner
                .as_deref()
                .is_some_and(|o| slugify(o) == slugify(owner)),
            None => true,
        }
    }
}

/// Counts and rates over a set of action items.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Completion {
    pub total: usize,
    /// Open or in progress, overdue or not.
    pub open: usize,
    pub overdue: usize,
    pub done: usize,
    pub wont_do: usize,
    /// done ÷ (total − won't do), as a percentage.
    pub rate: Option<f64>,
    /// Median days from incident to done, over items with a `closed` date.
    pub median_days_to_done: Option<f64>,
    /// How many done items have a `closed` date.
    pub with_closed_date: usize,
}

impl Completion {
    pub fn of<'a, 'b: 'a>(entries: impl IntoIterator<Item = &'a ActionEntry<'b>>) -> Completion {
        let mut counter = CompletionCounter::default();
        for entry in entries {
            counter.count(entry.standing(), entry.days_to_done);
        }
        counter.finish()
    }
}

/// [`Completion`], counted one item at a time.
#[derive(Debug, Clone, Default)]
pub struct CompletionCounter {
    counts: Completion,
    days_to_done: Vec<f64>,
}

impl CompletionCounter {
    /// Counts an item standing as `standing`, done in `days_to_done` days.
    pub fn count(&mut self, standing: Standing, days_to_done: Option<i32>) {
        let c = &mut self.counts;
        c.total += 1;
        match standing {
            Standing::Overdue => {
                c.open += 1;
                c.overdue += 1;
            }
            Standing::Open | Standing::InProgress => c.open += 1,
            Standing::Done => c.done += 1,
            Standing::WontDo => c.wont_do += 1,
        }
        if let Some(days) = days_to_done {
            self.days_to_done.push(f64::from(days));
        }
    }

    /// How many items it has counted.
    pub fn total(&self) -> usize {
        self.counts.total
    }

    pub fn finish(mut self) -> Completion {
        let mut c = self.counts;
        c.rate = stats::percent(c.done, c.total - c.wont_do);
        c.with_closed_date = self.days_to_done.len();
        c.median_days_to_done = stats::median(&mut self.days_to_done);
        c
    }
}

/// Completion for one group (a team, a severity, an owner).
#[derive(Debug, Clone, Serialize)]
pub struct GroupCompletion {
    pub name: String,
    /// Slug for filters; empty for "no team", "unrated", "unassigned".
    pub slug: String,
    #[serde(flatten)]
    pub completion: Completion,
    /// `87%`, `—`.
    pub rate_text: String,
    /// `12 d`, `—`.
    pub median_text: String,
}

impl GroupCompletion {
    pub(super) fn new(name: String, slug: String, completion: Completion) -> GroupCompletion {
        GroupCompletion {
            rate_text: format_percent(completion.rate),
            median_text: days_text(completion.median_days_to_done),
            name,
            slug,
            completion,
        }
    }
}

/// `12 d`, `3.5 d`, `—`.
pub fn days_text(days: Option<f64>) -> String {
    match days {
        None => "—".to_string(),
        Some(d) if d.fract().abs() < 0.05 => format!("{} d", d.round()),
        Some(d) => format!("{d:.1} d"),
    }
}

/// An action item as `casebook actions --format json` prints it.
#[derive(Debug, Serialize)]
pub struct ActionRecord<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub owner: Option<&'a str>,
    pub due: Option<String>,
    pub status: &'static str,
    pub overdue: bool,
    pub overdue_days: Option<i32>,
    pub age_days: Option<i32>,
    pub closed: Option<String>,
    pub days_to_done: Option<i32>,
    pub ticket: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub incident: &'a str,
    pub incident_title: &'a str,
    pub incident_date: String,
    pub severity: Option<&'a str>,
    pub teams: &'a [String],
    /// The incident page: absolute when `base_url` in casebook.toml is.
    pub url: String,
}

impl<'a> ActionRecord<'a> {
    pub fn new(archive: &Archive, entry: &ActionEntry<'a>) -> ActionRecord<'a> {
        let item = entry.item;
        ActionRecord {
            id: &item.id,
            title: &item.title,
            owner: item.owner.as_deref(),
            due: item.due.map(|d| d.to_string()),
            status: item.status.as_str(),
            overdue: entry.overdue_days.is_some(),
            overdue_days: entry.overdue_days,
            age_days: entry.age_days,
            closed: item.closed.map(|d| d.to_string()),
            days_to_done: entry.days_to_done,
            ticket: item.ticket.as_deref(),
            priority: item.priority.as_deref(),
            incident: &entry.incident.id,
            incident_title: &entry.incident.title,
            incident_date: entry.incident.date.to_string(),
            severity: entry.incident.severity.as_ref().map(|s| s.name.as_str()),
            teams: &entry.incident.teams,
            url: format!(
                "{}incidents/{}/",
                archive.config.absolute_base(),
                entry.incident.id
            ),
        }
    }
}

/// Output formats of `casebook actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Csv,
}

/// The action items matching `filter`, formatted; ends with a newline.
pub fn report(archive: &Archive, filter: &ActionFilter, format: Format) -> String {
    let all = entries(archive);
    let selected: Vec<ActionEntry> = all.into_iter().filter(|e| filter.matches(e)).collect();
    match format {
        Format::Human => human(&selected),
        Format::Json => json(archive, &selected),
        Format::Csv => csv(archive, &selected),
    }
}

fn human(entries: &[ActionEntry]) -> String {
    let mut out = String::new();
    let owner_width = entries
        .iter()
        .map(|e| {
            e.item
                .owner
                .as_deref()
                .unwrap_or("unassigned")
                .chars()
                .count()
        })
        .max()
        .unwrap_or(0)
        .min(24);
    for e in entries {
        let state = match e.overdue_days {
            Some(days) => format!("overdue {days}d"),
            None => e.item.status.as_str().to_string(),
        };
        let due = e
            .item
            .due
            .map_or_else(|| "no due date".to_string(), |d| format!("due {d}"));
        let owner: String = e
            .item
            .owner
            .as_deref()
            .unwrap_or("unassigned")
            .chars()
            .take(24)
            .collect();
        let _ = writeln!(
            out,
            "{state:<12} {due:<14} {owner:<owner_width$}  {}  ({})",
            e.item.title, e.item.id
        );
    }
    let c = Completion::of(entries);
    let _ = writeln!(
        out,
        "{} action item{}: {} open ({} overdue), {} done, {} won't do",
        c.total,
        if c.total == 1 { "" } else { "s" },
        c.open,
        c.overdue,
        c.done,
        c.wont_do
    );
    out
}

fn json(archive: &Archive, entries: &[ActionEntry]) -> String {
    #[derive(Serialize)]
    struct Report<'a> {
        today: String,
        count: usize,
        action_items: Vec<ActionRecord<'a>>,
    }
    let report = Report {
        today: archive.today.to_string(),
        count: entries.len(),
        action_items: entries
            .iter()
            .map(|e| ActionRecord::new(archive, e))
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// RFC 4180 CSV with a header row; teams joined with `; `.
fn csv(archive: &Archive, entries: &[ActionEntry]) -> String {
    let mut out = String::from(
        "id,title,owner,due,status,overdue_days,age_days,closed,days_to_done,ticket,incident,incident_title,incident_date,severity,teams,url\r\n",
    );
    for e in entries {
        let r = ActionRecord::new(archive, e);
        let number = |n: Option<i32>| n.map(|n| n.to_string()).unwrap_or_default();
        let fields = [
            r.id.to_string(),
            r.title.to_string(),
            r.owner.unwrap_or_default().to_string(),
            r.due.unwrap_or_default(),
            r.status.to_string(),
            number(r.overdue_days),
            number(r.age_days),
            r.closed.unwrap_or_default(),
            number(r.days_to_done),
            r.ticket.unwrap_or_default().to_string(),
            r.incident.to_string(),
            r.incident_title.to_string(),
            r.incident_date,
            r.severity.unwrap_or_default().to_string(),
            r.teams.join("; "),
            r.url,
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Slugs of the owners, teams and severities of a list of action items,
/// worked out once for all its rows.
pub(super) struct Slugs<'a>(FxHashMap<&'a str, String>);

impl<'a> Slugs<'a> {
    pub(super) fn of(archive: &'a Archive, entries: &[ActionEntry<'a>]) -> Slugs<'a> {
        let mut map: FxHashMap<&'a str, String> = FxHashMap::default();
        let mut add = |name: &'a String| {
            map.entry(name.as_str()).or_insert_with(|| slugify(name));
        };
        for incident in &archive.incidents {
            incident.teams.iter().for_each(&mut add);
            incident.severity.iter().for_each(|s| add(&s.name));
        }
        for entry in entries {
            entry.item.owner.iter().for_each(&mut add);
        }
        Slugs(map)
    }

    /// The slugs of one incident's names: its teams, its severity and its
    /// action items' owners.
    pub(super) fn of_incident(incident: &'a Incident) -> Slugs<'a> {
        let names = incident
            .teams
            .iter()
            .chain(incident.severity.iter().map(|s| &s.name))
            .chain(
                incident
                    .action_items
                    .iter()
                    .filter_map(|a| a.owner.as_ref()),
            );
        Slugs(names.map(|name| (name.as_str(), slugify(name))).collect())
    }

    fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }
}

/// The parts of an action item's row that come from its incident, written
/// once per incident rather than once per item (an incident has several).
#[derive(Default)]
pub(super) struct IncidentCells {
    /// The `data-teams` value: team slugs, space-separated, escaped.
    data_teams: String,
    /// The `data-severity` value, escaped.
    data_severity: String,
    /// The incident cell's content: link, severity badge and date.
    incident: String,
    /// The teams cell's content: a link per team.
    teams: String,
}

impl IncidentCells {
    /// The cells of every incident with action items, by incident index.
    pub(super) fn of_all(archive: &Archive, base: &str, slugs: &Slugs<'_>) -> Vec<IncidentCells> {
        archive
            .incidents
            .par_iter()
            .map(|incident| {
                if incident.action_items.is_empty() {
                    IncidentCells::default()
                } else {
                    IncidentCells::new(incident, base, slugs)
                }
            })
            .collect()
    }

    /// The cells of one incident.
    pub(super) fn new(incident: &Incident, base: &str, slugs: &Slugs<'_>) -> IncidentCells {
        let mut data_teams = String::new();
        for (n, team) in incident.teams.iter().enumerate() {
            if n > 0 {
                data_teams.push(' ');
            }
            escape_html_into(slugs.get(team), &mut data_teams);
        }
        let mut data_severity = String::new();
        escape_html_into(
            incident
                .severity
                .as_ref()
                .map_or("", |s| slugs.get(&s.name)),
            &mut data_severity,
        );
        let mut cell = String::with_capacity(256);
        cell.push_str("<a href=\"");
        escape_html_into(base, &mut cell);
        cell.push_str("incidents/");
        escape_html_into(&incident.id, &mut cell);
        cell.push('/');
        cell.push_str("\">");
        escape_html_into(&incident.title, &mut cell);
        cell.push_str("</a> <span class=\"muted nowrap\">");
        if let Some(severity) = &incident.severity {
            let _ = write!(cell, "<span class=\"badge sev-{}\">", severity.rank + 1);
            escape_html_into(&severity.name, &mut cell);
            cell.push_str("</span> ");
        }
        let _ = write!(
            cell,
            "<time datetime=\"{0}\">{0}</time></span>",
            incident.date
        );
        let mut teams = String::new();
        for (n, team) in incident.teams.iter().enumerate() {
            if n > 0 {
                teams.push_str(", ");
            }
            teams.push_str("<a href=\"");
            escape_html_into(base, &mut teams);
            teams.push_str("teams/");
            escape_html_into(slugs.get(team), &mut teams);
            teams.push_str("/\">");
            escape_html_into(team, &mut teams);
            teams.push_str("</a>");
        }
        IncidentCells {
            data_teams,
            data_severity,
            incident: cell,
            teams,
        }
    }
}

/// One `<tr>` of the `/actions/` tables; `cells` are its incident's.
///
/// Rows are written here rather than in a Tera loop: an archive of 10,000
/// postmortems has about 40,000 action items, and a Tera loop over them took
/// about 260 ms where this takes a few. Everything around the rows — the
/// page, its headings and summaries — is the theme's `actions.html`.
pub(super) fn row_html(
    entry: &ActionEntry,
    cells: &IncidentCells,
    slugs: &Slugs<'_>,
    out: &mut String,
) {
    let item = entry.item;
    let standing = entry.standing();
    out.push_str("<tr data-status=\"");
    out.push_str(standing.as_str());
    out.push_str("\" data-owner=\"");
    escape_html_into(item.owner.as_deref().map_or("", |o| slugs.get(o)), out);
    out.push_str("\" data-teams=\"");
    out.push_str(&cells.data_teams);
    out.push_str("\" data-severity=\"");
    out.push_str(&cells.data_severity);
    out.push('"');
    if standing == Standing::Overdue {
        out.push_str(" class=\"is-overdue\"");
    }
    out.push_str("><td>");
    escape_html_into(&item.title, out);
    if let Some(ticket) = &item.ticket {
        out.push_str(" <span class=\"ticket\">");
        if ticket.starts_with("https://") || ticket.starts_with("http://") {
            out.push_str("<a href=\"");
            escape_html_into(ticket, out);
            out.push_str("\">");
            escape_html_into(
                ticket.rsplit('/').find(|s| !s.is_empty()).unwrap_or(ticket),
                out,
            );
            out.push_str("</a>");
        } else {
            escape_html_into(ticket, out);
        }
        out.push_str("</span>");
    }
    out.push_str("</td><td>");
    out.push_str(&cells.incident);
    out.push_str("</td><td>");
    match &item.owner {
        Some(owner) => escape_html_into(owner, out),
        None => out.push_str("<span class=\"muted\">unassigned</span>"),
    }
    out.push_str("</td><td>");
    out.push_str(&cells.teams);
    out.push_str("</td><td>");
    match item.due {
        Some(due) => {
            let _ = write!(out, "<time datetime=\"{due}\">{due}</time>");
        }
        None => out.push_str("<span class=\"muted\">—</span>"),
    }
    out.push_str("</td><td>");
    let (class, label) = (item.status.as_str(), item.status.label());
    let _ = write!(
        out,
        "<span class=\"action-status action-{class}\">{label}</span>"
    );
    if let Some(days) = entry.overdue_days {
        let _ = write!(out, " <span class=\"overdue\">{days} d overdue</span>");
    }
    out.push_str("</td><td class=\"num\">");
    match (entry.age_days, entry.days_to_done, item.closed) {
        (Some(age), _, _) => {
            let _ = write!(out, "{age} d");
        }
        (None, Some(days), Some(closed)) => {
            let _ = write!(
                out,
                "<span title=\"closed {closed}\">done in {days} d</span>"
            );
        }
        _ => out.push_str("<span class=\"muted\">—</span>"),
    }
    out.push_str("</td></tr>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_fields_that_need_it() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn days_read_naturally() {
        assert_eq!(days_text(Some(12.0)), "12 d");
        assert_eq!(days_text(Some(3.5)), "3.5 d");
        assert_eq!(days_text(None), "—");
    }
}
