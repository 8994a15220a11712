//! `casebook init`: a new archive skeleton that builds at once — a config
//! with every key commented, one example postmortem, and a `.gitignore`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use jiff::civil::Date;

use crate::config::CONFIG_FILE;

const CONFIG_TEMPLATE: &str = include_str!("../scaffold/casebook.toml");
const EXAMPLE_POSTMORTEM: &str = include_str!("../scaffold/example.md");
const GITIGNORE: &str =
    "# Casebook output and build cache\n/public/\n/.public.casebook-*\n/.casebook-cache/\n";

/// Creates the skeleton in `dir`; refuses to touch an existing archive.
/// Returns the files written.
pub fn init(dir: &Path, today: Date) -> Result<Vec<PathBuf>> {
    let config = dir.join(CONFIG_FILE);
    if config.exists() {
        bail!(
            "{} already exists: {} is already an archive",
            config.display(),
            dir.display()
        );
    }
    let example_dir = dir.join("content").join(today.year().to_string());
    fs::create_dir_all(&example_dir)
        .with_context(|| format!("cannot create {}", example_dir.display()))?;
    let due = today
        .checked_add(jiff::Span::new().days(30))
        .unwrap_or(today);
    let example = EXAMPLE_POSTMORTEM
        .replace("{{DATE}}", &today.to_string())
        .replace("{{DUE}}", &due.to_string());
    let mut written = Vec::new();
    let mut write_new = |path: PathBuf, text: &str| -> Result<()> {
        if path.exists() {
            return Ok(());
        }
        fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
        Ok(())
    };
    write_new(config, CONFIG_TEMPLATE)?;
    write_new(example_dir.join("checkout-connection-pool.md"), &example)?;
    write_new(dir.join(".gitignore"), GITIGNORE)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_refuses_an_existing_archive() {
        let tmp = tempfile::tempdir().unwrap();
        let today = Date::constant(2024, 3, 14);
        let written = init(tmp.path(), today).unwrap();
        assert_eq!(written.len(), 3);
        assert!(
            tmp.path()
                .join("content/2024/checkout-connection-pool.md")
                .exists()
        );
        assert!(init(tmp.path(), today).is_err());
    }
}
