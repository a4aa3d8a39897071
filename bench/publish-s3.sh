#!/usr/bin/env bash
# Benchmark: the same N generated .debs published to S3 by aptkit and by
# aptly, against one moto S3 server on loopback in the same run, each tool
# into its own fresh bucket: (a) a cold publish of the corpus (repo add +
# publish), (b) the incremental case (one package added, suite republished;
# five times, the median counts), (c) a no-op republish (nothing changed;
# five times, the median counts). aptkit runs twice: with both stores on S3
# (state and public, two buckets: a publish then copies pool files server
# side), and with a local state and only the public store on S3, which is
# aptly's shape (its database and pool are always local). Prints wall time,
# peak memory and the S3 requests each step sent (counted from moto's
# request log), then a table of aptly beside aptkit with the ratios. aptkit
# signs (keys-example/ed25519.asc); aptly runs with -skip-signing. Not part
# of the test suite.
#
# moto handles one request at a time (scripts/install-test-tools.sh's
# launcher), so on loopback the request count, more than the latency of
# each, sets the time; a real S3 endpoint's round trips cost far more.
#
#   bench/publish-s3.sh            # 1,000 packages of 100 KiB (~100 MB)
#   N=2000 bench/publish-s3.sh
#   LATENCY_MS=10 N=2000 bench/publish-s3.sh   # each request 20 ms further away, as S3 is
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
n=${N:-1000}
kib=${SIZE_KIB:-100}
work=${BENCH_DIR:-$repo/target/bench/publish-s3}
missing=()
for tool in aptly curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
	apt-get update -qq && apt-get install -y -qq aptly curl time >/dev/null
fi

# shellcheck source=common.sh
. "$repo/bench/common.sh"
make_extras
find "$debs" -name "*.deb" -exec cat {} + >/dev/null # page cache warm for everyone

# The last run's trees are moved aside and deleted after the timings (see
# bench/publish.sh: deleting thousands of files right before a timed run
# slows the run).
trash=$work/trash.$$
mkdir -p "$trash"
for old in "$work"/aptkit* "$work"/aptly* "$work"/moto.log; do
	[ -e "$old" ] && mv "$old" "$trash/"
done

# shellcheck source=moto.sh
. "$repo/bench/moto.sh"
for bucket in aptkit-state aptkit-public aptkit-local-public aptly; do
	aws s3 mb "s3://$bucket" >/dev/null
done

size=$(du -sm "$debs" | cut -f1)
printf '%s packages, %s MB, %s cores; moto %s on %s, one request at a time%s\n\n' "$n" "$size" "$(nproc)" \
	"$("$repo/target/moto-venv/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')" "$endpoint" \
	"${LATENCY_MS:+, behind a proxy adding $LATENCY_MS ms each way}"


key=$repo/keys-example/ed25519.asc

# aptkit: repo add + signed publish; "seconds requests" to $work/total.
aptkit_run() { # name, state store, public store
	local name=$1 k=(--state "$2" --public "$3") add addr
	echo "aptkit, $name: --state $2 --public $3"
	"$aptkit" "${k[@]}" repo create bench >/dev/null
	tq "aptkit repo add" "$aptkit" "${k[@]}" repo add bench "$debs"
	add=$(secs) addr=$(reqs)
	tq "aptkit publish repo (signed)" "$aptkit" "${k[@]}" publish repo bench -d stable --key "$key" --skip-dependency-check
	echo "$(echo "$add + $(secs)" | bc) $((addr + $(reqs)))" >"$work/total"
}
aptkit_run "both stores on S3" s3://aptkit-state/state s3://aptkit-public/debian
read -r aptkit_s3 aptkit_s3_r <"$work/total"
echo
aptkit_run "local state, public on S3" "$work/aptkit-local/state" s3://aptkit-local-public/debian
read -r aptkit_local aptkit_local_r <"$work/total"
echo

# aptly 1.5 (Debian 12) knows region, bucket, endpoint, the credentials,
# prefix, acl, forceSigV2, disableMultiDel (aptly.conf(5)); with an endpoint
# set it addresses buckets path-style. acl "none": moto needs no ACL.
root=$work/aptly
mkdir -p "$root"
cat >"$root.conf" <<CONF
{
  "rootDir": "$root",
  "architectures": ["amd64"],
  "S3PublishEndpoints": {
    "bench": {
      "region": "us-east-1",
      "bucket": "aptly",
      "endpoint": "$endpoint",
      "awsAccessKeyID": "test",
      "awsSecretAccessKey": "test",
      "prefix": "debian",
      "acl": "none",
      "forceSigV2": false,
      "disableMultiDel": false
    }
  }
}
CONF
aptly=(aptly -config="$root.conf")
echo "aptly $(aptly version | sed 's/^aptly version: //'): local rootDir, publish to s3:bench: (bucket aptly, prefix debian)"
"${aptly[@]}" repo create bench >/dev/null
tq "aptly repo add" "${aptly[@]}" repo add bench "$debs"
add=$(secs) addr=$(reqs)
tq "aptly publish repo (unsigned)" "${aptly[@]}" publish repo -skip-signing -distribution=stable bench s3:bench:
aptly_cold=$(echo "$add + $(secs)" | bc) aptly_cold_r=$((addr + $(reqs)))

echo
median() { printf '%s\n' "$@" | sort -n | sed -n 3p; } # of five
ks3=(--state s3://aptkit-state/state --public s3://aptkit-public/debian)
klocal=(--state "$work/aptkit-local/state" --public s3://aptkit-local-public/debian)
# The three publishers, by the name the results are kept under: the command
# that adds one .deb ($1) to repo bench and republishes suite stable.
add_publish() { # who, deb
	case $1 in
	s3) echo "'$aptkit' ${ks3[*]} repo add bench '$2' && '$aptkit' ${ks3[*]} publish update stable --key '$key' --skip-dependency-check" ;;
	local) echo "'$aptkit' ${klocal[*]} repo add bench '$2' && '$aptkit' ${klocal[*]} publish update stable --key '$key' --skip-dependency-check" ;;
	aptly) echo "${aptly[*]} repo add bench '$2' && ${aptly[*]} publish update -skip-signing stable s3:bench:" ;;
	esac
}
# The same republish with nothing added: what a CI job that reruns costs.
republish() { # who
	case $1 in
	s3) echo "'$aptkit' ${ks3[*]} publish update stable --key '$key' --skip-dependency-check" ;;
	local) echo "'$aptkit' ${klocal[*]} publish update stable --key '$key' --skip-dependency-check" ;;
	aptly) echo "${aptly[*]} publish update -skip-signing stable s3:bench:" ;;
	esac
}
label() { case $1 in s3) echo "aptkit (S3 state)" ;; local) echo "aptkit (local state)" ;; aptly) echo aptly ;; esac; }
declare -A inc inc_r noop noop_r
echo "incremental: one package added, suite republished (five times; the median counts)"
for who in s3 local aptly; do
	s=() r=()
	for deb in "${extras[@]}"; do
		# A publish of a suite writes its mutable names at least 1.2 s after
		# the last one did (HTTP dates count seconds: see design notes);
		# CI publishes are not that close, so each run starts past that.
		sleep 1.2
		tq "$(label $who) add + publish update" sh -c "$(add_publish $who "$deb")"
		s+=("$(secs)") r+=("$(reqs)")
	done
	inc[$who]=$(median "${s[@]}") inc_r[$who]=$(median "${r[@]}")
done
echo
echo "no-op: the suite republished with nothing changed (five times; the median counts)"
for who in s3 local aptly; do
	s=() r=()
	for _ in 1 2 3 4 5; do
		sleep 1.2
		tq "$(label $who) publish update (no change)" sh -c "$(republish $who)"
		s+=("$(secs)") r+=("$(reqs)")
	done
	noop[$who]=$(median "${s[@]}") noop_r[$who]=$(median "${r[@]}")
done

# Each bucket holds a whole repository: Release and InRelease (aptly:
# Release only, unsigned) and every .deb in the pool.
echo
for where in aptkit-public/debian aptkit-local-public/debian aptly/debian; do
	aws s3 ls --recursive "s3://$where/" >"$work/listing.txt"
	debs_there=$(grep -c '/pool/.*\.deb$' "$work/listing.txt" || true)
	release=$(grep -c '/dists/stable/Release$' "$work/listing.txt" || true)
	inrelease=$(grep -c '/dists/stable/InRelease$' "$work/listing.txt" || true)
	printf 's3://%s: %d objects, %d .debs in pool/ (expected %d), dists/stable/Release %s, InRelease %s\n' "$where" \
		"$(wc -l <"$work/listing.txt")" "$debs_there" $((n + ${#extras[@]})) \
		"$([ "$release" = 1 ] && echo yes || echo MISSING)" "$([ "$inrelease" = 1 ] && echo yes || echo no)"
	[ "$debs_there" = $((n + ${#extras[@]})) ] && [ "$release" = 1 ] || { echo "s3://$where is not a whole repository" >&2; exit 1; }
done

# The table: aptly's seconds and requests, then each aptkit shape's, with
# aptly/aptkit ratios (above 1: aptkit is faster, or sends fewer requests).
echo
row() { # case, aptly s, aptly req, aptkit S3-state s, req, aptkit local-state s, req
	awk -v c="$1" -v l="$2" -v lr="$3" -v s="$4" -v sr="$5" -v o="$6" -v or_="$7" 'BEGIN {
		printf "%-12s %8.2f %6d | %8.2f %6d %6.1fx %6.1fx | %8.2f %6d %6.1fx %6.1fx\n", c, l, lr,
			s, sr, l / s, (sr ? lr / sr : 0), o, or_, l / o, (or_ ? lr / or_ : 0)
	}'
}
printf '%-12s %15s | %31s | %31s\n' "" "aptly 1.5" "aptkit, both stores on S3" "aptkit, local state"
printf '%-12s %8s %6s | %8s %6s %7s %7s | %8s %6s %7s %7s\n' "" s req s req "x time" "x req" s req "x time" "x req"
row cold "$aptly_cold" "$aptly_cold_r" "$aptkit_s3" "$aptkit_s3_r" "$aptkit_local" "$aptkit_local_r"
row incremental "${inc[aptly]}" "${inc_r[aptly]}" "${inc[s3]}" "${inc_r[s3]}" "${inc[local]}" "${inc_r[local]}"
row no-op "${noop[aptly]}" "${noop_r[aptly]}" "${noop[s3]}" "${noop_r[s3]}" "${noop[local]}" "${noop_r[local]}"
echo "(cold: repo add + publish; incremental, no-op: median of 5; ratios aptly/aptkit; aptkit signs, aptly -skip-signing)"
kill "$moto_pid" 2>/dev/null || true
rm -rf "$work"/trash.*
