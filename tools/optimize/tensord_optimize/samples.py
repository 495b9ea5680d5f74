"""Samples for measuring candidates: the JSON file tensord-bench --input-data reads, a folder
of <input name>.npy, or for a one-input model that .npy file itself. The first axis is the
sample. Every mismatch with the model's inputs (name, datatype, shape) is an OptimizeError
that names the input and the file.

    arrays = load_samples("samples/", model_inputs(model))   # {"input": array[N, 16]}
"""
import json
import os

import numpy as np

from .errors import OptimizeError

DTYPE_NAMES = {np.dtype(np.float32): "FP32", np.dtype(np.float64): "FP64",
               np.dtype(np.float16): "FP16", np.dtype(np.int64): "INT64",
               np.dtype(np.int32): "INT32", np.dtype(np.int8): "INT8",
               np.dtype(np.uint8): "UINT8", np.dtype(np.bool_): "BOOL"}


def _type_name(dtype):
    return f"{DTYPE_NAMES.get(np.dtype(dtype), str(dtype))} ({np.dtype(dtype)})"


def _load_npy(path):
    try:
        return np.load(path, allow_pickle=False)
    except Exception as e:
        raise OptimizeError(f"samples: {path}: not a .npy array ({e})") from None


def _from_json(path, specs):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise OptimizeError(f"samples: {path}: not readable JSON ({e})") from None
    entries = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise OptimizeError(f'samples: {path}: expected {{"data": [{{INPUT: values}}, ...]}} '
                            "(tensord-bench --input-data)")
    by_name = {s.name: s for s in specs}
    columns = {name: [] for name in by_name}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise OptimizeError(f"samples: {path}: data[{i}] is not an object")
        for name, value in entry.items():
            if name not in by_name:
                raise OptimizeError(f"samples: {path}: data[{i}] gives '{name}', which is not an "
                                    f"input of the model (inputs: {', '.join(by_name)})")
            spec = by_name[name]
            shape = None
            if isinstance(value, dict):
                shape, value = value.get("shape"), value.get("content")
            try:
                array = np.array(value, dtype=spec.dtype)
            except (TypeError, ValueError) as e:
                raise OptimizeError(f"samples: {path}: data[{i}].{name}: not "
                                    f"{_type_name(spec.dtype)} values ({e})") from None
            if shape is None and array.ndim == 1 and len(spec.dims) != 1:
                shape = [1 if d == -1 and k == 0 else d for k, d in enumerate(spec.dims)]
            if shape is not None:
                try:
                    array = array.reshape(shape)
                except ValueError:
                    raise OptimizeError(f"samples: {path}: data[{i}].{name}: {array.size} values "
                                        f"do not fill shape {list(shape)}") from None
            columns[name].append(array)
    missing = [n for n, c in columns.items() if len(c) != len(entries)]
    if missing:
        raise OptimizeError(f"samples: {path}: some entries give no '{missing[0]}'")
    out = {}
    for name, arrays in columns.items():
        try:
            out[name] = np.concatenate(arrays, axis=0)
        except ValueError as e:
            raise OptimizeError(f"samples: {path}: input '{name}' has entries of different shapes "
                                f"({e})") from None
    return out


def load_samples(path, specs):
    if not os.path.exists(path):
        raise OptimizeError(f"samples: {path} does not exist")
    names = [s.name for s in specs]
    if os.path.isdir(path):
        files = sorted(f for f in os.listdir(path) if f.endswith(".npy"))
        for f in files:
            if f[:-4] not in names:
                raise OptimizeError(f"samples: {os.path.join(path, f)} names no input of the "
                                    f"model (inputs: {', '.join(names)})")
        arrays = {}
        for name in names:
            file = os.path.join(path, name + ".npy")
            if not os.path.isfile(file):
                raise OptimizeError(f"samples: no {name}.npy in {path} for input '{name}'")
            arrays[name] = _load_npy(file)
    elif path.endswith(".json"):
        arrays = _from_json(path, specs)
    elif path.endswith(".npy"):
        if len(specs) != 1:
            raise OptimizeError(f"samples: {path} is one array but the model has {len(specs)} "
                                f"inputs ({', '.join(names)}): give a folder of <input>.npy")
        arrays = {names[0]: _load_npy(path)}
    else:
        raise OptimizeError(f"samples: {path}: expected a .json file, a .npy file or a folder")
    check_samples(arrays, specs, path)
    return arrays


def check_samples(arrays, specs, source):
    count = None
    for spec in specs:
        a = arrays[spec.name]
        if a.dtype != spec.dtype:
            raise OptimizeError(f"samples: input '{spec.name}' is {_type_name(a.dtype)} in "
                                f"{source}; the model expects {_type_name(spec.dtype)}")
        if a.ndim != len(spec.dims) or a.ndim == 0:
            raise OptimizeError(f"samples: input '{spec.name}' has shape {list(a.shape)} in "
                                f"{source}; the model expects {spec.dims} (first axis = sample)")
        for k in range(1, a.ndim):
            if spec.dims[k] != -1 and spec.dims[k] != a.shape[k]:
                raise OptimizeError(f"samples: input '{spec.name}' has shape {list(a.shape)} in "
                                    f"{source}; the model expects {spec.dims} (dimension {k} "
                                    f"must be {spec.dims[k]})")
        if spec.dims[0] > 0 and a.shape[0] % spec.dims[0]:
            raise OptimizeError(f"samples: input '{spec.name}' has {a.shape[0]} samples in "
                                f"{source}; the model's fixed first dimension {spec.dims[0]} "
                                "must divide it")
        if count is not None and a.shape[0] != count:
            raise OptimizeError(f"samples: input '{spec.name}' has {a.shape[0]} samples; the "
                                f"other inputs have {count}")
        count = a.shape[0]
    if not count:
        raise OptimizeError(f"samples: {source} holds no samples")
    return count
