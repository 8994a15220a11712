//! The github format: one workflow command per finding,
//! `::error file=content/a.md,line=4,col=11,title=rule::message%0Ahelp: hint`,
//! which GitHub Actions shows on the pull request's diff.

use std::io::{self, Write};

use super::{Output, repository_path};
use crate::check::CheckReport;
use crate::diagnostics::Level;

pub(super) fn write(report: &CheckReport, output: &Output, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        let d = &finding.diagnostic;
        let command = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(hint) = &d.hint {
            message.push_str("\nhelp: ");
            message.push_str(hint);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            property(&repository_path(output.root, &d.path)),
            d.line.max(1),
            d.column.max(1),
            property(d.rule),
            data(&message)
        )?;
    }
    Ok(())
}

/// Escapes a message (`%`, line breaks) for a workflow command.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_toolkit() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
