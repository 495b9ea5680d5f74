"""Requests built by MLServer's client codecs, sent to tensord's C++ runtimes over REST and
gRPC: PandasCodec's one-input-per-column requests (request content_type "pd") are assembled
into the model's feature matrix, in column order, as MLServer's runtimes decode them;
NumpyRequestCodec's and StringRequestCodec's "input-1" feeds a single-input model.
And mlserver_sklearn.SKLearnModel end to end through the python runtime: the example
(scripts/make_models/sklearn_models.py, examples/iris_sklearn-*.json), a pandas request
over gRPC, and its errors.

    /usr/bin/python3 -m pytest tests/integration/test_mlserver_codecs.py

The requests are made by tensord's own copy of MLServer's codecs (python/mlserver_compat),
which tests/integration/test_mlserver_compat.py checks against MLServer's encodings.
"""

import importlib.util
import json
import os
import pickle
import sys
import time

import grpc
import numpy as np
import pandas as pd
import pytest
import requests

from grpc_helpers import generate_stubs, grpc_address
from oip_client import TIMEOUT_S, error_message, outputs_by_name
from tensord_process import REPO_ROOT, TensordProcess

sys.path.insert(0, os.path.join(REPO_ROOT, "python", "mlserver_compat"))
sys.path.insert(0, os.path.join(REPO_ROOT, "scripts"))

from make_models import onnx_models, sklearn_models  # noqa: E402
from mlserver.codecs import NumpyRequestCodec, PandasCodec, StringRequestCodec  # noqa: E402

MAKE_XGBOOST = os.path.join(REPO_ROOT, "runtime", "xgboost", "testdata", "make_models.py")


def load_make_xgboost():
    spec = importlib.util.spec_from_file_location("make_xgboost_models", MAKE_XGBOOST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_xgboost = load_make_xgboost()
FEATURES = make_xgboost.FEATURES
COLUMNS = [f"f{i}" for i in range(FEATURES)]


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlserver_codecs")
    xgb_folder = root / "xgb"
    xgb_folder.mkdir()
    booster = make_xgboost.train("binary:logistic", 2, seed=11, estimator_type="classifier")
    booster.save_model(str(xgb_folder / "model.json"))
    (xgb_folder / "model-settings.json").write_text(json.dumps({
        "name": "xgb", "implementation": "mlserver_xgboost.XGBoostModel",
        "parameters": {"uri": "./model.json"}}))
    scale = root / "scale"
    onnx_models.save(onnx_models.scale("scale", "FP32", [-1, 4], 2.0),
                     str(scale / "1" / "model.onnx"))
    onnx_models.write_triton_config(str(scale), name="scale", max_batch_size=8,
                                    inputs=[("INPUT0", "FP32", [4])],
                                    outputs=[("OUTPUT0", "FP32", [4])])
    text = root / "text_upper"
    onnx_models.save(onnx_models.string_upper("text_upper"), str(text / "1" / "model.onnx"))
    onnx_models.write_triton_config(str(text), name="text_upper", max_batch_size=0,
                                    inputs=[("TEXT", "BYTES", [-1])],
                                    outputs=[("UPPER", "BYTES", [-1])])
    write_sklearn_models(root)
    return str(root)


def write_sklearn_models(root):
    import joblib
    from sklearn.ensemble import RandomForestRegressor

    sklearn_models.write_iris(str(root))
    x = rows(count=40, seed=1)
    regressor = RandomForestRegressor(n_estimators=5, random_state=0).fit(x, x[:, 0])
    for name, payload in (("forest_regressor", regressor), ("not_a_model", {"weights": [1]})):
        folder = root / name
        folder.mkdir()
        with open(folder / "model.joblib", "wb") as f:
            if name == "not_a_model":
                pickle.dump(payload, f)
            else:
                joblib.dump(payload, f)
        (folder / "model-settings.json").write_text(json.dumps({
            "name": name, "implementation": "mlserver_sklearn.SKLearnModel",
            "parameters": {"uri": "./model.joblib"}, "parallel_workers": 1}))


SKLEARN_MODELS = ("iris_sklearn", "forest_regressor")


@pytest.fixture(scope="module")
def server(repository):
    process = TensordProcess.start(repository)
    # Python workers load after the server starts serving.
    deadline = time.monotonic() + 60
    pending = list(SKLEARN_MODELS)
    while pending and time.monotonic() < deadline:
        ready = requests.get(f"{process.url}/v2/models/{pending[0]}/ready", timeout=TIMEOUT_S)
        if ready.status_code == 200:
            pending.pop(0)
        else:
            time.sleep(0.1)
    yield process
    assert process.stop() == 0, process.log()


@pytest.fixture(scope="module")
def stub(server, tmp_path_factory):
    pb, pb_grpc = generate_stubs(str(tmp_path_factory.mktemp("grpc_stubs")))
    channel = grpc.insecure_channel(grpc_address(server))
    yield pb, pb_grpc.GRPCInferenceServiceStub(channel)
    channel.close()


def rows(count=8, seed=5):
    return np.random.default_rng(seed).normal(size=(count, FEATURES)).astype(np.float32)


def expected_predict(model_path, x):
    return make_xgboost.mlserver_outputs(model_path, x)["predict"].ravel().tolist()


def rest(url, model, mlserver_request):
    """POSTs the request as MLServer's REST client sends it (the model's JSON dump)."""
    body = json.loads(mlserver_request.model_dump_json(exclude_none=True))
    return requests.post(f"{url}/v2/models/{model}/infer", json=body, timeout=TIMEOUT_S)


CONTENTS = {"FP32": "fp32_contents", "FP64": "fp64_contents", "INT64": "int64_contents",
            "INT32": "int_contents", "BOOL": "bool_contents", "BYTES": "bytes_contents"}


def grpc_message(pb, model, mlserver_request):
    """The ModelInferRequest MLServer's gRPC converter makes of the request (typed contents,
    content_type as a string parameter)."""
    message = pb.ModelInferRequest(model_name=model)
    parameters = mlserver_request.parameters
    if parameters is not None and parameters.content_type:
        message.parameters["content_type"].string_param = parameters.content_type
    for inp in mlserver_request.inputs:
        tensor = message.inputs.add(name=inp.name, datatype=inp.datatype, shape=inp.shape)
        if inp.parameters is not None and inp.parameters.content_type:
            tensor.parameters["content_type"].string_param = inp.parameters.content_type
        values = list(inp.data)
        if inp.datatype == "BYTES":
            values = [v.encode() if isinstance(v, str) else v for v in values]
        getattr(tensor.contents, CONTENTS[inp.datatype]).extend(values)
    return message


def test_pandas_request_is_assembled_into_the_feature_matrix_rest(server, repository):
    x = rows()
    frame = pd.DataFrame(x.astype(np.float64), columns=COLUMNS)  # pandas' default float64
    response = rest(server.url, "xgb", PandasCodec.encode_request(frame))
    predict = outputs_by_name(response)["predict"]
    assert predict["shape"] == [8, 1]
    assert predict["data"] == expected_predict(os.path.join(repository, "xgb", "model.json"), x)


def test_pandas_request_matches_numpy_request(server):
    x = rows(count=5, seed=9)
    as_frame = rest(server.url, "xgb",
                    PandasCodec.encode_request(pd.DataFrame(x, columns=COLUMNS)))
    as_array = rest(server.url, "xgb", NumpyRequestCodec.encode_request(x))
    assert outputs_by_name(as_frame)["predict"]["data"] == \
        outputs_by_name(as_array)["predict"]["data"]


def test_pandas_columns_of_mixed_types_are_converted(server, repository):
    x = rows(seed=2)
    x[:, 0] = np.round(x[:, 0] * 3)  # an integer column, as pandas keeps it: INT64
    frame = pd.DataFrame({name: x[:, i].astype(np.float64) for i, name in enumerate(COLUMNS)})
    frame["f0"] = frame["f0"].astype(np.int64)
    request = PandasCodec.encode_request(frame)
    assert [i.datatype for i in request.inputs][:2] == ["INT64", "FP64"]
    predict = outputs_by_name(rest(server.url, "xgb", request))["predict"]
    assert predict["data"] == expected_predict(os.path.join(repository, "xgb", "model.json"), x)


def test_pandas_request_over_grpc(server, stub, repository):
    pb, service = stub
    x = rows(count=4, seed=13)
    request = PandasCodec.encode_request(pd.DataFrame(x.astype(np.float64), columns=COLUMNS))
    reply = service.ModelInfer(grpc_message(pb, "xgb", request), timeout=TIMEOUT_S)
    [predict] = [o for o in reply.outputs if o.name == "predict"]
    assert list(predict.shape) == [4, 1]
    got = np.frombuffer(reply.raw_output_contents[0], dtype=np.int64).tolist() \
        if reply.raw_output_contents else list(predict.contents.int64_contents)
    assert got == expected_predict(os.path.join(repository, "xgb", "model.json"), x)


def test_pandas_request_for_an_onnx_model(server):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])  # float32 columns: FP32
    output = outputs_by_name(rest(server.url, "scale", PandasCodec.encode_request(frame)))
    assert output["OUTPUT0"]["shape"] == [3, 4]
    assert output["OUTPUT0"]["data"] == (x * 2).ravel().tolist()


def test_string_request_codec_feeds_a_single_bytes_input(server):
    request = StringRequestCodec.encode_request(["abc", "Zürich"])
    output = outputs_by_name(rest(server.url, "text_upper", request))["UPPER"]
    assert output["data"] == ["ABC", "ZÜRICH"]


def bad_rest(url, model, request, status=400):
    return error_message(rest(url, model, request), status)


def test_bad_pandas_requests_name_the_column(server):
    x = rows(count=3)
    short = PandasCodec.encode_request(pd.DataFrame(x[:, :5], columns=COLUMNS[:5]))
    assert bad_rest(server.url, "xgb", short) == (
        "the pandas request (content_type 'pd') has 5 columns, but model 'xgb' input "
        f"'input-0' takes {FEATURES} ([-1,{FEATURES}])")
    frame = pd.DataFrame(x, columns=COLUMNS)
    frame["f3"] = ["a", "b", "c"]
    assert bad_rest(server.url, "xgb", PandasCodec.encode_request(frame)) == (
        "column 'f3' of the pandas request has datatype BYTES, but model 'xgb' input "
        "'input-0' takes FP32")
    ragged = PandasCodec.encode_request(pd.DataFrame(x, columns=COLUMNS))
    ragged.inputs[2].shape = [2, 1]
    ragged.inputs[2].data.root = ragged.inputs[2].data.root[:2]
    assert bad_rest(server.url, "xgb", ragged) == (
        "column 'f2' of the pandas request has 2 rows, but column 'f0' has 3")
    wrong_type = PandasCodec.encode_request(
        pd.DataFrame(x[:, :4].astype(np.float64), columns=["a", "b", "c", "d"]))
    assert bad_rest(server.url, "scale", wrong_type) == (
        "column 'a' of the pandas request has datatype FP64, but model 'scale' input 'INPUT0' "
        "takes FP32")


def test_bad_pandas_request_over_grpc(server, stub):
    pb, service = stub
    short = PandasCodec.encode_request(pd.DataFrame(rows(count=2)[:, :2], columns=COLUMNS[:2]))
    with pytest.raises(grpc.RpcError) as error:
        service.ModelInfer(grpc_message(pb, "xgb", short), timeout=TIMEOUT_S)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "the pandas request (content_type 'pd') has 2 columns" in error.value.details()


# --- mlserver_sklearn.SKLearnModel through the python runtime -----------------------------


def example(name):
    with open(os.path.join(REPO_ROOT, "examples", name), "rb") as f:
        return f.read()


def iris_pipeline(repository):
    import joblib
    return joblib.load(os.path.join(repository, "iris_sklearn", "model.joblib"))


def test_sklearn_example_requests(server, repository):
    reply = requests.post(f"{server.url}/v2/models/iris_sklearn/infer",
                          data=example("iris_sklearn-request.json"), timeout=TIMEOUT_S)
    outputs = outputs_by_name(reply)
    assert reply.json()["model_version"] == "v1"
    pipeline = iris_pipeline(repository)
    x = np.array(json.loads(example("iris_sklearn-request.json"))["inputs"][0]["data"],
                 dtype=np.float64).reshape(2, 4)
    assert outputs["predict"]["datatype"] == "INT64" and outputs["predict"]["shape"] == [2, 1]
    assert outputs["predict"]["data"] == pipeline.predict(x).tolist() == [0, 2]
    assert outputs["predict_proba"]["shape"] == [2, 3]
    np.testing.assert_allclose(outputs["predict_proba"]["data"],
                               pipeline.predict_proba(x).ravel(), rtol=1e-12)
    reply = requests.post(f"{server.url}/v2/models/iris_sklearn/infer",
                          data=example("iris_sklearn-pandas-request.json"), timeout=TIMEOUT_S)
    assert list(outputs_by_name(reply)) == ["predict"]  # the default output
    assert outputs_by_name(reply)["predict"]["data"] == [0, 2]


def test_sklearn_pandas_request_over_grpc(server, stub, repository):
    pb, service = stub
    frame = pd.DataFrame(np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]),
                         columns=["sl", "sw", "pl", "pw"])
    request = PandasCodec.encode_request(frame)
    message = grpc_message(pb, "iris_sklearn", request)
    message.outputs.add(name="predict_proba")
    reply = service.ModelInfer(message, timeout=TIMEOUT_S)
    [proba] = reply.outputs
    assert (proba.name, proba.datatype, list(proba.shape)) == ("predict_proba", "FP64", [2, 3])
    got = (np.frombuffer(reply.raw_output_contents[0], dtype="<f8") if reply.raw_output_contents
           else np.array(proba.contents.fp64_contents))
    np.testing.assert_allclose(got, iris_pipeline(repository).predict_proba(frame.values).ravel(),
                               rtol=1e-12)


def test_sklearn_errors_reach_the_client(server):
    x = rows(count=2)
    request = NumpyRequestCodec.encode_request(x)
    body = json.loads(request.model_dump_json(exclude_none=True))
    body["outputs"] = [{"name": "predict_proba"}]
    reply = requests.post(f"{server.url}/v2/models/forest_regressor/infer", json=body,
                          timeout=TIMEOUT_S)
    # MLServer's InferenceError: 400 and its message, as MLServer answers it.
    assert error_message(reply, 400) == (
        "<class 'sklearn.ensemble._forest.RandomForestRegressor'> models do "
        "not support 'predict_proba")
    body["outputs"] = [{"name": "scores"}]
    reply = requests.post(f"{server.url}/v2/models/forest_regressor/infer", json=body,
                          timeout=TIMEOUT_S)
    assert "SKLearnModel only supports 'predict', 'predict_proba' and 'transform' as outputs " \
        "(scores was received)" in error_message(reply, 400)
    # The server serves on.
    body.pop("outputs")
    assert outputs_by_name(requests.post(f"{server.url}/v2/models/forest_regressor/infer",
                                         json=body, timeout=TIMEOUT_S))["predict"]["shape"] == \
        [2, 1]


def test_sklearn_pickle_that_is_not_a_model_fails_its_load(server):
    deadline = time.monotonic() + 30
    while True:
        rows_by_name = {row["name"]: row for row in requests.post(
            f"{server.url}/v2/repository/index", json={}, timeout=TIMEOUT_S).json()}
        row = rows_by_name["not_a_model"]
        if row.get("reason") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert row["state"] == "UNAVAILABLE"
    assert "holds a builtins.dict, not a scikit-learn estimator" in row["reason"], row
