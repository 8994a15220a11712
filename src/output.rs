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
//! and compared. On commit such files are hard-linked from the previous
//! site into the staging folder, which then replaces the previous site in
//! one atomic exchange: unchanged files keep their timestamps, so
//! rsync-style deploys stay quiet, and at every moment the output folder
//! holds one complete site.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use rayon::prelude::*;

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
                file: write_new(&path, bytes, hash, self.was_written(relative))?,
                staged: true,
            },
        };
        self.record(relative, record, &path);
        Ok(())
    }

    /// Writes one file that `produce` streams out piece by piece, so a large
    /// file (the JSON export) is never held whole in memory. Otherwise like
    /// [`Staging::write`]: the staged copy is dropped again when its bytes
    /// turn out the same as the previous site's.
    pub fn write_with(
        &self,
        relative: &str,
        produce: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        let path = self.dir.join(relative);
        let rewritten = self.was_written(relative);
        let file = create_new(&path, rewritten)?;
        let mut writer = HashingWriter {
            inner: std::io::BufWriter::with_capacity(1 << 16, file),
            hasher: blake3::Hasher::new(),
        };
        produce(&mut writer)?;
        let file = writer
            .inner
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", path.display()))?;
        let hash = *writer.hasher.finalize().as_bytes();
        let metadata = file
            .metadata()
            .with_context(|| format!("cannot read {}", path.display()))?;
        let record = match self.unchanged_file(relative, hash, metadata.len(), || {
            let mut hasher = blake3::Hasher::new();
            fs::File::open(self.target.join(relative))
                .and_then(|old| hasher.update_reader(old).map(drop))
                .is_ok_and(|()| *hasher.finalize().as_bytes() == hash)
        }) {
            Some(file) => {
                let _ = fs::remove_file(&path);
                Written {
                    file,
                    staged: false,
                }
            }
            None => Written {
                file: OutputFile {
                    hash,
                    len: metadata.len(),
                    modified: cache::modified_nanos(&metadata),
                },
                staged: true,
            },
        };
        self.record(relative, record, &path);
        Ok(())
    }

    fn was_written(&self, relative: &str) -> bool {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(relative)
    }

    /// Notes a file of the new site.
    fn record(&self, relative: &str, record: Written, path: &Path) {
        let earlier = self
            .written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(relative.to_string(), record);
        // Written twice, the second time the same as the previous site: the
        // first, staged copy must not be moved in.
        if earlier.is_some_and(|e| e.staged) && !record.staged {
            let _ = fs::remove_file(path);
        }
    }

    /// The previous site's record of `relative` when its bytes are `bytes`.
    fn unchanged(&self, relative: &str, hash: [u8; 32], bytes: &[u8]) -> Option<OutputFile> {
        self.unchanged_file(relative, hash, bytes.len() as u64, || {
            fs::read(self.target.join(relative)).is_ok_and(|old| old == bytes)
        })
    }

    /// The previous site's record of `relative` when its bytes have this
    /// hash and length; `same_bytes` compares them with the previous file
    /// when the build cache has no record of it.
    fn unchanged_file(
        &self,
        relative: &str,
        hash: [u8; 32],
        len: u64,
        same_bytes: impl FnOnce() -> bool,
    ) -> Option<OutputFile> {
        let previous = self.target.join(relative);
        let metadata = fs::symlink_metadata(&previous).ok()?;
        if !metadata.is_file() || metadata.len() != len {
            return None;
        }
        let file = OutputFile {
            hash,
            len: metadata.len(),
            modified: cache::modified_nanos(&metadata),
        };
        let same = match self.previous.get(relative) {
            Some(recorded) => recorded == &file,
            None => same_bytes(),
        };
        same.then_some(file)
    }

    /// Every HTML page written so far, by `/`-separated path, sorted.
    pub fn pages(&self) -> Vec<String> {
        let written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        let mut pages: Vec<String> = written
            .keys()
            .filter(|path| path.ends_with(".html"))
            .cloned()
            .collect();
        pages.sort();
        pages
    }

    /// Copies a file from disk into the site.
    pub fn copy(&self, relative: &str, from: &Path) -> Result<()> {
        let bytes = fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
        self.write(relative, &bytes)
    }

    /// Moves the finished site into place and returns the record of its
    /// files for the build cache.
    ///
    /// The staging folder is made a complete site first: every file
    /// unchanged since the previous site is hard-linked from it (the same
    /// file, so its timestamp is kept). Then the two folders are exchanged
    /// in one atomic step where the system can, so a build killed at any
    /// moment leaves one complete site, the previous or the new; elsewhere
    /// the previous site is moved aside first. The previous site, now at
    /// the staging path, is removed last.
    pub fn commit(mut self) -> Result<Outputs> {
        let written = std::mem::take(&mut *self.written.lock().unwrap_or_else(|e| e.into_inner()));
        let had_previous = fs::symlink_metadata(&self.target).is_ok();
        if had_previous {
            self.link_unchanged(&written)?;
            if exchange(&self.dir, &self.target).is_ok() {
                self.committed = true;
                remove_previous(&self.dir);
                return Ok(records(written));
            }
        }
        let old = self.target.with_file_name(format!(
            ".{}.casebook-old-{}",
            self.target
                .file_name()
                .map_or("public".into(), |n| n.to_string_lossy().to_string()),
            std::process::id()
        ));
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
            remove_previous(&old);
        }
        Ok(records(written))
    }

    /// Puts each file the new site shares with the previous one into the
    /// staging folder as a hard link to it (a copy where links fail).
    fn link_unchanged(&self, written: &HashMap<String, Written>) -> Result<()> {
        written
            .par_iter()
            .filter(|(_, record)| !record.staged)
            .try_for_each(|(relative, _)| {
                let from = self.target.join(relative);
                let to = self.dir.join(relative);
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))?;
                }
                fs::hard_link(&from, &to)
                    .or_else(|_| fs::copy(&from, &to).map(drop))
                    .with_context(|| format!("cannot keep {}", from.display()))
            })
    }
}

/// Removes the previous site once the new one is in place. Failing to is
/// not a failed build: the new site is already there. (A preview server may
/// rename a page into the old folder while it is being removed, which
/// makes the removal find a folder not empty.) What is left is removed by
/// the next build into the same place.
fn remove_previous(path: &Path) {
    if remove_entry(path).is_err() {
        let _ = remove_entry(path);
    }
}

/// The build cache's record of a committed site's files.
fn records(written: HashMap<String, Written>) -> Outputs {
    written
        .into_iter()
        .map(|(relative, record)| (relative, record.file))
        .collect()
}

/// Creates a file in the staging folder, with its folders; `rewritten`
/// when this build staged the path before (that copy is replaced, never
/// written through).
fn create_new(path: &Path, rewritten: bool) -> Result<fs::File> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    if rewritten {
        let _ = fs::remove_file(path);
    }
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A writer that hashes what passes through it.
struct HashingWriter<W> {
    inner: W,
    hasher: blake3::Hasher,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a new file into the staging folder; returns its record.
fn write_new(path: &Path, bytes: &[u8], hash: [u8; 32], rewritten: bool) -> Result<OutputFile> {
    let mut file = create_new(path, rewritten)?;
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
    fn streamed_files_are_kept_when_unchanged_and_replaced_when_not() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let stream = |staging: &Staging, name: &str, parts: &[&[u8]]| {
            staging
                .write_with(name, |out| {
                    for part in parts {
                        out.write_all(part)?;
                    }
                    Ok(())
                })
                .unwrap();
        };
        let first = Staging::create(&target).unwrap();
        stream(&first, "same.json", &[b"{\"a\":", b"1}"]);
        stream(&first, "other.json", &[b"[1]"]);
        let records = first.commit().unwrap();
        assert_eq!(fs::read(target.join("same.json")).unwrap(), b"{\"a\":1}");
        assert_eq!(
            records["same.json"].hash,
            *blake3::hash(b"{\"a\":1}").as_bytes()
        );
        let before = fs::metadata(target.join("same.json"))
            .unwrap()
            .modified()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));

        // Without the build cache's record the old file is read back.
        let second = Staging::create(&target).unwrap();
        stream(&second, "same.json", &[b"{\"a\":1}"]);
        stream(&second, "other.json", &[b"[2]"]);
        second.commit().unwrap();
        let after = fs::metadata(target.join("same.json"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after, "an unchanged file keeps its timestamp");
        assert_eq!(fs::read(target.join("other.json")).unwrap(), b"[2]");
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
