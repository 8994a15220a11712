#!/usr/bin/env python3
"""Static server for the search benchmark: serves DIR on loopback, gzips
text files on the fly as a production host would (the index files of both
tools are stored compressed already), and logs the bytes of every response
so fetches are counted even when they come from a web worker.

GET /mark?i=N   marks the start of query N in the log (not counted)
POST /report    writes {"client": BODY, "log": [[path, bytes] | ["#mark", N]]} to OUT

usage: server.py DIR PORT OUT
"""
import gzip
import http.server
import json
import mimetypes
import os
import sys
import threading

ROOT, PORT, OUT = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TEXT = {".html", ".js", ".mjs", ".css", ".json"}
LOG, LOCK = [], threading.Lock()
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: without this, Nagle's
    # algorithm and delayed ACKs add 40 ms to every keep-alive response.
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with LOCK:
            report = {"client": json.loads(body), "log": list(LOG)}
        with open(OUT + ".tmp", "w") as f:
            json.dump(report, f)
        os.replace(OUT + ".tmp", OUT)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/mark":
            with LOCK:
                LOG.append(["#mark", int(self.path.split("i=")[1])])
            return self.reply(200, b"", "text/plain")
        file = os.path.join(ROOT, path.lstrip("/"))
        if os.path.isdir(file):
            file = os.path.join(file, "index.html")
        if ".." in path or not os.path.isfile(file):
            return self.reply(404, b"not found", "text/plain")
        with open(file, "rb") as f:
            body = f.read()
        ext = os.path.splitext(file)[1]
        kind = mimetypes.guess_type(file)[0] or "application/octet-stream"
        encoding = None
        if ext in TEXT and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, encoding = gzip.compress(body, 9, mtime=0), "gzip"
        with LOCK:
            LOG.append([path, len(body)])
        self.reply(200, body, kind, encoding)

    def reply(self, status, body, kind, encoding=None):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
