"""The MLServer interface the worker builds: ModelSettings and InferenceRequest.

The real ``mlserver`` package is used when it is importable; else tensord's own
(python/mlserver_compat, last on sys.path); else, for models that never import mlserver,
the plain stand-ins below. Objects are built by keyword, exactly as MLServer 1.5 builds them.
"""

import importlib
import inspect
import sys

SETTINGS_FIELDS = ("name", "platform", "versions", "inputs", "outputs", "parallel_workers",
                   "warm_workers", "max_batch_size", "max_batch_time")
PARAMETER_FIELDS = ("uri", "version", "format", "content_type", "extra", "environment_tarball")


class _Plain:
    """A stand-in for an MLServer type: keyword arguments become attributes."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({fields})"


class ModelSettings(_Plain):
    pass


class ModelParameters(_Plain):
    pass


class InferenceRequest(_Plain):
    pass


class RequestInput(_Plain):
    pass


class RequestOutput(_Plain):
    pass


class Parameters(_Plain):
    pass


def _mlserver():
    try:
        settings = importlib.import_module("mlserver.settings")
        types = importlib.import_module("mlserver.types")
        return settings, types
    except ImportError:
        return None, None


class Api:
    """The classes of whichever MLServer implementation this worker uses."""

    def __init__(self):
        settings, types = _mlserver()
        self.source = "none"
        if settings is not None:
            module_file = getattr(sys.modules.get("mlserver"), "__file__", "") or ""
            self.source = "tensord-compat" if "mlserver_compat" in module_file else "mlserver"
            self.ModelSettings = settings.ModelSettings
            self.ModelParameters = settings.ModelParameters
            self.InferenceRequest = types.InferenceRequest
            self.RequestInput = types.RequestInput
            self.RequestOutput = types.RequestOutput
            self.Parameters = types.Parameters
        else:
            self.ModelSettings = ModelSettings
            self.ModelParameters = ModelParameters
            self.InferenceRequest = InferenceRequest
            self.RequestInput = RequestInput
            self.RequestOutput = RequestOutput
            self.Parameters = Parameters

    def parameters(self, values):
        if not values:
            return None
        return self.Parameters(**values)

    def model_settings(self, name, settings, implementation, source):
        kwargs = {k: settings[k] for k in SETTINGS_FIELDS if settings.get(k) is not None}
        kwargs["name"] = name
        raw = settings.get("parameters") or {}
        params = {k: raw[k] for k in PARAMETER_FIELDS if raw.get(k) is not None}
        kwargs["parameters"] = self.ModelParameters(**params)
        model_settings = self.ModelSettings(implementation=implementation, **kwargs)
        # MLServer resolves a relative parameters.uri against the settings file's folder.
        try:
            model_settings._source = source
        except (AttributeError, ValueError, TypeError):
            pass
        return model_settings


def import_implementation(path):
    """The class `path` ("models.MyModel") names, with errors that say what is missing."""
    module_name, _, class_name = path.rpartition(".")
    if not module_name or not class_name:
        raise ImportError(f"implementation '{path}' is not '<module>.<Class>'")
    module = importlib.import_module(module_name)
    cls = getattr(module, class_name, None)
    if cls is None:
        where = getattr(module, "__file__", None) or module_name
        raise ImportError(f"module '{module_name}' ({where}) has no class '{class_name}'")
    if not inspect.isclass(cls):
        raise TypeError(f"implementation '{path}' is a {type(cls).__name__}, not a class")
    if not callable(getattr(cls, "predict", None)):
        raise TypeError(f"class '{path}' has no predict() method (MLServer's MLModel interface: "
                        f"async def load(self), async def predict(self, payload))")
    return cls
