"""The tensord command line: start-up errors are one clear line on stderr and a non-zero
exit; broken models do not stop the server; --strict-readiness; --help and --version."""

import re
import socket

import pytest
import requests

import make_test_repository
from oip_client import TIMEOUT_S, error_message
from tensord_process import StartError, TensordProcess, run_cli


def one_line(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line error, got:\n{stderr}"
    return lines[0]


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert re.search(r"\d+\.\d+\.\d+", result.stdout), result.stdout


def test_help():
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout


def test_serve_help_lists_the_flags():
    result = run_cli("serve", "--help")
    assert result.returncode == 0, result.stderr
    for flag in ("--model-repository", "--http-port", "--grpc-port", "--host", "--log-verbose",
                 "--http-max-body-mb", "--strict-readiness"):
        assert flag in result.stdout, flag


def test_missing_repository(tmp_path):
    missing = tmp_path / "no-such-repository"
    result = run_cli("serve", "--model-repository", str(missing), "--http-port", "0")
    assert result.returncode != 0
    line = one_line(result.stderr)
    assert str(missing) in line and "not exist" in line, line


def test_repository_that_is_a_file(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    result = run_cli("serve", "--model-repository", str(path), "--http-port", "0")
    assert result.returncode != 0
    line = one_line(result.stderr)
    assert str(path) in line and "folder" in line, line


def test_repository_flag_is_required():
    result = run_cli("serve", "--http-port", "0")
    assert result.returncode != 0
    assert "--model-repository" in result.stderr, result.stderr


def test_unknown_flag(tmp_path):
    result = run_cli("serve", "--model-repository", str(tmp_path), "--no-such-flag")
    assert result.returncode != 0
    assert "--no-such-flag" in result.stderr, result.stderr


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_invalid_port(tmp_path, port):
    result = run_cli("serve", "--model-repository", str(tmp_path), "--http-port", port)
    assert result.returncode != 0
    assert "--http-port" in result.stderr or port in result.stderr, result.stderr


@pytest.mark.parametrize("flag,value", [("--http-read-timeout-s", "1e300"),
                                        ("--http-idle-timeout-s", "inf"),
                                        ("--http-read-timeout-s", "0")])
def test_timeouts_out_of_range_are_refused(tmp_path, flag, value):
    # 1e300 seconds used to be accepted and overflowed the conversion to a clock duration
    # (undefined behaviour); a day is the bound.
    result = run_cli("serve", "--model-repository", str(tmp_path), flag, value)
    assert result.returncode != 0
    assert flag in result.stderr and "86400" in result.stderr, result.stderr


@pytest.mark.parametrize("flag,value", [("--trace-rate", "0"), ("--trace-count", "-2"),
                                        ("--trace-log-frequency", "-1"),
                                        ("--model-load-threads", "0"),
                                        ("--max-pending-loads", "0")])
def test_trace_and_load_flags_out_of_range_are_refused(tmp_path, flag, value):
    result = run_cli("serve", "--model-repository", str(tmp_path), flag, value)
    assert result.returncode != 0
    assert flag in result.stderr and value in result.stderr, result.stderr


@pytest.mark.parametrize("flag,value", [("--http-threads", "-1"), ("--http-threads", "65"),
                                        ("--grpc-threads", "-1"), ("--grpc-threads", "65")])
def test_frontend_thread_counts_out_of_range_are_refused(tmp_path, flag, value):
    # 0 means "from the usable CPUs"; below it and above 64 is refused, naming the range.
    result = run_cli("serve", "--model-repository", str(tmp_path), flag, value)
    assert result.returncode != 0
    assert flag in result.stderr and "0 to 64" in result.stderr, result.stderr


def test_an_unknown_trace_level_is_refused_at_start(tmp_path):
    result = run_cli("serve", "--model-repository", str(tmp_path), "--trace-level", "LOUD")
    assert result.returncode != 0
    assert "unknown level 'LOUD'" in result.stdout + result.stderr


def test_port_in_use(tmp_path):
    repository = make_test_repository.build_small(str(tmp_path), broken=False)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as occupier:
        occupier.bind(("0.0.0.0", 0))
        occupier.listen(1)
        port = occupier.getsockname()[1]
        result = run_cli("serve", "--model-repository", repository, "--host", "0.0.0.0",
                         "--http-port", str(port), "--grpc-port", "0")
    assert result.returncode != 0
    # The models may have been logged before the bind failed; the failure is one line.
    lines = [line for line in result.stderr.splitlines() if "in use" in line]
    assert len(lines) == 1 and str(port) in lines[0], result.stderr


def test_empty_repository_serves(start_server, tmp_path):
    server = start_server(str(tmp_path))
    assert requests.get(server.url + "/v2/health/ready", timeout=TIMEOUT_S).status_code == 200


def test_broken_model_does_not_stop_the_server(start_server, tmp_path):
    repository = make_test_repository.build_small(str(tmp_path), broken=True)
    server = start_server(repository)
    assert requests.get(server.url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200
    assert requests.get(server.url + "/v2/health/ready", timeout=TIMEOUT_S).status_code == 200
    ready = requests.get(server.url + "/v2/models/identity_fp32/ready", timeout=TIMEOUT_S)
    assert ready.status_code == 200
    message = error_message(
        requests.get(server.url + "/v2/models/corrupt/ready", timeout=TIMEOUT_S), 400)
    assert "corrupt" in message and "onnx" in message.lower(), message
    # The failure is also in the log, with the reason.
    assert re.search(r"corrupt.*(UNAVAILABLE|not ready|failed)", server.log(), re.I), server.log()


def test_strict_readiness_with_a_broken_model(start_server, tmp_path):
    repository = make_test_repository.build_small(str(tmp_path), broken=True)
    server = start_server(repository, "--strict-readiness")
    assert requests.get(server.url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200
    assert requests.get(server.url + "/v2/health/ready", timeout=TIMEOUT_S).status_code == 400
    # The models that loaded still serve.
    ready = requests.get(server.url + "/v2/models/identity_fp32/ready", timeout=TIMEOUT_S)
    assert ready.status_code == 200


def test_strict_readiness_when_every_model_loads(start_server, tmp_path):
    repository = make_test_repository.build_small(str(tmp_path), broken=False)
    server = start_server(repository, "--strict-readiness")
    assert requests.get(server.url + "/v2/health/ready", timeout=TIMEOUT_S).status_code == 200


def test_exit_on_error_with_a_broken_model(tmp_path):
    repository = make_test_repository.build_small(str(tmp_path), broken=True)
    with pytest.raises(StartError) as failure:
        TensordProcess.start(repository, "--exit-on-error", timeout=30)
    assert re.search(r"exited with [1-9]", str(failure.value)), str(failure.value)
    assert "corrupt" in str(failure.value)


def test_sigterm_exits_cleanly(tmp_path):
    repository = make_test_repository.build_small(str(tmp_path), broken=False)
    server = TensordProcess.start(repository)
    assert requests.get(server.url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200
    assert server.stop() == 0, server.log()
