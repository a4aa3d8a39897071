#!/usr/bin/env bash
# The main job on the embedded default, on one machine: `aptkit release` of
# the example project (testdata/hello, made into a git repository with a
# tag v1.3.0 under ./out/example-project) — today's nightly and release
# 1.3.0, for debian-12-bookworm — into local stores (./.aptkit for the
# state, ./public for the repository), signed with the THROWAWAY key in
# keys-example/. The compile runs in Docker where an engine answers and a
# Debian image is on this machine, else on the host (--engine none).
# Ends with the status page and the apt sources lines of the nightly and
# release suites. Safe to run again: a second run reuses every build and
# publishes nothing new.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/out
project=$out/example-project

cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p aptkit
aptkit() { "$repo/target/release/aptkit" --state "$repo/.aptkit" --public "$repo/public" "$@"; }

# The example as a project of its own: a git repository whose tag v1.3.0
# is the release, and whose branch head is the nightly. Made once.
if [ ! -d "$project/.git" ]; then
	rm -rf "$project"
	mkdir -p "$out"
	cp -r "$repo/testdata/hello" "$project"
	git -C "$project" init -q
	git -C "$project" add -A
	git -C "$project" -c user.name=example -c user.email=example@example.invalid commit -q -m "hello 1.3.0"
	git -C "$project" -c user.name=example -c user.email=example@example.invalid tag -a -m "release 1.3.0" v1.3.0
fi

# Docker where it answers and a Debian 12 image is here (no registry is
# needed: scripts/install-test-tools.sh makes one with debootstrap), else
# the host's own compiler.
engine=none
image=localhost/aptkit-test/debian:bookworm
if docker info >/dev/null 2>&1 && docker image inspect "$image" >/dev/null 2>&1; then
	engine=docker
	if [ "$(cat "$project/distros/debian-12-bookworm/DOCKER_BASE")" != "$image" ]; then
		echo "$image" >"$project/distros/debian-12-bookworm/DOCKER_BASE"
	fi
fi

# Dependencies (libc6) are satisfied from this machine's own Debian index.
deps=()
for index in /var/lib/apt/lists/*_binary-amd64_Packages*; do
	[ -f "$index" ] && deps+=(--base-index "$index")
done
((${#deps[@]})) || deps=(--skip-dependency-check)

nightly=$(date -u +%Y.%m.%d)
aptkit release "$nightly" 1.3.0 --git "$project" --distro debian-12-bookworm --engine "$engine" \
	--key "$repo/keys-example/ed25519.asc" --out "$out" --log-dir "$out/logs" --quiet "${deps[@]}"

echo >&2
echo "try it: $repo/target/release/aptkit serve --root $repo/public --port 8080 &" >&2
for suite in bookworm-nightly bookworm; do
	echo "        deb [signed-by=$repo/keys-example/ed25519.gpg] http://127.0.0.1:8080 $suite main" >&2
done
