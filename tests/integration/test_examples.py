"""The example repository of scripts/make-models, served as `make run` serves it, answers
the requests in examples/ with the right numbers (computed with numpy from the weights in
the generated files)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import requests

from make_test_repository import REPO_ROOT
from oip_client import TIMEOUT_S, ok_json, outputs_by_name, post_raw
from tensord_process import TensordProcess

sys.path.insert(0, os.path.join(REPO_ROOT, "scripts"))
from make_models import onnx_models  # noqa: E402

EXAMPLES = os.path.join(REPO_ROOT, "examples")


@pytest.fixture(scope="module")
def example_server(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("example-models"))
    subprocess.run([os.path.join(REPO_ROOT, "scripts", "make-models"), root], check=True,
                   timeout=120)
    server = TensordProcess.start(root)
    yield root, server
    code = server.stop()
    assert code == 0, server.log()


def example_request(model):
    with open(os.path.join(EXAMPLES, f"{model}-request.json"), "rb") as f:
        raw = f.read()
    return raw, json.loads(raw)


def post_example(url, model):
    raw, _ = example_request(model)
    # As the README's `curl -d @examples/...` sends it (curl's default content type).
    return post_raw(url, f"/v2/models/{model}/infer", raw,
                    content_type="application/x-www-form-urlencoded")


def test_every_example_model_is_ready(example_server):
    _, server = example_server
    assert requests.get(server.url + "/v2/health/ready", timeout=TIMEOUT_S).status_code == 200
    for model in ("mlp", "add_sub", "text_upper"):
        response = requests.get(f"{server.url}/v2/models/{model}/ready", timeout=TIMEOUT_S)
        assert response.status_code == 200, (model, response.text)


def test_mlp_example_metadata(example_server):
    _, server = example_server
    body = ok_json(requests.get(server.url + "/v2/models/mlp", timeout=TIMEOUT_S))
    assert body["platform"] == "onnxruntime_onnx"
    assert body["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 16]}]
    assert body["outputs"] == [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 4]}]


def test_mlp_example_gives_the_right_numbers(example_server):
    root, server = example_server
    _, request = example_request("mlp")
    x = np.array(request["inputs"][0]["data"], dtype=np.float32)
    layers = onnx_models.mlp_weights(os.path.join(root, "mlp", "1", "model.onnx"))
    _, expected = onnx_models.mlp_reference(layers, x)
    response = post_example(server.url, "mlp")
    body = ok_json(response)
    assert body["id"] == request["id"]
    (output,) = body["outputs"]
    assert output["name"] == "probabilities" and output["shape"] == [2, 4]
    np.testing.assert_allclose(np.array(output["data"]).reshape(2, 4), expected,
                               rtol=1e-5, atol=1e-6)


def test_add_sub_example(example_server):
    _, server = example_server
    _, request = example_request("add_sub")
    a, b = (np.array(t["data"], dtype=np.float32) for t in request["inputs"])
    outputs = outputs_by_name(post_example(server.url, "add_sub"))
    assert outputs["OUTPUT0"]["shape"] == [1, 16]
    assert outputs["OUTPUT0"]["data"] == (a + b).tolist()
    assert outputs["OUTPUT1"]["data"] == (a - b).tolist()


def test_add_sub_example_metadata_from_model_settings(example_server):
    _, server = example_server
    body = ok_json(requests.get(server.url + "/v2/models/add_sub", timeout=TIMEOUT_S))
    assert sorted(t["name"] for t in body["inputs"]) == ["INPUT0", "INPUT1"]
    assert all(t["shape"] == [-1, 16] for t in body["inputs"] + body["outputs"])


def test_text_upper_example(example_server):
    _, server = example_server
    _, request = example_request("text_upper")
    texts = request["inputs"][0]["data"]
    outputs = outputs_by_name(post_example(server.url, "text_upper"))
    assert outputs["UPPER"]["datatype"] == "BYTES"
    assert outputs["UPPER"]["data"] == [t.upper() for t in texts]


def test_text_upper_handles_utf8(example_server):
    _, server = example_server
    body = {"inputs": [{"name": "TEXT", "datatype": "BYTES", "shape": [2],
                        "data": ["héllo wörld", ""]}]}
    response = requests.post(server.url + "/v2/models/text_upper/infer", json=body,
                             timeout=TIMEOUT_S)
    assert outputs_by_name(response)["UPPER"]["data"] == ["HÉLLO WÖRLD", ""]
