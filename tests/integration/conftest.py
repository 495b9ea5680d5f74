"""Fixtures: one tensord per test session serving the test repository, and a factory for
tests that need their own server (other flags, other repositories).

    def test_something(base_url): requests.get(base_url + "/v2")
    def test_other(start_server): server = start_server(repo_dir, "--strict-readiness")
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_test_repository  # noqa: E402
from tensord_process import TensordProcess  # noqa: E402


@pytest.fixture(scope="session")
def repository(tmp_path_factory):
    """The test model repository (make_test_repository.build), written once per session."""
    return make_test_repository.build(str(tmp_path_factory.mktemp("repository")))


@pytest.fixture(scope="session")
def server(repository):
    """The session's tensord; after the last test it must exit cleanly on SIGTERM."""
    process = TensordProcess.start(repository)
    yield process
    code = process.stop()
    assert code == 0, f"tensord exited with {code} on SIGTERM; its output:\n{process.log()}"


@pytest.fixture(scope="session")
def base_url(server):
    return server.url


def _server_factory():
    started = []

    def start(repository, *flags, **kwargs):
        process = TensordProcess.start(repository, *flags, **kwargs)
        started.append(process)
        return process

    yield start
    for process in started:
        code = process.stop()
        assert code == 0, f"tensord exited with {code} on SIGTERM; its output:\n{process.log()}"


@pytest.fixture
def start_server():
    """start_server(repository, *flags) -> TensordProcess; each is stopped after the test
    and must exit cleanly."""
    yield from _server_factory()


@pytest.fixture(scope="module")
def start_server_module():
    """start_server as a module-scoped fixture: servers shared by a module's tests, stopped
    (and required to exit cleanly) after the module."""
    yield from _server_factory()
