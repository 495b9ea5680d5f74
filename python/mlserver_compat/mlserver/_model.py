"""A small stand-in for the pydantic models MLServer's types are made of.

    class Point(BaseModel):
        FIELDS = {"x": Field(required=True), "tags": Field(default_factory=list)}

    p = Point(x=1)                 # keywords, as pydantic models are built
    p = Point.model_validate({"x": 1})
    p.model_dump(exclude_none=True)  # also .dict(), .json(), .model_dump_json()

Debian ships no pydantic, and MLServer's interface only needs what user code does with
these objects: build them with keywords (nested dicts become nested models), read and set
their attributes, dump them to dicts and JSON, and compare them.
"""

import copy
import json
from typing import Any, Callable, ClassVar, Dict, Optional

_MISSING = object()


class Field:
    """One attribute of a model: its default, and a converter applied to given values."""

    def __init__(self, default: Any = None, default_factory: Optional[Callable] = None,
                 required: bool = False, convert: Optional[Callable] = None,
                 alias: Optional[str] = None):
        self.default = default
        self.default_factory = default_factory
        self.required = required
        self.convert = convert
        self.alias = alias

    def initial(self) -> Any:
        if self.default_factory is not None:
            return self.default_factory()
        default = self.default
        if default is None or isinstance(default, (str, int, float, bool, tuple)):
            return default  # immutable: no copy needed (this runs for every field of every object)
        return copy.copy(default)


def model_of(cls):
    """Converter that turns a dict into `cls` (and leaves a `cls` or None alone)."""

    def convert(value):
        if isinstance(value, dict):
            return cls(**value)
        return value

    return convert


def list_of(cls):
    """Converter for a list whose dict elements become `cls`."""
    one = model_of(cls)

    def convert(value):
        if value is None:
            return None
        return [one(v) for v in value]

    return convert


def _dump(value: Any, exclude_none: bool) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=exclude_none)
    if isinstance(value, list):
        return [_dump(v, exclude_none) for v in value]
    if isinstance(value, tuple):
        return [_dump(v, exclude_none) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v, exclude_none) for k, v in value.items()
                if not (exclude_none and v is None)}
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class BaseModel:
    FIELDS: ClassVar[Dict[str, Field]] = {}
    # Whether keywords that are not fields become attributes (pydantic's extra="allow").
    EXTRA_ALLOWED: ClassVar[bool] = False

    def __init__(self, **kwargs):
        # Runs for every message object of every request: the field table is flattened once
        # per class (_plan) and values go straight into __dict__.
        attributes = self.__dict__
        for name, alias, required, convert, field in type(self)._plan():
            if name in kwargs:
                value = kwargs.pop(name)
                if alias is not None:
                    kwargs.pop(alias, None)
            elif alias is not None and alias in kwargs:
                value = kwargs.pop(alias)
            else:
                if required:
                    raise TypeError(
                        f"{type(self).__name__}: field '{alias or name}' is required")
                attributes[name] = field.initial()
                continue
            if convert is not None and value is not None:
                value = convert(value)
            attributes[name] = value
        if kwargs:
            for name, value in kwargs.items():
                if self.EXTRA_ALLOWED or name.startswith("_"):
                    attributes[name] = value
                # Other unknown keywords are ignored, as pydantic's default extra="ignore".

    @classmethod
    def _plan(cls):
        plan = cls.__dict__.get("_PLAN")
        if plan is None:
            plan = tuple((name, f.alias, f.required, f.convert, f) for name, f in cls.FIELDS.items())
            cls._PLAN = plan
        return plan

    # pydantic v2 and v1 spellings of the same operations.
    @classmethod
    def model_validate(cls, obj: Any):
        if isinstance(obj, cls):
            return obj
        return cls(**obj)

    parse_obj = model_validate

    @classmethod
    def model_validate_json(cls, text):
        return cls(**json.loads(text))

    parse_raw = model_validate_json

    def _public_items(self):
        for name in self.FIELDS:
            yield name, getattr(self, name)
        if self.EXTRA_ALLOWED:
            for name, value in vars(self).items():
                if name not in self.FIELDS and not name.startswith("_"):
                    yield name, value

    def model_dump(self, exclude_none: bool = False, by_alias: bool = False,
                   **_ignored) -> Dict[str, Any]:
        out = {}
        for name, value in self._public_items():
            if exclude_none and value is None:
                continue
            field = self.FIELDS.get(name)
            key = field.alias if (by_alias and field is not None and field.alias) else name
            out[key] = _dump(value, exclude_none)
        return out

    def dict(self, **kwargs) -> Dict[str, Any]:
        return self.model_dump(**kwargs)

    def model_dump_json(self, **kwargs) -> str:
        return json.dumps(self.model_dump(**kwargs), default=_json_default)

    def json(self, **kwargs) -> str:
        return self.model_dump_json(**kwargs)

    def model_copy(self, deep: bool = False, update: Optional[Dict[str, Any]] = None):
        clone = copy.deepcopy(self) if deep else copy.copy(self)
        for name, value in (update or {}).items():
            setattr(clone, name, value)
        return clone

    def copy(self, deep: bool = False, update: Optional[Dict[str, Any]] = None):
        return self.model_copy(deep=deep, update=update)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return dict(self._public_items()) == dict(other._public_items())

    def __repr__(self):
        body = ", ".join(f"{name}={value!r}" for name, value in self._public_items())
        return f"{type(self).__name__}({body})"
