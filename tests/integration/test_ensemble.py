"""Triton ensembles (platform "ensemble", ensemble_scheduling) against a repository built at
test time:

    pre      (batches, no queue delay): OUTPUT0 = 2 * INPUT0
    add_sub  (dynamic batching):        OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1
    ident:                              OUTPUT0 = INPUT0
    ens:   IN -> pre -> SCALED; (SCALED, IN) -> add_sub -> SUM, DIFF; SCALED -> ident -> COPY
           (add_sub and ident run side by side), empty version folder 1/
    chain: IN -> pre -> ident -> OUT, no version folder at all (served as version 1)
    loose: like chain but its input takes any shape, so a bad shape fails inside step 1

and one ensemble per load error (shape conflicts too), each not ready with its reason. Checked: REST and gRPC infer
against numpy, metadata, config (ensemble_scheduling returned), readiness, statistics of the
ensemble and of its step models, batching of a step across concurrent ensemble requests, a
failing step (400 naming it), a step model unloaded at request time (503 naming it).
"""

import os
import threading

import grpc
import numpy as np
import pytest
import requests

from grpc_helpers import generate_stubs, grpc_address
from make_test_repository import m
from oip_client import TIMEOUT_S, error_message, infer, ok_json, outputs_by_name, tensor

EXPLICIT = ("--model-control-mode", "explicit")


def step(model, inputs, outputs, version=-1):
    maps = "".join(f'      input_map {{ key: "{k}" value: "{v}" }}\n' for k, v in inputs.items())
    maps += "".join(f'      output_map {{ key: "{k}" value: "{v}" }}\n' for k, v in outputs.items())
    return f'    {{\n      model_name: "{model}"\n      model_version: {version}\n{maps}    }}'


def ensemble_config(name, steps, inputs, outputs, max_batch_size=8):
    return m.triton_config_text(
        name=name, platform="ensemble", max_batch_size=max_batch_size, inputs=inputs,
        outputs=outputs,
        extra="ensemble_scheduling {\n  step [\n" + ",\n".join(steps) + "\n  ]\n}\n")


def write_ensemble(root, name, steps, inputs=(("IN", "FP32", [4]),),
                   outputs=(("OUT", "FP32", [4]),), version_folder=True, **kwargs):
    folder = os.path.join(root, name)
    os.makedirs(os.path.join(folder, "1") if version_folder else folder, exist_ok=True)
    m.write_text(os.path.join(folder, "config.pbtxt"),
                 ensemble_config(name, steps, inputs, outputs, **kwargs))


def write_step_models(root):
    batch = ["batch", 4]
    m.save(m.scale("pre", "FP32", batch, 2.0), os.path.join(root, "pre", "1", "model.onnx"))
    m.write_triton_config(os.path.join(root, "pre"), name="pre", max_batch_size=8,
                          inputs=[("INPUT0", "FP32", [4])], outputs=[("OUTPUT0", "FP32", [4])])
    m.save(m.add_sub("add_sub", batch), os.path.join(root, "add_sub", "1", "model.onnx"))
    m.write_triton_config(os.path.join(root, "add_sub"), name="add_sub", max_batch_size=8,
                          inputs=[("INPUT0", "FP32", [4]), ("INPUT1", "FP32", [4])],
                          outputs=[("OUTPUT0", "FP32", [4]), ("OUTPUT1", "FP32", [4])],
                          extra="dynamic_batching { max_queue_delay_microseconds: 20000 }\n")
    m.save(m.identity("ident", "FP32", batch), os.path.join(root, "ident", "1", "model.onnx"))
    m.write_triton_config(os.path.join(root, "ident"), name="ident", max_batch_size=8,
                          inputs=[("INPUT0", "FP32", [4])], outputs=[("OUTPUT0", "FP32", [4])])


PRE = step("pre", {"INPUT0": "IN"}, {"OUTPUT0": "SCALED"})
CHAIN = [PRE, step("ident", {"INPUT0": "SCALED"}, {"OUTPUT0": "OUT"})]

# name -> (steps, inputs, outputs, a distinctive part of the load error)
BAD = {
    "bad_unknown": ([PRE, step("nope", {"INPUT0": "SCALED"}, {"OUTPUT0": "OUT"})], None, None,
                    "ensemble step 2 ('nope'): unknown step model 'nope' (not in the repository)"),
    "bad_unproduced": ([PRE, step("ident", {"INPUT0": "GHOST"}, {"OUTPUT0": "OUT"})], None, None,
                       "ensemble step 2 ('ident'): tensor 'GHOST' (input 'INPUT0') is consumed "
                       "but never produced"),
    "bad_output": (CHAIN, None, (("OUT", "FP32", [4]), ("EXTRA", "FP32", [4])),
                   "ensemble output 'EXTRA' is not produced by any step"),
    "bad_twice": ([PRE, step("ident", {"INPUT0": "IN"}, {"OUTPUT0": "SCALED"}),
                   step("ident", {"INPUT0": "SCALED"}, {"OUTPUT0": "OUT"})], None, None,
                  "ensemble step 2 ('ident'): tensor 'SCALED' is produced twice: by output "
                  "'OUTPUT0' of ensemble step 1 ('pre') and by output 'OUTPUT0' of ensemble "
                  "step 2 ('ident')"),
    "bad_cycle": ([step("pre", {"INPUT0": "LOOP"}, {"OUTPUT0": "SCALED"}),
                   step("ident", {"INPUT0": "SCALED"}, {"OUTPUT0": "LOOP"}),
                   step("ident", {"INPUT0": "SCALED"}, {"OUTPUT0": "OUT"})], None, None,
                  "ensemble steps wait on each other (a cycle): ensemble step 1 ('pre') consumes "
                  "tensor 'LOOP' from ensemble step 2 ('ident'), which consumes tensor 'SCALED' "
                  "from ensemble step 1 ('pre')"),
    "bad_dtype": (CHAIN, (("IN", "INT32", [4]),), None,
                  "ensemble step 1 ('pre'): tensor 'IN' is INT32 (ensemble input 'IN') but input "
                  "'INPUT0' of model 'pre' takes FP32"),
    "bad_version": ([step("pre", {"INPUT0": "IN"}, {"OUTPUT0": "SCALED"}, version=7),
                     CHAIN[1]], None, None,
                    "ensemble step 1 ('pre'): step model 'pre' version 7 is not loaded"),
    "bad_shape": (CHAIN, (("IN", "FP32", [3]),), None,
                  "ensemble step 1 ('pre'): tensor 'IN' has shape [-1,3] (ensemble input 'IN') "
                  "but input 'INPUT0' of model 'pre' takes [-1,4]"),
}


def build_repository(root):
    write_step_models(root)
    write_ensemble(root, "ens", [
        PRE,
        step("add_sub", {"INPUT0": "SCALED", "INPUT1": "IN"}, {"OUTPUT0": "SUM", "OUTPUT1": "DIFF"}),
        step("ident", {"INPUT0": "SCALED"}, {"OUTPUT0": "COPY"}),
    ], outputs=(("SUM", "FP32", [4]), ("DIFF", "FP32", [4]), ("COPY", "FP32", [4])))
    write_ensemble(root, "chain", CHAIN, version_folder=False)
    write_ensemble(root, "loose", CHAIN, inputs=(("IN", "FP32", [-1]),),
                   outputs=(("OUT", "FP32", [-1]),))
    for name, (steps, inputs, outputs, _) in BAD.items():
        write_ensemble(root, name, steps, inputs=inputs or (("IN", "FP32", [4]),),
                       outputs=outputs or (("OUT", "FP32", [4]),))
    return root


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    return build_repository(str(tmp_path_factory.mktemp("ensembles")))


@pytest.fixture(scope="module")
def server(repository):
    from tensord_process import TensordProcess
    process = TensordProcess.start(repository)
    yield process
    assert process.stop() == 0, process.log()


@pytest.fixture(scope="module")
def url(server):
    return server.url


@pytest.fixture(scope="module")
def stub(server, tmp_path_factory):
    pb2, pb2_grpc = generate_stubs(str(tmp_path_factory.mktemp("ensemble_stubs")))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        yield pb2, pb2_grpc.GRPCInferenceServiceStub(channel)


def get(url, path):
    return requests.get(url + path, timeout=TIMEOUT_S)


def stats(url, model):
    (entry,) = ok_json(get(url, f"/v2/models/{model}/stats"))["model_stats"]
    return entry


X = np.array([[1, 2, 3, 4], [-1, 0.5, 8, 0]], dtype=np.float32)


def test_rest_infer_matches_numpy(url):
    out = outputs_by_name(infer(url, "ens", [tensor("IN", "FP32", [2, 4], X.flatten().tolist())]))
    assert set(out) == {"SUM", "DIFF", "COPY"}
    np.testing.assert_allclose(np.array(out["SUM"]["data"]).reshape(2, 4), 3 * X)
    np.testing.assert_allclose(np.array(out["DIFF"]["data"]).reshape(2, 4), X)
    np.testing.assert_allclose(np.array(out["COPY"]["data"]).reshape(2, 4), 2 * X)
    assert out["SUM"]["shape"] == [2, 4] and out["SUM"]["datatype"] == "FP32"
    # One output asked for.
    response = infer(url, "ens", [tensor("IN", "FP32", [1, 4], X[0].tolist())],
                     outputs=[{"name": "DIFF"}])
    assert list(outputs_by_name(response)) == ["DIFF"]


def test_ensemble_without_version_folder_is_version_1(url):
    metadata = ok_json(get(url, "/v2/models/chain"))
    assert metadata["versions"] == ["1"] and metadata["platform"] == "ensemble"
    out = outputs_by_name(infer(url, "chain", [tensor("IN", "FP32", [1, 4], X[0].tolist())],
                                version="1"))
    np.testing.assert_allclose(out["OUT"]["data"], 2 * X[0])


def test_grpc_infer_matches_numpy(stub):
    pb2, grpc_stub = stub
    request = pb2.ModelInferRequest(model_name="ens")
    request.inputs.add(name="IN", datatype="FP32", shape=[2, 4])
    request.raw_input_contents.append(X.tobytes())
    response = grpc_stub.ModelInfer(request, timeout=TIMEOUT_S)
    got = {o.name: np.frombuffer(raw, np.float32).reshape(2, 4)
           for o, raw in zip(response.outputs, response.raw_output_contents)}
    np.testing.assert_allclose(got["SUM"], 3 * X)
    np.testing.assert_allclose(got["DIFF"], X)
    np.testing.assert_allclose(got["COPY"], 2 * X)
    ready = grpc_stub.ModelReady(pb2.ModelReadyRequest(name="ens"), timeout=TIMEOUT_S)
    assert ready.ready


def test_metadata_config_and_readiness(url):
    metadata = ok_json(get(url, "/v2/models/ens"))
    assert metadata["platform"] == "ensemble"
    assert metadata["inputs"] == [{"name": "IN", "datatype": "FP32", "shape": [-1, 4]}]
    assert [o["name"] for o in metadata["outputs"]] == ["SUM", "DIFF", "COPY"]
    assert get(url, "/v2/models/ens/ready").status_code == 200
    config = ok_json(get(url, "/v2/models/ens/config"))
    assert config["platform"] == "ensemble"
    steps = config["ensemble_scheduling"]["step"]
    assert [s["model_name"] for s in steps] == ["pre", "add_sub", "ident"]
    assert steps[1]["input_map"] == {"INPUT0": "SCALED", "INPUT1": "IN"}


def test_statistics_count_the_ensemble_and_its_steps(url):
    before = {m: stats(url, m)["inference_stats"]["success"]["count"]
              for m in ("ens", "pre", "add_sub", "ident")}
    for _ in range(3):
        outputs_by_name(infer(url, "ens", [tensor("IN", "FP32", [1, 4], X[0].tolist())]))
    after = {m: stats(url, m)["inference_stats"]["success"]["count"]
             for m in ("ens", "pre", "add_sub", "ident")}
    assert {m: after[m] - before[m] for m in after} == {"ens": 3, "pre": 3, "add_sub": 3,
                                                        "ident": 3}


def test_a_step_batches_across_concurrent_ensemble_requests(url):
    def batches():
        return {b["batch_size"]: b["compute_infer"]["count"]
                for b in stats(url, "add_sub")["batch_stats"]}
    errors = []

    def one(i):
        row = (X[0] + i).tolist()
        try:
            out = outputs_by_name(infer(url, "ens", [tensor("IN", "FP32", [1, 4], row)]))
            np.testing.assert_allclose(out["SUM"]["data"], 3 * np.array(row, np.float32))
        except AssertionError as e:
            errors.append(e)

    # Bursts of one-row requests: add_sub (20 ms queue delay) sees several at once. On busy
    # shared cores a burst may trickle in one by one, so a few bursts are allowed.
    for _ in range(5):
        before = batches()
        threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        after = batches()
        grown = {size for size, count in after.items() if count > before.get(size, 0)}
        if any(size > 1 for size in grown):
            return
    raise AssertionError(f"add_sub never batched: {before} -> {after}")


@pytest.mark.parametrize("name", sorted(BAD))
def test_load_errors_name_the_step_and_tensor(url, name):
    message = error_message(get(url, f"/v2/models/{name}/ready"), 400)
    assert BAD[name][3] in message, message


def test_load_errors_are_in_the_index(url):
    index = ok_json(requests.post(url + "/v2/repository/index", json={}, timeout=TIMEOUT_S))
    rows = {row["name"]: row for row in index}
    assert rows["ens"]["state"] == "READY"
    assert rows["bad_cycle"]["state"] == "UNAVAILABLE"
    assert "a cycle" in rows["bad_cycle"]["reason"]


def test_a_failing_step_is_a_400_naming_it(url):
    message = error_message(infer(url, "loose", [tensor("IN", "FP32", [1, 3], [1, 2, 3])]), 400)
    assert message.startswith("ensemble step 1 ('pre'): "), message
    assert "INPUT0" in message, message


def test_a_missing_ensemble_input_is_a_400(url):
    message = error_message(infer(url, "ens", [tensor("OTHER", "FP32", [1, 4], [1, 2, 3, 4])]),
                            400)
    assert "IN" in message or "OTHER" in message, message


def test_step_model_unloaded_at_request_time_is_503(start_server, tmp_path):
    root = str(tmp_path)
    write_step_models(root)
    write_ensemble(root, "chain", CHAIN)
    server = start_server(root, *EXPLICIT, "--load-model", "pre", "--load-model", "ident",
                          "--load-model", "chain")
    row = [tensor("IN", "FP32", [1, 4], X[0].tolist())]
    outputs_by_name(infer(server.url, "chain", row))
    response = requests.post(f"{server.url}/v2/repository/models/ident/unload", timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    message = error_message(infer(server.url, "chain", row), 503)
    assert message.startswith("ensemble step 2 ('ident'): step model 'ident' is not available"), \
        message
    # Loaded again, the ensemble serves again: it holds no step model of its own.
    response = requests.post(f"{server.url}/v2/repository/models/ident/load", json={},
                             timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    outputs_by_name(infer(server.url, "chain", row))


def test_loading_an_ensemble_loads_its_step_models(start_server, tmp_path):
    """Explicit model control: as in Triton, loading an ensemble loads its composing models
    (at start-up with --load-model, and through the repository API)."""
    root = str(tmp_path)
    write_step_models(root)
    write_ensemble(root, "chain", CHAIN)
    write_ensemble(root, "ens_missing", [PRE, step("gone", {"INPUT0": "SCALED"},
                                                   {"OUTPUT0": "OUT"})])
    server = start_server(root, *EXPLICIT, "--load-model", "chain")
    assert get(server.url, "/v2/models/pre/ready").status_code == 200
    assert get(server.url, "/v2/models/ident/ready").status_code == 200
    row = [tensor("IN", "FP32", [1, 4], X[0].tolist())]
    np.testing.assert_allclose(outputs_by_name(infer(server.url, "chain", row))["OUT"]["data"],
                               2 * X[0])
    assert get(server.url, "/v2/models/add_sub/ready").status_code != 200  # not a step: not loaded
    requests.post(f"{server.url}/v2/repository/models/ident/unload", timeout=TIMEOUT_S)
    requests.post(f"{server.url}/v2/repository/models/chain/unload", timeout=TIMEOUT_S)
    response = requests.post(f"{server.url}/v2/repository/models/chain/load", json={},
                             timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    assert get(server.url, "/v2/models/ident/ready").status_code == 200
    # A step model that is in no folder: the load fails naming it.
    response = requests.post(f"{server.url}/v2/repository/models/ens_missing/load", json={},
                             timeout=TIMEOUT_S)
    message = error_message(response, 400)
    assert "ensemble step 2 ('gone'): unknown step model 'gone'" in message, message


def test_ensembles_named_before_their_steps_load_after_them_without_errors(start_server,
                                                                           tmp_path):
    """Loading the whole repository loads composite models after the plain ones, whatever
    their names: an ensemble named 'a...' whose steps are 'pre' and 'ident' is ready at
    start-up and the log has no load error for it. An ensemble whose step is another
    ensemble ('a_outer' runs 'z_inner') waits for it and loads once it is."""
    root = str(tmp_path)
    write_step_models(root)
    write_ensemble(root, "a_chain", CHAIN)
    write_ensemble(root, "z_inner", CHAIN, inputs=(("IN", "FP32", [4]),))
    write_ensemble(root, "a_outer", [
        step("z_inner", {"IN": "IN"}, {"OUT": "MID"}),
        step("pre", {"INPUT0": "MID"}, {"OUTPUT0": "OUT"})])
    server = start_server(root)
    row = [tensor("IN", "FP32", [1, 4], X[0].tolist())]
    np.testing.assert_allclose(outputs_by_name(infer(server.url, "a_chain", row))["OUT"]["data"],
                               2 * X[0])
    np.testing.assert_allclose(outputs_by_name(infer(server.url, "a_outer", row))["OUT"]["data"],
                               4 * X[0])
    log = server.log()
    assert [line for line in log.splitlines() if " error " in line and "a_chain" in line] == [], \
        log
