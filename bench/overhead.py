#!/usr/bin/python3
"""Per-request overhead of tensord's REST and gRPC paths against the floors of the libraries
they use, measured side by side in one run (issue 12):

  REST JSON  tensord (add_sub, 1 I/O thread)  vs nginx `return 200` with a 100-byte JSON body
  REST JSON  tensord --http-threads 2         vs nginx with 2 workers
  gRPC       tensord ModelInfer raw contents  vs bench/grpc_floor (a minimal grpc++
             completion-queue server echoing the inputs), 1 connection x 32 streams
  gRPC       the same tensord measurement     vs that floor running the model in ONNX Runtime
             (--onnx), when the model is an ONNX file
  gRPC       tensord ModelStreamInfer         vs tensord ModelInfer, both loaded by
             tensord-bench (c=32, one bidirectional stream per concurrent client): streaming
             must cost no more a request than unary calls (--stream)

Load: wrk (REST, c=64 keep-alive) and h2load (gRPC). Server CPU per request comes from the
server process's utime+stime in /proc over the measured interval; cs/req is the server's
voluntary context switches per request (thread hand-offs and waits), which unlike CPU time
hardly depends on what else the machine runs. Each row is the median of
RUNS runs; the ratio is tensord / floor in the same run.

  bench/overhead.sh [--seconds 5] [--runs 3] [--model add_sub] [--only rest|grpc]
                    [--tensord BINARY] [--floor GRPC_FLOOR_BINARY] [--identity]
                    [--http-threads 1,2] [--server-cpus 0-1 --client-cpus 2-7]
                    [--pin auto] [--client-threads 2] [--grpc-threads 1,2] [--grpc-connections 2]
                    [--grpc-body FRAME] [--floor-onnx MODEL.onnx|none] [--stream]

--http-threads lists the REST rows: tensord with N I/O threads against nginx with N workers;
--grpc-threads the gRPC rows: tensord with N completion-queue threads against the floor with
N queues, loaded by h2load over --grpc-connections connections (32 streams in all).
With --server-cpus/--client-cpus (bench/pinning.py) the servers and the load generators run
on disjoint cores, so the client's own cost no longer caps the server; wrk then runs with
--client-threads threads. --pin auto chooses them on a machine of 6 or more CPUs (make bench
passes it). Unpinned, on a 2-core machine, everything shares both cores.

With --identity the model is served as a Triton identity-backend model with the same inputs
(no ONNX Runtime run): the floor echoes its inputs, so that ratio is tensord's own cost.
Otherwise, when the model's folder holds an ONNX file (or --floor-onnx names one), a second
gRPC row sets the same tensord run against the floor running that model with ONNX Runtime's
C++ API: a hand-written server around the same library, so that ratio is tensord's own cost
with the model's run on both sides.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from pinning import add_arguments, describe, from_arguments, pin

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TENSORD = os.path.join(ROOT, "build/release/server/tensord")
FLOOR = os.path.join(ROOT, "build/release/bench/grpc_floor/grpc_floor_server")
BENCH = os.path.join(ROOT, "build/release/tools/bench/tensord-bench")
TICKS = os.sysconf("SC_CLK_TCK")
SERVER_CPUS = None  # --server-cpus: tensord, nginx and the grpc++ floor
CLIENT_CPUS = None  # --client-cpus: wrk and h2load
CLIENT_THREADS = 1  # wrk -t
NGINX_BODY = '{"model_name":"add_sub","outputs":[{"name":"OUTPUT0","datatype":"FP32","shape":[1,1],"data":[1.0]}]}'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def context_switches(pid):
    """Voluntary context switches of all the process's threads: each is a thread going to
    sleep (a hand-off, a wait on a lock or on epoll), robust to the noise CPU time has."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_seconds(pid):
    """utime + stime of the process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Process:
    def __init__(self, argv, ready, log_dir, name):
        self.log = os.path.join(log_dir, name + ".log")
        self.proc = subprocess.Popen(argv, stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     preexec_fn=pin(SERVER_CPUS))
        deadline = time.monotonic() + 30
        while True:
            text = open(self.log).read()
            match = re.search(ready, text) if ready else None
            if match or (ready is None and time.monotonic() > deadline - 29):
                self.match = match
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{name} did not start:\n{text}")
            time.sleep(0.05)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_nginx(tmp, workers):
    port = free_port()
    conf = os.path.join(tmp, f"nginx{workers}.conf")
    with open(conf, "w") as f:
        f.write(f"""
daemon off;
master_process {'on' if workers > 1 else 'off'};
worker_processes {workers};
pid {tmp}/nginx{workers}.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  keepalive_requests 100000000;
  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type application/json; return 200 '{NGINX_BODY}'; }}
  }}
}}
""")
    process = Process(["nginx", "-c", conf, "-p", tmp], None, tmp, f"nginx{workers}")
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    process.port = port
    return process


def process_tree_cpu(process):
    """CPU seconds of `process` and its children (nginx's workers)."""
    total = cpu_seconds(process.pid)
    try:
        children = open(f"/proc/{process.pid}/task/{process.pid}/children").read().split()
    except OSError:
        children = []
    for child in children:
        try:
            total += cpu_seconds(int(child))
        except OSError:
            pass
    return total


def wrk(url, path, body_file, seconds, connections):
    env = dict(os.environ, BODY_FILE=body_file)
    out = subprocess.run(["wrk", f"-t{CLIENT_THREADS}", f"-c{connections}", f"-d{seconds}s", "-s",
                          os.path.join(ROOT, "bench/post.lua"), url, path],
                         capture_output=True, text=True, env=env, check=True,
                         preexec_fn=pin(CLIENT_CPUS)).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    values = dict(kv.split("=") for kv in line.split()[1:])
    if int(values["non2xx"]) or int(values["errors"]):
        sys.exit(f"wrk saw failures against {url}{path}: {line}")
    return float(values["rps"]), int(values["requests"]), int(values["p99_us"])


def h2load(port, body_file, seconds, streams, connections=1):
    out = subprocess.run(["h2load", f"-c{connections}", f"-t{connections}", f"-m{streams}",
                          "-D", str(seconds),
                          "-H", "content-type: application/grpc", "-H", "te: trailers",
                          "-d", body_file,
                          f"http://127.0.0.1:{port}/inference.GRPCInferenceService/ModelInfer"],
                         capture_output=True, text=True, check=True,
                         preexec_fn=pin(CLIENT_CPUS)).stdout
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    if done.group(1) != done.group(2):
        sys.exit(f"h2load saw failures:\n{out}")
    return rps, int(done.group(1))


def measure(process, run, served=None):
    """`run` loads the server and returns (req/s, requests[, p99 µs]); `served`, if given,
    returns the server's own count of requests, which then replaces the client's."""
    before = process_tree_cpu(process)
    switches = context_switches(process.pid)
    count = served() if served else 0
    rps, requests, *rest = run()
    used = process_tree_cpu(process) - before
    switches = context_switches(process.pid) - switches
    if served:
        requests = served() - count
    return {"rps": rps, "cpu_us": used * 1e6 / max(requests, 1), "requests": requests,
            "cs": switches / max(requests, 1), "p99_us": rest[0] if rest else None}


def success_count(http_port, model):
    import json
    stats = json.load(urllib.request.urlopen(
        f"http://127.0.0.1:{http_port}/v2/models/{model}/stats", timeout=5))
    return sum(m["inference_stats"]["success"]["count"] for m in stats["model_stats"])


def tensord_bench(port, model, backend, seconds):
    """Closed-loop load at c=32 from tensord-bench over `backend` (grpc | grpc-stream) for
    about `seconds` (one measurement window, no stability search); its requests/s."""
    out = subprocess.run([BENCH, "-m", model, "-u", f"127.0.0.1:{port}", "--backend", backend,
                          "--concurrency-range", "32", "-p", str(seconds * 1000), "-r", "1",
                          "--no-progress"],
                         capture_output=True, text=True, check=True,
                         preexec_fn=pin(CLIENT_CPUS)).stdout
    row = next(l for l in out.splitlines() if re.match(r"\s*32 \|", l))
    cells = [c.strip() for c in row.split("|")]
    if cells[7] != "0":
        sys.exit(f"tensord-bench --backend {backend} saw failures:\n{out}")
    return float(cells[1])


def onnx_file(models, model):
    """The ONNX file of `model` in the repository (its folder's own, or its newest
    version's), or None."""
    folder = os.path.join(models, model)
    versions = sorted((int(v) for v in os.listdir(folder) if v.isdigit()), reverse=True) \
        if os.path.isdir(folder) else []
    for place in [folder] + [os.path.join(folder, str(v)) for v in versions]:
        path = os.path.join(place, "model.onnx")
        if os.path.isfile(path):
            return path
    return None


def identity_repository(tmp, model, request_json):
    """A repository where `model` is an identity-backend model taking the example request's
    inputs (named INPUT<k>) and answering them as OUTPUT<k>."""
    with open(request_json) as f:
        inputs = json.load(f)["inputs"]
    if not all(i["name"].startswith("INPUT") for i in inputs):
        sys.exit(f"--identity: {request_json}: inputs must be named INPUT<k>")
    config_type = {"BYTES": "STRING"}
    tensors = lambda kind, prefix: ",\n".join(  # noqa: E731
        f'  {{ name: "{prefix}{i["name"][5:]}" '
        f'data_type: TYPE_{config_type.get(i["datatype"], i["datatype"])} '
        f'dims: [ {", ".join(str(d) for d in i["shape"])} ] }}' for i in inputs)
    folder = os.path.join(tmp, "identity-models", model)
    os.makedirs(os.path.join(folder, "1"))
    with open(os.path.join(folder, "config.pbtxt"), "w") as f:
        f.write(f'name: "{model}"\nbackend: "identity"\nmax_batch_size: 0\n'
                f"input [\n{tensors('input', 'INPUT')}\n]\noutput [\n{tensors('output', 'OUTPUT')}\n]\n")
    return os.path.dirname(folder)


def thread_counts(flag, text):
    try:
        counts = [int(n) for n in text.split(",")]
    except ValueError:
        sys.exit(f"{flag} {text!r}: expected numbers like 1,2")
    if min(counts) < 1:
        sys.exit(f"{flag} {text!r}: each count must be at least 1")
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default="add_sub")
    parser.add_argument("--models", default=os.path.join(ROOT, "models"))
    parser.add_argument("--tensord", default=TENSORD,
                        help="the tensord binary to measure (e.g. a copy of an older build)")
    parser.add_argument("--floor", default=FLOOR, help="the grpc_floor_server binary")
    parser.add_argument("--identity", action="store_true",
                        help="serve the model as a Triton identity-backend model with the same "
                             "inputs (INPUT<k> answered as OUTPUT<k>): no model run, as the "
                             "grpc++ floor runs none, so the ratio is tensord's own overhead")
    parser.add_argument("--only", choices=("rest", "grpc"),
                        help="measure one protocol only (gRPC still starts tensord with 1 I/O "
                             "thread)")
    parser.add_argument("--http-threads", default="1,2",
                        help="comma-separated I/O thread counts, one REST row each (tensord "
                             "with N I/O threads against nginx with N workers)")
    parser.add_argument("--grpc-threads", default="1",
                        help="comma-separated completion-queue thread counts, one gRPC row each "
                             "(tensord --grpc-threads N against the floor with N queues)")
    parser.add_argument("--grpc-connections", type=int, default=1,
                        help="h2load connections (and threads); 32 streams in all")
    add_arguments(parser, client_threads=1)  # tensord, nginx, the floor | wrk, h2load; wrk -t
    parser.add_argument("--floor-onnx",
                        help="the ONNX file the second gRPC floor runs (default: the model's "
                             "model.onnx, if it has one; 'none' for no such row)")
    parser.add_argument("--stream", action="store_true",
                        help="add the row of ModelStreamInfer against ModelInfer (tensord-bench "
                             "as the client for both)")
    parser.add_argument("--grpc-body",
                        help="a gRPC request frame made beforehand by bench/grpc_body.py (for a "
                             "machine without its protobuf tools); default: made here")
    args = parser.parse_args()
    global SERVER_CPUS, CLIENT_CPUS, CLIENT_THREADS
    SERVER_CPUS, CLIENT_CPUS, CLIENT_THREADS = from_arguments(args)
    http_threads = thread_counts("--http-threads", args.http_threads)
    grpc_threads = thread_counts("--grpc-threads", args.grpc_threads)
    if not 1 <= args.grpc_connections <= 32:
        sys.exit(f"--grpc-connections {args.grpc_connections}: must be 1 to 32")
    if args.floor_onnx not in (None, "none") and not os.path.isfile(args.floor_onnx):
        sys.exit(f"--floor-onnx {args.floor_onnx}: no such file")
    for tool in ("wrk", "h2load", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (scripts/install-deps --bench installs it)")
    for binary in (args.tensord, args.floor):
        if not os.access(binary, os.X_OK):
            sys.exit(f"{binary} is missing: make build")
    request_json = os.path.join(ROOT, f"examples/{args.model}-request.json")
    floor_onnx = None
    if args.floor_onnx not in (None, "none"):
        floor_onnx = args.floor_onnx
    elif args.floor_onnx is None and not args.identity:
        floor_onnx = onnx_file(args.models, args.model)

    tmp = tempfile.mkdtemp(prefix="tensord_overhead_")
    if args.identity:
        args.models = identity_repository(tmp, args.model, request_json)
    grpc_body = args.grpc_body or os.path.join(tmp, "request.grpc")
    if not args.grpc_body and args.only != "rest":
        subprocess.run([sys.executable, os.path.join(ROOT, "bench/grpc_body.py"), request_json,
                        args.model, grpc_body], check=True)
    rows = {}  # name -> list of (tensord, floor) measurements

    def tensord(io_threads, cq_threads):
        return Process([args.tensord, "serve", "--model-repository", args.models, "--http-port", "0",
                        "--grpc-port", "0", "--metrics-port", "0",
                        "--http-threads", str(io_threads), "--grpc-threads", str(cq_threads)],
                       r"serving HTTP on \S+:(\d+)[\s\S]*serving gRPC on \S+:(\d+)", tmp,
                       f"tensord{io_threads}-{cq_threads}")

    path = f"/v2/models/{args.model}/infer"
    connections = args.grpc_connections
    streams = max(1, 32 // connections)  # 32 streams in all, as with one connection

    def rest_row(threads):
        server = tensord(threads, 1)
        nginx = start_nginx(tmp, threads)
        try:
            url_t = f"http://127.0.0.1:{int(server.match.group(1))}"
            url_n = f"http://127.0.0.1:{nginx.port}"
            wrk(url_t, path, request_json, 1, 64)  # warm-up
            t = measure(server, lambda: wrk(url_t, path, request_json, args.seconds, 64))
            n = measure(nginx, lambda: wrk(url_n, path, request_json, args.seconds, 64))
            rows.setdefault(f"REST JSON c=64, {threads} I/O thread(s) vs nginx", []).append((t, n))
        finally:
            nginx.stop()
            server.stop()

    def grpc_row(threads):
        server = tensord(1, threads)
        floor = Process([args.floor, "--port", "0", "--threads", str(threads)],
                        r"serving gRPC on \S+:(\d+)", tmp, "floor")
        try:
            http_port, grpc_port = int(server.match.group(1)), int(server.match.group(2))
            floor_port = int(floor.match.group(1))
            load = lambda port, seconds: h2load(port, grpc_body, seconds, streams,  # noqa: E731
                                                connections)
            load(grpc_port, 1)  # warm-up
            before = success_count(http_port, args.model)
            g = measure(server, lambda: load(grpc_port, args.seconds))
            answered = success_count(http_port, args.model) - before
            if answered < g["requests"]:
                sys.exit(f"tensord answered {answered} of {g['requests']} gRPC requests "
                         "successfully: the benchmark body is wrong")
            f = measure(floor, lambda: load(floor_port, args.seconds))
            name = (f"gRPC ModelInfer raw, {connections} conn x {streams} streams, "
                    f"{threads} CQ thread(s)")
            rows.setdefault(f"{name} vs grpc++ floor", []).append((g, f))
        finally:
            floor.stop()
            server.stop()
        if floor_onnx:
            # The same tensord run against the floor with the model in it.
            model_floor = Process([args.floor, "--port", "0", "--threads", str(threads),
                                   "--onnx", floor_onnx], r"serving gRPC on \S+:(\d+)", tmp,
                                  "floor-onnx")
            try:
                port = int(model_floor.match.group(1))
                load(port, 1)  # warm-up
                m = measure(model_floor, lambda: load(port, args.seconds))
            finally:
                model_floor.stop()
            failed = re.search(r"answered \d+, failed (\d+)", open(model_floor.log).read())
            if failed is None or int(failed.group(1)):
                sys.exit(f"the floor running {floor_onnx} failed requests: the benchmark body "
                         f"does not fit the model\n{open(model_floor.log).read()}")
            rows.setdefault(f"{name} vs floor + ONNX Runtime", []).append((g, m))

    def stream_row():
        server = tensord(1, 1)
        try:
            http_port, grpc_port = int(server.match.group(1)), int(server.match.group(2))
            measured = {}
            for backend in ("grpc", "grpc-stream"):
                try:
                    tensord_bench(grpc_port, args.model, backend, 1)  # warm-up
                    # The server counts the requests: tensord-bench's warm-up ones included.
                    measured[backend] = measure(
                        server,
                        lambda: (tensord_bench(grpc_port, args.model, backend, args.seconds), 0),
                        served=lambda: success_count(http_port, args.model))
                except (SystemExit, OSError):
                    state = server.proc.poll()
                    print(f"tensord {'exited with ' + str(state) if state is not None else 'runs'}"
                          f"; its log ends:\n{open(server.log).read()[-3000:]}", file=sys.stderr)
                    raise
            rows.setdefault("gRPC ModelStreamInfer vs ModelInfer, tensord-bench c=32", []).append(
                (measured["grpc-stream"], measured["grpc"]))
        finally:
            server.stop()

    try:
        for run in range(args.runs):
            if args.only != "grpc":
                for threads in http_threads:
                    rest_row(threads)
            if args.only != "rest":
                for threads in grpc_threads:
                    grpc_row(threads)
                if args.stream:
                    stream_row()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    kind = " (identity backend)" if args.identity else ""
    print(f"model={args.model}{kind} seconds={args.seconds} runs={args.runs} cores={os.cpu_count()} "
          f"wrk -t{CLIENT_THREADS}; {describe(SERVER_CPUS, CLIENT_CPUS)}; "
          f"commit={subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}")
    width = max([58] + [len(name) for name in rows])
    print(f"{'path':{width}} {'tensord req/s':>13} {'us/req':>7} {'cs/req':>6} {'floor req/s':>12} "
          f"{'us/req':>7} {'cs/req':>6} {'ratio':>6} {'p99 ms':>7} {'floor':>6}")
    for name, pairs in rows.items():
        ratios = [t["rps"] / f["rps"] for t, f in pairs]
        med = lambda key, side: statistics.median(p[side][key] for p in pairs)
        # wrk's p99 (REST rows); h2load gives none.
        p99 = lambda side: ("-" if pairs[0][side]["p99_us"] is None  # noqa: E731
                            else f"{med('p99_us', side) / 1000:.2f}")
        print(f"{name:{width}} {med('rps', 0):13.0f} {med('cpu_us', 0):7.1f} {med('cs', 0):6.2f} "
              f"{med('rps', 1):12.0f} {med('cpu_us', 1):7.1f} {med('cs', 1):6.2f} "
              f"{statistics.median(ratios):6.2f} {p99(0):>7} {p99(1):>6}")


if __name__ == "__main__":
    main()
