"""ONNX Runtime's offline graph optimization, saved by the server's own loading code: the
model is loaded through tensord with the config parameters graph_optimization_level and
optimized_model_path (runtime/onnx/session_parameters.h), and the file ONNX Runtime writes is
the candidate. Levels:
  basic     constant folding, redundant-node removal: portable to any provider and machine.
  extended  + fusions into com.microsoft ops (FusedMatMul, FusedConv, ...): runs on ONNX
            Runtime's CPU provider on any machine, not on other runtimes.
  layout/all  + NCHWc layouts sized for this CPU's SIMD width: machine-specific, so not
            offered (the server applies them at load anyway, level "all" by default).
"""
import os

import onnx

from . import PassResult

LEVELS = ("basic", "extended")


def optimize(model_path, tools, inputs, batch, level):
    assert level in LEVELS
    config = ('parameters { key: "graph_optimization_level" value: { string_value: "%s" } }\n'
              'parameters { key: "optimized_model_path"\n'
              '             value: { string_value: "optimized.onnx" } }\n' % level)
    root = tools.repository(f"graph-{level}", "m", model_path, {"config.pbtxt": config})
    tools.run_repository(root, "m", inputs, batch)  # CandidateError when ORT refuses it
    saved = os.path.join(root, "m", "1", "optimized.onnx")
    if not os.path.isfile(saved):
        return PassResult(None, ["ONNX Runtime wrote no optimized model"])
    return PassResult(onnx.load(saved), [f"ONNX Runtime level '{level}' graph, saved offline"])
