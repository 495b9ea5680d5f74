"""Server, health and model routes of the Open Inference Protocol: metadata, readiness,
unknown models and versions, models that failed to load."""

import re

import pytest
import requests

from make_test_repository import DOTTED_NAME, DOTTED_VERSION, MLSERVER_VERSION
from oip_client import TIMEOUT_S, error_message, infer, ok_json, tensor


def get(url, path):
    return requests.get(url + path, timeout=TIMEOUT_S)


def test_server_metadata(base_url):
    body = ok_json(get(base_url, "/v2"))
    assert body["name"] == "tensord"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", body["version"]), body
    assert isinstance(body["extensions"], list)
    assert all(isinstance(e, str) for e in body["extensions"])
    assert "binary_tensor_data" in body["extensions"]


def test_health_live(base_url):
    assert get(base_url, "/v2/health/live").status_code == 200


def test_health_ready_despite_broken_models_without_strict_readiness(base_url):
    # The repository holds models that fail to load; without --strict-readiness the
    # server is still ready (Triton's default).
    assert get(base_url, "/v2/health/ready").status_code == 200


def test_batched_model_metadata_shows_batch_dimension_as_minus_one(base_url):
    body = ok_json(get(base_url, "/v2/models/mlp_test"))
    assert body["name"] == "mlp_test"
    assert body["versions"] == ["1"]
    assert body["platform"] == "onnxruntime_onnx"
    assert body["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 8]}]
    assert sorted(body["outputs"], key=lambda o: o["name"]) == [
        {"name": "logits", "datatype": "FP32", "shape": [-1, 3]},
        {"name": "probabilities", "datatype": "FP32", "shape": [-1, 3]},
    ]


@pytest.mark.parametrize("datatype", ["BOOL", "UINT64", "BF16", "BYTES"])
def test_unbatched_identity_metadata(base_url, datatype):
    name = f"identity_{datatype.lower()}"
    body = ok_json(get(base_url, f"/v2/models/{name}"))
    assert body["name"] == name
    assert body["inputs"] == [{"name": "INPUT0", "datatype": datatype, "shape": [-1, -1]}]
    assert body["outputs"] == [{"name": "OUTPUT0", "datatype": datatype, "shape": [-1, -1]}]


def test_version_metadata(base_url):
    body = ok_json(get(base_url, "/v2/models/mlp_test/versions/1"))
    assert body["name"] == "mlp_test"
    assert body["inputs"][0]["name"] == "input"


def test_metadata_lists_every_version_as_strings(base_url):
    body = ok_json(get(base_url, "/v2/models/versioned"))
    assert body["versions"] == ["1", "2"]


def test_model_without_config_is_described_from_its_file(base_url):
    body = ok_json(get(base_url, "/v2/models/noconfig"))
    assert body["name"] == "noconfig"
    assert body["platform"] == "onnxruntime_onnx"
    assert body["versions"] == ["1"]
    assert body["inputs"] == [{"name": "x", "datatype": "INT32", "shape": [-1, 3]}]
    assert body["outputs"] == [{"name": "y", "datatype": "INT32", "shape": [-1, 3]}]


def test_config_without_tensors_is_completed_from_the_file(base_url):
    body = ok_json(get(base_url, f"/v2/models/{DOTTED_NAME}"))
    assert body["name"] == DOTTED_NAME
    assert body["versions"] == [DOTTED_VERSION]
    assert body["inputs"] == [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}]
    assert body["outputs"] == [{"name": "y", "datatype": "FP32", "shape": [-1, 4]}]


def test_mlserver_model_metadata(base_url):
    body = ok_json(get(base_url, "/v2/models/add_sub_mls"))
    assert body["name"] == "add_sub_mls"
    assert body["versions"] == [MLSERVER_VERSION]
    assert sorted(body["inputs"], key=lambda t: t["name"]) == [
        {"name": "INPUT0", "datatype": "FP32", "shape": [-1, 4]},
        {"name": "INPUT1", "datatype": "FP32", "shape": [-1, 4]},
    ]


@pytest.mark.parametrize("path", [
    "/v2/models/mlp_test/ready",
    "/v2/models/mlp_test/versions/1/ready",
    "/v2/models/versioned/versions/1/ready",
    "/v2/models/versioned/versions/2/ready",
    f"/v2/models/{DOTTED_NAME}/versions/{DOTTED_VERSION}/ready",
    f"/v2/models/add_sub_mls/versions/{MLSERVER_VERSION}/ready",
    "/v2/models/identity_bytes/ready",
    "/v2/models/noconfig/ready",
])
def test_model_ready(base_url, path):
    assert get(base_url, path).status_code == 200


@pytest.mark.parametrize("suffix", ["", "/ready", "/versions/1", "/versions/1/ready"])
def test_unknown_model_is_404(base_url, suffix):
    message = error_message(get(base_url, f"/v2/models/no_such_model{suffix}"), 404)
    assert "no_such_model" in message


def test_infer_on_unknown_model_is_404(base_url):
    response = infer(base_url, "no_such_model", [tensor("INPUT0", "FP32", [1, 1], [1.0])])
    assert "no_such_model" in error_message(response, 404)


@pytest.mark.parametrize("suffix", ["", "/ready", "/infer"])
def test_unknown_version_is_404(base_url, suffix):
    url = f"{base_url}/v2/models/mlp_test/versions/9{suffix}"
    if suffix == "/infer":
        response = requests.post(url, json={"inputs": [
            tensor("input", "FP32", [1, 8], [0.0] * 8)]}, timeout=TIMEOUT_S)
    else:
        response = requests.get(url, timeout=TIMEOUT_S)
    message = error_message(response, 404)
    assert "mlp_test" in message and "9" in message


def test_dotted_model_unknown_version_is_404(base_url):
    message = error_message(get(base_url, f"/v2/models/{DOTTED_NAME}/versions/1/ready"), 404)
    assert DOTTED_NAME in message


# Models that fail to load: the server starts, and the model says why it is not ready.

def test_corrupt_model_is_not_ready_with_reason(base_url):
    message = error_message(get(base_url, "/v2/models/corrupt/ready"), 400)
    assert "corrupt" in message and "onnx" in message.lower(), message


def test_corrupt_model_version_is_not_ready_with_reason(base_url):
    message = error_message(get(base_url, "/v2/models/corrupt/versions/1/ready"), 400)
    assert "onnx" in message.lower(), message


def test_infer_on_model_that_failed_to_load_is_503(base_url):
    response = infer(base_url, "corrupt", [tensor("INPUT0", "FP32", [1], [1.0])])
    message = error_message(response, 503)
    assert "corrupt" in message and "onnx" in message.lower(), message


def test_config_contradicting_the_model_file_names_both(base_url):
    message = error_message(get(base_url, "/v2/models/mismatch/ready"), 400)
    assert "INPUT0" in message, message
    assert "INT32" in message and "FP32" in message, message


def test_invalid_config_names_file_and_field(base_url):
    message = error_message(get(base_url, "/v2/models/bad_config/ready"), 400)
    assert "config.pbtxt" in message and "max_batch_size" in message, message


def test_broken_models_do_not_hide_the_others(base_url):
    # Spot check that loading went on after the failures (alphabetically before and after).
    for model in ("add_sub", "identity_fp32", "mlp_test", "versioned"):
        assert get(base_url, f"/v2/models/{model}/ready").status_code == 200, model
