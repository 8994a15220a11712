//! The sarif format: a SARIF 2.1.0 log with one run, the rule catalogue as
//! the driver's rules, and one result per finding, for GitHub code scanning
//! and other dashboards.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Output, repository_path};
use crate::check::{CheckReport, rules};
use crate::diagnostics::Level;

/// The schema the log declares.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub(super) fn write(report: &CheckReport, output: &Output, out: &mut dyn Write) -> io::Result<()> {
    // Every catalogued rule, then the build's ids that occur, in order.
    let mut ids: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
    for finding in &report.findings {
        if !ids.contains(&finding.diagnostic.rule) {
            ids.push(finding.diagnostic.rule);
        }
    }
    let index: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let descriptors: Vec<Value> = ids
        .iter()
        .map(|id| {
            let (description, level) = match rules::find(id) {
                Some(rule) => (rule.description.to_string(), rule.level),
                None => (
                    format!("{id}: a problem the build reports (schema)"),
                    Level::Error,
                ),
            };
            json!({
                "id": id,
                "name": id.replace(['/', '-'], "_"),
                "shortDescription": { "text": description },
                "help": { "text": format!("{description}. Documented with a bad and a good example in {} of the Casebook repository.", rules::doc_path(id)) },
                "defaultConfiguration": { "level": sarif_level(level) },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let mut region = json!({
                "startLine": d.line.max(1),
            });
            if d.column > 0 {
                region["startColumn"] = json!(d.column);
                if f.end_column > d.column {
                    region["endColumn"] = json!(f.end_column);
                }
            }
            let mut message = d.message.clone();
            if let Some(hint) = &d.hint {
                message.push_str(&format!(" Help: {hint}"));
            }
            json!({
                "ruleId": d.rule,
                "ruleIndex": index[d.rule],
                "level": sarif_level(d.level),
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": repository_path(output.root, &d.path),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": region,
                    }
                }],
            })
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "casebook",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}
