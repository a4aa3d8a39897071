#!/usr/bin/env bash
# The whole test suite: install the tools the tests check against, check
# formatting (rustfmt) and lints (clippy, warnings are errors), then run
# every test of every crate (unit, library and end-to-end), and close with
# one summary line over all test binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-tools.sh
# Formatting and lints first: they take a minute and fail fast.
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The e2e tests build the aptkit binary themselves; building it here first
# keeps compiler output out of the test log.
cargo build --workspace --all-targets --locked
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --all-targets --locked "$@" 2>&1 | tee "$log" || status=$?
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
