"""tensord's implementation of MLServer 1.5's model interface (see ../README.md).

Importable as `mlserver` inside tensord's Python workers when the real package is absent.
"""

from . import codecs, errors, settings, types  # noqa: F401
from .logging import logger  # noqa: F401
from .model import MLModel  # noqa: F401
from .settings import ModelSettings, Settings  # noqa: F401
from .version import __version__  # noqa: F401

# Marks this implementation, so that tensord (and tests) can tell it from the real package.
TENSORD_COMPAT = True

__all__ = ["MLModel", "ModelSettings", "Settings", "__version__", "logger"]
