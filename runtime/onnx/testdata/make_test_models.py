#!/usr/bin/python3
"""Writes the tiny ONNX models runtime/onnx's unit tests load.

    /usr/bin/python3 make_test_models.py OUT_DIR

Uses Debian's python3-onnx (1.12, opset 17). The MLP weights follow closed formulas that
onnx_runtime_test.cc repeats, so the test computes the expected outputs itself.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17

# Every element type tensord carries, by the suffix the test uses in file names.
IDENTITY_TYPES = {
    "bool": TensorProto.BOOL,
    "uint8": TensorProto.UINT8,
    "uint16": TensorProto.UINT16,
    "uint32": TensorProto.UINT32,
    "uint64": TensorProto.UINT64,
    "int8": TensorProto.INT8,
    "int16": TensorProto.INT16,
    "int32": TensorProto.INT32,
    "int64": TensorProto.INT64,
    "float16": TensorProto.FLOAT16,
    "bfloat16": TensorProto.BFLOAT16,
    "float": TensorProto.FLOAT,
    "double": TensorProto.DOUBLE,
    "string": TensorProto.STRING,
}


def save(graph, out_dir, name, check=True, ir_version=8):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="tensord-tests")
    model.ir_version = ir_version
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out_dir, name))


def identity(out_dir, suffix, elem_type):
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], f"identity_{suffix}",
        [helper.make_tensor_value_info("x", elem_type, ["n"])],
        [helper.make_tensor_value_info("y", elem_type, ["n"])])
    save(graph, out_dir, f"identity_{suffix}.onnx")


def add_sub(out_dir):
    # Dynamic (unnamed) batch dimension, as torch.onnx exports with dynamic_axes.
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [None, 4])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [None, 4])
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"]),
         helper.make_node("Sub", ["a", "b"], ["diff"])], "add_sub", [a, b],
        [helper.make_tensor_value_info("sum", TensorProto.FLOAT, [None, 4]),
         helper.make_tensor_value_info("diff", TensorProto.FLOAT, [None, 4])])
    save(graph, out_dir, "add_sub.onnx")


def symbolic(out_dir):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "symbolic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", 8])])
    save(graph, out_dir, "symbolic.onnx")


def mlp_weights():
    # Repeated in onnx_runtime_test.cc (MlpReference).
    w1 = np.array([[0.1 * (i * 3 + j) - 0.5 for j in range(3)] for i in range(4)], np.float32)
    b1 = np.array([0.05 * j for j in range(3)], np.float32)
    w2 = np.array([[0.2 * (i * 2 + j) - 0.3 for j in range(2)] for i in range(3)], np.float32)
    b2 = np.array([0.1, -0.1], np.float32)
    return w1, b1, w2, b2


def mlp(out_dir):
    w1, b1, w2, b2 = mlp_weights()
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h0"]),
        helper.make_node("Add", ["h0", "b1"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["h"]),
        helper.make_node("MatMul", ["h", "w2"], ["l0"]),
        helper.make_node("Add", ["l0", "b2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2]),
         helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 2])], inits)
    save(graph, out_dir, "mlp.onnx")


def fixed_batch(out_dir):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "fixed_batch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])])
    save(graph, out_dir, "fixed_batch.onnx")


def unsupported_types(out_dir):
    # Unused inputs of types tensord cannot carry. ONNX Runtime itself rejects complex64
    # inputs; it accepts float8 (element type 17, FLOAT8E4M3FN, IR 9: newer than this onnx
    # package knows, hence the raw number and no checker), which tensord must reject.
    for name, elem_type, ir_version in (("complex_input", TensorProto.COMPLEX64, 8),
                                        ("float8_input", 17, 9)):
        graph = helper.make_graph(
            [helper.make_node("Identity", ["x"], ["y"])], name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2]),
             helper.make_tensor_value_info("c", elem_type, [2])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        save(graph, out_dir, f"{name}.onnx", check=False, ir_version=ir_version)


def passthrough(out_dir):
    # The graph output is the graph input itself: ONNX Runtime hands back the caller's
    # own buffer, which the runtime must copy. With the dimension named, the output's shape
    # is known before the run, yet ONNX Runtime would leave a buffer given for it unwritten.
    for name, dim in (("passthrough", None), ("passthrough_named", "n")):
        graph = helper.make_graph(
            [helper.make_node("Relu", ["x"], ["y"])], name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [dim])],
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [dim]),
             helper.make_tensor_value_info("y", TensorProto.FLOAT, [dim])])
        save(graph, out_dir, f"{name}.onnx", check=False)


def named_add_sub(out_dir):
    # The batch dimension named on inputs and outputs alike, as models/add_sub and most
    # exporters' models have it: the outputs' shapes are known before the run.
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, ["batch", 4])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, ["batch", 4])
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"]),
         helper.make_node("Sub", ["a", "b"], ["diff"])], "named_add_sub", [a, b],
        [helper.make_tensor_value_info("sum", TensorProto.FLOAT, ["batch", 4]),
         helper.make_tensor_value_info("diff", TensorProto.FLOAT, ["batch", 4])])
    save(graph, out_dir, "named_add_sub.onnx")


def broken_promise(out_dir):
    # Declares its output as long as its input ("n") but is twice as long: a model whose
    # declared shapes are wrong, which the runtime must still serve correctly.
    graph = helper.make_graph(
        [helper.make_node("Concat", ["x", "x"], ["y"], axis=0)], "broken_promise",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])])
    save(graph, out_dir, "broken_promise.onnx")


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for suffix, elem_type in IDENTITY_TYPES.items():
        identity(out_dir, suffix, elem_type)
    add_sub(out_dir)
    symbolic(out_dir)
    mlp(out_dir)
    fixed_batch(out_dir)
    unsupported_types(out_dir)
    passthrough(out_dir)
    named_add_sub(out_dir)
    broken_promise(out_dir)
    with open(os.path.join(out_dir, "corrupt.onnx"), "wb") as f:
        f.write(b"\x08\x07this is not an ONNX model\xff\xff\xff")


if __name__ == "__main__":
    main()
