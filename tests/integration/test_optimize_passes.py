"""Unit tests of the passes of `tensord optimize` (tools/optimize/tensord_optimize/passes) on
small graphs built with onnx.helper. Structure is checked in Python; numbers by running each
result through tensord's own core (tensord-optimize-helper), as the command does."""
import os

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from optimize_support import conv_net, mlp, mlp_reference, optimize_tools
from tensord_optimize.errors import OptimizeError
from tensord_optimize.model_io import model_inputs
from tensord_optimize.passes import fp16, graph, int8_dynamic, int8_static, prune
from tensord_optimize.samples import load_samples

RNG = np.random.default_rng(5)


def ops(model):
    return [n.op_type for n in model.graph.node]


@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    return optimize_tools(tmp_path_factory.mktemp("passes"))


@pytest.mark.parametrize("gemm", [False, True])
@pytest.mark.parametrize("form", int8_dynamic.FORMS)
def test_int8_dynamic_quantizes_every_fc_layer_and_stays_close(tools, form, gemm):
    model = mlp([32, 64, 64, 10], seed=1, gemm=gemm)
    result = int8_dynamic.quantize(model, form)
    onnx.checker.check_model(result.model)
    expected = "DynamicQuantizeMatMul" if form == "dqmatmul" else "MatMulInteger"
    assert ops(result.model).count(expected) == 3
    assert "MatMul" not in ops(result.model) and "Gemm" not in ops(result.model)
    weights = [t for t in result.model.graph.initializer if t.data_type == onnx.TensorProto.INT8
               and len(t.dims) == 2]
    assert len(weights) == 3
    x = RNG.random((40, 32), np.float32)
    y = tools.run(result.model, {"x": x}, batch=16)["y"]
    ref = mlp_reference(model, x)
    assert np.max(np.abs(y - ref)) < 0.05 * np.max(np.abs(ref))
    assert result.notes[0].startswith("3 MatMul/Gemm quantized")


def test_int8_dynamic_leaves_a_matmul_without_constant_weight_float():
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "g",
                          [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3]),
                           helper.make_tensor_value_info("b", TensorProto.FLOAT, [3, 4])],
                          [helper.make_tensor_value_info("c", TensorProto.FLOAT, [2, 4])])
    result = int8_dynamic.quantize(helper.make_model(g), "dqmatmul")
    assert result.model is None
    assert "left float: MatMul c: weight is not an initializer" in result.notes


def test_int8_static_qdq_on_conv_and_gemm_with_relu_folded(tools):
    model = conv_net()
    names = int8_static.calibration_tensors(model)
    # inputs of the three ops, and their outputs after the folded Relus
    assert names == ["img", "r0", "r1", "f", "scores"]
    x = RNG.random((24, 3, 8, 8), np.float32)
    recorded = tools.run(int8_static.calibration_model(model, names), {"img": x}, batch=8)
    arrays = {n: recorded[f"calib_{i}"] for i, n in enumerate(names)}
    assert np.all(arrays["r0"] >= 0)
    reference = tools.run(model, {"img": x}, batch=8)["scores"]
    for method in int8_static.METHODS:
        ranges = int8_static.ranges_from(arrays, method)
        assert all(lo <= 0 <= hi for lo, hi in ranges.values())
        result = int8_static.quantize(model, ranges)
        onnx.checker.check_model(result.model)
        kinds = ops(result.model)
        assert "Relu" not in kinds  # folded into the uint8 output ranges
        assert kinds.count("QuantizeLinear") == 5  # img, r0, r1, f, scores
        axis = [a.i for n in result.model.graph.node if n.op_type == "DequantizeLinear"
                for a in n.attribute if a.name == "axis"]
        assert axis, "weights are quantized per channel"
        got = tools.run(result.model, {"img": x}, batch=8)["scores"]
        assert np.max(np.abs(got - reference)) < 0.05 * np.max(np.abs(reference)) + 0.02
        assert np.mean(np.argmax(got, 1) == np.argmax(reference, 1)) >= 0.9


def test_percentile_ranges_are_narrower_than_minmax():
    a = {"t": np.concatenate([np.linspace(-1, 1, 100000), [50.0]]).astype(np.float32)}
    assert int8_static.ranges_from(a, "minmax")["t"] == (-1.0, 50.0)
    lo, hi = int8_static.ranges_from(a, "percentile")["t"]
    assert -1.0 <= lo < 0 < hi < 2


def test_fp16_halves_the_weights_and_keeps_the_outputs(tools):
    model = mlp([32, 64, 10], seed=2)
    result = fp16.convert(model)
    onnx.checker.check_model(result.model)
    halves = [t for t in result.model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT16]
    assert len(halves) == 3  # w0, b0 (64 elements) and w1; b1 has 10, too small to bother
    assert len(result.model.SerializeToString()) < 0.6 * len(model.SerializeToString())
    x = RNG.random((20, 32), np.float32)
    y = tools.run(result.model, {"x": x}, batch=8)["y"]
    assert np.max(np.abs(y - mlp_reference(model, x))) < 1e-2


@pytest.mark.parametrize("gemm", [False, True])
def test_prune_drops_the_smallest_units_and_rewrites_the_next_layer(tools, gemm):
    model = mlp([16, 40, 30, 6], seed=3, gemm=gemm)
    result = prune.prune(model, 0.5)
    onnx.checker.check_model(result.model)
    t = {i.name: numpy_helper.to_array(i) for i in result.model.graph.initializer}
    before = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    w = (lambda a: a.T) if gemm else (lambda a: a)
    assert w(t["w0"]).shape == (16, 20) and t["b0"].shape == (20,)
    assert w(t["w1"]).shape == (20, 15) and t["b1"].shape == (15,)
    assert w(t["w2"]).shape == (15, 6)
    # the kept units of layer 0 are the 20 with the largest norm products
    score = np.linalg.norm(w(before["w0"]), axis=0) * np.linalg.norm(w(before["w1"]), axis=1)
    kept = np.sort(np.argsort(-score)[:20])
    np.testing.assert_array_equal(t["b0"], before["b0"][kept])
    x = RNG.random((12, 16), np.float32)
    y = tools.run(result.model, {"x": x}, batch=4)["y"]
    np.testing.assert_allclose(y, mlp_reference(result.model, x), rtol=1e-4, atol=1e-5)
    assert len(result.notes) == 2  # both hidden layers
    assert "40 -> 20 hidden units" in result.notes[0]


def test_prune_refuses_a_fraction_outside_zero_one():
    with pytest.raises(ValueError, match="expected a fraction in"):
        prune.prune(mlp([4, 8, 2]), 1.5)


def test_prune_finds_nothing_in_a_single_layer():
    result = prune.prune(mlp([4, 2]), 0.5)
    assert result.model is None and "no FC -> activation -> FC chain" in result.notes[0]


@pytest.mark.parametrize("level", graph.LEVELS)
def test_graph_pass_saves_ort_optimized_model(tools, tmp_path, level):
    model = mlp([8, 16, 4], seed=4)
    path = os.path.join(tmp_path, "m.onnx")
    onnx.save(model, path)
    x = RNG.random((6, 8), np.float32)
    result = graph.optimize(path, tools, {"x": x}, 4, level)
    onnx.checker.check_model(result.model)
    y = tools.run(result.model, {"x": x}, batch=4)["y"]
    np.testing.assert_allclose(y, mlp_reference(model, x), rtol=1e-4, atol=1e-5)
    if level == "extended":  # MatMul + Add fused for the CPU provider
        assert "Gemm" in ops(result.model) or "FusedMatMul" in ops(result.model)


def test_samples_json_npy_and_folder(tmp_path):
    specs = model_inputs(mlp([3, 2]))
    x = RNG.random((4, 3), np.float32)
    np.save(tmp_path / "x.npy", x)
    np.testing.assert_array_equal(load_samples(str(tmp_path / "x.npy"), specs)["x"], x)
    np.testing.assert_array_equal(load_samples(str(tmp_path), specs)["x"], x)
    (tmp_path / "s.json").write_text(
        '{"data": [{"x": [1, 2, 3]}, {"x": {"content": [4, 5, 6, 7, 8, 9], "shape": [2, 3]}}]}')
    got = load_samples(str(tmp_path / "s.json"), specs)["x"]
    assert got.dtype == np.float32 and got.shape == (3, 3) and got[2, 2] == 9


@pytest.mark.parametrize("array, message", [
    (np.zeros((4, 3)), "input 'x' is FP64 (float64) in"),
    (np.zeros((4, 5), np.float32), "has shape [4, 5] in"),
    (np.zeros((4,), np.float32), "the model expects [-1, 3] (first axis = sample)"),
])
def test_samples_that_do_not_match_the_model_are_refused(tmp_path, array, message):
    np.save(tmp_path / "x.npy", array)
    with pytest.raises(OptimizeError) as e:
        load_samples(str(tmp_path / "x.npy"), model_inputs(mlp([3, 2])))
    assert message in str(e.value)


def test_samples_folder_with_an_unknown_input_is_refused(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 3), np.float32))
    np.save(tmp_path / "z.npy", np.zeros((2, 3), np.float32))
    with pytest.raises(OptimizeError, match=r"z.npy names no input of the model \(inputs: x\)"):
        load_samples(str(tmp_path), model_inputs(mlp([3, 2])))


def test_agreement_is_top1_for_scores_and_range_tolerance_otherwise():
    from tensord_optimize import accuracy
    ref = {"scores": np.array([[0.1, 0.9], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]], np.float32),
           "value": np.array([[0.0], [1.0], [2.0], [10.0]], np.float32)}
    got = {"scores": np.array([[0.2, 0.8], [0.1, 0.9], [0.4, 0.6], [0.3, 0.7]], np.float32),
           "value": np.array([[0.05], [1.0], [2.5], [10.0]], np.float32)}
    acc = accuracy.compare(ref, got, {"scores": np.array([1, 0, 0, 1])})
    assert acc["outputs"]["scores"]["top1_agreement"] == 0.75
    assert acc["outputs"]["scores"]["label_accuracy"] == 0.5
    # within 1% of the range (10): 0.05 and 0 and 0 yes, 0.5 no
    assert acc["outputs"]["value"]["within_1pct_of_range"] == 0.75
    assert acc["agreement"] == 0.75
    assert acc["outputs"]["value"]["max_abs"] == pytest.approx(0.5)


def test_write_choice_follows_min_agreement():
    from tensord_optimize.cli import choose

    def row(name, agreement, speedup, status="ok"):
        return {"name": name, "status": status, "accuracy": {"agreement": agreement},
                "speedup_batched": speedup}
    rows = [row("original", 1, 1), row("a", 0.999, 2.0), row("b", 0.995, 3.0),
            row("c", 0.90, 5.0), row("d", 0, 0, status="refused by ONNX Runtime: x")]
    assert [r["name"] for r in choose(rows, "best", 0.99)] == ["b"]
    assert [r["name"] for r in choose(rows, "all", 0.99)] == ["a", "b"]
    assert [r["name"] for r in choose(rows, "c", 0.5)] == ["c"]
    with pytest.raises(OptimizeError, match="agreement 0.9000 is below --min-agreement 0.99"):
        choose(rows, "c", 0.99)
    with pytest.raises(OptimizeError, match="no candidate reaches --min-agreement 0.9999"):
        choose(rows, "best", 0.9999)
    with pytest.raises(OptimizeError, match="no such candidate"):
        choose(rows, "zzz", 0.99)
    with pytest.raises(OptimizeError, match="not usable"):
        choose(rows, "d", 0)


def test_a_candidate_onnx_runtime_refuses_is_marked_and_cannot_be_written(tools):
    """The path a pass's output takes when ONNX Runtime (through tensord) will not load it:
    a graph the checker accepts but no ONNX Runtime kernel implements."""
    from onnx import TensorProto, helper
    from tensord_optimize.cli import choose, measure
    model = mlp([4, 3], seed=6)
    broken = mlp([4, 3], seed=6)
    broken.graph.node.append(helper.make_node("Shrink", ["y"], ["z"], bias=0.0, lambd=0.0))
    broken.graph.output[0].CopyFrom(helper.make_tensor_value_info("z", TensorProto.FLOAT, None))
    broken.graph.node[-1].domain = "ai.unknown"
    broken.opset_import.append(helper.make_opsetid("ai.unknown", 1))
    x = {"x": RNG.random((4, 4), np.float32)}

    class Session:
        def outputs(self, m, tag):
            return tools.run(m, x, 4, tag=tag)
    session = Session()
    reference = session.outputs(model, "ref")
    rows = [measure(session, "original", model, [], reference, None),
            measure(session, "broken", broken, [], reference, None)]
    assert rows[1]["status"].startswith("refused by ONNX Runtime: the model does not load")
    assert "Shrink" in rows[1]["status"]
    with pytest.raises(OptimizeError, match=r"--write broken: the candidate is not usable "
                                            r"\(refused by ONNX Runtime"):
        choose(rows, "broken", 0)
