"""Starts and stops a real tensord binary for the integration tests.

    server = TensordProcess.start(repository_dir, "--strict-readiness")
    requests.get(server.url + "/v2/health/ready")
    assert server.stop() == 0          # SIGTERM, then the exit code

The binary is $TENSORD_BIN, or build/release/server/tensord under the repository root.
Its port is parsed from the "serving HTTP on HOST:PORT" line it logs (it is started with
--http-port 0, --grpc-port 0 and --metrics-port 0, so tests never collide on ports).
"""

import os
import re
import signal
import subprocess
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVING_LINE = re.compile(r"serving HTTP on (\S+):(\d+)")
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15


def binary_path():
    return os.environ.get("TENSORD_BIN") or os.path.join(
        REPO_ROOT, "build", "release", "server", "tensord")


def require_binary():
    path = binary_path()
    assert os.path.isfile(path) and os.access(path, os.X_OK), (
        f"tensord binary not found at {path}: build it (cmake --build build/release) "
        "or set TENSORD_BIN")
    return path


def run_cli(*args, timeout=30):
    """Runs `tensord ARGS...` to completion; returns the CompletedProcess (text output)."""
    return subprocess.run([require_binary(), *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class StartError(AssertionError):
    pass


class TensordProcess:
    """A running `tensord serve` with its combined stdout/stderr in a log file."""

    def __init__(self, process, log_path, host, port):
        self.process = process
        self.log_path = log_path
        self.host = host
        self.port = port
        connect_host = "127.0.0.1" if host in ("0.0.0.0", "::", "[::]") else host
        self.url = f"http://{connect_host}:{port}"

    @property
    def pid(self):
        return self.process.pid

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    @classmethod
    def start(cls, repository, *flags, http_port="0", timeout=START_TIMEOUT_S):
        """Starts `tensord serve --model-repository REPOSITORY --http-port 0 --grpc-port 0
        FLAGS...` and waits for its serving line; raises StartError with the server's output
        when it exits or stays silent."""
        log_fd, log_path = tempfile.mkstemp(prefix="tensord-", suffix=".log")
        # Metrics on any free port too, unless the test chooses one.
        metrics = [] if "--metrics-port" in flags else ["--metrics-port", "0"]
        args = [require_binary(), "serve", "--model-repository", str(repository),
                "--http-port", str(http_port), "--grpc-port", "0", *metrics, *flags]
        process = subprocess.Popen(args, stdout=log_fd, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        os.close(log_fd)
        deadline = time.monotonic() + timeout
        while True:
            with open(log_path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            match = SERVING_LINE.search(text)
            if match:
                return cls(process, log_path, match.group(1), int(match.group(2)))
            if process.poll() is not None:
                raise StartError(f"{' '.join(args)} exited with {process.returncode} before "
                                 f"serving; its output:\n{text}")
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise StartError(f"{' '.join(args)} logged no 'serving HTTP on' line within "
                                 f"{timeout} s; its output:\n{text}")
            time.sleep(0.05)

    def rss_kb(self):
        """Resident memory of the server process (VmRSS, KiB)."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS in /proc/<pid>/status")

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM; returns the exit code (killing it and failing when it hangs)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"tensord did not exit within {timeout} s of SIGTERM; "
                                     f"its output:\n{self.log()}")
        return self.process.returncode
