"""decode_args: write predict() with typed arguments instead of an InferenceRequest.

    class MyModel(MLModel):
        @decode_args
        async def predict(self, questions: List[str], context: np.ndarray) -> np.ndarray:
            ...

Each argument is the request input of its name, decoded by the codec of its type hint
(np.ndarray: NumpyCodec, List[str]: StringCodec, pd.DataFrame: PandasCodec takes every
input no other argument names); return values are encoded by the codecs of the return hint
(a tuple hint: one per element), outputs named "output-<i>".
"""

from functools import partial, wraps
from typing import (Any, Callable, Dict, List, Optional, Tuple, Type, Union, get_args,
                    get_origin, get_type_hints)

from ..types import InferenceRequest, InferenceResponse, ResponseOutput
from .base import InputCodec, RequestCodec, find_input_codec, find_request_codec
from .errors import CodecNotFound, InputsNotFound, OutputNotFound
from .utils import Codec


def _as_list(a: Any) -> List[Any]:
    if a is None:
        return []
    if isinstance(a, tuple):
        return list(a)
    if get_origin(a) in (tuple, Tuple):
        return list(get_args(a))
    return [a]


def _is_codec_type(c: Codec, t: Type) -> bool:
    return (isinstance(c, type) and issubclass(c, t)) or isinstance(c, t)


_is_input_codec = partial(_is_codec_type, t=InputCodec)
_is_request_codec = partial(_is_codec_type, t=RequestCodec)


def _unwrap_optional(hint: Any) -> Any:
    if get_origin(hint) is Union:
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


class SignatureCodec(RequestCodec):
    """Maps a predict() signature's type hints to codecs."""

    def __init__(self, predict: Callable):
        self._predict = predict
        hints = {name: _unwrap_optional(h) for name, h in get_type_hints(predict).items()}
        self._output_hints = _as_list(hints.pop("return", None))
        self._input_hints = hints
        self._input_codecs: Dict[str, Codec] = {
            name: self._find_codec(name, hint, is_input=True) for name, hint in hints.items()}
        self._output_codecs: List[Codec] = [
            self._find_codec(None, hint, is_input=False) for hint in self._output_hints]

    @staticmethod
    def _find_codec(name: Optional[str], type_hint: Any, is_input: bool) -> Codec:
        codec = find_input_codec(type_hint=type_hint)
        if codec is not None:
            return codec
        codec = find_request_codec(type_hint=type_hint)
        if codec is not None:
            return codec
        raise CodecNotFound(name=name, payload_type=str(type_hint), is_input=is_input)

    def decode_request(self, request: InferenceRequest) -> Dict[str, Any]:  # type: ignore
        inputs: Dict[str, Any] = {}
        extra = []
        for request_input in request.inputs:
            name = request_input.name
            if name not in self._input_codecs:
                extra.append(request_input)  # maybe columns of a request codec argument
                continue
            codec = self._input_codecs[name]
            if not _is_input_codec(codec):
                raise CodecNotFound(name=name, is_input=True)
            inputs[name] = codec.decode_input(request_input)
        if extra:
            found = self._request_codec()
            if found is None:
                raise InputsNotFound(extra, self._input_codecs)
            name, codec = found
            inputs[name] = codec.decode_request(InferenceRequest(inputs=extra))
        return inputs

    def _request_codec(self) -> Optional[Tuple[str, Codec]]:
        for name, codec in self._input_codecs.items():
            if _is_request_codec(codec):
                return name, codec
        return None

    def encode_response(self, model_name: str, payload: Any,  # type: ignore
                        model_version: Optional[str] = None) -> InferenceResponse:
        outputs: List[ResponseOutput] = []
        for idx, value in enumerate(_as_list(payload)):
            outputs += self._encode_outputs(idx, value)
        return InferenceResponse(model_name=model_name, model_version=model_version,
                                 outputs=outputs)

    def _encode_outputs(self, idx: int, payload: Any) -> List[ResponseOutput]:
        if idx >= len(self._output_codecs):
            raise OutputNotFound(idx, type(payload), self._output_hints)
        codec = self._output_codecs[idx]
        if not codec.can_encode(payload):
            raise OutputNotFound(idx, type(payload), self._output_hints)
        if _is_input_codec(codec):
            return [codec.encode_output(name=f"output-{idx}", payload=payload)]
        if _is_request_codec(codec):
            return codec.encode_response(model_name="", payload=payload).outputs
        return []


def decode_args(predict: Callable) -> Callable:
    codec = SignatureCodec(predict)

    @wraps(predict)
    async def _f(self, request: InferenceRequest) -> InferenceResponse:
        inputs = codec.decode_request(request=request)
        outputs = await predict(self, **inputs)
        return codec.encode_response(model_name=self.name, payload=outputs,
                                     model_version=self.version)

    return _f
