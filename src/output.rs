//! Stage 9, output: writes the site, touching only files that changed.
//!
//! Pages are written into a staging folder beside the output folder; only
//! when the whole build succeeded are they moved into place. A failed or
//! interrupted build therefore never leaves a half-written site, and the
//! previous site stays untouched.
//!
//! A file whose bytes are the same as in the previous site is not written
//! at all: the build cache's record of the previous site (hash, size, time)
//! says so without reading it, or, without a record, the old file is read
//! and compared. Unchanged files keep their timestamps, so rsync-style
//! deploys stay quiet, and a rebuild costs what changed. On commit, changed
//! files are renamed into the site one by one and files the new site no
//! longer has are removed; a site built from scratch is moved in whole.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

use crate::cache::{self, OutputFile, Outputs};

/// A folder being filled with the new site.
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
    /// What the build cache knows of the previous site's files.
    previous: Outputs,
    /// Every file of the new site, and whether it waits in `dir`.
    written: Mutex<HashMap<String, Written>>,
}

#[derive(Clone, Copy)]
struct Written {
    file: OutputFile,
    staged: bool,
}

impl Staging {
    /// Creates an empty staging folder next to `target`.
    pub fn create(target: &Path) -> Result<Staging> {
        Staging::with_previous(target, Outputs::new())
    }

    /// Like `create`, with the build cache's record of `target`'s files.
    pub fn with_previous(target: &Path, previous: Outputs) -> Result<Staging> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let name = target
            .file_name()
            .map_or("public".into(), |n| n.to_string_lossy().to_string());
        let dir = parent.join(format!(".{name}.casebook-staging-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            committed: false,
            previous,
            written: Mutex::new(HashMap::new()),
        })
    }

    /// Writes one file at a `/`-separated path under the site root.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let hash = *blake3::hash(bytes).as_bytes();
        let path = self.dir.join(relative);
        let record = match self.unchanged(relative, hash, bytes) {
            Some(file) => Written {
                file,
                staged: false,
            },
            None => Written {
                file: write_new(&path, bytes, hash)?,
                staged: true,
            },
        };
        let earlier = self
            .written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(relative.to_string(), record);
        // Written twice, the second time the same as the previous site: the
        // first, staged copy must not be moved in.
        if earlier.is_some_and(|e| e.staged) && !record.staged {
            let _ = fs::remove_file(&path);
        }
        Ok(())
    }

    /// The previous site's record of `relative` when its bytes are `bytes`.
    fn unchanged(&self, relative: &str, hash: [u8; 32], bytes: &[u8]) -> Option<OutputFile> {
        let previous = self.target.join(relative);
        let metadata = fs::symlink_metadata(&previous).ok()?;
        if !metadata.is_file() || metadata.len() != bytes.len() as u64 {
            return None;
        }
        let file = OutputFile {
            hash,
            len: metadata.len(),
            modified: cache::modified_nanos(&metadata),
        };
        let same = match self.previous.get(relative) {
            Some(recorded) => recorded == &file,
            None => fs::read(&previous).is_ok_and(|old| old == bytes),
        };
        same.then_some(file)
    }

    /// Copies a file from disk into the site.
    pub fn copy(&self, relative: &str, from: &Path) -> Result<()> {
        let bytes = fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
        self.write(relative, &bytes)
    }

    /// Moves the finished site into place and returns the record of its
    /// files for the build cache.
    pub fn commit(mut self) -> Result<Outputs> {
        let written = std::mem::take(&mut *self.written.lock().unwrap_or_else(|e| e.into_inner()));
        if !self.target.exists() {
            fs::rename(&self.dir, &self.target).with_context(|| {
                format!("cannot move the new site into {}", self.target.display())
            })?;
        } else {
            self.remove_stale(&written)?;
            for (relative, record) in &written {
                if record.staged {
                    self.move_in(relative)?;
                }
            }
            let _ = fs::remove_dir_all(&self.dir);
        }
        self.committed = true;
        Ok(written
            .into_iter()
            .map(|(relative, record)| (relative, record.file))
            .collect())
    }

    /// Removes what the previous site has and the new one does not: files,
    /// then folders left empty.
    fn remove_stale(&self, written: &HashMap<String, Written>) -> Result<()> {
        let mut folders = Vec::new();
        for entry in walkdir::WalkDir::new(&self.target).min_depth(1) {
            let entry = entry.with_context(|| format!("cannot read {}", self.target.display()))?;
            if entry.file_type().is_dir() {
                folders.push(entry.into_path());
                continue;
            }
            let keep = cache::relative_name(&self.target, entry.path())
                .is_some_and(|relative| written.contains_key(&relative));
            if !keep {
                fs::remove_file(entry.path())
                    .with_context(|| format!("cannot remove {}", entry.path().display()))?;
            }
        }
        // Deepest first; a folder that still holds files stays.
        folders.sort_by_key(|f| std::cmp::Reverse(f.components().count()));
        for folder in folders {
            let _ = fs::remove_dir(folder);
        }
        Ok(())
    }

    /// Moves one staged file over its place in the site.
    fn move_in(&self, relative: &str) -> Result<()> {
        let from = self.dir.join(relative);
        let to = self.target.join(relative);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::rename(&from, &to).with_context(|| format!("cannot write {}", to.display()))
    }
}

/// Writes a new file into the staging folder; returns its record.
fn write_new(path: &Path, bytes: &[u8], hash: [u8; 32]) -> Result<OutputFile> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let _ = fs::remove_file(path);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(OutputFile {
        hash,
        len: metadata.len(),
        modified: cache::modified_nanos(&metadata),
    })
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
