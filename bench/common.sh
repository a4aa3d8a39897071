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

t() { # label, command...: runs it, prints "label seconds peakMiB"
	local label=$1
	shift
	# No run pays for the one before it: its dirty pages are written back
	# first (past the dirty limit, every writer is throttled to the disk).
	sync
	# Wall time from the shell's microsecond clock: `time -f %e` counts
	# hundredths, 10% of a 0.1 s publish. time(1) still gives peak memory.
	local start=$EPOCHREALTIME
	/usr/bin/time -f '%M' -o "$work/time.txt" "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }
	local end=$EPOCHREALTIME m
	read -r m <"$work/time.txt"
	local s; s=$(echo "scale=3; ($end - $start) / 1" | bc)
	printf '%-46s %8.3f s %7s MiB\n' "$label" "$s" "$((m / 1024))"
	echo "$s" >"$work/last-seconds"
}
secs() { cat "$work/last-seconds"; }
ratio() { echo "scale=2; $1 / $2" | bc; }
