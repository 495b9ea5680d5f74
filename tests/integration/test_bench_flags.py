"""The benchmark scripts refuse wrong flags before they start anything, each with a message
that names the flag (bench/overhead.py, bench/batching.py, bench/pinning.py). They need no
server, nginx or load generator for that, so these run wherever the tests do."""

import os
import subprocess

import pytest

from grpc_helpers import REPO_ROOT

PYTHON = "/usr/bin/python3"


def refused(script, *flags):
    proc = subprocess.run([PYTHON, os.path.join(REPO_ROOT, "bench", script), *flags],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0, f"{script} {flags} was accepted:\n{proc.stdout}{proc.stderr}"
    return proc.stderr


@pytest.mark.parametrize("flags, message", [
    (["--floor-onnx", "/nonexistent/model.onnx"], "--floor-onnx /nonexistent/model.onnx: no such file"),
    (["--grpc-connections", "33"], "--grpc-connections 33: must be 1 to 32"),
    (["--grpc-connections", "0"], "--grpc-connections 0: must be 1 to 32"),
    (["--http-threads", "1,x"], "--http-threads '1,x': expected numbers like 1,2"),
    (["--grpc-threads", "0"], "--grpc-threads '0': each count must be at least 1"),
])
def test_overhead_refuses_wrong_flags(flags, message):
    assert message in refused("overhead.py", *flags)


@pytest.mark.parametrize("script", ["overhead.py", "batching.py"])
@pytest.mark.parametrize("flags, message", [
    (["--server-cpus", "0", "--client-cpus", "0"],
     "--server-cpus and --client-cpus overlap"),
    (["--server-cpus", "a"], "--server-cpus 'a': 'a' is not a number or a range a-b"),
    (["--client-cpus", "3-1"], "--client-cpus '3-1': range '3-1' runs backwards"),
    (["--server-cpus", "100000"], "--server-cpus '100000': CPUs [100000] are not usable here"),
    (["--client-threads", "0"], "--client-threads 0: must be at least 1"),
    (["--pin", "auto", "--server-cpus", "0"], "--pin auto chooses the CPUs itself"),
])
def test_pinning_flags_are_refused_naming_the_flag(script, flags, message):
    assert message in refused(script, *flags)
