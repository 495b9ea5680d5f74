"""tensord's own implementation of MLServer 1.5's model interface (python/mlserver_compat):
the codecs against MLServer's encodings, decode_args, MLModel's helpers, settings, and
mlserver_sklearn.SKLearnModel on estimators trained here. Pure Python, no server.

    /usr/bin/python3 -m pytest tests/integration/test_mlserver_compat.py
"""

import asyncio
import json
import os
import pickle
import sys
from typing import List

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from tensord_process import REPO_ROOT

# The compat package first: these tests are about it, even where a real mlserver exists.
sys.path.insert(0, os.path.join(REPO_ROOT, "python", "mlserver_compat"))

import mlserver  # noqa: E402
from mlserver import MLModel  # noqa: E402
from mlserver.codecs import (  # noqa: E402
    Base64Codec,
    CodecError,
    InputCodec,
    NumpyCodec,
    NumpyRequestCodec,
    PandasCodec,
    StringCodec,
    StringRequestCodec,
    decode_args,
    find_input_codec,
    find_request_codec,
    find_request_codec_by_payload,
    register_input_codec,
)
from mlserver.errors import InferenceError, InvalidModelURI, MLServerError  # noqa: E402
from mlserver.settings import ModelParameters, ModelSettings  # noqa: E402
from mlserver.types import (  # noqa: E402
    InferenceRequest,
    Parameters,
    RequestInput,
    RequestOutput,
)
from mlserver.utils import get_model_uri  # noqa: E402
from mlserver_sklearn import SKLearnModel  # noqa: E402

FEATURES = 8


def run(coro):
    return asyncio.run(coro)


def test_compat_package_is_the_one_imported():
    assert getattr(mlserver, "TENSORD_COMPAT", False)
    assert mlserver.__version__ == "1.5.0"


# --- codecs ---------------------------------------------------------------------------


def test_numpy_codec_encodes_as_mlserver():
    out = NumpyCodec.encode_output("predict", np.array([1, 0, 2], dtype=np.int64))
    assert (out.name, out.datatype, out.shape) == ("predict", "INT64", [3, 1])
    assert out.data.root == [1, 0, 2]
    assert out.parameters.content_type == "np"
    proba = NumpyCodec.encode_output("p", np.array([[0.25, 0.75]], dtype=np.float32))
    assert (proba.datatype, proba.shape, proba.data.root) == ("FP32", [1, 2], [0.25, 0.75])
    nan = NumpyCodec.encode_output("n", np.array([1.0, np.nan]))
    assert nan.data.root == [1.0, None]  # JSON has no NaN: MLServer sends null
    text = NumpyCodec.encode_output("t", np.array(["a", "bc"]))
    assert (text.datatype, text.data.root) == ("BYTES", [b"a", b"bc"])


def test_numpy_codec_decodes_lists_and_raw_bytes():
    listed = RequestInput(name="x", shape=[2, 2], datatype="FP32", data=[1, 2, 3, 4])
    assert NumpyCodec.decode_input(listed).tolist() == [[1, 2], [3, 4]]
    assert NumpyCodec.decode_input(listed).dtype == np.float32
    nested = RequestInput(name="x", shape=[2, 2], datatype="INT32", data=[[1, 2], [3, 4]])
    assert NumpyCodec.decode_input(nested).tolist() == [[1, 2], [3, 4]]
    values = np.arange(6, dtype=np.float64).reshape(3, 2)
    raw = RequestInput(name="x", shape=[3, 2], datatype="FP64", data=values.tobytes())
    np.testing.assert_array_equal(NumpyCodec.decode_input(raw), values)
    flags = RequestInput(name="b", shape=[2], datatype="BOOL", data=[True, False])
    assert NumpyCodec.decode_input(flags).dtype == np.bool_


def test_numpy_request_codec_round_trip_and_single_input_rule():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    request = NumpyRequestCodec.encode_request(array)
    assert [i.name for i in request.inputs] == ["input-1"]
    assert request.inputs[0].parameters.content_type == "np"
    # Through JSON and back, as a client sends it.
    sent = InferenceRequest(**json.loads(request.json()))
    np.testing.assert_array_equal(NumpyRequestCodec.decode_request(sent), array)
    response = NumpyRequestCodec.encode_response("m", array, "v1")
    assert (response.model_name, response.model_version) == ("m", "v1")
    assert response.outputs[0].name == "output-1"
    two = InferenceRequest(inputs=[request.inputs[0], request.inputs[0]])
    with pytest.raises(CodecError, match=r"'np' codec only supports a single input tensor "
                                         r"\(2 were received\)"):
        NumpyRequestCodec.decode_request(two)


def test_string_codecs():
    out = StringCodec.encode_output("text", ["a", "bç"])
    assert (out.datatype, out.shape, out.data.root) == ("BYTES", [2, 1], [b"a", "bç".encode()])
    assert out.parameters.content_type == "str"
    # From JSON the elements are str, from gRPC/binary they are bytes: both decode.
    as_json = RequestInput(name="t", shape=[2, 1], datatype="BYTES", data=["a", "bç"])
    as_bytes = RequestInput(name="t", shape=[2, 1], datatype="BYTES", data=[b"a", "bç".encode()])
    assert StringCodec.decode_input(as_json) == StringCodec.decode_input(as_bytes) == ["a", "bç"]
    request = StringRequestCodec.encode_request(["x", "yz"])
    assert request.inputs[0].name == "input-1"
    assert StringRequestCodec.decode_request(request) == ["x", "yz"]


def test_base64_codec():
    out = Base64Codec.encode_output("img", [b"\x00\x01\x02"])
    assert (out.datatype, out.shape, out.data.root) == ("BYTES", [1, 1], [b"AAEC"])
    assert Base64Codec.decode_input(RequestInput(name="i", shape=[1], datatype="BYTES",
                                                 data=["AAEC"])) == [b"\x00\x01\x02"]
    # MLServer takes an element that is not base64 as the raw bytes.
    assert Base64Codec.decode_input(RequestInput(name="i", shape=[1], datatype="BYTES",
                                                 data=[b"not base64!"])) == [b"not base64!"]


def pandas_frame():
    return pd.DataFrame({"age": [31, 45, 27], "income": [1.5, 2.25, 0.5],
                         "city": ["Oslo", "Lyon", "Kyiv"]})


def test_pandas_codec_encode_request_matches_mlserver():
    request = PandasCodec.encode_request(pandas_frame())
    assert request.parameters.content_type == "pd"
    body = request.model_dump(exclude_none=True)
    assert body["inputs"] == [
        {"name": "age", "shape": [3, 1], "datatype": "INT64", "data": [31, 45, 27]},
        {"name": "income", "shape": [3, 1], "datatype": "FP64", "data": [1.5, 2.25, 0.5]},
        {"name": "city", "shape": [3, 1], "datatype": "BYTES", "data": [b"Oslo", b"Lyon", b"Kyiv"],
         "parameters": {"content_type": "str"}},
    ]


def test_pandas_request_decodes_as_a_dataframe_through_mlmodel():
    model = MLModel(ModelSettings(name="m", implementation=MLModel))
    request = PandasCodec.encode_request(pandas_frame())
    sent = InferenceRequest(**json.loads(request.json()))  # strings arrive as str in JSON
    df = model.decode_request(sent)
    assert list(df.columns) == ["age", "income", "city"]
    assert str(df["age"].dtype) == "int64" and str(df["income"].dtype) == "float64"
    assert df["city"].tolist() == ["Oslo", "Lyon", "Kyiv"]
    # Columns as tensord's workers pass them: raw bytes for numbers, bytes for strings.
    raw = InferenceRequest(parameters=Parameters(content_type="pd"), inputs=[
        RequestInput(name="age", shape=[3, 1], datatype="INT64",
                     data=np.array([31, 45, 27], dtype=np.int64).tobytes()),
        RequestInput(name="city", shape=[3, 1], datatype="BYTES", data=[b"Oslo", b"Lyon", b"Kyiv"],
                     parameters=Parameters(content_type="str")),
    ])
    df = model.decode_request(raw)
    assert df["age"].tolist() == [31, 45, 27] and df["city"].tolist() == ["Oslo", "Lyon", "Kyiv"]


def test_pandas_response_encoding():
    response = PandasCodec.encode_response("m", pandas_frame(), "1")
    assert response.parameters.content_type == "pd"
    assert [o.name for o in response.outputs] == ["age", "income", "city"]
    back = PandasCodec.decode_response(response)
    assert back["age"].tolist() == [31, 45, 27]


def test_codec_registry_and_custom_codecs():
    assert find_input_codec("np") is NumpyCodec
    assert find_input_codec("str") is StringCodec
    assert find_request_codec("pd") is PandasCodec
    assert find_request_codec_by_payload(np.zeros(2)) is NumpyRequestCodec
    assert find_request_codec_by_payload(pandas_frame()) is PandasCodec
    assert find_request_codec_by_payload(["a"]) is StringRequestCodec

    @register_input_codec
    class UpperCodec(InputCodec):
        ContentType = "test_upper"

        @classmethod
        def decode_input(cls, request_input):
            return [str(v).upper() for v in request_input.data]

    assert find_input_codec("test_upper") is UpperCodec
    model = MLModel(ModelSettings(name="m", implementation=MLModel))
    tagged = RequestInput(name="t", shape=[1], datatype="BYTES", data=["abc"],
                          parameters=Parameters(content_type="test_upper"))
    assert model.decode(tagged) == ["ABC"]


# --- decode_args and MLModel helpers ---------------------------------------------------


class TypedModel(MLModel):
    @decode_args
    async def predict(self, values: np.ndarray, names: List[str]) -> np.ndarray:
        return values * 2 + len(names)


class FrameModel(MLModel):
    @decode_args
    async def predict(self, scale: np.ndarray, frame: pd.DataFrame) -> List[str]:
        return [f"{row.a * scale[0][0]:g}" for row in frame.itertuples()]


def test_decode_args_decodes_by_type_hint_and_encodes_outputs():
    model = TypedModel(ModelSettings(name="typed", implementation=TypedModel,
                                     parameters=ModelParameters(version="v2")))
    request = InferenceRequest(inputs=[
        RequestInput(name="values", shape=[2], datatype="FP32", data=[1, 2]),
        RequestInput(name="names", shape=[3], datatype="BYTES", data=["a", "b", "c"]),
    ])
    response = run(model.predict(request))
    assert (response.model_name, response.model_version) == ("typed", "v2")
    assert [o.name for o in response.outputs] == ["output-0"]
    assert response.outputs[0].data.root == [5.0, 7.0]


def test_decode_args_gives_remaining_inputs_to_a_dataframe_argument():
    model = FrameModel(ModelSettings(name="frame", implementation=FrameModel))
    request = InferenceRequest(inputs=[
        RequestInput(name="scale", shape=[1, 1], datatype="FP64", data=[10]),
        RequestInput(name="a", shape=[2, 1], datatype="INT64", data=[1, 2]),
    ])
    response = run(model.predict(request))
    assert response.outputs[0].data.root == [b"10", b"20"]


def test_decode_args_unknown_input_is_named():
    model = TypedModel(ModelSettings(name="typed", implementation=TypedModel))
    request = InferenceRequest(inputs=[
        RequestInput(name="zzz", shape=[1], datatype="FP32", data=[1])])
    with pytest.raises(MLServerError, match=r"Input 'zzz' was not found. Available inputs are "
                                            r"'values', 'names'"):
        run(model.predict(request))


def test_mlmodel_encode_response_picks_codec_by_payload():
    model = MLModel(ModelSettings(name="m", implementation=MLModel,
                                  parameters=ModelParameters(version="3")))
    response = model.encode_response(np.array([[1.0, 2.0]]))
    assert (response.model_name, response.model_version) == ("m", "3")
    assert (response.outputs[0].name, response.outputs[0].shape) == ("output-1", [1, 2])
    assert model.encode_response(pandas_frame()).parameters.content_type == "pd"
    output = model.encode(np.array([1, 2]), RequestOutput(name="y"))
    assert (output.name, output.datatype, output.shape) == ("y", "INT64", [2, 1])


# --- settings and get_model_uri -------------------------------------------------------


def test_model_settings_as_mlserver():
    settings = ModelSettings(name="iris", implementation="mlserver_sklearn.SKLearnModel",
                             parameters={"uri": "./model.joblib", "version": "v0.1",
                                         "extra": {"k": 1}}, max_batch_size=8)
    assert settings.implementation is SKLearnModel
    assert settings.version == "v0.1" and settings.parameters.extra == {"k": 1}
    assert settings.model_dump()["implementation"] == "mlserver_sklearn.sklearn.SKLearnModel"
    assert ModelSettings(name="a", implementation=MLModel, version="v9").version == "v9"
    with pytest.raises(ImportError, match="has no attribute 'Nope'"):
        ModelSettings(name="x", implementation="mlserver_sklearn.Nope")


def test_get_model_uri_resolves_against_the_settings_file(tmp_path):
    (tmp_path / "model.joblib").write_bytes(b"x")
    settings = ModelSettings(name="m", implementation=MLModel,
                             parameters=ModelParameters(uri="./"))
    settings._source = str(tmp_path / "model-settings.json")
    assert run(get_model_uri(settings, wellknown_filenames=["model.joblib"])) == \
        str(tmp_path / "model.joblib")
    settings.parameters.uri = "./missing.joblib"
    with pytest.raises(InvalidModelURI, match=r"Invalid URI specified for model m \(.*missing"):
        run(get_model_uri(settings))


# --- SKLearnModel ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(120, FEATURES)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    return x, y


def sklearn_model(folder, estimator, filename="model.joblib", uri=None, extra=None):
    os.makedirs(folder, exist_ok=True)
    joblib.dump(estimator, os.path.join(folder, filename))
    settings = ModelSettings(name="sk", implementation=SKLearnModel,
                             parameters=ModelParameters(uri=uri or f"./{filename}",
                                                        version="v1", extra=extra or {}))
    settings._source = os.path.join(folder, "model-settings.json")
    model = SKLearnModel(settings)
    assert run(model.load()) is True and model.ready
    return model


def numpy_request(x, outputs=None):
    request = NumpyRequestCodec.encode_request(x)
    if outputs:
        request.outputs = [RequestOutput(name=name) for name in outputs]
    return request


def test_sklearn_logistic_regression_outputs(tmp_path, data):
    x, y = data
    estimator = LogisticRegression(max_iter=200).fit(x, y)
    model = sklearn_model(str(tmp_path), estimator)
    response = run(model.predict(numpy_request(x[:5])))
    assert (response.model_name, response.model_version) == ("sk", "v1")
    [predict] = response.outputs
    assert (predict.name, predict.datatype, predict.shape) == ("predict", "INT64", [5, 1])
    assert predict.data.root == estimator.predict(x[:5]).tolist()
    response = run(model.predict(numpy_request(x[:5], ["predict_proba", "predict"])))
    proba, _ = response.outputs
    assert (proba.name, proba.datatype, proba.shape) == ("predict_proba", "FP64", [5, 3])
    np.testing.assert_allclose(proba.data.root, estimator.predict_proba(x[:5]).ravel())


def test_sklearn_predict_fn_sets_the_default_output(tmp_path, data):
    x, y = data
    estimator = LogisticRegression(max_iter=200).fit(x, y)
    model = sklearn_model(str(tmp_path), estimator, extra={"predict_fn": "predict_proba"})
    [proba] = run(model.predict(numpy_request(x[:2]))).outputs
    assert (proba.name, proba.shape) == ("predict_proba", [2, 3])
    model = sklearn_model(str(tmp_path), estimator, extra={"predict_fn": "decision_function"})
    with pytest.raises(InferenceError, match=r"\(decision_function was received\)"):
        run(model.predict(numpy_request(x[:2])))


def test_sklearn_raw_bytes_input_as_tensord_workers_send_it(tmp_path, data):
    x, y = data
    estimator = RandomForestClassifier(n_estimators=10, random_state=0).fit(x, y)
    model = sklearn_model(str(tmp_path), estimator, filename="forest.pkl")
    request = InferenceRequest(inputs=[RequestInput(name="x", shape=[4, FEATURES],
                                                    datatype="FP32", data=x[:4].tobytes())],
                               outputs=[RequestOutput(name="predict_proba")])
    [proba] = run(model.predict(request)).outputs
    np.testing.assert_allclose(proba.data.root, estimator.predict_proba(x[:4]).ravel())


def test_sklearn_pipeline_with_transformer(tmp_path, data):
    x, y = data
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(x, y)
    model = sklearn_model(str(tmp_path / "pipe"), pipeline)
    [proba] = run(model.predict(numpy_request(x[:3], ["predict_proba"]))).outputs
    np.testing.assert_allclose(proba.data.root, pipeline.predict_proba(x[:3]).ravel())
    reducer = Pipeline([("scale", StandardScaler()), ("pca", PCA(n_components=2))]).fit(x)
    model = sklearn_model(str(tmp_path / "pca"), reducer, filename="model.pickle")
    [transformed] = run(model.predict(numpy_request(x[:3], ["transform"]))).outputs
    assert (transformed.name, transformed.datatype, transformed.shape) == \
        ("transform", "FP32", [3, 2])  # PCA keeps float32 input as float32
    np.testing.assert_allclose(transformed.data.root, reducer.transform(x[:3]).ravel())
    with pytest.raises(InferenceError, match="models do not support 'predict'"):
        run(model.predict(numpy_request(x[:3])))


def test_sklearn_pandas_request(tmp_path, data):
    x, y = data
    columns = [f"f{i}" for i in range(FEATURES)]
    frame = pd.DataFrame(x, columns=columns)
    estimator = LogisticRegression(max_iter=200).fit(frame, y)
    model = sklearn_model(str(tmp_path), estimator)
    request = PandasCodec.encode_request(frame.iloc[:6])
    sent = InferenceRequest(**json.loads(request.json()))
    [predict] = run(model.predict(sent)).outputs
    assert predict.data.root == estimator.predict(frame.iloc[:6]).tolist()


def test_sklearn_bad_requests(tmp_path, data):
    x, y = data
    regressor = RandomForestRegressor(n_estimators=5, random_state=0).fit(x, y)
    model = sklearn_model(str(tmp_path), regressor)
    with pytest.raises(InferenceError, match=r"RandomForestRegressor'> models do not support "
                                             r"'predict_proba"):
        run(model.predict(numpy_request(x[:2], ["predict_proba"])))
    with pytest.raises(InferenceError, match=r"SKLearnModel only supports 'predict', "
                                             r"'predict_proba' and 'transform' as outputs "
                                             r"\(scores was received\)"):
        run(model.predict(numpy_request(x[:2], ["scores"])))
    request = numpy_request(x[:2])
    request.inputs.append(request.inputs[0])
    with pytest.raises(CodecError, match="only supports a single input tensor"):
        run(model.predict(request))


def test_sklearn_bad_model_files(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    with open(folder / "model.joblib", "wb") as f:
        pickle.dump({"weights": [1, 2]}, f)
    (folder / "text.pkl").write_text("not a pickle at all")

    def load(uri):
        settings = ModelSettings(name="bad", implementation=SKLearnModel,
                                 parameters=ModelParameters(uri=uri))
        settings._source = str(folder / "model-settings.json")
        return run(SKLearnModel(settings).load())

    with pytest.raises(MLServerError, match=r"holds a builtins.dict, not a scikit-learn "
                                            r"estimator"):
        load("./model.joblib")
    with pytest.raises(MLServerError, match=r"cannot load .*text.pkl with joblib"):
        load("./text.pkl")
    joblib.dump(LogisticRegression(), tmp_path / "outside.joblib")
    with pytest.raises(MLServerError, match=r"parameters.uri '../outside.joblib' of model 'bad' "
                                            r"resolves to .*, outside the model folder"):
        load("../outside.joblib")
    with pytest.raises(InvalidModelURI, match="Invalid URI specified for model bad"):
        load("./absent.joblib")


def test_pandas_is_imported_only_when_used():
    # Every Python worker imports mlserver; pandas (about a second) only when a model uses it.
    import subprocess
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import mlserver, mlserver_sklearn; "
            "from mlserver.codecs import PandasCodec, find_request_codec; "
            "assert find_request_codec('pd') is PandasCodec; "
            "assert not PandasCodec.can_encode([1]); print('pandas' in sys.modules)")
    result = subprocess.run(["/usr/bin/python3", "-c", code,
                             os.path.join(REPO_ROOT, "python", "mlserver_compat")],
                            capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "False", result.stderr
