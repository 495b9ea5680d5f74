"""tensord-bench against a live tensord: short runs over every backend, the perf_analyzer
CSV columns, no failures, and a clear error for an unknown model.

The tool is $TENSORD_BENCH_BIN, or build/release/tools/bench/tensord-bench.
"""

import csv
import json
import os
import re
import subprocess

import pytest

from tensord_process import REPO_ROOT

PERF_COLUMNS = ["Concurrency", "Inferences/Second", "Client Send", "Client Recv",
                "p50 latency", "p90 latency", "p95 latency", "p99 latency"]
# Short windows keep each run at a couple of seconds on a shared 2-core machine.
SHORT = ["-p", "200", "-r", "4", "--warmup-requests", "5", "--no-progress"]


def bench_binary():
    path = os.environ.get("TENSORD_BENCH_BIN") or os.path.join(
        REPO_ROOT, "build", "release", "tools", "bench", "tensord-bench")
    assert os.path.isfile(path) and os.access(path, os.X_OK), (
        f"tensord-bench not found at {path}: build it (make build) or set TENSORD_BENCH_BIN")
    return path


def run_bench(*args, timeout=120):
    return subprocess.run([bench_binary(), *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def grpc_address(server):
    match = re.search(r"serving gRPC on (\S+):(\d+)", server.log())
    assert match, f"no 'serving gRPC on' line in the server's log:\n{server.log()}"
    return f"127.0.0.1:{match.group(2)}"


def http_address(server):
    return server.url.removeprefix("http://")


def check_results(result, perf_csv, report_json, points):
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    with open(perf_csv, newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = list(reader)
    # perf_analyzer's columns, in its order (server columns only when the server has stats).
    assert [c for c in header if c in PERF_COLUMNS] == PERF_COLUMNS, header
    assert header[0] == "Concurrency" and header[1] == "Inferences/Second"
    assert len(rows) == points
    for row in rows:
        assert float(row["Inferences/Second"]) > 0, row
        assert int(row["p50 latency"]) <= int(row["p99 latency"]), row
    with open(report_json) as f:
        report = json.load(f)
    assert len(report["points"]) == points
    for point in report["points"]:
        assert point["failed_total"] == 0, point
        assert point["completed"] > 0, point
        # Inferences/s is completed requests × batch over the reported windows.
        expected = point["completed"] * report["batch_size"] / point["duration_s"]
        assert point["inferences_per_sec"] == pytest.approx(expected, rel=1e-6)
    assert "Inferences/s" in result.stdout and "p99" in result.stdout


@pytest.mark.parametrize("backend", ["rest-json", "rest-binary", "grpc", "grpc-stream"])
def test_short_run_over_the_wire(server, tmp_path, backend):
    address = grpc_address(server) if backend.startswith("grpc") else http_address(server)
    perf_csv, report_json = tmp_path / "perf.csv", tmp_path / "report.json"
    result = run_bench("-m", "mlp_test", "-b", "2", "--backend", backend, "-u", address,
                       "--concurrency-range", "1:2", "-f", str(perf_csv),
                       "--json", str(report_json), *SHORT)
    check_results(result, perf_csv, report_json, points=2)


def test_short_run_in_process(repository, tmp_path):
    perf_csv, report_json = tmp_path / "perf.csv", tmp_path / "report.json"
    result = run_bench("-m", "add_sub", "--backend", "inprocess", "--model-repository",
                       repository, "--concurrency-range", "1:2", "-f", str(perf_csv),
                       "--json", str(report_json), *SHORT)
    check_results(result, perf_csv, report_json, points=2)
    # In-process, the scheduler's statistics are always there.
    assert "Server Queue" in open(perf_csv).readline()


def test_request_rate_mode(server, tmp_path):
    perf_csv, report_json = tmp_path / "perf.csv", tmp_path / "report.json"
    result = run_bench("-m", "add_sub", "-u", http_address(server), "--request-rate-range",
                       "100", "--request-distribution", "poisson", "-f", str(perf_csv),
                       "--json", str(report_json), *SHORT)
    assert result.returncode == 0, result.stderr
    assert open(perf_csv).readline().startswith("Request Rate,Inferences/Second,")
    point = json.load(open(report_json))["points"][0]
    assert point["failed_total"] == 0
    # An order of magnitude, not a tolerance: a loaded machine may lag behind the schedule,
    # but a tool that ignored the rate (closed loop: thousands per second) or lost most of
    # it lands outside.
    assert 25 <= point["inferences_per_sec"] <= 400, point


def test_unknown_model_is_reported_clearly(server):
    result = run_bench("-m", "no_such_model", "-u", http_address(server), *SHORT)
    assert result.returncode == 1
    assert "cannot read the metadata of model 'no_such_model'" in result.stderr, result.stderr
    assert "HTTP 404" in result.stderr
    result = run_bench("-m", "no_such_model", "-i", "grpc", "-u", grpc_address(server), *SHORT)
    assert result.returncode == 1
    assert "cannot read the metadata of model 'no_such_model' over gRPC" in result.stderr


def test_bad_flag_is_reported_with_exit_code_2():
    result = run_bench("-m", "x", "--concurrency-range", "4:2")
    assert result.returncode == 2
    assert "--concurrency-range 4:2: END 2 is below START 4" in result.stderr


def test_unreachable_server_counts_failures(tmp_path):
    # Nothing listens on port 1: metadata fails before any load, with the address named.
    result = run_bench("-m", "x", "-u", "127.0.0.1:1", *SHORT)
    assert result.returncode == 1
    assert "cannot connect to 127.0.0.1:1" in result.stderr


def success_count(server, model):
    """The server's successful requests for `model` (all versions), from the statistics
    extension."""
    import requests
    response = requests.get(f"{server.url}/v2/models/{model}/stats", timeout=10)
    assert response.status_code == 200, response.text
    return sum(m["inference_stats"]["success"]["count"] for m in response.json()["model_stats"])


@pytest.mark.parametrize("backend", ["rest-binary", "grpc"])
def test_completed_requests_match_the_server_count(server, tmp_path, backend):
    # Every request the tool saw succeed (warm-up, all windows, the ones in flight at the
    # end) is one the server counted, and nothing else reached the model meanwhile.
    address = grpc_address(server) if backend.startswith("grpc") else http_address(server)
    report_json = tmp_path / "report.json"
    before = success_count(server, "mlp_test")
    result = run_bench("-m", "mlp_test", "-b", "2", "--backend", backend, "-u", address,
                       "--concurrency-range", "1:3:2", "--json", str(report_json), *SHORT)
    after = success_count(server, "mlp_test")
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    report = json.load(open(report_json))
    points = report["points"]
    assert len(points) == 2
    for point in points:
        assert point["failed_total"] == 0, point
        assert point["completed_total"] >= point["completed"] > 0, point
    assert sum(p["completed_total"] for p in points) == after - before
    # The server-side breakdown fills in: per-request averages, batch sizes within limits.
    for point in points:
        server_side = point["server"]
        assert server_side is not None, point
        assert server_side["requests"] > 0
        assert server_side["queue_us"] >= 0 and server_side["compute_infer_us"] > 0
        assert 2 <= server_side["avg_batch"] <= 8, server_side
    assert "server statistics: not available" not in result.stdout
    rows = [line for line in result.stdout.splitlines() if re.match(r"\s*[13] \|", line)]
    assert len(rows) == 2, result.stdout
    for row in rows:
        # The batch, queue µs and compute µs columns hold numbers, not "-".
        for cell in [c.strip() for c in row.split("|")][8:11]:
            float(cell)


def test_saturate_reloads_through_the_repository_api(start_server, repository, tmp_path):
    server = start_server(repository, "--model-control-mode", "explicit", "--load-model", "*")
    report_json = tmp_path / "saturate.json"
    result = run_bench("saturate", "-m", "mlp_test", "-u", http_address(server),
                       "--max-workers", "2", "--max-concurrency", "2", "-p", "100", "-r", "3",
                       "--warmup-requests", "2", "--no-progress", "--json", str(report_json),
                       timeout=120)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "through the model repository API" in result.stdout
    assert "workers changed by: repository-api" in result.stdout
    report = json.load(open(report_json))
    assert report["reload"] == "repository-api"
    assert [s["workers"] for s in report["sweeps"]] == [1, 2]
    for sweep in report["sweeps"]:
        assert sweep["max_inferences_per_sec"] > 0
        assert all(p["failed"] == 0 for p in sweep["points"])
    # The model now runs 2 instances: the server loaded what the tool asked for.
    import requests
    config = requests.get(f"{server.url}/v2/models/mlp_test/config", timeout=10).json()
    assert sum(g.get("count", 1) for g in config["instance_group"]) == 2, config


def test_saturate_without_repository_api_or_repository_is_refused(server):
    # The session server runs in the default mode: load answers 503, and with no
    # --model-repository there is nothing to restart.
    result = run_bench("saturate", "-m", "mlp_test", "-u", http_address(server),
                       "--max-workers", "1", "--no-progress")
    assert result.returncode == 1, result.stdout
    assert "saturate cannot change the workers of the server at" in result.stderr
    assert "--model-control-mode explicit" in result.stderr
