//! Serve's quick update: after one postmortem's edit, re-renders only the
//! pages that show what changed, from the model a full render kept.
//!
//! Most edits while writing touch a postmortem's prose (its sections and
//! timeline), which only its own page, the digests of its periods (with
//! the digest index and feed), the feeds that list it (their entries carry
//! its last-updated time) and `incidents.json` show
//! ([`update_export_after_edit`]). An edit of its title, summary, tags,
//! severity, impact, times or action items (keeping their owners) also
//! reaches the listings that show it, the pages of its neighbours and
//! related incidents, the dashboards and digests of its periods (and of
//! its completed items' days): the taxonomies, related incidents and
//! repeats are derived again and compared with the kept ones, and only the
//! pages whose inputs moved are rendered. An edit of what routes or names
//! digests (teams, services, authors, owners), or one that adds or removes
//! a term, fans out further: [`reach`] declines it, and serve's full
//! rebuild does the work.
//! The static search index has an update of its own
//! (`crate::search::update`).

use std::collections::{BTreeSet, HashSet};

use anyhow::Result;
use rayon::prelude::*;

use super::views::Views;
use super::{RecentCards, Rendered, Renderer, feeds, json_export};
use crate::archive::{Archive, Derived, Taxonomy};
use crate::dashboards::metrics::missing_parts;
use crate::dashboards::repeats;
use crate::incident::{ActionItem, Incident};
use crate::output::Staging;
use crate::templates::Theme;

/// How far an edit reaches beyond its incident's own page.
pub enum Reach {
    /// Its digests and feeds, the sitemap and the export: an edit of its
    /// prose or of its last-updated time.
    Own,
    /// Also the pages that show its card, terms, severity, impact or
    /// times: listings, neighbours' and related incidents' pages, the
    /// dashboards and every digest of its periods. The archive was
    /// derived again; this is what it derived before the edit.
    Listings(Derived),
}

/// How far the edit from `old` to incident `index` of `archive` reaches
/// (after [`Archive::patch`]); for one that reaches listings, derives the
/// archive's taxonomies and related incidents again. None when only a
/// full render shows it: an edit of what routes or names digests (teams,
/// services, authors, sharing, action items' owners), of its date,
/// status or links, or one that adds or removes a term (a page of its
/// own, in the sitemap).
pub fn reach(archive: &mut Archive, index: usize, old: &Incident) -> Option<Reach> {
    match extent(old, archive.incidents.get(index)?) {
        Extent::Own => Some(Reach::Own),
        Extent::Site => None,
        Extent::Listings => {
            let new = &archive.incidents[index];
            // Teams, services and dates are not among listing edits: tags
            // and severity are the terms it can move between, and tags
            // what relates it to others.
            let terms = old.tags != new.tags || old.severity != new.severity;
            let related = old.tags != new.tags;
            let before = archive.rederive(terms, related);
            let kept_terms = before
                .taxonomies
                .as_ref()
                .is_none_or(|taxonomies| same_terms(taxonomies, &archive.taxonomies));
            kept_terms.then_some(Reach::Listings(before))
        }
    }
}

/// Re-renders into `staging` the pages other than its own that incident
/// `index` shows on, now that it is in `archive` in place of `old`, as far
/// as the edit reaches (its own page is [`super::incident_page`]; with
/// [`Reach::Listings`], its own page too, with its related incidents and
/// repeats derived anew). The cards, repeats and digests' work kept in
/// `rendered` follow; `sitemap_pages` are what the sitemap lists.
#[allow(clippy::too_many_arguments)]
pub fn update_after_edit(
    archive: &Archive,
    theme: &Theme,
    rendered: &mut Rendered,
    index: usize,
    old: &Incident,
    reach: &Reach,
    sitemap_pages: &[String],
    staging: &Staging,
) -> Result<()> {
    let Some(new) = archive.incidents.get(index) else {
        anyhow::bail!("no incident {index} in the archive");
    };
    let views = Views::new(archive);
    if feeds::sitemap_day(old) != feeds::sitemap_day(new) {
        feeds::write_sitemap_of(archive, theme, staging, sitemap_pages)?;
    }
    // Taken out, so the digests are written beside the other pages.
    let Some(mut digests) = rendered.digests.take() else {
        anyhow::bail!("the full render kept no digests for edits");
    };
    let whole_periods = old.severity != new.severity
        || old.customer_impact != new.customer_impact
        || old.data_loss != new.data_loss
        || old.durations != new.durations;
    // The days its completed action items count on, before and after.
    let action_days: Vec<jiff::civil::Date> = if same_actions(&old.action_items, &new.action_items)
    {
        Vec::new()
    } else {
        old.action_items
            .iter()
            .chain(&new.action_items)
            .filter(|item| item.status == crate::incident::ActionStatus::Done)
            .filter_map(|item| item.closed.or(item.due))
            .collect()
    };
    let digested = || {
        crate::digest::render::write_after_edit(
            archive,
            theme,
            staging,
            &views,
            index,
            whole_periods,
            &action_days,
            &mut digests,
        )
    };
    let (others, digested) = match reach {
        Reach::Own => {
            let feeds = || {
                if old.updated == new.updated {
                    return Ok(());
                }
                feeds::write_feeds(archive, &views, staging, theme, &|_, newest| {
                    newest.contains(&index)
                })
                .map(drop)
            };
            rayon::join(feeds, digested)
        }
        Reach::Listings(before) => rayon::join(
            || {
                update_listings(
                    archive, theme, &views, rendered, index, old, before, staging,
                )
            },
            digested,
        ),
    };
    rendered.digests = Some(digests);
    others.and(digested.map(drop))
}

/// The pages an edit that reaches listings changes, besides the digests
/// and sitemap: the incident pages that show its card or whose related
/// incidents or repeats moved, the term pages that list it or whose
/// incidents moved, each taxonomy's list of terms whose counts moved, the
/// home page, the feeds that list it or whose term's incidents moved, and
/// the dashboards.
#[allow(clippy::too_many_arguments)]
fn update_listings(
    archive: &Archive,
    theme: &Theme,
    views: &Views,
    rendered: &mut Rendered,
    index: usize,
    old: &Incident,
    before: &Derived,
    staging: &Staging,
) -> Result<()> {
    let new = &archive.incidents[index];
    let renderer = Renderer::new(archive, theme, Some(staging), views);
    let card = renderer.card(new)?;
    let card_moved =
        card != rendered.cards[index] || views.card_value(old) != views.card_value(new);
    rendered.cards[index] = card;
    let Rendered {
        cards,
        repeats,
        repeat_text,
        dashboards,
        ..
    } = rendered;
    let Some(crate::dashboards::KeptDashboards {
        actions,
        metrics: facts,
    }) = dashboards.as_mut()
    else {
        anyhow::bail!("the full render kept no dashboards for edits");
    };
    let cards = &*cards;
    let related_before = before.related.as_ref().unwrap_or(&archive.related);
    let taxonomies_before = before.taxonomies.as_ref().unwrap_or(&archive.taxonomies);
    let shows_card = |list: &[usize]| card_moved && list.contains(&index);
    let moved_terms = moved_terms(archive, taxonomies_before, views, shows_card);

    // What lists it, beside what shows its repeats (found again first).
    let listings = || -> Result<()> {
        archive
            .taxonomies
            .par_iter()
            .zip(taxonomies_before)
            .try_for_each(|(taxonomy, was)| {
                let counts_moved = taxonomy
                    .terms
                    .iter()
                    .zip(&was.terms)
                    .any(|(t, w)| t.incidents.len() != w.incidents.len());
                let chosen = |term: &crate::archive::Term| {
                    moved_terms.contains(&views.term_url(taxonomy.key, &term.name))
                };
                renderer
                    .taxonomy_pages(taxonomy, cards, &chosen, counts_moved)
                    .map(drop)
            })?;
        renderer.home(cards)?;
        feeds::write_feeds(archive, views, staging, theme, &|page, newest| {
            newest.contains(&index) || moved_terms.contains(page)
        })
        .map(drop)
    };
    let edit = || crate::dashboards::Edit {
        archive,
        theme,
        staging,
        views,
    };
    // Its action items' rows show its title and severity, and the page
    // counts them by severity; it reads no repeats, so it is written
    // while they are found again.
    let actions_page = || {
        let items_moved = !same_actions(&old.action_items, &new.action_items);
        let rows_moved = old.title != new.title || old.severity != new.severity || items_moved;
        if new.action_items.is_empty() || !rows_moved {
            return Ok(());
        }
        let figures_moved = old.severity != new.severity;
        crate::dashboards::write_actions_after_edit(
            edit(),
            index,
            figures_moved,
            items_moved,
            actions,
        )
    };
    let repeated = || -> Result<()> {
        // Repeat detection reads the text and the services and tags of
        // every incident (a term's size weighs it): detected again when
        // they moved, from the text it read before but this incident's.
        let text_moved = !repeats::same_text(old, new);
        let earlier_before = if text_moved || old.tags != new.tags {
            let Some(text) = repeat_text.as_mut() else {
                anyhow::bail!("the full render kept no text of repeat detection for edits");
            };
            if text_moved {
                text.update(archive, index);
            }
            Some(std::mem::replace(repeats, repeats::detect_in(archive, text)).earlier)
        } else {
            None
        };
        let repeats = &*repeats;
        let earlier = &repeats.earlier;
        let earlier_before = earlier_before.as_ref().unwrap_or(earlier);
        let mut pages: BTreeSet<usize> = (0..archive.incidents.len())
            .into_par_iter()
            .filter(|&j| {
                archive.related[j] != related_before[j]
                    || earlier[j] != earlier_before[j]
                    || shows_card(&archive.related[j])
                    || shows_card(&earlier[j])
            })
            .collect();
        pages.insert(index);
        if card_moved {
            // Its neighbours' pages link to it by its title.
            pages.extend(index.checked_sub(1));
            pages.extend(Some(index + 1).filter(|&i| i < archive.incidents.len()));
        }
        let incident_pages = || {
            pages
                .par_iter()
                .try_for_each_init(RecentCards::default, |recent, &j| {
                    renderer.incident_page(j, cards, &earlier[j], recent)
                })
        };
        let repeat_moved =
            (0..earlier.len()).filter(|&j| earlier[j].is_empty() != earlier_before[j].is_empty());
        let touched: Vec<usize> = metrics_read_moved(old, new)
            .then_some(index)
            .into_iter()
            .chain(repeat_moved)
            .collect();
        let dashboards = || {
            crate::dashboards::write_repeats_and_metrics_after_edit(
                edit(),
                repeats,
                &touched,
                facts,
            )
        };
        let (pages, dashboards) = rayon::join(incident_pages, dashboards);
        pages.and(dashboards)
    };
    let ((listed, actions_written), repeated) =
        rayon::join(|| rayon::join(listings, actions_page), repeated);
    listed.and(actions_written).and(repeated)
}

/// Whether the metrics pages read what the edit from `old` to `new`
/// changed: its severity, impact, durations or completeness, or the title
/// an incomplete postmortem is listed by.
fn metrics_read_moved(old: &Incident, new: &Incident) -> bool {
    !same_actions(&old.action_items, &new.action_items)
        || old.severity != new.severity
        || old.customer_impact != new.customer_impact
        || old.durations != new.durations
        || missing_parts(old) != missing_parts(new)
        || (old.title != new.title && !missing_parts(new).is_empty())
}

/// The URLs of the term pages whose incidents moved, or that list a card
/// `shows_card` says moved.
fn moved_terms(
    archive: &Archive,
    before: &[Taxonomy],
    views: &Views,
    shows_card: impl Fn(&[usize]) -> bool,
) -> HashSet<String> {
    let mut moved = HashSet::new();
    for (taxonomy, was) in archive.taxonomies.iter().zip(before) {
        for (term, old_term) in taxonomy.terms.iter().zip(&was.terms) {
            if term.incidents != old_term.incidents || shows_card(&term.incidents) {
                moved.insert(views.term_url(taxonomy.key, &term.name));
            }
        }
    }
    moved
}

/// Whether two derivations have the same taxonomies with the same terms,
/// by name (a term's pages and feed are named after it).
fn same_terms(before: &[Taxonomy], after: &[Taxonomy]) -> bool {
    before.len() == after.len()
        && before.iter().zip(after).all(|(b, a)| {
            b.key == a.key
                && b.terms.len() == a.terms.len()
                && b.terms
                    .iter()
                    .zip(&a.terms)
                    .all(|(b, a)| b.name == a.name && b.slug == a.slug)
        })
}

/// Writes `incidents.json` into `staging` again, with incident `index`
/// serialised anew into the export the full render kept. Apart from
/// [`update_after_edit`] because it is large (83 MB for 10,000
/// postmortems): serve writes it after the pages and the search index,
/// which the browser shows. Only for an edit [`reach`] allows: one that
/// moved the incident in the archive's order would leave its object in
/// the wrong place. False (and nothing written) when the edit does not
/// show in the export.
pub fn update_export_after_edit(
    archive: &Archive,
    rendered: &mut Rendered,
    index: usize,
    staging: &Staging,
) -> Result<bool> {
    let Some(json) = rendered.json.as_mut() else {
        anyhow::bail!("the full render kept no JSON export for edits");
    };
    json_export::rewrite_one(archive, staging, json, index)
}

/// How far an edit reaches, by the fields it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extent {
    Own,
    Listings,
    Site,
}

/// How far the edit from `old` to `new` reaches: beyond the incident's
/// own page, its digests, its feeds, the sitemap and the JSON export
/// (its prose), to the pages that show its card, terms, severity, impact,
/// times or action items and what repeat detection and the dashboards
/// read of it (listings), or to what routes or names digests or links
/// incidents (the whole site).
fn extent(old: &Incident, new: &Incident) -> Extent {
    // Every field named, without `..`: a new field is a compile error here
    // until it is sorted into what other pages show or what they do not.
    let Incident {
        id,
        source,
        title,
        date,
        severity,
        status,
        times,
        durations,
        teams,
        services,
        tags,
        customer_impact,
        data_loss,
        summary,
        authors,
        action_items,
        related,
        recurrence_of,
        share_with,
        digest,
        // Shown on its own page, in its digests (as text read aloud, word
        // counts) and in the export only; `updated` also in its feeds' entries
        // and the sitemap, which the update writes when it moves.
        extra: _,
        sections: _,
        timeline: _,
        has_mermaid: _,
        word_count: _,
        updated: _,
    } = new;
    let site = old.id != *id
        || old.source != *source
        || old.date != *date
        || old.status != *status
        || old.teams != *teams
        || old.services != *services
        || old.authors != *authors
        || old.related != *related
        || old.recurrence_of != *recurrence_of
        || old.share_with != *share_with
        || old.digest != *digest
        // Owners name people digests read aloud and teams they route to.
        || !same_owners(&old.action_items, action_items);
    let listings = !same_actions(&old.action_items, action_items)
        || old.title != *title
        || old.severity != *severity
        || old.summary != *summary
        || old.tags != *tags
        || old.customer_impact != *customer_impact
        || old.data_loss != *data_loss
        || old.times != *times
        || old.durations != *durations
        // What the sections and timeline feed beyond its own pages: the
        // metrics pages' count of complete postmortems, repeat detection.
        || missing_parts(old) != missing_parts(new)
        || !repeats::same_text(old, new);
    if site {
        Extent::Site
    } else if listings {
        Extent::Listings
    } else {
        Extent::Own
    }
}

/// Whether two lists of action items have the same owners, in order.
fn same_owners(old: &[ActionItem], new: &[ActionItem]) -> bool {
    old.len() == new.len() && old.iter().zip(new).all(|(a, b)| a.owner == b.owner)
}

/// Whether two lists of action items read the same on every page (their
/// source lines, which only the JSON export gives, may differ).
fn same_actions(old: &[ActionItem], new: &[ActionItem]) -> bool {
    fn shown(a: &ActionItem) -> impl PartialEq + '_ {
        (
            (&a.id, &a.title, &a.owner, a.due, a.status),
            (&a.kind, &a.priority, &a.ticket, a.closed),
        )
    }
    old.len() == new.len() && old.iter().zip(new).all(|(a, b)| shown(a) == shown(b))
}
