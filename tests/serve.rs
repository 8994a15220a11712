//! End-to-end test of `casebook serve` on a loopback port: edit a file and
//! see the page change, break it and see the diagnostics page, fix it, and
//! try to read outside the output folder.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const POSTMORTEM: &str = "---\ntitle: \"Cache stampede\"\ndate: 2024-03-14\nseverity: SEV-3\n---\n\n## Summary\n\nThe cache emptied and the database took the load.\n";

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends a raw HTTP/1.0 request (so paths are not normalised by a client)
/// and returns the status code and body.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// Polls until `check` holds for the response, or fails after a timeout.
fn wait_for(port: u16, path: &str, what: &str, check: impl Fn(u16, &str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some((status, body)) = get(port, path)
            && check(status, &body)
        {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what} at {path}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn serve_rebuilds_shows_errors_and_stays_inside_the_site() {
    let archive = tempfile::tempdir().unwrap();
    let file = archive.path().join("content/2024/cache.md");
    write(&file, POSTMORTEM);
    write(&archive.path().join("secret.txt"), "do not serve");
    let port = free_port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args(["serve", "--port", &port.to_string(), "--root"])
            .arg(archive.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("casebook serve starts"),
    );
    let page = "/incidents/2024/cache/";

    let body = wait_for(port, page, "the first build", |status, _| status == 200);
    assert!(body.contains("Cache stampede"));
    assert!(
        body.contains("/__casebook/events"),
        "live reload is injected"
    );

    let json = wait_for(
        port,
        "/api/search?q=stampede",
        "the search API",
        |status, _| status == 200,
    );
    let results: serde_json::Value = serde_json::from_str(&json).expect("the API answers JSON");
    assert_eq!(results["hits"][0]["title"], "Cache stampede", "{json}");
    let (status, _) = get(port, "/api/search?since=yesterday").expect("server answers");
    assert_eq!(status, 400);

    write(
        &file,
        &POSTMORTEM.replace("Cache stampede", "Cache stampede, edited"),
    );
    wait_for(port, page, "the edit", |_, body| {
        body.contains("Cache stampede, edited")
    });

    write(
        &file,
        "---\ntitle: \"Broken\"\ndate: 2024-13-45\n---\nBody\n",
    );
    let body = wait_for(port, page, "the error page", |status, _| status == 500);
    assert!(body.contains("The build failed"));
    assert!(body.contains("date/invalid"), "{body}");
    assert!(
        body.contains("content/2024/cache.md:3"),
        "the diagnostic names file and line"
    );

    write(&file, POSTMORTEM);
    wait_for(port, page, "the fix", |status, body| {
        status == 200 && body.contains("Cache stampede")
    });

    for attack in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/incidents/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/..%2f..%2fsecret.txt",
        "//etc/passwd",
    ] {
        let (status, body) = get(port, attack).expect("server answers");
        assert_eq!(status, 404, "{attack}");
        assert!(!body.contains("do not serve"), "{attack}");
    }
    let (status, _) = get(port, "/casebook.css").expect("server answers");
    assert_eq!(status, 200);
}

/// Collects a child's stderr lines as they come.
fn collect_lines(child: &mut Child) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    use std::io::BufRead;
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("piped stderr");
    let sink = std::sync::Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// Waits until a logged line after the first `skip` contains `text`.
fn wait_for_line(lines: &std::sync::Mutex<Vec<String>>, skip: usize, text: &str) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        {
            let lines = lines.lock().unwrap();
            if let Some(n) = lines.iter().skip(skip).position(|l| l.contains(text)) {
                return skip + n + 1;
            }
        }
        assert!(Instant::now() < deadline, "timed out waiting for {text:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    for entry in walkdir(dir) {
        let relative = entry
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        files.insert(relative, std::fs::read(&entry).unwrap());
    }
    files
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walkdir(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn serve_shows_an_edit_at_once_and_then_matches_a_full_build() {
    let archive = tempfile::tempdir().unwrap();
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archive"),
        archive.path(),
    );
    let file = archive.path().join("content/2024/cache-stampede.md");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(archive.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("casebook serve starts");
    let lines = collect_lines(&mut child);
    let _server = Server(child);
    let seen = wait_for_line(&lines, 0, "ready for instant previews");

    let text = std::fs::read_to_string(&file).unwrap();
    write(
        &file,
        &format!("{text}\n\nA paragraph added while previewing.\n"),
    );
    let seen = wait_for_line(&lines, seen, "rebuilding the rest");
    let page = archive
        .path()
        .join(".casebook-cache/serve/incidents/2024/cache-stampede/index.html");
    assert!(
        std::fs::read_to_string(&page)
            .unwrap()
            .contains("A paragraph added while previewing."),
        "the edited page is written before the full rebuild"
    );
    wait_for_line(&lines, seen, "built ");

    let elsewhere = tempfile::tempdir().unwrap();
    let full = elsewhere.path().join("full");
    let status = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args([
            "build",
            "--quiet",
            "--base-url",
            &format!("http://127.0.0.1:{port}/"),
        ])
        .arg("--root")
        .arg(archive.path())
        .arg("--output")
        .arg(&full)
        .status()
        .unwrap();
    assert!(status.success());
    let served = tree(&archive.path().join(".casebook-cache/serve"));
    let built = tree(&full);
    assert_eq!(
        served.keys().collect::<Vec<_>>(),
        built.keys().collect::<Vec<_>>()
    );
    let differing: Vec<&String> = served.keys().filter(|p| served[*p] != built[*p]).collect();
    assert!(
        differing.is_empty(),
        "serve's site differs from a full build: {differing:?}"
    );
}
