//! Trends: incidents per month by severity; time to detect, mitigate and
//! resolve per quarter (median and p90); customer-impact incidents;
//! action-item completion; the share of complete postmortems; likely
//! repeats — for the whole archive or one team or service.
//!
//! Input: the [`Archive`], a subset of its incidents and the detected
//! [`Repeats`]. Output: [`Metrics`] (numbers, tested directly) and
//! [`ChartView`]s (an SVG chart and the data table beside it).

use rayon::prelude::*;
use serde::Serialize;

use super::actions::{ActionEntry, Completion};
use super::charts::{self, ChartSpec, GREY, PALETTE, SEVERITY_COLOURS, Scale, Series};
use super::repeats::Repeats;
use super::stats::{self, format_percent};
use crate::archive::Archive;
use crate::incident::{Incident, SectionKind};
use crate::render::views::display_duration;

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
    complete: bool,
    repeat: bool,
}

/// The facts of every incident in the archive, by index.
pub struct Facts(Vec<IncidentFacts>);

impl Facts {
    pub fn new(archive: &Archive, repeats: &Repeats) -> Facts {
        let minutes = |d: Option<jiff::SignedDuration>| {
            d.filter(|d| !d.is_negative())
                .map(|d| d.as_secs_f64() / 60.0)
        };
        Facts(
            archive
                .incidents
                .par_iter()
                .enumerate()
                .map(|(index, incident)| {
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
                        complete: missing_parts(incident).is_empty(),
                        repeat: repeats.is_repeat(index),
                    }
                })
                .collect(),
        )
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
        complete: facts.iter().filter(|f| f.complete).count(),
        repeats: facts.iter().filter(|f| f.repeat).count(),
    }
}

/// A chart and the table of the same numbers, as a template shows them.
#[derive(Debug, Serialize)]
pub struct ChartView {
    pub id: String,
    pub title: String,
    /// The `<svg>`; empty when there is nothing to draw (see `note`).
    pub svg: String,
    /// Drawn for a full-width column (many categories).
    pub wide: bool,
    /// Why there is no chart, or what to keep in mind reading it.
    pub note: Option<String>,
    /// The numbers behind the chart.
    #[serde(skip)]
    pub table: TableView,
    /// `table` as HTML, for the page.
    pub table_html: String,
}

impl ChartView {
    fn new(
        id: &str,
        title: String,
        svg: String,
        wide: bool,
        note: Option<String>,
        table: TableView,
    ) -> ChartView {
        ChartView {
            id: id.to_string(),
            title,
            svg,
            wide,
            note,
            table_html: table.to_html(),
            table,
        }
    }
}

/// A data table: the first cell of each row is its header.
#[derive(Debug, Serialize)]
pub struct TableView {
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl TableView {
    /// The table in a scrolling region. Written here rather than in a Tera
    /// loop: a build renders one per chart on every team and service page.
    pub fn to_html(&self) -> String {
        let escape = |text: &str, out: &mut String| super::actions::html_escape(text, out);
        let mut out = String::with_capacity(64 + self.rows.len() * 24 * (self.head.len() + 1));
        out.push_str("<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
        escape(&self.caption, &mut out);
        out.push_str("\">\n<table class=\"dash-table\">\n<caption>");
        escape(&self.caption, &mut out);
        out.push_str("</caption>\n<thead><tr>");
        for head in &self.head {
            out.push_str("<th scope=\"col\">");
            escape(head, &mut out);
            out.push_str("</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (n, cell) in row.iter().enumerate() {
                out.push_str(if n == 0 {
                    "<th scope=\"row\">"
                } else {
                    "<td class=\"num\">"
                });
                escape(cell, &mut out);
                out.push_str(if n == 0 { "</th>" } else { "</td>" });
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</div>");
        out
    }
}

/// `1 h 35 min`, or `—` when unknown.
pub(super) fn duration_text(minutes: Option<f64>) -> String {
    minutes.map_or_else(
        || "—".to_string(),
        |m| display_duration(jiff::SignedDuration::from_secs((m * 60.0).round() as i64)),
    )
}

/// The charts of a metrics page, in reading order.
pub fn charts(metrics: &Metrics, scope: &str) -> anyhow::Result<Vec<ChartView>> {
    if metrics.quarters.is_empty() {
        return Ok(Vec::new());
    }
    let quarters: Vec<String> = metrics.quarters.iter().map(|q| q.label.clone()).collect();
    let mut views = Vec::new();
    views.push(severity_chart(metrics, scope)?);
    for (id, name, get) in [
        (
            "time-to-detect",
            "Time to detect",
            (|q: &PeriodStats| &q.detect) as fn(&PeriodStats) -> &DurationStats,
        ),
        ("time-to-mitigate", "Time to mitigate", |q: &PeriodStats| {
            &q.mitigate
        }),
        ("time-to-resolve", "Time to resolve", |q: &PeriodStats| {
            &q.resolve
        }),
    ] {
        views.push(duration_chart(metrics, &quarters, id, name, get, scope)?);
    }
    views.push(impact_chart(metrics, &quarters, scope)?);
    views.push(actions_chart(metrics, &quarters, scope)?);
    views.push(completeness_chart(metrics, &quarters, scope)?);
    views.push(repeats_chart(metrics, &quarters, scope)?);
    Ok(views)
}

fn severity_chart(metrics: &Metrics, scope: &str) -> anyhow::Result<ChartView> {
    let title = format!("Incidents per month by severity{scope}");
    let totals: Vec<usize> = (0..metrics.months.len())
        .map(|m| metrics.per_month.iter().map(|r| r[m]).sum())
        .collect();
    let busiest = totals
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .map(|(m, n)| format!(" The busiest month was {} with {n}.", metrics.months[m]))
        .unwrap_or_default();
    let description = format!(
        "Stacked bars of incidents per month from {} to {}, one colour per severity. {} incident{} in total.{busiest}",
        metrics.months.first().map_or("", String::as_str),
        metrics.months.last().map_or("", String::as_str),
        metrics.overall.incidents,
        plural(metrics.overall.incidents),
    );
    let series: Vec<Series> = metrics
        .severities
        .iter()
        .zip(&metrics.per_month)
        .enumerate()
        .map(|(n, (name, counts))| {
            let colour = if name == "Unrated" {
                GREY
            } else {
                SEVERITY_COLOURS
                    .get(n)
                    .copied()
                    .unwrap_or(PALETTE[n % PALETTE.len()])
            };
            Series::counts(name.clone(), counts, colour)
        })
        .collect();
    let svg = charts::stacked_bars(
        &ChartSpec {
            id: "chart-severity",
            title: &title,
            description: &description,
            categories: &metrics.months,
            y_label: "incidents",
        },
        &series,
    )?;
    let mut head = vec!["Month".to_string()];
    head.extend(metrics.severities.iter().cloned());
    head.push("Total".to_string());
    let rows = metrics
        .months
        .iter()
        .enumerate()
        .map(|(m, month)| {
            let mut row = vec![month.clone()];
            row.extend(metrics.per_month.iter().map(|r| r[m].to_string()));
            row.push(totals[m].to_string());
            row
        })
        .collect();
    let table = TableView {
        caption: "Incidents per month and severity".to_string(),
        head,
        rows,
    };
    let wide = charts::is_wide(metrics.months.len());
    Ok(ChartView::new(
        "chart-severity",
        title,
        svg,
        wide,
        None,
        table,
    ))
}

fn duration_chart(
    metrics: &Metrics,
    quarters: &[String],
    id: &str,
    name: &str,
    get: fn(&PeriodStats) -> &DurationStats,
    scope: &str,
) -> anyhow::Result<ChartView> {
    let title = format!("{name} per quarter{scope}");
    let overall = get(&metrics.overall);
    let max = metrics
        .quarters
        .iter()
        .filter_map(|q| get(q).p90)
        .fold(0.0, f64::max);
    let (unit, divisor) = if max >= 180.0 {
        ("hours", 60.0)
    } else {
        ("minutes", 1.0)
    };
    let values = |pick: fn(&DurationStats) -> Option<f64>| -> Vec<Option<f64>> {
        metrics
            .quarters
            .iter()
            .map(|q| pick(get(q)).map(|m| m / divisor))
            .collect()
    };
    let table = TableView {
        caption: format!("{name}: median and 90th percentile per quarter"),
        head: ["Quarter", "Incidents measured", "Median", "p90"]
            .map(String::from)
            .to_vec(),
        rows: metrics
            .quarters
            .iter()
            .map(|q| {
                let d = get(q);
                vec![
                    q.label.clone(),
                    d.count.to_string(),
                    duration_text(d.median),
                    duration_text(d.p90),
                ]
            })
            .collect(),
    };
    let lower = name.to_lowercase();
    if overall.count == 0 {
        let note = format!(
            "No incident here records its {lower}: add `started`, `detected`, `mitigated` and `resolved` times, or a `durations` map, to the front matter."
        );
        return Ok(ChartView::new(
            &format!("chart-{id}"),
            title,
            String::new(),
            false,
            Some(note),
            table,
        ));
    }
    let description = format!(
        "Lines of the median (solid) and 90th percentile (dashed) {lower} per quarter, in {unit}, over the {} incident{} that record it. Overall median {}, p90 {}.",
        overall.count,
        plural(overall.count),
        duration_text(overall.median),
        duration_text(overall.p90),
    );
    let svg = charts::lines(
        &ChartSpec {
            id: &format!("chart-{id}"),
            title: &title,
            description: &description,
            categories: quarters,
            y_label: unit,
        },
        &[
            Series::new("median", values(|d| d.median), PALETTE[0]),
            Series::new("p90", values(|d| d.p90), PALETTE[1]).dashed(),
        ],
        Scale::Amount,
    )?;
    let missing = metrics.overall.incidents - overall.count;
    let note = (missing > 0).then(|| {
        format!(
            "{missing} incident{} here do not record their {lower}.",
            plural(missing)
        )
    });
    Ok(ChartView::new(
        &format!("chart-{id}"),
        title,
        svg,
        charts::is_wide(quarters.len()),
        note,
        table,
    ))
}

fn impact_chart(metrics: &Metrics, quarters: &[String], scope: &str) -> anyhow::Result<ChartView> {
    let title = format!("Customer-impact incidents per quarter{scope}");
    let o = &metrics.overall;
    let description = format!(
        "Stacked bars per quarter: incidents with customer impact, and the others. {} of {} incident{} ({}) had customer impact.",
        o.customer_impact,
        o.incidents,
        plural(o.incidents),
        format_percent(stats::percent(o.customer_impact, o.incidents)),
    );
    let impact: Vec<usize> = metrics.quarters.iter().map(|q| q.customer_impact).collect();
    let other: Vec<usize> = metrics
        .quarters
        .iter()
        .map(|q| q.incidents - q.customer_impact)
        .collect();
    let svg = charts::stacked_bars(
        &ChartSpec {
            id: "chart-impact",
            title: &title,
            description: &description,
            categories: quarters,
            y_label: "incidents",
        },
        &[
            Series::counts("customer impact", &impact, SEVERITY_COLOURS[0]),
            Series::counts("no customer impact recorded", &other, GREY),
        ],
    )?;
    let table = quarter_share_table(
        metrics,
        "Customer-impact incidents per quarter",
        ["Incidents", "Customer impact"],
        |q| q.customer_impact,
    );
    Ok(ChartView::new(
        "chart-impact",
        title,
        svg,
        charts::is_wide(quarters.len()),
        None,
        table,
    ))
}

/// A per-quarter table of how many incidents had some property, and what share.
fn quarter_share_table(
    metrics: &Metrics,
    caption: &str,
    [total_label, part_label]: [&str; 2],
    part: impl Fn(&PeriodStats) -> usize,
) -> TableView {
    TableView {
        caption: caption.to_string(),
        head: ["Quarter", total_label, part_label, "Share"]
            .map(String::from)
            .to_vec(),
        rows: metrics
            .quarters
            .iter()
            .map(|q| {
                vec![
                    q.label.clone(),
                    q.incidents.to_string(),
                    part(q).to_string(),
                    format_percent(stats::percent(part(q), q.incidents)),
                ]
            })
            .collect(),
    }
}

fn actions_chart(metrics: &Metrics, quarters: &[String], scope: &str) -> anyhow::Result<ChartView> {
    let title = format!("Action items by incident quarter{scope}");
    let a = &metrics.overall.actions;
    let description = format!(
        "Stacked bars of the action items raised by each quarter's incidents: done, open and not yet due, overdue, and won't do. Overall {} of {} done ({} completion), {} overdue.",
        a.done,
        a.total,
        format_percent(a.rate),
        a.overdue,
    );
    let pick = |f: fn(&Completion) -> usize| -> Vec<usize> {
        metrics.quarters.iter().map(|q| f(&q.actions)).collect()
    };
    let svg = charts::stacked_bars(
        &ChartSpec {
            id: "chart-actions",
            title: &title,
            description: &description,
            categories: quarters,
            y_label: "action items",
        },
        &[
            Series::counts("done", &pick(|c| c.done), PALETTE[2]),
            Series::counts("open", &pick(|c| c.open - c.overdue), PALETTE[0]),
            Series::counts("overdue", &pick(|c| c.overdue), SEVERITY_COLOURS[0]),
            Series::counts("won't do", &pick(|c| c.wont_do), GREY),
        ],
    )?;
    let table = TableView {
        caption: "Action items by the quarter of their incident".to_string(),
        head: [
            "Quarter",
            "Items",
            "Done",
            "Open",
            "Overdue",
            "Won’t do",
            "Completion",
        ]
        .map(String::from)
        .to_vec(),
        rows: metrics
            .quarters
            .iter()
            .map(|q| {
                let c = &q.actions;
                vec![
                    q.label.clone(),
                    c.total.to_string(),
                    c.done.to_string(),
                    c.open.to_string(),
                    c.overdue.to_string(),
                    c.wont_do.to_string(),
                    format_percent(c.rate),
                ]
            })
            .collect(),
    };
    Ok(ChartView::new(
        "chart-actions",
        title,
        svg,
        charts::is_wide(quarters.len()),
        None,
        table,
    ))
}

fn completeness_chart(
    metrics: &Metrics,
    quarters: &[String],
    scope: &str,
) -> anyhow::Result<ChartView> {
    let title = format!("Complete postmortems per quarter{scope}");
    let o = &metrics.overall;
    let description = format!(
        "Line of the share of each quarter's postmortems that have a summary, impact, timeline, contributing factors, action items and lessons learned. Overall {} of {} ({}).",
        o.complete,
        o.incidents,
        format_percent(stats::percent(o.complete, o.incidents)),
    );
    let shares: Vec<Option<f64>> = metrics
        .quarters
        .iter()
        .map(|q| stats::percent(q.complete, q.incidents))
        .collect();
    let svg = charts::lines(
        &ChartSpec {
            id: "chart-complete",
            title: &title,
            description: &description,
            categories: quarters,
            y_label: "share of postmortems",
        },
        &[Series::new("complete", shares, PALETTE[2])],
        Scale::Percent,
    )?;
    let table = quarter_share_table(
        metrics,
        "Complete postmortems per quarter",
        ["Postmortems", "Complete"],
        |q| q.complete,
    );
    Ok(ChartView::new(
        "chart-complete",
        title,
        svg,
        charts::is_wide(quarters.len()),
        None,
        table,
    ))
}

fn repeats_chart(metrics: &Metrics, quarters: &[String], scope: &str) -> anyhow::Result<ChartView> {
    let title = format!("Likely repeat incidents per quarter{scope}");
    let o = &metrics.overall;
    let description = format!(
        "Stacked bars per quarter: incidents that look like a repeat of an earlier one (named in recurrence_of, or similar text and shared services or tags), and the others. {} of {} incident{} overall.",
        o.repeats,
        o.incidents,
        plural(o.incidents),
    );
    let repeats: Vec<usize> = metrics.quarters.iter().map(|q| q.repeats).collect();
    let other: Vec<usize> = metrics
        .quarters
        .iter()
        .map(|q| q.incidents - q.repeats)
        .collect();
    let svg = charts::stacked_bars(
        &ChartSpec {
            id: "chart-repeats",
            title: &title,
            description: &description,
            categories: quarters,
            y_label: "incidents",
        },
        &[
            Series::counts("likely repeat", &repeats, PALETTE[3]),
            Series::counts("first of its kind", &other, GREY),
        ],
    )?;
    let table = TableView {
        caption: "Likely repeat incidents per quarter".to_string(),
        head: ["Quarter", "Incidents", "Likely repeats"]
            .map(String::from)
            .to_vec(),
        rows: metrics
            .quarters
            .iter()
            .map(|q| {
                vec![
                    q.label.clone(),
                    q.incidents.to_string(),
                    q.repeats.to_string(),
                ]
            })
            .collect(),
    };
    Ok(ChartView::new(
        "chart-repeats",
        title,
        svg,
        charts::is_wide(quarters.len()),
        None,
        table,
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
