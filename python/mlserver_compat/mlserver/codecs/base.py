"""Codec interfaces and the registry that finds them by content type, payload or type hint.

    @register_input_codec
    class MyCodec(InputCodec):
        ContentType = "my"
        TypeHint = MyType
        ...

    find_input_codec("np")              # NumpyCodec
    find_request_codec_by_payload(df)   # PandasCodec
"""

import functools
from typing import Any, ClassVar, Dict, Iterable, Optional, Type, Union

from ..logging import logger
from ..types import InferenceRequest, InferenceResponse, RequestInput, ResponseOutput

InputCodecLike = Union[Type["InputCodec"], "InputCodec"]
RequestCodecLike = Union[Type["RequestCodec"], "RequestCodec"]


def deprecated(reason: str):
    def wrap(func):
        @functools.wraps(func)
        def inner(*args, **kwargs):
            logger.warning(f"DEPRECATED! {reason}")
            return func(*args, **kwargs)

        return inner

    return wrap


class InputCodec:
    """Converts one input (output) tensor to and from a Python type."""

    ContentType: ClassVar[str] = ""
    TypeHint: ClassVar[Any] = type(None)

    @classmethod
    def can_encode(cls, payload: Any) -> bool:
        return False

    @classmethod
    @deprecated("The encode() method is now deprecated. Use encode_output() instead.")
    def encode(cls, name: str, payload: Any) -> ResponseOutput:
        return cls.encode_output(name, payload)

    @classmethod
    def encode_output(cls, name: str, payload: Any, **kwargs) -> ResponseOutput:
        raise NotImplementedError()

    @classmethod
    def decode_output(cls, response_output: ResponseOutput) -> Any:
        raise NotImplementedError()

    @classmethod
    def encode_input(cls, name: str, payload: Any, **kwargs) -> RequestInput:
        raise NotImplementedError()

    @classmethod
    @deprecated("The decode() method is now deprecated. Use decode_input() instead.")
    def decode(cls, request_input: RequestInput) -> Any:
        return cls.decode_input(request_input)

    @classmethod
    def decode_input(cls, request_input: RequestInput) -> Any:
        raise NotImplementedError()


class RequestCodec:
    """Converts a whole request (response) to and from a Python type (e.g. a DataFrame)."""

    ContentType: ClassVar[str] = ""
    TypeHint: ClassVar[Any] = type(None)

    @classmethod
    def can_encode(cls, payload: Any) -> bool:
        return False

    @classmethod
    @deprecated("The encode() method is now deprecated. Use encode_response() instead.")
    def encode(cls, model_name: str, payload: Any,
               model_version: Optional[str] = None) -> InferenceResponse:
        return cls.encode_response(model_name, payload, model_version)

    @classmethod
    def encode_response(cls, model_name: str, payload: Any,
                        model_version: Optional[str] = None, **kwargs) -> InferenceResponse:
        raise NotImplementedError()

    @classmethod
    def decode_response(cls, response: InferenceResponse) -> Any:
        raise NotImplementedError()

    @classmethod
    def encode_request(cls, payload: Any, **kwargs) -> InferenceRequest:
        raise NotImplementedError()

    @classmethod
    @deprecated("The decode() method is now deprecated. Use decode_request() instead.")
    def decode(cls, request: InferenceRequest) -> Any:
        return cls.decode_request(request)

    @classmethod
    def decode_request(cls, request: InferenceRequest) -> Any:
        raise NotImplementedError()


def _first_matching(matches: list, what: str):
    if not matches:
        logger.warning(f"No codec was found for {what}.")
        return None
    if len(matches) > 1:
        logger.warning(f"Multiple codecs ({len(matches)}) were found for {what}. "
                       f"The first one found will be used ({matches[0].ContentType}).")
    return matches[0]


def _find_by_payload(payload: Any, codecs: Iterable):
    return _first_matching([c for c in codecs if c.can_encode(payload)],
                           f"payload with type {type(payload)}")


def _find_by_type_hint(type_hint: Any, codecs: Iterable):
    return _first_matching([c for c in codecs if c.TypeHint == type_hint],
                           f"type hint {type_hint}")


class _CodecRegistry:
    """Codecs by content type, in registration order (which decides ties, as in MLServer)."""

    def __init__(self):
        self._input_codecs: Dict[str, InputCodecLike] = {}
        self._request_codecs: Dict[str, RequestCodecLike] = {}

    def register_input_codec(self, content_type: str, codec: InputCodecLike):
        self._input_codecs[content_type] = codec

    def register_request_codec(self, content_type: str, codec: RequestCodecLike):
        self._request_codecs[content_type] = codec

    def find_input_codec(self, content_type: Optional[str] = None, payload: Any = None,
                         type_hint: Any = None) -> Optional[InputCodecLike]:
        if content_type:
            return self._input_codecs.get(content_type)
        if payload is not None:
            return self.find_input_codec_by_payload(payload)
        if type_hint is not None:
            return self.find_input_codec_by_type_hint(type_hint)
        return None

    def find_input_codec_by_payload(self, payload: Any) -> Optional[InputCodecLike]:
        return _find_by_payload(payload, self._input_codecs.values())

    def find_input_codec_by_type_hint(self, type_hint: Any) -> Optional[InputCodecLike]:
        return _find_by_type_hint(type_hint, self._input_codecs.values())

    def find_request_codec(self, content_type: Optional[str] = None, payload: Any = None,
                           type_hint: Any = None) -> Optional[RequestCodecLike]:
        if content_type:
            return self._request_codecs.get(content_type)
        if payload is not None:
            return self.find_request_codec_by_payload(payload)
        if type_hint is not None:
            return self.find_request_codec_by_type_hint(type_hint)
        return None

    def find_request_codec_by_payload(self, payload: Any) -> Optional[RequestCodecLike]:
        return _find_by_payload(payload, self._request_codecs.values())

    def find_request_codec_by_type_hint(self, type_hint: Any) -> Optional[RequestCodecLike]:
        return _find_by_type_hint(type_hint, self._request_codecs.values())


_codec_registry = _CodecRegistry()

find_input_codec = _codec_registry.find_input_codec
find_input_codec_by_payload = _codec_registry.find_input_codec_by_payload
find_input_codec_by_type_hint = _codec_registry.find_input_codec_by_type_hint
find_request_codec = _codec_registry.find_request_codec
find_request_codec_by_payload = _codec_registry.find_request_codec_by_payload
find_request_codec_by_type_hint = _codec_registry.find_request_codec_by_type_hint


def register_input_codec(CodecKlass: InputCodecLike):
    if CodecKlass.ContentType is not None:
        _codec_registry.register_input_codec(CodecKlass.ContentType, CodecKlass)
    return CodecKlass


def register_request_codec(CodecKlass: RequestCodecLike):
    if CodecKlass.ContentType is not None:
        _codec_registry.register_request_codec(CodecKlass.ContentType, CodecKlass)
    return CodecKlass
