#!/usr/bin/env bash
# Benchmark: from N generated .deb files to a published suite, aptkit vs
# apt-ftparchive, aptly and reprepro on the same files in one run; then the
# incremental case (one package added, suite republished) vs aptly. aptkit
# and aptly each run twice: copying the .debs into their pool (the
# default), and taking them in with --remove-files / -remove-files (CI,
# where the build's .debs are thrown away). Prints wall time and peak
# memory. Not part of the test suite. The same against S3 (moto on
# loopback), with request counts: bench/publish-s3.sh.
#
#   bench/publish.sh             # 2,000 packages of 100 KiB (~200 MB)
#   N=20000 bench/publish.sh     # ~2 GB
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
n=${N:-2000}
kib=${SIZE_KIB:-100}
work=${BENCH_DIR:-$repo/target/bench/publish}
missing=()
for tool in aptly reprepro apt-ftparchive openssl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
	apt-get update -qq && apt-get install -y -qq aptly reprepro apt-utils openssl time >/dev/null
fi

# shellcheck source=common.sh
. "$repo/bench/common.sh"
make_extras
find "$debs" -name "*.deb" -exec cat {} + >/dev/null # page cache warm for everyone


size=$(du -sm "$debs" | cut -f1)
printf '%s packages, %s MB, %s cores\n\n' "$n" "$size" "$(nproc)"

# The cost of hashing every byte once with MD5 and SHA-256 on all cores.
files_list=$work/files.txt
find "$debs" -name '*.deb' >"$files_list"
t "hash floor: openssl md5 (all cores)" sh -c "xargs -a '$files_list' -P $(nproc) -n 200 openssl dgst -md5 >/dev/null"
md5=$(secs)
t "hash floor: openssl sha256 (all cores)" sh -c "xargs -a '$files_list' -P $(nproc) -n 200 openssl dgst -sha256 >/dev/null"
sha=$(secs)

# Every tool writes into a fresh directory. The last run's trees are moved
# aside and deleted only after the timings: on these VMs (ext4 without a
# journal; freed memory handed back to the host) files and directories
# created in the minute after thousands were deleted cost several times
# more, and a timed run would measure the cleanup, not the tool. Back-to-back
# runs therefore measure high; leave a few minutes between them.
trash=$work/trash.$$
mkdir -p "$trash"
for old in "$work"/aptkit* "$work"/aptly* "$work"/reprepro* "$work"/input-* "$work"/copy-floor; do
	[ -e "$old" ] && mv "$old" "$trash/"
done
# `--remove-files` consumes its input: each such run gets its own copy,
# made here, untimed.
cp -r "$debs" "$work/input-aptkit"
cp -r "$debs" "$work/input-aptly"
find "$work"/input-* -name "*.deb" -exec cat {} + >/dev/null

key=$repo/keys-example/ed25519.asc

aptkit_run() { # mode (copy|move), dir: repo add + signed publish; total seconds to $work/total
	local mode=$1 dir=$2 from=$debs extra=()
	[ "$mode" = move ] && from=$work/input-aptkit extra=(--remove-files)
	local k=(--state "$dir/state" --public "$dir/public")
	"$aptkit" "${k[@]}" repo create bench >/dev/null
	t "aptkit repo add ${extra[*]}" "$aptkit" "${k[@]}" repo add bench "$from" "${extra[@]}"
	local add; add=$(secs)
	t "aptkit publish repo (signed)" "$aptkit" "${k[@]}" publish repo bench -d stable --key "$key" --skip-dependency-check
	echo "$add + $(secs)" | bc >"$work/total"
}
aptkit_run copy "$work/aptkit"
aptkit_cold=$(cat "$work/total")
aptkit_run move "$work/aptkit-move"
aptkit_move=$(cat "$work/total")

t "apt-ftparchive packages (no cache)" sh -c "cd '$debs' && apt-ftparchive packages . >/dev/null"
ftp=$(secs)

aptly_run() { # mode (copy|move), root: repo add + publish (unsigned); total seconds to $work/total
	local mode=$1 root=$2 from=$debs extra=()
	[ "$mode" = move ] && from=$work/input-aptly extra=(-remove-files)
	mkdir -p "$root"
	printf '{"rootDir": "%s", "architectures": ["amd64"]}\n' "$root" >"$root.conf"
	local aptly=(aptly -config="$root.conf")
	"${aptly[@]}" repo create bench >/dev/null
	t "aptly repo add ${extra[*]}" "${aptly[@]}" repo add "${extra[@]}" bench "$from"
	local add; add=$(secs)
	t "aptly publish repo (unsigned)" "${aptly[@]}" publish repo -skip-signing -distribution=stable bench
	echo "$add + $(secs)" | bc >"$work/total"
}
aptly_run copy "$work/aptly"
aptly_cold=$(cat "$work/total")
aptly_run move "$work/aptly-move"
aptly_move=$(cat "$work/total")
aptly=(aptly -config="$work/aptly.conf")

mkdir -p "$work/reprepro/conf"
printf 'Codename: stable\nArchitectures: amd64\nComponents: main\n' >"$work/reprepro/conf/distributions"
t "reprepro includedeb" sh -c "xargs -a '$files_list' reprepro -b '$work/reprepro' includedeb stable"
rep=$(secs)

echo
echo "incremental: one package added, suite republished (five times; the median counts)"
k=(--state "$work/aptkit/state" --public "$work/aptkit/public")
aptkit_inc=() aptly_inc=()
for deb in "${extras[@]}"; do
	# A publish of a suite writes its mutable names at least 1.2 s after the
	# last one did (HTTP dates count seconds: see design notes); CI
	# publishes are not that close, so each run starts past that.
	sleep 1.2
	t "aptkit repo add + publish update" sh -c "'$aptkit' ${k[*]} repo add bench '$deb' && '$aptkit' ${k[*]} publish update stable --key '$key' --skip-dependency-check"
	aptkit_inc+=("$(secs)")
done
for deb in "${extras[@]}"; do
	sleep 1.2
	t "aptly repo add + publish update" sh -c "${aptly[*]} repo add bench '$deb' && ${aptly[*]} publish update -skip-signing stable"
	aptly_inc+=("$(secs)")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 3p; }

# What a copying add cannot avoid: writing every byte once into fresh page
# cache (apt-ftparchive writes nothing). Measured last: on VMs that hand
# freed memory back to their host, a fresh page is also a fault in the
# host, and a copy made earlier would leave the tools colder memory.
echo
t "copy floor: cp -r of the .debs" cp -r "$debs" "$work/copy-floor"
copy=$(secs)
ainc=$(median "${aptkit_inc[@]}")
linc=$(median "${aptly_inc[@]}")

echo
awk -v a="$aptkit_cold" -v am="$aptkit_move" -v f="$ftp" -v l="$aptly_cold" -v lm="$aptly_move" -v r="$rep" -v h="$(echo "$md5 + $sha" | bc)" -v c="$copy" -v ai="$ainc" -v li="$linc" 'BEGIN {
	best = f; if (l < best) best = l; if (lm < best) best = lm; if (r < best) best = r
	printf "cold, fastest peer (any mode): %.2f s; hash floor (md5+sha256): %.2f s; copy floor: %.2f s\n", best, h, c
	printf "cold: aptkit %.2f s -> %.1fx faster than the fastest peer, at %.2fx of the hash floor (%.2fx of hash + copy floors)\n", a, best / a, a / h, a / (h + c)
	printf "cold, --remove-files: aptkit %.2f s -> %.1fx faster than the fastest peer, at %.2fx of the hash floor\n", am, best / am, am / h
	printf "incremental (median of 5): aptkit %.2f s vs aptly %.2f s -> %.1fx faster\n", ai, li, li / ai
}'
rm -rf "$work"/trash.*
