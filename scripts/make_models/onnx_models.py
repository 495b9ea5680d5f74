"""Builders for the small ONNX models that tensord's examples and tests serve.

    from make_models import onnx_models as m
    model = m.identity("identity_fp32", "FP32", shape=["d0", "d1"])
    m.save(model, "repo/identity_fp32/1/model.onnx")
    m.write_triton_config("repo/identity_fp32", name="identity_fp32", max_batch_size=0,
                          inputs=[("INPUT0", "FP32", [-1, -1])],
                          outputs=[("OUTPUT0", "FP32", [-1, -1])])

Everything is deterministic: weights come from numpy generators with fixed seeds and the
serialized protobuf carries no timestamps, so two runs write byte-identical files.
Only Debian's python3-onnx (1.12, opset <= 17) and numpy are used.
"""

import json
import os
import re

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
# ONNX Runtime 1.29 reads IR version 8 (what onnx 1.12 writes) without complaint.
IR_VERSION = 8
PRODUCER = "tensord-make-models"

# Open Inference Protocol datatype -> ONNX element type.
ONNX_TYPES = {
    "BOOL": TensorProto.BOOL,
    "UINT8": TensorProto.UINT8,
    "UINT16": TensorProto.UINT16,
    "UINT32": TensorProto.UINT32,
    "UINT64": TensorProto.UINT64,
    "INT8": TensorProto.INT8,
    "INT16": TensorProto.INT16,
    "INT32": TensorProto.INT32,
    "INT64": TensorProto.INT64,
    "FP16": TensorProto.FLOAT16,
    "BF16": TensorProto.BFLOAT16,
    "FP32": TensorProto.FLOAT,
    "FP64": TensorProto.DOUBLE,
    "BYTES": TensorProto.STRING,
}
ALL_DATATYPES = list(ONNX_TYPES)

# Triton's config.pbtxt spelling of each protocol datatype.
TRITON_TYPES = {dt: "TYPE_STRING" if dt == "BYTES" else f"TYPE_{dt}" for dt in ALL_DATATYPES}


def numpy_type(datatype):
    """numpy dtype of a protocol datatype (BF16 has none in numpy: not supported here)."""
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[ONNX_TYPES[datatype]]


def _finish(graph, opset=OPSET):
    model = helper.make_model(
        graph,
        producer_name=PRODUCER,
        opset_imports=[helper.make_opsetid("", opset)],
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def _value(name, datatype, shape):
    return helper.make_tensor_value_info(name, ONNX_TYPES[datatype], shape)


def save(model, path):
    """Writes `model` to `path`, creating folders; returns the path."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


def identity(name, datatype, shape, input_name="INPUT0", output_name="OUTPUT0"):
    """OUTPUT0 = INPUT0 for any datatype (Identity accepts every tensor type at opset 16+)."""
    graph = helper.make_graph(
        [helper.make_node("Identity", [input_name], [output_name])],
        name,
        [_value(input_name, datatype, shape)],
        [_value(output_name, datatype, shape)],
    )
    return _finish(graph)


def add_constant(name, datatype, shape, constant, input_name="INPUT0", output_name="OUTPUT0"):
    """OUTPUT0 = INPUT0 + constant (a scalar of the input's type)."""
    c = numpy_helper.from_array(np.array(constant, dtype=numpy_type(datatype)), "constant")
    graph = helper.make_graph(
        [helper.make_node("Add", [input_name, "constant"], [output_name])],
        name,
        [_value(input_name, datatype, shape)],
        [_value(output_name, datatype, shape)],
        initializer=[c],
    )
    return _finish(graph)


def scale(name, datatype, shape, factor, input_name="INPUT0", output_name="OUTPUT0"):
    """OUTPUT0 = INPUT0 * factor."""
    c = numpy_helper.from_array(np.array(factor, dtype=numpy_type(datatype)), "factor")
    graph = helper.make_graph(
        [helper.make_node("Mul", [input_name, "factor"], [output_name])],
        name,
        [_value(input_name, datatype, shape)],
        [_value(output_name, datatype, shape)],
        initializer=[c],
    )
    return _finish(graph)


def add_sub(name, shape, datatype="FP32"):
    """Triton's "simple" model: OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1."""
    graph = helper.make_graph(
        [
            helper.make_node("Add", ["INPUT0", "INPUT1"], ["OUTPUT0"]),
            helper.make_node("Sub", ["INPUT0", "INPUT1"], ["OUTPUT1"]),
        ],
        name,
        [_value("INPUT0", datatype, shape), _value("INPUT1", datatype, shape)],
        [_value("OUTPUT0", datatype, shape), _value("OUTPUT1", datatype, shape)],
    )
    return _finish(graph)


def mlp(name, sizes, seed, input_name="input", logits_name=None, probabilities_name="probabilities",
        batch_dim="batch"):
    """A float32 MLP: (MatMul + Add + Relu) per hidden layer, MatMul + Add, then Softmax.

    sizes: [inputs, hidden..., classes]. Outputs `logits_name` (when given) and
    `probabilities_name` (softmax over the last axis). Weights are drawn from
    numpy.random.default_rng(seed); read them back with `mlp_weights` to compute expected
    outputs independently of any server.
    """
    rng = np.random.default_rng(seed)
    nodes, initializers = [], []
    current = input_name
    layers = len(sizes) - 1
    for i in range(layers):
        w = (rng.standard_normal((sizes[i], sizes[i + 1])) / np.sqrt(sizes[i])).astype(np.float32)
        b = (rng.standard_normal(sizes[i + 1]) * 0.1).astype(np.float32)
        initializers += [numpy_helper.from_array(w, f"W{i}"), numpy_helper.from_array(b, f"B{i}")]
        nodes.append(helper.make_node("MatMul", [current, f"W{i}"], [f"matmul{i}"]))
        last = i == layers - 1
        added = (logits_name or "logits") if last else f"add{i}"
        nodes.append(helper.make_node("Add", [f"matmul{i}", f"B{i}"], [added]))
        if not last:
            nodes.append(helper.make_node("Relu", [added], [f"relu{i}"]))
            current = f"relu{i}"
        else:
            current = added
    nodes.append(helper.make_node("Softmax", [current], [probabilities_name], axis=-1))
    outputs = []
    if logits_name:
        outputs.append(_value(logits_name, "FP32", [batch_dim, sizes[-1]]))
    outputs.append(_value(probabilities_name, "FP32", [batch_dim, sizes[-1]]))
    graph = helper.make_graph(
        nodes, name, [_value(input_name, "FP32", [batch_dim, sizes[0]])], outputs,
        initializer=initializers)
    return _finish(graph)


def mlp_weights(path):
    """[(W, b), ...] read back from an MLP file written by `mlp`."""
    model = onnx.load(path)
    tensors = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    layers = []
    i = 0
    while f"W{i}" in tensors:
        layers.append((tensors[f"W{i}"], tensors[f"B{i}"]))
        i += 1
    return layers


def mlp_reference(layers, x):
    """(logits, probabilities) of an MLP, in float64 numpy, from weights `layers`."""
    h = np.asarray(x, dtype=np.float64)
    for i, (w, b) in enumerate(layers):
        h = h @ w.astype(np.float64) + b.astype(np.float64)
        if i < len(layers) - 1:
            h = np.maximum(h, 0.0)
    e = np.exp(h - h.max(axis=-1, keepdims=True))
    return h, e / e.sum(axis=-1, keepdims=True)


def string_upper(name, input_name="TEXT", output_name="UPPER"):
    """UPPER = upper-case of each string of TEXT (StringNormalizer, 1-D string tensor).

    The locale is C.UTF-8 because it exists on every Debian 12 (ONNX Runtime's default,
    en_US.UTF-8, often is not installed).
    """
    node = helper.make_node("StringNormalizer", [input_name], [output_name],
                            case_change_action="UPPER", locale="C.UTF-8")
    graph = helper.make_graph(
        [node], name, [_value(input_name, "BYTES", ["n"])], [_value(output_name, "BYTES", ["n"])])
    return _finish(graph)


def _pbtxt_tensor(kind, name, datatype, dims):
    dims_text = ", ".join(str(d) for d in dims)
    return (f"{kind} [\n  {{\n    name: \"{name}\"\n    data_type: {TRITON_TYPES[datatype]}\n"
            f"    dims: [ {dims_text} ]\n  }}\n]\n")


def triton_config_text(name, max_batch_size=None, inputs=(), outputs=(),
                       platform="onnxruntime_onnx", extra=""):
    """config.pbtxt text. inputs/outputs: (name, datatype, dims) with dims WITHOUT the
    batch dimension when max_batch_size > 0 (Triton's convention)."""
    text = f"name: \"{name}\"\nplatform: \"{platform}\"\n"
    if max_batch_size is not None:
        text += f"max_batch_size: {max_batch_size}\n"
    for tensor in inputs:
        text += _pbtxt_tensor("input", *tensor)
    for tensor in outputs:
        text += _pbtxt_tensor("output", *tensor)
    return text + extra


def write_text(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def write_triton_config(folder, **kwargs):
    return write_text(os.path.join(folder, "config.pbtxt"), triton_config_text(**kwargs))


def write_model_settings(folder, settings):
    """MLServer's model-settings.json (a dict, keys in the order given)."""
    text = json.dumps(settings, indent=2, ensure_ascii=False)
    # Keep lists of numbers (shapes) on one line: "shape": [-1, 16].
    text = re.sub(r"\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]",
                  lambda match: "[" + ", ".join(re.split(r",\s+", match.group(1))) + "]", text)
    return write_text(os.path.join(folder, "model-settings.json"), text + "\n")
