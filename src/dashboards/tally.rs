//! The actions page's figures (completion over all items, per severity,
//! per team and per owner), counted from a compact record of each action
//! item: its standing, its days to done and its owner's name as a number.
//!
//! Serve keeps these records and, after an edit, changes only the edited
//! incident's before counting again: one pass over the records, with no
//! string hashed, where grouping the 40,000 items of a 10,000-postmortem
//! archive by their names' strings again took about 25 ms (perf).

use rustc_hash::FxHashMap;

use super::actions::{
    ActionEntry, Completion, CompletionCounter as Counter, GroupCompletion, Standing,
};
use crate::archive::Archive;
use crate::incident::Incident;
use crate::slug::slugify;

/// What the figures read of one action item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemFacts {
    /// Its incident's index in `Archive::incidents`.
    pub incident: u32,
    /// Its index among its incident's items.
    pub item: u32,
    pub standing: Standing,
    pub days_to_done: Option<i32>,
    /// Its owner's name, as written (an id in [`Tally`]'s owners).
    owner: Option<u32>,
}

/// What the figures read of one incident: its teams' and its severity's
/// names (ids in [`Tally`]'s tables).
#[derive(Debug, Default)]
struct IncidentNames {
    teams: Vec<u32>,
    severity: Option<u32>,
}

/// The names the figures group by, each as written and the group (by
/// slug) it counts in, and what each incident's items count for.
#[derive(Debug, Default)]
pub struct Tally {
    incidents: Vec<IncidentNames>,
    owners: Names,
    teams: Names,
    severities: Names,
}

/// Names as written, numbered; spellings with the same slug share a group
/// (severities are matched to the configured levels by spelling, so
/// their groups go unused).
#[derive(Debug, Default)]
struct Names {
    ids: FxHashMap<String, u32>,
    spellings: Vec<String>,
    /// Per spelling: its group, None when its slug is empty.
    groups: Vec<Option<u32>>,
    /// Per group: its slug.
    slugs: Vec<String>,
    by_slug: FxHashMap<String, u32>,
}

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let slug = slugify(name);
        let group = (!slug.is_empty()).then(|| {
            let next = self.slugs.len() as u32;
            *self.by_slug.entry(slug.clone()).or_insert_with(|| {
                self.slugs.push(slug);
                next
            })
        });
        let id = self.spellings.len() as u32;
        self.spellings.push(name.to_string());
        self.groups.push(group);
        self.ids.insert(name.to_string(), id);
        id
    }
}

/// The actions page's figures.
pub struct ActionFigures {
    pub overall: Completion,
    /// Worst severity first, unrated last.
    pub by_severity: Vec<GroupCompletion>,
    /// In slug order, then the items of no team.
    pub by_team: Vec<GroupCompletion>,
    /// In slug order, then the unassigned items.
    pub by_owner: Vec<GroupCompletion>,
}

impl Tally {
    /// The names every incident of `archive` is counted by, and the
    /// record of each of `entries` (the page's items, in its order).
    pub fn of(archive: &Archive, entries: &[ActionEntry]) -> (Tally, Vec<ItemFacts>) {
        let mut tally = Tally::default();
        for incident in &archive.incidents {
            let facts = tally.incident_names(incident);
            tally.incidents.push(facts);
        }
        let items = entries.iter().map(|entry| tally.item(entry)).collect();
        (tally, items)
    }

    /// Counts incident `index` as `incident` is now, after an edit.
    pub fn set_incident(&mut self, index: usize, incident: &Incident) {
        let facts = self.incident_names(incident);
        if let Some(slot) = self.incidents.get_mut(index) {
            *slot = facts;
        }
    }

    fn incident_names(&mut self, incident: &Incident) -> IncidentNames {
        IncidentNames {
            teams: incident.teams.iter().map(|t| self.teams.id(t)).collect(),
            severity: incident
                .severity
                .as_ref()
                .map(|s| self.severities.id(&s.name)),
        }
    }

    /// The record of the item `entry`.
    pub fn item(&mut self, entry: &ActionEntry) -> ItemFacts {
        let item = entry
            .incident
            .action_items
            .iter()
            .position(|item| std::ptr::eq(item, entry.item))
            .unwrap_or_default();
        ItemFacts {
            incident: entry.incident_index as u32,
            item: item as u32,
            standing: entry.standing(),
            days_to_done: entry.days_to_done,
            owner: entry.item.owner.as_deref().map(|o| self.owners.id(o)),
        }
    }

    /// The figures over `items`, in the page's order (a group is named
    /// by the first of its spellings there).
    pub fn figures(&self, archive: &Archive, items: &[ItemFacts]) -> ActionFigures {
        let mut overall = Counter::default();
        let mut owners = Groups::new(&self.owners);
        let mut teams = Groups::new(&self.teams);
        let mut severities = vec![Counter::default(); self.severities.spellings.len()];
        let mut unrated = Counter::default();
        for (position, facts) in items.iter().enumerate() {
            overall.count(facts.standing, facts.days_to_done);
            owners.add(position, facts, facts.owner.as_slice());
            let Some(incident) = self.incidents.get(facts.incident as usize) else {
                continue;
            };
            teams.add(position, facts, &incident.teams);
            match incident.severity {
                Some(severity) => {
                    severities[severity as usize].count(facts.standing, facts.days_to_done)
                }
                None => unrated.count(facts.standing, facts.days_to_done),
            }
        }
        let mut by_severity: Vec<GroupCompletion> = archive
            .config
            .severities
            .iter()
            .filter_map(|level| {
                let &id = self.severities.ids.get(&level.name)?;
                let counter = severities[id as usize].clone();
                (counter.total() > 0).then(|| {
                    GroupCompletion::new(level.name.clone(), slugify(&level.name), counter.finish())
                })
            })
            .collect();
        if unrated.total() > 0 {
            by_severity.push(GroupCompletion::new(
                "Unrated".to_string(),
                String::new(),
                unrated.finish(),
            ));
        }
        ActionFigures {
            overall: overall.finish(),
            by_severity,
            by_team: teams.rows("No team"),
            by_owner: owners.rows("Unassigned"),
        }
    }
}

/// Counters per group of one table of names, and for the items of none.
struct Groups<'a> {
    names: &'a Names,
    /// Per group: its counter, the spelling it was first met by, and the
    /// last item counted (an item with two spellings of one group counts
    /// once).
    counters: Vec<(Counter, Option<u32>, usize)>,
    none: Counter,
}

impl<'a> Groups<'a> {
    fn new(names: &'a Names) -> Groups<'a> {
        Groups {
            names,
            counters: vec![(Counter::default(), None, usize::MAX); names.slugs.len()],
            none: Counter::default(),
        }
    }

    fn add(&mut self, position: usize, facts: &ItemFacts, spellings: &[u32]) {
        let mut named = false;
        for &spelling in spellings {
            let Some(group) = self.names.groups[spelling as usize] else {
                continue;
            };
            named = true;
            let (counter, first, last) = &mut self.counters[group as usize];
            if *last != position {
                *last = position;
                first.get_or_insert(spelling);
                counter.count(facts.standing, facts.days_to_done);
            }
        }
        if !named {
            self.none.count(facts.standing, facts.days_to_done);
        }
    }

    /// A row per group met, in slug order, then one for the items of no
    /// name, `none_name`, when there are any.
    fn rows(self, none_name: &str) -> Vec<GroupCompletion> {
        let names = self.names;
        let mut met: Vec<(&str, u32, Counter)> = self
            .counters
            .into_iter()
            .enumerate()
            .filter_map(|(group, (counter, first, _))| {
                Some((names.slugs[group].as_str(), first?, counter))
            })
            .collect();
        met.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut rows: Vec<GroupCompletion> = met
            .into_iter()
            .map(|(slug, spelling, counter)| {
                GroupCompletion::new(
                    names.spellings[spelling as usize].clone(),
                    slug.to_string(),
                    counter.finish(),
                )
            })
            .collect();
        if self.none.total() > 0 {
            rows.push(GroupCompletion::new(
                none_name.to_string(),
                String::new(),
                self.none.finish(),
            ));
        }
        rows
    }
}
