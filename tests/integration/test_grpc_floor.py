"""bench/grpc_floor: the reference server bench/overhead.sh measures tensord's gRPC path
against. Its ratios are honest only if the floor does the work it claims: echoing the inputs,
or, with --onnx, really running the model (outputs computed, not copied) and refusing what
it cannot run with INVALID_ARGUMENT rather than answering it cheaply.
"""

import os
import re
import signal
import subprocess

import grpc
import numpy as np
import pytest

from grpc_helpers import REPO_ROOT, generate_stubs
from make_test_repository import m

FLOOR = os.environ.get("GRPC_FLOOR_BIN",
                       os.path.join(REPO_ROOT, "build/release/bench/grpc_floor/grpc_floor_server"))


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("floor_stubs")))


@pytest.fixture(scope="module")
def add_sub_onnx(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("floor_model") / "add_sub.onnx")
    m.save(m.add_sub("add_sub", ["n"]), path)
    return path


class Floor:
    def __init__(self, *flags):
        self.proc = subprocess.Popen([FLOOR, "--port", "0", *flags], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"serving gRPC on (\S+)", line)
        assert match, f"floor did not start: {line}{self.proc.stdout.read()}"
        self.channel = grpc.insecure_channel(match.group(1))

    def stop(self):
        """Stops it and returns what it printed last ("answered N, failed M")."""
        self.channel.close()
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=20)
        return out


def request(pb2, inputs):
    """inputs: (name, datatype, shape, raw bytes)."""
    req = pb2.ModelInferRequest(model_name="add_sub", id="r1")
    for name, datatype, shape, raw in inputs:
        req.inputs.add(name=name, datatype=datatype, shape=shape)
        req.raw_input_contents.append(raw)
    return req


def test_the_onnx_floor_runs_the_model(stubs, add_sub_onnx):
    pb2, pb2_grpc = stubs
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    b = np.array([0.5, 4.0, -1.0], dtype=np.float32)
    floor = Floor("--onnx", add_sub_onnx)
    try:
        reply = pb2_grpc.GRPCInferenceServiceStub(floor.channel).ModelInfer(
            request(pb2, [("INPUT0", "FP32", [3], a.tobytes()), ("INPUT1", "FP32", [3], b.tobytes())]),
            timeout=10)
    finally:
        printed = floor.stop()
    assert reply.id == "r1"
    outputs = {o.name: (o, raw) for o, raw in zip(reply.outputs, reply.raw_output_contents)}
    assert sorted(outputs) == ["OUTPUT0", "OUTPUT1"]
    for name, expected in (("OUTPUT0", a + b), ("OUTPUT1", a - b)):
        output, raw = outputs[name]
        assert output.datatype == "FP32" and list(output.shape) == [3]
        np.testing.assert_array_equal(np.frombuffer(raw, dtype=np.float32), expected)
    assert "answered 1, failed 0" in printed


def test_the_onnx_floor_refuses_what_it_cannot_run(stubs, add_sub_onnx):
    pb2, pb2_grpc = stubs
    floor = Floor("--onnx", add_sub_onnx)
    try:
        stub = pb2_grpc.GRPCInferenceServiceStub(floor.channel)
        with pytest.raises(grpc.RpcError) as bytes_input:
            stub.ModelInfer(request(pb2, [("INPUT0", "BYTES", [1], b"\x01\x00\x00\x00a"),
                                          ("INPUT1", "FP32", [1], b"\x00" * 4)]), timeout=10)
        with pytest.raises(grpc.RpcError) as wrong_input:
            stub.ModelInfer(request(pb2, [("x", "FP32", [1], b"\x00" * 4)]), timeout=10)
    finally:
        printed = floor.stop()
    assert bytes_input.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "unsupported datatype BYTES" in bytes_input.value.details()
    assert wrong_input.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "answered 0, failed 2" in printed


def test_without_a_model_the_floor_echoes_its_inputs(stubs):
    pb2, pb2_grpc = stubs
    raw = np.arange(4, dtype=np.int64).tobytes()
    floor = Floor()
    try:
        reply = pb2_grpc.GRPCInferenceServiceStub(floor.channel).ModelInfer(
            request(pb2, [("INPUT0", "INT64", [2, 2], raw)]), timeout=10)
    finally:
        printed = floor.stop()
    assert [(o.name, o.datatype, list(o.shape)) for o in reply.outputs] == [("INPUT0", "INT64", [2, 2])]
    assert list(reply.raw_output_contents) == [raw]
    assert "answered 1, failed 0" in printed


def test_a_model_that_does_not_load_stops_the_floor(tmp_path):
    missing = str(tmp_path / "missing.onnx")
    proc = subprocess.run([FLOOR, "--port", "0", "--onnx", missing], capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 1
    assert f"cannot load {missing}" in proc.stderr
