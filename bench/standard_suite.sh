#!/usr/bin/env bash
# The standard tensord-bench suite on the example models (make models), about 2 minutes:
#   1. a concurrency sweep on mlp over rest-json, rest-binary and grpc;
#   2. saturate -m mlp --max-workers 2, reloading mlp through the model repository API of a
#      tensord in explicit model-control mode.
# Results go to build/bench-results/: per backend mlp-<backend>.{csv,json,perf.csv,png},
# saturate-mlp.{txt,json} and saturate-mlp-{1,2}w.png; a summary is printed.
#   bench/standard_suite.sh            (TENSORD_BIN / TENSORD_BENCH_BIN override the binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
tensord=${TENSORD_BIN:-build/release/server/tensord}
bench=${TENSORD_BENCH_BIN:-build/release/tools/bench/tensord-bench}
out=build/bench-results
for bin in "$tensord" "$bench"; do
  [ -x "$bin" ] || { echo "standard_suite: $bin not built (make build)" >&2; exit 1; }
done
[ -d models/mlp ] || { echo "standard_suite: no models/mlp (make models)" >&2; exit 1; }
mkdir -p "$out"

pid=
log=$(mktemp)
stop_server() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=
}
trap 'stop_server; rm -f "$log"' EXIT

# Starts `tensord serve` on kernel-chosen ports; sets http_port and grpc_port.
start_server() {
  : >"$log"
  "$tensord" serve --model-repository models --http-port 0 --grpc-port 0 "$@" >"$log" 2>&1 &
  pid=$!
  http_port= grpc_port=
  for _ in $(seq 300); do
    http_port=$(sed -n 's/.*serving HTTP on .*:\([0-9]\+\).*/\1/p' "$log" | head -n1)
    grpc_port=$(sed -n 's/.*serving gRPC on .*:\([0-9]\+\).*/\1/p' "$log" | head -n1)
    [ -n "$http_port" ] && [ -n "$grpc_port" ] && return 0
    sleep 0.1
  done
  cat "$log" >&2
  exit 1
}

short=(-p 500 -r 6 --no-progress)
start_server
for backend in rest-json rest-binary grpc; do
  port=$http_port
  [ "$backend" = grpc ] && port=$grpc_port
  echo "== tensord-bench -m mlp --backend $backend --concurrency-range 1:7:2"
  "$bench" -m mlp --backend "$backend" -u "127.0.0.1:$port" --concurrency-range 1:7:2 \
    "${short[@]}" --percentile 99 -f "$out/mlp-$backend.perf.csv" --csv "$out/mlp-$backend.csv" \
    --json "$out/mlp-$backend.json" --plot "$out/mlp-$backend.png"
done
stop_server

start_server --model-control-mode explicit --load-model '*'
echo "== tensord-bench saturate -m mlp --max-workers 2"
"$bench" saturate -m mlp -u "127.0.0.1:$http_port" --max-workers 2 --max-concurrency 32 \
  "${short[@]}" --json "$out/saturate-mlp.json" --plot "$out/saturate-mlp.png" |
  tee "$out/saturate-mlp.txt"
stop_server

echo "== standard suite results in $out/:"
ls "$out"
