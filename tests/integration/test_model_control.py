"""The model repository extension and model control modes, with servers of their own:
the calls of KServe's multi-model puller (REST) and of Seldon Core 2's agent (gRPC) replayed
exactly, bad inputs, config overrides, reloads under load, and poll mode.
"""

import json
import os
import shutil
import threading
import time

import grpc
import pytest
import requests

import make_test_repository as repo
from grpc_helpers import generate_stubs, grpc_address
from oip_client import TIMEOUT_S, error_message, infer, ok_json, outputs_by_name, tensor

EXPLICIT = ("--model-control-mode", "explicit")


def identity_inputs():
    return [tensor("INPUT0", "FP32", [1, 2], [[1.5, 2.5]])]


def load(url, name, body=None, **kwargs):
    return requests.post(f"{url}/v2/repository/models/{name}/load",
                         timeout=TIMEOUT_S, **({"json": body} if body is not None else kwargs))


def unload(url, name):
    return requests.post(f"{url}/v2/repository/models/{name}/unload", timeout=TIMEOUT_S)


def index(url, body=None):
    return ok_json(requests.post(url + "/v2/repository/index", json=body, timeout=TIMEOUT_S))


def wait_until(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def staging(tmp_path):
    """identity_fp32 and mlp_test written outside any repository, to be copied in."""
    root = str(tmp_path / "staging")
    repo.write_identity(root, "FP32")
    repo.write_mlp(root)
    return root


@pytest.fixture
def empty_repository(tmp_path):
    path = tmp_path / "models"
    path.mkdir()
    return str(path)


def test_kserve_multi_model_puller(start_server, staging, empty_repository):
    server = start_server(empty_repository, *EXPLICIT)
    url = server.url
    assert index(url) == []
    # The puller copies the model into <repository>/<name>/ and asks for a load with {}.
    shutil.copytree(os.path.join(staging, "identity_fp32"),
                    os.path.join(empty_repository, "identity_fp32"))
    # As Triton: the index lists the new folder, not loaded, from a fresh look at the disk.
    assert index(url) == [{"name": "identity_fp32", "state": "UNAVAILABLE", "reason": "unloaded"}]
    assert index(url, {"ready": True}) == []
    response = load(url, "identity_fp32", {})
    assert response.status_code == 200, response.text
    assert outputs_by_name(infer(url, "identity_fp32", identity_inputs()))["OUTPUT0"]["data"] \
        == [1.5, 2.5]
    assert index(url) == [{"name": "identity_fp32", "version": "1", "state": "READY",
                           "reason": ""}]
    response = unload(url, "identity_fp32")
    assert response.status_code == 200, response.text
    # As Triton: a known model with no ready version is unavailable.
    message = error_message(infer(url, "identity_fp32", identity_inputs()), 503)
    assert "identity_fp32" in message
    wait_until(lambda: index(url)[0]["state"] == "UNAVAILABLE")
    assert index(url) == [{"name": "identity_fp32", "version": "1", "state": "UNAVAILABLE",
                           "reason": "unloaded"}]
    assert index(url, {"ready": True}) == []
    shutil.rmtree(os.path.join(empty_repository, "identity_fp32"))


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("grpc_stubs")))


def seldon_layout(staging, repository, name, version):
    """Seldon Core 2's agent: <name>_<v>/<v>/model.onnx, the config's name rewritten."""
    model = f"{name}_{version}"
    folder = os.path.join(repository, model)
    os.makedirs(os.path.join(folder, version))
    shutil.copy(os.path.join(staging, name, "1", "model.onnx"),
                os.path.join(folder, version, "model.onnx"))
    with open(os.path.join(staging, name, "config.pbtxt")) as f:
        config = f.read().replace(f'name: "{name}"', f'name: "{model}"')
    assert f'name: "{model}"' in config
    with open(os.path.join(folder, "config.pbtxt"), "w") as f:
        f.write(config)
    return model


def test_seldon_core_2_agent_over_grpc(start_server, pb, staging, tmp_path):
    pb2, pb2_grpc = pb
    repository = str(tmp_path / "mnt-agent-models")
    os.makedirs(repository)
    seldon_layout(staging, repository, "identity_fp32", "3")  # left over from a past run
    server = start_server(repository, *EXPLICIT, "--load-model", "*")
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        assert stub.ServerLive(pb2.ServerLiveRequest(), timeout=TIMEOUT_S).live
        # At start the agent unloads every model that is READY or LOADING.
        models = stub.RepositoryIndex(pb2.RepositoryIndexRequest(), timeout=TIMEOUT_S).models
        assert [(x.name, x.state) for x in models] == [("identity_fp32_3", "READY")]
        for x in models:
            if x.state in ("READY", "LOADING"):
                stub.RepositoryModelUnload(pb2.RepositoryModelUnloadRequest(model_name=x.name),
                                           timeout=TIMEOUT_S)
        wait_until(lambda: all(
            x.state == "UNAVAILABLE" for x in stub.RepositoryIndex(
                pb2.RepositoryIndexRequest(), timeout=TIMEOUT_S).models))

        model = seldon_layout(staging, repository, "mlp_test", "1")
        stub.RepositoryModelLoad(pb2.RepositoryModelLoadRequest(model_name=model),
                                 timeout=TIMEOUT_S)
        states = {x.name: x.state for x in stub.RepositoryIndex(
            pb2.RepositoryIndexRequest(), timeout=TIMEOUT_S).models}
        assert states == {"identity_fp32_3": "UNAVAILABLE", "mlp_test_1": "READY"}

        request = pb2.ModelInferRequest(model_name=model)
        x = request.inputs.add(name="input", datatype="FP32", shape=[1, repo.MLP_SIZES[0]])
        x.contents.fp32_contents.extend([0.5] * repo.MLP_SIZES[0])
        reply = stub.ModelInfer(request, timeout=TIMEOUT_S)
        assert reply.model_name == model and len(reply.outputs) == 2

        stub.RepositoryModelUnload(pb2.RepositoryModelUnloadRequest(model_name=model),
                                   timeout=TIMEOUT_S)
        with pytest.raises(grpc.RpcError) as error:
            stub.ModelInfer(request, timeout=TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE


def test_explicit_mode_loads_only_the_named_models(start_server, staging):
    server = start_server(staging, *EXPLICIT, "--load-model", "mlp_test")
    rows = index(server.url)
    assert [(r["name"], r["state"]) for r in rows if r["state"] == "READY"] == \
        [("mlp_test", "READY")]
    # Every other folder is listed, unloaded (Triton's explicit mode does the same).
    folders = sorted(f for f in os.listdir(staging) if not f.startswith("."))
    assert [r["name"] for r in rows] == folders
    assert all(r["reason"] == "unloaded" for r in rows if r["name"] != "mlp_test")
    error_message(infer(server.url, "identity_fp32", identity_inputs()), 404)


def test_explicit_index_names_folders_by_the_model_they_serve(start_server, tmp_path):
    """A folder is listed under the name its model is served as, loaded or not: a Seldon
    pipeline folder 'p' as 'p.pipeline', an MLServer folder whose model-settings.json names
    its model otherwise under that name; loading by that name works, and a loaded model is
    not listed a second time under its folder's name."""
    root = str(tmp_path / "models")
    repo.write_identity(root, "FP32")
    folder = os.path.join(root, "settings_folder")
    os.makedirs(folder)
    shutil.copy(os.path.join(root, "identity_fp32", "1", "model.onnx"), folder)
    with open(os.path.join(folder, "model-settings.json"), "w") as f:
        json.dump({"name": "served-name", "parameters": {"uri": "./model.onnx"}}, f)
    os.makedirs(os.path.join(root, "p"))
    with open(os.path.join(root, "p", "pipeline.yaml"), "w") as f:
        f.write("apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nmetadata:\n  name: p\n"
                "spec:\n  steps:\n    - name: identity_fp32\n"
                "  output:\n    steps: [identity_fp32]\n")
    server = start_server(root, *EXPLICIT)
    assert sorted((r["name"], r["state"]) for r in index(server.url)) == [
        ("identity_fp32", "UNAVAILABLE"), ("p.pipeline", "UNAVAILABLE"),
        ("served-name", "UNAVAILABLE")]
    for name in ("p.pipeline", "served-name"):
        response = load(server.url, name, {})
        assert response.status_code == 200, response.text
    assert sorted((r["name"], r["state"]) for r in index(server.url)) == [
        ("identity_fp32", "READY"), ("p.pipeline", "READY"), ("served-name", "READY")]


def test_load_unload_bad_inputs(start_server, staging):
    url = start_server(staging, *EXPLICIT).url
    cases = [
        (load(url, "no_such_model", {}), 404,
         "failed to load model 'no_such_model': no folder 'no_such_model' in the model "
         "repository"),
        (load(url, "%2E%2E", {}), 400,
         "model name '..' is not valid: it must name a folder inside the repository"),
        (load(url, "..%2F..%2Fetc", {}), 400,
         "model name '../../etc' is not valid: it must not start with '.'"),
        (load(url, "%2Fetc", {}), 400, "model name '/etc' is not valid: it must not contain "
         "'/' or '\\'"),
        (load(url, "a%00b", {}), 400,
         "model name 'a\\x00b' is not valid: it must not contain control characters"),
        (load(url, "mlp_test", {"parameters": {"config": "{not json"}}), 400,
         "failed to load model 'mlp_test': config override: not valid JSON"),
        (load(url, "mlp_test", {"parameters": {"config": 5}}), 400,
         "model load request: parameter 'config' must be a string holding the JSON model "
         "configuration"),
        (load(url, "mlp_test", {"parameters": {"config": '{"max_batch_sizes": 4}'}}), 400,
         "failed to load model 'mlp_test': config override: max_batch_sizes: Cannot find field."),
        (load(url, "mlp_test", {"parameters": {"file:1/model.onnx": "AAAA"}}), 400,
         "failed to load model 'mlp_test': a load request with 'file:' parameters must also "
         "carry the model's whole configuration as the 'config' parameter (JSON)"),
        (load(url, "mlp_test", {"parameters": {"file:1/model.onnx": "not base64!"}}), 400,
         "model load request: parameter 'file:1/model.onnx' must be a string holding the "
         "file's content in base64"),
        (load(url, "mlp_test", {"parameters": []}), 400,
         "model load request: 'parameters' must be a JSON object"),
        (load(url, "mlp_test", data="{"), 400,
         "malformed JSON in model load request body: "),
        (unload(url, "never_loaded"), 404, "failed to unload model 'never_loaded': unknown model"),
        (requests.post(url + "/v2/repository/index", json={"ready": "yes"}, timeout=TIMEOUT_S),
         400, "repository index request: 'ready' must be a boolean"),
        (requests.get(url + "/v2/repository/index", timeout=TIMEOUT_S), 405,
         "method GET is not allowed for '/v2/repository/index' (allowed: POST)"),
    ]
    for response, status, message in cases:
        text = error_message(response, status)
        # A trailing ": " marks a prefix (the rest is the JSON parser's own wording).
        assert text.startswith(message) if message.endswith(": ") else text == message
    # None of it loaded anything: every folder is listed as unloaded.
    assert {(r["state"], r["reason"]) for r in index(url)} == {("UNAVAILABLE", "unloaded")}


def test_override_is_a_whole_config_as_in_triton(start_server, staging):
    """Triton's clients send a whole model configuration: fields equal to what the model has
    (platform, backend, version_policy, even the /config reply itself) are accepted; a field
    that would change what is loaded is refused with "failed to load" and the old version
    keeps serving."""
    url = start_server(staging, *EXPLICIT, "--load-model", "mlp_test").url
    current = ok_json(requests.get(url + "/v2/models/mlp_test/config", timeout=TIMEOUT_S))
    whole = {**current, "max_batch_size": 4}
    response = load(url, "mlp_test", {"parameters": {"config": json.dumps(whole)}})
    assert response.status_code == \
        200, response.text
    assert ok_json(requests.get(url + "/v2/models/mlp_test/config",
                                timeout=TIMEOUT_S))["max_batch_size"] == 4
    triton_style = {"name": "mlp_test", "platform": "onnxruntime_onnx", "backend": "onnxruntime",
                    "max_batch_size": 2}
    response = load(url, "mlp_test", {"parameters": {"config": json.dumps(triton_style)}})
    assert response.status_code == 200, response.text
    refused = load(url, "mlp_test", {"parameters": {"config": json.dumps(
        {"platform": "xgboost", "max_batch_size": 8})}})
    message = error_message(refused, 400)
    assert message == ("failed to load model 'mlp_test': config override: field 'platform' "
                       "(\"xgboost\") differs from what the model has and cannot be changed at "
                       "load time; change the model's config file")
    assert ok_json(requests.get(url + "/v2/models/mlp_test/config",
                                timeout=TIMEOUT_S))["max_batch_size"] == 2


def test_load_with_a_config_override(start_server, staging):
    url = start_server(staging, *EXPLICIT).url
    override = {"instance_group": [{"count": 2}],
                "dynamic_batching": {"max_queue_delay_microseconds": 2000}}
    response = load(url, "mlp_test", {"parameters": {"config": json.dumps(override)}})
    assert response.status_code == 200, response.text
    config = ok_json(requests.get(url + "/v2/models/mlp_test/config", timeout=TIMEOUT_S))
    assert config["instance_group"][0]["count"] == 2
    assert config["dynamic_batching"]["max_queue_delay_microseconds"] == 2000
    # MLServer's names, as tensord-bench sends them, reload in place.
    response = load(url, "mlp_test", {"parameters": {"config": json.dumps(
        {"parallel_workers": 3, "max_batch_time": 0.001})}})
    assert response.status_code == 200, response.text
    config = ok_json(requests.get(url + "/v2/models/mlp_test/config", timeout=TIMEOUT_S))
    assert config["instance_group"][0]["count"] == 3
    assert config["dynamic_batching"]["max_queue_delay_microseconds"] == 1000


def test_grpc_load_with_a_config_override(start_server, pb, staging):
    pb2, pb2_grpc = pb
    server = start_server(staging, *EXPLICIT)

    def load_request(**config_param):
        request = pb2.RepositoryModelLoadRequest(model_name="mlp_test")
        request.parameters["config"].CopyFrom(pb2.ModelRepositoryParameter(**config_param))
        return request

    def batch_of(stub, rows):
        request = pb2.ModelInferRequest(model_name="mlp_test")
        x = request.inputs.add(name="input", datatype="FP32", shape=[rows, repo.MLP_SIZES[0]])
        x.contents.fp32_contents.extend([0.5] * rows * repo.MLP_SIZES[0])
        return stub.ModelInfer(request, timeout=TIMEOUT_S)

    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        override = {"max_batch_size": 4, "instance_group": [{"count": 2}],
                    "dynamic_batching": {"max_queue_delay_microseconds": 3000}}
        stub.RepositoryModelLoad(load_request(string_param=json.dumps(override)),
                                 timeout=TIMEOUT_S)
        config = stub.ModelConfig(pb2.ModelConfigRequest(name="mlp_test"),
                                  timeout=TIMEOUT_S).config
        assert config.max_batch_size == 4
        assert [group.count for group in config.instance_group] == [2]
        assert config.dynamic_batching.max_queue_delay_microseconds == 3000
        rest = ok_json(requests.get(server.url + "/v2/models/mlp_test/config",
                                    timeout=TIMEOUT_S))
        assert rest["max_batch_size"] == 4 and rest["instance_group"][0]["count"] == 2
        assert len(batch_of(stub, 4).outputs) == 2
        with pytest.raises(grpc.RpcError) as too_big:
            batch_of(stub, 5)
        assert too_big.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert too_big.value.details() == (
            "input 'input' has batch size 5, but model 'mlp_test' accepts 1 to 4")

        # Bad overrides are refused naming the problem, and the loaded version serves on.
        for config_param, message in [
                ({"string_param": "{not json"}, "failed to load model 'mlp_test': config override: not valid JSON"),
                ({"string_param": '{"max_batch_sizes": 4}'},
                 "failed to load model 'mlp_test': config override: max_batch_sizes: Cannot find field."),
                ({"int64_param": 5}, "parameter 'config' must be a string_param holding the "
                                     "JSON model configuration")]:
            with pytest.raises(grpc.RpcError) as refused:
                stub.RepositoryModelLoad(load_request(**config_param), timeout=TIMEOUT_S)
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, config_param
            assert refused.value.details().startswith(message), refused.value.details()
        assert len(batch_of(stub, 4).outputs) == 2
        config = stub.ModelConfig(pb2.ModelConfigRequest(name="mlp_test"),
                                  timeout=TIMEOUT_S).config
        assert config.max_batch_size == 4


def test_reloads_under_load_drop_nothing(start_server, staging):
    url = start_server(staging, *EXPLICIT, "--load-model", "identity_fp32",
                       "--http-threads", "2").url
    counts = {"ok": 0, "failed": []}
    stop = threading.Event()

    def client():
        with requests.Session() as session:
            while not stop.is_set():
                response = infer(url, "identity_fp32", identity_inputs(), session=session)
                if response.status_code == 200:
                    counts["ok"] += 1
                else:
                    counts["failed"].append(response.text)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(6):
            response = load(url, "identity_fp32", {"parameters": {"config": json.dumps(
                {"instance_group": [{"count": 1 + i % 2}]})}})
            assert response.status_code == 200, response.text
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert counts["failed"] == []
    assert counts["ok"] > 0


def test_a_failed_reload_keeps_the_old_version(start_server, staging):
    url = start_server(staging, *EXPLICIT, "--load-model", "identity_fp32").url
    with open(os.path.join(staging, "identity_fp32", "1", "model.onnx"), "wb") as f:
        f.write(b"not onnx any more")
    message = error_message(load(url, "identity_fp32", {}), 400)
    assert message.startswith("failed to load model 'identity_fp32': version 1: ")
    ok_json(infer(url, "identity_fp32", identity_inputs()))
    assert index(url)[0]["state"] == "READY"


def test_mode_none_refuses_load_and_unload(start_server, staging):
    url = start_server(staging).url
    for response in (load(url, "mlp_test", {}), unload(url, "mlp_test")):
        assert error_message(response, 503) == \
            "explicit model load / unload is not allowed if polling is enabled"


def test_poll_mode_follows_the_repository(start_server, staging, empty_repository):
    server = start_server(empty_repository, "--model-control-mode", "poll",
                          "--repository-poll-secs", "0.1")
    url = server.url
    assert index(url) == []
    shutil.copytree(os.path.join(staging, "identity_fp32"),
                    os.path.join(empty_repository, "identity_fp32"))
    wait_until(lambda: [r["state"] for r in index(url)] == ["READY"])
    ok_json(infer(url, "identity_fp32", identity_inputs()))
    # A broken change keeps the old version serving.
    with open(os.path.join(empty_repository, "identity_fp32", "1", "model.onnx"), "wb") as f:
        f.write(b"broken")
    # The poller has seen the change once it logs the failed load of the new file.
    wait_until(lambda: "error model 'identity_fp32' version 1: " in server.log())
    ok_json(infer(url, "identity_fp32", identity_inputs()))
    assert index(url)[0]["state"] == "READY"
    shutil.rmtree(os.path.join(empty_repository, "identity_fp32"))
    wait_until(lambda: index(url) == [])
    error_message(infer(url, "identity_fp32", identity_inputs()), 404)
    assert error_message(load(url, "identity_fp32", {}), 503) == \
        "explicit model load / unload is not allowed if polling is enabled"
