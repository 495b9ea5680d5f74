"""Shared by the `tensord optimize` tests: where the tools are, small models built with
onnx.helper, running a model through tensord-optimize-helper, hashing a repository.

    tools = optimize_tools(tmp_path)          # runner.Tools over the built helper and bench
    outs = tools.run(model, {"x": x}, batch=16)
"""
import hashlib
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tensord_process import REPO_ROOT, binary_path

sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "optimize"))
sys.path.insert(0, os.path.join(REPO_ROOT, "scripts"))
from tensord_optimize.runner import Tools  # noqa: E402


def build_dir():
    """build/<preset>/ of the tensord binary under test."""
    return os.path.dirname(os.path.dirname(os.path.abspath(binary_path())))


def helper_bin():
    return os.path.join(build_dir(), "tools", "optimize", "tensord-optimize-helper")


def bench_bin():
    return os.path.join(build_dir(), "tools", "bench", "tensord-bench")


def optimize_tools(tmp_path):
    work = os.path.join(str(tmp_path), "tools-work")
    os.makedirs(work, exist_ok=True)
    return Tools(helper_bin(), bench_bin(), work)


def mlp(sizes, seed=0, gemm=False, opset=13):
    """MatMul+Add+Relu hidden layers (Gemm with transB when gemm=True), last layer linear:
    input "x" [n, sizes[0]] -> output "y" [n, sizes[-1]]."""
    rng = np.random.default_rng(seed)
    nodes, inits, current = [], [], "x"
    for i in range(len(sizes) - 1):
        w = (rng.standard_normal((sizes[i], sizes[i + 1])) / np.sqrt(sizes[i])).astype(np.float32)
        b = (rng.standard_normal(sizes[i + 1]) * 0.1).astype(np.float32)
        out = "y" if i == len(sizes) - 2 else f"h{i}"
        if gemm:
            inits += [numpy_helper.from_array(np.ascontiguousarray(w.T), f"w{i}"),
                      numpy_helper.from_array(b, f"b{i}")]
            nodes.append(helper.make_node("Gemm", [current, f"w{i}", f"b{i}"], [out if out == "y"
                                          else f"g{i}"], transB=1))
        else:
            inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
            nodes += [helper.make_node("MatMul", [current, f"w{i}"], [f"m{i}"]),
                      helper.make_node("Add", [f"m{i}", f"b{i}"], [out if out == "y" else f"g{i}"])]
        if out != "y":
            nodes.append(helper.make_node("Relu", [f"g{i}"], [out]))
        current = out
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", sizes[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", sizes[-1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def mlp_reference(model, x):
    """The MLP's output computed with numpy from its initializers."""
    t = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    gemm = any(n.op_type == "Gemm" for n in model.graph.node)
    i, h = 0, x
    while f"w{i}" in t:
        w = t[f"w{i}"].T if gemm else t[f"w{i}"]
        h = h @ w + t[f"b{i}"]
        if f"w{i + 1}" in t:
            h = np.maximum(h, 0)
        i += 1
    return h


def conv_net(seed=0, size=8):
    """Conv(3->8)+Relu, Conv(8->8, stride 2)+Relu, GlobalAveragePool, Flatten, Gemm(8->5)."""
    rng = np.random.default_rng(seed)
    def normal(shape, scale):
        return (rng.standard_normal(shape) * scale).astype(np.float32)
    inits = [numpy_helper.from_array(normal((8, 3, 3, 3), 0.3), "c0w"),
             numpy_helper.from_array(normal(8, 0.1), "c0b"),
             numpy_helper.from_array(normal((8, 8, 3, 3), 0.2), "c1w"),
             numpy_helper.from_array(normal(8, 0.1), "c1b"),
             numpy_helper.from_array(normal((5, 8), 1.0), "fw"),
             numpy_helper.from_array(np.zeros(5, np.float32), "fb")]
    nodes = [helper.make_node("Conv", ["img", "c0w", "c0b"], ["c0"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c0"], ["r0"]),
             helper.make_node("Conv", ["r0", "c1w", "c1b"], ["c1"], pads=[1, 1, 1, 1],
                              strides=[2, 2]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("GlobalAveragePool", ["r1"], ["p"]),
             helper.make_node("Flatten", ["p"], ["f"]),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["scores"], transB=1)]
    graph = helper.make_graph(
        nodes, "conv",
        [helper.make_tensor_value_info("img", TensorProto.FLOAT, ["n", 3, size, size])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["n", 5])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def tree_digest(root):
    """sha256 over every path and file content under root: 'byte-for-byte untouched'."""
    h = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        h.update(folder.encode())
        for f in sorted(files):
            h.update(f.encode())
            with open(os.path.join(folder, f), "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()
