//! Learning dashboards, part of stage 4 (render): the pages that show
//! whether an organisation learns from its incidents — action items to
//! done (`/actions/`), trends (`/metrics/`, one page per team and service)
//! and repeat incidents (`/repeats/`).
//!
//! Input: the [`Archive`] (its `today` decides what is overdue) and the
//! theme. Output: pages written into the staging folder. The numbers live in
//! [`actions`], [`metrics`] and [`repeats`] so tests and the `casebook
//! actions` command use them without rendering; [`charts`] draws SVG.

pub mod actions;
pub mod charts;
pub mod metrics;
pub mod repeats;
mod stats;
mod tally;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context as _, Result};
use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::archive::Archive;
use crate::incident::Incident;
use crate::output::Staging;
use crate::render::views::{SeverityView, Views};
use crate::slug::slugify;
use crate::templates::Theme;
use actions::{ActionEntry, GroupCompletion, Standing};
use metrics::{ChartView, duration_text};
use repeats::Repeats;
use tally::{ActionFigures, ItemFacts, Tally};

pub use repeats::repeat_candidates;

/// How many incomplete postmortems a metrics page lists by name.
const MAX_INCOMPLETE_LISTED: usize = 50;

/// Renders and writes the dashboard pages; returns the number of files.
pub fn write_pages(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    views: &Views,
) -> Result<usize> {
    write_pages_with(
        archive,
        theme,
        staging,
        views,
        &repeats::detect(archive),
        false,
    )
    .map(|(files, _)| files)
}

/// What serve keeps of the dashboards for [`write_actions_after_edit`] and
/// [`write_repeats_and_metrics_after_edit`].
pub struct KeptDashboards {
    pub actions: KeptActions,
    /// What the metrics pages read of each incident.
    pub metrics: metrics::Facts,
}

/// [`write_pages`] with repeats already detected, for a renderer that also
/// shows them on incident pages and should detect them only once; with
/// `keep` (serve), also what the updates after an edit need.
pub fn write_pages_with(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    views: &Views,
    repeats: &Repeats,
    keep: bool,
) -> Result<(usize, Option<KeptDashboards>)> {
    let pages = Pages::new(archive, theme, staging, views, repeats);
    let actions = pages.actions(keep)?;
    let facts = metrics::Facts::new(archive, repeats);
    let files = 1 + pages.metrics(&facts, &|_| true)? + pages.repeats()?;
    let kept = actions.map(|actions| KeptDashboards {
        actions,
        metrics: facts,
    });
    Ok((files, kept))
}

/// What serve keeps of the actions page to write it again after an edit
/// of what its rows show of an incident (its title, say), rendering only
/// that incident's rows: the page around the rows, every row, and what
/// the page's figures read of each row's item.
pub struct KeptActions {
    /// Every action item's row, one after another in the page's order (one
    /// string: 26 MB at 10,000 postmortems, where a string per row took
    /// half as much again).
    rows: String,
    /// Per row: where it ends in `rows`.
    ends: Vec<usize>,
    /// Per row: its item, as the figures read it.
    items: Vec<ItemFacts>,
    /// The names the figures group items by.
    tally: Tally,
    /// The page, with a marker where each section's rows go.
    shell: String,
    /// Each section's marker, and its rows (positions in `rows`).
    sections: Vec<(String, Vec<usize>)>,
}

impl KeptActions {
    /// Puts incident `edited`'s rows, made by `render`, where their items
    /// now stand in the page's order, among every other row as it was
    /// (their order is the page's already). False, with nothing changed,
    /// when a kept row's item is no longer in the archive.
    fn reorder(
        &mut self,
        archive: &Archive,
        edited: usize,
        incident: &Incident,
        render: impl Fn(&ActionEntry, &mut String),
    ) -> bool {
        let entry_of = |facts: &ItemFacts| {
            let incident = archive.incidents.get(facts.incident as usize)?;
            let item = incident.action_items.get(facts.item as usize)?;
            Some(ActionEntry::new(
                archive,
                facts.incident as usize,
                item,
                incident,
            ))
        };
        let others: Vec<usize> = (0..self.items.len())
            .filter(|&n| self.items[n].incident as usize != edited)
            .collect();
        let in_archive = |facts: &ItemFacts| {
            (archive.incidents.get(facts.incident as usize))
                .is_some_and(|incident| (facts.item as usize) < incident.action_items.len())
        };
        if !others.iter().all(|&n| in_archive(&self.items[n])) {
            return false;
        }
        let mut new: Vec<ActionEntry> = incident
            .action_items
            .iter()
            .map(|item| ActionEntry::new(archive, edited, item, incident))
            .collect();
        new.sort_by_cached_key(ActionEntry::sort_key);
        // Where each goes among the others: before the first that sorts after it.
        let places: Vec<usize> = new
            .iter()
            .map(|entry| {
                let key = entry.sort_key();
                others.partition_point(|&n| {
                    entry_of(&self.items[n]).is_some_and(|other| other.sort_key() < key)
                })
            })
            .collect();
        let mut rows = String::with_capacity(self.rows.len() + 4096);
        let mut ends = Vec::with_capacity(others.len() + new.len());
        let mut items = Vec::with_capacity(others.len() + new.len());
        let mut new = new.iter().zip(places).peekable();
        for (place, &n) in others.iter().enumerate() {
            while let Some((entry, _)) = new.next_if(|(_, at)| *at == place) {
                render(entry, &mut rows);
                ends.push(rows.len());
                items.push(self.tally.item(entry));
            }
            let start = n.checked_sub(1).map_or(0, |p| self.ends[p]);
            rows.push_str(&self.rows[start..self.ends[n]]);
            ends.push(rows.len());
            items.push(self.items[n]);
        }
        for (entry, _) in new {
            render(entry, &mut rows);
            ends.push(rows.len());
            items.push(self.tally.item(entry));
        }
        self.rows = rows;
        self.ends = ends;
        self.items = items;
        true
    }

    /// Makes the rows of `incident`, at `edited`, again with `render`, in
    /// their places.
    fn render_again(
        &mut self,
        archive: &Archive,
        edited: usize,
        incident: &Incident,
        render: impl Fn(&ActionEntry, &mut String),
    ) {
        let mut rows = String::with_capacity(self.rows.len() + 4096);
        let mut start = 0;
        for (end, facts) in self.ends.iter_mut().zip(&self.items) {
            match incident.action_items.get(facts.item as usize) {
                Some(item) if facts.incident as usize == edited => {
                    render(
                        &ActionEntry::new(archive, edited, item, incident),
                        &mut rows,
                    );
                }
                _ => rows.push_str(&self.rows[start..*end]),
            }
            start = *end;
            *end = rows.len();
        }
        self.rows = rows;
    }
}

/// What the dashboards are rendered from.
pub struct Edit<'a> {
    pub archive: &'a Archive,
    pub theme: &'a Theme,
    pub staging: &'a Staging,
    pub views: &'a Views<'a>,
}

/// Writes the actions page again after an edit of incident `edited`, from
/// what `kept` holds: only the edited incident's rows are rendered anew,
/// with the frame around them when `figures_moved` (its severity, which
/// the page counts items by) or `items_moved` (its action items, whose
/// standing orders the rows: the other rows are then put in their new
/// places as they were).
pub fn write_actions_after_edit(
    edit: Edit,
    edited: usize,
    figures_moved: bool,
    items_moved: bool,
    kept: &mut KeptActions,
) -> Result<()> {
    // The actions page reads no repeats.
    let no_repeats = Repeats::default();
    let pages = Pages::new(
        edit.archive,
        edit.theme,
        edit.staging,
        edit.views,
        &no_repeats,
    );
    if !pages.actions_after_edit(kept, edited, figures_moved, items_moved)? {
        // What was kept no longer matches the model: every row.
        *kept = pages
            .actions(true)?
            .context("the actions page kept nothing")?;
    }
    Ok(())
}

/// Writes the repeats page again after an edit, and the metrics pages of
/// the scopes (the whole archive, each team) that hold an incident of
/// `touched`: the edited one when the edit moved what they read of it,
/// and those whose likely repeats moved (the pages count them). `facts`,
/// kept from the build, is brought up to date for those incidents.
pub fn write_repeats_and_metrics_after_edit(
    edit: Edit,
    repeats: &Repeats,
    touched: &[usize],
    facts: &mut metrics::Facts,
) -> Result<()> {
    let pages = Pages::new(edit.archive, edit.theme, edit.staging, edit.views, repeats);
    if !touched.is_empty() {
        facts.update(edit.archive, repeats, touched);
        // A scope's incidents are in archive order.
        pages.metrics(facts, &|scope| {
            touched.iter().any(|i| scope.binary_search(i).is_ok())
        })?;
    }
    pages.repeats().map(drop)
}

struct Pages<'a> {
    archive: &'a Archive,
    theme: &'a Theme,
    staging: &'a Staging,
    views: &'a Views<'a>,
    /// Holds `site`, cloned per page.
    base: Context,
    repeats: &'a Repeats,
}

/// Links between the three dashboards, for their shared navigation.
#[derive(Serialize)]
struct DashboardNav {
    current: &'static str,
    actions: String,
    metrics: String,
    repeats: String,
}

impl<'a> Pages<'a> {
    fn new(
        archive: &'a Archive,
        theme: &'a Theme,
        staging: &'a Staging,
        views: &'a Views<'a>,
        repeats: &'a Repeats,
    ) -> Pages<'a> {
        let mut base = Context::new();
        base.insert("site", &views.site());
        Pages {
            archive,
            theme,
            staging,
            views,
            base,
            repeats,
        }
    }

    fn nav(&self, current: &'static str) -> DashboardNav {
        let base = self.views.base();
        DashboardNav {
            current,
            actions: format!("{base}actions/"),
            metrics: format!("{base}metrics/"),
            repeats: format!("{base}repeats/"),
        }
    }

    fn write<T: Serialize>(
        &self,
        template: &str,
        key: &'static str,
        value: &T,
        nav: &'static str,
        path: &str,
    ) -> Result<()> {
        let mut context = self.base.clone();
        context.insert(key, value);
        context.insert("dashboards", &self.nav(nav));
        let html = self.theme.render(template, &context)?;
        self.staging
            .write(path, html.as_bytes())
            .with_context(|| format!("cannot write {path}"))
    }

    /// Writes the actions page; with `keep`, returns what serve keeps of it.
    fn actions(&self, keep: bool) -> Result<Option<KeptActions>> {
        let archive = self.archive;
        let entries = actions::entries(archive);
        let base = self.views.base();
        let slugs = actions::Slugs::of(archive, &entries);
        let cells = actions::IncidentCells::of_all(archive, base, &slugs);
        let (tally, items) = Tally::of(archive, &entries);
        let (shell, sections) = self.actions_frame(&tally, &items)?;
        if !keep {
            // Streamed into the file, the rows too: the whole page is as
            // large as its rows again, and held at once it was the build's
            // peak of memory; the rows alone, made before the page, were a
            // spike of twice their size as their chunks were joined.
            return self
                .write_actions(&shell, &sections, |out, list| {
                    write_action_rows(out, list, &entries, &cells, &slugs)
                })
                .map(|()| None);
        }
        let rows: Vec<String> = entries
            .par_iter()
            .map(|entry| {
                let mut row = String::new();
                actions::row_html(entry, &cells[entry.incident_index], &slugs, &mut row);
                row
            })
            .collect();
        let mut kept = KeptActions {
            rows: String::with_capacity(rows.iter().map(String::len).sum()),
            ends: Vec::with_capacity(rows.len()),
            items,
            tally,
            shell,
            sections,
        };
        for row in rows {
            kept.rows.push_str(&row);
            kept.ends.push(kept.rows.len());
        }
        self.write_kept_actions(&kept)?;
        Ok(Some(kept))
    }

    /// The actions page around its rows, with a marker where each
    /// section's rows go, and each section's marker and rows (positions
    /// in `entries`).
    #[allow(clippy::type_complexity)]
    fn actions_frame(
        &self,
        tally: &Tally,
        items: &[ItemFacts],
    ) -> Result<(String, Vec<(String, Vec<usize>)>)> {
        let archive = self.archive;
        let section = |id: &'static str, title: &'static str, standings: &[Standing]| {
            let list: Vec<usize> = (0..items.len())
                .filter(|&n| standings.contains(&items[n].standing))
                .collect();
            (
                ActionSection {
                    id,
                    title,
                    count: list.len(),
                    rows: format!("{ROWS_MARKER}{id}-->"),
                },
                list,
            )
        };
        let ActionFigures {
            overall,
            by_severity,
            by_team,
            by_owner,
        } = tally.figures(archive, items);
        let page = ActionsPage {
            today: archive.today.to_string(),
            summary: GroupCompletion {
                name: "All action items".to_string(),
                slug: String::new(),
                rate_text: stats::format_percent(overall.rate),
                median_text: actions::days_text(overall.median_days_to_done),
                completion: overall,
            },
            by_severity,
            severities: archive
                .config
                .severities
                .iter()
                .map(|s| Choice {
                    slug: slugify(&s.name),
                    name: s.name.clone(),
                })
                .collect(),
            owners: by_owner
                .iter()
                .filter(|g| !g.slug.is_empty())
                .map(Choice::from)
                .collect(),
            teams: by_team
                .iter()
                .filter(|g| !g.slug.is_empty())
                .map(Choice::from)
                .collect(),
            by_owner,
            by_team,
            sections: Vec::new(),
        };
        let (sections, lists): (Vec<ActionSection>, Vec<Vec<usize>>) = [
            section("overdue", "Overdue", &[Standing::Overdue]),
            section("open", "Open", &[Standing::Open, Standing::InProgress]),
            section("done", "Done", &[Standing::Done]),
            section("wont-do", "Won’t do", &[Standing::WontDo]),
        ]
        .into_iter()
        .unzip();
        let page = ActionsPage { sections, ..page };
        // The rows (megabytes in a big archive) go in after Tera has rendered
        // the page around them, rather than being copied through its context.
        let mut context = self.base.clone();
        context.insert("actions", &page);
        context.insert("dashboards", &self.nav("actions"));
        let shell = self.theme.render("actions.html", &context)?;
        let sections = page
            .sections
            .into_iter()
            .map(|section| section.rows)
            .zip(lists)
            .collect();
        Ok((shell, sections))
    }

    /// Writes the actions page again from `kept` after an edit of incident
    /// `edited`: only its rows are rendered, and with `figures_moved` (its
    /// severity, which the page counts items by) the frame around them.
    /// With `items_moved` (its action items' standing, which orders the
    /// rows) the frame is rendered too, and its rows go where they now
    /// stand among the others. False, with nothing written, when `kept`
    /// no longer matches the model.
    fn actions_after_edit(
        &self,
        kept: &mut KeptActions,
        edited: usize,
        figures_moved: bool,
        items_moved: bool,
    ) -> Result<bool> {
        let archive = self.archive;
        let Some(incident) = archive.incidents.get(edited) else {
            anyhow::bail!("no incident {edited} in the archive");
        };
        let slugs = actions::Slugs::of_incident(incident);
        let cells = actions::IncidentCells::new(incident, self.views.base(), &slugs);
        let render = |entry: &ActionEntry, out: &mut String| {
            actions::row_html(entry, &cells, &slugs, out);
        };
        if items_moved {
            if !kept.reorder(archive, edited, incident, render) {
                return Ok(false);
            }
        } else {
            kept.render_again(archive, edited, incident, render);
        }
        if figures_moved || items_moved {
            kept.tally.set_incident(edited, incident);
            (kept.shell, kept.sections) = self.actions_frame(&kept.tally, &kept.items)?;
        }
        self.write_kept_actions(kept).map(|()| true)
    }

    fn write_kept_actions(&self, kept: &KeptActions) -> Result<()> {
        let start = |n: usize| n.checked_sub(1).map_or(0, |p| kept.ends[p]);
        self.write_actions(&kept.shell, &kept.sections, |out, list| {
            // Consecutive rows in one write.
            let mut n = 0;
            while n < list.len() {
                let mut last = n;
                while list.get(last + 1) == Some(&(list[last] + 1)) {
                    last += 1;
                }
                let (from, to) = (start(list[n]), kept.ends[list[last]]);
                out.write_all(&kept.rows.as_bytes()[from..to])?;
                n = last + 1;
            }
            Ok(())
        })
    }

    /// Writes the actions page: `shell` with each section's marker replaced
    /// by its rows, which `rows` writes from their positions in the page.
    fn write_actions(
        &self,
        shell: &str,
        sections: &[(String, Vec<usize>)],
        rows: impl Fn(&mut dyn std::io::Write, &[usize]) -> Result<()>,
    ) -> Result<()> {
        self.staging
            .write_with("actions/index.html", |out| {
                let mut rest = shell;
                for (marker, list) in sections {
                    if let Some(at) = rest.find(marker.as_str()) {
                        out.write_all(&rest.as_bytes()[..at])?;
                        rows(out, list)?;
                        rest = &rest[at + marker.len()..];
                    }
                }
                out.write_all(rest.as_bytes())?;
                Ok(())
            })
            .context("cannot write actions/index.html")
    }

    /// Writes the metrics pages of the scopes (the whole archive, each
    /// team) whose incidents `chosen` picks; returns how many there are.
    fn metrics(
        &self,
        facts: &metrics::Facts,
        chosen: &(dyn Fn(&[usize]) -> bool + Sync),
    ) -> Result<usize> {
        let archive = self.archive;
        let base = self.views.base();
        let all: Vec<usize> = (0..archive.incidents.len()).collect();
        let mut scopes: Vec<Scope> = vec![Scope {
            kind: "all",
            name: String::new(),
            path: "metrics/index.html".to_string(),
            incidents: all,
        }];
        if let Some(teams) = archive.taxonomy("teams") {
            scopes.extend(teams.terms.iter().map(|term| Scope {
                kind: "team",
                name: term.name.clone(),
                path: format!("metrics/teams/{}/index.html", term.slug),
                incidents: term.incidents.clone(),
            }));
        }
        let team_url = |slug: &str| format!("{base}metrics/teams/{slug}/");
        let filters = {
            let teams: Vec<FilterLink> = archive
                .taxonomy("teams")
                .map(|t| {
                    t.terms
                        .iter()
                        .map(|term| FilterLink {
                            name: term.name.clone(),
                            url: team_url(&term.slug),
                            count: term.incidents.len(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut context = self.base.clone();
            context.insert("teams", &teams);
            context.insert("all_url", &format!("{base}metrics/"));
            self.theme
                .render("dashboards/metrics_filters.html", &context)?
        };
        // Figures per team and per service, for the tables of the main page.
        let breakdown = |key: &'static str,
                         singular: &'static str,
                         url: &(dyn Fn(&str) -> String + Sync)| Breakdown {
            key,
            singular,
            rows: archive
                .taxonomy(key)
                .map(|t| {
                    t.terms
                        .par_iter()
                        .map(|term| {
                            BreakdownRow::new(
                                &term.name,
                                url(&term.slug),
                                &facts.summary(&term.incidents),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let breakdowns = [
            breakdown("teams", "team", &team_url),
            breakdown("services", "service", &|slug| {
                format!("{base}services/{slug}/")
            }),
        ];
        let chosen_scopes = scopes.par_iter().filter(|scope| chosen(&scope.incidents));
        chosen_scopes.try_for_each(|scope| {
            let figures = facts.metrics(archive, &scope.incidents);
            let suffix = match scope.kind {
                "all" => String::new(),
                kind => format!(" — {kind} {}", scope.name),
            };
            let charts = metrics::charts(&figures, &suffix)?;
            let mut incomplete: Vec<IncompleteView> = Vec::new();
            let mut incomplete_total = 0;
            for &index in &scope.incidents {
                let missing = facts.missing(index);
                if missing.is_empty() {
                    continue;
                }
                incomplete_total += 1;
                if incomplete.len() < MAX_INCOMPLETE_LISTED {
                    let incident = &archive.incidents[index];
                    incomplete.push(IncompleteView {
                        title: incident.title.clone(),
                        url: archive.incident_url(incident),
                        date: incident.date.to_string(),
                        missing: missing.to_string(),
                    });
                }
            }
            let o = &figures.overall;
            let page = MetricsPage {
                kind: scope.kind,
                name: &scope.name,
                all_url: format!("{base}metrics/"),
                term_url: (scope.kind == "team").then(|| self.views.term_url("teams", &scope.name)),
                headline: Headline {
                    figures: Figures::of(o),
                    customer_impact_share: stats::format_percent(stats::percent(
                        o.customer_impact,
                        o.incidents,
                    )),
                },
                charts,
                incomplete,
                incomplete_total,
                filters: &filters,
                breakdowns: if scope.kind == "all" {
                    &breakdowns[..]
                } else {
                    &[]
                },
            };
            self.write("metrics.html", "metrics", &page, "metrics", &scope.path)
        })?;
        Ok(scopes.len())
    }

    fn repeats(&self) -> Result<usize> {
        let archive = self.archive;
        let repeats = self.repeats;
        let clusters: Vec<ClusterView> = repeats
            .clusters
            .iter()
            .map(|cluster| {
                let members = &cluster.incidents;
                let incidents = members
                    .iter()
                    .enumerate()
                    .map(|(n, &index)| {
                        let incident = &archive.incidents[index];
                        // How this incident links to an earlier member: the strongest pair.
                        let link = members[..n]
                            .iter()
                            .filter_map(|&earlier| repeats.pair(index, earlier))
                            .max_by(|a, b| {
                                a.explicit
                                    .cmp(&b.explicit)
                                    .then(a.similarity.total_cmp(&b.similarity))
                            });
                        ClusterMember {
                            title: incident.title.clone(),
                            url: archive.incident_url(incident),
                            date: incident.date.to_string(),
                            severity: incident.severity.as_ref().map(|s| self.views.severity(s)),
                            link: link.map(|pair| {
                                let earlier = &archive.incidents[pair.earlier];
                                LinkNote {
                                    explicit: pair.explicit,
                                    similarity: format!("{:.2}", pair.similarity),
                                    to_title: earlier.title.clone(),
                                    to_date: earlier.date.to_string(),
                                }
                            }),
                        }
                    })
                    .collect();
                let first = &archive.incidents[members[0]];
                let last = &archive.incidents[members[members.len() - 1]];
                ClusterView {
                    size: members.len(),
                    first: first.date.to_string(),
                    last: last.date.to_string(),
                    services: shared_terms(archive, members, |i| &i.services),
                    tags: shared_terms(archive, members, |i| &i.tags),
                    incidents,
                }
            })
            .collect();
        let page = RepeatsPage {
            explicit_pairs: repeats.pairs.iter().filter(|p| p.explicit).count(),
            detected_pairs: repeats.pairs.iter().filter(|p| !p.explicit).count(),
            incidents_in_clusters: clusters.iter().map(|c| c.size).sum(),
            min_similarity: format!("{:.2}", repeats::MIN_SIMILARITY),
            min_similarity_text_only: format!("{:.2}", repeats::MIN_SIMILARITY_TEXT_ONLY),
            clusters,
        };
        self.write(
            "repeats.html",
            "repeats",
            &page,
            "repeats",
            "repeats/index.html",
        )?;
        Ok(1)
    }
}

/// Values (services, tags) at least two of `members` have, most shared first.
fn shared_terms(
    archive: &Archive,
    members: &[usize],
    values: fn(&crate::incident::Incident) -> &Vec<String>,
) -> Vec<String> {
    let mut counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for &index in members {
        let mut seen = BTreeSet::new();
        for value in values(&archive.incidents[index]) {
            let slug = slugify(value);
            if !slug.is_empty() && seen.insert(slug.clone()) {
                counts.entry(slug).or_insert_with(|| (value.clone(), 0)).1 += 1;
            }
        }
    }
    let mut list: Vec<(String, usize)> = counts.into_values().filter(|(_, n)| *n >= 2).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list.into_iter().map(|(name, _)| name).collect()
}

#[derive(Serialize)]
struct ActionsPage {
    /// The day overdue is judged against.
    today: String,
    summary: GroupCompletion,
    by_team: Vec<GroupCompletion>,
    by_severity: Vec<GroupCompletion>,
    by_owner: Vec<GroupCompletion>,
    /// Options of the in-page filter.
    owners: Vec<Choice>,
    teams: Vec<Choice>,
    severities: Vec<Choice>,
    sections: Vec<ActionSection>,
}

#[derive(Serialize)]
struct Choice {
    slug: String,
    name: String,
}

impl From<&GroupCompletion> for Choice {
    fn from(group: &GroupCompletion) -> Choice {
        Choice {
            slug: group.slug.clone(),
            name: group.name.clone(),
        }
    }
}

/// Where the rows of a section go in the rendered actions page.
const ROWS_MARKER: &str = "<!--casebook-action-rows:";

/// Action items whose rows one task writes into one string.
const ROWS_PER_CHUNK: usize = 512;

/// Chunks of rows made side by side before they are written: enough to
/// keep every core busy, few enough that the rows in memory stay a few
/// megabytes whatever the archive's size.
const CHUNKS_PER_BATCH: usize = 16;

/// Writes the rows of the actions page's items `list` into `out`, a batch
/// of chunks at a time, in list order.
fn write_action_rows(
    out: &mut dyn std::io::Write,
    list: &[usize],
    entries: &[ActionEntry],
    cells: &[actions::IncidentCells],
    slugs: &actions::Slugs,
) -> Result<()> {
    for batch in list.chunks(ROWS_PER_CHUNK * CHUNKS_PER_BATCH) {
        let chunks: Vec<String> = batch
            .par_chunks(ROWS_PER_CHUNK)
            .map(|chunk| {
                let mut html = String::with_capacity(chunk.len() * 700);
                for &n in chunk {
                    let entry = &entries[n];
                    actions::row_html(entry, &cells[entry.incident_index], slugs, &mut html);
                }
                html
            })
            .collect();
        for html in &chunks {
            out.write_all(html.as_bytes())?;
        }
    }
    Ok(())
}

/// One table of the actions page; its rows are pre-rendered HTML, put in
/// place of the `rows` marker after rendering.
#[derive(Serialize)]
struct ActionSection {
    id: &'static str,
    title: &'static str,
    count: usize,
    rows: String,
}

struct Scope {
    /// `all`, `team` or `service`.
    kind: &'static str,
    name: String,
    path: String,
    incidents: Vec<usize>,
}

#[derive(Serialize)]
struct MetricsPage<'a> {
    kind: &'static str,
    name: &'a str,
    all_url: String,
    /// The team's or service's incident list.
    term_url: Option<String>,
    headline: Headline,
    charts: Vec<ChartView>,
    incomplete: Vec<IncompleteView>,
    incomplete_total: usize,
    /// Links to every team's metrics, rendered once.
    filters: &'a str,
    /// Figures per team and per service (on the main page only).
    breakdowns: &'a [Breakdown],
}

/// A table of figures per team or per service.
#[derive(Serialize)]
struct Breakdown {
    /// `teams`, `services`: ids in the page.
    key: &'static str,
    /// `team`, `service`.
    singular: &'static str,
    rows: Vec<BreakdownRow>,
}

#[derive(Serialize)]
struct BreakdownRow {
    name: String,
    url: String,
    #[serde(flatten)]
    figures: Figures,
}

impl BreakdownRow {
    fn new(name: &str, url: String, o: &metrics::PeriodStats) -> BreakdownRow {
        BreakdownRow {
            name: name.to_string(),
            url,
            figures: Figures::of(o),
        }
    }
}

/// The figures shown for a scope, both as the headline and as a table row.
#[derive(Serialize)]
struct Figures {
    incidents: usize,
    customer_impact: usize,
    median_detect: String,
    median_resolve: String,
    p90_resolve: String,
    action_completion: String,
    overdue_actions: usize,
    complete_share: String,
    repeats: usize,
}

impl Figures {
    fn of(o: &metrics::PeriodStats) -> Figures {
        Figures {
            incidents: o.incidents,
            customer_impact: o.customer_impact,
            median_detect: duration_text(o.detect.median),
            median_resolve: duration_text(o.resolve.median),
            p90_resolve: duration_text(o.resolve.p90),
            action_completion: stats::format_percent(o.actions.rate),
            overdue_actions: o.actions.overdue,
            complete_share: stats::format_percent(stats::percent(o.complete, o.incidents)),
            repeats: o.repeats,
        }
    }
}

#[derive(Serialize)]
struct Headline {
    #[serde(flatten)]
    figures: Figures,
    customer_impact_share: String,
}

#[derive(Serialize)]
struct FilterLink {
    name: String,
    url: String,
    count: usize,
}

#[derive(Serialize)]
struct IncompleteView {
    title: String,
    url: String,
    date: String,
    missing: String,
}

#[derive(Serialize)]
struct RepeatsPage {
    clusters: Vec<ClusterView>,
    incidents_in_clusters: usize,
    explicit_pairs: usize,
    detected_pairs: usize,
    min_similarity: String,
    min_similarity_text_only: String,
}

#[derive(Serialize)]
struct ClusterView {
    size: usize,
    first: String,
    last: String,
    /// Services and tags at least two members share, most shared first.
    services: Vec<String>,
    tags: Vec<String>,
    /// Oldest first.
    incidents: Vec<ClusterMember>,
}

#[derive(Serialize)]
struct ClusterMember {
    title: String,
    url: String,
    date: String,
    severity: Option<SeverityView>,
    /// How it links to an earlier member; `None` for the first.
    link: Option<LinkNote>,
}

#[derive(Serialize)]
struct LinkNote {
    explicit: bool,
    similarity: String,
    to_title: String,
    to_date: String,
}
