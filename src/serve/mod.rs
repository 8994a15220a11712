//! Stage 8, serve: `casebook serve` — builds the site into a preview folder,
//! serves it on loopback, watches the archive and rebuilds on change, and
//! reloads open pages. While a build is broken, pages show its diagnostics
//! and the server keeps running.
//!
//! Input: the archive root and serve options. Output: a running server
//! until the process is stopped.

mod api;
mod http;
pub mod quick;
mod watch;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use jiff::civil::Date;

use crate::diagnostics::Diagnostic;
use crate::site::{self, BuildOptions, Kept};
use http::Shared;
pub use http::{EVENTS_PATH, inject_live_reload, resolve};
use quick::{Written, preview_page, update_affected};

/// Where and what to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub interface: String,
    pub port: u16,
    pub include_drafts: bool,
    pub today: Date,
}

/// How many threads answer ordinary requests.
const WORKERS: usize = 8;

/// Runs the preview server until the process ends.
pub fn serve(options: &ServeOptions, log: &(dyn Fn(&str) + Sync)) -> Result<()> {
    let address: SocketAddr = format!("{}:{}", options.interface, options.port)
        .parse()
        .with_context(|| format!("invalid interface {:?}", options.interface))?;
    let server = listen(address).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {address}: {e} (is another server using port {}? try --port)",
            options.port
        )
    })?;
    // Absolute, so watched paths and the served folder stay valid.
    let root = options
        .root
        .canonicalize()
        .with_context(|| format!("cannot open the archive {}", options.root.display()))?;
    let site_dir = preview_dir(&root);
    let build_options = BuildOptions {
        root: root.clone(),
        output: Some(site_dir.clone()),
        base_url: Some(format!("http://{address}/")),
        include_drafts: options.include_drafts,
        today: options.today,
        no_search: false,
    };
    let shared = Shared::new();
    // The model of the last build, for re-rendering an edited page at once.
    let kept: Arc<Mutex<Option<Kept>>> = Arc::default();
    // Full rebuilds run on a thread of their own, so that an edit saved
    // during one is previewed at once rather than after it; a rebuild an
    // edit made stale is dropped before it replaces the site.
    let (rebuild, rebuilds) = mpsc::channel::<bool>();
    let site_lock: Arc<Mutex<()>> = Arc::default();
    let stale: Arc<AtomicBool> = Arc::default();
    {
        let (kept, shared) = (Arc::clone(&kept), Arc::clone(&shared));
        let (site_lock, stale) = (Arc::clone(&site_lock), Arc::clone(&stale));
        let build_options = build_options.clone();
        std::thread::spawn(move || {
            let log = |line: &str| eprintln!("{line}");
            while let Ok(mut publish) = rebuilds.recv() {
                // A burst of saves needs one build.
                while let Ok(more) = rebuilds.try_recv() {
                    publish |= more;
                }
                stale.store(false, Ordering::SeqCst);
                let gate = site::CommitGate {
                    site: &site_lock,
                    stale: &stale,
                };
                rebuild_keeping(&build_options, &shared, &kept, publish, &gate, &log);
            }
        });
    }
    // The first build runs beside the server, which answers at once: with
    // the last session's preview while it lasts (reloaded when the build is
    // done), else with a page saying the site is being built.
    {
        let kept = Arc::clone(&kept);
        let build_options = build_options.clone();
        let shared = Arc::clone(&shared);
        let rebuild = rebuild.clone();
        std::thread::spawn(move || {
            let log = |line: &str| eprintln!("{line}");
            let mut model = kept.lock().unwrap_or_else(PoisonError::into_inner);
            let started = Instant::now();
            let result = site::build_and_keep(&build_options, true, None);
            let loaded = store(result, &mut model);
            announce(loaded, &shared, &log, started);
            if model.is_some() {
                prepare_search(&mut model);
                log("ready for instant previews");
            } else {
                // The build cache skipped the build: keeping the model
                // costs a full build, done while the site is already served.
                let _ = rebuild.send(false);
            }
        });
    }
    log(&format!(
        "Serving {} at http://{address}/ (Ctrl-C to stop)",
        root.display()
    ));
    // The quick path's parallel work gets threads of its own: in the
    // global pool it would queue behind a running rebuild's.
    let quick_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .thread_name(|n| format!("casebook-quick-{n}"))
        .build()
        .context("cannot start serve's threads")?;
    let watcher = {
        let shared = Arc::clone(&shared);
        let build_options = build_options.clone();
        let site_dir = site_dir.clone();
        let log_owned = |line: &str| eprintln!("{line}");
        watch::spawn(&root, move |changed| {
            let started = Instant::now();
            log_owned(&format!("changed: {}", changed.display()));
            shared.forget_errors();
            // A rebuild running now read the archive before this edit.
            stale.store(true, Ordering::SeqCst);
            {
                let _site = site_lock.lock().unwrap_or_else(PoisonError::into_inner);
                let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(kept) = kept.as_mut() {
                    let done = |line: &str| {
                        log_owned(&format!(
                            "{line} in {:.1} ms",
                            started.elapsed().as_secs_f64() * 1000.0
                        ))
                    };
                    let root = &build_options.root;
                    quick_pool
                        .install(|| quick_path(kept, root, &site_dir, changed, &shared, &done));
                }
            }
            log_owned("rebuilding the rest");
            let _ = rebuild.send(true);
        })?
    };

    let server = Arc::new(server);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            let site_dir = site_dir.clone();
            let root = root.clone();
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    http::handle(request, &root, &site_dir, &shared);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    drop(watcher);
    Ok(())
}

/// Listens on `address`. Responses are written in several small writes
/// (tiny_http buffers 1 KB), so on a keep-alive connection Nagle's algorithm
/// held each response's tail for the client's delayed ACK: 40 ms a request.
/// Accepted sockets inherit TCP_NODELAY from the listener on Linux.
fn listen(
    address: SocketAddr,
) -> Result<tiny_http::Server, Box<dyn std::error::Error + Send + Sync>> {
    let listener = std::net::TcpListener::bind(address)?;
    #[cfg(target_os = "linux")]
    rustix::net::sockopt::set_tcp_nodelay(&listener, true)?;
    tiny_http::Server::from_listener(listener, None)
}

/// Serve's quick path for an edit of `changed` (see [`quick`]): each step
/// that updates the site reloads the browser and is logged with `done`.
fn quick_path(
    kept: &mut Kept,
    root: &Path,
    site_dir: &Path,
    changed: &Path,
    shared: &Shared,
    done: &(dyn Fn(&str) + Sync),
) {
    let Some(edit) = preview_page(kept, root, site_dir, changed) else {
        return;
    };
    shared.publish(None);
    done(&format!("updated {}", edit.page));
    let written = |part: Written| match part {
        // A reload only when the site changed.
        Written::Pages(files) => {
            if files > 0 {
                shared.publish(None);
            }
            done(&format!(
                "updated {} that show it",
                count(files, "more file")
            ));
        }
        Written::SearchIndex(files) => {
            if files > 0 {
                shared.publish(None);
            }
            done(&format!("updated {}", count(files, "search index file")));
        }
        // Nothing in the browser shows it: no reload.
        Written::Export(true) => done("updated incidents.json"),
        Written::Export(false) => done("incidents.json unchanged"),
    };
    match update_affected(kept, site_dir, &edit, &written) {
        Ok(Some(affected)) => {
            if let Err(error) = affected.export {
                done(&format!("cannot update incidents.json ({error:#})"));
            }
            if let Some(Err(error)) = affected.search {
                done(&format!("cannot update the search index ({error:#})"));
            }
        }
        Ok(None) => done("the edit shows on other pages too"),
        Err(error) => done(&format!("quick update failed ({error:#})")),
    }
}

/// Builds in full, keeping the model for the fast path, and publishes the
/// outcome (the reload) when `publish` or when the build is broken. A
/// build an edit made stale is dropped: the edit asked for another.
fn rebuild_keeping(
    options: &BuildOptions,
    shared: &Shared,
    kept: &Mutex<Option<Kept>>,
    publish: bool,
    gate: &site::CommitGate,
    log: &dyn Fn(&str),
) {
    let started = Instant::now();
    let began = SystemTime::now();
    let result = site::build_and_keep(options, false, Some(gate));
    if matches!(&result, Ok((report, _)) if report.abandoned) {
        log("an edit arrived during the build; building again");
        return;
    }
    let result = store(
        result,
        &mut kept.lock().unwrap_or_else(PoisonError::into_inner),
    );
    match result {
        Ok(report) if !publish && !report.has_errors() => log(&format!(
            "ready for instant previews ({} ms)",
            started.elapsed().as_millis()
        )),
        Ok(report) if saved_during(&report, &options.root, began) => log(
            "a file with errors was saved again during the build; rebuilding when its save settles",
        ),
        result => announce(result, shared, log, started),
    }
    // Once the site is out, what the next edit's search update needs.
    prepare_search(&mut kept.lock().unwrap_or_else(PoisonError::into_inner));
}

/// Readies a kept model's search analysis for the quick path's updates.
fn prepare_search(kept: &mut Option<Kept>) {
    if let Some(Kept {
        archive,
        search: Some(search),
        ..
    }) = kept
    {
        search.prepare(archive);
    }
}

/// Whether a file the build found errors in was written after the build
/// began: the build may have read it half-saved (an editor truncates a file
/// before writing it), and the watcher has another build coming. Its
/// errors would flash in the browser for nothing, so they wait for it.
fn saved_during(report: &site::BuildReport, root: &Path, began: SystemTime) -> bool {
    // File times come from a coarse clock that can lag by a tick.
    let since = began - Duration::from_millis(10);
    report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| std::fs::metadata(root.join(&d.path)).ok()?.modified().ok())
        .any(|modified| modified >= since)
}

/// Keeps a build's model (or forgets the old one) and passes its report on.
fn store(
    result: Result<(site::BuildReport, Option<Kept>)>,
    kept: &mut Option<Kept>,
) -> Result<site::BuildReport> {
    *kept = None;
    result.map(|(report, model)| {
        *kept = model;
        report
    })
}

/// Publishes a build's outcome: a reload, or the error page.
fn announce(
    result: Result<site::BuildReport>,
    shared: &Shared,
    log: &dyn Fn(&str),
    started: Instant,
) {
    match result {
        Ok(report) if !report.has_errors() => {
            log(&format!(
                "built {} incidents in {} ms",
                report.incidents,
                started.elapsed().as_millis()
            ));
            shared.publish(None);
        }
        Ok(report) => {
            let errors: Vec<&Diagnostic> =
                report.diagnostics.iter().filter(|d| d.is_error()).collect();
            for d in &errors {
                log(&d.to_string());
            }
            log(&format!(
                "build failed with {} error(s); showing them in the browser",
                errors.len()
            ));
            shared.publish(Some(error_page(&errors)));
        }
        Err(error) => {
            let message = format!("{error:#}");
            log(&format!("build failed: {message}"));
            shared.publish(Some(error_page_text(&message)));
        }
    }
}

/// `n` and the noun, plural unless one: "1 search index file".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const ERROR_STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328}\
h1{color:#b42318}li{margin:1rem 0;padding:.75rem 1rem;border-left:4px solid #b42318;background:#fef3f2;list-style:none}\
code{font:14px ui-monospace,monospace}.hint{color:#475467}@media(prefers-color-scheme:dark){body{background:#101418;color:#e6e9ee}li{background:#2a1414}.hint{color:#a8b3c2}}";

/// The page shown instead of the site while the build is broken.
fn error_page(errors: &[&Diagnostic]) -> String {
    let items: String = errors
        .iter()
        .map(|d| {
            let location = format!("{}:{}:{}", d.path.display(), d.line, d.column);
            let hint = d
                .hint
                .as_deref()
                .map(|h| format!("<div class=\"hint\">help: {}</div>", escape(h)))
                .unwrap_or_default();
            format!(
                "<li><code>{}</code><div>{} <code>[{}]</code></div>{hint}</li>",
                escape(&location),
                escape(&d.message),
                d.rule
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed · Casebook</title><style>{ERROR_STYLE}</style></head>\
<body><main><h1>The build failed</h1><p>Fix these and save: this page reloads by itself.</p><ul>{items}</ul></main></body></html>"
    )
}

fn error_page_text(message: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed · Casebook</title><style>{ERROR_STYLE}</style></head>\
<body><main><h1>The build failed</h1><ul><li><code>{}</code></li></ul></main></body></html>",
        escape(message)
    )
}

/// The folder `serve` builds into, under the archive root.
pub fn preview_dir(root: &Path) -> PathBuf {
    root.join(".casebook-cache").join("serve")
}
