"""Statistics extension (docs/protocol/extension_statistics.md in
triton-inference-server/server): compute_input and compute_output are measured (input
conversion into the runtime's values, output collection), not reported as zero; cache_hit
and cache_miss are present, as zeros (tensord has no response cache); over REST and gRPC.
"""

import grpc
import pytest
import requests

from grpc_helpers import generate_stubs, grpc_address
from oip_client import TIMEOUT_S, infer, ok_json, tensor


def test_rest_compute_input_and_output_are_measured(base_url):
    for _ in range(5):
        ok_json(infer(base_url, "add_sub", [tensor("INPUT0", "FP32", [64], [1.0] * 64),
                                            tensor("INPUT1", "FP32", [64], [2.0] * 64)]))
    (stats,) = ok_json(requests.get(base_url + "/v2/models/add_sub/stats",
                                    timeout=TIMEOUT_S))["model_stats"]
    inference = stats["inference_stats"]
    for key in ("compute_input", "compute_infer", "compute_output"):
        assert inference[key]["count"] >= 5, key
        assert inference[key]["ns"] > 0, key
    assert inference["cache_hit"] == {"count": 0, "ns": 0}
    assert inference["cache_miss"] == {"count": 0, "ns": 0}
    (batch,) = stats["batch_stats"]
    assert batch["compute_input"]["ns"] > 0 and batch["compute_output"]["ns"] > 0


@pytest.fixture(scope="module")
def grpc_stub(server, tmp_path_factory):
    pb2, pb2_grpc = generate_stubs(str(tmp_path_factory.mktemp("stats_stubs")))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        yield pb2, pb2_grpc.GRPCInferenceServiceStub(channel)


def test_grpc_compute_input_and_output_are_measured(base_url, grpc_stub):
    pb2, stub = grpc_stub
    ok_json(infer(base_url, "add_sub", [tensor("INPUT0", "FP32", [2], [1.0, 2.0]),
                                        tensor("INPUT1", "FP32", [2], [2.0, 3.0])]))
    response = stub.ModelStatistics(pb2.ModelStatisticsRequest(name="add_sub"),
                                    timeout=TIMEOUT_S)
    (stats,) = response.model_stats
    inference = stats.inference_stats
    assert inference.compute_input.ns > 0 and inference.compute_output.ns > 0
    assert inference.HasField("cache_hit") and inference.HasField("cache_miss")
    assert inference.cache_hit.count == 0 and inference.cache_miss.ns == 0
