"""Structured pruning of fully connected layers: for each hidden layer
  FC1 (MatMul/Gemm with a constant weight) [-> Add(bias)] -> elementwise activation ->
  FC2 (MatMul/Gemm with a constant weight)
the `fraction` of hidden units with the smallest norm (||W1[:, j]|| * ||W2[j, :]||: a unit
whose incoming or outgoing weights are small contributes little) are removed: W1 loses
columns, the bias those entries, W2 rows. The matrices really shrink, so the layers cost
less (zeros left in place would not speed anything up on CPU). A layer whose hidden tensor
has other readers, or is a graph output, is left alone (listed in the notes).
"""
import copy

import numpy as np

from . import PassResult
from ..graph_util import GraphIndex, attribute, remove_unused_initializers, replace_initializer

ELEMENTWISE = {"Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Softplus", "Gelu",
               "HardSigmoid", "HardSwish", "Erf", "Identity", "Clip", "Mish", "Celu",
               "ThresholdedRelu", "PRelu"}


def _weight(node, index):
    """The weight of a fully connected node as [in, out] with a writer that stores a
    modified [in, out] back in the node's own layout; None when not prunable."""
    if node.op_type not in ("MatMul", "Gemm") or len(node.input) < 2:
        return None
    if node.op_type == "Gemm" and attribute(node, "transA", 0):
        return None
    w = index.constant(node.input[1])
    if w is None or w.ndim != 2:
        return None
    trans = node.op_type == "Gemm" and attribute(node, "transB", 0)
    name = node.input[1]
    return (w.T if trans else w), (lambda g, m: replace_initializer(
        g, name, np.ascontiguousarray(m.T if trans else m)))


def _bias(node, hidden, index):
    """The bias vector feeding the hidden units: Gemm's C or an Add after a MatMul."""
    if node.op_type == "Gemm" and len(node.input) > 2 and node.input[2]:
        c = index.constant(node.input[2])
        return (node.input[2], c) if c is not None and c.ndim == 1 and c.size == hidden else False
    return None


def _chain(fc1, index):
    """fc1 -> [Add bias] -> activation... -> fc2, each tensor read once; returns
    (fc2, bias_name or None) or None."""
    tensor = fc1.output[0]
    bias_name = None
    while True:
        nxt = index.only_consumer(tensor)
        if nxt is None:
            return None
        if nxt.op_type == "Add" and bias_name is None and fc1.op_type == "MatMul":
            other = nxt.input[1] if nxt.input[0] == tensor else nxt.input[0]
            b = index.constant(other)
            if b is None or b.ndim != 1:
                return None
            bias_name = other
        elif nxt.op_type in ELEMENTWISE:
            if nxt.op_type == "PRelu" and index.constant(nxt.input[1]) is not None and \
                    index.constant(nxt.input[1]).size > 1:
                return None
        elif nxt.op_type in ("MatMul", "Gemm") and nxt.input[0] == tensor:
            return nxt, bias_name
        else:
            return None
        tensor = nxt.output[0]


def prune(model, fraction):
    if not 0 < fraction < 1:
        raise ValueError(f"--prune {fraction}: expected a fraction in (0, 1)")
    out = copy.deepcopy(model)
    graph = out.graph
    notes, pruned = [], 0
    for fc1_name in [n.name or n.output[0] for n in graph.node if n.op_type in ("MatMul", "Gemm")]:
        index = GraphIndex(graph)  # weights change as layers are pruned
        fc1 = next(n for n in graph.node if (n.name or n.output[0]) == fc1_name)
        first = _weight(fc1, index)
        chain = _chain(fc1, index) if first else None
        if not chain:
            continue
        fc2, add_bias = chain
        second = _weight(fc2, index)
        if second is None:
            notes.append(f"left: {fc1_name} feeds {fc2.name or fc2.output[0]} whose weight is not "
                         "a constant matrix")
            continue
        (w1, store1), (w2, store2) = first, second
        hidden = w1.shape[1]
        if w2.shape[0] != hidden:
            continue
        gemm_bias = _bias(fc1, hidden, index)
        if gemm_bias is False:
            notes.append(f"left: {fc1_name} has a broadcast bias")
            continue
        keep_count = max(1, int(round(hidden * (1 - fraction))))
        score = np.linalg.norm(w1, axis=0) * np.linalg.norm(w2, axis=1)
        keep = np.sort(np.argsort(-score, kind="stable")[:keep_count])
        store1(graph, w1[:, keep])
        store2(graph, w2[keep, :])
        for bias_name in [add_bias, gemm_bias[0] if gemm_bias else None]:
            if bias_name:
                replace_initializer(graph, bias_name, index.constant(bias_name)[keep])
        notes.append(f"{fc1_name}: {hidden} -> {keep_count} hidden units")
        pruned += 1
    remove_unused_initializers(graph)
    # Shapes recorded for intermediate tensors are stale now.
    del graph.value_info[:]
    if pruned == 0:
        return PassResult(None, ["no FC -> activation -> FC chain to prune"] + notes)
    return PassResult(out, notes)
