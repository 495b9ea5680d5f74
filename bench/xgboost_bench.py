#!/usr/bin/python3
"""End-to-end XGBoost benchmark: one-row REST requests against tensord, batched and unbatched,
at concurrency 1 and 16, with in-process python3-xgboost on the same row as the reference
measured in the same run (the issue-5 workload: a 100-tree, depth-6, 32-feature classifier).

    /usr/bin/python3 bench/xgboost_bench.py [--seconds 3] [--runs 3] [--concurrency 1,16]

Needs build/release/server/tensord (or $TENSORD_BIN) and wrk. Prints, per configuration, the
median of --runs runs: requests/s, p50 and p99 latency, and the ratio to in-process XGBoost
at the same concurrency. The model folders use MLServer's model-settings.json unchanged:
    xgb_unbatched: {"implementation": "mlserver_xgboost.XGBoostModel", "parameters": {"uri": ...}}
    xgb_batched:   the same with "max_batch_size": 32, "max_batch_time": 0.002
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import requests
import xgboost as xgb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from tensord_process import TensordProcess  # noqa: E402

FEATURES = 32
TREES = 100
DEPTH = 6
RESULT = re.compile(r"RESULT rps=([\d.]+) p50_us=(\d+) p99_us=(\d+) non2xx=(\d+) errors=(\d+)")


def train(path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5000, FEATURES)).astype(np.float32)
    y = (x[:, :4].sum(axis=1) + 0.5 * rng.normal(size=5000) > 0).astype(np.float32)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": DEPTH, "eta": 0.1,
                         "nthread": 1, "seed": 0}, xgb.DMatrix(x, label=y), TREES)
    # As XGBClassifier.save_model stores it, so MLServer (and tensord) serve a classifier.
    booster.set_attr(scikit_learn=json.dumps({"_estimator_type": "classifier", "n_classes_": 2,
                                              "objective": "binary:logistic"}))
    booster.save_model(path)
    booster.set_attr(scikit_learn=None)
    return booster


def write_model(root, name, model_path, **settings):
    folder = os.path.join(root, name)
    os.makedirs(folder)
    os.symlink(model_path, os.path.join(folder, "model.json"))
    with open(os.path.join(folder, "model-settings.json"), "w") as f:
        json.dump({"name": name, "implementation": "mlserver_xgboost.XGBoostModel",
                   "parameters": {"uri": "./model.json"}, **settings}, f)


def wrk(url, model, body_file, concurrency, seconds):
    threads = min(concurrency, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds:g}s", "-s",
         os.path.join(ROOT, "bench", "post.lua"), url, f"/v2/models/{model}/infer"],
        env={**os.environ, "BODY_FILE": body_file}, capture_output=True, text=True, check=True)
    match = RESULT.search(out.stdout)
    if not match:
        raise RuntimeError(f"no RESULT line from wrk:\n{out.stdout}\n{out.stderr}")
    rps, p50, p99, non2xx, errors = match.groups()
    if int(non2xx) or int(errors):
        raise RuntimeError(f"{model} c={concurrency}: {non2xx} non-2xx, {errors} errors")
    return float(rps), int(p50), int(p99)


def in_process(booster, row, concurrency, seconds):
    """python3-xgboost predicting the same one-row input, `concurrency` threads."""
    latencies = [[] for _ in range(concurrency)]
    deadline = time.perf_counter() + seconds

    def loop(k):
        local = latencies[k]
        while True:
            start = time.perf_counter()
            booster.inplace_predict(row)
            end = time.perf_counter()
            local.append(end - start)
            if end > deadline:
                return

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(concurrency)]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - begin
    merged = np.concatenate([np.asarray(x) for x in latencies]) * 1e6
    return len(merged) / elapsed, int(np.percentile(merged, 50)), int(np.percentile(merged, 99))


def median_run(results):
    return sorted(results, key=lambda r: r[0])[len(results) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", default="1,16")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]

    with tempfile.TemporaryDirectory(prefix="tensord-xgb-bench-") as tmp:
        model_path = os.path.join(tmp, "classifier.json")
        booster = train(model_path)
        booster.set_param({"nthread": 1})
        repo = os.path.join(tmp, "models")
        write_model(repo, "xgb_unbatched", model_path)
        write_model(repo, "xgb_batched", model_path, max_batch_size=32, max_batch_time=0.002)
        row = np.random.default_rng(1).normal(size=(1, FEATURES)).astype(np.float32)
        body_file = os.path.join(tmp, "request.json")
        with open(body_file, "w") as f:
            json.dump({"inputs": [{"name": "input-0", "datatype": "FP32", "shape": [1, FEATURES],
                                   "data": row.ravel().tolist()}],
                       "outputs": [{"name": "predict_proba"}]}, f)

        server = TensordProcess.start(repo)
        try:
            # Same answer as python3-xgboost before anything is timed.
            p = float(booster.inplace_predict(row)[0])
            for model in ("xgb_unbatched", "xgb_batched"):
                with open(body_file) as f:
                    response = requests.post(f"{server.url}/v2/models/{model}/infer",
                                             data=f.read(), timeout=30)
                response.raise_for_status()
                got = response.json()["outputs"][0]["data"]
                assert abs(got[1] - p) < 1e-6 and abs(got[0] - (1 - p)) < 1e-6, (got, p)

            print(f"xgboost {TREES} trees depth {DEPTH}, {FEATURES} features, one-row REST "
                  f"requests; {args.runs} runs of {args.seconds:g} s, medians; "
                  f"cores={os.cpu_count()}")
            print(f"{'configuration':<28}{'req/s':>10}{'p50 us':>9}{'p99 us':>9}"
                  f"{'vs in-process':>15}")
            for c in levels:
                reference = median_run([in_process(booster, row, c, args.seconds)
                                        for _ in range(args.runs)])
                print(f"{f'in-process python c={c}':<28}{reference[0]:>10.0f}{reference[1]:>9}"
                      f"{reference[2]:>9}{'1.00':>15}")
                for model in ("xgb_unbatched", "xgb_batched"):
                    result = median_run([wrk(server.url, model, body_file, c, args.seconds)
                                         for _ in range(args.runs)])
                    print(f"{f'tensord {model[4:]} c={c}':<28}{result[0]:>10.0f}{result[1]:>9}"
                          f"{result[2]:>9}{result[0] / reference[0]:>15.2f}")
        finally:
            code = server.stop()
            if code != 0:
                print(server.log(), file=sys.stderr)


if __name__ == "__main__":
    main()
