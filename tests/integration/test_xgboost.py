"""XGBoost models served from MLServer's own model-settings.json, compared with
python3-xgboost's predictions on the same rows (to 1e-6).

    /usr/bin/python3 -m pytest tests/integration/test_xgboost.py

The models are trained here by runtime/xgboost/testdata/make_models.py (the unit tests'
script); each model folder is what an MLServer user has today:
    binary/model-settings.json   {"implementation": "mlserver_xgboost.XGBoostModel",
                                  "parameters": {"uri": "./model.json"}}
    binary/model.json
"""

import concurrent.futures
import importlib.util
import json
import os
import shutil
import subprocess

import numpy as np
import pytest
import requests

from oip_client import error_message, infer, outputs_by_name, tensor
from tensord_process import REPO_ROOT

MAKE_MODELS = os.path.join(REPO_ROOT, "runtime", "xgboost", "testdata", "make_models.py")
FEATURES = 6
ATOL = 1e-6


def load_make_models():
    spec = importlib.util.spec_from_file_location("make_models", MAKE_MODELS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_models = load_make_models()


def write_mlserver_model(root, name, model_file, **settings):
    folder = os.path.join(root, name)
    os.makedirs(folder)
    extension = os.path.splitext(model_file)[1]
    shutil.copy(model_file, os.path.join(folder, "model" + extension))
    body = {"name": name, "implementation": "mlserver_xgboost.XGBoostModel",
            "parameters": {"uri": "./model" + extension}, **settings}
    with open(os.path.join(folder, "model-settings.json"), "w") as f:
        json.dump(body, f)
    return os.path.join(folder, "model" + extension)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("xgboost_models"))
    subprocess.run(["/usr/bin/python3", MAKE_MODELS, out], check=True)
    return out


@pytest.fixture(scope="module")
def repository(models, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("xgboost_repository"))
    paths = {
        "binary": write_mlserver_model(root, "binary", os.path.join(models, "binary.json")),
        "multiclass": write_mlserver_model(root, "multiclass",
                                           os.path.join(models, "multiclass.ubj")),
        "regressor": write_mlserver_model(root, "regressor",
                                          os.path.join(models, "regressor.bst")),
        "softmax": write_mlserver_model(root, "softmax", os.path.join(models, "softmax.json")),
        "native": write_mlserver_model(root, "native", os.path.join(models, "native.json")),
        "batched": write_mlserver_model(root, "batched", os.path.join(models, "binary.ubj"),
                                        max_batch_size=32, max_batch_time=0.002),
    }
    corrupt = os.path.join(root, "corrupt")
    os.makedirs(corrupt)
    with open(os.path.join(corrupt, "model.json"), "w") as f:
        f.write('{"learner": {"gradient_booster": ')  # truncated
    with open(os.path.join(corrupt, "model-settings.json"), "w") as f:
        json.dump({"name": "corrupt", "implementation": "mlserver_xgboost.XGBoostModel",
                   "parameters": {"uri": "./model.json"}}, f)
    # Triton FIL: config.pbtxt, backend "fil", version folder with FIL's file name.
    fil = os.path.join(root, "fil")
    os.makedirs(os.path.join(fil, "1"))
    shutil.copy(os.path.join(models, "native.json"), os.path.join(fil, "1", "xgboost.json"))
    with open(os.path.join(fil, "config.pbtxt"), "w") as f:
        f.write("""backend: "fil"
max_batch_size: 64
input [{ name: "input__0" data_type: TYPE_FP32 dims: [ 6 ] }]
output [{ name: "output__0" data_type: TYPE_FP32 dims: [ 2 ] }]
instance_group [{ kind: KIND_CPU }]
parameters [
  { key: "model_type" value: { string_value: "xgboost_json" } },
  { key: "predict_proba" value: { string_value: "true" } },
  { key: "output_class" value: { string_value: "true" } }
]
""")
    # FIL's binary format: model_type "xgboost", file xgboost.model.
    fil_binary = os.path.join(root, "fil_binary")
    os.makedirs(os.path.join(fil_binary, "1"))
    shutil.copy(os.path.join(models, "regressor.bst"),
                os.path.join(fil_binary, "1", "xgboost.model"))
    with open(os.path.join(fil_binary, "config.pbtxt"), "w") as f:
        f.write("""backend: "fil"
max_batch_size: 64
input [{ name: "input__0" data_type: TYPE_FP32 dims: [ 6 ] }]
output [{ name: "output__0" data_type: TYPE_FP32 dims: [ 1 ] }]
parameters [{ key: "model_type" value: { string_value: "xgboost" } }]
""")
    # No uri and several well-known files: MLServer loads model.bst first.
    both = os.path.join(root, "bst_and_json")
    os.makedirs(both)
    shutil.copy(os.path.join(models, "regressor.bst"), os.path.join(both, "model.bst"))
    shutil.copy(os.path.join(models, "binary.json"), os.path.join(both, "model.json"))
    with open(os.path.join(both, "model-settings.json"), "w") as f:
        json.dump({"name": "bst_and_json", "implementation": "mlserver_xgboost.XGBoostModel"}, f)
    return root, paths


@pytest.fixture(scope="module")
def server(repository):
    from tensord_process import TensordProcess
    process = TensordProcess.start(repository[0])
    yield process
    assert process.stop() == 0, process.log()


@pytest.fixture(scope="module")
def url(server):
    return server.url


def rows(seed=3, count=8):
    return np.random.default_rng(seed).normal(size=(count, FEATURES)).astype(np.float32)


def expected(path, data):
    """{output: np.ndarray} as MLServer returns them (python3-xgboost + XGBClassifier logic)."""
    return {name: make_models.encode(array)
            for name, array in make_models.mlserver_outputs(path, data).items()}


def assert_output(got, want):
    assert got["datatype"] == want["datatype"]
    assert got["shape"] == want["shape"]
    np.testing.assert_allclose(np.asarray(got["data"], dtype=np.float64).ravel(),
                               np.asarray(want["data"], dtype=np.float64), atol=ATOL, rtol=0)


def test_metadata_follows_mlserver(url):
    body = requests.get(url + "/v2/models/binary", timeout=30).json()
    assert body["inputs"] == [{"name": "input-0", "datatype": "FP32", "shape": [-1, FEATURES]}]
    outputs = {o["name"]: o for o in body["outputs"]}
    assert outputs["predict"] == {"name": "predict", "datatype": "INT64", "shape": [-1, 1]}
    assert outputs["predict_proba"] == {"name": "predict_proba", "datatype": "FP32",
                                        "shape": [-1, 2]}
    body = requests.get(url + "/v2/models/regressor", timeout=30).json()
    assert [o["name"] for o in body["outputs"]] == ["predict"]


@pytest.mark.parametrize("model", ["binary", "multiclass", "regressor", "softmax", "native"])
def test_predictions_match_python_xgboost(url, repository, model):
    data = rows()
    want = expected(repository[1][model], data)
    response = infer(url, model, [tensor("input-0", "FP32", list(data.shape), data.tolist())],
                     outputs=[{"name": name} for name in want])
    got = outputs_by_name(response)
    assert sorted(got) == sorted(want)
    for name in want:
        assert_output(got[name], want[name])


def test_default_output_is_predict_alone(url, repository):
    # MLServer returns only `predict` when a request names no outputs.
    data = rows(count=2)
    response = infer(url, "multiclass", [tensor("x", "FP32", [2, FEATURES], data.tolist())])
    got = outputs_by_name(response)
    assert list(got) == ["predict"]
    assert_output(got["predict"], expected(repository[1]["multiclass"], data)["predict"])


@pytest.mark.parametrize("datatype", ["FP64", "INT32", "INT64"])
def test_any_input_name_and_numeric_datatype(url, repository, datatype):
    data = np.random.default_rng(5).integers(-3, 4, size=(3, FEATURES))
    want = expected(repository[1]["binary"], data.astype(np.float32))
    response = infer(url, "binary", [tensor("my_features", datatype, [3, FEATURES],
                                            data.tolist())],
                     outputs=[{"name": "predict_proba"}])
    assert_output(outputs_by_name(response)["predict_proba"], want["predict_proba"])


def test_wrong_feature_count(url):
    message = error_message(infer(url, "binary", [tensor("x", "FP32", [1, 3], [1, 2, 3])]), 400)
    assert "[1,3]" in message and str(FEATURES) in message, message


def test_not_two_dimensional(url):
    message = error_message(
        infer(url, "binary", [tensor("x", "FP32", [FEATURES], list(range(FEATURES)))]), 400)
    assert "shape [6]" in message, message


def test_strings_are_rejected(url):
    message = error_message(
        infer(url, "binary", [tensor("x", "BYTES", [1, FEATURES], ["a"] * FEATURES)]), 400)
    assert "BYTES" in message, message


def test_predict_proba_of_a_regressor(url):
    data = rows(count=1)
    message = error_message(infer(url, "regressor", [tensor("x", "FP32", [1, FEATURES],
                                                            data.tolist())],
                                  outputs=[{"name": "predict_proba"}]), 400)
    assert "predict_proba" in message, message


def test_corrupt_model_is_unavailable_and_the_server_stays_up(url):
    message = error_message(requests.get(url + "/v2/models/corrupt/ready", timeout=30), 400)
    assert message.startswith("model 'corrupt' has no ready version: version 1: "), message
    assert requests.get(url + "/v2/models/binary/ready", timeout=30).status_code == 200
    assert requests.get(url + "/v2/health/live", timeout=30).status_code == 200


def test_triton_fil_config(url, repository):
    data = rows(count=4)
    response = infer(url, "fil", [tensor("input__0", "FP32", [4, FEATURES], data.tolist())])
    got = outputs_by_name(response)["output__0"]
    p = np.asarray(expected(repository[1]["native"], data)["predict"]["data"], dtype=np.float32)
    assert got["shape"] == [4, 2]
    np.testing.assert_allclose(np.asarray(got["data"]).reshape(4, 2),
                               np.stack([1 - p, p], axis=1), atol=ATOL)


def test_triton_fil_binary_model(url, repository):
    data = rows(count=3)
    response = infer(url, "fil_binary", [tensor("input__0", "FP32", [3, FEATURES],
                                                data.tolist())])
    got = outputs_by_name(response)["output__0"]
    want = expected(repository[1]["regressor"], data)["predict"]
    assert got["shape"] == [3, 1]
    np.testing.assert_allclose(np.asarray(got["data"], dtype=np.float64).ravel(),
                               np.asarray(want["data"], dtype=np.float64), atol=ATOL)


def test_without_uri_model_bst_is_loaded_first(url, repository):
    data = rows(count=2)
    response = infer(url, "bst_and_json", [tensor("x", "FP32", [2, FEATURES], data.tolist())])
    assert_output(outputs_by_name(response)["predict"],
                  expected(repository[1]["regressor"], data)["predict"])


def test_batched_model_under_concurrency(url, repository):
    data = rows(seed=11, count=64)
    want = expected(repository[1]["batched"], data)["predict_proba"]["data"]

    def one(i):
        response = infer(url, "batched", [tensor("x", "FP32", [1, FEATURES], [data[i].tolist()])],
                         outputs=[{"name": "predict_proba"}])
        return i, outputs_by_name(response)["predict_proba"]["data"]

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        for i, got in pool.map(one, range(len(data))):
            np.testing.assert_allclose(got, want[2 * i:2 * i + 2], atol=ATOL)
