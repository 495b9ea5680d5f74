"""Queue policy through the real server, over REST and gRPC: a full queue answers 503 /
UNAVAILABLE and counts as rejected, a request past its timeout (the model's default or the
request's `timeout`) 504 / DEADLINE_EXCEEDED, and `priority` decides who runs first.

No sleeps decide anything: requests are held in the queue by the "wait" batching policy with
a delay far longer than any test (a lone request waits for company that never comes), the
test waits until the server's pending gauge shows them queued, and releases them by filling a
batch or by their own timeout (held_requests.py).
"""

import json
import os
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
import requests

from grpc_helpers import generate_stubs, grpc_address
from held_requests import (HOLD_US, WIDTH, check_grpc_rows, check_rest_rows, grpc_error,
                           grpc_request, held_config, rest_infer, rows, sample, wait_pending,
                           wait_until)
from make_test_repository import write_probe_triton
from oip_client import TIMEOUT_S, error_message, tensor

@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("queue_policy"))
    # held: batches of 4 rows leave only when full. bounded: also a queue of 2 requests.
    # timed: also a default timeout of 300 ms.
    write_probe_triton(root, "held", 4, held_config())
    write_probe_triton(root, "bounded", 4, held_config(
        "  default_queue_policy { max_queue_size: 2 }\n"))
    write_probe_triton(root, "timed", 4, held_config(
        "  default_queue_policy { default_timeout_microseconds: 300000 }\n"))
    # heldpipe: a Seldon pipeline whose one step is held.
    os.makedirs(os.path.join(root, "heldpipe"))
    with open(os.path.join(root, "heldpipe", "pipeline.yaml"), "w") as f:
        f.write("apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nmetadata:\n"
                "  name: heldpipe\nspec:\n  steps:\n    - name: held\n"
                "  output:\n    steps: [held]\n")
    return root


@pytest.fixture
def server(start_server, repository):
    return start_server(repository, "--model-control-mode", "explicit", "--load-model", "*",
                        "--parallel-workers", "1")


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("grpc_stubs")))


@pytest.fixture
def stub(pb, server):
    _, pb_grpc = pb
    with grpc.insecure_channel(grpc_address(server)) as channel:
        yield pb_grpc.GRPCInferenceServiceStub(channel)


# ---- a full queue: 503 / UNAVAILABLE, counted as rejected ----
# The two requests that fill the queue carry a timeout, which is what releases them (504):
# nothing else can, since the full queue refuses the requests that would fill their batch.

FULL = "the queue of model 'bounded' is full (max_queue_size 2)"
FILL_TIMEOUT_US = 4_000_000  # only has to outlast wait_pending and one refused request


def test_full_queue_is_503_and_counted_over_rest(server):
    with ThreadPoolExecutor(2) as pool:
        held = [pool.submit(rest_infer, server, "bounded", 1, timeout=FILL_TIMEOUT_US)
                for _ in range(2)]
        wait_pending(server, "bounded", 2)
        assert error_message(rest_infer(server, "bounded", 1), 503) == FULL
        assert sample(server, "tensord_inference_requests_total", "bounded",
                      outcome="rejected") == 1
        for future in held:
            assert "timed out" in error_message(future.result(timeout=TIMEOUT_S), 504)
    assert sample(server, "tensord_executions_total", "bounded") == 0


def test_full_queue_is_unavailable_and_counted_over_grpc(server, pb, stub):
    with ThreadPoolExecutor(2) as pool:
        held = [pool.submit(grpc_error, stub.ModelInfer,
                            grpc_request(pb, "bounded", 1, timeout=FILL_TIMEOUT_US))
                for _ in range(2)]
        wait_pending(server, "bounded", 2)
        error = grpc_error(stub.ModelInfer, grpc_request(pb, "bounded", 1))
        assert error.code() == grpc.StatusCode.UNAVAILABLE, error.details()
        assert error.details() == FULL
        assert sample(server, "tensord_inference_requests_total", "bounded",
                      outcome="rejected") == 1
        for future in held:
            assert future.result(timeout=TIMEOUT_S).code() == grpc.StatusCode.DEADLINE_EXCEEDED


# ---- timeouts: 504 / DEADLINE_EXCEEDED without running ----
# Time is the behaviour: a request leaves the queue no sooner than its timeout (an exact
# lower bound) and long before the 60 s batching delay would have released it.

TIMED_OUT = re.compile(r"request '(\w*)' timed out after (\d+) us in the queue of model '(\w+)'")


def check_timed_out(message, request_id, model, timeout_us):
    match = TIMED_OUT.fullmatch(message)
    assert match, message
    assert match.group(1) == request_id and match.group(3) == model, message
    assert timeout_us <= int(match.group(2)) < HOLD_US / 6, message


@pytest.mark.parametrize("model,parameters,timeout_us", [
    ("timed", {}, 300_000),                       # the model's default timeout
    ("held", {"timeout": 200_000}, 200_000),      # the request's
    ("timed", {"timeout": 100_000}, 100_000),     # the request's lowers the default
])
def test_timeout_is_504_over_rest(server, model, parameters, timeout_us):
    start = time.monotonic()
    response = requests.post(
        f"{server.url}/v2/models/{model}/infer", timeout=TIMEOUT_S,
        json={"id": "late", "inputs": [tensor("x", "FP32", [1, WIDTH], rows(0, 1))],
              **({"parameters": parameters} if parameters else {})})
    elapsed = time.monotonic() - start
    check_timed_out(error_message(response, 504), "late", model, timeout_us)
    assert timeout_us / 1e6 <= elapsed < HOLD_US / 1e6 / 6
    assert sample(server, "tensord_executions_total", model) == 0  # never ran


@pytest.mark.parametrize("model,parameters,timeout_us", [
    ("timed", {}, 300_000), ("held", {"timeout": 200_000}, 200_000)])
def test_timeout_is_deadline_exceeded_over_grpc(server, pb, stub, model, parameters,
                                                timeout_us):
    request = grpc_request(pb, model, 1, **parameters)
    request.id = "late"
    error = grpc_error(stub.ModelInfer, request)
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, error.details()
    check_timed_out(error.details(), "late", model, timeout_us)
    assert sample(server, "tensord_executions_total", model) == 0


@pytest.mark.parametrize("name,value,unit", [("timeout", -5, " (microseconds)"),
                                             ("priority", "high", "")])
def test_bad_policy_parameter_is_400(server, name, value, unit):
    message = error_message(rest_infer(server, "held", 1, **{name: value}), 400)
    assert message == f"request parameter '{name}' must be a non-negative integer{unit}"


# ---- priority: the most urgent request leads the next batch ----
# "held" takes batches of 4 rows. Low (3 rows, default priority) is queued first; urgent
# (3 rows, priority 1) arrives: the two do not fit one batch, so whichever leads the queue
# leaves alone at once and the other waits. With priority, urgent leads.

def test_priority_orders_the_queue_over_rest(server):
    with ThreadPoolExecutor(2) as pool:
        low = pool.submit(rest_infer, server, "held", 3, 0.0)
        wait_pending(server, "held", 1)
        urgent = rest_infer(server, "held", 3, 100.0, priority=1)
        check_rest_rows(urgent, 100.0, 3, 3)
        assert not low.done()
        assert sample(server, "tensord_pending_requests", "held") == 1
        # One more row fills low's batch.
        filler = rest_infer(server, "held", 1, 200.0)
        check_rest_rows(filler, 200.0, 1, 4)
        check_rest_rows(low.result(timeout=TIMEOUT_S), 0.0, 3, 4)


def test_priority_orders_the_queue_over_grpc(server, pb, stub):
    with ThreadPoolExecutor(2) as pool:
        low = pool.submit(stub.ModelInfer, grpc_request(pb, "held", 3, 0.0), timeout=TIMEOUT_S)
        wait_pending(server, "held", 1)
        urgent = stub.ModelInfer(grpc_request(pb, "held", 3, 100.0, priority=1),
                                 timeout=TIMEOUT_S)
        check_grpc_rows(urgent, 100.0, 3, 3)
        assert not low.done()
        filler = stub.ModelInfer(grpc_request(pb, "held", 1, 200.0), timeout=TIMEOUT_S)
        check_grpc_rows(filler, 200.0, 1, 4)
        check_grpc_rows(low.result(timeout=TIMEOUT_S), 0.0, 3, 4)


def test_without_priority_the_oldest_leads(server):
    # The control for the two tests above: same traffic, no priority, the other order.
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(rest_infer, server, "held", 3, 0.0)
        wait_pending(server, "held", 1)
        second = pool.submit(rest_infer, server, "held", 3, 100.0)
        check_rest_rows(first.result(timeout=TIMEOUT_S), 0.0, 3, 3)
        wait_pending(server, "held", 1)
        assert not second.done()
        check_rest_rows(rest_infer(server, "held", 1, 200.0), 200.0, 1, 4)
        check_rest_rows(second.result(timeout=TIMEOUT_S), 100.0, 3, 4)


# ---- a REST client that leaves: its queued request is cancelled ----
# HTTP/1.1 has no cancel message: a client that closes its connection before the answer has
# cancelled (as nginx treats it). The request is dropped from the queue, counted as failed,
# and does not take a place in the next batch.

@pytest.mark.parametrize("path", ["/v2/models/held/infer", "/v2/pipelines/heldpipe/infer"])
def test_a_rest_client_that_closes_its_connection_cancels_its_queued_request(start_server,
                                                                            repository, path):
    # Through the pipeline, the flag goes with the step's request into held's queue.
    server = start_server(repository, "--model-control-mode", "explicit", "--load-model", "*",
                          "--parallel-workers", "1", "--log-verbose", "1")
    body = json.dumps({"inputs": [tensor("x", "FP32", [1, WIDTH], rows(0.0, 1))]}).encode()
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT_S) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n".encode() +
                     b"Content-Type: application/json\r\nContent-Length: " +
                     str(len(body)).encode() + b"\r\n\r\n" + body)
        wait_pending(server, "held", 1)
    logged = f"closed its connection before the answer to POST {path}"
    wait_until(lambda: logged in server.log(), repr(logged))
    # Alone, 4 rows fill a batch: with the 1-row request still counted, the two could not
    # share one and the 1-row one would run first (2 successes).
    check_rest_rows(rest_infer(server, "held", 4, 10.0), 10.0, 4, 4)
    wait_pending(server, "held", 0)
    stats = requests.get(f"{server.url}/v2/models/held/stats", timeout=TIMEOUT_S).json()
    counts = stats["model_stats"][0]["inference_stats"]
    assert counts["success"]["count"] == 1, counts
    assert counts["fail"]["count"] == 1, counts
