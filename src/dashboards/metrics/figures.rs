//! The metrics dashboard's figures: each chart as an SVG with the table of
//! the same numbers beside it, for the whole archive or one team or service.

use serde::Serialize;

use super::{DurationStats, Metrics, PeriodStats};
use crate::dashboards::actions::Completion;
use plotters::style::RGBColor;

use crate::dashboards::charts::{self, ChartSpec, GREY, PALETTE, SEVERITY_COLOURS, Scale, Series};
use crate::dashboards::stats::{self, format_percent};
use crate::render::views::display_duration;

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
        let escape = |text: &str, out: &mut String| crate::templates::escape_html_into(text, out);
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
pub(crate) fn duration_text(minutes: Option<f64>) -> String {
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
    let table = quarter_share_table(
        metrics,
        "Customer-impact incidents per quarter",
        ["Incidents", "Customer impact"],
        |q| q.customer_impact,
    );
    split_chart(
        metrics,
        quarters,
        ("chart-impact", title, &description),
        [
            ("customer impact", SEVERITY_COLOURS[0]),
            ("no customer impact recorded", GREY),
        ],
        |q| q.customer_impact,
        table,
    )
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
    split_chart(
        metrics,
        quarters,
        ("chart-repeats", title, &description),
        [("likely repeat", PALETTE[3]), ("first of its kind", GREY)],
        |q| q.repeats,
        table,
    )
}

/// Stacked bars per quarter: the incidents with some property (`part`) and
/// the others, with the table beside them.
fn split_chart(
    metrics: &Metrics,
    quarters: &[String],
    (id, title, description): (&'static str, String, &str),
    [(part_label, part_colour), (rest_label, rest_colour)]: [(&str, RGBColor); 2],
    part: impl Fn(&PeriodStats) -> usize,
    table: TableView,
) -> anyhow::Result<ChartView> {
    let parts: Vec<usize> = metrics.quarters.iter().map(&part).collect();
    let rest: Vec<usize> = metrics
        .quarters
        .iter()
        .map(|q| q.incidents - part(q))
        .collect();
    let svg = charts::stacked_bars(
        &ChartSpec {
            id,
            title: &title,
            description,
            categories: quarters,
            y_label: "incidents",
        },
        &[
            Series::counts(part_label, &parts, part_colour),
            Series::counts(rest_label, &rest, rest_colour),
        ],
    )?;
    Ok(ChartView::new(
        id,
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
