#!/usr/bin/python3
"""Writes one gRPC-framed ModelInferRequest (raw_input_contents) built from a REST JSON
request file, for h2load -d in bench/overhead.sh:

    bench/grpc_body.py examples/add_sub-request.json add_sub OUT.bin

The frame is gRPC's length-prefixed message: one byte 0 (not compressed), the length as
4 bytes big-endian, then the serialized message.
"""
import json
import os
import struct
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from grpc_helpers import generate_stubs  # noqa: E402

NUMPY_TYPES = {"BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32,
               "UINT64": np.uint64, "INT8": np.int8, "INT16": np.int16, "INT32": np.int32,
               "INT64": np.int64, "FP16": np.float16, "FP32": np.float32, "FP64": np.float64}


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: grpc_body.py REQUEST.json MODEL OUT.bin")
    request_file, model, out = sys.argv[1:]
    with open(request_file) as f:
        request = json.load(f)
    pb2, _ = generate_stubs(tempfile.mkdtemp(prefix="tensord_bench_stubs_"))
    message = pb2.ModelInferRequest(model_name=model)
    for tensor in request["inputs"]:
        entry = message.inputs.add(name=tensor["name"], datatype=tensor["datatype"])
        entry.shape.extend(tensor["shape"])
        values = np.asarray(tensor["data"], dtype=NUMPY_TYPES[tensor["datatype"]])
        message.raw_input_contents.append(values.tobytes())
    payload = message.SerializeToString()
    with open(out, "wb") as f:
        f.write(struct.pack(">BI", 0, len(payload)) + payload)


if __name__ == "__main__":
    main()
