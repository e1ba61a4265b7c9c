#!/usr/bin/env bash
# Runs every check CI runs: formatting, clippy with warnings denied, all tests, doc tests, docs.
# Safe to run again and again on a fresh Debian machine: it installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust_tools
pg_start
# Stop the test cluster when done, unless a developer keeps it running between runs.
[ "${CAREBOOK_KEEP_PG:-}" = 1 ] || trap pg_stop EXIT

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests (cargo nextest)"
cargo nextest run --workspace --locked --no-fail-fast

step "sync benchmark, short bounded run (asserts 0 errors, 0 lost, flat incremental cost; both backends)"
cargo run --quiet --locked -p carebook-bench --bin sync-bench -- --quick

step "doc tests"
cargo test --workspace --doc --locked

step "cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "all checks passed"
