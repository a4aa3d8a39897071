#!/usr/bin/env bash
# Benchmark: from N generated .deb files to a published suite, aptkit vs
# apt-ftparchive, aptly and reprepro on the same files in one run; then the
# incremental case (one package added, suite republished) vs aptly. Prints
# wall time and peak memory. Not part of the test suite.
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
extra=$work/extra
mkdir -p "$extra"
[ -f "$extra/.complete" ] || { "$repo/target/release/examples/gen_debs" "$extra/gen" 1 "$kib" &&
	mv "$extra/gen/bench-00000_1.0-1_amd64.deb" "$extra/bench-extra_1.0-1_amd64.deb" && touch "$extra/.complete"; }
# A distinct name for the incremental package.
extra_deb=$work/extra-pkg/bench-zzz-extra_1.0-1_amd64.deb
if [ ! -f "$extra_deb" ]; then
	mkdir -p "$work/extra-pkg/x"
	"$repo/target/release/examples/gen_debs" "$work/extra-pkg/x" 1 "$kib"
	dpkg-deb -R "$work/extra-pkg/x/bench-00000_1.0-1_amd64.deb" "$work/extra-pkg/root"
	sed -i 's/^Package: bench-00000/Package: bench-zzz-extra/' "$work/extra-pkg/root/DEBIAN/control"
	dpkg-deb --root-owner-group -Zgzip -b "$work/extra-pkg/root" "$extra_deb" >/dev/null
fi
cat "$debs"/*.deb >/dev/null # page cache warm for everyone


size=$(du -sm "$debs" | cut -f1)
printf '%s packages, %s MB, %s cores\n\n' "$n" "$size" "$(nproc)"

# The cost of hashing every byte once with MD5 and SHA-256 on all cores.
files_list=$work/files.txt
find "$debs" -name '*.deb' >"$files_list"
t "hash floor: openssl md5 (all cores)" sh -c "xargs -a '$files_list' -P $(nproc) -n 200 openssl dgst -md5 >/dev/null"
md5=$(secs)
t "hash floor: openssl sha256 (all cores)" sh -c "xargs -a '$files_list' -P $(nproc) -n 200 openssl dgst -sha256 >/dev/null"
sha=$(secs)

state=$work/aptkit/state public=$work/aptkit/public
rm -rf "$work/aptkit"
k=(--state "$state" --public "$public")
key=$repo/keys-example/ed25519.asc
"$aptkit" "${k[@]}" repo create bench
t "aptkit repo add" "$aptkit" "${k[@]}" repo add bench "$debs"
add=$(secs)
t "aptkit publish repo (signed)" "$aptkit" "${k[@]}" publish repo bench -d stable --key "$key" --skip-dependency-check
pub=$(secs)
aptkit_cold=$(echo "$add + $pub" | bc)

t "apt-ftparchive packages (no cache)" sh -c "cd '$debs' && apt-ftparchive packages . >/dev/null"
ftp=$(secs)

rm -rf "$work/aptly" && mkdir -p "$work/aptly"
printf '{"rootDir": "%s", "architectures": ["amd64"]}\n' "$work/aptly" >"$work/aptly.conf"
aptly=(aptly -config="$work/aptly.conf")
"${aptly[@]}" repo create bench >/dev/null
t "aptly repo add" "${aptly[@]}" repo add bench "$debs"
aadd=$(secs)
t "aptly publish repo (unsigned)" "${aptly[@]}" publish repo -skip-signing -distribution=stable bench
apub=$(secs)
aptly_cold=$(echo "$aadd + $apub" | bc)

rm -rf "$work/reprepro" && mkdir -p "$work/reprepro/conf"
printf 'Codename: stable\nArchitectures: amd64\nComponents: main\n' >"$work/reprepro/conf/distributions"
t "reprepro includedeb" sh -c "xargs -a '$files_list' reprepro -b '$work/reprepro' includedeb stable"
rep=$(secs)

echo
echo "incremental: one package added, suite republished"
t "aptkit repo add + publish update" sh -c "'$aptkit' ${k[*]} repo add bench '$extra_deb' && '$aptkit' ${k[*]} publish update stable --key '$key' --skip-dependency-check"
ainc=$(secs)
t "aptly repo add + publish update" sh -c "${aptly[*]} repo add bench '$extra_deb' && ${aptly[*]} publish update -skip-signing stable"
linc=$(secs)

echo
awk -v a="$aptkit_cold" -v f="$ftp" -v l="$aptly_cold" -v r="$rep" -v h="$(echo "$md5 + $sha" | bc)" -v ai="$ainc" -v li="$linc" 'BEGIN {
	best = f; if (l < best) best = l; if (r < best) best = r
	printf "cold: aptkit %.2f s; fastest peer %.2f s -> %.1fx faster; hash floor (md5+sha256) %.2f s -> aptkit at %.2fx of it\n", a, best, best / a, h, a / h
	printf "incremental: aptkit %.2f s vs aptly %.2f s -> %.1fx faster\n", ai, li, li / ai
}'
