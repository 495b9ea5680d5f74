"""Seldon pipelines through MLServer models that declare no inputs or outputs (no "inputs" /
"outputs" in model-settings.json), as Seldon Core 2 runs them: names and types are the model
code's business, so the pipeline checks them when the request runs, not when it loads.

    echo-2 (python, open, version "v3"):  <name>_out = <name> * 2 for every input it gets
    add-3  (ONNX identity, version 3):    OUTPUT0 = INPUT0 (FP32 [-1, 1])

    open-chain:  <p>.inputs.in-x -> echo-2 -> add-3 (tensorMap in-x_out -> INPUT0);
                 outputs: all of echo-2's (one renamed) and add-3's OUTPUT0
    open-all:    every pipeline input -> echo-2; outputs: all of echo-2's
    open-bad:    echo-2's 'missing' output -> add-3: the output never comes (504 naming it)
"""

import os
import textwrap

import numpy as np
import pytest
import requests

from make_test_repository import m
from oip_client import TIMEOUT_S, error_message

ECHO = textwrap.dedent("""\
    import numpy as np
    from mlserver import MLModel
    from mlserver.codecs import NumpyCodec
    from mlserver.types import InferenceResponse


    class Echo(MLModel):
        async def load(self):
            return True

        async def predict(self, payload):
            outputs = []
            for request_input in payload.inputs:
                values = NumpyCodec.decode_input(request_input)
                outputs.append(NumpyCodec.encode_output(request_input.name + "_out",
                                                        values * 2))
            return InferenceResponse(model_name=self.name, model_version=self.version,
                                     outputs=outputs)
    """)

HEAD = "apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nmetadata:\n  name: {name}\n"

PIPELINES = {
    "open-chain": """spec:
  steps:
    - name: echo-2
      inputs: [open-chain.inputs.in-x]
    - name: add-3
      inputs: [echo-2.outputs.in-x_out]
      tensorMap:
        echo-2.outputs.in-x_out: INPUT0
  output:
    steps: [echo-2, add-3.outputs.OUTPUT0]
    tensorMap:
      echo-2.outputs.in-x_out: doubled
""",
    "open-all": """spec:
  steps:
    - name: echo-2
  output:
    steps: [echo-2]
""",
    "open-bad": """spec:
  steps:
    - name: echo-2
    - name: add-3
      inputs: [echo-2.outputs.missing]
      tensorMap:
        echo-2.outputs.missing: INPUT0
  output:
    steps: [add-3]
""",
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


@pytest.fixture(scope="module")
def server(tmp_path_factory, start_server_module):
    root = str(tmp_path_factory.mktemp("open_pipelines"))
    write(os.path.join(root, "echo-2", "model-settings.json"),
          '{"name": "echo-2", "implementation": "echo_models.Echo", '
          '"parameters": {"version": "v3"}}\n')
    write(os.path.join(root, "echo-2", "echo_models.py"), ECHO)
    os.makedirs(os.path.join(root, "add-3", "3"))
    m.save(m.identity("add-3", "FP32", [-1, 1]), os.path.join(root, "add-3", "3", "model.onnx"))
    for name, body in PIPELINES.items():
        write(os.path.join(root, name, "pipeline.yaml"), HEAD.format(name=name) + body)
    return start_server_module(root)


def post(server, pipeline, inputs):
    return requests.post(f"{server.url}/v2/pipelines/{pipeline}/infer", json={"inputs": inputs},
                         timeout=TIMEOUT_S)


def by_name(reply):
    return {o["name"]: o for o in reply.json()["outputs"]}


def test_open_pipelines_load_and_say_they_declare_no_tensors(server):
    index = requests.post(f"{server.url}/v2/repository/index", timeout=TIMEOUT_S).json()
    states = {entry["name"]: entry for entry in index}
    for name in PIPELINES:
        entry = states[f"{name}.pipeline"]
        assert entry["state"] == "READY", entry
    meta = requests.get(f"{server.url}/v2/pipelines/open-chain", timeout=TIMEOUT_S)
    assert meta.status_code == 200, meta.text
    assert meta.json()["inputs"] == [] and meta.json()["outputs"] == []


def test_a_chain_through_an_open_model_runs_with_its_run_time_tensors(server):
    x = [1.5, -2.0, 4.0]
    reply = post(server, "open-chain", [{"name": "in-x", "shape": [3, 1], "datatype": "FP32",
                                         "data": x}])
    assert reply.status_code == 200, reply.text
    outputs = by_name(reply)
    assert set(outputs) == {"doubled", "OUTPUT0"}
    doubled = np.array(outputs["doubled"]["data"], dtype=np.float32)
    np.testing.assert_allclose(doubled, np.array(x, dtype=np.float32) * 2)
    assert outputs["doubled"]["datatype"] == "FP32"
    # add-3 echoes what it was given: echo-2's output under the tensorMap name.
    np.testing.assert_allclose(np.array(outputs["OUTPUT0"]["data"], dtype=np.float32),
                               np.array(x, dtype=np.float32) * 2)


def test_every_pipeline_input_reaches_an_open_model_whatever_its_type(server):
    reply = post(server, "open-all", [
        {"name": "a", "shape": [2], "datatype": "INT32", "data": [3, -4]},
        {"name": "b.c", "shape": [1, 2], "datatype": "FP64", "data": [0.5, 1.5]},
    ])
    assert reply.status_code == 200, reply.text
    outputs = by_name(reply)
    assert set(outputs) == {"a_out", "b.c_out"}
    assert outputs["a_out"]["datatype"] == "INT32"
    assert outputs["a_out"]["data"] == [6, -8]
    assert outputs["b.c_out"]["datatype"] == "FP64"
    assert outputs["b.c_out"]["data"] == [1.0, 3.0]


def test_asking_an_open_pipeline_for_one_output_returns_that_one(server):
    reply = requests.post(f"{server.url}/v2/pipelines/open-all/infer", timeout=TIMEOUT_S, json={
        "inputs": [{"name": "a", "shape": [1], "datatype": "FP32", "data": [1]},
                   {"name": "b", "shape": [1], "datatype": "FP32", "data": [2]}],
        "outputs": [{"name": "b_out"}]})
    assert reply.status_code == 200, reply.text
    assert [o["name"] for o in reply.json()["outputs"]] == ["b_out"]


def test_bad_data_still_fails_in_the_step_that_gets_it(server):
    # 3 FP32 elements declared, 2 sent: the open step's own checks answer 400.
    reply = post(server, "open-chain", [{"name": "in-x", "shape": [3, 1], "datatype": "FP32",
                                         "data": [1, 2]}])
    assert reply.status_code == 400, reply.text
    assert "in-x" in error_message(reply, 400)


def test_an_output_an_open_model_never_makes_fails_naming_it(server):
    reply = post(server, "open-bad", [{"name": "x", "shape": [1], "datatype": "FP32",
                                       "data": [1]}])
    assert reply.status_code == 504, reply.text
    message = error_message(reply, 504)
    assert "echo-2.outputs.missing" in message and "add-3" in message
