"""Thread sizing end to end: --parallel-workers, --intra-op-threads, --grpc-threads,
--http-threads and Triton's instance_group / intra_op_thread_count / inter_op_thread_count
change what the server runs, seen from outside: the instance count in the model's config
(REST and gRPC) and in the tensord_instances gauge, and the process's own threads.

Threads are counted in /proc/PID/task by name: tensord's own threads and ONNX Runtime's
pools are named "tensord" (grpc's internal ones have their own names and are left out). Each
case changes one setting from a baseline and checks the exact difference it must make: one
scheduler thread per instance, intra_op - 1 pool threads per session (the calling thread is
the last one), one thread per gRPC completion queue or HTTP I/O context.
"""

import os

import grpc
import pytest
import requests

import make_test_repository as repo
from grpc_helpers import generate_stubs, grpc_address
from held_requests import sample
from make_test_repository import m
from oip_client import TIMEOUT_S, infer, ok_json, tensor

BASE_FLAGS = {"--parallel-workers": "1", "--intra-op-threads": "1", "--grpc-threads": "1",
              "--http-threads": "1"}


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("grpc_stubs")))


def write_mlp(root, extra=""):
    repo.write_mlp(root)
    if extra:
        path = os.path.join(root, "mlp_test", "config.pbtxt")
        with open(path) as f:
            text = f.read()
        m.write_text(path, text + extra)


def own_threads(server, pb):
    """Threads named "tensord", once the server has served a request on both protocols
    (so that nothing is still being started lazily)."""
    pb2, pb2_grpc = pb
    rows = [[0.5] * repo.MLP_SIZES[0]]
    ok_json(infer(server.url, "mlp_test", [tensor("input", "FP32", [1, repo.MLP_SIZES[0]], rows)]))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        assert stub.ServerReady(pb2.ServerReadyRequest(), timeout=TIMEOUT_S).ready
    count = 0
    for task in os.listdir(f"/proc/{server.pid}/task"):
        try:
            with open(f"/proc/{server.pid}/task/{task}/comm") as f:
                count += f.read().strip() == "tensord"
        except FileNotFoundError:  # a thread that just ended
            pass
    return count


def instances(server, pb):
    """The instance count as the REST config, the gRPC config and the gauge show it; all
    three must agree."""
    pb2, pb2_grpc = pb
    rest = ok_json(requests.get(server.url + "/v2/models/mlp_test/config", timeout=TIMEOUT_S))
    counts = [sum(group["count"] for group in rest["instance_group"])]
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        config = stub.ModelConfig(pb2.ModelConfigRequest(name="mlp_test"),
                                  timeout=TIMEOUT_S).config
        counts.append(sum(group.count for group in config.instance_group))
    counts.append(int(sample(server, "tensord_instances", "mlp_test")))
    assert counts[0] == counts[1] == counts[2], counts
    return counts[0]


def flags(**changed):
    merged = dict(BASE_FLAGS)
    merged.update({f"--{name.replace('_', '-')}": str(value) for name, value in changed.items()})
    return [item for pair in merged.items() for item in pair]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, pb):
    from tensord_process import TensordProcess
    root = str(tmp_path_factory.mktemp("baseline"))
    write_mlp(root)
    server = TensordProcess.start(root, *flags())
    try:
        yield {"instances": instances(server, pb), "threads": own_threads(server, pb)}
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("changed,instance_count,more_threads", [
    ({"parallel_workers": 3}, 3, 2),      # two more instances, one scheduler thread each
    ({"intra_op_threads": 3}, 1, 2),      # one session, a pool of 3 - 1 threads
    ({"parallel_workers": 2, "intra_op_threads": 2}, 2, 1 + 2),
    ({"grpc_threads": 3}, 1, 2),          # two more completion-queue threads
    ({"http_threads": 3}, 1, 2),          # two more I/O threads
])
def test_flags_size_instances_and_threads(start_server, tmp_path, pb, baseline, changed,
                                          instance_count, more_threads):
    assert baseline["instances"] == 1
    root = str(tmp_path / "models")
    write_mlp(root)
    server = start_server(root, *flags(**changed))
    assert instances(server, pb) == instance_count
    assert own_threads(server, pb) - baseline["threads"] == more_threads


TRITON_THREADS = """instance_group [{ count: 2, kind: KIND_CPU }]
parameters [
  { key: "intra_op_thread_count" value: { string_value: "3" } },
  { key: "inter_op_thread_count" value: { string_value: "2" } },
  { key: "execution_mode" value: { string_value: "parallel" } }
]
"""


def test_triton_thread_parameters_override_the_flags(start_server, tmp_path, pb, baseline):
    root = str(tmp_path / "models")
    write_mlp(root, TRITON_THREADS)
    server = start_server(root, *flags())
    assert instances(server, pb) == 2
    config = ok_json(requests.get(server.url + "/v2/models/mlp_test/config", timeout=TIMEOUT_S))
    assert config["parameters"]["intra_op_thread_count"] == {"string_value": "3"}
    # Two instances: one more scheduler thread; each session: 3 - 1 intra-op and 2 - 1
    # inter-op pool threads.
    assert own_threads(server, pb) - baseline["threads"] == 1 + 2 * (2 + 1)


def test_frontend_threads_default_to_half_the_usable_cpus(start_server, tmp_path, pb, baseline):
    # Without --http-threads and --grpc-threads each frontend gets half the usable CPUs (at
    # least 1, at most 32); the log says how many of each and from how many CPUs.
    import re
    root = str(tmp_path / "models")
    write_mlp(root)
    unset = [item for pair in BASE_FLAGS.items() if pair[0] not in ("--http-threads",
                                                                     "--grpc-threads")
             for item in pair]
    server = start_server(root, *unset)
    found = re.search(r"(\d+) usable CPUs: (\d+) HTTP I/O thread\(s\) \(--http-threads\), "
                      r"(\d+) gRPC completion-queue thread\(s\)", server.log())
    assert found, server.log()
    usable, http_threads, grpc_threads = map(int, found.groups())
    assert usable <= len(os.sched_getaffinity(0))
    assert http_threads == grpc_threads == max(1, min(usable // 2, 32))
    # Baseline: one of each.
    assert own_threads(server, pb) - baseline["threads"] == (http_threads - 1) + (grpc_threads - 1)


def test_explicit_frontend_threads_are_logged(start_server, tmp_path, pb):
    root = str(tmp_path / "models")
    write_mlp(root)
    server = start_server(root, *flags(http_threads=3, grpc_threads=2))
    assert "3 HTTP I/O thread(s) (--http-threads), 2 gRPC completion-queue thread(s)" in server.log()
