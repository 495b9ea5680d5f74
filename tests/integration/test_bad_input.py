"""Every bad request gets the right HTTP status and an {"error": ...} that names the field
or tensor and the problem; afterwards the server still answers correctly (last test)."""

import json

import pytest
import requests

from oip_client import (TIMEOUT_S, error_message, infer, outputs_by_name, post_raw, tensor)

IDENTITY = "/v2/models/identity_fp32/infer"


def post_json(url, body, path=IDENTITY):
    return post_raw(url, path, json.dumps(body))


def fp32_input(**fields):
    """A valid identity_fp32 input with `fields` replaced (None: removed)."""
    base = {"name": "INPUT0", "datatype": "FP32", "shape": [1, 2], "data": [1.0, 2.0]}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def lower(message):
    return message.lower()


# --- the body is not a valid request -------------------------------------------------------

@pytest.mark.parametrize("body", ['{"inputs": [', "not json at all", '{"inputs": []]}',
                                  '{"inputs": [{"name": "INPUT0",}]}'])
def test_malformed_json_is_400(base_url, body):
    message = error_message(post_raw(base_url, IDENTITY, body), 400)
    assert "json" in lower(message), message


def test_empty_body_is_400(base_url):
    message = error_message(post_raw(base_url, IDENTITY, b""), 400)
    assert any(word in lower(message) for word in ("json", "empty", "body")), message


def test_body_that_is_not_an_object_is_400(base_url):
    message = error_message(post_raw(base_url, IDENTITY, "[1, 2, 3]"), 400)
    assert "object" in lower(message) or "inputs" in message, message


def test_missing_inputs_is_400(base_url):
    message = error_message(post_json(base_url, {"id": "x"}), 400)
    assert "inputs" in message, message


def test_inputs_not_an_array_is_400(base_url):
    message = error_message(post_json(base_url, {"inputs": {"name": "INPUT0"}}), 400)
    assert "inputs" in message, message


def test_missing_name_is_400(base_url):
    message = error_message(post_json(base_url, {"inputs": [fp32_input(name=None)]}), 400)
    assert "name" in message, message


def test_missing_shape_is_400(base_url):
    message = error_message(post_json(base_url, {"inputs": [fp32_input(shape=None)]}), 400)
    assert "INPUT0" in message and "shape" in message, message


def test_missing_datatype_is_400(base_url):
    message = error_message(post_json(base_url, {"inputs": [fp32_input(datatype=None)]}), 400)
    assert "INPUT0" in message and "datatype" in message, message


def test_missing_data_is_400(base_url):
    message = error_message(post_json(base_url, {"inputs": [fp32_input(data=None)]}), 400)
    assert "INPUT0" in message and "data" in message, message


@pytest.mark.parametrize("datatype", ["FP33", "fp32", "FLOAT", ""])
def test_unknown_datatype_is_400(base_url, datatype):
    message = error_message(post_json(base_url, {"inputs": [fp32_input(datatype=datatype)]}), 400)
    assert "INPUT0" in message and "datatype" in lower(message), message
    if datatype:
        assert datatype in message, message


@pytest.mark.parametrize("shape", [[-1, 2], [2, -3], [-2, -1]])
def test_negative_dimension_is_400(base_url, shape):
    body = {"inputs": [fp32_input(shape=shape)]}
    message = error_message(post_json(base_url, body), 400)
    assert "INPUT0" in message and ("shape" in lower(message) or "dim" in lower(message)), message


@pytest.mark.parametrize("shape", [[1.5, 2], [1, 2.0], ["1", 2], [True, 2], [None, 2],
                                   [[1], 2], [18446744073709551616, 1], 2, "1,2"])
def test_non_integer_dimension_is_400(base_url, shape):
    body = {"inputs": [fp32_input(shape=shape)]}
    message = error_message(post_json(base_url, body), 400)
    assert "INPUT0" in message and ("shape" in lower(message) or "dim" in lower(message)), message


@pytest.mark.parametrize("count", [5, 7])
def test_element_count_not_matching_shape_is_400(base_url, count):
    body = {"inputs": [fp32_input(shape=[2, 3], data=[1.0] * count)]}
    message = error_message(post_json(base_url, body), 400)
    assert message == f"input 'INPUT0': 'data' holds {count} elements but shape [2,3] needs 6"


def test_ragged_nested_data_is_400(base_url):
    body = {"inputs": [fp32_input(shape=[2, 3], data=[[1.0, 2.0, 3.0], [4.0, 5.0]])]}
    message = error_message(post_json(base_url, body), 400)
    assert message == "input 'INPUT0': 'data' holds 5 elements but shape [2,3] needs 6"


@pytest.mark.parametrize("shape", [
    [4294967296, 4294967296],        # 2**64 elements: overflows int64
    [9223372036854775807, 2],        # overflows int64 by a factor of two
    [1000000, 1000000],              # 10**12 elements: fits int64, 4 TB of FP32
])
def test_huge_shape_is_400_without_allocating(server, base_url, shape):
    # "Without work" is measured in memory, not time: a shape the server tried to honour
    # would grow its RSS by terabytes (or fail), which no loaded machine can hide.
    before_kb = server.rss_kb()
    for _ in range(3):
        body = {"inputs": [fp32_input(shape=shape, data=[1.0, 2.0, 3.0])]}
        message = error_message(post_json(base_url, body), 400)
        assert "INPUT0" in message, message
        assert any(w in lower(message) for w in ("shape", "element", "overflow")), message
    grown_mb = (server.rss_kb() - before_kb) / 1024
    assert grown_mb < 50, f"server RSS grew by {grown_mb:.0f} MB for a refused request"


# --- data of the wrong JSON type for the datatype ------------------------------------------

@pytest.mark.parametrize("model, datatype, data", [
    ("identity_fp32", "FP32", ["1.0", 2.0]),
    ("identity_fp32", "FP32", [None, 2.0]),
    ("identity_fp32", "FP32", [True, 2.0]),
    ("identity_fp64", "FP64", [{"x": 1}, 2.0]),
    ("identity_uint8", "UINT8", [300, 1]),
    ("identity_uint8", "UINT8", [-1, 1]),
    ("identity_uint8", "UINT8", [1.5, 1]),
    ("identity_int8", "INT8", [128, 1]),
    ("identity_int32", "INT32", [1.5, 2]),
    ("identity_int32", "INT32", [2147483648, 2]),
    ("identity_int32", "INT32", ["3", 2]),
    ("identity_int64", "INT64", [9223372036854775808, 1]),
    ("identity_uint64", "UINT64", [18446744073709551616, 1]),
    ("identity_uint64", "UINT64", [-1, 1]),
    ("identity_bool", "BOOL", [1, 0]),
    ("identity_bool", "BOOL", ["true", False]),
    ("identity_bytes", "BYTES", [1, "a"]),
    ("identity_bytes", "BYTES", [None, "a"]),
])
def test_wrong_json_type_for_datatype_is_400(base_url, model, datatype, data):
    body = {"inputs": [tensor("INPUT0", datatype, [1, 2], data)]}
    message = error_message(post_json(base_url, body, f"/v2/models/{model}/infer"), 400)
    assert "INPUT0" in message and datatype in message, message


# --- the request does not fit the model ----------------------------------------------------

def add_sub_input(name, datatype="FP32", shape=(2,), data=(1.0, 2.0)):
    return tensor(name, datatype, list(shape), list(data))


def test_input_the_model_does_not_have_is_400(base_url):
    inputs = [add_sub_input("INPUT0"), add_sub_input("INPUT1"), add_sub_input("INPUT2")]
    message = error_message(infer(base_url, "add_sub", inputs), 400)
    assert "INPUT2" in message and "add_sub" in message, message


def test_missing_input_is_400(base_url):
    message = error_message(infer(base_url, "add_sub", [add_sub_input("INPUT0")]), 400)
    assert "INPUT1" in message and "missing" in lower(message), message


def test_no_inputs_at_all_is_400(base_url):
    message = error_message(infer(base_url, "add_sub", []), 400)
    assert "INPUT0" in message or "inputs" in message, message


def test_duplicate_input_is_400(base_url):
    inputs = [add_sub_input("INPUT0"), add_sub_input("INPUT1"), add_sub_input("INPUT0")]
    message = error_message(infer(base_url, "add_sub", inputs), 400)
    assert "INPUT0" in message, message
    assert any(w in lower(message) for w in ("more than once", "duplicate", "twice")), message


def test_wrong_datatype_for_the_model_is_400(base_url):
    inputs = [add_sub_input("INPUT0", "INT32", data=(1, 2)), add_sub_input("INPUT1")]
    message = error_message(infer(base_url, "add_sub", inputs), 400)
    assert "INPUT0" in message and "INT32" in message and "FP32" in message, message


def test_wrong_shape_for_the_model_is_400(base_url):
    inputs = [tensor("input", "FP32", [1, 7], [0.0] * 7)]
    message = error_message(infer(base_url, "mlp_test", inputs), 400)
    assert "'input'" in message or '"input"' in message, message
    assert "shape" in lower(message) and "7" in message and "8" in message, message


def test_wrong_rank_for_the_model_is_400(base_url):
    message = error_message(infer(base_url, "identity_fp32", [tensor("INPUT0", "FP32", [2],
                                                                      [1.0, 2.0])]), 400)
    assert "INPUT0" in message and "shape" in lower(message), message


def test_batch_over_max_batch_size_is_400(base_url):
    inputs = [tensor("input", "FP32", [9, 8], [0.0] * 72)]
    message = error_message(infer(base_url, "mlp_test", inputs), 400)
    assert message == "input 'input' has batch size 9, but model 'mlp_test' accepts 1 to 8"


def test_inputs_with_different_lengths_fail_in_the_model_as_400(base_url):
    # Both shapes fit [-1], but Add cannot broadcast 2 against 3: the runtime's error is
    # the client's fault (400), not a server error.
    inputs = [add_sub_input("INPUT0"), add_sub_input("INPUT1", shape=(3,), data=(1, 2, 3))]
    message = error_message(infer(base_url, "add_sub", inputs), 400)
    # The model and ONNX Runtime's own reason (which node, which dimensions).
    assert message.startswith("model 'add_sub': "), message
    assert "Attempting to broadcast an axis by a dimension other than 1. 2 by 3" in message, \
        message


def test_unknown_requested_output_is_400(base_url):
    inputs = [add_sub_input("INPUT0"), add_sub_input("INPUT1")]
    response = infer(base_url, "add_sub", inputs, outputs=[{"name": "OUTPUT9"}])
    message = error_message(response, 400)
    assert "OUTPUT9" in message, message


def test_output_requested_twice_is_400(base_url):
    inputs = [add_sub_input("INPUT0"), add_sub_input("INPUT1")]
    response = infer(base_url, "add_sub", inputs,
                     outputs=[{"name": "OUTPUT0"}, {"name": "OUTPUT0"}])
    message = error_message(response, 400)
    assert "OUTPUT0" in message, message


def test_requested_output_without_name_is_400(base_url):
    inputs = [add_sub_input("INPUT0"), add_sub_input("INPUT1")]
    message = error_message(infer(base_url, "add_sub", inputs, outputs=[{}]), 400)
    assert "name" in message and "output" in lower(message), message


# --- routes and methods --------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("DELETE", "/v2/health/live"),
    ("POST", "/v2/health/ready"),
    ("PUT", "/v2"),
    ("GET", "/v2/models/identity_fp32/infer"),
    ("DELETE", "/v2/models/identity_fp32"),
    ("POST", "/v2/models/identity_fp32/ready"),
])
def test_wrong_method_is_405(base_url, method, path):
    response = requests.request(method, base_url + path, timeout=TIMEOUT_S)
    message = error_message(response, 405)
    assert "method" in lower(message) or method in message, message
    # RFC 9110: a 405 carries the methods the resource allows.
    assert response.headers.get("Allow"), response.headers


# ("/" is the live console: tests/integration/test_console.py.)
@pytest.mark.parametrize("path", ["/nonexistent", "/v2/nonexistent", "/v3/health/live",
                                  "/v2/health/alive",
                                  "/v2/models/identity_fp32/versions/1/nonsense",
                                  "/v2/models/identity_fp32/infer/extra"])
def test_unknown_path_is_404(base_url, path):
    message = error_message(requests.get(base_url + path, timeout=TIMEOUT_S), 404)
    assert path in message or "not found" in lower(message), message


# --- last: the server is still fine --------------------------------------------------------

def test_server_still_answers_correctly_after_all_bad_input(base_url):
    assert requests.get(base_url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200
    outputs = outputs_by_name(infer(base_url, "add_sub", [add_sub_input("INPUT0", data=(1, 2)),
                                                          add_sub_input("INPUT1", data=(3, 5))]))
    assert outputs["OUTPUT0"]["data"] == [4.0, 7.0]
    assert outputs["OUTPUT1"]["data"] == [-2.0, -3.0]
