"""Requests held in a model's queue, for end-to-end tests of what happens to requests in
flight (queue policy, unload, shutdown) without a sleep deciding anything.

A probe model (make_test_repository.probe_model: y = x + 1, n = rows of its batch) with
held_config() batches with the "wait" policy and a HOLD_US delay longer than any test: a
request waits in the queue until its batch fills (or it times out, or the scheduler
flushes). Tests wait for the server's pending gauge to show it queued:

    write_probe_triton(root, "held", 4, held_config())
    future = pool.submit(rest_infer, server, "held", 3)     # 3 of 4 rows: held
    wait_pending(server, "held", 1)
    check_rest_rows(rest_infer(server, "held", 1, 10.0), 10.0, 1, 4)   # fills the batch
    check_rest_rows(future.result(), 0.0, 3, 4)
"""

import re
import time

import grpc
import numpy as np
import pytest
import requests

from oip_client import TIMEOUT_S, infer, outputs_by_name, tensor

WIDTH = 2
HOLD_US = 60_000_000  # the batching delay: longer than any test, so nothing leaves by it
METRICS_LINE = re.compile(r"serving metrics on (\S+):(\d+)")


def held_config(queue_policy=""):
    """config.pbtxt lines for write_probe_triton: the wait policy with a HOLD_US delay, and
    `queue_policy` lines inside dynamic_batching."""
    return (f"dynamic_batching {{\n  max_queue_delay_microseconds: {HOLD_US}\n{queue_policy}}}\n"
            'parameters [{ key: "batching_policy" value: { string_value: "wait" } }]\n')


def metrics_port(server):
    """The port of the "serving metrics on" line, which follows the HTTP one."""
    wait_until(lambda: METRICS_LINE.search(server.log()), "the 'serving metrics on' line")
    return METRICS_LINE.search(server.log()).group(2)


def metrics(server):
    """{sample name with labels: value} from the server's Prometheus endpoint."""
    response = requests.get(f"http://127.0.0.1:{metrics_port(server)}/metrics",
                            timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    return {name: float(value) for name, value in
            (line.rsplit(" ", 1) for line in response.text.splitlines()
             if line and not line.startswith("#"))}


def sample(server, family, model, **labels):
    extra = "".join(f',{k}="{v}"' for k, v in labels.items())
    return metrics(server)[f'{family}{{model="{model}",version="1"{extra}}}']


def wait_until(predicate, what, timeout=30):
    """Polls an observable state (never a fixed sleep); fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def wait_pending(server, model, count):
    wait_until(lambda: sample(server, "tensord_pending_requests", model) == count,
               f"{count} requests queued for {model}")


def rows(first, count):
    return [[first + r * WIDTH + c for c in range(WIDTH)] for r in range(count)]


def rest_infer(server, model, count, first=0.0, **parameters):
    body = {"parameters": parameters} if parameters else {}
    response = infer(server.url, model, [tensor("x", "FP32", [count, WIDTH], rows(first, count))],
                     **body)
    return response


def grpc_request(pb, model, count, first=0.0, **parameters):
    pb2, _ = pb
    request = pb2.ModelInferRequest(model_name=model)
    for key, value in parameters.items():
        request.parameters[key].int64_param = value
    request.inputs.add(name="x", datatype="FP32", shape=[count, WIDTH])
    request.raw_input_contents.append(np.array(rows(first, count), np.float32).tobytes())
    return request


def check_rest_rows(response, first, count, batch):
    """The request's own rows came back (+1), from a batch of `batch` rows."""
    outputs = outputs_by_name(response)
    assert outputs["y"]["data"] == [v + 1 for row in rows(first, count) for v in row]
    assert outputs["n"]["data"] == [float(batch)] * count


def check_grpc_rows(reply, first, count, batch):
    by_name = {o.name: i for i, o in enumerate(reply.outputs)}
    y = np.frombuffer(reply.raw_output_contents[by_name["y"]], np.float32)
    n = np.frombuffer(reply.raw_output_contents[by_name["n"]], np.float32)
    assert y.tolist() == [v + 1 for row in rows(first, count) for v in row]
    assert n.tolist() == [float(batch)] * count


def grpc_error(call, request):
    with pytest.raises(grpc.RpcError) as error:
        call(request, timeout=TIMEOUT_S)
    return error.value
