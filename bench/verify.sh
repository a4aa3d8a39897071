#!/usr/bin/env bash
# Benchmark: deep verification of a published pool (every file's size and
# SHA-256) with `aptkit verify --deep`, against `sha256sum -c` over the same
# files, in one run; plus the hashing limit (openssl on all cores). aptkit
# runs twice: pinned to one core (taskset), and on all cores. Not part of
# the test suite.
#
#   bench/verify.sh              # 2,000 packages of 100 KiB (~200 MB)
#   N=20000 bench/verify.sh      # ~2 GB
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
n=${N:-2000}
kib=${SIZE_KIB:-100}
work=${BENCH_DIR:-$repo/target/bench/verify}
command -v openssl >/dev/null && command -v /usr/bin/time >/dev/null ||
	{ apt-get update -qq && apt-get install -y -qq openssl time >/dev/null; }

# shellcheck source=common.sh
. "$repo/bench/common.sh"
public=$work/public
if [ ! -f "$work/.published" ]; then
	rm -rf "$work/state" "$public"
	k=(--state "$work/state" --public "$public")
	"$aptkit" "${k[@]}" repo create bench >/dev/null
	"$aptkit" "${k[@]}" repo add bench "$debs" >/dev/null
	"$aptkit" "${k[@]}" publish repo bench -d stable --key "$repo/keys-example/ed25519.asc" --skip-dependency-check >/dev/null
	touch "$work/.published"
fi
keyring=$repo/keys-example/ed25519.gpg

# The same checks for sha256sum: every pool file's SHA-256 from the index.
awk '/^Filename: /{f=$2} /^SHA256: /{print $2 "  " f}' "$public/dists/stable/main/binary-amd64/Packages" >"$work/SHA256SUMS"
files_list=$work/files.txt
cut -d' ' -f3 "$work/SHA256SUMS" | sed "s|^|$public/|" >"$files_list"
xargs -a "$files_list" cat >/dev/null # page cache warm for everyone


printf '%s pool files, %s MB, %s cores\n\n' "$(wc -l <"$work/SHA256SUMS")" "$(du -sm "$public/pool" | cut -f1)" "$(nproc)"
t "sha256sum -c (one core)" sh -c "cd '$public' && sha256sum --quiet -c '$work/SHA256SUMS'"
peer=$(secs)
t "hash limit: openssl sha256 (all cores)" sh -c "xargs -a '$files_list' -P $(nproc) -n 200 openssl dgst -sha256 >/dev/null"
limit=$(secs)
t "aptkit verify --deep (one core)" taskset -c 0 "$aptkit" verify "$public" --keyring "$keyring" --deep
one=$(secs)
t "aptkit verify --deep (all cores)" "$aptkit" verify "$public" --keyring "$keyring" --deep
all=$(secs)

echo
echo "aptkit on one core / sha256sum -c:     $(ratio "$one" "$peer")x   (target: <= 1.0)"
echo "aptkit on all cores / sha256sum -c:    $(ratio "$all" "$peer")x"
echo "aptkit on all cores / hashing limit:   $(ratio "$all" "$limit")x   (target: close to 1)"
