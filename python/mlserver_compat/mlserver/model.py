"""mlserver.MLModel: the class a custom runtime extends.

    class MyModel(MLModel):
        async def load(self) -> bool:
            self._model = ...            # self.settings.parameters.uri, .extra
            return True

        async def predict(self, payload: InferenceRequest) -> InferenceResponse:
            x = self.decode_request(payload, default_codec=NumpyRequestCodec)
            return self.encode_response(self._model(x), default_codec=NumpyRequestCodec)

tensord's worker builds the settings, calls load() once per worker process, and predict()
per (merged) request.
"""

from typing import Any, Dict, List, Optional

from .codecs import (
    InputCodecLike,
    RequestCodecLike,
    decode_inference_request,
    decode_request_input,
    encode_inference_response,
    encode_response_output,
    get_decoded,
    has_decoded,
)
from .codecs.errors import CodecNotFound
from .settings import ModelSettings
from .types import (
    InferenceRequest,
    InferenceResponse,
    MetadataModelResponse,
    MetadataTensor,
    Parameters,
    RequestInput,
    RequestOutput,
    ResponseOutput,
)


def _metadata_index(tensors: Optional[List[MetadataTensor]]) -> Dict[str, MetadataTensor]:
    return {tensor.name: tensor for tensor in (tensors or [])}


class MLModel:
    """Abstract inference runtime: override load() and predict()."""

    def __init__(self, settings: ModelSettings):
        self._settings = settings
        self._inputs_index = _metadata_index(settings.inputs)
        self._outputs_index = _metadata_index(settings.outputs)
        self.ready = False

    async def load(self) -> bool:
        return True

    async def unload(self) -> bool:
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        raise NotImplementedError("predict() method not implemented")

    @property
    def name(self) -> str:
        return self._settings.name

    @property
    def version(self) -> Optional[str]:
        return self._settings.version

    @property
    def settings(self) -> ModelSettings:
        return self._settings

    @property
    def inputs(self) -> Optional[List[MetadataTensor]]:
        return self._settings.inputs

    @inputs.setter
    def inputs(self, value: List[MetadataTensor]):
        self._settings.inputs = value
        self._inputs_index = _metadata_index(value)

    @property
    def outputs(self) -> Optional[List[MetadataTensor]]:
        return self._settings.outputs

    @outputs.setter
    def outputs(self, value: List[MetadataTensor]):
        self._settings.outputs = value
        self._outputs_index = _metadata_index(value)

    def decode(self, request_input: RequestInput,
               default_codec: Optional[InputCodecLike] = None) -> Any:
        """The input decoded by its content type (or the model's metadata), else by
        `default_codec`, else its raw data."""
        decode_request_input(request_input, self._inputs_index)
        if has_decoded(request_input):
            return get_decoded(request_input)
        if default_codec:
            return default_codec.decode_input(request_input)
        return request_input.data

    def decode_request(self, inference_request: InferenceRequest,
                       default_codec: Optional[RequestCodecLike] = None) -> Any:
        """The request decoded by its content type (or the settings' parameters.content_type),
        else by `default_codec`, else the request itself."""
        decode_inference_request(inference_request, self._settings, self._inputs_index)
        if has_decoded(inference_request):
            return get_decoded(inference_request)
        if default_codec:
            return default_codec.decode_request(inference_request)
        return inference_request

    def encode_response(self, payload: Any,
                        default_codec: Optional[RequestCodecLike] = None) -> InferenceResponse:
        response = encode_inference_response(payload, self._settings)
        if response:
            return response
        if default_codec:
            return default_codec.encode_response(self.name, payload, self.version)
        raise CodecNotFound(payload_type=str(type(payload)), is_input=False, is_request=True)

    def encode(self, payload: Any, request_output: RequestOutput,
               default_codec: Optional[InputCodecLike] = None) -> ResponseOutput:
        output = encode_response_output(payload, request_output, self._outputs_index)
        if output:
            return output
        if default_codec:
            return default_codec.encode_output(request_output.name, payload)
        raise CodecNotFound(name=request_output.name, is_input=False, is_request=False)

    async def metadata(self) -> MetadataModelResponse:
        metadata = MetadataModelResponse(name=self.name, platform=self._settings.platform,
                                         versions=self._settings.versions,
                                         inputs=self._settings.inputs,
                                         outputs=self._settings.outputs)
        if self._settings.parameters is not None:
            metadata.parameters = Parameters(
                content_type=self._settings.parameters.content_type)
        return metadata
