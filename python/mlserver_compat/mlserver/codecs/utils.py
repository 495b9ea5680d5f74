"""How MLServer picks codecs for a request: content types on each input, then on the
request (or the model's settings), with the decoded payload stored on the object.

    decoded = decode_inference_request(request, model_settings, inputs_index)
    # a DataFrame when the request says content_type "pd"; else the request itself
"""

from typing import Any, Dict, List, Optional, Union

from ..settings import ModelSettings
from ..types import (
    InferenceRequest,
    InferenceResponse,
    MetadataTensor,
    Parameters,
    RequestInput,
    RequestOutput,
    ResponseOutput,
)
from .base import (
    InputCodecLike,
    RequestCodec,
    RequestCodecLike,
    find_input_codec,
    find_input_codec_by_payload,
    find_request_codec,
    find_request_codec_by_payload,
)
from .errors import CodecError

DefaultOutputPrefix = "output-"
DefaultInputPrefix = "input-"

InputOrOutput = Union[RequestInput, ResponseOutput]
Codec = Union[InputCodecLike, RequestCodecLike]
Parametrised = Union[InferenceRequest, RequestInput, RequestOutput, ResponseOutput,
                     InferenceResponse]
Tagged = Union[MetadataTensor, ModelSettings]
DecodedParameterName = "_decoded_payload"


def inject_batch_dimension(shape: List[int]) -> List[int]:
    """A 1-D shape [N] is sent as [N, 1]: MLServer treats the first axis as the batch."""
    return shape if len(shape) > 1 else shape + [1]


def get_content_type(obj: Parametrised, metadata: Optional[Tagged] = None) -> Optional[str]:
    if obj.parameters is not None and obj.parameters.content_type:
        return obj.parameters.content_type
    if metadata is not None:
        parameters = getattr(metadata, "parameters", None)
        if parameters is not None and getattr(parameters, "content_type", None):
            return parameters.content_type
    return None


_get_content_type = get_content_type


def _save_decoded(obj: Parametrised, decoded_payload: Any):
    if obj.parameters is None:
        obj.parameters = Parameters()
    setattr(obj.parameters, DecodedParameterName, decoded_payload)


def has_decoded(obj: Parametrised) -> bool:
    return obj.parameters is not None and DecodedParameterName in vars(obj.parameters)


def get_decoded(obj: Parametrised) -> Any:
    if has_decoded(obj):
        return getattr(obj.parameters, DecodedParameterName)
    return None


def get_decoded_or_raw(obj: Parametrised) -> Any:
    if has_decoded(obj):
        return get_decoded(obj)
    if isinstance(obj, (RequestInput, ResponseOutput)):
        return obj.data
    return obj


def encode_response_output(payload: Any, request_output: RequestOutput,
                           metadata_outputs: Dict[str, MetadataTensor] = {}
                           ) -> Optional[ResponseOutput]:
    content_type = get_content_type(request_output, metadata_outputs.get(request_output.name))
    codec = (find_input_codec(content_type) if content_type
             else find_input_codec_by_payload(payload))
    if not codec:
        return None
    return codec.encode_output(name=request_output.name, payload=payload)


def encode_inference_response(payload: Any, model_settings: ModelSettings
                              ) -> Optional[InferenceResponse]:
    codec = find_request_codec_by_payload(payload)
    if not codec:
        return None
    model_version = None
    if model_settings.parameters is not None:
        model_version = model_settings.parameters.version
    return codec.encode_response(model_settings.name, payload, model_version)


def decode_request_input(request_input: RequestInput,
                         metadata_inputs: Dict[str, MetadataTensor] = {}) -> Optional[Any]:
    content_type = get_content_type(request_input, metadata_inputs.get(request_input.name))
    if content_type is None:
        return None
    codec = find_input_codec(content_type)
    if codec is None:
        return None
    decoded = codec.decode_input(request_input)
    _save_decoded(request_input, decoded)
    return decoded


def decode_inference_request(inference_request: InferenceRequest,
                             model_settings: Optional[ModelSettings] = None,
                             metadata_inputs: Dict[str, MetadataTensor] = {}) -> Optional[Any]:
    for request_input in inference_request.inputs:
        decode_request_input(request_input, metadata_inputs)
    content_type = get_content_type(inference_request, model_settings)
    if content_type is not None:
        codec = find_request_codec(content_type)
        if codec is not None:
            decoded = codec.decode_request(inference_request)
            _save_decoded(inference_request, decoded)
            return decoded
    return inference_request


class SingleInputRequestCodec(RequestCodec):
    """A request codec that is its one input's codec (NumpyRequestCodec, StringRequestCodec)."""

    InputCodec: Optional[InputCodecLike] = None

    @classmethod
    def can_encode(cls, payload: Any) -> bool:
        return cls.InputCodec is not None and cls.InputCodec.can_encode(payload)

    @classmethod
    def encode_response(cls, model_name: str, payload: Any,
                        model_version: Optional[str] = None, **kwargs) -> InferenceResponse:
        if cls.InputCodec is None:
            raise NotImplementedError(f"No input codec found for {type(cls)} request codec")
        output = cls.InputCodec.encode_output(f"{DefaultOutputPrefix}1", payload, **kwargs)
        return InferenceResponse(model_name=model_name, model_version=model_version,
                                 outputs=[output])

    @classmethod
    def decode_response(cls, response: InferenceResponse) -> Any:
        if len(response.outputs) != 1:
            raise CodecError(
                f"The '{cls.ContentType}' codec only supports a single output tensor "
                f"({len(response.outputs)} were received)")
        first = response.outputs[0]
        if not has_decoded(first) and cls.InputCodec is not None:
            _save_decoded(first, cls.InputCodec.decode_output(first))
        return get_decoded_or_raw(first)

    @classmethod
    def encode_request(cls, payload: Any, **kwargs) -> InferenceRequest:
        if cls.InputCodec is None:
            raise NotImplementedError(f"No input codec found for {type(cls)} request codec")
        inp = cls.InputCodec.encode_input(f"{DefaultInputPrefix}1", payload, **kwargs)
        return InferenceRequest(inputs=[inp])

    @classmethod
    def decode_request(cls, request: InferenceRequest) -> Any:
        if len(request.inputs) != 1:
            raise CodecError(
                f"The '{cls.ContentType}' codec only supports a single input tensor "
                f"({len(request.inputs)} were received)")
        first = request.inputs[0]
        if not has_decoded(first) and cls.InputCodec is not None:
            _save_decoded(first, cls.InputCodec.decode_input(first))
        return get_decoded_or_raw(first)
