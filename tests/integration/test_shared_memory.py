"""Triton's system shared-memory extension end to end, over REST and gRPC: regions are POSIX
shared-memory objects this test creates (Python's multiprocessing.shared_memory), registered
with tensord, read as inputs and written as outputs; every bad input with its exact status
and a distinctive part of the message; a region unregistered while a request uses it; the
bound on regions; --allow-client-shm=false; CUDA shared memory refused with a reason.
Triton's protocol: docs/protocol/extension_shared_memory.md (triton-inference-server/server).
"""

import concurrent.futures
import os
import struct
from multiprocessing import shared_memory

import grpc
import numpy as np
import pytest
import requests

import make_test_repository
from grpc_helpers import generate_stubs, grpc_address
from held_requests import held_config, wait_pending
from oip_client import TIMEOUT_S, error_message, ok_json, outputs_by_name, tensor

SHM = "/v2/systemsharedmemory"


class Region:
    """A POSIX shared-memory object of `size` bytes, unlinked at the end of the test."""

    def __init__(self, size):
        self.shm = shared_memory.SharedMemory(create=True, size=size)
        self.key = "/" + self.shm.name
        self.size = size

    def write(self, offset, data):
        self.shm.buf[offset:offset + len(data)] = data

    def read(self, offset, size):
        return bytes(self.shm.buf[offset:offset + size])

    def close(self):
        self.shm.close()
        try:
            self.shm.unlink()
        except FileNotFoundError:
            pass


@pytest.fixture
def regions(base_url):
    made = []

    def make(size):
        region = Region(size)
        made.append(region)
        return region

    yield make
    requests.post(base_url + SHM + "/unregister", timeout=TIMEOUT_S)
    for region in made:
        region.close()


def register(url, name, key, byte_size, offset=0):
    return requests.post(f"{url}{SHM}/region/{name}/register",
                         json={"key": key, "offset": offset, "byte_size": byte_size},
                         timeout=TIMEOUT_S)


def shm_params(region, byte_size, offset=0):
    return {"shared_memory_region": region, "shared_memory_byte_size": byte_size,
            "shared_memory_offset": offset}


def fp32(values):
    return np.array(values, dtype=np.float32).tobytes()


def shm_input(name, shape, region, byte_size, offset=0, datatype="FP32"):
    return {"name": name, "datatype": datatype, "shape": shape,
            "parameters": shm_params(region, byte_size, offset)}


def post_infer(url, model, body):
    return requests.post(f"{url}/v2/models/{model}/infer", json=body, timeout=TIMEOUT_S)


# ---- REST: registry ----

def test_metadata_lists_the_extension(base_url):
    extensions = ok_json(requests.get(base_url + "/v2", timeout=TIMEOUT_S))["extensions"]
    assert "system_shared_memory" in extensions
    assert "cuda_shared_memory" not in extensions


def test_register_status_unregister(base_url, regions):
    region = regions(8192)
    assert register(base_url, "in.put-0", region.key, 64, offset=4100).status_code == 200
    assert register(base_url, "out", region.key, 8192).status_code == 200
    status = ok_json(requests.get(base_url + SHM + "/status", timeout=TIMEOUT_S))
    assert sorted(status, key=lambda r: r["name"]) == [
        {"name": "in.put-0", "key": region.key, "offset": 4100, "byte_size": 64},
        {"name": "out", "key": region.key, "offset": 0, "byte_size": 8192}]
    one = ok_json(requests.get(f"{base_url}{SHM}/region/out/status", timeout=TIMEOUT_S))
    assert one == [{"name": "out", "key": region.key, "offset": 0, "byte_size": 8192}]
    assert requests.post(f"{base_url}{SHM}/region/out/unregister",
                         timeout=TIMEOUT_S).status_code == 200
    assert [r["name"] for r in ok_json(requests.get(base_url + SHM + "/status",
                                                    timeout=TIMEOUT_S))] == ["in.put-0"]
    assert requests.post(base_url + SHM + "/unregister", timeout=TIMEOUT_S).status_code == 200
    assert ok_json(requests.get(base_url + SHM + "/status", timeout=TIMEOUT_S)) == []


def test_register_errors(base_url, regions):
    region = regions(64)
    assert register(base_url, "r", region.key, 64).status_code == 200
    cases = [
        (register(base_url, "r", region.key, 8), 409,
         "shared memory region 'r' already in manager"),
        (register(base_url, "past", region.key, 8, offset=60), 400,
         f"cannot register system shared memory region 'past' (key '{region.key}'): offset 60 "
         "+ byte_size 8 is past the end of the object (64 bytes)"),
        (register(base_url, "nokey", "/tensord_no_such_object", 8), 400,
         "cannot open the shared memory object: No such file or directory"),
        (register(base_url, "zero", region.key, 0), 400, "byte_size must be greater than 0"),
        (requests.post(f"{base_url}{SHM}/region/neg/register",
                       json={"key": region.key, "byte_size": -1}, timeout=TIMEOUT_S), 400,
         "cannot register system shared memory region 'neg': 'byte_size' must be a "
         "non-negative integer"),
        (requests.post(f"{base_url}{SHM}/region/k/register", json={"byte_size": 8},
                       timeout=TIMEOUT_S), 400, "'key' (a string naming the shared memory "
         "object) is required"),
        (requests.post(f"{base_url}{SHM}/region/j/register", data="{", timeout=TIMEOUT_S), 400,
         "malformed JSON in the request body"),
        (requests.post(f"{base_url}{SHM}/region/nope/unregister", timeout=TIMEOUT_S), 404,
         "Unable to find system shared memory region: 'nope'"),
        (requests.get(f"{base_url}{SHM}/region/nope/status", timeout=TIMEOUT_S), 404,
         "Unable to find system shared memory region: 'nope'"),
        (requests.get(f"{base_url}{SHM}/region/r/register", timeout=TIMEOUT_S), 405,
         "method GET is not allowed"),
        (requests.post(f"{base_url}{SHM}/register", timeout=TIMEOUT_S), 404,
         f"no route for '{SHM}/register'"),
    ]
    for response, status, fragment in cases:
        assert fragment in error_message(response, status), response.text


@pytest.mark.parametrize("method,path", [
    ("GET", "/v2/cudasharedmemory/status"),
    ("GET", "/v2/cudasharedmemory/region/c/status"),
    ("POST", "/v2/cudasharedmemory/region/c/register"),
    ("POST", "/v2/cudasharedmemory/region/c/unregister"),
    ("POST", "/v2/cudasharedmemory/unregister")])
def test_cuda_shared_memory_is_refused_with_a_reason(base_url, method, path):
    response = requests.request(method, base_url + path, json={}, timeout=TIMEOUT_S)
    assert error_message(response, 501).startswith(
        "CUDA shared memory is not supported on this server")


# ---- REST: inference ----

def test_inputs_and_outputs_in_shared_memory(base_url, regions):
    region = regions(4096)
    region.write(0, fp32([1, 2, 3, 4]))
    region.write(16, fp32([10, 20, 30, 40]))
    assert register(base_url, "in", region.key, 32).status_code == 200
    assert register(base_url, "out", region.key, 1024, offset=1024).status_code == 200
    body = {"inputs": [shm_input("INPUT0", [4], "in", 16),
                       shm_input("INPUT1", [4], "in", 16, offset=16)],
            "outputs": [{"name": "OUTPUT0", "parameters": shm_params("out", 16)},
                        {"name": "OUTPUT1", "parameters": shm_params("out", 16, offset=64)}]}
    outputs = outputs_by_name(post_infer(base_url, "add_sub", body))
    assert np.frombuffer(region.read(1024, 16), np.float32).tolist() == [11, 22, 33, 44]
    assert np.frombuffer(region.read(1088, 16), np.float32).tolist() == [-9, -18, -27, -36]
    for name, offset in (("OUTPUT0", 0), ("OUTPUT1", 64)):
        assert "data" not in outputs[name]
        assert outputs[name]["shape"] == [4]
        assert outputs[name]["parameters"] == {"shared_memory_region": "out",
                                               "shared_memory_offset": offset,
                                               "shared_memory_byte_size": 16}


def test_an_object_shrunk_after_registration_is_a_400_not_a_crash(base_url, regions):
    region = regions(4096)
    region.write(0, fp32([1, 2, 3, 4, 10, 20, 30, 40]))
    assert register(base_url, "in", region.key, 32).status_code == 200
    assert register(base_url, "out", region.key, 1024, offset=1024).status_code == 200
    # The client shrinks its object: every registered byte now lies past its end, where a
    # read or write raises SIGBUS in whoever touches it (Triton's server dies of it).
    os.ftruncate(region.shm._fd, 0)
    body = {"inputs": [shm_input("INPUT0", [4], "in", 16),
                       shm_input("INPUT1", [4], "in", 16, offset=16)]}
    message = error_message(post_infer(base_url, "add_sub", body), 400)
    assert message.startswith("input 'INPUT0': shared memory region 'in' could not be accessed: "
                              "its object was shrunk"), message
    body = {"inputs": [tensor("INPUT0", "FP32", [4], [1, 2, 3, 4]),
                       tensor("INPUT1", "FP32", [4], [1, 1, 1, 1])],
            "outputs": [{"name": "OUTPUT0", "parameters": shm_params("out", 16)}]}
    message = error_message(post_infer(base_url, "add_sub", body), 400)
    assert message.startswith("output 'OUTPUT0': shared memory region 'out' could not be "
                              "accessed"), message
    assert requests.get(base_url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200


def test_mixed_with_json_and_binary_outputs(base_url, regions):
    region = regions(64)
    region.write(8, fp32([5, 6]))
    assert register(base_url, "in", region.key, 64).status_code == 200
    body = {"inputs": [shm_input("INPUT0", [2], "in", 8, offset=8),
                       tensor("INPUT1", "FP32", [2], [1, 1])],
            "outputs": [{"name": "OUTPUT0", "parameters": {"binary_data": True}},
                        {"name": "OUTPUT1", "parameters": shm_params("in", 8, offset=32)}]}
    response = post_infer(base_url, "add_sub", body)
    assert response.status_code == 200, response.text
    header = int(response.headers["Inference-Header-Content-Length"])
    assert np.frombuffer(response.content[header:], np.float32).tolist() == [6, 7]
    assert np.frombuffer(region.read(32, 8), np.float32).tolist() == [4, 5]


def test_bytes_input_in_shared_memory(base_url, regions):
    region = regions(256)
    elements = [b"hello", b"", b"\x00nul"]
    raw = b"".join(struct.pack("<I", len(e)) + e for e in elements)
    region.write(0, raw)
    assert register(base_url, "s", region.key, 256).status_code == 200
    body = {"inputs": [shm_input("INPUT0", [1, 3], "s", len(raw), datatype="BYTES")],
            "outputs": [{"name": "OUTPUT0", "parameters": shm_params("s", 128, offset=128)}]}
    outputs = outputs_by_name(post_infer(base_url, "identity_bytes", body))
    written = outputs["OUTPUT0"]["parameters"]["shared_memory_byte_size"]
    assert written == len(raw)
    assert region.read(128, written) == raw


def test_infer_errors(base_url, regions):
    region = regions(64)
    assert register(base_url, "r", region.key, 32).status_code == 200

    def infer_in(parameters, shape=(4,), **extra):
        inputs = [{"name": "INPUT0", "datatype": "FP32", "shape": list(shape),
                   "parameters": parameters, **extra},
                  tensor("INPUT1", "FP32", list(shape), [0] * int(np.prod(shape)))]
        return post_infer(base_url, "add_sub", {"inputs": inputs})

    def infer_out(parameters):
        return post_infer(base_url, "add_sub", {
            "inputs": [tensor("INPUT0", "FP32", [4], [1, 2, 3, 4]),
                       tensor("INPUT1", "FP32", [4], [1, 2, 3, 4])],
            "outputs": [{"name": "OUTPUT0", "parameters": parameters}]})

    cases = [
        (infer_in(shm_params("nope", 16)), 404,
         "input 'INPUT0': Unable to find system shared memory region: 'nope'"),
        (infer_in(shm_params("r", 16, offset=24)), 400,
         "input 'INPUT0': shared memory offset 24 + byte size 16 is outside region 'r' (32 "
         "bytes)"),
        (infer_in(shm_params("r", 12)), 400,
         "input 'INPUT0': shared_memory_byte_size is 12 but shape [4] of FP32 needs 16 bytes "
         "(region 'r')"),
        (infer_in({"shared_memory_region": "r"}), 400,
         "input 'INPUT0': parameter 'shared_memory_byte_size' is required with "
         "'shared_memory_region' (region 'r')"),
        (infer_in({"shared_memory_byte_size": 16}, data=[1, 2, 3, 4]), 400,
         "input 'INPUT0': parameter 'shared_memory_byte_size' is given without "
         "'shared_memory_region'"),
        (infer_in(shm_params("r", -16)), 400,
         "parameter 'shared_memory_byte_size' must be a non-negative integer"),
        (infer_in(shm_params("r", 16), data=[1, 2, 3, 4]), 400,
         "input 'INPUT0' is in shared memory (parameter 'shared_memory_region'), so it must "
         "have neither 'data' nor 'binary_data_size'"),
        (infer_out(shm_params("nope", 16)), 404,
         "output 'OUTPUT0': Unable to find system shared memory region: 'nope'"),
        (infer_out(shm_params("r", 64)), 400,
         "output 'OUTPUT0': shared memory offset 0 + byte size 64 is outside region 'r' (32 "
         "bytes)"),
        (infer_out(shm_params("r", 8)), 400,
         "output 'OUTPUT0': shared_memory_byte_size 8 (region 'r') is too small for the 16 "
         "bytes of the result (shape [4])"),
    ]
    for response, status, fragment in cases:
        assert fragment in error_message(response, status), response.text
    # Nothing above hurt the server.
    ok_json(infer_out({}))


def test_region_unregistered_while_a_request_uses_it(start_server, tmp_path):
    root = str(tmp_path / "repo")
    os.makedirs(root)
    make_test_repository.write_probe_triton(root, "held", 4, held_config())
    server = start_server(root)
    region = Region(4096)
    try:
        rows = np.arange(6, dtype=np.float32).reshape(3, 2)
        region.write(0, rows.tobytes())
        assert register(server.url, "in", region.key, 24).status_code == 200
        assert register(server.url, "out", region.key, 64, offset=64).status_code == 200
        body = {"inputs": [shm_input("x", [3, 2], "in", 24)],
                "outputs": [{"name": "y", "parameters": shm_params("out", 24)}, {"name": "n"}]}
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            held = pool.submit(post_infer, server.url, "held", body)
            wait_pending(server, "held", 1)
            # Gone from the registry while the request still reads "in" and writes "out".
            assert requests.post(server.url + SHM + "/unregister",
                                 timeout=TIMEOUT_S).status_code == 200
            assert ok_json(requests.get(server.url + SHM + "/status", timeout=TIMEOUT_S)) == []
            # Inputs were copied out of the region when the request arrived (a client that
            # shrank the object could otherwise crash the server): rewriting it now changes
            # nothing for this request.
            region.write(0, bytes(24))
            fill = post_infer(server.url, "held",
                              {"inputs": [tensor("x", "FP32", [1, 2], [7, 7])]})
            assert outputs_by_name(fill)["y"]["data"] == [8, 8]
            outputs = outputs_by_name(held.result())
        assert outputs["n"]["data"] == [4, 4, 4]
        assert np.frombuffer(region.read(64, 24), np.float32).tolist() == [1, 2, 3, 4, 5, 6]
        # A new request naming the old region is refused.
        error = error_message(post_infer(server.url, "held", body), 404)
        assert error == "input 'x': Unable to find system shared memory region: 'in'"
    finally:
        region.close()


def test_bound_on_regions_and_disabled(start_server, tmp_path):
    root = make_test_repository.build_small(str(tmp_path / "repo"), broken=False)
    region = Region(64)
    try:
        bounded = start_server(root, "--max-shm-regions", "2")
        for name in ("a", "b"):
            assert register(bounded.url, name, region.key, 8).status_code == 200
        assert "limit of 2 registered regions is reached" in error_message(
            register(bounded.url, "c", region.key, 8), 429)
        disabled = start_server(root, "--allow-client-shm", "false")
        assert error_message(register(disabled.url, "a", region.key, 8), 403) == (
            "system shared memory is disabled on this server (--allow-client-shm=false)")
        extensions = ok_json(requests.get(disabled.url + "/v2", timeout=TIMEOUT_S))["extensions"]
        assert "system_shared_memory" not in extensions
    finally:
        region.close()


# ---- gRPC ----

@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("shm_grpc_stubs")))


@pytest.fixture(scope="module")
def pb(stubs):
    return stubs[0]


@pytest.fixture(scope="module")
def stub(stubs, server):
    with grpc.insecure_channel(grpc_address(server)) as channel:
        yield stubs[1].GRPCInferenceServiceStub(channel)


def rpc_error(call, message):
    with pytest.raises(grpc.RpcError) as caught:
        call(message, timeout=TIMEOUT_S)
    return caught.value


def set_shm(parameters, region, byte_size, offset=0):
    parameters["shared_memory_region"].string_param = region
    parameters["shared_memory_byte_size"].int64_param = byte_size
    parameters["shared_memory_offset"].int64_param = offset


def test_grpc_register_status_unregister(pb, stub, regions):
    region = regions(256)
    stub.SystemSharedMemoryRegister(pb.SystemSharedMemoryRegisterRequest(
        name="g", key=region.key, offset=8, byte_size=128), timeout=TIMEOUT_S)
    status = stub.SystemSharedMemoryStatus(pb.SystemSharedMemoryStatusRequest(),
                                           timeout=TIMEOUT_S)
    assert list(status.regions) == ["g"]
    g = status.regions["g"]
    assert (g.name, g.key, g.offset, g.byte_size) == ("g", region.key, 8, 128)

    duplicate = rpc_error(stub.SystemSharedMemoryRegister, pb.SystemSharedMemoryRegisterRequest(
        name="g", key=region.key, byte_size=8))
    assert duplicate.code() == grpc.StatusCode.ALREADY_EXISTS
    assert duplicate.details() == "shared memory region 'g' already in manager"
    past = rpc_error(stub.SystemSharedMemoryRegister, pb.SystemSharedMemoryRegisterRequest(
        name="p", key=region.key, offset=200, byte_size=100))
    assert past.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "offset 200 + byte_size 100 is past the end of the object (256 bytes)" in past.details()
    unknown = rpc_error(stub.SystemSharedMemoryStatus,
                        pb.SystemSharedMemoryStatusRequest(name="nope"))
    assert unknown.code() == grpc.StatusCode.NOT_FOUND
    assert unknown.details() == "Unable to find system shared memory region: 'nope'"

    stub.SystemSharedMemoryUnregister(pb.SystemSharedMemoryUnregisterRequest(name="g"),
                                      timeout=TIMEOUT_S)
    assert not stub.SystemSharedMemoryStatus(pb.SystemSharedMemoryStatusRequest(),
                                             timeout=TIMEOUT_S).regions
    gone = rpc_error(stub.SystemSharedMemoryUnregister,
                     pb.SystemSharedMemoryUnregisterRequest(name="g"))
    assert gone.code() == grpc.StatusCode.NOT_FOUND


def test_grpc_infer_through_shared_memory(pb, stub, regions):
    region = regions(1024)
    region.write(0, fp32([1, 2, 3]))
    stub.SystemSharedMemoryRegister(pb.SystemSharedMemoryRegisterRequest(
        name="io", key=region.key, byte_size=1024), timeout=TIMEOUT_S)
    request = pb.ModelInferRequest(model_name="add_sub")
    in0 = request.inputs.add(name="INPUT0", datatype="FP32", shape=[3])
    set_shm(in0.parameters, "io", 12)
    request.inputs.add(name="INPUT1", datatype="FP32", shape=[3])
    # Triton's clients send raw contents only for the inputs not in shared memory.
    request.raw_input_contents.append(fp32([10, 10, 10]))
    out0 = request.outputs.add(name="OUTPUT0")
    set_shm(out0.parameters, "io", 12, offset=512)
    request.outputs.add(name="OUTPUT1")
    response = stub.ModelInfer(request, timeout=TIMEOUT_S)
    assert np.frombuffer(region.read(512, 12), np.float32).tolist() == [11, 12, 13]
    by_name = {o.name: (o, raw) for o, raw in zip(response.outputs,
                                                  response.raw_output_contents)}
    output0, raw0 = by_name["OUTPUT0"]
    assert raw0 == b""
    assert output0.parameters["shared_memory_region"].string_param == "io"
    assert output0.parameters["shared_memory_byte_size"].int64_param == 12
    assert np.frombuffer(by_name["OUTPUT1"][1], np.float32).tolist() == [-9, -8, -7]

    set_shm(in0.parameters, "nope", 12)
    error = rpc_error(stub.ModelInfer, request)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "input 'INPUT0': Unable to find system shared memory region: 'nope'"
    set_shm(in0.parameters, "io", 12)
    in0.contents.fp32_contents.extend([1, 2, 3])
    error = rpc_error(stub.ModelInfer, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "input 'INPUT0': contents must not be given for an input in shared memory" in (
        error.details())


@pytest.mark.parametrize("rpc,message", [
    ("CudaSharedMemoryStatus", "CudaSharedMemoryStatusRequest"),
    ("CudaSharedMemoryRegister", "CudaSharedMemoryRegisterRequest"),
    ("CudaSharedMemoryUnregister", "CudaSharedMemoryUnregisterRequest")])
def test_grpc_cuda_shared_memory_is_refused_with_a_reason(pb, stub, rpc, message):
    error = rpc_error(getattr(stub, rpc), getattr(pb, message)())
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED
    assert error.details().startswith("CUDA shared memory is not supported on this server")
