"""Triton's config.pbtxt as Triton applies it (triton-inference-server/common
protobuf/model_config.proto, server docs/user_guide/model_configuration.md):

- `reshape` on inputs and outputs: clients send and receive `dims`, the model runs on its own
  shape (Triton's densenet_onnx example: dims [3,224,224], reshape [1,3,224,224]); with a
  batch dimension, and with variable sizes;
- `format` (FORMAT_NCHW / FORMAT_NHWC) checked as Triton does (three dims) and returned;
- every field of the file — optimization, model_warmup, metric_tags, response_cache, ... —
  returned by the configuration extension on REST and gRPC, 64-bit numbers as numbers;
- bad reshapes and formats: the model is not ready and says why; a request whose shape cannot
  be reshaped is a 400 naming the input.
"""

import os

import grpc
import numpy as np
import pytest
import requests
from onnx import TensorProto, helper, numpy_helper

from grpc_helpers import generate_stubs, grpc_address
from make_test_repository import m
from oip_client import TIMEOUT_S, error_message, ok_json, outputs_by_name, tensor

WEIGHTS = np.arange(48 * 10, dtype=np.float32).reshape(48, 10) / 100.0

DENSENET_CONFIG = """
name: "densenet_like"
platform: "onnxruntime_onnx"
max_batch_size: 0
input [ {
  name: "data_0"
  data_type: TYPE_FP32
  format: FORMAT_NCHW
  dims: [ 3, 4, 4 ]
  reshape { shape: [ 1, 3, 4, 4 ] }
} ]
output [ {
  name: "fc6_1"
  data_type: TYPE_FP32
  dims: [ 10 ]
  reshape { shape: [ 1, 10, 1, 1 ] }
  label_filename: "labels.txt"
} ]
optimization { priority: PRIORITY_MAX }
metric_tags { key: "team" value: "vision" }
model_warmup [ { name: "zeros" batch_size: 1 count: 2 } ]
response_cache { enable: true }
"""


def densenet_like():
    """[1,3,4,4] -> flatten -> x @ WEIGHTS -> [1,10,1,1], like densenet's fixed shapes."""
    nodes = [
        helper.make_node("Reshape", ["data_0", "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "weights"], ["scores"]),
        helper.make_node("Reshape", ["scores", "out_shape"], ["fc6_1"]),
    ]
    initializers = [
        numpy_helper.from_array(np.array([1, 48], np.int64), "flat_shape"),
        numpy_helper.from_array(WEIGHTS, "weights"),
        numpy_helper.from_array(np.array([1, 10, 1, 1], np.int64), "out_shape"),
    ]
    graph = helper.make_graph(
        nodes, "densenet_like",
        [helper.make_tensor_value_info("data_0", TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor_value_info("fc6_1", TensorProto.FLOAT, [1, 10, 1, 1])],
        initializers)
    return m._finish(graph)


def write(root, name, model, config):
    folder = os.path.join(root, name)
    m.save(model, os.path.join(folder, "1", "model.onnx"))
    m.write_text(os.path.join(folder, "config.pbtxt"), config)
    return folder


def write_repository(root):
    folder = write(root, "densenet_like", densenet_like(), DENSENET_CONFIG)
    m.write_text(os.path.join(folder, "labels.txt"), "".join(f"class{i}\n" for i in range(10)))
    # Batched: the model takes [batch, 12]; clients send [batch, 3, 4] and get [batch, 2, 6].
    write(root, "reshape_batched", m.identity("reshape_batched", "FP32", ["batch", 12]), """
name: "reshape_batched"
max_batch_size: 4
input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 3, 4 ] reshape { shape: [ 12 ] } } ]
output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 2, 6 ] reshape { shape: [ 12 ] } } ]
dynamic_batching { max_queue_delay_microseconds: 1000 }
""")
    # Variable sizes: the model takes [n, 2]; clients send and get [2n].
    write(root, "reshape_variable", m.identity("reshape_variable", "FP32", ["n", 2]), """
name: "reshape_variable"
max_batch_size: 0
input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] reshape { shape: [ -1, 2 ] } } ]
output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ] reshape { shape: [ -1, 2 ] } } ]
""")
    write(root, "bad_format", m.identity("bad_format", "FP32", [3, 4]), """
name: "bad_format"
input [ { name: "INPUT0" data_type: TYPE_FP32 format: FORMAT_NHWC dims: [ 3, 4 ] } ]
""")
    write(root, "bad_reshape", m.identity("bad_reshape", "FP32", [1, 3, 4, 4]), """
name: "bad_reshape"
input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 3, 4, 4 ] reshape { shape: [ 1, 3, 4, 5 ] } } ]
""")
    # The reshape is right for the client but not the model's shape.
    write(root, "reshape_vs_file", m.identity("reshape_vs_file", "FP32", [1, 48]), """
name: "reshape_vs_file"
input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 3, 4, 4 ] reshape { shape: [ 1, 3, 4, 4 ] } } ]
""")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tensord_process import TensordProcess
    root = str(tmp_path_factory.mktemp("triton_config_repo"))
    write_repository(root)
    process = TensordProcess.start(root)
    yield process
    assert process.stop() == 0, process.log()


@pytest.fixture(scope="module")
def stub(server, tmp_path_factory):
    pb2, pb2_grpc = generate_stubs(str(tmp_path_factory.mktemp("triton_config_stubs")))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        yield pb2, pb2_grpc.GRPCInferenceServiceStub(channel)


def get(server, path):
    return requests.get(server.url + path, timeout=TIMEOUT_S)


def infer(server, model, inputs, **body):
    return requests.post(f"{server.url}/v2/models/{model}/infer",
                         json={"inputs": inputs, **body}, timeout=TIMEOUT_S)


def test_densenet_style_reshape_serves_the_clients_dims(server):
    metadata = ok_json(get(server, "/v2/models/densenet_like"))
    assert metadata["inputs"] == [{"name": "data_0", "datatype": "FP32", "shape": [3, 4, 4]}]
    assert metadata["outputs"] == [{"name": "fc6_1", "datatype": "FP32", "shape": [10]}]
    x = np.linspace(-1, 1, 48, dtype=np.float32)
    out = outputs_by_name(infer(server, "densenet_like",
                                [tensor("data_0", "FP32", [3, 4, 4], x.tolist())]))["fc6_1"]
    assert out["shape"] == [10]
    np.testing.assert_allclose(out["data"], x @ WEIGHTS, rtol=1e-5, atol=1e-5)


def test_classification_on_a_reshaped_output(server):
    x = np.linspace(-1, 1, 48, dtype=np.float32)
    out = outputs_by_name(infer(
        server, "densenet_like", [tensor("data_0", "FP32", [3, 4, 4], x.tolist())],
        outputs=[{"name": "fc6_1", "parameters": {"classification": 1}}]))["fc6_1"]
    best = int(np.argmax(x @ WEIGHTS))
    assert out["shape"] == [1]
    assert out["data"][0].endswith(f":{best}:class{best}"), out


def test_config_returns_every_field_of_the_file(server):
    config = ok_json(get(server, "/v2/models/densenet_like/config"))
    data = config["input"][0]
    assert data["format"] == "FORMAT_NCHW"
    assert data["dims"] == [3, 4, 4]
    assert data["reshape"] == {"shape": [1, 3, 4, 4]}
    scores = config["output"][0]
    assert scores["reshape"] == {"shape": [1, 10, 1, 1]}
    assert scores["label_filename"] == "labels.txt"
    assert config["optimization"]["priority"] == "PRIORITY_MAX"
    assert config["metric_tags"] == {"team": "vision"}
    assert config["model_warmup"][0]["name"] == "zeros"
    assert config["model_warmup"][0]["count"] == 2
    assert config["response_cache"] == {"enable": True}
    # 64-bit fields are numbers, as Triton prints them.
    batched = ok_json(get(server, "/v2/models/reshape_batched/config"))
    assert batched["dynamic_batching"]["max_queue_delay_microseconds"] == 1000
    assert batched["input"][0]["reshape"]["shape"] == [12]


def test_grpc_model_config_returns_the_same_fields(server, stub):
    pb2, grpc_stub = stub
    config = grpc_stub.ModelConfig(pb2.ModelConfigRequest(name="densenet_like"),
                                   timeout=TIMEOUT_S).config
    assert config.input[0].format == 2  # FORMAT_NCHW
    assert list(config.input[0].reshape.shape) == [1, 3, 4, 4]
    assert list(config.output[0].reshape.shape) == [1, 10, 1, 1]
    assert config.output[0].label_filename == "labels.txt"
    assert config.response_cache.enable
    assert dict(config.metric_tags) == {"team": "vision"}


def test_grpc_infer_through_a_reshape(server, stub):
    pb2, grpc_stub = stub
    x = np.arange(48, dtype=np.float32) / 48
    request = pb2.ModelInferRequest(model_name="densenet_like")
    request.inputs.add(name="data_0", datatype="FP32", shape=[3, 4, 4])
    request.raw_input_contents.append(x.tobytes())
    response = grpc_stub.ModelInfer(request, timeout=TIMEOUT_S)
    assert list(response.outputs[0].shape) == [10]
    got = np.frombuffer(response.raw_output_contents[0], np.float32)
    np.testing.assert_allclose(got, x @ WEIGHTS, rtol=1e-5, atol=1e-5)


def test_batched_reshape_keeps_the_batch_dimension(server):
    x = np.arange(2 * 12, dtype=np.float32)
    out = outputs_by_name(infer(server, "reshape_batched",
                                [tensor("INPUT0", "FP32", [2, 3, 4], x.tolist())]))["OUTPUT0"]
    assert out["shape"] == [2, 2, 6]
    assert out["data"] == x.tolist()
    metadata = ok_json(get(server, "/v2/models/reshape_batched"))
    assert metadata["inputs"][0]["shape"] == [-1, 3, 4]
    assert metadata["outputs"][0]["shape"] == [-1, 2, 6]


def test_variable_sizes_are_matched(server):
    out = outputs_by_name(infer(server, "reshape_variable",
                                [tensor("INPUT0", "FP32", [6], [1, 2, 3, 4, 5, 6])]))["OUTPUT0"]
    assert (out["shape"], out["data"]) == ([6], [1, 2, 3, 4, 5, 6])


def test_a_shape_that_cannot_be_reshaped_is_400_naming_the_input(server):
    message = error_message(infer(server, "reshape_variable",
                                  [tensor("INPUT0", "FP32", [5], [1, 2, 3, 4, 5])]), 400)
    assert "INPUT0" in message and "reshape" in message, message
    # The server goes on serving.
    assert get(server, "/v2/models/reshape_variable/ready").status_code == 200


def test_wrong_dims_are_refused_before_the_reshape(server):
    message = error_message(infer(server, "densenet_like",
                                  [tensor("data_0", "FP32", [1, 3, 4, 4], [0.0] * 48)]), 400)
    assert "data_0" in message, message


def test_bad_format_is_not_ready_naming_the_rule(server):
    message = error_message(get(server, "/v2/models/bad_format/ready"), 400)
    assert "INPUT0" in message and "FORMAT_NHWC" in message and "3 dims" in message, message


def test_reshape_with_another_element_count_is_not_ready(server):
    message = error_message(get(server, "/v2/models/bad_reshape/ready"), 400)
    assert "reshape" in message and "48" in message and "60" in message, message


def test_reshape_that_is_not_the_models_shape_names_both(server):
    message = error_message(get(server, "/v2/models/reshape_vs_file/ready"), 400)
    assert "INPUT0" in message and "[1,3,4,4]" in message and "[1,48]" in message, message
    assert "reshape" in message, message
