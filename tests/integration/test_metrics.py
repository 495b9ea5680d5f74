"""Prometheus metrics on --metrics-port: values that match the requests sent, process
metrics, and the port flag's behaviour."""

import re
import socket
import time

import requests

import make_test_repository as repo
from oip_client import TIMEOUT_S, error_message, infer, ok_json, tensor
from tensord_process import run_cli

METRICS_LINE = re.compile(r"serving metrics on (\S+):(\d+)")


def metrics_url(server, timeout=15):
    # The metrics port starts after the HTTP one (which the fixture waits for) and gRPC:
    # its line may not be logged yet.
    deadline = time.monotonic() + timeout
    while not (match := METRICS_LINE.search(server.log())):
        assert time.monotonic() < deadline, f"no 'serving metrics on' line; output:\n{server.log()}"
        time.sleep(0.02)
    return f"http://127.0.0.1:{match.group(2)}/metrics"


def scrape(server):
    response = requests.get(metrics_url(server), timeout=TIMEOUT_S)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return response.text, samples


def test_metrics_match_the_requests_sent(start_server, tmp_path):
    root = repo.build_small(str(tmp_path / "models"), broken=False)
    repo.write_mlp(root)
    server = start_server(root)
    inputs = [tensor("INPUT0", "FP32", [1, 2], [[1.0, 2.0]])]
    for _ in range(4):
        ok_json(infer(server.url, "identity_fp32", inputs))
    rows = [[0.5] * repo.MLP_SIZES[0]] * 3
    ok_json(infer(server.url, "mlp_test", [tensor("input", "FP32", [3, repo.MLP_SIZES[0]], rows)]))
    text, samples = scrape(server)

    labels = 'model="identity_fp32",version="1"'
    assert samples[f'tensord_inference_requests_total{{{labels},outcome="success"}}'] == 4
    assert samples[f'tensord_inference_requests_total{{{labels},outcome="failure"}}'] == 0
    assert samples[f'tensord_inference_requests_total{{{labels},outcome="rejected"}}'] == 0
    assert samples[f"tensord_executions_total{{{labels}}}"] == 4
    assert samples[f"tensord_pending_requests{{{labels}}}"] == 0
    assert samples[f"tensord_instances{{{labels}}}"] == 1
    assert samples[f"tensord_instances_busy{{{labels}}}"] == 0
    assert samples[f"tensord_queue_duration_seconds_count{{{labels}}}"] == 4
    assert samples[f'tensord_queue_duration_seconds_bucket{{{labels},le="+Inf"}}'] == 4
    assert samples[f"tensord_compute_duration_seconds_count{{{labels}}}"] == 4
    assert samples[f"tensord_compute_duration_seconds_sum{{{labels}}}"] > 0

    mlp = 'model="mlp_test",version="1"'
    assert samples[f"tensord_inferences_total{{{mlp}}}"] == 3  # rows
    assert samples[f"tensord_executions_total{{{mlp}}}"] == 1
    assert samples[f'tensord_batch_size_bucket{{{mlp},le="2"}}'] == 0
    assert samples[f'tensord_batch_size_bucket{{{mlp},le="4"}}'] == 1
    assert samples[f"tensord_batch_size_sum{{{mlp}}}"] == 3

    assert "# TYPE tensord_queue_duration_seconds histogram" in text
    assert "# TYPE tensord_inference_requests_total counter" in text
    assert samples["process_cpu_seconds_total"] > 0
    assert samples["process_resident_memory_bytes"] > 10e6


def test_failures_are_counted(start_server, tmp_path):
    root = str(tmp_path / "models")
    repo.write_add_sub(root)
    server = start_server(root)
    # Shapes that validate but cannot broadcast: the runtime fails the request.
    bad = [tensor("INPUT0", "FP32", [2], [1, 2]), tensor("INPUT1", "FP32", [3], [1, 2, 3])]
    message = error_message(infer(server.url, "add_sub", bad), 400)
    assert message.startswith("model 'add_sub': "), message
    assert "broadcast" in message, message
    _, samples = scrape(server)
    labels = 'model="add_sub",version="1"'
    assert samples[f'tensord_inference_requests_total{{{labels},outcome="failure"}}'] == 1
    assert samples[f'tensord_inference_requests_total{{{labels},outcome="success"}}'] == 0


def test_a_chosen_busy_metrics_port_is_an_error(tmp_path):
    root = repo.build_small(str(tmp_path / "models"), broken=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--model-repository", root, "--host", "127.0.0.1",
                         "--http-port", "0", "--grpc-port", "0", "--metrics-port", str(port),
                         timeout=20)
    assert result.returncode == 1
    assert f"tensord: cannot listen on 127.0.0.1:{port} for metrics" in result.stderr
