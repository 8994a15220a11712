//! Serve's quick path after an edit: the edited page at once, then the
//! other pages that show the edit and, beside them, the static search
//! index, then the JSON export, written into the served site from the
//! model the last full build kept. The full rebuild that follows covers
//! the rest (the tantivy index in the cache, and every edit that reaches
//! further than these pages).

use std::path::Path;

use anyhow::{Context, Result};

use crate::incident::Incident;
use crate::search::KeptSearch;
use crate::search::update::Changes;
use crate::site::Kept;

/// An edit serve has put into its kept model.
pub struct Edit {
    /// The edited page, under the site root.
    pub page: String,
    /// The incident's index in the model.
    pub index: usize,
    /// The incident as it was before the edit.
    pub old: Incident,
}

/// Serve's fast path: when `changed` is a postmortem of the kept model
/// whose edit leaves its id, date and status alone (and adds no secret),
/// puts it into the model, re-renders its page with the model's cards and
/// writes it into the site at once. None when the full rebuild has to do it.
pub fn preview_page(kept: &mut Kept, root: &Path, site_dir: &Path, changed: &Path) -> Option<Edit> {
    let relative = changed.strip_prefix(root).ok()?;
    let mut incident = crate::content::load_one(root, &kept.archive.config, relative)?;
    let secrets = crate::check::secret_findings_in(
        &[incident.source.as_path()],
        &kept.archive.config.check,
        root,
    );
    if !secrets.is_empty() {
        return None;
    }
    let &index = kept.archive.by_id.get(&incident.id)?;
    // Dated as a full build would: by its commit, else by its file's time.
    incident.updated = if kept.committed.contains(&incident.source) {
        kept.archive.incidents[index].updated
    } else {
        crate::history::file_time(changed)
    };
    let (index, old) = kept.archive.patch(incident)?;
    let html =
        crate::render::incident_page(&kept.archive, &kept.theme, &kept.rendered, index).ok()?;
    let page = format!("incidents/{}/index.html", kept.archive.incidents[index].id);
    let path = site_dir.join(&page);
    // Renamed into place, so a request never reads half a page.
    let temporary = path.with_file_name(".index.html.preview");
    std::fs::write(&temporary, html).ok()?;
    std::fs::rename(&temporary, &path).ok()?;
    Some(Edit { page, index, old })
}

/// What [`update_affected`] did beside the pages.
pub struct Affected {
    /// How writing `incidents.json` went.
    pub export: Result<()>,
    /// How updating the static search index went; None when the build
    /// kept none to update (`--no-search`, or an earlier edit reached
    /// further than the quick path).
    pub search: Option<Result<Changes>>,
}

/// A part of [`update_affected`]'s work, once its files are in the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The pages that show the edit: this many files changed.
    Pages(usize),
    /// The static search index: this many files changed or went.
    SearchIndex(usize),
    /// `incidents.json`: whether it was rewritten (false when the edit
    /// left the incident's object in it the same).
    Export(bool),
}

/// After [`preview_page`]: the other pages that show the edit (its
/// digests and feeds and the sitemap, and for an edit of what listings
/// show, the listings, neighbours' and related pages and dashboards; see
/// [`crate::render::reach`]) and the static search index, side by side,
/// then `incidents.json`, each renamed into the site. `written` hears of
/// each as soon as its files are in the site. None (and nothing written)
/// when the edit reaches pages only a full build renders.
pub fn update_affected(
    kept: &mut Kept,
    site_dir: &Path,
    edit: &Edit,
    written: &(dyn Fn(Written) + Sync),
) -> Result<Option<Affected>> {
    let Some(reach) = crate::render::reach(&mut kept.archive, edit.index, &edit.old) else {
        // The kept analysis no longer matches the model: the full
        // rebuild's comes with the next model.
        kept.search = None;
        return Ok(None);
    };
    // With the record of the site's files, a page rendered the same is
    // known to be so without reading the site's copy. The full rebuild
    // that follows makes a new record.
    let outputs = std::mem::take(&mut kept.outputs);
    let Kept {
        archive,
        theme,
        rendered,
        sitemap_pages,
        search,
        ..
    } = kept;
    let archive = &*archive;
    // What the browser shows first (the pages, then search), side by
    // side; the export, for other tools and the largest, after them.
    let (pages, search) = rayon::join(
        || {
            let staging = crate::output::Staging::for_update(site_dir, outputs)?;
            crate::render::update_after_edit(
                archive,
                theme,
                rendered,
                edit.index,
                &edit.old,
                &reach,
                sitemap_pages,
                &staging,
            )?;
            written(Written::Pages(staging.commit_in_place()?.len()));
            anyhow::Ok(())
        },
        || {
            let search = search.as_mut()?;
            Some(update_search(search, archive, site_dir, edit, written))
        },
    );
    let export = (|| {
        let staging = crate::output::Staging::for_export_update(site_dir)?;
        let changed =
            crate::render::update_export_after_edit(archive, rendered, edit.index, &staging)?;
        if changed {
            staging.commit_in_place()?;
        }
        written(Written::Export(changed));
        Ok(())
    })();
    pages?;
    Ok(Some(Affected { export, search }))
}

/// Writes the search index's files that the edit changed, and removes
/// those it emptied.
fn update_search(
    search: &mut KeptSearch,
    archive: &crate::archive::Archive,
    site_dir: &Path,
    edit: &Edit,
    written: &(dyn Fn(Written) + Sync),
) -> Result<Changes> {
    let staging = crate::output::Staging::for_search_update(site_dir)?;
    let changes =
        crate::search::update::update_after_edit(search, archive, edit.index, &edit.old, &staging)?;
    staging.commit_in_place()?;
    for removed in &changes.removed {
        let path = site_dir.join("search").join(removed);
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    written(Written::SearchIndex(
        changes.written.len() + changes.removed.len(),
    ));
    Ok(changes)
}
