#!/usr/bin/env bash
# The whole test suite: install the tools the tests check against, then run
# every test of every crate (unit, library and end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-tools.sh
# The e2e tests build the aptkit binary themselves; building it here first
# keeps compiler output out of the test log.
cargo build --workspace --all-targets --locked
cargo test --workspace --locked "$@"
