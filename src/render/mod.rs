//! Stage 4, render: turns the archive into the site's files with the
//! theme's Tera templates, every incident page in parallel (rayon).
//!
//! Input: the [`Archive`] and the loaded [`Theme`]. Output: files written
//! into the staging folder. Listing pages reuse each incident's card,
//! rendered once, instead of re-rendering it per term.

mod feeds;
pub use feeds::write_sitemap;
pub mod views;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::archive::{Archive, Taxonomy};
use crate::output::Staging;
use crate::templates::{StaticFile, Theme};
use crate::timings::{Stopwatch, Timings};
use views::{TermView, Views};

/// How many entries an Atom feed carries.
const FEED_ENTRIES: usize = 30;
/// How many open action items the home page lists.
const HOME_ACTIONS: usize = 8;

/// Something that reports progress per page written (a progress bar on a
/// terminal, nothing otherwise).
pub trait Progress: Sync {
    fn start(&self, total: u64);
    fn advance(&self);
}

/// What rendering keeps for re-rendering one incident page later (serve's
/// fast path): every incident's card and its likely earlier occurrences.
pub struct Rendered {
    pub files: usize,
    /// How long each part of rendering took, for `--verbose`.
    pub timings: Timings,
    cards: Vec<String>,
    earlier: Vec<Vec<usize>>,
}

/// Renders and writes every page of the site.
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
) -> Result<Rendered> {
    let mut watch = Stopwatch::start();
    let mut timings = Timings::new();
    let views = Views::new(archive);
    let renderer = Renderer::new(archive, theme, Some(staging), &views);
    let (cards, repeats) = rayon::join(
        || renderer.cards(),
        || crate::dashboards::repeats::detect(archive),
    );
    let cards = cards?;
    watch.lap("  cards", &mut timings);

    let timed = |step: &'static str, work: &(dyn Fn() -> Result<usize> + Sync)| {
        let clock = std::time::Instant::now();
        work().map(|files| (files, (step, clock.elapsed())))
    };
    let incident_pages = || {
        progress.start(archive.incidents.len() as u64);
        archive
            .incidents
            .par_iter()
            .enumerate()
            .try_for_each(|(index, _)| {
                renderer.incident_page(index, &cards, &repeats.earlier[index])?;
                progress.advance();
                anyhow::Ok(())
            })?;
        Ok(archive.incidents.len())
    };
    let listings = || {
        let terms = archive
            .taxonomies
            .par_iter()
            .map(|taxonomy| renderer.taxonomy_pages(taxonomy, &cards))
            .sum::<Result<usize>>()?;
        renderer.home(&cards)?;
        renderer.not_found()?;
        Ok(terms + 2 + copy_static(theme, staging)?)
    };
    let feeds = || feeds::write_all(archive, &views, staging, theme);
    let dashboards =
        || crate::dashboards::write_pages_with(archive, theme, staging, &views, &repeats);
    let digests = || crate::digest::write_pages(archive, theme, staging, &views);
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
        earlier: repeats.earlier,
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
    let earlier = rendered.earlier.get(index).map_or(&[][..], Vec::as_slice);
    renderer.incident_html(index, &rendered.cards, earlier)
}

struct Renderer<'a> {
    archive: &'a Archive,
    theme: &'a Theme,
    /// Where pages go; None when a page is only rendered, not written.
    staging: Option<&'a Staging>,
    views: &'a Views<'a>,
    /// Context shared by every page (`site`), cloned per page.
    base_context: Context,
}

impl<'a> Renderer<'a> {
    fn new(
        archive: &'a Archive,
        theme: &'a Theme,
        staging: Option<&'a Staging>,
        views: &'a Views<'a>,
    ) -> Self {
        let mut base_context = Context::new();
        base_context.insert("site", &views.site());
        Renderer {
            archive,
            theme,
            staging,
            views,
            base_context,
        }
    }

    /// Writes one page into the staging folder.
    fn write(&self, relative: &str, html: &str) -> Result<()> {
        match self.staging {
            Some(staging) => staging.write(relative, html.as_bytes()),
            None => Ok(()),
        }
    }

    fn page<T: Serialize + ?Sized>(
        &self,
        template: &str,
        key: &'static str,
        value: &T,
        extra: &[(&'static str, &dyn erased::Value)],
    ) -> Result<String> {
        let mut context = self.base_context.clone();
        context.insert(key, value);
        for (name, value) in extra {
            value.insert_into(&mut context, name);
        }
        self.theme.render(template, &context)
    }

    /// Each incident's card, rendered once for every list it appears in.
    fn cards(&self) -> Result<Vec<String>> {
        self.archive
            .incidents
            .par_iter()
            .map(|incident| {
                self.page(
                    "partials/card.html",
                    "card",
                    &self.views.card(incident),
                    &[],
                )
            })
            .collect()
    }

    /// One incident page; `earlier` are likely earlier occurrences of the same failure.
    fn incident_page(&self, index: usize, cards: &[String], earlier: &[usize]) -> Result<()> {
        let html = self.incident_html(index, cards, earlier)?;
        let id = &self.archive.incidents[index].id;
        self.write(&format!("incidents/{id}/index.html"), &html)
    }

    fn incident_html(&self, index: usize, cards: &[String], earlier: &[usize]) -> Result<String> {
        let incident = &self.archive.incidents[index];
        let view = self.views.incident(incident);
        let related: Vec<&str> = self.archive.related[index]
            .iter()
            .map(|&i| cards[i].as_str())
            .collect();
        let repeats: Vec<&str> = earlier.iter().map(|&i| cards[i].as_str()).collect();
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| self.archive.incidents.get(i))
                .map(|n| self.views.card(n))
        };
        // Incidents are newest first: the previous one in time is the next index.
        let previous = neighbour(index.checked_add(1));
        let next = neighbour(index.checked_sub(1));
        self.page(
            "incident.html",
            "incident",
            &view,
            &[
                ("related", &related),
                ("repeats", &repeats),
                ("previous", &previous),
                ("next", &next),
            ],
        )
    }

    fn taxonomy_pages(&self, taxonomy: &Taxonomy, cards: &[String]) -> Result<usize> {
        let terms: Vec<TermView> = taxonomy
            .terms
            .iter()
            .map(|t| TermView {
                name: &t.name,
                url: self.views.term_url(taxonomy.key, &t.name),
                count: t.incidents.len(),
            })
            .collect();
        let info = TaxonomyInfo {
            key: taxonomy.key,
            title: taxonomy.title,
        };
        let list = self.page("taxonomy.html", "taxonomy", &info, &[("terms", &terms)])?;
        self.write(&format!("{}/index.html", taxonomy.key), &list)?;
        taxonomy.terms.par_iter().try_for_each(|term| {
            let term_cards: Vec<&str> = term.incidents.iter().map(|&i| cards[i].as_str()).collect();
            let view = TermView {
                name: &term.name,
                url: self.views.term_url(taxonomy.key, &term.name),
                count: term.incidents.len(),
            };
            let html = self.page(
                "term.html",
                "term",
                &view,
                &[("taxonomy", &info), ("cards", &term_cards)],
            )?;
            self.write(&format!("{}/{}/index.html", taxonomy.key, term.slug), &html)
        })?;
        Ok(1 + taxonomy.terms.len())
    }

    fn home(&self, cards: &[String]) -> Result<()> {
        let archive = self.archive;
        let recent: Vec<&str> = cards
            .iter()
            .take(archive.config.recent_count)
            .map(String::as_str)
            .collect();
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
        let mut open: Vec<_> = archive
            .action_items()
            .filter(|(_, a)| a.status.is_open())
            .map(|(i, a)| self.views.action(i, a))
            .collect();
        let open_count = open.len();
        let overdue_count = open.iter().filter(|a| a.overdue_days.is_some()).count();
        // Most overdue first, then soonest due.
        open.sort_by(|a, b| {
            b.overdue_days
                .cmp(&a.overdue_days)
                .then(a.due_iso.cmp(&b.due_iso))
        });
        open.truncate(HOME_ACTIONS);
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
        let html = self.page(
            "index.html",
            "recent",
            &recent,
            &[
                ("severity_mix", &severity_mix),
                ("open_actions", &open),
                ("years", &years),
                ("stats", &stats),
            ],
        )?;
        self.write("index.html", &html)
    }

    fn not_found(&self) -> Result<()> {
        let html = self.page("404.html", "page_title", "Not found", &[])?;
        self.write("404.html", &html)
    }
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

/// Lets pages pass extra values of different types to the context.
mod erased {
    use serde::Serialize;
    use tera::Context;

    pub trait Value: Sync {
        fn insert_into(&self, context: &mut Context, name: &'static str);
    }

    impl<T: Serialize + Sync> Value for T {
        fn insert_into(&self, context: &mut Context, name: &'static str) {
            context.insert(name, self);
        }
    }
}
