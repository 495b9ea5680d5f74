"""REST binary tensor data (Triton's binary_tensor_data extension), end to end:

    body = JSON header + raw tensor bytes, Inference-Header-Content-Length: len(JSON)
    inputs carry parameters.binary_data_size; outputs come back binary when the request
    says binary_data_output (request level) or binary_data (per output, which wins);
    the response then carries Inference-Header-Content-Length and binary_data_size.
    Inference-Header-Content-Length: 0 makes the whole body the one input's raw bytes.

Every datatype round-trips bit-exactly through the identity models (NaN, -0.0 and bytes
that are not UTF-8 included: binary has no JSON spelling to lose them in). Bad bodies get
400 with a message naming the problem, and the server answers normally afterwards.
"""

import json
import struct

import numpy as np
import pytest
import requests

import make_test_repository as test_repository
from make_test_repository import identity_name, mlp_path
from oip_client import TIMEOUT_S, describe, error_message, model_path

HEADER = "Inference-Header-Content-Length"

# Raw little-endian storage of each fixed-size datatype (BF16 as its 16 bits: numpy has
# no bfloat16, and the comparison is bitwise anyway).
NUMPY_TYPES = {
    "BOOL": np.dtype("?"), "UINT8": np.dtype("<u1"), "UINT16": np.dtype("<u2"),
    "UINT32": np.dtype("<u4"), "UINT64": np.dtype("<u8"), "INT8": np.dtype("<i1"),
    "INT16": np.dtype("<i2"), "INT32": np.dtype("<i4"), "INT64": np.dtype("<i8"),
    "FP16": np.dtype("<f2"), "BF16": np.dtype("<u2"), "FP32": np.dtype("<f4"),
    "FP64": np.dtype("<f8"),
}

# datatype -> (shape, values): extremes, and for floats what JSON cannot carry exactly.
CASES = {
    "BOOL": ([2, 3], [True, False, False, True, True, False]),
    "UINT8": ([1, 4], [0, 1, 127, 255]),
    "UINT16": ([2, 2], [0, 1, 12345, 65535]),
    "UINT32": ([2, 2], [0, 1, 123456789, 2**32 - 1]),
    "UINT64": ([2, 2], [0, 1, 2**53 + 1, 2**64 - 1]),
    "INT8": ([2, 2], [-128, -1, 0, 127]),
    "INT16": ([2, 2], [-32768, -1, 0, 32767]),
    "INT32": ([2, 2], [-2**31, -1, 0, 2**31 - 1]),
    "INT64": ([2, 3], [-2**63, -1, 0, 2**63 - 1, 2**53 + 1, -(2**53 + 1)]),
    "FP16": ([2, 4], [0.0, -0.0, 65504.0, 2.0**-24, float("inf"), float("-inf"),
                      float("nan"), -1.5]),
    # BF16 bits: 1.0, -0.0, max, smallest subnormal, inf, -inf, NaN, 3.140625
    "BF16": ([2, 4], [0x3F80, 0x8000, 0x7F7F, 0x0001, 0x7F80, 0xFF80, 0x7FC0, 0x4049]),
    "FP32": ([2, 4], [0.1, -0.0, -3.4028234663852886e38, 1.401298464324817e-45,
                      float("inf"), float("-inf"), float("nan"), 16777216.0]),
    "FP64": ([2, 4], [0.1, -0.0, 1.7976931348623157e308, 5e-324, float("inf"),
                      float("-inf"), float("nan"), -1e-300]),
    # Empty, embedded NUL, not UTF-8, multi-byte UTF-8, quote and backslash.
    "BYTES": ([2, 3], [b"hello", b"", b"a\x00b", b"\xff\xfe\x80", "日本語 ✓".encode(),
                       b'"\\']),
}


# --- encoding and decoding -----------------------------------------------------------------

def encode_bytes(elements):
    """BYTES binary form: each element as a 4-byte little-endian length, then its bytes."""
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


def decode_bytes(data):
    elements, at = [], 0
    while at < len(data):
        (length,) = struct.unpack_from("<I", data, at)
        elements.append(data[at + 4:at + 4 + length])
        at += 4 + length
    assert at == len(data), f"BYTES data ends inside an element: {data!r}"
    return elements


def encode(datatype, values):
    if datatype == "BYTES":
        return encode_bytes(values)
    return np.array(values, dtype=NUMPY_TYPES[datatype]).tobytes()


def binary_input(name, datatype, shape, data):
    return {"name": name, "datatype": datatype, "shape": shape,
            "parameters": {"binary_data_size": len(data)}}


def post_binary(url, model, header, tail=b"", header_length=None, version=None):
    """POSTs JSON `header` followed by `tail`; Inference-Header-Content-Length is the JSON's
    length unless `header_length` (any string, or a number) replaces it."""
    json_bytes = json.dumps(header).encode()
    length = len(json_bytes) if header_length is None else header_length
    return requests.post(url + model_path(model, version) + "/infer", data=json_bytes + tail,
                         headers={HEADER: str(length),
                                  "Content-Type": "application/octet-stream"},
                         timeout=TIMEOUT_S)


def post_raw_binary(url, model, data, version=None):
    """Triton's raw binary request: the body is the one input's bytes, no JSON at all."""
    return requests.post(url + model_path(model, version) + "/infer", data=data,
                         headers={HEADER: "0", "Content-Type": "application/octet-stream"},
                         timeout=TIMEOUT_S)


def split_response(response):
    """Asserts a 200 with binary data; returns (JSON header, {output name: raw bytes}),
    checking the header length, each binary_data_size, and that they cover the tail."""
    assert response.status_code == 200, describe(response)
    assert response.headers.get("Content-Type") == "application/octet-stream", (
        response.headers)
    assert HEADER in response.headers, response.headers
    length = int(response.headers[HEADER])
    body = response.content
    assert length <= len(body)
    header = json.loads(body[:length])
    tail, at = body[length:], 0
    binary = {}
    for output in header["outputs"]:
        size = output.get("parameters", {}).get("binary_data_size")
        if size is None:
            assert "data" in output, output
            continue
        assert "data" not in output, f"binary output also has JSON data: {output}"
        binary[output["name"]] = tail[at:at + size]
        at += size
    assert at == len(tail), f"binary_data_size values add up to {at}, tail has {len(tail)}"
    return header, binary


def json_response(response):
    """Asserts a plain JSON 200 (no binary part); returns the body."""
    assert response.status_code == 200, describe(response)
    assert "application/json" in response.headers.get("Content-Type", ""), response.headers
    assert HEADER not in response.headers, response.headers
    return response.json()


def outputs_of(header):
    return {output["name"]: output for output in header["outputs"]}


def as_array(datatype, data, shape):
    return np.frombuffer(data, dtype=NUMPY_TYPES[datatype]).reshape(shape)


# --- round trips ---------------------------------------------------------------------------

@pytest.mark.parametrize("datatype", list(CASES))
def test_binary_in_binary_out_every_datatype(base_url, datatype):
    shape, values = CASES[datatype]
    data = encode(datatype, values)
    response = post_binary(base_url, identity_name(datatype),
                           {"inputs": [binary_input("INPUT0", datatype, shape, data)],
                            "parameters": {"binary_data_output": True}}, data)
    header, binary = split_response(response)
    assert header["model_name"] == identity_name(datatype)
    output = outputs_of(header)["OUTPUT0"]
    assert output["datatype"] == datatype and output["shape"] == shape
    assert output["parameters"]["binary_data_size"] == len(data)
    # Bit-exact: NaN payloads, -0.0, subnormals and arbitrary bytes all survive.
    assert binary["OUTPUT0"] == data
    if datatype == "BYTES":
        assert decode_bytes(binary["OUTPUT0"]) == values
    else:
        sent = np.array(values, dtype=NUMPY_TYPES[datatype]).reshape(shape)
        np.testing.assert_array_equal(as_array(datatype, binary["OUTPUT0"], shape), sent)


@pytest.mark.parametrize("datatype", ["BOOL", "UINT64", "INT64", "INT8", "FP32", "FP64"])
def test_binary_in_json_out(base_url, datatype):
    """Binary inputs, no binary output asked for: a plain JSON reply with the same values."""
    shape, values = CASES[datatype]
    if datatype.startswith("FP"):
        values = [v for v in values if np.isfinite(v)][:4]  # JSON has no NaN/Infinity
        shape = [1, len(values)]
    data = encode(datatype, values)
    body = json_response(post_binary(base_url, identity_name(datatype),
                                     {"inputs": [binary_input("INPUT0", datatype, shape, data)]},
                                     data))
    output = outputs_of(body)["OUTPUT0"]
    assert output["shape"] == shape and "binary_data_size" not in output.get("parameters", {})
    received = np.array(output["data"], dtype=NUMPY_TYPES[datatype])
    np.testing.assert_array_equal(received, np.array(values, dtype=NUMPY_TYPES[datatype]))
    if datatype in ("UINT64", "INT64"):
        assert output["data"] == values  # integers beyond 2**53 stay exact


def test_json_in_binary_out(base_url):
    values = [[1.5, -2.25, 3.0]]
    response = requests.post(
        base_url + "/v2/models/identity_fp32/infer", timeout=TIMEOUT_S,
        json={"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [1, 3],
                          "data": values}],
              "parameters": {"binary_data_output": True}})
    header, binary = split_response(response)
    assert outputs_of(header)["OUTPUT0"]["parameters"]["binary_data_size"] == 12
    np.testing.assert_array_equal(as_array("FP32", binary["OUTPUT0"], [1, 3]),
                                  np.float32(values))


def test_empty_tensor(base_url):
    response = post_binary(base_url, "identity_fp32",
                           {"inputs": [binary_input("INPUT0", "FP32", [0, 2], b"")],
                            "parameters": {"binary_data_output": True}})
    header, binary = split_response(response)
    output = outputs_of(header)["OUTPUT0"]
    assert output["shape"] == [0, 2] and output["parameters"]["binary_data_size"] == 0
    assert binary["OUTPUT0"] == b""


def test_response_header_length_is_the_json_length(base_url):
    data = encode("INT32", [7, 8])
    response = post_binary(base_url, "identity_int32",
                           {"inputs": [binary_input("INPUT0", "INT32", [1, 2], data)],
                            "id": "req-7", "parameters": {"binary_data_output": True}}, data)
    length = int(response.headers[HEADER])
    assert int(response.headers["Content-Length"]) == length + len(data)
    header = json.loads(response.content[:length])  # exactly the JSON, nothing more
    assert header["id"] == "req-7"
    assert response.content[length:] == data


# --- mixed inputs and output selection (add_sub: OUTPUT0 = a + b, OUTPUT1 = a - b) -------------

A = np.float32([1.5, -2.0, 3.25, 1e-3])
B = np.float32([0.5, 4.0, -1.0, 2.0])


def add_sub_inputs(binary_names):
    """add_sub inputs, those in `binary_names` as binary data (tail in input order)."""
    inputs, tail = [], b""
    for name, values in (("INPUT0", A), ("INPUT1", B)):
        if name in binary_names:
            inputs.append(binary_input(name, "FP32", [4], values.tobytes()))
            tail += values.tobytes()
        else:
            inputs.append({"name": name, "datatype": "FP32", "shape": [4],
                           "data": values.tolist()})
    return inputs, tail


@pytest.mark.parametrize("binary_names", [("INPUT0",), ("INPUT1",), ("INPUT0", "INPUT1")])
def test_mixed_json_and_binary_inputs(base_url, binary_names):
    inputs, tail = add_sub_inputs(binary_names)
    response = post_binary(base_url, "add_sub",
                           {"inputs": inputs, "parameters": {"binary_data_output": True}}, tail)
    _, binary = split_response(response)
    np.testing.assert_array_equal(as_array("FP32", binary["OUTPUT0"], [4]), A + B)
    np.testing.assert_array_equal(as_array("FP32", binary["OUTPUT1"], [4]), A - B)


def test_binary_inputs_are_taken_in_input_order(base_url):
    # INPUT1 listed first: the tail holds INPUT1's bytes, then INPUT0's.
    inputs = [binary_input("INPUT1", "FP32", [4], B.tobytes()),
              binary_input("INPUT0", "FP32", [4], A.tobytes())]
    response = post_binary(base_url, "add_sub",
                           {"inputs": inputs, "parameters": {"binary_data_output": True}},
                           B.tobytes() + A.tobytes())
    _, binary = split_response(response)
    np.testing.assert_array_equal(as_array("FP32", binary["OUTPUT1"], [4]), A - B)


@pytest.mark.parametrize("request_level, per_output, expect_binary", [
    # binary_data_output alone decides for every output
    (True, {}, {"OUTPUT0": True, "OUTPUT1": True}),
    (False, {}, {"OUTPUT0": False, "OUTPUT1": False}),
    (None, {}, {"OUTPUT0": False, "OUTPUT1": False}),
    # binary_data on an output overrides it, either way
    (True, {"OUTPUT1": False}, {"OUTPUT0": True, "OUTPUT1": False}),
    (False, {"OUTPUT0": True}, {"OUTPUT0": True, "OUTPUT1": False}),
    (None, {"OUTPUT1": True}, {"OUTPUT0": False, "OUTPUT1": True}),
    (None, {"OUTPUT0": True, "OUTPUT1": True}, {"OUTPUT0": True, "OUTPUT1": True}),
])
def test_binary_data_output_and_per_output_binary_data(base_url, request_level, per_output,
                                                       expect_binary):
    inputs, tail = add_sub_inputs(("INPUT0", "INPUT1"))
    header = {"inputs": inputs,
              "outputs": [{"name": name, "parameters": {"binary_data": per_output[name]}}
                          if name in per_output else {"name": name}
                          for name in ("OUTPUT0", "OUTPUT1")]}
    if request_level is not None:
        header["parameters"] = {"binary_data_output": request_level}
    response = post_binary(base_url, "add_sub", header, tail)
    expected = {"OUTPUT0": A + B, "OUTPUT1": A - B}
    if not any(expect_binary.values()):
        body = json_response(response)
        for name, output in outputs_of(body).items():
            np.testing.assert_array_equal(np.float32(output["data"]), expected[name])
        return
    body, binary = split_response(response)
    assert sorted(binary) == sorted(n for n, b in expect_binary.items() if b)
    for name, output in outputs_of(body).items():
        if expect_binary[name]:
            assert output["parameters"]["binary_data_size"] == 16
            np.testing.assert_array_equal(as_array("FP32", binary[name], [4]), expected[name])
        else:
            assert "binary_data_size" not in output.get("parameters", {})
            np.testing.assert_array_equal(np.float32(output["data"]), expected[name])


def test_only_requested_outputs_come_back_binary(base_url):
    inputs, tail = add_sub_inputs(("INPUT0", "INPUT1"))
    response = post_binary(base_url, "add_sub",
                           {"inputs": inputs,
                            "outputs": [{"name": "OUTPUT1", "parameters": {"binary_data": True}}]},
                           tail)
    header, binary = split_response(response)
    assert list(outputs_of(header)) == ["OUTPUT1"]
    np.testing.assert_array_equal(as_array("FP32", binary["OUTPUT1"], [4]), A - B)


# --- raw binary request: Inference-Header-Content-Length: 0 ------------------------------------

@pytest.mark.parametrize("version, added", [(None, 2.0), ("1", 1.0)])
def test_raw_request_variable_dimension_from_body_size(base_url, version, added):
    # versioned: one input, FP32 [-1]; the body size gives the dimension.
    values = np.float32([0.5, -1.0, 3.0, 1e10, -0.0])
    response = post_raw_binary(base_url, "versioned", values.tobytes(), version=version)
    header, binary = split_response(response)  # every output comes back binary
    output = outputs_of(header)["OUTPUT0"]
    assert header["model_version"] == (version or "2")
    assert output["shape"] == [5] and output["parameters"]["binary_data_size"] == 20
    np.testing.assert_array_equal(as_array("FP32", binary["OUTPUT0"], [5]), values + added)


def test_raw_request_to_batching_model_is_one_batch_item(base_url, repository):
    # mlp_test: max_batch_size 8, input [8]: a raw body is a batch of 1, all outputs binary.
    x = np.linspace(-1.0, 1.0, 8, dtype=np.float32)
    header, binary = split_response(post_raw_binary(base_url, "mlp_test", x.tobytes()))
    outputs = outputs_of(header)
    assert sorted(outputs) == ["logits", "probabilities"]
    onnx_models = test_repository.m
    logits, probabilities = onnx_models.mlp_reference(
        onnx_models.mlp_weights(mlp_path(repository)), x[None, :])
    for name, expected in (("logits", logits), ("probabilities", probabilities)):
        assert outputs[name]["shape"] == [1, 3]
        np.testing.assert_allclose(as_array("FP32", binary[name], [1, 3]), expected,
                                   rtol=1e-5, atol=1e-6)


def test_raw_request_int32_with_fixed_inner_dimension(base_url):
    # noconfig: y = 3x, INT32 [-1, 3]; 24 bytes are a [2, 3] tensor.
    x = np.int32([[1, -2, 3], [2**30, -7, 0]])
    header, binary = split_response(post_raw_binary(base_url, "noconfig", x.tobytes()))
    output = outputs_of(header)["y"]
    assert output["shape"] == [2, 3]
    np.testing.assert_array_equal(as_array("INT32", binary["y"], [2, 3]), x * 3)


# --- bad input -----------------------------------------------------------------------------

FP32_2X3 = np.arange(6, dtype=np.float32).tobytes()


def fp32_header(size=24, **fields):
    return {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [2, 3],
                        "parameters": {"binary_data_size": size}, **fields}]}


# name -> (send(url) -> response, status, words the message must contain)
BAD_REQUESTS = {
    "binary_data_size past the body end": (
        lambda url: post_binary(url, "identity_fp32", fp32_header(28), FP32_2X3),
        400, ["INPUT0", "binary_data_size 28", "past the end"]),
    "binary_data_size values not summing to the tail": (
        lambda url: post_binary(url, "identity_fp32", fp32_header(24), FP32_2X3 + b"\0" * 4),
        400, ["28 bytes of binary data", "add up to 24"]),
    "header length larger than the body": (
        lambda url: post_binary(url, "identity_fp32", fp32_header(), FP32_2X3,
                                header_length=100000),
        400, ["Inference-Header-Content-Length is 100000", "body has only"]),
    "header length cuts the JSON": (
        lambda url: post_binary(url, "identity_fp32", fp32_header(), FP32_2X3,
                                header_length=len(json.dumps(fp32_header())) - 3),
        400, ["malformed JSON"]),
    "binary_data_size without Inference-Header-Content-Length": (
        lambda url: requests.post(url + "/v2/models/identity_fp32/infer",
                                  data=json.dumps(fp32_header()), timeout=TIMEOUT_S),
        400, ["INPUT0", "binary_data_size", "no Inference-Header-Content-Length"]),
    "negative binary_data_size": (
        lambda url: post_binary(url, "identity_fp32", fp32_header(-1), FP32_2X3),
        400, ["INPUT0", "binary_data_size", "non-negative integer"]),
    "binary_data_size a string": (
        lambda url: post_binary(url, "identity_fp32", fp32_header("24"), FP32_2X3),
        400, ["INPUT0", "binary_data_size", "non-negative integer"]),
    "both data and binary_data_size": (
        lambda url: post_binary(url, "identity_fp32", fp32_header(data=[0, 1, 2, 3, 4, 5]),
                                FP32_2X3),
        400, ["INPUT0", "both 'data' and the 'binary_data_size'"]),
    "binary byte size not shape x datatype size": (
        lambda url: post_binary(url, "identity_fp32", fp32_header(20), FP32_2X3[:20]),
        400, ["INPUT0", "data has 20 bytes", "shape [2,3] needs 6 elements of 4 bytes"]),
    "binary datatype the model does not take": (
        lambda url: post_binary(url, "identity_fp32",
                                {"inputs": [binary_input("INPUT0", "INT32", [1, 1], b"\0" * 4)]},
                                b"\0" * 4),
        400, ["INPUT0", "INT32", "expects FP32"]),
    "BYTES length prefix past the buffer": (
        lambda url: post_binary(url, "identity_bytes",
                                {"inputs": [binary_input("INPUT0", "BYTES", [1, 1], b"\0" * 7)]},
                                struct.pack("<I", 10) + b"abc"),
        400, ["INPUT0", "BYTES element 0 has length 10", "past the end"]),
    "BYTES length prefix itself truncated": (
        lambda url: post_binary(url, "identity_bytes",
                                {"inputs": [binary_input("INPUT0", "BYTES", [1, 1], b"\0" * 2)]},
                                b"\x01\x00"),
        400, ["INPUT0", "truncated length prefix"]),
    "BYTES more elements than the shape": (
        lambda url: post_binary(url, "identity_bytes",
                                {"inputs": [binary_input("INPUT0", "BYTES", [1, 1],
                                                         encode_bytes([b"a", b"b"]))]},
                                encode_bytes([b"a", b"b"])),
        400, ["INPUT0", "holds 2 elements", "needs 1"]),
    "unknown datatype": (
        lambda url: post_binary(url, "identity_fp32",
                                {"inputs": [binary_input("INPUT0", "FP8", [2, 3], FP32_2X3)]},
                                FP32_2X3),
        400, ["INPUT0", "unknown datatype 'FP8'"]),
    "binary_data not a bool": (
        lambda url: post_binary(url, "identity_fp32",
                                {**fp32_header(),
                                 "outputs": [{"name": "OUTPUT0",
                                              "parameters": {"binary_data": 1}}]}, FP32_2X3),
        400, ["OUTPUT0", "binary_data", "true or false"]),
    "binary_data_output not a bool": (
        lambda url: post_binary(url, "identity_fp32",
                                {**fp32_header(), "parameters": {"binary_data_output": "yes"}},
                                FP32_2X3),
        400, ["binary_data_output", "true or false"]),
    "raw body not a whole number of elements": (
        lambda url: post_raw_binary(url, "versioned", b"\0" * 7),
        400, ["raw binary request", "'versioned'", "body of 7 bytes", "INPUT0", "FP32"]),
    "raw body not shape x datatype size": (
        lambda url: post_raw_binary(url, "mlp_test", b"\0" * 31),
        400, ["raw binary request", "'mlp_test'", "body of 31 bytes", "'input'"]),
    "raw body of two batch items": (
        lambda url: post_raw_binary(url, "mlp_test", b"\0" * 64),
        400, ["raw binary request", "body of 64 bytes"]),
    "raw body to a model with two inputs": (
        lambda url: post_raw_binary(url, "add_sub", b"\0" * 8),
        400, ["raw binary request", "'add_sub'", "exactly one input", "it has 2"]),
    "raw body to a model with two variable dimensions": (
        lambda url: post_raw_binary(url, "identity_fp32", b"\0" * 8),
        400, ["raw binary request", "more than one variable dimension"]),
    "raw JSON body with header length 0": (
        lambda url: post_raw_binary(url, "versioned", b'{"inputs": [1]}'),
        400, ["raw binary request", "body of 15 bytes"]),
}

BAD_HEADER_LENGTHS = ["abc", "-5", "", "+109", "1e3", "12abc", "0x10", "99999999999999999999999"]


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_bad_binary_request(base_url, case):
    send, status, words = BAD_REQUESTS[case]
    message = error_message(send(base_url), status)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


@pytest.mark.parametrize("value", BAD_HEADER_LENGTHS)
def test_header_length_not_a_number(base_url, value):
    response = post_binary(base_url, "identity_fp32", fp32_header(), FP32_2X3,
                           header_length=value)
    message = error_message(response, 400)
    assert "Inference-Header-Content-Length" in message and "not a byte count" in message, (
        message)


def test_server_keeps_serving_after_bad_binary_requests(base_url):
    session = requests.Session()
    for send, status, _ in BAD_REQUESTS.values():
        assert send(base_url).status_code == status
    for value in BAD_HEADER_LENGTHS:
        assert post_binary(base_url, "identity_fp32", fp32_header(), FP32_2X3,
                           header_length=value).status_code == 400
    assert session.get(base_url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200
    assert session.get(base_url + "/v2/health/ready", timeout=TIMEOUT_S).status_code == 200
    _, binary = split_response(post_binary(base_url, "identity_fp32",
                                           {**fp32_header(),
                                            "parameters": {"binary_data_output": True}},
                                           FP32_2X3))
    assert binary["OUTPUT0"] == FP32_2X3
    _, binary = split_response(post_raw_binary(base_url, "versioned", np.float32([1]).tobytes()))
    assert as_array("FP32", binary["OUTPUT0"], [1]).tolist() == [3.0]


def test_server_metadata_lists_binary_tensor_data(base_url):
    extensions = requests.get(base_url + "/v2", timeout=TIMEOUT_S).json()["extensions"]
    assert "binary_tensor_data" in extensions
