"""Runs models through tensord's C++, never through a Python ONNX Runtime (there is none
here, and the point is to measure what the server will do):

  - outputs: tensord-optimize-helper run (Server::Create + InferAsync, in process) on a
    temporary repository holding only the candidate;
  - speed: tensord-bench --backend inprocess (the same core path, concurrency 1, medians);
  - the graph pass: the helper loads the model with the config parameters
    graph_optimization_level + optimized_model_path, so ONNX Runtime saves its graph.

    tools = Tools(helper_bin, bench_bin, workdir)
    outs = tools.run(model, {"input": x}, batch=64)          # {"probabilities": array}
    speed = tools.bench(repo_dir, "mlp", batch=32, seconds=1) # {"p50_us": .., "rows_per_s": ..}
"""
import json
import os
import shutil
import subprocess

import numpy as np
import onnx

from .errors import OptimizeError


class CandidateError(Exception):
    """A candidate that ONNX Runtime (through tensord) refused or failed to run."""


class Tools:
    def __init__(self, helper_bin, bench_bin, workdir):
        for what, path in (("tensord-optimize-helper", helper_bin), ("tensord-bench", bench_bin)):
            if not path or not os.access(path, os.X_OK):
                raise OptimizeError(f"{what} not found at '{path}': build it (cmake --build "
                                    f"--preset release --target {what}) or pass "
                                    f"--{what.split('-')[-1]}-bin")
        self.helper_bin, self.bench_bin, self.workdir = helper_bin, bench_bin, workdir
        self._count = 0

    def _fresh(self, tag):
        self._count += 1
        path = os.path.join(self.workdir, f"{self._count:03d}-{tag}")
        os.makedirs(path)
        return path

    def plan(self, repository, model):
        p = subprocess.run([self.helper_bin, "plan", "--model-repository", repository, "-m", model],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise OptimizeError(p.stderr.strip().removeprefix("tensord-optimize-helper: "))
        return json.loads(p.stdout)

    def repository(self, tag, model_name, model, config=None, file_name="model.onnx"):
        """A temporary repository: <root>/<model_name>/1/<file_name> (+ config files, given as
        {file name: text}). Returns the root."""
        root = self._fresh(tag)
        folder = os.path.join(root, model_name)
        os.makedirs(os.path.join(folder, "1"))
        path = os.path.join(folder, "1", file_name)
        if isinstance(model, onnx.ModelProto):
            onnx.save(model, path)
        else:
            shutil.copyfile(model, path)
        for name, text in (config or {}).items():
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        return root

    def run_repository(self, root, model_name, inputs, batch):
        in_dir, out_dir = os.path.join(root, ".inputs"), os.path.join(root, ".outputs")
        os.makedirs(in_dir)
        for name, array in inputs.items():
            np.save(os.path.join(in_dir, name + ".npy"), np.ascontiguousarray(array))
        p = subprocess.run([self.helper_bin, "run", "--model-repository", root, "-m", model_name,
                            "--inputs", in_dir, "--outputs", out_dir, "--batch", str(batch)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise CandidateError(p.stderr.strip().removeprefix("tensord-optimize-helper: "))
        return {f[:-4]: np.load(os.path.join(out_dir, f)) for f in sorted(os.listdir(out_dir))}

    def run(self, model, inputs, batch, tag="run", config=None):
        """Outputs of `model` (ModelProto or path) on `inputs`, config-less unless given."""
        root = self.repository(tag, "m", model, config)
        return self.run_repository(root, "m", inputs, batch)

    def bench(self, root, model_name, batch, seconds, shapes=(), input_data=None):
        """Median latency of one request of `batch` rows (None: the model's fixed shape),
        concurrency 1, in process."""
        report = os.path.join(root, ".bench.json")
        window_ms = max(100, int(seconds * 1000 / 3))
        cmd = [self.bench_bin, "-m", model_name, "--backend", "inprocess", "--model-repository",
               root, "--concurrency-range", "1", "-p", str(window_ms), "-r", "3",
               "--json", report, "--no-progress"]
        if batch:
            cmd += ["-b", str(batch)]
        for s in shapes:
            cmd += ["--shape", s]
        if input_data:
            cmd += ["--input-data", input_data]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise CandidateError("tensord-bench: " + (p.stderr.strip() or p.stdout.strip()))
        with open(report) as f:
            point = json.load(f)["points"][0]
        p50 = point["latency_us"]["p50"]
        if point.get("failed"):
            raise CandidateError(f"tensord-bench: {point['failed']} failed requests: "
                                 f"{point.get('errors')}")
        return {"p50_us": p50, "rows_per_s": (batch or 1) * 1e6 / p50 if p50 else 0.0,
                "stable": point.get("stable", False)}
