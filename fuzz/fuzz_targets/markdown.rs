//! Fuzz target: the body parser — sections, blocks, labels, links — and the
//! timeline and action-item parsers over every section's blocks.
#![no_main]

use jiff::civil::Date;
use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;

use casebook::markdown::{self, ParseOptions, actions, timeline};

fuzz_target!(|input: (bool, &str)| {
    let (allow_html, body) = input;
    let document = markdown::parse(
        body,
        &ParseOptions {
            folder: "2024",
            allow_html,
        },
    );
    assert_eq!(document.sections.len(), document.blocks.len());
    for (_, offset) in document.incident_links.iter() {
        assert!(*offset <= body.len());
    }
    let date = Date::new(2024, 3, 14).ok();
    for blocks in &document.blocks {
        let _ = timeline::parse(blocks, date, &TimeZone::UTC);
        let _ = timeline::parse(blocks, None, &TimeZone::UTC);
        let _ = actions::parse(blocks);
    }
    for section in &document.sections {
        let _ = markdown::classify_heading(&section.heading);
        if !allow_html {
            assert!(!section.html.contains("<script"), "{}", section.html);
        }
    }
});
