//! Output formats of `casebook check`: `human` (compiler style with the
//! offending line and a caret), `github` (workflow-command annotations on
//! the pull request's diff), `json` and `sarif` (SARIF 2.1.0 for
//! code-scanning dashboards).
//!
//! Input: a [`CheckReport`] and where the archive is. Output: text on a
//! writer; nothing else is touched.

mod github;
mod human;
mod json;
mod sarif;

use std::io::{self, Write};
use std::path::Path;

use super::CheckReport;

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Compiler style, with the offending line and a caret.
    #[default]
    Human,
    /// GitHub Actions workflow commands, shown on the pull request's diff.
    Github,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// Where output goes and how it looks.
pub struct Output<'a> {
    /// The archive root as the user gave it: file paths in findings are
    /// relative to it, and machine formats prefix it when it is relative
    /// so paths are relative to the repository.
    pub root: &'a Path,
    /// Colour the human format (on a terminal, without NO_COLOR).
    pub colour: bool,
}

/// Writes `report` in `format`.
pub fn write(
    report: &CheckReport,
    format: Format,
    output: &Output,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, output, out),
        Format::Github => github::write(report, output, out),
        Format::Json => json::write(report, output, out),
        Format::Sarif => sarif::write(report, output, out),
    }
}

/// A finding's path as the repository knows it: under the root when the
/// root is a relative folder other than `.`, with `/` separators.
fn repository_path(root: &Path, path: &Path) -> String {
    let joined = if root.is_relative() && root != Path::new(".") && !root.as_os_str().is_empty() {
        root.join(path)
    } else {
        path.to_path_buf()
    };
    let text = joined.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}
