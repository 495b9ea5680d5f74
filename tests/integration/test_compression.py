"""Compressed REST bodies (issue 13, item 4): Content-Encoding gzip / deflate on requests
(binary tensor data's Inference-Header-Content-Length counts the decompressed body, as in
Triton's binary data extension), Accept-Encoding honoured on replies, and a decompression
bomb bounded by --http-max-body-mb on the decompressed size.
"""

import gzip
import json
import zlib

import numpy as np
import requests

import make_test_repository
from oip_client import TIMEOUT_S, error_message, ok_json

BODY = {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [2],
                    "data": [1.0, 2.0]},
                   {"name": "INPUT1", "datatype": "FP32", "shape": [2], "data": [3.0, 4.0]}]}


def post(url, data, **headers):
    return requests.post(url + "/v2/models/add_sub/infer", data=data,
                         headers={"Content-Type": "application/json", **headers},
                         timeout=TIMEOUT_S)


def test_gzip_and_deflate_requests(base_url):
    plain = json.dumps(BODY).encode()
    for encoding, data in (("gzip", gzip.compress(plain)), ("deflate", zlib.compress(plain))):
        body = ok_json(post(base_url, data, **{"Content-Encoding": encoding}))
        outputs = {o["name"]: o["data"] for o in body["outputs"]}
        assert outputs == {"OUTPUT0": [4.0, 6.0], "OUTPUT1": [-2.0, -2.0]}, encoding


def test_binary_request_header_length_counts_the_decompressed_body(base_url):
    header = json.dumps({"inputs": [
        {"name": "INPUT0", "datatype": "FP32", "shape": [2],
         "parameters": {"binary_data_size": 8}},
        {"name": "INPUT1", "datatype": "FP32", "shape": [2],
         "parameters": {"binary_data_size": 8}}]}).encode()
    raw = header + np.array([1, 2], np.float32).tobytes() + np.array([5, 5], np.float32).tobytes()
    response = post(base_url, gzip.compress(raw), **{
        "Content-Encoding": "gzip", "Inference-Header-Content-Length": str(len(header)),
        "Content-Type": "application/octet-stream"})
    outputs = {o["name"]: o["data"] for o in ok_json(response)["outputs"]}
    assert outputs["OUTPUT0"] == [6.0, 7.0]


def big_body(n):
    return {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [n], "data": [1.0] * n},
                       {"name": "INPUT1", "datatype": "FP32", "shape": [n], "data": [2.0] * n}]}


def test_replies_compressed_when_accepted(base_url):
    for encoding, decompress in (("gzip", gzip.decompress), ("deflate", zlib.decompress)):
        response = requests.post(base_url + "/v2/models/add_sub/infer", json=big_body(512),
                                 headers={"Accept-Encoding": encoding}, timeout=TIMEOUT_S,
                                 stream=True)
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        body = json.loads(decompress(response.raw.read()))
        assert body["outputs"][0]["data"] == [3.0] * 512
    plain = requests.post(base_url + "/v2/models/add_sub/infer", json=big_body(512),
                          headers={"Accept-Encoding": "identity"}, timeout=TIMEOUT_S)
    assert "Content-Encoding" not in plain.headers
    # Binary tensor data is sent as it is (raw numbers barely compress).
    binary = requests.post(base_url + "/v2/models/add_sub/infer",
                           json={**big_body(512), "parameters": {"binary_data_output": True}},
                           headers={"Accept-Encoding": "gzip"}, timeout=TIMEOUT_S)
    assert binary.status_code == 200 and "Content-Encoding" not in binary.headers
    # A small reply is not worth compressing: sent as it is.
    small = requests.post(base_url + "/v2/models/add_sub/infer", json=BODY,
                          headers={"Accept-Encoding": "gzip"}, timeout=TIMEOUT_S)
    assert "Content-Encoding" not in small.headers


def test_bad_encodings(base_url):
    assert error_message(post(base_url, b"not gzip", **{"Content-Encoding": "gzip"}), 400) \
        .startswith("request body is not valid gzip data")
    assert error_message(post(base_url, b"{}", **{"Content-Encoding": "br"}), 415) == (
        "Content-Encoding 'br' is not supported: send gzip, deflate or identity")


def test_decompression_bomb_is_bounded(start_server, tmp_path):
    root = make_test_repository.build_small(str(tmp_path / "repo"), broken=False)
    server = start_server(root, "--http-max-body-mb", "1")
    bomb = gzip.compress(b" " * (4 << 20))  # 4 MiB of spaces, a few KiB compressed
    assert len(bomb) < 64 << 10
    message = error_message(post(server.url, bomb, **{"Content-Encoding": "gzip"}), 413)
    assert message == ("request body is larger than the limit of 1048576 bytes once "
                       "decompressed (Content-Encoding: gzip)")
    # The server serves on.
    response = requests.get(server.url + "/v2/health/ready", timeout=TIMEOUT_S)
    assert response.status_code == 200
