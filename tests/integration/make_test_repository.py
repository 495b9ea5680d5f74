"""Writes the model repository the integration tests serve.

    /usr/bin/python3 tests/integration/make_test_repository.py OUT_DIR   # or, from a test:
    import make_test_repository as repo; repo.build(tmp_dir)

Each model exists to exercise one thing (see MODELS). Deterministic: fixed seeds, no
timestamps. Tests compute expected outputs from the files written here (weights read back
with onnx.numpy_helper), never from values a server returned.
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO_ROOT, "scripts"))
from make_models import onnx_models as m  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

ALL_DATATYPES = m.ALL_DATATYPES
MLP_SEED = 1234
MLP_SIZES = [8, 16, 3]
MLP_MAX_BATCH = 8
DOTTED_NAME = "resnet-lite.v2"
DOTTED_VERSION = "3"
MLSERVER_VERSION = "7"

# name -> what it is for
MODELS = {
    **{f"identity_{dt.lower()}": f"OUTPUT0 = INPUT0, {dt}, shape [-1, -1] (config.pbtxt)"
       for dt in ALL_DATATYPES},
    "add_sub": "OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1, FP32 [-1] (config.pbtxt)",
    "mlp_test": "FP32 MLP 8->16->3, max_batch_size 8, outputs logits and probabilities",
    DOTTED_NAME: "y = 2x, FP32 [-1, 4]; version 3 only; config gives only max_batch_size 4",
    "versioned": "no config; version 1: OUTPUT0 = INPUT0 + 1, version 2: + 2 (FP32 [-1])",
    "noconfig": "no config; y = 3x, INT32 [-1, 3]",
    "add_sub_mls": "MLServer model-settings.json, parameters.version 7, FP32 [-1, 4]",
    "corrupt": "config.pbtxt + a 1/model.onnx that is not ONNX: not ready",
    "mismatch": "config.pbtxt says INPUT0 is TYPE_INT32, the file says FP32: not ready",
    "bad_config": "config.pbtxt with max_batch_size: \"lots\": not ready",
}
BROKEN_MODELS = ("corrupt", "mismatch", "bad_config")


def identity_name(datatype):
    return f"identity_{datatype.lower()}"


def write_identity(root, datatype):
    name = identity_name(datatype)
    folder = os.path.join(root, name)
    m.save(m.identity(name, datatype, ["d0", "d1"]), os.path.join(folder, "1", "model.onnx"))
    m.write_triton_config(folder, name=name, max_batch_size=0,
                          inputs=[("INPUT0", datatype, [-1, -1])],
                          outputs=[("OUTPUT0", datatype, [-1, -1])])


def write_add_sub(root):
    folder = os.path.join(root, "add_sub")
    m.save(m.add_sub("add_sub", ["n"]), os.path.join(folder, "1", "model.onnx"))
    m.write_triton_config(folder, name="add_sub", max_batch_size=0,
                          inputs=[("INPUT0", "FP32", [-1]), ("INPUT1", "FP32", [-1])],
                          outputs=[("OUTPUT0", "FP32", [-1]), ("OUTPUT1", "FP32", [-1])])


def mlp_path(root):
    return os.path.join(root, "mlp_test", "1", "model.onnx")


def write_mlp(root):
    m.save(m.mlp("mlp_test", MLP_SIZES, seed=MLP_SEED, logits_name="logits"), mlp_path(root))
    m.write_triton_config(os.path.join(root, "mlp_test"), name="mlp_test",
                          max_batch_size=MLP_MAX_BATCH,
                          inputs=[("input", "FP32", [MLP_SIZES[0]])],
                          outputs=[("logits", "FP32", [MLP_SIZES[-1]]),
                                   ("probabilities", "FP32", [MLP_SIZES[-1]])])


def write_dotted(root):
    folder = os.path.join(root, DOTTED_NAME)
    m.save(m.scale(DOTTED_NAME, "FP32", ["batch", 4], 2.0, "x", "y"),
           os.path.join(folder, DOTTED_VERSION, "model.onnx"))
    # Inputs and outputs are left to the model file.
    m.write_triton_config(folder, name=DOTTED_NAME, max_batch_size=4)


def write_versioned(root):
    for version, constant in (("1", 1.0), ("2", 2.0)):
        m.save(m.add_constant("versioned", "FP32", ["n"], constant),
               os.path.join(root, "versioned", version, "model.onnx"))


def write_noconfig(root):
    m.save(m.scale("noconfig", "INT32", ["n", 3], 3, "x", "y"),
           os.path.join(root, "noconfig", "1", "model.onnx"))


def write_mlserver(root):
    folder = os.path.join(root, "add_sub_mls")
    m.save(m.add_sub("add_sub_mls", ["batch", 4]), os.path.join(folder, "model.onnx"))
    tensor = lambda name: {"name": name, "datatype": "FP32", "shape": [-1, 4]}  # noqa: E731
    m.write_model_settings(folder, {
        "name": "add_sub_mls",
        "parameters": {"uri": "./model.onnx", "version": MLSERVER_VERSION},
        "inputs": [tensor("INPUT0"), tensor("INPUT1")],
        "outputs": [tensor("OUTPUT0"), tensor("OUTPUT1")],
    })


def write_corrupt(root):
    folder = os.path.join(root, "corrupt")
    m.write_triton_config(folder, name="corrupt", max_batch_size=0)
    os.makedirs(os.path.join(folder, "1"), exist_ok=True)
    with open(os.path.join(folder, "1", "model.onnx"), "wb") as f:
        f.write(b"this is not an ONNX model\x00\xff\xfe" * 4)


def write_mismatch(root):
    folder = os.path.join(root, "mismatch")
    m.save(m.identity("mismatch", "FP32", ["n"]), os.path.join(folder, "1", "model.onnx"))
    m.write_triton_config(folder, name="mismatch", max_batch_size=0,
                          inputs=[("INPUT0", "INT32", [-1])],
                          outputs=[("OUTPUT0", "FP32", [-1])])


def write_bad_config(root):
    folder = os.path.join(root, "bad_config")
    m.save(m.identity("bad_config", "FP32", ["n"]), os.path.join(folder, "1", "model.onnx"))
    m.write_text(os.path.join(folder, "config.pbtxt"),
                 'name: "bad_config"\nplatform: "onnxruntime_onnx"\nmax_batch_size: "lots"\n')


def probe_model(name):
    """y = x + 1; n[r] = rows of x, for every row r. x: FP32 [batch, -1]."""
    nodes = [
        helper.make_node("Constant", [], ["one"], value=helper.make_tensor(
            "one", TensorProto.FLOAT, [], [1.0])),
        helper.make_node("Add", ["x", "one"], ["y"]),
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Constant", [], ["zero_i"], value=helper.make_tensor(
            "zero_i", TensorProto.INT64, [1], [0])),
        helper.make_node("Constant", [], ["one_i"], value=helper.make_tensor(
            "one_i", TensorProto.INT64, [1], [1])),
        helper.make_node("Slice", ["shape", "zero_i", "one_i"], ["rows"]),
        helper.make_node("Concat", ["rows", "one_i"], ["rows_by_one"], axis=0),
        helper.make_node("Cast", ["rows"], ["rows_f"], to=TensorProto.FLOAT),
        helper.make_node("Expand", ["rows_f", "rows_by_one"], ["n"]),
    ]
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "width"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "width"]),
         helper.make_tensor_value_info("n", TensorProto.FLOAT, ["batch", 1])])
    return m._finish(graph)


def write_probe_triton(root, name, max_batch_size, extra=""):
    """The probe model (probe_model) with a config.pbtxt; `extra` is appended to it."""
    folder = os.path.join(root, name)
    m.save(probe_model(name), os.path.join(folder, "1", "model.onnx"))
    dims_x = [-1] if max_batch_size > 0 else [-1, -1]
    dims_n = [1] if max_batch_size > 0 else [-1, 1]
    m.write_triton_config(folder, name=name, max_batch_size=max_batch_size,
                          inputs=[("x", "FP32", dims_x)],
                          outputs=[("y", "FP32", dims_x), ("n", "FP32", dims_n)], extra=extra)


def build(root):
    """Writes every model of MODELS under `root`; returns `root`."""
    os.makedirs(root, exist_ok=True)
    for datatype in ALL_DATATYPES:
        write_identity(root, datatype)
    write_add_sub(root)
    write_mlp(root)
    write_dotted(root)
    write_versioned(root)
    write_noconfig(root)
    write_mlserver(root)
    write_corrupt(root)
    write_mismatch(root)
    write_bad_config(root)
    return root


def build_small(root, broken=True):
    """identity_fp32, plus the corrupt model when `broken`: for tests that start their own
    server (readiness, CLI)."""
    os.makedirs(root, exist_ok=True)
    write_identity(root, "FP32")
    if broken:
        write_corrupt(root)
    return root


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: make_test_repository.py OUT_DIR", file=sys.stderr)
        sys.exit(2)
    build(sys.argv[1])
