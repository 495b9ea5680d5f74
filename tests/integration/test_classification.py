"""Triton's classification extension (docs/protocol/extension_classification.md in
triton-inference-server/server) over REST and gRPC: the "classification" parameter of a
requested output (what Triton's clients send for class_count) returns the top-k as BYTES
"<value>:<index>[:<label>]", labels from the output's label_filename, shape [batch, k] for a
batching model and [k] otherwise; bad counts are 400 / INVALID_ARGUMENT naming the output.
"""

import os

import grpc
import numpy as np
import pytest
import requests

import make_test_repository
from grpc_helpers import generate_stubs, grpc_address
from make_test_repository import m
from oip_client import TIMEOUT_S, error_message, ok_json, outputs_by_name, tensor

LABELS = ["cat", "dog", "fish", "bird"]


def write_classifier(root):
    folder = os.path.join(root, "classify")
    m.save(m.identity("classify", "FP32", ["batch", "classes"]),
           os.path.join(folder, "1", "model.onnx"))
    with open(os.path.join(folder, "labels.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")
    with open(os.path.join(folder, "config.pbtxt"), "w") as f:
        f.write('name: "classify"\nmax_batch_size: 4\n'
                'input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]\n'
                'output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ]\n'
                '           label_filename: "labels.txt" } ]\n')


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from tensord_process import TensordProcess
    root = str(tmp_path_factory.mktemp("classify_repo"))
    write_classifier(root)
    make_test_repository.write_identity(root, "FP32")
    make_test_repository.write_identity(root, "BYTES")
    process = TensordProcess.start(root)
    yield process
    assert process.stop() == 0, process.log()


def classify_body(values, count, shape, model_input="INPUT0", key="classification"):
    return {"inputs": [tensor(model_input, "FP32", shape, values)],
            "outputs": [{"name": "OUTPUT0", "parameters": {key: count}}]}


def post(url, model, body):
    return requests.post(f"{url}/v2/models/{model}/infer", json=body, timeout=TIMEOUT_S)


def test_metadata_lists_the_extension(classifier):
    extensions = ok_json(requests.get(classifier.url + "/v2", timeout=TIMEOUT_S))["extensions"]
    assert "classification" in extensions


def test_rest_batched_with_labels(classifier):
    body = classify_body([0.1, 0.7, 0.2, 0.0, 5, 1, 3, 9], 2, [2, 4])
    output = outputs_by_name(post(classifier.url, "classify", body))["OUTPUT0"]
    assert output["datatype"] == "BYTES"
    assert output["shape"] == [2, 2]
    assert output["data"] == ["0.700000:1:dog", "0.200000:2:fish",
                              "9.000000:3:bird", "5.000000:0:cat"]


def test_rest_unbatched_without_labels_and_binary(classifier):
    body = classify_body([1.1, 3.3, 0.5, 2.4], 2, [1, 4])
    output = outputs_by_name(post(classifier.url, "identity_fp32", body))["OUTPUT0"]
    assert (output["shape"], output["data"]) == ([2], ["3.300000:1", "2.400000:3"])
    # class_count larger than the classes: capped; binary output as any BYTES output.
    body = classify_body([1.1, 3.3], 5, [1, 2], key="class_count")
    body["outputs"][0]["parameters"]["binary_data"] = True
    response = post(classifier.url, "identity_fp32", body)
    assert response.status_code == 200, response.text
    header = int(response.headers["Inference-Header-Content-Length"])
    raw = response.content[header:]
    assert raw == b"\x0a\x00\x00\x003.300000:1\x0a\x00\x00\x001.100000:0"


def test_config_keeps_label_filename(classifier):
    config = ok_json(requests.get(classifier.url + "/v2/models/classify/config",
                                  timeout=TIMEOUT_S))
    assert config["output"][0]["label_filename"] == "labels.txt"


@pytest.mark.parametrize("count", [0, -3, "2", 1.5, True])
def test_rest_bad_class_count(classifier, count):
    message = error_message(post(classifier.url, "classify",
                                 classify_body([1, 2, 3, 4], count, [1, 4])), 400)
    assert message == ("output 'OUTPUT0': parameter 'classification' must be a positive "
                       "integer (the number of classes to return)")


def test_rest_bytes_output_cannot_be_classified(classifier):
    body = {"inputs": [tensor("INPUT0", "BYTES", [1, 1], ["a"])],
            "outputs": [{"name": "OUTPUT0", "parameters": {"classification": 1}}]}
    assert error_message(post(classifier.url, "identity_bytes", body), 400) == (
        "output 'OUTPUT0': classification needs a numeric output, not BYTES")


def test_missing_label_file_fails_the_load(start_server, tmp_path):
    root = str(tmp_path / "repo")
    write_classifier(root)
    os.remove(os.path.join(root, "classify", "labels.txt"))
    server = start_server(root)
    index = ok_json(requests.post(server.url + "/v2/repository/index", json={},
                                  timeout=TIMEOUT_S))
    (row,) = index
    assert row["state"] == "UNAVAILABLE"
    assert "output 'OUTPUT0': label_filename" in row["reason"]
    assert "labels.txt': no such file" in row["reason"]


def test_label_file_outside_the_folder_is_refused(start_server, tmp_path):
    root = str(tmp_path / "repo")
    write_classifier(root)
    config = os.path.join(root, "classify", "config.pbtxt")
    with open(config) as f:
        text = f.read().replace('"labels.txt"', '"../../etc/passwd"')
    with open(config, "w") as f:
        f.write(text)
    server = start_server(root)
    (row,) = ok_json(requests.post(server.url + "/v2/repository/index", json={},
                                   timeout=TIMEOUT_S))
    assert row["state"] == "UNAVAILABLE"
    assert "output 'OUTPUT0': label_filename '../../etc/passwd'" in row["reason"]


# ---- gRPC ----

@pytest.fixture(scope="module")
def grpc_stub(classifier, tmp_path_factory):
    pb2, pb2_grpc = generate_stubs(str(tmp_path_factory.mktemp("classify_stubs")))
    with grpc.insecure_channel(grpc_address(classifier)) as channel:
        yield pb2, pb2_grpc.GRPCInferenceServiceStub(channel)


def grpc_request(pb2, count):
    request = pb2.ModelInferRequest(model_name="classify")
    request.inputs.add(name="INPUT0", datatype="FP32", shape=[1, 4])
    request.raw_input_contents.append(np.array([4, 3, 2, 1], np.float32).tobytes())
    output = request.outputs.add(name="OUTPUT0")
    output.parameters["classification"].int64_param = count
    return request


def test_grpc_classification(grpc_stub):
    pb2, stub = grpc_stub
    response = stub.ModelInfer(grpc_request(pb2, 3), timeout=TIMEOUT_S)
    (output,) = response.outputs
    assert (output.datatype, list(output.shape)) == ("BYTES", [1, 3])
    raw = response.raw_output_contents[0]
    elements = []
    while raw:
        size = int.from_bytes(raw[:4], "little")
        elements.append(raw[4:4 + size].decode())
        raw = raw[4 + size:]
    assert elements == ["4.000000:0:cat", "3.000000:1:dog", "2.000000:2:fish"]

    with pytest.raises(grpc.RpcError) as caught:
        stub.ModelInfer(grpc_request(pb2, 0), timeout=TIMEOUT_S)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() == (
        "output 'OUTPUT0': parameter 'classification' must be a positive integer (the number "
        "of classes to return)")
