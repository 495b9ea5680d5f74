#!/usr/bin/python3
"""Trains the XGBoost test models and records python3-xgboost's predictions for them.

    /usr/bin/python3 runtime/xgboost/testdata/make_models.py OUT_DIR

Writes into OUT_DIR (deterministic: fixed seeds, one thread):
  binary.{json,ubj,bst}      classifier, binary:logistic      (scikit-learn metadata)
  multiclass.{json,ubj,bst}  classifier, multi:softprob, 3 classes
  regressor.{json,ubj,bst}   regressor, reg:squarederror
  softmax.json               classifier, multi:softmax, 3 classes
  early.json                 regressor trained with early stopping (best_iteration = 3)
  native.json                binary:logistic saved by the native Booster API (no metadata)
  expected.json              the rows and, per model file, the outputs MLServer returns

MLServer loads a file with XGBRegressor().load_model and falls back to XGBClassifier when the
scikit-learn metadata stored in the booster says "classifier", then calls predict /
predict_proba. scikit-learn is not a dependency here, so the metadata is written the way
XGBModel.save_model (xgboost 1.7) writes it, and the classifier post-processing of
XGBClassifier.predict / predict_proba (1.7) is applied to Booster.inplace_predict, which is
what those methods call. When scikit-learn is installed, the results are cross-checked
against the real XGBClassifier / XGBRegressor.
"""

import json
import math
import os
import sys

import numpy as np
import xgboost as xgb

FEATURES = 6
ROUNDS = 8


def training_data(seed, classes):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, FEATURES)).astype(np.float32)
    x[rng.random(size=x.shape) < 0.05] = np.nan  # missing values take the default branch
    score = np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) - np.nan_to_num(x[:, 2])
    if classes == 0:
        return x, score + 0.1 * rng.normal(size=score.shape)
    edges = np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1])
    return x, np.digitize(score, edges).astype(np.float32)


def sklearn_meta(estimator_type, objective, n_classes):
    # The JSON-serialisable attributes XGBModel.save_model stores (a representative subset:
    # the runtime reads _estimator_type, n_classes_, objective and missing).
    meta = {"n_estimators": ROUNDS, "objective": objective, "max_depth": 3,
            "learning_rate": 0.3, "booster": "gbtree", "missing": float("nan"),
            "n_jobs": 1, "random_state": 0, "importance_type": None, "feature_types": None,
            "n_features_in_": FEATURES, "_estimator_type": estimator_type}
    if estimator_type == "classifier":
        meta["n_classes_"] = n_classes
        meta["classes_"] = list(range(n_classes))
    return json.dumps(meta)


def train(objective, classes, seed, estimator_type, rounds=ROUNDS):
    x, y = training_data(seed, classes)
    params = {"objective": objective, "max_depth": 3, "eta": 0.3, "nthread": 1, "seed": seed}
    if objective.startswith("multi:"):
        params["num_class"] = classes
    booster = xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=rounds)
    if estimator_type:
        booster.set_attr(scikit_learn=sklearn_meta(estimator_type, objective, max(classes, 2)))
    return booster


def mlserver_outputs(path, rows):
    """What MLServer's XGBoostModel returns for `rows`: {output name: (datatype, array)}."""
    booster = xgb.Booster(model_file=path)
    meta = json.loads(booster.attr("scikit_learn") or "null") or {}
    objective = json.loads(booster.save_config())["learner"]["objective"]["name"]
    missing = meta.get("missing", np.nan)
    best = booster.attr("best_iteration")
    iterations = (0, int(best) + 1) if best is not None else (0, 0)

    def predict(margin=False):
        return booster.inplace_predict(rows, iteration_range=iterations, missing=missing,
                                       predict_type="margin" if margin else "value")

    value = predict()
    if meta.get("_estimator_type") != "classifier":
        return {"predict": value}
    n_classes = meta.get("n_classes_", 0)
    # XGBClassifier.predict (1.7)
    if value.ndim > 1 and n_classes != 2:
        labels = np.argmax(value, axis=1)
    elif value.ndim > 1 and value.shape[1] != 1:
        labels = np.zeros(value.shape)
        labels[value > 0.5] = 1
    elif objective == "multi:softmax":
        labels = value.astype(np.int32)
    else:
        labels = np.repeat(0, value.shape[0])
        labels[value > 0.5] = 1
    # XGBClassifier.predict_proba (1.7)
    if objective == "multi:softmax":
        margin = predict(margin=True)
        exp = np.exp(margin - margin.max(axis=1, keepdims=True))
        proba = exp / exp.sum(axis=1, keepdims=True)
    elif value.ndim == 2 and value.shape[1] == n_classes:
        proba = value
    elif value.ndim == 2 and n_classes == 2 and value.shape[1] >= n_classes:
        proba = value
    else:
        proba = np.vstack((1.0 - value, value)).transpose()
    return {"predict": labels, "predict_proba": proba}


def cross_check(path, rows, outputs):
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return
    try:
        model = xgb.XGBRegressor()
        model.load_model(path)
    except TypeError:
        model = xgb.XGBClassifier()
        model.load_model(path)
    for name, array in outputs.items():
        np.testing.assert_allclose(getattr(model, name)(rows), array, rtol=1e-6, atol=1e-6)


DATATYPES = {"float32": "FP32", "float64": "FP64", "int32": "INT32", "int64": "INT64"}


def encode(array):
    # MLServer's NumpyCodec gives 1-D results a second dimension: [rows] -> [rows, 1].
    shape = list(array.shape) if array.ndim > 1 else [array.shape[0], 1]
    return {"datatype": DATATYPES[str(array.dtype)], "shape": shape,
            "data": [float(v) if array.dtype.kind == "f" else int(v) for v in array.ravel()]}


def nan_to_null(rows):
    return [[None if math.isnan(v) else float(v) for v in row] for row in rows]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    models = {
        "binary": train("binary:logistic", 2, 1, "classifier"),
        "multiclass": train("multi:softprob", 3, 2, "classifier"),
        "regressor": train("reg:squarederror", 0, 3, "regressor"),
    }
    files = []
    for name, booster in models.items():
        for extension in ("json", "ubj", "bst"):
            booster.save_model(os.path.join(out, f"{name}.{extension}"))
            files.append(f"{name}.{extension}")
    train("multi:softmax", 3, 4, "classifier").save_model(os.path.join(out, "softmax.json"))
    early = train("reg:squarederror", 0, 5, "regressor")
    early.set_attr(best_iteration="3", best_score="0.5")
    early.save_model(os.path.join(out, "early.json"))
    train("binary:logistic", 2, 6, None).save_model(os.path.join(out, "native.json"))
    files += ["softmax.json", "early.json", "native.json"]

    rng = np.random.default_rng(42)
    rows = rng.normal(size=(16, FEATURES)).astype(np.float32)
    rows[1, 2] = np.nan
    rows[5, :] = np.nan
    int_rows = rng.integers(-3, 4, size=(4, FEATURES)).astype(np.int32)

    expected = {"features": FEATURES, "rows": nan_to_null(rows), "int_rows": int_rows.tolist(),
                "models": {}}
    for name in files:
        path = os.path.join(out, name)
        outputs = mlserver_outputs(path, rows)
        cross_check(path, rows, outputs)
        int_outputs = mlserver_outputs(path, int_rows)
        expected["models"][name] = {
            "outputs": {k: encode(v) for k, v in outputs.items()},
            "int_outputs": {k: encode(v) for k, v in int_outputs.items()},
        }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
