//! Fuzz target: splitting a file into front matter and body, and parsing
//! the YAML. Never panics; a diagnostic always points inside the file; the
//! body is always the file's own tail.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let lines = text.lines().count().max(1) + 1;
    match casebook::content::split_front_matter(Path::new("content/fuzz.md"), text) {
        Ok(split) => {
            assert_eq!(&text[split.body_offset..], split.body);
            for position in split.field_lines.values() {
                assert!(position.line >= 1 && position.line <= lines);
            }
            if !split.has_front_matter {
                assert!(split.fields.is_empty());
                assert_eq!(split.body_offset, 0);
            }
        }
        Err(diagnostic) => {
            assert!(diagnostic.line <= lines, "{diagnostic:?}");
            assert!(diagnostic.hint.is_some(), "{diagnostic:?}");
        }
    }
});
