# Shared by the bench/*.sh scripts (sourced, after they set repo, n, kib
# and work): release builds of aptkit and the package generator, the
# generated pool, and a timer that reports wall time and peak memory.

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
