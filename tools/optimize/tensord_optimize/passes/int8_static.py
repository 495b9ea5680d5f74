"""int8 static quantization in QDQ form: Conv, MatMul and Gemm get QuantizeLinear ->
DequantizeLinear pairs on their activation input and output (uint8, ranges calibrated on the
samples) and int8 weights per output channel (symmetric; bias int32 at input scale x weight
scale), which ONNX Runtime's CPU provider fuses into QLinearConv / QLinearMatMul /
QGemm at load. A Relu or Clip(min 0) that is the op's only reader is folded into the output
quantization (its range starts at 0, so the uint8 saturation is the Relu). Everything else
(pooling, Add, Softmax, ...) stays float between a DQ and a Q.

    names = calibration_tensors(model)                 # what to record on the samples
    cal = calibration_model(model, names)              # names -> outputs "calib_<i>"
    ranges = ranges_from(arrays, method="percentile")  # {tensor: (lo, hi)}
    result = quantize(model, ranges)
"""
import copy

import numpy as np
import onnx
from onnx import helper, numpy_helper

from . import PassResult
from ..graph_util import GraphIndex, attribute, opset, remove_unused_initializers
from ..graph_util import set_nodes, symmetric_int8, unique_name

OPS = ("Conv", "MatMul", "Gemm")
METHODS = ("minmax", "percentile")
PERCENTILE = 99.99


def _weight_axis(node, w):
    if node.op_type == "Conv":
        return 0
    if node.op_type == "Gemm":
        return 0 if attribute(node, "transB", 0) else 1
    return 1 if w.ndim == 2 else None


def _targets(model):
    """[(node, output tensor to quantize, folded activation or None)] for quantizable nodes,
    and the notes for those left float."""
    index = GraphIndex(model.graph)
    targets, notes = [], []
    positions = {n.output[0]: i for i, n in enumerate(model.graph.node) if n.output}
    for i, node in enumerate(model.graph.node):
        if node.op_type not in OPS:
            continue
        w = index.constant(node.input[1]) if len(node.input) > 1 else None
        why = None
        if w is None or w.dtype != np.float32:
            why = "weight is not a float initializer"
        elif _weight_axis(node, w) is None:
            why = f"weight of rank {w.ndim}"
        elif node.op_type == "Gemm" and attribute(node, "transA", 0):
            why = "Gemm with transA"
        elif index.constant(node.input[0]) is not None:
            why = "constant activation"
        if why:
            notes.append(f"left float: {node.op_type} {node.name or node.output[0]}: {why}")
            continue
        out = node.output[0]
        act = index.only_consumer(out)
        fold = None
        if act is not None and act.op_type == "Relu":
            fold = act
        elif act is not None and act.op_type == "Clip":
            lo = index.constant(act.input[1]) if len(act.input) > 1 and act.input[1] else \
                attribute(act, "min", None)
            if lo is not None and float(np.asarray(lo)) == 0.0:
                fold = act
        targets.append((i, node, fold.output[0] if fold else out,
                        positions[fold.output[0]] if fold else None))
    return targets, notes


def calibration_tensors(model):
    """The activation tensors whose ranges quantize() needs, in a stable order."""
    names = []
    for _, node, out, _ in _targets(model)[0]:
        for n in (node.input[0], out):
            if n not in names:
                names.append(n)
    return names


def calibration_model(model, names):
    """A copy whose outputs are the original ones plus each of `names` as "calib_<i>"
    (file-safe names for the helper's .npy files)."""
    cal = copy.deepcopy(model)
    for i, name in enumerate(names):
        alias = f"calib_{i}"
        cal.graph.node.append(helper.make_node("Identity", [name], [alias], name=alias))
        cal.graph.output.append(helper.make_tensor_value_info(alias, onnx.TensorProto.FLOAT, None))
    return cal


def ranges_from(arrays, method):
    """{name: (lo, hi)} from {name: samples array}; the range always holds 0."""
    assert method in METHODS
    ranges = {}
    for name, a in arrays.items():
        a = np.asarray(a, dtype=np.float32).reshape(-1)
        if method == "minmax":
            lo, hi = float(a.min()), float(a.max())
        else:
            lo, hi = (float(x) for x in np.percentile(a, [100 - PERCENTILE, PERCENTILE]))
        ranges[name] = (min(lo, 0.0), max(hi, 0.0))
    return ranges


def _uint8_params(lo, hi):
    scale = (hi - lo) / 255.0 if hi > lo else 1.0
    zp = int(np.clip(round(-lo / scale), 0, 255))
    return np.float32(scale), np.uint8(zp)


def quantize(model, ranges):
    if opset(model) < 10:
        return PassResult(None, [f"the model's opset {opset(model)} has no QuantizeLinear "
                                 "(opset 10)"])
    out = copy.deepcopy(model)
    graph = out.graph
    per_channel = opset(out) >= 13
    targets, notes = _targets(out)
    index = GraphIndex(graph)
    qdq_of = {}  # activation tensor -> its dequantized name
    before = {}  # node position -> nodes to insert before it
    after_nodes = []
    removed = set()

    def qdq(tensor, position, lo_hi, produce=None):
        """Q/DQ of `tensor` inserted before node `position`; DQ writes `produce` or a new
        name, which is returned."""
        scale, zp = _uint8_params(*lo_hi)
        base = unique_name(graph, tensor.replace("/", "_").strip("_") + "_qdq")
        graph.initializer.extend([numpy_helper.from_array(np.array(scale), base + "_s"),
                                  numpy_helper.from_array(np.array(zp), base + "_zp")])
        dq_out = produce or base + "_dq"
        before.setdefault(position, []).extend([
            helper.make_node("QuantizeLinear", [tensor, base + "_s", base + "_zp"], [base + "_q"],
                             name=base + "_Q"),
            helper.make_node("DequantizeLinear", [base + "_q", base + "_s", base + "_zp"],
                             [dq_out], name=base + "_DQ")])
        return dq_out, scale

    done = 0
    for pos, node, out_name, fold in targets:
        x = node.input[0]
        if x not in ranges or out_name not in ranges:
            notes.append(f"left float: {node.name or node.output[0]}: no calibration range")
            continue
        if x not in qdq_of:
            qdq_of[x] = qdq(x, pos, ranges[x])
        x_dq, x_scale = qdq_of[x]
        w = index.constant(node.input[1])
        axis = _weight_axis(node, w)
        if per_channel:
            q, w_scale = symmetric_int8(w, axis)
        else:
            amax = float(np.max(np.abs(w))) or 1.0
            w_scale = np.float32(amax / 127.0)
            q = np.clip(np.round(w / w_scale), -127, 127).astype(np.int8)
        base = unique_name(graph, (node.name or node.output[0]).replace("/", "_").strip("_"))
        graph.initializer.extend([
            numpy_helper.from_array(q, base + "_Wq"),
            numpy_helper.from_array(np.asarray(w_scale, np.float32), base + "_Ws"),
            numpy_helper.from_array(np.zeros_like(np.asarray(w_scale), dtype=np.int8)
                                    if per_channel else np.array(np.int8(0)), base + "_Wzp")])
        dq_attrs = {"axis": axis} if per_channel else {}
        before.setdefault(pos, []).append(helper.make_node(
            "DequantizeLinear", [base + "_Wq", base + "_Ws", base + "_Wzp"], [base + "_Wdq"],
            name=base + "_WDQ", **dq_attrs))
        inputs = [x_dq, base + "_Wdq"]
        if len(node.input) > 2 and node.input[2]:
            b = index.constant(node.input[2])
            if b is not None and b.ndim == 1 and node.op_type in ("Conv", "Gemm"):
                b_scale = (np.float32(x_scale) * np.asarray(w_scale, np.float32)).astype(np.float32)
                b_scale = np.broadcast_to(b_scale, b.shape).astype(np.float32) if per_channel \
                    else np.asarray(b_scale, np.float32)
                bq = np.round(b / b_scale).astype(np.int32)
                graph.initializer.extend([
                    numpy_helper.from_array(bq, base + "_Bq"),
                    numpy_helper.from_array(b_scale, base + "_Bs"),
                    numpy_helper.from_array(np.zeros_like(bq) if per_channel
                                            else np.array(np.int32(0)), base + "_Bzp")])
                before[pos].append(helper.make_node(
                    "DequantizeLinear", [base + "_Bq", base + "_Bs", base + "_Bzp"],
                    [base + "_Bdq"], name=base + "_BDQ", **({"axis": 0} if per_channel else {})))
                inputs.append(base + "_Bdq")
            else:
                inputs.append(node.input[2])
        del node.input[:]
        node.input.extend(inputs)
        # Output: node -> raw -> Q/DQ -> the tensor its readers read (the folded
        # activation's output, when there is one; the activation goes away).
        raw = unique_name(graph, base + "_raw")
        node.output[0] = raw
        scale, zp = _uint8_params(*ranges[out_name])
        graph.initializer.extend([numpy_helper.from_array(np.array(scale), base + "_Ys"),
                                  numpy_helper.from_array(np.array(zp), base + "_Yzp")])
        after_nodes.append((pos, [
            helper.make_node("QuantizeLinear", [raw, base + "_Ys", base + "_Yzp"], [base + "_Yq"],
                             name=base + "_YQ"),
            helper.make_node("DequantizeLinear", [base + "_Yq", base + "_Ys", base + "_Yzp"],
                             [out_name], name=base + "_YDQ")]))
        # The next quantized op reading this output reads the DQ directly (no second Q/DQ).
        qdq_of[out_name] = (out_name, scale)
        if fold is not None:
            removed.add(fold)
        done += 1
    if done == 0:
        return PassResult(None, ["no Conv/MatMul/Gemm with a float weight"] + notes)
    after = dict(after_nodes)
    nodes = []
    for i, n in enumerate(graph.node):
        nodes.extend(before.get(i, []))
        if i in removed:
            continue
        nodes.append(n)
        nodes.extend(after.get(i, []))
    set_nodes(graph, nodes)
    remove_unused_initializers(graph)
    del graph.value_info[:]
    notes.insert(0, f"{done} Conv/MatMul/Gemm quantized (QDQ, uint8 activations, int8 weights "
                    f"{'per channel' if per_channel else 'per tensor: opset < 13'})")
    return PassResult(out, notes)
