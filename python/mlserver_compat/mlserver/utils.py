"""mlserver.utils: get_model_uri and small helpers models import.

    path = await get_model_uri(self.settings, wellknown_filenames=["model.joblib"])

A relative `parameters.uri` is resolved against the folder of model-settings.json
(`settings._source`), or the working directory when the settings came from elsewhere.
"""

import os
import urllib.parse
import uuid
from typing import Callable, List, Optional, Type

from .errors import InvalidModelURI
from .settings import ModelSettings


async def get_model_uri(settings: ModelSettings, wellknown_filenames: List[str] = [],
                        allowed_schemes: List[str] = []) -> str:
    if settings.parameters is None:
        raise InvalidModelURI(settings.name)
    model_uri = settings.parameters.uri
    if not model_uri:
        raise InvalidModelURI(settings.name)
    scheme = urllib.parse.urlparse(model_uri).scheme
    if scheme != "":
        if scheme in allowed_schemes:
            return model_uri
        raise InvalidModelURI(settings.name, model_uri)
    full_model_uri = to_absolute_path(getattr(settings, "_source", None), model_uri)
    if os.path.isfile(full_model_uri):
        return full_model_uri
    if os.path.isdir(full_model_uri):
        for filename in wellknown_filenames:
            candidate = os.path.join(full_model_uri, filename)
            if os.path.isfile(candidate):
                return candidate
        return full_model_uri
    raise InvalidModelURI(settings.name, full_model_uri)


def to_absolute_path(source: Optional[str], model_uri: str) -> str:
    if source is None:
        return model_uri
    return os.path.normpath(os.path.join(os.path.dirname(source), model_uri))


_to_absolute_path = to_absolute_path


def get_wrapped_method(f: Callable) -> Callable:
    while hasattr(f, "__wrapped__"):
        f = f.__wrapped__
    return f


def generate_uuid() -> str:
    return str(uuid.uuid4())


def get_import_path(klass: Type) -> str:
    return f"{klass.__module__}.{klass.__name__}"
