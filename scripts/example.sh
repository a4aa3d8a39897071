#!/usr/bin/env bash
# The main job on the embedded default, on one machine: compile the example
# project on the host (the embedded default of the compile stage) and
# package it natively into .deb files under ./out/debs.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/out}

cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p aptkit
aptkit=$repo/target/release/aptkit

rm -rf "$out/src" && mkdir -p "$out/src" "$out/debs"
cp -a "$repo/testdata/hello" "$out/src/hello"
echo "compiling the example in $out/src/hello" >&2
"$out/src/hello/compile.sh" >"$out/compile.log" 2>&1 || { cat "$out/compile.log" >&2; exit 1; }

"$aptkit" package "$out/src/hello" --out "$out/debs"
echo "inspect with: $aptkit deb info $out/debs/hello_1.0-1_amd64.deb" >&2
