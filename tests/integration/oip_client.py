"""Small Open Inference Protocol (REST) helpers for the integration tests.

    response = infer(url, "add_sub", [tensor("INPUT0", "FP32", [2], [1, 2]), ...])
    outputs = outputs_by_name(response)            # asserts 200, returns {name: output}
    message = error_message(response, 400)         # asserts the status and {"error": str}
"""

import json

import requests

TIMEOUT_S = 30


def tensor(name, datatype, shape, data, **extra):
    return {"name": name, "datatype": datatype, "shape": shape, "data": data, **extra}


def model_path(model, version=None):
    path = f"/v2/models/{model}"
    if version is not None:
        path += f"/versions/{version}"
    return path


def infer(url, model, inputs, version=None, session=None, **body):
    """POSTs {"inputs": inputs, **body} to the model's infer route."""
    http = session or requests
    return http.post(url + model_path(model, version) + "/infer",
                     json={"inputs": inputs, **body}, timeout=TIMEOUT_S)


def post_raw(url, path, data, content_type="application/json"):
    return requests.post(url + path, data=data, headers={"Content-Type": content_type},
                         timeout=TIMEOUT_S)


def describe(response):
    return f"HTTP {response.status_code}: {response.text[:2000]}"


def ok_json(response):
    assert response.status_code == 200, describe(response)
    assert "application/json" in response.headers.get("Content-Type", ""), describe(response)
    return response.json()


def outputs_by_name(response):
    body = ok_json(response)
    return {output["name"]: output for output in body["outputs"]}


def error_message(response, status):
    """Asserts `status` and a {"error": "<non-empty string>"} body; returns the message."""
    assert response.status_code == status, f"expected HTTP {status}, got {describe(response)}"
    try:
        body = json.loads(response.text)
    except ValueError:
        raise AssertionError(f"error body is not JSON: {describe(response)}")
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
        f"error body is not {{\"error\": \"...\"}}: {describe(response)}")
    return body["error"]


def flatten(data):
    """Row-major flattening of nested lists."""
    if isinstance(data, list):
        return [x for item in data for x in flatten(item)]
    return [data]
