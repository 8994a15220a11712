//! What the command line prints on stderr: diagnostics compiler-style,
//! colour only on a terminal (and never with NO_COLOR), and a progress bar
//! for large archives.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use casebook::diagnostics::{Diagnostic, Level};
use casebook::render::Progress;

pub(super) fn print_diagnostics(diagnostics: &[Diagnostic], quiet: bool) {
    let stderr = std::io::stderr();
    let mut out = stderr.lock();
    for d in diagnostics.iter().filter(|d| !quiet || d.is_error()) {
        let style = if d.level == Level::Error {
            Style::Error
        } else {
            Style::Warning
        };
        let location = match (d.line, d.column) {
            (0, _) => d.path.display().to_string(),
            (line, 0) => format!("{}:{line}", d.path.display()),
            (line, column) => format!("{}:{line}:{column}", d.path.display()),
        };
        let _ = writeln!(
            out,
            "{}: {}: {} [{}]",
            paint(&location, Style::Bold),
            paint(&d.level.to_string(), style),
            d.message,
            d.rule
        );
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "  {}: {hint}", paint("help", Style::Hint));
        }
    }
}

/// Prints a line to stderr, ignoring a closed pipe.
pub fn print_line(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[derive(Clone, Copy)]
pub enum Style {
    Error,
    Warning,
    Hint,
    Bold,
}

/// Colours text when stderr is a terminal and NO_COLOR is not set.
pub fn paint(text: &str, style: Style) -> String {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if !colour {
        return text.to_string();
    }
    let code = match style {
        Style::Error => "1;31",
        Style::Warning => "1;33",
        Style::Hint => "1;36",
        Style::Bold => "1",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// A progress bar on a terminal for large archives; nothing otherwise.
pub(super) struct BarProgress {
    bar: Option<ProgressBar>,
}

impl BarProgress {
    /// Below this many pages a build is too quick for a bar to help.
    const MIN_PAGES: u64 = 500;

    pub(super) fn new(quiet: bool) -> Self {
        let show = !quiet && std::io::stderr().is_terminal();
        BarProgress {
            bar: show.then(ProgressBar::hidden),
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for BarProgress {
    fn start(&self, total: u64) {
        if let Some(bar) = &self.bar
            && total >= Self::MIN_PAGES
        {
            bar.set_length(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} rendering {pos}/{len} incident pages {wide_bar} {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn advance(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}
