//! Atomic output under SIGKILL: builds of a generated archive are killed at
//! random moments over an existing site. Whatever the moment, `public/` is
//! always one complete site — the previous one, or the new one if the kill
//! landed after the swap — compared file by file against builds that ran
//! to the end. A normal build afterwards leaves no temporary folder.
//!
//! `CASEBOOK_KILL_SEED=<n>` replays the kill moments of a failing run;
//! `CASEBOOK_KILL_POSTMORTEMS` and `CASEBOOK_KILL_ROUNDS` change its size.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use crate::support::{TestArchive, casebook, fixed_mtime, leftovers, read_tree, shared};

/// Path → hash of the bytes, for every file of a site.
type Manifest = BTreeMap<String, u64>;

fn manifest(dir: &Path) -> Manifest {
    read_tree(dir)
        .into_iter()
        .map(|(path, bytes)| {
            let mut hasher = DefaultHasher::new();
            bytes.hash(&mut hasher);
            (path, hasher.finish())
        })
        .collect()
}

/// What tells two manifests apart, briefly.
fn difference(actual: &Manifest, expected: &Manifest) -> String {
    let missing = expected.keys().filter(|k| !actual.contains_key(*k)).count();
    let extra = actual.keys().filter(|k| !expected.contains_key(*k)).count();
    let changed: Vec<&String> = expected
        .iter()
        .filter(|(k, v)| actual.get(*k).is_some_and(|a| a != *v))
        .map(|(k, _)| k)
        .take(5)
        .collect();
    format!(
        "{} files ({} expected): {missing} missing, {extra} extra, changed e.g. {changed:?}",
        actual.len(),
        expected.len()
    )
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small xorshift generator: the kill moments, reproducible from a seed.
struct Moments(u64);

impl Moments {
    fn next_below(&mut self, bound: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        bound.mul_f64((self.0 % 10_000) as f64 / 10_000.0)
    }
}

/// Adds or removes one postmortem, so the two sites differ in many files
/// (its page, the lists, feeds, dashboards and search index).
fn set_extra_postmortem(archive: &TestArchive, present: bool) {
    let path = archive.root().join("content/kill/extra-incident.md");
    if present {
        archive.write(
            "content/kill/extra-incident.md",
            "---\ntitle: \"Extra incident for the kill test\"\ndate: 2024-02-29\nseverity: SEV-2\nteams: [payments]\ntags: [kill-test]\n---\n\n## Summary\n\nAdded and removed between builds.\n",
        );
    } else if path.exists() {
        std::fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
    }
}

fn build(archive: &TestArchive, output: &Path) -> Command {
    let mut command = casebook();
    command
        .args(["build", "--quiet", "--root"])
        .arg(archive.root())
        .arg("--output")
        .arg(output);
    command
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_partial_site() {
    let Some(bench) = shared("bench") else {
        return;
    };
    let postmortems = env_number("CASEBOOK_KILL_POSTMORTEMS", 150);
    let rounds = env_number("CASEBOOK_KILL_ROUNDS", 8);
    let seed = env_number(
        "CASEBOOK_KILL_SEED",
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1,
    );
    eprintln!("kill test: {postmortems} postmortems, {rounds} rounds, CASEBOOK_KILL_SEED={seed}");

    let archive = TestArchive::empty();
    let generated = archive.temp().join("generated");
    let status = Command::new("python3")
        .arg(bench.join("gen-corpus"))
        .arg(postmortems.to_string())
        .arg(&generated)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run python3 gen-corpus");
    assert!(status.success(), "gen-corpus failed");
    std::fs::rename(generated.join("incidents"), archive.root().join("content"))
        .expect("move the generated postmortems into content/");
    for entry in walkdir::WalkDir::new(archive.root().join("content")) {
        let entry = entry.expect("walk the generated archive");
        if entry.file_type().is_file() {
            std::fs::File::options()
                .write(true)
                .open(entry.path())
                .and_then(|f| f.set_modified(fixed_mtime()))
                .expect("fix a file time");
        }
    }

    // The two complete sites, built to the end elsewhere.
    let mut expected = [Manifest::new(), Manifest::new()];
    let mut full_build = Duration::ZERO;
    for present in [true, false] {
        set_extra_postmortem(&archive, present);
        let out = archive.temp().join(format!("expected-{present}"));
        let started = Instant::now();
        let status = build(&archive, &out).status().expect("run casebook build");
        full_build = full_build.max(started.elapsed());
        assert!(status.success(), "a full build succeeds");
        expected[present as usize] = manifest(&out);
        std::fs::remove_dir_all(&out).expect("remove a reference site");
    }
    assert_ne!(
        expected[0], expected[1],
        "the two states give different sites"
    );
    assert!(expected[0].len() > 500, "{} files", expected[0].len());

    // The existing good site: state "without the extra postmortem".
    let public = archive.public();
    assert!(build(&archive, &public).status().expect("build").success());
    // The state of the site in public/, and of the archive's content.
    let mut current = false;
    let mut content = false;
    assert!(
        manifest(&public) == expected[0],
        "the first build is complete"
    );

    let mut moments = Moments(seed);
    let (mut kept_previous, mut got_new, mut finished) = (0, 0, 0);
    for round in 0..rounds {
        let next = !current;
        set_extra_postmortem(&archive, next);
        content = next;
        // Half the kills anywhere in the build, half near its end, where
        // the new site is swapped in.
        let delay = if round % 2 == 0 {
            moments.next_below(full_build)
        } else {
            full_build.mul_f64(0.75) + moments.next_below(full_build.mul_f64(0.35))
        };
        let mut child = build(&archive, &public).spawn().expect("start a build");
        let started = Instant::now();
        while started.elapsed() < delay {
            if child.try_wait().expect("poll the build").is_some() {
                // Rebuilds are faster than the first build (warm caches,
                // unchanged files linked): aim later kills inside them.
                full_build = started.elapsed();
                finished += 1;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().expect("send SIGKILL");
        let status = child.wait().expect("reap the build");
        let found = manifest(&public);
        let outcome = if found == expected[current as usize] {
            kept_previous += 1;
            "the previous site"
        } else if found == expected[next as usize] {
            got_new += 1;
            current = next;
            "the new site"
        } else {
            panic!(
                "round {round}: killed after {delay:?} ({status}), public/ is neither site: against the previous {}; against the new {} (CASEBOOK_KILL_SEED={seed})",
                difference(&found, &expected[current as usize]),
                difference(&found, &expected[next as usize]),
            );
        };
        eprintln!("round {round}: killed after {delay:?} ({status}): {outcome}");
    }
    eprintln!(
        "kill test: {rounds} rounds, {} builds killed, {finished} finished first (last full build {full_build:?}): {kept_previous} kept the previous site, {got_new} had the new one",
        rounds as usize - finished
    );

    // A normal build afterwards completes the site and cleans up what the
    // killed builds left.
    let status = build(&archive, &public).status().expect("build");
    assert!(status.success());
    assert!(manifest(&public) == expected[content as usize]);
    assert_eq!(leftovers(archive.root()), Vec::<String>::new());
}
