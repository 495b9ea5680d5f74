"""fp16 weights: every float32 initializer with more than 16 elements is stored as float16
and a Cast back to float32 is inserted, so the file is about half the size while the graph
still computes in float32 (ONNX Runtime's CPU provider has few float16 kernels; it folds the
Casts at load, so speed is the float model's and memory after load too). Small constants
(shapes, scalars) stay float32.
"""
import copy

import numpy as np
import onnx
from onnx import helper, numpy_helper

from . import PassResult
from ..graph_util import set_nodes, unique_name

MIN_ELEMENTS = 16


def convert(model):
    out = copy.deepcopy(model)
    graph = out.graph
    casts, converted = [], 0
    renamed = {}
    for i, t in enumerate(graph.initializer):
        if t.data_type != onnx.TensorProto.FLOAT:
            continue
        w = numpy_helper.to_array(t)
        if w.size <= MIN_ELEMENTS:
            continue
        if np.max(np.abs(w)) > 65504:
            continue  # would overflow float16
        name = t.name
        half = unique_name(graph, name + "_fp16")
        graph.initializer[i].CopyFrom(numpy_helper.from_array(w.astype(np.float16), half))
        casts.append(helper.make_node("Cast", [half], [name], name=half + "_cast",
                                      to=onnx.TensorProto.FLOAT))
        renamed[name] = half
        converted += 1
    if converted == 0:
        return PassResult(None, ["no float32 weights to convert"])
    # A graph input that shadowed the initializer (IR < 4 models list both) would now be an
    # input without a default: drop those entries.
    inputs = [i for i in graph.input if i.name not in renamed]
    del graph.input[:]
    graph.input.extend(inputs)
    set_nodes(graph, casts + list(graph.node))
    return PassResult(out, [f"{converted} weights stored as float16 (computed in float32)"])
