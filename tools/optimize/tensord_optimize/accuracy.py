"""How far a candidate's outputs are from the original's on the same samples.

    acc = compare(reference, candidate, labels)
    acc["agreement"]   # the number --min-agreement is checked against

Per output: max and mean absolute difference. An output that looks like class scores
(float, [N, C] with C >= 2) also gets top-1 agreement (same argmax as the original).
`agreement` is the lowest over the outputs of: top-1 agreement for class scores, else the
fraction of samples whose largest difference is within 1% of the original output's range.
With labels: integer labels give top-1 accuracy, float labels the mean absolute error.
"""
import numpy as np

RANGE_TOLERANCE = 0.01


def looks_like_scores(a):
    return a.dtype.kind == "f" and a.ndim == 2 and a.shape[1] >= 2


def compare(reference, candidate, labels=None):
    outputs, agreement = {}, 1.0
    for name, ref in reference.items():
        got = candidate.get(name)
        if got is None or got.shape != ref.shape:
            shape = None if got is None else list(got.shape)
            return {"outputs": {}, "agreement": 0.0,
                    "error": f"output '{name}' is {shape}; the original gives {list(ref.shape)}"}
        diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
        o = {"max_abs": float(diff.max()) if diff.size else 0.0,
             "mean_abs": float(diff.mean()) if diff.size else 0.0}
        if looks_like_scores(ref):
            o["top1_agreement"] = float(np.mean(np.argmax(got, 1) == np.argmax(ref, 1)))
            agreement = min(agreement, o["top1_agreement"])
        else:
            span = float(ref.max() - ref.min()) if ref.size else 0.0
            per_sample = diff.reshape(diff.shape[0], -1).max(axis=1) if diff.ndim else diff
            within = float(np.mean(per_sample <= RANGE_TOLERANCE * max(span, 1e-12)))
            o["within_1pct_of_range"] = within
            agreement = min(agreement, within)
        if labels and name in labels:
            o.update(label_accuracy(got, labels[name]))
        outputs[name] = o
    return {"outputs": outputs, "agreement": agreement}


def label_accuracy(output, expected):
    if expected.dtype.kind in "iu" and output.ndim == 2 and expected.size == output.shape[0]:
        return {"label_accuracy": float(np.mean(np.argmax(output, 1) == expected.reshape(-1)))}
    if expected.shape == output.shape:
        return {"label_mean_abs_error": float(np.mean(np.abs(output - expected)))}
    return {}
