//! End-to-end test of `casebook serve` on a loopback port: edit a file and
//! see the page change, break it and see the diagnostics page, fix it, and
//! try to read outside the output folder; delete and rename files while it
//! serves; and load it with wrk while files change.

use crate::common;

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

/// Starts `casebook serve` on a free loopback port over `root`.
fn start_server(root: &Path) -> (Server, u16) {
    let port = free_port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args(["serve", "--port", &port.to_string(), "--root"])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("casebook serve starts"),
    );
    (server, port)
}

#[test]
fn serve_rebuilds_shows_errors_and_stays_inside_the_site() {
    let archive = tempfile::tempdir().unwrap();
    let file = archive.path().join("content/2024/cache.md");
    write(&file, POSTMORTEM);
    write(&archive.path().join("secret.txt"), "do not serve");
    let (_server, port) = start_server(archive.path());
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

#[test]
fn files_deleted_or_renamed_while_serving_are_handled() {
    let archive = tempfile::tempdir().unwrap();
    let content = archive.path().join("content");
    write(&content.join("2024/cache.md"), POSTMORTEM);
    write(
        &content.join("2024/dns.md"),
        &POSTMORTEM.replace("Cache stampede", "DNS outage"),
    );
    let (mut server, port) = start_server(archive.path());
    wait_for(
        port,
        "/incidents/2024/dns/",
        "the first build",
        |status, _| status == 200,
    );

    std::fs::rename(
        content.join("2024/cache.md"),
        content.join("2024/stampede.md"),
    )
    .unwrap();
    wait_for(
        port,
        "/incidents/2024/stampede/",
        "the renamed page",
        |status, body| status == 200 && body.contains("Cache stampede"),
    );
    wait_for(
        port,
        "/incidents/2024/cache/",
        "the old page to go",
        |status, _| status == 404,
    );

    std::fs::remove_file(content.join("2024/dns.md")).unwrap();
    wait_for(
        port,
        "/incidents/2024/dns/",
        "the deleted page to go",
        |status, _| status == 404,
    );

    // A whole folder renamed, then every postmortem gone.
    std::fs::rename(content.join("2024"), content.join("2025")).unwrap();
    wait_for(
        port,
        "/incidents/2025/stampede/",
        "the moved folder",
        |status, _| status == 200,
    );
    std::fs::remove_dir_all(&content).unwrap();
    wait_for(port, "/", "the empty site", |status, body| {
        status == 200 && !body.contains("Cache stampede")
    });
    write(&content.join("2024/cache.md"), POSTMORTEM);
    wait_for(
        port,
        "/incidents/2024/cache/",
        "the file back",
        |status, _| status == 200,
    );
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "the server is still running"
    );
}

/// What a wrk run printed, read back.
#[derive(Debug)]
struct WrkFigures {
    requests: u64,
    requests_per_second: f64,
    latency: String,
    failed: u64,
}

fn read_wrk(output: &str) -> WrkFigures {
    let number_after = |label: &str| -> u64 {
        output
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|rest| {
                rest.split_whitespace()
                    .next()?
                    .trim_end_matches(',')
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    };
    // "  Socket errors: connect 0, read 0, write 0, timeout 0"
    let socket_errors: u64 = output
        .lines()
        .find(|l| l.contains("Socket errors:"))
        .map(|l| {
            l.split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    let requests = output
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let requests_per_second = output
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    let latency = output
        .lines()
        .filter(|l| {
            l.trim_start().starts_with("Latency")
                || l.trim_start().starts_with("50%")
                || l.trim_start().starts_with("99%")
        })
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" | ");
    WrkFigures {
        requests,
        requests_per_second,
        latency,
        failed: socket_errors + number_after("Non-2xx or 3xx responses:"),
    }
}

/// wrk against the preview server while a postmortem is edited several
/// times a second: every request answered with a success, no crash.
#[test]
fn serve_under_load_while_files_change() {
    if !common::have("wrk") {
        return;
    }
    let archive = tempfile::tempdir().unwrap();
    let file = archive.path().join("content/2024/cache.md");
    write(&file, POSTMORTEM);
    for n in 0..20 {
        write(
            &archive.path().join(format!("content/2023/other-{n}.md")),
            &POSTMORTEM.replace("Cache stampede", &format!("Other incident {n}")),
        );
    }
    let (mut server, port) = start_server(archive.path());
    wait_for(
        port,
        "/incidents/2024/cache/",
        "the first build",
        |status, _| status == 200,
    );

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let editor = {
        let stop = std::sync::Arc::clone(&stop);
        let file = file.clone();
        std::thread::spawn(move || {
            let mut edits = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                edits += 1;
                write(
                    &file,
                    &POSTMORTEM.replace("Cache stampede", &format!("Cache stampede, edit {edits}")),
                );
                std::thread::sleep(Duration::from_millis(300));
            }
            edits
        })
    };
    let seconds = std::env::var("CASEBOOK_WRK_SECONDS").unwrap_or_else(|_| "10".into());
    let output = Command::new("wrk")
        .args([
            "-t2",
            "-c16",
            &format!("-d{seconds}s"),
            "--latency",
            "--timeout",
            "5s",
        ])
        .arg(format!("http://127.0.0.1:{port}/incidents/2024/cache/"))
        .output()
        .expect("run wrk");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let edits = editor.join().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "wrk failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figures = read_wrk(&stdout);
    eprintln!(
        "wrk while editing ({edits} edits): {} requests, {:.0} requests/s, latency {}\n{stdout}",
        figures.requests, figures.requests_per_second, figures.latency
    );
    assert!(figures.requests > 100, "{stdout}");
    assert_eq!(figures.failed, 0, "failed requests:\n{stdout}");
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "the server is still running"
    );
    wait_for(
        port,
        "/incidents/2024/cache/",
        "the last edit",
        |status, body| status == 200 && body.contains(&format!("edit {edits}")),
    );
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

/// Waits until serve has logged nothing new for a second: every build
/// asked for has run.
fn wait_until_quiet(lines: &std::sync::Mutex<Vec<String>>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut count = lines.lock().unwrap().len();
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let now = lines.lock().unwrap().len();
        if now == count {
            return;
        }
        assert!(Instant::now() < deadline, "serve never settled");
        count = now;
    }
}

#[test]
fn serve_shows_an_edit_at_once_and_then_matches_a_full_build() {
    let archive = tempfile::tempdir().unwrap();
    crate::support::copy_dir(
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
    // Another postmortem saved while that rebuild runs is previewed at
    // once too; the rebuild it made stale is dropped or followed by another.
    let other = archive.path().join("content/2024/checkout-db-failover.md");
    let text = std::fs::read_to_string(&other).unwrap();
    write(
        &other,
        &format!("{text}\n\nA second edit, saved during the rebuild.\n"),
    );
    let seen = wait_for_line(&lines, seen, "checkout-db-failover/index.html");
    let other_page = archive
        .path()
        .join(".casebook-cache/serve/incidents/2024/checkout-db-failover/index.html");
    assert!(
        std::fs::read_to_string(&other_page)
            .unwrap()
            .contains("A second edit, saved during the rebuild."),
        "the second edit is previewed at once"
    );
    wait_for_line(&lines, seen, "built ");
    wait_until_quiet(&lines);

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
    let served = crate::support::read_tree(&archive.path().join(".casebook-cache/serve"));
    let built = crate::support::read_tree(&full);
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

/// The server answers while its first build runs: a page that says the
/// site is being built and reloads itself, then the site.
#[test]
fn serve_answers_at_once_while_the_first_build_runs() {
    let archive = tempfile::tempdir().unwrap();
    // Enough postmortems that a debug build takes seconds.
    if !crate::support::generate(archive.path(), 300, 0) {
        return;
    }
    let (_server, port) = start_server(archive.path());
    let deadline = Instant::now() + Duration::from_secs(30);
    let (status, body) = loop {
        if let Some(response) = get(port, "/") {
            break response;
        }
        assert!(Instant::now() < deadline, "the server never answered");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("Building the site"), "{body}");
    assert!(body.contains("/__casebook/events"), "it reloads itself");
    let home = wait_for(port, "/", "the first build", |status, _| status == 200);
    assert!(home.contains("incidents"), "{home}");
}
