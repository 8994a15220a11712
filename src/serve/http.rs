//! The preview server's HTTP side: serves files from the output folder only,
//! injects the live-reload script into HTML, streams reload events (SSE),
//! and shows the build's diagnostics instead of a stale page while the
//! archive is broken.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use percent_encoding::percent_decode_str;
use tiny_http::{Header, Request, Response, StatusCode};

/// Where live-reload clients listen for rebuilds.
pub const EVENTS_PATH: &str = "/__casebook/events";

/// What the server knows about the latest build.
pub struct Shared {
    state: Mutex<BuildState>,
    changed: Condvar,
}

/// The latest build: its number, and the diagnostics page when it failed.
#[derive(Clone, Default)]
pub struct BuildState {
    pub generation: u64,
    pub broken: Option<String>,
}

impl Shared {
    pub fn new() -> Arc<Shared> {
        Arc::new(Shared {
            state: Mutex::new(BuildState::default()),
            changed: Condvar::new(),
        })
    }

    /// Records a finished build and wakes every live-reload client.
    pub fn publish(&self, broken: Option<String>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.generation += 1;
        state.broken = broken;
        self.changed.notify_all();
    }

    /// Stops showing the last build's errors while the next build runs:
    /// a file they came from has changed (often it was read half-saved),
    /// so requests get the last good site until the build publishes again.
    /// Open pages are not reloaded until then.
    pub fn forget_errors(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).broken = None;
    }

    pub fn snapshot(&self) -> BuildState {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until the generation moves past `seen`, or the timeout passes.
    fn wait_past(&self, seen: u64, timeout: Duration) -> u64 {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (state, _) = self
            .changed
            .wait_timeout_while(state, timeout, |s| s.generation <= seen)
            .unwrap_or_else(|e| e.into_inner());
        state.generation
    }
}

/// Answers one request.
pub fn handle(request: Request, root: &Path, site: &Path, shared: &Arc<Shared>) {
    let url = request.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or("/");
    if path == super::api::SEARCH_PATH {
        let query = url.split_once('?').map_or("", |(_, q)| q);
        let (status, json) = super::api::search(root, query);
        let response = Response::from_data(json.into_bytes()).with_status_code(StatusCode(status));
        let _ = request.respond(with_header(response, "Content-Type", "application/json"));
        return;
    }
    if path == EVENTS_PATH {
        let shared = Arc::clone(shared);
        // Each reload stream is long-lived: give it its own thread.
        std::thread::spawn(move || stream_events(request, &shared));
        return;
    }
    let response = respond(path, site, shared);
    let _ = request.respond(response);
}

fn respond(path: &str, site: &Path, shared: &Shared) -> Response<std::io::Cursor<Vec<u8>>> {
    let state = shared.snapshot();
    let Some(file) = resolve(site, path) else {
        return not_found(site, &state);
    };
    if file.is_dir() {
        // `/tags` → `/tags/`, so relative links inside the page resolve.
        let redirect = Response::from_data(Vec::new()).with_status_code(StatusCode(301));
        return with_header(redirect, "Location", &format!("{path}/"));
    }
    let content_type = content_type(&file);
    if content_type.starts_with("text/html")
        && let Some(page) = &state.broken
    {
        return html(page.clone(), state.generation, StatusCode(500));
    }
    match std::fs::read(&file) {
        Ok(bytes) if content_type.starts_with("text/html") => html(
            String::from_utf8_lossy(&bytes).into_owned(),
            state.generation,
            StatusCode(200),
        ),
        Ok(bytes) => with_header(Response::from_data(bytes), "Content-Type", content_type),
        // Deleted between the check and the read (a rebuild swapped the site).
        Err(_) => not_found(site, &state),
    }
}

fn not_found(site: &Path, state: &BuildState) -> Response<std::io::Cursor<Vec<u8>>> {
    if let Some(page) = &state.broken {
        return html(page.clone(), state.generation, StatusCode(500));
    }
    if state.generation == 0 {
        // Nothing published yet and no earlier preview to show.
        return html(BUILDING_PAGE.to_string(), 0, StatusCode(503));
    }
    let body = std::fs::read_to_string(site.join("404.html"))
        .unwrap_or_else(|_| "<h1>Not found</h1>".to_string());
    html(body, state.generation, StatusCode(404))
}

/// What a page shows while the first build runs; it reloads when the build is published.
const BUILDING_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Building · Casebook</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;\
margin:4rem auto;padding:0 1rem;color:#1f2328}@media(prefers-color-scheme:dark){body{background:#101418;\
color:#e6e9ee}}</style></head><body><main><h1>Building the site…</h1><p>This page reloads by itself \
when the first build is done; the terminal running <code>casebook serve</code> shows its progress.</p>\
</main></body></html>";

fn html(body: String, generation: u64, status: StatusCode) -> Response<std::io::Cursor<Vec<u8>>> {
    let response = Response::from_data(inject_live_reload(&body, generation).into_bytes())
        .with_status_code(status);
    let response = with_header(response, "Content-Type", "text/html; charset=utf-8");
    with_header(response, "Cache-Control", "no-store")
}

/// Maps a URL path to a file inside `site`, or `None` for anything that
/// would leave it: `..` segments (also percent-encoded), backslashes, NUL,
/// and symlinks pointing outside.
pub fn resolve(site: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode_str(url_path).decode_utf8().ok()?;
    if decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut path = site.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return None,
            other => path.push(other),
        }
    }
    let site = site.canonicalize().ok()?;
    let mut canonical = path.canonicalize().ok()?;
    if !canonical.starts_with(&site) {
        return None;
    }
    if canonical.is_dir() && url_path.ends_with('/') {
        canonical = canonical.join("index.html");
        if !canonical.is_file() {
            return None;
        }
    }
    Some(canonical)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        "gz" => "application/gzip",
        _ => "application/octet-stream",
    }
}

/// Adds a header; a value that is not valid in HTTP (only possible for a
/// strange request path echoed in `Location`) is left out.
fn with_header<R: std::io::Read>(response: Response<R>, name: &str, value: &str) -> Response<R> {
    match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
        Ok(header) => response.with_header(header),
        Err(()) => response,
    }
}

/// Adds the reload client before `</body>`: it reloads when a newer build
/// than the one the page came from is published.
pub fn inject_live_reload(html: &str, generation: u64) -> String {
    let script = format!(
        "<script>(function(){{var g={generation};var s=new EventSource('{EVENTS_PATH}?since='+g);\
s.onmessage=function(e){{if(+e.data>g){{s.close();location.reload();}}}};}})();</script>"
    );
    match html.rfind("</body>") {
        Some(i) => format!("{}{script}{}", &html[..i], &html[i..]),
        None => format!("{html}{script}"),
    }
}

/// Streams the build generation as server-sent events: one event whenever
/// it changes, a comment every 15 s to notice closed connections.
fn stream_events(request: Request, shared: &Shared) {
    let since: u64 = request
        .url()
        .split_once("since=")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut writer = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n";
    if writer
        .write_all(head.as_bytes())
        .and_then(|_| writer.flush())
        .is_err()
    {
        return;
    }
    let mut seen = since;
    loop {
        let generation = shared.wait_past(seen, Duration::from_secs(15));
        let message = if generation > seen {
            format!("data: {generation}\n\n")
        } else {
            ": ping\n\n".to_string()
        };
        seen = generation;
        if writer
            .write_all(message.as_bytes())
            .and_then(|_| writer.flush())
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside_the_site() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        std::fs::create_dir_all(site.join("tags")).unwrap();
        std::fs::write(site.join("index.html"), "home").unwrap();
        std::fs::write(site.join("tags/index.html"), "tags").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "no").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(tmp.path().join("secret.txt"), site.join("link.txt")).unwrap();

        assert!(resolve(&site, "/").unwrap().ends_with("index.html"));
        assert!(
            resolve(&site, "/tags/")
                .unwrap()
                .ends_with("tags/index.html")
        );
        assert!(resolve(&site, "/tags").unwrap().is_dir());
        for attack in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/tags/%2E%2E/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/link.txt",
            "/%00",
            "/..\\secret.txt",
        ] {
            assert_eq!(resolve(&site, attack), None, "{attack}");
        }
    }

    #[test]
    fn reload_script_goes_before_body_end() {
        let html = inject_live_reload("<html><body><p>x</p></body></html>", 3);
        assert!(html.contains("var g=3;"));
        assert!(html.ends_with("</script></body></html>"));
    }
}
