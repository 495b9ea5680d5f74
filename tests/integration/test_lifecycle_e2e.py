"""Requests in flight across the model and server lifecycle, over REST and gRPC: unloading
a model while requests wait in its queue, version_policy narrowing the served versions, and
shutdown (readiness, refusal of new requests, --exit-timeout-secs).

Requests are held in a queue as held_requests.py describes; every wait is for an observable
event (the pending gauge, a log line, a reply), and where time is the behaviour (the exit
timeout) the bounds are an exact lower one and a generous upper one.
"""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
import requests

from grpc_helpers import generate_stubs, grpc_address
from held_requests import (HOLD_US, check_grpc_rows, check_rest_rows, grpc_error,
                           grpc_request, held_config, rest_infer, wait_pending, wait_until)
from make_test_repository import m, write_probe_triton
from oip_client import TIMEOUT_S, error_message, infer, ok_json, tensor
from tensord_process import TensordProcess

EXPLICIT = ("--model-control-mode", "explicit", "--load-model", "*")
# A held request's own timeout: how long it stays in flight when nothing else releases it.
IN_FLIGHT_US = 3_000_000


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("grpc_stubs")))


@pytest.fixture
def held_repository(tmp_path):
    root = str(tmp_path / "models")
    write_probe_triton(root, "held", 4, held_config())
    return root


def unload(server, name):
    return requests.post(f"{server.url}/v2/repository/models/{name}/unload", timeout=TIMEOUT_S)


# ---- unload while requests wait in the queue ----

def test_unload_lets_queued_requests_finish_and_refuses_new_ones_over_rest(
        start_server, held_repository):
    server = start_server(held_repository, *EXPLICIT, "--parallel-workers", "1")
    with ThreadPoolExecutor(1) as pool:
        # Unload drains the version (its batcher stops waiting for batch mates that can no
        # longer come), so the queued request is answered, not dropped, and new requests are
        # refused at once.
        queued = pool.submit(rest_infer, server, "held", 1, timeout=IN_FLIGHT_US)
        wait_pending(server, "held", 1)
        response = unload(server, "held")
        assert response.status_code == 200, response.text
        message = error_message(rest_infer(server, "held", 1), 503)
        assert message.startswith("model 'held' has no ready version"), message
        check_rest_rows(queued.result(timeout=TIMEOUT_S), 0.0, 1, 1)
    wait_until(lambda: ok_json(requests.post(server.url + "/v2/repository/index", json={},
                                             timeout=TIMEOUT_S))[0]["state"] == "UNAVAILABLE",
               "the unloaded version to be released")


def test_unload_lets_queued_requests_finish_and_refuses_new_ones_over_grpc(
        start_server, held_repository, pb):
    pb2, pb2_grpc = pb
    server = start_server(held_repository, *EXPLICIT, "--parallel-workers", "1")
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        future = stub.ModelInfer.future(grpc_request(pb, "held", 1, timeout=IN_FLIGHT_US),
                                        timeout=TIMEOUT_S)
        wait_pending(server, "held", 1)
        stub.RepositoryModelUnload(pb2.RepositoryModelUnloadRequest(model_name="held"),
                                   timeout=TIMEOUT_S)
        error = grpc_error(stub.ModelInfer, grpc_request(pb, "held", 1))
        assert error.code() == grpc.StatusCode.UNAVAILABLE, error.details()
        assert error.details().startswith("model 'held' has no ready version"), error.details()
        # Drained by the unload: it runs alone, with its own rows, before its timeout.
        check_grpc_rows(future.result(timeout=TIMEOUT_S), 0.0, 1, 1)


def test_unload_runs_queued_requests_at_once(start_server, held_repository):
    # --exit-timeout-secs 1: the request this leaves held must not hold up the teardown.
    server = start_server(held_repository, *EXPLICIT, "--parallel-workers", "1",
                          "--exit-timeout-secs", "1")
    with ThreadPoolExecutor(1) as pool:
        queued = pool.submit(rest_infer, server, "held", 3, 0.0, timeout=IN_FLIGHT_US)
        wait_pending(server, "held", 1)
        assert unload(server, "held").status_code == 200
        # Flushed, it runs alone (n == 3) with its own rows, long before its timeout.
        check_rest_rows(queued.result(timeout=TIMEOUT_S), 0.0, 3, 3)


# ---- version_policy narrows the versions served ----

def write_versions(root, policy):
    """vp: versions 1, 2, 3 (y = x + version), config.pbtxt with `policy`."""
    for version in (1, 2, 3):
        m.save(m.add_constant("vp", "FP32", ["n"], float(version)),
               os.path.join(root, "vp", str(version), "model.onnx"))
    m.write_text(os.path.join(root, "vp", "config.pbtxt"),
                 'name: "vp"\nplatform: "onnxruntime_onnx"\n'
                 f"version_policy: {{ {policy} }}\n")


def vp_infer(server, version):
    return infer(server.url, "vp", [tensor("INPUT0", "FP32", [1], [1.0])], version=version)


def check_serves(server, served):
    """REST: exactly `served` answer (with their own constant), the others are 404."""
    assert ok_json(requests.get(server.url + "/v2/models/vp", timeout=TIMEOUT_S))[
        "versions"] == served
    for version in ("1", "2", "3"):
        response = vp_infer(server, version)
        if version in served:
            body = ok_json(response)
            assert body["model_version"] == version
            assert body["outputs"][0]["data"] == [1.0 + int(version)]
        else:
            assert error_message(response, 404) == f"Request for unknown model: 'vp' version {version} is not found"
    # No version asked: the latest served one.
    assert ok_json(vp_infer(server, None))["model_version"] == served[-1]
    index = ok_json(requests.post(server.url + "/v2/repository/index", json={},
                                  timeout=TIMEOUT_S))
    assert [(row["version"], row["state"]) for row in index] == [(v, "READY") for v in served]


@pytest.mark.parametrize("policy,served", [
    ("all: {}", ["1", "2", "3"]),
    ("latest: { num_versions: 2 }", ["2", "3"]),
    ("specific: { versions: [1, 3] }", ["1", "3"]),
])
def test_version_policy_selects_the_versions_served(start_server, tmp_path, policy, served):
    root = str(tmp_path / "models")
    write_versions(root, policy)
    check_serves(start_server(root), served)


def test_version_policy_narrowed_by_a_reload_over_rest_and_grpc(start_server, tmp_path, pb):
    pb2, pb2_grpc = pb
    root = str(tmp_path / "models")
    write_versions(root, "specific: { versions: [1, 3] }")
    server = start_server(root, *EXPLICIT)
    check_serves(server, ["1", "3"])
    write_versions(root, "latest: { num_versions: 1 }")
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        stub.RepositoryModelLoad(pb2.RepositoryModelLoadRequest(model_name="vp"),
                                 timeout=TIMEOUT_S)
        check_serves(server, ["3"])
        metadata = stub.ModelMetadata(pb2.ModelMetadataRequest(name="vp"), timeout=TIMEOUT_S)
        assert list(metadata.versions) == ["3"]
        for version, ready in (("1", False), ("2", False), ("3", True)):
            reply = stub.ModelReady(pb2.ModelReadyRequest(name="vp", version=version),
                                    timeout=TIMEOUT_S)
            assert reply.ready is ready, version
        request = pb2.ModelInferRequest(model_name="vp", model_version="1")
        request.inputs.add(name="INPUT0", datatype="FP32", shape=[1]).contents.fp32_contents[:] = [1]
        error = grpc_error(stub.ModelInfer, request)
        assert error.code() == grpc.StatusCode.NOT_FOUND, error.details()
        assert error.details() == "Request for unknown model: 'vp' version 1 is not found"


# ---- shutdown ----

def wait_for_log(server, text):
    wait_until(lambda: text in server.log(), f"{text!r} in the log")


def refused_over_rest(server):
    """True when a new REST client cannot get a 200 readiness answer."""
    try:
        return requests.get(server.url + "/v2/health/ready", timeout=TIMEOUT_S).status_code != 200
    except requests.ConnectionError:
        return True


def test_sigterm_turns_readiness_off_and_refuses_new_requests(held_repository, pb):
    pb2, pb2_grpc = pb
    server = TensordProcess.start(held_repository, "--parallel-workers", "1")
    try:
        with grpc.insecure_channel(grpc_address(server)) as channel, \
                ThreadPoolExecutor(1) as pool:
            stub = pb2_grpc.GRPCInferenceServiceStub(channel)
            assert stub.ServerReady(pb2.ServerReadyRequest(), timeout=TIMEOUT_S).ready
            assert requests.get(server.url + "/v2/health/ready",
                                timeout=TIMEOUT_S).status_code == 200
            in_flight = pool.submit(rest_infer, server, "held", 1, timeout=IN_FLIGHT_US)
            wait_pending(server, "held", 1)
            server.process.send_signal(signal.SIGTERM)
            wait_for_log(server, "shutting down")
            # While the request is still in flight, nobody new gets in: not a readiness
            # probe, not an inference, over either protocol.
            wait_until(lambda: refused_over_rest(server), "REST readiness to go")
            try:
                response = rest_infer(server, "held", 1)
                raise AssertionError(f"a new request was served: {response.status_code}")
            except requests.ConnectionError:
                pass
            for call, request in ((stub.ServerReady, pb2.ServerReadyRequest()),
                                  (stub.ModelInfer, grpc_request(pb, "held", 1))):
                try:
                    reply = call(request, timeout=TIMEOUT_S)
                    assert isinstance(reply, pb2.ServerReadyResponse) and not reply.ready
                except grpc.RpcError as error:
                    assert error.code() in (grpc.StatusCode.UNAVAILABLE,
                                            grpc.StatusCode.CANCELLED), error.details()
            assert not in_flight.done()
            assert server.process.poll() is None
            # The request in flight is answered (its timeout releases it: 504), not dropped.
            message = error_message(in_flight.result(timeout=TIMEOUT_S), 504)
            assert "timed out" in message, message
        assert server.process.wait(timeout=TIMEOUT_S) == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def test_a_request_in_flight_at_sigterm_gets_its_answer_over_grpc(held_repository, pb):
    pb2, pb2_grpc = pb
    server = TensordProcess.start(held_repository, "--parallel-workers", "1")
    try:
        with grpc.insecure_channel(grpc_address(server)) as channel:
            stub = pb2_grpc.GRPCInferenceServiceStub(channel)
            future = stub.ModelInfer.future(grpc_request(pb, "held", 1, timeout=IN_FLIGHT_US),
                                            timeout=TIMEOUT_S)
            wait_pending(server, "held", 1)
            server.process.send_signal(signal.SIGTERM)
            wait_for_log(server, "shutting down")
            with pytest.raises(grpc.RpcError) as answered:
                future.result(timeout=TIMEOUT_S)
            assert answered.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED, \
                answered.value.details()
            assert "timed out" in answered.value.details()
        assert server.process.wait(timeout=TIMEOUT_S) == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


EXIT_TIMEOUT_S = 1


def start_and_hold(held_repository):
    """A server with --exit-timeout-secs EXIT_TIMEOUT_S and one request held with no timeout
    (nothing but the exit timeout ends it); returns (server, the request's future, pool)."""
    server = TensordProcess.start(held_repository, "--parallel-workers", "1",
                                  "--exit-timeout-secs", str(EXIT_TIMEOUT_S))
    pool = ThreadPoolExecutor(1)

    def held_request():
        try:
            return rest_infer(server, "held", 1)
        except requests.ConnectionError as error:
            return error
    future = pool.submit(held_request)
    wait_pending(server, "held", 1)
    return server, future, pool


def test_exit_timeout_ends_a_request_still_running(held_repository):
    server, future, pool = start_and_hold(held_repository)
    try:
        start = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        outcome = future.result(timeout=TIMEOUT_S)
        closed_after = time.monotonic() - start
        # The connection is closed without an answer once the exit timeout is over (never
        # before it: an exact lower bound), well within ten times it.
        assert isinstance(outcome, requests.ConnectionError), outcome
        assert EXIT_TIMEOUT_S <= closed_after < 10 * EXIT_TIMEOUT_S, closed_after
        wait_for_log(server, "stopped")
    finally:
        pool.shutdown()
        server.process.kill()
        server.process.wait()


def test_exit_timeout_ends_the_process_with_a_request_still_queued(held_repository):
    server, future, pool = start_and_hold(held_repository)
    try:
        start = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            code = server.process.wait(timeout=10 * EXIT_TIMEOUT_S)
        except Exception:
            raise AssertionError(
                f"still running {time.monotonic() - start:.0f} s after SIGTERM with "
                f"--exit-timeout-secs {EXIT_TIMEOUT_S} (batching delay {HOLD_US / 1e6:.0f} s)")
        assert code == 0
        assert time.monotonic() - start >= EXIT_TIMEOUT_S
    finally:
        server.process.kill()
        server.process.wait()
        pool.shutdown()
