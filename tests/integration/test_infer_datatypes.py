"""Every protocol datatype survives a JSON round trip through an identity model, exactly:
integer extremes, floats exactly representable in their type, BOOL, UTF-8 strings."""

import json
import struct

import numpy as np
import pytest
import requests

from datatype_cases import CASES
from make_test_repository import identity_name
from oip_client import TIMEOUT_S, flatten, infer, ok_json, outputs_by_name, tensor


def bf16(value):
    """`value` rounded to bfloat16 (round to nearest even), as a Python float."""
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return struct.unpack("<f", struct.pack("<I", bits))[0]


# How to compare a returned value with the sent one: in the precision of the datatype.
NORMALIZE = {
    "FP16": lambda v: float(np.float16(v)),
    "BF16": bf16,
    "FP32": lambda v: float(np.float32(v)),
}


def check_round_trip(response, datatype, shape, values):
    outputs = outputs_by_name(response)
    assert list(outputs) == ["OUTPUT0"]
    output = outputs["OUTPUT0"]
    assert output["datatype"] == datatype
    assert output["shape"] == shape
    data = output["data"]
    assert data == flatten(data), f"response data should be flat: {data}"
    assert len(data) == len(values)
    normalize = NORMALIZE.get(datatype, lambda v: v)
    for sent, received in zip(values, data):
        if datatype == "BOOL":
            assert received is sent, (sent, received)
        elif datatype == "BYTES":
            assert received == sent, (sent, received)
        elif datatype in ("FP16", "BF16", "FP32", "FP64"):
            assert isinstance(received, (int, float)) and not isinstance(received, bool)
            assert normalize(received) == normalize(sent), (sent, received)
        else:
            assert isinstance(received, int) and not isinstance(received, bool), received
            assert received == sent, (sent, received)


def nest(values, shape):
    rows, cols = shape
    return [values[r * cols:(r + 1) * cols] for r in range(rows)]


@pytest.mark.parametrize("datatype", list(CASES))
def test_flat_round_trip(base_url, datatype):
    shape, values = CASES[datatype]
    response = infer(base_url, identity_name(datatype), [tensor("INPUT0", datatype, shape, values)])
    body = ok_json(response)
    assert body["model_name"] == identity_name(datatype)
    assert body["model_version"] == "1"
    check_round_trip(response, datatype, shape, values)


@pytest.mark.parametrize("datatype", list(CASES))
def test_nested_round_trip(base_url, datatype):
    shape, values = CASES[datatype]
    response = infer(base_url, identity_name(datatype),
                     [tensor("INPUT0", datatype, shape, nest(values, shape))])
    check_round_trip(response, datatype, shape, values)


def test_bytes_sent_as_raw_utf8(base_url):
    # requests escapes non-ASCII as \uXXXX by default; this sends the UTF-8 bytes as they are.
    shape, values = CASES["BYTES"]
    body = json.dumps({"inputs": [tensor("INPUT0", "BYTES", shape, values)]}, ensure_ascii=False)
    response = requests.post(base_url + "/v2/models/identity_bytes/infer",
                             data=body.encode("utf-8"),
                             headers={"Content-Type": "application/json"}, timeout=TIMEOUT_S)
    check_round_trip(response, "BYTES", shape, values)


def test_surrogate_pair_escape_decodes_to_utf8(base_url):
    body = '{"inputs": [{"name": "INPUT0", "datatype": "BYTES", "shape": [1, 1], ' \
           '"data": ["\\ud83d\\ude00"]}]}'
    response = requests.post(base_url + "/v2/models/identity_bytes/infer", data=body,
                             timeout=TIMEOUT_S)
    check_round_trip(response, "BYTES", [1, 1], ["\U0001F600"])


def test_empty_tensor(base_url):
    response = infer(base_url, "identity_fp32", [tensor("INPUT0", "FP32", [0, 3], [])])
    check_round_trip(response, "FP32", [0, 3], [])


def test_large_tensor_round_trip(base_url):
    values = [float(i) / 8 for i in range(64 * 1024)]
    response = infer(base_url, "identity_fp32", [tensor("INPUT0", "FP32", [256, 256], values)])
    check_round_trip(response, "FP32", [256, 256], values)
