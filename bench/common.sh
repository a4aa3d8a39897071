# Shared by the bench/*.sh scripts (sourced, after they set repo, n, kib
# and work): release builds of aptkit and the package generator, the
# generated pool, the five extra packages of the incremental case
# (make_extras), and a timer that reports wall time and peak memory.

mkdir -p "$work"
cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p aptkit
cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml" -p aptkit-deb --example gen_debs
aptkit=$repo/target/release/aptkit
debs=$work/debs-$n-$kib
if [ ! -f "$debs/.complete" ]; then
	echo "generating $n packages of $kib KiB in $debs" >&2
	"$repo/target/release/examples/gen_debs" "$debs" "$n" "$kib"
	touch "$debs/.complete"
fi

source "$repo/bench/timer.sh"

# Five distinct packages for the incremental case, landing at the start, a
# quarter, half and three quarters in, and the end of the index: their paths
# in the array `extras`.
make_extras() {
	extras=()
	local name deb
	for name in bench-00000-extra "bench-$(printf %05d $((n / 4)))-extra" "bench-$(printf %05d $((n / 2)))-extra" \
		"bench-$(printf %05d $((3 * n / 4)))-extra" bench-zzz-extra; do
		deb=$work/extra-pkg/${name}_1.0-1_amd64.deb
		extras+=("$deb")
		[ -f "$deb" ] && continue
		rm -rf "$work/extra-pkg/x" "$work/extra-pkg/root"
		mkdir -p "$work/extra-pkg/x"
		"$repo/target/release/examples/gen_debs" "$work/extra-pkg/x" 1 "$kib"
		dpkg-deb -R "$work/extra-pkg/x/bench-00000_1.0-1_amd64.deb" "$work/extra-pkg/root"
		sed -i "s/^Package: bench-00000/Package: $name/" "$work/extra-pkg/root/DEBIAN/control"
		dpkg-deb --root-owner-group -Zgzip -b "$work/extra-pkg/root" "$deb" >/dev/null
	done
}
