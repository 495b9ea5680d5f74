"""PandasCodec ("pd"): a request (response) as a DataFrame, one input (output) per column.

    req = PandasCodec.encode_request(df)   # inputs named after the columns, shape [N, 1],
                                           # request parameters content_type "pd";
                                           # string columns: BYTES with content_type "str"
    df = PandasCodec.decode_request(req)   # columns in input order

pandas is imported on first use, not with mlserver.codecs: it takes about a second, which
every Python worker would pay at start whether its model sees a DataFrame or not.
"""

import sys
from typing import Any, List, Optional, Tuple

import numpy as np

from ..types import InferenceRequest, InferenceResponse, Parameters, RequestInput, ResponseOutput
from .base import RequestCodec, register_request_codec
from .lists import ListElement
from .numpy import convert_nan, to_datatype, to_dtype
from .string import StringCodec, encode_str
from .utils import InputOrOutput, get_decoded_or_raw, inject_batch_dimension


def _pd():
    import pandas

    return pandas


class _PandasTypeHint(type):
    # The type hint decode_args matches is pandas.DataFrame; reading it imports pandas.
    @property
    def TypeHint(cls):
        return _pd().DataFrame


def _column_values(input_or_output: InputOrOutput, payload: Any, dtype: np.dtype) -> Any:
    """The column's values as a 1-D sequence: [N] and [N, 1] tensors are one column."""
    if isinstance(payload, (bytes, bytearray, memoryview)):
        payload = np.frombuffer(payload, dtype=dtype.newbyteorder("<")).astype(dtype)
    if isinstance(payload, np.ndarray) or isinstance(payload, list):
        array = np.asarray(payload, dtype=dtype)
        rows = input_or_output.shape[0] if input_or_output.shape else array.size
        array = array.reshape(rows, -1)
        if array.shape[1] == 1:
            return array[:, 0]
        return list(array)  # one list per row: a column of arrays
    return payload


def _to_series(input_or_output: InputOrOutput):
    pd = _pd()
    payload = get_decoded_or_raw(input_or_output)
    payload = getattr(payload, "root", payload)
    if str(input_or_output.datatype) == "BYTES":
        # BYTES keep their Python type (str once decoded by StringCodec, else bytes).
        return pd.Series(list(payload) if not isinstance(payload, list) else payload)
    dtype = to_dtype(input_or_output)
    values = _column_values(input_or_output, payload, dtype)
    if isinstance(values, list):
        return pd.Series(values)
    return pd.Series(values, dtype=dtype)


def _process_bytes(data: List[ListElement], use_bytes: bool = True
                   ) -> Tuple[List[ListElement], Optional[str]]:
    # Strings are sent as bytes (so that gRPC can carry them) and marked "str"; a column
    # with any other object keeps no content type.
    processed = []
    content_type: Optional[str] = StringCodec.ContentType
    for elem in data:
        converted = elem
        if not isinstance(elem, (str, bytes)):
            content_type = None
        elif isinstance(elem, str) and use_bytes:
            converted = encode_str(elem)
        processed.append(converted)
    return processed, content_type


def _to_response_output(series, use_bytes: bool = True) -> ResponseOutput:
    datatype = to_datatype(series.dtype)
    data = series.tolist()
    if series.isnull().any():
        data = [convert_nan(v) for v in data]
    content_type = None
    if datatype == "BYTES":
        data, content_type = _process_bytes(data, use_bytes)
    return ResponseOutput(
        name=str(series.name),
        shape=inject_batch_dimension(list(series.shape)),
        data=data,
        datatype=datatype,
        parameters=Parameters(content_type=content_type) if content_type else None,
    )


@register_request_codec
class PandasCodec(RequestCodec, metaclass=_PandasTypeHint):
    """Decodes a request (response) into a DataFrame, each input (output) being a column."""

    ContentType = "pd"

    @classmethod
    def can_encode(cls, payload: Any) -> bool:
        pandas = sys.modules.get("pandas")  # not imported yet: payload is no DataFrame
        return pandas is not None and isinstance(payload, pandas.DataFrame)

    @classmethod
    def encode_response(cls, model_name: str, payload,
                        model_version: Optional[str] = None, use_bytes: bool = True,
                        **kwargs) -> InferenceResponse:
        return InferenceResponse(model_name=model_name, model_version=model_version,
                                 parameters=Parameters(content_type=cls.ContentType),
                                 outputs=cls.encode_outputs(payload, use_bytes=use_bytes))

    @classmethod
    def decode_response(cls, response: InferenceResponse):
        return _pd().DataFrame({output.name: _to_series(output) for output in response.outputs})

    @classmethod
    def encode_outputs(cls, payload, use_bytes: bool = True) -> List[ResponseOutput]:
        return [_to_response_output(payload[col], use_bytes=use_bytes) for col in payload]

    @classmethod
    def encode_request(cls, payload, use_bytes: bool = True,
                       **kwargs) -> InferenceRequest:
        outputs = cls.encode_outputs(payload, use_bytes=use_bytes)
        return InferenceRequest(
            parameters=Parameters(content_type=cls.ContentType),
            inputs=[RequestInput(name=o.name, datatype=o.datatype, shape=o.shape, data=o.data,
                                 parameters=o.parameters) for o in outputs],
        )

    @classmethod
    def decode_request(cls, request: InferenceRequest):
        return _pd().DataFrame({inp.name: _to_series(inp) for inp in request.inputs})
