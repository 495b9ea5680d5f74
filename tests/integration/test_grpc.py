"""The gRPC service (inference.GRPCInferenceService) of a real tensord, through Python stubs
generated at test time from proto/*.proto: every RPC, every datatype through the identity
models (raw_input_contents and typed contents), streaming with errors mid-stream, each bad
input with its exact code and message, message-size limit, gzip; the server keeps serving.
"""

import struct
import subprocess

import grpc
import numpy as np
import pytest

import datatype_cases
import make_test_repository
from grpc_helpers import generate_stubs, grpc_address
from make_test_repository import identity_name
from tensord_process import require_binary

TIMEOUT_S = 30


@pytest.fixture(scope="session")
def stubs(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("grpc_stubs")))


@pytest.fixture(scope="session")
def pb(stubs):
    return stubs[0]


@pytest.fixture(scope="session")
def channel(server):
    with grpc.insecure_channel(grpc_address(server)) as ch:
        yield ch


@pytest.fixture(scope="session")
def stub(stubs, channel):
    return stubs[1].GRPCInferenceServiceStub(channel)


# ---- tensors ----

def bf16_bits(value):
    """Upper 16 bits of the float32 `value` (every BF16 case below is exact in bfloat16)."""
    return struct.unpack("<I", struct.pack("<f", value))[0] >> 16


# datatype -> (shape, values): the REST tests' samples, with a NUL byte inside a BYTES element
# (raw and typed gRPC contents carry it; JSON strings are tested with quotes instead).
CASES = {**datatype_cases.CASES,
         "BYTES": ([2, 3], ["hello", "", "héllo ✓", "nul\x00inside", "tab\tnewline\n", "日本語"])}
assert sorted(CASES) == sorted(make_test_repository.ALL_DATATYPES)

NUMPY = {"BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32,
         "UINT64": np.uint64, "INT8": np.int8, "INT16": np.int16, "INT32": np.int32,
         "INT64": np.int64, "FP16": np.float16, "FP32": np.float32, "FP64": np.float64}

TYPED_FIELD = {"BOOL": "bool_contents", "UINT8": "uint_contents", "UINT16": "uint_contents",
               "UINT32": "uint_contents", "UINT64": "uint64_contents",
               "INT8": "int_contents", "INT16": "int_contents", "INT32": "int_contents",
               "INT64": "int64_contents", "FP32": "fp32_contents", "FP64": "fp64_contents",
               "BYTES": "bytes_contents"}


def bytes_raw(elements):
    """BYTES elements in the protocol's raw form: 4-byte little-endian length, then bytes."""
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


def raw_of(datatype, values):
    if datatype == "BYTES":
        return bytes_raw([v.encode() for v in values])
    if datatype == "BF16":
        return np.array([bf16_bits(v) for v in values], dtype="<u2").tobytes()
    return np.array(values, dtype=NUMPY[datatype]).tobytes()


def input_tensor(pb, name, datatype, shape, typed=None):
    tensor = pb.ModelInferRequest.InferInputTensor(name=name, datatype=datatype, shape=shape)
    if typed is not None:
        field, values = typed
        getattr(tensor.contents, field).extend(values)
    return tensor


def request(pb, model, inputs, raw=(), version="", outputs=(), request_id="", **parameters):
    message = pb.ModelInferRequest(model_name=model, model_version=version, id=request_id,
                                   inputs=inputs, raw_input_contents=list(raw))
    for name in outputs:
        message.outputs.add(name=name)
    for key, value in parameters.items():
        set_parameter(message.parameters[key], value)
    return message


def set_parameter(parameter, value):
    if isinstance(value, bool):
        parameter.bool_param = value
    elif isinstance(value, int):
        parameter.int64_param = value
    elif isinstance(value, float):
        parameter.double_param = value
    else:
        parameter.string_param = value


def fp32_request(pb, model, values, name="INPUT0", **kwargs):
    return request(pb, model, [input_tensor(pb, name, "FP32", [len(values)])],
                   raw=[np.array(values, dtype=np.float32).tobytes()], **kwargs)


def outputs_of(response):
    """{name: (datatype, shape, raw bytes)} of a ModelInferResponse."""
    assert len(response.raw_output_contents) == len(response.outputs)
    return {o.name: (o.datatype, list(o.shape), raw)
            for o, raw in zip(response.outputs, response.raw_output_contents)}


def fp32_output(response, name):
    datatype, _, raw = outputs_of(response)[name]
    assert datatype == "FP32"
    return np.frombuffer(raw, dtype=np.float32)


def rpc_error(call, *args, **kwargs):
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, timeout=TIMEOUT_S, **kwargs)
    return caught.value


def assert_serving(pb, stub):
    response = stub.ModelInfer(request(pb, "identity_fp32",
                                       [input_tensor(pb, "INPUT0", "FP32", [1, 1])],
                                       raw=[np.float32(4.5).tobytes()]),
                               timeout=TIMEOUT_S)
    assert np.frombuffer(response.raw_output_contents[0], np.float32).tolist() == [4.5]


# ---- health and metadata ----

def test_server_live_and_ready(pb, stub):
    assert stub.ServerLive(pb.ServerLiveRequest(), timeout=TIMEOUT_S).live is True
    assert stub.ServerReady(pb.ServerReadyRequest(), timeout=TIMEOUT_S).ready is True


@pytest.mark.parametrize("name,version,ready", [
    ("identity_fp32", "", True), ("identity_fp32", "1", True), ("versioned", "2", True),
    ("versioned", "3", False), ("corrupt", "", False), ("no_such_model", "", False)])
def test_model_ready(pb, stub, name, version, ready):
    response = stub.ModelReady(pb.ModelReadyRequest(name=name, version=version),
                               timeout=TIMEOUT_S)
    assert response.ready is ready


def test_server_metadata(pb, stub):
    response = stub.ServerMetadata(pb.ServerMetadataRequest(), timeout=TIMEOUT_S)
    assert response.name == "tensord"
    assert response.version
    assert all(isinstance(e, str) and e for e in response.extensions)


def test_model_metadata(pb, stub):
    response = stub.ModelMetadata(pb.ModelMetadataRequest(name="mlp_test"), timeout=TIMEOUT_S)
    assert response.name == "mlp_test"
    assert list(response.versions) == ["1"]
    assert response.platform == "onnxruntime_onnx"
    assert [(t.name, t.datatype, list(t.shape)) for t in response.inputs] == [
        ("input", "FP32", [-1, 8])]
    assert [(t.name, t.datatype, list(t.shape)) for t in response.outputs] == [
        ("logits", "FP32", [-1, 3]), ("probabilities", "FP32", [-1, 3])]

    versioned = stub.ModelMetadata(pb.ModelMetadataRequest(name="versioned"),
                                   timeout=TIMEOUT_S)
    assert sorted(versioned.versions) == ["1", "2"]
    one = stub.ModelMetadata(pb.ModelMetadataRequest(name="versioned", version="1"),
                             timeout=TIMEOUT_S)
    assert one.name == "versioned"


@pytest.mark.parametrize("name,version,code,message", [
    ("no_such_model", "", grpc.StatusCode.NOT_FOUND, "Request for unknown model: 'no_such_model' is not found"),
    ("versioned", "9", grpc.StatusCode.NOT_FOUND, "Request for unknown model: 'versioned' version 9 is not found")])
def test_model_metadata_errors(pb, stub, name, version, code, message):
    error = rpc_error(stub.ModelMetadata, pb.ModelMetadataRequest(name=name, version=version))
    assert error.code() == code, error.details()
    assert error.details() == message


def test_model_config(pb, stub):
    config = stub.ModelConfig(pb.ModelConfigRequest(name="mlp_test"), timeout=TIMEOUT_S).config
    assert config.name == "mlp_test"
    assert config.platform == "onnxruntime_onnx"
    assert config.max_batch_size == 8
    model_config_pb2 = __import__("model_config_pb2")
    assert [(t.name, t.data_type, list(t.dims)) for t in config.input] == [
        ("input", model_config_pb2.TYPE_FP32, [8])]
    assert [(t.name, t.data_type, list(t.dims)) for t in config.output] == [
        ("logits", model_config_pb2.TYPE_FP32, [3]),
        ("probabilities", model_config_pb2.TYPE_FP32, [3])]
    assert len(config.instance_group) <= 1
    strings = stub.ModelConfig(pb.ModelConfigRequest(name="identity_bytes"),
                               timeout=TIMEOUT_S).config
    assert strings.input[0].data_type == model_config_pb2.TYPE_STRING

    error = rpc_error(stub.ModelConfig, pb.ModelConfigRequest(name="no_such_model"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_statistics_and_index_answer(pb, stub):
    stats = stub.ModelStatistics(pb.ModelStatisticsRequest(name="add_sub"), timeout=TIMEOUT_S)
    assert [m.name for m in stats.model_stats] == ["add_sub"]
    index = stub.RepositoryIndex(pb.RepositoryIndexRequest(ready=True), timeout=TIMEOUT_S)
    assert all(m.state == "READY" for m in index.models) and index.models


@pytest.mark.parametrize("rpc,message", [
    ("RepositoryModelLoad", "RepositoryModelLoadRequest"),
    ("RepositoryModelUnload", "RepositoryModelUnloadRequest")])
def test_model_control_refused_in_mode_none(pb, stub, rpc, message):
    error = rpc_error(getattr(stub, rpc), getattr(pb, message)(model_name="add_sub"))
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert error.details() == "explicit model load / unload is not allowed if polling is enabled"


# ---- inference ----

@pytest.mark.parametrize("datatype", sorted(CASES))
def test_every_datatype_raw(pb, stub, datatype):
    shape, values = CASES[datatype]
    raw = raw_of(datatype, values)
    response = stub.ModelInfer(
        request(pb, identity_name(datatype), [input_tensor(pb, "INPUT0", datatype, shape)],
                raw=[raw], request_id=f"raw-{datatype}"), timeout=TIMEOUT_S)
    assert response.model_name == identity_name(datatype)
    assert response.model_version == "1"
    assert response.id == f"raw-{datatype}"
    assert outputs_of(response) == {"OUTPUT0": (datatype, shape, raw)}


@pytest.mark.parametrize("datatype", sorted(TYPED_FIELD))
def test_every_datatype_typed(pb, stub, datatype):
    shape, values = CASES[datatype]
    typed = [v.encode() for v in values] if datatype == "BYTES" else values
    response = stub.ModelInfer(
        request(pb, identity_name(datatype),
                [input_tensor(pb, "INPUT0", datatype, shape, (TYPED_FIELD[datatype], typed))]),
        timeout=TIMEOUT_S)
    # Outputs always come back raw, as Triton answers.
    expected = raw_of(datatype, [float(np.float32(v)) for v in values]
                      if datatype == "FP32" else values)
    assert outputs_of(response) == {"OUTPUT0": (datatype, shape, expected)}


@pytest.mark.parametrize("datatype", ["FP16", "BF16"])
def test_half_types_are_raw_only(pb, stub, datatype):
    error = rpc_error(stub.ModelInfer, request(
        pb, identity_name(datatype),
        [input_tensor(pb, "INPUT0", datatype, [1, 1], ("fp32_contents", [1.0]))]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == (f"input 'INPUT0': {datatype} has no typed contents field; "
                               "send its data in raw_input_contents")


def test_add_sub_and_requested_outputs(pb, stub):
    inputs = [input_tensor(pb, "INPUT0", "FP32", [3]), input_tensor(pb, "INPUT1", "FP32", [3])]
    raw = [np.array([1, 2, 3], np.float32).tobytes(), np.array([10, 20, 30], np.float32).tobytes()]
    response = stub.ModelInfer(request(pb, "add_sub", inputs, raw=raw), timeout=TIMEOUT_S)
    assert [o.name for o in response.outputs] == ["OUTPUT0", "OUTPUT1"]
    assert fp32_output(response, "OUTPUT0").tolist() == [11, 22, 33]
    assert fp32_output(response, "OUTPUT1").tolist() == [-9, -18, -27]

    only = stub.ModelInfer(request(pb, "add_sub", inputs, raw=raw, outputs=["OUTPUT1"]),
                           timeout=TIMEOUT_S)
    assert [o.name for o in only.outputs] == ["OUTPUT1"]
    assert fp32_output(only, "OUTPUT1").tolist() == [-9, -18, -27]


def test_mixed_typed_inputs_and_parameters(pb, stub):
    inputs = [input_tensor(pb, "INPUT0", "FP32", [2], ("fp32_contents", [1.5, 2.5])),
              input_tensor(pb, "INPUT1", "FP32", [2], ("fp32_contents", [0.5, 0.5]))]
    response = stub.ModelInfer(
        request(pb, "add_sub", inputs, request_id="p", flag=True, count=3, ratio=0.5,
                note="text"), timeout=TIMEOUT_S)
    assert response.id == "p"
    assert fp32_output(response, "OUTPUT0").tolist() == [2.0, 3.0]


def test_batched_mlp(pb, stub):
    batch = np.arange(16, dtype=np.float32).reshape(2, 8) / 16
    response = stub.ModelInfer(
        request(pb, "mlp_test", [input_tensor(pb, "input", "FP32", [2, 8])],
                raw=[batch.tobytes()]), timeout=TIMEOUT_S)
    outputs = outputs_of(response)
    assert outputs["logits"][1] == [2, 3]
    probabilities = np.frombuffer(outputs["probabilities"][2], np.float32).reshape(2, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("version,added", [("1", 1.0), ("2", 2.0), ("", 2.0)])
def test_versions(pb, stub, version, added):
    response = stub.ModelInfer(fp32_request(pb, "versioned", [1.0, 5.0], version=version),
                               timeout=TIMEOUT_S)
    assert fp32_output(response, "OUTPUT0").tolist() == [1.0 + added, 5.0 + added]
    assert response.model_version == (version or "2")


def test_gzip_request(pb, stub):
    values = np.zeros(50_000, np.float32)
    response = stub.ModelInfer(fp32_request(pb, "versioned", values.tolist(), version="1"),
                               timeout=TIMEOUT_S, compression=grpc.Compression.Gzip)
    assert fp32_output(response, "OUTPUT0").tolist() == (values + 1).tolist()


# ---- bad input: code and message; the server keeps serving ----

def bad_cases(pb):
    fp32 = lambda n: np.zeros(n, np.float32).tobytes()  # noqa: E731
    ident = lambda dt, shape, **kw: input_tensor(pb, "INPUT0", dt, shape, **kw)  # noqa: E731
    return {
        "raw count differs from inputs": (
            request(pb, "add_sub", [input_tensor(pb, "INPUT0", "FP32", [1]),
                                    input_tensor(pb, "INPUT1", "FP32", [1])], raw=[fp32(1)]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "raw_input_contents has 1 entries but the request has 2 inputs"),
        "raw size differs from shape": (
            request(pb, "identity_fp32", [ident("FP32", [2, 2])], raw=[fp32(3)]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "input 'INPUT0': data has 12 bytes but shape [2,2] needs 4 elements of 4 bytes"),
        "BYTES length prefix past the end": (
            request(pb, "identity_bytes", [ident("BYTES", [1, 1])],
                    raw=[struct.pack("<I", 100) + b"abc"]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "input 'INPUT0': BYTES element 0 has length 100, which runs past the end"),
        "both raw and typed contents": (
            request(pb, "identity_fp32", [ident("FP32", [1, 1], typed=("fp32_contents", [1.0]))],
                    raw=[fp32(1)]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "contents field must not be specified when using raw_input_contents for 'INPUT0' "
            "for model 'identity_fp32'"),
        "typed contents in the wrong field": (
            request(pb, "identity_int32", [ident("INT32", [1, 2],
                                                 typed=("int64_contents", [1, 2]))]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "input 'INPUT0': datatype INT32 takes int_contents, but int64_contents is set"),
        "typed count differs from shape": (
            request(pb, "identity_fp64", [ident("FP64", [2, 2],
                                                typed=("fp64_contents", [1.0, 2.0, 3.0]))]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "input 'INPUT0': fp64_contents holds 3 elements but the shape needs 4"),
        "typed value out of range": (
            request(pb, "identity_uint8", [ident("UINT8", [1, 1], typed=("uint_contents", [256]))]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "input 'INPUT0': uint_contents[0] = 256 is out of range for UINT8"),
        "unknown datatype": (
            request(pb, "identity_fp32", [ident("FLOAT32", [1, 1])], raw=[fp32(1)]),
            grpc.StatusCode.INVALID_ARGUMENT, "input 'INPUT0': unknown datatype 'FLOAT32'"),
        "datatype the model does not take": (
            request(pb, "identity_fp32", [ident("INT32", [1, 1])], raw=[fp32(1)]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "input 'INPUT0' has datatype INT32, but model 'identity_fp32' expects FP32"),
        "unknown input": (
            request(pb, "identity_fp32", [input_tensor(pb, "NOPE", "FP32", [1, 1])],
                    raw=[fp32(1)]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "unexpected inference input 'NOPE' for model 'identity_fp32'"),
        "unknown requested output": (
            request(pb, "identity_fp32", [ident("FP32", [1, 1])], raw=[fp32(1)],
                    outputs=["NOPE"]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "unexpected inference output 'NOPE' for model 'identity_fp32'"),
        "unknown model": (
            request(pb, "no_such_model", [ident("FP32", [1, 1])], raw=[fp32(1)]),
            grpc.StatusCode.NOT_FOUND, "Request for unknown model: 'no_such_model' is not found"),
        "unknown version": (
            request(pb, "identity_fp32", [ident("FP32", [1, 1])], raw=[fp32(1)], version="7"),
            grpc.StatusCode.NOT_FOUND, "Request for unknown model: 'identity_fp32' version 7 is not found"),
        "model not ready": (
            request(pb, "corrupt", [ident("FP32", [1, 1])], raw=[fp32(1)]),
            grpc.StatusCode.UNAVAILABLE, "model 'corrupt' has no ready version: version 1: "),
    }


BAD_CASE_NAMES = ["raw count differs from inputs", "raw size differs from shape",
                  "BYTES length prefix past the end", "both raw and typed contents",
                  "typed contents in the wrong field", "typed count differs from shape",
                  "typed value out of range", "unknown datatype",
                  "datatype the model does not take", "unknown input",
                  "unknown requested output", "unknown model", "unknown version",
                  "model not ready"]


@pytest.mark.parametrize("case", BAD_CASE_NAMES)
def test_bad_input(pb, stub, case):
    message, code, fragment = bad_cases(pb)[case]
    error = rpc_error(stub.ModelInfer, message)
    assert error.code() == code, f"{case}: {error.code()} {error.details()}"
    assert fragment in error.details(), f"{case}: {error.details()!r}"
    assert_serving(pb, stub)


# ---- streaming ----

def test_stream_in_order_with_errors_mid_stream(pb, stub):
    cases = bad_cases(pb)
    bad = cases["raw size differs from shape"][0]
    bad.id = "bad-size"
    unknown = cases["unknown model"][0]
    unknown.id = "unknown"
    messages = [fp32_request(pb, "versioned", [float(i)], version="1", request_id=f"ok-{i}")
                for i in range(20)]
    messages.insert(3, bad)
    messages.insert(10, unknown)
    responses = list(stub.ModelStreamInfer(iter(messages), timeout=TIMEOUT_S))
    assert len(responses) == len(messages)
    for message, response in zip(messages, responses):
        assert response.infer_response.id == message.id
        if message.id.startswith("ok-"):
            assert response.error_message == ""
            value = float(message.id[3:])
            assert fp32_output(response.infer_response, "OUTPUT0").tolist() == [value + 1]
    assert "input 'INPUT0': data has 12 bytes" in responses[3].error_message
    assert "no_such_model" in responses[10].error_message
    assert_serving(pb, stub)


def test_stream_every_datatype(pb, stub):
    messages = []
    for datatype in sorted(CASES):
        shape, values = CASES[datatype]
        messages.append(request(pb, identity_name(datatype),
                                [input_tensor(pb, "INPUT0", datatype, shape)],
                                raw=[raw_of(datatype, values)], request_id=datatype))
    responses = list(stub.ModelStreamInfer(iter(messages), timeout=TIMEOUT_S))
    assert [r.infer_response.id for r in responses] == sorted(CASES)
    for message, response in zip(messages, responses):
        assert response.error_message == ""
        assert response.infer_response.raw_output_contents[0] == message.raw_input_contents[0]


def test_empty_stream(pb, stub):
    assert list(stub.ModelStreamInfer(iter([]), timeout=TIMEOUT_S)) == []


# ---- servers of their own: size limit, busy port ----

def test_message_over_limit_is_resource_exhausted(stubs, start_server, tmp_path):
    pb, pb_grpc = stubs
    repository = make_test_repository.build_small(str(tmp_path / "repo"), broken=False)
    process = start_server(repository, "--grpc-max-message-mb", "1")
    with grpc.insecure_channel(grpc_address(process)) as ch:
        small_stub = pb_grpc.GRPCInferenceServiceStub(ch)
        big = np.zeros((1, 300_000), np.float32)  # 1.2 MB
        error = rpc_error(small_stub.ModelInfer, request(
            pb, "identity_fp32", [input_tensor(pb, "INPUT0", "FP32", [1, 300_000])],
            raw=[big.tobytes()]))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error.details()
        # grpc's own wording, with the limit of --grpc-max-message-mb 1 in bytes.
        assert "larger than max" in error.details(), error.details()
        assert "vs. 1048576)" in error.details(), error.details()
        assert_serving(pb, small_stub)


def test_busy_grpc_port_is_a_clear_error(start_server, tmp_path):
    repository = make_test_repository.build_small(str(tmp_path / "repo"), broken=False)
    first = start_server(repository)
    port = grpc_address(first).rsplit(":", 1)[1]
    result = subprocess.run(
        [require_binary(), "serve", "--model-repository", repository, "--host", "127.0.0.1",
         "--http-port", "0", "--grpc-port", port],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port} for gRPC" in result.stderr + result.stdout
