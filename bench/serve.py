#!/usr/bin/env python3
"""Live-preview latency of `casebook serve` on a generated archive.

    bench/serve.py [N=10000] [EDITS=7]

Copies `gen-corpus N` into an archive, starts `casebook serve`, and reports:
startup (launch until the server answers, and until the site is served,
without and then with a fresh build cache), the time until serve has the model in memory for
instant previews, then for EDITS edits of one postmortem each of four kinds
(a paragraph appended, which only its own page, digests, feeds and search
index show; a new title, which every listing of it shows too; an open
action item marked done, which reorders the actions page; and a new
severity, which moves it between severity pages and changes the figures
of dashboards and digests; the last two with a paragraph appended): the time
from the save until the edited page on disk shows the edit, until the first
live reload (the page), until serve logs that the other pages that show the
edit, the search index files and incidents.json are in the site (its quick
path), and until it logs the full rebuild after it (the tantivy index, and
every page when the quick path declined the edit). Medians and maxima, in
milliseconds, per kind of edit.
"""
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
EDITS = int(sys.argv[2]) if len(sys.argv) > 2 else 7
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
WORK = os.environ.get("BENCH_DIR", "/tmp/casebook-bench")
PORT = int(os.environ.get("PORT", "18111"))
CASEBOOK = os.path.join(ROOT, "target", "release", "casebook")
KINDS = ("prose", "title", "action", "severity")
KIND_NAMES = {"prose": "prose edit", "title": "new title", "action": "action item done",
              "severity": "new severity"}
OPEN_ITEM = re.compile(r"^(\|.*\| )(open|in-progress)( \|\s*)$", re.MULTILINE)
SEVERITY = re.compile(r"^severity: SEV-(\d)\s*$", re.MULTILINE)


def ms(seconds):
    return round(seconds * 1000, 1)


def main():
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True)
    corpus = os.path.join(WORK, f"corpus-{N}")
    if not os.path.isdir(os.path.join(corpus, "incidents")):
        subprocess.run([os.path.join(SHARED, "bench", "gen-corpus"), str(N), corpus],
                       check=True, stdout=subprocess.DEVNULL)
    archive = os.path.join(WORK, f"serve-{N}")
    shutil.rmtree(archive, ignore_errors=True)
    shutil.copytree(os.path.join(corpus, "incidents"), os.path.join(archive, "content"))
    site = os.path.join(archive, ".casebook-cache", "serve")

    server, answered, startup, ready = start(archive)
    try:
        events = []
        threading.Thread(target=listen, args=(events,), daemon=True).start()
        time.sleep(0.5)
        posts = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(archive, "content"))
                       for f in fs if f.endswith(".md"))
        times = {kind: {key: [] for key in ("page", "reload", "pages", "search", "export", "rebuild")}
                 for kind in KINDS}
        quick = {kind: 0 for kind in KINDS}
        log_path = os.path.join(WORK, "serve.log")
        declined = "shows on other pages too"
        for n in range(EDITS * len(KINDS)):
            kind = KINDS[n % len(KINDS)]
            path = posts[(n * 7919) % len(posts)]
            # An action item to mark done needs an open one.
            while kind == "action" and not OPEN_ITEM.search(read(path)):
                path = posts[(posts.index(path) + 1) % len(posts)]
            incident = os.path.relpath(path, os.path.join(archive, "content"))[:-3]
            page = os.path.join(site, "incidents", incident, "index.html")
            marker = f"Benchmark edit number {n} of the preview"
            seen = len(events)
            log = read(log_path)
            declined_before = log.count(declined)
            text = read(path)
            if kind == "title":
                title = next(line for line in text.splitlines() if line.startswith("title:"))
                text = text.replace(title, f'title: "{marker}"', 1)
            else:
                # The marker shows when the page is on disk; an action item
                # done or a new severity beside it is what listings show.
                if kind == "action":
                    text = OPEN_ITEM.sub(r"\1done\3", text, count=1)
                elif kind == "severity":
                    text = SEVERITY.sub(lambda m: f"severity: SEV-{int(m.group(1)) % 4 + 1}",
                                        text, count=1)
                text += f"\n\n{marker}.\n"
            with open(path, "w") as f:
                f.write(text)
            saved = time.monotonic()
            while marker not in read(page):
                time.sleep(0.0005)
            times[kind]["page"].append(time.monotonic() - saved)
            while len(events) < seen + 1:
                time.sleep(0.0005)
            times[kind]["reload"].append(events[seen] - saved)
            # Each step of the quick path (the pages that show the edit,
            # the search index, incidents.json) and the full rebuild after
            # it log a line when their files are in the site (and reload
            # the browser, when they changed any): the time the line shows
            # up is taken.
            steps = {"pages": " that show it in ",
                     "search": "search index file",
                     "export": "updated incidents.json in ",
                     "rebuild": "built "}
            before = {key: log.count(text) for key, text in steps.items()}
            seen_at = {}
            while "rebuild" not in seen_at:
                log = read(log_path)
                now = time.monotonic()
                for key, text in steps.items():
                    if key not in seen_at and log.count(text) > before[key]:
                        seen_at[key] = now
                time.sleep(0.0005)
            if log.count(declined) == declined_before:
                quick[kind] += 1
                for key in ("pages", "search", "export"):
                    times[kind][key].append(seen_at[key] - saved)
            times[kind]["rebuild"].append(seen_at["rebuild"] - saved)
            time.sleep(0.3)
    finally:
        server.terminate()
        server.wait()
    # Again on the same archive: the build cache finds nothing changed.
    server, warm_answered, warm_startup, warm_ready = start(archive, "serve-warm.log")
    server.terminate()
    server.wait()
    print(f"casebook serve, {N} postmortems, {EDITS} edits ({os.cpu_count()} cores)\n")
    print("| measure | median | max |\n|---|---|---|")
    print(f"| startup, first run (no cache): launch → server answers (a page saying the site is being built) | {ms(answered)} ms | |")
    print(f"| first run: launch → the site served | {ms(startup)} ms | |")
    print(f"| first run: launch → model kept for instant previews | {ms(ready)} ms | |")
    print(f"| startup, next run (build cache fresh): launch → server answers | {ms(warm_answered)} ms | |")
    print(f"| next run: launch → the site served | {ms(warm_startup)} ms | |")
    print(f"| next run: launch → model kept for instant previews | {ms(warm_ready)} ms | |")
    rows = [("page", "save → edited page on disk"),
            ("reload", "save → first reload (the page)"),
            ("pages", "save → the other pages that show it in the site (quick path, serve's log)"),
            ("search", "save → search index files in the site (quick path, serve's log)"),
            ("export", "save → incidents.json in the site (quick path, serve's log)"),
            ("rebuild", "save → full rebuild in the site (serve's log)")]
    for kind in KINDS:
        for key, name in rows:
            values = times[kind][key]
            if values:
                print(f"| {KIND_NAMES[kind]}: {name} | {ms(statistics.median(values))} ms | {ms(max(values))} ms |")
    for kind in KINDS:
        print(f"\n{KIND_NAMES[kind]}: {quick[kind]} of {EDITS} edits took the quick path.", end="")
    print()


def start(archive, log_name="serve.log"):
    """Starts serve, logging into `log_name` in the bench folder; returns
    it, the seconds until it answers at all, until the site is served and
    until the model is kept for instant previews."""
    log_path = os.path.join(WORK, log_name)
    log = open(log_path, "w")
    started = time.monotonic()
    server = subprocess.Popen([CASEBOOK, "serve", "--root", archive, "--port", str(PORT)],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        answered = wait_for_page(started, (200, 503))
        served = wait_for_page(started)
        return server, answered, served, wait_for_log("ready for instant previews", started, log_path)
    except BaseException:
        server.terminate()
        raise


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def wait_for_page(started, statuses=(200,)):
    """Seconds from `started` until GET / answers with one of `statuses`."""
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            c.request("GET", "/")
            if c.getresponse().status in statuses:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.005)


def wait_for_log(text, started, path):
    while text not in read(path):
        time.sleep(0.01)
    return time.monotonic() - started


def listen(events):
    """Records the arrival time of every live-reload event."""
    c = http.client.HTTPConnection("127.0.0.1", PORT)
    c.request("GET", "/__casebook/events")
    response = c.getresponse()
    while True:
        line = response.fp.readline()
        if not line:
            return
        if line.startswith(b"data:"):
            events.append(time.monotonic())


if __name__ == "__main__":
    main()
