"""StringCodec ("str"): a BYTES tensor as a list of Python strings (UTF-8);
StringRequestCodec: a request whose one input is that list.

    StringCodec.encode_output("text", ["a", "bc"])   # BYTES, shape [2, 1], data [b"a", b"bc"]
    StringCodec.decode_input(request_input)          # ["a", "bc"]
"""

from typing import Any, List

from ..types import Parameters, RequestInput, ResponseOutput
from .base import InputCodec, register_input_codec, register_request_codec
from .lists import ListElement, as_list, is_list_of
from .utils import SingleInputRequestCodec

_DefaultStrCodec = "utf-8"


def encode_str(elem: str) -> bytes:
    return elem.encode(_DefaultStrCodec)


def decode_str(encoded: ListElement, str_codec: str = _DefaultStrCodec) -> str:
    if encoded is None:
        return None
    if isinstance(encoded, (bytes, bytearray)):
        return bytes(encoded).decode(str_codec)
    if isinstance(encoded, str):
        return encoded  # already a string when it came from JSON
    return ""


def _decode_input_or_output(input_or_output) -> List[str]:
    return [decode_str(elem) for elem in as_list(input_or_output.data)]


@register_input_codec
class StringCodec(InputCodec):
    """Encodes a list of Python strings as a BYTES input (output)."""

    ContentType = "str"
    TypeHint = List[str]

    @classmethod
    def can_encode(cls, payload: Any) -> bool:
        return is_list_of(payload, str)

    @classmethod
    def encode_output(cls, name: str, payload: List[str], use_bytes: bool = True,
                      **kwargs) -> ResponseOutput:
        packed = [encode_str(elem) for elem in payload] if use_bytes else list(payload)
        return ResponseOutput(name=name, datatype="BYTES", shape=[len(payload), 1], data=packed,
                              parameters=Parameters(content_type=cls.ContentType))

    @classmethod
    def decode_output(cls, response_output: ResponseOutput) -> List[str]:
        return _decode_input_or_output(response_output)

    @classmethod
    def decode_input(cls, request_input: RequestInput) -> List[str]:
        return _decode_input_or_output(request_input)

    @classmethod
    def encode_input(cls, name: str, payload: List[str], use_bytes: bool = True,
                     **kwargs) -> RequestInput:
        output = cls.encode_output(name, payload, use_bytes)
        return RequestInput(name=output.name, datatype=output.datatype, shape=output.shape,
                            data=output.data, parameters=output.parameters)


@register_request_codec
class StringRequestCodec(SingleInputRequestCodec):
    """Decodes the first input (output) of a request (response) as a list of strings."""

    InputCodec = StringCodec
    ContentType = StringCodec.ContentType
    TypeHint = List[str]
