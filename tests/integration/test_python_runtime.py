"""The python runtime (runtime/python/, python/tensord_worker): MLServer custom models served
by worker processes. Over REST and gRPC; an exception in predict() -> 500 with its type and
message; a worker killed by a signal or hanging past --python-predict-timeout fails its
request clearly and is restarted; broken models fail their load with the reason; two models
each import their own models.py; adaptive batching hands the worker one merged request; no
worker outlives the server.

    TENSORD_BIN=build/h1/server/tensord /usr/bin/python3 -m pytest \
        tests/integration/test_python_runtime.py
"""

import json
import os
import shutil
import signal
import struct
import sys
import textwrap
import threading
import time

import grpc
import pytest
import requests

from grpc_helpers import generate_stubs, grpc_address
from tensord_process import REPO_ROOT, run_cli

sys.path.insert(0, os.path.join(REPO_ROOT, "python"))
from tensord_worker import convert, protocol  # noqa: E402

TIMEOUT_S = 20

# Decodes with MLServer's NumpyCodec (the real package or tensord's compat), answers with
# ResponseOutput; request parameters steer it: fail -> ValueError, sleep -> seconds,
# wrong_type -> returns a list, inference_error -> MLServer's InferenceError (or an
# MLServerError with status 503).
DOUBLER = '''
import json
import os
import time

import numpy as np
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceResponse, ResponseOutput


class Doubler(MLModel):
    FACTOR = 2

    async def load(self):
        self.extra = self.settings.parameters.extra
        return True

    async def predict(self, payload):
        params = payload.parameters
        content = getattr(params, "content_type", None) if params is not None else None
        steer = (params.model_dump() if hasattr(params, "model_dump") else params.dict()) \\
            if params is not None else {}
        if steer.get("fail"):
            raise ValueError("asked to fail: " + str(steer["fail"]))
        if steer.get("inference_error"):
            from mlserver.errors import InferenceError, MLServerError
            if steer["inference_error"] == "unavailable":
                raise MLServerError("the feature store is down", 503)
            raise InferenceError("column 'age' is missing")
        if steer.get("sleep"):
            time.sleep(float(steer["sleep"]))
        if steer.get("wrong_type"):
            return [1, 2, 3]
        x = NumpyCodec.decode_input(payload.inputs[0])
        doubled = NumpyCodec.encode_output("doubled", x * self.FACTOR)
        info = {"content_type": content, "input_parameters":
                sorted((payload.inputs[0].parameters.model_dump(exclude_none=True)
                        if payload.inputs[0].parameters is not None else {}).items()),
                "extra": self.extra, "pid": os.getpid(), "name": self.settings.name}
        return InferenceResponse(model_name=self.name, id=payload.id, outputs=[
            doubled,
            ResponseOutput(name="info", shape=[1], datatype="BYTES", data=[json.dumps(info)]),
        ])
'''

# The same class name in another folder's models.py, tripling: imports are per model folder.
TRIPLER = DOUBLER.replace("FACTOR = 2", "FACTOR = 3")

# Imports nothing from mlserver: any class with load/predict will do, as in MLServer.
PLAIN = '''
class Output:
    def __init__(self, name, shape, datatype, data):
        self.name, self.shape, self.datatype, self.data = name, shape, datatype, data
        self.parameters = None


class Response:
    def __init__(self, outputs):
        self.outputs = outputs
        self.parameters = None


class Plain:
    def __init__(self, settings):
        self.settings = settings

    async def load(self):
        return True

    async def predict(self, payload):
        names = [i.name for i in payload.inputs]
        return Response([Output("names", [len(names)], "BYTES", names),
                         Output("total", [1], "FP64", [float(sum(i.shape[0] for i in payload.inputs))])])
'''

# Answers, per row, how many rows the merged request it saw had.
BATCHED = '''
import time
import numpy as np
from mlserver import MLModel
from mlserver.codecs import NumpyCodec


class Rows(MLModel):
    async def load(self):
        return True

    async def predict(self, payload):
        x = NumpyCodec.decode_input(payload.inputs[0])
        time.sleep(0.05)
        rows = np.full((x.shape[0], 1), x.shape[0], dtype=np.int64)
        from mlserver.types import InferenceResponse
        return InferenceResponse(model_name=self.name, outputs=[
            NumpyCodec.encode_output("rows", rows)])
'''

NO_PREDICT = '''
class NoPredict:
    def __init__(self, settings):
        pass

    async def load(self):
        return True
'''

LOAD_RAISES = '''
class Broken:
    def __init__(self, settings):
        pass

    async def load(self):
        raise RuntimeError("no weights in " + "the folder")

    async def predict(self, payload):
        return None
'''

SLOW_LOAD = '''
import time


class Slow:
    def __init__(self, settings):
        pass

    async def load(self):
        time.sleep(30)

    async def predict(self, payload):
        return None
'''


def write_model(root, name, settings, code=None):
    folder = os.path.join(root, name)
    os.makedirs(folder)
    with open(os.path.join(folder, "model-settings.json"), "w") as f:
        json.dump(settings, f)
    if code is not None:
        with open(os.path.join(folder, "models.py"), "w") as f:
            f.write(textwrap.dedent(code))
    return folder


def build_repository(root):
    write_model(root, "doubler", {"name": "doubler", "implementation": "models.Doubler",
                                  "parallel_workers": 2,
                                  "parameters": {"version": "v0.1",
                                                 "extra": {"greeting": "hi", "n": 3}}},
                DOUBLER)
    write_model(root, "tripler", {"name": "tripler", "implementation": "models.Doubler",
                                  "parallel_workers": 1}, TRIPLER)
    write_model(root, "plain", {"name": "plain", "implementation": "plain_model.Plain",
                                "parallel_workers": 1})
    with open(os.path.join(root, "plain", "plain_model.py"), "w") as f:
        f.write(PLAIN)
    write_model(root, "batched", {"name": "batched", "implementation": "models.Rows",
                                  "parallel_workers": 1, "max_batch_size": 8,
                                  "max_batch_time": 0.2,
                                  "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 2]}],
                                  "outputs": [{"name": "rows", "datatype": "INT64",
                                               "shape": [-1, 1]}]},
                BATCHED)
    write_model(root, "missing_module", {"implementation": "nowhere.Model"})
    write_model(root, "missing_class", {"implementation": "models.Nope"}, NO_PREDICT)
    write_model(root, "no_predict", {"implementation": "models.NoPredict"}, NO_PREDICT)
    write_model(root, "load_raises", {"implementation": "models.Broken"}, LOAD_RAISES)
    os.makedirs(os.path.join(root, "triton_python", "1"))
    with open(os.path.join(root, "triton_python", "config.pbtxt"), "w") as f:
        f.write('backend: "python"\n')
    with open(os.path.join(root, "triton_python", "1", "model.py"), "w") as f:
        f.write("class TritonPythonModel:\n    pass\n")
    return root


@pytest.fixture(scope="module")
def python_server(tmp_path_factory, start_server_module):
    root = build_repository(str(tmp_path_factory.mktemp("python_models")))
    return start_server_module(root, "--python-predict-timeout", "1",
                               "--python-load-timeout", "60")


def infer(server, model, inputs, parameters=None, outputs=None):
    body = {"inputs": inputs}
    if parameters:
        body["parameters"] = parameters
    if outputs:
        body["outputs"] = [{"name": n} for n in outputs]
    return requests.post(f"{server.url}/v2/models/{model}/infer", json=body, timeout=TIMEOUT_S)


def x_input(values, name="x", parameters=None):
    tensor = {"name": name, "shape": [len(values)], "datatype": "FP32", "data": values}
    if parameters:
        tensor["parameters"] = parameters
    return tensor


def outputs_by_name(reply):
    return {o["name"]: o for o in reply.json()["outputs"]}


def worker_pids(server):
    """The server's child processes (its python workers)."""
    pids = set()
    for task in os.listdir(f"/proc/{server.pid}/task"):
        try:
            with open(f"/proc/{server.pid}/task/{task}/children") as f:
                pids.update(int(p) for p in f.read().split())
        except FileNotFoundError:
            pass
    return pids


def info_of(reply):
    return json.loads(outputs_by_name(reply)["info"]["data"][0])


def test_rest_custom_model_with_parameters(python_server):
    reply = infer(python_server, "doubler", [x_input([1, 2.5], parameters={"content_type": "np"})],
                  parameters={"content_type": "np", "note": "n"})
    assert reply.status_code == 200, reply.text
    outputs = outputs_by_name(reply)
    assert outputs["doubled"]["data"] == [2, 5]
    assert outputs["doubled"]["datatype"] == "FP32"
    info = info_of(reply)
    assert info["content_type"] == "np"
    assert ["content_type", "np"] in info["input_parameters"]
    assert info["extra"] == {"greeting": "hi", "n": 3}  # JSON types kept
    assert info["name"] == "doubler"


def test_free_text_version_and_metadata(python_server):
    reply = requests.get(f"{python_server.url}/v2/models/doubler", timeout=TIMEOUT_S)
    assert reply.status_code == 200, reply.text
    assert reply.json()["versions"] == ["v0.1"]
    assert reply.json()["inputs"] == [] and reply.json()["outputs"] == []
    reply = requests.post(f"{python_server.url}/v2/models/doubler/versions/v0.1/infer",
                          json={"inputs": [x_input([1])]}, timeout=TIMEOUT_S)
    assert reply.status_code == 200, reply.text


def test_grpc_custom_model(python_server, tmp_path):
    pb, pb_grpc = generate_stubs(str(tmp_path))
    with grpc.insecure_channel(grpc_address(python_server)) as channel:
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        request = pb.ModelInferRequest(model_name="tripler")
        tensor = request.inputs.add(name="x", datatype="FP32", shape=[3])
        tensor.contents.fp32_contents.extend([1, 2, 3])
        response = stub.ModelInfer(request, timeout=TIMEOUT_S)
        doubled = [o for o in response.outputs if o.name == "doubled"][0]
        index = list(response.outputs).index(doubled)
        values = struct.unpack("<3f", response.raw_output_contents[index])
        assert values == (3, 6, 9)  # tripler's own models.py, not doubler's

        request = pb.ModelInferRequest(model_name="doubler")
        request.parameters["fail"].string_param = "grpc"
        tensor = request.inputs.add(name="x", datatype="FP32", shape=[1])
        tensor.contents.fp32_contents.append(1)
        with pytest.raises(grpc.RpcError) as error:
            stub.ModelInfer(request, timeout=TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.INTERNAL
        assert error.value.details() == "ValueError: asked to fail: grpc"


def test_tensors_larger_than_the_arena_grow_it_on_both_sides(python_server):
    # 1 MiB arena at start: tensord grows it for the input, the worker for its outputs.
    values = [float(i % 1000) for i in range(300_000)]
    reply = infer(python_server, "tripler", [x_input(values)])
    assert reply.status_code == 200, reply.text[:300]
    doubled = outputs_by_name(reply)["doubled"]["data"]
    assert len(doubled) == 300_000 and doubled[999] == 2997 and doubled[1000] == 0
    assert infer(python_server, "tripler", [x_input([1])]).status_code == 200


def test_two_models_each_import_their_own_models_py(python_server):
    assert outputs_by_name(infer(python_server, "doubler", [x_input([1])]))["doubled"]["data"] == [2]
    assert outputs_by_name(infer(python_server, "tripler", [x_input([1])]))["doubled"]["data"] == [3]


def test_model_without_mlserver_imports(python_server):
    reply = infer(python_server, "plain", [x_input([1, 2], name="a"), x_input([3], name="b")])
    assert reply.status_code == 200, reply.text
    outputs = outputs_by_name(reply)
    assert outputs["names"]["data"] == ["a", "b"]
    assert outputs["total"]["data"] == [3]
    # Outputs named by the request: those of them predict() returned (the settings declare
    # no outputs: MLServer answers with the prediction as is, so one it did not return is
    # left out); none of them returned is a 500 naming the first.
    reply = infer(python_server, "plain", [x_input([1], name="a")], outputs=["total"])
    assert [o["name"] for o in reply.json()["outputs"]] == ["total"]
    reply = infer(python_server, "plain", [x_input([1], name="a")], outputs=["nope", "total"])
    assert reply.status_code == 200, reply.text
    assert [o["name"] for o in reply.json()["outputs"]] == ["total"]
    reply = infer(python_server, "plain", [x_input([1], name="a")], outputs=["nope"])
    assert reply.status_code == 500
    assert "predict() returned no output 'nope'" in reply.json()["error"]


def test_mlserver_errors_keep_their_status_and_bare_message(python_server, tmp_path):
    """MLServer answers an MLServerError with its status_code and str(exc): so does tensord
    (InferenceError: 400 / INVALID_ARGUMENT; a 503 one: 503 / UNAVAILABLE)."""
    reply = infer(python_server, "doubler", [x_input([1])],
                  parameters={"inference_error": "yes"})
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"] == "column 'age' is missing"
    reply = infer(python_server, "doubler", [x_input([1])],
                  parameters={"inference_error": "unavailable"})
    assert reply.status_code == 503, reply.text
    assert reply.json()["error"] == "the feature store is down"
    pb2, pb2_grpc = generate_stubs(str(tmp_path))
    request = pb2.ModelInferRequest(model_name="doubler")
    request.parameters["inference_error"].string_param = "yes"
    tensor_ = request.inputs.add(name="x", datatype="FP32", shape=[1])
    tensor_.contents.fp32_contents.append(1.0)
    with grpc.insecure_channel(grpc_address(python_server)) as channel:
        with pytest.raises(grpc.RpcError) as error:
            pb2_grpc.GRPCInferenceServiceStub(channel).ModelInfer(request, timeout=TIMEOUT_S)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details() == "column 'age' is missing"


def test_predict_error_is_500_with_type_and_message(python_server):
    reply = infer(python_server, "doubler", [x_input([1])], parameters={"fail": "rest"})
    assert reply.status_code == 500
    assert reply.json()["error"] == "ValueError: asked to fail: rest"
    assert "Traceback" in python_server.log() and "raise ValueError" in python_server.log()
    reply = infer(python_server, "doubler", [x_input([1])], parameters={"wrong_type": True})
    assert reply.status_code == 500
    assert reply.json()["error"] == "TypeError: predict() returned list, not an InferenceResponse"
    # The worker serves on.
    assert infer(python_server, "doubler", [x_input([1])]).status_code == 200


def test_bad_data_for_undeclared_inputs_is_400(python_server):
    reply = infer(python_server, "doubler",
                  [{"name": "x", "shape": [3], "datatype": "FP32", "data": [1, 2]}])
    assert reply.status_code == 400
    assert "input 'x'" in reply.json()["error"]


def test_killed_worker_fails_clearly_and_restarts(python_server):
    pids = {info_of(infer(python_server, "tripler", [x_input([1])]))["pid"] for _ in range(2)}
    assert len(pids) == 1
    victim = pids.pop()
    # Kill it while a request runs in it.
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        reply=infer(python_server, "tripler", [x_input([1])], parameters={"sleep": 0.5})))
    thread.start()
    time.sleep(0.2)
    os.kill(victim, signal.SIGKILL)
    thread.join()
    reply = result["reply"]
    assert reply.status_code == 500, reply.text
    assert reply.json()["error"].startswith(
        f"model 'tripler': its python worker (pid {victim}) was killed by signal 9 (SIGKILL) "
        "during predict(); it is being restarted")
    reply = infer(python_server, "tripler", [x_input([2])])
    assert reply.status_code == 200, reply.text
    assert info_of(reply)["pid"] != victim
    assert outputs_by_name(reply)["doubled"]["data"] == [6]


def test_worker_killed_while_idle_is_replaced_before_the_next_request(python_server):
    victim = info_of(infer(python_server, "tripler", [x_input([1])]))["pid"]
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.1)
    reply = infer(python_server, "tripler", [x_input([2])])
    assert reply.status_code == 200, reply.text
    assert info_of(reply)["pid"] != victim
    assert f"python worker (pid {victim}) was killed by signal 9 (SIGKILL) while idle" in \
        python_server.log()


def test_hanging_predict_times_out_and_restarts(python_server):
    started = time.monotonic()
    reply = infer(python_server, "tripler", [x_input([1])], parameters={"sleep": 20})
    assert reply.status_code == 504, reply.text
    assert time.monotonic() - started < 5
    assert "predict() did not return within 1 s (--python-predict-timeout)" in \
        reply.json()["error"]
    reply = infer(python_server, "tripler", [x_input([1])])
    assert reply.status_code == 200, reply.text


def test_request_timeout_shorter_than_the_flag_decides(python_server):
    reply = infer(python_server, "tripler", [x_input([1])],
                  parameters={"sleep": 5, "timeout": 300_000})  # microseconds, Triton's
    assert reply.status_code == 504, reply.text
    assert "predict() did not return within 300 ms (the request's timeout)" in \
        reply.json()["error"]
    assert infer(python_server, "tripler", [x_input([1])]).status_code == 200


def index_rows(server):
    reply = requests.post(f"{server.url}/v2/repository/index", json={}, timeout=TIMEOUT_S)
    return {row["name"]: row for row in reply.json()}


@pytest.mark.parametrize("model, reason", [
    ("missing_module", "model 'missing_module' (implementation 'nowhere.Model'): "
                       "ModuleNotFoundError: No module named 'nowhere'"),
    ("missing_class", "model 'missing_class' (implementation 'models.Nope'): ImportError: "
                      "module 'models' ("),
    ("no_predict", "model 'no_predict' (implementation 'models.NoPredict'): TypeError: class "
                   "'models.NoPredict' has no predict() method"),
    ("load_raises", "model 'load_raises' (implementation 'models.Broken'): RuntimeError: "
                    "no weights in the folder"),
    ("triton_python", "model 'triton_python': the python runtime serves MLServer models (a "
                      "model-settings.json naming an implementation); Triton's python backend "
                      "(model.py) is not supported"),
])
def test_load_errors_name_model_implementation_and_reason(python_server, model, reason):
    row = index_rows(python_server)[model]
    assert row["state"] == "UNAVAILABLE"
    assert reason in row["reason"], row
    reply = requests.get(f"{python_server.url}/v2/models/{model}/ready", timeout=TIMEOUT_S)
    assert reply.status_code != 200
    reply = infer(python_server, model, [x_input([1])])
    assert reply.status_code in (400, 503) and reason.split(":")[0] in reply.text, reply.text


def test_load_that_never_returns_times_out(tmp_path, start_server_module):
    root = str(tmp_path)
    write_model(root, "slow_load", {"implementation": "models.Slow", "parallel_workers": 1},
                SLOW_LOAD)
    server = start_server_module(root, "--python-load-timeout", "2.5")
    row = index_rows(server)["slow_load"]
    assert row["state"] == "UNAVAILABLE"
    assert ("model 'slow_load' (implementation 'models.Slow'): load() did not return within "
            "2500 ms (--python-load-timeout); its worker was killed") in row["reason"], row
    assert worker_pids(server) == set()


def test_adaptive_batching_merges_into_one_predict(python_server):
    replies = [None] * 4

    def send(i):
        replies[i] = requests.post(
            f"{python_server.url}/v2/models/batched/infer",
            json={"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32",
                              "data": [i, i]}]}, timeout=TIMEOUT_S)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seen = [r.json()["outputs"][0]["data"][0] for r in replies]
    assert all(r.status_code == 200 for r in replies)
    assert max(seen) > 1, seen  # at least one predict() saw a merged request
    # Declared inputs are checked as for every model.
    reply = requests.post(f"{python_server.url}/v2/models/batched/infer",
                          json={"inputs": [x_input([1, 2], name="y")]}, timeout=TIMEOUT_S)
    assert reply.status_code == 400
    assert "unexpected inference input 'y' for model 'batched'" in reply.json()["error"]


def test_example_with_repository_settings_and_no_worker_outlives_the_server(
        tmp_path, start_server_module):
    # examples/python_custom as `make run` serves it; its settings name no parallel_workers,
    # so the repository's settings.json (MLServer's server-wide settings) decides.
    root = str(tmp_path)
    shutil.copytree(os.path.join(REPO_ROOT, "examples", "python_custom"),
                    os.path.join(root, "python_custom"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(os.path.join(root, "settings.json"), "w") as f:
        json.dump({"parallel_workers": 2}, f)
    server = start_server_module(root, "--exit-timeout-secs", "1")
    with open(os.path.join(REPO_ROOT, "examples", "python_custom-request.json")) as f:
        body = json.load(f)
    reply = requests.post(f"{server.url}/v2/models/python_custom/infer", json=body,
                          timeout=TIMEOUT_S)
    assert reply.status_code == 200, reply.text
    outputs = outputs_by_name(reply)
    assert outputs["x_scaled"]["data"] == [10, 20, 30, 40]
    assert outputs["x_scaled"]["shape"] == [2, 2]
    assert outputs["content_type"]["data"] == ["np"]
    assert reply.json()["model_version"] == "v1"
    pids = worker_pids(server)
    assert len(pids) == 2, pids
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 8
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}"), f"worker {pid} outlived the server"


def test_a_predict_hanging_at_sigterm_does_not_hold_the_exit(tmp_path, start_server_module):
    root = str(tmp_path)
    write_model(root, "tripler", {"implementation": "models.Doubler", "parallel_workers": 1},
                TRIPLER)
    server = start_server_module(root, "--exit-timeout-secs", "1")  # predict timeout: 60 s
    pids = worker_pids(server)
    def hang():
        try:
            infer(server, "tripler", [x_input([1])], parameters={"sleep": 30})
        except requests.RequestException:
            pass  # the server may close the connection instead of answering

    thread = threading.Thread(target=hang)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 6, server.log()
    thread.join()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}"), f"worker {pid} outlived the server"


@pytest.mark.parametrize("flag,value", [("--python-predict-timeout", "0"),
                                        ("--python-load-timeout", "1e300"),
                                        ("--python-predict-timeout", "soon")])
def test_timeout_flags_out_of_range_are_refused(tmp_path, flag, value):
    result = run_cli("serve", "--model-repository", str(tmp_path), flag, value)
    assert result.returncode != 0
    assert flag in result.stderr, result.stderr


def test_control_codec_and_bytes_layout():
    assert protocol.decode_frame_length(protocol.encode_frame({"a": 1})[:4]) == len(b'{"a":1}')
    with pytest.raises(ValueError, match="past the limit"):
        protocol.decode_frame_length(struct.pack("<I", protocol.MAX_MESSAGE_BYTES + 1))
    blob = convert.join_bytes_elements(["ab", b"", b"\x00c"])
    assert convert.split_bytes_elements(blob) == [b"ab", b"", b"\x00c"]
    with pytest.raises(ValueError, match="runs past"):
        convert.split_bytes_elements(blob[:-1])

    class Out:
        name, datatype, shape, data, parameters = "y", "INT32", [2, 2], [[1, 2], [3, 4]], None

    assert convert.output_to_bytes(Out())[3] == struct.pack("<4i", 1, 2, 3, 4)
    Out.shape = [3]
    with pytest.raises(ValueError, match=r"output 'y' has shape \[3\] \(3 elements\)"):
        convert.output_to_bytes(Out())
