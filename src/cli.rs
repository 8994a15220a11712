//! Argument definitions and the commands behind them.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;

use casebook::diagnostics::{Diagnostic, Level};
use casebook::render::Progress;
use casebook::site::{self, BuildOptions};

/// Casebook: a static site generator for blameless postmortem archives.
#[derive(Parser)]
#[command(name = "casebook", version, about, long_about = None, after_help = "Run `casebook <command> --help` for a command's options.\nExit codes: 0 success, 1 problems found in the archive, 2 usage or internal error.")]
pub struct Args {
    /// Archive root (the folder holding casebook.toml and content/).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    root: PathBuf,
    /// Print only errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Print timings of each build stage.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    Build {
        /// Output folder (default: output_dir from casebook.toml, "public").
        #[arg(long, short, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Base URL the site is published at, e.g. https://intranet.example.com/pm/.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Include postmortems with `status: draft`.
        #[arg(long)]
        drafts: bool,
    },
    /// Create a new archive skeleton in DIR (config, an example postmortem, .gitignore).
    Init {
        /// Folder to create the archive in.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

/// Runs the parsed command.
pub fn run(args: Args) -> Result<ExitCode> {
    let today = today();
    match args.command {
        Command::Build {
            output,
            base_url,
            drafts,
        } => {
            let options = BuildOptions {
                root: args.root.clone(),
                output,
                base_url,
                include_drafts: drafts,
                today,
            };
            build(&options, args.quiet, args.verbose)
        }
        Command::Init { dir } => {
            let dir = if dir.is_relative() {
                args.root.join(dir)
            } else {
                dir
            };
            let written = casebook::init::init(&dir, today)?;
            if !args.quiet {
                for path in &written {
                    println!("created {}", path.display());
                }
                println!("\nBuild it with: casebook build --root {}", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn build(options: &BuildOptions, quiet: bool, verbose: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let progress = BarProgress::new(quiet);
    let report = site::build(options, &progress).context("build failed")?;
    progress.finish();
    print_diagnostics(&report.diagnostics, quiet);
    if verbose {
        for (stage, duration) in &report.timings {
            eprintln!("  {stage:<8} {:>8.1} ms", duration.as_secs_f64() * 1000.0);
        }
    }
    let errors = report.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        print_line(&format!(
            "{}: build failed with {errors} error{}; nothing was written (the previous site is untouched)",
            paint("error", Style::Error),
            if errors == 1 { "" } else { "s" }
        ));
        return Ok(ExitCode::from(1));
    }
    if !quiet && let Some(output) = &report.output {
        let warnings = report.diagnostics.len();
        let note = if warnings > 0 {
            format!(
                ", {warnings} warning{}",
                if warnings == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        println!(
            "Built {} incident{} into {} ({} files) in {:.2} s{note}",
            report.incidents,
            if report.incidents == 1 { "" } else { "s" },
            output.display(),
            report.files,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The day to judge overdue items against: SOURCE_DATE_EPOCH when set (for
/// reproducible builds), else the local date.
fn today() -> Date {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or_else(|| jiff::Zoned::now().date())
}

fn print_diagnostics(diagnostics: &[Diagnostic], quiet: bool) {
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
struct BarProgress {
    bar: Option<ProgressBar>,
}

impl BarProgress {
    /// Below this many pages a build is too quick for a bar to help.
    const MIN_PAGES: u64 = 500;

    fn new(quiet: bool) -> Self {
        let show = !quiet && std::io::stderr().is_terminal();
        BarProgress {
            bar: show.then(ProgressBar::hidden),
        }
    }

    fn finish(&self) {
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
