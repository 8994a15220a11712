//! Fields: turns front matter plus what the body says into an [`Incident`],
//! applying aliases and fallbacks, and reporting mistakes with the line of
//! the field.
//!
//! Tolerant where the meaning is clear: a missing date taken from the file
//! name or the timeline, a title from the first heading. Each assumption is
//! gathered into one warning per file so authors see what was guessed.
//!
//! [`dates`] reads the time zone, timestamps, date and durations;
//! [`action_items`] the action items; this module the rest, through one
//! `Reader` that records diagnostics and assumptions.

mod action_items;
mod dates;

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde_json::Value;

use action_items::action_items;
use dates::{date, durations, time_zone, times, year_from_file_name};

use crate::config::Config;
use crate::content::discover::SourceFile;
use crate::content::front_matter::Split;
use crate::content::positions::Positions;
use crate::content::values;
use crate::diagnostics::{Diagnostic, Position};
use crate::incident::{DigestHints, Incident, SectionKind, Severity, Status};
use crate::markdown::{Document, timeline};
use crate::slug::slugify_path;

/// Front-matter fields Casebook reads; anything else is kept as `extra`.
const KNOWN: &[&str] = &[
    "title",
    "date",
    "id",
    "severity",
    "status",
    "started",
    "detected",
    "mitigated",
    "resolved",
    "timezone",
    "durations",
    "teams",
    "services",
    "tags",
    "customer_impact",
    "data_loss",
    "summary",
    "authors",
    "action_items",
    "related",
    "recurrence_of",
    "share_with",
    "digest",
    "check",
];

/// Other names real archives use for Casebook's fields.
const ALIASES: &[(&str, &str)] = &[
    ("start_time", "started"),
    ("started_at", "started"),
    ("detected_at", "detected"),
    ("mitigated_at", "mitigated"),
    ("end_time", "resolved"),
    ("resolved_at", "resolved"),
    ("keywords", "tags"),
    ("tag", "tags"),
    ("team", "teams"),
    ("service", "services"),
    ("author", "authors"),
    ("uuid", "id"),
    ("incident", "id"),
    ("sev", "severity"),
];

pub struct Input<'a> {
    pub file: &'a SourceFile,
    /// The front-matter fields, taken out of `split` (they are read, and
    /// partly kept, once).
    pub fields: BTreeMap<String, Value>,
    pub split: &'a Split<'a>,
    pub document: Document,
    pub config: &'a Config,
    pub lines: &'a Positions<'a>,
    /// Assumptions already made while reading the file.
    pub notes: Vec<String>,
}

pub struct Resolved {
    pub incident: Option<Incident>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads fields one by one, remembering diagnostics and assumptions.
struct Reader<'a> {
    input: &'a Input<'a>,
    fields: BTreeMap<String, Value>,
    diagnostics: Vec<Diagnostic>,
    assumed: Vec<String>,
}

impl Reader<'_> {
    fn source_path(&self) -> &std::path::Path {
        &self.input.file.relative
    }

    fn field_position(&self, field: &str) -> Position {
        // Aliased fields are reported where the author wrote them.
        let written = ALIASES
            .iter()
            .find(|(alias, target)| {
                *target == field && self.input.split.field_lines.contains_key(*alias)
            })
            .map_or(field, |(alias, _)| alias);
        self.input.split.position_of(written)
    }

    fn body_position(&self, offset: usize) -> Position {
        self.input
            .lines
            .position(self.input.split.body_offset + offset)
    }

    fn error(&mut self, field: &str, rule: &'static str, message: String, hint: &str) {
        let position = self.field_position(field);
        self.diagnostics.push(
            Diagnostic::error(self.source_path(), rule, message)
                .at(position)
                .hint(hint),
        );
    }

    fn warn_at(&mut self, position: Position, rule: &'static str, message: String, hint: &str) {
        self.diagnostics.push(
            Diagnostic::warning(self.source_path(), rule, message)
                .at(position)
                .hint(hint),
        );
    }

    fn text(&self, field: &str) -> Option<String> {
        self.fields.get(field).and_then(values::text)
    }

    fn list(&self, field: &str) -> Vec<String> {
        self.fields.get(field).map(values::list).unwrap_or_default()
    }

    /// A list from front matter, else from a body label.
    fn list_or_label(&mut self, field: &str) -> Vec<String> {
        let list = self.list(field);
        if !list.is_empty() {
            return list;
        }
        match self.input.document.labels.get(field) {
            Some((value, _)) => {
                self.assumed.push(format!("{field} from the body"));
                values::split_list(value)
            }
            None => Vec::new(),
        }
    }
}

/// Builds the incident of one file.
pub fn resolve(mut input: Input) -> Resolved {
    let mut fields = std::mem::take(&mut input.fields);
    let assumed = std::mem::take(&mut input.notes);
    for (alias, target) in ALIASES {
        if let Some(value) = fields.remove(*alias) {
            fields.entry(target.to_string()).or_insert(value);
        }
    }
    let mut reader = Reader {
        input: &input,
        fields,
        diagnostics: Vec::new(),
        assumed,
    };
    let incident = build(&mut reader);
    let mut diagnostics = reader.diagnostics;
    if !reader.assumed.is_empty() {
        let what = if input.split.has_front_matter {
            ""
        } else {
            "no front matter; "
        };
        diagnostics.push(
            Diagnostic::warning(
                &input.file.relative,
                "content/assumed",
                format!("{what}assumed {}", reader.assumed.join("; ")),
            )
            .at(Position::new(1, 1))
            .hint("write these fields in the front matter to make them explicit"),
        );
    }
    // The sections are large: move them in rather than copying.
    let incident = incident.map(|mut incident| {
        incident.sections = input.document.sections;
        incident.shrink_to_fit();
        incident
    });
    Resolved {
        incident,
        diagnostics,
    }
}

fn build(r: &mut Reader) -> Option<Incident> {
    let zone = time_zone(r);
    let title = title(r);
    let times = times(r, &zone);
    let date = date(r, &times, &zone);
    let severity = severity(r);
    let status = status(r);
    let id = id(r);
    let document = &r.input.document;
    let timeline_blocks = || {
        document
            .sections
            .iter()
            .zip(&document.blocks)
            .filter(|(section, _)| section.kind == SectionKind::Timeline)
            .flat_map(|(_, blocks)| blocks)
    };
    let date = match date {
        Some(date) => Some(date),
        None => {
            // Last resorts: the first dated timeline entry, then a date in the prose.
            let events = timeline::parse(timeline_blocks(), None, &zone);
            let from_timeline = events
                .iter()
                .find_map(|e| e.at)
                .map(|at| at.to_zoned(zone.clone()).date());
            let from_text = || {
                r.input
                    .document
                    .sections
                    .iter()
                    .take(3)
                    .find_map(|s| timeline::find_date(&s.text, None))
            };
            let from_year = || {
                year_from_file_name(&r.input.file.within_content)
                    .and_then(|y| Date::new(y, 1, 1).ok())
            };
            let found = from_timeline
                .map(|d| (d, "the first timeline entry"))
                .or_else(|| from_text().map(|d| (d, "the text")))
                .or_else(|| from_year().map(|d| (d, "the year in the file name (day unknown)")));
            match found {
                Some((d, source)) => {
                    r.assumed.push(format!("date {d} from {source}"));
                    Some(d)
                }
                None => None,
            }
        }
    };
    let timeline = timeline::parse(timeline_blocks(), date, &zone);
    let Some(date) = date else {
        if r.text("date").is_some() {
            // The invalid date was reported where it is written.
            return None;
        }
        r.error(
            "date",
            "date/missing",
            "no date: the front matter has no `date` and none could be found in the file name or timeline".into(),
            "add `date: YYYY-MM-DD` (the day the incident began) to the front matter",
        );
        return None;
    };
    let title = title?;
    let durations = durations(r, &times);
    let summary = summary(r);
    let action_items = action_items(r, &id);
    let mut incident = Incident {
        id,
        source: r.input.file.relative.clone(),
        title,
        date,
        severity,
        status,
        durations,
        teams: r.list_or_label("teams"),
        services: r.list_or_label("services"),
        tags: r.list_or_label("tags"),
        customer_impact: r.fields.get("customer_impact").and_then(values::boolean),
        data_loss: r.fields.get("data_loss").and_then(values::boolean),
        summary,
        authors: r.list_or_label("authors"),
        action_items,
        related: r
            .list("related")
            .iter()
            .map(|id| slugify_path(id))
            .collect(),
        recurrence_of: r
            .list("recurrence_of")
            .iter()
            .map(|id| slugify_path(id))
            .collect(),
        share_with: r.list("share_with"),
        digest: digest_hints(r),
        extra: BTreeMap::new(),
        sections: Vec::new(),
        timeline,
        has_mermaid: document.has_mermaid,
        word_count: document.word_count,
        updated: None,
        times,
    };
    // The fields are not read again: what Casebook does not know is moved
    // into the incident, not copied.
    incident.extra = std::mem::take(&mut r.fields)
        .into_iter()
        .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
        .collect();
    Some(incident)
}

fn title(r: &mut Reader) -> Option<String> {
    if let Some(title) = r.text("title") {
        return Some(title);
    }
    if let Some(title) = r.input.document.title.clone() {
        if r.input.split.has_front_matter {
            r.assumed.push("the title from the first heading".into());
        }
        return Some(title);
    }
    // Archives without front matter: the file name is the only title there is.
    if !r.input.split.has_front_matter
        && let Some(title) = title_from_file_name(&r.input.file.within_content)
    {
        r.assumed
            .push(format!("the title {title:?} from the file name"));
        return Some(title);
    }
    r.diagnostics.push(
        Diagnostic::error(
            r.source_path(),
            "title/missing",
            "the postmortem has no title",
        )
        .at(Position::new(1, 1))
        .hint("add `title: \"…\"` to the front matter, or start the body with `# Title`"),
    );
    None
}

/// `2024-02-28-decide is down.md` → "Decide is down".
fn title_from_file_name(path: &std::path::Path) -> Option<String> {
    let stem = path.file_stem()?.to_string_lossy();
    let without_date = match stem.get(..10).map(values::date) {
        Some(Ok(_)) => &stem[10..],
        _ => &stem[..],
    };
    let words: Vec<&str> = without_date
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .collect();
    let title = words.join(" ");
    let mut chars = title.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

fn severity(r: &mut Reader) -> Option<Severity> {
    let (text, from_body) = match r.text("severity") {
        Some(text) => (text, false),
        None => match r.input.document.labels.get("severity") {
            Some((text, _)) => (text.clone(), true),
            None => return None,
        },
    };
    let normalised = |s: &str| {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    let wanted = normalised(&text);
    let scale = &r.input.config.severities;
    let found = scale.iter().position(|level| {
        normalised(&level.name) == wanted || level.aliases.iter().any(|a| normalised(a) == wanted)
    });
    match found {
        Some(rank) => {
            if from_body {
                r.assumed.push("severity from the body".into());
            }
            Some(Severity {
                rank,
                name: scale[rank].name.clone(),
            })
        }
        None => {
            let names: Vec<&str> = scale.iter().map(|l| l.name.as_str()).collect();
            let hint = format!(
                "use one of {}, or add it as an alias of a level in casebook.toml",
                names.join(", ")
            );
            if from_body {
                let position = r.body_position(r.input.document.labels["severity"].1);
                r.warn_at(
                    position,
                    "severity/unknown",
                    format!("unknown severity {text:?}; left unrated"),
                    &hint,
                );
            } else {
                r.error(
                    "severity",
                    "severity/unknown",
                    format!("unknown severity {text:?}"),
                    &hint,
                );
            }
            None
        }
    }
}

fn status(r: &mut Reader) -> Status {
    let Some(text) = r.text("status") else {
        return Status::Final;
    };
    match text.to_lowercase().as_str() {
        "draft" | "wip" => Status::Draft,
        "review" | "in review" | "in-review" | "reviewing" => Status::Review,
        "final" | "published" | "done" | "complete" | "completed" => Status::Final,
        _ => {
            let position = r.field_position("status");
            r.warn_at(
                position,
                "status/unknown",
                format!("unknown status {text:?}; treated as final"),
                "use draft, review or final",
            );
            Status::Final
        }
    }
}

fn id(r: &mut Reader) -> String {
    if let Some(id) = r.text("id") {
        let slug = slugify_path(&id);
        if !slug.is_empty() {
            return slug;
        }
        r.error(
            "id",
            "id/invalid",
            format!("id {id:?} has no letters or digits"),
            "use letters, digits and hyphens, e.g. 2024-checkout-outage",
        );
    }
    let path = r.input.file.within_content.with_extension("");
    let slug = slugify_path(&path.to_string_lossy());
    if slug.is_empty() {
        "incident".to_string()
    } else {
        slug
    }
}

fn summary(r: &Reader) -> String {
    if let Some(summary) = r.text("summary") {
        return summary;
    }
    let document = &r.input.document;
    let first_paragraph = |kind: SectionKind| {
        document
            .sections
            .iter()
            .zip(&document.blocks)
            .filter(|(s, _)| s.kind == kind)
            .find_map(|(_, blocks)| {
                blocks.iter().find_map(|b| match b {
                    crate::markdown::Block::Paragraph { text, .. } if text.len() > 20 => {
                        Some(text.clone())
                    }
                    _ => None,
                })
            })
    };
    first_paragraph(SectionKind::Summary)
        .or_else(|| first_paragraph(SectionKind::Other))
        .unwrap_or_default()
}

fn digest_hints(r: &Reader) -> DigestHints {
    let Some(digest) = r.fields.get("digest") else {
        return DigestHints::default();
    };
    DigestHints {
        blurb: digest.get("blurb").and_then(values::text),
        include: digest.get("include").and_then(values::boolean),
    }
}
