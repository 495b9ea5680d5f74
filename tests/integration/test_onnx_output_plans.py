"""ONNX outputs whose shapes are known before the run are written into one block tensord
allocates (runtime/onnx/output_plan.h). End to end, over REST, that must never change an
answer: not for a model whose outputs break the shapes it declares, not for a graph output
that is a graph input, and not for a batching model whose batch dimension has no name, under
concurrent requests that the scheduler batches and splits again.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from onnx import TensorProto, helper

from make_test_repository import m
from oip_client import infer, outputs_by_name, tensor


def onnx_model(nodes, inputs, outputs, path):
    graph = helper.make_graph(nodes, "g", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    m.save(model, path)


def fp32(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, start_server_module):
    root = str(tmp_path_factory.mktemp("plans"))
    # Declares y as long as x ("n"); Concat makes it twice as long.
    onnx_model([helper.make_node("Concat", ["x", "x"], ["y"], axis=0)], [fp32("x", ["n"])],
               [fp32("y", ["n"])], os.path.join(root, "broken.promise-1", "3", "model.onnx"))
    # The graph output 'x' is the graph input 'x', its dimension named.
    onnx_model([helper.make_node("Relu", ["x"], ["y"])], [fp32("x", ["n"])],
               [fp32("x", ["n"]), fp32("y", ["n"])],
               os.path.join(root, "pass-through.named", "1", "model.onnx"))
    # Batch dimension unnamed on every tensor, batched by the scheduler.
    folder = os.path.join(root, "add_sub.unnamed")
    onnx_model([helper.make_node("Add", ["INPUT0", "INPUT1"], ["OUTPUT0"]),
                helper.make_node("Sub", ["INPUT0", "INPUT1"], ["OUTPUT1"])],
               [fp32("INPUT0", [None, 4]), fp32("INPUT1", [None, 4])],
               [fp32("OUTPUT0", [None, 4]), fp32("OUTPUT1", [None, 4])],
               os.path.join(folder, "1", "model.onnx"))
    m.write_text(os.path.join(folder, "config.pbtxt"),
                 'name: "add_sub.unnamed"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 16\n'
                 "dynamic_batching { max_queue_delay_microseconds: 20000 }\n")
    server = start_server_module(root)
    return server.url


def test_a_model_whose_output_breaks_its_declared_shape_answers_right_every_time(base_url):
    for _ in range(3):
        outputs = outputs_by_name(
            infer(base_url, "broken.promise-1", [tensor("x", "FP32", [3], [1, 2, 3])], version=3))
        assert outputs["y"]["shape"] == [6]
        assert outputs["y"]["data"] == [1, 2, 3, 1, 2, 3]


def test_a_graph_input_passed_through_is_answered_with_its_values(base_url):
    for values in ([-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]):
        outputs = outputs_by_name(
            infer(base_url, "pass-through.named", [tensor("x", "FP32", [3], values)]))
        assert outputs["x"]["data"] == values
        assert outputs["y"]["data"] == [max(v, 0.0) for v in values]


def test_batched_outputs_from_one_block_are_split_back_to_their_requests(base_url):
    def call(k):
        a = [float(k * 10 + i) for i in range(4)]
        b = [float(k)] * 4
        outputs = outputs_by_name(infer(base_url, "add_sub.unnamed", [
            tensor("INPUT0", "FP32", [1, 4], a), tensor("INPUT1", "FP32", [1, 4], b)]))
        assert outputs["OUTPUT0"]["shape"] == [1, 4]
        assert outputs["OUTPUT0"]["data"] == [x + k for x in a], k
        assert outputs["OUTPUT1"]["data"] == [x - k for x in a], k

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(call, range(48)))
    stats = requests.get(base_url + "/v2/models/add_sub.unnamed/stats", timeout=30).json()
    sizes = [b["batch_size"] for b in stats["model_stats"][0]["batch_stats"]]
    assert max(sizes) > 1, f"the requests were never batched: {sizes}"
