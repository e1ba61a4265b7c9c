#!/usr/bin/env bash
# Runs Carebook: seeds a data folder with fictional demo data (once) and shows each child's
# remaining respite hours. Pass a data folder as the first argument to use another one.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust_tools
data_dir="${1:-$PWD/demo-data}"
step "building carebook"
cargo build --quiet --locked -p carebook-cli
step "demo data in $data_dir"
./target/debug/carebook --data-dir "$data_dir" demo
echo
echo "Try: ./target/debug/carebook --data-dir $data_dir child list"
echo "     ./target/debug/carebook --data-dir $data_dir visit list --json"
