//! Stage 3, archive: the whole, immutable model — incidents in reading
//! order plus the indexes derived from them (taxonomies, related incidents,
//! links between postmortems). Nothing after this stage reads files.
//!
//! Input: loaded incidents and the links found in them. Output: an
//! [`Archive`] and the diagnostics only the whole archive can reveal
//! (duplicate ids, broken links).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::config::Config;
use crate::content::IncidentLink;
use crate::diagnostics::{Diagnostic, Position};
use crate::incident::{ActionItem, Incident, Section, Status};
use crate::markdown::INCIDENT_LINK_MARKER;
use crate::slug::slugify;

/// The archive, ready to render.
pub struct Archive {
    pub config: Config,
    /// Published incidents, newest first (date descending, then id).
    pub incidents: Vec<Incident>,
    /// Index of each incident in `incidents` by id.
    pub by_id: HashMap<String, usize>,
    /// Tags, teams, services, severity and years, in that order.
    pub taxonomies: Vec<Taxonomy>,
    /// For each incident, the indexes of related incidents, most related first.
    pub related: Vec<Vec<usize>>,
    /// The day the build runs, for overdue action items. Passed in so tests
    /// (and reproducible builds) fix it.
    pub today: Date,
}

/// A way of grouping incidents, with one page per term.
pub struct Taxonomy {
    /// URL segment and key: `tags`, `teams`, `services`, `severity`, `years`.
    pub key: &'static str,
    /// Heading for readers.
    pub title: &'static str,
    /// Terms in display order.
    pub terms: Vec<Term>,
}

/// One value of a taxonomy and the incidents that have it.
pub struct Term {
    pub name: String,
    pub slug: String,
    /// Indexes into `Archive::incidents`, newest first.
    pub incidents: Vec<usize>,
}

/// What an archive derived from its incidents before an edit, where the
/// edit made it derive them again ([`Archive::rederive`]).
pub struct Derived {
    pub taxonomies: Option<Vec<Taxonomy>>,
    pub related: Option<Vec<Vec<usize>>>,
}

impl Taxonomy {
    pub fn term(&self, slug: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.slug == slug)
    }
}

/// What to include when assembling the archive.
pub struct BuildOptions {
    pub include_drafts: bool,
    pub today: Date,
}

impl Archive {
    /// Assembles the archive, resolving links and checking what spans files.
    pub fn assemble(
        config: Config,
        mut incidents: Vec<Incident>,
        links: &[IncidentLink],
        options: &BuildOptions,
    ) -> (Archive, Vec<Diagnostic>) {
        let mut diagnostics = duplicate_ids(&incidents);
        let content_dir = config.content_dir.clone();
        let by_path: HashMap<PathBuf, String> = incidents
            .iter()
            .map(|i| {
                (
                    i.source
                        .strip_prefix(&content_dir)
                        .unwrap_or(&i.source)
                        .to_path_buf(),
                    i.id.clone(),
                )
            })
            .collect();
        diagnostics.extend(broken_links(links, &by_path));
        let known: HashMap<&str, ()> = incidents.iter().map(|i| (i.id.as_str(), ())).collect();
        diagnostics.extend(unknown_references(&incidents, &known));

        let base_path = config.base_path();
        // Every section's HTML is searched for the marker (40 MB at 10k):
        // on every core.
        incidents.par_iter_mut().for_each(|incident| {
            for section in &mut incident.sections {
                if section.html.contains(INCIDENT_LINK_MARKER) {
                    section.html = resolve_link_markers(&section.html, &by_path, &base_path);
                }
            }
        });
        incidents.retain(|i| options.include_drafts || i.status != Status::Draft);
        incidents.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.id.cmp(&b.id)));
        let by_id = incidents
            .iter()
            .enumerate()
            .map(|(n, i)| (i.id.clone(), n))
            .collect();
        let mut archive = Archive {
            taxonomies: taxonomies(&incidents, &config),
            config,
            incidents,
            by_id,
            related: Vec::new(),
            today: options.today,
        };
        archive.related = related_incidents(&archive);
        (archive, diagnostics)
    }

    /// Puts an edited incident in place of the one with the same id,
    /// date and status; returns its index and the incident it replaced.
    /// For serve's quick update after an edit: taxonomies and related
    /// incidents stay as they were (the update checks the edit leaves
    /// them alone, or leaves the work to a full rebuild).
    pub fn patch(&mut self, mut incident: Incident) -> Option<(usize, Incident)> {
        let index = *self.by_id.get(&incident.id)?;
        let old = &self.incidents[index];
        if old.date != incident.date
            || old.source != incident.source
            || old.status != incident.status
        {
            return None;
        }
        let links_to_incidents = |s: &Section| s.html.contains(INCIDENT_LINK_MARKER);
        if incident.sections.iter().any(links_to_incidents) {
            // Only then: a map of every incident's path, on the edit path.
            let content_dir = &self.config.content_dir;
            let by_path: HashMap<PathBuf, String> = self
                .incidents
                .iter()
                .map(|i| {
                    let path = i.source.strip_prefix(content_dir).unwrap_or(&i.source);
                    (path.to_path_buf(), i.id.clone())
                })
                .collect();
            let base_path = self.config.base_path();
            for section in incident
                .sections
                .iter_mut()
                .filter(|s| links_to_incidents(s))
            {
                section.html = resolve_link_markers(&section.html, &by_path, &base_path);
            }
        }
        let old = std::mem::replace(&mut self.incidents[index], incident);
        Some((index, old))
    }

    /// Derives the taxonomies (with `terms`) and related incidents (with
    /// `related`) again after an edit [`Archive::patch`] put in, one that
    /// moved its incident between terms or changed what relates it to
    /// others; returns what they replaced.
    pub fn rederive(&mut self, terms: bool, related: bool) -> Derived {
        let taxonomies = terms.then(|| {
            let taxonomies = taxonomies(&self.incidents, &self.config);
            std::mem::replace(&mut self.taxonomies, taxonomies)
        });
        let related = related.then(|| {
            let related = related_incidents(self);
            std::mem::replace(&mut self.related, related)
        });
        Derived {
            taxonomies,
            related,
        }
    }

    pub fn taxonomy(&self, key: &str) -> Option<&Taxonomy> {
        self.taxonomies.iter().find(|t| t.key == key)
    }

    /// Every action item with its incident, in incident order.
    pub fn action_items(&self) -> impl Iterator<Item = (&Incident, &ActionItem)> {
        self.incidents
            .iter()
            .flat_map(|i| i.action_items.iter().map(move |a| (i, a)))
    }

    /// URL path of an incident page, under the base path.
    pub fn incident_url(&self, incident: &Incident) -> String {
        incident_path(&self.config.base_path(), &incident.id)
    }
}

/// The URL path of incident `id`'s page under the site's `base_path`
/// (callers that render many pages keep the base path at hand).
pub fn incident_path(base_path: &str, id: &str) -> String {
    format!("{base_path}incidents/{id}/")
}

/// The id of the incident whose page is `path` (under the site root, as
/// [`incident_path`] makes it with an empty base path), if it is one.
pub fn incident_id_in(path: &str) -> Option<&str> {
    path.strip_prefix("incidents/")?.strip_suffix('/')
}

fn duplicate_ids(incidents: &[Incident]) -> Vec<Diagnostic> {
    let mut first_by_id: HashMap<&str, &Path> = HashMap::new();
    let mut diagnostics = Vec::new();
    for incident in incidents {
        if let Some(first) = first_by_id.insert(&incident.id, &incident.source) {
            diagnostics.push(
                Diagnostic::error(
                    &incident.source,
                    "id/duplicate",
                    format!("id {:?} is also the id of {}", incident.id, first.display()),
                )
                .at(Position::new(1, 1))
                .hint("give one of them a unique `id:` in its front matter, or rename the file"),
            );
            first_by_id.insert(&incident.id, first);
        }
    }
    diagnostics
}

fn broken_links(links: &[IncidentLink], by_path: &HashMap<PathBuf, String>) -> Vec<Diagnostic> {
    links
        .iter()
        .filter(|link| !by_path.contains_key(Path::new(&link.target)))
        .map(|link| {
            Diagnostic::error(&link.from, "link/broken", format!("link to {:?} does not match any postmortem", link.target))
                .at(link.position)
                .hint("check the relative path: links are relative to this file's folder, and the target must be a postmortem under content/")
        })
        .collect()
}

fn unknown_references(incidents: &[Incident], known: &HashMap<&str, ()>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for incident in incidents {
        for (field, ids) in [
            ("related", &incident.related),
            ("recurrence_of", &incident.recurrence_of),
        ] {
            for id in ids.iter().filter(|id| !known.contains_key(id.as_str())) {
                diagnostics.push(
                    Diagnostic::warning(&incident.source, "link/unknown-id", format!("`{field}` names {id:?}, which is not the id of any postmortem"))
                        .at(Position::new(1, 1))
                        .hint("ids are the path under content/ without .md, e.g. 2024/checkout-db-failover"),
                );
            }
        }
    }
    diagnostics
}

/// Replaces `casebook-incident:PATH#frag` hrefs with the target's URL.
fn resolve_link_markers(html: &str, by_path: &HashMap<PathBuf, String>, base_path: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(INCIDENT_LINK_MARKER) {
        out.push_str(&rest[..start]);
        let after = &rest[start + INCIDENT_LINK_MARKER.len()..];
        let end = after.find('"').unwrap_or(after.len());
        let target = &after[..end];
        let (path, fragment) = target.split_at(target.find('#').unwrap_or(target.len()));
        match by_path.get(Path::new(path)) {
            Some(id) => out.push_str(&format!("{base_path}incidents/{id}/{fragment}")),
            None => out.push_str(path),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn taxonomies(incidents: &[Incident], config: &Config) -> Vec<Taxonomy> {
    let group = |key: &'static str, title: &'static str, values: Values| {
        let mut terms: BTreeMap<String, Term> = BTreeMap::new();
        // A handful of distinct values over thousands of incidents: each
        // is made a slug once.
        let mut slugs: HashMap<Cow<str>, String> = HashMap::new();
        for (index, incident) in incidents.iter().enumerate() {
            for value in values(incident) {
                let slug = slugs
                    .entry(value.clone())
                    .or_insert_with(|| slugify(&value));
                if slug.is_empty() {
                    continue;
                }
                // Looked up before `entry`, which takes an owned key: the
                // slug is cloned only for a term not seen yet.
                let term = match terms.get_mut(slug) {
                    Some(term) => term,
                    None => terms.entry(slug.clone()).or_insert_with(|| Term {
                        name: value.into_owned(),
                        slug: slug.clone(),
                        incidents: Vec::new(),
                    }),
                };
                if term.incidents.last() != Some(&index) {
                    term.incidents.push(index);
                }
            }
        }
        Taxonomy {
            key,
            title,
            terms: terms.into_values().collect(),
        }
    };
    type Values = for<'a> fn(&'a Incident) -> Vec<Cow<'a, str>>;
    fn borrowed(values: &[String]) -> Vec<Cow<'_, str>> {
        values.iter().map(|v| Cow::Borrowed(v.as_str())).collect()
    }
    // In display order; each is a pass over every incident, so they are
    // grouped side by side (this stage is otherwise one core's work).
    let kinds: [(&'static str, &'static str, Values); 5] = [
        ("tags", "Tags", |i| borrowed(&i.tags)),
        ("teams", "Teams", |i| borrowed(&i.teams)),
        ("services", "Services", |i| borrowed(&i.services)),
        ("severity", "Severity", |i| {
            i.severity
                .iter()
                .map(|s| Cow::Borrowed(s.name.as_str()))
                .collect()
        }),
        ("years", "Years", |i| vec![Cow::Owned(i.year().to_string())]),
    ];
    let mut taxonomies: Vec<Taxonomy> = kinds
        .par_iter()
        .map(|&(key, title, values)| group(key, title, values))
        .collect();
    let rank = |name: &str| {
        config
            .severities
            .iter()
            .position(|s| s.name == name)
            .unwrap_or(usize::MAX)
    };
    for taxonomy in &mut taxonomies {
        match taxonomy.key {
            "severity" => taxonomy.terms.sort_by_key(|t| rank(&t.name)),
            "years" => taxonomy.terms.reverse(),
            _ => {}
        }
    }
    taxonomies
}

/// Related incidents: explicit `related` and `recurrence_of` links (both
/// ways) first, then incidents sharing services and tags, weighted so rare
/// shared terms count more than ubiquitous ones.
fn related_incidents(archive: &Archive) -> Vec<Vec<usize>> {
    const MAX_RELATED: usize = 6;
    let incidents = &archive.incidents;
    let mut explicit: Vec<Vec<usize>> = vec![Vec::new(); incidents.len()];
    for (index, incident) in incidents.iter().enumerate() {
        for id in incident.related.iter().chain(&incident.recurrence_of) {
            if let Some(&other) = archive.by_id.get(id) {
                explicit[index].push(other);
                explicit[other].push(index);
            }
        }
    }
    // Terms shared by a large share of the archive say little about relatedness.
    let max_term_size = (incidents.len() / 20).max(50);
    let term_lists = |key: &str| -> HashMap<String, &Vec<usize>> {
        archive
            .taxonomy(key)
            .map(|t| {
                t.terms
                    .iter()
                    .filter(|t| t.incidents.len() <= max_term_size)
                    .map(|t| (t.slug.clone(), &t.incidents))
                    .collect()
            })
            .unwrap_or_default()
    };
    let services = term_lists("services");
    let tags = term_lists("tags");
    // Scores in a dense array per thread (the candidates of one incident
    // can be thousands in a large archive), reset through the list of the
    // entries touched. Each candidate's score sums the same terms in the
    // same order as ever, so the ranking is exactly the same.
    let scratch = || (vec![0.0f64; incidents.len()], Vec::<usize>::new());
    incidents
        .par_iter()
        .enumerate()
        .map_init(scratch, |(scores, touched), (index, incident)| {
            let mut add = |lists: &HashMap<String, &Vec<usize>>, values: &[String], weight: f64| {
                for value in values {
                    if let Some(list) = lists.get(&slugify(value)) {
                        let idf = weight / (list.len() as f64).ln_1p();
                        for &other in list.iter().filter(|&&o| o != index) {
                            if scores[other] == 0.0 {
                                touched.push(other);
                            }
                            scores[other] += idf;
                        }
                    }
                }
            };
            add(&services, &incident.services, 2.0);
            add(&tags, &incident.tags, 1.0);
            let mut ranked: Vec<(usize, f64)> = touched
                .drain(..)
                .map(|other| (other, std::mem::take(&mut scores[other])))
                .filter(|(_, s)| *s >= 1.0)
                .collect();
            let order =
                |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
            let mut list = explicit[index].clone();
            list.sort_unstable();
            list.dedup();
            list.retain(|&o| o != index);
            // Only the best few can make the list: explicit ones are skipped,
            // so at most MAX_RELATED + their number are looked at.
            let wanted = MAX_RELATED + list.len();
            if ranked.len() > wanted {
                ranked.select_nth_unstable_by(wanted - 1, order);
                ranked.truncate(wanted);
            }
            ranked.sort_by(order);
            for (other, _) in ranked {
                if list.len() >= MAX_RELATED {
                    break;
                }
                if !list.contains(&other) {
                    list.push(other);
                }
            }
            list
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incident_pages_path_gives_back_its_id() {
        for id in ["2024/2024-03-01-db", "outage", "a/b/c"] {
            assert_eq!(incident_id_in(&incident_path("", id)), Some(id));
        }
        for path in [
            "incidents/",
            "tags/db/",
            "incidents/2024/x/index.html",
            "2024/x/",
        ] {
            assert_eq!(incident_id_in(path), None, "{path}");
        }
    }
}
