//! Argument definitions and the commands behind them.
//!
//! - [`commands`]: `search`, `check`, `digest` and `actions`;
//! - [`terminal`]: diagnostics, colour and the progress bar on stderr;
//! - this module: the arguments, dispatch and `build`.

mod commands;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use jiff::civil::Date;

use casebook::site::{self, BuildOptions};

pub use terminal::{Style, paint, print_line};

use commands::{
    ActionsFormat, CheckFormat, DigestFormat, SearchArgs, actions, check, digest, search,
};
use terminal::{BarProgress, print_diagnostics};

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
    /// Print timings of each build stage (content includes the secret
    /// scan; render's page families, and render and search, run side by
    /// side: their times overlap).
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
        /// Skip the search stage (no search index, no search/ page).
        #[arg(long)]
        no_search: bool,
    },
    /// Search the archive from the index the last build left in .casebook-cache/.
    Search(SearchArgs),
    /// Build, serve on loopback, rebuild on change and reload open pages.
    #[cfg(feature = "serve")]
    Serve {
        /// Port to listen on.
        #[arg(long, short, default_value_t = 1111)]
        port: u16,
        /// Interface to bind; 127.0.0.1 keeps the preview private. Use 0.0.0.0 to expose it deliberately.
        #[arg(long, default_value = "127.0.0.1")]
        interface: String,
        /// Include postmortems with `status: draft`.
        #[arg(long)]
        drafts: bool,
    },
    /// Check postmortems without building: schema, required sections, action
    /// items, blameless language, secrets and personal data, placeholders.
    #[command(
        after_help = "Exit codes: 0 clean, 1 errors found (or warnings with --strict), 2 usage or internal error.\nRules are documented in docs/check.md and docs/rules/; configure them in [check] of casebook.toml or per file with `check: { allow: [rule-id] }`."
    )]
    Check {
        /// Files or folders to check, e.g. the ones a pull request changed (default: the whole archive).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Scaffold a postmortem at content/YYYY/<slug>.md from the template; never overwrites.
    New {
        /// The incident's title, e.g. "Checkout outage during payments-db failover".
        title: String,
        /// Severity from the scale in casebook.toml (e.g. SEV-2; aliases work).
        #[arg(long)]
        severity: Option<String>,
        /// Team involved (repeat for several).
        #[arg(long = "team", value_name = "TEAM")]
        teams: Vec<String>,
        /// Service affected (repeat for several).
        #[arg(long = "service", value_name = "SERVICE")]
        services: Vec<String>,
        /// Tag (repeat for several).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Day the incident began (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<Date>,
    },
    /// Print a read-aloud digest of a week, month or quarter to stdout.
    #[command(
        after_help = "Examples:\n  casebook digest --period 2024-03\n  casebook digest --period 2024-W12 --audience payments --format txt\n  casebook digest --period 2024-Q1 --format html > digest.html"
    )]
    Digest {
        /// Week (2024-W12), month (2024-03) or quarter (2024-Q1); default: the latest month with incidents.
        #[arg(long, value_name = "PERIOD")]
        period: Option<String>,
        /// Team to digest for: its own incidents, services it depends_on, and share_with first.
        #[arg(long, value_name = "TEAM")]
        audience: Option<String>,
        /// Output format: Markdown and plain text fit e-mail and chat.
        #[arg(long, value_enum, default_value_t = DigestFormat::Md)]
        format: DigestFormat,
        /// Base URL for links to the full postmortems, e.g. https://intranet.example.com/pm/.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Print every action item (or the overdue ones, or one owner's), e.g. for reminders from CI.
    #[command(
        after_help = "Examples:\n  casebook actions --overdue\n  casebook actions --owner \"Payments team\" --format csv > actions.csv\n  casebook actions --overdue --format json | jq -r '.action_items[].title'\n\nOverdue is judged against today, or SOURCE_DATE_EPOCH when set."
    )]
    Actions {
        /// Only items still open after their due date.
        #[arg(long)]
        overdue: bool,
        /// Only items of this owner (compared ignoring case and punctuation: `@alice` matches `Alice`).
        #[arg(long, value_name = "OWNER")]
        owner: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ActionsFormat::Human)]
        format: ActionsFormat,
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
            no_search,
        } => {
            let options = BuildOptions {
                root: args.root.clone(),
                output,
                base_url,
                include_drafts: drafts,
                today,
                no_search,
            };
            build(&options, args.quiet, args.verbose)
        }
        Command::Search(search_args) => search(&args.root, search_args, today, args.quiet),
        #[cfg(feature = "serve")]
        Command::Serve {
            port,
            interface,
            drafts,
        } => {
            let options = casebook::serve::ServeOptions {
                root: args.root.clone(),
                interface,
                port,
                include_drafts: drafts,
                today,
            };
            let quiet = args.quiet;
            casebook::serve::serve(&options, &move |line: &str| {
                if !quiet {
                    print_line(line);
                }
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            paths,
            format,
            strict,
        } => check(&args.root, paths, format, strict, today, args.quiet),
        Command::New {
            title,
            severity,
            teams,
            services,
            tags,
            date,
        } => {
            let request = casebook::new::NewPostmortem {
                root: args.root.clone(),
                title,
                severity,
                teams,
                services,
                tags,
                date: date.unwrap_or(today),
            };
            let path = casebook::new::create(&request)?;
            println!("{}", casebook::new::shown(&path).display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Digest {
            period,
            audience,
            format,
            base_url,
        } => digest(
            &args.root,
            period.as_deref(),
            audience.as_deref(),
            format,
            base_url.as_deref(),
            today,
        ),
        Command::Actions {
            overdue,
            owner,
            format,
        } => actions(&args.root, overdue, owner, format, today),
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
            eprintln!("  {stage:<16} {:>8.1} ms", duration.as_secs_f64() * 1000.0);
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
