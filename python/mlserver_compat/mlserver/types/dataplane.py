"""The Open Inference Protocol's messages, with MLServer 1.5's class and field names.

    req = InferenceRequest(inputs=[RequestInput(name="x", shape=[1, 2], datatype="FP32",
                                                data=[1.0, 2.0])],
                           parameters=Parameters(content_type="np"))
    req.inputs[0].data.root   # [1.0, 2.0] (also .data.__root__, or iterate .data)

`data` is kept as given: a list from JSON, raw little-endian bytes for a numeric tensor
(what tensord's workers pass, as MLServer's gRPC path does with raw contents), or a list
of bytes for BYTES. The codecs (mlserver.codecs) accept all of these.
"""

from enum import Enum
from typing import Any

from .._model import BaseModel, Field, list_of, model_of


class Datatype(str, Enum):
    BOOL = "BOOL"
    UINT8 = "UINT8"
    UINT16 = "UINT16"
    UINT32 = "UINT32"
    UINT64 = "UINT64"
    INT8 = "INT8"
    INT16 = "INT16"
    INT32 = "INT32"
    INT64 = "INT64"
    FP16 = "FP16"
    FP32 = "FP32"
    FP64 = "FP64"
    BYTES = "BYTES"

    def __str__(self):
        return self.value


_DATATYPE_NAMES = {member.value: member.value for member in Datatype}


def _datatype(value):
    # Stored as the plain name: Datatype is a str enum, so both spellings compare equal.
    if isinstance(value, Datatype):
        return value.value
    name = _DATATYPE_NAMES.get(value) if isinstance(value, str) else None
    return name if name is not None else str(Datatype(value).value)  # ValueError if unknown


class TensorData:
    """A tensor's elements (pydantic's RootModel in MLServer): `.root` is what was given."""

    def __init__(self, root: Any = None):
        if isinstance(root, TensorData):
            root = root.root
        self.root = root

    @property
    def __root__(self):  # MLServer 1.x before 1.4 (pydantic v1)
        return self.root

    def __iter__(self):
        root = self.root
        if isinstance(root, (bytes, bytearray, str)):
            return iter([root])
        return iter(root)

    def __len__(self):
        return len(self.root)

    def __getitem__(self, index):
        return self.root[index]

    def __eq__(self, other):
        if isinstance(other, TensorData):
            other = other.root
        return self.root == other

    def __repr__(self):
        return f"TensorData(root={self.root!r})"


def _tensor_data(value):
    return value if isinstance(value, TensorData) else TensorData(value)


class Parameters(BaseModel):
    """Free-form parameters; `content_type` and `headers` are the ones MLServer reads."""

    FIELDS = {
        "content_type": Field(),
        "headers": Field(),
    }
    EXTRA_ALLOWED = True

    def __getattr__(self, name):
        # Unknown parameters read as missing attributes, so hasattr() works as on pydantic.
        raise AttributeError(name)


_parameters = model_of(Parameters)


def _dump_data(self):
    return self.data.root if isinstance(self.data, TensorData) else self.data


class _Tensor(BaseModel):
    def model_dump(self, exclude_none: bool = False, **kwargs):
        out = super().model_dump(exclude_none=exclude_none, **kwargs)
        if "data" in out and isinstance(out["data"], TensorData):
            out["data"] = _dump_data(self)
        return out


class RequestInput(_Tensor):
    FIELDS = {
        "name": Field(required=True),
        "shape": Field(required=True, convert=list),
        "datatype": Field(required=True, convert=_datatype),
        "parameters": Field(convert=_parameters),
        "data": Field(required=True, convert=_tensor_data),
    }


class ResponseOutput(_Tensor):
    FIELDS = RequestInput.FIELDS


class RequestOutput(BaseModel):
    FIELDS = {
        "name": Field(required=True),
        "parameters": Field(convert=_parameters),
    }


class InferenceRequest(BaseModel):
    FIELDS = {
        "id": Field(),
        "parameters": Field(convert=_parameters),
        "inputs": Field(required=True, convert=list_of(RequestInput)),
        "outputs": Field(convert=list_of(RequestOutput)),
    }


class InferenceResponse(BaseModel):
    FIELDS = {
        "model_name": Field(required=True),
        "model_version": Field(),
        "id": Field(),
        "parameters": Field(convert=_parameters),
        "outputs": Field(required=True, convert=list_of(ResponseOutput)),
    }


class MetadataTensor(BaseModel):
    FIELDS = {
        "name": Field(required=True),
        "datatype": Field(required=True, convert=_datatype),
        "shape": Field(required=True, convert=list),
        "parameters": Field(convert=_parameters),
    }


class MetadataModelResponse(BaseModel):
    FIELDS = {
        "name": Field(required=True),
        "versions": Field(),
        "platform": Field(required=True),
        "inputs": Field(convert=list_of(MetadataTensor)),
        "outputs": Field(convert=list_of(MetadataTensor)),
        "parameters": Field(convert=_parameters),
    }


class MetadataServerResponse(BaseModel):
    FIELDS = {
        "name": Field(required=True),
        "version": Field(required=True),
        "extensions": Field(default_factory=list),
    }


class MetadataServerErrorResponse(BaseModel):
    FIELDS = {"error": Field(required=True)}


class MetadataModelErrorResponse(BaseModel):
    FIELDS = {"error": Field(required=True)}


class InferenceErrorResponse(BaseModel):
    FIELDS = {"error": Field()}
