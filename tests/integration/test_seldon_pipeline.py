"""Seldon Core 2 Pipelines (pipeline.yaml folders and --pipeline files) against a repository
built at test time:

    pre      (batches):           OUTPUT0 = 2 * INPUT0
    triple:                       OUTPUT0 = 3 * INPUT0
    ident:                        OUTPUT0 = INPUT0
    add_sub  (dynamic batching):  OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1

    chain:     pre -> ident (tensorMap)                                    OUTPUT0 = 2x
    diamond:   pre(x) and ident(x) side by side -> add_sub                 sum = 3x, diff = x
    cond:      pre if input 'double' is sent, triple if 'triple' is; output stepsJoin outer
    cond_any:  the same branches joined into ident with inputsJoinType any
    cond_outer: add_sub takes pre (triggered) and triple with inputsJoinType outer
    cond_inner: like cond, but the output join is inner (a skipped branch: 504)

and one pipeline per load error. Checked: the three REST addressing forms and gRPC's
seldon-model key, metadata and readiness under those names, numbers against numpy, triggers
skipping steps, joins, statistics of the pipeline and its steps, every bad input (unknown
pipeline 404, missing input 400, failing step 400 naming it, join that cannot complete 504,
step model unloaded 503 naming it, load errors with file:line on ready and in the index), and
the request's timeout reaching a step that would otherwise wait in its queue.
"""

import os

import grpc
import numpy as np
import pytest
import requests

from grpc_helpers import generate_stubs, grpc_address
from held_requests import held_config
from make_test_repository import m, write_probe_triton
from oip_client import TIMEOUT_S, error_message, infer, ok_json, outputs_by_name, tensor

HEAD = "apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nmetadata:\n  name: {name}\n"

PIPELINES = {
    "chain": """spec:
  steps:
    - name: pre
    - name: ident
      inputs: [pre]
      tensorMap:
        pre.outputs.OUTPUT0: INPUT0
  output:
    steps: [ident]
""",
    "diamond": """spec:
  steps:
    - name: pre
    - name: ident
      inputs: [diamond.inputs.INPUT0]
    - name: add_sub
      inputs: [pre.outputs.OUTPUT0, ident.outputs.OUTPUT0]
      tensorMap: {pre.outputs.OUTPUT0: INPUT0, ident.outputs.OUTPUT0: INPUT1}
  output:
    steps: [add_sub]
    tensorMap: {add_sub.outputs.OUTPUT0: sum, add_sub.outputs.OUTPUT1: diff}
""",
    "cond": """spec:
  steps:
    - name: pre
      triggers: [cond.inputs.double]
    - name: triple
      triggers: [cond.inputs.triple]
  output:
    steps: [pre, triple]
    stepsJoin: outer
    tensorMap: {pre.outputs.OUTPUT0: doubled, triple.outputs.OUTPUT0: tripled}
""",
    "cond_any": """spec:
  steps:
    - name: pre
      triggers: [cond_any.inputs.double]
    - name: triple
      triggers: [cond_any.inputs.triple]
    - name: ident
      inputs: [pre.outputs.OUTPUT0, triple.outputs.OUTPUT0]
      inputsJoinType: any
      tensorMap: {pre.outputs.OUTPUT0: INPUT0, triple.outputs.OUTPUT0: INPUT0}
  output:
    steps: [ident]
""",
    "cond_outer": """spec:
  steps:
    - name: pre
      triggers: [cond_outer.inputs.double]
    - name: triple
    - name: add_sub
      inputs: [pre, triple]
      inputsJoinType: outer
      tensorMap: {pre.outputs.OUTPUT0: INPUT0, triple.outputs.OUTPUT0: INPUT1}
  output:
    steps: [add_sub.outputs.OUTPUT0]
""",
    "cond_inner": """spec:
  steps:
    - name: pre
      triggers: [cond_inner.inputs.double]
    - name: triple
      triggers: [cond_inner.inputs.triple]
  output:
    steps: [pre, triple]
    tensorMap: {pre.outputs.OUTPUT0: doubled, triple.outputs.OUTPUT0: tripled}
""",
}

# name -> (spec, a distinctive part of the load error)
BAD = {
    "bad_unknown": ("spec:\n  steps:\n    - name: nope\n  output: {steps: [nope]}\n",
                    "pipeline.yaml:7: step 'nope': unknown model 'nope'"),
    "bad_ref": ("spec:\n  steps:\n    - name: pre\n    - name: ident\n      inputs: [ghost]\n"
                "  output: {steps: [ident]}\n",
                "pipeline.yaml:9: step 'ident' inputs: 'ghost' names 'ghost', which is neither "
                "a step of pipeline 'bad_ref' nor the pipeline itself"),
    "bad_cycle": ("spec:\n  steps:\n    - name: pre\n      inputs: [ident]\n"
                  "      tensorMap: {ident.outputs.OUTPUT0: INPUT0}\n"
                  "    - name: ident\n      inputs: [pre]\n"
                  "      tensorMap: {pre.outputs.OUTPUT0: INPUT0}\n  output: {steps: [ident]}\n",
                  "steps wait on each other (a cycle): 'pre' <- 'ident' <- 'pre'"),
    "bad_yaml": ("spec:\n  steps:\n    - name: [pre\n", "pipeline.yaml:8: malformed YAML"),
    "bad_field": ("spec:\n  steps:\n    - name: pre\n      input: [x]\n",
                  "pipeline.yaml:8: spec.steps[0]: unknown field 'input'"),
    "bad_tensor": ("spec:\n  steps:\n    - name: pre\n  output: {steps: [pre.outputs.NOPE]}\n",
                   "'pre.outputs.NOPE' names tensor 'NOPE', which is not an output of model 'pre'"),
}


def write_pipeline(root, name, body, metadata_name=None):
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    m.write_text(os.path.join(folder, "pipeline.yaml"),
                 HEAD.format(name=metadata_name or name) + body)


def write_step_models(root):
    batch = ["batch", 4]
    m.save(m.scale("pre", "FP32", batch, 2.0), os.path.join(root, "pre", "1", "model.onnx"))
    m.write_triton_config(os.path.join(root, "pre"), name="pre", max_batch_size=8,
                          inputs=[("INPUT0", "FP32", [4])], outputs=[("OUTPUT0", "FP32", [4])])
    m.save(m.scale("triple", "FP32", batch, 3.0), os.path.join(root, "triple", "1", "model.onnx"))
    m.write_triton_config(os.path.join(root, "triple"), name="triple", max_batch_size=8,
                          inputs=[("INPUT0", "FP32", [4])], outputs=[("OUTPUT0", "FP32", [4])])
    m.save(m.identity("ident", "FP32", batch), os.path.join(root, "ident", "1", "model.onnx"))
    m.write_triton_config(os.path.join(root, "ident"), name="ident", max_batch_size=8,
                          inputs=[("INPUT0", "FP32", [4])], outputs=[("OUTPUT0", "FP32", [4])])
    m.save(m.add_sub("add_sub", batch), os.path.join(root, "add_sub", "1", "model.onnx"))
    m.write_triton_config(os.path.join(root, "add_sub"), name="add_sub", max_batch_size=8,
                          inputs=[("INPUT0", "FP32", [4]), ("INPUT1", "FP32", [4])],
                          outputs=[("OUTPUT0", "FP32", [4]), ("OUTPUT1", "FP32", [4])],
                          extra="dynamic_batching { max_queue_delay_microseconds: 2000 }\n")


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("pipelines"))
    write_step_models(root)
    for name, body in PIPELINES.items():
        write_pipeline(root, name, body)
    for name, (body, _) in BAD.items():
        write_pipeline(root, name, body)
    # A step whose requests wait in its queue until they time out (held_requests.py).
    write_probe_triton(root, "held", 4, held_config())
    write_pipeline(root, "held_chain", "spec:\n  steps:\n    - name: held\n"
                   "  output: {steps: [held]}\n")
    # The same for a Triton ensemble, whose steps inherit the request's timeout too.
    os.makedirs(os.path.join(root, "held_ens", "1"))
    m.write_text(os.path.join(root, "held_ens", "config.pbtxt"), m.triton_config_text(
        name="held_ens", platform="ensemble", max_batch_size=4, inputs=[("IN", "FP32", [-1])],
        outputs=[("OUT", "FP32", [-1])],
        extra='ensemble_scheduling {\n  step [\n    {\n      model_name: "held"\n'
              '      model_version: -1\n      input_map { key: "x" value: "IN" }\n'
              '      output_map { key: "y" value: "OUT" }\n    }\n  ]\n}\n'))
    write_pipeline(root, "bad_name", PIPELINES["chain"], metadata_name="other")
    return root


@pytest.fixture(scope="module")
def server(repository):
    from tensord_process import TensordProcess
    process = TensordProcess.start(repository)
    yield process
    assert process.stop() == 0, process.log()


@pytest.fixture(scope="module")
def url(server):
    return server.url


X = np.array([[1, 2, 3, 4], [-1, 0.5, 8, 0]], dtype=np.float32)
ROW = [tensor("INPUT0", "FP32", [2, 4], X.flatten().tolist())]
FLAG = [1]


def post(url, path, inputs, headers=None):
    return requests.post(url + path, json={"inputs": inputs}, headers=headers or {},
                         timeout=TIMEOUT_S)


def outs(response):
    return {name: np.array(o["data"], np.float32).reshape(o["shape"])
            for name, o in outputs_by_name(response).items()}


def get(url, path, headers=None):
    return requests.get(url + path, headers=headers or {}, timeout=TIMEOUT_S)


def stats(url, model):
    (entry,) = ok_json(get(url, f"/v2/models/{model}/stats"))["model_stats"]
    return entry["inference_stats"]["success"]["count"]


def test_chain_at_all_three_rest_addresses(url):
    for path, headers in [("/v2/models/chain.pipeline/infer", None),
                          ("/v2/models/anything/infer", {"Seldon-Model": "chain.pipeline"}),
                          ("/v2/models/ident/infer", {"Seldon-Model": "chain.pipeline"}),
                          ("/v2/pipelines/chain/infer", None)]:
        got = outs(post(url, path, ROW, headers))
        assert set(got) == {"OUTPUT0"}, (path, got)
        np.testing.assert_allclose(got["OUTPUT0"], 2 * X, err_msg=path)


def test_metadata_and_readiness_at_the_same_names(url):
    metadata = ok_json(get(url, "/v2/pipelines/chain"))
    assert metadata["name"] == "chain.pipeline"
    assert metadata["platform"] == "seldon_pipeline"
    assert metadata["inputs"] == [{"name": "INPUT0", "datatype": "FP32", "shape": [-1, 4]}]
    assert metadata["outputs"] == [{"name": "OUTPUT0", "datatype": "FP32", "shape": [-1, 4]}]
    assert ok_json(get(url, "/v2/models/chain.pipeline")) == metadata
    assert ok_json(get(url, "/v2/models/x", {"Seldon-Model": "chain.pipeline"})) == metadata
    for path, headers in [("/v2/pipelines/chain/ready", None),
                          ("/v2/models/chain.pipeline/ready", None),
                          ("/v2/models/x/ready", {"Seldon-Model": "chain.pipeline"})]:
        assert get(url, path, headers).status_code == 200, path


def test_grpc_seldon_model_metadata_key(server, tmp_path):
    pb2, pb2_grpc = generate_stubs(str(tmp_path))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        request = pb2.ModelInferRequest(model_name="whatever")
        request.inputs.add(name="INPUT0", datatype="FP32", shape=[2, 4])
        request.raw_input_contents.append(X.tobytes())
        response = stub.ModelInfer(request, metadata=[("seldon-model", "diamond.pipeline")],
                                   timeout=TIMEOUT_S)
        got = {o.name: np.frombuffer(raw, np.float32).reshape(2, 4)
               for o, raw in zip(response.outputs, response.raw_output_contents)}
        np.testing.assert_allclose(got["sum"], 3 * X)
        np.testing.assert_allclose(got["diff"], X)
        assert response.model_name == "diamond.pipeline"
        ready = stub.ModelReady(pb2.ModelReadyRequest(name="diamond.pipeline"), timeout=TIMEOUT_S)
        assert ready.ready
        ready = stub.ModelReady(pb2.ModelReadyRequest(name="whatever"), timeout=TIMEOUT_S,
                                metadata=[("seldon-model", "diamond.pipeline")])
        assert ready.ready
        metadata = stub.ModelMetadata(pb2.ModelMetadataRequest(name="x"), timeout=TIMEOUT_S,
                                      metadata=[("seldon-model", "diamond.pipeline")])
        assert metadata.name == "diamond.pipeline" and metadata.platform == "seldon_pipeline"
        assert [o.name for o in metadata.outputs] == ["sum", "diff"]
        with pytest.raises(grpc.RpcError) as error:
            stub.ModelInfer(request, metadata=[("seldon-model", "nope.pipeline")],
                            timeout=TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.NOT_FOUND


def test_diamond_with_tensor_map(url):
    got = outs(post(url, "/v2/pipelines/diamond/infer", ROW))
    assert set(got) == {"sum", "diff"}
    np.testing.assert_allclose(got["sum"], 3 * X)
    np.testing.assert_allclose(got["diff"], X)


def test_triggers_skip_steps_and_outer_output_join_answers_with_what_ran(url):
    flag = tensor("double", "INT32", [1], FLAG)
    got = outs(post(url, "/v2/pipelines/cond/infer", ROW + [flag]))
    assert set(got) == {"doubled"}
    np.testing.assert_allclose(got["doubled"], 2 * X)
    got = outs(post(url, "/v2/pipelines/cond/infer",
                    ROW + [tensor("triple", "BOOL", [1], [True])]))
    assert set(got) == {"tripled"}
    np.testing.assert_allclose(got["tripled"], 3 * X)
    got = outs(post(url, "/v2/pipelines/cond/infer",
                    ROW + [flag, tensor("triple", "INT32", [1], FLAG)]))
    assert set(got) == {"doubled", "tripled"}


def test_any_join_runs_with_the_branch_that_came(url):
    for flag, factor in (("double", 2), ("triple", 3)):
        got = outs(post(url, "/v2/pipelines/cond_any/infer",
                        ROW + [tensor(flag, "INT32", [1], FLAG)]))
        np.testing.assert_allclose(got["OUTPUT0"], factor * X)


def test_outer_join_waits_for_both_and_runs_with_what_came(url):
    got = outs(post(url, "/v2/pipelines/cond_outer/infer",
                    ROW + [tensor("double", "INT32", [1], FLAG)]))
    np.testing.assert_allclose(got["OUTPUT0"], 5 * X)
    # Without the trigger add_sub gets only INPUT1: the step fails, named.
    message = error_message(post(url, "/v2/pipelines/cond_outer/infer", ROW), 400)
    assert message.startswith("pipeline 'cond_outer' step 'add_sub': missing input 'INPUT0'"), \
        message


def test_a_join_that_can_never_complete_is_504(url):
    message = error_message(post(url, "/v2/pipelines/cond_inner/infer",
                                 ROW + [tensor("double", "INT32", [1], FLAG)]), 504)
    assert "pipeline 'cond_inner': the output join (inner) can never complete" in message, message
    assert "step 'triple' was skipped: its trigger 'cond_inner.inputs.triple' was not met" \
        in message, message
    message = error_message(post(url, "/v2/pipelines/cond_any/infer", ROW), 504)
    assert "step 'ident' was skipped: its input" in message, message


def test_the_request_timeout_reaches_the_steps(url):
    """Without it the held step would wait for batch mates for a minute (pipelines and
    Triton ensembles alike)."""
    body = {"inputs": [tensor("x", "FP32", [1, 2], [1, 2])], "parameters": {"timeout": 200_000}}
    response = requests.post(url + "/v2/pipelines/held_chain/infer", json=body,
                             timeout=TIMEOUT_S)
    message = error_message(response, 504)
    assert message.startswith("pipeline 'held_chain' step 'held': "), message
    body = {"inputs": [tensor("IN", "FP32", [1, 2], [1, 2])], "parameters": {"timeout": 200_000}}
    response = requests.post(url + "/v2/models/held_ens/infer", json=body, timeout=TIMEOUT_S)
    message = error_message(response, 504)
    assert message.startswith("ensemble step 1 ('held'): "), message


def test_statistics_count_the_pipeline_and_its_steps(url):
    models = ("diamond.pipeline", "pre", "ident", "add_sub")
    before = {name: stats(url, name) for name in models}
    for _ in range(3):
        post(url, "/v2/pipelines/diamond/infer", ROW).raise_for_status()
    after = {name: stats(url, name) for name in models}
    assert {name: after[name] - before[name] for name in models} == \
        {"diamond.pipeline": 3, "pre": 3, "ident": 3, "add_sub": 3}


def test_unknown_pipeline_is_404(url):
    for path, headers in [("/v2/pipelines/nope/infer", None),
                          ("/v2/models/chain/infer", {"Seldon-Model": "nope.pipeline"})]:
        message = error_message(post(url, path, ROW, headers), 404)
        assert "nope.pipeline" in message, message
    assert get(url, "/v2/pipelines/nope/ready").status_code == 404


def test_missing_pipeline_input_is_400(url):
    message = error_message(post(url, "/v2/pipelines/diamond/infer",
                                 [tensor("OTHER", "FP32", [1, 4], [1, 2, 3, 4])]), 400)
    assert "OTHER" in message or "INPUT0" in message, message
    message = error_message(post(url, "/v2/pipelines/diamond/infer", []), 400)
    assert "missing input 'INPUT0' for model 'diamond.pipeline'" in message, message


@pytest.mark.parametrize("name", sorted(BAD))
def test_load_errors_show_on_ready_with_file_and_line(url, name):
    message = error_message(get(url, f"/v2/pipelines/{name}/ready"), 400)
    assert BAD[name][1] in message, message


def test_metadata_name_must_be_the_folder_name(url):
    message = error_message(get(url, "/v2/pipelines/bad_name/ready"), 400)
    assert "metadata.name 'other' is not the pipeline's folder name 'bad_name'" in message, message


def test_load_errors_are_in_the_index_and_the_log(url, server):
    index = ok_json(requests.post(url + "/v2/repository/index", json={}, timeout=TIMEOUT_S))
    rows = {row["name"]: row for row in index}
    assert rows["chain.pipeline"]["state"] == "READY"
    assert rows["bad_cycle.pipeline"]["state"] == "UNAVAILABLE"
    assert "a cycle" in rows["bad_cycle.pipeline"]["reason"]
    assert "unknown model 'nope'" in server.log()


def test_pipeline_file_waits_for_its_models_and_a_step_unloaded_is_503(start_server, tmp_path):
    """Explicit model control, as Seldon's agent drives a server: the --pipeline file is
    there before its models; it loads once they are, and a step unloaded while in use is a
    503 naming it."""
    root = str(tmp_path / "repo")
    write_step_models(root)
    pipeline_file = str(tmp_path / "chain.yaml")
    m.write_text(pipeline_file, HEAD.format(name="chain") + PIPELINES["chain"])
    server = start_server(root, "--model-control-mode", "explicit", "--load-model", "pre",
                          "--pipeline", pipeline_file)
    message = error_message(get(server.url, "/v2/pipelines/chain/ready"), 400)
    assert f"{pipeline_file}:8: step 'ident': unknown model 'ident'" in message, message
    response = requests.post(f"{server.url}/v2/repository/models/ident/load", json={},
                             timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    assert get(server.url, "/v2/pipelines/chain/ready").status_code == 200
    got = outs(post(server.url, "/v2/pipelines/chain/infer", ROW))
    np.testing.assert_allclose(got["OUTPUT0"], 2 * X)
    response = requests.post(f"{server.url}/v2/repository/models/ident/unload", timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    message = error_message(post(server.url, "/v2/pipelines/chain/infer", ROW), 503)
    assert message.startswith("pipeline 'chain' step 'ident': model 'ident' is not available"), \
        message
    response = requests.post(f"{server.url}/v2/repository/models/ident/load", json={},
                             timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    np.testing.assert_allclose(outs(post(server.url, "/v2/pipelines/chain/infer", ROW))["OUTPUT0"],
                               2 * X)


def test_loading_a_pipeline_loads_its_step_models(start_server, tmp_path):
    """Explicit model control: loading a pipeline through the repository API (or with
    --load-model) loads its step models that are not loaded yet, as loading an ensemble does;
    a step model that is in no folder fails the load naming it."""
    root = str(tmp_path / "repo")
    write_step_models(root)
    write_pipeline(root, "chain", PIPELINES["chain"])
    write_pipeline(root, "diamond", PIPELINES["diamond"])
    write_pipeline(root, "lost", "spec:\n  steps:\n    - name: pre\n    - name: gone\n"
                   "      inputs: [pre]\n  output: {steps: [gone]}\n")
    server = start_server(root, "--model-control-mode", "explicit", "--load-model",
                          "diamond.pipeline")
    for model in ("pre", "ident", "add_sub"):
        assert get(server.url, f"/v2/models/{model}/ready").status_code == 200, server.log()
    got = outs(post(server.url, "/v2/pipelines/diamond/infer", ROW))
    np.testing.assert_allclose(got["sum"], 3 * X)
    assert get(server.url, "/v2/models/triple/ready").status_code != 200  # not a step
    requests.post(f"{server.url}/v2/repository/models/ident/unload", timeout=TIMEOUT_S)
    assert get(server.url, "/v2/models/ident/ready").status_code != 200
    response = requests.post(f"{server.url}/v2/repository/models/chain.pipeline/load", json={},
                             timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    assert get(server.url, "/v2/models/ident/ready").status_code == 200
    assert get(server.url, "/v2/pipelines/chain/ready").status_code == 200
    np.testing.assert_allclose(outs(post(server.url, "/v2/pipelines/chain/infer", ROW))["OUTPUT0"],
                               2 * X)
    response = requests.post(f"{server.url}/v2/repository/models/lost.pipeline/load", json={},
                             timeout=TIMEOUT_S)
    message = error_message(response, 400)
    assert "step 'gone': unknown model 'gone'" in message, message
    # gRPC's RepositoryModelLoad goes the same way.
    requests.post(f"{server.url}/v2/repository/models/ident/unload", timeout=TIMEOUT_S)
    requests.post(f"{server.url}/v2/repository/models/chain.pipeline/unload", timeout=TIMEOUT_S)
    pb2, pb2_grpc = generate_stubs(str(tmp_path))
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        stub.RepositoryModelLoad(pb2.RepositoryModelLoadRequest(model_name="chain.pipeline"),
                                 timeout=TIMEOUT_S)
        assert stub.ModelReady(pb2.ModelReadyRequest(name="ident"), timeout=TIMEOUT_S).ready
        assert stub.ModelReady(pb2.ModelReadyRequest(name="chain.pipeline"),
                               timeout=TIMEOUT_S).ready
        with pytest.raises(grpc.RpcError) as error:
            stub.RepositoryModelLoad(pb2.RepositoryModelLoadRequest(model_name="lost.pipeline"),
                                     timeout=TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "step 'gone': unknown model 'gone'" in error.value.details()


def test_the_example_pipeline_that_make_run_serves(start_server, tmp_path):
    import json
    from make_test_repository import REPO_ROOT
    from make_models import example_repository as example
    # Only the pipeline and its two models of scripts/make-models' repository (the others,
    # python ones included, take seconds to start and are tested elsewhere).
    root = str(tmp_path / "example")
    example.write_mlp(root)
    example.write_add_sub(root)
    example.write_sum_classify(root)
    server = start_server(root)
    with open(os.path.join(REPO_ROOT, "examples", "sum_classify-pipeline-request.json")) as f:
        body = json.load(f)
    response = requests.post(server.url + "/v2/pipelines/sum_classify/infer", json=body,
                             timeout=TIMEOUT_S)
    got = outs(response)
    assert set(got) == {"probabilities", "difference"}
    a, b = (np.array(t["data"], np.float32) for t in body["inputs"])
    np.testing.assert_allclose(got["difference"][0], a - b, rtol=1e-6)
    # The same as calling the two models one after the other.
    direct = outs(requests.post(server.url + "/v2/models/mlp/infer", json={"inputs": [
        tensor("input", "FP32", [1, 16], (a + b).tolist())]}, timeout=TIMEOUT_S))
    np.testing.assert_allclose(got["probabilities"], direct["probabilities"], rtol=1e-5)


def test_poll_mode_loads_a_pipeline_once_its_model_arrives(start_server, tmp_path):
    import shutil
    import time
    staging, root = str(tmp_path / "staging"), str(tmp_path / "repo")
    write_step_models(staging)
    os.makedirs(root)
    shutil.move(os.path.join(staging, "pre"), os.path.join(root, "pre"))
    write_pipeline(root, "chain", PIPELINES["chain"])
    server = start_server(root, "--model-control-mode", "poll", "--repository-poll-secs", "0.1")
    message = error_message(get(server.url, "/v2/pipelines/chain/ready"), 400)
    assert "step 'ident': unknown model 'ident'" in message, message
    os.rename(os.path.join(staging, "ident"), os.path.join(root, "ident"))
    deadline = time.monotonic() + 10
    while get(server.url, "/v2/pipelines/chain/ready").status_code != 200:
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)
    np.testing.assert_allclose(outs(post(server.url, "/v2/pipelines/chain/infer", ROW))["OUTPUT0"],
                               2 * X)


def test_pipeline_flag_errors(start_server, tmp_path):
    import subprocess
    from tensord_process import require_binary
    root = str(tmp_path / "repo")
    write_step_models(root)
    bad = str(tmp_path / "bad.yaml")
    m.write_text(bad, HEAD.format(name="bad") + "spec:\n  steps:\n    - name: [pre\n")
    # A file that does not parse has no name to be listed under: the log says why.
    server = start_server(root, "--pipeline", bad)
    assert f"--pipeline {bad}: {bad}:8: malformed YAML" in server.log(), server.log()
    # Poll mode forgets models without a folder, so it refuses the flag.
    result = subprocess.run([require_binary(), "serve", "--model-repository", root,
                             "--model-control-mode", "poll", "--pipeline", bad],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "--pipeline needs --model-control-mode none or explicit" in result.stderr + \
        result.stdout


def test_dotted_and_dashed_model_pipeline_and_tensor_names(start_server, tmp_path):
    # Kubernetes names may hold dots and dashes: a reference's step is what precedes
    # ".inputs" / ".outputs"; the step models here are not at version 1.
    root = str(tmp_path)
    m.save(m.scale("pre-proc.a", "FP32", ["batch", 4], 2.0),
           os.path.join(root, "pre-proc.a", "2", "model.onnx"))
    m.write_triton_config(os.path.join(root, "pre-proc.a"), name="pre-proc.a", max_batch_size=8,
                          inputs=[("INPUT0", "FP32", [4])], outputs=[("OUTPUT0", "FP32", [4])])
    m.save(m.identity("ident_b-1.x", "FP32", ["batch", 4]),
           os.path.join(root, "ident_b-1.x", "5", "model.onnx"))
    m.write_triton_config(os.path.join(root, "ident_b-1.x"), name="ident_b-1.x",
                          max_batch_size=8, inputs=[("INPUT0", "FP32", [4])],
                          outputs=[("OUTPUT0", "FP32", [4])])
    m.write_text(os.path.join(root, "p-1.x", "pipeline.yaml"), HEAD.format(name="p-1.x") + """spec:
  steps:
    - name: pre-proc.a
      inputs: [p-1.x.inputs.in.a]
      tensorMap: {p-1.x.inputs.in.a: INPUT0}
    - name: ident_b-1.x
      inputs: [pre-proc.a]
      tensorMap: {pre-proc.a.outputs.OUTPUT0: INPUT0}
  output:
    steps: [ident_b-1.x]
    tensorMap: {ident_b-1.x.outputs.OUTPUT0: out.b-2}
""")
    server = start_server(root)
    x = [1.0, 2.0, 3.0, 4.0]
    for path in ("/v2/models/p-1.x.pipeline/infer", "/v2/pipelines/p-1.x/infer"):
        response = requests.post(server.url + path, timeout=TIMEOUT_S,
                                 json={"inputs": [tensor("in.a", "FP32", [1, 4], x)]})
        outputs = outputs_by_name(response)
        assert outputs["out.b-2"]["data"] == [2 * v for v in x], path
    ready = requests.get(server.url + "/v2/models/p-1.x.pipeline/ready", timeout=TIMEOUT_S)
    assert ready.status_code == 200, ready.text


def test_a_new_step_model_version_serves_the_pipeline_and_the_old_one_is_let_go(start_server,
                                                                                tmp_path):
    """Steps remember the version they were last sent to until the repository changes: a
    reload that brings version 2 of a step model sends the next pipeline request to it, and
    version 1, no longer served, is not held by the pipeline. Ensembles likewise."""
    root = str(tmp_path)
    config = ('name: "step.m"\nbackend: "identity"\nmax_batch_size: 8\n'
              'input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]\n'
              'output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]\n')
    m.write_text(os.path.join(root, "step.m", "config.pbtxt"),
                 config + "version_policy: { latest: { num_versions: 1 } }\n")
    os.makedirs(os.path.join(root, "step.m", "1"))
    write_pipeline(root, "p", "spec:\n  steps:\n    - name: step.m\n  output:\n    steps: [step.m]\n")
    m.write_text(os.path.join(root, "ens", "config.pbtxt"), (
        'name: "ens"\nplatform: "ensemble"\nmax_batch_size: 8\n'
        'input [ { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] } ]\n'
        'output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]\n'
        'ensemble_scheduling { step [ { model_name: "step.m" model_version: -1 '
        'input_map { key: "INPUT0" value: "IN" } output_map { key: "OUTPUT0" value: "OUT" } } ] }\n'))
    server = start_server(root, "--model-control-mode", "explicit", "--load-model", "*")
    row = [tensor("INPUT0", "FP32", [1, 4], X[0].tolist())]
    ens_row = [tensor("IN", "FP32", [1, 4], X[0].tolist())]

    def successes(version):
        response = get(server.url, f"/v2/models/step.m/versions/{version}/stats")
        if response.status_code != 200:
            return None
        (entry,) = response.json()["model_stats"]
        return entry["inference_stats"]["success"]["count"]

    for _ in range(3):
        outs(post(server.url, "/v2/pipelines/p/infer", row))
        outputs_by_name(infer(server.url, "ens", ens_row))
    assert successes(1) == 6
    os.makedirs(os.path.join(root, "step.m", "2"))
    response = requests.post(f"{server.url}/v2/repository/models/step.m/load", json={},
                             timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    for _ in range(2):
        np.testing.assert_allclose(outs(post(server.url, "/v2/pipelines/p/infer", row))["OUTPUT0"],
                                   X[0:1])
        outputs_by_name(infer(server.url, "ens", ens_row))
    assert successes(2) == 4
    index = ok_json(requests.post(f"{server.url}/v2/repository/index", json={},
                                  timeout=TIMEOUT_S))
    states = {e["version"]: e["state"] for e in index if e["name"] == "step.m"}
    assert states.get("2") == "READY" and states.get("1") in (None, "UNAVAILABLE"), index
