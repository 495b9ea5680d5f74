#!/usr/bin/python3
"""JSON REST vs binary REST vs gRPC (unary), one run, small and large tensors.

    /usr/bin/python3 bench/transport.py [--concurrency 4] [--runs 3] [--quick]

Writes a temporary repository with the example add_sub model (two 1x16 FP32 inputs) and
image_mean (one 32x3x224x224 FP32 input, ReduceMean over the image -> [32]: the output is
tiny and the compute cheap, so the request's transport dominates), starts
build/release/server/tensord ($TENSORD_BIN) on free ports, and drives each model with
build/release/tools/bench/tensord-bench ($TENSORD_BENCH_BIN) at a fixed concurrency over
--backend rest-json, rest-binary (binary_data_output: true, so replies are binary too) and
grpc (raw_input_contents / raw_output_contents). Every backend sends the same values (one
--input-data file per model, uniform [0, 1) float32 at full precision, as an image
normalised to [0, 1] would be). Backends are interleaved within each run so drift in the
machine's load hits all three alike; each number is the median of --runs runs.

Reported per model and encoding: requests/s, p50 and p99 latency (ms), request and reply
body bytes (what the client library sends/receives: the JSON text as tensord-bench writes
it, JSON header + raw bytes, the serialized ModelInferRequest/Response; HTTP and HTTP/2
framing not counted), and requests/s and p50 as ratios to JSON REST. Both servers run one
I/O thread (tensord's defaults); --http-max-body-mb is raised for the ~90 MB JSON body.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "scripts"))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "integration"))
from make_models import example_repository  # noqa: E402
from make_models import onnx_models as m  # noqa: E402
from grpc_helpers import generate_stubs, grpc_address  # noqa: E402
from tensord_process import TensordProcess  # noqa: E402
from onnx import helper  # noqa: E402

BENCH_BIN = os.environ.get("TENSORD_BENCH_BIN") or os.path.join(
    REPO_ROOT, "build", "release", "tools", "bench", "tensord-bench")
BACKENDS = ["rest-json", "rest-binary", "grpc"]
IMAGE_SHAPE = [32, 3, 224, 224]
SEED = 20261128


class Case:
    """One model and the single request every backend sends to it."""

    def __init__(self, label, model, inputs, interval_ms):
        # interval_ms: {backend: tensord-bench -p}, long enough for a few requests a window
        self.label, self.model, self.inputs, self.interval_ms = label, model, inputs, interval_ms


def write_image_mean(root):
    """image_mean: OUTPUT0[b] = mean of INPUT0[b] (32x3x224x224 FP32), config.pbtxt."""
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["INPUT0"], ["OUTPUT0"], axes=[1, 2, 3], keepdims=0)],
        "image_mean",
        [m._value("INPUT0", "FP32", IMAGE_SHAPE)],
        [m._value("OUTPUT0", "FP32", IMAGE_SHAPE[:1])])
    folder = os.path.join(root, "image_mean")
    m.save(m._finish(graph), os.path.join(folder, "1", "model.onnx"))
    m.write_triton_config(folder, name="image_mean", max_batch_size=0,
                          inputs=[("INPUT0", "FP32", IMAGE_SHAPE)],
                          outputs=[("OUTPUT0", "FP32", IMAGE_SHAPE[:1])])


def make_cases(quick):
    rng = np.random.default_rng(SEED)
    small = {name: rng.random((1, 16), dtype=np.float32) for name in ("INPUT0", "INPUT1")}
    large = {"INPUT0": rng.random(IMAGE_SHAPE, dtype=np.float32)}
    scale = 0.5 if quick else 1.0
    return [Case("1x16 FP32 (x2 inputs)", "add_sub", small,
                 {b: int(1000 * scale) for b in BACKENDS}),
            # JSON REST moves ~90 MB a request (a few per second): longer windows.
            Case("32x3x224x224 FP32", "image_mean", large,
                 {"rest-json": int(6000 * scale), "rest-binary": int(2000 * scale),
                  "grpc": int(2000 * scale)})]


# --- request bodies, exactly as tensord-bench builds them --------------------------------------

def json_body(case):
    # nlohmann::json::dump(): keys sorted, no spaces, floats as the shortest double.
    inputs = [{"data": a.ravel().tolist(), "datatype": "FP32", "name": name,
               "shape": list(a.shape)} for name, a in case.inputs.items()]
    return json.dumps({"inputs": inputs}, separators=(",", ":")).encode()


def binary_body(case):
    inputs = [{"datatype": "FP32", "name": name,
               "parameters": {"binary_data_size": a.nbytes}, "shape": list(a.shape)}
              for name, a in case.inputs.items()]
    header = json.dumps({"inputs": inputs, "parameters": {"binary_data_output": True}},
                        separators=(",", ":")).encode()
    return header, header + b"".join(a.tobytes() for a in case.inputs.values())


def grpc_request(pb2, case):
    request = pb2.ModelInferRequest(model_name=case.model)
    for name, a in case.inputs.items():
        request.inputs.add(name=name, datatype="FP32", shape=list(a.shape))
        request.raw_input_contents.append(a.tobytes())
    return request


def write_input_data(case, folder):
    path = os.path.join(folder, f"{case.model}-input.json")
    entry = {name: {"content": a.ravel().tolist(), "shape": list(a.shape)}
             for name, a in case.inputs.items()}
    with open(path, "w") as f:
        json.dump({"data": [entry]}, f, separators=(",", ":"))
    return path


def measure_bytes(case, http_url, stub, pb2):
    """{backend: (request bytes, reply bytes)}, sending each encoding once (which also checks
    that the server answers all three with the same numbers)."""
    url = f"{http_url}/v2/models/{case.model}/infer"
    expected = {"add_sub": lambda i: i["INPUT0"] + i["INPUT1"],
                "image_mean": lambda i: i["INPUT0"].mean(axis=(1, 2, 3))}[case.model]
    want = expected(case.inputs).ravel()
    sizes = {}

    body = json_body(case)
    reply = requests.post(url, data=body, headers={"Content-Type": "application/json"},
                          timeout=120)
    reply.raise_for_status()
    got = np.float32(reply.json()["outputs"][0]["data"])
    np.testing.assert_allclose(got, want, rtol=1e-5)
    sizes["rest-json"] = (len(body), len(reply.content))

    header, body = binary_body(case)
    reply = requests.post(url, data=body, headers={"Inference-Header-Content-Length":
                                                   str(len(header))}, timeout=120)
    reply.raise_for_status()
    length = int(reply.headers["Inference-Header-Content-Length"])
    first = json.loads(reply.content[:length])["outputs"][0]
    got = np.frombuffer(reply.content[length:length + first["parameters"]["binary_data_size"]],
                        dtype="<f4")
    np.testing.assert_allclose(got, want, rtol=1e-5)
    sizes["rest-binary"] = (len(body), len(reply.content))

    request = grpc_request(pb2, case)
    reply = stub.ModelInfer(request, timeout=120)
    got = np.frombuffer(reply.raw_output_contents[0], dtype="<f4")
    np.testing.assert_allclose(got, want, rtol=1e-5)
    sizes["grpc"] = (request.ByteSize(), reply.ByteSize())
    return sizes


# --- load ------------------------------------------------------------------------------------

def run_bench(case, backend, address, input_data, args, folder):
    out = os.path.join(folder, "point.json")
    command = [BENCH_BIN, "-m", case.model, "-u", address, "--backend", backend,
               "--concurrency-range", str(args.concurrency), "--input-data", input_data,
               "-p", str(case.interval_ms[backend]), "-r", str(args.windows),
               "--warmup-requests", str(2 * args.concurrency), "--json", out, "--no-progress"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n"
                 f"{result.stderr}")
    with open(out) as f:
        point = json.load(f)["points"][0]
    if point["failed_total"]:
        sys.exit(f"{backend} on {case.model}: {point['failed_total']} failed requests: "
                 f"{point.get('errors')}")
    return {"rps": point["requests_per_sec"], "p50": point["latency_us"]["p50"] / 1000,
            "p99": point["latency_us"]["p99"] / 1000, "stable": point["stable"]}


def median_of(runs, key):
    return statistics.median(run[key] for run in runs)


def human_bytes(n):
    for unit, size in (("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def print_table(cases, sizes, results, args):
    unstable = any(not r["stable"] for by_backend in results.values()
                   for runs in by_backend.values() for r in runs)
    print(f"\nconcurrency {args.concurrency}, medians of {args.runs} runs"
          + ("; * = some run did not stabilise within 10%" if unstable else ""))
    head = (f"{'tensor':<22} {'encoding':<12} {'req bytes':>10} {'reply bytes':>11} "
            f"{'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'req/s ÷json':>11} {'p50 ÷json':>9}")
    print(head)
    print("-" * len(head))
    for case in cases:
        json_rps = median_of(results[case.model]["rest-json"], "rps")
        json_p50 = median_of(results[case.model]["rest-json"], "p50")
        for backend in BACKENDS:
            runs = results[case.model][backend]
            rps, p50, p99 = (median_of(runs, k) for k in ("rps", "p50", "p99"))
            mark = "" if all(r["stable"] for r in runs) else "*"
            request_bytes, reply_bytes = sizes[case.model][backend]
            print(f"{case.label if backend == BACKENDS[0] else '':<22} {backend + mark:<12} "
                  f"{human_bytes(request_bytes):>10} {human_bytes(reply_bytes):>11} "
                  f"{rps:>9.1f} {p50:>8.2f} {p99:>8.2f} {rps / json_rps:>10.2f}x "
                  f"{p50 / json_p50:>8.2f}x")
    print("\nbytes per request ÷ JSON REST:")
    for case in cases:
        json_bytes = sizes[case.model]["rest-json"][0]
        ratios = ", ".join(f"{b} {sizes[case.model][b][0] / json_bytes:.3f}"
                           for b in BACKENDS[1:])
        print(f"  {case.label}: {ratios}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3, help="runs; numbers are medians")
    parser.add_argument("--windows", type=int, default=3,
                        help="measurement windows per point (tensord-bench -r)")
    parser.add_argument("--quick", action="store_true", help="half-length windows")
    parser.add_argument("--json", help="also write every run's numbers here")
    args = parser.parse_args()
    for path in (BENCH_BIN,):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} not found: cmake --build --preset release")
    print(f"cores: {len(os.sched_getaffinity(0))}, load average: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    with tempfile.TemporaryDirectory(prefix="tensord-transport-") as folder:
        repository = os.path.join(folder, "repository")
        example_repository.write_add_sub(repository)
        write_image_mean(repository)
        cases = make_cases(args.quick)
        inputs = {case.model: write_input_data(case, folder) for case in cases}
        os.makedirs(os.path.join(folder, "stubs"))
        pb2, pb2_grpc = generate_stubs(os.path.join(folder, "stubs"))
        import grpc  # after the stubs: the same Debian grpc they were generated for

        server = TensordProcess.start(repository, "--http-max-body-mb", "256",
                                      "--grpc-max-message-mb", "256")
        try:
            http = f"{server.host if server.host not in ('0.0.0.0', '::') else '127.0.0.1'}:" \
                   f"{server.port}"
            grpc_target = grpc_address(server)
            channel = grpc.insecure_channel(grpc_target, options=[
                ("grpc.max_send_message_length", 256 << 20),
                ("grpc.max_receive_message_length", 256 << 20)])
            stub = pb2_grpc.GRPCInferenceServiceStub(channel)
            sizes = {case.model: measure_bytes(case, server.url, stub, pb2) for case in cases}
            channel.close()
            results = {case.model: {b: [] for b in BACKENDS} for case in cases}
            for run in range(args.runs):
                for case in cases:
                    for backend in BACKENDS:
                        address = grpc_target if backend == "grpc" else http
                        started = time.monotonic()
                        point = run_bench(case, backend, address, inputs[case.model], args,
                                          folder)
                        results[case.model][backend].append(point)
                        print(f"run {run + 1}/{args.runs} {case.model:<10} {backend:<11} "
                              f"{point['rps']:9.1f} req/s  p50 {point['p50']:8.2f} ms  "
                              f"p99 {point['p99']:8.2f} ms  "
                              f"({time.monotonic() - started:.0f} s)", flush=True)
        finally:
            code = server.stop()
            if code != 0:
                print(f"tensord exited with {code}:\n{server.log()[-3000:]}", file=sys.stderr)

    print_table(cases, sizes, results, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"concurrency": args.concurrency, "sizes": sizes, "runs": results}, f,
                      indent=1)


if __name__ == "__main__":
    main()
