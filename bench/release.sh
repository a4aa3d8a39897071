#!/usr/bin/env bash
# Benchmark: a no-op `aptkit release` (every build cached, nothing changed)
# of the example project — release 1.3.0 and one nightly for its three
# distros, nine suites — with both stores on one moto S3 server (requests
# counted from moto's log) and with local stores; then the same no-op after
# N generated packages were added to one of the suites, to show that its
# cost follows the distros and suites, not the packages in the pool. Beside
# it, in the same run, aptly doing the least a release job built on it does
# when nothing changed: `aptly publish update` of the same nine suites to
# the same moto server. Ends with the steps a person takes to recover from
# a failure at each point of one version's release, by hand in the HHVM
# farm's procedure and with aptkit (counted, not timed). Not part of the
# test suite.
#
#   bench/release.sh             # N=2000 extra packages of 100 KiB in bookworm
#   N=200 bench/release.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
n=${N:-2000}
kib=${SIZE_KIB:-100}
work=${BENCH_DIR:-$repo/target/bench/release}
command -v aptly >/dev/null || { apt-get update -qq && apt-get install -y -qq aptly >/dev/null; }
rm -rf "$work/project" "$work/local" "$work/aptly" "$work/out" "$work/moto.log"
# shellcheck source=common.sh
. "$repo/bench/common.sh"
# shellcheck source=moto.sh
. "$repo/bench/moto.sh"
for bucket in rel-state rel-public aptly; do aws s3 mb "s3://$bucket" >/dev/null; done
key=$repo/keys-example/ed25519.asc
nightly=2026.12.02

# The example as a git repository with tag v1.3.0 (fixed dates: the same
# bytes every run), its three distros compiled on the host.
project=$work/project
cp -r "$repo/testdata/hello" "$project"
export GIT_AUTHOR_DATE=2026-12-01T12:00:00Z GIT_COMMITTER_DATE=2026-12-01T12:00:00Z
git -C "$project" init -q
git -C "$project" add -A
git -C "$project" -c user.name=bench -c user.email=bench@example.invalid commit -q -m hello
git -C "$project" -c user.name=bench -c user.email=bench@example.invalid tag -a -m 1.3.0 v1.3.0
distros=$(find "$project/distros" -mindepth 1 -maxdepth 1 -type d | wc -l)

s3=(--state s3://rel-state/state --public s3://rel-public/apt)
local_stores=(--state "$work/local/state" --public "$work/local/public")
release() { # stores...: the release of $nightly and 1.3.0
	echo "'$aptkit' $* release $nightly 1.3.0 --git '$project' --engine none --skip-dependency-check --quiet --key '$key' --out '$work/out' --log-dir '$work/out/logs'"
}
median() { printf '%s\n' "$@" | sort -n | sed -n 3p; } # of five
noop() { # label, stores...: five no-op releases; "median-seconds median-requests" to $work/noop
	local label=$1 s=() r=()
	shift
	for _ in 1 2 3 4 5; do
		tq "$label" sh -c "$(release "$@")"
		s+=("$(secs)") r+=("$(reqs)")
	done
	echo "$(median "${s[@]}") $(median "${r[@]}")" >"$work/noop"
}

printf '%s distros, 2 versions, %s suites; %s extra packages of %s KiB; %s cores; moto on %s\n\n' \
	"$distros" $((3 * distros)) "$n" "$kib" "$(nproc)" "$endpoint"
tq "aptkit release, cold (S3 stores)" sh -c "$(release "${s3[@]}")"
tq "aptkit release, cold (local stores)" sh -c "$(release "${local_stores[@]}")"
echo
noop "aptkit release, no-op (S3 stores)" "${s3[@]}"
read -r s3_small s3_small_r <"$work/noop"
noop "aptkit release, no-op (local stores)" "${local_stores[@]}"
read -r local_small _ <"$work/noop"

# N more packages in the bookworm suite (its repo is release-bookworm),
# published, then the no-op again: the same requests.
echo
tq "aptkit repo add $n packages to release-bookworm" "$aptkit" "${s3[@]}" repo add release-bookworm "$debs"
tq "aptkit publish update bookworm" "$aptkit" "${s3[@]}" publish update bookworm --key "$key" --skip-dependency-check
"$aptkit" "${local_stores[@]}" repo add release-bookworm "$debs" >/dev/null
"$aptkit" "${local_stores[@]}" publish update bookworm --key "$key" --skip-dependency-check >/dev/null
noop "aptkit release, no-op, +$n packages (S3)" "${s3[@]}"
read -r s3_big s3_big_r <"$work/noop"
noop "aptkit release, no-op, +$n packages (local)" "${local_stores[@]}"
read -r local_big _ <"$work/noop"

# aptly: the same suites from the same .debs (+N in bookworm), published
# to the same moto server; then the no-op: each suite republished.
echo
root=$work/aptly
mkdir -p "$root"
cat >"$root.conf" <<CONF
{ "rootDir": "$root", "architectures": ["amd64"],
  "S3PublishEndpoints": { "bench": { "region": "us-east-1", "bucket": "aptly", "endpoint": "$endpoint",
    "awsAccessKeyID": "test", "awsSecretAccessKey": "test", "prefix": "apt", "acl": "none",
    "forceSigV2": false, "disableMultiDel": false } } }
CONF
aptly=(aptly -config="$root.conf")
suites=()
for dir in "$work/out/$nightly"/*/ "$work/out/1.3.0"/*/; do
	version=$(basename "$(dirname "$dir")") distro=$(basename "$dir")
	codename=$(cat "$project/distros/$distro/DISTRIBUTION")
	if [ "$version" = "$nightly" ]; then targets=("$codename-nightly"); else targets=("$codename" "$codename-1.3"); fi
	for suite in "${targets[@]}"; do
		"${aptly[@]}" repo create "$suite" >/dev/null 2>&1 || true
		"${aptly[@]}" repo add "$suite" "$dir" >/dev/null
		suites+=("$suite")
	done
done
"${aptly[@]}" repo add bookworm "$debs" >/dev/null
for suite in "${suites[@]}"; do
	"${aptly[@]}" publish repo -skip-signing -distribution="$suite" "$suite" s3:bench: >/dev/null
done
s=() r=()
for _ in 1 2 3 4 5; do
	tq "aptly publish update, ${#suites[@]} suites (no change)" sh -c \
		"for s in ${suites[*]}; do ${aptly[*]} publish update -skip-signing \$s s3:bench: || exit 1; done"
	s+=("$(secs)") r+=("$(reqs)")
done
aptly_noop=$(median "${s[@]}") aptly_noop_r=$(median "${r[@]}")

echo
printf '%-44s %8s %8s\n' "no-op release (median of 5)" seconds requests
printf '%-44s %8.2f %8d\n' "aptly publish update of the ${#suites[@]} suites (S3)" "$aptly_noop" "$aptly_noop_r"
printf '%-44s %8.2f %8d   %.1fx aptly\n' "aptkit release (S3 stores)" "$s3_small" "$s3_small_r" "$(echo "$aptly_noop / $s3_small" | bc -l)"
printf '%-44s %8.2f %8d\n' "aptkit release, +$n packages (S3 stores)" "$s3_big" "$s3_big_r"
printf '%-44s %8.2f %8s\n' "aptkit release (local stores)" "$local_small" -
printf '%-44s %8.2f %8s\n' "aptkit release, +$n packages (local stores)" "$local_big" -
echo "(aptly republishes unsigned and rebuilds nothing: the least a pipeline on it does; aptkit also checks every build's"
echo " cache entry, byte for byte, and the journal)"

# Recovering from a failure during one version's release: the steps a
# person runs by hand. The farm's are from its own runbook (resuming a
# failed run "isn't supported": delete the artifacts and start again, or
# invoke each remaining lambda by hand); aptkit's is one command.
cat <<'TABLE'

recovering from a failure at...          HHVM farm (by hand)                              aptkit
  one distro's build                     delete its artifacts, rerun the whole run (1+all  1: --resume (rebuilds that distro only)
                                         builds again) or invoke build + publish lambdas
  the publish of the 2nd distro          invoke publish lambda per remaining distro, then  1: --resume
                                         the purge lambda (2 + remaining)
  the CDN purge                          invoke the purge lambda (1), after finding which  1: --resume (the same CallerReference:
                                         paths changed                                        never purges twice)
TABLE
kill "$moto_pid" 2>/dev/null || true
