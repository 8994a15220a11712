//! Property tests (proptest): round-trips and invariants that must hold for
//! every input, not only the examples in the other tests — slugs and ids,
//! heading anchors, dates and instants, front matter written then read.

use std::path::PathBuf;

use casebook::archive::{Archive, BuildOptions};
use casebook::config::Config;
use casebook::content::{self, Loaded, SourceFile};
use casebook::incident::Incident;
use casebook::markdown::{self, ParseOptions};
use casebook::slug::{slugify, slugify_path};
use jiff::Timestamp;
use jiff::civil::Date;
use proptest::prelude::*;

use crate::support::TODAY;

/// A slug is empty or lowercase ASCII letters and digits joined by single hyphens.
fn is_url_safe(slug: &str) -> bool {
    slug.split('-').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// Reads `text` as the postmortem `content/<within_content>`.
fn load(within_content: &str, text: &str) -> Loaded {
    let file = SourceFile {
        path: PathBuf::from("content").join(within_content),
        relative: PathBuf::from("content").join(within_content),
        within_content: PathBuf::from(within_content),
        missing_extension: false,
    };
    content::load_source(&file, text.as_bytes(), &Config::default())
}

/// The one incident `text` gives, failing with its diagnostics otherwise.
fn incident(text: &str) -> Result<Incident, TestCaseError> {
    let loaded = load("2024/prop.md", text);
    let messages: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| format!("{d:?}"))
        .collect();
    prop_assert!(
        !loaded.diagnostics.iter().any(|d| d.is_error()),
        "errors for {text:?}: {messages:#?}"
    );
    let mut incidents = loaded.incidents;
    prop_assert_eq!(incidents.len(), 1, "{:?}", messages);
    Ok(incidents.remove(0))
}

/// A quoted YAML scalar: JSON strings are valid YAML double-quoted strings.
fn yaml(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// Text an author might type: printable characters of any script, with
/// punctuation and spaces; no control characters.
fn typed_text() -> impl Strategy<Value = String> {
    "[\\PC]{1,40}"
}

/// A non-empty value without surrounding whitespace (values are trimmed).
fn field_value() -> impl Strategy<Value = String> {
    "[\\PC]{1,30}".prop_filter_map("blank after trimming", |s| {
        let trimmed = s.trim().to_string();
        (!trimmed.is_empty()).then_some(trimmed)
    })
}

fn civil_date() -> impl Strategy<Value = Date> {
    (1900i16..=2199, 1i8..=12, 1i8..=31)
        .prop_filter_map("no such day", |(y, m, d)| Date::new(y, m, d).ok())
}

proptest! {
    #[test]
    fn slugs_are_url_safe_and_idempotent(text in typed_text()) {
        let slug = slugify(&text);
        prop_assert!(slug.is_empty() || is_url_safe(&slug), "{text:?} → {slug:?}");
        prop_assert_eq!(slugify(&slug), slug.clone());
        // ASCII case never tells two slugs apart.
        prop_assert_eq!(slugify(&text.to_ascii_uppercase()), slug);
    }

    #[test]
    fn slugged_paths_are_url_safe_and_idempotent(segments in prop::collection::vec(typed_text(), 1..5)) {
        let segments: Vec<String> = segments.iter().map(|s| s.replace(['/', '\\'], " ")).collect();
        let path = segments.join("/");
        let slug = slugify_path(&path);
        prop_assert_eq!(slugify_path(&slug), slug.clone());
        for segment in slug.split('/') {
            if !slug.is_empty() {
                prop_assert!(is_url_safe(segment), "{path:?} → {slug:?}");
            }
        }
        prop_assert!(slug.split('/').count() <= segments.len());
    }

    #[test]
    fn default_ids_are_url_safe_paths(name in typed_text(), year in 1990u32..2100) {
        let name = name.replace(['/', '\\'], " ");
        let within = format!("{year}/{name}.md");
        let loaded = load(&within, "---\ntitle: T\ndate: 2024-03-14\n---\n\n## Summary\n\nS.\n");
        prop_assert_eq!(loaded.incidents.len(), 1);
        let id = &loaded.incidents[0].id;
        prop_assert!(id.split('/').all(is_url_safe), "{within:?} → {id:?}");
        prop_assert_eq!(&slugify_path(id), id);
    }

    /// Two files whose names differ only in case and punctuation get the
    /// same id; the archive reports it instead of dropping one.
    #[test]
    fn ids_colliding_after_slugging_are_reported(words in prop::collection::vec("[a-zA-Z0-9]{1,8}", 1..4)) {
        let first = format!("2024/{}.md", words.join(" "));
        let second = format!("2024/{}.md", words.join("__").to_uppercase());
        prop_assume!(first != second);
        let text = "---\ntitle: T\ndate: 2024-03-14\n---\n\n## Summary\n\nS.\n";
        let mut incidents = load(&first, text).incidents;
        incidents.extend(load(&second, text).incidents);
        prop_assert_eq!(&incidents[0].id, &incidents[1].id);
        let options = BuildOptions { include_drafts: true, today: TODAY };
        let (_, diagnostics) = Archive::assemble(Config::default(), incidents, &[], &options);
        let duplicates: Vec<_> = diagnostics.iter().filter(|d| d.rule == "id/duplicate").collect();
        prop_assert_eq!(duplicates.len(), 1, "{:?}", diagnostics);
        prop_assert!(duplicates[0].hint.is_some());
    }

    /// Every section anchor of a page is unique and URL-safe, however the
    /// headings repeat or collide after slugging.
    #[test]
    fn heading_anchors_are_unique(headings in prop::collection::vec(prop_oneof![
        typed_text(),
        Just("Timeline".to_string()),
        Just("timeline".to_string()),
        Just("Timeline 1".to_string()),
        Just("?!".to_string()),
    ], 1..12)) {
        let body: String = headings
            .iter()
            .map(|h| format!("## {}\n\ntext\n\n", h.replace(['\n', '\r', '#'], " ")))
            .collect();
        let document = markdown::parse(&body, &ParseOptions { folder: "", allow_html: false });
        let anchors: Vec<&str> = document
            .sections
            .iter()
            .filter(|s| !s.heading.is_empty())
            .map(|s| s.anchor.as_str())
            .collect();
        let unique: std::collections::BTreeSet<&str> = anchors.iter().copied().collect();
        prop_assert_eq!(unique.len(), anchors.len(), "{:?}", anchors);
        for anchor in anchors {
            prop_assert!(is_url_safe(anchor), "{anchor:?}");
        }
    }

    /// A date written as `YYYY-MM-DD` (jiff's own format) reads back as the
    /// same day, with or without a time after it.
    #[test]
    fn dates_round_trip(date in civil_date(), with_time in any::<bool>()) {
        let written = if with_time { format!("{date} 14:32") } else { date.to_string() };
        let incident = incident(&format!("---\ntitle: T\ndate: {written}\n---\n\n## Summary\n\nS.\n"))?;
        prop_assert_eq!(incident.date, date);
    }

    /// An instant written in RFC 3339 (UTC or with an offset) reads back as
    /// the same instant.
    #[test]
    fn instants_round_trip(seconds in 0i64..7_000_000_000, offset_hours in -12i8..=14) {
        let at = Timestamp::from_second(seconds).expect("in range");
        let offset = jiff::tz::Offset::constant(offset_hours);
        let written = at.display_with_offset(offset).to_string();
        let date = at.to_zoned(jiff::tz::TimeZone::fixed(offset)).date();
        let incident = incident(&format!(
            "---\ntitle: T\ndate: {date}\nstarted: {written}\nresolved: {}\n---\n\n## Summary\n\nS.\n",
            yaml(&written)
        ))?;
        prop_assert_eq!(incident.times.started, Some(at));
        prop_assert_eq!(incident.times.resolved, Some(at));
    }

    /// Front matter serialised (as YAML's JSON-compatible flow style) and
    /// read back gives the same title, lists and unknown fields.
    #[test]
    fn front_matter_round_trips(
        title in field_value(),
        tags in prop::collection::vec(field_value(), 0..4),
        teams in prop::collection::vec(field_value(), 0..3),
        extra in field_value(),
        date in civil_date(),
    ) {
        let list = |items: &[String]| serde_json::to_string(items).expect("a list serialises");
        let text = format!(
            "---\ntitle: {}\ndate: {date}\ntags: {}\nteams: {}\nx_note: {}\n---\n\n## Summary\n\nS.\n",
            yaml(&title), list(&tags), list(&teams), yaml(&extra)
        );
        let incident = incident(&text)?;
        prop_assert_eq!(&incident.title, &title);
        prop_assert_eq!(&incident.tags, &tags);
        prop_assert_eq!(&incident.teams, &teams);
        prop_assert_eq!(incident.extra.get("x_note"), Some(&serde_json::Value::String(extra)));
    }

    /// The body after the closing fence is exactly what was written after it.
    #[test]
    fn body_after_front_matter_is_kept_verbatim(body in "[\\PC\n]{0,200}", date in civil_date()) {
        let text = format!("---\ntitle: T\ndate: {date}\n---\n{body}");
        let split = content::split_front_matter(std::path::Path::new("a.md"), &text)
            .map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        prop_assert_eq!(split.body, body.as_str());
        prop_assert_eq!(&text[split.body_offset..], body.as_str());
        prop_assert_eq!(split.fields.get("title"), Some(&serde_json::json!("T")));
    }
}
