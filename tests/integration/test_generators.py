"""The model generators (no server needed): deterministic output, valid ONNX, small files,
and example requests that match the example models."""

import hashlib
import json
import os
import subprocess

import onnx
import pytest

import make_test_repository
from make_test_repository import REPO_ROOT

MAKE_MODELS = os.path.join(REPO_ROOT, "scripts", "make-models")
EXAMPLES = os.path.join(REPO_ROOT, "examples")
EXAMPLE_MODELS = ("mlp", "add_sub", "text_upper")


def tree_digest(root):
    digests = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                digests[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return digests


def onnx_files(root):
    return sorted(os.path.join(folder, name) for folder, _, files in os.walk(root)
                  for name in files if name == "model.onnx")


@pytest.fixture(scope="module")
def example_repository(tmp_path_factory):
    root = tmp_path_factory.mktemp("examples")
    subprocess.run([MAKE_MODELS, str(root)], check=True, timeout=120)
    return str(root)


def test_make_models_writes_the_three_example_models(example_repository):
    # (and the Seldon pipeline over two of them, tests/integration/test_seldon_pipeline.py)
    assert set(EXAMPLE_MODELS + ("sum_classify",)) <= set(os.listdir(example_repository))
    assert os.path.isfile(os.path.join(example_repository, "mlp", "config.pbtxt"))
    assert os.path.isfile(os.path.join(example_repository, "mlp", "1", "model.onnx"))
    assert os.path.isfile(os.path.join(example_repository, "add_sub", "model-settings.json"))
    assert os.path.isfile(os.path.join(example_repository, "add_sub", "model.onnx"))
    assert os.path.isfile(os.path.join(example_repository, "text_upper", "config.pbtxt"))
    assert os.path.isfile(os.path.join(example_repository, "text_upper", "1", "model.onnx"))


def test_make_models_is_deterministic(example_repository, tmp_path):
    subprocess.run([MAKE_MODELS, str(tmp_path)], check=True, timeout=120)
    assert tree_digest(str(tmp_path)) == tree_digest(example_repository)


def test_make_models_without_argument_fails_with_usage():
    result = subprocess.run([MAKE_MODELS], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "usage" in result.stderr


def test_example_models_are_valid_small_onnx(example_repository):
    files = onnx_files(example_repository)
    assert len(files) == 3
    for path in files:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        assert os.path.getsize(path) < 100 * 1024, path
        assert max(op.version for op in onnx.load(path).opset_import) <= 17


def test_example_mlp_matches_its_config(example_repository):
    model = onnx.load(os.path.join(example_repository, "mlp", "1", "model.onnx"))
    (graph_input,) = model.graph.input
    (graph_output,) = model.graph.output
    assert graph_input.name == "input" and graph_output.name == "probabilities"
    dims = [d.dim_param or d.dim_value for d in graph_input.type.tensor_type.shape.dim]
    assert dims == ["batch", 16]
    ops = [node.op_type for node in model.graph.node]
    assert ops == ["MatMul", "Add", "Relu", "MatMul", "Add", "Softmax"]
    with open(os.path.join(example_repository, "mlp", "config.pbtxt")) as f:
        config = f.read()
    for expected in ('name: "mlp"', 'platform: "onnxruntime_onnx"', "max_batch_size: 32",
                     'name: "input"', "TYPE_FP32", "dims: [ 16 ]", 'name: "probabilities"',
                     "dims: [ 4 ]"):
        assert expected in config


def test_example_requests_match_the_example_models(example_repository):
    for model in EXAMPLE_MODELS:
        with open(os.path.join(EXAMPLES, f"{model}-request.json"), encoding="utf-8") as f:
            request = json.load(f)
        path = os.path.join(example_repository, model, "1", "model.onnx")
        if not os.path.exists(path):
            path = os.path.join(example_repository, model, "model.onnx")
        graph = onnx.load(path).graph
        names = {i.name for i in graph.input}
        assert {t["name"] for t in request["inputs"]} == names, model
        for output in request.get("outputs", []):
            assert output["name"] in {o.name for o in graph.output}, model


def test_test_repository_is_deterministic_and_valid(tmp_path):
    first = make_test_repository.build(str(tmp_path / "a"))
    second = make_test_repository.build(str(tmp_path / "b"))
    assert tree_digest(first) == tree_digest(second)
    assert sorted(os.listdir(first)) == sorted(make_test_repository.MODELS)
    for path in onnx_files(first):
        if "/corrupt/" in path:
            with pytest.raises(Exception):
                onnx.load(path)
            continue
        onnx.checker.check_model(onnx.load(path), full_check=True)
        assert os.path.getsize(path) < 100 * 1024, path


def test_test_repository_mlp_weights_read_back(tmp_path):
    root = make_test_repository.build(str(tmp_path))
    layers = make_test_repository.m.mlp_weights(make_test_repository.mlp_path(root))
    sizes = make_test_repository.MLP_SIZES
    assert [w.shape for w, _ in layers] == list(zip(sizes[:-1], sizes[1:]))
