//! The json format: one document with the counts and every finding.
//!
//! ```json
//! {"version": 1, "files": 18, "errors": 0, "warnings": 1,
//!  "findings": [{"rule": "…", "level": "warning", "path": "…", "line": 4,
//!                "column": 11, "end_column": 20, "message": "…",
//!                "hint": "…", "doc": "docs/rules/….md"}]}
//! ```

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Output, repository_path};
use crate::check::{CheckReport, rules};

pub(super) fn write(report: &CheckReport, output: &Output, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            json!({
                "rule": d.rule,
                "level": d.level,
                "path": repository_path(output.root, &d.path),
                "line": d.line,
                "column": d.column,
                "end_column": f.end_column,
                "message": d.message,
                "hint": d.hint,
                "doc": rules::doc_path(d.rule),
            })
        })
        .collect();
    let document = json!({
        "version": 1,
        "files": report.files,
        "errors": report.errors(),
        "warnings": report.warnings(),
        "findings": findings,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
