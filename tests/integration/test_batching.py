"""Adaptive batching end to end, with a real ONNX model that reports its batch size.

The "probe" model computes y = x + 1 and n = the number of rows it executed at once
(broadcast to [rows, 1]), so a response shows both that its own rows came back exactly
and how big the batch it rode in was. Requests are sent concurrently from threads.
"""

import os
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_test_repository import m, probe_model, write_probe_triton  # noqa: E402
from oip_client import infer, outputs_by_name, tensor  # noqa: E402

WIDTH = 4
# Long enough that waiting it out and not waiting differ by an order of magnitude even on a
# loaded machine: the timing tests below bound time at a quarter of it, or at all of it.
LONG_DELAY_US = 1_000_000


def write_probe_mlserver(root, name):
    folder = os.path.join(root, name)
    m.save(probe_model(name), os.path.join(folder, "model.onnx"))
    m.write_model_settings(folder, {
        "name": name,
        "max_batch_size": 8,
        "max_batch_time": 0.05,
        "parameters": {"uri": "./model.onnx"},
    })


@pytest.fixture(scope="module")
def batching_server(tmp_path_factory, start_server):
    root = str(tmp_path_factory.mktemp("batching"))
    # Long delays make batches form reliably even on a loaded machine; they only cost the
    # test time when fewer requests than max_batch_size are in flight.
    write_probe_triton(root, "probe", 16, "dynamic_batching {\n  max_queue_delay_microseconds: 50000\n}\n")
    write_probe_triton(root, "probe_nobatch", 0, "")
    write_probe_triton(root, "probe_single", 16, "")  # batch dimension, but no batching
    write_probe_mlserver(root, "probe_mls")
    # A delay long enough that waiting it out cannot be mistaken for a slow machine.
    slow = "dynamic_batching {\n  max_queue_delay_microseconds: %d\n}\n" % LONG_DELAY_US
    write_probe_triton(root, "probe_adaptive", 16, slow)
    write_probe_triton(root, "probe_wait", 16, slow + 'parameters [{ key: "batching_policy" '
                       'value: { string_value: "wait" } }]\n')
    return start_server(root)


@pytest.fixture(scope="module")
def start_server():
    # A module-scoped variant of conftest's factory (one server for this module's tests).
    from tensord_process import TensordProcess
    started = []

    def start(repository, *flags):
        process = TensordProcess.start(repository, *flags)
        started.append(process)
        return process

    yield start
    for process in started:
        code = process.stop()
        assert code == 0, f"tensord exited with {code} on SIGTERM; its output:\n{process.log()}"
    for process in started:
        code = process.stop()
        assert code == 0, f"tensord exited with {code} on SIGTERM; its output:\n{process.log()}"


def send_concurrently(url, model, requests_spec):
    """requests_spec: list of dicts (rows, width, first, outputs or None, id). Returns
    {id: response} once every thread is done. All threads start together."""
    barrier = threading.Barrier(len(requests_spec))
    responses = {}
    lock = threading.Lock()

    def one(spec):
        data = [spec["first"] + i for i in range(spec["rows"] * spec["width"])]
        body = {"id": spec["id"]}
        if spec.get("outputs") is not None:
            body["outputs"] = [{"name": name} for name in spec["outputs"]]
        barrier.wait()
        response = infer(url, model, [tensor("x", "FP32", [spec["rows"], spec["width"]], data)],
                         **body)
        with lock:
            responses[spec["id"]] = response

    threads = [threading.Thread(target=one, args=(spec,)) for spec in requests_spec]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def check_exact(spec, response):
    body = response.json()
    assert response.status_code == 200, response.text
    assert body["id"] == spec["id"]
    outputs = outputs_by_name(response)
    want_y = [float(spec["first"] + i + 1) for i in range(spec["rows"] * spec["width"])]
    if spec.get("outputs") is None or "y" in spec["outputs"]:
        assert outputs["y"]["shape"] == [spec["rows"], spec["width"]]
        assert outputs["y"]["data"] == want_y
    if spec.get("outputs") is not None:
        assert sorted(outputs) == sorted(spec["outputs"])
    batch = outputs["n"]["data"] if "n" in outputs else None
    if batch is not None:
        assert outputs["n"]["shape"] == [spec["rows"], 1]
        assert len(set(batch)) == 1
        return int(batch[0])
    return None


def test_concurrent_requests_share_batches_and_get_their_own_rows(batching_server):
    specs = [{"id": f"r{i}", "rows": 1 + i % 2, "width": WIDTH, "first": 1000 * i}
             for i in range(12)]
    responses = send_concurrently(batching_server.url, "probe", specs)
    sizes = [check_exact(spec, responses[spec["id"]]) for spec in specs]
    for spec, size in zip(specs, sizes):
        assert spec["rows"] <= size <= 16
    assert max(sizes) > 2, f"no batch formed: {sizes}"


def test_other_shapes_and_output_selections_go_to_their_own_batches(batching_server):
    # MLServer fails every request of such a mixed batch, and hands one request's output
    # selection to the others; here each gets exactly its own.
    specs = []
    for i in range(12):
        spec = {"id": f"m{i}", "rows": 1, "width": 3 if i % 3 == 0 else WIDTH, "first": 10 * i}
        if i % 4 == 1:
            spec["outputs"] = ["n"]
        specs.append(spec)
    responses = send_concurrently(batching_server.url, "probe", specs)
    for spec in specs:
        check_exact(spec, responses[spec["id"]])


def test_mlserver_max_batch_time_batches_the_same_way(batching_server):
    specs = [{"id": f"s{i}", "rows": 1, "width": WIDTH, "first": i} for i in range(8)]
    responses = send_concurrently(batching_server.url, "probe_mls", specs)
    sizes = [check_exact(spec, responses[spec["id"]]) for spec in specs]
    assert max(sizes) > 1, f"no batch formed: {sizes}"


@pytest.mark.parametrize("model", ["probe_nobatch", "probe_single"])
def test_models_without_batching_run_each_request_alone(batching_server, model):
    specs = [{"id": f"n{i}", "rows": 1 + i % 3, "width": WIDTH, "first": i} for i in range(8)]
    responses = send_concurrently(batching_server.url, model, specs)
    for spec in specs:
        assert check_exact(spec, responses[spec["id"]]) == spec["rows"]


def timed_infer(url, model, i):
    start = time.monotonic()
    response = infer(url, model, [tensor("x", "FP32", [1, WIDTH], [i] * WIDTH)])
    elapsed = time.monotonic() - start
    assert response.status_code == 200, response.text
    return elapsed


def test_adaptive_batching_runs_one_request_at_a_time_without_the_delay(batching_server):
    # The first request waits out the delay (nothing is known about the traffic yet); once
    # it has, requests sent one at a time do not wait for partners that never come.
    delay = LONG_DELAY_US / 1e6
    timings = [timed_infer(batching_server.url, "probe_adaptive", i) for i in range(6)]
    assert max(timings[1:]) < delay / 4, timings


def test_the_wait_policy_holds_every_lone_request_for_the_delay(batching_server):
    delay = LONG_DELAY_US / 1e6
    timings = [timed_infer(batching_server.url, "probe_wait", i) for i in range(2)]
    # A lower bound: no load makes a request faster than the wait it must sit out.
    assert min(timings) >= delay * 0.95, timings
