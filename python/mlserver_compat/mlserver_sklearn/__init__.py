"""mlserver_sklearn: MLServer's scikit-learn runtime, as tensord ships it (see sklearn.py)."""

from .sklearn import SKLearnModel  # noqa: F401

__all__ = ["SKLearnModel"]
