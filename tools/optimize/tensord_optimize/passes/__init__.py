"""The passes. Each module has NAME(S) and a function that takes an onnx.ModelProto (it
never changes it) and returns a PassResult; a pass that finds nothing to do returns
model=None with the reason in notes.

    result = int8_dynamic.quantize(model, form="dqmatmul")
    result.model, result.notes    # notes say which ops stayed float and why
"""
from dataclasses import dataclass, field


@dataclass
class PassResult:
    model: object  # onnx.ModelProto, or None: nothing to do
    notes: list = field(default_factory=list)
