"""SKLearnModel: scikit-learn estimators saved with joblib, served as MLServer 1.5's
scikit-learn runtime serves them.

    model-settings.json:
      {"name": "iris", "implementation": "mlserver_sklearn.SKLearnModel",
       "parameters": {"uri": "./model.joblib"}}

- `parameters.uri` is a .joblib/.pkl/.pickle file, or a folder holding model.joblib,
  model.pickle or model.pkl, relative to the model folder. tensord refuses a path that
  leaves the model folder (MLServer does not check).
- Outputs: `predict` (the default when the request names none, unless
  `parameters.extra.predict_fn` names another), `predict_proba`, `transform`; each encoded by NumpyCodec (1-D results get shape [N, 1]) unless the
  model settings give the output another content type; a DataFrame result is encoded
  column by column (PandasCodec) and must then be the only output asked for.
- Inputs: the request decoded by its content type; without one, its single input as a
  numpy array (NumpyRequestCodec). Request `content_type: "pd"` gives the estimator a
  DataFrame with one column per input, in input order.
"""

import os
from typing import List

import joblib

from mlserver.codecs import NumpyCodec, NumpyRequestCodec, PandasCodec
from mlserver.errors import InferenceError, MLServerError
from mlserver.logging import logger
from mlserver.model import MLModel
from mlserver.types import InferenceRequest, InferenceResponse, RequestOutput, ResponseOutput
from mlserver.utils import get_model_uri

PREDICT_OUTPUT = "predict"
PREDICT_PROBA_OUTPUT = "predict_proba"
PREDICT_TRANSFORM = "transform"
VALID_OUTPUTS = [PREDICT_OUTPUT, PREDICT_PROBA_OUTPUT, PREDICT_TRANSFORM]
PREDICT_FN_KEY = "predict_fn"  # parameters.extra key: the output a request without any gets

WELLKNOWN_MODEL_FILENAMES = ["model.joblib", "model.pickle", "model.pkl"]
MODEL_FILE_EXTENSIONS = (".joblib", ".pkl", ".pickle")


class ModelLoadError(MLServerError):
    """The model file cannot be served (tensord's check; MLServer fails later, at predict)."""

    def __init__(self, msg: str):
        super().__init__(msg, 500)


def _model_folder(settings) -> str:
    source = getattr(settings, "_source", None)
    return os.path.dirname(os.path.abspath(source)) if source else os.getcwd()


def _check_inside(settings, path: str) -> None:
    folder = os.path.realpath(_model_folder(settings))
    real = os.path.realpath(path)
    if os.path.commonpath([folder, real]) != folder:
        raise ModelLoadError(
            f"parameters.uri '{settings.parameters.uri}' of model '{settings.name}' resolves to "
            f"{real}, outside the model folder {folder}")


def _final_estimator(model):
    steps = getattr(model, "steps", None)  # a Pipeline: its last step answers predict_proba
    if isinstance(steps, list) and steps:
        return steps[-1][-1]
    return model


class SKLearnModel(MLModel):
    """MLModel serving a scikit-learn estimator (or Pipeline) loaded with joblib."""

    async def load(self) -> bool:
        model_uri = await get_model_uri(self._settings,
                                        wellknown_filenames=WELLKNOWN_MODEL_FILENAMES)
        _check_inside(self._settings, model_uri)
        if os.path.isdir(model_uri):
            raise ModelLoadError(
                f"parameters.uri of model '{self.name}' is the folder {model_uri}, which holds "
                f"none of {', '.join(WELLKNOWN_MODEL_FILENAMES)}")
        if not model_uri.endswith(MODEL_FILE_EXTENSIONS):
            logger.warning("model '%s': %s does not end in .joblib, .pkl or .pickle; "
                           "loading it with joblib anyway", self.name, model_uri)
        try:
            model = joblib.load(model_uri)
        except Exception as e:  # joblib raises many types for a file that is not a pickle
            raise ModelLoadError(f"model '{self.name}': cannot load {model_uri} with joblib: "
                                 f"{type(e).__name__}: {e}") from e
        if not any(hasattr(model, method) for method in VALID_OUTPUTS):
            raise ModelLoadError(
                f"model '{self.name}': {model_uri} holds a {type(model).__module__}."
                f"{type(model).__name__}, not a scikit-learn estimator (it has no predict, "
                f"predict_proba or transform method)")
        self._model = model
        self.ready = True
        return self.ready

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        payload = self._check_request(payload)
        outputs = self._get_model_outputs(payload)
        return InferenceResponse(model_name=self.name, model_version=self.version,
                                 outputs=outputs)

    def _default_output(self) -> str:
        # parameters.extra.predict_fn names the method a request without outputs gets.
        parameters = self._settings.parameters
        extra = parameters.extra if parameters is not None else None
        if extra and PREDICT_FN_KEY in extra:
            return extra[PREDICT_FN_KEY]
        return PREDICT_OUTPUT

    def _check_request(self, payload: InferenceRequest) -> InferenceRequest:
        if not payload.outputs:
            # By default only the result of predict() (or of extra.predict_fn) is returned.
            payload.outputs = [RequestOutput(name=self._default_output())]
        for request_output in payload.outputs:
            if request_output.name not in VALID_OUTPUTS:
                raise InferenceError(
                    f"SKLearnModel only supports '{PREDICT_OUTPUT}', "
                    f"'{PREDICT_PROBA_OUTPUT}' and '{PREDICT_TRANSFORM}' as outputs "
                    f"({request_output.name} was received)")
        names = [o.name for o in payload.outputs]
        if PREDICT_PROBA_OUTPUT in names:
            # Regressors (and pipelines ending in one) have no predict_proba.
            estimator = _final_estimator(self._model)
            if not hasattr(estimator, PREDICT_PROBA_OUTPUT):
                raise InferenceError(
                    f"{type(estimator)} models do not support '{PREDICT_PROBA_OUTPUT}")
        for name in (PREDICT_OUTPUT, PREDICT_TRANSFORM):
            if name in names and not hasattr(self._model, name):
                raise InferenceError(
                    f"{type(self._model)} models do not support '{name}'")
        return payload

    def _get_model_outputs(self, payload: InferenceRequest) -> List[ResponseOutput]:
        decoded = self.decode_request(payload, default_codec=NumpyRequestCodec)
        outputs = []
        for request_output in payload.outputs:
            y = getattr(self._model, request_output.name)(decoded)
            if PandasCodec.can_encode(y):
                if len(payload.outputs) > 1:
                    names = [o.name for o in payload.outputs]
                    raise InferenceError(
                        f"{request_output.name} returned columnar data of type {type(y)} and "
                        f"{names} were requested. Cannot encode multiple columnar data "
                        f"responses into one response.")
                return PandasCodec.encode_outputs(y)
            outputs.append(self.encode(y, request_output, default_codec=NumpyCodec))
        return outputs
