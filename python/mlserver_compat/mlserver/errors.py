"""mlserver.errors: exceptions with the HTTP status MLServer answers them with.

    raise InferenceError("column 'age' is missing")   # 400 in MLServer

tensord's workers report a model's exception to the client by type and message.
"""

from typing import Optional

HTTP_400_BAD_REQUEST = 400
HTTP_404_NOT_FOUND = 404
HTTP_422_UNPROCESSABLE_ENTITY = 422
HTTP_500_INTERNAL_SERVER_ERROR = 500


class MLServerError(Exception):
    def __init__(self, msg: str, status_code: int = HTTP_400_BAD_REQUEST):
        super().__init__(msg)
        self.status_code = status_code


class InvalidModelURI(MLServerError):
    def __init__(self, name: str, model_uri: Optional[str] = None):
        msg = f"Invalid URI specified for model {name}"
        if model_uri:
            msg += f" ({model_uri})"
        super().__init__(msg, HTTP_422_UNPROCESSABLE_ENTITY)


class ModelNotFound(MLServerError):
    def __init__(self, name: str, version: Optional[str] = None):
        msg = f"Model {name} not found"
        if version is not None:
            msg = f"Model {name} with version {version} not found"
        super().__init__(msg, HTTP_404_NOT_FOUND)


class ModelNotReady(MLServerError):
    def __init__(self, name: str, version: Optional[str] = None):
        msg = f"Model {name} is not ready yet."
        if version is not None:
            msg = f"Model {name} with version {version} is not ready yet."
        super().__init__(msg, HTTP_400_BAD_REQUEST)


class InferenceError(MLServerError):
    def __init__(self, msg: str):
        super().__init__(msg, HTTP_400_BAD_REQUEST)


class ModelParametersMissing(MLServerError):
    def __init__(self, model_name: str):
        super().__init__(f"Parameters missing for model {model_name}", HTTP_400_BAD_REQUEST)
