#!/usr/bin/python3
"""System shared memory vs binary REST vs gRPC for a client on the same host, one run.

    /usr/bin/python3 bench/shm_transport.py [--concurrency 4] [--runs 3] [--seconds 4]

The image_mean model of bench/transport.py (one 32x3x224x224 FP32 input, 19.3 MB; ReduceMean
-> [32], so transport dominates), served by build/release/server/tensord ($TENSORD_BIN).
Four ways of sending the same request, all from the same Python client (threads, one
connection each, requests prepared once before the clock starts, so the ratios compare
transports rather than client libraries):

  rest-binary  POST with Triton's binary tensor extension (header + 19.3 MB of raw bytes)
  grpc         ModelInfer with raw_input_contents
  rest-shm     POST naming the input's shared-memory region (a ~300-byte JSON body)
  grpc-shm     ModelInfer naming the region (no tensor bytes on the wire)

For the shm modes each thread owns a POSIX shared-memory object (Python's
multiprocessing.shared_memory) holding its input, registered once with
/v2/systemsharedmemory/region/<name>/register; the server maps it and copies the input from
it at arrival (shared_memory/guarded_copy.h), as it copies a socket's bytes. Backends are
interleaved within each run; each number is the median of --runs runs. Outputs are checked
against numpy once per mode before timing.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from multiprocessing import shared_memory

import numpy as np
import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "bench"))
sys.path.insert(0, os.path.join(REPO_ROOT, "scripts"))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "integration"))
from transport import IMAGE_SHAPE, SEED, write_image_mean  # noqa: E402
from grpc_helpers import generate_stubs, grpc_address  # noqa: E402
from tensord_process import TensordProcess  # noqa: E402

MODES = ["rest-binary", "grpc", "rest-shm", "grpc-shm"]
MODEL = "image_mean"


class Setup:
    def __init__(self, url, stub, pb2, image):
        self.url, self.stub, self.pb2, self.image = url, stub, pb2, image
        self.nbytes = image.nbytes
        self.expected = image.mean(axis=(1, 2, 3))


def make_call(mode, setup, index):
    """A function sending one request over `mode` and returning OUTPUT0 as numpy; the
    shared-memory modes make and register this thread's region first."""
    pb2, image = setup.pb2, setup.image
    if mode == "rest-binary":
        header = ('{"inputs":[{"name":"INPUT0","datatype":"FP32","shape":%s,'
                  '"parameters":{"binary_data_size":%d}}]}'
                  % (list(IMAGE_SHAPE), setup.nbytes)).encode()
        body = header + image.tobytes()
        session = requests.Session()
        headers = {"Inference-Header-Content-Length": str(len(header)),
                   "Content-Type": "application/octet-stream"}

        def call():
            r = session.post(f"{setup.url}/v2/models/{MODEL}/infer", data=body,
                             headers=headers, timeout=60)
            r.raise_for_status()
            return np.array(r.json()["outputs"][0]["data"], np.float32)
        return call, None
    if mode == "grpc":
        request = pb2.ModelInferRequest(model_name=MODEL)
        request.inputs.add(name="INPUT0", datatype="FP32", shape=IMAGE_SHAPE)
        request.raw_input_contents.append(image.tobytes())

        def call():
            reply = setup.stub.ModelInfer(request, timeout=60)
            return np.frombuffer(reply.raw_output_contents[0], np.float32)
        return call, None

    region = shared_memory.SharedMemory(create=True, size=setup.nbytes)
    region.buf[:setup.nbytes] = image.tobytes()
    name = f"bench-{os.getpid()}-{index}"
    r = requests.post(f"{setup.url}/v2/systemsharedmemory/region/{name}/register",
                      json={"key": "/" + region.name, "offset": 0, "byte_size": setup.nbytes},
                      timeout=60)
    r.raise_for_status()

    def cleanup():
        requests.post(f"{setup.url}/v2/systemsharedmemory/region/{name}/unregister", timeout=60)
        region.close()
        region.unlink()

    if mode == "rest-shm":
        body = {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": IMAGE_SHAPE,
                            "parameters": {"shared_memory_region": name,
                                           "shared_memory_byte_size": setup.nbytes}}]}
        session = requests.Session()

        def call():
            r = session.post(f"{setup.url}/v2/models/{MODEL}/infer", json=body, timeout=60)
            r.raise_for_status()
            return np.array(r.json()["outputs"][0]["data"], np.float32)
        return call, cleanup
    request = pb2.ModelInferRequest(model_name=MODEL)
    tensor = request.inputs.add(name="INPUT0", datatype="FP32", shape=IMAGE_SHAPE)
    tensor.parameters["shared_memory_region"].string_param = name
    tensor.parameters["shared_memory_byte_size"].int64_param = setup.nbytes

    def call():
        reply = setup.stub.ModelInfer(request, timeout=60)
        return np.frombuffer(reply.raw_output_contents[0], np.float32)
    return call, cleanup


def run_mode(mode, setup, concurrency, seconds):
    """{rps, p50, p99} (ms) of `concurrency` threads calling for `seconds`."""
    calls = [make_call(mode, setup, i) for i in range(concurrency)]
    for call, _ in calls:  # every region answers right before the clock starts
        np.testing.assert_allclose(call(), setup.expected, rtol=1e-4)
    latencies = [[] for _ in calls]
    stop = time.monotonic() + seconds
    start_barrier = threading.Barrier(concurrency)

    def worker(i):
        call = calls[i][0]
        start_barrier.wait()
        while time.monotonic() < stop:
            t = time.perf_counter()
            call()
            latencies[i].append(time.perf_counter() - t)

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    for _, cleanup in calls:
        if cleanup:
            cleanup()
    all_ms = sorted(x * 1000 for xs in latencies for x in xs)
    return {"rps": len(all_ms) / elapsed, "p50": all_ms[len(all_ms) // 2],
            "p99": all_ms[min(len(all_ms) - 1, int(len(all_ms) * 0.99))]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    print(f"cores: {len(os.sched_getaffinity(0))}, load average: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    image = np.random.default_rng(SEED).random(IMAGE_SHAPE, dtype=np.float32)
    with tempfile.TemporaryDirectory(prefix="tensord-shm-bench-") as folder:
        repository = os.path.join(folder, "repository")
        write_image_mean(repository)
        os.makedirs(os.path.join(folder, "stubs"))
        pb2, pb2_grpc = generate_stubs(os.path.join(folder, "stubs"))
        import grpc
        server = TensordProcess.start(repository, "--grpc-max-message-mb", "256")
        try:
            channel = grpc.insecure_channel(grpc_address(server), options=[
                ("grpc.max_send_message_length", 256 << 20),
                ("grpc.max_receive_message_length", 256 << 20)])
            setup = Setup(server.url, pb2_grpc.GRPCInferenceServiceStub(channel), pb2, image)
            results = {mode: [] for mode in MODES}
            for run in range(args.runs):
                for mode in MODES:
                    point = run_mode(mode, setup, args.concurrency, args.seconds)
                    results[mode].append(point)
                    print(f"run {run + 1}/{args.runs} {mode:<12} {point['rps']:8.1f} req/s  "
                          f"p50 {point['p50']:8.2f} ms  p99 {point['p99']:8.2f} ms", flush=True)
            channel.close()
        finally:
            code = server.stop()
            if code != 0:
                print(f"tensord exited with {code}:\n{server.log()[-3000:]}", file=sys.stderr)

    base = statistics.median(p["rps"] for p in results["rest-binary"])
    print(f"\n{IMAGE_SHAPE} FP32 ({image.nbytes / 1e6:.1f} MB), concurrency "
          f"{args.concurrency}, medians of {args.runs} runs:")
    print(f"{'mode':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x rest-binary':>14}")
    for mode in MODES:
        rps = statistics.median(p["rps"] for p in results[mode])
        p50 = statistics.median(p["p50"] for p in results[mode])
        p99 = statistics.median(p["p99"] for p in results[mode])
        print(f"{mode:<12} {rps:8.1f} {p50:8.2f} {p99:8.2f} {rps / base:14.2f}")


if __name__ == "__main__":
    main()
