//! History: when each postmortem was last changed, for "last updated" on
//! its page and in feeds.
//!
//! Input: the archive root and the incidents. Output: `Incident::updated`
//! filled in.
//!
//! When the root is inside a Git work tree, a postmortem was last updated at
//! the committer time of the newest commit on HEAD's first-parent chain that
//! changed its file. Uncommitted edits are ignored on purpose: the same commit
//! then builds byte-for-byte the same site on any checkout, whatever the file
//! times. A change merged from a branch counts from the merge commit, when it
//! reached the archive's main line. In a shallow clone, files not changed
//! since the oldest fetched commit get that commit's time.
//!
//! Files HEAD does not hold (new, not yet committed), and every file when
//! there is no repository or it cannot be read, fall back to the file's
//! modification time. Reading history never fails the build.
//!
//! The history is read once, newest commit first, diffing each commit's tree
//! against its first parent's and stopping as soon as every file is dated:
//! unchanged subtrees are skipped by object id, so the cost follows the
//! number of commits and changed files, not the size of the archive.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};
use gix::bstr::BString;
use gix::diff::tree::recorder::Change;
use jiff::Timestamp;
use rayon::prelude::*;

use crate::incident::Incident;

/// Memory for decoded trees: the trees read to diff a commit are read again
/// as the parent side of the next diff, and decompressing them is most of
/// the walk's cost. (The pack's delta-base cache, gix's `max-performance`
/// feature, saves the rest for packed repositories.)
const OBJECT_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// Fills `updated` for every incident. Returns the sources dated by a
/// commit: for any other, an edit makes its file's time the new date.
/// `seen_time(path)`: a file's time already looked at (by the build
/// cache's fingerprint), which saves looking again.
pub fn annotate(
    root: &Path,
    incidents: &mut [Incident],
    seen_time: &(dyn Fn(&Path) -> Option<Timestamp> + Sync),
) -> HashSet<PathBuf> {
    let sources: Vec<&Path> = incidents.iter().map(|i| i.source.as_path()).collect();
    // Any error reading the repository means no commit times at all, rather
    // than a mix, and the file times below stand in for every incident.
    let committed = commit_times(root, &sources).unwrap_or_default();
    // Outside a repository that is a look at every file: side by side.
    crate::io_pool::run(|| {
        incidents.par_iter_mut().for_each(|incident| {
            incident.updated = committed.get(&incident.source).copied().or_else(|| {
                let path = root.join(&incident.source);
                seen_time(&path).or_else(|| file_time(&path))
            });
        });
    });
    committed.into_keys().collect()
}

/// The time of the last commit on HEAD that changed each of `sources`
/// (relative to `root`), for those HEAD holds. Empty outside a repository.
fn commit_times(root: &Path, sources: &[&Path]) -> Result<HashMap<PathBuf, Timestamp>> {
    let mut found = HashMap::new();
    let Ok(mut repo) = gix::discover(root) else {
        return Ok(found);
    };
    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
    let workdir = repo.workdir().context("bare repository")?;
    let workdir = workdir
        .canonicalize()
        .with_context(|| format!("resolving {}", workdir.display()))?;
    let root_in_repo = root
        .canonicalize()
        .with_context(|| format!("resolving {}", root.display()))?
        .strip_prefix(&workdir)?
        .to_path_buf();

    let head = repo.head_commit()?;
    // Only files HEAD holds can be found in its history; looking for the
    // others would walk all of it.
    let tracked: HashSet<BString> = head
        .tree()?
        .traverse()
        .breadthfirst
        .files()?
        .into_iter()
        .filter(|entry| entry.mode.is_blob_or_symlink())
        .map(|entry| entry.filepath)
        .collect();
    let mut wanted: HashMap<BString, &Path> = sources
        .iter()
        .map(|&source| (repo_path(&root_in_repo.join(source)), source))
        .filter(|(path, _)| tracked.contains(path))
        .collect();
    drop(tracked);

    let empty_tree = repo.empty_tree();
    let mut state = gix::diff::tree::State::default();
    let mut commit = head;
    while !wanted.is_empty() {
        // A parent missing from the object database is a shallow clone's
        // boundary: treat the commit as the first one.
        let parent = match commit.parent_ids().next() {
            Some(id) => repo
                .try_find_object(id)?
                .map(|o| o.try_into_commit())
                .transpose()?,
            None => None,
        };
        let tree = commit.tree()?;
        let parent_tree = match &parent {
            Some(parent) => parent.tree()?,
            None => empty_tree.clone(),
        };
        if tree.id != parent_tree.id {
            let mut changes = gix::diff::tree::Recorder::default();
            gix::diff::tree(
                gix::objs::TreeRefIter::from_bytes(&parent_tree.data, repo.object_hash()),
                gix::objs::TreeRefIter::from_bytes(&tree.data, repo.object_hash()),
                &mut state,
                &repo.objects,
                &mut changes,
            )?;
            let time = Timestamp::from_second(commit.time()?.seconds)?;
            for change in changes.records {
                // Walking back from HEAD, a file HEAD holds is first seen
                // added or modified, never deleted.
                if let Change::Addition { path, .. } | Change::Modification { path, .. } = change
                    && let Some(source) = wanted.remove(&path)
                {
                    found.insert(source.to_path_buf(), time);
                }
            }
        }
        match parent {
            Some(parent) => commit = parent,
            None => break,
        }
    }
    Ok(found)
}

/// A path as Git stores it in trees: `/`-separated, relative to the work tree.
fn repo_path(path: &Path) -> BString {
    let mut out = BString::default();
    for component in path.components() {
        if let Component::Normal(name) = component {
            if !out.is_empty() {
                out.push(b'/');
            }
            out.extend_from_slice(gix::path::os_str_into_bstr(name).unwrap_or_default());
        }
    }
    out
}

/// The time a file was last modified: the date of a postmortem no commit dates.
pub fn file_time(path: &Path) -> Option<Timestamp> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Timestamp::try_from(modified).ok()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use gix::objs::tree::EntryKind;

    use super::*;
    use crate::incident::{DigestHints, Durations, IncidentTimes, Status};

    fn incident(source: &str) -> Incident {
        Incident {
            id: source.trim_end_matches(".md").to_string(),
            source: PathBuf::from(source),
            title: source.to_string(),
            date: jiff::civil::date(2024, 1, 1),
            severity: None,
            status: Status::Final,
            times: IncidentTimes::default(),
            durations: Durations::default(),
            teams: vec![],
            services: vec![],
            tags: vec![],
            customer_impact: None,
            data_loss: None,
            summary: String::new(),
            authors: vec![],
            action_items: vec![],
            related: vec![],
            recurrence_of: vec![],
            share_with: vec![],
            digest: DigestHints::default(),
            extra: BTreeMap::new(),
            sections: vec![],
            timeline: vec![],
            has_mermaid: false,
            word_count: 0,
            updated: None,
        }
    }

    /// Writes `files` (repository-relative) to the work tree and commits
    /// them on HEAD at `seconds` since the epoch, on top of what HEAD holds.
    fn commit(repo: &gix::Repository, files: &[(&str, &str)], seconds: i64) {
        let workdir = repo.workdir().unwrap();
        let parent = repo.head_commit().ok();
        let base = match &parent {
            Some(parent) => parent.tree().unwrap(),
            None => repo.empty_tree(),
        };
        let mut editor = base.edit().unwrap();
        for (path, text) in files {
            let file = workdir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, text).unwrap();
            let blob = repo.write_blob(text).unwrap();
            editor.upsert(*path, EntryKind::Blob, blob).unwrap();
        }
        let tree = editor.write().unwrap();
        let signature = gix::actor::Signature {
            name: "Casebook".into(),
            email: "casebook@example.com".into(),
            time: gix::date::Time::new(seconds, 0),
        };
        let mut time = gix::date::parse::TimeBuf::default();
        let signature = signature.to_ref(&mut time);
        repo.commit_as(
            signature,
            signature,
            "HEAD",
            "update",
            tree,
            parent.map(|p| p.id),
        )
        .unwrap();
    }

    fn at(seconds: i64) -> Option<Timestamp> {
        Some(Timestamp::from_second(seconds).unwrap())
    }

    #[test]
    fn committed_files_are_dated_by_their_last_commit() {
        let dir = tempfile::tempdir().unwrap();
        let repo = gix::init(dir.path()).unwrap();
        // The archive root is a folder inside the repository.
        commit(
            &repo,
            &[("archive/content/a.md", "a"), ("archive/content/b.md", "b")],
            1_700_000_000,
        );
        commit(
            &repo,
            &[("archive/content/b.md", "b, revised")],
            1_710_000_000,
        );
        commit(&repo, &[("README.md", "unrelated")], 1_720_000_000);
        let root = dir.path().join("archive");
        std::fs::write(root.join("content/new.md"), "not committed").unwrap();

        let mut incidents = [
            incident("content/a.md"),
            incident("content/b.md"),
            incident("content/new.md"),
        ];
        annotate(&root, &mut incidents, &|_| None);

        assert_eq!(incidents[0].updated, at(1_700_000_000));
        assert_eq!(incidents[1].updated, at(1_710_000_000));
        assert_eq!(
            incidents[2].updated,
            file_time(&root.join("content/new.md"))
        );
        assert!(incidents[2].updated.is_some());
    }

    #[test]
    fn a_repository_without_commits_falls_back_to_file_times() {
        let dir = tempfile::tempdir().unwrap();
        gix::init(dir.path()).unwrap();
        std::fs::write(dir.path().join("a.md"), "a").unwrap();

        let mut incidents = [incident("a.md")];
        annotate(dir.path(), &mut incidents, &|_| None);

        assert_eq!(incidents[0].updated, file_time(&dir.path().join("a.md")));
        assert!(incidents[0].updated.is_some());
    }

    /// A folder holding one postmortem file, `content/a.md`, outside any
    /// repository; and that file's path.
    fn folder_with_a_postmortem() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        let file = dir.path().join("content/a.md");
        std::fs::write(&file, "a").unwrap();
        (dir, file)
    }

    #[test]
    fn outside_a_repository_file_times_are_used() {
        let (dir, file) = folder_with_a_postmortem();
        let modified = jiff::Timestamp::from_second(1_600_000_000).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(modified.into())
            .unwrap();

        let mut incidents = [incident("content/a.md"), incident("content/gone.md")];
        annotate(dir.path(), &mut incidents, &|_| None);

        assert_eq!(incidents[0].updated, Some(modified));
        assert_eq!(incidents[1].updated, None);
    }

    /// A file time the build cache's fingerprint saw stands in for looking
    /// again, and is the same time: the fingerprint's record of the file,
    /// read back, gives the time `file_time` reads.
    #[test]
    fn the_fingerprints_file_times_stand_in() {
        let (dir, file) = folder_with_a_postmortem();
        let metadata = std::fs::metadata(&file).unwrap();
        let mut seen = crate::cache::Inputs::default();
        let record = crate::cache::InputFile {
            hash: [0; 32],
            len: metadata.len(),
            modified: crate::cache::modified_nanos(&metadata),
            changed: 0,
        };
        seen.insert(file.to_str().unwrap().to_string(), record);
        assert_eq!(crate::cache::seen_time(&seen, &file), file_time(&file));

        let said = jiff::Timestamp::from_second(1_500_000_000).unwrap();
        let mut incidents = [incident("content/a.md"), incident("content/gone.md")];
        annotate(dir.path(), &mut incidents, &|path| {
            (path == file).then_some(said)
        });
        assert_eq!(
            incidents[0].updated,
            Some(said),
            "the time seen, not looked up again"
        );
        assert_eq!(incidents[1].updated, None);
    }
}
