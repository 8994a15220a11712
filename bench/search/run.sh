#!/usr/bin/env bash
# Search benchmark: Casebook's static search vs Pagefind on the same site.
#
# usage: bench/search/run.sh [N=10000] [WORK=/tmp/casebook-search-bench]
#
# Generates N postmortems (../shared/bench/gen-corpus), builds them with
# Casebook (with and without the search stage), runs Pagefind over the same
# built site, then measures: bundle size, index time and peak memory
# (/usr/bin/time -v), bytes a browser fetches for a first and later queries
# and query latency (headless Chromium, 50 fixed queries, real time, fresh
# profile), and how often the browser's top 10 equals the CLI's (tantivy).
# Needs python3, node, chromium, openssl; installs pagefind-bin with pip if missing.
# REUSE=1 reuses WORK's corpus, builds and Pagefind index.
set -euo pipefail
N=${1:-10000}
WORK=${2:-/tmp/casebook-search-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
GEN=${GEN_CORPUS:-$REPO/../shared/bench/gen-corpus}
QUERIES=$HERE/queries.json
CASEBOOK=$REPO/target/release/casebook
PORT=${PORT:-8799}

(cd "$REPO" && cargo build --release --quiet)
python3 -c "import pagefind_bin" 2>/dev/null || pip install --quiet pagefind-bin
PAGEFIND="$(python3 -c 'import os, pagefind_bin; print(os.path.dirname(pagefind_bin.__file__))')/pagefind"
[ -x "$PAGEFIND" ] || PAGEFIND="python3 -m pagefind_bin"

# REUSE=1 keeps WORK's corpus, builds and Pagefind index (to rerun the measurements).
if [ -z "${REUSE:-}" ]; then
rm -rf "$WORK" && mkdir -p "$WORK/archive"
python3 "$GEN" "$N" "$WORK/gen" >/dev/null
mv "$WORK/gen/incidents" "$WORK/archive/content"
echo 'title = "Search benchmark"' >"$WORK/archive/casebook.toml"

peak_mb() { awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$1"; }
wall_s() { awk -F': ' '/Elapsed \(wall/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f", s}' "$1"; }

echo "== building $N postmortems"
/usr/bin/time -v "$CASEBOOK" --root "$WORK/archive" build --no-search --output "$WORK/plain" -v 2>"$WORK/plain.time" >/dev/null
/usr/bin/time -v "$CASEBOOK" --root "$WORK/archive" build --output "$WORK/site" -v 2>"$WORK/site.time" >/dev/null
SEARCH_MS=$(awk '$1=="search" {print $2}' "$WORK/site.time")
# The search stage alone, repeated: median of 3.
for i in 1 2 3; do
  rm -rf "$WORK/archive/.casebook-cache/build"  # else the build cache skips the unchanged build
  "$CASEBOOK" --root "$WORK/archive" build --output "$WORK/site" -v 2>&1 >/dev/null | awk '$1=="search" {print $2}'
done | sort -n | sed -n 2p >"$WORK/search_ms"

echo "== pagefind over the same site"
rm -rf "$WORK/pf" && cp -r "$WORK/plain" "$WORK/pf"
# Only the incident pages: the documents Casebook's index holds (the listing
# pages would repeat every card in Pagefind's index).
/usr/bin/time -v $PAGEFIND --site "$WORK/pf" --glob "incidents/**/*.html" >/dev/null 2>"$WORK/pf.time" || { cat "$WORK/pf.time"; exit 1; }

fi

cb_bundle=$(find "$WORK/site/search" -type f ! -name index.html -printf '%s\n' | awk '{s+=$1} END {print s}')
cb_js=$(gzip -9c "$WORK/site/search.js" | wc -c)
cb_css=$(gzip -9c "$WORK/site/search.css" | wc -c)
pf_bundle=$(find "$WORK/pf/pagefind" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
cb_files=$(find "$WORK/site/search" -type f | wc -l)
pf_files=$(find "$WORK/pf/pagefind" -type f | wc -l)
cb_largest=$(find "$WORK/site/search" -type f -printf '%s\n' | sort -n | tail -1)

echo "== browser: 50 queries each, fresh profile"
cp "$HERE/bench.html" "$QUERIES" "$WORK/site/"
cp "$HERE/bench.html" "$QUERIES" "$WORK/pf/"
# A self-signed certificate for HTTP/2 (browsers speak it only over TLS).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
browser() { # DIR ENGINE OUT PROTOCOL(h1|h2)
  rm -f "$3"
  local tls=() scheme=http
  if [ "$4" = h2 ]; then tls=("$WORK/key.pem" "$WORK/cert.pem"); scheme=https; fi
  node "$HERE/server.mjs" "$1" "$PORT" "$3" "${tls[@]}" & local server=$!
  sleep 0.5
  local profile; profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --ignore-certificate-errors \
    --user-data-dir="$profile" "$scheme://127.0.0.1:$PORT/bench.html?engine=$2" >/dev/null 2>&1 & local browser=$!
  for _ in $(seq 1 600); do [ -s "$3" ] && break; sleep 0.2; done
  kill "$browser" "$server" 2>/dev/null || true
  wait "$browser" "$server" 2>/dev/null || true
  rm -rf "$profile"
  [ -s "$3" ] || { echo "no report from the $2 browser run ($4)" >&2; exit 1; }
}
for protocol in h2 h1; do
  browser "$WORK/site" casebook "$WORK/browser-casebook-$protocol.json" $protocol
  browser "$WORK/pf" pagefind "$WORK/browser-pagefind-$protocol.json" $protocol
done

echo "== node: the client's fetches, byte by byte"
node "$HERE/client.mjs" "$WORK/site" "$QUERIES" >"$WORK/node.json"

echo "== tantivy (CLI) top 10 for each query"
python3 - "$CASEBOOK" "$WORK/archive" "$QUERIES" >"$WORK/cli.json" <<'PY'
import json, subprocess, sys, time
casebook, root, queries = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
out = []
for q in queries:
    t = time.perf_counter()
    r = subprocess.run([casebook, "--root", root, "-q", "search", q, "--json", "-n", "10"], capture_output=True, check=True)
    ms = (time.perf_counter() - t) * 1000
    j = json.loads(r.stdout)
    out.append({"q": q, "ids": [h["id"] for h in j["hits"]], "total": j["total"], "corrections": j["corrections"], "process_ms": ms})
json.dump(out, sys.stdout)
PY

python3 - "$WORK" "$N" "$cb_bundle" "$cb_js" "$cb_css" "$pf_bundle" "$cb_files" "$pf_files" "$cb_largest" <<'PY'
import json, statistics, sys
work, n, cb_bundle, cb_js, cb_css, pf_bundle, cb_files, pf_files, cb_largest = sys.argv[1], *map(int, sys.argv[2:])
def time_file(name):
    d = {}
    for line in open(f"{work}/{name}"):
        if "Maximum resident" in line: d["peak_mb"] = int(line.split(":")[1]) / 1024
        if "Elapsed (wall" in line:
            s = 0
            for part in line.rsplit(": ", 1)[1].strip().split(":"): s = s * 60 + float(part)
            d["wall_s"] = s
    return d
plain, site, pf = time_file("plain.time"), time_file("site.time"), time_file("pf.time")
search_s = float(open(f"{work}/search_ms").read()) / 1000
bc = json.load(open(f"{work}/browser-casebook-h2.json"))
bp = json.load(open(f"{work}/browser-pagefind-h2.json"))
bc1 = json.load(open(f"{work}/browser-casebook-h1.json"))
bp1 = json.load(open(f"{work}/browser-pagefind-h1.json"))
node = json.load(open(f"{work}/node.json"))
cli = json.load(open(f"{work}/cli.json"))
def pct(xs, p):
    xs = sorted(xs); k = (len(xs) - 1) * p; f = int(k); c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)
def lat(b):
    ms = [q["ms"] for q in b["client"]["queries"]]
    return statistics.median(ms), pct(ms, 0.95), max(ms)
def warm(b):
    ms = [q["ms_again"] for q in b["client"]["queries"]]
    return statistics.median(ms), pct(ms, 0.95)
def fetched(b):
    # Bytes the server sent between marks; before the first mark: the engine's files.
    per, current = [0], 0
    for path, size in b["log"]:
        if path == "#mark":
            current = size + 1
            per += [0] * (current + 1 - len(per))
        elif not path.endswith(("bench.html", "queries.json", "favicon.ico")):
            per[current] += size
    first = per[0] + per[1]
    later = per[2:]
    return first, statistics.median(later), pct(later, 0.95), max(later)
# First-query bytes for each of the 50 queries from a fresh page (node accounting).
firsts = [q["first_bytes"] for q in node["queries"]]
agree = sum(1 for a, b in zip(node["queries"], cli) if a["ids"] == b["ids"])
agree_set = sum(1 for a, b in zip(node["queries"], cli) if set(a["ids"]) == set(b["ids"]))
browser_agree = sum(1 for a, b in zip(bc["client"]["queries"], cli) if a["ids"] == b["ids"])
typos = [(b["q"], b["corrections"], a["ids"][:1] == b["ids"][:1]) for a, b in zip(node["queries"], cli) if b["corrections"]]
kb = lambda x: f"{x / 1024:.1f} KB"
mb = lambda x: f"{x / 1048576:.2f} MB"
cm, cp, cx = lat(bc); pm, pp, px = lat(bp)
cm1, cp1, cx1 = lat(bc1); pm1, pp1, px1 = lat(bp1)
cf = fetched(bc); pff = fetched(bp)
rows = [
    ("postmortems", n, n, ""),
    ("search bundle on disk (compressed files)", mb(cb_bundle + cb_js + cb_css), mb(pf_bundle), f"{pf_bundle / (cb_bundle + cb_js + cb_css):.1f}x smaller"),
    ("files in the bundle / largest", f"{cb_files} / {kb(cb_largest)}", f"{pf_files}", ""),
    ("client JS + CSS (gzip)", kb(cb_js + cb_css), "(in first query)", ""),
    ("index time: search stage of the build (median of 3)", f"{search_s:.2f} s", f"{pf['wall_s']:.2f} s (whole run)", f"{pf['wall_s'] / search_s:.1f}x faster"),
    ("peak memory: whole build with search / without", f"{site['peak_mb']:.0f} / {plain['peak_mb']:.0f} MB", f"{pf['peak_mb']:.0f} MB", ""),
    ("whole build wall time with search / without", f"{site['wall_s']:.1f} / {plain['wall_s']:.1f} s", "", ""),
    ("first query, fresh page: bytes fetched (browser)", kb(cf[0]), kb(pff[0]), f"{pff[0] / cf[0]:.1f}x less"),
    ("first query over the 50 queries: median / max (node)", f"{kb(statistics.median(firsts))} / {kb(max(firsts))}", "", ""),
    ("later queries: median / p95 / max bytes (browser)", f"{kb(cf[1])} / {kb(cf[2])} / {kb(cf[3])}", f"{kb(pff[1])} / {kb(pff[2])} / {kb(pff[3])}", ""),
    ("query latency in Chromium, cold (fetches included), HTTP/2: median / p95 / max", f"{cm:.1f} / {cp:.1f} / {cx:.1f} ms", f"{pm:.1f} / {pp:.1f} / {px:.1f} ms", ""),
    ("the same over HTTP/1.1 (six fetches at a time): median / p95 / max", f"{cm1:.1f} / {cp1:.1f} / {cx1:.1f} ms", f"{pm1:.1f} / {pp1:.1f} / {px1:.1f} ms", ""),
    ("query latency in Chromium, repeated (files cached): median / p95", "%.1f / %.1f ms" % warm(bc), "%.1f / %.1f ms" % warm(bp), ""),
    ("top 10 identical to tantivy's (order and ids), node / browser", f"{agree}/50 / {browser_agree}/50", "", ""),
    ("top 10 same set as tantivy's", f"{agree_set}/50", "", ""),
]
print(f"\n| measure | Casebook | Pagefind | ratio |\n|---|---|---|---|")
for r in rows: print("| " + " | ".join(str(x) for x in r) + " |")
print("\ntypo queries (CLI correction; browser top hit equals CLI's):")
for t in typos: print("  ", t)
bad = [(a["q"], a["ids"][:3], b["ids"][:3]) for a, b in zip(node["queries"], cli) if a["ids"] != b["ids"]]
if bad:
    print("\ndisagreements (node top 3 vs CLI top 3):")
    for x in bad: print("  ", x)
PY
