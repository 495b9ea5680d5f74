"""Tensors in the arena <-> MLServer's InferenceRequest / InferenceResponse.

Inputs become RequestInput objects whose ``data`` is the raw little-endian bytes of a
numeric tensor (MLServer's NumpyCodec reads bytes with numpy.frombuffer) or the list of
elements of a BYTES tensor, as MLServer's own gRPC path builds them. Outputs may hold any
``data`` MLServer's codecs produce: a flat or nested list, bytes, a numpy array or a
TensorData wrapper.
"""

import struct

import numpy as np

NUMPY_TYPES = {
    "BOOL": np.bool_,
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "UINT32": np.uint32,
    "UINT64": np.uint64,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "FP16": np.float16,
    "FP32": np.float32,
    "FP64": np.float64,
}


def split_bytes_elements(blob):
    """Triton's BYTES layout: each element a 4-byte little-endian length, then its bytes."""
    elements = []
    pos = 0
    view = memoryview(blob)
    while pos < len(blob):
        if pos + 4 > len(blob):
            raise ValueError("a BYTES element's length runs past the tensor's end")
        (n,) = struct.unpack_from("<I", view, pos)
        pos += 4
        if pos + n > len(blob):
            raise ValueError("a BYTES element runs past the tensor's end")
        elements.append(bytes(view[pos:pos + n]))
        pos += n
    return elements


def join_bytes_elements(elements):
    parts = []
    for element in elements:
        if isinstance(element, str):
            element = element.encode("utf-8")
        elif isinstance(element, (bytearray, memoryview, np.bytes_)):
            element = bytes(element)
        elif not isinstance(element, bytes):
            element = str(element).encode("utf-8")
        parts.append(struct.pack("<I", len(element)))
        parts.append(element)
    return b"".join(parts)


def _root(value):
    """The value inside a pydantic RootModel (v2 `root`, v1 `__root__`), or the value."""
    for attr in ("root", "__root__"):
        inner = getattr(value, attr, None)
        if inner is not None and not callable(inner):
            return inner
    return value


def parameters_to_dict(parameters):
    """MLServer's Parameters (a pydantic model, a dict or None) as a plain dict of scalars."""
    if parameters is None:
        return {}
    if isinstance(parameters, dict):
        items = parameters
    elif hasattr(parameters, "model_dump"):
        items = parameters.model_dump(exclude_none=True)
    elif hasattr(parameters, "dict"):
        items = parameters.dict(exclude_none=True)
    else:
        items = dict(vars(parameters))
    out = {}
    for key, value in items.items():
        if value is None:
            continue
        if isinstance(value, (bool, int, float, str)):
            out[key] = value
        else:
            out[key] = _jsonable(value)
    return out


def _jsonable(value):
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _flatten(data):
    if isinstance(data, (list, tuple)):
        out = []
        for item in data:
            if isinstance(item, (list, tuple)):
                out.extend(_flatten(item))
            else:
                out.append(item)
        return out
    return [data]


def output_to_bytes(output):
    """(name, datatype, shape, raw bytes, parameters) of one ResponseOutput."""
    name = getattr(output, "name", None)
    datatype = getattr(output, "datatype", None)
    shape = getattr(output, "shape", None)
    if not isinstance(name, str) or not isinstance(datatype, str) or shape is None:
        raise TypeError(
            f"predict() returned an output that is not a ResponseOutput with name, shape and "
            f"datatype: {type(output).__name__}")
    shape = [int(d) for d in shape]
    count = 1
    for d in shape:
        if d < 0:
            raise ValueError(f"output '{name}' has a negative dimension in its shape {shape}")
        count *= d
    data = _root(getattr(output, "data", None))
    if datatype == "BYTES":
        if isinstance(data, np.ndarray):
            elements = list(data.reshape(-1))
        elif isinstance(data, (bytes, str)):
            elements = [data]
        else:
            elements = _flatten(data)
        if len(elements) != count:
            raise ValueError(f"output '{name}' has shape {shape} ({count} elements) but its data "
                             f"holds {len(elements)}")
        blob = join_bytes_elements(elements)
    else:
        dtype = NUMPY_TYPES.get(datatype)
        if dtype is None:
            raise ValueError(f"output '{name}' has datatype '{datatype}', which is not a datatype")
        if isinstance(data, (bytes, bytearray, memoryview)):
            blob = bytes(data)
        else:
            array = np.asarray(data, dtype=dtype).reshape(-1)
            if array.size != count:
                raise ValueError(f"output '{name}' has shape {shape} ({count} elements) but its "
                                 f"data holds {array.size}")
            blob = array.astype(np.dtype(dtype).newbyteorder("<"), copy=False).tobytes()
        if len(blob) != count * np.dtype(dtype).itemsize:
            raise ValueError(f"output '{name}' has shape {shape} but its data holds {len(blob)} "
                             f"bytes of {datatype}")
    return name, datatype, shape, blob, parameters_to_dict(getattr(output, "parameters", None))
