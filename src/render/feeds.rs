//! Feeds: the site's Atom feed, one per taxonomy term, and the sitemap
//! (`incidents.json` is written beside them, by [`super::json_export`]).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use super::FEED_ENTRIES;
use super::json_export::KeptJson;
use super::views::Views;
use crate::archive::{Archive, incident_path};
use crate::incident::Incident;
use crate::output::Staging;
use crate::templates::Theme;

#[derive(Serialize)]
struct Feed {
    title: String,
    /// Absolute URL of the page the feed is about.
    url: String,
    /// Absolute URL of the feed itself.
    self_url: String,
    updated: String,
}

#[derive(Serialize)]
struct Entry<'a> {
    title: &'a str,
    url: String,
    updated: String,
    summary: &'a str,
    severity: Option<&'a str>,
    categories: Vec<&'a str>,
}

/// Writes every feed and the JSON export; returns the count, and the
/// export's bytes with `keep_json`.
pub fn write_all(
    archive: &Archive,
    views: &Views,
    staging: &Staging,
    theme: &Theme,
    keep_json: bool,
) -> Result<(usize, Option<KeptJson>)> {
    let count = write_feeds(archive, views, staging, theme, &|_, _| true)?;
    let json = super::json_export::write(archive, staging, keep_json)?;
    Ok((count + 1, json))
}

/// Writes the feeds `chosen` picks by their page's URL and their entries
/// (incident indexes, newest first): the site's, then each taxonomy
/// term's. Returns the number of feeds there are.
pub fn write_feeds(
    archive: &Archive,
    views: &Views,
    staging: &Staging,
    theme: &Theme,
    chosen: &(dyn Fn(&str, &[usize]) -> bool + Sync),
) -> Result<usize> {
    // Page paths already start with the base path: join them to the origin.
    let origin = archive.config.origin();
    let absolute = |path: &str| format!("{origin}{path}");
    // An incident is in about ten feeds (the site's and each of its
    // terms'), so its entry is made and converted for the templates once,
    // by whichever feed needs it first.
    let entries: Vec<OnceLock<Value>> = archive.incidents.iter().map(|_| OnceLock::new()).collect();
    let entry = |index: usize| -> Value {
        entries[index]
            .get_or_init(|| {
                let i = &archive.incidents[index];
                Value::from_serializable(&Entry {
                    title: &i.title,
                    url: absolute(&views.incident_url(i)),
                    updated: feed_time(i),
                    summary: &i.summary,
                    severity: i.severity.as_ref().map(|s| s.name.as_str()),
                    categories: i.tags.iter().map(String::as_str).collect(),
                })
            })
            .clone()
    };
    let write_feed = |title: String, page: String, incidents: &[usize]| -> Result<()> {
        let newest = &incidents[..incidents.len().min(FEED_ENTRIES)];
        if !chosen(&page, newest) {
            return Ok(());
        }
        let feed = Feed {
            title,
            url: absolute(&page),
            self_url: absolute(&format!("{page}atom.xml")),
            updated: newest.first().map_or_else(
                || "1970-01-01T00:00:00Z".to_string(),
                |&i| feed_time(&archive.incidents[i]),
            ),
        };
        let mut context = Context::new();
        context.insert("feed", &feed);
        context.insert_value(
            "entries",
            Value::from(newest.iter().map(|&i| entry(i)).collect::<Vec<_>>()),
        );
        let relative = format!(
            "{}atom.xml",
            page.strip_prefix(views.base()).unwrap_or(&page)
        );
        write_rendered(theme, staging, &relative, &context)
    };

    let site_title = archive.config.title.clone();
    let all: Vec<usize> = (0..archive.incidents.len().min(FEED_ENTRIES)).collect();
    write_feed(site_title.clone(), views.base().to_string(), &all)?;
    let mut count = 1;
    for taxonomy in &archive.taxonomies {
        taxonomy.terms.par_iter().try_for_each(|term| {
            let page = views.term_url(taxonomy.key, &term.name);
            let title = format!(
                "{site_title}: {} {}",
                taxonomy.title.to_lowercase(),
                term.name
            );
            write_feed(title, page, &term.incidents)
        })?;
        count += taxonomy.terms.len();
    }
    Ok(count)
}

/// Renders `atom.xml` with `context` into the feed's file at `relative`,
/// through one buffer per thread (as pages are).
fn write_rendered(
    theme: &Theme,
    staging: &Staging,
    relative: &str,
    context: &Context,
) -> Result<()> {
    thread_local! {
        static FEED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    FEED.with_borrow_mut(|feed| {
        feed.clear();
        theme.render_into("atom.xml", context, feed)?;
        staging.write(relative, feed)
    })
}

/// The time an incident entry was last updated, for Atom.
fn feed_time(incident: &Incident) -> String {
    match incident.updated {
        Some(at) => at.to_string(),
        None => format!("{}T00:00:00Z", incident.date),
    }
}

/// Writes `sitemap.xml`: every HTML page the build wrote (all its stages:
/// incident pages, listings, dashboards, digests, the search page), except
/// the not-found page, so it runs last, just before the site is committed.
/// Incident pages carry their last-updated day.
/// Returns the pages it lists, which serve keeps to write it again after
/// an edit ([`write_sitemap_of`]).
pub fn write_sitemap(archive: &Archive, theme: &Theme, staging: &Staging) -> Result<Vec<String>> {
    let pages: Vec<String> = staging
        .pages()
        .into_iter()
        .filter(|page| page != "404.html")
        .collect();
    write_sitemap_of(archive, theme, staging, &pages)?;
    Ok(pages)
}

/// The day the sitemap gives an incident's page: its last update's, else
/// its own date.
pub(super) fn sitemap_day(incident: &Incident) -> String {
    incident.updated.map_or_else(
        || incident.date.to_string(),
        |t| t.to_string()[..10].to_string(),
    )
}

/// Writes `sitemap.xml` listing `pages` (`/`-separated paths under the
/// site root).
pub fn write_sitemap_of(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    pages: &[String],
) -> Result<()> {
    #[derive(Serialize)]
    struct Url {
        loc: String,
        lastmod: Option<String>,
    }
    let origin = archive.config.origin();
    let base = archive.config.base_path();
    let updated: HashMap<String, String> = archive
        .incidents
        .iter()
        .map(|i| (incident_path(&base, &i.id), sitemap_day(i)))
        .collect();
    let urls: Vec<Url> = pages
        .iter()
        .map(|page| {
            let path = format!("{base}{}", page.strip_suffix("index.html").unwrap_or(page));
            Url {
                loc: format!("{origin}{path}"),
                lastmod: updated.get(&path).cloned(),
            }
        })
        .collect();
    let mut context = Context::new();
    context.insert("urls", &urls);
    let xml = theme.render("sitemap.xml", &context)?;
    staging.write("sitemap.xml", xml.as_bytes())
}
