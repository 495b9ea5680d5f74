#!/usr/bin/env bash
# Round-trip rate of the REST JSON path on one example model, at concurrency 1 and 64,
# measured with wrk on this machine. Prints the median of RUNS runs per concurrency.
#   bench/rest_roundtrip.sh [MODEL] [SECONDS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-add_sub}
seconds=${2:-5}
runs=${3:-3}
body="examples/${model}-request.json"
[ -f "$body" ] || { echo "no $body" >&2; exit 1; }
log=$(mktemp)
build/release/server/tensord serve --model-repository models --http-port 0 --grpc-port 0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
  port=$(sed -n 's/.*serving HTTP on .*:\([0-9]\+\).*/\1/p' "$log" | head -n1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$log" >&2; exit 1; }
url="http://127.0.0.1:$port"
curl -sf "$url/v2/models/$model/infer" -d @"$body" >/dev/null
echo "model=$model body=$(stat -c %s "$body")B seconds=$seconds runs=$runs cores=$(nproc)"
for c in 1 64; do
  results=()
  for _ in $(seq "$runs"); do
    line=$(BODY_FILE="$body" wrk -t1 -c"$c" -d"${seconds}s" -s bench/post.lua "$url" \
           "/v2/models/$model/infer" | grep '^RESULT')
    results+=("$line")
  done
  printf '%s\n' "${results[@]}" | sort -t= -k2 -n | sed -n "$(( (runs + 1) / 2 ))p" |
    sed "s/^RESULT/concurrency=$c median:/"
done
