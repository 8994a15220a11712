#!/usr/bin/env bash
# Builds a release binary with profile-guided optimisation (PGO): an
# instrumented build of Casebook builds a generated archive, and the
# profile it records tells the compiler which branches and calls are hot.
#
#   bench/pgo.sh [N=2000]
#
# Prints the binary's path (target/pgo/release/casebook). Measure it with
# `CASEBOOK_BIN=target/pgo/release/casebook bench/run.sh`. The training
# archive is generated with N postmortems, smaller than the benchmark's,
# so the profile is not of the very files it is measured on. Needs
# rustup's llvm-tools (installed here if missing) for `llvm-profdata`;
# it compiles Casebook twice, about ten minutes on two cores.
set -euo pipefail
N=${1:-2000}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$here/../shared" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# rustup picks the toolchain per folder: the compiler, its llvm-tools and
# the builds below all resolve it from the repository.
cd "$here"

host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ] && command -v rustup >/dev/null; then
  rustup component add llvm-tools >&2
fi
# Before ten minutes of compiling, not after.
if [ ! -x "$profdata" ]; then
  echo "bench/pgo.sh: no llvm-profdata at $profdata; it comes with rustup's" \
    "llvm-tools component (rustup component add llvm-tools)" >&2
  exit 1
fi

# The instrumented build writes its profiles to a fixed folder, so its
# flags, and so its compiled code, stay the same from one run to the next.
profiles="$here/target/pgo-generate/profiles"
rm -rf "$profiles"
echo "building an instrumented casebook…" >&2
RUSTFLAGS="-Cprofile-generate=$profiles" \
  CARGO_TARGET_DIR="$here/target/pgo-generate" cargo build --release --locked -q

echo "training on $N generated postmortems and the sample archive…" >&2
python3 "$shared/bench/gen-corpus" "$N" "$work/corpus" >/dev/null
mkdir -p "$work/archive"
mv "$work/corpus/incidents" "$work/archive/content"
instrumented="$here/target/pgo-generate/release/casebook"
"$instrumented" build --quiet --no-search --root "$work/archive" --output "$work/site"
"$instrumented" build --quiet --root "$work/archive" --output "$work/site-search"
mkdir -p "$work/sample"
cp -r "$here/content" "$work/sample/content"
"$instrumented" build --quiet --root "$work/sample" --output "$work/sample-site"
"$profdata" merge -o "$work/casebook.profdata" "$profiles"

# A new path each run: Cargo compiles again when the flags change, not
# when only the file behind them does.
echo "building casebook with the profile…" >&2
RUSTFLAGS="-Cprofile-use=$work/casebook.profdata" \
  CARGO_TARGET_DIR="$here/target/pgo" cargo build --release --locked -q
echo "$here/target/pgo/release/casebook"
