"""The live console in a real browser: Debian's chromium, headless, driven over the DevTools
protocol (python3-websocket). The page is loaded from a tensord serving the example models
and one model that fails to load, while traffic runs; the tests read the DOM after the
page's script ran, fail on any error in the browser's console, and write build/console.png.

    /usr/bin/python3 -m pytest tests/integration/test_console.py -q

Also here, without a browser: the routes' bad inputs (404 for unknown console files, 405 for
POST /, --console=false) over plain HTTP.
"""

import base64
import json
import os
import re
import shutil
import subprocess
import threading
import time

import pytest
import requests

from make_test_repository import REPO_ROOT
from oip_client import TIMEOUT_S

try:
    import websocket  # python3-websocket
except ImportError:  # the browser tests fail with the reason; the others run
    websocket = None

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT = os.path.join(REPO_ROOT, "build", "console.png")
EXAMPLES = os.path.join(REPO_ROOT, "examples")
BENCH_BIN = os.path.join(REPO_ROOT, "build", "release", "tools", "bench", "tensord-bench")
PAGE_TIMEOUT_S = 30


class Browser:
    """One headless chromium and one page, driven over the DevTools protocol. Every console
    error, uncaught exception and failed resource load is kept in `errors`."""

    def __init__(self, profile):
        assert CHROMIUM, "chromium is not installed (scripts/install-deps installs it)"
        assert websocket, "python3-websocket is not installed (scripts/install-deps installs it)"
        self.profile = profile
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={profile}", "--window-size=1440,1000", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + PAGE_TIMEOUT_S
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            assert self.process.poll() is None, f"chromium exited with {self.process.returncode}"
            assert time.monotonic() < deadline, "chromium wrote no DevToolsActivePort"
            time.sleep(0.05)
        port = int(open(port_file).read().split("\n")[0])
        while True:  # the first tab may be listed a moment after the port is written
            pages = [t for t in requests.get(f"http://127.0.0.1:{port}/json/list",
                                             timeout=TIMEOUT_S).json() if t["type"] == "page"]
            if pages:
                break
            assert time.monotonic() < deadline, "chromium lists no page"
            time.sleep(0.05)
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"],
                                                  timeout=PAGE_TIMEOUT_S, suppress_origin=True)
        self.next_id = 0
        self.errors = []
        for method in ("Runtime.enable", "Log.enable", "Page.enable", "DOM.enable"):
            self.send(method)
        self.send("Emulation.setDeviceMetricsOverride",
                  width=1440, height=1000, deviceScaleFactor=1, mobile=False)

    def _event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append("exception: " + details.get("exception", {}).get(
                "description", details.get("text", "")))
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.errors.append("console.error: " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry['text']} {entry.get('url', '')}")

    def send(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, f"{method}: {message['error']}"
                return message.get("result", {})
            self._event(message)

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        assert "exceptionDetails" not in result, f"{expression}: {result['exceptionDetails']}"
        return result["result"].get("value")

    def open(self, url):
        self.send("Page.navigate", url=url)

    def wait_for(self, expression, what, timeout=PAGE_TIMEOUT_S):
        """Polls a JavaScript expression until it is truthy; returns its value. An exception
        counts as not yet (the page may still be loading)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(f"(() => {{ try {{ return ({expression}); }}"
                                  " catch (e) { return null; } })()")
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; page text:\n"
                                     + str(self.evaluate("document.body.innerText"))[:3000]
                                     + f"\nbrowser errors: {self.errors}")
            time.sleep(0.2)

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))

    def drop_files(self, paths, x=400, y=300):
        """Drags files from outside the browser and drops them at (x, y)."""
        data = {"items": [], "files": paths, "dragOperationsMask": 1}
        for kind in ("dragEnter", "dragOver", "drop"):
            self.send("Input.dispatchDragEvent", type=kind, x=x, y=y, data=data)

    def choose_files(self, selector, paths):
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        self.send("DOM.setFileInputFiles", nodeId=node, files=paths)

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """One chromium for the module: starting it costs seconds on CI's two cores."""
    b = Browser(str(tmp_path_factory.mktemp("chromium-profile")))
    yield b
    b.close()


@pytest.fixture
def browser(chromium):
    """The module's chromium on a blank page with no errors kept from earlier tests (each
    test's server listens on its own port, so no storage is shared between them either)."""
    chromium.open("about:blank")
    chromium.evaluate("1")  # takes in the events the previous page sent before it went away
    chromium.errors.clear()
    return chromium


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    """The example models (scripts/make-models) and `broken`, whose model file is not ONNX."""
    root = str(tmp_path_factory.mktemp("console-models"))
    subprocess.run([os.path.join(REPO_ROOT, "scripts", "make-models"), root], check=True,
                   timeout=120)
    broken = os.path.join(root, "broken")
    os.makedirs(broken)
    with open(os.path.join(broken, "model-settings.json"), "w") as f:
        json.dump({"name": "broken", "parameters": {"uri": "./model.onnx"}}, f)
    with open(os.path.join(broken, "model.onnx"), "wb") as f:
        f.write(b"this is not an ONNX model")
    return root


class Traffic:
    """Posts the examples' add_sub and mlp requests in a loop on a thread until stopped."""

    def __init__(self, url):
        self.url = url
        self.stop_event = threading.Event()
        self.count = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        bodies = {m: open(os.path.join(EXAMPLES, f"{m}-request.json"), "rb").read()
                  for m in ("add_sub", "mlp")}
        with requests.Session() as session:
            while not self.stop_event.is_set():
                for model, body in bodies.items():
                    response = session.post(f"{self.url}/v2/models/{model}/infer", data=body,
                                            headers={"Content-Type": "application/json"},
                                            timeout=TIMEOUT_S)
                    assert response.status_code == 200, response.text
                    self.count += 1
                time.sleep(0.01)

    def stop(self):
        self.stop_event.set()
        self.thread.join(timeout=TIMEOUT_S)


ROWS_JS = """[...document.querySelectorAll('#models tbody tr')].map(tr => ({
  model: tr.dataset.model, version: tr.dataset.version, state: tr.dataset.state,
  reason: (tr.querySelector('.reason') || {}).textContent || '',
  rate: parseFloat(tr.querySelector('.rate') ? tr.querySelector('.rate').textContent : 'NaN'),
  success: parseInt(tr.querySelector('.success') ? tr.querySelector('.success').textContent : 'NaN'),
  instances: (tr.querySelector('.instances') || {}).textContent || '',
  compute: (tr.querySelector('.compute') || {}).textContent || '',
  bars: tr.querySelectorAll('.batches rect').length}))"""


def rows_by_model(browser):
    return {row["model"]: row for row in browser.evaluate(ROWS_JS)}


def test_console_shows_models_states_rates_and_a_failed_models_reason(start_server, repository,
                                                                      browser):
    server = start_server(repository)
    index = requests.post(server.url + "/v2/repository/index", json={}, timeout=TIMEOUT_S).json()
    broken = [m for m in index if m["name"] == "broken"]
    assert broken and broken[0]["state"] == "UNAVAILABLE" and broken[0]["reason"], index
    traffic = Traffic(server.url)
    try:
        browser.open(server.url + "/")
        browser.wait_for("(+document.body.dataset.updates || 0) >= 3", "three updates")
        rows = browser.wait_for(
            f"(() => {{ const rows = {ROWS_JS};"
            " const busy = rows.filter(r => r.rate > 0).map(r => r.model);"
            " return busy.includes('add_sub') && busy.includes('mlp') ? rows : null; })()",
            "non-zero request rates for add_sub and mlp")
        by_model = {row["model"]: row for row in rows}
        assert set(by_model) >= {"add_sub", "mlp", "text_upper", "broken"}, by_model
        for model in ("add_sub", "mlp", "text_upper"):
            assert by_model[model]["state"] == "READY", by_model[model]
            assert re.fullmatch(r"\d+ / [1-9]\d*", by_model[model]["instances"]), by_model[model]
        for model in ("add_sub", "mlp"):
            assert by_model[model]["success"] > 0, by_model[model]
            assert by_model[model]["bars"] >= 1, by_model[model]  # the batch-size histogram
            assert "µs" in by_model[model]["compute"] or "ms" in by_model[model]["compute"]
        # The failed model: its state and the reason the repository gives.
        assert by_model["broken"]["state"] == "UNAVAILABLE"
        assert by_model["broken"]["reason"] == broken[0]["reason"]
        process = browser.evaluate(
            "({uptime: document.getElementById('uptime').textContent,"
            " cpu: document.getElementById('cpu').textContent,"
            " rss: document.getElementById('rss').textContent})")
        assert process["uptime"].endswith("s"), process
        assert " of " in process["cpu"] and not process["cpu"].startswith("–"), process
        assert process["rss"].endswith("MiB") or process["rss"].endswith("GiB"), process
        assert browser.evaluate("document.body.innerText.length") > 200, "blank page"

        # The per-model view: configuration and metadata from the server.
        browser.evaluate("document.querySelector('#models tr[data-model=\"mlp\"] a').click()")
        browser.wait_for("document.getElementById('model-config').textContent.includes('max_batch_size')",
                         "mlp's configuration")
        browser.wait_for("document.getElementById('model-metadata').textContent.includes('\"inputs\"')",
                         "mlp's metadata")
        # No load/unload buttons outside explicit mode.
        assert browser.evaluate(
            "getComputedStyle(document.getElementById('model-actions')).display") == "none"
        browser.wait_for("document.querySelectorAll('#chart-rate polyline').length > 0",
                         "the request-rate chart")
        # A few more seconds of traffic, so that the screenshot's charts have a history.
        browser.wait_for("(+document.body.dataset.updates || 0) >= 10", "ten updates")
        browser.screenshot(SCREENSHOT)
    finally:
        traffic.stop()
    assert traffic.count > 0
    assert browser.errors == [], browser.errors
    with open(SCREENSHOT, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(SCREENSHOT) > 10_000, "the screenshot looks blank"


def test_dropped_bench_and_saturate_reports_draw_curves(start_server, repository, browser,
                                                        tmp_path):
    server = start_server(repository)
    bench_json = str(tmp_path / "bench.json")
    if os.path.exists(BENCH_BIN):
        run = subprocess.run(
            [BENCH_BIN, "-m", "add_sub", "-u", f"127.0.0.1:{server.port}",
             "--concurrency-range", "1:2", "-p", "200", "-r", "3", "--json", bench_json],
            capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
    else:  # the release tree without the tool: a report of the same shape
        with open(bench_json, "w") as f:
            json.dump({"model": "add_sub", "backend": "rest-json", "batch_size": 1,
                       "mode": "concurrency", "points": [
                           {"load": c, "inferences_per_sec": 1000.0 * c, "stable": True,
                            "latency_us": {"p50": 100.0 * c, "p99": 180.0 * c},
                            "server": None} for c in (1, 2)]}, f)
    # A saturate report as `tensord-bench saturate --json` writes it (tools/bench/saturate.cc).
    saturate_json = str(tmp_path / "saturate.json")
    sweeps = []
    for workers, scale in ((1, 1.0), (2, 1.8)):
        points = [{"concurrency": c, "inferences_per_sec": scale * 900 * min(c, 2 * workers),
                   "p50_us": 100.0 * c, "p99_us": 150.0 * c * c / workers, "failed": 0,
                   "stable": True} for c in (1, 2, 4, 8)]
        sweeps.append({"workers": workers, "max_inferences_per_sec": points[-1]["inferences_per_sec"],
                       "max_at_concurrency": 8, "p50_at_max_us": 800.0, "p99_at_max_us": 1200.0,
                       "knee_concurrency": 4 if workers == 1 else 8, "points": points})
    with open(saturate_json, "w") as f:
        json.dump({"model": "mlp", "backend": "rest-json", "reload": "repository-api",
                   "usable_cores": 2, "sweeps": sweeps,
                   "recommendation": {"parallel_workers": 2, "max_batch_size": 4,
                                      "max_batch_time_ms": 0.25, "reasoning": []}}, f)
    browser.open(server.url + "/console")
    browser.wait_for("(+document.body.dataset.updates || 0) >= 1", "the first update")
    browser.drop_files([saturate_json])  # dropped onto the page
    browser.choose_files("#bench-file", [bench_json])  # or chosen with the link
    cards = browser.wait_for(
        "(() => { const c = [...document.querySelectorAll('.bench-card')];"
        " return c.length === 2 ? c.map(x => ({title: x.querySelector('h3').textContent,"
        " lines: x.querySelectorAll('polyline').length, knees: x.querySelectorAll('.knee').length,"
        " text: x.innerText})) : null; })()", "two report cards")
    by_kind = {("saturate" if "saturate" in c["title"] else "bench"): c for c in cards}
    assert "add_sub" in by_kind["bench"]["title"], cards
    assert by_kind["bench"]["lines"] == 2, cards  # p50 and p99 against throughput
    assert by_kind["saturate"]["lines"] == 4, cards  # throughput and p99, per worker count
    assert by_kind["saturate"]["knees"] == 4, cards  # each sweep's knee, on both charts
    assert "one worker: max 1800.0 inferences/s" in by_kind["saturate"]["text"], cards
    assert "3.60× one worker" in by_kind["saturate"]["text"], cards
    assert "recommended: parallel_workers 2" in by_kind["saturate"]["text"], cards
    assert browser.errors == [], browser.errors


def test_buttons_unload_and_load_in_explicit_mode(start_server, repository, browser):
    server = start_server(repository, "--model-control-mode", "explicit",
                          "--load-model", "add_sub", "--load-model", "mlp")
    browser.open(server.url + "/#model/add_sub/1")
    browser.wait_for("getComputedStyle(document.getElementById('model-actions')).display !== 'none'",
                     "the model buttons")
    browser.wait_for("!!document.querySelector('#models tr[data-model=\"text_upper\"]')",
                     "the unloaded text_upper listed")
    browser.evaluate("document.querySelector('#model-actions [data-action=unload]').click()")
    browser.wait_for("document.getElementById('model-action-result').textContent === 'unload: done'",
                     "the unload")
    browser.wait_for("document.querySelector('#models tr[data-model=\"add_sub\"]').dataset.state"
                     " === 'UNAVAILABLE'", "add_sub unavailable")
    assert requests.get(server.url + "/v2/models/add_sub/ready", timeout=TIMEOUT_S).status_code == 400
    browser.evaluate("document.querySelector('#model-actions [data-action=load]').click()")
    browser.wait_for("document.getElementById('model-action-result').textContent === 'load: done'",
                     "the load")
    browser.wait_for("document.querySelector('#models tr[data-model=\"add_sub\"]').dataset.state"
                     " === 'READY'", "add_sub ready again")
    assert requests.get(server.url + "/v2/models/add_sub/ready", timeout=TIMEOUT_S).status_code == 200


def test_token_field_sends_the_bearer_token(start_server, repository, browser, tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("admin-token-0123456789 admin\ninfer-token-0123456789 infer\n")
    server = start_server(repository, "--auth-tokens", str(tokens))
    browser.open(server.url + "/")
    browser.wait_for("document.getElementById('status').textContent.includes('enter a token')",
                     "the request for a token")
    browser.evaluate("document.getElementById('token').value = 'admin-token-0123456789';"
                     "document.querySelector('#token-form button').click()")
    browser.wait_for("!!document.querySelector('#models tr[data-model=\"broken\"]')",
                     "the models, with the token")
    assert "enter a token" not in browser.evaluate("document.getElementById('status').textContent")
    # An infer token reads the statistics but not the repository index: ready versions only.
    browser.evaluate("document.getElementById('token').value = 'infer-token-0123456789';"
                     "document.querySelector('#token-form button').click()")
    browser.wait_for("document.getElementById('models-note').textContent.includes("
                     "'ready versions only: the repository index answered 403')", "the note")
    browser.wait_for("!document.querySelector('#models tr[data-model=\"broken\"]')",
                     "broken gone from the list")
    assert "add_sub" in rows_by_model(browser)


def test_console_routes_bad_inputs(start_server, repository):
    server = start_server(repository)
    page = requests.get(server.url + "/", timeout=TIMEOUT_S)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert requests.get(server.url + "/console", timeout=TIMEOUT_S).text == page.text
    missing = requests.get(server.url + "/console/app.js", timeout=TIMEOUT_S)
    assert missing.status_code == 404
    assert "no console file 'app.js'" in missing.json()["error"]
    deeper = requests.get(server.url + "/console/a/b", timeout=TIMEOUT_S)
    assert deeper.status_code == 404
    assert deeper.json()["error"].startswith("no route for '/console/a/b'")
    post = requests.post(server.url + "/", data=b"", timeout=TIMEOUT_S)
    assert post.status_code == 405
    assert post.headers["Allow"] == "GET"
    assert post.json()["error"] == "method POST is not allowed for '/' (allowed: GET)"
    state = requests.get(server.url + "/v2/console/state", timeout=TIMEOUT_S).json()
    assert {m["name"] for m in state["models"]} >= {"add_sub", "mlp", "text_upper"}
    assert state["server"]["rss_bytes"] > 0


def test_console_off(start_server, repository):
    server = start_server(repository, "--console=false")
    for path in ("/", "/console", "/console/console.js", "/v2/console/state"):
        response = requests.get(server.url + path, timeout=TIMEOUT_S)
        assert response.status_code == 404, path
        assert response.json()["error"] == (
            f"no route for '{path}': the console is off (--console=false)")
    assert requests.get(server.url + "/v2", timeout=TIMEOUT_S).status_code == 200
