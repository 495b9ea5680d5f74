"""A custom MLServer runtime, unchanged from what MLServer 1.5 serves: tensord runs it in
worker processes (runtime/python/). It multiplies every input by parameters.extra.factor and
says, as a string, which request content type it was given."""

from mlserver import MLModel
from mlserver.codecs import NumpyCodec, StringCodec
from mlserver.types import InferenceRequest, InferenceResponse


class Scaler(MLModel):
    async def load(self) -> bool:
        extra = self.settings.parameters.extra or {}
        self.factor = float(extra.get("factor", 1))
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        outputs = []
        for request_input in payload.inputs:
            values = NumpyCodec.decode_input(request_input)
            outputs.append(NumpyCodec.encode_output(request_input.name + "_scaled",
                                                    values * self.factor))
        content_type = payload.parameters.content_type if payload.parameters else None
        outputs.append(StringCodec.encode_output("content_type", [str(content_type)]))
        return InferenceResponse(model_name=self.name, model_version=self.version,
                                 outputs=outputs)
