#!/usr/bin/env bash
# Benchmark: `aptkit package` vs `dpkg-deb --build` on the same ~300 MB tree
# of real ELF binaries, in one run. Prints wall time, size, peak memory and
# the ratios. Not part of the test suite (no timed assertions there).
#
#   bench/package.sh            # 300 MB
#   MB=100 bench/package.sh     # smaller, for a quick look
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
mb=${MB:-300}
work=${BENCH_DIR:-$repo/target/bench/package}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p aptkit
aptkit=$repo/target/release/aptkit

# The payload: ELF executables and libraries from this system, concatenated
# into 10 MiB chunks (real machine code compresses like a real package).
src=$work/src
payload=$src/debian/bigpkg/usr/lib/bigpkg
if [ "$(cat "$work/.payload-mb" 2>/dev/null)" != "$mb" ]; then
	rm -rf "$work" && mkdir -p "$payload" "$src/debian/bigpkg/DEBIAN"
	# `head -c` closes the pipe early on purpose: no pipefail here.
	(set +o pipefail
	find /usr/lib/x86_64-linux-gnu /usr/bin /usr/libexec -type f -size +16k 2>/dev/null | sort |
		while read -r f; do head -c 4 "$f" | grep -q ELF && cat "$f"; done |
		head -c $((mb * 1024 * 1024)) | split -b 10M -d -a 3 - "$payload/chunk-")
	echo "$mb" >"$work/.payload-mb"
fi
cat >"$src/debian/control" <<'CONTROL'
Source: bigpkg
Maintainer: aptkit bench <bench@example.org>
Section: misc
Priority: optional

Package: bigpkg
Architecture: amd64
Description: benchmark payload
 Concatenated ELF binaries.
CONTROL
cat >"$src/debian/changelog" <<'CHANGELOG'
bigpkg (1.0-1) unstable; urgency=medium

  * Benchmark.

 -- aptkit bench <bench@example.org>  Sat, 21 Nov 2026 10:00:00 +0000
CHANGELOG
printf 'Files: *\nCopyright: none\nLicense: public-domain\n' >"$src/debian/copyright"
# dpkg-deb packs the same tree (aptkit ignores DEBIAN/ in a ready tree).
cat >"$src/debian/bigpkg/DEBIAN/control" <<'CONTROL'
Package: bigpkg
Version: 1.0-1
Architecture: amd64
Maintainer: aptkit bench <bench@example.org>
Description: benchmark payload
 Concatenated ELF binaries.
CONTROL
cat "$payload"/* >/dev/null # warm the page cache for both tools

out=$work/out
measure() { # name, command...: prints "seconds peak_kib size"
	local name=$1 deb
	shift
	rm -rf "$out" && mkdir -p "$out"
	/usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >/dev/null
	deb=$(ls "$out"/*.deb)
	echo "$(cat "$work/time.txt") $(stat -c %s "$deb")"
}

printf 'payload: %s MiB in %s files, %s cores\n\n' "$mb" "$(ls "$payload" | wc -l)" "$(nproc)"
printf '%-30s %9s %12s %10s\n' "run" "seconds" "bytes" "peak MiB"
declare -A secs size
for z in xz zstd; do
	read -r s m b < <(measure "dpkg-deb $z" dpkg-deb --root-owner-group -Z"$z" --build "$src/debian/bigpkg" "$out/bigpkg.deb")
	secs[dpkg-$z]=$s size[dpkg-$z]=$b
	printf '%-30s %9s %12s %10s\n' "dpkg-deb --build -Z$z" "$s" "$b" "$((m / 1024))"
	read -r s m b < <(measure "aptkit $z" "$aptkit" package "$src" --out "$out" -Z "$z" --no-strip)
	secs[aptkit-$z]=$s size[aptkit-$z]=$b
	printf '%-30s %9s %12s %10s\n' "aptkit package -Z $z" "$s" "$b" "$((m / 1024))"
done
# dpkg-buildpackage also runs dh_md5sums before dpkg-deb; aptkit does both
# in one pass. Time the md5 step on its own for the like-for-like figure.
/usr/bin/time -f '%e' -o "$work/time.txt" md5sum "$payload"/* >/dev/null
md5=$(cat "$work/time.txt")
printf '%-30s %9s\n' "md5sum (as dh_md5sums)" "$md5"
echo
for z in xz zstd; do
	awk -v z="$z" -v at="${secs[aptkit-$z]}" -v dt="${secs[dpkg-$z]}" -v as="${size[aptkit-$z]}" -v ds="${size[dpkg-$z]}" \
		-v md5="$md5" 'BEGIN { printf "%-4s time aptkit/dpkg-deb = %.2fx (vs dpkg-deb + md5sum %.2fx)   size aptkit/dpkg-deb = %.3fx\n", z, at / dt, at / (dt + md5), as / ds }'
done
