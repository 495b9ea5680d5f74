"""DatetimeCodec ("datetime"): BYTES elements holding ISO 8601 timestamps."""

import datetime as _dt
from typing import Any, List, Union

from ..types import Parameters, RequestInput, ResponseOutput
from .base import InputCodec, register_input_codec
from .lists import as_list, is_list_of
from .string import decode_str, encode_str


def _encode(value: Union[_dt.datetime, str], use_bytes: bool):
    text = value.isoformat() if isinstance(value, _dt.datetime) else value
    return encode_str(text) if use_bytes else text


@register_input_codec
class DatetimeCodec(InputCodec):
    """Codec that converts to / from a datetime input."""

    ContentType = "datetime"
    TypeHint = List[_dt.datetime]

    @classmethod
    def can_encode(cls, payload: Any) -> bool:
        return is_list_of(payload, _dt.datetime)

    @classmethod
    def encode_output(cls, name: str, payload: List[_dt.datetime], use_bytes: bool = True,
                      **kwargs) -> ResponseOutput:
        return ResponseOutput(name=name, datatype="BYTES", shape=[len(payload), 1],
                              data=[_encode(v, use_bytes) for v in payload],
                              parameters=Parameters(content_type=cls.ContentType))

    @classmethod
    def decode_output(cls, response_output: ResponseOutput) -> List[_dt.datetime]:
        return [_dt.datetime.fromisoformat(decode_str(v)) for v in as_list(response_output.data)]

    @classmethod
    def encode_input(cls, name: str, payload: List[_dt.datetime], use_bytes: bool = True,
                     **kwargs) -> RequestInput:
        output = cls.encode_output(name, payload, use_bytes)
        return RequestInput(name=output.name, datatype=output.datatype, shape=output.shape,
                            data=output.data, parameters=output.parameters)

    @classmethod
    def decode_input(cls, request_input: RequestInput) -> List[_dt.datetime]:
        return [_dt.datetime.fromisoformat(decode_str(v)) for v in as_list(request_input.data)]
