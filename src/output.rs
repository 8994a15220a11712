//! Stage 9, output: writes the site atomically.
//!
//! Pages are written into a staging folder beside the output folder; only
//! when the whole build succeeded is the staging folder swapped into place.
//! A failed or interrupted build therefore never leaves a half-written site,
//! and the previous site stays untouched.
//!
//! A file whose bytes are the same as in the previous site is hard-linked
//! from it rather than written again, so unchanged files keep their
//! timestamps (rsync-style deploys stay quiet) and the swap frees nothing
//! but what changed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A folder being filled with the new site.
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates an empty staging folder next to `target`.
    pub fn create(target: &Path) -> Result<Staging> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let name = target
            .file_name()
            .map_or("public".into(), |n| n.to_string_lossy().to_string());
        remove_abandoned(parent, &name);
        let dir = parent.join(format!(".{name}.casebook-staging-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// Writes one file at a `/`-separated path under the site root.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        // Never write through an existing entry: it may be a hard link into
        // the previous site, which must stay untouched until the swap.
        let _ = fs::remove_file(&path);
        if self.link_if_unchanged(relative, &path, bytes) {
            return Ok(());
        }
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.write_all(bytes)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Hard-links the previous site's copy of `relative` when its bytes are
    /// the same; false when there is none, it differs, or linking fails.
    fn link_if_unchanged(&self, relative: &str, path: &Path, bytes: &[u8]) -> bool {
        let previous = self.target.join(relative);
        let same_size = fs::symlink_metadata(&previous)
            .is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
        same_size
            && fs::read(&previous).is_ok_and(|old| old == bytes)
            && fs::hard_link(&previous, path).is_ok()
    }

    /// Copies a file from disk into the site.
    pub fn copy(&self, relative: &str, from: &Path) -> Result<()> {
        let bytes = fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
        self.write(relative, &bytes)
    }

    /// Moves the finished site into place, replacing the previous one.
    ///
    /// Where the system can, the two folders are exchanged in one atomic
    /// step, so there is no moment without a site even if the process is
    /// killed; elsewhere the previous site is moved aside first.
    pub fn commit(mut self) -> Result<()> {
        if fs::symlink_metadata(&self.target).is_ok() && exchange(&self.dir, &self.target).is_ok() {
            self.committed = true;
            // The staging path now holds the previous site.
            return remove_entry(&self.dir).with_context(|| {
                format!("cannot remove the previous site at {}", self.dir.display())
            });
        }
        let old = self.target.with_file_name(format!(
            ".{}.casebook-old-{}",
            self.target
                .file_name()
                .map_or("public".into(), |n| n.to_string_lossy().to_string()),
            std::process::id()
        ));
        let had_previous = self.target.exists();
        if had_previous {
            fs::rename(&self.target, &old).with_context(|| {
                format!(
                    "cannot move the previous site {} aside",
                    self.target.display()
                )
            })?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            // Put the previous site back so nothing is lost.
            if had_previous {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(e).with_context(|| {
                format!("cannot move the new site into {}", self.target.display())
            });
        }
        self.committed = true;
        if had_previous {
            fs::remove_dir_all(&old)
                .with_context(|| format!("cannot remove the previous site at {}", old.display()))?;
        }
        Ok(())
    }
}

/// Swaps two paths atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

fn remove_entry(path: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

/// Removes the staging and previous-site folders that builds killed before
/// they could clean up left beside `name` (`.public.casebook-staging-<pid>`),
/// when no running process has that id. Folders of live builds are kept.
fn remove_abandoned(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefixes = [
        format!(".{name}.casebook-staging-"),
        format!(".{name}.casebook-old-"),
    ];
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let pid = prefixes
            .iter()
            .find_map(|prefix| file_name.strip_prefix(prefix.as_str()))
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !process_is_running(pid)
        {
            let _ = remove_entry(&entry.path());
        }
    }
}

/// Whether a process with this id runs; true where that cannot be known,
/// so nothing of a live build is ever removed.
fn process_is_running(pid: u32) -> bool {
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

impl Drop for Staging {
    /// An abandoned build removes its staging folder.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_abandon_keeps_previous() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let first = Staging::create(&target).unwrap();
        first.write("a/index.html", b"one").unwrap();
        first.commit().unwrap();
        assert_eq!(fs::read(target.join("a/index.html")).unwrap(), b"one");

        let abandoned = Staging::create(&target).unwrap();
        abandoned.write("a/index.html", b"two").unwrap();
        drop(abandoned);
        assert_eq!(fs::read(target.join("a/index.html")).unwrap(), b"one");
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "no staging folder left behind"
        );
    }

    /// On Linux the swap is one atomic exchange, never a moment without a site.
    #[cfg(target_os = "linux")]
    #[test]
    fn exchange_swaps_two_folders_atomically() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        fs::write(a.join("new"), "new").unwrap();
        fs::write(b.join("old"), "old").unwrap();
        exchange(&a, &b).unwrap();
        assert!(b.join("new").is_file() && a.join("old").is_file());
        assert!(exchange(&a, &tmp.path().join("missing")).is_err());
    }

    #[test]
    fn folders_of_killed_builds_are_removed_and_live_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        // No process has an id above the kernel's limit (2^22).
        let dead = tmp.path().join(".public.casebook-staging-4000000000");
        let dead_old = tmp.path().join(".public.casebook-old-4000000001");
        // Process 1 always runs.
        let live = tmp.path().join(".public.casebook-staging-1");
        let other_site = tmp.path().join(".site.casebook-staging-4000000000");
        for dir in [&dead, &dead_old, &live, &other_site] {
            fs::create_dir_all(dir.join("a")).unwrap();
        }
        let staging = Staging::create(&target).unwrap();
        staging.write("index.html", b"new").unwrap();
        staging.commit().unwrap();
        assert!(!dead.exists() && !dead_old.exists());
        assert!(live.exists(), "a running build's folder is kept");
        assert!(
            other_site.exists(),
            "another output's folders are not touched"
        );
    }

    #[test]
    fn unchanged_files_keep_their_timestamps_and_the_old_site_is_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let first = Staging::create(&target).unwrap();
        first.write("a/index.html", b"one").unwrap();
        first.write("b.txt", b"old").unwrap();
        first.commit().unwrap();
        let before = fs::metadata(target.join("a/index.html"))
            .unwrap()
            .modified()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));

        let second = Staging::create(&target).unwrap();
        second.write("a/index.html", b"one").unwrap();
        // Writing the same path twice must not write through the hard link.
        second.write("a/index.html", b"changed").unwrap();
        assert_eq!(
            fs::read(target.join("a/index.html")).unwrap(),
            b"one",
            "previous site untouched"
        );
        second.write("a/index.html", b"one").unwrap();
        second.write("b.txt", b"new").unwrap();
        second.commit().unwrap();
        let after = fs::metadata(target.join("a/index.html"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);
        assert_eq!(fs::read(target.join("b.txt")).unwrap(), b"new");
    }
}
