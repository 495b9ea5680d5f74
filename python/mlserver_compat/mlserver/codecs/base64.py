"""Base64Codec ("base64"): BYTES elements that travel base64-encoded, decoded to bytes.

    Base64Codec.encode_output("img", [b"\\x00\\x01"])   # data [b"AAE="], shape [1, 1]
    Base64Codec.decode_input(request_input)            # [b"\\x00\\x01"]
"""

import base64
import binascii
from typing import Any, List, Union

from ..types import Parameters, RequestInput, ResponseOutput
from .base import InputCodec, register_input_codec
from .lists import as_list, is_list_of


def _to_bytes(elem: Union[str, bytes]) -> bytes:
    return elem.encode("utf-8") if isinstance(elem, str) else bytes(elem)


def _encode_base64(elem: bytes, use_bytes: bool) -> Union[str, bytes]:
    encoded = base64.b64encode(elem)
    return encoded if use_bytes else encoded.decode("ascii")


def _decode_base64(elem: Union[str, bytes]) -> bytes:
    as_bytes = _to_bytes(elem)
    try:
        return base64.b64decode(as_bytes, validate=True)
    except (binascii.Error, ValueError):
        # MLServer takes an element that is not base64 as the raw bytes themselves.
        return as_bytes


@register_input_codec
class Base64Codec(InputCodec):
    """Codec that converts to / from a base64 input."""

    ContentType = "base64"
    TypeHint = List[bytes]

    @classmethod
    def can_encode(cls, payload: Any) -> bool:
        return is_list_of(payload, bytes)

    @classmethod
    def encode_output(cls, name: str, payload: List[bytes], use_bytes: bool = True,
                      **kwargs) -> ResponseOutput:
        return ResponseOutput(name=name, datatype="BYTES", shape=[len(payload), 1],
                              data=[_encode_base64(elem, use_bytes) for elem in payload],
                              parameters=Parameters(content_type=cls.ContentType))

    @classmethod
    def decode_output(cls, response_output: ResponseOutput) -> List[bytes]:
        return [_decode_base64(elem) for elem in as_list(response_output.data)]

    @classmethod
    def encode_input(cls, name: str, payload: List[bytes], use_bytes: bool = True,
                     **kwargs) -> RequestInput:
        output = cls.encode_output(name, payload, use_bytes)
        return RequestInput(name=output.name, datatype=output.datatype, shape=output.shape,
                            data=output.data, parameters=output.parameters)

    @classmethod
    def decode_input(cls, request_input: RequestInput) -> List[bytes]:
        return [_decode_base64(elem) for elem in as_list(request_input.data)]
