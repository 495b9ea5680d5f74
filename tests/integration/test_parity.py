"""REST and gRPC give the same answers for the same model: configuration, metadata,
statistics, repository index and errors all come from one core call each
(core/inference_service.h) and one status table (frontend/wire_status.h).

Every model of the session's repository is compared, the broken ones included (for their
errors); gRPC messages are turned into JSON with protobuf's own json_format and the
protocol's number-as-string spellings normalised.
"""

import grpc
import pytest
import requests
from google.protobuf import json_format

import make_test_repository
from grpc_helpers import generate_stubs, grpc_address

TIMEOUT_S = 30

# absl code (HTTP status per frontend/wire_status.h) -> gRPC status code.
HTTP_TO_GRPC = {
    400: {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION,
          grpc.StatusCode.OUT_OF_RANGE},
    404: {grpc.StatusCode.NOT_FOUND},
    409: {grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.ABORTED},
    429: {grpc.StatusCode.RESOURCE_EXHAUSTED},
    500: {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS},
    503: {grpc.StatusCode.UNAVAILABLE},
    504: {grpc.StatusCode.DEADLINE_EXCEEDED},
}

GOOD_MODELS = sorted(set(make_test_repository.MODELS) - set(make_test_repository.BROKEN_MODELS))


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("parity_stubs")))


@pytest.fixture(scope="module")
def stub(stubs, server):
    with grpc.insecure_channel(grpc_address(server)) as channel:
        yield stubs[1].GRPCInferenceServiceStub(channel)


def normalise(value):
    """protobuf's JSON writes 64-bit integers as strings: read them back as numbers."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def as_json(message):
    return normalise(json_format.MessageToDict(
        message, preserving_proto_field_name=True, including_default_value_fields=True))


def grpc_call(method, request):
    """(message, None) or (None, RpcError)."""
    try:
        return method(request, timeout=TIMEOUT_S), None
    except grpc.RpcError as error:
        return None, error


def subset_equal(rest, grpc_json, path="config"):
    """Every field REST reports has the same value on gRPC (gRPC also lists proto fields
    tensord never fills, with their defaults: those must be default on REST's side too)."""
    if isinstance(rest, dict):
        assert isinstance(grpc_json, dict), f"{path}: REST has an object, gRPC {grpc_json!r}"
        for key, value in rest.items():
            assert key in grpc_json, f"{path}.{key}: on REST ({value!r}), missing on gRPC"
            subset_equal(value, grpc_json[key], f"{path}.{key}")
    elif isinstance(rest, list):
        assert isinstance(grpc_json, list) and len(rest) == len(grpc_json), (
            f"{path}: REST {rest!r} != gRPC {grpc_json!r}")
        for i, (a, b) in enumerate(zip(rest, grpc_json)):
            subset_equal(a, b, f"{path}[{i}]")
    else:
        assert rest == grpc_json, f"{path}: REST {rest!r} != gRPC {grpc_json!r}"


def rest_error(response):
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


@pytest.mark.parametrize("model", GOOD_MODELS)
def test_config_is_the_same(base_url, stub, stubs, model):
    pb = stubs[0]
    rest = requests.get(f"{base_url}/v2/models/{model}/config", timeout=TIMEOUT_S)
    assert rest.status_code == 200, rest.text
    reply, error = grpc_call(stub.ModelConfig, pb.ModelConfigRequest(name=model))
    assert error is None, error
    rest_json = normalise(rest.json())
    grpc_json = as_json(reply.config)
    subset_equal(rest_json, grpc_json)
    # The instance count that runs the model is reported by both, not only when configured.
    assert rest_json["instance_group"][0]["count"] >= 1
    assert grpc_json["instance_group"][0]["count"] == rest_json["instance_group"][0]["count"]


@pytest.mark.parametrize("model", GOOD_MODELS)
def test_metadata_is_the_same(base_url, stub, stubs, model):
    pb = stubs[0]
    rest = requests.get(f"{base_url}/v2/models/{model}", timeout=TIMEOUT_S)
    assert rest.status_code == 200, rest.text
    reply, error = grpc_call(stub.ModelMetadata, pb.ModelMetadataRequest(name=model))
    assert error is None, error
    assert normalise(rest.json()) == as_json(reply)


def test_statistics_are_the_same(base_url, stub, stubs):
    pb = stubs[0]
    model = "add_sub"
    # Counters move with traffic: read both sides with nothing in flight in between.
    rest = requests.get(f"{base_url}/v2/models/{model}/stats", timeout=TIMEOUT_S)
    reply, error = grpc_call(stub.ModelStatistics, pb.ModelStatisticsRequest(name=model))
    assert rest.status_code == 200, rest.text
    assert error is None, error
    rest_stats = normalise(rest.json())["model_stats"]
    grpc_stats = as_json(reply)["model_stats"]
    assert len(rest_stats) == len(grpc_stats) == 1
    subset_equal(rest_stats[0], grpc_stats[0], "model_stats[0]")


def test_repository_index_is_the_same(base_url, stub, stubs):
    pb = stubs[0]
    rest = requests.post(f"{base_url}/v2/repository/index", json={}, timeout=TIMEOUT_S)
    reply, error = grpc_call(stub.RepositoryIndex, pb.RepositoryIndexRequest())
    assert rest.status_code == 200, rest.text
    assert error is None, error
    grpc_rows = json_format.MessageToDict(
        reply, preserving_proto_field_name=True, including_default_value_fields=True)["models"]
    rest_rows = rest.json()
    key = lambda row: (row["name"], row.get("version", ""))  # noqa: E731
    assert sorted(map(key, rest_rows)) == sorted(map(key, grpc_rows))
    by_key = {key(row): row for row in grpc_rows}
    for row in rest_rows:
        assert row["state"] == by_key[key(row)]["state"], row
        assert row["reason"] == by_key[key(row)]["reason"], row


# (REST path, gRPC method name, request fields): errors both protocols must give alike.
ERROR_CASES = [
    ("/v2/models/no_such_model/config", "ModelConfig", {"name": "no_such_model"}),
    ("/v2/models/add_sub/versions/99/config", "ModelConfig", {"name": "add_sub", "version": "99"}),
    ("/v2/models/no_such_model", "ModelMetadata", {"name": "no_such_model"}),
    ("/v2/models/corrupt", "ModelMetadata", {"name": "corrupt"}),
    ("/v2/models/mismatch/config", "ModelConfig", {"name": "mismatch"}),
    ("/v2/models/no_such_model/stats", "ModelStatistics", {"name": "no_such_model"}),
    ("/v2/models/bad_config/stats", "ModelStatistics", {"name": "bad_config"}),
]


@pytest.mark.parametrize("path,method,fields", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_are_the_same(base_url, stub, stubs, path, method, fields):
    pb = stubs[0]
    rest = requests.get(base_url + path, timeout=TIMEOUT_S)
    assert rest.status_code in HTTP_TO_GRPC, rest.status_code
    request = getattr(pb, f"{method}Request")(**fields)
    reply, error = grpc_call(getattr(stub, method), request)
    assert error is not None, f"gRPC {method} answered {reply} where REST said {rest.status_code}"
    assert error.code() in HTTP_TO_GRPC[rest.status_code], (rest.status_code, error.code())
    assert error.details() == rest_error(rest)
    assert fields["name"] in error.details()


def test_infer_errors_are_the_same(base_url, stub, stubs):
    pb = stubs[0]
    body = {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [2], "data": [1, 2]}]}
    rest = requests.post(f"{base_url}/v2/models/add_sub/infer", json=body, timeout=TIMEOUT_S)
    assert rest.status_code == 400, rest.text
    request = pb.ModelInferRequest(model_name="add_sub")
    tensor = request.inputs.add(name="INPUT0", datatype="FP32", shape=[2])
    tensor.contents.fp32_contents.extend([1, 2])
    reply, error = grpc_call(stub.ModelInfer, request)
    assert error is not None
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == rest_error(rest)
    assert "INPUT1" in error.details()
