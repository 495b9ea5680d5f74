"""Error texts that Triton's clients and examples match on, over REST and gRPC, worded as
Triton words them (status codes as tensord maps them: 404 / NOT_FOUND for unknown models and
versions, as Triton's current HTTP mapping also does); unknown REST routes and gRPC methods
answer with a message that names what is not supported, never an empty one.
"""

import grpc
import numpy as np
import pytest
import requests

from grpc_helpers import generate_stubs, grpc_address
from oip_client import TIMEOUT_S, error_message, infer, tensor


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("error_stubs")))


@pytest.fixture(scope="module")
def pb(stubs):
    return stubs[0]


@pytest.fixture(scope="module")
def channel(server):
    with grpc.insecure_channel(grpc_address(server)) as ch:
        yield ch


@pytest.fixture(scope="module")
def stub(stubs, channel):
    return stubs[1].GRPCInferenceServiceStub(channel)


def rpc_error(call, message):
    with pytest.raises(grpc.RpcError) as caught:
        call(message, timeout=TIMEOUT_S)
    return caught.value


UNKNOWN = [
    ("no_such_model", None, "Request for unknown model: 'no_such_model' is not found"),
    ("versioned", "9", "Request for unknown model: 'versioned' version 9 is not found"),
    ("versioned", "abc",
     "failed to get model version from specified version string 'abc': model 'versioned' has "
     "no such version, and a version should be an integral value > 0"),
]


@pytest.mark.parametrize("model,version,message", UNKNOWN)
def test_rest_unknown_model_or_version(base_url, model, version, message):
    path = f"/v2/models/{model}" + (f"/versions/{version}" if version else "")
    assert error_message(requests.get(base_url + path, timeout=TIMEOUT_S), 404) == message
    assert error_message(requests.get(base_url + path + "/config", timeout=TIMEOUT_S),
                         404) == message
    response = infer(base_url, model, [tensor("INPUT0", "FP32", [1], [1])], version=version)
    assert error_message(response, 404) == message


@pytest.mark.parametrize("model,version,message", UNKNOWN)
def test_grpc_unknown_model_or_version(pb, stub, model, version, message):
    request = pb.ModelInferRequest(model_name=model, model_version=version or "")
    request.inputs.add(name="INPUT0", datatype="FP32", shape=[1])
    request.raw_input_contents.append(np.float32(1).tobytes())
    error = rpc_error(stub.ModelInfer, request)
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, message)
    error = rpc_error(stub.ModelMetadata,
                      pb.ModelMetadataRequest(name=model, version=version or ""))
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, message)


def test_grpc_typed_contents_with_raw_contents(pb, stub):
    request = pb.ModelInferRequest(model_name="add_sub")
    first = request.inputs.add(name="INPUT0", datatype="FP32", shape=[1])
    request.inputs.add(name="INPUT1", datatype="FP32", shape=[1])
    request.raw_input_contents.append(np.float32(1).tobytes())
    first.contents.fp32_contents.append(1.0)
    error = rpc_error(stub.ModelInfer, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == ("contents field must not be specified when using "
                               "raw_input_contents for 'INPUT0' for model 'add_sub'")


@pytest.mark.parametrize("method,path", [
    ("GET", "/v2/no/such/route"), ("POST", "/v2/models/add_sub/explain"), ("GET", "/v1/models")])
def test_rest_unknown_route_names_the_path(base_url, method, path):
    response = requests.request(method, base_url + path, timeout=TIMEOUT_S)
    assert error_message(response, 404) == (
        f"no route for '{path}': tensord does not support this endpoint (see GET /v2 for the "
        "extensions it implements)")


def test_grpc_unknown_method_names_the_method(channel):
    call = channel.unary_unary("/inference.GRPCInferenceService/NoSuchRpc")
    error = rpc_error(call, b"")
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED
    assert error.details() == ("method '/inference.GRPCInferenceService/NoSuchRpc' is not "
                               "supported by tensord (it serves inference.GRPCInferenceService)")
    other = channel.unary_unary("/other.Service/Call")
    assert "method '/other.Service/Call' is not supported" in rpc_error(other, b"").details()


def test_grpc_trace_setting_of_an_unknown_model_is_not_found(pb, stub):
    error = rpc_error(stub.TraceSetting, pb.TraceSettingRequest(model_name="no_such_model"))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "Request for unknown model: 'no_such_model' is not found"
