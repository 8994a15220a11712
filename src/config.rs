//! Stage 1, config: reads and validates `casebook.toml`.
//!
//! Input: the archive root. Output: a [`Config`] with every key defaulted, so
//! an archive without a config file still builds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, LineIndex};

/// The name of the configuration file at the archive root.
pub const CONFIG_FILE: &str = "casebook.toml";

/// Archive-wide settings. Every key is optional.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Site title shown in the header and feeds.
    pub title: String,
    /// One line under the title on the home page.
    pub description: String,
    /// Absolute URL the site is published at; may include a sub-path.
    pub base_url: String,
    /// Theme name under `themes/`; `default` is built into the binary.
    pub theme: String,
    /// Repository web URL; incident pages link to `{repo_url}/edit/{branch}/{path}`.
    pub repo_url: Option<String>,
    /// Branch used in edit links.
    pub repo_branch: String,
    /// Folder (under the root) holding postmortems.
    pub content_dir: PathBuf,
    /// Folder (under the root) the site is written to.
    pub output_dir: PathBuf,
    /// IANA zone for offset-less times in front matter and timelines.
    pub timezone: String,
    /// Pass raw HTML in Markdown through unchanged; otherwise it is sanitised.
    pub allow_html: bool,
    /// How many incidents the home page lists.
    pub recent_count: usize,
    /// The severity scale, worst first.
    pub severities: Vec<SeverityLevel>,
    /// Extra taxonomy names beyond teams/services/tags (reserved).
    pub teams: BTreeMap<String, TeamConfig>,
    /// Acronyms spelled out on first use in digests.
    pub glossary: BTreeMap<String, String>,
    /// Settings of `casebook check`: rule levels, required sections, people.
    pub check: CheckConfig,
}

/// One step of the severity scale.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeverityLevel {
    /// Canonical name, e.g. `SEV-1`.
    pub name: String,
    /// Words for readers, e.g. `Critical`.
    #[serde(default)]
    pub label: String,
    /// Other spellings that map to this level, matched case-insensitively.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// Per-team settings used to route incidents into digests.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeamConfig {
    /// Services this team depends on.
    pub depends_on: Vec<String>,
}

/// `[check]`: how `casebook check` judges postmortems.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CheckConfig {
    /// Rule id or group (`blameless`, `secrets/high-entropy`) → level. The
    /// most specific key wins; errors the build itself reports cannot be
    /// lowered.
    pub rules: BTreeMap<String, RuleLevel>,
    /// People who may be named in postmortems, so sentences that make one of
    /// them the subject of a failure are caught (in addition to `authors`).
    pub people: Vec<String>,
    /// Which sections each kind of incident must have.
    pub sections: RequiredSections,
}

/// What `[check.rules]` can set a rule to.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Off,
}

/// `[check.sections]`: the completeness decision tree. Severe incidents (a
/// severity in `full_for`, customer impact or data loss) need `full`; the
/// rest need `light`, unless `by_severity` names their severity.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RequiredSections {
    pub full: Vec<SectionName>,
    pub light: Vec<SectionName>,
    /// Severity names (canonical, from the scale) that need the full set.
    pub full_for: Vec<String>,
    /// Customer impact makes an incident need the full set.
    pub full_for_customer_impact: bool,
    /// Data loss makes an incident need the full set.
    pub full_for_data_loss: bool,
    /// A set of its own for a severity, replacing `light` (not `full`).
    pub by_severity: BTreeMap<String, Vec<SectionName>>,
}

impl Default for RequiredSections {
    fn default() -> Self {
        use SectionName::*;
        RequiredSections {
            full: vec![
                Summary,
                Impact,
                Timeline,
                ContributingFactors,
                ActionItems,
                Lessons,
            ],
            light: vec![Summary, Timeline, ActionItems],
            full_for: vec!["SEV-1".to_string(), "SEV-2".to_string()],
            full_for_customer_impact: true,
            full_for_data_loss: true,
            by_severity: BTreeMap::new(),
        }
    }
}

/// A body section as named in `[check.sections]`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SectionName {
    Summary,
    Impact,
    Timeline,
    #[serde(alias = "root_cause", alias = "root_causes")]
    ContributingFactors,
    FiveWhys,
    WentWell,
    WentWrong,
    #[serde(alias = "follow_ups")]
    ActionItems,
    #[serde(alias = "lessons_learned")]
    Lessons,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Postmortems".to_string(),
            description: "What we learned from our incidents.".to_string(),
            base_url: "/".to_string(),
            theme: "default".to_string(),
            repo_url: None,
            repo_branch: "main".to_string(),
            content_dir: PathBuf::from("content"),
            output_dir: PathBuf::from("public"),
            timezone: "UTC".to_string(),
            allow_html: false,
            recent_count: 10,
            severities: default_severities(),
            teams: BTreeMap::new(),
            glossary: BTreeMap::new(),
            check: CheckConfig::default(),
        }
    }
}

fn default_severities() -> Vec<SeverityLevel> {
    let level = |name: &str, label: &str, aliases: &[&str]| SeverityLevel {
        name: name.to_string(),
        label: label.to_string(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
    };
    vec![
        level(
            "SEV-1",
            "Critical",
            &["sev1", "sev 1", "p1", "p0", "critical"],
        ),
        level("SEV-2", "Major", &["sev2", "sev 2", "p2", "high", "major"]),
        level(
            "SEV-3",
            "Minor",
            &["sev3", "sev 3", "p3", "medium", "minor"],
        ),
        level("SEV-4", "Low", &["sev4", "sev 4", "p4", "low"]),
    ]
}

impl Config {
    /// Reads `casebook.toml` under `root`; a missing file gives the defaults.
    pub fn load(root: &Path) -> Result<Config, Diagnostic> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => {
                return Err(Diagnostic::error(
                    Path::new(CONFIG_FILE),
                    "config/unreadable",
                    format!("cannot read the config: {e}"),
                ));
            }
        };
        Self::parse(&text)
    }

    /// Parses config text, reporting the line and column of any mistake.
    pub fn parse(text: &str) -> Result<Config, Diagnostic> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let mut diagnostic = Diagnostic::error(
                Path::new(CONFIG_FILE),
                "config/invalid",
                e.message().trim().to_string(),
            )
            .hint("see the commented keys written by `casebook init`");
            if let Some(span) = e.span() {
                diagnostic = diagnostic.at(LineIndex::new(text).position(span.start));
            }
            diagnostic
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), Diagnostic> {
        let invalid = |message: String, hint: &str| {
            Err(Diagnostic::error(Path::new(CONFIG_FILE), "config/invalid", message).hint(hint))
        };
        if self.severities.is_empty() {
            return invalid(
                "the severity scale is empty".into(),
                "list at least one [[severities]] entry, or remove the key to use SEV-1…SEV-4",
            );
        }
        if jiff::tz::TimeZone::get(&self.timezone).is_err() {
            return invalid(
                format!("unknown time zone {:?}", self.timezone),
                "use an IANA name such as \"UTC\" or \"Europe/Berlin\"",
            );
        }
        Ok(())
    }

    /// The base URL's path with a trailing slash (`/` or `/team/pm/`), used
    /// to build links that work under a sub-path of internal hosting.
    pub fn base_path(&self) -> String {
        let without_scheme = match self.base_url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => self.base_url.as_str(),
        };
        let trimmed = without_scheme.trim_matches('/');
        if trimmed.is_empty() {
            "/".to_string()
        } else {
            format!("/{trimmed}/")
        }
    }

    /// The scheme and host of `base_url` (`https://wiki.example.com`), or
    /// empty when the base URL is a bare path; joined with page paths (which
    /// already start with the base path) to make absolute URLs.
    pub fn origin(&self) -> &str {
        match self.base_url.split_once("://") {
            Some((scheme, rest)) => {
                let host_end = rest
                    .find('/')
                    .map_or(self.base_url.len(), |i| scheme.len() + 3 + i);
                &self.base_url[..host_end]
            }
            None => "",
        }
    }

    /// The absolute base URL with a trailing slash, for feeds and sitemaps.
    pub fn absolute_base(&self) -> String {
        if self.base_url.ends_with('/') {
            self.base_url.clone()
        } else {
            format!("{}/", self.base_url)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gives_defaults() {
        let config = Config::parse("").unwrap();
        assert_eq!(config.severities.len(), 4);
        assert_eq!(config.base_path(), "/");
    }

    #[test]
    fn unknown_key_is_reported_with_line() {
        let err = Config::parse("title = \"x\"\ncolour = \"red\"\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("colour"), "{}", err.message);
    }

    #[test]
    fn base_path_handles_sub_paths() {
        let config = Config {
            base_url: "https://wiki.example.com/sre/postmortems".into(),
            ..Config::default()
        };
        assert_eq!(config.base_path(), "/sre/postmortems/");
        assert_eq!(
            config.absolute_base(),
            "https://wiki.example.com/sre/postmortems/"
        );
        assert_eq!(config.origin(), "https://wiki.example.com");
    }

    #[test]
    fn check_table_is_read() {
        let config = Config::parse(
            "[check]\npeople = [\"Ada\"]\n[check.rules]\nblameless = \"error\"\n[check.sections]\nlight = [\"summary\", \"root_cause\"]\n",
        )
        .unwrap();
        assert_eq!(config.check.people, ["Ada"]);
        assert_eq!(config.check.rules["blameless"], RuleLevel::Error);
        assert_eq!(
            config.check.sections.light,
            [SectionName::Summary, SectionName::ContributingFactors]
        );
        assert!(Config::parse("[check.sections]\nlight = [\"epilogue\"]\n").is_err());
    }

    #[test]
    fn bad_time_zone_is_an_error() {
        assert!(Config::parse("timezone = \"Mars/Olympus\"").is_err());
    }
}
