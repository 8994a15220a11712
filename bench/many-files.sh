#!/usr/bin/env bash
# Hostile scale: N tiny postmortems (default 100,000) in one archive, built
# once with the release binary under /usr/bin/time -v. Prints wall time,
# peak RSS, the build's exit status and stage timings. Not part of
# `cargo test` (it takes minutes); see README "Hardening".
#
#   bench/many-files.sh [N=100000] [WORK=/tmp/casebook-many]
#
# Needs python3 and /usr/bin/time (Debian's `time`, installed if missing).
set -euo pipefail
N=${1:-100000}
work=${2:-/tmp/casebook-many}
here=$(cd "$(dirname "$0")/.." && pwd)

[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
echo "building casebook (release)…" >&2
(cd "$here" && cargo build --release --locked -q)
casebook="$here/target/release/casebook"

archive="$work/archive-$N"
if [ ! -f "$archive/.generated" ]; then
  echo "writing $N tiny postmortems…" >&2
  rm -rf "$archive"
  python3 - "$N" "$archive/content" <<'PY'
import os, sys
n, out = int(sys.argv[1]), sys.argv[2]
teams = ["payments", "search", "identity", "platform", "storage", "edge"]
for i in range(n):
    year = 2015 + i % 10
    folder = os.path.join(out, str(year), f"{i // 1000:03d}")
    os.makedirs(folder, exist_ok=True)
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    with open(os.path.join(folder, f"pm-{i:06d}.md"), "w") as f:
        f.write(
            f"---\ntitle: \"Incident {i}\"\ndate: {year}-{month:02d}-{day:02d}\n"
            f"severity: SEV-{1 + i % 4}\nteams: [{teams[i % len(teams)]}]\n"
            f"tags: [t{i % 50}]\n---\n\n## Summary\n\nTiny postmortem number {i}.\n"
        )
PY
  touch "$archive/.generated"
fi
rm -rf "$work/public"
echo "building $N postmortems…" >&2
set +e
/usr/bin/time -v "$casebook" build --verbose --root "$archive" --output "$work/public" \
  >"$work/build.log" 2>"$work/time.log"
status=$?
set -e
wall=$(grep 'Elapsed (wall clock)' "$work/time.log" | awk '{print $NF}')
rss_kb=$(grep 'Maximum resident set size' "$work/time.log" | awk '{print $NF}')
files=$(find "$work/public" -type f 2>/dev/null | wc -l)
echo "postmortems: $N"
echo "exit status: $status"
echo "wall time:   $wall"
echo "peak RSS:    $((rss_kb / 1024)) MB"
echo "site files:  $files"
grep -iE 'config|content|history|archive|secrets|theme|render|search|output' "$work/time.log" "$work/build.log" | grep -v 'Command being timed' | head -20 || true
