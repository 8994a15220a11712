//! Serve's quick update: after one postmortem's edit, re-renders only the
//! pages that show what changed, from the model a full render kept.
//!
//! Most edits while writing touch a postmortem's prose (its sections and
//! timeline), which only its own page, the digests of its periods (with
//! the digest index and feed), the feeds that list it (their entries carry
//! its last-updated time) and `incidents.json` show
//! ([`update_export_after_edit`]). An edit to anything
//! other pages show of it (its card, its terms, what the dashboards count,
//! what repeat detection and digest routing read) fans out across the
//! site: [`update_after_edit`] then declines, and serve's full rebuild
//! does the work. The static search index has an update of its own
//! (`crate::search::update`).

use anyhow::Result;

use super::views::Views;
use super::{Rendered, feeds, json_export};
use crate::archive::Archive;
use crate::dashboards::metrics::missing_parts;
use crate::dashboards::repeats;
use crate::incident::{ActionItem, Incident};
use crate::output::Staging;
use crate::templates::Theme;

/// Re-renders into `staging` the pages other than its own that incident
/// `index` shows on, now that it is in `archive` in place of `old` (its
/// own page is [`super::incident_page`]); the digests' kept work in
/// `rendered` follows, and `sitemap_pages` are what the sitemap lists.
/// Only for an edit that [`stays_local`] (an error otherwise: the pages
/// it reaches need a full render).
pub fn update_after_edit(
    archive: &Archive,
    theme: &Theme,
    rendered: &mut Rendered,
    index: usize,
    old: &Incident,
    sitemap_pages: &[String],
    staging: &Staging,
) -> Result<()> {
    if !stays_local(archive, index, old) {
        anyhow::bail!("the edit shows on pages only a full render writes");
    }
    let new = &archive.incidents[index];
    let views = Views::new(archive);
    if old.updated != new.updated {
        feeds::write_feeds(archive, &views, staging, theme, &|newest| {
            newest.contains(&index)
        })?;
    }
    if feeds::sitemap_day(old) != feeds::sitemap_day(new) {
        feeds::write_sitemap_of(archive, theme, staging, sitemap_pages)?;
    }
    let Some(digests) = rendered.digests.as_mut() else {
        anyhow::bail!("the full render kept no digests for edits");
    };
    crate::digest::render::write_after_edit(archive, theme, staging, &views, index, digests)?;
    Ok(())
}

/// Writes `incidents.json` into `staging` again, with incident `index`
/// serialised anew into the export the full render kept. Apart from
/// [`update_after_edit`] because it is large (83 MB for 10,000
/// postmortems): serve writes it after the pages and the search index,
/// which the browser shows. Only for an edit that [`stays_local`]: one
/// that moves the incident in the archive's order would leave its object
/// in the wrong place.
pub fn update_export_after_edit(
    archive: &Archive,
    rendered: &mut Rendered,
    index: usize,
    staging: &Staging,
) -> Result<()> {
    let Some(json) = rendered.json.as_mut() else {
        anyhow::bail!("the full render kept no JSON export for edits");
    };
    json_export::rewrite_one(archive, staging, json, index)
}

/// Whether the edit from `old` to incident `index` of `archive` shows only
/// on the pages [`update_after_edit`] renders (and in the export).
pub fn stays_local(archive: &Archive, index: usize, old: &Incident) -> bool {
    archive
        .incidents
        .get(index)
        .is_some_and(|new| !fans_out(old, new))
}

/// Whether the edit from `old` to `new` changes a page other than the
/// incident's own, its digests, its feeds, the sitemap and the JSON
/// export: its card or terms (listings, neighbours' pages), what the
/// dashboards count, the text repeat detection compares, or who digests
/// route it to or name.
fn fans_out(old: &Incident, new: &Incident) -> bool {
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
    old.id != *id
        || old.source != *source
        || old.date != *date
        || old.status != *status
        || old.title != *title
        || old.severity != *severity
        || old.summary != *summary
        || old.teams != *teams
        || old.services != *services
        || old.tags != *tags
        || old.customer_impact != *customer_impact
        || old.data_loss != *data_loss
        || old.authors != *authors
        || old.related != *related
        || old.recurrence_of != *recurrence_of
        || old.share_with != *share_with
        || old.digest != *digest
        || old.times != *times
        || old.durations != *durations
        || !same_actions(&old.action_items, action_items)
        // What the sections and timeline feed beyond its own pages: the
        // metrics pages' count of complete postmortems, repeat detection.
        || missing_parts(old) != missing_parts(new)
        || !repeats::same_text(old, new)
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
