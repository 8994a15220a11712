//! Watching the archive: content, templates, static files, themes and the
//! config, debounced (notify), ignoring editor temp files and the build's
//! own output.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use anyhow::{Context, Result};
use notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::config::{CONFIG_FILE, Config};

/// How long to wait for a burst of saves to settle before rebuilding: short,
/// since an edited page is re-rendered in a few milliseconds (an editor's
/// save, a write or a write-and-rename, takes well under a millisecond).
const DEBOUNCE: Duration = Duration::from_millis(10);

/// The running watcher; dropping it stops watching.
pub struct Watcher {
    _debouncer: Arc<Mutex<Option<Debouncer<RecommendedWatcher, RecommendedCache>>>>,
}

/// Starts watching; `on_change` runs (on the watcher's thread) once per
/// settled burst of relevant changes, with one of the changed paths.
/// A watched folder created later (or deleted and created again, as
/// `git checkout` and `rm -r` do) is watched from then on.
pub fn spawn(root: &Path, mut on_change: impl FnMut(&Path) + Send + 'static) -> Result<Watcher> {
    let root = root.to_path_buf();
    let handler_root = root.clone();
    let shared = Arc::new(Mutex::new(None));
    let handle: Weak<Mutex<Option<Debouncer<_, _>>>> = Arc::downgrade(&shared);
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        // Reading files (as every build does) raises access events: only
        // creations, modifications and removals matter.
        let relevant: Vec<&notify_debouncer_full::DebouncedEvent> = events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                )
            })
            .collect();
        let folders = watched_folders(&handler_root);
        let appeared = relevant
            .iter()
            .flat_map(|e| e.paths.iter())
            .filter(|path| folders.contains(path) && path.is_dir());
        if let Some(shared) = handle.upgrade()
            && let Ok(mut guard) = shared.lock()
            && let Some(debouncer) = guard.as_mut()
        {
            for folder in appeared {
                // Already watched is fine; a folder gone again is caught next time.
                let _ = debouncer.watch(folder, RecursiveMode::Recursive);
            }
        }
        let changed = relevant
            .iter()
            .flat_map(|e| e.paths.iter())
            .find(|path| is_relevant(&handler_root, path));
        if let Some(path) = changed {
            on_change(path);
        }
    })
    .context("cannot start the file watcher")?;
    debouncer
        .watch(&root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    for dir in watched_folders(&root) {
        if dir.is_dir() {
            debouncer
                .watch(&dir, RecursiveMode::Recursive)
                .with_context(|| format!("cannot watch {}", dir.display()))?;
        }
    }
    *shared
        .lock()
        .map_err(|_| anyhow::anyhow!("the file watcher failed"))? = Some(debouncer);
    Ok(Watcher { _debouncer: shared })
}

/// The folders whose changes affect the site.
fn watched_folders(root: &Path) -> Vec<PathBuf> {
    let content = Config::load(root)
        .map(|c| c.content_dir)
        .unwrap_or_else(|_| PathBuf::from("content"));
    vec![
        root.join(content),
        root.join("templates"),
        root.join("static"),
        root.join("themes"),
    ]
}

/// Ignores editor swap and backup files, hidden files and anything in the
/// root other than the config.
pub fn is_relevant(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    // At the root: the config, and the watched folders themselves (created,
    // deleted or renamed as a whole).
    if relative.components().count() == 1
        && name != CONFIG_FILE
        && !watched_folders(root).iter().any(|f| f == path)
    {
        return false;
    }
    let hidden = relative
        .components()
        .any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')));
    let editor_temp = name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".crdownload"]
            .iter()
            .any(|ext| name.ends_with(ext));
    !hidden && !editor_temp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_ignored() {
        let root = Path::new("/a");
        assert!(is_relevant(root, Path::new("/a/content/2024/x.md")));
        assert!(is_relevant(root, Path::new("/a/casebook.toml")));
        assert!(!is_relevant(root, Path::new("/a/content/2024/.x.md.swp")));
        assert!(!is_relevant(root, Path::new("/a/content/2024/x.md~")));
        assert!(!is_relevant(root, Path::new("/a/content/4913")));
        assert!(!is_relevant(root, Path::new("/a/README.md")));
        assert!(
            is_relevant(root, Path::new("/a/content")),
            "content/ removed or created"
        );
        assert!(is_relevant(root, Path::new("/a/templates")));
        assert!(!is_relevant(
            root,
            Path::new("/a/.casebook-cache/serve/index.html")
        ));
    }
}
