# The timer of the bench/*.sh scripts (sourced, after they set work):
# wall time from the shell's microsecond clock, peak memory from time(1).

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }

t() { # label, command...: runs it, prints "label seconds peakMiB"
	local label=$1
	shift
	# No run pays for the one before it: its dirty pages are written back
	# first (past the dirty limit, every writer is throttled to the disk).
	sync
	# Wall time from the shell's microsecond clock: `time -f %e` counts
	# hundredths, 10% of a 0.1 s publish. time(1) still gives peak memory.
	local start=$EPOCHREALTIME
	/usr/bin/time -f '%M %U %S' -o "$work/time.txt" "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }
	local end=$EPOCHREALTIME m user sys
	read -r m user sys <"$work/time.txt"
	local s; s=$(echo "scale=3; ($end - $start) / 1" | bc)
	printf '%-46s %8.3f s %7s MiB\n' "$label" "$s" "$((m / 1024))"
	echo "$s" >"$work/last-seconds"
	echo "scale=2; ($user + $sys) / 1" | bc >"$work/last-cpu"
}
secs() { cat "$work/last-seconds"; }
# CPU seconds (user + system) of the last timed command and its children.
cpu() { cat "$work/last-cpu"; }
ratio() { echo "scale=2; $1 / $2" | bc; }
