#!/usr/bin/env bash
# Benchmark: the same N generated .debs published to S3 by aptkit and by
# aptly, against one moto S3 server on loopback in the same run, each tool
# into its own fresh bucket: (a) a cold publish of the corpus (repo add +
# publish), (b) the incremental case (one package added, suite republished;
# five times, the median counts). aptkit runs twice: with both stores on S3
# (state and public, two buckets: a publish then copies pool files server
# side), and with a local state and only the public store on S3, which is
# aptly's shape (its database and pool are always local). Prints wall time,
# peak memory and the S3 requests each step sent (counted from moto's
# request log). aptkit signs (keys-example/ed25519.asc); aptly runs with
# -skip-signing. Not part of the test suite.
#
# moto handles one request at a time (scripts/install-test-tools.sh's
# launcher), so on loopback the request count, more than the latency of
# each, sets the time; a real S3 endpoint's round trips cost far more.
#
#   bench/publish-s3.sh            # 1,000 packages of 100 KiB (~100 MB)
#   N=2000 bench/publish-s3.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
n=${N:-1000}
kib=${SIZE_KIB:-100}
work=${BENCH_DIR:-$repo/target/bench/publish-s3}
moto_server=${APTKIT_MOTO_SERVER:-$repo/target/moto-venv/bin/aptkit-moto-server}
[ -x "$moto_server" ] || { echo "moto is not installed ($moto_server): run scripts/install-test-tools.sh" >&2; exit 1; }
missing=()
for tool in aptly curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
	apt-get update -qq && apt-get install -y -qq aptly curl time >/dev/null
fi
# awscli, as the tests use it (Debian's, not whatever a pyenv shim offers).
awscli=$(command -v /usr/bin/aws || command -v aws) || { echo "awscli is missing: run scripts/install-test-tools.sh" >&2; exit 1; }

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

# One moto server for the whole run, on a free loopback port. Credentials
# as the tests use them (tests/src/moto.rs: moto checks none).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint=http://127.0.0.1:$port
motolog=$work/moto.log
"$moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$motolog" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 600); do
	curl -s -o /dev/null "$endpoint/" && break
	kill -0 "$moto_pid" 2>/dev/null || { cat "$motolog" >&2; exit 1; }
	sleep 0.1
done
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
# aptkit's endpoint (docs/repositories.md); aptly's is in its aptly.conf.
export AWS_ENDPOINT_URL_S3=$endpoint APTKIT_S3_FORCE_PATH_STYLE=1
aws() { "$awscli" --endpoint-url "$endpoint" "$@"; }
for bucket in aptkit-state aptkit-public aptkit-local-public aptly; do
	aws s3 mb "s3://$bucket" >/dev/null
done

size=$(du -sm "$debs" | cut -f1)
printf '%s packages, %s MB, %s cores; moto %s on %s, one request at a time\n\n' "$n" "$size" "$(nproc)" \
	"$("$repo/target/moto-venv/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')" "$endpoint"

# Requests moto has answered so far, one werkzeug log line each. It logs a
# request after answering it: wait until the count stops moving. werkzeug
# colours the lines of non-2xx answers (a HEAD's 404) with ANSI escapes
# inside the quoted request line: tq strips them before reading the method.
requests() {
	local before now
	before=$(grep -c ' HTTP/1\.' "$motolog" || true)
	while sleep 0.3; do
		now=$(grep -c ' HTTP/1\.' "$motolog" || true)
		[ "$now" = "$before" ] && break
		before=$now
	done
	echo "$now"
}
tq() { # label, command...: t, plus the S3 requests it sent (to $work/last-requests) by method
	local label=$1 from to
	shift
	from=$(requests)
	t "$label" "$@"
	to=$(requests)
	echo $((to - from)) >"$work/last-requests"
	((to > from)) || { echo "    no S3 requests"; return; }
	printf '    %d S3 requests (%s)\n' $((to - from)) \
		"$(grep ' HTTP/1\.' "$motolog" | sed -n "$((from + 1)),${to}p" | sed 's/\x1b\[[0-9;]*m//g' |
			awk -F'"' '{ split($2, r, " "); c[r[1]]++ }
			END { s = ""; for (m in c) s = s (s ? ", " : "") m " " c[m]; print s }')"
}
reqs() { cat "$work/last-requests"; }

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
echo "incremental: one package added, suite republished (five times; the median counts)"
median() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
inc_s3=() inc_s3_r=() inc_local=() inc_local_r=() inc_aptly=() inc_aptly_r=()
ks3=(--state s3://aptkit-state/state --public s3://aptkit-public/debian)
klocal=(--state "$work/aptkit-local/state" --public s3://aptkit-local-public/debian)
for deb in "${extras[@]}"; do
	tq "aptkit (S3 state) add + publish update" sh -c "'$aptkit' ${ks3[*]} repo add bench '$deb' && '$aptkit' ${ks3[*]} publish update stable --key '$key' --skip-dependency-check"
	inc_s3+=("$(secs)") inc_s3_r+=("$(reqs)")
done
for deb in "${extras[@]}"; do
	tq "aptkit (local state) add + publish update" sh -c "'$aptkit' ${klocal[*]} repo add bench '$deb' && '$aptkit' ${klocal[*]} publish update stable --key '$key' --skip-dependency-check"
	inc_local+=("$(secs)") inc_local_r+=("$(reqs)")
done
for deb in "${extras[@]}"; do
	tq "aptly repo add + publish update" sh -c "${aptly[*]} repo add bench '$deb' && ${aptly[*]} publish update -skip-signing stable s3:bench:"
	inc_aptly+=("$(secs)") inc_aptly_r+=("$(reqs)")
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

echo
awk -v as="$aptkit_s3" -v asr="$aptkit_s3_r" -v al="$aptkit_local" -v alr="$aptkit_local_r" -v l="$aptly_cold" -v lr="$aptly_cold_r" \
	-v is="$(median "${inc_s3[@]}")" -v isr="$(median "${inc_s3_r[@]}")" \
	-v il="$(median "${inc_local[@]}")" -v ilr="$(median "${inc_local_r[@]}")" \
	-v li="$(median "${inc_aptly[@]}")" -v lir="$(median "${inc_aptly_r[@]}")" 'BEGIN {
	printf "cold (repo add + publish): aptly %.2f s, %d requests (unsigned)\n", l, lr
	printf "  aptkit, both stores on S3:  %.2f s, %d requests -> %.1fx faster than aptly\n", as, asr, l / as
	printf "  aptkit, local state:        %.2f s, %d requests -> %.1fx faster than aptly\n", al, alr, l / al
	printf "incremental (median of 5): aptly %.2f s, %d requests (unsigned)\n", li, lir
	printf "  aptkit, both stores on S3:  %.2f s, %d requests -> %.1fx faster than aptly\n", is, isr, li / is
	printf "  aptkit, local state:        %.2f s, %d requests -> %.1fx faster than aptly\n", il, ilr, li / il
}'
kill "$moto_pid" 2>/dev/null || true
rm -rf "$work"/trash.*
