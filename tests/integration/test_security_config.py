"""Issue 10, items 1-5: what a load request (REST and gRPC) or a config file on disk must not
be able to do to a server in --model-control-mode explicit: write files, crash it, start
unbounded instances, overflow durations, or serve files from outside the model's folder.
Every case checks the status, a distinctive part of the message, and that nothing else
changed (no file written, the model still serves its old config, the server still alive).
"""

import hashlib
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
from tensord_process import run_cli

EXPLICIT = ("--model-control-mode", "explicit")
LIMIT = ("--max-instances-per-model", "4")
RULE = ("; a path in a model's config must stay inside the model's folder (relative, "
        "without '..')")
DELAY_RULE = "; a batching delay must be a number from 0 to 60 s (60000000 us)"
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1
DEPTH = 100_000


def load(url, name, config=None):
    body = {} if config is None else {"parameters": {"config": config}}
    return requests.post(f"{url}/v2/repository/models/{name}/load", json=body,
                         timeout=TIMEOUT_S)


def override(url, name, config):
    """Loads `name` with a JSON config override (a dict, or JSON text as given)."""
    return load(url, name, config if isinstance(config, str) else json.dumps(config))


def model_config(url, name):
    return ok_json(requests.get(f"{url}/v2/models/{name}/config", timeout=TIMEOUT_S))


def mlp_inputs():
    return [tensor("input", "FP32", [1, repo.MLP_SIZES[0]], [[0.5] * repo.MLP_SIZES[0]])]


def assert_serves_mlp(url, instances=1):
    """mlp_test answers and still has the config it had before the refused request."""
    assert set(outputs_by_name(infer(url, "mlp_test", mlp_inputs()))) == {"logits",
                                                                           "probabilities"}
    config = model_config(url, "mlp_test")
    assert sum(g.get("count", 1) for g in config["instance_group"]) == instances, config
    assert "optimized_model_path" not in config.get("parameters", {}), config


def assert_alive(url):
    assert requests.get(url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture
def models(tmp_path):
    """A repository with mlp_test (Triton layout); tests add the models they need."""
    root = tmp_path / "models"
    repo.write_mlp(str(root))
    return root


@pytest.fixture
def server(start_server, models):
    return start_server(str(models), *EXPLICIT, *LIMIT, "--load-model", "mlp_test")


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("grpc_stubs")))


def grpc_load(pb, server, name, config=None, **parameters):
    """RepositoryModelLoad with a "config" string_param (and others given as strings);
    returns the grpc.RpcError raised, or None."""
    pb2, pb2_grpc = pb
    request = pb2.RepositoryModelLoadRequest(model_name=name)
    if config is not None:
        request.parameters["config"].string_param = config
    for key, value in parameters.items():
        request.parameters[key].bytes_param = value
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        try:
            stub.RepositoryModelLoad(request, timeout=TIMEOUT_S)
        except grpc.RpcError as error:
            return error
    return None


def expect_grpc_invalid(error, message):
    assert error is not None, "the load succeeded"
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error
    assert error.details() == message


def optimized_path_override(path):
    return {"parameters": {"optimized_model_path": {"string_value": path}}}


OVERRIDE_PATH_MESSAGE = (
    "failed to load model 'mlp_test': config override: parameter 'optimized_model_path' names a file on the server and cannot "
    "be set by a load request; set it in the model's config file")


# Item 1: arbitrary file write through optimized_model_path.

def test_rest_override_cannot_make_the_server_write_a_file(server, models, tmp_path):
    target = tmp_path / "x" / "x.onnx"
    target.parent.mkdir()
    victim = models / "mlp_test" / "1" / "model.onnx"
    before = sha256(victim)
    for path in (str(target), "../../mlp_test/1/model.onnx", "opt.onnx"):
        response = override(server.url, "mlp_test", optimized_path_override(path))
        assert error_message(response, 400) == OVERRIDE_PATH_MESSAGE, path
    # However the key is spelled in the JSON text.
    response = override(server.url, "mlp_test", json.dumps(
        optimized_path_override(str(target))).replace("optimized_", "optimized\\u005f"))
    assert error_message(response, 400) == OVERRIDE_PATH_MESSAGE
    assert not target.exists()
    assert sha256(victim) == before
    assert not (models / "mlp_test" / "1" / "opt.onnx").exists()
    assert_serves_mlp(server.url)


def test_grpc_override_cannot_make_the_server_write_a_file(server, pb, tmp_path):
    target = tmp_path / "x.onnx"
    error = grpc_load(pb, server, "mlp_test", json.dumps(optimized_path_override(str(target))))
    expect_grpc_invalid(error, OVERRIDE_PATH_MESSAGE)
    assert not target.exists()
    assert_serves_mlp(server.url)


def write_mlp_with_parameters(models, name, parameters):
    """A copy of mlp_test named `name` whose config.pbtxt adds string `parameters`."""
    folder = models / name
    m.save(m.mlp(name, repo.MLP_SIZES, seed=repo.MLP_SEED), str(folder / "1" / "model.onnx"))
    text = "".join(f'parameters {{ key: "{k}" value: {{ string_value: "{v}" }} }}\n'
                   for k, v in parameters.items())
    m.write_text(str(folder / "config.pbtxt"), f'name: "{name}"\nmax_batch_size: 8\n{text}')
    return folder


def test_config_file_paths_must_stay_inside_the_model_folder(server, models, tmp_path):
    target = tmp_path / "written.onnx"
    for name, path, why in (("absolute", str(target), "is an absolute path"),
                            ("escaping", "../../written.onnx", "has a '..' segment")):
        folder = write_mlp_with_parameters(models, name, {"optimized_model_path": path})
        assert error_message(load(server.url, name), 400) == (
            f"failed to load model '{name}': {folder}/config.pbtxt: parameter "
            f"'optimized_model_path' '{path}' {why}{RULE}")
    assert not target.exists()
    assert not (models.parent / "written.onnx").exists()
    # Inside the folder the parameter still works: ONNX Runtime writes next to the model file.
    folder = write_mlp_with_parameters(models, "inside", {"optimized_model_path": "opt.onnx"})
    assert load(server.url, "inside").status_code == 200
    assert (folder / "1" / "opt.onnx").is_file()
    assert_serves_mlp(server.url)


# Item 2: deep nesting crashed the server (nlohmann's recursive dump(), protobuf's parser).

def deep_json(depth=DEPTH):
    return '{"parameters": {"x": {"string_value": "y"}}, "z": ' + "[" * depth + "]" * depth + "}"


def test_a_deeply_nested_override_is_refused_over_rest_and_grpc(server, pb):
    message = "failed to load model 'mlp_test': config override: JSON nested deeper than 64 levels"
    assert error_message(override(server.url, "mlp_test", deep_json()), 400) == message
    # Unterminated, the way an attacker would not bother to close it.
    assert error_message(override(server.url, "mlp_test", "[" * DEPTH), 400) == message
    expect_grpc_invalid(grpc_load(pb, server, "mlp_test", deep_json()), message)
    # The config as a JSON object rather than a string: the HTTP frontend's parser bounds it.
    body = '{"parameters": {"config": ' + '{"a": ' * DEPTH + "1" + "}" * DEPTH + "}}"
    response = requests.post(f"{server.url}/v2/repository/models/mlp_test/load", data=body,
                             headers={"Content-Type": "application/json"}, timeout=TIMEOUT_S)
    assert response.status_code == 400, response.text
    assert_alive(server.url)
    assert_serves_mlp(server.url)


def test_deeply_nested_config_files_fail_to_load_and_nothing_crashes(start_server, models):
    settings = models / "deep_settings"
    m.save(m.mlp("deep_settings", repo.MLP_SIZES, seed=repo.MLP_SEED),
           str(settings / "model.onnx"))
    m.write_text(str(settings / "model-settings.json"),
                 '{"parameters": {"uri": "model.onnx", "extra": {"x": ' + "[" * DEPTH +
                 "]" * DEPTH + "}}}")
    pbtxt = write_mlp_with_parameters(models, "deep_pbtxt", {})
    m.write_text(str(pbtxt / "config.pbtxt"), "x { " * DEPTH + "} " * DEPTH)
    # At start (every model loaded) and through the load API.
    server = start_server(str(models), *EXPLICIT, "--load-model", "*")
    url = server.url
    assert error_message(load(url, "deep_settings"), 400) == (
        f"failed to load model 'deep_settings': {settings}/model-settings.json: JSON nested "
        "deeper than 64 levels")
    assert error_message(load(url, "deep_pbtxt"), 400) == (
        f"failed to load model 'deep_pbtxt': {pbtxt}/config.pbtxt: nested deeper than 64 "
        "levels")
    assert_alive(url)
    assert_serves_mlp(url)


# Item 3: unbounded instances.

INSTANCE_CASES = [
    ({"instance_group": [{"count": 3000}]},
     "failed to load model 'mlp_test': config override: instance_group count asks for 3000 instances; the limit is 4 per model "
     "(--max-instances-per-model)"),
    ({"instance_group": [{"count": 3}, {"count": 2}]},
     "failed to load model 'mlp_test': config override: instance_group count asks for 5 instances; the limit is 4 per model "
     "(--max-instances-per-model)"),
    ({"instance_group": [{"count": 2**31 - 1}, {"count": 2**31 - 1}]},
     "failed to load model 'mlp_test': config override: instance_group counts add up to 4294967294, more instances than a model "
     "can run (at most 2147483647)"),
    ({"parallel_workers": 100_000},
     "failed to load model 'mlp_test': config override: parallel_workers asks for 100000 instances; the limit is 4 per model "
     "(--max-instances-per-model)"),
    ({"parallel_workers": UINT64_MAX},
     f"failed to load model 'mlp_test': config override: parallel_workers asks for {UINT64_MAX} instances; the limit is 4 per "
     "model (--max-instances-per-model)"),
]


@pytest.mark.parametrize("config,message", INSTANCE_CASES)
def test_override_instance_counts_past_the_limit_are_refused(server, config, message):
    assert error_message(override(server.url, "mlp_test", config), 400) == message
    assert_serves_mlp(server.url, instances=1)


def test_grpc_override_instance_count_past_the_limit_is_refused(server, pb):
    config, message = INSTANCE_CASES[0]
    expect_grpc_invalid(grpc_load(pb, server, "mlp_test", json.dumps(config)), message)
    assert_serves_mlp(server.url, instances=1)


def test_config_file_instance_counts_past_the_limit_fail_to_load(server, models):
    url = server.url
    assert override(url, "mlp_test", {"instance_group": [{"count": 4}]}).status_code == 200
    folder = models / "mlp_test"
    with open(folder / "config.pbtxt", "a") as f:
        f.write("instance_group { count: 3000 }\n")
    assert error_message(load(url, "mlp_test"), 400) == (
        f"failed to load model 'mlp_test': {folder}/config.pbtxt: instance_group count asks "
        "for 3000 instances; the limit is 4 per model (--max-instances-per-model)")
    assert_serves_mlp(url, instances=4)  # the reload failed; the old version serves on

    settings = models / "workers"
    m.save(m.mlp("workers", repo.MLP_SIZES, seed=repo.MLP_SEED), str(settings / "model.onnx"))
    m.write_model_settings(str(settings), {"parallel_workers": 3000,
                                           "parameters": {"uri": "model.onnx"}})
    assert error_message(load(url, "workers"), 400) == (
        f"failed to load model 'workers': {settings}/model-settings.json: parallel_workers asks "
        "for 3000 instances; the limit is 4 per model (--max-instances-per-model)")


def test_instance_flags_out_of_range_stop_the_server_at_start(models):
    common = ("serve", "--model-repository", str(models), "--http-port", "0", "--grpc-port",
              "0", "--metrics-port", "0")
    result = run_cli(*common, "--parallel-workers", "8", "--max-instances-per-model", "4")
    assert result.returncode == 1, result
    assert ("--parallel-workers 8 is past the limit of 4 instances per model "
            "(--max-instances-per-model)") in result.stderr
    for bad in ("-1", "100001", "many"):
        result = run_cli(*common, "--max-instances-per-model", bad)
        assert result.returncode != 0, result
        assert "--max-instances-per-model" in result.stderr + result.stdout


# Item 4: durations that overflowed.

def test_a_huge_request_timeout_means_no_timeout(server, pb):
    # Was: 504 "timed out after 69 us" at once (signed overflow in the scheduler).
    outputs = outputs_by_name(infer(server.url, "mlp_test", mlp_inputs(),
                                    parameters={"timeout": INT64_MAX}))
    assert set(outputs) == {"logits", "probabilities"}
    pb2, pb2_grpc = pb
    request = pb2.ModelInferRequest(model_name="mlp_test")
    request.parameters["timeout"].int64_param = INT64_MAX
    x = request.inputs.add(name="input", datatype="FP32", shape=[1, repo.MLP_SIZES[0]])
    x.contents.fp32_contents.extend([0.5] * repo.MLP_SIZES[0])
    with grpc.insecure_channel(grpc_address(server)) as channel:
        reply = pb2_grpc.GRPCInferenceServiceStub(channel).ModelInfer(request, timeout=TIMEOUT_S)
    assert len(reply.outputs) == 2
    # Past int64 it is refused, not wrapped.
    message = error_message(infer(server.url, "mlp_test", mlp_inputs(),
                                  parameters={"timeout": UINT64_MAX}), 400)
    assert "parameter 'timeout'" in message and "out of range for int64" in message


def test_a_huge_default_timeout_saturates(server):
    response = override(server.url, "mlp_test", {"dynamic_batching": {
        "default_queue_policy": {"default_timeout_microseconds": INT64_MAX}}})
    assert response.status_code == 200, response.text
    # Was: every request 504.
    assert set(outputs_by_name(infer(server.url, "mlp_test", mlp_inputs()))) == {
        "logits", "probabilities"}


DELAY_CASES = [
    ('{"max_batch_time": 1e300}', f"failed to load model 'mlp_test': config override: max_batch_time is 1e+300{DELAY_RULE}"),
    # Was: accepted, and a lone request was never answered.
    ('{"max_batch_time": 1e12}', f"failed to load model 'mlp_test': config override: max_batch_time is 1000000000000{DELAY_RULE}"),
    ('{"max_batch_time": 60.5}', f"failed to load model 'mlp_test': config override: max_batch_time is 60.5{DELAY_RULE}"),
    (f'{{"dynamic_batching": {{"max_queue_delay_microseconds": {UINT64_MAX}}}}}',
     f"failed to load model 'mlp_test': config override: dynamic_batching: max_queue_delay_microseconds is {UINT64_MAX}"
     f"{DELAY_RULE}"),
]


@pytest.mark.parametrize("config,message", DELAY_CASES)
def test_override_batching_delays_past_the_limit_are_refused(server, config, message):
    assert error_message(override(server.url, "mlp_test", config), 400) == message
    config = model_config(server.url, "mlp_test")
    assert "dynamic_batching" not in config, config
    assert_serves_mlp(server.url)


def test_config_file_batching_delays_past_the_limit_fail_to_load(server, models, pb):
    url = server.url
    expect_grpc_invalid(grpc_load(pb, server, "mlp_test", DELAY_CASES[0][0]), DELAY_CASES[0][1])
    folder = write_mlp_with_parameters(models, "slow_pbtxt", {})
    with open(folder / "config.pbtxt", "a") as f:
        f.write(f"dynamic_batching {{ max_queue_delay_microseconds: {UINT64_MAX} }}\n")
    assert error_message(load(url, "slow_pbtxt"), 400) == (
        f"failed to load model 'slow_pbtxt': {folder}/config.pbtxt: dynamic_batching: "
        f"max_queue_delay_microseconds is {UINT64_MAX}{DELAY_RULE}")
    settings = models / "slow_settings"
    m.save(m.mlp("slow_settings", repo.MLP_SIZES, seed=repo.MLP_SEED),
           str(settings / "model.onnx"))
    m.write_model_settings(str(settings), {"max_batch_size": 8, "max_batch_time": 1e12,
                                           "parameters": {"uri": "model.onnx"}})
    assert error_message(load(url, "slow_settings"), 400) == (
        f"failed to load model 'slow_settings': {settings}/model-settings.json: max_batch_time "
        f"is 1000000000000{DELAY_RULE}")
    assert_serves_mlp(url)


# Item 5: model files from outside the model's folder.

def test_model_files_outside_the_model_folder_are_refused(server, models, tmp_path):
    url = server.url
    outside = tmp_path / "outside" / "model.onnx"
    m.save(m.mlp("outside", repo.MLP_SIZES, seed=repo.MLP_SEED), str(outside))
    cases = [
        ("passwd", "/etc/passwd", "is an absolute path"),
        ("absolute", str(outside), "is an absolute path"),
        ("escaping", "../mlp_test/1/model.onnx", "has a '..' segment"),
        ("normalizing", "sub/../../mlp_test/1/model.onnx", "has a '..' segment"),
    ]
    for name, uri, why in cases:
        m.write_model_settings(str(models / name), {"parameters": {"uri": uri}})
        assert error_message(load(url, name), 400) == (
            f"failed to load model '{name}': {models / name}/model-settings.json: "
            f"parameters.uri '{uri}' {why}{RULE}")
    triton = write_mlp_with_parameters(models, "triton", {})
    with open(triton / "config.pbtxt", "a") as f:
        f.write('default_model_filename: "../../mlp_test/1/model.onnx"\n')
    assert error_message(load(url, "triton"), 400) == (
        f"failed to load model 'triton': {triton}/config.pbtxt: default_model_filename "
        f"'../../mlp_test/1/model.onnx' has a '..' segment{RULE}")
    names = {row["name"] for row in ok_json(requests.post(url + "/v2/repository/index",
                                                          json={"ready": True},
                                                          timeout=TIMEOUT_S))}
    assert names == {"mlp_test"}
    assert_serves_mlp(url)


def test_a_symlink_placed_in_the_model_folder_is_still_followed(server, models, tmp_path):
    # The operator's own link, as Triton allows: the check is on what the config names.
    shared = tmp_path / "shared" / "weights.onnx"
    m.save(m.mlp("linked", repo.MLP_SIZES, seed=repo.MLP_SEED), str(shared))
    folder = models / "linked"
    m.write_model_settings(str(folder), {"parameters": {"uri": "model.onnx"}})
    os.symlink(shared, folder / "model.onnx")
    assert load(server.url, "linked").status_code == 200
    assert "probabilities" in outputs_by_name(infer(server.url, "linked", mlp_inputs()))


def test_file_parameters_of_the_load_api_stay_in_the_models_folder(server, pb, tmp_path):
    # Triton's "file:<version>/<name>" uploads (load from memory) are written only inside a
    # private staging folder: a path that leaves it is refused before anything is written.
    target = tmp_path / "planted.onnx"
    config = json.dumps({"platform": "onnxruntime_onnx"})
    for path in (f"../../{target}", str(target), "1/../../planted.onnx"):
        response = requests.post(
            f"{server.url}/v2/repository/models/mlp_test/load",
            json={"parameters": {"config": config, f"file:{path}": "AAAA"}}, timeout=TIMEOUT_S)
        message = error_message(response, 400)
        assert message.startswith(f"failed to load model 'mlp_test': parameter 'file:{path}': "), (
            message)
        assert "inside the model's folder" in message, message
    error = grpc_load(pb, server, "mlp_test", config=config,
                      **{"file:../../etc/model.onnx": b"AAAA"})
    expect_grpc_invalid(error, "failed to load model 'mlp_test': parameter "
                        "'file:../../etc/model.onnx': path '../../etc/model.onnx' has a '..' "
                        "segment; a path in a model's config must stay inside the model's "
                        "folder (relative, without '..')")
    assert not target.exists()
    assert_serves_mlp(server.url)


def external_data_model(name, location):
    """y = x + W with W (FP32 [4]) stored as ONNX external data at `location`."""
    from onnx import TensorProto, helper
    weights = helper.make_tensor("W", TensorProto.FLOAT, [4], [0.0] * 4)
    weights.data_location = TensorProto.EXTERNAL
    weights.ClearField("float_data")
    for key, value in (("location", location), ("offset", "0"), ("length", "16")):
        entry = weights.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "W"], ["y"])], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [weights])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def test_onnx_external_data_outside_the_model_folder_is_refused(server, models, tmp_path):
    # ONNX Runtime resolves external data against the model's folder and refuses a location
    # that leaves it: a model file cannot make the server read another file.
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(4, dtype=np.float32).tobytes())
    inside = models / "ext_inside"
    (inside / "1").mkdir(parents=True)
    (inside / "1" / "weights.bin").write_bytes(np.full(4, 2, np.float32).tobytes())
    with open(inside / "1" / "model.onnx", "wb") as f:
        f.write(external_data_model("ext_inside", "weights.bin").SerializeToString())
    assert load(server.url, "ext_inside").status_code == 200
    out = outputs_by_name(infer(server.url, "ext_inside", [tensor("x", "FP32", [4], [1] * 4)]))
    assert out["y"]["data"] == [3.0] * 4
    for name, location in (("ext_relative", f"../../../{secret.name}"),
                           ("ext_absolute", str(secret))):
        folder = models / name
        (folder / "1").mkdir(parents=True)
        with open(folder / "1" / "model.onnx", "wb") as f:
            f.write(external_data_model(name, location).SerializeToString())
        message = error_message(load(server.url, name), 400)
        assert message.startswith(f"failed to load model '{name}'"), message
        assert "external" in message.lower() or "outside" in message.lower(), message
    assert_serves_mlp(server.url)


def test_load_requests_past_the_queue_are_429(start_server, models):
    # One load at a time and one waiting: a burst of loads gets clear 429s, never a queue
    # that grows without bound, and the server goes on serving.
    server = start_server(str(models), *EXPLICIT, "--load-model", "mlp_test",
                          "--model-load-threads", "1", "--max-pending-loads", "1")
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(lambda _: load(server.url, "mlp_test"), range(32)))
    codes = {r.status_code for r in responses}
    assert codes <= {200, 429}, [r.text for r in responses if r.status_code not in (200, 429)]
    refused = [r for r in responses if r.status_code == 429]
    assert refused, "no load was refused"
    message = error_message(refused[0], 429)
    assert message == ("model 'mlp_test': 1 model loads and unloads are already waiting "
                       "(the most --max-pending-loads allows); try again later"), message
    assert_serves_mlp(server.url)
