"""The results table (stdout), --json and --plot (gnuplot, as tensord-bench draws its plots).

    print(table(rows, batch))
"""
import json
import os
import shutil
import subprocess

from .errors import OptimizeError


def _fmt(x, spec):
    return "-".rjust(int(spec.split(".")[0])) if x is None else format(x, spec)


def table(rows, batch):
    head = (f"{'candidate':<26} {'size MB':>8} {'agreement':>9} {'max abs':>9} "
            f"{'b1 p50 us':>10} {'b1 x':>6} {f'b{batch} p50 us':>11} {f'b{batch} x':>7}  status")
    lines = [head, "-" * len(head)]
    for r in rows:
        acc = r.get("accuracy") or {}
        max_abs = max((o["max_abs"] for o in acc.get("outputs", {}).values()), default=None)
        s1, sb = r.get("speed_batch1") or {}, r.get("speed_batched") or {}
        lines.append(
            f"{r['name']:<26} {_fmt(r.get('size_mb'), '8.2f')} "
            f"{_fmt(acc.get('agreement'), '9.4f')} {_fmt(max_abs, '9.4f')} "
            f"{_fmt(s1.get('p50_us'), '10.1f')} {_fmt(r.get('speedup_batch1'), '6.2f')} "
            f"{_fmt(sb.get('p50_us'), '11.1f')} {_fmt(r.get('speedup_batched'), '7.2f')}  "
            f"{r['status']}")
    labelled = [(r["name"], o["label_accuracy"]) for r in rows
                for o in (r.get("accuracy") or {}).get("outputs", {}).values()
                if "label_accuracy" in o]
    if labelled:
        lines.append("accuracy on --labels: " +
                     ", ".join(f"{name} {value:.4f}" for name, value in labelled))
    return "\n".join(lines)


def write_json(path, document):
    with open(path, "w") as f:
        json.dump(document, f, indent=2)


def plot(path, rows, batch):
    if not path.endswith((".png", ".svg")):
        raise OptimizeError(f"--plot {path}: the file name must end in .png or .svg")
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        raise OptimizeError("--plot needs gnuplot (Debian's gnuplot-nox)")
    points = [r for r in rows if r.get("speedup_batched") and r.get("accuracy")]
    dat = path.rsplit(".", 1)[0] + ".dat"
    with open(dat, "w") as f:
        for r in points:
            f.write(f"{r['speedup_batched']} {r['accuracy']['agreement']} {r['name']}\n")
    term = "pngcairo size 900,600" if path.endswith(".png") else "svg size 900,600"
    script = (f"set terminal {term}\nset output '{path}'\n"
              f"set xlabel 'speed-up at batch {batch} (x the original, in process)'\n"
              "set ylabel 'agreement with the original'\nset grid\nunset key\n"
              "set offsets graph 0.1, graph 0.1, graph 0.15, graph 0.1\n"
              f"plot '{dat}' using 1:2 with points pt 7 ps 1.5, "
              f"'{dat}' using 1:2:3 with labels offset 0,1 font ',9'\n")
    p = subprocess.run([gnuplot], input=script, capture_output=True, text=True)
    if p.returncode != 0:
        raise OptimizeError(f"--plot: gnuplot failed: {p.stderr.strip()}")
    os.remove(dat)
