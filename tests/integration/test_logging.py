"""--log-format json and --log-access: every log line is a JSON object with time and level,
and each inference request (REST and gRPC, good and bad) gets one access line with its
model, status and latency. Text mode (the default) has the access line too."""

import json
import re
import time

import grpc
import numpy as np
import pytest

from grpc_helpers import generate_stubs, grpc_address
from oip_client import TIMEOUT_S, infer, post_raw, tensor
from tensord_process import run_cli

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
GOOD = [tensor("INPUT0", "FP32", [1, 2], [1.0, 2.0])]


def wait_for(predicate, server, what, timeout=10):
    """Polls the server's log until predicate(log) is true (lines are flushed as written)."""
    deadline = time.monotonic() + timeout
    while True:
        log = server.log()
        if predicate(log):
            return log
        assert time.monotonic() < deadline, f"no {what} within {timeout} s; log:\n{log}"
        time.sleep(0.05)


def json_lines(log):
    lines = []
    for line in log.splitlines():
        if not line.strip():
            continue
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError as e:
            pytest.fail(f"log line is not JSON ({e}): {line!r}")
    return lines


def grpc_infer(server, tmp_path, model):
    pb, pb_grpc = generate_stubs(str(tmp_path))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        message = pb.ModelInferRequest(
            model_name=model, id="grpc-1",
            inputs=[pb.ModelInferRequest.InferInputTensor(name="INPUT0", datatype="FP32",
                                                          shape=[1, 1])],
            raw_input_contents=[np.float32(4.5).tobytes()])
        stub.ModelInfer(message, timeout=TIMEOUT_S)


def test_json_log_with_access_lines(start_server, repository, tmp_path):
    server = start_server(repository, "--log-format", "json", "--log-access")
    assert infer(server.url, "identity_fp32", GOOD, id="rest-1").status_code == 200
    assert post_raw(server.url, "/v2/models/identity_fp32/infer", "not json").status_code == 400
    grpc_infer(server, tmp_path, "identity_fp32")

    log = wait_for(lambda log: log.count('"access"') >= 3, server, "three access lines")
    lines = json_lines(log)
    for line in lines:
        assert TIME.match(line["time"]), line
        assert line["level"] in ("debug", "info", "warning", "error", "critical"), line
        assert ("message" in line) != ("access" in line), line
    assert any(line.get("message", "").startswith("serving HTTP on ") for line in lines)

    access = [line["access"] for line in lines if "access" in line]
    assert len(access) == 3, access
    good, bad, rpc = access
    assert good["protocol"] == "http" and good["method"] == "POST"
    assert good["path"] == "/v2/models/identity_fp32/infer"
    assert good["model"] == "identity_fp32" and good["status"] == 200
    assert good["request_id"] == "rest-1"
    assert bad["model"] == "identity_fp32" and bad["status"] == 400
    assert rpc == {**rpc, "protocol": "grpc", "method": "ModelInfer", "model": "identity_fp32",
                   "status": "OK", "request_id": "grpc-1"}
    for record in access:
        assert isinstance(record["latency_us"], int) and record["latency_us"] >= 0, record


def test_text_log_with_access_line(start_server, repository):
    server = start_server(repository, "--log-access")
    assert infer(server.url, "identity_fp32", GOOD).status_code == 200
    log = wait_for(lambda log: "access http" in log, server, "an access line")
    assert re.search(r"^\d{4}-\d{2}-\d{2}T[\d:.]+Z info serving HTTP on ", log, re.M), log
    assert re.search(r"^\S+Z info access http POST /v2/models/identity_fp32/infer "
                     r"model=identity_fp32 status=200 latency_us=\d+$", log, re.M), log


def test_no_access_lines_by_default(start_server, repository):
    server = start_server(repository)
    assert infer(server.url, "identity_fp32", GOOD).status_code == 200
    assert "access" not in server.log()


def test_bad_log_format_is_rejected(repository):
    result = run_cli("serve", "--model-repository", repository, "--log-format", "xml")
    assert result.returncode != 0
    assert "--log-format" in result.stdout + result.stderr
