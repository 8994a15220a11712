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

/// Arguments of `casebook search`.
#[derive(clap::Args)]
struct SearchArgs {
    /// Words to find; "quoted words" must appear together.
    #[arg(default_value = "")]
    query: String,
    /// Only incidents of this severity (repeatable: any of them).
    #[arg(long, value_name = "SEV")]
    severity: Vec<String>,
    /// Only incidents of this team (repeatable).
    #[arg(long, value_name = "TEAM")]
    team: Vec<String>,
    /// Only incidents touching this service (repeatable).
    #[arg(long, value_name = "SERVICE")]
    service: Vec<String>,
    /// Only incidents with this tag (repeatable).
    #[arg(long, value_name = "TAG")]
    tag: Vec<String>,
    /// Only incidents of this year (repeatable).
    #[arg(long, value_name = "YEAR")]
    year: Vec<u16>,
    /// Only incidents on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    since: Option<Date>,
    /// Only incidents on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    until: Option<Date>,
    /// How many results to show.
    #[arg(long, short = 'n', default_value_t = 10)]
    limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `casebook search`: answers from the cached tantivy index, building it
/// first when no build has left one.
fn search(root: &std::path::Path, args: SearchArgs, today: Date, quiet: bool) -> Result<ExitCode> {
    use casebook::search;
    let opened = match search::open(root) {
        Ok(opened) => opened,
        Err(_) => {
            if !quiet {
                print_line("no search index yet (run `casebook build`); indexing the archive now");
            }
            let mut timings = Vec::new();
            let (archive, diagnostics) = site::load_archive(root, None, false, today, &mut timings);
            let Some(archive) = archive else {
                print_diagnostics(&diagnostics, quiet);
                return Ok(ExitCode::from(1));
            };
            let dir = search::index::cache_dir(root);
            let index = search::SearchIndex::create(&archive, &dir.join("index"))?;
            let analysis = search::export::analyse(&index, &archive)?;
            search::export::write_vocabulary(&analysis, &dir.join(search::VOCABULARY_FILE))?;
            search::open(root)?
        }
    };
    let request = search::SearchRequest {
        query: args.query,
        severity: args.severity,
        teams: args.team,
        services: args.service,
        tags: args.tag,
        years: args.year,
        since: args.since,
        until: args.until,
        limit: args.limit,
    };
    let started = Instant::now();
    let results = search::query::search(&opened.0, opened.1.as_ref(), &request)?;
    let elapsed = started.elapsed();
    let mut out = std::io::stdout().lock();
    if args.json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&results)?);
        return Ok(ExitCode::SUCCESS);
    }
    for (typed, used) in &results.corrections {
        let _ = writeln!(out, "(no {typed:?} in the archive; showing {used:?})");
    }
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for hit in &results.hits {
        let severity = hit.severity.as_deref().unwrap_or("unrated");
        let _ = writeln!(
            out,
            "{}  {severity:<6} {}  ({})",
            hit.date, hit.title, hit.id
        );
        let mut snippet = String::new();
        let mut last = 0;
        for &(start, end) in &hit.highlights {
            let (open, close) = if colour {
                ("\x1b[1m", "\x1b[0m")
            } else {
                ("[", "]")
            };
            snippet.push_str(&hit.snippet[last..start]);
            snippet.push_str(open);
            snippet.push_str(&hit.snippet[start..end]);
            snippet.push_str(close);
            last = end;
        }
        snippet.push_str(&hit.snippet[last..]);
        let _ = writeln!(out, "    {}\n", snippet.replace('\n', " "));
    }
    if !quiet {
        print_line(&format!(
            "{} of {} matching incident{} in {:.1} ms",
            results.hits.len(),
            results.total,
            if results.total == 1 { "" } else { "s" },
            elapsed.as_secs_f64() * 1000.0
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The `--format` of `casebook check`.
type CheckFormat = casebook::check::format::Format;

/// `casebook check`: findings on stdout in the chosen format; the exit code
/// says whether any is an error.
fn check(
    root: &std::path::Path,
    paths: Vec<PathBuf>,
    format: CheckFormat,
    strict: bool,
    today: Date,
    quiet: bool,
) -> Result<ExitCode> {
    use casebook::check::{self, CheckOptions, format::Output};
    let options = CheckOptions {
        root: root.to_path_buf(),
        paths,
        strict,
        today,
    };
    let mut report = check::check(&options)?;
    if quiet && format == CheckFormat::Human {
        report.findings.retain(|f| f.diagnostic.is_error());
    }
    let stdout = std::io::stdout();
    let output = Output {
        root,
        colour: stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written =
        check::format::write(&report, format, &output, &mut out).and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(e).context("cannot write the findings");
        }
        _ => {}
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Output formats of `casebook digest`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum DigestFormat {
    Html,
    Md,
    Txt,
}

fn digest(
    root: &std::path::Path,
    period: Option<&str>,
    audience: Option<&str>,
    format: DigestFormat,
    base_url: Option<&str>,
    today: Date,
) -> Result<ExitCode> {
    use casebook::digest::{Format, Period, PeriodKind};
    let period = period
        .map(Period::parse)
        .transpose()
        .map_err(anyhow::Error::new)?;
    let mut timings = Vec::new();
    let (archive, diagnostics) = site::load_archive(root, base_url, false, today, &mut timings);
    print_diagnostics(&diagnostics, true);
    let Some(archive) = archive else {
        return Ok(ExitCode::from(1));
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        print_line(&format!(
            "{}: the archive has errors; fix them (see `casebook check`) to write a digest",
            paint("error", Style::Error)
        ));
        return Ok(ExitCode::from(1));
    }
    let period = match period {
        Some(period) => period,
        None => match archive
            .incidents
            .iter()
            .find(|i| casebook::digest::selection::is_listed(i))
        {
            Some(latest) => Period::containing(PeriodKind::Month, latest.date),
            None => anyhow::bail!("the archive has no incidents, so there is no digest"),
        },
    };
    let (format, theme) = match format {
        DigestFormat::Md => (Format::Markdown, None),
        DigestFormat::Txt => (Format::Text, None),
        DigestFormat::Html => (
            Format::Html,
            Some(casebook::templates::Theme::load(root, &archive.config)?),
        ),
    };
    let text = casebook::digest::render_one(&archive, theme.as_ref(), period, audience, format)?;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write the digest to stdout")
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Output formats of `casebook actions`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum ActionsFormat {
    Human,
    Json,
    Csv,
}

/// `casebook actions`: the action items on stdout, most overdue first.
/// Exit code 1 when the archive has errors (the list is printed anyway).
fn actions(
    root: &std::path::Path,
    overdue: bool,
    owner: Option<String>,
    format: ActionsFormat,
    today: Date,
) -> Result<ExitCode> {
    use casebook::dashboards::actions::{self, ActionFilter, Format};
    let mut timings = Vec::new();
    let (archive, diagnostics) = site::load_archive(root, None, false, today, &mut timings);
    print_diagnostics(&diagnostics, true);
    let Some(archive) = archive else {
        return Ok(ExitCode::from(1));
    };
    let filter = ActionFilter {
        overdue_only: overdue,
        owner,
    };
    let format = match format {
        ActionsFormat::Human => Format::Human,
        ActionsFormat::Json => Format::Json,
        ActionsFormat::Csv => Format::Csv,
    };
    let text = actions::report(&archive, &filter, format);
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(e).context("cannot write the action items to stdout");
        }
        _ => {}
    }
    Ok(if diagnostics.iter().any(Diagnostic::is_error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
