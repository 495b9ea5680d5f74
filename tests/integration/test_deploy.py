"""The deployment artefacts in deploy/, checked as far as this machine allows:

1. every manifest (KServe runtimes and examples, Seldon Core 2 ServerConfig, Server and
   Models) validates against the project's schemas in deploy/schemas (facts from the engines'
   CRDs, cited in each schema), and the schemas refuse the mistakes they exist to catch;
2. the kustomizations render (kubectl kustomize, where a kubectl is installed) into manifests
   that validate, with the example overlay's values in place;
3. the manifests agree with each other and with tensord: every flag and TENSORD_* variable
   they give is one `tensord serve --help` lists, ports named in probes, agents and
   annotations are the ports tensord is told to serve on, grace periods cover the drain;
4. the pods are replayed: tensord is started with each manifest's own arguments and
   environment (paths moved under a temporary folder, each port mapped to a free one), and is
   called as the engine would call it (probes, the storage initializer's repository, KServe's
   puller, ModelMesh's Triton adapter, Seldon's agent);
5. if an image was built (make image; build/image or $TENSORD_IMAGE_DIR), its OCI config is
   checked, its own root filesystem serves a model under chroot as the image's user with
   only the image's environment, and podman runs the image where it can (docs/deploy.md).

    /usr/bin/python3 -m pytest tests/integration/test_deploy.py -q
"""

import copy
import glob
import json
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time

import grpc
import jsonschema
import numpy as np
import pytest
import requests
import yaml

import make_test_repository as repo
from grpc_helpers import generate_stubs
from oip_client import TIMEOUT_S, infer, ok_json, outputs_by_name, tensor
from tensord_process import REPO_ROOT, require_binary, run_cli

DEPLOY = os.path.join(REPO_ROOT, "deploy")
SCHEMAS = os.path.join(DEPLOY, "schemas")
OVERLAY = os.path.join(DEPLOY, "overlays", "example")
SCHEMA_OF_KIND = {
    "ClusterServingRuntime": "clusterservingruntime",
    "InferenceService": "inferenceservice",
    "TrainedModel": "trainedmodel",
    "ServerConfig": "serverconfig",
    "Server": "server",
    "Model": "model",
}
START_TIMEOUT_S = 30


# ----------------------------------------------------------------------------- manifests

def manifest_files():
    """Every manifest under deploy/ (kustomizations and overlay patches are not objects)."""
    paths = []
    for path in sorted(glob.glob(os.path.join(DEPLOY, "**", "*.yaml"), recursive=True)):
        if os.path.basename(path) == "kustomization.yaml" or path.startswith(OVERLAY + os.sep):
            continue
        paths.append(path)
    return paths


def load_documents(path):
    with open(path) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def objects_of_kind(kind):
    return [doc for path in manifest_files() for doc in load_documents(path)
            if doc.get("kind") == kind]


def one(kind, name):
    found = [doc for doc in objects_of_kind(kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} in deploy/"
    return found[0]


def load_schemas():
    schemas = {}
    for path in glob.glob(os.path.join(SCHEMAS, "*.json")):
        with open(path) as f:
            schemas[os.path.basename(path)[:-len(".json")]] = json.load(f)
    return schemas


SCHEMA_FILES = load_schemas()
SCHEMA_STORE = {schema["$id"]: schema for schema in SCHEMA_FILES.values()}


def schema_errors(document):
    """The schema's complaints about one object, as 'path: message' strings."""
    kind = document.get("kind")
    assert kind in SCHEMA_OF_KIND, f"no schema for kind {kind!r}"
    schema = SCHEMA_FILES[SCHEMA_OF_KIND[kind]]
    resolver = jsonschema.RefResolver.from_schema(schema, store=SCHEMA_STORE)
    validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
    return [f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(document)]


def containers_of(document):
    spec = document["spec"]
    if document["kind"] == "ServerConfig":
        return spec["podSpec"]["containers"]
    return spec["containers"]


def container(document, name):
    found = [c for c in containers_of(document) if c["name"] == name]
    assert len(found) == 1, f"{document['metadata']['name']}: container {name}"
    return found[0]


def env_of(container_spec):
    return {e["name"]: e.get("value") for e in container_spec.get("env", [])}


def tensord_command(container_spec):
    """The tensord arguments a container runs with (after the binary): its args under the
    image's entrypoint, or the words after `exec .../tensord` in a `sh -c` command."""
    command = container_spec.get("command")
    if not command:
        return list(container_spec["args"])
    assert command[:2] == ["/bin/sh", "-c"], f"{container_spec['name']}: command {command}"
    words = shlex.split(" ".join(container_spec["args"]))
    assert "exec" in words, f"{container_spec['name']}: the shell must exec tensord"
    start = words.index("exec")
    assert words[start + 1] == "/usr/local/bin/tensord", words
    return words[start + 2:]


def flag_value(argv, flag):
    """The value of --flag=value or --flag value in argv (None when absent)."""
    for i, word in enumerate(argv):
        if word.startswith(flag + "="):
            return word.split("=", 1)[1]
        if word == flag and i + 1 < len(argv):
            return argv[i + 1]
    return None


def port_number(container_spec, port):
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    numbers = [p["containerPort"] for p in container_spec.get("ports", []) if p.get("name") == port]
    assert len(numbers) == 1, f"{container_spec['name']}: no port named {port}"
    return numbers[0]


def prestop_sleep(container_spec):
    command = container_spec.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command")
    if not command:
        return 0
    assert command[0] == "/bin/sleep", command
    return float(command[1])


# ----------------------------------------------------------------------- 1. schema validation

def test_schemas_are_json_schemas():
    assert set(SCHEMA_OF_KIND.values()) | {"kubernetes"} == set(SCHEMA_FILES)
    for name, schema in SCHEMA_FILES.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"].endswith(f"/{name}.json")


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: os.path.relpath(p, DEPLOY))
def test_manifest_validates(path):
    documents = load_documents(path)
    assert documents, f"{path} holds no object"
    for document in documents:
        assert schema_errors(document) == [], document["metadata"]["name"]


def test_every_kind_has_manifests():
    kinds = {doc["kind"] for path in manifest_files() for doc in load_documents(path)}
    assert kinds == set(SCHEMA_OF_KIND)


def mutated(kind, name, edit):
    document = copy.deepcopy(one(kind, name))
    edit(document)
    return document


def _set(path, value):
    def edit(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


def _delete(path):
    def edit(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return edit


# Each mistake, and a distinctive part of what the schema says about it.
MISTAKES = [
    ("ClusterServingRuntime", "tensord", _delete(["spec", "containers"]),
     "'containers' is a required property"),
    ("ClusterServingRuntime", "tensord", _set(["apiVersion"], "serving.kserve.io/v1beta1"),
     "'serving.kserve.io/v1alpha1' was expected"),
    ("ClusterServingRuntime", "tensord", _set(["metadata", "namespace"], "default"),
     "should not be valid"),
    ("ClusterServingRuntime", "tensord", _set(["spec", "supportedModelFormats", 0, "priority"], 0),
     "0 is less than the minimum of 1"),
    ("ClusterServingRuntime", "tensord", _set(["spec", "protocolVersions"], ["v3"]),
     "'v3' is not one of"),
    ("ClusterServingRuntime", "tensord", _set(["spec", "multiModel"], "true"),
     "'true' is not of type 'boolean'"),
    ("ClusterServingRuntime", "tensord", _set(["spec", "supportedModelFormat"], []),
     "Additional properties are not allowed ('supportedModelFormat' was unexpected)"),
    ("ClusterServingRuntime", "tensord",
     _set(["spec", "containers", 0, "readinessProbe", "httpGet", "port"], 70000),
     "is not valid under any of the given schemas"),
    ("ClusterServingRuntime", "tensord", _delete(["spec", "containers", 0, "name"]),
     "'name' is a required property"),
    ("ClusterServingRuntime", "tensord-modelmesh", _set(["spec", "grpcEndpoint"], "8085"),
     "does not match"),
    ("InferenceService", "mlp", _delete(["spec", "predictor", "model", "modelFormat"]),
     "'modelFormat' is a required property"),
    ("InferenceService", "mlp", _set(["metadata", "name"], "1mlp"), "does not match"),
    ("InferenceService", "mlp-grpc",
     _set(["spec", "predictor", "model", "ports", 0, "containerPort"], "9000"),
     "'9000' is not of type 'integer'"),
    ("TrainedModel", "mlp", _delete(["spec", "model", "memory"]),
     "'memory' is a required property"),
    ("ServerConfig", "tensord", _delete(["spec", "podSpec"]), "'podSpec' is a required property"),
    ("ServerConfig", "tensord", _set(["spec", "podSpec", "containers", 2, "ports", 0, "name"],
                                     "tensord-grpc-port"),
     "is too long"),
    ("ServerConfig", "tensord", _delete(["spec", "volumeClaimTemplates", 0, "spec"]),
     "'spec' is a required property"),
    ("Server", "tensord", _delete(["spec", "serverConfig"]),
     "'serverConfig' is a required property"),
    ("Server", "tensord", _set(["spec", "replicas"], -1), "-1 is less than the minimum of 0"),
    ("Model", "mlp", _delete(["spec", "storageUri"]), "'storageUri' is a required property"),
    ("Model", "mlp", _set(["spec", "memory"], "64 MB"),
     "is not valid under any of the given schemas"),
    ("Model", "mlp", _set(["spec", "requirements"], "onnx"), "'onnx' is not of type 'array'"),
]


@pytest.mark.parametrize("kind,name,edit,message", MISTAKES,
                         ids=[f"{k}-{m[:32]}" for k, _, _, m in MISTAKES])
def test_schema_refuses(kind, name, edit, message):
    errors = schema_errors(mutated(kind, name, edit))
    assert any(message in error for error in errors), errors


# ------------------------------------------------------------------------ 2. kustomizations

def kustomize(folder):
    kubectl = shutil.which("kubectl")
    if not kubectl:
        pytest.skip("no kubectl here to run kustomize (deploy/ is plain YAML as well)")
    result = subprocess.run([kubectl, "kustomize", folder], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


@pytest.mark.parametrize("folder", ["kserve", "seldon", "overlays/example"])
def test_kustomization_renders_valid_manifests(folder):
    documents = kustomize(os.path.join(DEPLOY, folder))
    assert documents
    for document in documents:
        assert schema_errors(document) == [], document["metadata"]["name"]


def test_overlay_sets_image_resources_threads_and_priorities():
    rendered = {(d["kind"], d["metadata"]["name"]): d for d in kustomize(OVERLAY)}
    runtime = rendered[("ClusterServingRuntime", "tensord")]
    kserve = container(runtime, "kserve-container")
    assert kserve["image"] == "registry.example.com/ml/tensord:0.1.0"
    assert kserve["resources"]["limits"] == {"cpu": "4", "memory": "8Gi"}
    assert env_of(kserve)["TENSORD_PARALLEL_WORKERS"] == "2"
    assert "--intra-op-threads=2" in kserve["args"]
    # tensord above KServe's own runtimes: Triton's onnx priority is 1, MLServer's xgboost 2.
    priorities = {f["name"]: f.get("priority") for f in runtime["spec"]["supportedModelFormats"]}
    assert priorities["onnx"] == 2 and priorities["xgboost"] == 3
    config = rendered[("ServerConfig", "tensord")]
    server = container(config, "tensord")  # the JSON patch's index must still name tensord
    assert server["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert env_of(server)["TENSORD_PARALLEL_WORKERS"] == "2"
    assert "--intra-op-threads=1" in server["args"]
    images = {c["name"]: c["image"] for c in config["spec"]["podSpec"]["containers"]}
    assert images == {"rclone": "docker.io/seldonio/seldon-rclone:2.9.0",
                      "agent": "docker.io/seldonio/seldon-agent:2.9.0",
                      "tensord": "registry.example.com/ml/tensord:0.1.0"}
    init = config["spec"]["podSpec"]["initContainers"][0]
    assert init["image"] == "registry.example.com/ml/tensord:0.1.0"
    assert rendered[("Server", "tensord")]["spec"]["replicas"] == 3


# ----------------------------------------------- 3. manifests agree with tensord and each other

def tensord_containers():
    """(label, container) for every container that runs tensord's image."""
    found = []
    for kind in ("ClusterServingRuntime", "ServerConfig"):
        for document in objects_of_kind(kind):
            for c in containers_of(document):
                if c["image"] == "tensord":
                    found.append((f"{kind}/{document['metadata']['name']}/{c['name']}", c))
    return found


@pytest.fixture(scope="module")
def serve_help():
    result = run_cli("serve", "--help")
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("label,spec", tensord_containers(),
                         ids=[label for label, _ in tensord_containers()])
def test_flags_and_variables_are_tensords(serve_help, label, spec):
    argv = tensord_command(spec)
    assert argv[0] == "serve", label
    for word in argv[1:]:
        if word.startswith("--"):
            flag = word.split("=", 1)[0]
            assert re.search(rf"^\s+{re.escape(flag)}\b", serve_help, re.M), f"{label}: {flag}"
    for name in env_of(spec):
        assert name.startswith("TENSORD_"), f"{label}: {name}"
        assert re.search(rf"\(Env:{name}\)", serve_help), f"{label}: tensord does not read {name}"


def test_kserve_runtime_ports_probes_and_formats():
    runtime = one("ClusterServingRuntime", "tensord")
    # KServe picks runtimes whose multiModel is false for InferenceServices.
    assert runtime["spec"].get("multiModel", False) is False
    assert set(runtime["spec"]["protocolVersions"]) == {"v2", "grpc-v2"}
    spec = container(runtime, "kserve-container")
    env = env_of(spec)
    assert env["TENSORD_HTTP_PORT"] == "8080"  # where KServe routes HTTP
    assert env["TENSORD_GRPC_PORT"] == "9000"
    annotations = runtime["spec"]["annotations"]
    assert annotations["prometheus.kserve.io/port"] == env["TENSORD_METRICS_PORT"]
    for probe, path in (("startupProbe", "/v2/health/live"), ("livenessProbe", "/v2/health/live"),
                        ("readinessProbe", "/v2/health/ready")):
        assert spec[probe]["httpGet"]["path"] == path
        assert spec[probe]["httpGet"]["port"] == int(env["TENSORD_HTTP_PORT"])
    assert "ports" not in spec  # an InferenceService adds the one port Knative routes to
    assert flag_value(spec["args"], "--model-repository") == "/mnt/models"
    formats = {(f["name"], f.get("version")): f for f in runtime["spec"]["supportedModelFormats"]}
    assert formats[("onnx", "1")]["autoSelect"] and formats[("xgboost", "1")]["autoSelect"]
    assert not formats[("triton", "2")]["autoSelect"]


def test_kserve_examples_name_the_runtime_and_its_formats():
    runtime = one("ClusterServingRuntime", "tensord")
    formats = {f["name"] for f in runtime["spec"]["supportedModelFormats"]}
    grpc_port = int(env_of(container(runtime, "kserve-container"))["TENSORD_GRPC_PORT"])
    services = objects_of_kind("InferenceService")
    assert {s["spec"]["predictor"]["model"]["modelFormat"]["name"] for s in services} == \
        {"onnx", "xgboost"}
    for service in services:
        model = service["spec"]["predictor"]["model"]
        assert model["runtime"] == "tensord" and model["modelFormat"]["name"] in formats
        assert model["protocolVersion"] in runtime["spec"]["protocolVersions"]
        if model["protocolVersion"] == "grpc-v2":
            assert model["ports"] == [{"name": "h2c", "protocol": "TCP",
                                       "containerPort": grpc_port}]
    multi = [s for s in services if "storageUri" not in s["spec"]["predictor"]["model"]]
    assert [s["metadata"]["name"] for s in multi] == ["tensord-shared"]
    assert one("TrainedModel", "mlp")["spec"]["inferenceService"] == "tensord-shared"


def test_modelmesh_runtime_matches_the_triton_adapter():
    runtime = one("ClusterServingRuntime", "tensord-modelmesh")
    spec = runtime["spec"]
    assert spec["multiModel"] is True and spec["builtInAdapter"]["serverType"] == "triton"
    server = container(runtime, "triton")  # the adapter finds the server by this name
    argv = tensord_command(server)
    grpc_port = int(flag_value(argv, "--grpc-port"))
    assert spec["builtInAdapter"]["runtimeManagementPort"] == grpc_port
    assert spec["grpcDataEndpoint"] == f"port:{grpc_port}"
    assert spec["grpcEndpoint"] != spec["grpcDataEndpoint"]
    assert server["livenessProbe"]["httpGet"]["port"] == int(flag_value(argv, "--http-port"))
    assert flag_value(argv, "--model-control-mode") == "explicit"


def test_seldon_serverconfig_wires_agent_rclone_and_tensord():
    config = one("ServerConfig", "tensord")
    agent, server = container(config, "agent"), container(config, "tensord")
    container(config, "rclone")
    agent_env, env = env_of(agent), env_of(server)
    assert agent_env["SELDON_SERVER_TYPE"] == "triton"
    assert agent_env["SELDON_SERVER_HTTP_PORT"] == env["TENSORD_HTTP_PORT"]
    assert agent_env["SELDON_SERVER_GRPC_PORT"] == env["TENSORD_GRPC_PORT"]
    capabilities = agent_env["SELDON_SERVER_CAPABILITIES"].split(",")
    assert {"onnx", "xgboost", "tensord"} <= set(capabilities)
    memory = [e for e in agent["env"] if e["name"] == "MEMORY_REQUEST"][0]
    assert memory["valueFrom"]["resourceFieldRef"]["containerName"] == "tensord"
    ports = {p["name"]: p["containerPort"] for p in server["ports"]}
    assert ports == {"server-http": int(env["TENSORD_HTTP_PORT"]),
                     "server-grpc": int(env["TENSORD_GRPC_PORT"]),
                     "server-metrics": int(env["TENSORD_METRICS_PORT"])}
    agent_ports = {p["containerPort"] for p in agent["ports"]}
    assert agent_ports == {int(agent_env["SELDON_REVERSE_PROXY_HTTP_PORT"]),
                           int(agent_env["SELDON_REVERSE_PROXY_GRPC_PORT"]),
                           int(agent_env["SELDON_METRICS_PORT"])}
    assert not agent_ports & set(ports.values())
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert port_number(server, server[probe]["httpGet"]["port"]) == ports["server-http"]
    # One volume, /mnt/agent in every container; tensord's repository is the agent's models/.
    claim = config["spec"]["volumeClaimTemplates"][0]["name"]
    pod = config["spec"]["podSpec"]
    for c in pod["containers"] + pod["initContainers"]:
        mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
        assert mounts[claim] == "/mnt/agent", c["name"]
    assert env["TENSORD_MODEL_REPOSITORY"] == "/mnt/agent/models"
    assert pod["initContainers"][0]["command"] == ["/bin/mkdir", "-p", "/mnt/agent/models"]
    assert pod["securityContext"]["runAsUser"] == 1000  # the image's user


def test_seldon_models_fit_the_server():
    config = one("ServerConfig", "tensord")
    capabilities = set(env_of(container(config, "agent"))["SELDON_SERVER_CAPABILITIES"].split(","))
    assert one("Server", "tensord")["spec"]["serverConfig"] == "tensord"
    models = objects_of_kind("Model")
    assert {m["metadata"]["name"] for m in models} == {"mlp", "iris"}
    for model in models:
        assert set(model["spec"]["requirements"]) <= capabilities, model["metadata"]["name"]
        assert "tensord" in model["spec"]["requirements"]


def test_grace_periods_cover_the_drain():
    """terminationGracePeriodSeconds >= preStop sleep + --exit-timeout-secs + 5 s."""
    def needed(spec):
        exit_timeout = float(flag_value(tensord_command(spec), "--exit-timeout-secs"))
        return prestop_sleep(spec) + exit_timeout + 5

    config = one("ServerConfig", "tensord")
    assert config["spec"]["podSpec"]["terminationGracePeriodSeconds"] >= \
        needed(container(config, "tensord"))
    runtime_need = needed(container(one("ClusterServingRuntime", "tensord"), "kserve-container"))
    for service in objects_of_kind("InferenceService"):
        grace = service["spec"]["predictor"]["terminationGracePeriodSeconds"]
        assert grace >= runtime_need, service["metadata"]["name"]


# ------------------------------------------------------------------------------- 4. replays

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pod:
    """tensord started with a manifest container's own command line and environment:
    the manifest's paths moved under `root`, each manifest port mapped to a free one."""

    def __init__(self, spec, root, moves):
        self.ports = {}
        env = {}
        for name, value in env_of(spec).items():
            env[name] = self.move(value, moves)
            if name.endswith("_PORT"):
                env[name] = str(self.port(int(value)))
        argv = []
        for word in tensord_command(spec):
            match = re.match(r"^(--(?:http|grpc|metrics)-port)=(\d+)$", word)
            argv.append(f"{match.group(1)}={self.port(int(match.group(2)))}" if match
                        else self.move(word, moves))
        self.argv = [require_binary(), *argv]
        self.spec = spec
        self.log_path = os.path.join(root, f"{spec['name']}.log")
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env})
        try:
            self.wait_serving()
        except AssertionError:
            self.process.kill()
            self.process.wait()
            raise

    @staticmethod
    def move(value, moves):
        for old, new in moves.items():
            value = value.replace(old, new)
        return value

    def port(self, manifest_port):
        if manifest_port == 0:
            # Any free port, as the manifest says, but chosen here: a port the kernel hands
            # out for 0 may be one free_port() just picked for another of this pod's ports.
            return self.distinct_free_port()
        if manifest_port not in self.ports:
            self.ports[manifest_port] = self.distinct_free_port()
        return self.ports[manifest_port]

    def distinct_free_port(self):
        taken = set(self.ports.values()) | getattr(self, "anonymous_ports", set())
        while (port := free_port()) in taken:
            pass
        self.anonymous_ports = taken | {port}
        return port

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_serving(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while "serving metrics on" not in self.log():
            assert self.process.poll() is None, f"{self.argv} exited:\n{self.log()}"
            assert time.monotonic() < deadline, f"{self.argv} did not start:\n{self.log()}"
            time.sleep(0.05)

    def url(self, manifest_port):
        return f"http://127.0.0.1:{self.ports[manifest_port]}"

    def probe(self, name):
        get = self.spec[name]["httpGet"]
        return requests.get(self.url(port_number(self.spec, get["port"])) + get["path"],
                            timeout=TIMEOUT_S)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        assert code == 0, f"exit {code} on SIGTERM:\n{self.log()}"


@pytest.fixture
def pods():
    started = []
    yield started
    for pod in started:
        if pod.process.poll() is None:
            pod.process.kill()
            pod.process.wait()


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("deploy_grpc_stubs")))


def write_xgboost_model(folder, layout):
    """A tiny XGBoost classifier (4 features), in MLServer's layout or Triton FIL's."""
    import xgboost
    rng = np.random.default_rng(7)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    booster = xgboost.train({"objective": "binary:logistic", "max_depth": 2, "nthread": 1},
                            xgboost.DMatrix(x, label=y), num_boost_round=4)
    if layout == "mlserver":
        os.makedirs(folder)
        booster.save_model(os.path.join(folder, "model.json"))
        with open(os.path.join(folder, "model-settings.json"), "w") as f:
            json.dump({"name": os.path.basename(folder),
                       "implementation": "mlserver_xgboost.XGBoostModel",
                       "parameters": {"uri": "./model.json"}}, f)
    else:
        os.makedirs(os.path.join(folder, "1"))
        booster.save_model(os.path.join(folder, "1", "xgboost.json"))
        with open(os.path.join(folder, "config.pbtxt"), "w") as f:
            f.write(f'name: "{os.path.basename(folder)}"\nbackend: "fil"\nmax_batch_size: 8\n'
                    'parameters { key: "model_type" value: { string_value: "xgboost_json" } }\n')
    return booster, x[:3]


def assert_mlp_answers(url, model):
    rows = [[0.25] * repo.MLP_SIZES[0]]
    response = infer(url, model, [tensor("input", "FP32", [1, repo.MLP_SIZES[0]], rows)])
    assert response.status_code == 200, response.text
    assert outputs_by_name(response)


def assert_xgboost_answers(url, model, booster, rows):
    import xgboost
    response = infer(url, model, [tensor("input", "FP32", list(rows.shape), rows.tolist())])
    assert response.status_code == 200, response.text
    got = np.array(outputs_by_name(response)["predict"]["data"], dtype=np.float64).ravel()
    # A booster saved without scikit-learn's metadata predicts as a regressor does in MLServer
    # (and as FIL does): the probability.
    want = booster.predict(xgboost.DMatrix(rows)).ravel()
    assert np.allclose(got, want, atol=1e-6), (got, want)


def test_kserve_runtime_replay(pods, tmp_path):
    """The InferenceService pod: the storage initializer has put a repository at /mnt/models
    (an ONNX model in Triton's layout, an XGBoost one in MLServer's); the kubelet probes; a
    client infers; KServe's puller adds a model (multi-model serving); SIGTERM drains."""
    runtime = one("ClusterServingRuntime", "tensord")
    spec = container(runtime, "kserve-container")
    models = tmp_path / "mnt-models"
    models.mkdir()
    repo.write_mlp(str(models))
    booster, rows = write_xgboost_model(str(models / "iris"), "mlserver")
    pod = Pod(spec, str(tmp_path), {"/mnt/models": str(models)})
    pods.append(pod)
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert pod.probe(probe).status_code == 200, probe
    url = pod.url(8080)
    assert_mlp_answers(url, "mlp_test")
    assert_xgboost_answers(url, "iris", booster, rows)
    metrics = requests.get(pod.url(int(runtime["spec"]["annotations"]["prometheus.kserve.io/port"]))
                           + runtime["spec"]["annotations"]["prometheus.kserve.io/path"],
                           timeout=TIMEOUT_S)
    assert re.search(r'^tensord_inference_requests_total\{[^}]*model="mlp_test"', metrics.text,
                     re.M), metrics.text[:2000]
    # The puller: copy the model folder in, then load it with an empty body.
    repo.write_identity(str(models), "FP32")
    response = requests.post(f"{url}/v2/repository/models/identity_fp32/load", json={},
                             timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    x = [tensor("INPUT0", "FP32", [1, 2], [[1.5, 2.5]])]
    assert outputs_by_name(infer(url, "identity_fp32", x))["OUTPUT0"]["data"] == [1.5, 2.5]
    response = requests.post(f"{url}/v2/repository/models/identity_fp32/unload", timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    pod.stop()


def test_modelmesh_runtime_replay(pods, pb, tmp_path):
    """ModelMesh's pod: the container's own shell line makes the folder and execs tensord;
    the Triton adapter loads a model over gRPC on runtimeManagementPort."""
    pb2, pb2_grpc = pb
    runtime = one("ClusterServingRuntime", "tensord-modelmesh")
    spec = copy.deepcopy(container(runtime, "triton"))
    models = tmp_path / "models"
    # Run the container's shell line itself: mkdir, then exec (the binary moved to ours).
    line = Pod.move(" ".join(spec["args"]), {"/models": str(models)})
    line = line.replace("/usr/local/bin/tensord", shlex.quote(require_binary()))
    ports = {}
    for flag in ("http", "grpc", "metrics"):
        port = int(re.search(rf"--{flag}-port=(\d+)", line).group(1))
        ports[port] = free_port()
        line = line.replace(f"--{flag}-port={port}", f"--{flag}-port={ports[port]}")
    log_path = tmp_path / "modelmesh.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(["/bin/sh", "-c", line], stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT_S
    while "serving metrics on" not in log_path.read_text():
        assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.05)
    try:
        assert (models / "_triton_models").is_dir()
        live = spec["livenessProbe"]["httpGet"]
        assert requests.get(f"http://127.0.0.1:{ports[live['port']]}{live['path']}",
                            timeout=TIMEOUT_S).status_code == 200
        management = runtime["spec"]["builtInAdapter"]["runtimeManagementPort"]
        repo.write_mlp(str(models / "_triton_models"))
        with grpc.insecure_channel(f"127.0.0.1:{ports[management]}") as channel:
            stub = pb2_grpc.GRPCInferenceServiceStub(channel)
            stub.RepositoryModelLoad(pb2.RepositoryModelLoadRequest(model_name="mlp_test"),
                                     timeout=TIMEOUT_S)
            request = pb2.ModelInferRequest(model_name="mlp_test")
            x = request.inputs.add(name="input", datatype="FP32", shape=[1, repo.MLP_SIZES[0]])
            x.contents.fp32_contents.extend([0.5] * repo.MLP_SIZES[0])
            assert len(stub.ModelInfer(request, timeout=TIMEOUT_S).outputs) == 2
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0, log_path.read_text()


def seldon_layout(source, repository, name, version):
    """What Seldon's agent does for a Triton-type server: <name>_<version>/ with the
    config's name rewritten."""
    model = f"{name}_{version}"
    target = os.path.join(repository, model)
    shutil.copytree(source, target)
    config = os.path.join(target, "config.pbtxt")
    with open(config) as f:
        text = re.sub(r'^name: "[^"]*"', f'name: "{model}"', f.read(), flags=re.M)
    with open(config, "w") as f:
        f.write(text)
    return model


def test_seldon_serverconfig_replay(pods, pb, tmp_path):
    """The Server pod: the init container makes the repository folder; tensord starts on it
    empty; the agent loads an ONNX and an XGBoost (FIL) model over gRPC on
    SELDON_SERVER_GRPC_PORT, in its own layout, checks readiness on SELDON_SERVER_HTTP_PORT,
    infers and unloads; SIGTERM drains."""
    pb2, pb2_grpc = pb
    config = one("ServerConfig", "tensord")
    agent_env = env_of(container(config, "agent"))
    mount = tmp_path / "mnt-agent"
    mount.mkdir()
    moves = {"/mnt/agent": str(mount)}
    init = config["spec"]["podSpec"]["initContainers"][0]
    subprocess.run([Pod.move(word, moves) for word in init["command"]], check=True)
    pod = Pod(container(config, "tensord"), str(tmp_path), moves)
    pods.append(pod)
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert pod.probe(probe).status_code == 200, probe
    http = pod.url(int(agent_env["SELDON_SERVER_HTTP_PORT"]))
    assert requests.get(http + "/v2/health/ready", timeout=TIMEOUT_S).status_code == 200
    staging = tmp_path / "rclone"
    repo.write_mlp(str(staging))
    booster, rows = write_xgboost_model(str(staging / "iris"), "fil")
    repository = str(mount / "models")
    address = f"127.0.0.1:{pod.ports[int(agent_env['SELDON_SERVER_GRPC_PORT'])]}"
    with grpc.insecure_channel(address) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        assert list(stub.RepositoryIndex(pb2.RepositoryIndexRequest(), timeout=TIMEOUT_S).models) \
            == []
        mlp = seldon_layout(str(staging / "mlp_test"), repository, "mlp", "1")
        iris = seldon_layout(str(staging / "iris"), repository, "iris", "1")
        for model in (mlp, iris):
            stub.RepositoryModelLoad(pb2.RepositoryModelLoadRequest(model_name=model),
                                     timeout=TIMEOUT_S)
        states = {m.name: m.state for m in stub.RepositoryIndex(
            pb2.RepositoryIndexRequest(), timeout=TIMEOUT_S).models}
        assert states == {"mlp_1": "READY", "iris_1": "READY"}
        request = pb2.ModelInferRequest(model_name=mlp)
        x = request.inputs.add(name="input", datatype="FP32", shape=[1, repo.MLP_SIZES[0]])
        x.contents.fp32_contents.extend([0.5] * repo.MLP_SIZES[0])
        assert stub.ModelInfer(request, timeout=TIMEOUT_S).model_name == mlp
        assert_xgboost_answers(http, iris, booster, rows)
        stub.RepositoryModelUnload(pb2.RepositoryModelUnloadRequest(model_name=mlp),
                                   timeout=TIMEOUT_S)
    pod.stop()


def test_environment_gives_ports_and_a_flag_wins(tmp_path, pods):
    """TENSORD_* set the repository, ports and workers; a flag given on the command line wins
    (--http-port 1111 over TENSORD_HTTP_PORT 2222; both mapped to free ports by Pod)."""
    models = tmp_path / "models"
    repo.write_mlp(str(models))
    spec = {"name": "env", "args": ["serve", "--http-port=1111"],
            "env": [{"name": "TENSORD_MODEL_REPOSITORY", "value": str(models)},
                    {"name": "TENSORD_HTTP_PORT", "value": "2222"},
                    {"name": "TENSORD_GRPC_PORT", "value": "3333"},
                    {"name": "TENSORD_METRICS_PORT", "value": "4444"},
                    {"name": "TENSORD_PARALLEL_WORKERS", "value": "2"}]}
    pod = Pod(spec, str(tmp_path), {})
    pods.append(pod)
    log = pod.log()
    assert f"serving HTTP on 0.0.0.0:{pod.ports[1111]}" in log, log
    assert f"serving gRPC on 0.0.0.0:{pod.ports[3333]}" in log, log
    assert f"serving metrics on 0.0.0.0:{pod.ports[4444]}" in log, log
    config = ok_json(requests.get(pod.url(1111) + "/v2/models/mlp_test/config", timeout=TIMEOUT_S))
    assert config["instance_group"][0]["count"] == 2
    pod.stop()


def test_bad_port_in_the_environment_is_refused(tmp_path):
    result = subprocess.run([require_binary(), "serve"], capture_output=True, text=True,
                            timeout=30, stdin=subprocess.DEVNULL,
                            env={"TENSORD_MODEL_REPOSITORY": str(tmp_path),
                                 "TENSORD_HTTP_PORT": "70000"})
    assert result.returncode != 0
    assert "--http-port" in result.stderr and "70000" in result.stderr, result.stderr


# -------------------------------------------------------------------------------- 5. the image

IMAGE_DIR = os.environ.get("TENSORD_IMAGE_DIR") or os.path.join(REPO_ROOT, "build", "image")


def image_or_skip():
    if not os.path.isfile(os.path.join(IMAGE_DIR, "rootfs.tar")):
        pytest.skip(f"no image built at {IMAGE_DIR} (make image)")
    return IMAGE_DIR


def oci_config(layout):
    def blob(digest):
        with open(os.path.join(layout, "blobs", *digest.split(":"))) as f:
            return json.load(f)
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    assert len(index["manifests"]) == 1
    manifest = blob(index["manifests"][0]["digest"])
    assert len(manifest["layers"]) == 1
    return manifest, blob(manifest["config"]["digest"])


def test_image_config():
    image = image_or_skip()
    manifest, config = oci_config(os.path.join(image, "oci"))
    assert config["os"] == "linux" and config["architecture"] == "amd64"
    settings = config["config"]
    assert settings["User"] == "1000:1000"
    assert settings["Entrypoint"] == ["/usr/local/bin/tensord"]
    assert settings["Cmd"] == ["serve", "--model-repository", "/mnt/models"]
    assert set(settings["ExposedPorts"]) == {"8080/tcp", "9000/tcp", "8002/tcp"}
    env = dict(item.split("=", 1) for item in settings["Env"])
    assert {k: env[k] for k in ("TENSORD_HTTP_PORT", "TENSORD_GRPC_PORT", "TENSORD_METRICS_PORT",
                                "TENSORD_MODEL_REPOSITORY")} == \
        {"TENSORD_HTTP_PORT": "8080", "TENSORD_GRPC_PORT": "9000",
         "TENSORD_METRICS_PORT": "8002", "TENSORD_MODEL_REPOSITORY": "/mnt/models"}
    assert settings["StopSignal"] == "SIGTERM"
    assert manifest["layers"][0]["mediaType"].endswith("tar+gzip")


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory):
    image = image_or_skip()
    if os.geteuid() != 0:
        pytest.skip("unpacking the image's root filesystem and chroot need root")
    root = str(tmp_path_factory.mktemp("image-rootfs"))
    with tarfile.open(os.path.join(image, "rootfs.tar")) as tar:
        tar.extractall(root, numeric_owner=True)
    return root


def test_image_holds_no_compiler_and_no_package_manager_downloads(rootfs):
    for tool in ("gcc", "cc", "c++", "g++", "clang", "ld", "apt-get", "make"):
        for folder in ("usr/bin", "usr/local/bin"):
            assert not os.path.lexists(os.path.join(rootfs, folder, tool)), tool
    for binary in ("usr/local/bin/tensord", "usr/local/bin/tensord-bench"):
        result = subprocess.run(["chroot", rootfs, "/usr/bin/ldd", "/" + binary],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0 and "not found" not in result.stdout, result.stdout
    result = subprocess.run(["chroot", "--userspec=1000:1000", rootfs,
                             "/usr/local/bin/tensord-bench", "--help"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_image_rootfs_serves_as_its_user(rootfs, tmp_path):
    """The image's own files run the server: the OCI config's entrypoint, command, user and
    environment (its ports moved to free ones), under chroot, on a repository at /mnt/models."""
    _, config = oci_config(os.path.join(image_or_skip(), "oci"))
    settings = config["config"]
    models = os.path.join(rootfs, "mnt", "models")
    shutil.rmtree(models)
    repo.write_mlp(models)
    subprocess.run(["chown", "-R", "1000:1000", models], check=True)
    env = dict(item.split("=", 1) for item in settings["Env"])
    ports = {name: free_port() for name in ("TENSORD_HTTP_PORT", "TENSORD_GRPC_PORT",
                                             "TENSORD_METRICS_PORT")}
    env.update({name: str(port) for name, port in ports.items()})
    log_path = tmp_path / "chroot.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            ["chroot", f"--userspec={settings['User']}", rootfs,
             *settings["Entrypoint"], *settings["Cmd"]],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "serving metrics on" not in log_path.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        url = f"http://127.0.0.1:{ports['TENSORD_HTTP_PORT']}"
        assert requests.get(url + "/v2/health/ready", timeout=TIMEOUT_S).status_code == 200
        assert ok_json(requests.get(url + "/v2/models/mlp_test", timeout=TIMEOUT_S))["name"] \
            == "mlp_test"
        assert_mlp_answers(url, "mlp_test")
        metrics = requests.get(f"http://127.0.0.1:{ports['TENSORD_METRICS_PORT']}/metrics",
                               timeout=TIMEOUT_S)
        assert "tensord_inferences_total" in metrics.text
        with open(f"/proc/{process.pid}/status") as f:
            uids = [line.split()[1:] for line in f if line.startswith("Uid:")][0]
        assert set(uids) == {"1000"}
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0, log_path.read_text()


def test_image_runs_in_podman(tmp_path):
    """podman with runc, the only combination that starts a container on these machines:
    crun refuses the hybrid cgroup hierarchy, and either runtime fails to raise rlimits past
    the session's hard limits (no CAP_SYS_RESOURCE), so the ulimits are pinned to what this
    process has. Skipped where podman or runc is missing (make image installs neither)."""
    image = image_or_skip()
    podman, runc = shutil.which("podman"), shutil.which("runc")
    if not podman or not runc:
        pytest.skip("podman and runc are not both installed (apt-get install podman runc)")
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = min(resource.getrlimit(resource.RLIMIT_NPROC)[1], 32768)

    def pinned_limits():
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    # Storage of its own, so the test neither needs nor changes the machine's images (podman
    # wants the run root's path under 50 characters).
    runroot = tempfile.mkdtemp(prefix="tensord-podman-", dir="/tmp")
    base = [podman, "--root", str(tmp_path / "storage"), "--runroot", runroot,
            "--storage-driver", "vfs"]
    loaded = subprocess.run([*base, "load", "-i", os.path.join(image, "tensord.oci.tar")],
                            capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    name = re.search(r"Loaded image(?:\(s\))?: (\S+)", loaded.stdout + loaded.stderr).group(1)
    models = tmp_path / "models"
    repo.write_mlp(str(models))
    http = free_port()
    run = subprocess.run(
        [*base, "run", "-d", "--runtime", runc, "--network", "host",
         "--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", f"nproc={nproc}:{nproc}",
         "-e", f"TENSORD_HTTP_PORT={http}", "-e", "TENSORD_GRPC_PORT=0",
         "-e", "TENSORD_METRICS_PORT=0", "-v", f"{models}:/mnt/models:ro", name],
        capture_output=True, text=True, timeout=120, preexec_fn=pinned_limits)
    if run.returncode != 0:
        pytest.skip(f"podman cannot start a container here: {run.stderr.strip()[-300:]}")
    container_id = run.stdout.strip()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{http}/v2/health/ready", timeout=2) \
                        .status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, subprocess.run(
                [*base, "logs", container_id], capture_output=True, text=True).stdout
            time.sleep(0.2)
        assert_mlp_answers(f"http://127.0.0.1:{http}", "mlp_test")
        stop = subprocess.run([*base, "stop", "-t", "30", container_id], capture_output=True,
                              text=True, timeout=60)
        assert stop.returncode == 0, stop.stderr
        code = subprocess.run([*base, "inspect", container_id, "--format",
                               "{{.State.ExitCode}}"], capture_output=True, text=True).stdout
        assert code.strip() == "0"
    finally:
        subprocess.run([*base, "rm", "-f", container_id], capture_output=True, timeout=60)
        subprocess.run([*base, "rmi", "-a", "-f"], capture_output=True, timeout=60)
        shutil.rmtree(runroot, ignore_errors=True)
