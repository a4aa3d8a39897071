#!/usr/bin/env bash
# The main job on the embedded default, on one machine: build the example
# project (testdata/hello) for debian-12-bookworm with `aptkit build --engine
# none` (compiled on the host, packaged natively into .deb files, cached in
# ./.aptkit: a second run reuses the build), and publish a signed apt
# repository to ./public, signed with the THROWAWAY key in keys-example/.
# Prints the apt sources line to use it. Safe to run again.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/out

cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p aptkit
aptkit() { "$repo/target/release/aptkit" --state "$repo/.aptkit" --public "$repo/public" "$@"; }

aptkit build debian-12-bookworm --engine none --quiet --source "$repo/testdata/hello" --out "$out" --log-dir "$out/logs"
debs=$out/debian-12-bookworm

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
aptkit repo add example "$debs"
publications=$(aptkit publish list --json)
if grep -q '"distribution": "bookworm"' <<<"$publications"; then
	aptkit publish update bookworm --key "$key" "${deps[@]}"
else
	aptkit publish repo example --distribution bookworm --key "$key" "${deps[@]}"
fi
echo >&2
echo "try it: $repo/target/release/aptkit serve --root $repo/public --port 8080 &" >&2
echo "        deb [signed-by=$repo/keys-example/ed25519.gpg] http://127.0.0.1:8080 bookworm main" >&2
