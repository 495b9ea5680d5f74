"""gRPC helpers for the integration tests: Python stubs generated at test time from the
project's own proto/*.proto (python3-grpc-tools), and the gRPC address of a running tensord.

    pb2, pb2_grpc = generate_stubs(tmp_dir)
    channel = grpc.insecure_channel(grpc_address(server))      # server: a TensordProcess
    stub = pb2_grpc.GRPCInferenceServiceStub(channel)
"""

import importlib
import os
import re
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_DIR = os.path.join(REPO_ROOT, "proto")
SERVING_GRPC_LINE = re.compile(r"serving gRPC on (\S+):(\d+)")
PYTHON = "/usr/bin/python3"


def generate_stubs(out_dir):
    """Runs grpc_tools.protoc over proto/*.proto into `out_dir`; returns the modules
    (grpc_service_pb2, grpc_service_pb2_grpc)."""
    protos = sorted(f for f in os.listdir(PROTO_DIR) if f.endswith(".proto"))
    result = subprocess.run(
        [PYTHON, "-m", "grpc_tools.protoc", f"-I{PROTO_DIR}", f"--python_out={out_dir}",
         f"--grpc_python_out={out_dir}", *protos],
        capture_output=True, text=True, cwd=PROTO_DIR)
    assert result.returncode == 0, f"protoc failed:\n{result.stdout}\n{result.stderr}"
    if out_dir not in sys.path:
        sys.path.insert(0, out_dir)
    pb2 = importlib.import_module("grpc_service_pb2")
    pb2_grpc = importlib.import_module("grpc_service_pb2_grpc")
    return pb2, pb2_grpc


def grpc_address(process, timeout=15):
    """HOST:PORT to connect to, from the "serving gRPC on HOST:PORT" line of `process`'s log
    (a tests/integration/tensord_process.TensordProcess)."""
    deadline = time.monotonic() + timeout
    while True:
        match = SERVING_GRPC_LINE.search(process.log())
        if match:
            host = match.group(1)
            if host in ("0.0.0.0", "::", "[::]"):
                host = "127.0.0.1"
            return f"{host}:{match.group(2)}"
        assert time.monotonic() < deadline, (
            f"no 'serving gRPC on' line within {timeout} s; output:\n{process.log()}")
        time.sleep(0.05)
