"""Errors the codecs raise (MLServer 1.5's classes and messages)."""

from typing import Any, Dict, List, Optional, Type

from ..errors import MLServerError


class CodecNotFound(MLServerError):
    def __init__(self, name: Optional[str] = None, payload_type: Optional[str] = None,
                 is_input: bool = False, is_request: bool = False):
        msg = ""
        if name:
            msg = f"with name '{name}'"
            if payload_type:
                msg = f"{msg} and type {payload_type}"
        elif payload_type:
            msg = f"with type {payload_type}"
        if is_input:
            category = "input request" if is_request else "input field"
        else:
            category = "output response" if is_request else "output field"
        super().__init__(f"Codec not found for {category} {msg}")


class CodecError(MLServerError):
    def __init__(self, msg: str):
        super().__init__(f"There was an error encoding / decoding the payload: {msg}")


class OutputNotFound(MLServerError):
    def __init__(self, output_idx: int, output_type: Type, output_hints: List[Type]):
        expected = ", ".join(f"'{hint}'" for hint in output_hints)
        super().__init__(f"Unexpected output value at position '{output_idx}' ({output_type}). "
                         f"Expected outputs are {expected} outputs.")


class InputsNotFound(MLServerError):
    def __init__(self, inputs: List[Any], input_hints: Dict[str, Any]):
        names = ", ".join(f"'{inp.name}'" for inp in inputs)
        available = ", ".join(f"'{name}'" for name in input_hints.keys())
        super().__init__(f"Input {names} was not found. Available inputs are {available}.")
