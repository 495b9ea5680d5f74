"""Writes tensord's EXAMPLE model repository (the one `make run` serves).

    scripts/make-models OUT_DIR

    OUT_DIR/mlp/config.pbtxt, mlp/1/model.onnx        Triton layout: 16 -> 64 -> 4 classifier
    OUT_DIR/add_sub/model-settings.json, model.onnx   MLServer layout: OUTPUT0 = a+b, OUTPUT1 = a-b
    OUT_DIR/text_upper/config.pbtxt, 1/model.onnx  string model: upper-cases each string
    OUT_DIR/sum_classify/pipeline.yaml               Seldon Core 2 Pipeline: add_sub -> mlp,
                                                      served as sum_classify.pipeline
    OUT_DIR/python_custom/model-settings.json,       MLServer custom runtime (python runtime's
            models.py                                worker processes): copied from examples/
    OUT_DIR/iris_sklearn/model-settings.json,        scikit-learn pipeline served by
            model.joblib                             mlserver_sklearn.SKLearnModel (sklearn_models.py)

examples/<model>-request.json holds a valid request for each. Deterministic (fixed seeds).
"""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from make_models import onnx_models as m  # noqa: E402
from make_models import sklearn_models  # noqa: E402

MLP_SEED = 20240601


def write_mlp(root):
    folder = os.path.join(root, "mlp")
    m.save(m.mlp("mlp", [16, 64, 4], seed=MLP_SEED), os.path.join(folder, "1", "model.onnx"))
    m.write_triton_config(folder, name="mlp", max_batch_size=32,
                          inputs=[("input", "FP32", [16])],
                          outputs=[("probabilities", "FP32", [4])])


def write_add_sub(root):
    folder = os.path.join(root, "add_sub")
    m.save(m.add_sub("add_sub", ["batch", 16]), os.path.join(folder, "model.onnx"))
    # MLServer shapes are full shapes (no max_batch_size): the batch dimension is the -1.
    tensor = lambda name: {"name": name, "datatype": "FP32", "shape": [-1, 16]}  # noqa: E731
    m.write_model_settings(folder, {
        "name": "add_sub",
        "parameters": {"uri": "./model.onnx"},
        "inputs": [tensor("INPUT0"), tensor("INPUT1")],
        "outputs": [tensor("OUTPUT0"), tensor("OUTPUT1")],
    })


def write_text_upper(root):
    folder = os.path.join(root, "text_upper")
    m.save(m.string_upper("text_upper"), os.path.join(folder, "1", "model.onnx"))
    # StringNormalizer takes a 1-D tensor, so the model does not batch (max_batch_size 0).
    m.write_triton_config(folder, name="text_upper", max_batch_size=0,
                          inputs=[("TEXT", "BYTES", [-1])],
                          outputs=[("UPPER", "BYTES", [-1])])


SUM_CLASSIFY = """apiVersion: mlops.seldon.io/v1alpha1
kind: Pipeline
metadata:
  name: sum_classify
spec:
  steps:
    - name: add_sub
    - name: mlp
      inputs: [add_sub.outputs.OUTPUT0]
      tensorMap:
        add_sub.outputs.OUTPUT0: input
  output:
    steps: [mlp, add_sub.outputs.OUTPUT1]
    tensorMap:
      add_sub.outputs.OUTPUT1: difference
"""


def write_sum_classify(root):
    # A Seldon Core 2 Pipeline over the two models above: the classifier sees a + b.
    folder = os.path.join(root, "sum_classify")
    os.makedirs(folder, exist_ok=True)
    m.write_text(os.path.join(folder, "pipeline.yaml"), SUM_CLASSIFY)


def write_python_custom(root):
    # MLServer's layout for a custom runtime, kept as files in examples/ (it is code, not
    # weights); tensord serves it with the python runtime's worker processes.
    examples = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "examples", "python_custom")
    shutil.copytree(examples, os.path.join(root, "python_custom"), dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: scripts/make-models OUT_DIR", file=sys.stderr)
        return 2
    root = argv[1]
    os.makedirs(root, exist_ok=True)
    write_mlp(root)
    write_add_sub(root)
    write_text_upper(root)
    write_python_custom(root)
    sklearn_models.write_iris(root)
    write_sum_classify(root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
