"""Triton's statistics and model configuration extensions over REST, against the session's
server (tests/integration/make_test_repository.py).

    GET /v2/models[/{m}[/versions/{v}]]/stats     GET /v2/models/{m}[/versions/{v}]/config
"""

import time

import requests

import make_test_repository as repo
from oip_client import TIMEOUT_S, error_message, infer, ok_json, tensor

DURATIONS = ("success", "fail", "queue", "compute_input", "compute_infer", "compute_output",
             "cache_hit", "cache_miss")


def stats(url, path):
    return ok_json(requests.get(url + path + "/stats", timeout=TIMEOUT_S))["model_stats"]


def add_sub_inputs(n):
    return [tensor("INPUT0", "FP32", [n], [1.0] * n), tensor("INPUT1", "FP32", [n], [2.0] * n)]


def test_extensions_are_listed(base_url):
    extensions = ok_json(requests.get(base_url + "/v2", timeout=TIMEOUT_S))["extensions"]
    for name in ("statistics", "model_configuration", "model_repository"):
        assert name in extensions


def test_counts_match_the_requests_sent(base_url):
    before = stats(base_url, "/v2/models/add_sub")
    assert len(before) == 1
    for _ in range(5):
        ok_json(infer(base_url, "add_sub", add_sub_inputs(3)))
    error_message(infer(base_url, "add_sub", [tensor("INPUT0", "FP32", [1], [1.0])]), 400)
    (after,) = stats(base_url, "/v2/models/add_sub")
    (old,) = before
    assert after["name"] == "add_sub" and after["version"] == "1"
    success = after["inference_stats"]["success"]
    assert success["count"] - old["inference_stats"]["success"]["count"] == 5
    assert success["ns"] > old["inference_stats"]["success"]["ns"]
    # No batching (max_batch_size 0): one execution and one inference per request.
    assert after["execution_count"] - old["execution_count"] == 5
    assert after["inference_count"] - old["inference_count"] == 5
    assert abs(after["last_inference"] / 1000 - time.time()) < 60
    for key in DURATIONS:
        assert set(after["inference_stats"][key]) == {"count", "ns"}
    assert after["inference_stats"]["compute_infer"]["count"] >= 5
    # Invalid requests are refused before the scheduler: not counted as failures here.
    assert after["inference_stats"]["fail"]["count"] == old["inference_stats"]["fail"]["count"]
    (batch,) = after["batch_stats"]
    assert batch["batch_size"] == 1 and batch["compute_infer"]["count"] >= 5
    assert set(batch) == {"batch_size", "compute_input", "compute_infer", "compute_output"}


def test_all_models_and_one_version(base_url):
    every = stats(base_url, "/v2/models")
    names = {(m["name"], m["version"]) for m in every}
    assert ("versioned", "1") in names and ("versioned", "2") in names
    assert not any(m["name"] in repo.BROKEN_MODELS for m in every)
    (one,) = stats(base_url, "/v2/models/versioned/versions/2")
    assert one["version"] == "2"
    assert len(stats(base_url, "/v2/models/versioned")) == 2


def test_stats_errors(base_url):
    get = lambda path: requests.get(base_url + path, timeout=TIMEOUT_S)  # noqa: E731
    assert error_message(get("/v2/models/no_such_model/stats"), 404) == \
        "Request for unknown model: 'no_such_model' is not found"
    assert error_message(get("/v2/models/versioned/versions/9/stats"), 404) == \
        "Request for unknown model: 'versioned' version 9 is not found"
    assert "has no ready version" in error_message(get("/v2/models/corrupt/stats"), 503)
    response = requests.post(base_url + "/v2/models/add_sub/stats", timeout=TIMEOUT_S)
    assert "method POST is not allowed" in error_message(response, 405)


def test_config_has_tritons_field_names(base_url):
    config = ok_json(requests.get(base_url + "/v2/models/mlp_test/config", timeout=TIMEOUT_S))
    assert config["name"] == "mlp_test"
    assert config["platform"] == "onnxruntime_onnx"
    assert config["max_batch_size"] == repo.MLP_MAX_BATCH
    # Every field of Triton's ModelInput/ModelInstanceGroup is printed, defaults included,
    # as Triton prints them (test_triton_config.py checks the rest).
    assert config["input"] == [{"name": "input", "data_type": "TYPE_FP32",
                                "format": "FORMAT_NONE", "dims": [repo.MLP_SIZES[0]],
                                "is_shape_tensor": False, "allow_ragged_batch": False,
                                "optional": False}]
    assert [o["name"] for o in config["output"]] == ["logits", "probabilities"]
    [group] = config["instance_group"]
    assert (group["name"], group["count"], group["kind"]) == ("mlp_test", 1, "KIND_CPU")
    assert config["version_policy"] == {"all": {}}


def test_config_is_completed_from_the_model_file(base_url):
    path = f"/v2/models/{repo.DOTTED_NAME}/versions/{repo.DOTTED_VERSION}/config"
    config = ok_json(requests.get(base_url + path, timeout=TIMEOUT_S))
    assert config["max_batch_size"] == 4
    assert config["input"][0]["name"] == "x" and config["input"][0]["dims"] == [4]
    assert config["output"][0]["data_type"] == "TYPE_FP32"


def test_config_errors(base_url):
    response = requests.get(base_url + "/v2/models/no_such_model/config", timeout=TIMEOUT_S)
    assert error_message(response, 404) == "Request for unknown model: 'no_such_model' is not found"
    response = requests.get(base_url + "/v2/models/bad_config/config", timeout=TIMEOUT_S)
    assert "not ready" in error_message(response, 503)
