"""mlserver.settings: a model's settings (model-settings.json) and the server's.

    settings = ModelSettings(name="iris", implementation=SKLearnModel,
                             parameters=ModelParameters(uri="./model.joblib"))
    settings._source = "/models/iris/model-settings.json"   # what relative URIs resolve
    settings.implementation   # the class (a "module.Class" string is imported)
    settings.version          # parameters.version

Field names and defaults follow MLServer 1.5.
"""

import importlib
import json
import os
from typing import Any, Optional

from ._model import BaseModel, Field, list_of, model_of
from .types import MetadataTensor


def _import_class(path: str):
    module_name, _, class_name = path.rpartition(".")
    if not module_name:
        raise ImportError(f"implementation '{path}' is not a 'module.Class' path")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, class_name)
    except AttributeError as e:
        raise ImportError(f"module '{module_name}' has no attribute '{class_name}'") from e


def _implementation(value: Any):
    return _import_class(value) if isinstance(value, str) else value


class ModelParameters(BaseModel):
    FIELDS = {
        "uri": Field(),
        "version": Field(),
        "environment_path": Field(),
        "environment_tarball": Field(),
        "format": Field(),
        "content_type": Field(),
        "extra": Field(default_factory=dict),
    }
    EXTRA_ALLOWED = True


class ModelSettings(BaseModel):
    FIELDS = {
        "name": Field(default=""),
        "platform": Field(default=""),
        "versions": Field(default_factory=list),
        "inputs": Field(default_factory=list, convert=list_of(MetadataTensor)),
        "outputs": Field(default_factory=list, convert=list_of(MetadataTensor)),
        "parallel_workers": Field(),
        "warm_workers": Field(default=False),
        "max_batch_size": Field(default=0),
        "max_batch_time": Field(default=0.0),
        "implementation_": Field(required=True, alias="implementation",
                                 convert=_implementation),
        "parameters": Field(convert=model_of(ModelParameters)),
        "cache_enabled": Field(default=False),
    }

    def __init__(self, **kwargs):
        source = kwargs.pop("_source", None)
        # A top-level "version" (older model-settings.json files) is parameters.version.
        version = kwargs.pop("version", None)
        super().__init__(**kwargs)
        if version is not None:
            if self.parameters is None:
                self.parameters = ModelParameters()
            if self.parameters.version is None:
                self.parameters.version = version
        self._source: Optional[str] = source

    @property
    def implementation(self):
        return self.implementation_

    @implementation.setter
    def implementation(self, value):
        self.implementation_ = _implementation(value)

    @property
    def version(self) -> Optional[str]:
        return self.parameters.version if self.parameters is not None else None

    @classmethod
    def parse_file(cls, path: str) -> "ModelSettings":
        with open(path) as f:
            settings = cls(**json.load(f))
        settings._source = os.path.abspath(path)
        return settings

    def model_dump(self, **kwargs):
        out = super().model_dump(**kwargs)
        implementation = out.pop("implementation_", None)
        if implementation is not None and not isinstance(implementation, str):
            implementation = f"{implementation.__module__}.{implementation.__name__}"
        out["implementation"] = implementation
        return out


class CORSSettings(BaseModel):
    FIELDS = {
        "allow_origins": Field(default_factory=list),
        "allow_origin_regex": Field(),
        "allow_credentials": Field(default=False),
        "allow_methods": Field(default_factory=lambda: ["GET"]),
        "allow_headers": Field(default_factory=list),
        "expose_headers": Field(default_factory=list),
        "max_age": Field(default=600),
    }


class Settings(BaseModel):
    FIELDS = {
        "debug": Field(default=True),
        "parallel_workers": Field(default=1),
        "parallel_workers_timeout": Field(default=5),
        "environments_dir": Field(),
        "model_repository_root": Field(default="."),
        "load_models_at_startup": Field(default=True),
        "server_name": Field(default="mlserver"),
        "server_version": Field(default="1.5.0"),
        "extensions": Field(default_factory=list),
        "host": Field(default="0.0.0.0"),
        "http_port": Field(default=8080),
        "root_path": Field(default=""),
        "grpc_port": Field(default=8081),
        "grpc_max_message_length": Field(),
        "cors_settings": Field(convert=model_of(CORSSettings)),
        "metrics_endpoint": Field(default="/metrics"),
        "metrics_port": Field(default=8082),
        "logging_settings": Field(),
        "use_structured_logging": Field(default=False),
        "tracing_server": Field(),
    }
    EXTRA_ALLOWED = True
