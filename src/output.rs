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
//!
//! Linking every unchanged file and removing the previous site touch every
//! path of the site, seconds on a slow disk for a one-page change. So the
//! site swapped out is kept as a spare (in the build cache, on the same
//! file system): it shares every file with the site it was swapped out for
//! except those that build changed, added or removed. The next build
//! starts from it and touches only those paths and its own changes.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use crate::cache::{self, OutputFile, Outputs, SpareRecord};

/// A folder being filled with the new site.
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
    /// What the build cache knows of the previous site's files.
    previous: Outputs,
    /// Whether there was a previous site to compare with at all.
    target_exists: bool,
    /// Where the previous site is kept once replaced, if anywhere.
    spare: Option<PathBuf>,
    /// When `dir` started as the spare: the paths where it differs from
    /// the previous site (every other file of the previous site is in it,
    /// the same file).
    seeded: Option<HashSet<String>>,
    /// Every file of the new site, and whether it waits in `dir`.
    written: Mutex<HashMap<String, Written>>,
    /// Folders of `dir` known to exist, `/`-separated: each is created once.
    folders: Mutex<HashSet<String>>,
    /// When seeded: the spare's files this build replaced or removed.
    disturbed: Mutex<HashSet<String>>,
}

/// The site a build swapped out, kept for the next build to start from.
pub struct Spare {
    /// Where it is kept: on the output's file system, outside the output.
    pub dir: PathBuf,
    /// What the build that kept it recorded (None: no usable spare).
    pub record: Option<SpareRecord>,
}

/// What a commit leaves for the build cache.
pub struct Committed {
    /// Every file of the site.
    pub outputs: Outputs,
    /// The record of the spare, when the previous site was kept as one.
    pub spare: Option<SpareRecord>,
}

#[derive(Clone, Copy)]
struct Written {
    file: OutputFile,
    staged: bool,
    /// The inode of the previous site's file, when not staged.
    inode: u64,
}

impl Staging {
    /// Creates an empty staging folder next to `target`.
    pub fn create(target: &Path) -> Result<Staging> {
        Staging::with_previous(target, Outputs::new())
    }

    /// Like `create`, with the build cache's record of `target`'s files.
    pub fn with_previous(target: &Path, previous: Outputs) -> Result<Staging> {
        Staging::with_spare(target, previous, None)
    }

    /// Like `with_previous`, for [`Staging::commit_in_place`]: its folder
    /// has a name of its own, so a build into the same site can run
    /// beside it (serve updates pages while it rebuilds).
    pub fn for_update(target: &Path, previous: Outputs) -> Result<Staging> {
        Staging::new(target, previous, None, "casebook-staging-update")
    }

    /// Like `for_update`, in a folder of its own again: for the JSON
    /// export, written beside an update of the pages.
    pub fn for_export_update(target: &Path) -> Result<Staging> {
        Staging::new(target, Outputs::new(), None, "casebook-staging-export")
    }

    /// Like `for_export_update`, for the static search index's files.
    pub fn for_search_update(target: &Path) -> Result<Staging> {
        Staging::new(target, Outputs::new(), None, "casebook-staging-search")
    }

    /// Like `with_previous`, starting from the spare the last build kept
    /// (when it is there and its record is known) and keeping the site
    /// this build replaces as the next spare.
    pub fn with_spare(target: &Path, previous: Outputs, spare: Option<Spare>) -> Result<Staging> {
        Staging::new(target, previous, spare, "casebook-staging")
    }

    /// A staging folder `.<target name>.<kind>-<pid>` beside `target`.
    fn new(target: &Path, previous: Outputs, spare: Option<Spare>, kind: &str) -> Result<Staging> {
        let parent = site_parent(target);
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        remove_abandoned(parent, &site_name(target));
        let dir = beside(target, kind);
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        let target_exists = fs::symlink_metadata(target).is_ok();
        // The spare is claimed by moving it: a build killed from here on
        // leaves no spare, and the next one starts without.
        let seeded = spare.as_ref().and_then(|spare| {
            // Only beside the very site it was swapped out for: a site
            // committed since (by a build with another cache) is another
            // folder.
            let record = spare
                .record
                .as_ref()
                .filter(|r| site_identity(target) == Some(r.site))?;
            fs::rename(&spare.dir, &dir).ok()?;
            Some(record.differs.iter().cloned().collect::<HashSet<String>>())
        });
        if let Some(spare) = &spare
            && seeded.is_none()
            && fs::symlink_metadata(&spare.dir).is_ok()
        {
            // Kept by a build whose record was lost: of no use.
            let _ = remove_entry(&spare.dir);
        }
        if seeded.is_none() {
            fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            committed: false,
            previous,
            target_exists,
            spare: spare.map(|s| s.dir),
            seeded,
            written: Mutex::new(HashMap::new()),
            folders: Mutex::new(HashSet::new()),
            disturbed: Mutex::new(HashSet::new()),
        })
    }

    /// Writes one file at a `/`-separated path under the site root.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let hash = cache::output_hash(bytes);
        let path = self.dir.join(relative);
        let record = match self.unchanged(relative, hash, bytes) {
            Some((file, inode)) => Written {
                file,
                staged: false,
                inode,
            },
            None => Written {
                file: self.write_new(relative, &path, bytes, hash)?,
                staged: true,
                inode: 0,
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
        self.write_streamed(relative, produce, false)
    }

    /// Like [`Staging::write_with`], for a file the caller knows differs
    /// from the previous site's: the staged copy is kept without reading
    /// the old one to compare (83 MB for the export after an edit that
    /// left its length alone).
    pub fn write_changed_with(
        &self,
        relative: &str,
        produce: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        self.write_streamed(relative, produce, true)
    }

    fn write_streamed(
        &self,
        relative: &str,
        produce: impl FnOnce(&mut dyn Write) -> Result<()>,
        changed: bool,
    ) -> Result<()> {
        let path = self.dir.join(relative);
        let file = self.create_new(relative, &path)?;
        let mut writer = HashingWriter {
            inner: std::io::BufWriter::with_capacity(1 << 16, file),
            hasher: Xxh3::new(),
        };
        produce(&mut writer)?;
        let file = writer
            .inner
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", path.display()))?;
        let hash = writer.hasher.digest128();
        let metadata = file
            .metadata()
            .with_context(|| format!("cannot read {}", path.display()))?;
        let unchanged = if changed {
            None
        } else {
            self.unchanged_file(relative, hash, metadata.len(), || {
                hash_file(&self.target.join(relative)).is_ok_and(|old| old == hash)
            })
        };
        let record = match unchanged {
            Some((file, inode)) => {
                let _ = fs::remove_file(&path);
                Written {
                    file,
                    staged: false,
                    inode,
                }
            }
            None => Written {
                file: OutputFile {
                    hash,
                    len: metadata.len(),
                    modified: cache::modified_nanos(&metadata),
                },
                staged: true,
                inode: 0,
            },
        };
        self.record(relative, record, &path);
        Ok(())
    }

    /// Creates a file in the staging folder, with its folders. A file
    /// already there (staged before by this build, or the spare's) is
    /// replaced, never written through: it may be the previous site's.
    fn create_new(&self, relative: &str, path: &Path) -> Result<fs::File> {
        if let Some((folder, _)) = relative.rsplit_once('/') {
            self.create_folder(folder)?;
        }
        if self.seeded.is_some() {
            // The spare's file, or a folder where the new site has a file.
            if fs::remove_file(path).is_err() && fs::symlink_metadata(path).is_ok() {
                let _ = fs::remove_dir_all(path);
            }
            lock(&self.disturbed).insert(relative.to_string());
        } else if self.was_written(relative) {
            let _ = fs::remove_file(path);
        }
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Creates a folder of the staging folder (and its parents) unless
    /// this build did already.
    fn create_folder(&self, folder: &str) -> Result<()> {
        if lock(&self.folders).contains(folder) {
            return Ok(());
        }
        let path = self.dir.join(folder);
        let mut created = fs::create_dir_all(&path);
        if created.is_err() && self.seeded.is_some() {
            // The spare has a file where the new site has a folder.
            let mut at = self.dir.clone();
            for part in folder.split('/') {
                at.push(part);
                if fs::symlink_metadata(&at).is_ok_and(|m| !m.is_dir()) {
                    let _ = fs::remove_file(&at);
                }
            }
            created = fs::create_dir_all(&path);
        }
        created.with_context(|| format!("cannot create {}", path.display()))?;
        let mut folders = lock(&self.folders);
        let mut folder = folder;
        while folders.insert(folder.to_string()) {
            match folder.rsplit_once('/') {
                Some((parent, _)) => folder = parent,
                None => break,
            }
        }
        Ok(())
    }

    /// Writes a new file into the staging folder; returns its record.
    fn write_new(
        &self,
        relative: &str,
        path: &Path,
        bytes: &[u8],
        hash: u128,
    ) -> Result<OutputFile> {
        let mut file = self.create_new(relative, path)?;
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

    fn was_written(&self, relative: &str) -> bool {
        lock(&self.written).contains_key(relative)
    }

    /// Notes a file of the new site.
    fn record(&self, relative: &str, record: Written, path: &Path) {
        let earlier = lock(&self.written).insert(relative.to_string(), record);
        // Written twice, the second time the same as the previous site: the
        // first, staged copy must not be moved in.
        if earlier.is_some_and(|e| e.staged) && !record.staged {
            let _ = fs::remove_file(path);
        }
    }

    /// The previous site's record of `relative` (and its file's inode)
    /// when its bytes are `bytes`.
    fn unchanged(&self, relative: &str, hash: u128, bytes: &[u8]) -> Option<(OutputFile, u64)> {
        self.unchanged_file(relative, hash, bytes.len() as u64, || {
            fs::read(self.target.join(relative)).is_ok_and(|old| old == bytes)
        })
    }

    /// The previous site's record of `relative` (and its file's inode)
    /// when its bytes have this hash and length; `same_bytes` compares them
    /// with the previous file when the build cache has no record of it.
    fn unchanged_file(
        &self,
        relative: &str,
        hash: u128,
        len: u64,
        same_bytes: impl FnOnce() -> bool,
    ) -> Option<(OutputFile, u64)> {
        if !self.target_exists {
            return None;
        }
        // Recorded with other bytes: changed, whatever the file says now.
        if let Some(recorded) = self.previous.get(relative)
            && (recorded.hash != hash || recorded.len != len)
        {
            return None;
        }
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
        same.then_some((file, inode(&metadata)))
    }

    /// Every HTML page written so far, by `/`-separated path, sorted.
    pub fn pages(&self) -> Vec<String> {
        let written = lock(&self.written);
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
    pub fn commit(mut self) -> Result<Committed> {
        let written = std::mem::take(&mut *lock(&self.written));
        let had_previous = fs::symlink_metadata(&self.target).is_ok();
        if let Some(differs) = &self.seeded {
            if !had_previous {
                anyhow::bail!(
                    "the previous site {} went away during the build",
                    self.target.display()
                );
            }
            self.complete_from_spare(&written, differs)?;
        } else if had_previous {
            self.link_unchanged(&written)?;
        }
        if had_previous && exchange(&self.dir, &self.target).is_ok() {
            self.committed = true;
            let spare = self.keep_spare(&written);
            return Ok(Committed {
                outputs: records(written),
                spare,
            });
        }
        let old = beside(&self.target, "casebook-old");
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
        Ok(Committed {
            outputs: records(written),
            spare: None,
        })
    }

    /// Moves the files written whose bytes differ from the site's into
    /// the site itself, one rename each, so a reader never sees half a
    /// file; every other file of the site stays as it is. For serve, which
    /// updates a few pages of its preview between full builds. Returns the
    /// paths moved, sorted.
    pub fn commit_in_place(self) -> Result<Vec<String>> {
        let written = std::mem::take(&mut *lock(&self.written));
        let mut moved: Vec<String> = written
            .into_iter()
            .filter(|(_, record)| record.staged)
            .map(|(relative, _)| relative)
            .collect();
        moved.sort();
        let mut set_aside = Vec::new();
        for relative in &moved {
            let to = self.target.join(relative);
            if let Some(folder) = to.parent() {
                fs::create_dir_all(folder)
                    .with_context(|| format!("cannot create {}", folder.display()))?;
            }
            set_aside.extend(self.set_aside_if_large(&to));
            fs::rename(self.dir.join(relative), &to)
                .with_context(|| format!("cannot update {}", to.display()))?;
        }
        if !set_aside.is_empty() {
            let folder = beside(&self.target, SET_ASIDE);
            std::thread::spawn(move || {
                for path in set_aside {
                    let _ = fs::remove_file(path);
                }
                // Unless another update set a file aside meanwhile.
                let _ = fs::remove_dir(folder);
            });
        }
        // Drop removes the staging folder, emptied of what was moved.
        Ok(moved)
    }

    /// Replacing a file frees its pages within the rename, which for a
    /// large one (the 83 MB export, the 27 MB actions page of a 10,000
    /// postmortem archive) is tens of milliseconds before the browser can
    /// reload. So a large file about to be replaced gets a second name
    /// first, in a folder beside the site, and that name is removed on a
    /// thread of its own once the new file is in place. None (and the
    /// rename frees the file) for a small or missing file, or when the
    /// link fails (as when that thread just removed the folder).
    fn set_aside_if_large(&self, path: &Path) -> Option<PathBuf> {
        /// Below this, freeing a file takes too little time to matter.
        const LARGE: u64 = 1 << 20;
        /// Names the files set aside, unique within the process.
        static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let metadata = fs::symlink_metadata(path).ok()?;
        if !metadata.is_file() || metadata.len() < LARGE {
            return None;
        }
        let folder = beside(&self.target, SET_ASIDE);
        fs::create_dir_all(&folder).ok()?;
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let aside = folder.join(n.to_string());
        fs::hard_link(path, &aside).ok()?;
        Some(aside)
    }

    /// Puts each file the new site shares with the previous one into the
    /// staging folder as a hard link to it (a copy where links fail).
    fn link_unchanged(&self, written: &HashMap<String, Written>) -> Result<()> {
        written
            .par_iter()
            .filter(|(_, record)| !record.staged)
            .try_for_each(|(relative, _)| self.link(relative))
    }

    /// One file of the previous site, into the staging folder.
    fn link(&self, relative: &str) -> Result<()> {
        let from = self.target.join(relative);
        let to = self.dir.join(relative);
        if let Some((folder, _)) = relative.rsplit_once('/') {
            self.create_folder(folder)?;
        }
        fs::hard_link(&from, &to)
            .or_else(|_| fs::copy(&from, &to).map(drop))
            .with_context(|| format!("cannot keep {}", from.display()))
    }

    /// Makes the staging folder, started as the spare, the new site: the
    /// files it shares with the previous site where the spare has another
    /// file (or none), and without the files the new site does not have.
    fn complete_from_spare(
        &self,
        written: &HashMap<String, Written>,
        differs: &HashSet<String>,
    ) -> Result<()> {
        let disturbed = std::mem::take(&mut *lock(&self.disturbed));
        written
            .par_iter()
            .filter(|(relative, record)| {
                !record.staged
                    && (differs.contains(*relative)
                        || disturbed.contains(*relative)
                        // Not of the site the spare was swapped out for
                        // (put there since, by serve's quick path): the
                        // spare has no copy of it.
                        || !self.previous.contains_key(*relative))
            })
            .try_for_each(|(relative, _)| {
                let _ = fs::remove_file(self.dir.join(relative));
                self.link(relative)
            })?;
        // The spare holds the previous site's files and those it differs
        // by: what the new site does not have goes, with emptied folders.
        let gone: HashSet<&String> = self
            .previous
            .keys()
            .chain(differs)
            .filter(|relative| !written.contains_key(*relative))
            .collect();
        gone.par_iter().for_each(|relative| {
            let path = self.dir.join(relative);
            if fs::remove_file(&path).is_ok() {
                let mut folder = path.parent();
                while let Some(dir) = folder.filter(|d| *d != self.dir) {
                    if fs::remove_dir(dir).is_err() {
                        break;
                    }
                    folder = dir.parent();
                }
            }
        });
        Ok(())
    }

    /// Keeps the previous site, swapped out to the staging path, as the
    /// next build's spare; removes it where it cannot be kept.
    fn keep_spare(&self, written: &HashMap<String, Written>) -> Option<SpareRecord> {
        let kept = self.spare.as_ref().and_then(|spare| {
            // Every file it has, hand-made ones too, and which file each
            // is: the record must name each path where the new site has
            // another (a page renamed into the site during the build too).
            let files = list_files(&self.dir)?;
            let site = site_identity(&self.target)?;
            if let Some(parent) = spare.parent() {
                fs::create_dir_all(parent).ok()?;
            }
            if fs::symlink_metadata(spare).is_ok() {
                remove_entry(spare).ok()?;
            }
            fs::rename(&self.dir, spare).ok()?;
            let mut differs: Vec<String> = written
                .iter()
                .filter(|(_, record)| record.staged)
                .map(|(relative, _)| relative.clone())
                .collect();
            differs.extend(
                files
                    .into_iter()
                    .filter(|(file, inode)| {
                        written
                            .get(file)
                            .is_none_or(|record| !record.staged && record.inode != *inode)
                    })
                    .map(|(file, _)| file),
            );
            differs.sort_unstable();
            Some(SpareRecord { site, differs })
        });
        if kept.is_none() {
            remove_previous(&self.dir);
        }
        kept
    }
}

/// Locks a mutex, whatever a panicking thread left in it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every file under `dir`, `/`-separated, with its inode (as listed: no
/// file is looked at); None if some folder cannot be listed. The top two
/// levels are listed first and the folders found there walked in parallel
/// (a site is thousands of small folders).
fn list_files(dir: &Path) -> Option<Vec<(String, u64)>> {
    let mut top = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1).max_depth(2) {
        top.push(entry.ok()?);
    }
    let lists: Option<Vec<Vec<(String, u64)>>> = crate::io_pool::run(|| {
        top.par_iter()
            .map(|entry| {
                if !entry.file_type().is_dir() {
                    return cache::relative_name(dir, entry.path())
                        .map(|name| vec![(name, listed_inode(entry))]);
                }
                if entry.depth() < 2 {
                    return Some(Vec::new());
                }
                let mut names = Vec::new();
                for inner in walkdir::WalkDir::new(entry.path()).min_depth(1) {
                    let inner = inner.ok()?;
                    if !inner.file_type().is_dir() {
                        names.push((
                            cache::relative_name(dir, inner.path())?,
                            listed_inode(&inner),
                        ));
                    }
                }
                Some(names)
            })
            .collect()
    });
    Some(lists?.into_iter().flatten().collect())
}

#[cfg(unix)]
fn inode(metadata: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(metadata)
}

#[cfg(unix)]
fn listed_inode(entry: &walkdir::DirEntry) -> u64 {
    walkdir::DirEntryExt::ino(entry)
}

#[cfg(not(unix))]
fn inode(_: &fs::Metadata) -> u64 {
    0
}

#[cfg(not(unix))]
fn listed_inode(_: &walkdir::DirEntry) -> u64 {
    0
}

/// What tells one committed site from another: its folder's device and
/// inode (every commit puts a new folder in place).
#[cfg(unix)]
pub fn site_identity(target: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(target)
        .ok()
        .filter(fs::Metadata::is_dir)
        .map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
pub fn site_identity(_: &Path) -> Option<(u64, u64)> {
    None
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

/// [`cache::output_hash`] of a file, read a piece at a time.
fn hash_file(path: &Path) -> std::io::Result<u128> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Xxh3::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        match file.read(&mut buffer)? {
            0 => return Ok(hasher.digest128()),
            n => hasher.update(&buffer[..n]),
        }
    }
}

/// A writer that hashes what passes through it.
struct HashingWriter<W> {
    inner: W,
    hasher: Xxh3,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    /// Hands the slices on together (a buffered file writes large ones
    /// with one `writev`) and hashes the bytes taken.
    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        let written = self.inner.write_vectored(bufs)?;
        let mut hashed = 0;
        for buf in bufs {
            let take = buf.len().min(written - hashed);
            self.hasher.update(&buf[..take]);
            hashed += take;
            if hashed == written {
                break;
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
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

/// The kind of folder ([`beside`]) where files replaced in place wait to
/// be removed.
const SET_ASIDE: &str = "casebook-replaced";

/// The name of the output folder, which the folders beside it start with.
fn site_name(target: &Path) -> String {
    target
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy().to_string())
}

/// The folder holding the output folder (`.` for a bare name).
fn site_parent(target: &Path) -> &Path {
    target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// This process's folder of a kind beside the output folder:
/// `.<site name>.<kind>-<pid>`.
fn beside(target: &Path, kind: &str) -> PathBuf {
    site_parent(target).join(format!(
        ".{}.{kind}-{}",
        site_name(target),
        std::process::id()
    ))
}

/// Removes the staging and previous-site folders that builds killed before
/// they could clean up left beside `name` (`.public.casebook-staging-<pid>`,
/// and serve's `.public.casebook-staging-update-<pid>`,
/// `.public.casebook-staging-export-<pid>`,
/// `.public.casebook-staging-search-<pid>` and
/// `.public.casebook-replaced-<pid>`), when no running process has that
/// id. Folders of live builds are kept.
fn remove_abandoned(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefixes = [
        format!(".{name}.casebook-staging-"),
        format!(".{name}.casebook-staging-update-"),
        format!(".{name}.casebook-staging-export-"),
        format!(".{name}.casebook-staging-search-"),
        format!(".{name}.casebook-old-"),
        format!(".{name}.{SET_ASIDE}-"),
    ];
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let pid = prefixes
            .iter()
            .find_map(|prefix| file_name.strip_prefix(prefix.as_str())?.parse::<u32>().ok());
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

    /// A committed site in a temporary folder, holding `files`.
    fn site_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let first = Staging::create(&target).unwrap();
        for (relative, bytes) in files {
            first.write(relative, bytes).unwrap();
        }
        first.commit().unwrap();
        (tmp, target)
    }

    #[test]
    fn commit_replaces_and_abandon_keeps_previous() {
        let (tmp, target) = site_with(&[("a/index.html", b"one")]);
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
        let dead_update = tmp
            .path()
            .join(".public.casebook-staging-update-4000000002");
        let dead_export = tmp
            .path()
            .join(".public.casebook-staging-export-4000000003");
        let dead_search = tmp
            .path()
            .join(".public.casebook-staging-search-4000000004");
        // Process 1 always runs.
        let live = tmp.path().join(".public.casebook-staging-1");
        let live_update = tmp.path().join(".public.casebook-staging-update-1");
        let other_site = tmp.path().join(".site.casebook-staging-4000000000");
        for dir in [
            &dead,
            &dead_old,
            &dead_update,
            &dead_export,
            &dead_search,
            &live,
            &live_update,
            &other_site,
        ] {
            fs::create_dir_all(dir.join("a")).unwrap();
        }
        let staging = Staging::create(&target).unwrap();
        staging.write("index.html", b"new").unwrap();
        staging.commit().unwrap();
        assert!(!dead.exists() && !dead_old.exists() && !dead_update.exists());
        assert!(!dead_export.exists() && !dead_search.exists());
        assert!(live.exists(), "a running build's folder is kept");
        assert!(live_update.exists(), "a running update's folder is kept");
        assert!(
            other_site.exists(),
            "another output's folders are not touched"
        );
    }

    /// Serve's updates go into the site file by file, beside a build.
    #[test]
    fn an_update_in_place_moves_only_changed_files_and_spares_a_build() {
        let (_tmp, target) = site_with(&[("a/index.html", b"one"), ("b/index.html", b"two")]);
        let build = Staging::create(&target).unwrap();
        build.write("a/index.html", b"from the build").unwrap();
        let update = Staging::for_update(&target, Outputs::new()).unwrap();
        update.write("a/index.html", b"one").unwrap();
        update.write("b/index.html", b"edited").unwrap();
        update.write("c/new.html", b"added").unwrap();
        assert_eq!(
            update.commit_in_place().unwrap(),
            ["b/index.html", "c/new.html"]
        );
        assert_eq!(fs::read(target.join("b/index.html")).unwrap(), b"edited");
        assert_eq!(fs::read(target.join("c/new.html")).unwrap(), b"added");
        build.commit().unwrap();
        assert_eq!(
            fs::read(target.join("a/index.html")).unwrap(),
            b"from the build",
            "the build beside the update was not disturbed"
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
        let records = first.commit().unwrap().outputs;
        assert_eq!(fs::read(target.join("same.json")).unwrap(), b"{\"a\":1}");
        // Streamed in pieces, hashed as the whole.
        assert_eq!(records["same.json"].hash, cache::output_hash(b"{\"a\":1}"));
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

    /// Rebuilds that start from the spare give exactly the site a build
    /// from nothing gives, keep unchanged files (the same file, so the
    /// same time), and never bring back a file the site no longer has.
    #[cfg(unix)]
    #[test]
    fn rebuilds_from_the_spare_touch_only_what_changed() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let spare_dir = tmp.path().join("cache/site.spare");
        fs::create_dir_all(spare_dir.parent().unwrap()).unwrap();
        let mut outputs = Outputs::new();
        let mut record: Option<SpareRecord> = None;
        let mut build_during = |files: &[(&str, &str)], during: &dyn Fn()| {
            let spare = Spare {
                dir: spare_dir.clone(),
                record: record.take(),
            };
            let staging =
                Staging::with_spare(&target, std::mem::take(&mut outputs), Some(spare)).unwrap();
            for (path, text) in files {
                staging.write(path, text.as_bytes()).unwrap();
            }
            during();
            let committed = staging.commit().unwrap();
            outputs = committed.outputs;
            record = committed.spare;
            read_tree(&target)
        };
        let mut build = |files: &[(&str, &str)]| build_during(files, &|| {});
        let inode = |path: &str| fs::metadata(target.join(path)).unwrap().ino();
        let tree = |files: &[(&str, &str)]| -> Vec<(String, String)> {
            let mut tree: Vec<(String, String)> = files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect();
            tree.sort();
            tree
        };

        let one = [
            ("index.html", "home"),
            ("a/index.html", "a"),
            ("b/index.html", "b"),
        ];
        assert_eq!(build(&one), tree(&one));
        let a = inode("a/index.html");
        // A file made by hand in the site: the next site does not have it.
        fs::write(target.join("b/notes.txt"), "by hand").unwrap();
        let two = [
            ("index.html", "home 2"),
            ("a/index.html", "a"),
            ("c/d/index.html", "c"),
        ];
        assert_eq!(build(&two), tree(&two));
        assert!(spare_dir.exists(), "the replaced site is kept");
        // Started from the spare this time.
        let three = [
            ("index.html", "home 3"),
            ("a/index.html", "a"),
            ("b/index.html", "b again"),
            ("c/d/index.html", "c"),
        ];
        assert_eq!(build(&three), tree(&three));
        let four = [
            ("index.html", "home 3"),
            ("a/index.html", "a"),
            ("b", "a file now"),
        ];
        assert_eq!(build(&four), tree(&four));
        let five = [
            ("index.html", "home 5"),
            ("a/index.html", "a"),
            ("b/x/index.html", "x"),
        ];
        assert_eq!(build(&five), tree(&five));
        assert_eq!(
            inode("a/index.html"),
            a,
            "an unchanged file is never replaced"
        );
        assert!(
            !tmp.path().join("public/c").exists(),
            "emptied folders go too"
        );
        // A page renamed into the site during a build (serve's preview)
        // goes with the replaced site, and is not taken for the new one's.
        let preview = tmp.path().join("preview");
        let rename_in = || {
            fs::write(&preview, "preview").unwrap();
            fs::rename(&preview, target.join("a/index.html")).unwrap();
        };
        assert_eq!(build_during(&five, &rename_in), tree(&five));
        assert_eq!(build_during(&five, &|| {}), tree(&five));
        assert_eq!(build_during(&five, &|| {}), tree(&five));
        // A file serve's quick path added to the site between builds (a new
        // search vocabulary file, say), which the next build makes with the
        // same bytes: the spare never had it.
        let update = Staging::for_update(&target, Outputs::new()).unwrap();
        update.write("v/ag.dat", b"again").unwrap();
        update.commit_in_place().unwrap();
        let six = [
            ("index.html", "home 5"),
            ("a/index.html", "a"),
            ("b/x/index.html", "x"),
            ("v/ag.dat", "again"),
        ];
        assert_eq!(build_during(&six, &|| {}), tree(&six));
        assert_eq!(build_during(&six, &|| {}), tree(&six));
    }

    fn read_tree(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    cache::relative_name(dir, e.path()).unwrap(),
                    fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn unchanged_files_keep_their_timestamps_and_the_old_site_is_untouched() {
        let (_tmp, target) = site_with(&[("a/index.html", b"one"), ("b.txt", b"old")]);
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

    #[test]
    fn vectored_writes_record_the_hash_of_what_they_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::create(&tmp.path().join("public")).unwrap();
        let parts: Vec<Vec<u8>> = (0..3000)
            .map(|n| format!("part {n};").repeat(n % 7 + 1).into_bytes())
            .collect();
        staging
            .write_with("streamed.txt", |out| {
                let mut slices: Vec<std::io::IoSlice<'_>> =
                    parts.iter().map(|p| std::io::IoSlice::new(p)).collect();
                let mut left = &mut slices[..];
                while !left.is_empty() {
                    let written = out.write_vectored(left)?;
                    std::io::IoSlice::advance_slices(&mut left, written);
                }
                Ok(())
            })
            .unwrap();
        staging.write("whole.txt", &parts.concat()).unwrap();
        let committed = staging.commit().unwrap();
        assert_eq!(
            fs::read(tmp.path().join("public/streamed.txt")).unwrap(),
            parts.concat()
        );
        assert_eq!(
            committed.outputs["streamed.txt"],
            OutputFile {
                modified: committed.outputs["streamed.txt"].modified,
                ..committed.outputs["whole.txt"]
            }
        );
    }

    #[test]
    fn a_large_file_replaced_in_place_is_freed_on_the_side() {
        let (tmp, target) =
            site_with(&[("export.json", &vec![b'a'; 3 << 20]), ("small.txt", b"old")]);

        let update = Staging::for_export_update(&target).unwrap();
        assert_eq!(update.set_aside_if_large(&target.join("small.txt")), None);
        let linked = update
            .set_aside_if_large(&target.join("export.json"))
            .expect("a large file is set aside");
        assert_eq!(fs::read(&linked).unwrap(), vec![b'a'; 3 << 20]);
        fs::remove_file(linked).unwrap();

        update.write("export.json", &vec![b'b'; 2 << 20]).unwrap();
        update.write("small.txt", b"new").unwrap();
        assert_eq!(
            update.commit_in_place().unwrap(),
            ["export.json", "small.txt"]
        );
        assert_eq!(
            fs::read(target.join("export.json")).unwrap(),
            vec![b'b'; 2 << 20]
        );
        assert_eq!(fs::read(target.join("small.txt")).unwrap(), b"new");

        // The old export's second name, and its folder, go once its
        // thread removes them.
        let aside = beside(&target, SET_ASIDE);
        for _ in 0..1000 {
            if !aside.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let names: Vec<PathBuf> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(names, [target], "nothing is left beside the site");
    }

    #[test]
    fn a_file_known_changed_is_moved_in_without_comparing() {
        let (_tmp, target) = site_with(&[("compared.json", b"same"), ("known.json", b"same")]);

        let update = Staging::for_export_update(&target).unwrap();
        let same = |out: &mut dyn Write| Ok(out.write_all(b"same")?);
        update.write_with("compared.json", same).unwrap();
        update.write_changed_with("known.json", same).unwrap();
        assert_eq!(update.commit_in_place().unwrap(), ["known.json"]);
    }
}
