#!/usr/bin/env bash
# malloc calls per request of tensord's REST and gRPC infer paths on add_sub (issue 12):
#   bench/count_mallocs.sh [TENSORD_BINARY [GRPC_FLOOR_BINARY]]
# Counts with an LD_PRELOAD wrapper (bench/malloc_counter.c) read before and after a fixed
# load; a warm-up load first, so lazily built state is not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/server/tensord}
floor=${2:-build/release/bench/grpc_floor/grpc_floor_server}
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
gcc -shared -fPIC -O2 -o "$tmp/counter.so" bench/malloc_counter.c
/usr/bin/python3 bench/grpc_body.py examples/add_sub-request.json add_sub "$tmp/request.grpc"
LD_PRELOAD="$tmp/counter.so" "$bin" serve --model-repository models --http-port 0 \
  --grpc-port 0 --metrics-port 0 >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "serving gRPC" "$tmp/log" && break; sleep 0.1; done
http=$(sed -n 's/.*serving HTTP on [^ ]*:\([0-9]\+\).*/\1/p' "$tmp/log" | head -n1)
grpc=$(sed -n 's/.*serving gRPC on [^ ]*:\([0-9]\+\).*/\1/p' "$tmp/log" | head -n1)
count() { kill -USR2 "$pid"; sleep 0.3; grep MALLOCS "$tmp/log" | tail -n1 | awk '{print $2}'; }
rest() { BODY_FILE=examples/add_sub-request.json wrk -t1 -c4 "-d$1s" -s bench/post.lua \
           "http://127.0.0.1:$http" /v2/models/add_sub/infer | sed -n 's/^RESULT.*requests=//p'; }
grpc_load() { h2load -c1 -m4 -n "$1" -H 'content-type: application/grpc' -H 'te: trailers' \
                -d "$tmp/request.grpc" \
                "http://127.0.0.1:$grpc/inference.GRPCInferenceService/ModelInfer" >/dev/null; }
rest 1 >/dev/null
before=$(count); n=$(rest 2); after=$(count)
echo "REST JSON: $(( (after - before) / n )) mallocs per request ($n requests)"
grpc_load 2000
before=$(count); grpc_load 10000; after=$(count)
echo "gRPC raw:  $(( (after - before) / 10000 )) mallocs per request (10000 requests)"
kill "$pid"; wait "$pid" 2>/dev/null || true

# The same for bench/grpc_floor: grpc++ alone, echoing the inputs (what gRPC itself costs),
# then running add_sub in ONNX Runtime (what gRPC and the model's run cost, tensord aside).
floor_count() {
  LD_PRELOAD="$tmp/counter.so" "$floor" --port 0 "$@" >"$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q "serving gRPC" "$tmp/log" && break; sleep 0.1; done
  grpc=$(sed -n 's/.*serving gRPC on [^ ]*:\([0-9]\+\).*/\1/p' "$tmp/log" | head -n1)
  grpc_load 2000
  before=$(count); grpc_load 10000; after=$(count)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  grep -q "failed 0" "$tmp/log" || { echo "the floor failed requests:"; cat "$tmp/log"; exit 1; }
  echo $(( (after - before) / 10000 ))
}
echo "gRPC floor (grpc++ alone): $(floor_count) mallocs per request"
echo "gRPC floor + ONNX Runtime: $(floor_count --onnx models/add_sub/model.onnx) mallocs per request"
