#!/usr/bin/env bash
# Runs Carebook: builds the app, starts a local server (embedded SQLite) seeded once with
# fictional demo data (a station, nurses, a parent, office staff, children, a fiscal year of
# visits), and opens the app logged in as the demo nurse. `scripts/run.sh parent`,
# `scripts/run.sh office` or `scripts/run.sh coordinator` opens it as the demo parent, office or
# coordinator instead. Data lives in ./demo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

role="${1:-nurse}"
case "$role" in nurse | parent | office | coordinator) ;; *) echo "usage: scripts/run.sh [nurse|parent|office|coordinator]" >&2; exit 2 ;; esac

ensure_rust_tools
apt_ensure "${APP_BUILD_PACKAGES[@]}"
ui_build
step "building carebook and the app"
cargo build --quiet --locked -p carebook-cli -p carebook-app

cb=./target/debug/carebook
demo="$PWD/demo"
db="sqlite://$demo/server/server.sqlite"
port="${CAREBOOK_DEMO_PORT:-8787}"
url="http://127.0.0.1:$port"
mkdir -p "$demo/server"

# Demo accounts (fictional), all with the one demo password: the password rule refuses an
# account's own name (carebook_domain::password). A demo made before that rule is made again.
demo_password="kakuu-mihon-2026"
# The CLI's device stores (the seeding devices) are encrypted under this fictional passphrase;
# the app's is the demo PIN below.
export CAREBOOK_PASSPHRASE="kakuu-mihon-passphrase"
demo_pin="1234"
new_db=0
# A seeding that did not finish starts again from scratch.
[ -f "$demo/.seeded-v5" ] || rm -rf "$demo/server" "$demo/seed" "$demo/seed-coordinator" "$demo"/app-*
mkdir -p "$demo/server"
if [ ! -f "$demo/server/server.sqlite" ]; then
  new_db=1
  step "demo accounts"
  $cb --data-dir "$demo/server" server org add --id demo-st1 --kind station --name 架空訪問看護ステーション --database "$db" >/dev/null
  $cb --data-dir "$demo/server" server org add --id demo-st2 --kind station --name 架空みらい訪問看護ステーション --database "$db" >/dev/null
  # account:role:station:name:kana:profession (names fictional: 見本, 架空)
  for spec in "mihon-nurse:nurse:demo-st1:見本 花子:みほん はなこ:nurse" \
    "mihon-nurse2:nurse:demo-st1:見本 葉子:みほん ようこ:nurse" \
    "mihon-parent:parent:demo-st1:架空 一郎:かくう いちろう:" \
    "mihon-office:office:demo-st1:見本 事務子:みほん じむこ:" \
    "mihon-coordinator:coordinator:demo-st1:見本 調整子:みほん ちょうせいこ:" \
    "mihon-mirai:nurse:demo-st2:架空 未来:かくう みらい:nurse"; do
    # (not `role`: that is the role to open the app as)
    IFS=: read -r user account_role org name kana profession <<<"$spec"
    echo "$demo_password" | $cb --data-dir "$demo/server" server user add --username "$user" --role "$account_role" --org "$org" \
      --name "$name" --kana "$kana" ${profession:+--profession "$profession"} --database "$db" >/dev/null
  done
fi

step "starting the demo server on $url"
# The demo accounts (fictional, one shared password) sign in without a second factor.
CAREBOOK_REQUIRE_SECOND_FACTOR=false $cb --data-dir "$demo/server" server start --listen "127.0.0.1:$port" --database "$db" 2>"$demo/server/server.log" &
server_pid=$!
trap 'kill -TERM $server_pid 2>/dev/null; wait $server_pid 2>/dev/null || true' EXIT
wait_port "$port"

if [ "$new_db" = 1 ]; then
  step "demo records: a fiscal year of visits, sent to the server by the office's device"
  rm -rf "$demo/seed"
  # Logged in and synced first, so the demo's handover visit is signed by the two stations'
  # real demo nurses (from the directory) and the office can transfer the child after it.
  echo "$demo_password" | $cb --data-dir "$demo/seed" login --server "$url" --user mihon-office >/dev/null
  $cb --data-dir "$demo/seed" sync >/dev/null
  $cb --data-dir "$demo/seed" demo >/dev/null
  $cb --data-dir "$demo/seed" sync >/dev/null
  first_child=$($cb --data-dir "$demo/seed" child list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  $cb --data-dir "$demo/server" server user assign --user mihon-parent --child "$first_child" --database "$db" >/dev/null
  # The coordinator's work for the first child this fiscal year, and a regional meeting.
  rm -rf "$demo/seed-coordinator"
  echo "$demo_password" | $cb --data-dir "$demo/seed-coordinator" login --server "$url" --user mihon-coordinator >/dev/null
  today=$(TZ=Asia/Tokyo date +%F)
  for work in "120:7000:consultation" "180:10500:liaison"; do
    IFS=: read -r minutes cost kind <<<"$work"
    $cb --data-dir "$demo/seed-coordinator" coordinator work --station demo-st1 --child "$first_child" --date "$today" \
      --minutes "$minutes" --cost-yen "$cost" --kind "$kind" --note 架空の記録 >/dev/null
  done
  $cb --data-dir "$demo/seed-coordinator" coordinator meeting --station demo-st1 --date "$today" --kind meeting \
    --title "架空 地域の協議の場" --cost-yen 150000 >/dev/null
  touch "$demo/.seeded-v5"
fi
# The demo station's canned phrases (定型文, generic sentences), published by the office's
# device; also into a demo seeded before phrases existed.
if [ ! -f "$demo/.phrases-v1" ]; then
  step "demo canned phrases of demo-st1"
  if $cb --data-dir "$demo/seed" phrases publish scripts/demo-phrases.json >/dev/null; then
    touch "$demo/.phrases-v1"
  else
    echo "the demo phrases were not published (the seeding device may need to log in again); the demo goes on without them" >&2
  fi
fi

app_dir="$demo/app-$role"
if [ ! -f "$app_dir/carebook.sqlite" ]; then
  # Signed in ahead, with the demo PIN wrapping the app's key.
  echo "$demo_password" | CAREBOOK_PASSPHRASE="$demo_pin" $cb --data-dir "$app_dir" login --server "$url" --user "mihon-$role" >/dev/null
fi

hint="見本アカウント（パスワードはどれも $demo_password）: 看護師 mihon-nurse / 保護者 mihon-parent / 事務 mihon-office / コーディネーター mihon-coordinator。保護者で開く: scripts/run.sh parent、事務で開く: scripts/run.sh office、コーディネーターで開く: scripts/run.sh coordinator"
echo
echo "Carebook を見本の${role}として開きます（PIN は見本の $demo_pin）。"
echo "保護者として開く: scripts/run.sh parent    事務として開く: scripts/run.sh office    コーディネーターとして開く: scripts/run.sh coordinator"
echo "Opening Carebook as the demo $role (the demo PIN is $demo_pin). As the parent: scripts/run.sh parent; as the office: scripts/run.sh office; as the coordinator: scripts/run.sh coordinator."
CAREBOOK_DATA_DIR="$app_dir" CAREBOOK_SERVER_URL="$url" CAREBOOK_DEMO_HINT="$hint" ./target/debug/carebook-app
