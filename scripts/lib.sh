# Shared helpers for scripts/*.sh (sourced, not run).

step() { printf '\n==> %s\n' "$*"; }

# Debian packages, installed only when missing (apt-get update runs once, only if needed).
apt_ensure() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  step "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_rust_tools() {
  command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
  cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
  cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
  cargo nextest --version >/dev/null 2>&1 || cargo install --locked cargo-nextest
  cargo fuzz --version >/dev/null 2>&1 || cargo install --locked cargo-fuzz
}

# The fuzz targets (fuzz/, cargo-fuzz + libFuzzer), each for a bounded time: CAREBOOK_FUZZ_SECONDS
# (default 20) or CAREBOOK_FUZZ_RUNS inputs (default 1,000,000), whichever comes first. Each run
# first executes every seed (fuzz/seeds/<target>) and every input that once crashed the target
# (fuzz/regressions/<target>), then mutates them; what it learns goes to a temporary corpus, so
# the tree stays clean. A crash, an input slower than 10 s or one needing more than 2 GiB fails
# the step; libFuzzer leaves the input in fuzz/artifacts/<target>/ (keep it in
# fuzz/regressions/<target>/ once the cause is fixed).
# Stable Rust: `--sanitizer none` needs no nightly flag (the code is safe Rust; AddressSanitizer
# would need RUSTC_BOOTSTRAP=1). The fuzz build takes other flags than the workspace's, so it has
# its own target dir: $CARGO_TARGET_DIR/fuzz (or target/fuzz).
fuzz_run() {
  local target_dir; target_dir="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"
  local secs="${CAREBOOK_FUZZ_SECONDS:-20}" runs="${CAREBOOK_FUZZ_RUNS:-1000000}"
  local corpus rc=0; corpus=$(mktemp -d)
  (
    cd fuzz
    export CARGO_TARGET_DIR="$target_dir"
    cargo fmt --check
    cargo fuzz build --sanitizer none
    for t in $(cargo fuzz list); do
      local dirs=("seeds/$t"); [ -d "regressions/$t" ] && dirs+=("regressions/$t")
      mkdir -p "$corpus/$t"
      local start=$SECONDS
      if ! cargo fuzz run --sanitizer none "$t" "$corpus/$t" "${dirs[@]}" -- \
        -max_total_time="$secs" -runs="$runs" -timeout=10 -rss_limit_mb=2048 >"$corpus/$t.log" 2>&1; then
        cat "$corpus/$t.log"
        echo "fuzz target $t failed: the input is in fuzz/artifacts/$t/" >&2
        exit 1
      fi
      echo "fuzz $t: $(grep -Eo 'Done [0-9]+ runs' "$corpus/$t.log" | tail -n 1) in $((SECONDS - start)) s, no crash"
    done
  ) || rc=$?
  rm -rf "$corpus"
  return $rc
}

# A throwaway PostgreSQL cluster for the tests on 127.0.0.1 (port CAREBOOK_PG_PORT, default 55432),
# trust auth, fsync off. Exports CAREBOOK_TEST_PG_URL. Reuses a cluster that is already running.
pg_start() {
  apt_ensure postgresql
  local bindir; bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local port="${CAREBOOK_PG_PORT:-55432}"
  local dir="${CAREBOOK_PG_DIR:-/tmp/carebook-test-pg-$port}"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi
  if ! "${as[@]}" "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    step "starting PostgreSQL on 127.0.0.1:$port"
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    "${as[@]}" "$bindir/initdb" -D "$dir" -U carebook --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    "${as[@]}" "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
  fi
  export CAREBOOK_TEST_PG_URL="postgres://carebook@127.0.0.1:$port/postgres"
  export CAREBOOK_REQUIRE_PG=1
}

pg_stop() {
  local bindir; bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  local port="${CAREBOOK_PG_PORT:-55432}"
  local dir="${CAREBOOK_PG_DIR:-/tmp/carebook-test-pg-$port}"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi
  [ -n "$bindir" ] && "${as[@]}" "$bindir/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
}

# What the Tauri app needs to build (WebKitGTK and friends) and the UI to build (Node, npm).
APP_BUILD_PACKAGES=(pkg-config libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libsoup-3.0-dev fonts-noto-cjk)
# What the UI and app tests need on top: Chromium for Playwright, WebKitWebDriver + Xvfb for the
# real app window.
# Exports are read back by real readers: LibreOffice (headless) opens the CSV and the workbook,
# Python's csv module reads the CSV in both encodings, poppler (pdftotext, pdftoppm) the PDF.
APP_TEST_PACKAGES=(chromium webkit2gtk-driver xvfb xauth libreoffice-calc-nogui python3 poppler-utils)

ensure_node() {
  command -v npm >/dev/null || apt_ensure nodejs npm
}

# Installs the UI's npm packages exactly as package-lock.json pins them (`npm ci`: the lock file is never rewritten) and builds ui/dist, which the app embeds.
ui_build() {
  ensure_node
  step "ui: npm ci and build"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
}

ensure_tauri_driver() {
  command -v tauri-driver >/dev/null || { step "installing tauri-driver"; cargo install --locked tauri-driver; }
}

# Waits until something listens on 127.0.0.1:$1 (at most 60 s).
wait_port() {
  for _ in $(seq 1 600); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing is listening on port $1" >&2
  return 1
}
