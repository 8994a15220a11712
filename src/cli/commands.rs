//! The commands besides `build`: `search`, `check`, `digest` and `actions`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use jiff::civil::Date;

use casebook::diagnostics::Diagnostic;
use casebook::site;

use super::terminal::{Style, paint, print_diagnostics, print_line};

/// Arguments of `casebook search`.
#[derive(clap::Args)]
pub(super) struct SearchArgs {
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
pub(super) fn search(
    root: &std::path::Path,
    args: SearchArgs,
    today: Date,
    quiet: bool,
) -> Result<ExitCode> {
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
            let (index, words) = search::SearchIndex::create(&archive, &dir.join("index"))?;
            let analysis = search::export::analyse(&index, &archive, &words)?;
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
pub(super) type CheckFormat = casebook::check::format::Format;

/// `casebook check`: findings on stdout in the chosen format; the exit code
/// says whether any is an error.
pub(super) fn check(
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
pub(super) enum DigestFormat {
    Html,
    Md,
    Txt,
}

pub(super) fn digest(
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
pub(super) enum ActionsFormat {
    Human,
    Json,
    Csv,
}

/// `casebook actions`: the action items on stdout, most overdue first.
/// Exit code 1 when the archive has errors (the list is printed anyway).
pub(super) fn actions(
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
