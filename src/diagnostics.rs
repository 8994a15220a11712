//! Diagnostics: problems an author can fix, each with a file, a line and
//! column, what is wrong and how to fix it.
//!
//! Every stage that reads user input reports through [`Diagnostic`] rather
//! than failing, so a build can collect all problems before deciding the exit
//! code once at the end.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How serious a finding is. Errors fail the build; warnings say what was
/// assumed and fail only under `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Warning => "warning",
            Level::Error => "error",
        })
    }
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Path relative to the archive root, as the author knows it.
    pub path: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub column: usize,
    pub level: Level,
    /// A stable identifier such as `front-matter/unclosed`, used by `check`
    /// to let rules be turned off or re-levelled.
    pub rule: &'static str,
    pub message: String,
    /// What would fix it, phrased as an instruction.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(path: &Path, rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(path, Level::Error, rule, message)
    }

    pub fn warning(path: &Path, rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(path, Level::Warning, rule, message)
    }

    fn new(path: &Path, level: Level, rule: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            level,
            rule,
            message: message.into(),
            hint: None,
        }
    }

    /// Places the diagnostic at a 1-based line and column.
    pub fn at(mut self, position: Position) -> Self {
        self.line = position.line;
        self.column = position.column;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    /// Compiler style: `content/a.md:4:11: error: message` then the hint.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": {}: {} [{}]", self.level, self.message, self.rule)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    pub fn new(line: usize, column: usize) -> Self {
        Position { line, column }
    }
}

/// Maps byte offsets in a file to lines and columns (columns count
/// characters, as editors do). The lines are found on the first position
/// asked for: most files loaded have nothing to point at.
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            line_starts: std::cell::OnceCell::new(),
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        let starts = self.line_starts.get_or_init(|| line_starts(self.text));
        position_at(self.text, starts, offset)
    }
}

/// Byte offsets where each line of `text` starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

/// The position of a byte offset, given the text's [`line_starts`], for
/// callers that own their text and cannot hold a [`LineIndex`] borrowing it.
pub fn position_at(text: &str, line_starts: &[usize], offset: usize) -> Position {
    let offset = offset.min(text.len());
    let line = line_starts.partition_point(|&start| start <= offset).max(1);
    let start = line_starts.get(line - 1).copied().unwrap_or(0);
    let column = text
        .get(start..offset)
        .map_or(1, |prefix| prefix.chars().count() + 1);
    Position::new(line, column)
}

/// Sorts diagnostics by file, then position, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_columns() {
        let index = LineIndex::new("ab\ncdé\nf");
        assert_eq!(index.position(0), Position::new(1, 1));
        assert_eq!(index.position(3), Position::new(2, 1));
        assert_eq!(index.position(7), Position::new(2, 4));
        assert_eq!(index.position(8), Position::new(3, 1));
    }

    #[test]
    fn display_is_compiler_style() {
        let d = Diagnostic::error(Path::new("content/a.md"), "severity/unknown", "bad")
            .at(Position::new(4, 11))
            .hint("use SEV-1");
        assert_eq!(
            d.to_string(),
            "content/a.md:4:11: error: bad [severity/unknown]\n  help: use SEV-1"
        );
    }
}
