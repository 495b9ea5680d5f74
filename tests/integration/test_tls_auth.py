"""Issue 17: TLS on the HTTP, gRPC and metrics ports (mutual TLS, certificate reload), bearer
token / client-certificate authorisation with roles on every port (token file reload), and
the HTTP header limits. Certificates are made in set-up with the openssl CLI (a CA, a server
and client certificate it signed, and a second CA for the refusals and the reload).
"""

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import time

import grpc
import pytest
import requests

import make_test_repository as repo
from grpc_helpers import generate_stubs, grpc_address
from held_requests import held_config, rows, wait_until
from oip_client import TIMEOUT_S, error_message, tensor
from tensord_process import StartError, TensordProcess, run_cli

INFER_TOKEN = "infer-token-0123456789abcdef"
ADMIN_TOKEN = "admin-token-0123456789abcdef"
METRICS_TOKEN = "metrics-token-0123456789abcdef"
CLIENT_CN = "client.example"
TOKENS = (f"# test tokens\n{INFER_TOKEN} infer\n{ADMIN_TOKEN} admin\n"
          f"{METRICS_TOKEN} metrics\ncn:{CLIENT_CN} infer\n")


def openssl(*args, cwd):
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"openssl {' '.join(args)}:\n{result.stderr}"


def make_ca(folder, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
            "-subj", f"/CN={name}", cwd=folder)


def make_leaf(folder, name, ca, common_name, usage):
    ext = os.path.join(folder, f"{name}.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage={usage}\n"
                "basicConstraints=CA:FALSE\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={common_name}",
            cwd=folder)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", ext, cwd=folder)


class Certs:
    def __init__(self, folder):
        self.folder = folder

    def path(self, name):
        return os.path.join(self.folder, name)

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("certs"))
    make_ca(folder, "ca")
    make_ca(folder, "other_ca")
    make_leaf(folder, "server", "ca", "localhost", "serverAuth")
    make_leaf(folder, "client", "ca", CLIENT_CN, "clientAuth")
    make_leaf(folder, "stranger", "other_ca", "stranger.example", "clientAuth")
    make_leaf(folder, "server2", "other_ca", "localhost", "serverAuth")
    return Certs(folder)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("models"))
    repo.write_add_sub(root)
    return root


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    return generate_stubs(str(tmp_path_factory.mktemp("stubs")))


def port_of(server, what, timeout=15):
    """The port of the "serving WHAT on HOST:PORT" line, waiting for it to be logged."""
    deadline = time.monotonic() + timeout
    while True:
        match = re.search(rf"serving {what} on \S+:(\d+)", server.log())
        if match:
            return int(match.group(1))
        assert time.monotonic() < deadline, f"no 'serving {what}' line:\n{server.log()}"
        time.sleep(0.05)


def https(server, path):
    return f"https://localhost:{server.port}{path}"


def metrics_url(server):
    return f"https://localhost:{port_of(server, 'metrics')}/metrics"


def grpc_port(server):
    return grpc_address(server).rsplit(":", 1)[1]


def tls_channel(server, certs, ca="ca.pem", client=None):
    key = certs.read(f"{client}.key") if client else None
    chain = certs.read(f"{client}.pem") if client else None
    credentials = grpc.ssl_channel_credentials(root_certificates=certs.read(ca),
                                               private_key=key, certificate_chain=chain)
    return grpc.secure_channel(f"localhost:{grpc_port(server)}", credentials)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def add_sub_inputs():
    return [tensor("INPUT0", "FP32", [2], [1, 2]), tensor("INPUT1", "FP32", [2], [3, 4])]


def grpc_infer_request(pb2):
    request = pb2.ModelInferRequest(model_name="add_sub")
    for name, data in (("INPUT0", [1.0, 2.0]), ("INPUT1", [3.0, 4.0])):
        tensor_ = request.inputs.add(name=name, datatype="FP32", shape=[2])
        tensor_.contents.fp32_contents.extend(data)
    return request


def tls_flags(certs, *extra):
    return ("--tls-cert", certs.path("server.pem"), "--tls-key", certs.path("server.key"),
            *extra)


# --- TLS ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_server(certs, models):
    server = TensordProcess.start(models, *tls_flags(certs))
    yield server
    assert server.stop() == 0, server.log()


def test_https_rest_and_metrics_with_the_ca(tls_server, certs):
    assert "serving HTTP on" in tls_server.log() and "(TLS)" in tls_server.log()
    ca = certs.path("ca.pem")
    assert requests.get(https(tls_server, "/v2/health/ready"), verify=ca,
                        timeout=TIMEOUT_S).status_code == 200
    reply = requests.post(https(tls_server, "/v2/models/add_sub/infer"),
                          json={"inputs": add_sub_inputs()}, verify=ca, timeout=TIMEOUT_S)
    assert reply.status_code == 200, reply.text
    scrape = requests.get(metrics_url(tls_server), verify=ca, timeout=TIMEOUT_S)
    assert scrape.status_code == 200 and "tensord_" in scrape.text


def test_plain_http_and_untrusted_servers_are_refused(tls_server, certs):
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{tls_server.port}/v2/health/ready", timeout=5)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(https(tls_server, "/v2/health/ready"), verify=certs.path("other_ca.pem"),
                     timeout=5)
    # The server still answers afterwards.
    assert requests.get(https(tls_server, "/v2/health/live"), verify=certs.path("ca.pem"),
                        timeout=TIMEOUT_S).status_code == 200


def handshake(port, ca, minimum, maximum, alpn=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if alpn:
        context.set_alpn_protocols(alpn)
    context.load_verify_locations(ca)
    context.minimum_version = minimum
    context.maximum_version = maximum
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.version(), tls.cipher()[0]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TLS 1.0/1.1 client below
def test_tls_1_2_and_1_3_only(tls_server, certs):
    ca = certs.path("ca.pem")
    assert handshake(tls_server.port, ca, ssl.TLSVersion.TLSv1_3,
                     ssl.TLSVersion.TLSv1_3)[0] == "TLSv1.3"
    version, cipher = handshake(tls_server.port, ca, ssl.TLSVersion.TLSv1_2,
                                ssl.TLSVersion.TLSv1_2)
    assert version == "TLSv1.2" and cipher.startswith("ECDHE-") and (
        "GCM" in cipher or "CHACHA20" in cipher), cipher
    with pytest.raises((ssl.SSLError, ConnectionError)):
        handshake(tls_server.port, ca, ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1)
    # gRPC's port (gRPC's own TLS stack) and the metrics port, likewise.
    grpc_tls = int(grpc_port(tls_server))
    assert handshake(grpc_tls, ca, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2,
                     alpn=["h2"])[0] == "TLSv1.2"
    with pytest.raises((ssl.SSLError, ConnectionError)):
        handshake(grpc_tls, ca, ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1, alpn=["h2"])
    with pytest.raises((ssl.SSLError, ConnectionError)):
        handshake(port_of(tls_server, "metrics"), ca, ssl.TLSVersion.TLSv1,
                  ssl.TLSVersion.TLSv1_1)


def test_grpc_over_tls(tls_server, certs, stubs):
    pb2, pb2_grpc = stubs
    with tls_channel(tls_server, certs) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        assert stub.ServerLive(pb2.ServerLiveRequest(), timeout=TIMEOUT_S).live
        reply = stub.ModelInfer(grpc_infer_request(pb2), timeout=TIMEOUT_S)
        assert reply.model_name == "add_sub"
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port(tls_server)}") as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        with pytest.raises(grpc.RpcError) as error:
            stub.ServerLive(pb2.ServerLiveRequest(), timeout=5)
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE


# --- plain and TLS ports side by side -------------------------------------------------------

def test_plain_and_tls_ports_side_by_side(certs, models, stubs):
    """--https-port, --grpc-tls-port, --metrics-https-port: the plain ports stay plain and the
    TLS ones beside them answer the same server; plain text on a TLS port is refused."""
    server = TensordProcess.start(models, *tls_flags(
        certs, "--https-port", "0", "--grpc-tls-port", "0", "--metrics-https-port", "0"))
    try:
        ca = certs.path("ca.pem")
        https_port = port_of(server, "HTTPS")
        plain = requests.post(f"http://127.0.0.1:{server.port}/v2/models/add_sub/infer",
                              json={"inputs": add_sub_inputs()}, timeout=TIMEOUT_S)
        assert plain.status_code == 200, plain.text
        secure = requests.post(f"https://localhost:{https_port}/v2/models/add_sub/infer",
                               json={"inputs": add_sub_inputs()}, verify=ca, timeout=TIMEOUT_S)
        assert secure.status_code == 200 and secure.json() == plain.json()
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{https_port}/v2/health/ready", timeout=5)

        pb2, pb2_grpc = stubs
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port(server)}") as channel:
            stub = pb2_grpc.GRPCInferenceServiceStub(channel)
            assert stub.ModelInfer(grpc_infer_request(pb2), timeout=TIMEOUT_S).model_name == \
                "add_sub"
        grpc_tls = port_of(server, "gRPC with TLS")
        credentials = grpc.ssl_channel_credentials(root_certificates=certs.read("ca.pem"))
        with grpc.secure_channel(f"localhost:{grpc_tls}", credentials) as channel:
            stub = pb2_grpc.GRPCInferenceServiceStub(channel)
            assert stub.ModelInfer(grpc_infer_request(pb2), timeout=TIMEOUT_S).model_name == \
                "add_sub"
        with grpc.insecure_channel(f"127.0.0.1:{grpc_tls}") as channel:
            with pytest.raises(grpc.RpcError) as error:
                pb2_grpc.GRPCInferenceServiceStub(channel).ServerLive(pb2.ServerLiveRequest(),
                                                                      timeout=5)
            assert error.value.code() == grpc.StatusCode.UNAVAILABLE

        plain_scrape = requests.get(f"http://127.0.0.1:{port_of(server, 'metrics')}/metrics",
                                    timeout=TIMEOUT_S)
        assert plain_scrape.status_code == 200 and "tensord_" in plain_scrape.text
        tls_scrape = requests.get(
            f"https://localhost:{port_of(server, 'metrics with TLS')}/metrics", verify=ca,
            timeout=TIMEOUT_S)
        assert tls_scrape.status_code == 200 and "tensord_" in tls_scrape.text
    finally:
        assert server.stop() == 0, server.log()


def test_a_busy_side_by_side_port_stops_the_start(certs, models):
    common = ("serve", "--model-repository", models, "--host", "127.0.0.1", "--http-port", "0",
              "--grpc-port", "0", "--metrics-port", "0", *tls_flags(certs))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = run_cli(*common, "--grpc-tls-port", str(port))
        assert run.returncode == 1, run.stdout + run.stderr
        assert re.search(rf"cannot listen on 127\.0\.0\.1:\d+ \(plain\) or "
                         rf"127\.0\.0\.1:{port} \(TLS\) for gRPC", run.stderr), run.stderr
        run = run_cli(*common, "--https-port", str(port))
        assert run.returncode == 1, run.stdout + run.stderr
        assert f"127.0.0.1:{port}" in run.stderr, run.stderr


def test_side_by_side_ports_need_a_certificate(models):
    for flag in ("--https-port", "--grpc-tls-port", "--metrics-https-port"):
        with pytest.raises(StartError, match="serve TLS beside the plain ports: they need "
                                             "--tls-cert and --tls-key"):
            TensordProcess.start(models, flag, "0")


# --- mutual TLS -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mtls_server(certs, models, tmp_path_factory):
    tokens = tmp_path_factory.mktemp("mtls") / "tokens"
    tokens.write_text(TOKENS)
    server = TensordProcess.start(
        models, *tls_flags(certs, "--tls-client-ca", certs.path("ca.pem"), "--auth-tokens",
                           str(tokens)))
    yield server
    assert server.stop() == 0, server.log()


def test_mtls_client_certificate_accepted_and_its_cn_has_a_role(mtls_server, certs, stubs):
    client = (certs.path("client.pem"), certs.path("client.key"))
    ca = certs.path("ca.pem")
    reply = requests.post(https(mtls_server, "/v2/models/add_sub/infer"),
                          json={"inputs": add_sub_inputs()}, verify=ca, cert=client,
                          timeout=TIMEOUT_S)
    assert reply.status_code == 200, reply.text
    # The CN's role is infer: no repository control without an admin token.
    refused = requests.post(https(mtls_server, "/v2/repository/index"), json={}, verify=ca,
                            cert=client, timeout=TIMEOUT_S)
    assert error_message(refused, 403) == (
        "'POST /v2/repository/index' needs role 'admin'; the credentials presented have "
        "role(s) infer")
    allowed = requests.post(https(mtls_server, "/v2/repository/index"), json={}, verify=ca,
                            cert=client, headers=bearer(ADMIN_TOKEN), timeout=TIMEOUT_S)
    assert allowed.status_code == 200, allowed.text
    pb2, pb2_grpc = stubs
    with tls_channel(mtls_server, certs, client="client") as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        assert stub.ModelInfer(grpc_infer_request(pb2), timeout=TIMEOUT_S).model_name == "add_sub"
        with pytest.raises(grpc.RpcError) as error:
            stub.RepositoryIndex(pb2.RepositoryIndexRequest(), timeout=TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert error.value.details() == (
            "'gRPC RepositoryIndex' needs role 'admin'; the credentials presented have "
            "role(s) infer")


def test_mtls_refuses_clients_without_a_certificate_or_with_a_stranger_one(mtls_server, certs,
                                                                            stubs):
    ca = certs.path("ca.pem")
    for cert in (None, (certs.path("stranger.pem"), certs.path("stranger.key"))):
        with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
            requests.get(https(mtls_server, "/v2/health/live"), verify=ca, cert=cert, timeout=5)
        with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
            requests.get(metrics_url(mtls_server), verify=ca, cert=cert, timeout=5)
    pb2, pb2_grpc = stubs
    for client in (None, "stranger"):
        with tls_channel(mtls_server, certs, client=client) as channel:
            stub = pb2_grpc.GRPCInferenceServiceStub(channel)
            with pytest.raises(grpc.RpcError) as error:
                stub.ServerLive(pb2.ServerLiveRequest(), timeout=5)
            assert error.value.code() == grpc.StatusCode.UNAVAILABLE


# --- roles, on plain ports ------------------------------------------------------------------

@pytest.fixture(scope="module")
def tokens_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "tokens"
    path.write_text(TOKENS)
    return path


@pytest.fixture(scope="module")
def auth_server(models, tokens_file):
    server = TensordProcess.start(models, "--auth-tokens", str(tokens_file))
    yield server
    assert server.stop() == 0, server.log()


def plain_metrics(server):
    return f"http://127.0.0.1:{port_of(server, 'metrics')}/metrics"


def test_rest_roles(auth_server):
    url = auth_server.url
    infer_url = url + "/v2/models/add_sub/infer"
    body = {"inputs": add_sub_inputs()}
    missing = requests.post(infer_url, json=body, timeout=TIMEOUT_S)
    assert error_message(missing, 401) == (
        "'POST /v2/models/add_sub/infer' needs credentials: send 'Authorization: Bearer "
        "<token>' with a token of role 'infer' (or 'admin')")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    invalid = requests.post(infer_url, json=body, headers=bearer("wrong-token-0123456789"),
                            timeout=TIMEOUT_S)
    assert error_message(invalid, 401) == (
        "'POST /v2/models/add_sub/infer': the bearer token is not valid")
    for token in (INFER_TOKEN, ADMIN_TOKEN):
        assert requests.post(infer_url, json=body, headers=bearer(token),
                             timeout=TIMEOUT_S).status_code == 200
        assert requests.get(url + "/v2/models/add_sub", headers=bearer(token),
                            timeout=TIMEOUT_S).status_code == 200
        assert requests.get(url + "/v2/models/stats", headers=bearer(token),
                            timeout=TIMEOUT_S).status_code == 200
    forbidden = requests.post(infer_url, json=body, headers=bearer(METRICS_TOKEN),
                              timeout=TIMEOUT_S)
    assert error_message(forbidden, 403) == (
        "'POST /v2/models/add_sub/infer' needs role 'infer' (or 'admin'); the credentials "
        "presented have role(s) metrics")
    for path in ("/v2/repository/index", "/v2/repository/models/add_sub/unload",
                 "/v2/systemsharedmemory/region/r/register", "/v2/systemsharedmemory/unregister",
                 "/v2/logging"):
        denied = requests.post(url + path, json={}, headers=bearer(INFER_TOKEN),
                               timeout=TIMEOUT_S)
        assert f"'POST {path}' needs role 'admin'" in error_message(denied, 403)
    for path in ("/v2/systemsharedmemory/status", "/v2/logging"):
        denied = requests.get(url + path, headers=bearer(INFER_TOKEN), timeout=TIMEOUT_S)
        assert f"'GET {path}' needs role 'admin'" in error_message(denied, 403)
        assert requests.get(url + path, headers=bearer(ADMIN_TOKEN),
                            timeout=TIMEOUT_S).status_code == 200
    assert requests.post(url + "/v2/repository/index", json={}, headers=bearer(ADMIN_TOKEN),
                         timeout=TIMEOUT_S).status_code == 200
    # Health stays open for probes (--auth-open-health defaults to true).
    assert requests.get(url + "/v2/health/ready", timeout=TIMEOUT_S).status_code == 200
    assert requests.get(url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200


def test_metrics_port_roles_and_the_failure_counter(auth_server):
    url = plain_metrics(auth_server)
    missing = requests.get(url, timeout=TIMEOUT_S)
    assert "'GET /metrics' needs credentials" in error_message(missing, 401)
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_message(requests.get(url, headers=bearer(INFER_TOKEN), timeout=TIMEOUT_S),
                         403) == ("'GET /metrics' needs role 'metrics' (or 'admin'); the "
                                  "credentials presented have role(s) infer")
    requests.get(url, headers=bearer("not-a-token-0123456789"), timeout=TIMEOUT_S)
    for token in (METRICS_TOKEN, ADMIN_TOKEN):
        scrape = requests.get(url, headers=bearer(token), timeout=TIMEOUT_S)
        assert scrape.status_code == 200
    counts = {}
    for line in scrape.text.splitlines():
        if line.startswith("tensord_auth_failures_total{"):
            reason = line.split('reason="')[1].split('"')[0]
            counts[reason] = float(line.rsplit(" ", 1)[1])
    assert counts.get("missing", 0) >= 1 and counts.get("invalid", 0) >= 1
    assert counts.get("forbidden", 0) >= 1
    assert "auth: refused" in auth_server.log()


def test_grpc_roles(auth_server, stubs):
    pb2, pb2_grpc = stubs
    with grpc.insecure_channel(grpc_address(auth_server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        assert stub.ServerLive(pb2.ServerLiveRequest(), timeout=TIMEOUT_S).live
        assert stub.ServerReady(pb2.ServerReadyRequest(), timeout=TIMEOUT_S).ready
        with pytest.raises(grpc.RpcError) as error:
            stub.ModelInfer(grpc_infer_request(pb2), timeout=TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert error.value.details() == (
            "'gRPC ModelInfer' needs credentials: send 'Authorization: Bearer <token>' with a "
            "token of role 'infer' (or 'admin')")
        with pytest.raises(grpc.RpcError) as error:
            stub.ModelMetadata(pb2.ModelMetadataRequest(name="add_sub"), timeout=TIMEOUT_S,
                               metadata=[("authorization", "Bearer wrong-token-0123456789")])
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
        infer = [("authorization", f"Bearer {INFER_TOKEN}")]
        admin = [("authorization", f"Bearer {ADMIN_TOKEN}")]
        assert stub.ModelInfer(grpc_infer_request(pb2), timeout=TIMEOUT_S,
                               metadata=infer).model_name == "add_sub"
        assert stub.ModelMetadata(pb2.ModelMetadataRequest(name="add_sub"), timeout=TIMEOUT_S,
                                  metadata=infer).name == "add_sub"
        for call, request in ((stub.RepositoryIndex, pb2.RepositoryIndexRequest()),
                              (stub.RepositoryModelUnload,
                               pb2.RepositoryModelUnloadRequest(model_name="add_sub")),
                              (stub.SystemSharedMemoryStatus,
                               pb2.SystemSharedMemoryStatusRequest()),
                              (stub.SystemSharedMemoryUnregister,
                               pb2.SystemSharedMemoryUnregisterRequest()),
                              (stub.LogSettings, pb2.LogSettingsRequest())):
            with pytest.raises(grpc.RpcError) as error:
                call(request, timeout=TIMEOUT_S, metadata=infer)
            assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert "needs role 'admin'" in error.value.details()
        assert stub.RepositoryIndex(pb2.RepositoryIndexRequest(), timeout=TIMEOUT_S,
                                    metadata=admin).models
        with pytest.raises(grpc.RpcError) as error:
            stub.ModelMetadata(pb2.ModelMetadataRequest(name="add_sub"), timeout=TIMEOUT_S,
                               metadata=[("authorization", f"Bearer {METRICS_TOKEN}")])
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
        # The stream is checked when it opens.
        stream = stub.ModelStreamInfer(iter([grpc_infer_request(pb2)]), timeout=TIMEOUT_S)
        with pytest.raises(grpc.RpcError) as error:
            list(stream)
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
        answers = list(stub.ModelStreamInfer(iter([grpc_infer_request(pb2)]),
                                             timeout=TIMEOUT_S, metadata=infer))
        assert len(answers) == 1 and not answers[0].error_message


def test_closed_health_needs_credentials(models, tokens_file, start_server, stubs):
    server = start_server(models, "--auth-tokens", str(tokens_file), "--auth-open-health",
                          "false")
    reply = requests.get(server.url + "/v2/health/ready", timeout=TIMEOUT_S)
    assert "'GET /v2/health/ready' needs credentials" in error_message(reply, 401)
    for token in (INFER_TOKEN, METRICS_TOKEN):
        assert requests.get(server.url + "/v2/health/ready", headers=bearer(token),
                            timeout=TIMEOUT_S).status_code == 200
    pb2, pb2_grpc = stubs
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        with pytest.raises(grpc.RpcError) as error:
            stub.ServerLive(pb2.ServerLiveRequest(), timeout=TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_token_file_reload(models, tmp_path, start_server):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{INFER_TOKEN} infer\n")
    server = start_server(models, "--auth-tokens", str(tokens))
    path = server.url + "/v2/models/add_sub"
    assert requests.get(path, headers=bearer(INFER_TOKEN), timeout=TIMEOUT_S).status_code == 200
    fresh = "fresh-token-0123456789abcdef"
    staged = tmp_path / "tokens.new"
    staged.write_text(f"{fresh} infer\n")
    os.replace(staged, tokens)
    deadline = time.monotonic() + 10
    while requests.get(path, headers=bearer(fresh), timeout=TIMEOUT_S).status_code != 200:
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.2)
    assert requests.get(path, headers=bearer(INFER_TOKEN), timeout=TIMEOUT_S).status_code == 401
    # A broken file is logged and the previous tokens stay.
    staged.write_text(f"{fresh} superuser\n")
    os.replace(staged, tokens)
    time.sleep(1.5)
    assert requests.get(path, headers=bearer(fresh), timeout=TIMEOUT_S).status_code == 200
    assert "auth: keeping the previous tokens" in server.log()
    assert "line 1: unknown role 'superuser'" in server.log()


def test_certificate_reload(models, certs, tmp_path, start_server, stubs):
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    shutil.copy(certs.path("server.pem"), cert)
    shutil.copy(certs.path("server.key"), key)
    server = start_server(models, "--tls-cert", str(cert), "--tls-key", str(key))
    # Every port has loaded the files (the metrics port starts last) before they change: a
    # port starting while a pair is half rotated would fail (see the README).
    port_of(server, "metrics")
    assert requests.get(https(server, "/v2/health/live"), verify=certs.path("ca.pem"),
                        timeout=TIMEOUT_S).status_code == 200
    pb2, pb2_grpc = stubs
    # Rotate to a certificate of the other CA: the key first, then the certificate (a
    # mismatched pair in between must not break the server).
    shutil.copy(certs.path("server2.key"), str(key) + ".new")
    os.replace(str(key) + ".new", key)
    shutil.copy(certs.path("server2.pem"), str(cert) + ".new")
    os.replace(str(cert) + ".new", cert)
    deadline = time.monotonic() + 15
    while True:
        try:
            reply = requests.get(https(server, "/v2/health/live"),
                                 verify=certs.path("other_ca.pem"), timeout=5)
            if reply.status_code == 200:
                break
        except requests.exceptions.SSLError:
            pass
        assert time.monotonic() < deadline, f"HTTPS never served the new certificate\n{server.log()}"
        time.sleep(0.3)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(https(server, "/v2/health/live"), verify=certs.path("ca.pem"), timeout=5)
    while True:
        with tls_channel(server, certs, ca="other_ca.pem") as channel:
            try:
                stub = pb2_grpc.GRPCInferenceServiceStub(channel)
                if stub.ServerLive(pb2.ServerLiveRequest(), timeout=5).live:
                    break
            except grpc.RpcError:
                pass
        assert time.monotonic() < deadline, f"gRPC never served the new certificate\n{server.log()}"
        time.sleep(0.3)
    assert "tls: reloaded the certificate" in server.log()


# --- start-up errors and limits -------------------------------------------------------------

def test_bad_security_flags_fail_at_start(models, certs, tmp_path):
    with pytest.raises(StartError, match="--tls-cert and --tls-key go together"):
        TensordProcess.start(models, "--tls-cert", certs.path("server.pem"))
    with pytest.raises(StartError,
                       match=r"cannot load the TLS private key '\S*client.key' \(--tls-key\): "
                             r"key values mismatch"):
        TensordProcess.start(models, "--tls-cert", certs.path("server.pem"), "--tls-key",
                             certs.path("client.key"))
    with pytest.raises(StartError, match=r"cannot load the TLS certificate '/nonexistent.pem'"):
        TensordProcess.start(models, "--tls-cert", "/nonexistent.pem", "--tls-key",
                             certs.path("server.key"))
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{INFER_TOKEN} infer\n{ADMIN_TOKEN} root\n")
    with pytest.raises(StartError, match=r"line 2: unknown role 'root'"):
        TensordProcess.start(models, "--auth-tokens", str(tokens))


def test_header_limits(models, start_server):
    server = start_server(models, "--http-max-header-fields", "20", "--http-max-header-kb", "2")
    many = {f"X-Field-{i}": "x" for i in range(30)}
    reply = requests.get(server.url + "/v2/health/live", headers=many, timeout=TIMEOUT_S)
    assert "more than the limit of 20 (--http-max-header-fields)" in error_message(reply, 431)
    big = {"X-Big": "x" * 4000}
    reply = requests.get(server.url + "/v2/health/live", headers=big, timeout=TIMEOUT_S)
    assert ("request header is larger than the limit of 2048 bytes (--http-max-header-kb)"
            in error_message(reply, 431))
    # Within the limits all is well.
    assert requests.get(server.url + "/v2/health/live", headers={"X-Small": "x"},
                        timeout=TIMEOUT_S).status_code == 200


def test_tensor_limits(models, start_server, stubs):
    server = start_server(models, "--max-tensors-per-request", "2", "--max-elements-per-tensor",
                          "4")
    url = server.url + "/v2/models/add_sub/infer"
    three = add_sub_inputs() + [tensor("EXTRA", "FP32", [1], [0])]
    reply = requests.post(url, json={"inputs": three}, timeout=TIMEOUT_S)
    assert error_message(reply, 400) == (
        "request has 3 inputs, more than the limit of 2 (--max-tensors-per-request)")
    big = [tensor("INPUT0", "FP32", [5], [1] * 5), tensor("INPUT1", "FP32", [5], [1] * 5)]
    reply = requests.post(url, json={"inputs": big}, timeout=TIMEOUT_S)
    assert error_message(reply, 400) == (
        "input 'INPUT0' has 5 elements (shape [5]), more than the limit of 4 "
        "(--max-elements-per-tensor)")
    assert requests.post(url, json={"inputs": add_sub_inputs()},
                         timeout=TIMEOUT_S).status_code == 200
    pb2, pb2_grpc = stubs
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        request = grpc_infer_request(pb2)
        request.inputs.add(name="EXTRA", datatype="FP32", shape=[1]).contents.fp32_contents.append(0)
        with pytest.raises(grpc.RpcError) as error:
            stub.ModelInfer(request, timeout=TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "(--max-tensors-per-request)" in error.value.details()
        assert stub.ModelInfer(grpc_infer_request(pb2), timeout=TIMEOUT_S).model_name == "add_sub"


def test_grpc_max_concurrent_streams_is_accepted(models, start_server, stubs):
    server = start_server(models, "--grpc-max-concurrent-streams", "1")
    pb2, pb2_grpc = stubs
    with grpc.insecure_channel(grpc_address(server)) as channel:
        stub = pb2_grpc.GRPCInferenceServiceStub(channel)
        futures = [stub.ModelInfer.future(grpc_infer_request(pb2), timeout=TIMEOUT_S)
                   for _ in range(8)]
        # Over the limit calls wait for a stream; none fails.
        assert all(f.result().model_name == "add_sub" for f in futures)


# --- a reply written while the connection's watch read is posted, over TLS ------------------
# A request answered from another thread leaves one read posted on its connection (to see the
# client leave); over TLS that read and the reply's write run on the TLS stream at once.

def tls_request(context, port, body_text, path="/v2/models/held/infer"):
    """An HTTPS connection (kept open) with one POST sent on it."""
    sock = context.wrap_socket(socket.create_connection(("localhost", port), timeout=TIMEOUT_S),
                               server_hostname="localhost")
    body = body_text.encode()
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                 f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    return sock


def read_reply(sock):
    """(status, JSON body) of one reply with a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, rest
        rest += chunk
    return int(head.split(b" ", 2)[1]), json.loads(rest[:length])


def wait_pending_tls(server, certs, count):
    """held_requests.wait_pending over the TLS metrics port."""
    sample = f'tensord_pending_requests{{model="held",version="1"}} {count}'
    wait_until(lambda: sample in requests.get(metrics_url(server), verify=certs.path("ca.pem"),
                                              timeout=TIMEOUT_S).text,
               f"{count} requests queued for held")


def test_tls_replies_and_cancellation_with_the_watch_read(certs, tmp_path):
    root = str(tmp_path)
    repo.write_probe_triton(root, "held", 4, held_config())
    server = TensordProcess.start(root, *tls_flags(certs, "--parallel-workers", "1",
                                                   "--log-verbose", "1"))
    try:
        context = ssl.create_default_context(cafile=certs.path("ca.pem"))

        def body(count, first):
            return json.dumps({"inputs": [tensor("x", "FP32", [count, 2], rows(first, count))]})

        # 3 rows wait in the queue (watch posted), 1 row from another connection fills the
        # batch: the first reply is written while its connection's read is posted.
        first = tls_request(context, server.port, body(3, 0.0))
        wait_pending_tls(server, certs, 1)
        second = tls_request(context, server.port, body(1, 10.0))
        for sock, count in ((first, 3), (second, 1)):
            status, reply = read_reply(sock)
            assert status == 200, reply
            n = next(o for o in reply["outputs"] if o["name"] == "n")
            assert n["data"] == [4.0] * count
        # The posted read then serves the next request on the same connection.
        first.sendall(b"GET /v2/health/ready HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head = first.recv(65536)
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        first.close()
        second.close()

        # A TLS client that leaves cancels its queued request.
        gone = tls_request(context, server.port, body(1, 0.0))
        wait_pending_tls(server, certs, 1)
        gone.close()
        logged = "closed its connection before the answer to POST /v2/models/held/infer"
        wait_until(lambda: logged in server.log(), repr(logged))
        filler = tls_request(context, server.port, body(4, 20.0))
        status, reply = read_reply(filler)
        filler.close()
        assert status == 200, reply
        assert next(o for o in reply["outputs"] if o["name"] == "n")["data"] == [4.0] * 4
        stats = requests.get(https(server, "/v2/models/held/stats"), verify=certs.path("ca.pem"),
                             timeout=TIMEOUT_S).json()["model_stats"][0]["inference_stats"]
        assert stats["fail"]["count"] == 1, stats
        assert stats["success"]["count"] == 3, stats
    finally:
        assert server.stop() == 0, server.log()
