"""Connection limits: idle connections cannot hold the metrics port, --http-max-connections
refuses (503, then close) over the limit and serves again when connections close, and at
the process's fd limit a new client is refused rather than left hanging, with one log line
per interval instead of one per accept retry.

Every wait is bounded by a socket timeout: a client that gets neither answer nor close
fails the test instead of hanging it."""

import os
import re
import resource
import socket
import time

import requests

import make_test_repository as repo

METRICS_LINE = re.compile(r"serving metrics on (\S+):(\d+)")
ANSWER_TIMEOUT_S = 5
LIMIT_LINE = "connection limit reached"
FD_LINE = "out of file descriptors"


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT_S)


def receive_reply(sock):
    """Reads one HTTP reply; returns (status, body). socket.timeout when none comes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        body += chunk
    return int(lines[0].split()[1]), body


def get(sock, path="/v2/health/live"):
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    return receive_reply(sock)


def refused(sock):
    """What a refused client sees: everything until the server closes (b"" for a reset).
    Fails the test when the server neither answers nor closes within the timeout."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return data
    except socket.timeout:
        raise AssertionError(f"no answer and no close within {ANSWER_TIMEOUT_S} s "
                             f"(got {data!r})") from None


def served_or_refused(sock):
    """200 when a request on `sock` is served, 503 when refused with an answer, "closed"
    when closed or reset unanswered; fails the test when nothing comes."""
    try:
        return get(sock)[0]
    except (ConnectionError, BrokenPipeError):
        return "closed"
    except socket.timeout:
        raise AssertionError(f"no answer and no close within {ANSWER_TIMEOUT_S} s") from None


def served_again(port, deadline_s=10):
    """Polls with new clients until one is served (the server notices closes on its own
    thread); True when one got 200 before the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        with connect(port) as sock:
            try:
                if get(sock)[0] == 200:
                    return True
            except (ConnectionError, socket.timeout):
                pass
        time.sleep(0.05)
    return False


def metrics_port(server, timeout_s=10):
    """The metrics port from the log (logged just after the HTTP line that start waits for)."""
    deadline = time.monotonic() + timeout_s
    while not (match := METRICS_LINE.search(server.log())):
        assert time.monotonic() < deadline, f"no 'serving metrics on' line:\n{server.log()}"
        time.sleep(0.05)
    return int(match.group(2))


def small_repository(tmp_path):
    root = str(tmp_path / "models")
    repo.write_add_sub(root)
    return root


def test_idle_connections_do_not_block_a_scrape(start_server, tmp_path):
    server = start_server(small_repository(tmp_path))
    port = metrics_port(server)
    idle = [connect(port) for _ in range(5)]
    slow = connect(port)
    slow.sendall(b"GET /metrics HTTP/1.1\r\n")  # a request that never finishes
    try:
        response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=ANSWER_TIMEOUT_S)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert "process_cpu_seconds_total" in response.text
        # Only /metrics, only GET.
        other = requests.get(f"http://127.0.0.1:{port}/v2", timeout=ANSWER_TIMEOUT_S)
        assert other.status_code == 404
        assert "metrics are at /metrics" in other.json()["error"]
        post = requests.post(f"http://127.0.0.1:{port}/metrics", timeout=ANSWER_TIMEOUT_S)
        assert post.status_code == 405
        assert post.headers["Allow"] == "GET"
    finally:
        for sock in idle + [slow]:
            sock.close()


def test_over_the_limit_a_client_is_refused_and_served_again_later(start_server, tmp_path):
    server = start_server(small_repository(tmp_path), "--http-max-connections", "3")
    assert "HTTP accepts at most 3 connections" in server.log()
    held = [connect(server.port) for _ in range(3)]
    for sock in held:
        assert get(sock)[0] == 200  # served, so counted

    for _ in range(2):
        with connect(server.port) as extra:
            reply = refused(extra)
        assert reply.startswith(b"HTTP/1.1 503 "), reply
        assert b"limit of 3 open connections" in reply
    assert server.log().count(LIMIT_LINE) == 1, server.log()  # not once per client

    held.pop().close()
    assert served_again(server.port), server.log()
    for sock in held:
        assert get(sock)[0] == 200  # the others were never disturbed
        sock.close()


def test_at_the_fd_limit_a_client_is_refused_not_left_hanging(start_server, tmp_path):
    server = start_server(small_repository(tmp_path))
    metrics_port(server)  # started up: the metrics port is the last thing to open
    soft, hard = resource.prlimit(server.pid, resource.RLIMIT_NOFILE)
    # Room for a few connections, far under the default --http-max-connections: the accept
    # loop runs out of descriptors before the connection limit says no.
    in_use = len(os.listdir(f"/proc/{server.pid}/fd"))
    resource.prlimit(server.pid, resource.RLIMIT_NOFILE, (in_use + 6, hard))
    held = []
    try:
        status = 200
        for _ in range(50):  # served until the descriptors run out
            sock = connect(server.port)
            held.append(sock)
            status = served_or_refused(sock)
            if status != 200:
                break
        assert status in (503, "closed"), status
        for _ in range(3):  # more clients at the limit: each refused, the log stays quiet
            with connect(server.port) as extra:
                reply = refused(extra)
            assert reply.startswith(b"HTTP/1.1 503 "), reply
            assert b"out of file descriptors" in reply
        log = server.log()
        assert 1 <= log.count(FD_LINE) <= 2, log  # once per 10 s, not once per retry
        assert "accept failed" not in log, log

        for sock in held:  # descriptors free again: served again
            sock.close()
        held = []
        assert served_again(server.port), server.log()
    finally:
        for sock in held:
            sock.close()
        resource.prlimit(server.pid, resource.RLIMIT_NOFILE, (soft, hard))


def test_the_default_limit_stays_under_the_fd_limit(start_server, tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(512, hard), hard))  # inherited
    try:
        server = start_server(small_repository(tmp_path))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    # min(10000, (512 - 128) / 2)
    assert "HTTP accepts at most 192 connections" in server.log(), server.log()
