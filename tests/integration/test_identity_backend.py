"""Triton's identity backend (`backend: "identity"`): models that answer input INPUT<k> as
output OUTPUT<k>, with no model file, as Triton's own tests and overhead measurements use
them. A repository made for Triton with such models loads as it is:

    identity_fp32  dims [-1], batches dynamically (20 ms queue delay), empty version folder 1/
    id.bytes-x     version 7 only, BYTES [2,3] and INT64 [1] pairs, execute_delay_ms 50,
                   no batch dimension
    id_bool        no version folder at all (served as version 1)
    bad_*          one per load error, each not ready with its reason in the index
"""

import os
import threading
import time

import numpy as np
import pytest
import requests

from grpc_helpers import generate_stubs, grpc_address
from make_test_repository import m
from oip_client import TIMEOUT_S, error_message, infer, ok_json, outputs_by_name, tensor


def config(name, pairs, extra="", max_batch_size=8):
    """pairs: (suffix, config datatype, dims); the input INPUT<suffix>, output OUTPUT<suffix>."""
    io = lambda kind, prefix: ", ".join(  # noqa: E731
        f'{{ name: "{prefix}{s}" data_type: TYPE_{t} dims: [ {", ".join(map(str, d))} ] }}'
        for s, t, d in pairs)
    return (f'name: "{name}"\nbackend: "identity"\nmax_batch_size: {max_batch_size}\n'
            f"input [ {io('in', 'INPUT')} ]\noutput [ {io('out', 'OUTPUT')} ]\n{extra}")


BAD = {
    "bad_count": ('backend: "identity"\ninput [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]\n',
                  "1 inputs and 0 outputs"),
    "bad_name": (config("bad_name", [("0", "FP32", [4])]).replace('"INPUT0"', '"x"'),
                 "input 'x': an identity model's inputs are named INPUT<k>"),
    "bad_pair": (config("bad_pair", [("0", "FP32", [4])]).replace('"OUTPUT0"', '"OUTPUT1"'),
                 "output 'OUTPUT1' has no input 'INPUT1' to answer"),
    "bad_type": (config("bad_type", [("0", "FP32", [4])]).replace(
        'name: "OUTPUT0" data_type: TYPE_FP32', 'name: "OUTPUT0" data_type: TYPE_INT8'),
        "output 'OUTPUT0' is INT8 but input 'INPUT0' is FP32"),
    "bad_delay": (config("bad_delay", [("0", "FP32", [4])],
                         'parameters { key: "execute_delay_ms" value { string_value: "soon" } }\n'),
                  "parameter 'execute_delay_ms' is 'soon'"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, start_server_module):
    root = str(tmp_path_factory.mktemp("identity"))
    m.write_text(os.path.join(root, "identity_fp32", "config.pbtxt"),
                 config("identity_fp32", [("0", "FP32", [-1])],
                        "dynamic_batching { max_queue_delay_microseconds: 20000 }\n"))
    os.makedirs(os.path.join(root, "identity_fp32", "1"))
    m.write_text(os.path.join(root, "id.bytes-x", "config.pbtxt"),
                 config("id.bytes-x", [("0", "STRING", [2, 3]), ("_n", "INT64", [1])],
                        'parameters { key: "execute_delay_ms" value { string_value: "50" } }\n',
                        max_batch_size=0))
    os.makedirs(os.path.join(root, "id.bytes-x", "7"))
    m.write_text(os.path.join(root, "id_bool", "config.pbtxt"),
                 config("id_bool", [("0", "BOOL", [2])]))
    for name, (text, _) in BAD.items():
        m.write_text(os.path.join(root, name, "config.pbtxt"), text)
    return start_server_module(root)


def stats(url, model):
    (entry,) = ok_json(requests.get(f"{url}/v2/models/{model}/stats", timeout=TIMEOUT_S))[
        "model_stats"]
    return entry


def test_rest_answers_each_input_as_its_output(server):
    out = outputs_by_name(infer(server.url, "identity_fp32",
                                [tensor("INPUT0", "FP32", [2, 3], [1, 2, 3, 4, 5, 6.5])]))
    assert out["OUTPUT0"] == {"name": "OUTPUT0", "datatype": "FP32", "shape": [2, 3],
                              "data": [1, 2, 3, 4, 5, 6.5]}
    out = outputs_by_name(infer(server.url, "id_bool", [tensor("INPUT0", "BOOL", [1, 2],
                                                               [True, False])]))
    assert out["OUTPUT0"]["data"] == [True, False]
    words = ["a", "", "ü ✓", 'q"uote', "tab\t", "end"]
    out = outputs_by_name(infer(server.url, "id.bytes-x",
                                [tensor("INPUT0", "BYTES", [2, 3], words),
                                 tensor("INPUT_n", "INT64", [1], [9007199254740993])],
                                version="7"))
    assert out["OUTPUT0"]["data"] == words and out["OUTPUT0"]["datatype"] == "BYTES"
    assert out["OUTPUT_n"]["data"] == [9007199254740993]


def test_requested_outputs_only(server):
    response = infer(server.url, "id.bytes-x",
                     [tensor("INPUT0", "BYTES", [2, 3], list("abcdef")),
                      tensor("INPUT_n", "INT64", [1], [3])], outputs=[{"name": "OUTPUT_n"}])
    assert [o["name"] for o in ok_json(response)["outputs"]] == ["OUTPUT_n"]


def test_grpc_raw_contents(server, tmp_path_factory):
    import grpc
    pb2, pb2_grpc = generate_stubs(str(tmp_path_factory.mktemp("stubs")))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        request = pb2.ModelInferRequest(model_name="identity_fp32")
        request.inputs.add(name="INPUT0", datatype="FP32", shape=[3, 2])
        x = np.arange(6, dtype=np.float32) - 2.5
        request.raw_input_contents.append(x.tobytes())
        response = stub.ModelInfer(request, timeout=TIMEOUT_S)
        assert response.outputs[0].name == "OUTPUT0" and list(response.outputs[0].shape) == [3, 2]
        np.testing.assert_array_equal(np.frombuffer(response.raw_output_contents[0], np.float32), x)


def test_metadata_and_versions(server):
    meta = ok_json(requests.get(f"{server.url}/v2/models/id.bytes-x", timeout=TIMEOUT_S))
    assert meta["versions"] == ["7"]
    assert meta["inputs"] == [{"name": "INPUT0", "datatype": "BYTES", "shape": [2, 3]},
                              {"name": "INPUT_n", "datatype": "INT64", "shape": [1]}]
    assert requests.get(f"{server.url}/v2/models/id.bytes-x/versions/1/ready",
                        timeout=TIMEOUT_S).status_code != 200


def test_concurrent_rows_batch(server):
    def batch_sizes():
        return {b["batch_size"] for b in stats(server.url, "identity_fp32")["batch_stats"]}
    errors = []

    def one(i):
        try:
            out = outputs_by_name(infer(server.url, "identity_fp32",
                                        [tensor("INPUT0", "FP32", [1, 3], [i, i + 1, i + 2])]))
            assert out["OUTPUT0"]["data"] == [i, i + 1, i + 2] and out["OUTPUT0"]["shape"] == [1, 3]
        except AssertionError as e:
            errors.append(e)

    # Bursts of one-row requests against a 20 ms queue delay; busy shared cores may let a
    # burst trickle in one by one, so a few bursts are allowed.
    for _ in range(5):
        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        if any(size > 1 for size in batch_sizes()):
            return
    raise AssertionError(f"identity_fp32 never batched: {batch_sizes()}")


def test_execute_delay_ms_delays_each_execution(server):
    start = time.monotonic()
    infer(server.url, "id.bytes-x", [tensor("INPUT0", "BYTES", [2, 3], list("abcdef")),
                                     tensor("INPUT_n", "INT64", [1], [1])])
    assert time.monotonic() - start >= 0.05  # a lower bound: the sleep is at least that
    assert stats(server.url, "id.bytes-x")["inference_stats"]["compute_infer"]["ns"] >= 50e6


def test_bad_input_is_a_400(server):
    message = error_message(infer(server.url, "identity_fp32",
                                  [tensor("INPUT0", "INT32", [1, 2], [1, 2])]), 400)
    assert "INPUT0" in message and "FP32" in message, message


@pytest.mark.parametrize("name", sorted(BAD))
def test_configs_that_are_not_an_identity_are_load_errors(server, name):
    index = ok_json(requests.post(f"{server.url}/v2/repository/index", json={},
                                  timeout=TIMEOUT_S))
    (entry,) = [e for e in index if e["name"] == name]
    assert entry["state"] == "UNAVAILABLE" and BAD[name][1] in entry["reason"], entry
    assert requests.get(f"{server.url}/v2/models/{name}/ready",
                        timeout=TIMEOUT_S).status_code != 200
