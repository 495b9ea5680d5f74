#!/usr/bin/python3
"""Seldon Core 2 pipelines in process (issue 15's three numbers), one run, side by side:

  overhead    a 3-step chain of identity models (id1 -> id2 -> id3) vs id1 alone over REST
              (ONNX identity graphs, or with --identity Triton identity-backend models)
              JSON, wrk c=16: server CPU per request (utime+stime of the server process over
              the measured interval / requests) and the extra CPU per step
  concurrency a diamond (heavy_a and heavy_b side by side on the pipeline's input) vs the
              same two steps one after the other (heavy_b triggered by heavy_a), 128-row
              requests at c=1 in binary tensors (as JSON, encoding 98k floats is half the
              time and runs one after the other either way), --intra-op-threads 1: median
              latency
  batching    id512 -> heavy_bat (dynamic batching) vs id512 -> heavy_nobat (the same model,
              512-2048-2048-512, no dynamic_batching), one-row requests at c=32: throughput
  in process  (--inprocess) the chain vs id1 through tensord-bench's in-process backend at
              c=1 (no network: one thread runs everything): time per request from its
              throughput, and the extra per step; $TENSORD_BENCH_BIN or
              build/release/tools/bench/tensord-bench, --base-bench for the older one

Each number is the median of --runs runs; in each run the two sides are measured one after
the other. The server is $TENSORD_BIN or build/release/server/tensord. With --base BINARY a
second server (an older build) serves the same repository beside it and every case is
measured on both, alternating within each run (base, new), so that the two columns share the
machine's noise; ratios are then printed for both.

  /usr/bin/python3 bench/pipeline.py [--seconds 4] [--runs 3] [--base /tmp/base/tensord]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from make_models import onnx_models as m  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
HEAD = "apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nmetadata:\n  name: {}\nspec:\n"
HEAVY = [256, 512, 512, 256]  # the diamond's branches
HEAVY_ROWS = 128  # rows of a concurrency request: compute, not weight traffic, dominates
WIDE = [512, 2048, 2048, 512]  # the batching case's step: one row reads 24 MB of weights


def pipeline(root, name, body):
    m.write_text(os.path.join(root, name, "pipeline.yaml"), HEAD.format(name) + body)


def build(root, identity_backend=False):
    for name in ("id1", "id2", "id3"):
        if identity_backend:  # Triton's identity backend: no ONNX Runtime run in a step
            os.makedirs(os.path.join(root, name, "1"))
        else:
            m.save(m.identity(name, "FP32", ["batch", 4]),
                   os.path.join(root, name, "1", "model.onnx"))
        m.write_triton_config(os.path.join(root, name), name=name, max_batch_size=8,
                              inputs=[("INPUT0", "FP32", [4])], outputs=[("OUTPUT0", "FP32", [4])],
                              platform="identity" if identity_backend else "onnxruntime_onnx")
    pipeline(root, "chain3", """  steps:
    - name: id1
    - name: id2
      inputs: [id1]
      tensorMap: {id1.outputs.OUTPUT0: INPUT0}
    - name: id3
      inputs: [id2]
      tensorMap: {id2.outputs.OUTPUT0: INPUT0}
  output: {steps: [id3]}
""")
    m.save(m.identity("id512", "FP32", ["batch", WIDE[0]]),
           os.path.join(root, "id512", "1", "model.onnx"))
    m.write_triton_config(os.path.join(root, "id512"), name="id512", max_batch_size=32,
                          inputs=[("INPUT0", "FP32", [WIDE[0]])],
                          outputs=[("OUTPUT0", "FP32", [WIDE[0]])])
    for name, sizes, batching in (
            ("heavy_a", HEAVY, ""), ("heavy_b", HEAVY, ""),
            ("heavy_bat", WIDE, "dynamic_batching { max_queue_delay_microseconds: 2000 }\n"),
            ("heavy_nobat", WIDE, "")):
        m.save(m.mlp(name, sizes, seed=7), os.path.join(root, name, "1", "model.onnx"))
        m.write_triton_config(os.path.join(root, name), name=name, max_batch_size=HEAVY_ROWS,
                              inputs=[("input", "FP32", [sizes[0]])],
                              outputs=[("probabilities", "FP32", [sizes[-1]])],
                              extra="instance_group { count: 1 }\n" + batching)
    outputs = """  output:
    steps: [heavy_a, heavy_b]
    tensorMap: {heavy_a.outputs.probabilities: a, heavy_b.outputs.probabilities: b}
"""
    pipeline(root, "diamond", "  steps:\n    - name: heavy_a\n    - name: heavy_b\n" + outputs)
    pipeline(root, "sequential", "  steps:\n    - name: heavy_a\n    - name: heavy_b\n"
             "      triggers: [heavy_a]\n" + outputs)
    for name, heavy in (("bat_on", "heavy_bat"), ("bat_off", "heavy_nobat")):
        pipeline(root, name, f"""  steps:
    - name: id512
    - name: {heavy}
      inputs: [id512]
      tensorMap: {{id512.outputs.OUTPUT0: input}}
  output: {{steps: [{heavy}]}}
""")


def body_file(directory, name, rows, width, input_name="INPUT0"):
    path = os.path.join(directory, f"{name}.json")
    with open(path, "w") as f:
        json.dump({"inputs": [{"name": input_name, "datatype": "FP32", "shape": [rows, width],
                               "data": [0.01 * i for i in range(rows * width)]}]}, f)
    return path


def binary_body_file(directory, name, rows, width, input_name):
    """A binary tensor extension body (JSON header, then the raw FP32 input; outputs asked
    for in binary too): big tensors skip JSON, as a client sending them would.
    Returns (path, header length)."""
    import struct
    header = json.dumps({"inputs": [{"name": input_name, "datatype": "FP32",
                                     "shape": [rows, width],
                                     "parameters": {"binary_data_size": rows * width * 4}}],
                         "parameters": {"binary_data_output": True}}).encode()
    path = os.path.join(directory, f"{name}.bin")
    with open(path, "wb") as f:
        f.write(header)
        f.write(struct.pack(f"<{rows * width}f", *(0.01 * (i % 100) for i in range(rows * width))))
    return path, len(header)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wrk(url, path, body, connections, seconds, pid):
    before = cpu_ticks(pid)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s",
         os.path.join(ROOT, "bench", "post.lua"), url, "--", path],
        env={**os.environ, "BODY_FILE": body[0], "HEADER_LENGTH": str(body[1] or "")},
        capture_output=True, text=True, check=True).stdout
    cpu_s = (cpu_ticks(pid) - before) / TICKS
    fields = dict(re.findall(r"(\w+)=([\d.]+)", out.split("RESULT", 1)[1]))
    requests = int(fields["requests"])
    if int(fields["non2xx"]) or int(fields["errors"]):
        raise SystemExit(f"{path}: errors in {out}")
    return {"rps": float(fields["rps"]), "p50_ms": int(fields["p50_us"]) / 1000,
            "cpu_us": cpu_s * 1e6 / max(requests, 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", default="", help="comma-separated names to run (default all)")
    parser.add_argument("--base", default="",
                        help="an older tensord binary measured beside $TENSORD_BIN in each run")
    parser.add_argument("--identity", action="store_true",
                        help="id1..id3 as Triton identity-backend models instead of ONNX ones")
    parser.add_argument("--inprocess", action="store_true",
                        help="also the chain in process, through tensord-bench")
    parser.add_argument("--base-bench", default="",
                        help="an older tensord-bench measured beside $TENSORD_BENCH_BIN")
    args = parser.parse_args()
    os.environ.setdefault("TENSORD_BIN", os.path.join(ROOT, "build/release/server/tensord"))
    from tensord_process import TensordProcess
    binaries = {"new": os.environ["TENSORD_BIN"]}
    if args.base:
        binaries = {"base": args.base, **binaries}
    with tempfile.TemporaryDirectory() as root:
        build(root, args.identity)
        bodies = {"small": (body_file(root, "small", 1, 4), 0),
                  "rows": binary_body_file(root, "rows", HEAVY_ROWS, HEAVY[0], "input"),
                  "row512": (body_file(root, "row512", 1, WIDE[0]), 0)}
        if args.inprocess:
            inprocess(root, args)
        servers = {}
        try:
            for label, binary in binaries.items():
                os.environ["TENSORD_BIN"] = binary
                servers[label] = TensordProcess.start(root, "--intra-op-threads", "1")
            cases = [("single id1", "/v2/models/id1/infer", "small", 16),
                     ("chain3", "/v2/pipelines/chain3/infer", "small", 16),
                     ("sequential", "/v2/pipelines/sequential/infer", "rows", 1),
                     ("diamond", "/v2/pipelines/diamond/infer", "rows", 1),
                     ("batching off", "/v2/pipelines/bat_off/infer", "row512", 32),
                     ("batching on", "/v2/pipelines/bat_on/infer", "row512", 32)]
            if args.cases:
                cases = [c for c in cases if c[0] in args.cases.split(",")]
            results = {label: {name: [] for name, *_ in cases} for label in servers}
            for _ in range(args.runs):
                for name, path, body, c in cases:
                    for label, server in servers.items():
                        results[label][name].append(
                            wrk(server.url, path, bodies[body], c, args.seconds, server.pid))
        finally:
            for server in servers.values():
                server.stop()
    for label in servers:
        if len(servers) > 1:
            print(f"--- {label}: {binaries[label]}")
        report({name: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                for name, runs in results[label].items()})
        if {"chain3", "single id1"} <= results[label].keys():
            ratios = [c["cpu_us"] / s["cpu_us"] for c, s in
                      zip(results[label]["chain3"], results[label]["single id1"])]
            print("  chain / single in each run: " + " ".join(f"{r:.2f}x" for r in ratios))


def inprocess_us(bench, root, model, seconds):
    """Microseconds per request at c=1 in process, from tensord-bench's throughput."""
    out = subprocess.run(
        [bench, "--backend", "inprocess", "--model-repository", root, "-m", model,
         "--concurrency-range", "1", "-p", str(seconds * 1000), "--no-progress"],
        capture_output=True, text=True, check=True).stdout
    row = next(line for line in out.splitlines() if re.match(r"\s+1 \|", line))
    return 1e6 / float(row.split("|")[1])


def inprocess(root, args):
    benches = {"new": os.environ.get("TENSORD_BENCH_BIN") or
               os.path.join(ROOT, "build/release/tools/bench/tensord-bench")}
    if args.base_bench:
        benches = {"base": args.base_bench, **benches}
    # Each run starts the repository afresh (every model, as the server loads it).
    per_run = {label: {"single": [], "chain": []} for label in benches}
    for _ in range(args.runs):
        for label, bench in benches.items():
            per_run[label]["single"].append(inprocess_us(bench, root, "id1", args.seconds))
            per_run[label]["chain"].append(
                inprocess_us(bench, root, "chain3.pipeline", args.seconds))
    for label, runs in per_run.items():
        steps = [(c - s) / 2 for c, s in zip(runs["chain"], runs["single"])]
        print(f"in process ({label}: {benches[label]}): id1 "
              f"{statistics.median(runs['single']):.2f} us, chain3 "
              f"{statistics.median(runs['chain']):.2f} us a request; extra per step "
              f"{statistics.median(steps):.2f} us (goal <= 5; each run: "
              + " ".join(f"{x:.2f}" for x in steps) + ")")


def report(med):
    for name, r in med.items():
        print(f"{name:14s} rps {r['rps']:9.1f}  p50 {r['p50_ms']:8.2f} ms  "
              f"server CPU {r['cpu_us']:8.1f} us/req")
    if {"chain3", "single id1"} <= med.keys():
        chain, single = med["chain3"]["cpu_us"], med["single id1"]["cpu_us"]
        print(f"3-step chain / single model, server CPU per request: {chain / single:.2f}x "
              f"(goal <= 1.15); extra per step {(chain - single) / 2:.1f} us")
    if {"diamond", "sequential"} <= med.keys():
        print(f"diamond / sequential latency: "
              f"{med['diamond']['p50_ms'] / med['sequential']['p50_ms']:.2f} (goal <= 0.6)")
    if {"batching on", "batching off"} <= med.keys():
        print(f"batching on / off throughput: "
              f"{med['batching on']['rps'] / med['batching off']['rps']:.2f}x (goal >= 2.5)")


if __name__ == "__main__":
    main()
