"""What the model looks like to the passes: its ONNX inputs (name, numpy dtype, dims with
-1 for any size) and outputs, read with python3-onnx.

    model = load_model("models/mlp/1/model.onnx")   # OptimizeError when not ONNX
    inputs = model_inputs(model)                     # [TensorSpec("input", float32, [-1, 16])]
"""
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import mapping

from .errors import OptimizeError


@dataclass
class TensorSpec:
    name: str
    dtype: np.dtype
    dims: list


def load_model(path):
    try:
        model = onnx.load(path)
    except Exception as e:  # protobuf's DecodeError and friends: all mean "not ONNX"
        raise OptimizeError(f"{path}: not an ONNX model ({type(e).__name__}: {e})") from None
    if not model.graph.node:
        raise OptimizeError(f"{path}: not an ONNX model (no graph nodes)")
    return model


def _spec(value_info):
    t = value_info.type.tensor_type
    if (not value_info.type.HasField("tensor_type")
            or t.elem_type not in mapping.TENSOR_TYPE_TO_NP_TYPE):
        raise OptimizeError(f"tensor '{value_info.name}' is not a numeric tensor; "
                            "tensord optimize handles numeric tensors only")
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim]
    return TensorSpec(value_info.name, np.dtype(mapping.TENSOR_TYPE_TO_NP_TYPE[t.elem_type]), dims)


def model_inputs(model):
    initializers = {t.name for t in model.graph.initializer}
    return [_spec(i) for i in model.graph.input if i.name not in initializers]


def model_outputs(model):
    return [_spec(o) for o in model.graph.output]
