//! Digest selection: which incidents of a period a listening team hears,
//! and in what order.
//!
//! Input: the archive, the incidents of one period and an audience (the
//! whole organisation or one team). Output: a [`Selection`] — the featured
//! incident first, then the others, then (for a team) the organisation's
//! featured incident — plus the incidents counted in the header.
//!
//! An incident touches team T when T is one of its `teams`, when one of its
//! `services` is in `[teams.T] depends_on`, or when its `share_with` names
//! T. Orders are total (ties broken by id), so selection is deterministic.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use jiff::SignedDuration;
use serde::Serialize;

use crate::archive::Archive;
use crate::incident::Incident;
use crate::slug::slugify;

/// How many incidents besides the featured ones a digest reads aloud; the
/// rest are listed (with links) in the written version only.
pub const MAX_SPOKEN_OTHERS: usize = 6;

/// How many further incidents the written version lists by name; the rest
/// are counted.
pub const MAX_LISTED_MORE: usize = 25;

/// Who a digest is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Audience {
    /// Everyone: every incident of the period.
    Org,
    /// One team: the incidents that touch it, then the org-wide featured one.
    Team { slug: String, name: String },
}

impl Audience {
    /// The team's slug, or `None` for the organisation.
    pub fn team_slug(&self) -> Option<&str> {
        match self {
            Audience::Org => None,
            Audience::Team { slug, .. } => Some(slug),
        }
    }
}

/// Why an incident is in a team's digest, strongest first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "service")]
pub enum Reason {
    /// The team is one of the incident's teams.
    OwnTeam,
    /// The incident involved a service the team depends on.
    DependsOn(String),
    /// The authors asked (`share_with`) for the team to hear about it.
    SharedWith,
}

/// The part an incident plays in a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Told as a story of 150–250 words.
    Featured,
    /// A short blurb.
    Other,
    /// In a team's digest: the organisation's featured incident, as a blurb.
    OrgFeatured,
}

/// One incident chosen for a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    /// Index into `Archive::incidents`.
    pub index: usize,
    pub role: Role,
    /// Why a team hears it; `None` in the org-wide digest and for the
    /// org-wide featured incident.
    pub reason: Option<Reason>,
}

/// The incidents of one digest.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Read aloud, in order: featured, others, org-wide featured.
    pub picks: Vec<Pick>,
    /// Beyond [`MAX_SPOKEN_OTHERS`]: listed in the written version only.
    pub more: Vec<usize>,
    /// Every incident this audience's header counts (newest first).
    pub counted: Vec<usize>,
}

/// Which teams each incident touches, computed once per archive.
pub struct Routing {
    /// For each incident: (team slug, strongest reason), by slug.
    pub touches: Vec<Vec<(String, Reason)>>,
    /// Display name of each team by slug.
    pub team_names: BTreeMap<String, String>,
}

impl Routing {
    pub fn new(archive: &Archive) -> Routing {
        let mut team_names: BTreeMap<String, String> = BTreeMap::new();
        let mut name = |team: &str| {
            let slug = slugify(team);
            if !slug.is_empty() {
                team_names
                    .entry(slug)
                    .or_insert_with(|| team.trim().to_string());
            }
        };
        for team in archive.config.teams.keys() {
            name(team);
        }
        for incident in &archive.incidents {
            for team in incident.teams.iter().chain(&incident.share_with) {
                name(team);
            }
        }
        // Service slug → teams that depend on it.
        let mut dependents: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (team, config) in &archive.config.teams {
            for service in &config.depends_on {
                dependents
                    .entry(slugify(service))
                    .or_default()
                    .push(slugify(team));
            }
        }
        let touches = archive
            .incidents
            .iter()
            .map(|incident| {
                let mut best: BTreeMap<String, Reason> = BTreeMap::new();
                let mut offer = |slug: String, reason: Reason| {
                    if slug.is_empty() {
                        return;
                    }
                    match best.get(&slug) {
                        Some(existing) if *existing <= reason => {}
                        _ => {
                            best.insert(slug, reason);
                        }
                    }
                };
                for team in &incident.teams {
                    offer(slugify(team), Reason::OwnTeam);
                }
                for service in &incident.services {
                    if let Some(teams) = dependents.get(&slugify(service)) {
                        for team in teams {
                            offer(team.clone(), Reason::DependsOn(service.clone()));
                        }
                    }
                }
                for team in &incident.share_with {
                    offer(slugify(team), Reason::SharedWith);
                }
                best.into_iter().collect()
            })
            .collect();
        Routing {
            touches,
            team_names,
        }
    }

    /// The audience for a team name or slug as a user typed it.
    pub fn team(&self, name: &str) -> Audience {
        let slug = slugify(name);
        let name = self
            .team_names
            .get(&slug)
            .cloned()
            .unwrap_or_else(|| name.trim().to_string());
        Audience::Team { slug, name }
    }

    /// Why `incident` touches the team, if it does.
    pub fn reason(&self, index: usize, team_slug: &str) -> Option<&Reason> {
        self.touches[index]
            .iter()
            .find(|(slug, _)| slug == team_slug)
            .map(|(_, reason)| reason)
    }
}

/// Whether an incident may appear in digests at all (`digest.include: false`
/// keeps it out).
pub fn is_listed(incident: &Incident) -> bool {
    incident.digest.include != Some(false)
}

/// Best first: author-marked, most severe, customer impact, data loss,
/// longest, newest, then id.
#[allow(clippy::type_complexity)]
fn feature_key(
    incident: &Incident,
) -> (
    bool,
    usize,
    bool,
    bool,
    Reverse<SignedDuration>,
    Reverse<jiff::civil::Date>,
    &str,
) {
    (
        incident.digest.include != Some(true),
        incident.severity.as_ref().map_or(usize::MAX, |s| s.rank),
        incident.customer_impact != Some(true),
        incident.data_loss != Some(true),
        Reverse(
            incident
                .durations
                .to_resolve
                .or(incident.durations.to_mitigate)
                .unwrap_or(SignedDuration::ZERO),
        ),
        Reverse(incident.date),
        incident.id.as_str(),
    )
}

/// The order others are read in: most severe, strongest reason, newest, id.
fn reading_key<'a>(
    incident: &'a Incident,
    reason: Option<&Reason>,
) -> (usize, u8, Reverse<jiff::civil::Date>, &'a str) {
    let reason_rank = match reason {
        None | Some(Reason::OwnTeam) => 0,
        Some(Reason::DependsOn(_)) => 1,
        Some(Reason::SharedWith) => 2,
    };
    (
        incident.severity.as_ref().map_or(usize::MAX, |s| s.rank),
        reason_rank,
        Reverse(incident.date),
        incident.id.as_str(),
    )
}

/// The organisation's featured incident among `indexes`.
pub fn org_featured(archive: &Archive, indexes: &[usize]) -> Option<usize> {
    indexes.iter().copied().min_by(|&a, &b| {
        feature_key(&archive.incidents[a]).cmp(&feature_key(&archive.incidents[b]))
    })
}

/// Chooses and orders the incidents of one digest. `in_period` holds the
/// listed incidents of the period; `None` when nothing concerns the audience.
pub fn select(
    archive: &Archive,
    routing: &Routing,
    in_period: &[usize],
    audience: &Audience,
) -> Option<Selection> {
    let candidates: Vec<(usize, Option<Reason>)> = match audience {
        Audience::Org => in_period.iter().map(|&i| (i, None)).collect(),
        Audience::Team { slug, .. } => in_period
            .iter()
            .filter_map(|&i| routing.reason(i, slug).map(|r| (i, Some(r.clone()))))
            .collect(),
    };
    if candidates.is_empty() {
        return None;
    }
    let counted: Vec<usize> = candidates.iter().map(|(i, _)| *i).collect();
    let featured = org_featured(archive, &counted)?;
    let mut others: Vec<(usize, Option<Reason>)> = candidates
        .iter()
        .filter(|(i, _)| *i != featured)
        .cloned()
        .collect();
    others.sort_by(|(a, ra), (b, rb)| {
        reading_key(&archive.incidents[*a], ra.as_ref())
            .cmp(&reading_key(&archive.incidents[*b], rb.as_ref()))
    });
    let featured_reason = candidates
        .iter()
        .find(|(i, _)| *i == featured)
        .and_then(|(_, r)| r.clone());
    let mut picks = vec![Pick {
        index: featured,
        role: Role::Featured,
        reason: featured_reason,
    }];
    let mut more = Vec::new();
    for (n, (index, reason)) in others.into_iter().enumerate() {
        if n < MAX_SPOKEN_OTHERS {
            picks.push(Pick {
                index,
                role: Role::Other,
                reason,
            });
        } else {
            more.push(index);
        }
    }
    if let Audience::Team { .. } = audience
        && let Some(org) = org_featured(archive, in_period)
        && !counted.contains(&org)
    {
        picks.push(Pick {
            index: org,
            role: Role::OrgFeatured,
            reason: None,
        });
    }
    Some(Selection {
        picks,
        more,
        counted,
    })
}
