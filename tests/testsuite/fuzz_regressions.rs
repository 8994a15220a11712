//! Inputs the fuzz targets (`fuzz/`) found, kept as regression tests.
//! Each names what went wrong and asserts the behaviour now expected.

use std::path::Path;

use casebook::content::split_front_matter;

/// `front_matter` target: YAML breaks lines at a lone `\r`, so yaml-rust2's
/// line numbers ran past the file's last line (line 96 of a 138-line file).
/// The error is now placed by its offset, counting lines at `\n` as every
/// other diagnostic does.
#[test]
fn invalid_yaml_after_lone_carriage_returns_points_inside_the_file() {
    let text = include_str!("../fixtures/fuzz/front-matter-lone-cr.md");
    let diagnostic = split_front_matter(Path::new("content/a.md"), text).unwrap_err();
    assert_eq!(diagnostic.rule, "front-matter/invalid-yaml");
    let lines = text.lines().count();
    assert!(
        (2..=lines).contains(&diagnostic.line),
        "line {} of {lines}",
        diagnostic.line
    );
    // Where the key broken by ``s is: line 6, after `starte` and 90 ``s.
    assert_eq!(
        (diagnostic.line, diagnostic.column),
        (6, 97),
        "{diagnostic:?}"
    );
}
