#!/usr/bin/python3
"""Python models (runtime/python/) end to end: one-row REST requests through wrk.

    /usr/bin/python3 bench/python_models.py [--seconds 3] [--runs 3] [--concurrency 16]
        [--skip-sklearn]

1. A custom MLServer model whose predict() sleeps 10 ms (I/O-bound), with 1 and with 4
   worker processes (parallel_workers): the ratio shows the workers run in parallel
   (target >= 3.5x).
2. scikit-learn LogisticRegression and RandomForestClassifier (100 trees) trained here on 32
   features, served by mlserver_sklearn.SKLearnModel from a .joblib, default workers (one per
   usable core); beside each, the in-process sklearn predict() rate on the same row (one
   thread: sklearn's predict holds the GIL). The LogisticRegression once more with MLServer's
   adaptive batching (max_batch_size 16, max_batch_time 0.5 ms): logreg_batched.

Needs build/release/server/tensord (or $TENSORD_BIN) and wrk. Prints the median of --runs
runs: requests/s, p50 and p99 latency.
"""

import argparse
import json
import os
import sys
import tempfile
import textwrap
import time

import numpy as np
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from tensord_process import TensordProcess  # noqa: E402
from xgboost_bench import median_run, wrk  # noqa: E402

FEATURES = 32

SLEEPER = """
import time
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceResponse


class Sleeper(MLModel):
    async def load(self):
        return True

    async def predict(self, payload):
        x = NumpyCodec.decode_input(payload.inputs[0])
        time.sleep(0.010)
        return InferenceResponse(model_name=self.name, outputs=[NumpyCodec.encode_output("y", x)])
"""


def write_settings(folder, settings):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model-settings.json"), "w") as f:
        json.dump(settings, f)


def write_sleepers(repo):
    for workers in (1, 4):
        folder = os.path.join(repo, f"sleep{workers}")
        write_settings(folder, {"name": f"sleep{workers}", "implementation": "models.Sleeper",
                                "parallel_workers": workers})
        with open(os.path.join(folder, "models.py"), "w") as f:
            f.write(textwrap.dedent(SLEEPER))


def write_sklearn(repo):
    import joblib
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5000, FEATURES)).astype(np.float32)
    y = (x[:, :4].sum(axis=1) + 0.5 * rng.normal(size=5000) > 0).astype(np.int64)
    models = {"logreg": LogisticRegression(max_iter=500).fit(x, y),
              "forest": RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0,
                                               n_jobs=1).fit(x, y)}
    for name, model in models.items():
        folder = os.path.join(repo, name)
        write_settings(folder, {"name": name, "implementation": "mlserver_sklearn.SKLearnModel",
                                "parameters": {"uri": "./model.joblib"}})
        joblib.dump(model, os.path.join(folder, "model.joblib"))
    # The same LogisticRegression with MLServer's adaptive batching on (its throughput
    # setting): concurrent one-row requests reach predict() as one merged request.
    folder = os.path.join(repo, "logreg_batched")
    write_settings(folder, {"name": "logreg_batched",
                            "implementation": "mlserver_sklearn.SKLearnModel",
                            "parameters": {"uri": "./model.joblib"},
                            "max_batch_size": 16, "max_batch_time": 0.0005})
    joblib.dump(models["logreg"], os.path.join(folder, "model.joblib"))
    models["logreg_batched"] = models["logreg"]
    return models


def in_process_rate(model, row, seconds):
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        model.predict(row)
        n += 1
    return n / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skip-sklearn", action="store_true")
    args = parser.parse_args()
    c = args.concurrency

    with tempfile.TemporaryDirectory(prefix="tensord-python-bench-") as tmp:
        repo = os.path.join(tmp, "models")
        write_sleepers(repo)
        models = {} if args.skip_sklearn else write_sklearn(repo)
        row = np.random.default_rng(1).normal(size=(1, FEATURES)).astype(np.float32)
        body_file = os.path.join(tmp, "request.json")
        with open(body_file, "w") as f:
            json.dump({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, FEATURES],
                                   "data": row.ravel().tolist()}]}, f)
        server = TensordProcess.start(repo, timeout=300)
        try:
            for name in ["sleep1", "sleep4", *models]:
                with open(body_file) as f:
                    reply = requests.post(f"{server.url}/v2/models/{name}/infer", data=f.read(),
                                          timeout=60)
                reply.raise_for_status()
            for name, model in models.items():
                with open(body_file) as f:
                    got = requests.post(f"{server.url}/v2/models/{name}/infer", data=f.read(),
                                        timeout=60).json()["outputs"][0]["data"]
                assert got == model.predict(row).tolist(), (name, got)

            print(f"one-row REST requests at c={c}; {args.runs} runs of {args.seconds:g} s, "
                  f"medians; cores={len(os.sched_getaffinity(0))}")
            print(f"{'configuration':<34}{'req/s':>10}{'p50 us':>9}{'p99 us':>9}{'ratio':>9}")
            sleep = {}
            for name in ("sleep1", "sleep4"):
                sleep[name] = median_run([wrk(server.url, name, body_file, c, args.seconds)
                                          for _ in range(args.runs)])
                rps, p50, p99 = sleep[name]
                ratio = rps / sleep["sleep1"][0]
                print(f"{f'10 ms sleep, {name[5:]} worker(s)':<34}{rps:>10.0f}{p50:>9}{p99:>9}"
                      f"{ratio:>9.2f}")
            for name, model in models.items():
                reference = statistics_median([in_process_rate(model, row, args.seconds)
                                               for _ in range(args.runs)])
                rps, p50, p99 = median_run([wrk(server.url, name, body_file, c, args.seconds)
                                            for _ in range(args.runs)])
                print(f"{f'in-process sklearn {name}':<34}{reference:>10.0f}{'':>9}{'':>9}"
                      f"{'1.00':>9}")
                print(f"{f'tensord {name}':<34}{rps:>10.0f}{p50:>9}{p99:>9}"
                      f"{rps / reference:>9.2f}")
        finally:
            code = server.stop()
            if code != 0:
                print(server.log(), file=sys.stderr)


def statistics_median(values):
    return sorted(values)[len(values) // 2]


if __name__ == "__main__":
    main()
