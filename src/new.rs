//! `casebook new`: scaffolds a postmortem from the archetype — every
//! section with a short hint, an action-item table — at
//! `content/YYYY/<slug>.md`, with the front matter filled from the flags.
//! It never overwrites a file.
//!
//! The archetype is `archetypes/postmortem.md` of the archive, else of its
//! theme, else the default theme's, embedded in the binary. Its
//! `{{title}}`, `{{date}}`, `{{severity}}`, `{{teams}}`, `{{services}}` and
//! `{{tags}}` are replaced by YAML values; nothing else in it is evaluated.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use jiff::civil::Date;

use crate::config::Config;
use crate::slug::slugify;

/// The default theme's archetype.
const ARCHETYPE: &str = include_str!("../themes/default/archetypes/postmortem.md");

/// Where archetypes live, under the archive root or a theme.
const ARCHETYPE_PATH: &str = "archetypes/postmortem.md";

/// What `casebook new` was asked for.
#[derive(Debug, Clone)]
pub struct NewPostmortem {
    pub root: PathBuf,
    pub title: String,
    /// A name or alias from the severity scale.
    pub severity: Option<String>,
    pub teams: Vec<String>,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    /// The day the incident began; names the year folder.
    pub date: Date,
}

/// Writes the new postmortem and returns its path (under the root).
pub fn create(request: &NewPostmortem) -> Result<PathBuf> {
    let config = Config::load(&request.root).map_err(|d| anyhow::anyhow!("{d}"))?;
    let slug = slugify(&request.title);
    if slug.is_empty() {
        bail!(
            "the title {:?} has no letters or digits to name the file after",
            request.title
        );
    }
    let severity = match &request.severity {
        Some(text) => Some(canonical_severity(&config, text)?),
        None => None,
    };
    let folder = request
        .root
        .join(&config.content_dir)
        .join(request.date.year().to_string());
    let path = folder.join(format!("{slug}.md"));
    if path.exists() {
        bail!(
            "{} already exists; edit it, or choose another title for a different incident",
            shown(&path).display()
        );
    }
    let archetype = archetype(&request.root, &config)?;
    let text = fill(&archetype, request, severity.as_deref());
    fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
    // create_new: another process may have written it since the check above.
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// A path as the user would type it: without a leading `./`.
pub fn shown(path: &Path) -> &Path {
    path.strip_prefix(".").unwrap_or(path)
}

/// The archetype text: the archive's, the theme's, or the default.
fn archetype(root: &Path, config: &Config) -> Result<String> {
    let candidates = [
        root.join(ARCHETYPE_PATH),
        root.join("themes").join(&config.theme).join(ARCHETYPE_PATH),
    ];
    for candidate in candidates {
        if candidate.is_file() {
            return fs::read_to_string(&candidate)
                .with_context(|| format!("cannot read {}", candidate.display()));
        }
    }
    Ok(ARCHETYPE.to_string())
}

/// The canonical name of a severity written as a name or an alias.
fn canonical_severity(config: &Config, text: &str) -> Result<String> {
    let normalised = |s: &str| {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    let wanted = normalised(text);
    let found = config.severities.iter().find(|level| {
        normalised(&level.name) == wanted || level.aliases.iter().any(|a| normalised(a) == wanted)
    });
    match found {
        Some(level) => Ok(level.name.clone()),
        None => {
            let names: Vec<&str> = config.severities.iter().map(|l| l.name.as_str()).collect();
            bail!(
                "unknown severity {text:?}: use one of {} (or add it as an alias in casebook.toml)",
                names.join(", ")
            )
        }
    }
}

fn fill(archetype: &str, request: &NewPostmortem, severity: Option<&str>) -> String {
    archetype
        .replace("{{title}}", &yaml_string(request.title.trim()))
        .replace("{{date}}", &request.date.to_string())
        .replace(
            "{{severity}}",
            &severity.map_or_else(|| "\"\"".to_string(), yaml_string),
        )
        .replace("{{teams}}", &yaml_list(&request.teams))
        .replace("{{services}}", &yaml_list(&request.services))
        .replace("{{tags}}", &yaml_list(&request.tags))
}

/// A double-quoted YAML string (JSON's escapes are YAML's).
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

fn yaml_list(items: &[String]) -> String {
    let items: Vec<String> = items
        .iter()
        .flat_map(|item| item.split(','))
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(yaml_string)
        .collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(root: &Path) -> NewPostmortem {
        NewPostmortem {
            root: root.to_path_buf(),
            title: "Checkout \"down\": DB failover".into(),
            severity: Some("sev2".into()),
            teams: vec!["payments".into()],
            services: vec!["checkout-api, payments-db".into()],
            tags: Vec::new(),
            date: jiff::civil::date(2024, 3, 14),
        }
    }

    #[test]
    fn scaffolds_once_with_filled_front_matter() {
        let tmp = tempfile::tempdir().unwrap();
        let path = create(&request(tmp.path())).unwrap();
        assert_eq!(
            path,
            tmp.path().join("content/2024/checkout-down-db-failover.md")
        );
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("title: \"Checkout \\\"down\\\": DB failover\""),
            "{text}"
        );
        assert!(text.contains("severity: \"SEV-2\""));
        assert!(text.contains("services: [\"checkout-api\", \"payments-db\"]"));
        assert!(text.contains("| Action | Owner | Due | Status |"));
        let again = create(&request(tmp.path())).unwrap_err().to_string();
        assert!(again.contains("already exists"), "{again}");
    }

    #[test]
    fn unknown_severity_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let mut req = request(tmp.path());
        req.severity = Some("sev9".into());
        let err = create(&req).unwrap_err().to_string();
        assert!(err.contains("SEV-1, SEV-2"), "{err}");
        assert!(!tmp.path().join("content").exists());
    }

    #[test]
    fn an_archive_archetype_wins() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("archetypes")).unwrap();
        fs::write(
            tmp.path().join(ARCHETYPE_PATH),
            "---\ntitle: {{title}}\ndate: {{date}}\n---\nOurs\n",
        )
        .unwrap();
        let path = create(&request(tmp.path())).unwrap();
        assert!(fs::read_to_string(path).unwrap().ends_with("Ours\n"));
    }
}
