//! The human format: one block per finding, compiler style —
//!
//! ```text
//! content/2024/db.md:12:8: error: AWS access key id `AKIA…` in the postmortem [secrets/aws-key]
//!    |
//! 12 | aws_access_key_id = ********************
//!    |                     ^^^^^^^^^^^^^^^^^^^^
//!    = help: remove it from the postmortem and revoke or rotate it…
//! ```
//!
//! then a one-line summary. Secrets are masked in the quoted line.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::Output;
use crate::check::{CheckReport, Finding};
use crate::diagnostics::Level;

pub(super) fn write(report: &CheckReport, output: &Output, out: &mut dyn Write) -> io::Result<()> {
    let paint = Painter { on: output.colour };
    let mut files: HashMap<PathBuf, Vec<String>> = HashMap::new();
    for finding in &report.findings {
        let d = &finding.diagnostic;
        // A path the terminal can open: under the root unless it is `.`.
        let path = if output.root == Path::new(".") || output.root.as_os_str().is_empty() {
            d.path.clone()
        } else {
            output.root.join(&d.path)
        };
        let location = match (d.line, d.column) {
            (0, _) => path.display().to_string(),
            (line, 0) => format!("{}:{line}", path.display()),
            (line, column) => format!("{}:{line}:{column}", path.display()),
        };
        let style = match d.level {
            Level::Error => "1;31",
            Level::Warning => "1;33",
        };
        writeln!(
            out,
            "{}: {}: {} [{}]",
            paint.paint(&location, "1"),
            paint.paint(&d.level.to_string(), style),
            d.message,
            d.rule
        )?;
        let lines = files
            .entry(d.path.clone())
            .or_insert_with(|| read_lines(output.root, &d.path));
        if d.line > 0
            && let Some(text) = lines.get(d.line - 1)
        {
            snippet(out, &paint, finding, text, style)?;
        }
        if let Some(hint) = &d.hint {
            let gutter = " ".repeat(d.line.to_string().len());
            writeln!(out, "{gutter} = {}: {hint}", paint.paint("help", "1;36"))?;
        }
        writeln!(out)?;
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    let files = format!(
        "{} postmortem{}",
        report.files,
        if report.files == 1 { "" } else { "s" }
    );
    if errors == 0 && warnings == 0 {
        writeln!(out, "No problems found in {files}.")?;
    } else {
        writeln!(
            out,
            "{}: {errors} error{}, {warnings} warning{} in {files}",
            if errors > 0 {
                paint.paint("error", "1;31")
            } else {
                paint.paint("warning", "1;33")
            },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        )?;
    }
    Ok(())
}

/// The quoted line with a caret under the offending text.
fn snippet(
    out: &mut dyn Write,
    paint: &Painter,
    finding: &Finding,
    text: &str,
    style: &str,
) -> io::Result<()> {
    let d = &finding.diagnostic;
    let gutter = " ".repeat(d.line.to_string().len());
    let column = d.column.max(1);
    let end = if finding.end_column > column {
        finding.end_column
    } else {
        column + 1
    };
    let secret = d.rule.starts_with("secrets/");
    let shown: String = text
        .trim_end_matches('\r')
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let inside = (column - 1..end - 1).contains(&i);
            match c {
                '\t' => ' ',
                _ if secret && inside && !c.is_whitespace() => '*',
                c => c,
            }
        })
        .collect();
    writeln!(out, "{gutter} {}", paint.paint("|", "1;34"))?;
    writeln!(
        out,
        "{} {} {shown}",
        paint.paint(&d.line.to_string(), "1;34"),
        paint.paint("|", "1;34")
    )?;
    let carets = "^".repeat(end - column);
    writeln!(
        out,
        "{gutter} {} {}{}",
        paint.paint("|", "1;34"),
        " ".repeat(column - 1),
        paint.paint(&carets, style)
    )
}

fn read_lines(root: &Path, path: &Path) -> Vec<String> {
    std::fs::read(root.join(path))
        .map(|bytes| {
            String::from_utf8_lossy(&bytes)
                .trim_start_matches('\u{feff}')
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

struct Painter {
    on: bool,
}

impl Painter {
    fn paint(&self, text: &str, code: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}
