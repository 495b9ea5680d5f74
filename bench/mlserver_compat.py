#!/usr/bin/python3
"""What tensord's mlserver_sklearn.SKLearnModel (python/mlserver_compat) costs per one-row
request inside a Python worker, beside the estimator's own predict() on the same row.

    /usr/bin/python3 bench/mlserver_compat.py [--calls 3000] [--runs 3]

Three rows per model (LogisticRegression, RandomForestClassifier with 100 trees, trained
here on 32 features), each the median of --runs runs, interleaved:
  estimator.predict         the row as tensord's workers hand it over (raw FP32 bytes)
  SKLearnModel.predict      InferenceRequest in, InferenceResponse out (decode, predict, encode)
  SKLearnModel, no model    the same around an estimator that returns a constant: the
                            interface's own cost (message objects, codecs)
No server: tools/bench and bench/python_models.py measure the whole path.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python", "mlserver_compat"))

from mlserver.settings import ModelParameters, ModelSettings  # noqa: E402
from mlserver.types import InferenceRequest, RequestInput  # noqa: E402
from mlserver_sklearn import SKLearnModel  # noqa: E402

FEATURES = 32


class Constant:
    def __init__(self, value):
        self.value = value

    def predict(self, x):
        return self.value


def serving(estimator):
    settings = ModelSettings(name="bench", implementation=SKLearnModel,
                             parameters=ModelParameters(uri="./unused.joblib"))
    model = SKLearnModel(settings)
    model._model = estimator  # what load() sets from the joblib file
    model.ready = True
    return model


def per_call_us(fn, calls):
    started = time.perf_counter()
    fn(calls)
    return (time.perf_counter() - started) / calls * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, FEATURES)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    row = x[:1].tobytes()

    def request():
        return InferenceRequest(inputs=[RequestInput(name="x", shape=[1, FEATURES],
                                                     datatype="FP32", data=row)])

    print(f"one-row calls, median of {args.runs} runs, microseconds per call")
    for name, estimator, calls in (
            ("logistic regression", LogisticRegression(max_iter=300), args.calls),
            ("random forest (100 trees)", RandomForestClassifier(n_estimators=100,
                                                                 random_state=0),
             max(args.calls // 20, 20))):
        estimator.fit(x, y)
        model = serving(estimator)
        bare = serving(Constant(estimator.predict(x[:1])))

        def direct(n):
            for _ in range(n):
                estimator.predict(np.frombuffer(row, np.float32).reshape(1, FEATURES))

        def through(m):
            async def loop(n):
                for _ in range(n):
                    await m.predict(request())
            return lambda n: asyncio.run(loop(n))

        timings = {"estimator.predict": [], "SKLearnModel.predict": [],
                   "SKLearnModel, no model": []}
        for _ in range(args.runs):
            timings["estimator.predict"].append(per_call_us(direct, calls))
            timings["SKLearnModel.predict"].append(per_call_us(through(model), calls))
            timings["SKLearnModel, no model"].append(per_call_us(through(bare), calls))
        for label, values in timings.items():
            print(f"{name:27s} {label:24s} {statistics.median(values):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
