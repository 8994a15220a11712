//! Digest rendering: HTML pages (Tera, with the Listen control), Markdown
//! and plain text, the digest index and the Atom feed of digests.
//!
//! Input: a [`Digester`] over the archive and the theme. Output: files in
//! the staging folder —
//!
//! ```text
//! digests/index.html                         every period, newest first
//! digests/atom.xml                           org-wide digests
//! digests/2024-03/{index.html,digest.md,digest.txt}                 org-wide
//! digests/2024-03/teams/payments/{index.html,digest.md,digest.txt}  per team
//! ```
//!
//! Markdown and text are plain Rust formatting (they need no theme and are
//! cheap to produce for thousands of digests).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Result, bail};
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use super::compose::{feed_time, join_and};
use super::periods::{Period, PeriodKind};
use super::selection::Audience;
use super::{Digest, Digester, Prepared, QUESTIONS_LEAD};
use crate::archive::Archive;
use crate::config::Config;
use crate::output::Staging;
use crate::render::views::Views;
use crate::templates::Theme;

/// How many digests the Atom feed carries.
const FEED_ENTRIES: usize = 30;

/// An output format of `casebook digest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
    Text,
}

/// Whether a period kind gets a digest per team as well as the org-wide
/// one. Months and quarters do (for the teams some incident of the period
/// touches); weeks are org-wide only, which keeps a large archive's build
/// fast (a week has few incidents per team, and `casebook digest --period
/// 2024-W12 --audience TEAM` still prints any team's weekly digest).
fn team_digests(kind: PeriodKind) -> bool {
    kind != PeriodKind::Week
}

/// A link in the digest navigation.
#[derive(Serialize, Clone)]
struct Link {
    name: String,
    url: String,
}

/// A link to another team's digest of the same period, with what follows
/// it in the list (" · " or nothing).
#[derive(Serialize)]
struct TeamLink<'a> {
    name: &'a str,
    url: &'a str,
    sep: &'static str,
}

/// A period's links to its team digests, which every page of the period
/// shows: made into template values once per period and shared by the
/// pages, rather than serialized again for each (Tera's values hold lists
/// and long strings by reference count, and a value passes through
/// serialization as it is).
struct PeriodTeams {
    links: Vec<Link>,
    /// `nav.teams`: every link.
    all: Value,
    /// Each link as a [`TeamLink`], with its separator.
    with_sep: Vec<Value>,
}

impl PeriodTeams {
    fn new(links: Vec<Link>) -> Result<PeriodTeams> {
        let all = Value::try_from_serializable(&links)?;
        let with_sep = links
            .iter()
            .enumerate()
            .map(|(n, t)| {
                Value::try_from_serializable(&TeamLink {
                    name: &t.name,
                    url: &t.url,
                    sep: if n + 1 < links.len() { " · " } else { "" },
                })
            })
            .collect::<tera::TeraResult<_>>()?;
        Ok(PeriodTeams {
            links,
            all,
            with_sep,
        })
    }
}

/// Navigation around one digest page.
#[derive(Serialize)]
struct Nav<'a> {
    index: &'a str,
    /// The org-wide digest of the same period (on team pages).
    org: Option<String>,
    /// Team digests of the same period, shared by every page of the period.
    teams: &'a Value,
    /// `teams` without the page's own team, each with its separator: the
    /// list as the page shows it, worked out once here rather than with
    /// several template lookups per team on every page.
    team_links: Vec<Value>,
    previous: Option<Link>,
    next: Option<Link>,
    markdown: String,
    text: String,
}

/// One period in the digest index.
#[derive(Serialize)]
struct IndexEntry {
    key: String,
    title: String,
    range: String,
    url: String,
    total: usize,
    teams: usize,
    reading_time: String,
    severity_counts: Vec<super::SeverityCount>,
}

#[derive(Serialize)]
struct IndexYear<'a> {
    year: i16,
    entries: Vec<&'a IndexEntry>,
}

#[derive(Serialize)]
struct IndexKind<'a> {
    title: &'static str,
    noun: &'static str,
    years: Vec<IndexYear<'a>>,
}

#[derive(Serialize)]
struct FeedEntry {
    title: String,
    url: String,
    updated: String,
    summary: String,
    severity: Option<String>,
    categories: Vec<&'static str>,
}

#[derive(Serialize)]
struct Feed {
    title: String,
    url: String,
    self_url: String,
    updated: String,
}

/// Absolute URLs for Markdown, text and feeds.
pub struct Urls {
    /// `https://host` (no path) when the base URL is absolute, else empty.
    origin: String,
    /// `/` or `/sre/pm/`.
    base: String,
}

impl Urls {
    pub fn new(config: &Config) -> Urls {
        let absolute = config.absolute_base();
        let origin = match absolute.split_once("://") {
            Some((scheme, rest)) => {
                let host = rest.split('/').next().unwrap_or("");
                format!("{scheme}://{host}")
            }
            None => String::new(),
        };
        Urls {
            origin,
            base: config.base_path(),
        }
    }

    /// A site path (already under the base path) as a full URL.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// A path relative to the site root (`digests/2024-03/`) under the base.
    fn page(&self, relative: &str) -> String {
        format!("{}{relative}", self.base)
    }
}

/// What a full render of the digests keeps for serve, to re-render the
/// digests of an edited incident's periods, the index and the feed
/// without composing every other digest again: the digester's work and
/// the index's entries, one per org-wide digest.
pub struct KeptDigests {
    prepared: Option<Prepared>,
    entries: Vec<(Period, IndexEntry, FeedEntry)>,
}

/// Writes every digest, the index and the feed; returns the file count.
pub fn write_pages(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    views: &Views,
) -> Result<usize> {
    let digester = Digester::new(archive);
    write_periods(
        &digester,
        theme,
        staging,
        views,
        &|_, _| true,
        &mut Vec::new(),
    )
}

/// [`write_pages`], keeping what [`write_after_edit`] needs.
pub fn write_pages_keeping(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    views: &Views,
) -> Result<(usize, KeptDigests)> {
    let digester = Digester::new(archive);
    let mut entries = Vec::new();
    let files = write_periods(&digester, theme, staging, views, &|_, _| true, &mut entries)?;
    let kept = KeptDigests {
        prepared: Some(digester.into_prepared()),
        entries,
    };
    Ok((files, kept))
}

/// Writes the digests of the periods of incident `edited` again, with the
/// index and the feed, from what a full render kept (see
/// [`Digester::after_edit`] for the edits this is right for): those that
/// read or list it, or with `whole_periods` (an edit of what digests
/// count, pick and order by: its severity, impact or duration) every
/// digest of its periods. `action_days` are the days its completed action
/// items count on, before and after an edit of them (empty when they did
/// not change): every digest of their periods is written too, with the
/// completed items counted again. Returns the file count.
#[allow(clippy::too_many_arguments)]
pub fn write_after_edit(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    views: &Views,
    edited: usize,
    whole_periods: bool,
    action_days: &[jiff::civil::Date],
    kept: &mut KeptDigests,
) -> Result<usize> {
    let (Some(prepared), Some(incident)) = (kept.prepared.take(), archive.incidents.get(edited))
    else {
        bail!("no digests kept for incident {edited}");
    };
    let periods = PeriodKind::ALL.map(|kind| Period::containing(kind, incident.date));
    let counted: Vec<Period> = action_days
        .iter()
        .flat_map(|&day| PeriodKind::ALL.map(|kind| Period::containing(kind, day)))
        .collect();
    let digester = Digester::after_edit(archive, prepared, edited, !action_days.is_empty());
    // Otherwise the edit reaches a digest only through the incident's own
    // text, read aloud or listed: counts, trends and the rest stay as they were.
    let chosen = |period: Period, audience: &Audience| {
        counted.contains(&period)
            || periods.contains(&period)
                && (whole_periods
                    || digester.select(period, audience).is_some_and(|s| {
                        s.picks.iter().any(|p| p.index == edited) || s.more.contains(&edited)
                    }))
    };
    let files = write_periods(&digester, theme, staging, views, &chosen, &mut kept.entries)?;
    kept.prepared = Some(digester.into_prepared());
    Ok(files)
}

/// Writes the digests `chosen` picks (by period and audience), then the
/// index and the feed, with the entries of the org-wide digests written
/// replaced in `entries`; returns the file count.
fn write_periods(
    digester: &Digester,
    theme: &Theme,
    staging: &Staging,
    views: &Views,
    chosen: &(dyn Fn(Period, &Audience) -> bool + Sync),
    entries: &mut Vec<(Period, IndexEntry, FeedEntry)>,
) -> Result<usize> {
    let archive = digester.archive;
    let urls = Urls::new(&archive.config);
    let mut base_context = Context::new();
    base_context.insert("site", &views.site());

    // Which digests exist: every period with incidents, org-wide plus the
    // teams its incidents touch; with the links to the period's team
    // digests, which every page of the period shows.
    let plan: Vec<(Period, Vec<Audience>)> = digester
        .periods()
        .map(|p| {
            let mut audiences = digester.audiences(p);
            if !team_digests(p.kind) {
                audiences.truncate(1);
            }
            (p, audiences)
        })
        .collect();
    // Periods with a digest per (kind, team), for previous/next links.
    let mut series: Series = BTreeMap::new();
    for (period, audiences) in &plan {
        for audience in audiences {
            series
                .entry((period.kind, audience.team_slug()))
                .or_default()
                .push(*period);
        }
    }
    let chosen_plan: Vec<(Period, &[Audience], PeriodTeams)> = plan
        .iter()
        .filter(|(p, audiences)| audiences.iter().any(|a| chosen(*p, a)))
        .map(|(p, audiences)| {
            let teams = PeriodTeams::new(team_links(&urls, *p, audiences))?;
            Ok((*p, audiences.as_slice(), teams))
        })
        .collect::<Result<_>>()?;
    let jobs: Vec<(Period, &Audience, &[Audience], &PeriodTeams)> = chosen_plan
        .iter()
        .flat_map(|(p, audiences, teams)| {
            audiences
                .iter()
                .filter(|a| chosen(*p, a))
                .map(move |a| (*p, a, *audiences, teams))
        })
        .collect();
    let index_url = urls.page("digests/");

    // One digest per piece of work: rayon would otherwise split the jobs
    // into a few long runs, and the last kept one core busy while the
    // other idled, 150 ms at the end of a 10k build (perf, 2 kHz).
    let summaries: Vec<Option<(Period, IndexEntry, FeedEntry)>> = jobs
        .par_iter()
        .with_max_len(1)
        .map(|&(period, audience, audiences, teams)| {
            let Some(digest) = digester.digest(period, audience) else {
                return Ok(None);
            };
            let nav = nav(&urls, &index_url, &digest, period, audience, teams, &series);
            // Each page is rendered into the thread's own buffer, which
            // has grown to a page's size after the first few pages,
            // rather than into a new string that grows for every page.
            PAGE.with_borrow_mut(|page| {
                page.clear();
                html(theme, &base_context, &digest, &nav, page)?;
                staging.write(&format!("{}index.html", digest.path), page)
            })?;
            staging.write(
                &format!("{}digest.md", digest.path),
                markdown(&digest, &urls).as_bytes(),
            )?;
            staging.write(
                &format!("{}digest.txt", digest.path),
                text(&digest, &urls).as_bytes(),
            )?;
            if !matches!(audience, Audience::Org) {
                return Ok(None);
            }
            let url = urls.page(&digest.path);
            let featured = digest
                .featured()
                .map(|f| format!(" Featured: {}.", f.title.trim_end_matches('.')))
                .unwrap_or_default();
            let feed = FeedEntry {
                title: format!("Incident digest: {}", digest.title),
                url: urls.absolute(&url),
                updated: feed_time(digest.updated),
                summary: format!(
                    "{} incident{}. {}{featured}",
                    digest.total,
                    if digest.total == 1 { "" } else { "s" },
                    digest.trend
                ),
                severity: None,
                categories: vec![digest.kind],
            };
            let entry = IndexEntry {
                key: digest.key.clone(),
                title: digest.title.clone(),
                range: digest.range.clone(),
                url,
                total: digest.total,
                teams: audiences.len() - 1,
                reading_time: digest.reading_time.clone(),
                severity_counts: digest.severity_counts,
            };
            anyhow::Ok(Some((period, entry, feed)))
        })
        .collect::<Result<_>>()?;
    let files = jobs.len() * 3;

    let rewritten: Vec<Period> = jobs
        .iter()
        .filter(|(_, audience, _, _)| matches!(audience, Audience::Org))
        .map(|&(period, _, _, _)| period)
        .collect();
    entries.retain(|(period, _, _)| !rewritten.contains(period));
    entries.extend(summaries.into_iter().flatten());
    write_index_and_feed(
        archive,
        theme,
        staging,
        &base_context,
        &index_url,
        &urls,
        entries,
    )?;
    Ok(files + 2)
}

/// Writes `digests/atom.xml` and `digests/index.html` from `entries`.
fn write_index_and_feed(
    archive: &Archive,
    theme: &Theme,
    staging: &Staging,
    base_context: &Context,
    index_url: &str,
    urls: &Urls,
    entries: &[(Period, IndexEntry, FeedEntry)],
) -> Result<()> {
    // The feed: newest period end first; longer periods first on the same day.
    let mut feed: Vec<&(Period, IndexEntry, FeedEntry)> = entries.iter().collect();
    feed.sort_by(|a, b| {
        b.0.end()
            .cmp(&a.0.end())
            .then(a.0.kind.cmp(&b.0.kind).reverse())
    });
    let feed_entries: Vec<&FeedEntry> = feed.iter().take(FEED_ENTRIES).map(|e| &e.2).collect();
    let feed_view = Feed {
        title: format!("{}: incident digests", archive.config.title),
        url: urls.absolute(index_url),
        self_url: urls.absolute(&format!("{index_url}atom.xml")),
        updated: feed_entries
            .first()
            .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |e| e.updated.clone()),
    };
    let mut context = Context::new();
    context.insert("feed", &feed_view);
    context.insert("entries", &feed_entries);
    staging.write(
        "digests/atom.xml",
        theme.render("atom.xml", &context)?.as_bytes(),
    )?;

    // The index: quarters, months, weeks; each newest first, by year.
    let mut sorted: Vec<&(Period, IndexEntry, FeedEntry)> = entries.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut kinds: Vec<IndexKind> = PeriodKind::ALL
        .iter()
        .map(|&kind| IndexKind {
            title: match kind {
                PeriodKind::Quarter => "Quarters",
                PeriodKind::Month => "Months",
                PeriodKind::Week => "Weeks",
            },
            noun: kind.noun(),
            years: Vec::new(),
        })
        .collect();
    for (period, entry, _) in sorted {
        let Some(group) = kinds.iter_mut().find(|k| k.noun == period.kind.noun()) else {
            continue;
        };
        match group.years.last_mut() {
            Some(year) if year.year == period.year => year.entries.push(entry),
            _ => group.years.push(IndexYear {
                year: period.year,
                entries: vec![entry],
            }),
        }
    }
    let mut context = base_context.clone();
    context.insert("kinds", &kinds);
    context.insert("feed_url", &format!("{index_url}atom.xml"));
    staging.write(
        "digests/index.html",
        theme.render("digests.html", &context)?.as_bytes(),
    )?;
    Ok(())
}

/// Periods with a digest per (kind, team slug), in order: the series that
/// previous/next links walk.
type Series<'a> = BTreeMap<(PeriodKind, Option<&'a str>), Vec<Period>>;

/// Links to the team digests of a period, by slug.
fn team_links(urls: &Urls, period: Period, audiences: &[Audience]) -> Vec<Link> {
    let key = period.key();
    audiences
        .iter()
        .filter_map(|a| match a {
            Audience::Team { slug, name } => Some(Link {
                name: name.clone(),
                url: urls.page(&format!("digests/{key}/teams/{slug}/")),
            }),
            Audience::Org => None,
        })
        .collect()
}

fn nav<'n>(
    urls: &Urls,
    index_url: &'n str,
    digest: &Digest,
    period: Period,
    audience: &Audience,
    teams: &'n PeriodTeams,
    series: &Series,
) -> Nav<'n> {
    let team = audience.team_slug();
    let link_to = |p: Period| {
        let path = match team {
            None => format!("digests/{}/", p.key()),
            Some(slug) => format!("digests/{}/teams/{slug}/", p.key()),
        };
        Link {
            name: p.title(),
            url: urls.page(&path),
        }
    };
    let (previous, next) = match series.get(&(period.kind, team)) {
        Some(list) => match list.binary_search(&period) {
            Ok(at) => (
                at.checked_sub(1).map(|i| link_to(list[i])),
                list.get(at + 1).map(|&p| link_to(p)),
            ),
            Err(_) => (None, None),
        },
        None => (None, None),
    };
    // As the list always read: every team but the page's own (by name), a
    // separator after each but the last of all teams.
    let own = digest.team.as_ref().map(|t| t.name.as_str());
    let team_links = teams
        .links
        .iter()
        .zip(&teams.with_sep)
        .filter(|(t, _)| own != Some(t.name.as_str()))
        .map(|(_, value)| value.clone())
        .collect();
    Nav {
        index: index_url,
        org: team.map(|_| urls.page(&format!("digests/{}/", period.key()))),
        teams: &teams.all,
        team_links,
        previous,
        next,
        markdown: urls.page(&format!("{}digest.md", digest.path)),
        text: urls.page(&format!("{}digest.txt", digest.path)),
    }
}

thread_local! {
    /// The digest page being rendered on this thread.
    static PAGE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Appends the digest's HTML page to `out`.
fn html(
    theme: &Theme,
    base: &Context,
    digest: &Digest,
    nav: &Nav<'_>,
    out: &mut Vec<u8>,
) -> Result<()> {
    let mut context = base.clone();
    context.insert("digest", digest);
    context.insert("nav", nav);
    context.insert("questions_lead", QUESTIONS_LEAD);
    theme.render_into("digest.html", &context, out)
}

/// `Incident digest: March 2024 — payments team`.
fn heading(digest: &Digest) -> String {
    match &digest.team {
        None => format!("Incident digest: {}", digest.title),
        Some(t) => format!("Incident digest: {} — {} team", digest.title, t.name),
    }
}

fn severity_summary(digest: &Digest) -> String {
    let mut parts: Vec<String> = digest
        .severity_counts
        .iter()
        .map(|c| format!("{} × {}", c.name, c.count))
        .collect();
    let rated: usize = digest.severity_counts.iter().map(|c| c.count).sum();
    if digest.total > rated {
        parts.push(format!("unrated × {}", digest.total - rated));
    }
    parts.join(" · ")
}

/// Markdown link text appended to `out`, brackets (and backslashes)
/// escaped, a run of plain characters at a time.
fn push_md_text(text: &str, out: &mut String) {
    let mut copied = 0;
    for (at, b) in text.bytes().enumerate() {
        if matches!(b, b'\\' | b'[' | b']') {
            out.push_str(&text[copied..at]);
            out.push('\\');
            copied = at;
        }
    }
    out.push_str(&text[copied..]);
}

/// The digest as Markdown, for e-mail and chat: the spoken text, with a
/// link to every full postmortem.
pub fn markdown(digest: &Digest, urls: &Urls) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let _ = writeln!(out, "# {}\n", heading(digest));
    let _ = writeln!(
        out,
        "_{} · {} incident{} · reading time {}_\n",
        digest.range,
        digest.total,
        if digest.total == 1 { "" } else { "s" },
        digest.reading_time
    );
    let severities = severity_summary(digest);
    if !severities.is_empty() {
        let _ = writeln!(out, "**By severity:** {severities}\n");
    }
    for line in &digest.intro {
        push_paragraph(&mut out, "", line);
    }
    for (n, item) in digest.items.iter().enumerate() {
        let _ = writeln!(
            out,
            "## {}. {} ({})\n",
            n + 1,
            item.heading.trim_end_matches('.'),
            item.reading_time
        );
        // The meta line: severity · date · teams · reason.
        out.push('_');
        if let Some(s) = &item.severity {
            out.push_str(&s.name);
            out.push_str(" · ");
        }
        out.push_str(&item.date);
        if !item.teams.is_empty() {
            out.push_str(" · ");
            out.push_str(&join_and(&item.teams));
        }
        if let Some(reason) = &item.reason {
            out.push_str(" · ");
            out.push_str(reason);
        }
        out.push_str("_\n\n");
        for p in &item.paragraphs {
            push_paragraph(&mut out, "", p);
        }
        if let Some(lesson) = &item.lesson {
            push_paragraph(&mut out, "> ", lesson);
        }
        for a in &item.actions {
            out.push_str("- ");
            out.push_str(a);
            out.push('\n');
        }
        if !item.actions.is_empty() {
            out.push('\n');
        }
        push_md_link(
            &mut out,
            "Read the full postmortem: ",
            &item.title,
            urls,
            &item.url,
        );
        out.push_str("\n\n");
    }
    if !digest.more.is_empty() {
        let _ = writeln!(out, "## Also this {} (not read aloud)\n", digest.kind);
        for more in &digest.more {
            out.push_str("- ");
            push_md_link(&mut out, "", &more.title, urls, &more.url);
            out.push_str(" — ");
            if let Some(severity) = &more.severity {
                out.push_str(severity);
                out.push_str(", ");
            }
            out.push_str(&more.date);
            out.push('\n');
        }
        if digest.more_total > digest.more.len() {
            let _ = writeln!(out, "- and {} more", digest.more_total - digest.more.len());
        }
        out.push('\n');
    }
    if !digest.questions.is_empty() {
        let _ = writeln!(out, "## {}\n", QUESTIONS_LEAD.trim_end_matches('.'));
        for (n, q) in digest.questions.iter().enumerate() {
            let _ = writeln!(out, "{}. {q}", n + 1);
        }
        out.push('\n');
    }
    out.push_str(&digest.outro);
    out.push('\n');
    out
}

/// `[lead title](https://host/path)`, the title escaped.
fn push_md_link(out: &mut String, lead: &str, title: &str, urls: &Urls, path: &str) {
    out.push('[');
    out.push_str(lead);
    push_md_text(title, out);
    out.push_str("](");
    out.push_str(&urls.origin);
    out.push_str(path);
    out.push(')');
}

/// `prefix`, `text` and a blank line.
fn push_paragraph(out: &mut String, prefix: &str, text: &str) {
    out.push_str(prefix);
    out.push_str(text);
    out.push_str("\n\n");
}

/// The digest as plain text: the script to read aloud, then (after a
/// separator, not read aloud) the links to the full postmortems.
pub fn text(digest: &Digest, urls: &Urls) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let title = heading(digest);
    let _ = writeln!(out, "{title}\n{}\n", "=".repeat(title.chars().count()));
    let _ = writeln!(
        out,
        "{} · {} incident{} · reading time {}\n",
        digest.range,
        digest.total,
        if digest.total == 1 { "" } else { "s" },
        digest.reading_time
    );
    for line in &digest.intro {
        push_paragraph(&mut out, "", line);
    }
    for (n, item) in digest.items.iter().enumerate() {
        let _ = writeln!(out, "{}. {} ({})\n", n + 1, item.heading, item.reading_time);
        for p in &item.paragraphs {
            push_paragraph(&mut out, "", p);
        }
        if let Some(lesson) = &item.lesson {
            push_paragraph(&mut out, "", lesson);
        }
        for a in &item.actions {
            out.push_str(a);
            out.push('\n');
        }
        if !item.actions.is_empty() {
            out.push('\n');
        }
    }
    if !digest.questions.is_empty() {
        let _ = writeln!(out, "{QUESTIONS_LEAD}\n");
        for q in &digest.questions {
            out.push_str("- ");
            out.push_str(q);
            out.push('\n');
        }
        out.push('\n');
    }
    push_paragraph(&mut out, "", &digest.outro);
    out.push_str("-- \nFull postmortems (not read aloud):\n");
    for (n, item) in digest.items.iter().enumerate() {
        let _ = write!(out, "{}. ", n + 1);
        push_link_line(&mut out, &item.title, urls, &item.url);
    }
    for more in &digest.more {
        out.push_str("- ");
        push_link_line(&mut out, &more.title, urls, &more.url);
    }
    if digest.more_total > digest.more.len() {
        let _ = writeln!(out, "- and {} more", digest.more_total - digest.more.len());
    }
    out
}

/// `title <https://host/path>` and a line break.
fn push_link_line(out: &mut String, title: &str, urls: &Urls, path: &str) {
    out.push_str(title);
    out.push_str(" <");
    out.push_str(&urls.origin);
    out.push_str(path);
    out.push_str(">\n");
}

/// Renders one digest for `casebook digest`. `audience` is a team name or
/// slug; `None` is the org-wide digest. HTML needs the theme.
pub fn render_one(
    archive: &Archive,
    theme: Option<&Theme>,
    period: Period,
    audience: Option<&str>,
    format: Format,
) -> Result<String> {
    let digester = Digester::new(archive);
    if digester.incidents_in(period).is_empty() {
        bail!(
            "{} ({}) has no incidents, so it has no digest (periods without incidents produce none)",
            period.title(),
            period.key()
        );
    }
    let audience = match audience {
        None => Audience::Org,
        Some(name) => digester.routing().team(name),
    };
    let Some(digest) = digester.digest(period, &audience) else {
        let teams: Vec<String> = digester
            .audiences(period)
            .iter()
            .filter_map(|a| a.team_slug().map(str::to_string))
            .collect();
        bail!(
            "no incident of {} touches team {:?} (its own incidents, services it depends_on, or share_with); teams with a digest then: {}",
            period.key(),
            audience.team_slug().unwrap_or(""),
            if teams.is_empty() {
                "none".to_string()
            } else {
                teams.join(", ")
            }
        );
    };
    let urls = Urls::new(&archive.config);
    Ok(match format {
        Format::Markdown => markdown(&digest, &urls),
        Format::Text => text(&digest, &urls),
        Format::Html => {
            let Some(theme) = theme else {
                bail!("HTML digests need the theme");
            };
            let views = Views::new(archive);
            let mut base = Context::new();
            base.insert("site", &views.site());
            let teams = PeriodTeams::new(team_links(&urls, period, &digester.audiences(period)))?;
            let mut series: Series = BTreeMap::new();
            for p in digester.periods().filter(|p| p.kind == period.kind) {
                if digester.count(p, &audience) > 0 {
                    series
                        .entry((p.kind, audience.team_slug()))
                        .or_default()
                        .push(p);
                }
            }
            let index_url = urls.page("digests/");
            let nav = nav(
                &urls, &index_url, &digest, period, &audience, &teams, &series,
            );
            let mut page = Vec::new();
            html(theme, &base, &digest, &nav, &mut page)?;
            String::from_utf8(page)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::push_md_text;

    #[test]
    fn markdown_link_text_escapes_brackets_and_backslashes() {
        let mut out = String::from("[");
        push_md_text(r"a [b] \ c]", &mut out);
        assert_eq!(out, r"[a \[b\] \\ c\]");
        let mut plain = String::new();
        push_md_text("naïve — ok", &mut plain);
        assert_eq!(plain, "naïve — ok");
    }
}
