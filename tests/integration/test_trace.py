"""Triton's trace extension (docs/protocol/extension_trace.md in
triton-inference-server/server): GET/POST v2[/models/<m>]/trace/setting and gRPC TraceSetting,
settings trace_file / trace_level / trace_rate / trace_count / log_frequency, and the trace
file itself — Triton's JSON, one request's timeline per trace, from REQUEST_START through the
queue and compute to REQUEST_END. trace_file is set only on the command line.
"""

import json
import os

import grpc
import pytest
import requests

import make_test_repository as repo
from grpc_helpers import generate_stubs, grpc_address
from oip_client import TIMEOUT_S, error_message, infer, ok_json, tensor

STAMPS = ["REQUEST_START", "QUEUE_START", "COMPUTE_START", "COMPUTE_INPUT_END",
          "COMPUTE_OUTPUT_START", "COMPUTE_END", "REQUEST_END"]


@pytest.fixture(scope="module")
def trace_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("traces")


@pytest.fixture(scope="module")
def server(tmp_path_factory, trace_dir):
    from tensord_process import TensordProcess
    root = str(tmp_path_factory.mktemp("trace_repo"))
    repo.write_identity(root, "FP32")
    repo.write_add_sub(root)
    process = TensordProcess.start(root, "--trace-file", str(trace_dir / "trace.json"))
    yield process
    assert process.stop() == 0, process.log()


def get(server, path):
    return requests.get(server.url + path, timeout=TIMEOUT_S)


def post(server, path, body):
    return requests.post(server.url + path, json=body, timeout=TIMEOUT_S)


def identity(server):
    response = infer(server.url, "identity_fp32", [tensor("INPUT0", "FP32", [1, 2], [[1, 2]])])
    assert response.status_code == 200, response.text


def read_traces(path):
    with open(path) as f:
        objects = json.load(f)
    # Triton's layout: {"id","model_name","model_version"} then {"id","timestamps"} per trace.
    traces = {}
    for item in objects:
        traces.setdefault(item["id"], {}).update(item)
    return list(traces.values())


def test_defaults_and_the_extension_is_listed(server, trace_dir):
    assert "trace" in ok_json(get(server, "/v2"))["extensions"]
    assert ok_json(get(server, "/v2/trace/setting")) == {
        "trace_file": str(trace_dir / "trace.json"), "trace_level": ["OFF"],
        "trace_rate": "1000", "trace_count": "-1", "log_frequency": "0"}


def test_timestamps_are_written_every_log_frequency_traces(server, trace_dir):
    settings = ok_json(post(server, "/v2/trace/setting",
                            {"trace_level": ["TIMESTAMPS"], "trace_rate": "1",
                             "log_frequency": "2"}))
    assert settings["trace_level"] == ["TIMESTAMPS"] and settings["log_frequency"] == "2"
    for _ in range(4):
        identity(server)
    for index in (0, 1):
        traces = read_traces(trace_dir / f"trace.json.{index}")
        assert len(traces) == 2
        for trace in traces:
            assert trace["model_name"] == "identity_fp32" and trace["model_version"] == 1
            names = [stamp["name"] for stamp in trace["timestamps"]]
            assert names == STAMPS, names
            times = [stamp["ns"] for stamp in trace["timestamps"]]
            assert times == sorted(times), times
    ok_json(post(server, "/v2/trace/setting", {"trace_level": ["OFF"], "log_frequency": "0"}))


def test_model_settings_start_from_the_global_ones(server):
    ok_json(post(server, "/v2/trace/setting", {"trace_rate": "7"}))
    model = ok_json(post(server, "/v2/models/add_sub/trace/setting", {"trace_count": "3"}))
    assert (model["trace_rate"], model["trace_count"]) == ("7", "3")
    assert ok_json(get(server, "/v2/models/add_sub/trace/setting"))["trace_count"] == "3"
    assert ok_json(get(server, "/v2/trace/setting"))["trace_count"] == "-1"
    # null drops the model's own value: the global one applies again.
    model = ok_json(post(server, "/v2/models/add_sub/trace/setting", {"trace_count": None}))
    assert model["trace_count"] == "-1"


@pytest.mark.parametrize("path, body, status, text", [
    ("/v2/trace/setting", {"trace_file": "/etc/cron.d/tensord"}, 400,
     "trace setting 'trace_file': only the command line (--trace-file) sets it"),
    ("/v2/trace/setting", {"trace_level": ["TENSORS"]}, 400,
     "trace setting 'trace_level': TENSORS is not supported by tensord"),
    ("/v2/trace/setting", {"trace_rate": "0"}, 400,
     "trace setting 'trace_rate': '0' is not an integer >= 1"),
    ("/v2/trace/setting", {"trace_rate": "1", "trace_count": "many"}, 400,
     "trace setting 'trace_count': 'many' is not an integer >= -1"),
    ("/v2/trace/setting", {"verbosity": "1"}, 400, "unknown trace setting 'verbosity'"),
    ("/v2/trace/setting", {"trace_level": {"a": 1}}, 400,
     "trace setting 'trace_level' must be a string, an array of strings, or null"),
    ("/v2/trace/setting", [1], 400, "trace settings request body must be a JSON object"),
    ("/v2/models/no_such_model/trace/setting", {}, 404,
     "Request for unknown model: 'no_such_model' is not found"),
    ("/v2/models/add_sub/trace/setting", {"log_frequency": "3"}, 400,
     "trace setting 'log_frequency': is set for the whole server"),
    ("/v2/models/add_sub/versions/1/trace/setting", {}, 404, "no route"),
])
def test_bad_requests_change_nothing(server, path, body, status, text):
    before = ok_json(get(server, "/v2/trace/setting"))
    assert text in error_message(post(server, path, body), status)
    assert ok_json(get(server, "/v2/trace/setting")) == before


def test_put_is_405(server):
    response = requests.put(server.url + "/v2/trace/setting", timeout=TIMEOUT_S)
    assert "allowed: GET, POST" in error_message(response, 405)


def test_grpc_reads_and_changes_settings(server, tmp_path):
    pb2, pb2_grpc = generate_stubs(str(tmp_path))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        response = stub.TraceSetting(pb2.TraceSettingRequest(), timeout=TIMEOUT_S)
        assert list(response.settings["trace_level"].value) == ["OFF"]
        request = pb2.TraceSettingRequest(model_name="identity_fp32")
        request.settings["trace_rate"].value.append("3")
        response = stub.TraceSetting(request, timeout=TIMEOUT_S)
        assert list(response.settings["trace_rate"].value) == ["3"]
        request = pb2.TraceSettingRequest()
        request.settings["trace_level"].value.append("LOUD")
        with pytest.raises(grpc.RpcError) as error:
            stub.TraceSetting(request, timeout=TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "unknown level 'LOUD'" in error.value.details()


def test_traces_are_written_at_shutdown_with_log_frequency_zero(tmp_path):
    from tensord_process import TensordProcess
    root = tmp_path / "models"
    repo.write_identity(str(root), "FP32")
    trace = tmp_path / "shutdown.json"
    process = TensordProcess.start(str(root), "--trace-file", str(trace),
                                   "--trace-level", "TIMESTAMPS", "--trace-rate", "2")
    try:
        for _ in range(4):
            identity(process)
        assert not trace.exists()
    finally:
        assert process.stop() == 0, process.log()
    traces = read_traces(trace)
    assert len(traces) == 2  # one request in two
    assert [s["name"] for s in traces[0]["timestamps"]] == STAMPS


def test_timestamps_without_a_trace_file_are_refused_at_start(tmp_path):
    from tensord_process import run_cli
    result = run_cli("serve", "--model-repository", str(tmp_path), "--trace-level", "TIMESTAMPS")
    assert result.returncode != 0
    assert "--trace-file PATH" in result.stdout + result.stderr
