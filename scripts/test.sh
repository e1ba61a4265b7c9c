#!/usr/bin/env bash
# Runs every check CI runs: formatting, clippy with warnings denied, all Rust tests, a bounded run
# of each fuzz target (fuzz/), doc tests, docs, the UI tests in Chromium (Playwright) and the
# end-to-end test of the real app window (tauri-driver + WebKitWebDriver under Xvfb) against a
# real server.
# Safe to run again and again on a fresh Debian machine: it installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust_tools
apt_ensure "${APP_BUILD_PACKAGES[@]}" "${APP_TEST_PACKAGES[@]}"
ensure_tauri_driver
# The app embeds ui/dist at compile time, so the UI is built before anything Rust.
ui_build
step "examples/js: npm ci (the JavaScript client that crates/cli/tests/js_client.rs runs against a real server)"
(cd examples/js && npm ci --no-audit --no-fund --loglevel=error)
pg_start
# Stop the test cluster when done, unless a developer keeps it running between runs.
[ "${CAREBOOK_KEEP_PG:-}" = 1 ] || trap pg_stop EXIT

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests (cargo nextest)"
cargo nextest run --workspace --locked --no-fail-fast

step "fuzz targets, bounded runs from the seeds and regression fixtures (cargo-fuzz, libFuzzer)"
fuzz_run

step "sync benchmark, short bounded run (gates on counts and bytes only: 1 change = 1 document at every size, access changes, byte-bounded pages, 0 errors, 0 lost; both backends)"
cargo run --quiet --locked -p carebook-bench --bin sync-bench -- --quick

step "doc tests"
cargo test --workspace --doc --locked

step "cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "UI tests: Playwright in Chromium against the UI with the Tauri IPC mocked (screenshots in docs/screenshots with CAREBOOK_SCREENSHOTS=1)"
(cd ui && npm test)

step "end-to-end: the real app under Xvfb via tauri-driver, against a real server"
cargo build --quiet --locked -p carebook-cli -p carebook-app
xvfb-run -a node --test ui/tests/e2e/app.e2e.mjs

step "all checks passed"
