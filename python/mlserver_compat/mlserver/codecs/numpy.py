"""NumpyCodec ("np"): one tensor as a numpy array; NumpyRequestCodec: a request whose one
input is that array.

    arr = NumpyCodec.decode_input(request_input)          # reshaped to the input's shape
    out = NumpyCodec.encode_output("predict", arr)       # 1-D arrays get shape [N, 1]
    req = NumpyRequestCodec.encode_request(np.ones((2, 3)))   # input "input-1"

Numeric data may be a (nested) list, as JSON gives it, or the tensor's raw little-endian
bytes, as tensord's workers (and MLServer's gRPC raw contents) give it.
"""

import functools
from typing import Any

import numpy as np

from ..types import Datatype, Parameters, RequestInput, ResponseOutput
from .base import InputCodec, register_input_codec, register_request_codec
from .lists import is_list_of
from .string import encode_str
from .utils import InputOrOutput, SingleInputRequestCodec, inject_batch_dimension

_DatatypeToNumpy = {
    "BOOL": "bool",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "FP16": "float16",
    "FP32": "float32",
    "FP64": "float64",
    "BYTES": "bytes",
}

_NumpyToDatatype = {value: key for key, value in _DatatypeToNumpy.items()}
# numpy has more types than the protocol: objects and strings travel as BYTES.
_NumpyToDatatype["object"] = "BYTES"
_NumpyToDatatype["S"] = "BYTES"
_NumpyToDatatype["U"] = "BYTES"


def _raw(input_or_output: InputOrOutput) -> Any:
    return getattr(input_or_output.data, "root", input_or_output.data)


_NumericDtypes = {name: np.dtype(dtype) for name, dtype in _DatatypeToNumpy.items()
                  if name != "BYTES"}


def _datatype_name(input_or_output: InputOrOutput) -> str:
    datatype = input_or_output.datatype
    if isinstance(datatype, Datatype):
        return datatype.value
    if datatype in _DatatypeToNumpy:
        return datatype
    return Datatype(datatype).value  # ValueError naming an unknown datatype


def to_dtype(input_or_output: InputOrOutput) -> "np.dtype":
    datatype = _datatype_name(input_or_output)
    numeric = _NumericDtypes.get(datatype)
    if numeric is not None:
        return numeric
    dtype = _DatatypeToNumpy[datatype]
    if datatype == "BYTES":
        data = _raw(input_or_output)
        if is_list_of(data, str):
            return np.dtype(str)
        # Fixed-size byte strings, sized by the last dimension (as MLServer does).
        return np.dtype((dtype, input_or_output.shape[-1]))
    return np.dtype(dtype)


@functools.lru_cache(maxsize=256)
def _datatype_of(dtype: np.dtype) -> Datatype:
    as_str = str(dtype)
    if as_str not in _NumpyToDatatype:
        as_str = dtype.kind
    return Datatype(_NumpyToDatatype[as_str])


def to_datatype(dtype: np.dtype) -> str:
    try:
        return _datatype_of(dtype)
    except TypeError:  # an unhashable (extension) dtype
        return _datatype_of.__wrapped__(dtype)


def _to_ndarray(input_or_output: InputOrOutput) -> np.ndarray:
    data = _raw(input_or_output)
    datatype = _datatype_name(input_or_output)
    if datatype == "BYTES":
        if is_list_of(data, bytes):
            # Variable-length elements: an object array of bytes, one per element.
            array = np.empty(len(data), dtype=object)
            array[:] = data
            return array
        return np.array(data, to_dtype(input_or_output))
    dtype = to_dtype(input_or_output)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return np.frombuffer(data, dtype=dtype.newbyteorder("<")).astype(dtype, copy=False)
    return np.array(data, dtype)


def convert_nan(val):
    if isinstance(val, float) and np.isnan(val):
        return None
    return val


def _encode_data(data: np.ndarray, datatype: str) -> list:
    if datatype == "BYTES":
        flat = data.flatten().tolist()
        return [encode_str(v) if isinstance(v, str) else v for v in flat]
    flat = data.flatten().tolist()
    if data.dtype.kind == "f" and np.isnan(data).any():
        flat = [convert_nan(v) for v in flat]  # NaN becomes null, as JSON has no NaN
    return flat


@register_input_codec
class NumpyCodec(InputCodec):
    """Decodes a request input (response output) as a NumPy array."""

    ContentType = "np"
    TypeHint = np.ndarray

    @classmethod
    def can_encode(cls, payload: Any) -> bool:
        return isinstance(payload, np.ndarray)

    @classmethod
    def encode_output(cls, name: str, payload: np.ndarray, **kwargs) -> ResponseOutput:
        datatype = to_datatype(payload.dtype)
        return ResponseOutput(
            name=name,
            datatype=datatype,
            shape=inject_batch_dimension(list(payload.shape)),
            data=_encode_data(payload, datatype),
            parameters=Parameters(content_type=cls.ContentType),
        )

    @classmethod
    def decode_output(cls, response_output: ResponseOutput) -> np.ndarray:
        return cls.decode_input(response_output)  # type: ignore

    @classmethod
    def encode_input(cls, name: str, payload: np.ndarray, **kwargs) -> RequestInput:
        output = cls.encode_output(name=name, payload=payload)
        return RequestInput(name=output.name, datatype=output.datatype, shape=output.shape,
                            data=output.data,
                            parameters=Parameters(content_type=cls.ContentType))

    @classmethod
    def decode_input(cls, request_input: RequestInput) -> np.ndarray:
        return _to_ndarray(request_input).reshape(request_input.shape)


@register_request_codec
class NumpyRequestCodec(SingleInputRequestCodec):
    """Decodes the first input (output) of a request (response) as a NumPy array."""

    InputCodec = NumpyCodec
    ContentType = NumpyCodec.ContentType
    TypeHint = np.ndarray
