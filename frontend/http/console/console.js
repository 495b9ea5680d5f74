// tensord's live console. Once a second, while the tab is visible, it reads
//   GET  /v2/console/state      process usage and every ready version's cumulative counters
//   POST /v2/repository/index   every version's state and reason (admin role with auth)
// and derives rates and percentiles from the difference between reads, so the server keeps
// no history for it. Charts are plain SVG drawn here: a charting library would be most of
// the page's bytes for a few lines and bars, and would have to be vendored and kept up.
// Everything from the server is put into the page as text (textContent), never as HTML.
"use strict";

(() => {
  const POLL_MS = 1000;
  const RATE_WINDOW_S = 5;        // req/s over the last 5 s
  const PERCENTILE_WINDOW_S = 10; // p50/p99 over the last 10 s
  const HISTORY = 120;            // samples kept per model for the charts (2 minutes)

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  };
  const SVG_NS = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs = {}) => {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    return node;
  };

  // ---- state ---------------------------------------------------------------------------
  let token = sessionStorage.getItem("tensord-token") || "";
  let samples = [];          // [{uptime, cpu, models: Map key -> model}], oldest first
  let index = null;          // the repository index, or null when not allowed
  let indexNote = "";
  let indexRefusedFor = null; // the token the index was refused to
  let controlMode = "none";
  let bucketsNs = [];
  const modelHistory = new Map(); // key -> [{t, rate, queueP99, computeP99}]
  let selected = null;       // {name, version} of the model view
  let timer = null;
  let polling = false;

  const keyOf = (name, version) => `${name}\u0000${version}`;

  // ---- formatting ----------------------------------------------------------------------
  const formatDuration = (seconds) => {
    seconds = Math.floor(seconds);
    const d = Math.floor(seconds / 86400), h = Math.floor(seconds / 3600) % 24;
    const m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    return (d ? `${d}d ` : "") + (d || h ? `${h}h ` : "") + (d || h || m ? `${m}m ` : "") + `${s}s`;
  };
  const formatBytes = (bytes) => {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
    return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
  };
  const formatUs = (ns) => {
    if (ns === null || ns === undefined) return "–";
    if (!isFinite(ns)) return "> 10 s";
    const us = ns / 1000;
    if (us < 1000) return `${us.toFixed(us < 10 ? 1 : 0)} µs`;
    if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 2 : 1)} ms`;
    return `${(us / 1e6).toFixed(2)} s`;
  };
  const formatRate = (rate) => (rate === null ? "–" : rate < 10 ? rate.toFixed(2) : rate.toFixed(1));

  // ---- server calls --------------------------------------------------------------------
  const call = async (method, path, body) => {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    return { status: response.status, ok: response.ok, json, text };
  };
  const errorText = (reply) =>
    (reply.json && reply.json.error) || reply.text || `HTTP ${reply.status}`;
  const modelPath = (name, version) =>
    `/v2/models/${encodeURIComponent(name)}` +
    (version ? `/versions/${encodeURIComponent(version)}` : "");

  // ---- statistics ----------------------------------------------------------------------
  // The sample `seconds` before the newest one (or the oldest there is).
  const sampleBefore = (seconds) => {
    const newest = samples[samples.length - 1];
    for (let i = samples.length - 2; i >= 0; i--) {
      if (newest.uptime - samples[i].uptime >= seconds - 0.05) return samples[i];
    }
    return samples.length > 1 ? samples[0] : null;
  };

  // The q-quantile (0..1) of the observations between two cumulative bucket arrays, with
  // linear interpolation inside the bucket; null when there were none.
  const quantile = (now, before, q) => {
    if (!now) return null;
    const counts = now.map((n, i) => n - (before ? before[i] || 0 : 0));
    const total = counts.reduce((a, b) => a + b, 0);
    if (total <= 0) return null;
    const rank = q * total;
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] > 0 && seen + counts[i] >= rank) {
        if (i >= bucketsNs.length) return Infinity;
        const low = i === 0 ? 0 : bucketsNs[i - 1];
        return low + (bucketsNs[i] - low) * ((rank - seen) / counts[i]);
      }
      seen += counts[i];
    }
    return Infinity;
  };

  const answered = (m) => m.success + m.failure;

  // Everything the table shows about one ready version, from the last samples.
  const derive = (key) => {
    const newest = samples[samples.length - 1];
    const m = newest.models.get(key);
    if (!m) return null;
    const rateFrom = sampleBefore(RATE_WINDOW_S);
    const pFrom = sampleBefore(PERCENTILE_WINDOW_S);
    const r = rateFrom && rateFrom.models.get(key);
    const p = pFrom && pFrom.models.get(key);
    const dt = rateFrom ? newest.uptime - rateFrom.uptime : 0;
    const rate = r && dt > 0 ? Math.max(0, answered(m) - answered(r)) / dt : null;
    // Batches in the window, or all of them when the window saw none.
    let batches = new Map(m.batch_sizes);
    if (p) {
      const recent = new Map();
      const before = new Map(p.batch_sizes);
      for (const [rows, n] of m.batch_sizes) {
        const d = n - (before.get(rows) || 0);
        if (d > 0) recent.set(rows, d);
      }
      if (recent.size) batches = recent;
    }
    return {
      model: m,
      rate,
      queue: [quantile(m.queue_histogram, p && p.queue_histogram, 0.5),
              quantile(m.queue_histogram, p && p.queue_histogram, 0.99)],
      compute: [quantile(m.compute_histogram, p && p.compute_histogram, 0.5),
                quantile(m.compute_histogram, p && p.compute_histogram, 0.99)],
      batches,
    };
  };

  // ---- rendering -----------------------------------------------------------------------
  const batchBars = (batches) => {
    const entries = [...batches.entries()].sort((a, b) => a[0] - b[0]);
    const max = Math.max(1, ...entries.map((e) => e[1]));
    const width = Math.max(60, entries.length * 12);
    const chart = svg("svg", { width, height: 24, class: "bars", role: "img" });
    entries.forEach(([rows, n], i) => {
      const h = Math.max(1, Math.round((n / max) * 22));
      const bar = svg("rect", { x: i * 12, y: 24 - h, width: 10, height: h });
      const title = svg("title");
      title.textContent = `${n} batch(es) of ${rows} row(s)`;
      bar.append(title);
      chart.append(bar);
    });
    if (!entries.length) {
      const none = svg("text", { x: 0, y: 16, class: "dim" });
      none.textContent = "none yet";
      chart.append(none);
    }
    return chart;
  };

  const stateCell = (state, reason) => {
    const cell = el("td", { class: "state" });
    cell.append(el("span", { class: `badge ${state.toLowerCase()}`, text: state }));
    if (reason) cell.append(el("div", { class: "reason", text: reason }));
    return cell;
  };

  // Every row: the index's versions (states, reasons) joined with the statistics' ones.
  const rows = () => {
    const newest = samples[samples.length - 1];
    const byKey = new Map();
    if (index) {
      for (const entry of index) {
        byKey.set(keyOf(entry.name, entry.version || ""), {
          name: entry.name, version: entry.version || "", state: entry.state || "UNKNOWN",
          reason: entry.reason || "",
        });
      }
    }
    if (newest) {
      for (const [key, m] of newest.models) {
        if (!byKey.has(key)) byKey.set(key, { name: m.name, version: m.version, state: "READY", reason: "" });
      }
    }
    return [...byKey.entries()].sort((a, b) =>
      a[1].name.localeCompare(b[1].name) || a[1].version.localeCompare(b[1].version, undefined, { numeric: true }));
  };

  // Rows are kept across updates, and their first cell (the link) never leaves the page, so a
  // click on a model's name is not lost to the redraw that happens every second.
  const rowElements = new Map(); // key -> <tr>
  const renderTable = () => {
    const body = document.querySelector("#models tbody");
    const all = rows();
    const keys = new Set(all.map(([key]) => key));
    for (const [key, tr] of rowElements) {
      if (!keys.has(key)) { tr.remove(); rowElements.delete(key); }
    }
    all.forEach(([key, row], position) => {
      let tr = rowElements.get(key);
      if (!tr) {
        tr = el("tr", { "data-model": row.name, "data-version": row.version });
        const link = el("a", { href: "#", text: row.name });
        link.addEventListener("click", (event) => { event.preventDefault(); openModel(row.name, row.version); });
        tr.append(el("td", {}, link));
        rowElements.set(key, tr);
      }
      tr.dataset.state = row.state;
      tr.classList.toggle("selected", !!selected && keyOf(selected.name, selected.version) === key);
      while (tr.children.length > 1) tr.lastChild.remove();
      const d = samples.length ? derive(key) : null;
      const m = d ? d.model : null;
      tr.append(el("td", { text: row.version || "–" }), stateCell(row.state, row.reason));
      const num = (value, cls) => el("td", { class: `num ${cls || ""}`, text: value });
      if (m) {
        tr.append(
          num(`${m.busy} / ${m.instances}`, "instances"),
          num(formatRate(d.rate), "rate"),
          num(String(m.success), "success"),
          num(String(m.failure), m.failure ? "failure bad" : "failure"),
          num(String(m.rejected), m.rejected ? "rejected bad" : "rejected"),
          num(`${formatUs(d.queue[0])} / ${formatUs(d.queue[1])}`, "queue"),
          num(`${formatUs(d.compute[0])} / ${formatUs(d.compute[1])}`, "compute"),
          num(String(m.pending), m.pending ? "pending busy" : "pending"),
          el("td", { class: "batches" }, batchBars(d.batches)));
      } else {
        for (let i = 0; i < 9; i++) tr.append(el("td", { class: "num dim", text: "–" }));
      }
      if (body.children[position] !== tr) body.insertBefore(tr, body.children[position] || null);
    });
    $("models-empty").hidden = all.length > 0;
    $("models-note").textContent = indexNote;
  };

  const renderProcess = (state) => {
    const s = state.server;
    $("server-name").textContent = s.name;
    $("server-version").textContent = s.version;
    $("uptime").textContent = formatDuration(s.uptime_s);
    const before = sampleBefore(1);
    if (before) {
      const newest = samples[samples.length - 1];
      const dt = newest.uptime - before.uptime;
      const cores = dt > 0 ? Math.max(0, newest.cpu - before.cpu) / dt : 0;
      $("cpu").textContent = `${cores.toFixed(2)} of ${s.usable_cores}`;
    } else {
      $("cpu").textContent = `– of ${s.usable_cores}`;
    }
    $("rss").textContent = formatBytes(s.rss_bytes);
    $("control-mode").textContent = s.model_control_mode;
  };

  // ---- charts (SVG) --------------------------------------------------------------------
  const COLORS = ["#4e9af1", "#f1a34e", "#5cc78a", "#d96bd1", "#e05d5d", "#a0a0a0", "#c9c14a"];
  const niceMax = (value) => {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    // Quarters of these are round numbers: the grid has four steps.
    for (const step of [1, 2, 4, 6, 8, 10]) if (step * power >= value * (1 - 1e-9)) return step * power;
    return 10 * power;
  };
  const shortNumber = (v) =>
    v >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : `${+v.toFixed(2)}`;

  // series: [{name, color, points: [[x, y], ...], dots}]; markers: [{x, y, label, color}];
  // xRange: [min, max] fixed instead of fitted to the points.
  const lineChart = ({ series, xLabel, yLabel, xLog = false, xRange = null, markers = [], width = 460, height = 220 }) => {
    const pad = { left: 52, right: 16, top: 22, bottom: 34 };
    const all = series.flatMap((s) => s.points).filter((p) => isFinite(p[0]) && isFinite(p[1]));
    const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
    let xMin = xs.length ? Math.min(...xs) : 0, xMax = xs.length ? Math.max(...xs) : 1;
    if (!xLog) { xMin = Math.min(0, xMin); xMax = niceMax(xMax); }
    if (xLog) { xMin = Math.max(xMin, 1e-9); if (xMax <= xMin) xMax = xMin * 2; }
    if (xRange) [xMin, xMax] = xRange;
    if (xMax <= xMin) xMax = xMin + 1;
    const yMax = niceMax(ys.length ? Math.max(...ys) : 1);
    const fx = (x) => pad.left + (width - pad.left - pad.right) *
      (xLog ? (Math.log2(x) - Math.log2(xMin)) / (Math.log2(xMax) - Math.log2(xMin)) : (x - xMin) / (xMax - xMin));
    const fy = (y) => height - pad.bottom - (height - pad.top - pad.bottom) * (y / yMax);
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img" });
    for (let i = 0; i <= 4; i++) {
      const y = (yMax * i) / 4;
      chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: fy(y), y2: fy(y), class: "grid" }));
      const label = svg("text", { x: pad.left - 4, y: fy(y) + 4, class: "tick", "text-anchor": "end" });
      label.textContent = shortNumber(y);
      chart.append(label);
    }
    const xTicks = xLog ? [...new Set(xs)].sort((a, b) => a - b) : [0, 1, 2, 3, 4].map((i) => xMin + ((xMax - xMin) * i) / 4);
    const yl = svg("text", { x: 4, y: 12, class: "axis" });
    yl.textContent = yLabel;
    chart.append(yl);
    for (const x of xTicks) {
      const label = svg("text", { x: fx(x), y: height - pad.bottom + 14, class: "tick", "text-anchor": "middle" });
      label.textContent = shortNumber(x);
      chart.append(label);
    }
    const xl = svg("text", { x: (pad.left + width - pad.right) / 2, y: height - 4, class: "axis", "text-anchor": "middle" });
    xl.textContent = xLabel;
    chart.append(xl);
    series.forEach((s, i) => {
      const color = s.color || COLORS[i % COLORS.length];
      const pts = s.points.filter((p) => isFinite(p[0]) && isFinite(p[1]));
      if (pts.length > 1) {
        chart.append(svg("polyline", {
          points: pts.map((p) => `${fx(p[0]).toFixed(1)},${fy(p[1]).toFixed(1)}`).join(" "),
          fill: "none", stroke: color, "stroke-width": 2,
        }));
      }
      if (s.dots || pts.length === 1) {
        for (const p of pts) chart.append(svg("circle", { cx: fx(p[0]), cy: fy(p[1]), r: 3, fill: color }));
      }
    });
    for (const mark of markers) {
      if (!isFinite(mark.x) || !isFinite(mark.y)) continue;
      chart.append(svg("circle", { cx: fx(mark.x), cy: fy(mark.y), r: 6, fill: "none", stroke: mark.color || "#e05d5d", "stroke-width": 2, class: "knee" }));
      const right = fx(mark.x) > width * 0.7; // label on the left near the right edge
      const label = svg("text", { x: fx(mark.x) + (right ? -8 : 8), y: fy(mark.y) - 8, class: "mark",
                                  "text-anchor": right ? "end" : "start" });
      label.textContent = mark.label;
      chart.append(label);
    }
    const legend = el("div", { class: "legend" });
    series.forEach((s, i) => {
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = s.color || COLORS[i % COLORS.length];
      legend.append(el("span", {}, swatch, s.name));
    });
    return el("div", { class: "chart-box" }, chart, legend);
  };

  // bars: [[label, value], ...]
  const barChart = ({ bars, xLabel, yLabel, width = 360, height = 180 }) => {
    const pad = { left: 52, right: 16, top: 22, bottom: 34 };
    const yMax = niceMax(Math.max(0, ...bars.map((b) => b[1])));
    const fy = (y) => height - pad.bottom - (height - pad.top - pad.bottom) * (y / yMax);
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart bars", role: "img" });
    for (let i = 0; i <= 4; i++) {
      const y = (yMax * i) / 4;
      chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: fy(y), y2: fy(y), class: "grid" }));
      const label = svg("text", { x: pad.left - 4, y: fy(y) + 4, class: "tick", "text-anchor": "end" });
      label.textContent = shortNumber(y);
      chart.append(label);
    }
    const slot = (width - pad.left - pad.right) / Math.max(1, bars.length);
    bars.forEach(([label, value], i) => {
      const x = pad.left + i * slot + slot * 0.15;
      const rect = svg("rect", { x, y: fy(value), width: slot * 0.7, height: Math.max(0, fy(0) - fy(value)) });
      const title = svg("title");
      title.textContent = `${value} batch(es) of ${label} row(s)`;
      rect.append(title);
      const text = svg("text", { x: x + slot * 0.35, y: height - pad.bottom + 14, class: "tick", "text-anchor": "middle" });
      text.textContent = String(label);
      chart.append(rect, text);
    });
    const yl = svg("text", { x: 4, y: 12, class: "axis" });
    yl.textContent = yLabel;
    const xl = svg("text", { x: (pad.left + width - pad.right) / 2, y: height - 4, class: "axis", "text-anchor": "middle" });
    xl.textContent = xLabel;
    chart.append(yl, xl);
    return el("div", { class: "chart-box" }, chart);
  };

  // ---- the model view ------------------------------------------------------------------
  const renderModelView = () => {
    if (!selected) return;
    const key = keyOf(selected.name, selected.version);
    const row = rows().find(([k]) => k === key);
    const state = row ? row[1].state : "UNKNOWN";
    const stateLine = $("model-view-state");
    stateLine.replaceChildren(el("span", { class: `badge ${state.toLowerCase()}`, text: state }));
    if (row && row[1].reason) stateLine.append(" ", el("span", { class: "reason", text: row[1].reason }));
    $("model-actions").hidden = controlMode !== "explicit";
    const points = modelHistory.get(key) || [];
    const t0 = points.length ? points[points.length - 1].t : 0;
    const series = (field) => points.filter((p) => p[field] !== null).map((p) => [p.t - t0, p[field]]);
    const timeRange = [-HISTORY, 0];
    $("chart-rate").replaceChildren(lineChart({
      series: [{ name: "req/s", points: series("rate") }], xLabel: "seconds (0: now)", yLabel: "req/s",
      xRange: timeRange, width: 360, height: 180,
    }));
    $("chart-latency").replaceChildren(lineChart({
      series: [{ name: "queue p99", points: series("queueP99") }, { name: "compute p99", points: series("computeP99") }],
      xLabel: "seconds (0: now)", yLabel: "µs", xRange: timeRange, width: 360, height: 180,
    }));
    const d = samples.length ? derive(key) : null;
    const batches = d ? [...d.batches.entries()].sort((a, b) => a[0] - b[0]) : [];
    $("chart-batches").replaceChildren(barChart({ bars: batches, xLabel: "batch size (rows)", yLabel: "batches" }));
  };

  const loadModelDetails = async () => {
    if (!selected) return;
    const { name, version } = selected;
    const show = async (id, path) => {
      const reply = await call("GET", path);
      if (!selected || selected.name !== name || selected.version !== version) return;
      $(id).textContent = reply.ok ? JSON.stringify(reply.json, null, 2) : errorText(reply);
    };
    await Promise.all([show("model-config", `${modelPath(name, version)}/config`),
                       show("model-metadata", modelPath(name, version))]);
  };

  const openModel = (name, version) => {
    selected = { name, version };
    location.hash = `model/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
    $("model-view").hidden = false;
    $("model-view-name").textContent = version ? `${name} (version ${version})` : name;
    $("model-config").textContent = "…";
    $("model-metadata").textContent = "…";
    $("model-action-result").textContent = "";
    renderModelView();
    renderTable();
    loadModelDetails();
  };

  const closeModel = () => {
    selected = null;
    $("model-view").hidden = true;
    window.history.replaceState(null, "", location.pathname);
    renderTable();
  };

  const modelAction = async (action) => {
    if (!selected) return;
    const name = selected.name;
    const result = $("model-action-result");
    result.textContent = `${action}ing ${name}…`;
    // A load of a loaded model reloads it: the repository API has no separate reload.
    const verb = action === "unload" ? "unload" : "load";
    const reply = await call("POST", `/v2/repository/models/${encodeURIComponent(name)}/${verb}`, {});
    result.textContent = reply.ok ? `${action}: done` : `${action} failed: ${errorText(reply)}`;
    result.className = reply.ok ? "dim" : "bad";
    poll();
    loadModelDetails();
  };

  // ---- polling -------------------------------------------------------------------------
  const setStatus = (text, bad = false) => {
    const status = $("status");
    status.textContent = text;
    status.className = bad ? "bad" : "";
  };

  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      // A token without the admin role is refused the index: ask again only with a new token
      // (each refusal is counted and logged by the server).
      const [stateReply, indexReply] = await Promise.all([
        call("GET", "/v2/console/state"),
        indexRefusedFor === token ? Promise.resolve(null) : call("POST", "/v2/repository/index", {})]);
      if (!stateReply.ok) {
        setStatus(stateReply.status === 401 || stateReply.status === 403
          ? `${errorText(stateReply)} — enter a token above` : errorText(stateReply), true);
        return;
      }
      const state = stateReply.json;
      bucketsNs = state.duration_buckets_ns;
      controlMode = state.server.model_control_mode;
      if (indexReply && indexReply.ok) {
        index = indexReply.json;
        indexNote = "";
      } else if (indexReply) {
        index = null;
        indexNote = `(ready versions only: the repository index answered ${indexReply.status}: ${errorText(indexReply)})`;
        if (indexReply.status === 401 || indexReply.status === 403) indexRefusedFor = token;
      }
      const models = new Map(state.models.map((m) => [keyOf(m.name, m.version), m]));
      if (samples.length && state.server.uptime_s < samples[samples.length - 1].uptime) {
        samples = []; // the server restarted
        modelHistory.clear();
      }
      samples.push({ uptime: state.server.uptime_s, cpu: state.server.cpu_s, models });
      while (samples.length > 2 && samples[samples.length - 1].uptime - samples[0].uptime > PERCENTILE_WINDOW_S + 1) {
        samples.shift();
      }
      for (const key of models.keys()) {
        const d = derive(key);
        const points = modelHistory.get(key) || [];
        points.push({ t: state.server.uptime_s, rate: d.rate, queueP99: d.queue[1] === null ? null : d.queue[1] / 1000,
                      computeP99: d.compute[1] === null ? null : d.compute[1] / 1000 });
        if (points.length > HISTORY) points.shift();
        modelHistory.set(key, points);
      }
      renderProcess(state);
      renderTable();
      renderModelView();
      setStatus(`updated ${new Date().toLocaleTimeString()}`);
      document.body.dataset.updates = String((+document.body.dataset.updates || 0) + 1);
    } catch (error) {
      setStatus(`cannot reach the server: ${error.message}`, true);
    } finally {
      polling = false;
    }
  };

  // Polls only while the tab is visible: a hidden or closed console costs the server nothing.
  const schedule = () => {
    clearInterval(timer);
    timer = null;
    if (document.visibilityState === "visible") {
      poll();
      timer = setInterval(poll, POLL_MS);
    }
  };

  // ---- dropped benchmark reports -------------------------------------------------------
  const benchCard = (title, ...content) => {
    const close = el("button", { type: "button", class: "close", title: "remove", text: "×" });
    const card = el("div", { class: "bench-card" }, el("h3", {}, title, close), ...content);
    close.addEventListener("click", () => card.remove());
    return card;
  };

  // tensord-bench --json: latency against throughput, one point per load level.
  const showBenchRun = (doc, fileName) => {
    const points = doc.points || [];
    const sorted = [...points].sort((a, b) => a.inferences_per_sec - b.inferences_per_sec);
    const line = (field) => sorted.map((p) => [p.inferences_per_sec, p.latency_us ? p.latency_us[field] : NaN]);
    const mode = doc.mode === "request_rate" ? "rate" : "concurrency";
    const best = points.reduce((a, b) => (b.inferences_per_sec > (a ? a.inferences_per_sec : -1) ? b : a), null);
    const table = el("table", { class: "small" }, el("tr", {},
      el("th", { text: mode }), el("th", { text: "inferences/s" }), el("th", { text: "p50 µs" }),
      el("th", { text: "p99 µs" }), el("th", { text: "avg batch" }), el("th", { text: "stable" })));
    for (const p of points) {
      table.append(el("tr", {}, el("td", { text: String(p.load) }),
        el("td", { class: "num", text: p.inferences_per_sec.toFixed(1) }),
        el("td", { class: "num", text: p.latency_us.p50.toFixed(0) }),
        el("td", { class: "num", text: p.latency_us.p99.toFixed(0) }),
        el("td", { class: "num", text: p.server ? p.server.avg_batch.toFixed(2) : "–" }),
        el("td", { text: p.stable ? "yes" : "no" })));
    }
    return benchCard(
      `${fileName}: ${doc.model} over ${doc.backend}, ${mode} sweep`,
      lineChart({
        series: [{ name: "p50", points: line("p50"), dots: true }, { name: "p99", points: line("p99"), dots: true }],
        xLabel: "throughput (inferences/s)", yLabel: "latency µs",
        markers: best ? [{ x: best.inferences_per_sec, y: best.latency_us.p99, label: `max at ${mode} ${best.load}` }] : [],
      }),
      table);
  };

  // tensord-bench saturate --json: per worker count, throughput and p99 against concurrency,
  // with each sweep's knee marked, and the one-worker / n-worker comparison.
  const showSaturate = (doc, fileName) => {
    const sweeps = doc.sweeps || [];
    const throughput = sweeps.map((s) => ({
      name: `${s.workers} worker(s)`, dots: true, points: s.points.map((p) => [p.concurrency, p.inferences_per_sec]) }));
    const latency = sweeps.map((s) => ({
      name: `${s.workers} worker(s)`, dots: true, points: s.points.map((p) => [p.concurrency, p.p99_us]) }));
    const knees = (field) => sweeps.flatMap((s, i) => {
      if (s.knee_concurrency === null || s.knee_concurrency === undefined) return [];
      const p = s.points.find((q) => q.concurrency === s.knee_concurrency);
      return p ? [{ x: p.concurrency, y: p[field], label: `knee ${s.workers}w`, color: COLORS[i % COLORS.length] }] : [];
    });
    const one = sweeps[0], n = sweeps[sweeps.length - 1];
    const summary = el("ul", { class: "summary" });
    if (one && n) {
      summary.append(el("li", { text: `one worker: max ${one.max_inferences_per_sec.toFixed(1)} inferences/s at concurrency ${one.max_at_concurrency} (p99 ${one.p99_at_max_us.toFixed(0)} µs)` }));
      if (n !== one) {
        const gain = one.max_inferences_per_sec > 0 ? n.max_inferences_per_sec / one.max_inferences_per_sec : 0;
        summary.append(el("li", { text: `${n.workers} workers: max ${n.max_inferences_per_sec.toFixed(1)} inferences/s at concurrency ${n.max_at_concurrency} (p99 ${n.p99_at_max_us.toFixed(0)} µs), ${gain.toFixed(2)}× one worker` }));
      }
      for (const s of sweeps) {
        summary.append(el("li", { text: `${s.workers} worker(s): knee ${s.knee_concurrency === null ? "not reached" : `at concurrency ${s.knee_concurrency}`}` }));
      }
    }
    if (doc.recommendation) {
      const r = doc.recommendation;
      summary.append(el("li", { class: "recommendation", text: `recommended: parallel_workers ${r.parallel_workers}, max_batch_size ${r.max_batch_size}, max_batch_time ${Number(r.max_batch_time_ms).toFixed(2)} ms` }));
    }
    return benchCard(
      `${fileName}: saturate ${doc.model} over ${doc.backend} (${doc.usable_cores} usable cores)`,
      el("div", { class: "charts" },
        lineChart({ series: throughput, xLabel: "concurrency", yLabel: "inferences/s", xLog: true, markers: knees("inferences_per_sec") }),
        lineChart({ series: latency, xLabel: "concurrency", yLabel: "p99 µs", xLog: true, markers: knees("p99_us") })),
      summary);
  };

  const showBenchReport = (doc, fileName) => {
    let card;
    if (doc && Array.isArray(doc.sweeps)) card = showSaturate(doc, fileName);
    else if (doc && Array.isArray(doc.points)) card = showBenchRun(doc, fileName);
    else {
      card = benchCard(`${fileName}: not a tensord-bench report`,
        el("p", { class: "bad", text: "expected the --json output of tensord-bench (\"points\") or of tensord-bench saturate (\"sweeps\")" }));
    }
    $("bench-reports").prepend(card);
    return card;
  };

  const readFiles = (files) => {
    for (const file of files) {
      file.text().then((text) => {
        let doc = null;
        try { doc = JSON.parse(text); } catch (e) { doc = null; }
        showBenchReport(doc, file.name);
      });
    }
  };

  // ---- wiring --------------------------------------------------------------------------
  $("token").value = token;
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    if (token) sessionStorage.setItem("tensord-token", token);
    else sessionStorage.removeItem("tensord-token");
    poll();
    loadModelDetails();
  });
  $("model-view-close").addEventListener("click", closeModel);
  for (const button of document.querySelectorAll("#model-actions button")) {
    button.addEventListener("click", () => modelAction(button.dataset.action));
  }
  $("bench-file").addEventListener("change", (event) => readFiles(event.target.files));
  document.addEventListener("dragover", (event) => { event.preventDefault(); document.body.classList.add("dropping"); });
  document.addEventListener("dragleave", () => document.body.classList.remove("dropping"));
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    document.body.classList.remove("dropping");
    readFiles(event.dataTransfer.files);
  });
  document.addEventListener("visibilitychange", schedule);
  const hash = location.hash.match(/^#model\/([^/]*)\/(.*)$/);
  if (hash) openModel(decodeURIComponent(hash[1]), decodeURIComponent(hash[2]));
  window.tensordConsole = { showBenchReport, openModel, poll };
  schedule();
})();
