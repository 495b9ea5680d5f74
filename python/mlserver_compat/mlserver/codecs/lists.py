"""Helpers for the list payloads of BYTES tensors."""

from typing import Any, Iterable, List, Type, Union

ListElement = Union[bytes, str]


def is_list_of(payload: Any, instance_type: Type) -> bool:
    if not isinstance(payload, list):
        return False
    return all(isinstance(elem, instance_type) for elem in payload)


def as_list(payload: Any) -> List[Any]:
    payload = getattr(payload, "root", payload)
    if isinstance(payload, (bytes, str)):
        # One element given on its own (e.g. a single string).
        return [payload]
    if isinstance(payload, Iterable):
        return list(payload)
    return [payload]
