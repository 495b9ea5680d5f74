"""Writes tensord's scikit-learn example in MLServer's layout (joblib files are generated,
never committed):

    /usr/bin/python3 scripts/make_models/sklearn_models.py OUT_DIR

    OUT_DIR/iris_sklearn/model-settings.json   implementation mlserver_sklearn.SKLearnModel,
                                               parameters.uri ./model.joblib
    OUT_DIR/iris_sklearn/model.joblib          StandardScaler + LogisticRegression pipeline
                                               on the iris data set shipped with scikit-learn

examples/iris_sklearn-request.json and examples/iris_sklearn-pandas-request.json are valid
requests for it. Needs Debian's python3-sklearn and python3-joblib; deterministic.
"""

import json
import os
import sys

IRIS_NAME = "iris_sklearn"


def iris_pipeline():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_iris()
    pipeline = Pipeline([("scale", StandardScaler()),
                         ("classify", LogisticRegression(max_iter=500, random_state=0))])
    return pipeline.fit(data.data, data.target)


def write_iris(root):
    import joblib

    folder = os.path.join(root, IRIS_NAME)
    os.makedirs(folder, exist_ok=True)
    joblib.dump(iris_pipeline(), os.path.join(folder, "model.joblib"))
    settings = {
        "name": IRIS_NAME,
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "v1"},
        # One worker process (MLServer 1.5's default): enough for an example, and it keeps
        # `make run` and the example tests quick to start; raise it for throughput.
        "parallel_workers": 1,
    }
    with open(os.path.join(folder, "model-settings.json"), "w") as f:
        json.dump(settings, f, indent=2)
        f.write("\n")
    return folder


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: sklearn_models.py OUT_DIR", file=sys.stderr)
        return 2
    write_iris(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
