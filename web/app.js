// The dashboard: login, then Fleet, Operations and Instance pages, routed
// by the URL's hash (#/fleet, #/ops, #/instance/<id>).
import { Admin, ApiError, Web, setCsrf, stream } from "./api.js";
import { stateBar, timeline, trend } from "./charts.js";

const $ = (id) => document.getElementById(id);
const page = () => $("page");

// An element with attributes and children (strings become text: no HTML
// from data is ever parsed).
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, "");
    else if (v !== false && v != null) e.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c != null) e.append(c instanceof Node ? c : String(c));
  return e;
}

const STATES = ["ok", "warning", "failing", "stale", "unreachable", "no_plans"];
const stateName = (s) => (s || "HEALTH_UNKNOWN").replace("HEALTH_", "").toLowerCase();
const badge = (state) => h("span", { class: `badge s-${state}` }, state.replace("_", " "));

function age(ms, nowMs) {
  if (!ms || ms === "0") return "never";
  const s = Math.max(0, Math.round((nowMs - Number(ms)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
const bytes = (n) => {
  n = Number(n || 0);
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
};
const seconds = (ms) => `${(Number(ms || 0) / 1000).toFixed(1)} s`;
const opStatus = (s) => (s || "STATUS_UNKNOWN").replace("STATUS_", "").toLowerCase();

// ---- Session ----

let events = null;  // the live stream's AbortController
const listeners = new Set();

function startEvents() {
  if (events) return;
  events = new AbortController();
  const run = () => stream("/brs.web.v1.Web/Events", {}, (ev) => {
    if (ev.kind !== "tick") for (const fn of listeners) fn(ev);
  }, events.signal).catch(() => {}).finally(() => {
    if (events && !events.signal.aborted) setTimeout(run, 2000);  // reconnect
  });
  run();
}

function showLogin(message = "") {
  $("nav").hidden = true;
  page().replaceChildren();
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("login-password").value = "";
  $("login-user").focus();
}

async function loggedIn(info) {
  setCsrf(info.csrfToken);
  $("login").hidden = true;
  $("nav").hidden = false;
  startEvents();
  route();
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await loggedIn(await Web("Login", { username: $("login-user").value, password: $("login-password").value }));
  } catch (err) {
    showLogin(err.code === "resource_exhausted" ? "Too many failed logins: wait a minute."
      : "Wrong user name or password.");
  }
});

$("logout").addEventListener("click", async () => {
  try { await Web("Logout", {}); } catch (_) { /* the session is gone either way */ }
  if (events) { events.abort(); events = null; }
  setCsrf("");
  showLogin("Logged out.");
});

// A call that sends the operator back to the login form when the session ended.
async function api(method, body) {
  try {
    return await Admin(method, body);
  } catch (err) {
    if (err instanceof ApiError && (err.code === "unauthenticated" || err.code === "permission_denied")) {
      showLogin("Your session ended: log in again.");
    }
    throw err;
  }
}

// ---- Fleet ----

const fleet = { sort: "state", filter: "", state: "" };
const SEVERITY = { failing: 0, unreachable: 1, stale: 2, warning: 3, unknown: 4, no_plans: 5, ok: 6 };

// The page's controls are made once per visit (so that typing in the
// filter keeps its focus); each update redraws the counts, chart and rows.
async function renderFleet() {
  if (!$("fleet-table")) drawFleetFrame();
  const report = await api("Health", { includeSelf: true });
  if (!$("fleet-table")) return;  // the operator went to another page meanwhile
  fleet.report = report;
  drawFleetData();
}

function drawFleetFrame() {
  const filter = h("input", { id: "fleet-filter", type: "search", value: fleet.filter,
    oninput: (e) => { fleet.filter = e.target.value; drawFleetData(); } });
  const stateSel = h("select", { id: "fleet-state", onchange: (e) => { fleet.state = e.target.value; drawFleetData(); } },
    h("option", { value: "" }, "all"), STATES.map((s) => h("option", { value: s, selected: fleet.state === s }, s.replace("_", " "))));
  const sortButton = (k, label) => h("th", { id: `th-${k}`, "aria-sort": fleet.sort === k ? "ascending" : "none" },
    h("button", { type: "button", id: `sort-${k}`, onclick: () => { fleet.sort = k; drawFleetData(); } }, label));
  page().replaceChildren(
    h("h1", {}, "Fleet"),
    h("ul", { class: "counts", id: "fleet-counts", "aria-label": "Instances by state" }),
    h("div", { class: "chart", id: "fleet-chart" }),
    h("div", { class: "toolbar" },
      h("label", { for: "fleet-filter" }, "Filter instances", filter),
      h("label", { for: "fleet-state" }, "State", stateSel),
      h("span", { class: "live", id: "live", role: "status" }, "")),
    h("table", { id: "fleet-table", "aria-label": "Instances" },
      h("thead", {}, h("tr", {}, sortButton("name", "Instance"), sortButton("state", "State"),
        sortButton("heartbeat", "Last heartbeat"), h("th", {}, "Plans (state, last backup)"))),
      h("tbody", {})));
}

function drawFleetData() {
  const report = fleet.report;
  if (!report || !$("fleet-table")) return;
  const now = Number(report.nowMs);
  const plans = report.plans || [];
  const byInstance = new Map();
  for (const p of plans) {
    if (!byInstance.has(p.instanceId)) byInstance.set(p.instanceId, []);
    byInstance.get(p.instanceId).push(p);
  }
  const instances = (report.instances || []).map((i) => ({ ...i, st: stateName(i.state) }));
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const i of instances) counts[i.st] = (counts[i.st] || 0) + 1;
  const planCounts = Object.fromEntries(STATES.slice(0, 5).map((s) => [s, 0]));
  for (const p of plans) planCounts[stateName(p.state)] = (planCounts[stateName(p.state)] || 0) + 1;

  const q = fleet.filter.toLowerCase();
  const shown = instances.filter((i) => (!fleet.state || i.st === fleet.state) &&
    (!q || i.instanceId.toLowerCase().includes(q)));
  const key = {
    state: (i) => [SEVERITY[i.st] ?? 9, i.instanceId],
    name: (i) => [0, i.instanceId],
    heartbeat: (i) => [-Number(i.lastHeartbeatMs || 0), i.instanceId],
  }[fleet.sort];
  const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
  shown.sort((a, b) => { const x = key(a), y = key(b); return cmp(x[0], y[0]) || cmp(x[1], y[1]); });

  for (const k of ["name", "state", "heartbeat"]) $(`th-${k}`).setAttribute("aria-sort", fleet.sort === k ? "ascending" : "none");
  $("fleet-counts").replaceChildren(...STATES.map((s) =>
    h("li", { class: `b-${s}`, "data-state": s }, h("b", {}, counts[s] || 0), " ", s.replace("_", " "))));
  $("fleet-chart").replaceChildren(stateBar(planCounts, "Plans by health state"));
  $("live").textContent = `${shown.length} of ${instances.length} instances · updated ${new Date(now).toLocaleTimeString()}`;
  // A live redraw keeps the keyboard focus on the same instance's link.
  const focused = document.activeElement?.closest?.("#fleet-table tbody tr")?.dataset.instance;
  $("fleet-table").tBodies[0].replaceChildren(...shown.map((i) => h("tr", { "data-instance": i.instanceId, "data-state": i.st },
    h("td", {}, h("a", { href: `#/instance/${encodeURIComponent(i.instanceId)}` }, i.instanceId),
      i.peerKeyid ? "" : h("small", {}, " (this hub or unknown peer)")),
    h("td", {}, badge(i.st)),
    h("td", {}, i.peerKeyid ? age(i.lastHeartbeatMs, now) : "—"),
    h("td", {}, h("div", { class: "plans" }, (byInstance.get(i.instanceId) || []).map((p) => {
      const ps = stateName(p.state);
      return h("span", { class: `badge s-${ps}`, title: p.reason || "", "data-plan": p.planId },
        `${p.planId}: ${ps}, ${age(p.lastBackupMs, now)} ${opStatus(p.lastStatus)}`);
    }))))));
  if (focused) {
    const row = [...$("fleet-table").tBodies[0].rows].find((r) => r.dataset.instance === focused);
    row?.querySelector("a")?.focus();
  }
  performance.mark("fleet-drawn");  // how long a visit takes to show the fleet (bench/dashboard_browser.sh)
}

// ---- Operations ----

const ops = { instance: "", repo: "", plan: "", status: "", from: "", to: "", limit: 50, pages: [0] };
const OP_STATUSES = { 3: "success", 7: "warning", 4: "error", 2: "in progress", 1: "pending",
  5: "system cancelled", 6: "user cancelled" };

function opRow(op) {
  return h("tr", { "data-op": op.id },
    h("td", {}, op.id), h("td", {}, op.instanceId), h("td", {}, op.repoId), h("td", {}, op.planId),
    h("td", {}, h("span", { class: `badge s-${opStatus(op.status) === "success" ? "ok" : opStatus(op.status) === "error" ? "failing" : "unknown"}` }, opStatus(op.status))),
    h("td", {}, op.unixTimeStartMs ? new Date(Number(op.unixTimeStartMs)).toISOString().replace(".000Z", "Z") : ""),
    h("td", {}, op.displayMessage || ""),
    h("td", {}, op.logref ? h("button", { type: "button", class: "show-log", "aria-label": `Log of operation ${op.id}`,
      onclick: () => showLog(op) }, "Log") : ""));
}
const OP_COLUMNS = ["ID", "Instance", "Repo", "Plan", "Status", "Started", "Message", "Log"];

// An op's log, below the page: from this hub's log store, or fetched from
// the peer that ran it (log transfer over its sync session; a Backrest
// peer cannot serve logs, and the daemon's answer says so).
async function showLog(op) {
  $("op-log")?.remove();
  const text = h("pre", { id: "op-log-text", tabindex: 0, "aria-label": `Log of operation ${op.id}` });
  const status = h("p", { id: "op-log-status", role: "status" }, "Fetching the log…");
  const box = h("section", { id: "op-log", class: "chart", "aria-labelledby": "op-log-title" },
    h("h2", { id: "op-log-title" }, `Log of operation ${op.id} (${op.logref})`), status, text,
    h("button", { type: "button", id: "op-log-close", onclick: () => box.remove() }, "Close log"));
  page().append(box);
  box.scrollIntoView();
  text.focus();
  const decoder = new TextDecoder();
  try {
    await stream("/brs.admin.v1.Admin/FetchLog", { logId: op.logref, peerKeyid: op.originalInstanceKeyid || "" }, (chunk) => {
      const bin = atob(chunk.data || "");
      text.append(decoder.decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)), { stream: true }));
    });
    text.append(decoder.decode());
    status.textContent = `${text.textContent.length} characters`;
  } catch (err) {
    status.className = "error";
    status.textContent = `No log: ${err.message}`;
  }
}

// A live redraw: at most one runs at a time, runs start at least `gapMs`
// apart, and one more follows when events came meanwhile (a burst of
// events, or a fleet of heartbeats, costs one redraw per gap, not one
// each).
function coalesced(fn, gapMs) {
  let running = false, again = false, last = 0;
  const run = () => {
    if (running) { again = true; return; }
    running = true;
    const wait = Math.max(0, last + gapMs - Date.now());
    setTimeout(() => {
      last = Date.now();
      fn().catch(() => {}).finally(() => {
        running = false;
        if (again) { again = false; run(); }
      });
    }, wait);
  };
  return run;
}

// As on the fleet page, the filters are made once per visit and each
// query redraws the rows and the pager (keeping the keyboard focus).
// Only the answer to the latest query is drawn (filters changed quickly
// send queries that may answer out of order).
async function renderOps() {
  if (!$("ops-table")) drawOpsFrame();
  const query = (ops.query = (ops.query || 0) + 1);
  const before = ops.pages[ops.pages.length - 1];
  const res = await api("QueryOperations", { instanceId: ops.instance, repoId: ops.repo, planId: ops.plan,
    pageSize: ops.limit, beforeId: before, status: ops.status ? Number(ops.status) : undefined,
    startAfterMs: ops.from ? Date.parse(ops.from) : undefined, startBeforeMs: ops.to ? Date.parse(ops.to) : undefined });
  if (!$("ops-table") || query !== ops.query) return;
  const list = res.operations || [];
  ops.last = list.length ? Number(list[list.length - 1].id) : 0;
  $("ops-table").tBodies[0].replaceChildren(...list.map(opRow));
  $("ops-newer").disabled = ops.pages.length === 1;
  $("ops-older").disabled = !res.more;
  $("ops-page").textContent = `page ${ops.pages.length}`;
}

function drawOpsFrame() {
  const set = (k) => (e) => { ops[k] = e.target.value.trim(); ops.pages = [0]; renderOps(); };
  const field = (k, label, type = "text") => h("label", { for: `ops-${k}` }, label,
    h("input", { id: `ops-${k}`, type, value: ops[k], onchange: set(k) }));
  page().replaceChildren(
    h("h1", {}, "Operations"),
    h("div", { class: "toolbar", role: "search", "aria-label": "Filter operations" },
      field("instance", "Instance"), field("repo", "Repo"), field("plan", "Plan"),
      h("label", { for: "ops-status" }, "Status", h("select", { id: "ops-status", onchange: set("status") },
        h("option", { value: "" }, "any"),
        Object.entries(OP_STATUSES).map(([v, n]) => h("option", { value: v, selected: ops.status === v }, n)))),
      field("from", "Started from", "datetime-local"), field("to", "Started before", "datetime-local")),
    h("table", { id: "ops-table", "aria-label": "Operations, newest first" },
      h("thead", {}, h("tr", {}, OP_COLUMNS.map((c) => h("th", {}, c)))),
      h("tbody", {})),
    h("div", { class: "pager", role: "navigation", "aria-label": "Pages of operations" },
      h("button", { type: "button", id: "ops-newer", disabled: true,
        onclick: () => { ops.pages.pop(); renderOps(); } }, "Newer"),
      h("span", { id: "ops-page", role: "status" }, `page ${ops.pages.length}`),
      h("button", { type: "button", id: "ops-older", disabled: true,
        onclick: () => { ops.pages.push(ops.last); renderOps(); } }, "Older")));
}

// ---- Instance ----

async function renderInstance(id) {
  const [report, res] = await Promise.all([api("Health", { instanceId: id }),
    api("QueryOperations", { instanceId: id, limit: 2000 })]);
  const now = Number(report.nowMs);
  const list = res.operations || [];
  const backups = list.filter((o) => o.operationBackup);
  const inst = (report.instances || [])[0];
  const sections = (report.plans || []).map((p) => {
    const mine = backups.filter((o) => o.planId === p.planId).reverse();
    const done = mine.filter((o) => Number(o.unixTimeEndMs) > 0 && o.status === "STATUS_SUCCESS");
    return h("section", { class: "chart", "aria-label": `Plan ${p.planId}` },
      h("h2", {}, `Plan ${p.planId} `, badge(stateName(p.state))),
      h("p", {}, `repo ${p.repoId} · last backup ${age(p.lastBackupMs, now)} (${opStatus(p.lastStatus)}) · ` +
        `last success ${age(p.lastSuccessMs, now)} · max age ${Math.round(Number(p.maxAgeS) / 3600)} h (${p.maxAgeFrom})` +
        (p.reason ? ` · ${p.reason}` : "")),
      timeline(mine, now, 30, `Backups of ${p.planId} over the last 30 days`),
      h("div", { class: "charts" },
        trend(done.map((o) => [Number(o.unixTimeStartMs), Number(o.unixTimeEndMs) - Number(o.unixTimeStartMs)]), seconds, "Duration"),
        trend(done.map((o) => [Number(o.unixTimeStartMs),
          Number(o.operationBackup?.lastStatus?.summary?.dataAdded || 0)]), bytes, "Bytes added")));
  });
  page().replaceChildren(
    h("h1", {}, `Instance ${id} `, inst ? badge(stateName(inst.state)) : ""),
    h("p", {}, inst && inst.peerKeyid ? `peer ${inst.peerKeyid} · last heartbeat ${age(inst.lastHeartbeatMs, now)}` : "this hub, or ops of an unknown peer"),
    ...(sections.length ? sections : [h("p", {}, "No plans.")]),
    h("h2", {}, "Recent operations"),
    h("table", { id: "instance-ops", "aria-label": "Recent operations" },
      h("thead", {}, h("tr", {}, OP_COLUMNS.map((c) => h("th", {}, c)))),
      h("tbody", {}, list.slice(0, 20).map(opRow))));
}

// ---- Pairing and peers ----

const GRANT_HELP = "one a line: READ_OPERATIONS:*, READ_CONFIG:repo:r1, …";

async function renderPeers() {
  const t = await api("Trust", {});
  const now = Date.now() / 1000;
  const when = (s) => (Number(s) ? new Date(Number(s) * 1000).toISOString().replace(".000Z", "Z") : "never");
  const result = h("div", { id: "peers-result", role: "status" });
  const form = h("form", { id: "token-form", "aria-label": "New pairing token", class: "toolbar",
    onsubmit: async (e) => {
      e.preventDefault();
      const grants = $("token-grants").value.split(/[\n,]+/).map((g) => g.trim()).filter(Boolean);
      try {
        const r = await api("CreatePairingToken", { label: $("token-label").value, expires: $("token-expires").value,
          maxUses: Number($("token-uses").value || 0), grants });
        const out = h("output", { id: "new-token", for: "token-form" }, r.token);
        result.replaceChildren(h("p", {}, "New token (shown only once; give it to the client: ",
          h("code", {}, "backrest-sync join TOKEN --url URL"), "):"), out, " ",
          h("button", { type: "button", id: "copy-token", onclick: async () => {
            try { await navigator.clipboard.writeText(r.token); result.append(" copied"); }
            catch (_) { getSelection().selectAllChildren(out); }
          } }, "Copy"));
        await renderPeersTables(result);
      } catch (err) { result.replaceChildren(h("p", { class: "error", role: "alert" }, err.message)); }
    } },
    h("label", { for: "token-label" }, "Label", h("input", { id: "token-label", required: true })),
    h("label", { for: "token-expires" }, "Expires after (e.g. 7d; empty: never)", h("input", { id: "token-expires", value: "7d" })),
    h("label", { for: "token-uses" }, "Max uses (0: unlimited)", h("input", { id: "token-uses", type: "number", min: 0, value: 1 })),
    h("label", { for: "token-grants" }, `Grants (${GRANT_HELP})`, h("textarea", { id: "token-grants", rows: 2 }, "READ_OPERATIONS:*")),
    h("button", { type: "submit", id: "token-create" }, "Create token"));
  const change = async (fn) => {
    try { await fn(); await renderPeersTables(result); } catch (err) {
      result.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
    }
  };
  const tables = h("div", { id: "peers-tables" });
  page().replaceChildren(h("h1", {}, "Pairing and peers"), form, result, tables, pushForm(t));
  renderPeersTables.draw = (tr) => {
    tables.replaceChildren(
      h("h2", {}, "Pairing tokens"),
      h("table", { id: "tokens-table", "aria-label": "Pairing tokens" },
        h("thead", {}, h("tr", {}, ["Label", "Fingerprint", "Created", "Expires", "Uses", "Grants", ""].map((c) => h("th", {}, c)))),
        h("tbody", {}, (tr.tokens || []).map((k) => h("tr", { "data-fingerprint": k.fingerprint },
          h("td", {}, k.label), h("td", {}, h("code", {}, k.fingerprint)), h("td", {}, when(k.createdAtUnix)),
          h("td", {}, when(k.expiresAtUnix), Number(k.expiresAtUnix) && Number(k.expiresAtUnix) < now ? " (expired)" : ""),
          h("td", {}, `${k.uses || 0} / ${k.maxUses || "∞"}`), h("td", {}, (k.grants || []).join(" ")),
          h("td", {}, h("button", { type: "button", "aria-label": `Revoke token ${k.label}`,
            onclick: () => change(() => api("RevokePairingToken", { fingerprint: k.fingerprint })) }, "Revoke")))))),
      h("h2", {}, "Authorized clients"),
      h("table", { id: "clients-table", "aria-label": "Authorized clients" },
        h("thead", {}, h("tr", {}, ["Instance", "Key ID", "Session", "Grants", ""].map((c) => h("th", {}, c)))),
        h("tbody", {}, (tr.clients || []).map((c) => {
          const grants = h("input", { value: (c.grants || []).join(" "), "aria-label": `Grants of ${c.instanceId}`, size: 40 });
          return h("tr", { "data-client": c.instanceId, "data-keyid": c.keyid },
            h("td", {}, c.instanceId), h("td", {}, h("code", {}, c.keyid)),
            h("td", {}, c.connected ? badge("ok") : badge("unreachable")),
            h("td", {}, grants, h("button", { type: "button", "aria-label": `Save grants of ${c.instanceId}`,
              onclick: () => change(() => api("SetClientGrants", { keyid: c.keyid, grants: grants.value.split(/\s+/).filter(Boolean) })) }, "Save")),
            h("td", {}, h("button", { type: "button", class: "revoke-client", "aria-label": `Revoke client ${c.instanceId}`,
              onclick: (e) => {
                // Two steps: the first press asks, the second revokes.
                if (e.target.dataset.armed) return change(() => api("RevokeClient", { keyid: c.keyid }));
                e.target.dataset.armed = "1";
                e.target.textContent = "Confirm revoke (its session ends)";
              } }, "Revoke")));
        }))),
      h("h2", {}, "Known hosts"),
      h("table", { id: "hosts-table", "aria-label": "Known hosts" },
        h("thead", {}, h("tr", {}, ["Instance", "Key ID", "URL", "Session"].map((c) => h("th", {}, c)))),
        h("tbody", {}, (tr.knownHosts || []).map((k) => h("tr", {},
          h("td", {}, k.instanceId), h("td", {}, h("code", {}, k.keyid || "")), h("td", {}, k.url || ""),
          h("td", {}, k.pending ? "not paired yet" : k.connected ? badge("ok") : badge("unreachable")))))));
  };
  renderPeersTables.last = JSON.stringify(t);
  renderPeersTables.draw(t);
}
// Push config to a connected client (SetRemoteClientConfig, as `config
// push`): repos as a JSON array of Backrest repos, IDs of repos and plans
// to delete; the client's outcome (applied, or refused and why) is shown
// once it answers (up to 10 s). Drawn once per visit, so live redraws of
// the tables keep what is being typed.
function pushForm(t) {
  const out = h("div", { id: "push-result", role: "status" });
  const words = (id) => $(id).value.split(/[\s,]+/).filter(Boolean);
  return h("form", { id: "push-form", "aria-labelledby": "push-title", class: "chart",
    onsubmit: async (e) => {
      e.preventDefault();
      let repos = [];
      try {
        const text = $("push-repos").value.trim();
        repos = text ? JSON.parse(text) : [];
        if (!Array.isArray(repos)) throw new Error("not an array");
      } catch (err) {
        out.replaceChildren(h("p", { class: "error", role: "alert" }, `Repos: not a JSON array of repos (${err.message})`));
        return;
      }
      const peer = $("push-peer").value;
      const name = $("push-peer").selectedOptions[0]?.textContent || peer;
      out.replaceChildren(h("p", {}, `Pushing to ${name}…`));
      try {
        const r = await api("PushConfig", { request: { peerKeyid: peer, repos,
          reposToDelete: words("push-delete-repos"), plansToDelete: words("push-delete-plans") }, waitMs: 10000 });
        const outcome = r.outcome === "OUTCOME_APPLIED" ? "applied" : r.outcome === "OUTCOME_REFUSED" ? "refused" : "no outcome yet";
        out.replaceChildren(h("p", { "data-outcome": outcome, class: outcome === "refused" ? "error" : "" },
          `${outcome === "applied" ? "Applied by" : outcome === "refused" ? "Refused by" : "Sent to"} ${name}` +
          (r.message ? `: ${r.message}` : "")));
      } catch (err) {
        out.replaceChildren(h("p", { class: "error", role: "alert", "data-outcome": "error" }, err.message));
      }
    } },
    h("h2", { id: "push-title" }, "Push config to a client"),
    h("div", { class: "toolbar" },
      h("label", { for: "push-peer" }, "Client", h("select", { id: "push-peer", required: true },
        (t.clients || []).map((c) => h("option", { value: c.keyid }, c.instanceId)))),
      h("label", { for: "push-repos" }, "Repos to create or update (JSON array)",
        h("textarea", { id: "push-repos", rows: 3, cols: 50, placeholder: '[{"id":"b2","uri":"b2:bucket","guid":"…"}]' })),
      h("label", { for: "push-delete-repos" }, "Repo IDs to delete", h("input", { id: "push-delete-repos" })),
      h("label", { for: "push-delete-plans" }, "Plan IDs to delete", h("input", { id: "push-delete-plans" })),
      h("button", { type: "submit", id: "push-submit" }, "Push")),
    out);
}

// Redrawn on peer events only when what it shows changed (heartbeats do
// not), so that a grants field being edited keeps its text and focus.
async function renderPeersTables(force = true) {
  const t = await api("Trust", {});
  const text = JSON.stringify(t);
  if (!force && text === renderPeersTables.last) return;
  renderPeersTables.last = text;
  renderPeersTables.draw(t);
}

// ---- Routing ----

let rendering = Promise.resolve();
function route() {
  const hash = location.hash || "#/fleet";
  for (const a of document.querySelectorAll("nav a")) {
    a.toggleAttribute("aria-current", hash.startsWith(a.getAttribute("href")));
    if (a.hasAttribute("aria-current")) a.setAttribute("aria-current", "page");
  }
  listeners.clear();
  let render;
  if (hash.startsWith("#/ops")) render = renderOps;
  else if (hash.startsWith("#/peers")) render = renderPeers;
  else if (hash.startsWith("#/instance/")) {
    const id = decodeURIComponent(hash.slice("#/instance/".length));
    render = () => renderInstance(id);
  } else render = renderFleet;
  rendering = render().catch((err) => page().replaceChildren(h("p", { class: "error", role: "alert" }, err.message)));
  // Live pages: redrawn on each change (one redraw at a time). The ops
  // page only while it shows the newest ops (a page further back stays
  // as it is, or its rows would shift under the reader).
  // A redraw still pending when the operator moved on is dropped.
  const visit = ++route.visits;
  const after = (fn, gapMs) => coalesced(() => (visit === route.visits ? rendering.then(fn) : Promise.resolve()), gapMs);
  if (render === renderPeers) {
    const redraw = after(() => renderPeersTables(false), 1000);
    listeners.add((ev) => { if (ev.kind === "peers") redraw(); });
  }
  if (render === renderFleet) listeners.add(after(renderFleet, 2000));
  if (render === renderOps) {
    const redraw = after(renderOps, 1000);
    listeners.add((ev) => { if (ev.kind === "ops" && ops.pages.length === 1) redraw(); });
  }
}
route.visits = 0;
window.addEventListener("hashchange", () => { if (!$("nav").hidden) route(); });

// A reload keeps the session: ask for its CSRF token again.
Web("Session", {}).then(loggedIn, () => showLogin());
