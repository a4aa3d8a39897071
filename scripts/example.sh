#!/usr/bin/env bash
# The main job on the embedded default, on one machine: compile the example
# project on the host (the embedded default of the compile stage), package it
# natively into .deb files, and publish a signed apt repository to ./public
# (state in ./.aptkit), signed with the THROWAWAY key in keys-example/.
# Prints the apt sources line to use it. Safe to run again.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/out

cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p aptkit
aptkit() { "$repo/target/release/aptkit" --state "$repo/.aptkit" --public "$repo/public" "$@"; }

rm -rf "$out/src" "$out/debs" && mkdir -p "$out/src" "$out/debs"
cp -a "$repo/testdata/hello" "$out/src/hello"
echo "compiling the example in $out/src/hello" >&2
"$out/src/hello/compile.sh" >"$out/compile.log" 2>&1 || { cat "$out/compile.log" >&2; exit 1; }
aptkit package "$out/src/hello" --out "$out/debs"

key=$repo/keys-example/ed25519.asc
# Dependencies (libc6) are satisfied from this machine's own Debian index.
deps=()
for index in /var/lib/apt/lists/*_binary-amd64_Packages*; do
	[ -f "$index" ] && deps+=(--base-index "$index")
done
((${#deps[@]})) || deps=(--skip-dependency-check)
# Captured first: `grep -q` stops reading early, which pipefail would count
# as a failure of the listing.
repos=$(aptkit repo list --json)
grep -q '"name": "example"' <<<"$repos" || aptkit repo create example --comment "scripts/example.sh"
aptkit repo add example "$out/debs"
publications=$(aptkit publish list --json)
if grep -q '"distribution": "stable"' <<<"$publications"; then
	aptkit publish update stable --key "$key" "${deps[@]}"
else
	aptkit publish repo example --distribution stable --key "$key" "${deps[@]}"
fi
echo >&2
echo "try it: $repo/target/release/aptkit serve --root $repo/public --port 8080 &" >&2
echo "        deb [signed-by=$repo/keys-example/ed25519.gpg] http://127.0.0.1:8080 stable main" >&2
