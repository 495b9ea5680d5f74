"""HTTP/1.1 behaviour: keep-alive, many concurrent clients, slow and silent clients that
must not block anyone, the body size limit, garbage on the wire."""

import http.client
import json
import select
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import requests

import make_test_repository
from oip_client import TIMEOUT_S, infer, outputs_by_name, tensor


def host_port(url):
    parsed = urlparse(url)
    return parsed.hostname, parsed.port


def add_sub_inputs(a, b):
    return [tensor("INPUT0", "FP32", [len(a)], a), tensor("INPUT1", "FP32", [len(b)], b)]


def check_add_sub(response, a, b):
    outputs = outputs_by_name(response)
    assert outputs["OUTPUT0"]["data"] == [x + y for x, y in zip(a, b)]
    assert outputs["OUTPUT1"]["data"] == [x - y for x, y in zip(a, b)]


def test_keep_alive_session_200_sequential_infers(base_url):
    with requests.Session() as session:
        for i in range(200):
            a, b = [float(i), 1.0], [0.5, float(-i)]
            check_add_sub(infer(base_url, "add_sub", add_sub_inputs(a, b), session=session), a, b)


def test_keep_alive_reuses_one_connection(base_url):
    host, port = host_port(base_url)
    connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
    try:
        connection.connect()
        sock = connection.sock
        for i in range(50):
            body = json.dumps({"inputs": add_sub_inputs([float(i)], [1.0])})
            connection.request("POST", "/v2/models/add_sub/infer", body=body,
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = json.loads(response.read())
            assert response.status == 200, payload
            assert (response.getheader("Connection") or "").lower() != "close"
            assert payload["outputs"][0]["data"] == [float(i) + 1.0]
            # http.client drops the socket when the server closes the connection.
            assert connection.sock is sock, f"the connection was not kept alive (request {i})"
    finally:
        connection.close()


def run_concurrent_clients(base_url, clients=64, requests_each=20):
    def client(index):
        with requests.Session() as session:
            for j in range(requests_each):
                a = [float(index), float(j), 0.25]
                b = [float(j), -float(index), 1.0]
                check_add_sub(infer(base_url, "add_sub", add_sub_inputs(a, b), session=session),
                              a, b)
        return index

    with ThreadPoolExecutor(max_workers=clients) as pool:
        assert sorted(pool.map(client, range(clients))) == list(range(clients))


def test_64_concurrent_clients(base_url):
    run_concurrent_clients(base_url)


def test_64_concurrent_clients_on_4_io_threads(start_server, tmp_path):
    repository = str(tmp_path)
    make_test_repository.write_add_sub(repository)
    server = start_server(repository, "--http-threads", "4")
    run_concurrent_clients(server.url)


def test_pipelined_requests_on_one_connection(base_url):
    host, port = host_port(base_url)
    request = (f"GET /v2/health/live HTTP/1.1\r\nHost: {host}\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        sock.sendall(request * 3)
        received = b""
        deadline = time.monotonic() + 10
        while received.count(b"HTTP/1.1 200") < 3 and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    assert received.count(b"HTTP/1.1 200") == 3, received


def pending(sock):
    """True while the server has neither answered nor closed `sock`."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
        return False  # bytes (an answer) or b"" (closed)
    except BlockingIOError:
        return True
    except OSError:
        return False  # reset
    finally:
        sock.setblocking(True)


def test_half_sent_request_does_not_block_others(base_url):
    # No clock: the others must be answered while every silent connection is still
    # pending (a server that waited on them would answer only after its read or idle
    # timeout had closed them).
    host, port = host_port(base_url)
    silent = []
    try:
        # One client sends half a request and stays silent, another sends only part of
        # the headers, others connect and send nothing.
        half = socket.create_connection((host, port), timeout=TIMEOUT_S)
        half.sendall(b"POST /v2/models/add_sub/infer HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"inputs\": [")
        silent.append(half)
        partial = socket.create_connection((host, port), timeout=TIMEOUT_S)
        partial.sendall(b"GET /v2/health/li")
        silent.append(partial)
        for _ in range(16):
            silent.append(socket.create_connection((host, port), timeout=TIMEOUT_S))
        for i in range(5):
            check_add_sub(infer(base_url, "add_sub", add_sub_inputs([float(i)], [2.0])),
                          [float(i)], [2.0])
        assert [pending(sock) for sock in silent] == [True] * len(silent)
    finally:
        for sock in silent:
            sock.close()


def test_silent_client_is_disconnected_by_the_read_timeout(start_server, repository):
    server = start_server(repository, "--http-read-timeout-s", "1")
    host, port = server.host, server.port
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        start = time.monotonic()  # before the timer can be armed: an exact lower bound
        sock.sendall(b"POST /v2/models/add_sub/infer HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 100\r\n\r\n{")
        sock.settimeout(60)
        received = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
        except socket.timeout:
            raise AssertionError("the server kept a silent connection open for 60 s")
        elapsed = time.monotonic() - start
    assert elapsed >= 1.0, f"closed after {elapsed:.3f} s, before the 1 s read timeout"
    assert elapsed < 10, f"closed only after {elapsed:.0f} s with a 1 s read timeout"
    assert received == b"" or received.startswith(b"HTTP/1.1 408"), received[:200]


def test_keep_alive_connection_idle_after_a_reply_is_closed_by_the_idle_timeout(
        start_server, repository):
    # The read that waits for the next request is posted while the reply is still being
    # made (to notice a client that leaves); the idle timeout still bounds it.
    server = start_server(repository, "--http-idle-timeout-s", "1")
    connection = http.client.HTTPConnection(server.host, server.port, timeout=TIMEOUT_S)
    body = json.dumps({"inputs": add_sub_inputs([1.0] * 16, [2.0] * 16)})
    connection.request("POST", "/v2/models/add_sub/infer", body,
                       {"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200, response.read()
    outputs = {o["name"]: o["data"] for o in json.loads(response.read())["outputs"]}
    assert outputs["OUTPUT0"] == [3.0] * 16 and outputs["OUTPUT1"] == [-1.0] * 16, outputs
    sock = connection.sock
    sock.settimeout(60)
    start = time.monotonic()
    try:
        rest = sock.recv(65536)
    except ConnectionResetError:
        rest = b""
    except socket.timeout:
        raise AssertionError("the server kept an idle keep-alive connection for 60 s")
    elapsed = time.monotonic() - start
    connection.close()
    assert rest == b"", rest[:200]
    assert elapsed < 10, f"closed only after {elapsed:.0f} s with a 1 s idle timeout"


def test_garbage_request_line_is_400_and_server_survives(base_url):
    host, port = host_port(base_url)
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        received = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
    assert received.startswith(b"HTTP/1.1 400"), received[:200]
    assert requests.get(base_url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200


def send_oversized(url, body_size, chunked):
    """Sends an infer request with a `body_size`-byte body (raw socket, so that an early
    413 and close are seen instead of a broken pipe); returns (status, body)."""
    host, port = host_port(url)
    headers = (f"POST /v2/models/identity_fp32/infer HTTP/1.1\r\nHost: {host}\r\n"
               "Content-Type: application/json\r\n")
    headers += "Transfer-Encoding: chunked\r\n\r\n" if chunked else \
        f"Content-Length: {body_size}\r\n\r\n"
    payload = b'{"inputs": [' + b" " * (body_size - 14) + b"]}"
    if chunked:
        step = 64 * 1024
        payload = b"".join(b"%x\r\n" % len(payload[i:i + step]) + payload[i:i + step] + b"\r\n"
                           for i in range(0, len(payload), step)) + b"0\r\n\r\n"
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        sock.sendall(headers.encode())
        # A server may answer from the headers alone; otherwise send the body.
        readable, _, _ = select.select([sock], [], [], 1.0)
        if not readable:
            try:
                sock.sendall(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass
        received = b""
        try:
            while b"\r\n\r\n" not in received or not received_complete(received):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 "), f"no HTTP response: {received[:200]!r}"
    return int(head.split()[1]), head.decode("latin-1"), body


def received_complete(received):
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.decode("latin-1").split("\r\n"):
        if line.lower().startswith("content-length:"):
            return len(body) >= int(line.split(":")[1])
    return False


def test_body_over_the_limit_is_413(start_server, tmp_path):
    repository = make_test_repository.build_small(str(tmp_path), broken=False)
    server = start_server(repository, "--http-max-body-mb", "1")
    for chunked in (False, True):
        status, head, body = send_oversized(server.url, 2 * 1024 * 1024, chunked)
        assert status == 413, (chunked, head, body[:300])
        message = json.loads(body)["error"]
        assert any(w in message.lower() for w in ("large", "limit", "size", "mb", "bytes")), message
    # A body under the limit is still served.
    values = [float(i % 100) for i in range(100_000)]  # about 600 KB of JSON
    response = infer(server.url, "identity_fp32", [tensor("INPUT0", "FP32", [1000, 100], values)])
    assert outputs_by_name(response)["OUTPUT0"]["data"] == values
    assert requests.get(server.url + "/v2/health/live", timeout=TIMEOUT_S).status_code == 200

