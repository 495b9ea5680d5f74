"""int8 dynamic quantization of MatMul and Gemm whose weight is a 2-D initializer: weights
int8 per output channel (symmetric), activations quantized at run time (uint8, per tensor).
Two forms, because which one ONNX Runtime's CPU kernels run fastest is measured, not assumed:

  form="matmulinteger": DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul(a_scale *
      w_scale) [-> Add(bias)]: standard ONNX ops; ORT fuses the chain into
      DynamicQuantizeMatMul at load.
  form="dqmatmul": com.microsoft DynamicQuantizeMatMul(A, Wq, w_scale, w_zp, bias) directly.

Everything else stays float (listed in the notes): MatMuls without a constant 2-D weight,
Gemm with transA or a non-vector bias.
"""
import copy

import numpy as np
import onnx
from onnx import helper, numpy_helper

from . import PassResult
from ..graph_util import GraphIndex, attribute, ensure_opset, opset, remove_unused_initializers
from ..graph_util import set_nodes, symmetric_int8, unique_name

FORMS = ("matmulinteger", "dqmatmul")


def _weight_of(node, index):
    """(W as [K, N], bias [N] or None, alpha) for a quantizable node, or a reason string."""
    w = index.constant(node.input[1])
    if w is None:
        return "weight is not an initializer"
    if w.ndim != 2 or w.dtype != np.float32:
        return f"weight is {w.dtype} of rank {w.ndim}, not a float 2-D matrix"
    if node.op_type == "MatMul":
        return w, None, 1.0
    if attribute(node, "transA", 0):
        return "Gemm with transA"
    if attribute(node, "transB", 0):
        w = w.T
    alpha = float(attribute(node, "alpha", 1.0))
    bias = None
    if len(node.input) > 2 and node.input[2]:
        c = index.constant(node.input[2])
        if (c is None or c.size not in (1, w.shape[1]) or c.ndim > 2
                or (c.ndim == 2 and c.shape[0] != 1)):
            return "Gemm bias is not a constant vector"
        bias = (np.broadcast_to(c.reshape(-1), (w.shape[1],)) *
                float(attribute(node, "beta", 1.0))).astype(np.float32)
    return w, bias, alpha


def quantize(model, form="dqmatmul"):
    assert form in FORMS
    if form == "matmulinteger" and opset(model) < 11:
        return PassResult(None, [f"the model's opset {opset(model)} has no DynamicQuantizeLinear "
                                 "(opset 11); the dqmatmul form does not need it"])
    out = copy.deepcopy(model)
    graph = out.graph
    index = GraphIndex(graph)
    notes, left_float, done = [], [], 0
    new_nodes = []
    for node in graph.node:
        if node.op_type not in ("MatMul", "Gemm"):
            new_nodes.append(node)
            continue
        found = _weight_of(node, index)
        if isinstance(found, str):
            left_float.append(f"{node.op_type} {node.name or node.output[0]}: {found}")
            new_nodes.append(node)
            continue
        w, bias, alpha = found
        q, scale = symmetric_int8(w, axis=1)
        scale = (scale * alpha).astype(np.float32)
        base = unique_name(graph, (node.name or node.output[0]).replace("/", "_") + "_q")
        inits = [numpy_helper.from_array(q, base + "_W"),
                 numpy_helper.from_array(scale, base + "_Wscale"),
                 numpy_helper.from_array(np.zeros(q.shape[1], np.int8), base + "_Wzp")]
        if bias is not None:
            inits.append(numpy_helper.from_array(bias, base + "_bias"))
        graph.initializer.extend(inits)
        a, y = node.input[0], node.output[0]
        if form == "dqmatmul":
            new_nodes.append(helper.make_node(
                "DynamicQuantizeMatMul",
                [a, base + "_W", base + "_Wscale", base + "_Wzp",
                 base + "_bias" if bias is not None else ""],
                [y], name=base, domain="com.microsoft"))
        else:
            new_nodes += [
                helper.make_node("DynamicQuantizeLinear", [a],
                                 [base + "_A", base + "_Ascale", base + "_Azp"],
                                 name=base + "_dql"),
                helper.make_node("MatMulInteger",
                                 [base + "_A", base + "_W", base + "_Azp", base + "_Wzp"],
                                 [base + "_i32"], name=base + "_mmi"),
                helper.make_node("Cast", [base + "_i32"], [base + "_f32"], name=base + "_cast",
                                 to=onnx.TensorProto.FLOAT),
                helper.make_node("Mul", [base + "_Ascale", base + "_Wscale"], [base + "_scale"],
                                 name=base + "_scales"),
            ]
            if bias is None:
                new_nodes.append(helper.make_node("Mul", [base + "_f32", base + "_scale"], [y],
                                                  name=base + "_mul"))
            else:
                new_nodes += [
                    helper.make_node("Mul", [base + "_f32", base + "_scale"], [base + "_deq"],
                                     name=base + "_mul"),
                    helper.make_node("Add", [base + "_deq", base + "_bias"], [y],
                                     name=base + "_add")]
        done += 1
    set_nodes(graph, new_nodes)
    remove_unused_initializers(graph)
    if done == 0:
        return PassResult(None, ["no MatMul/Gemm with a constant float 2-D weight"] +
                          [f"left float: {x}" for x in left_float])
    if form == "dqmatmul":
        ensure_opset(out, "com.microsoft", 1)
    notes.append(f"{done} MatMul/Gemm quantized (int8 weights per channel, uint8 activations)")
    notes += [f"left float: {x}" for x in left_float]
    return PassResult(out, notes)
