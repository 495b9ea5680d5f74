"""Graceful shutdown: on SIGTERM tensord stops taking requests, answers those in flight,
and exits 0."""

import json
import signal
import threading

import requests

import make_test_repository as repo
from held_requests import wait_pending
from oip_client import TIMEOUT_S, infer, ok_json, tensor


def test_a_request_in_flight_at_sigterm_gets_its_answer(tmp_path):
    from tensord_process import TensordProcess
    root = str(tmp_path / "models")
    repo.write_mlp(root)
    server = TensordProcess.start(root, "--model-control-mode", "explicit")
    try:
        # A lone request now waits 5 s in the queue for company: long enough to be seen queued.
        override = {"dynamic_batching": {"max_queue_delay_microseconds": 5_000_000,
                                         "preferred_batch_size": [repo.MLP_MAX_BATCH]}}
        response = requests.post(server.url + "/v2/repository/models/mlp_test/load",
                                 json={"parameters": {"config": json.dumps(override)}},
                                 timeout=TIMEOUT_S)
        assert response.status_code == 200, response.text
        result = {}

        def client():
            rows = [[0.25] * repo.MLP_SIZES[0]]
            result["response"] = infer(server.url, "mlp_test",
                                       [tensor("input", "FP32", [1, repo.MLP_SIZES[0]], rows)])

        thread = threading.Thread(target=client)
        thread.start()
        wait_pending(server, "mlp_test", 1)  # queued: in flight when the signal comes
        server.process.send_signal(signal.SIGTERM)
        thread.join(timeout=TIMEOUT_S)
        body = ok_json(result["response"])
        assert {o["name"] for o in body["outputs"]} == {"logits", "probabilities"}
        assert server.process.wait(timeout=TIMEOUT_S) == 0
        assert "shutting down" in server.log()
    finally:
        if server.process.poll() is None:
            server.stop()
