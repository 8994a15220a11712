//! Feeds: the site's Atom feed, one per taxonomy term, and the sitemap
//! (`incidents.json` is written beside them, by [`super::json_export`]).

use std::cell::RefCell;
use std::sync::OnceLock;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use super::FEED_ENTRIES;
use super::json_export::KeptJson;
use super::views::Views;
use crate::archive::{Archive, incident_id_in};
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
/// an edit ([`write_sitemap_of`]), and how many files it wrote.
pub fn write_sitemap(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
) -> Result<(Vec<String>, usize)> {
    let pages: Vec<String> = staging
        .pages()
        .into_iter()
        .filter(|page| page != "404.html")
        .collect();
    let files = write_sitemap_of(archive, theme, staging, &pages)?;
    Ok((pages, files))
}

/// The day the sitemap gives an incident's page: its last update's, else
/// its own date.
pub(super) fn sitemap_day(incident: &Incident) -> String {
    incident.updated.map_or_else(
        || incident.date.to_string(),
        |t| t.to_string()[..10].to_string(),
    )
}

/// The most URLs one sitemap file may list: the sitemaps protocol's limit.
const SITEMAP_URLS: usize = 50_000;

/// Writes `sitemap.xml` listing `pages` (`/`-separated paths under the
/// site root). Returns how many files it wrote: one, or past the
/// protocol's 50,000 URLs a sitemap index and the sitemaps it lists.
pub fn write_sitemap_of(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    pages: &[String],
) -> Result<usize> {
    write_sitemaps(archive, theme, staging, pages, SITEMAP_URLS)
}

/// [`write_sitemap_of`] with at most `per_file` URLs in a sitemap. When
/// there are more, `sitemap.xml` is an index (the theme's
/// `sitemap_index.xml`) of `sitemaps/1.xml`, `sitemaps/2.xml`…, as few
/// as will do and of about equal length, rendered side by side with the
/// theme's `sitemap.xml`.
fn write_sitemaps(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    pages: &[String],
    per_file: usize,
) -> Result<usize> {
    #[derive(Serialize)]
    struct Url {
        loc: String,
        lastmod: Option<String>,
    }
    let origin = archive.config.origin();
    let base = archive.config.base_path();
    let urls: Vec<Url> = pages
        .par_iter()
        .map(|page| {
            let path = page.strip_suffix("index.html").unwrap_or(page);
            // An incident's page, `incidents/<id>/`, carries its day.
            let incident = incident_id_in(path)
                .and_then(|id| archive.by_id.get(id))
                .map(|&index| &archive.incidents[index]);
            Url {
                loc: format!("{origin}{base}{path}"),
                lastmod: incident.map(sitemap_day),
            }
        })
        .collect();
    let render = |urls: &[Url]| {
        let mut context = Context::new();
        context.insert("urls", urls);
        theme.render("sitemap.xml", &context)
    };
    let files = urls.len().div_ceil(per_file.max(1));
    if files <= 1 {
        staging.write("sitemap.xml", render(&urls)?.as_bytes())?;
        return Ok(1);
    }
    // Lengths differ by one at most, so the renders take about as long.
    let bounds: Vec<usize> = (0..=files).map(|n| n * urls.len() / files).collect();
    let parts: Vec<&[Url]> = bounds.windows(2).map(|b| &urls[b[0]..b[1]]).collect();
    parts.par_iter().enumerate().try_for_each(|(n, urls)| {
        staging.write(&format!("sitemaps/{}.xml", n + 1), render(urls)?.as_bytes())
    })?;
    #[derive(Serialize)]
    struct Sitemap {
        loc: String,
    }
    let sitemaps: Vec<Sitemap> = (1..=parts.len())
        .map(|n| Sitemap {
            loc: format!("{origin}{base}sitemaps/{n}.xml"),
        })
        .collect();
    let mut context = Context::new();
    context.insert("sitemaps", &sitemaps);
    let index = theme.render("sitemap_index.xml", &context)?;
    staging.write("sitemap.xml", index.as_bytes())?;
    Ok(parts.len() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `<loc>`s of an XML document, after checking it is well formed
    /// and its root is `root`.
    fn locs(xml: &str, root: &str) -> Vec<String> {
        let document = roxmltree::Document::parse(xml).expect("well-formed XML");
        assert_eq!(document.root_element().tag_name().name(), root, "{xml}");
        document
            .descendants()
            .filter(|n| n.has_tag_name("loc"))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn past_the_limit_the_sitemap_is_an_index_of_sitemaps_of_about_equal_length() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archive");
        let mut timings = crate::timings::Timings::new();
        let (archive, diagnostics) = crate::site::load_archive(
            &root,
            Some("https://pm.example.com/archive/"),
            true,
            jiff::civil::date(2024, 6, 1),
            &mut timings,
        );
        let archive = archive.unwrap_or_else(|| panic!("fixture archive loads: {diagnostics:?}"));
        let theme = Theme::load(&root, &archive.config).unwrap();
        let pages: Vec<String> = (1..=7).map(|n| format!("page-{n}/index.html")).collect();
        let expected: Vec<String> = (1..=7)
            .map(|n| format!("https://pm.example.com/archive/page-{n}/"))
            .collect();
        for (per_file, files) in [(3, 3), (7, 1), (100, 1), (1, 7)] {
            let scratch = tempfile::tempdir().unwrap();
            let site = scratch.path().join("site");
            let staging = Staging::with_spare(&site, Default::default(), None).unwrap();
            let written = write_sitemaps(&archive, &theme, &staging, &pages, per_file).unwrap();
            staging.commit().unwrap();
            let read = |relative: &str| std::fs::read_to_string(site.join(relative)).unwrap();
            if files == 1 {
                assert_eq!(written, 1);
                assert_eq!(locs(&read("sitemap.xml"), "urlset"), expected);
                assert!(!site.join("sitemaps").exists());
                continue;
            }
            assert_eq!(written, files + 1, "{files} sitemaps and their index");
            let listed = locs(&read("sitemap.xml"), "sitemapindex");
            let named: Vec<String> = (1..=files)
                .map(|n| format!("https://pm.example.com/archive/sitemaps/{n}.xml"))
                .collect();
            assert_eq!(listed, named);
            let parts: Vec<Vec<String>> = (1..=files)
                .map(|n| locs(&read(&format!("sitemaps/{n}.xml")), "urlset"))
                .collect();
            assert_eq!(parts.concat(), expected, "every page once, in order");
            let lengths: Vec<usize> = parts.iter().map(Vec::len).collect();
            assert!(
                lengths.iter().all(|&n| n <= per_file)
                    && lengths.iter().max().unwrap() - lengths.iter().min().unwrap() <= 1,
                "at most {per_file} each, about equal: {lengths:?}"
            );
        }
    }
}
