// SVG charts, drawn from data (no library).
const NS = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function svg(width, height, label) {
  return el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
}

export const STATE_COLOURS = {
  ok: "#2e7d32", warning: "#e0a800", failing: "#c62828", stale: "#8e44ad",
  unreachable: "#546e7a", no_plans: "#9e9e9e", unknown: "#9e9e9e",
};

// One horizontal bar split by state: how the fleet's plans stand.
export function stateBar(counts, label) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0) || 1;
  const s = svg(800, 46, label);
  let x = 0;
  for (const [state, n] of Object.entries(counts)) {
    if (!n) continue;
    const w = (n / total) * 800;
    const r = el("rect", { x, y: 0, width: w, height: 28, fill: STATE_COLOURS[state] || "#999" }, s);
    el("title", {}, r).textContent = `${state}: ${n}`;
    if (w > 50) {
      const t = el("text", { x: x + 6, y: 19, fill: "#fff", "font-size": 13 }, s);
      t.textContent = `${state} ${n}`;
    }
    x += w;
  }
  const t = el("text", { x: 0, y: 44, "font-size": 11, fill: "#555" }, s);
  t.textContent = `${total} plans`;
  return s;
}

// Backups of one plan over `days` days: a mark per backup, coloured by
// outcome, at its start time.
export function timeline(ops, nowMs, days, label) {
  const width = 800, height = 34, span = days * 86400000, from = nowMs - span;
  const s = svg(width, height, label);
  el("rect", { x: 0, y: 4, width, height: 20, fill: "#eef0f3" }, s);
  for (let d = 0; d <= days; d += 5) {
    const x = (d / days) * width;
    el("line", { x1: x, x2: x, y1: 4, y2: 24, stroke: "#cfd4da" }, s);
    const t = el("text", { x: Math.min(x, width - 40), y: 33, "font-size": 9, fill: "#666" }, s);
    t.textContent = d === days ? "now" : `-${days - d}d`;
  }
  for (const op of ops) {
    const start = Number(op.unixTimeStartMs || 0);
    if (start < from) continue;
    const x = ((start - from) / span) * width;
    const colour = op.status === "STATUS_SUCCESS" ? STATE_COLOURS.ok
      : op.status === "STATUS_WARNING" ? STATE_COLOURS.warning
      : op.status === "STATUS_ERROR" ? STATE_COLOURS.failing : "#90a4ae";
    const r = el("rect", { x: x - 1.5, y: 4, width: 3, height: 20, fill: colour }, s);
    el("title", {}, r).textContent = `${new Date(start).toISOString()} ${op.status}`;
  }
  return s;
}

// A trend: points (x = time, y = value) as a line with dots and a y scale.
export function trend(points, format, label) {
  const width = 420, height = 160, pad = 44;
  const s = svg(width, height, label);
  const t = el("text", { x: pad, y: 12, "font-size": 12, fill: "#333" }, s);
  t.textContent = label;
  if (points.length === 0) {
    el("text", { x: pad, y: 80, "font-size": 12, fill: "#777" }, s).textContent = "no backups yet";
    return s;
  }
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs) || 1, y1 = Math.max(...ys, 1);
  const px = (x) => pad + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - pad - 8);
  const py = (y) => height - 20 - (y / y1) * (height - 40);
  el("line", { x1: pad, x2: width - 8, y1: height - 20, y2: height - 20, stroke: "#bbb" }, s);
  el("line", { x1: pad, x2: pad, y1: 18, y2: height - 20, stroke: "#bbb" }, s);
  el("text", { x: 2, y: py(y1) + 4, "font-size": 10, fill: "#555" }, s).textContent = format(y1);
  el("text", { x: 2, y: height - 16, "font-size": 10, fill: "#555" }, s).textContent = format(0);
  el("polyline", {
    points: points.map((p) => `${px(p[0])},${py(p[1])}`).join(" "),
    fill: "none", stroke: "#1976d2", "stroke-width": 2,
  }, s);
  for (const p of points) el("circle", { cx: px(p[0]), cy: py(p[1]), r: 2.5, fill: "#1976d2" }, s);
  return s;
}
