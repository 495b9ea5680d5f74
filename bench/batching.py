#!/usr/bin/python3
"""Adaptive batching and parallel workers, end to end, measured with wrk (closed loop).

    /usr/bin/python3 bench/batching.py [--seconds 5] [--runs 3] [--quick]
                                       [--server-cpus 0-1 --client-cpus 2-7 --client-threads 4]
                                       [--pin auto]

Generates an MLP 256->1024->1024->10 (Debian's python3-onnx, fixed seed) into a temporary
model repository, starts build/release/server/tensord (or $TENSORD_BIN) on it, and drives
it with `wrk -t2 -c32` (one row per request, JSON). Each number is the median of --runs
runs; every comparison is a ratio measured in the same process lifetime, so machine speed
cancels out. Reported:
  1. batching: max_batch_size 32 / max_batch_time 0.002 vs batching off (issue 4 expects
     >= 2.5x throughput), with p50/p99 of both;
  2. workers: 2 instances vs 1, intra-op 1 thread each, no batching (expects >= 1.6x on 2
     cores), and 4 instances (more than the cores: should not collapse);
  3. latency at concurrency 1 (below saturation): p50 with 2 workers vs 1 (expects ~1x).
Prints the machine state (cores, load average) first. Do not run it while others compile.
Unpinned, on a 2-core machine, wrk shares the server's cores and caps the gains by its own
cost; with --server-cpus/--client-cpus (bench/pinning.py) each gets its own cores, and
--pin auto chooses them on a machine of 6 or more CPUs (make bench passes it).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "scripts"))
from make_models import onnx_models as m  # noqa: E402
from pinning import add_arguments, describe, from_arguments, pin  # noqa: E402

SIZES = [256, 1024, 1024, 10]
RESULT = re.compile(r"RESULT rps=([\d.]+) p50_us=(\d+) p99_us=(\d+) non2xx=(\d+) errors=(\d+)"
                    r"(?: requests=(\d+))?")
SERVING = re.compile(r"serving HTTP on \S+:(\d+)")
SERVER_PID = None  # the tensord being measured (main sets it)
SERVER_CPUS = None  # --server-cpus (main sets it)
CLIENT_CPUS = None  # --client-cpus
CLIENT_THREADS = 2  # the most wrk threads (--client-threads)


def write_repository(root):
    model = m.mlp("mlp", SIZES, seed=7)
    tensors = {"inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, SIZES[0]]}]}

    def mlserver(name, **settings):
        folder = os.path.join(root, name)
        m.save(model, os.path.join(folder, "model.onnx"))
        m.write_model_settings(folder, {"name": name, **settings,
                                        "parameters": {"uri": "./model.onnx"}, **tensors})

    mlserver("mlp_batched", max_batch_size=32, max_batch_time=0.002)
    mlserver("mlp_unbatched")
    for workers in (1, 2, 4):
        mlserver(f"mlp_w{workers}", parallel_workers=workers)


def start_server(binary, repository, extra_flags):
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    process = subprocess.Popen(
        [binary, "serve", "--model-repository", repository, "--http-port", "0",
         "--grpc-port", "0", "--intra-op-threads", "1", *extra_flags],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        preexec_fn=pin(SERVER_CPUS))
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(log.name) as f:
            found = SERVING.search(f.read())
        if found:
            return process, int(found.group(1)), log.name
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    with open(log.name) as f:
        sys.exit(f"tensord did not start:\n{f.read()}")


def write_body(folder):
    path = os.path.join(folder, "body.json")
    values = [round(0.001 * (i % 100), 3) for i in range(SIZES[0])]
    with open(path, "w") as f:
        json.dump({"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, SIZES[0]],
                               "data": values}]}, f)
    return path


def wrk(url, model, body, concurrency, seconds):
    threads = min(CLIENT_THREADS, concurrency)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "-s",
         os.path.join(REPO_ROOT, "bench", "post.lua"), url, f"/v2/models/{model}/infer"],
        env={**os.environ, "BODY_FILE": body}, capture_output=True, text=True, check=True,
        preexec_fn=pin(CLIENT_CPUS))
    found = RESULT.search(out.stdout)
    if not found:
        sys.exit(f"no RESULT line from wrk:\n{out.stdout}\n{out.stderr}")
    rps, p50, p99, non2xx, errors, requests = found.groups()
    if int(non2xx) or int(errors):
        sys.exit(f"{model}: {non2xx} non-2xx responses, {errors} errors")
    return {"rps": float(rps), "p50_us": int(p50), "p99_us": int(p99),
            "requests": int(requests) if requests else round(float(rps) * seconds)}


def cpu_seconds(pid):
    """User + system CPU seconds of process `pid` (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_run(url, model, body, concurrency, seconds, runs):
    """Median of `runs` runs by req/s, with the server's CPU per request (median too): on a
    machine the load generator shares, the server's own cost is the steadier number."""
    results = []
    for _ in range(runs):
        before = cpu_seconds(SERVER_PID)
        result = wrk(url, model, body, concurrency, seconds)
        result["cpu_us"] = (cpu_seconds(SERVER_PID) - before) * 1e6 / max(1, result["requests"])
        results.append(result)
    cpu_us = sorted(r["cpu_us"] for r in results)[len(results) // 2]
    results.sort(key=lambda r: r["rps"])
    result = dict(results[len(results) // 2], cpu_us=cpu_us)
    print(f"  {model:14s} c={concurrency:<3d} {result['rps']:9.0f} req/s  "
          f"p50 {result['p50_us'] / 1000:7.2f} ms  p99 {result['p99_us'] / 1000:7.2f} ms  "
          f"server CPU {cpu_us:6.1f} us/request", flush=True)
    return result


def stats(url, model):
    """Triton's statistics extension, when the server has it (a later issue)."""
    try:
        with urllib.request.urlopen(f"{url}/v2/models/{model}/stats", timeout=5) as response:
            body = json.load(response)
        inference = body["model_stats"][0]
        return inference.get("inference_count", 0), inference.get("execution_count", 0)
    except Exception:  # noqa: BLE001 - optional information only
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 run of 2 s (smoke test)")
    parser.add_argument("--http-threads", type=int, default=1, help="tensord --http-threads")
    parser.add_argument("--only", choices=["batching", "workers", "latency"], action="append",
                        help="run only these parts (repeatable)")
    add_arguments(parser, client_threads=2)  # wrk -t at most
    args = parser.parse_args()
    global SERVER_CPUS, CLIENT_CPUS, CLIENT_THREADS
    SERVER_CPUS, CLIENT_CPUS, CLIENT_THREADS = from_arguments(args)
    if args.quick:
        args.seconds, args.runs = 2, 1
    binary = os.environ.get("TENSORD_BIN") or os.path.join(
        REPO_ROOT, "build", "release", "server", "tensord")

    with tempfile.TemporaryDirectory() as tmp:
        repository = os.path.join(tmp, "models")
        write_repository(repository)
        body = write_body(tmp)
        process, port, log = start_server(binary, repository,
                                          ["--http-threads", str(args.http_threads)])
        global SERVER_PID
        SERVER_PID = process.pid
        parts = set(args.only or ["batching", "workers", "latency"])
        url = f"http://127.0.0.1:{port}"
        try:
            print(f"machine: {os.cpu_count()} cpus (affinity {len(os.sched_getaffinity(0))}), "
                  f"load average {os.getloadavg()[0]:.2f}; model MLP {SIZES}; "
                  f"wrk closed loop, {args.runs} x {args.seconds} s per point, medians; "
                  f"tensord --http-threads {args.http_threads}; "
                  f"{describe(SERVER_CPUS, CLIENT_CPUS)}, wrk -t{CLIENT_THREADS} at most")
            for model in ("mlp_batched", "mlp_unbatched", "mlp_w1", "mlp_w2", "mlp_w4"):
                wrk(url, model, body, 4, 1)  # warm-up (arena growth, connections)

            if "batching" in parts:
                batching_part(url, body, args)
            if "workers" in parts:
                workers_part(url, body, args)
            if "latency" in parts:
                latency_part(url, body, args)
        finally:
            process.terminate()
            process.wait(timeout=30)
            os.unlink(log)


def batching_part(url, body, args):
    print("1. batching at concurrency 32")
    batched = median_run(url, "mlp_batched", body, 32, args.seconds, args.runs)
    unbatched = median_run(url, "mlp_unbatched", body, 32, args.seconds, args.runs)
    counts = stats(url, "mlp_batched")
    if counts and counts[1]:
        print(f"  mean batch size {counts[0] / counts[1]:.1f}")
    print(f"  => batching gain {batched['rps'] / unbatched['rps']:.2f}x throughput "
          f"(expect >= 2.5x); p50 {batched['p50_us'] / max(1, unbatched['p50_us']):.2f}x, "
          f"p99 {batched['p99_us'] / max(1, unbatched['p99_us']):.2f}x of unbatched")
    shared = ("; the client shares the server's cores, so its cost caps throughput too"
              if SERVER_CPUS is None or CLIENT_CPUS is None else "")
    print(f"     server CPU per request {unbatched['cpu_us'] / max(1e-9, batched['cpu_us']):.2f}x "
          f"less batched{shared}")


def workers_part(url, body, args):
    print("2. parallel workers at concurrency 32 (intra-op 1, no batching)")
    workers = {n: median_run(url, f"mlp_w{n}", body, 32, args.seconds, args.runs)
               for n in (1, 2, 4)}
    print(f"  => 2 workers / 1: {workers[2]['rps'] / workers[1]['rps']:.2f}x "
          f"(expect >= 1.6x); 4 workers / 2: {workers[4]['rps'] / workers[2]['rps']:.2f}x "
          "(should not collapse)")


def latency_part(url, body, args):
    print("3. latency below saturation (concurrency 1)")
    low = {n: median_run(url, f"mlp_w{n}", body, 1, args.seconds, args.runs)
           for n in (1, 2)}
    print(f"  => p50 2 workers / 1: {low[2]['p50_us'] / max(1, low[1]['p50_us']):.2f}x "
          "(expect ~1x)")


if __name__ == "__main__":
    main()
