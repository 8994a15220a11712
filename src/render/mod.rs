//! Stage 4, render: turns the archive into the site's files with the
//! theme's Tera templates, every incident page in parallel (rayon).
//!
//! Input: the [`Archive`] and the loaded [`Theme`]. Output: files written
//! into the staging folder. Listing pages reuse each incident's card,
//! rendered once, instead of re-rendering it per term.

mod feeds;
mod json_export;
mod update;
pub use feeds::write_sitemap;
pub use update::{Reach, reach, update_after_edit, update_export_after_edit};
pub mod views;

use std::cell::RefCell;
use std::sync::{Mutex, PoisonError};

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use crate::archive::{Archive, Taxonomy, Term};
use crate::dashboards::KeptDashboards;
use crate::dashboards::repeats::{RepeatText, Repeats};
use crate::digest::render::KeptDigests;
use crate::incident::Incident;
use crate::output::Staging;
use crate::templates::{StaticFile, Theme};
use crate::timings::{Stopwatch, Timings};
use json_export::KeptJson;
use views::{TermView, Views};

/// How many entries an Atom feed carries.
const FEED_ENTRIES: usize = 30;
/// The largest page buffer a rendering thread keeps between pages.
const KEPT_PAGE_BUFFER: usize = 1 << 20;

/// About what a listing page holds besides its cards: the head, header,
/// navigation and footer.
const PAGE_FRAME_BYTES: usize = 8 << 10;
/// How many open action items the home page lists.
const HOME_ACTIONS: usize = 8;

/// Something that reports progress per page written (a progress bar on a
/// terminal, nothing otherwise).
pub trait Progress: Sync {
    fn start(&self, total: u64);
    fn advance(&self);
}

/// What rendering keeps for re-rendering one incident page later (serve's
/// fast path): every incident's card and the likely repeats.
pub struct Rendered {
    pub files: usize,
    /// How long each part of rendering took, for `--verbose`.
    pub timings: Timings,
    cards: Vec<Value>,
    repeats: Repeats,
    /// With `keep_for_edits`: the text repeat detection read, and what the
    /// dashboards keep (the rows of the actions page, the metrics' facts).
    repeat_text: Option<RepeatText>,
    dashboards: Option<KeptDashboards>,
    /// With `keep_for_edits`: what the digests and the JSON export keep
    /// for [`update_after_edit`].
    digests: Option<KeptDigests>,
    json: Option<KeptJson>,
}

/// Renders and writes every page of the site. With `keep_for_edits`
/// (serve), what [`update_after_edit`] needs is kept in the result.
///
/// After the cards, the page families (incident pages, listings, feeds,
/// dashboards, digests) read the same model and write different files, so
/// they run side by side: each has a sequential stretch (the home page,
/// the JSON export's writes, the digest index) that the others' parallel
/// work fills. Each family's time is its own, so they overlap.
pub fn render_site(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    progress: &dyn Progress,
    keep_for_edits: bool,
) -> Result<Rendered> {
    let mut watch = Stopwatch::start();
    let mut timings = Timings::new();
    let views = Views::new(archive);
    let renderer = Renderer::new(archive, theme, Some(staging), &views);
    let (cards, (repeats, repeat_text)) = rayon::join(
        || renderer.cards(),
        || {
            let text = RepeatText::of(archive);
            let repeats = crate::dashboards::repeats::detect_in(archive, &text);
            (repeats, keep_for_edits.then_some(text))
        },
    );
    let cards = cards?;
    watch.lap("  cards", &mut timings);

    let timed = |step: &'static str, work: &(dyn Fn() -> Result<usize> + Sync)| {
        let clock = std::time::Instant::now();
        work().map(|files| (files, (step, clock.elapsed())))
    };
    let incident_pages = || {
        progress.start(archive.incidents.len() as u64);
        archive.incidents.par_iter().enumerate().try_for_each_init(
            RecentCards::default,
            |recent, (index, _)| {
                renderer.incident_page(index, &cards, &repeats.earlier[index], recent)?;
                progress.advance();
                anyhow::Ok(())
            },
        )?;
        Ok(archive.incidents.len())
    };
    let listings = || {
        let terms = archive
            .taxonomies
            .par_iter()
            .map(|taxonomy| renderer.taxonomy_pages(taxonomy, &cards, &|_| true, true))
            .sum::<Result<usize>>()?;
        renderer.home(&cards)?;
        renderer.not_found()?;
        Ok(terms + 2 + copy_static(theme, staging)?)
    };
    let kept_json = Mutex::new(None);
    let feeds = || {
        let (files, json) = feeds::write_all(archive, &views, staging, theme, keep_for_edits)?;
        *kept_json.lock().unwrap_or_else(PoisonError::into_inner) = json;
        Ok(files)
    };
    let kept_dashboards = Mutex::new(None);
    let dashboards = || {
        let (files, kept) = crate::dashboards::write_pages_with(
            archive,
            theme,
            staging,
            &views,
            &repeats,
            keep_for_edits,
        )?;
        *kept_dashboards
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = kept;
        Ok(files)
    };
    let kept_digests = Mutex::new(None);
    let digests = || {
        if !keep_for_edits {
            return crate::digest::write_pages(archive, theme, staging, &views);
        }
        let (files, kept) =
            crate::digest::render::write_pages_keeping(archive, theme, staging, &views)?;
        *kept_digests.lock().unwrap_or_else(PoisonError::into_inner) = Some(kept);
        Ok(files)
    };
    let families: [(&'static str, &(dyn Fn() -> Result<usize> + Sync)); 5] = [
        ("  incident pages", &incident_pages),
        ("  listings", &listings),
        ("  feeds", &feeds),
        ("  dashboards", &dashboards),
        ("  digests", &digests),
    ];
    let done: Vec<Result<(usize, _)>> = families
        .par_iter()
        .map(|&(step, work)| timed(step, work))
        .collect();
    let mut files = 0;
    for family in done {
        let (count, timing) = family?;
        files += count;
        timings.push(timing);
    }
    Ok(Rendered {
        files,
        timings,
        cards,
        repeats,
        repeat_text,
        dashboards: kept_dashboards
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner),
        digests: kept_digests
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner),
        json: kept_json
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner),
    })
}

/// The page of incident `index`, with the cards and repeats of an earlier
/// full render: serve's preview of an edited postmortem.
pub fn incident_page(
    archive: &Archive,
    theme: &Theme,
    rendered: &Rendered,
    index: usize,
) -> Result<String> {
    let views = Views::new(archive);
    let renderer = Renderer::new(archive, theme, None, &views);
    let earlier = rendered
        .repeats
        .earlier
        .get(index)
        .map_or(&[][..], Vec::as_slice);
    // Only this page's own card and its neighbours' are needed, so only
    // they are made (the incident may have changed since the full render).
    let mut card_view = |i: usize| archive.incidents.get(i).map(|n| views.card_value(n));
    let context = renderer.incident_context(index, &rendered.cards, earlier, &mut card_view)?;
    theme.render("incident.html", &context)
}

struct Renderer<'a> {
    archive: &'a Archive,
    theme: &'a Theme,
    /// Where pages go; None when a page is only rendered, not written.
    staging: Option<&'a Staging>,
    views: &'a Views<'a>,
    /// `site`, which every page gets.
    site: Value,
}

impl<'a> Renderer<'a> {
    fn new(
        archive: &'a Archive,
        theme: &'a Theme,
        staging: Option<&'a Staging>,
        views: &'a Views<'a>,
    ) -> Self {
        Renderer {
            archive,
            theme,
            staging,
            views,
            site: Value::from_serializable(&views.site()),
        }
    }

    /// Renders `template` with `context` straight into the page's file in
    /// the staging folder, through one buffer per thread: a page is never
    /// copied into a string of its own, and the largest (a term page of
    /// thousands of cards) do not grow a fresh buffer each.
    fn write_page(&self, relative: &str, template: &str, context: &Context) -> Result<()> {
        self.write_page_sized(relative, template, context, 0)
    }

    /// [`Self::write_page`] for a page of about `expected` bytes, made room
    /// for at once: a term page of thousands of cards (megabytes) otherwise
    /// grows its buffer a dozen times, copying what it holds each time.
    fn write_page_sized(
        &self,
        relative: &str,
        template: &str,
        context: &Context,
        expected: usize,
    ) -> Result<()> {
        thread_local! {
            static PAGE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        let Some(staging) = self.staging else {
            return Ok(());
        };
        PAGE.with_borrow_mut(|page| {
            page.clear();
            page.reserve(expected);
            self.theme.render_into(template, context, page)?;
            let written = staging.write(relative, page);
            // A buffer grown by one of the few huge pages (a term with
            // thousands of cards: megabytes each) is let go, rather than
            // held by its thread until the build ends.
            if page.capacity() > KEPT_PAGE_BUFFER {
                *page = Vec::new();
            }
            written
        })
    }

    /// The context of a page: `site` and `values`.
    fn context<const N: usize>(&self, values: [(&'static str, Value); N]) -> Context {
        let mut context = Context::new();
        context.insert_value("site", self.site.clone());
        for (name, value) in values {
            context.insert_value(name, value);
        }
        context
    }

    /// Renders `template` with `site` and `values`.
    fn page<const N: usize>(
        &self,
        template: &str,
        values: [(&'static str, Value); N],
    ) -> Result<String> {
        self.theme.render(template, &self.context(values))
    }

    /// Each incident's card HTML (a string value, shared rather than
    /// copied into each list it appears in), rendered once for every list
    /// it appears in. The card views it is made from are not kept: an
    /// incident page makes its own and its neighbours' again, which costs
    /// less than keeping every one (25 MB at 10,000 postmortems).
    fn cards(&self) -> Result<Vec<Value>> {
        self.archive
            .incidents
            .par_iter()
            .map(|incident| self.card(incident))
            .collect()
    }

    /// One incident's card HTML.
    fn card(&self, incident: &Incident) -> Result<Value> {
        let view = self.views.card_value(incident);
        let html = self.page("partials/card.html", [("card", view)])?;
        Ok(Value::from(html))
    }

    /// One incident page; `earlier` are likely earlier occurrences of the same failure.
    fn incident_page(
        &self,
        index: usize,
        cards: &[Value],
        earlier: &[usize],
        recent: &mut RecentCards,
    ) -> Result<()> {
        let context = self.incident_context(index, cards, earlier, &mut |i| recent.get(self, i))?;
        let id = &self.archive.incidents[index].id;
        self.write_page(
            &format!("incidents/{id}/index.html"),
            "incident.html",
            &context,
        )
    }

    /// The context of incident `index`'s page; `card_view(i)`: incident
    /// `i`'s card view, None past either end.
    fn incident_context(
        &self,
        index: usize,
        cards: &[Value],
        earlier: &[usize],
        card_view: &mut dyn FnMut(usize) -> Option<Value>,
    ) -> Result<Context> {
        let incident = &self.archive.incidents[index];
        let Some(own_card) = card_view(index) else {
            anyhow::bail!("no incident {index} to render");
        };
        let view = self.views.incident(incident).with_card(&own_card);
        let related = card_list(cards, &self.archive.related[index]);
        let repeats = card_list(cards, earlier);
        // Incidents are newest first: the previous one in time is the next index.
        let previous = Value::from(index.checked_add(1).and_then(&mut *card_view));
        let next = Value::from(index.checked_sub(1).and_then(card_view));
        Ok(self.context([
            ("incident", view),
            ("related", related),
            ("repeats", repeats),
            ("previous", previous),
            ("next", next),
        ]))
    }

    /// The pages of `taxonomy`: its list of terms when `list`, and the
    /// page of each term `chosen` picks. Returns how many pages it has.
    fn taxonomy_pages(
        &self,
        taxonomy: &Taxonomy,
        cards: &[Value],
        chosen: &(dyn Fn(&Term) -> bool + Sync),
        list: bool,
    ) -> Result<usize> {
        let terms: Vec<TermView> = taxonomy
            .terms
            .iter()
            .map(|t| TermView {
                name: &t.name,
                url: self.views.term_url(taxonomy.key, &t.name),
                count: t.incidents.len(),
            })
            .collect();
        let info = Value::from_serializable(&TaxonomyInfo {
            key: taxonomy.key,
            title: taxonomy.title,
        });
        if list {
            let context = self.context([
                ("taxonomy", info.clone()),
                ("terms", Value::from_serializable(&terms)),
            ]);
            self.write_page(
                &format!("{}/index.html", taxonomy.key),
                "taxonomy.html",
                &context,
            )?;
        }
        taxonomy
            .terms
            .par_iter()
            .zip(terms)
            .filter(|(term, _)| chosen(term))
            .try_for_each(|(term, view)| {
                let listed = card_list(cards, &term.incidents);
                // The cards, each in a list item, and the page around them.
                let expected = term
                    .incidents
                    .iter()
                    .filter_map(|&i| cards.get(i)?.as_str())
                    .map(|card| card.len() + "<li></li>".len())
                    .sum::<usize>()
                    + PAGE_FRAME_BYTES;
                let context = self.context([
                    ("term", Value::from_serializable(&view)),
                    ("taxonomy", info.clone()),
                    ("cards", listed),
                ]);
                let path = format!("{}/{}/index.html", taxonomy.key, term.slug);
                self.write_page_sized(&path, "term.html", &context, expected)
            })?;
        Ok(1 + taxonomy.terms.len())
    }

    fn home(&self, cards: &[Value]) -> Result<()> {
        let archive = self.archive;
        let recent = &cards[..cards.len().min(archive.config.recent_count)];
        let total = archive.incidents.len().max(1);
        let severity_mix: Vec<SeverityCount> = archive
            .taxonomy("severity")
            .map(|t| {
                t.terms
                    .iter()
                    .map(|term| SeverityCount {
                        name: term.name.clone(),
                        slug: term.slug.clone(),
                        url: self.views.term_url("severity", &term.name),
                        count: term.incidents.len(),
                        percent: (term.incidents.len() * 100) as f64 / total as f64,
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The most overdue open items first, then the soonest due (in
        // archive order when equal): only the first few are kept as they
        // come, not a view of every open item (50 MB at 50,000 postmortems).
        let (mut open_count, mut overdue_count) = (0, 0);
        type Key = (std::cmp::Reverse<Option<i32>>, Option<jiff::civil::Date>);
        let mut first: Vec<(Key, _, _)> = Vec::with_capacity(HOME_ACTIONS + 1);
        for (incident, item) in archive.action_items().filter(|(_, a)| a.status.is_open()) {
            let overdue_days = self.views.overdue_days(item);
            open_count += 1;
            overdue_count += usize::from(overdue_days.is_some());
            let key = (std::cmp::Reverse(overdue_days), item.due);
            let at = first.partition_point(|(earlier, ..)| *earlier <= key);
            if at < HOME_ACTIONS {
                first.insert(at, (key, incident, item));
                first.truncate(HOME_ACTIONS);
            }
        }
        let open: Vec<_> = first
            .into_iter()
            .map(|(_, incident, item)| self.views.action(incident, item))
            .collect();
        let years: Vec<TermView> = archive
            .taxonomy("years")
            .map(|t| {
                t.terms
                    .iter()
                    .map(|term| TermView {
                        name: &term.name,
                        url: self.views.term_url("years", &term.name),
                        count: term.incidents.len(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let stats = HomeStats {
            incidents: archive.incidents.len(),
            open_actions: open_count,
            overdue_actions: overdue_count,
            teams: archive.taxonomy("teams").map_or(0, |t| t.terms.len()),
            services: archive.taxonomy("services").map_or(0, |t| t.terms.len()),
        };
        let context = self.context([
            ("recent", Value::from(recent)),
            ("severity_mix", Value::from_serializable(&severity_mix)),
            ("open_actions", Value::from_serializable(&open)),
            ("years", Value::from_serializable(&years)),
            ("stats", Value::from_serializable(&stats)),
        ]);
        self.write_page("index.html", "index.html", &context)
    }

    fn not_found(&self) -> Result<()> {
        let context = self.context([("page_title", Value::from("Not found"))]);
        self.write_page("404.html", "404.html", &context)
    }
}

/// The card views one rendering thread made last, by incident index. An
/// incident page shows its own card view and its neighbours', and a
/// thread renders neighbouring pages one after another, so each view is
/// made about once rather than three times, and none is kept for long.
#[derive(Default)]
struct RecentCards(Vec<(usize, Value)>);

impl RecentCards {
    /// Incident `index`'s card view; None past either end.
    fn get(&mut self, renderer: &Renderer, index: usize) -> Option<Value> {
        if let Some((_, view)) = self.0.iter().find(|(i, _)| *i == index) {
            return Some(view.clone());
        }
        let view = renderer
            .views
            .card_value(renderer.archive.incidents.get(index)?);
        if self.0.len() == 3 {
            self.0.remove(0);
        }
        self.0.push((index, view.clone()));
        Some(view)
    }
}

/// The cards of incidents `indexes`, as one list value.
fn card_list(cards: &[Value], indexes: &[usize]) -> Value {
    Value::from(
        indexes
            .iter()
            .filter_map(|&i| cards.get(i).cloned())
            .collect::<Vec<_>>(),
    )
}

#[derive(Serialize)]
struct TaxonomyInfo {
    key: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
struct SeverityCount {
    name: String,
    slug: String,
    url: String,
    count: usize,
    percent: f64,
}

#[derive(Serialize)]
struct HomeStats {
    incidents: usize,
    open_actions: usize,
    overdue_actions: usize,
    teams: usize,
    services: usize,
}

/// Copies the theme's and the archive's static files.
fn copy_static(theme: &Theme, staging: &Staging) -> Result<usize> {
    for (name, file) in &theme.static_files {
        match file {
            StaticFile::Embedded(bytes) => staging.write(name, bytes)?,
            StaticFile::OnDisk(path) => staging.copy(name, path)?,
        }
    }
    Ok(theme.static_files.len())
}
