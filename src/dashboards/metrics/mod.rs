//! Trends: incidents per month by severity; time to detect, mitigate and
//! resolve per quarter (median and p90); customer-impact incidents;
//! action-item completion; the share of complete postmortems; likely
//! repeats — for the whole archive or one team or service.
//!
//! Input: the [`Archive`], a subset of its incidents and the detected
//! [`Repeats`]. Output: [`Metrics`] (numbers, tested directly) and
//! [`ChartView`]s (an SVG chart and the data table beside it).
//!
//! This module computes the numbers; [`figures`] draws them.

mod figures;

pub(crate) use figures::duration_text;
pub use figures::{ChartView, TableView, charts};

use rayon::prelude::*;
use serde::Serialize;

use super::actions::{ActionEntry, Completion};
use super::repeats::Repeats;
use super::stats;
use crate::archive::Archive;
use crate::incident::{Incident, SectionKind};

/// The parts a complete postmortem has, with the words readers see.
pub const REQUIRED_PARTS: [&str; 6] = [
    "summary",
    "impact",
    "timeline",
    "contributing factors",
    "action items",
    "lessons learned",
];

/// The parts of [`REQUIRED_PARTS`] a postmortem lacks. A part counts when
/// its section has text (any heading alias the content stage recognises);
/// a summary may also come from front matter, a timeline from parsed
/// events, action items from front matter.
pub fn missing_parts(incident: &Incident) -> Vec<&'static str> {
    let has = |kind: SectionKind| {
        incident
            .sections
            .iter()
            .any(|s| s.kind == kind && !s.text.trim().is_empty())
    };
    let present = [
        has(SectionKind::Summary) || !incident.summary.trim().is_empty(),
        has(SectionKind::Impact),
        has(SectionKind::Timeline) || !incident.timeline.is_empty(),
        has(SectionKind::ContributingFactors),
        has(SectionKind::ActionItems) || !incident.action_items.is_empty(),
        has(SectionKind::Lessons),
    ];
    REQUIRED_PARTS
        .iter()
        .zip(present)
        .filter(|(_, present)| !present)
        .map(|(part, _)| *part)
        .collect()
}

/// Median and 90th percentile of one duration, in minutes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DurationStats {
    /// Incidents where the duration is known.
    pub count: usize,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

impl DurationStats {
    fn of(mut minutes: Vec<f64>) -> DurationStats {
        DurationStats {
            count: minutes.len(),
            median: stats::median(&mut minutes),
            p90: stats::percentile(&mut minutes, 90.0),
        }
    }
}

/// The figures of one period (a quarter) or of the whole selection.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PeriodStats {
    /// `2024 Q1`; empty for the whole selection.
    pub label: String,
    pub incidents: usize,
    pub customer_impact: usize,
    pub detect: DurationStats,
    pub mitigate: DurationStats,
    pub resolve: DurationStats,
    /// Action items of the period's incidents.
    pub actions: Completion,
    /// Postmortems with every part of [`REQUIRED_PARTS`].
    pub complete: usize,
    /// Incidents that look like a repeat of an earlier one.
    pub repeats: usize,
}

/// Every figure of a metrics page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// `2024-03`, from the first to the last incident's month, gaps included.
    pub months: Vec<String>,
    /// Severity names, worst first; `Unrated` last when some incident has none.
    pub severities: Vec<String>,
    /// Incidents per severity (outer, as `severities`) and month (inner).
    pub per_month: Vec<Vec<usize>>,
    /// Quarters from the first to the last incident's, gaps included.
    pub quarters: Vec<PeriodStats>,
    /// The whole selection.
    pub overall: PeriodStats,
}

fn month_number(date: jiff::civil::Date) -> i32 {
    i32::from(date.year()) * 12 + i32::from(date.month()) - 1
}

/// What one incident adds to the metrics, worked out once per build so
/// that the pages of every team and service only add numbers up.
#[derive(Debug, Clone, Default)]
pub struct IncidentFacts {
    /// Months since year 0 (`year * 12 + month - 1`).
    month: i32,
    /// Position in the configured severity scale; `None` when unrated.
    severity: Option<usize>,
    customer_impact: bool,
    /// Minutes; negative durations (bad data) are left out.
    detect: Option<f64>,
    mitigate: Option<f64>,
    resolve: Option<f64>,
    /// Counts of the incident's action items (rate and median left unset).
    actions: Completion,
    /// Days from the incident to each done item's `closed` date.
    days_to_done: Vec<f64>,
    /// The parts of [`REQUIRED_PARTS`] it lacks, joined by `, `; empty when complete.
    missing: String,
    repeat: bool,
}

impl IncidentFacts {
    /// The facts of incident `index` of `archive`.
    fn of(archive: &Archive, repeats: &Repeats, index: usize) -> IncidentFacts {
        let incident = &archive.incidents[index];
        let minutes = |d: Option<jiff::SignedDuration>| {
            d.filter(|d| !d.is_negative())
                .map(|d| d.as_secs_f64() / 60.0)
        };
        let entries: Vec<ActionEntry> = incident
            .action_items
            .iter()
            .map(|item| ActionEntry::new(archive, index, item, incident))
            .collect();
        let mut actions = Completion::of(&entries);
        actions.rate = None;
        actions.median_days_to_done = None;
        IncidentFacts {
            month: month_number(incident.date),
            severity: incident.severity.as_ref().and_then(|s| {
                archive
                    .config
                    .severities
                    .iter()
                    .position(|l| l.name == s.name)
            }),
            customer_impact: incident.customer_impact == Some(true),
            detect: minutes(incident.durations.to_detect),
            mitigate: minutes(incident.durations.to_mitigate),
            resolve: minutes(incident.durations.to_resolve),
            actions,
            days_to_done: entries
                .iter()
                .filter_map(|e| e.days_to_done.map(f64::from))
                .collect(),
            missing: missing_parts(incident).join(", "),
            repeat: repeats.is_repeat(index),
        }
    }
}

/// The facts of every incident in the archive, by index.
pub struct Facts(Vec<IncidentFacts>);

impl Facts {
    pub fn new(archive: &Archive, repeats: &Repeats) -> Facts {
        Facts(
            (0..archive.incidents.len())
                .into_par_iter()
                .map(|index| IncidentFacts::of(archive, repeats, index))
                .collect(),
        )
    }

    /// Works out the facts of the incidents at `indexes` again, after an
    /// edit (serve keeps the rest).
    pub fn update(&mut self, archive: &Archive, repeats: &Repeats, indexes: &[usize]) {
        for &index in indexes {
            if index < archive.incidents.len()
                && let Some(facts) = self.0.get_mut(index)
            {
                *facts = IncidentFacts::of(archive, repeats, index);
            }
        }
    }

    /// The parts incident `index` lacks, joined by `, `; empty when it is
    /// complete or not in the archive.
    pub fn missing(&self, index: usize) -> &str {
        self.0.get(index).map_or("", |f| f.missing.as_str())
    }

    /// The metrics of the incidents at `subset` (indexes into
    /// `archive.incidents`).
    pub fn metrics(&self, archive: &Archive, subset: &[usize]) -> Metrics {
        let mut metrics = Metrics::default();
        let facts: Vec<&IncidentFacts> = subset.iter().filter_map(|&i| self.0.get(i)).collect();
        let Some(first) = facts.iter().map(|f| f.month).min() else {
            return metrics;
        };
        let last = facts.iter().map(|f| f.month).max().unwrap_or(first);

        metrics.months = (first..=last)
            .map(|m| format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1))
            .collect();
        let scale = archive.config.severities.len();
        metrics.severities = archive
            .config
            .severities
            .iter()
            .map(|s| s.name.clone())
            .collect();
        metrics.severities.push("Unrated".to_string());
        metrics.per_month = vec![vec![0; metrics.months.len()]; scale + 1];
        for f in &facts {
            metrics.per_month[f.severity.unwrap_or(scale)][(f.month - first) as usize] += 1;
        }
        // Severities nobody used make empty columns: drop them.
        let used: Vec<bool> = metrics
            .per_month
            .iter()
            .map(|r| r.iter().any(|&n| n > 0))
            .collect();
        let mut keep = used.iter();
        metrics
            .severities
            .retain(|_| *keep.next().unwrap_or(&false));
        metrics.per_month.retain(|r| r.iter().any(|&n| n > 0));

        let (first_q, last_q) = (first.div_euclid(3), last.div_euclid(3));
        let mut by_quarter: Vec<Vec<&IncidentFacts>> =
            vec![Vec::new(); (last_q - first_q + 1) as usize];
        for &f in &facts {
            by_quarter[(f.month.div_euclid(3) - first_q) as usize].push(f);
        }
        metrics.quarters = by_quarter
            .iter()
            .enumerate()
            .map(|(n, list)| {
                let q = first_q + n as i32;
                let mut period = period_stats(list);
                period.label = format!("{} Q{}", q.div_euclid(4), q.rem_euclid(4) + 1);
                period
            })
            .collect();
        metrics.overall = period_stats(&facts);
        metrics
    }
}

impl Facts {
    /// The figures of the incidents at `subset`, without the per-period
    /// breakdown: one row of a by-team or by-service table.
    pub fn summary(&self, subset: &[usize]) -> PeriodStats {
        let facts: Vec<&IncidentFacts> = subset.iter().filter_map(|&i| self.0.get(i)).collect();
        period_stats(&facts)
    }
}

/// Computes the metrics of the incidents at `subset` (indexes into
/// `archive.incidents`). For many subsets, build [`Facts`] once.
pub fn compute(archive: &Archive, subset: &[usize], repeats: &Repeats) -> Metrics {
    Facts::new(archive, repeats).metrics(archive, subset)
}

fn period_stats(facts: &[&IncidentFacts]) -> PeriodStats {
    let minutes = |get: fn(&IncidentFacts) -> Option<f64>| {
        DurationStats::of(facts.iter().filter_map(|f| get(f)).collect())
    };
    let mut actions = Completion::default();
    let mut days_to_done = Vec::new();
    for f in facts {
        let a = &f.actions;
        actions.total += a.total;
        actions.open += a.open;
        actions.overdue += a.overdue;
        actions.done += a.done;
        actions.wont_do += a.wont_do;
        days_to_done.extend_from_slice(&f.days_to_done);
    }
    actions.rate = stats::percent(actions.done, actions.total - actions.wont_do);
    actions.with_closed_date = days_to_done.len();
    actions.median_days_to_done = stats::median(&mut days_to_done);
    PeriodStats {
        label: String::new(),
        incidents: facts.len(),
        customer_impact: facts.iter().filter(|f| f.customer_impact).count(),
        detect: minutes(|f| f.detect),
        mitigate: minutes(|f| f.mitigate),
        resolve: minutes(|f| f.resolve),
        actions,
        complete: facts.iter().filter(|f| f.missing.is_empty()).count(),
        repeats: facts.iter().filter(|f| f.repeat).count(),
    }
}
