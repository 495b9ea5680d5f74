"""The MLServer version whose interface this package follows."""

__version__ = "1.5.0"
