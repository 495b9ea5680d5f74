"""Triton's load from memory (docs/protocol/extension_model_repository.md in
triton-inference-server/server, and its clients' load_model(config=..., files=...)): a load
request carries the model's whole configuration ("config", JSON) and its files as
"file:<path>" parameters — base64 strings on REST, bytes_param on gRPC. The model is loaded
from those, not from the repository folder; paths stay inside the model's folder; a bad load
changes nothing and the version already serving keeps serving.
"""

import base64
import json
import os

import grpc
import numpy as np
import pytest
import requests

import make_test_repository as repo
from grpc_helpers import generate_stubs, grpc_address
from make_test_repository import m
from oip_client import TIMEOUT_S, error_message, infer, ok_json, outputs_by_name, tensor

EXPLICIT = ("--model-control-mode", "explicit")
CONFIG = json.dumps({
    "platform": "onnxruntime_onnx", "max_batch_size": 0,
    "input": [{"name": "INPUT0", "data_type": "TYPE_FP32", "dims": [-1]}],
    "output": [{"name": "OUTPUT0", "data_type": "TYPE_FP32", "dims": [-1],
                "label_filename": "labels.txt"}],
})


PLAIN_CONFIG = json.dumps({
    "platform": "onnxruntime_onnx",
    "input": [{"name": "INPUT0", "data_type": "TYPE_FP32", "dims": [-1]}],
})


def scale_model(name, factor):
    return m.scale(name, "FP32", ["n"], factor).SerializeToString()


def b64(data):
    return base64.b64encode(data).decode()


def load(url, name, parameters):
    return requests.post(f"{url}/v2/repository/models/{name}/load",
                         json={"parameters": parameters}, timeout=TIMEOUT_S)


def scaled(url, model, values):
    out = outputs_by_name(infer(url, model, [tensor("INPUT0", "FP32", [len(values)], values)]))
    return out["OUTPUT0"]["data"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tensord_process import TensordProcess
    root = tmp_path_factory.mktemp("memory_repo")
    repo.write_mlp(str(root))
    process = TensordProcess.start(str(root), *EXPLICIT, "--load-model", "mlp_test")
    yield process
    assert process.stop() == 0, process.log()


@pytest.fixture(scope="module")
def stub(server, tmp_path_factory):
    pb2, pb2_grpc = generate_stubs(str(tmp_path_factory.mktemp("memory_stubs")))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        yield pb2, pb2_grpc.GRPCInferenceServiceStub(channel)


def test_rest_load_of_a_model_that_is_not_in_the_repository(server):
    response = load(server.url, "uploaded.v-1", {
        "config": CONFIG,
        "file:1/model.onnx": b64(scale_model("uploaded", 3.0)),
        "file:labels.txt": b64(b"low\nhigh\n"),
    })
    assert response.status_code == 200, response.text
    assert scaled(server.url, "uploaded.v-1", [1.0, 2.0]) == [3.0, 6.0]
    config = ok_json(requests.get(server.url + "/v2/models/uploaded.v-1/config",
                                  timeout=TIMEOUT_S))
    assert config["name"] == "uploaded.v-1"
    assert config["output"][0]["label_filename"] == "labels.txt"
    # The label file came with the request too.
    out = outputs_by_name(infer(server.url, "uploaded.v-1",
                                [tensor("INPUT0", "FP32", [2], [1.0, 2.0])],
                                outputs=[{"name": "OUTPUT0",
                                          "parameters": {"classification": 1}}]))
    assert out["OUTPUT0"]["data"] == ["6.000000:1:high"]
    rows = ok_json(requests.post(server.url + "/v2/repository/index", json={"ready": True},
                                 timeout=TIMEOUT_S))
    assert any(r["name"] == "uploaded.v-1" and r["state"] == "READY" for r in rows)


def test_grpc_load_with_bytes_and_other_versions(server, stub):
    pb2, grpc_stub = stub
    request = pb2.RepositoryModelLoadRequest(model_name="grpc_uploaded")
    request.parameters["config"].string_param = PLAIN_CONFIG
    request.parameters["file:7/model.onnx"].bytes_param = scale_model("g", 5.0)
    grpc_stub.RepositoryModelLoad(request, timeout=TIMEOUT_S)
    metadata = ok_json(requests.get(server.url + "/v2/models/grpc_uploaded", timeout=TIMEOUT_S))
    assert metadata["versions"] == ["7"]
    assert scaled(server.url, "grpc_uploaded", [2.0]) == [10.0]


def test_files_replace_the_repository_folder_and_a_bad_load_keeps_the_old(server):
    before = infer(server.url, "mlp_test", [tensor("input", "FP32", [1, 8], [[0.5] * 8])])
    assert before.status_code == 200
    # Bytes that are not ONNX: refused as a failed load; the old version keeps serving.
    response = load(server.url, "mlp_test", {"config": json.dumps({"max_batch_size": 8}),
                                             "file:1/model.onnx": b64(b"not onnx")})
    assert "failed to load model 'mlp_test'" in error_message(response, 400)
    after = infer(server.url, "mlp_test", [tensor("input", "FP32", [1, 8], [[0.5] * 8])])
    assert after.status_code == 200 and after.json()["outputs"] == before.json()["outputs"]
    # Good files: the model is now what they say.
    response = load(server.url, "mlp_test", {"config": PLAIN_CONFIG,
                                             "file:1/model.onnx": b64(scale_model("s", 2.0))})
    assert response.status_code == 200, response.text
    assert scaled(server.url, "mlp_test", [4.0]) == [8.0]


@pytest.mark.parametrize("parameters, status, message", [
    ({"file:1/model.onnx": b64(b"x")}, 400,
     "failed to load model 'bad': a load request with 'file:' parameters must also carry the "
     "model's whole configuration as the 'config' parameter (JSON)"),
    ({"config": CONFIG, "file:1/model.onnx": 7}, 400,
     "model load request: parameter 'file:1/model.onnx' must be a string holding the file's "
     "content in base64"),
    ({"config": CONFIG, "file:../1/model.onnx": b64(b"x")}, 400,
     "failed to load model 'bad': parameter 'file:../1/model.onnx': path '../1/model.onnx' has a "
     "'..' segment; a path in a model's config must stay inside the model's folder"),
    ({"config": CONFIG, "file:/tmp/x.onnx": b64(b"x")}, 400,
     "failed to load model 'bad': parameter 'file:/tmp/x.onnx': path '/tmp/x.onnx' is an "
     "absolute path"),
    ({"config": CONFIG, "file:config.pbtxt": b64(b"x")}, 400,
     "failed to load model 'bad': parameter 'file:config.pbtxt': the configuration of a model "
     "loaded from files is the 'config' parameter"),
    ({"config": '{"name": "other"}', "file:1/model.onnx": b64(b"x")}, 400,
     "failed to load model 'bad': config: name 'other' does not match the model being loaded, "
     "'bad'"),
    ({"config": '{"inputs": []}', "file:1/model.onnx": b64(b"x")}, 400,
     "failed to load model 'bad': config: inputs: Cannot find field."),
])
def test_bad_load_requests(server, parameters, status, message):
    text = error_message(load(server.url, "bad", parameters), status)
    assert text.startswith(message), text
    assert requests.get(server.url + "/v2/models/bad/ready", timeout=TIMEOUT_S).status_code in (
        400, 404)
    assert scaled(server.url, "uploaded.v-1", [1.0]) == [3.0]


@pytest.mark.parametrize("config", [{"backend": "python"}, {"platform": "models.Evil"}])
def test_a_load_request_cannot_bring_python_code(server, tmp_path, config):
    """Python models run code, so only a model-settings.json in the repository selects that
    runtime: a load request can neither send one nor name the runtime in its config."""
    marker = tmp_path / "ran"
    code = (f"open({str(marker)!r}, 'w').write('x')\n"
            "class Evil:\n    async def load(self):\n        return True\n")
    parameters = {"config": json.dumps(config), "file:1/models.py": b64(code.encode()),
                  "file:1/model.py": b64(code.encode())}
    text = error_message(load(server.url, "evil", parameters), 400)
    assert "Triton's python backend (model.py) is not supported" in text, text
    settings = json.dumps({"name": "evil", "implementation": "models.Evil"})
    text = error_message(load(server.url, "evil", {"config": "{}",
                                                   "file:model-settings.json": b64(
                                                       settings.encode()),
                                                   "file:models.py": b64(code.encode())}), 400)
    assert "parameter 'file:model-settings.json'" in text, text
    assert not marker.exists()


def test_grpc_file_as_a_string_is_refused(server, stub):
    pb2, grpc_stub = stub
    request = pb2.RepositoryModelLoadRequest(model_name="bad")
    request.parameters["config"].string_param = CONFIG
    request.parameters["file:1/model.onnx"].string_param = "AAAA"
    with pytest.raises(grpc.RpcError) as error:
        grpc_stub.RepositoryModelLoad(request, timeout=TIMEOUT_S)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details() == (
        "parameter 'file:1/model.onnx' must be a bytes_param holding the file's content")


def test_staging_folders_are_removed(server):
    staging = [name for name in os.listdir(os.environ.get("TMPDIR", "/tmp"))
               if name.startswith("tensord-load-")]
    # Loads run one at a time per model and clean up when done; none is running now.
    for name in staging:
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), name)
        assert not os.path.exists(os.path.join(path, "uploaded.v-1")), path


def test_the_flag_turns_it_off(tmp_path):
    from tensord_process import TensordProcess
    process = TensordProcess.start(str(tmp_path), *EXPLICIT, "--allow-load-files=false")
    try:
        response = load(process.url, "m", {"config": CONFIG,
                                           "file:1/model.onnx": b64(scale_model("m", 1.0))})
        message = error_message(response, 403)
        assert "--allow-load-files=false" in message, message
    finally:
        assert process.stop() == 0, process.log()
