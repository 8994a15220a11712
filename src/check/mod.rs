//! Stage 7, check: lint rules over the model, for `casebook check` in pull
//! requests and for the build's refusal to publish secrets.
//!
//! Input: the archive as [`load_archive`] gives it (model plus every build
//! diagnostic) and each postmortem's file text, re-read so findings point at
//! the offending text. Output: [`Finding`]s — the build's diagnostics (the
//! schema rules) plus those of the rules in [`rules::RULES`] — re-levelled
//! by `[check.rules]`, per-file `check: { allow: […] }` and `--strict`, in
//! file and position order. Nothing is written; [`format`] prints them.

mod action_items;
mod blameless;
mod completeness;
pub mod format;
mod placeholders;
mod root_cause;
pub mod rules;
mod schema;
mod secrets;
mod source;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;

use crate::archive::Archive;
use crate::config::{CONFIG_FILE, CheckConfig, Config, RuleLevel};
use crate::diagnostics::{self, Diagnostic, Level};
use crate::incident::Incident;
use crate::site::load_archive;
pub use source::Source;

/// One problem `check` reports: a diagnostic plus how far the offending
/// text runs on its line, for carets and SARIF regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
    /// 1-based column just past the offending text; 0 when unknown.
    pub end_column: usize,
}

impl From<Diagnostic> for Finding {
    fn from(diagnostic: Diagnostic) -> Self {
        Finding {
            diagnostic,
            end_column: 0,
        }
    }
}

/// What to check and how strictly.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The archive root.
    pub root: PathBuf,
    /// Files or folders to check (what a pull request changed); empty for
    /// the whole archive. Relative paths are taken from the current folder,
    /// else from the root.
    pub paths: Vec<PathBuf>,
    /// Warnings count as errors.
    pub strict: bool,
    /// The day to judge due dates against.
    pub today: Date,
}

/// What a check found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Every finding, by file and position.
    pub findings: Vec<Finding>,
    /// How many postmortems were checked.
    pub files: usize,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.diagnostic.is_error())
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }
}

/// Checks the archive at `options.root`, or only `options.paths` in it.
/// Returns Err for usage problems (a path that does not exist or lies
/// outside the archive), never for problems in postmortems.
pub fn check(options: &CheckOptions) -> Result<CheckReport> {
    let scope = Scope::new(&options.root, &options.paths)?;
    let (archive, build) = load_archive(&options.root, None, true, options.today, &mut Vec::new());
    let mut report = CheckReport::default();
    let Some(archive) = archive else {
        // The config itself is broken: nothing else can be checked.
        report.findings = build.into_iter().map(Finding::from).collect();
        return Ok(report);
    };
    let config = &archive.config;
    let mut by_file: HashMap<&Path, Vec<&Diagnostic>> = HashMap::new();
    for diagnostic in &build {
        by_file
            .entry(diagnostic.path.as_path())
            .or_default()
            .push(diagnostic);
    }
    let incidents: Vec<&Incident> = archive
        .incidents
        .iter()
        .filter(|i| scope.contains(&i.source))
        .collect();
    report.files = incidents.len();
    let checked: Vec<(PathBuf, Vec<String>, Vec<Finding>)> = incidents
        .par_iter()
        .map(|incident| {
            let build = by_file
                .get(incident.source.as_path())
                .cloned()
                .unwrap_or_default();
            check_incident(incident, &options.root, config, options.today, &build)
        })
        .collect();
    let mut allow: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut findings: Vec<Finding> = Vec::new();
    for (path, allowed, found) in checked {
        allow.insert(path, allowed);
        findings.extend(found);
    }
    findings.extend(unknown_rules_in_config(&options.root, &config.check));
    let mut findings = relevel(findings, false, &config.check, &allow, options.strict);
    // A due date the build could not read because it is a placeholder is
    // reported once, as the placeholder.
    let placeholder_lines: HashSet<(&Path, usize)> = findings
        .iter()
        .filter(|f| f.diagnostic.rule == "placeholders/unfilled")
        .map(|f| (f.diagnostic.path.as_path(), f.diagnostic.line))
        .collect();
    let build: Vec<Finding> = build
        .into_iter()
        .filter(|d| d.path == Path::new(CONFIG_FILE) || scope.contains(&d.path))
        .filter(|d| {
            d.rule != "action/due" || !placeholder_lines.contains(&(d.path.as_path(), d.line))
        })
        .map(Finding::from)
        .collect();
    findings.extend(relevel(build, true, &config.check, &allow, options.strict));
    findings.sort_by(|a, b| {
        let (a, b) = (&a.diagnostic, &b.diagnostic);
        (&a.path, a.line, a.column, a.rule, &a.message)
            .cmp(&(&b.path, b.line, b.column, b.rule, &b.message))
    });
    findings.dedup();
    report.findings = findings;
    Ok(report)
}

/// The secrets in published postmortems that the build must refuse: each
/// `secrets/*` finding whose level is error after `[check.rules]` and the
/// file's `check: { allow: […] }`. A file that cannot be read gives no
/// findings here (the content stage already reported it); `site::build`
/// runs [`secret_findings_of`] on each file as the content stage reads it.
pub fn secret_findings(archive: &Archive, root: &Path) -> Vec<Diagnostic> {
    let sources: Vec<&Path> = archive
        .incidents
        .iter()
        .map(|i| i.source.as_path())
        .collect();
    secret_findings_in(&sources, &archive.config.check, root)
}

/// [`secret_findings`] for the postmortems at `sources` (relative to the
/// root): serve's quick path scans the edited file this way.
pub fn secret_findings_in(sources: &[&Path], check: &CheckConfig, root: &Path) -> Vec<Diagnostic> {
    let mut found: Vec<Diagnostic> = sources
        .par_iter()
        .flat_map_iter(|path| {
            let Ok(source) = Source::read_for_secrets(root, path) else {
                return Vec::new();
            };
            refused_secrets(&source, check)
        })
        .collect();
    diagnostics::sort(&mut found);
    found
}

/// [`secret_findings`] of one postmortem whose bytes are in hand, `path`
/// relative to the root: the build scans each file as the content stage
/// reads it, so that no file's bytes outlive its parsing.
pub fn secret_findings_of(path: &Path, bytes: &[u8], check: &CheckConfig) -> Vec<Diagnostic> {
    refused_secrets(&Source::for_secrets(path, bytes), check)
}

/// The secrets in `source` whose level is error.
fn refused_secrets(source: &Source, check: &CheckConfig) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    secrets::check_secrets(source, &mut findings);
    let allow = HashMap::from([(source.path.clone(), source.allow.clone())]);
    relevel(findings, false, check, &allow, false)
        .into_iter()
        .filter(|f| f.diagnostic.is_error())
        .map(|f| {
            let mut d = f.diagnostic;
            d.message = format!("{}; not published", d.message);
            d
        })
        .collect()
}

/// What the rules see of one postmortem.
pub(crate) struct Context<'a> {
    pub incident: &'a Incident,
    pub source: &'a Source,
    pub config: &'a Config,
    pub today: Date,
    /// The build's diagnostics for this file.
    pub build: &'a [&'a Diagnostic],
}

impl Context<'_> {
    /// A finding of a catalogued rule at its default level.
    pub fn finding(
        &self,
        rule: &'static str,
        at: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Finding {
        let level = rules::find(rule).map_or(Level::Warning, |r| r.level);
        self.source.finding(rule, level, at, message, hint)
    }

    /// Whether the build already reported `rule` on `line`.
    pub fn build_reported(&self, rule: &str, line: usize) -> bool {
        self.build.iter().any(|d| d.rule == rule && d.line == line)
    }
}

fn check_incident(
    incident: &Incident,
    root: &Path,
    config: &Config,
    today: Date,
    build: &[&Diagnostic],
) -> (PathBuf, Vec<String>, Vec<Finding>) {
    let source = match Source::read(root, &incident.source) {
        Ok(source) => source,
        // Read a moment ago by the content stage; gone or unreadable now.
        Err(_) => return (incident.source.clone(), Vec::new(), Vec::new()),
    };
    let cx = Context {
        incident,
        source: &source,
        config,
        today,
        build,
    };
    let mut findings = Vec::new();
    schema::check(&cx, &mut findings);
    completeness::check(&cx, &mut findings);
    action_items::check(&cx, &mut findings);
    blameless::check(&cx, &mut findings);
    root_cause::check(&cx, &mut findings);
    secrets::check(&cx, &mut findings);
    placeholders::check(&cx, &mut findings);
    findings.extend(unknown_rules_in_front_matter(&source));
    (source.path.clone(), source.allow.clone(), findings)
}

/// Applies `[check.rules]`, per-file allows and `--strict`. Errors the
/// build reports (`from_build`) stay errors: `check` must never pass what
/// `build` rejects.
fn relevel(
    findings: Vec<Finding>,
    from_build: bool,
    config: &CheckConfig,
    allow: &HashMap<PathBuf, Vec<String>>,
    strict: bool,
) -> Vec<Finding> {
    findings
        .into_iter()
        .filter_map(|mut finding| {
            let d = &mut finding.diagnostic;
            if from_build && d.is_error() {
                return Some(finding);
            }
            let allowed = allow
                .get(&d.path)
                .is_some_and(|keys| keys.iter().any(|k| rules::matches(k, d.rule)));
            if allowed {
                return None;
            }
            match configured_level(config, d.rule) {
                Some(RuleLevel::Off) => return None,
                Some(RuleLevel::Error) => d.level = Level::Error,
                Some(RuleLevel::Warning) => d.level = Level::Warning,
                None => {}
            }
            if strict {
                d.level = Level::Error;
            }
            Some(finding)
        })
        .collect()
}

/// The level `[check.rules]` gives `rule`: the most specific key wins (an
/// id over a group, a group over `schema`).
fn configured_level(config: &CheckConfig, rule: &str) -> Option<RuleLevel> {
    config
        .rules
        .iter()
        .filter(|(key, _)| rules::matches(key, rule))
        .max_by_key(|(key, _)| if key.trim() == "schema" { 0 } else { key.len() })
        .map(|(_, level)| *level)
}

fn unknown_rules_in_config(root: &Path, config: &CheckConfig) -> Vec<Finding> {
    let text = std::fs::read_to_string(root.join(CONFIG_FILE)).unwrap_or_default();
    config
        .rules
        .keys()
        .filter(|key| !rules::is_known(key))
        .map(|key| {
            let offset = text
                .find(&format!("\"{key}\""))
                .or_else(|| text.find(key.as_str()))
                .unwrap_or(0);
            let source = Source::new(Path::new(CONFIG_FILE), text.clone());
            let at = if text.is_empty() {
                0..0
            } else {
                offset..offset + key.len() + 2
            };
            let mut finding = source.finding(
                "check/unknown-rule",
                Level::Warning,
                at,
                format!("[check.rules] names {key:?}, which is not a rule or group"),
                unknown_rule_hint(key),
            );
            if text.is_empty() {
                finding.diagnostic.line = 0;
                finding.diagnostic.column = 0;
            }
            finding
        })
        .collect()
}

fn unknown_rules_in_front_matter(source: &Source) -> Vec<Finding> {
    source
        .allow
        .iter()
        .filter(|key| !rules::is_known(key))
        .map(|key| {
            let check_line = source.fields.get("check").copied().unwrap_or(0);
            let at = source.text[check_line..]
                .find(key.as_str())
                .map_or(source.field("check"), |i| {
                    check_line + i..check_line + i + key.len()
                });
            source.finding(
                "check/unknown-rule",
                Level::Warning,
                at,
                format!("`check: {{ allow: […] }}` names {key:?}, which is not a rule or group"),
                unknown_rule_hint(key),
            )
        })
        .collect()
}

fn unknown_rule_hint(key: &str) -> String {
    let group = key.split('/').next().unwrap_or(key);
    let near: Vec<&str> = rules::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| id.starts_with(group))
        .collect();
    if near.is_empty() {
        "the rules and groups are listed in docs/check.md".to_string()
    } else {
        format!("did you mean one of {}?", near.join(", "))
    }
}

/// The files a check covers.
struct Scope {
    /// Paths relative to the root; empty means everything.
    paths: Vec<PathBuf>,
}

impl Scope {
    fn new(root: &Path, paths: &[PathBuf]) -> Result<Scope> {
        let root_abs = std::path::absolute(root)
            .with_context(|| format!("cannot resolve {}", root.display()))?;
        let root_abs = normalize(&root_abs);
        let mut relative = Vec::new();
        for path in paths {
            let candidates = [std::path::absolute(path).ok(), Some(root_abs.join(path))];
            let Some(found) = candidates
                .into_iter()
                .flatten()
                .map(|p| normalize(&p))
                .find(|p| p.exists())
            else {
                bail!("{}: no such file or folder", path.display());
            };
            let Ok(inside) = found.strip_prefix(&root_abs) else {
                bail!(
                    "{} is outside the archive at {}",
                    path.display(),
                    root.display()
                );
            };
            relative.push(inside.to_path_buf());
        }
        Ok(Scope { paths: relative })
    }

    fn contains(&self, path: &Path) -> bool {
        self.paths.is_empty() || self.paths.iter().any(|p| path.starts_with(p))
    }
}

/// Removes `.` and `..` without touching the file system (so symlinked
/// checkouts keep the path the user typed).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Rule ids with their levels after `[check.rules]`, for `--help`-style
/// listings and SARIF.
pub fn rule_levels(config: &CheckConfig) -> BTreeMap<&'static str, Option<Level>> {
    rules::RULES
        .iter()
        .map(|r| {
            let level = match configured_level(config, r.id) {
                Some(RuleLevel::Off) => None,
                Some(RuleLevel::Error) => Some(Level::Error),
                Some(RuleLevel::Warning) => Some(Level::Warning),
                None => Some(r.level),
            };
            (r.id, level)
        })
        .collect()
}

/// A bare incident for unit tests of the rules.
#[cfg(test)]
pub(crate) fn test_incident() -> Incident {
    use crate::incident::{DigestHints, Durations, IncidentTimes, Status};
    Incident {
        id: "2024/test".into(),
        source: PathBuf::from("content/2024/test.md"),
        title: "Test".into(),
        date: jiff::civil::date(2024, 3, 14),
        severity: None,
        status: Status::Final,
        times: IncidentTimes::default(),
        durations: Durations::default(),
        teams: Vec::new(),
        services: Vec::new(),
        tags: Vec::new(),
        customer_impact: None,
        data_loss: None,
        summary: String::new(),
        authors: Vec::new(),
        action_items: Vec::new(),
        related: Vec::new(),
        recurrence_of: Vec::new(),
        share_with: Vec::new(),
        digest: DigestHints::default(),
        extra: BTreeMap::new(),
        sections: Vec::new(),
        timeline: Vec::new(),
        has_mermaid: false,
        word_count: 0,
        updated: None,
    }
}
