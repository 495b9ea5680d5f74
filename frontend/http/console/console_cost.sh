#!/usr/bin/env bash
# The console's cost with no page open: add_sub over REST JSON with wrk, tensord with the
# console on (default) and with --console=false, runs interleaved, median of RUNS.
#   frontend/http/console/console_cost.sh [SECONDS] [RUNS] [CONCURRENCY]   (after make build models)
set -euo pipefail
cd "$(dirname "$0")/../../.."
seconds=${1:-3}; runs=${2:-3}; c=${3:-16}
body=examples/add_sub-request.json
start() {
  local log=$1; shift
  build/release/server/tensord serve --model-repository models --http-port 0 --grpc-port 0 --metrics-port 0 "$@" >"$log" 2>&1 &
  echo $!
}
loga=$(mktemp); logb=$(mktemp)
pa=$(start "$loga"); pb=$(start "$logb" --console=false)
trap 'kill $pa $pb 2>/dev/null; wait $pa $pb 2>/dev/null; rm -f "$loga" "$logb"' EXIT
port() { for _ in $(seq 100); do p=$(sed -n 's/.*serving HTTP on .*:\([0-9]\+\).*/\1/p' "$1" | head -n1); [ -n "$p" ] && { echo $p; return; }; sleep 0.1; done; cat "$1" >&2; exit 1; }
porta=$(port "$loga"); portb=$(port "$logb")
curl -sf "http://127.0.0.1:$porta/" >/dev/null   # the console is there ...
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$portb/")" = 404 ]  # ... and off
declare -a on off on_cpu off_cpu
for r in $(seq "$runs"); do
  order="on off"; [ $((r % 2)) = 0 ] && order="off on"   # alternate who goes first
  for which in $order; do
    [ $which = on ] && { p=$porta; pid=$pa; } || { p=$portb; pid=$pb; }
    t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
    out=$(BODY_FILE="$body" wrk -t1 -c"$c" -d"${seconds}s" -s bench/post.lua "http://127.0.0.1:$p" /v2/models/add_sub/infer | grep '^RESULT')
    t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
    rps=$(echo "$out" | sed -n 's/^RESULT rps=\([0-9.]*\).*/\1/p')
    n=$(echo "$out" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
    cpu=$(awk -v a=$t0 -v b=$t1 -v n=$n -v hz=$(getconf CLK_TCK) 'BEGIN {printf "%.1f", (b - a) / hz * 1e6 / n}')
    [ $which = on ] && { on+=("$rps"); on_cpu+=("$cpu"); } || { off+=("$rps"); off_cpu+=("$cpu"); }
  done
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "console on  (default):         req/s ${on[*]} median $(median "${on[@]}"); server CPU us/req ${on_cpu[*]} median $(median "${on_cpu[@]}")"
echo "console off (--console=false): req/s ${off[*]} median $(median "${off[@]}"); server CPU us/req ${off_cpu[*]} median $(median "${off_cpu[@]}")"
