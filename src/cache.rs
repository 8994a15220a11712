//! The build cache: lets a build with nothing changed skip all its work.
//!
//! Input: the archive root, the build options and the output folder.
//! Output: a fingerprint of everything a build reads, and a manifest under
//! `.casebook-cache/build/` recording, for the last successful build into
//! that output folder, the fingerprint, the report and every output file's
//! hash, size and modification time.
//!
//! The fingerprint hashes the bytes of every file under the root (except
//! the output, the cache, `.git` and what `.gitignore` leaves out), the
//! Casebook binary, the build options, the day the build judges overdue items against, and Git's HEAD
//! (postmortems are dated by the commit that last changed them). A
//! postmortem's modification time is part of its key too: files HEAD does
//! not hold are dated by it. A file whose size and times match the last
//! record is not read again: its recorded hash stands in. When the
//! fingerprint and the output folder both match the manifest, the build is
//! skipped; the manifest's output records also let the output stage leave
//! unchanged files untouched. Beside the manifest, `<id>.spare` holds the
//! site the last build replaced (hard links to the files it shares with the
//! current one), and the manifest says where the two differ: the output
//! stage starts the next build from it (see `output`).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Level};

/// Bumped when the manifest or what the fingerprint covers changes.
const FORMAT: u32 = 4;

/// What is known about one file of a built site, or one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// 128-bit XXH3 of the bytes (see [`output_hash`]).
    #[serde(with = "hex_u128")]
    pub hash: u128,
    pub len: u64,
    /// Nanoseconds since the epoch; a file whose size and time still match
    /// was not touched since the build wrote it.
    pub modified: u128,
}

/// Every file of a built site, by `/`-separated path under the site root.
pub type Outputs = HashMap<String, OutputFile>;

/// The record of the last successful build into one output folder.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub(crate) format: u32,
    /// The fingerprint of the inputs, hex.
    pub key: String,
    pub incidents: usize,
    pub files: usize,
    pub diagnostics: Vec<StoredDiagnostic>,
    pub outputs: Outputs,
    /// Each input file's record, so the next fingerprint hashes only the
    /// files whose size or time changed.
    pub inputs: Inputs,
    /// When the fingerprint was taken (nanoseconds since the epoch).
    pub fingerprinted_at: u128,
    /// The site that build replaced, kept for the next one to start from.
    #[serde(default)]
    pub spare: Option<SpareRecord>,
}

/// What the output stage needs to know of a spare site (see `output`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SpareRecord {
    /// The device and inode of the site folder it was swapped out for.
    pub site: (u64, u64),
    /// The paths where the spare differs from that site, sorted.
    pub differs: Vec<String>,
}

/// A diagnostic as stored in the manifest (rules are interned on load).
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredDiagnostic {
    path: PathBuf,
    line: usize,
    column: usize,
    error: bool,
    rule: String,
    message: String,
    hint: Option<String>,
}

impl From<&Diagnostic> for StoredDiagnostic {
    fn from(d: &Diagnostic) -> Self {
        StoredDiagnostic {
            path: d.path.clone(),
            line: d.line,
            column: d.column,
            error: d.is_error(),
            rule: d.rule.to_string(),
            message: d.message.clone(),
            hint: d.hint.clone(),
        }
    }
}

impl StoredDiagnostic {
    pub fn restore(&self) -> Diagnostic {
        Diagnostic {
            path: self.path.clone(),
            line: self.line,
            column: self.column,
            level: if self.error {
                Level::Error
            } else {
                Level::Warning
            },
            rule: intern(&self.rule),
            message: self.message.clone(),
            hint: self.hint.clone(),
        }
    }
}

/// Rules are `&'static str` everywhere else; the few distinct names read
/// back from a manifest are leaked once each, so serve's repeated loads do
/// not grow memory.
fn intern(rule: &str) -> &'static str {
    static RULES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut rules = RULES.lock().unwrap_or_else(|e| e.into_inner());
    let rules = rules.get_or_insert_with(HashSet::new);
    if let Some(&known) = rules.get(rule) {
        return known;
    }
    let leaked: &'static str = Box::leak(rule.to_string().into_boxed_str());
    rules.insert(leaked);
    leaked
}

/// Where the manifest of builds into `output` lives.
fn manifest_path(root: &Path, output: &Path) -> PathBuf {
    let absolute = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
    let id = blake3::hash(absolute.as_os_str().as_encoded_bytes()).to_hex();
    root.join(".casebook-cache")
        .join("build")
        .join(format!("{}.json", &id[..16]))
}

/// Where the site replaced by the last build into `output` is kept: in the
/// build cache when that is on the output's file system (files move between
/// the two by renaming), else nowhere.
pub fn spare_path(root: &Path, output: &Path) -> Option<PathBuf> {
    let path = manifest_path(root, output).with_extension("spare");
    let folder = path.parent()?;
    fs::create_dir_all(folder).ok()?;
    let device = |path: &Path| -> Option<u64> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            fs::metadata(path).ok().map(|m| m.dev())
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    };
    let site_folder = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    (device(folder)? == device(site_folder)?).then_some(path)
}

impl Manifest {
    /// The manifest of the last build into `output`, if any is readable.
    pub fn load(root: &Path, output: &Path) -> Option<Manifest> {
        let bytes = fs::read(manifest_path(root, output)).ok()?;
        let manifest: Manifest = serde_json::from_slice(&bytes).ok()?;
        (manifest.format == FORMAT).then_some(manifest)
    }

    /// Records a successful build. Best effort: a cache that cannot be
    /// written only costs the next build its shortcut.
    pub fn save(mut self, root: &Path, output: &Path) {
        self.format = FORMAT;
        let path = manifest_path(root, output);
        let Some(dir) = path.parent() else { return };
        // Unique per save: builds on several threads (tests) may save at once.
        static SAVES: AtomicUsize = AtomicUsize::new(0);
        let n = SAVES.fetch_add(1, Ordering::Relaxed);
        let temporary = path.with_extension(format!("tmp-{}-{n}", std::process::id()));
        let written = fs::create_dir_all(dir).is_ok()
            && fs::File::create(&temporary)
                .and_then(|mut f| f.write_all(&self.to_json().unwrap_or_default()))
                .is_ok();
        if !written || fs::rename(&temporary, &path).is_err() {
            let _ = fs::remove_file(&temporary);
        }
    }

    /// The manifest as JSON. Its two long maps, a record per output file
    /// and per input (110,000 at 50k postmortems), are written side by
    /// side, then put in place. Taking the manifest apart without `..`
    /// makes a new field a compile error here until it is written too.
    fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        use serde_json::value::{RawValue, to_raw_value};
        #[derive(Serialize)]
        struct Written<'a> {
            format: u32,
            key: &'a str,
            incidents: usize,
            files: usize,
            diagnostics: &'a [StoredDiagnostic],
            outputs: &'a RawValue,
            inputs: &'a RawValue,
            fingerprinted_at: u128,
            spare: &'a Option<SpareRecord>,
        }
        let Manifest {
            format,
            key,
            incidents,
            files,
            diagnostics,
            outputs,
            inputs,
            fingerprinted_at,
            spare,
        } = self;
        let (outputs, inputs) = rayon::join(|| to_raw_value(outputs), || to_raw_value(inputs));
        serde_json::to_vec(&Written {
            format: *format,
            key,
            incidents: *incidents,
            files: *files,
            diagnostics,
            outputs: &outputs?,
            inputs: &inputs?,
            fingerprinted_at: *fingerprinted_at,
            spare,
        })
    }

    /// Removes the manifest (before a build changes the output, so a
    /// crash cannot leave a manifest that vouches for a half-written site).
    pub fn forget(root: &Path, output: &Path) {
        let _ = fs::remove_file(manifest_path(root, output));
    }

    /// Whether `output` holds exactly the files this manifest recorded,
    /// untouched since (same sizes and times, nothing added or removed).
    ///
    /// The top two levels are listed first and the folders found there
    /// walked in parallel: a site is thousands of small folders (one per
    /// incident page), and this walk is most of an unchanged build.
    pub fn output_intact(&self, output: &Path) -> bool {
        let mut top = Vec::new();
        for entry in walkdir::WalkDir::new(output).min_depth(1).max_depth(2) {
            let Ok(entry) = entry else { return false };
            top.push(entry);
        }
        let seen = crate::io_pool::run(|| {
            top.par_iter()
                .map(|entry| {
                    if !entry.file_type().is_dir() {
                        return self.intact(output, entry).then_some(1);
                    }
                    if entry.depth() < 2 {
                        // Listed with its contents above.
                        return Some(0);
                    }
                    let mut seen = 0usize;
                    for inner in walkdir::WalkDir::new(entry.path()).min_depth(1) {
                        let inner = inner.ok()?;
                        if !inner.file_type().is_dir() {
                            if !self.intact(output, &inner) {
                                return None;
                            }
                            seen += 1;
                        }
                    }
                    Some(seen)
                })
                .try_reduce(|| 0, |a, b| Some(a + b))
        });
        seen == Some(self.outputs.len())
    }

    /// Whether one file of `output` is recorded, with its size and time.
    fn intact(&self, output: &Path, entry: &walkdir::DirEntry) -> bool {
        let Some(relative) = relative_name(output, entry.path()) else {
            return false;
        };
        let Some(recorded) = self.outputs.get(&relative) else {
            return false;
        };
        entry
            .metadata()
            .is_ok_and(|m| m.is_file() && matches_stat(recorded, &m))
    }
}

/// `/`-separated path of `path` under `base`.
pub fn relative_name(base: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect();
    Some(parts?.join("/"))
}

/// Nanoseconds since the epoch of a file's modification time.
pub fn modified_nanos(metadata: &fs::Metadata) -> u128 {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// Whether a file on disk still has the size and time recorded for it.
pub fn matches_stat(recorded: &OutputFile, metadata: &fs::Metadata) -> bool {
    metadata.len() == recorded.len && modified_nanos(metadata) == recorded.modified
}

/// What a build's output depends on besides the files under the root.
pub struct Settings<'a> {
    pub output: &'a Path,
    pub content_dir: &'a Path,
    /// Every build option that changes the output, in a stable text form.
    pub options: String,
}

/// The input files of a build, in path order, and when they were listed.
pub struct Listed {
    files: Vec<PathBuf>,
    /// Nanoseconds since the epoch, taken before the first file was seen:
    /// a file changed after it is hashed again by the next build.
    taken_at: u128,
}

/// Lists the files a build reads (see [`fingerprint`]); None when a folder
/// cannot be read.
pub fn list_inputs(root: &Path, settings: &Settings) -> Option<Listed> {
    let taken_at = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let content = root.join(settings.content_dir);
    let mut files = input_files(root, settings.output)?;
    // A content folder configured outside the root is an input too.
    let inside = fs::canonicalize(&content)
        .ok()
        .zip(fs::canonicalize(root).ok())
        .is_some_and(|(content, root)| content.starts_with(root));
    if !inside && content.is_dir() {
        files.extend(input_files(&content, settings.output)?);
    }
    Some(Listed { files, taken_at })
}

/// The fingerprint of a build's inputs, or None when some input cannot be
/// read (the build then runs in full and reports the problem itself).
///
/// Each file's hash is reused from `previous` when its size and time are
/// as recorded and it was last modified well before that fingerprint was
/// taken (a file changed in the same instant may show the old time: Git's
/// "racily clean" problem); other files are read and hashed.
pub fn fingerprint(
    root: &Path,
    settings: &Settings,
    previous: Option<&Manifest>,
    listed: Listed,
) -> Option<Fingerprint> {
    let Listed { files, taken_at } = listed;
    let content = root.join(settings.content_dir);
    let known = |name: &str, stat: &InputFile| {
        let previous = previous?;
        let recorded = previous.inputs.get(name)?;
        let settled = stat.modified.max(stat.changed) + RACY_NANOS < previous.fingerprinted_at;
        let same = recorded.len == stat.len
            && recorded.modified == stat.modified
            && recorded.changed == stat.changed;
        (settled && same).then_some(recorded.hash)
    };
    // A postmortem read here is kept for the content stage and the secret
    // scan, which would otherwise read it again.
    let inputs: Vec<Option<Hashed>> = crate::io_pool::run(|| {
        files
            .par_iter()
            .map(|path| {
                let name = path.to_str()?.to_string();
                // A file the last fingerprint recorded is looked at first (its
                // hash may stand); any other is opened and looked at there,
                // one walk of its path instead of two.
                let recorded = previous.is_some_and(|p| p.inputs.contains_key(&name));
                let (metadata, read) = if recorded {
                    (fs::metadata(path).ok()?, None)
                } else {
                    read_file(path, u64::MAX).ok()?
                };
                let mut file = InputFile {
                    hash: [0; 32],
                    len: metadata.len(),
                    modified: modified_nanos(&metadata),
                    changed: changed_nanos(&metadata),
                };
                let mut kept = None;
                let known_hash = if recorded { known(&name, &file) } else { None };
                file.hash = match known_hash {
                    Some(hash) => hash,
                    None => {
                        let bytes = match read {
                            Some(bytes) => bytes,
                            None => fs::read(path).ok()?,
                        };
                        let mut hasher = blake3::Hasher::new();
                        hasher.update(path.as_os_str().as_encoded_bytes());
                        hasher.update(&(bytes.len() as u64).to_le_bytes());
                        // The bytes hashed on their own: fed after the path,
                        // they would be compressed a block at a time instead of
                        // several chunks at once.
                        hasher.update(blake3::hash(&bytes).as_bytes());
                        if path.starts_with(&content) {
                            hasher.update(&file.modified.to_le_bytes());
                            if crate::content::may_be_postmortem(path, bytes.len()) {
                                kept = Some(bytes);
                            }
                        }
                        *hasher.finalize().as_bytes()
                    }
                };
                Some((name, file, kept))
            })
            .collect()
    });
    let mut hasher = blake3::Hasher::new();
    hasher.update(&FORMAT.to_le_bytes());
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(binary_identity().as_bytes());
    hasher.update(settings.options.as_bytes());
    hasher.update(git_head(root).as_bytes());
    let mut recorded = Inputs::with_capacity(inputs.len());
    let mut read = Read::new();
    for (path, input) in files.into_iter().zip(inputs) {
        let (name, file, bytes) = input?;
        hasher.update(&file.hash);
        recorded.insert(name, file);
        if let Some(bytes) = bytes {
            read.insert(path, bytes);
        }
    }
    Some(Fingerprint {
        key: hasher.finalize().to_hex().to_string(),
        inputs: recorded,
        taken_at,
        read,
    })
}

/// Reads a file with one open and one look at the open file (a separate
/// `fs::metadata` would walk its path again, and `fs::read` looks too):
/// its metadata, and its bytes when it has at most `limit` of them.
pub fn read_file(path: &Path, limit: u64) -> std::io::Result<(fs::Metadata, Option<Vec<u8>>)> {
    let file = fs::File::open(path)?;
    let metadata = file.metadata()?;
    if metadata.len() > limit {
        return Ok((metadata, None));
    }
    let len = metadata.len();
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // Up to the length just seen: the last, empty read that would find the
    // end is not needed.
    (&file).take(len).read_to_end(&mut bytes)?;
    Ok((metadata, Some(bytes)))
}

/// One input file as the fingerprint saw it: its name, its record, and
/// its bytes when it is a postmortem read here.
type Hashed = (String, InputFile, Option<Vec<u8>>);

/// A file modified less than this before a fingerprint is hashed again
/// next time, whatever its time says (coarse file-system clocks).
const RACY_NANOS: u128 = 2_000_000_000;

/// The inputs' fingerprint and what it knows of each input file.
pub struct Fingerprint {
    pub key: String,
    pub inputs: Inputs,
    /// When it was taken, nanoseconds since the epoch.
    pub taken_at: u128,
    /// The postmortems it read (those without a recorded hash), for the
    /// stages after it.
    pub read: Read,
}

/// The modification time `seen` recorded for the file at `path` (as the
/// fingerprint named it: the root joined with the path under it), if any.
pub fn seen_time(seen: &Inputs, path: &Path) -> Option<jiff::Timestamp> {
    let nanos = seen.get(path.to_str()?)?.modified;
    // 0: the time could not be read.
    if nanos == 0 {
        return None;
    }
    jiff::Timestamp::from_nanosecond(i128::try_from(nanos).ok()?).ok()
}

/// Files already read, by path: the fingerprint's reading, passed on so
/// that a first build reads each postmortem once.
pub type Read = HashMap<PathBuf, Vec<u8>>;

/// What the last fingerprint knew of one input file. The inode change
/// time is compared too: unlike the modification time, nothing can set it
/// back, so an edit that restores the old time and size is still seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    #[serde(with = "hex_hash")]
    pub hash: [u8; 32],
    pub len: u64,
    pub modified: u128,
    pub changed: u128,
}

/// Every input file's record, by path.
pub type Inputs = HashMap<String, InputFile>;

/// Nanoseconds since the epoch of a file's inode change time (0 where
/// there is none; the modification time and size then decide alone).
fn changed_nanos(metadata: &fs::Metadata) -> u128 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let seconds = u128::try_from(metadata.ctime()).unwrap_or(0);
        let nanos = u128::try_from(metadata.ctime_nsec()).unwrap_or(0);
        seconds * 1_000_000_000 + nanos
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        0
    }
}

/// Every file under the root that a build may read, sorted. Skips `.git`,
/// the cache, the output folder, the output stage's own temporaries, and
/// what `.gitignore` leaves out (as the content stage does): an archive
/// kept beside code would otherwise hash its `target/` or `node_modules/`
/// on every build. Ignored files are never published from Git anyway.
fn input_files(root: &Path, output: &Path) -> Option<Vec<PathBuf>> {
    let output = fs::canonicalize(output).ok();
    let mut files = Vec::new();
    let walk = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(true)
        // Siblings differ only in their names: the same order as comparing
        // whole paths, without walking their components.
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            let name = entry.file_name().to_string_lossy();
            let skipped = entry.depth() > 0
                && entry.file_type().is_some_and(|t| t.is_dir())
                && (name == ".git"
                    || name == ".casebook-cache"
                    || name.contains(".casebook-staging-")
                    || output
                        .as_deref()
                        .is_some_and(|o| fs::canonicalize(entry.path()).is_ok_and(|p| p == o)));
            !skipped
        })
        .build();
    for entry in walk {
        let entry = entry.ok()?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            files.push(entry.into_path());
        }
    }
    Some(files)
}

/// Which Casebook wrote the cache: the version, and the executable's size
/// and time so a rebuilt binary of the same version never trusts it.
fn binary_identity() -> String {
    let exe = std::env::current_exe().and_then(fs::metadata);
    match exe {
        Ok(m) => format!("{}:{}", m.len(), modified_nanos(&m)),
        Err(_) => String::from("unknown"),
    }
}

/// The commit HEAD points at, when the root is in a Git work tree.
fn git_head(root: &Path) -> String {
    gix::discover(root)
        .ok()
        .and_then(|repo| repo.head_id().ok().map(|id| id.to_string()))
        .unwrap_or_else(|| String::from("no-git"))
}

/// Serialises a hash as hex, half the size of JSON's number array.
/// The hash that tells whether an output file's bytes changed: XXH3's
/// 128 bits. Output is about 500 MB at 10k postmortems, where blake3
/// took 7% of a build; nothing here needs a cryptographic hash, only one
/// where an accidental collision is out of reach.
pub fn output_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// Lowercase hex of `bytes` into `out` (twice as long), with no
/// allocation: the manifest holds one hash per file of the site and its
/// inputs, 110,000 at 50k postmortems.
fn write_hex<'a>(bytes: &[u8], out: &'a mut [u8]) -> &'a str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (byte, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xf)];
    }
    std::str::from_utf8(out).unwrap_or_default()
}

/// Reads a string with `parse`, without copying it first.
fn read_str<'de, D, T>(d: D, parse: fn(&str) -> Option<T>) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Text<T>(fn(&str) -> Option<T>);
    impl<T> serde::de::Visitor<'_> for Text<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a hex string")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            (self.0)(text).ok_or_else(|| E::custom(format!("not a hash: {text:?}")))
        }
    }
    d.deserialize_str(Text(parse))
}

mod hex_u128 {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hash: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(super::write_hex(&hash.to_be_bytes(), &mut [0; 32]))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        super::read_str(d, |text| u128::from_str_radix(text, 16).ok())
    }
}

mod hex_hash {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hash: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(super::write_hex(hash, &mut [0; 64]))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        super::read_str(d, |text| {
            blake3::Hash::from_hex(text.as_bytes())
                .ok()
                .map(|h| *h.as_bytes())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The hashes are written as before the hand-written hex (the
        /// formatting machinery's and blake3's), and read back.
        #[test]
        fn hashes_round_trip_as_lowercase_hex(
            hash in proptest::prelude::any::<u128>(),
            bytes in proptest::prelude::any::<[u8; 32]>(),
            len in proptest::prelude::any::<u64>(),
        ) {
            let output = OutputFile { hash, len, modified: 7 };
            let json = serde_json::to_string(&output).unwrap();
            proptest::prop_assert!(json.contains(&format!("\"{hash:032x}\"")), "{}", json);
            proptest::prop_assert_eq!(serde_json::from_str::<OutputFile>(&json).unwrap(), output);

            let input = InputFile { hash: bytes, len, modified: 1, changed: 2 };
            let json = serde_json::to_string(&input).unwrap();
            let hex = blake3::Hash::from_bytes(bytes).to_hex();
            proptest::prop_assert!(json.contains(&format!("\"{hex}\"")), "{}", json);
            proptest::prop_assert_eq!(serde_json::from_str::<InputFile>(&json).unwrap(), input);
        }
    }

    #[test]
    fn the_manifest_is_written_as_serde_would_write_it() {
        let mut manifest = Manifest {
            format: FORMAT,
            key: "k".repeat(64),
            incidents: 3,
            files: 2,
            fingerprinted_at: u128::MAX,
            spare: Some(SpareRecord {
                site: (1, 2),
                differs: vec!["a.html".into()],
            }),
            ..Manifest::default()
        };
        for n in 0..50u8 {
            let output = OutputFile {
                hash: u128::from(n) << 100,
                len: n.into(),
                modified: 9,
            };
            manifest
                .outputs
                .insert(format!("page-{n}/index.html"), output);
            let input = InputFile {
                hash: [n; 32],
                len: 1,
                modified: 2,
                changed: 3,
            };
            manifest.inputs.insert(format!("content/{n}.md"), input);
        }
        let written = String::from_utf8(manifest.to_json().unwrap()).unwrap();
        assert_eq!(written, serde_json::to_string(&manifest).unwrap());
    }

    #[test]
    fn a_hash_that_is_not_hex_is_refused() {
        let bad = r#"{"hash":"zz","len":1,"modified":2}"#;
        assert!(serde_json::from_str::<OutputFile>(bad).is_err());
        let short = r#"{"hash":"abcd","len":1,"modified":1,"changed":2}"#;
        assert!(serde_json::from_str::<InputFile>(short).is_err());
    }
}
