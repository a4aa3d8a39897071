#!/usr/bin/env bash
# Benchmark: `aptkit build` of the example project (testdata/hello) in Docker,
# side by side with the same compile by hand, in one run. Prints:
#   - container overhead: `aptkit build --engine docker` (unpack, compile in a
#     container, export the target's dpkg database, package natively) against
#     `docker run` of the same compile commands in the same image, by hand;
#   - a cached rebuild of three distros against their full build;
#   - three distros with --jobs 2 against the same three one after another.
# Not part of the test suite (no timed assertions there). Needs the local image
# scripts/install-test-tools.sh makes (it is run first).
#
#   bench/build.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$repo/target/bench/build}
image=${APTKIT_TEST_IMAGE:-localhost/aptkit-test/debian:bookworm}
"$repo/scripts/install-test-tools.sh" >/dev/null
rm -rf "$work" && mkdir -p "$work"
source "$repo/bench/timer.sh"
cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p aptkit

# The example, its three distros all on the one image this machine can make
# (each with its own PKGVER, so each is a build of its own).
project=$work/hello
cp -a "$repo/testdata/hello" "$project"
for d in "$project"/distros/*/; do echo "$image" >"$d/DOCKER_BASE"; done
# As an array, not a function: the timer runs it as a program.
build=("$repo/target/release/aptkit" --state "$work/state" build --engine docker --quiet
	--source "$project" --out "$work/out" --log-dir "$work/logs")

# Warm-up: the Build-Depends image is made once (a minute of apt) and kept.
"${build[@]}" debian-12-bookworm --no-cache >/dev/null
deps=$(sed -n 's/^==> compiling in //p' "$work/logs/debian-12-bookworm.log")

# The best of three runs of each: one container start varies by a few
# hundred milliseconds on a busy machine.
best_of_3() { # label, command...: leaves the fastest time in $best
	best=
	for _ in 1 2 3; do
		t "$@"
		if [ -z "$best" ] || [ "$(echo "$(secs) < $best" | bc)" = 1 ]; then best=$(secs); fi
	done
}

echo "== container overhead: one distro, compiled in $deps"
best_of_3 "aptkit build --engine docker (no cache)" "${build[@]}" debian-12-bookworm --no-cache
aptkit_s=$best
# By hand: the same tree (the source with the distro's debian/), the same
# image, the same compile steps; no packaging.
hand=$work/by-hand
best_of_3 "docker run of the same compile, by hand" sh -c "
	rm -rf '$hand' && cp -a '$project' '$hand' && rm -f '$hand/debian' && mkdir '$hand/debian' &&
	cp -a '$project/distros/debian-12-bookworm/debian/.' '$hand/debian/' &&
	docker run --rm --network host --mount type=bind,source='$hand',target=/src --workdir /src \
		-e DEB_HOST_MULTIARCH=x86_64-linux-gnu '$deps' sh -ec \
		'dh_auto_configure; dh_auto_build; dh_auto_test; dh_auto_install --destdir=debian/tmp'"
hand_s=$best
echo "best of 3: aptkit $aptkit_s s (compile, and native packaging with shlibs) / by hand $hand_s s (compile only): $(ratio "$aptkit_s" "$hand_s")x (target: within 1.10x)"

echo "== three distros"
t "one after another (--jobs 1, no cache)" "${build[@]}" --all --no-cache --jobs 1
seq_s=$(secs)
t "--jobs 2 (no cache)" "${build[@]}" --all --no-cache --jobs 2
par_s=$(secs)
echo "--jobs 2 wall / sequential wall: $(ratio "$par_s" "$seq_s")"

echo "== build cache"
t "full build of three distros (fills the cache)" "${build[@]}" --all --rebuild
full_s=$(secs)
t "cached rebuild of three distros" "${build[@]}" --all
cached_s=$(secs)
"${build[@]}" --all --json | grep -q '"status": "reused"' || { echo "not reused" >&2; exit 1; }
echo "cached rebuild: $cached_s s wall, $(cpu) s of aptkit's CPU (target: under 1 s), full build $full_s s: $(ratio "$full_s" "$cached_s")x"
