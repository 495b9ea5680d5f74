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
    assert point["inferences_per_sec"] == pytest.approx(100, rel=0.35)


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
