"""Inference through real models: MLP numbers against numpy on the weights read back from
the ONNX file, add_sub, outputs selection, id and parameters, version routing, a dotted
model name, an MLServer model and a model without any config."""

import numpy as np
import pytest

import make_test_repository as test_repo
from oip_client import infer, ok_json, outputs_by_name, tensor


@pytest.fixture(scope="module")
def mlp_layers(repository):
    return test_repo.m.mlp_weights(test_repo.mlp_path(repository))


def mlp_input(rows):
    rng = np.random.default_rng(99)
    return rng.uniform(-2, 2, size=(rows, test_repo.MLP_SIZES[0])).astype(np.float32)


@pytest.mark.parametrize("rows", [1, 3, test_repo.MLP_MAX_BATCH])
def test_mlp_matches_numpy_on_the_file_weights(base_url, mlp_layers, rows):
    x = mlp_input(rows)
    response = infer(base_url, "mlp_test", [tensor("input", "FP32", list(x.shape), x.tolist())])
    outputs = outputs_by_name(response)
    assert set(outputs) == {"logits", "probabilities"}
    logits, probabilities = test_repo.m.mlp_reference(mlp_layers, x)
    for name, expected in (("logits", logits), ("probabilities", probabilities)):
        assert outputs[name]["datatype"] == "FP32"
        assert outputs[name]["shape"] == [rows, test_repo.MLP_SIZES[-1]]
        got = np.array(outputs[name]["data"], dtype=np.float64).reshape(expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=name)


def test_outputs_selection_returns_only_the_requested_output(base_url, mlp_layers):
    x = mlp_input(2)
    response = infer(base_url, "mlp_test", [tensor("input", "FP32", [2, 8], x.tolist())],
                     outputs=[{"name": "probabilities"}])
    outputs = outputs_by_name(response)
    assert list(outputs) == ["probabilities"]
    _, probabilities = test_repo.m.mlp_reference(mlp_layers, x)
    got = np.array(outputs["probabilities"]["data"]).reshape(2, 3)
    np.testing.assert_allclose(got, probabilities, rtol=1e-5, atol=1e-6)


def add_sub_inputs(a, b):
    return [tensor("INPUT0", "FP32", [len(a)], a), tensor("INPUT1", "FP32", [len(b)], b)]


def test_add_sub(base_url):
    a, b = [1.0, 2.5, -3.0, 100.0], [0.5, 0.5, 4.0, -1.0]
    outputs = outputs_by_name(infer(base_url, "add_sub", add_sub_inputs(a, b)))
    assert outputs["OUTPUT0"]["data"] == [x + y for x, y in zip(a, b)]
    assert outputs["OUTPUT1"]["data"] == [x - y for x, y in zip(a, b)]
    assert outputs["OUTPUT0"]["shape"] == [4] and outputs["OUTPUT1"]["shape"] == [4]


def test_add_sub_selected_outputs_in_requested_order(base_url):
    response = infer(base_url, "add_sub", add_sub_inputs([3.0], [1.0]),
                     outputs=[{"name": "OUTPUT1"}, {"name": "OUTPUT0"}])
    body = ok_json(response)
    assert [o["name"] for o in body["outputs"]] == ["OUTPUT1", "OUTPUT0"]
    assert body["outputs"][0]["data"] == [2.0] and body["outputs"][1]["data"] == [4.0]


def test_only_second_output(base_url):
    response = infer(base_url, "add_sub", add_sub_inputs([3.0], [1.0]),
                     outputs=[{"name": "OUTPUT1"}])
    assert list(outputs_by_name(response)) == ["OUTPUT1"]


def test_id_is_echoed(base_url):
    body = ok_json(infer(base_url, "add_sub", add_sub_inputs([1.0], [1.0]), id="req-42 ✓"))
    assert body["id"] == "req-42 ✓"


def test_request_tensor_and_output_parameters_are_accepted(base_url):
    inputs = add_sub_inputs([1.0, 2.0], [3.0, 4.0])
    inputs[0]["parameters"] = {"note": "first", "weight": 2, "flag": True}
    response = infer(base_url, "add_sub", inputs, id="with-parameters",
                     parameters={"custom": "value", "priority": 1, "nested_ok": False,
                                 "binary_data_output": False},
                     outputs=[{"name": "OUTPUT0", "parameters": {"binary_data": False}}])
    outputs = outputs_by_name(response)
    assert outputs["OUTPUT0"]["data"] == [4.0, 6.0]


def test_inputs_in_any_order(base_url):
    inputs = list(reversed(add_sub_inputs([5.0], [2.0])))
    outputs = outputs_by_name(infer(base_url, "add_sub", inputs))
    assert outputs["OUTPUT0"]["data"] == [7.0] and outputs["OUTPUT1"]["data"] == [3.0]


@pytest.mark.parametrize("version, added", [("1", 1.0), ("2", 2.0), (None, 2.0)])
def test_version_routing(base_url, version, added):
    values = [0.0, 1.5, -4.0]
    response = infer(base_url, "versioned", [tensor("INPUT0", "FP32", [3], values)],
                     version=version)
    body = ok_json(response)
    assert body["model_name"] == "versioned"
    # No version asked: the highest one serves.
    assert body["model_version"] == (version or "2")
    assert body["outputs"][0]["data"] == [v + added for v in values]


def test_dotted_and_dashed_model_name_at_version_3(base_url):
    x = [[1.0, 2.0, 3.0, 4.0], [-0.5, 0.0, 0.25, 8.0]]
    for version in (test_repo.DOTTED_VERSION, None):
        response = infer(base_url, test_repo.DOTTED_NAME, [tensor("x", "FP32", [2, 4], x)],
                         version=version)
        body = ok_json(response)
        assert body["model_name"] == test_repo.DOTTED_NAME
        assert body["model_version"] == test_repo.DOTTED_VERSION
        assert body["outputs"][0]["name"] == "y"
        assert body["outputs"][0]["data"] == [2 * v for row in x for v in row]


def test_mlserver_model(base_url):
    a = [[1.0, 2.0, 3.0, 4.0]]
    b = [[0.5, 0.25, -1.0, 10.0]]
    inputs = [tensor("INPUT0", "FP32", [1, 4], a), tensor("INPUT1", "FP32", [1, 4], b)]
    for version in (test_repo.MLSERVER_VERSION, None):
        body = ok_json(infer(base_url, "add_sub_mls", inputs, version=version))
        assert body["model_version"] == test_repo.MLSERVER_VERSION
        outputs = {o["name"]: o for o in body["outputs"]}
        assert outputs["OUTPUT0"]["data"] == [1.5, 2.25, 2.0, 14.0]
        assert outputs["OUTPUT1"]["data"] == [0.5, 1.75, 4.0, -6.0]


def test_model_without_config(base_url):
    x = [[1, 2, 3], [-4, 5, -6]]
    outputs = outputs_by_name(infer(base_url, "noconfig", [tensor("x", "INT32", [2, 3], x)]))
    assert outputs["y"]["datatype"] == "INT32"
    assert outputs["y"]["shape"] == [2, 3]
    assert outputs["y"]["data"] == [3, 6, 9, -12, 15, -18]

