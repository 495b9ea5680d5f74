"""Triton's logging extension (docs/protocol/extension_logging.md in
triton-inference-server/server) over REST (GET/POST /v2/logging) and gRPC (LogSettings): the
settings are read and changed while the server runs, the log level changes at once, and
what tensord cannot honour is refused with 400 / INVALID_ARGUMENT naming the setting.
"""

import grpc
import pytest
import requests

import make_test_repository
from grpc_helpers import generate_stubs, grpc_address
from held_requests import wait_until
from oip_client import TIMEOUT_S, error_message, ok_json

DEFAULTS = {"log_file": "", "log_info": True, "log_warning": True, "log_error": True,
            "log_verbose_level": 0, "log_format": "text"}


def logging(url, body=None):
    if body is None:
        return requests.get(url + "/v2/logging", timeout=TIMEOUT_S)
    return requests.post(url + "/v2/logging", json=body, timeout=TIMEOUT_S)


@pytest.fixture
def explicit_server(start_server, tmp_path):
    root = make_test_repository.build_small(str(tmp_path / "repo"), broken=False)
    return start_server(root, "--model-control-mode", "explicit")


def load(url, model):
    response = requests.post(f"{url}/v2/repository/models/{model}/load", json={},
                             timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text


def test_rest_settings_change_the_log_live(explicit_server):
    url = explicit_server.url
    assert ok_json(logging(url)) == DEFAULTS
    assert "logging" in ok_json(requests.get(url + "/v2", timeout=TIMEOUT_S))["extensions"]
    # Info off (warnings and errors stay on): a load logs nothing at info level.
    quiet = ok_json(logging(url, {"log_info": False}))
    assert quiet == {**DEFAULTS, "log_info": False}
    before = len(explicit_server.log())
    load(url, "identity_fp32")
    assert "identity_fp32" not in explicit_server.log()[before:]
    # Back on, and verbose: the next load is logged.
    assert ok_json(logging(url, {"log_info": True, "log_verbose_level": 1}))[
        "log_verbose_level"] == 1
    before = len(explicit_server.log())
    load(url, "identity_fp32")
    wait_until(lambda: "identity_fp32" in explicit_server.log()[before:], "the load's log line")
    assert ok_json(logging(url)) == {**DEFAULTS, "log_verbose_level": 1}


@pytest.mark.parametrize("body,message", [
    ({"log_file": "/tmp/tensord.log"}, "log settings: 'log_file' is not supported"),
    ({"log_format": "ISO8601"},
     "log settings: 'log_format' cannot be changed while the server runs: it is \"text\""),
    ({"log_verbose_level": -1}, "log settings: 'log_verbose_level' must not be negative, got -1"),
    ({"log_verbose_level": "1"}, "log settings: 'log_verbose_level' must be an integer >= 0"),
    ({"log_info": 1}, "log settings: 'log_info' must be true or false"),
    ({"log_colour": True}, "log settings: unknown setting 'log_colour'"),
    ({"log_warning": False},
     "log settings: log_info=true, log_warning=false, log_error=true cannot be honoured"),
])
def test_rest_bad_settings(base_url, body, message):
    assert error_message(logging(base_url, body), 400).startswith(message)
    assert ok_json(logging(base_url)) == DEFAULTS  # nothing changed


def test_rest_methods(base_url):
    response = requests.put(base_url + "/v2/logging", timeout=TIMEOUT_S)
    assert error_message(response, 405) == \
        "method PUT is not allowed for '/v2/logging' (allowed: GET, POST)"
    assert response.headers["Allow"] == "GET, POST"
    assert error_message(requests.post(base_url + "/v2/logging", data="[1]",
                                       timeout=TIMEOUT_S), 400) == \
        "log settings request body must be a JSON object"


@pytest.fixture(scope="module")
def grpc_stub(server, tmp_path_factory):
    pb2, pb2_grpc = generate_stubs(str(tmp_path_factory.mktemp("logging_stubs")))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        yield pb2, pb2_grpc.GRPCInferenceServiceStub(channel)


def values(response):
    return {key: getattr(value, value.WhichOneof("parameter_choice"))
            for key, value in response.settings.items()}


def test_grpc_log_settings(grpc_stub):
    pb2, stub = grpc_stub
    assert values(stub.LogSettings(pb2.LogSettingsRequest(), timeout=TIMEOUT_S)) == DEFAULTS
    request = pb2.LogSettingsRequest()
    request.settings["log_verbose_level"].uint32_param = 2
    assert values(stub.LogSettings(request, timeout=TIMEOUT_S))["log_verbose_level"] == 2
    request = pb2.LogSettingsRequest()
    request.settings["log_verbose_level"].uint32_param = 0
    stub.LogSettings(request, timeout=TIMEOUT_S)

    bad = pb2.LogSettingsRequest()
    bad.settings["log_file"].string_param = "/tmp/x.log"
    with pytest.raises(grpc.RpcError) as caught:
        stub.LogSettings(bad, timeout=TIMEOUT_S)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details().startswith("log settings: 'log_file' is not supported")
