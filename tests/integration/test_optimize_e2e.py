"""`tensord optimize` end to end: optimize -> written as a new version -> served by tensord
-> REST outputs equal the candidate's in-process outputs; and every bad input is a non-zero
exit with a message naming the problem, no stack trace, and the repository byte-for-byte
untouched."""
import json
import os
import subprocess
import time

import numpy as np
import onnx
import pytest
import requests

from optimize_support import helper_bin, mlp, tree_digest
from tensord_process import run_cli

FAST = ["--seconds", "0.1", "--rounds", "1"]


def write_mlp_repository(root, opset=13):
    folder = os.path.join(root, "mlp")
    os.makedirs(os.path.join(folder, "1"))
    onnx.save(mlp([16, 64, 4], seed=9, opset=opset), os.path.join(folder, "1", "model.onnx"))
    with open(os.path.join(folder, "config.pbtxt"), "w") as f:
        f.write('name: "mlp"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 32\n'
                'input [ { name: "x" data_type: TYPE_FP32 dims: [ 16 ] } ]\n'
                'output [ { name: "y" data_type: TYPE_FP32 dims: [ 4 ] } ]\n')
    return str(root)


@pytest.fixture
def repo(tmp_path):
    return write_mlp_repository(tmp_path / "repo")


@pytest.fixture
def samples(tmp_path):
    path = str(tmp_path / "samples.npy")
    np.save(path, np.random.default_rng(1).random((200, 16), np.float32))
    return path


def optimize(*args):
    return run_cli("optimize", *args, timeout=180)


def assert_refused(result, message):
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def rest_infer(url, version, x):
    body = {"inputs": [{"name": "x", "shape": list(x.shape), "datatype": "FP32",
                        "data": x.reshape(-1).tolist()}]}
    r = requests.post(f"{url}/v2/models/mlp/versions/{version}/infer", json=body, timeout=10)
    assert r.status_code == 200, r.text
    out = r.json()["outputs"][0]
    return np.array(out["data"], np.float32).reshape(out["shape"])


def wait_ready(url, version, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if requests.get(f"{url}/v2/models/mlp/versions/{version}/ready", timeout=5).status_code \
                == 200:
            return
        time.sleep(0.1)
    raise AssertionError(f"version {version} did not become ready in {seconds} s")


def test_optimize_writes_a_version_that_tensord_serves_as_measured(repo, samples, tmp_path,
                                                                   start_server):
    # A tensord in poll mode is already serving version 1 and picks version 2 up.
    server = start_server(repo, "--model-control-mode", "poll", "--repository-poll-secs", "0.2")
    wait_ready(server.url, 1)
    report = str(tmp_path / "report.json")
    result = optimize("--model-repository", repo, "-m", "mlp", "--samples", samples,
                      "--passes", "int8-dynamic", "--write", "int8-dynamic-dqmatmul",
                      "--min-agreement", "0.9", "--json", report, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wrote int8-dynamic-dqmatmul as version 2" in result.stdout
    assert "/v2/repository/models/mlp/load" in result.stdout
    assert "tensord-bench saturate -m mlp -x 2" in result.stdout
    with open(report) as f:
        doc = json.load(f)
    assert doc["written"] == [{"version": "2", "candidate": "int8-dynamic-dqmatmul"}]
    names = [c["name"] for c in doc["candidates"]]
    assert names == ["original", "int8-dynamic-matmulinteger", "int8-dynamic-dqmatmul"]
    chosen = doc["candidates"][2]
    assert chosen["status"] == "ok" and chosen["accuracy"]["agreement"] >= 0.9
    assert chosen["speed_batched"]["p50_us"] > 0 and chosen["size_mb"] > 0
    written = onnx.load(os.path.join(repo, "mlp", "2", "model.onnx"))
    assert "DynamicQuantizeMatMul" in [n.op_type for n in written.graph.node]

    # The candidate's in-process outputs (tensord's core, no transport) ...
    x = np.load(samples)[:8]
    inputs = tmp_path / "in"
    inputs.mkdir()
    np.save(inputs / "x.npy", x)
    subprocess.run([helper_bin(), "run", "--model-repository", repo, "-m", "mlp", "-x", "2",
                    "--inputs", str(inputs), "--outputs", str(tmp_path / "out"), "--batch", "8"],
                   check=True)
    in_process = np.load(tmp_path / "out" / "y.npy")
    # ... are what the server answers over REST for version 2, while version 1 is the original.
    wait_ready(server.url, 2)
    np.testing.assert_array_equal(rest_infer(server.url, 2, x), in_process)
    original = rest_infer(server.url, 1, x)
    assert np.max(np.abs(original - in_process)) > 0  # really the quantized model
    assert np.max(np.abs(original - in_process)) < 0.1 * np.max(np.abs(original))


def test_a_file_that_is_not_onnx_is_refused(tmp_path, samples):
    folder = tmp_path / "repo" / "junk" / "1"
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"this is not a protobuf \xff\xfe")
    before = tree_digest(tmp_path / "repo")
    result = optimize("--model-repository", str(tmp_path / "repo"), "-m", "junk", "--samples",
                      samples, "--write", "best", *FAST)
    assert_refused(result, "model.onnx: not an ONNX model")
    assert tree_digest(tmp_path / "repo") == before


def test_a_model_that_is_not_onnx_is_unsupported(tmp_path, samples):
    folder = tmp_path / "repo" / "trees" / "1"
    folder.mkdir(parents=True)
    (folder / "model.bst").write_bytes(b"\0" * 16)
    before = tree_digest(tmp_path / "repo")
    result = optimize("--model-repository", str(tmp_path / "repo"), "-m", "trees", "--samples",
                      samples, *FAST)
    assert_refused(result, "model 'trees' version 1 is a xgboost model")
    assert "handles ONNX models only" in result.stderr
    assert tree_digest(tmp_path / "repo") == before


def test_an_unknown_model_is_refused(repo, samples):
    before = tree_digest(repo)
    result = optimize("--model-repository", repo, "-m", "nope", "--samples", samples, *FAST)
    assert_refused(result, "model 'nope': no folder")
    assert tree_digest(repo) == before


@pytest.mark.parametrize("make, message", [
    (lambda x: x.astype(np.float64), "input 'x' is FP64 (float64) in"),
    (lambda x: x[:, :8], "input 'x' has shape [200, 8] in"),
])
def test_samples_that_do_not_match_the_model_are_refused(repo, tmp_path, samples, make, message):
    bad = str(tmp_path / "bad.npy")
    np.save(bad, make(np.load(samples)))
    before = tree_digest(repo)
    result = optimize("--model-repository", repo, "-m", "mlp", "--samples", bad, "--write",
                      "best", *FAST)
    assert_refused(result, message)
    assert tree_digest(repo) == before


def test_samples_naming_an_unknown_input_are_refused(repo, tmp_path):
    (tmp_path / "s").mkdir()
    np.save(tmp_path / "s" / "image.npy", np.zeros((4, 16), np.float32))
    result = optimize("--model-repository", repo, "-m", "mlp", "--samples", str(tmp_path / "s"),
                      *FAST)
    assert_refused(result, "image.npy names no input of the model (inputs: x)")


def test_an_existing_target_version_is_refused(repo, samples):
    before = tree_digest(repo)
    result = optimize("--model-repository", repo, "-m", "mlp", "--samples", samples,
                      "--passes", "int8-dynamic", "--write", "int8-dynamic-dqmatmul",
                      "--min-agreement", "0", "--as-version", "1", *FAST)
    assert_refused(result, "version 1 already exists")
    assert "never overwrites a version" in result.stderr
    assert tree_digest(repo) == before


def test_a_candidate_a_pass_cannot_make_is_not_written(tmp_path, samples):
    # Opset 10 has MatMulInteger but not DynamicQuantizeLinear (11): that form is skipped,
    # the com.microsoft form is made, and asking for the skipped one writes nothing.
    repo = write_mlp_repository(tmp_path / "repo", opset=10)
    before = tree_digest(repo)
    result = optimize("--model-repository", repo, "-m", "mlp", "--samples", samples,
                      "--passes", "int8-dynamic", "--write", "int8-dynamic-matmulinteger",
                      "--min-agreement", "0", *FAST)
    assert_refused(result, "--write int8-dynamic-matmulinteger: the candidate is not usable "
                           "(skipped: the model's opset 10 has no DynamicQuantizeLinear")
    assert "int8-dynamic-dqmatmul" in result.stdout
    assert tree_digest(repo) == before


def test_nothing_meets_min_agreement_so_nothing_is_written(repo, samples):
    before = tree_digest(repo)
    result = optimize("--model-repository", repo, "-m", "mlp", "--samples", samples,
                      "--passes", "prune", "--prune", "0.9", "--write", "best",
                      "--min-agreement", "1", *FAST)
    assert_refused(result,
                   "--write best: no candidate reaches --min-agreement 1.0; nothing written")
    assert "prune-90" in result.stdout  # the table was printed first
    assert tree_digest(repo) == before


def test_a_single_top_level_file_cannot_get_versions(tmp_path, samples):
    folder = tmp_path / "repo" / "flat"
    folder.mkdir(parents=True)
    onnx.save(mlp([16, 8, 4]), str(folder / "model.onnx"))
    before = tree_digest(tmp_path / "repo")
    result = optimize("--model-repository", str(tmp_path / "repo"), "-m", "flat", "--samples",
                      samples, "--write", "best", *FAST)
    assert_refused(result, "model 'flat' is a single file at the top of")
    assert "move it into 1/ first" in result.stderr
    assert tree_digest(tmp_path / "repo") == before


def test_bad_flags_are_refused_by_name(repo, samples):
    for flags, message in [(["--prune", "1.5"], "--prune 1.5: expected a fraction"),
                           (["--passes", "int4"], "--passes: unknown pass 'int4'"),
                           (["--as-version", "7"], "--as-version names the one version"),
                           (["--plot", "x.jpg"], "--plot x.jpg: the file name must end in")]:
        result = optimize("--model-repository", repo, "-m", "mlp", "--samples", samples, *flags)
        assert_refused(result, message)


def test_a_version_policy_that_will_not_serve_the_new_version_is_reported(repo, samples):
    with open(os.path.join(repo, "mlp", "config.pbtxt"), "a") as f:
        f.write("version_policy: { specific: { versions: [1] } }\n")
    result = optimize("--model-repository", repo, "-m", "mlp", "--samples", samples,
                      "--passes", "fp16", "--write", "fp16-weights", *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wrote fp16-weights as version 2" in result.stdout
    assert "version_policy does not select version 2" in result.stdout
    with open(os.path.join(repo, "mlp", "config.pbtxt")) as f:
        assert "versions: [1]" in f.read()  # the config is left as it was


def test_the_thread_plan_measured_is_reported_with_a_hint_when_one_instance_shares_the_cores(
        repo, samples, tmp_path):
    # Speed is measured as the model's config runs it; with one instance on several cores the
    # output says that one instance per core may measure differently, and how to ask for it.
    cores = len(os.sched_getaffinity(0))
    report = str(tmp_path / "report.json")
    result = optimize("--model-repository", repo, "-m", "mlp", "--samples", samples,
                      "--passes", "fp16", "--json", report, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(report) as f:
        assert json.load(f)["thread_plan"] == {"instances": 1, "usable_cores": cores}
    assert ("one instance per core" in result.stdout) == (cores > 1), result.stdout
    with open(os.path.join(repo, "mlp", "config.pbtxt"), "a") as f:
        f.write(f"instance_group [ {{ count: {cores} kind: KIND_CPU }} ]\n")
    result = optimize("--model-repository", repo, "-m", "mlp", "--samples", samples,
                      "--passes", "fp16", "--json", report, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(report) as f:
        assert json.load(f)["thread_plan"] == {"instances": cores, "usable_cores": cores}
    assert "one instance per core" not in result.stdout
