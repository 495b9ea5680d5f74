"""Small helpers over onnx.GraphProto shared by the passes.

    g = GraphIndex(model.graph)
    w = g.constant("fc1.weight")          # numpy array of an initializer, or None
    g.consumers("hidden")                  # nodes reading a tensor
"""
import numpy as np
import onnx
from onnx import helper, numpy_helper

FLOAT = onnx.TensorProto.FLOAT


class GraphIndex:
    """Initializers by name, producers and consumers of each tensor (a snapshot: rebuild it
    after changing the graph)."""

    def __init__(self, graph):
        self.graph = graph
        self.initializers = {t.name: t for t in graph.initializer}
        self.producer = {}
        self.consumer_map = {}
        for node in graph.node:
            for out in node.output:
                self.producer[out] = node
            for inp in node.input:
                self.consumer_map.setdefault(inp, []).append(node)
        self.graph_outputs = {o.name for o in graph.output}

    def constant(self, name):
        t = self.initializers.get(name)
        return None if t is None else numpy_helper.to_array(t)

    def consumers(self, name):
        return self.consumer_map.get(name, [])

    def only_consumer(self, name):
        nodes = self.consumers(name)
        if len(nodes) != 1 or name in self.graph_outputs:
            return None
        return nodes[0]


def attribute(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def replace_initializer(graph, name, array):
    for i, t in enumerate(graph.initializer):
        if t.name == name:
            graph.initializer[i].CopyFrom(numpy_helper.from_array(array, name))
            return
    graph.initializer.append(numpy_helper.from_array(array, name))


def remove_unused_initializers(graph):
    used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
    keep = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    inputs = [i for i in graph.input if i.name in used or i.name not in
              {t.name for t in graph.initializer}]
    del graph.input[:]
    graph.input.extend(inputs)


def opset(model, domain=""):
    for o in model.opset_import:
        if o.domain in (domain, "ai.onnx" if domain == "" else domain):
            return o.version
    return 0


def ensure_opset(model, domain, version):
    """Adds an opset import (e.g. com.microsoft 1) when missing."""
    for o in model.opset_import:
        if o.domain == domain:
            o.version = max(o.version, version)
            return
    model.opset_import.append(helper.make_opsetid(domain, version))


def unique_name(graph, base):
    taken = {t.name for t in graph.initializer} | {v for n in graph.node for v in n.output} | \
        {i.name for i in graph.input}
    name, i = base, 0
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    return name


def topological_insert(graph, new_nodes_before):
    """Rebuilds graph.node: for each original node, the nodes listed under its index in
    new_nodes_before go first (keeps a valid topological order)."""
    nodes = list(graph.node)
    del graph.node[:]
    for i, node in enumerate(nodes):
        graph.node.extend(new_nodes_before.get(i, []))
        graph.node.append(node)


def symmetric_int8(w, axis):
    """Per-channel symmetric int8 along `axis`: returns (q int8, scale float32 [channels])."""
    reduce_axes = tuple(a for a in range(w.ndim) if a != axis)
    amax = np.max(np.abs(w), axis=reduce_axes)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def set_nodes(graph, nodes):
    """Replaces graph.node with `nodes` (copied first: they may be the graph's own)."""
    fresh = []
    for n in nodes:
        c = onnx.NodeProto()
        c.CopyFrom(n)
        fresh.append(c)
    del graph.node[:]
    graph.node.extend(fresh)
