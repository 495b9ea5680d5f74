"""`tensord optimize`: command line, the run of every pass, measurement, report, writing.
Any OptimizeError ends the command with `tensord optimize: MESSAGE` and exit code 1; the
repository is only ever written by versions.write_version, after every check passed.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import onnx

from . import accuracy, report, versions
from .errors import OptimizeError
from .model_io import load_model, model_inputs
from .passes import fp16, graph, int8_dynamic, int8_static, prune
from .runner import CandidateError, Tools
from .samples import load_samples

ONNX_PLATFORM = "onnxruntime_onnx"
PASS_NAMES = ("graph", "int8-dynamic", "int8-static", "fp16", "prune")
CALIBRATION_SAMPLES = 128


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="tensord optimize",
        description="Make a model faster (ONNX Runtime graph optimization, int8 dynamic and "
                    "static quantization, fp16 weights, structured pruning), measure every "
                    "candidate against the original through tensord's own core, and write the "
                    "chosen ones as new versions.")
    p.add_argument("--model-repository", required=True, help="the repository folder")
    p.add_argument("-m", "--model-name", required=True, help="the model")
    p.add_argument("-x", "--model-version", default="", help="version (default: the highest)")
    p.add_argument("--samples", required=True,
                   help="tensord-bench --input-data JSON, a folder of <input>.npy, or one .npy "
                        "(one-input models); first axis = sample")
    p.add_argument("--labels", help="expected outputs: a .npy (first output) or a folder of "
                                    "<output>.npy; integers are class labels")
    p.add_argument("--passes", default=",".join(PASS_NAMES),
                   help=f"comma-separated subset of {', '.join(PASS_NAMES)} (default: all)")
    p.add_argument("--prune", type=float, default=0.5,
                   help="fraction of the hidden units to remove (default 0.5)")
    p.add_argument("--batch-size", type=int, default=32,
                   help="the batched size speed is measured at (default 32; capped by "
                        "max_batch_size)")
    p.add_argument("--seconds", type=float, default=1.0,
                   help="time of each speed measurement (default 1)")
    p.add_argument("--rounds", type=int, default=2,
                   help="speed is measured this many times, in alternating order, keeping each "
                        "candidate's fastest median (default 2: cores shared with other work "
                        "make one measurement unreliable)")
    p.add_argument("--json", help="write every number to this file")
    p.add_argument("--plot", help="accuracy against speed, FILE.png or FILE.svg (gnuplot)")
    p.add_argument("--write", help="best | all | a candidate's name: write as new versions")
    p.add_argument("--min-agreement", type=float, default=0.99,
                   help="candidates written must agree this much with the original (default 0.99)")
    p.add_argument("--as-version", type=int,
                   help="the version number to write (default: the highest + 1)")
    p.add_argument("--helper-bin", default=os.environ.get("TENSORD_OPTIMIZE_HELPER", ""),
                   help=argparse.SUPPRESS)
    p.add_argument("--bench-bin", default=os.environ.get("TENSORD_BENCH_BIN", ""),
                   help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    a.passes = [x.strip() for x in a.passes.split(",") if x.strip()]
    for name in a.passes:
        if name not in PASS_NAMES:
            raise OptimizeError(f"--passes: unknown pass '{name}' "
                                f"(expected {', '.join(PASS_NAMES)})")
    if not 0 < a.prune < 1:
        raise OptimizeError(f"--prune {a.prune}: expected a fraction between 0 and 1")
    if not 0 <= a.min_agreement <= 1:
        raise OptimizeError(f"--min-agreement {a.min_agreement}: expected a number in [0, 1]")
    if a.seconds <= 0 or a.seconds > 600:
        raise OptimizeError(f"--seconds {a.seconds}: expected a number in (0, 600]")
    if not 1 <= a.rounds <= 10:
        raise OptimizeError(f"--rounds {a.rounds}: expected 1 to 10")
    if a.batch_size < 1:
        raise OptimizeError(f"--batch-size {a.batch_size}: expected at least 1")
    if a.plot and not a.plot.endswith((".png", ".svg")):
        raise OptimizeError(f"--plot {a.plot}: the file name must end in .png or .svg")
    if a.as_version is not None and a.as_version < 1:
        raise OptimizeError(f"--as-version {a.as_version}: expected a positive integer")
    if a.as_version is not None and a.write in (None, "all"):
        raise OptimizeError("--as-version names the one version --write best|NAME writes")
    return a


def pick_version(plan, wanted, model):
    if plan["error"]:
        raise OptimizeError(f"model '{model}': {plan['error']}")
    versions = plan["versions"]
    if not versions:
        raise OptimizeError(f"model '{model}': no version to optimize in {plan['folder']}")
    if wanted:
        chosen = [v for v in versions if v["version"] == wanted]
        if not chosen:
            raise OptimizeError(f"model '{model}' has no version {wanted} (versions: "
                                f"{', '.join(v['version'] for v in versions)})")
        v = chosen[0]
    else:
        v = versions[-1]
    if v["error"]:
        raise OptimizeError(f"model '{model}' version {v['version']}: {v['error']}")
    if v["platform"] != ONNX_PLATFORM:
        raise OptimizeError(f"model '{model}' version {v['version']} is a {v['platform']} model "
                            f"({v['model_path']}); tensord optimize handles ONNX models only")
    return v


def load_labels(path, reference):
    if not path:
        return None
    names = list(reference)
    if os.path.isdir(path):
        labels = {f[:-4]: np.load(os.path.join(path, f)) for f in os.listdir(path)
                  if f.endswith(".npy") and f[:-4] in reference}
        if not labels:
            raise OptimizeError(f"--labels {path}: no <output>.npy for any output "
                                f"({', '.join(names)})")
    else:
        try:
            labels = {names[0]: np.load(path, allow_pickle=False)}
        except Exception as e:
            raise OptimizeError(f"--labels {path}: not a .npy array ({e})") from None
    for name, lab in labels.items():
        if lab.shape[0] != reference[name].shape[0]:
            raise OptimizeError(f"--labels: output '{name}' has {lab.shape[0]} labels for "
                                f"{reference[name].shape[0]} samples")
    return labels


class Session:
    """One run of the command: the model, its samples, the tools and a scratch folder."""

    def __init__(self, args, workdir):
        self.args = args
        self.tools = Tools(args.helper_bin, args.bench_bin, workdir)
        self.plan = self.tools.plan(args.model_repository, args.model_name)
        self.version = pick_version(self.plan, args.model_version, args.model_name)
        self.model_path = self.version["model_path"]
        self.model = load_model(self.model_path)
        self.specs = model_inputs(self.model)
        if not self.specs:
            raise OptimizeError(f"{self.model_path}: the model has no inputs")
        self.samples = load_samples(args.samples, self.specs)
        first = self.specs[0].dims[0]
        self.run_batch = first if first > 0 else 64
        mbs = self.plan["max_batch_size"]
        self.fixed_batch = first > 0 and mbs == 0
        self.batched = first if self.fixed_batch else min(args.batch_size, mbs or args.batch_size)
        self._speed_roots = {}
        self.shapes = [f"{s.name}:{','.join(str(d) for d in self.samples[s.name].shape[1:])}"
                       for s in self.specs if -1 in s.dims[1:]]

    def outputs(self, model, tag):
        return self.tools.run(model, self.samples, self.run_batch, tag=tag)

    def speed_repository(self, model, tag):
        """The candidate in place of the original file, beside a copy of the model folder's
        top-level files (its config: the thread plan and batching the server would use)."""
        root = self.tools._fresh("speed-" + tag)
        src = self.plan["folder"]
        dst = os.path.join(root, os.path.basename(os.path.normpath(src)))
        os.makedirs(dst)
        for f in os.listdir(src):
            path = os.path.join(src, f)
            if os.path.isfile(path) and not f.endswith(".onnx"):
                shutil.copyfile(path, os.path.join(dst, f))
        rel = os.path.relpath(self.model_path, src)
        os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
        onnx.save(model, os.path.join(dst, rel))
        return root

    def timing_data(self, rows):
        """tensord-bench --input-data with up to 4 distinct requests of `rows` samples each
        (cycled when there are fewer samples), so speed is timed on the user's data."""
        path = os.path.join(self.tools.workdir, f"timing-{rows}.json")
        if not os.path.exists(path):
            count = next(iter(self.samples.values())).shape[0]
            entries = []
            per_request = sum(a[0].size for a in self.samples.values()) * rows
            distinct = max(1, min(4, count // rows, 1_000_000 // max(per_request, 1)))
            for k in range(distinct):
                picks = np.arange(k * rows, (k + 1) * rows) % count
                entries.append({name: {"content": a[picks].reshape(-1).tolist(),
                                       "shape": [rows, *a.shape[1:]]}
                                for name, a in self.samples.items()})
            with open(path, "w") as f:
                json.dump({"data": entries}, f)
        return path

    def speed(self, model, tag):
        if tag not in self._speed_roots:  # one copy per candidate, reused by every round
            self._speed_roots[tag] = self.speed_repository(model, tag)
        root = self._speed_roots[tag]
        name = self.plan["name"]
        one = None if self.fixed_batch else 1
        many = None if self.fixed_batch else self.batched
        first = self.specs[0].dims[0]
        s1 = self.tools.bench(root, name, one, self.args.seconds, self.shapes,
                              self.timing_data(first if self.fixed_batch else 1))
        sb = s1 if self.fixed_batch else self.tools.bench(
            root, name, many, self.args.seconds, self.shapes, self.timing_data(many))
        return s1, sb


def make_candidates(session):
    """[(name, ModelProto or None, notes)] for every selected pass."""
    a, model = session.args, session.model
    out = []
    if "graph" in a.passes:
        for level in graph.LEVELS:
            try:
                r = graph.optimize(session.model_path, session.tools, session.samples,
                                   session.run_batch, level)
            except CandidateError as e:
                r = None
                out.append((f"graph-{level}", None, [f"refused: {e}"]))
            if r is not None:
                out.append((f"graph-{level}", r.model, r.notes))
    if "int8-dynamic" in a.passes:
        for form in int8_dynamic.FORMS:
            r = int8_dynamic.quantize(model, form)
            out.append((f"int8-dynamic-{form}", r.model, r.notes))
    if "int8-static" in a.passes:
        names = int8_static.calibration_tensors(model)
        if not names:
            out.append(("int8-static", None, ["no Conv/MatMul/Gemm with a float weight"]))
        else:
            cal = int8_static.calibration_model(model, names)
            subset = {k: v[:CALIBRATION_SAMPLES] for k, v in session.samples.items()}
            try:
                recorded = session.tools.run(cal, subset, session.run_batch, tag="calibrate")
                arrays = {n: recorded[f"calib_{i}"] for i, n in enumerate(names)}
                for method in int8_static.METHODS:
                    r = int8_static.quantize(model, int8_static.ranges_from(arrays, method))
                    out.append((f"int8-static-{method}", r.model, r.notes))
            except CandidateError as e:
                out.append(("int8-static", None, [f"calibration failed: {e}"]))
    if "fp16" in a.passes:
        r = fp16.convert(model)
        out.append(("fp16-weights", r.model, r.notes))
    if "prune" in a.passes:
        r = prune.prune(model, a.prune)
        out.append((f"prune-{int(round(a.prune * 100))}", r.model, r.notes))
    return out


def measure(session, name, model, notes, reference, labels):
    """Size and accuracy; speed comes later (measure_speed) so rounds can alternate."""
    row = {"name": name, "notes": notes, "status": "ok"}
    if model is None:
        row["status"] = "skipped: " + (notes[0] if notes else "nothing to do")
        return row
    row["size_mb"] = len(model.SerializeToString()) / 1e6
    try:
        outs = reference if name == "original" else session.outputs(model, name)
    except CandidateError as e:
        row["status"] = f"refused by ONNX Runtime: {e}"
        return row
    row["accuracy"] = accuracy.compare(reference, outs, labels)
    if row["accuracy"].get("error"):
        row["status"] = "wrong outputs: " + row["accuracy"]["error"]
        return row
    row["model"] = model
    return row


def measure_speed(session, rows, rounds):
    """Each usable row's fastest median over `rounds` rounds (odd rounds in reverse order,
    so a burst of load elsewhere does not always hit the same candidates)."""
    usable = [r for r in rows if r["status"] == "ok"]
    for k in range(rounds):
        for r in (usable if k % 2 == 0 else usable[::-1]):
            if r["status"] != "ok":
                continue
            try:
                s1, sb = session.speed(r["model"], r["name"])
            except CandidateError as e:
                r["status"] = f"refused by ONNX Runtime: {e}"
                continue
            for key, s in (("speed_batch1", s1), ("speed_batched", sb)):
                if key not in r or s["p50_us"] < r[key]["p50_us"]:
                    r[key] = s
    base = rows[0]
    for r in rows:
        if r["status"] == "ok" and "speed_batched" in r:
            r["speedup_batch1"] = base["speed_batch1"]["p50_us"] / r["speed_batch1"]["p50_us"]
            r["speedup_batched"] = base["speed_batched"]["p50_us"] / r["speed_batched"]["p50_us"]


def choose(rows, which, min_agreement):
    ok = [r for r in rows[1:] if r["status"] == "ok"]
    meets = [r for r in ok if r["accuracy"]["agreement"] >= min_agreement]
    if which == "best":
        if not meets:
            raise OptimizeError(f"--write best: no candidate reaches --min-agreement "
                                f"{min_agreement}; nothing written")
        return [max(meets, key=lambda r: r["speedup_batched"])]
    if which == "all":
        if not meets:
            raise OptimizeError(f"--write all: no candidate reaches --min-agreement "
                                f"{min_agreement}; nothing written")
        return meets
    named = [r for r in rows[1:] if r["name"] == which]
    if not named:
        raise OptimizeError(f"--write {which}: no such candidate (candidates: "
                            f"{', '.join(r['name'] for r in rows[1:])})")
    r = named[0]
    if r["status"] != "ok":
        raise OptimizeError(f"--write {which}: the candidate is not usable ({r['status']}); "
                            "nothing written")
    if r["accuracy"]["agreement"] < min_agreement:
        raise OptimizeError(f"--write {which}: agreement {r['accuracy']['agreement']:.4f} is below "
                            f"--min-agreement {min_agreement}; nothing written")
    return [r]


def check_writable(session):
    """What --write would refuse anyway, checked before minutes of measuring."""
    a = session.args
    folder = session.plan["folder"]
    if os.path.dirname(os.path.relpath(session.model_path, folder)) == "":
        raise OptimizeError(f"model '{session.plan['name']}' is a single file at the top of "
                            f"{folder}: tensord serves that file alone there, and a new version "
                            "folder would hide it; move it into 1/ first. Nothing written")
    if a.as_version is not None:
        target = os.path.join(folder, str(a.as_version))
        if os.path.exists(target):
            raise OptimizeError(f"version {a.as_version} already exists ({target}); tensord "
                                "optimize never overwrites a version")


def write(session, chosen):
    a = session.args
    folder = session.plan["folder"]
    model_name = session.plan["name"]
    check_writable(session)
    if a.as_version is not None:
        if len(chosen) > 1:
            raise OptimizeError("--as-version names one version; --write all chose "
                                f"{len(chosen)} candidates")
        target = os.path.join(folder, str(a.as_version))
        if os.path.exists(target):
            raise OptimizeError(f"version {a.as_version} already exists ({target}); tensord "
                                "optimize never overwrites a version")
    file_name = os.path.basename(session.model_path)
    written = []
    for r in chosen:
        v = a.as_version if a.as_version is not None else versions.next_version(folder)
        versions.write_version(folder, v, file_name, r["model"])
        written.append((str(v), r["name"]))
        print(f"wrote {r['name']} as version {v}: {os.path.join(folder, str(v), file_name)}")
    after = session.tools.plan(a.model_repository, a.model_name)
    served = {v["version"] for v in after["versions"]}
    for v, _ in written:
        if v not in served:
            print(f"note: the model's version_policy does not select version {v}: tensord will "
                  f"not serve it until the config's policy includes it (config left unchanged)")
    print(f"A tensord in poll mode picks the new version(s) up; in explicit mode load them with:\n"
          f"  curl -X POST http://localhost:8000/v2/repository/models/{model_name}/load")
    for v, _ in written:
        print(f"Compare end to end: tensord-bench saturate -m {model_name} -x {v} "
              f"-u localhost:8000 --max-workers 2   (and -x {session.version['version']} "
              "for the original)")
    return written


def thread_plan(plan):
    """The thread plan speed was measured with (the model's config, as the server runs it),
    and a hint when one instance shares every usable core: one instance per core can measure
    very differently (int8 kernels scale poorly across intra-op threads on some CPUs)."""
    cores = len(os.sched_getaffinity(0))
    instances = max(1, int(plan.get("instance_count") or 0))
    hint = ""
    if instances == 1 and cores > 1:
        hint = (f"note: speed was measured as this model's config runs it: one instance on "
                f"{cores} usable cores (intra-op threads). Serving one instance per core "
                f"(parallel_workers: {cores}, or instance_group {{ count: {cores} }}) can change "
                f"these ratios a lot; set it in the config and run again to measure that plan.")
    return {"instances": instances, "usable_cores": cores, "hint": hint}


def run(args):
    workdir = tempfile.mkdtemp(prefix="tensord-optimize-")
    try:
        session = Session(args, workdir)
        if args.write:
            check_writable(session)
        n = next(iter(session.samples.values())).shape[0]
        print(f"model '{session.plan['name']}' version {session.version['version']} "
              f"({session.model_path}), {n} samples; speed in process at batch 1 and "
              f"{session.batched}, {args.seconds:g} s each")
        try:
            reference = session.outputs(session.model, "original")
        except CandidateError as e:
            raise OptimizeError(f"the original model does not run on the samples: {e}") from None
        labels = load_labels(args.labels, reference)
        rows = [measure(session, "original", session.model, [], reference, labels)]
        for name, model, notes in make_candidates(session):
            rows.append(measure(session, name, model, notes, reference, labels))
        measure_speed(session, rows, args.rounds)
        if rows[0]["status"] != "ok":
            raise OptimizeError(f"the original model: {rows[0]['status']}")
        batch_label = session.batched
        print(report.table(rows, batch_label))
        for r in rows[1:]:
            for note in r["notes"]:
                print(f"  {r['name']}: {note}")
        plan = thread_plan(session.plan)
        if plan["hint"]:
            print(plan["hint"])
        doc = {"model": session.plan["name"], "version": session.version["version"],
               "samples": n, "batch_sizes": [1, session.batched], "seconds": args.seconds,
               "thread_plan": {k: v for k, v in plan.items() if k != "hint"},
               "candidates": [{k: v for k, v in r.items() if k != "model"} for r in rows]}
        written = []
        failure = None
        if args.write:
            try:
                written = write(session, choose(rows, args.write, args.min_agreement))
            except OptimizeError as e:
                failure = e
        doc["written"] = [{"version": v, "candidate": c} for v, c in written]
        if args.json:
            report.write_json(args.json, doc)
        if args.plot:
            report.plot(args.plot, rows, batch_label)
        if failure:
            raise failure
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv):
    try:
        return run(parse_args(argv))
    except OptimizeError as e:
        print(f"tensord optimize: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tensord optimize: interrupted; nothing written", file=sys.stderr)
        return 130
