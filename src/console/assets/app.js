// rmq console: one page, routed on the URL fragment (#/topics/NAME) or path (/topics/NAME),
// drawing from the JSON API under /api/. No framework: DOM strings with escaping.
"use strict";

const main = document.getElementById("main");
let readOnly = false;
let refreshTimer = null;

function esc(v) {
  return String(v == null ? "" : v).replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
function num(v, digits) {
  if (v == null) return "-";
  return typeof v === "number" && digits != null ? v.toFixed(digits) : String(v);
}
function time(ms) {
  return ms > 0 ? new Date(ms).toISOString().replace("T", " ").replace("Z", "") : "-";
}
function enc(s) { return encodeURIComponent(s); }

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  let data = null;
  try { data = await r.json(); } catch (e) { data = { error: r.statusText }; }
  if (!r.ok) throw new Error((data && data.error) || r.statusText);
  return data;
}

function confirmDialog(text) {
  return new Promise((resolve) => {
    const d = document.getElementById("dialog");
    document.getElementById("dialog-text").textContent = text;
    d.hidden = false;
    const done = (v) => { d.hidden = true; ok.onclick = cancel.onclick = null; resolve(v); };
    const ok = document.getElementById("dialog-ok");
    const cancel = document.getElementById("dialog-cancel");
    ok.onclick = () => done(true);
    cancel.onclick = () => done(false);
  });
}

function showError(el, e) {
  el.innerHTML = `<div class="error">${esc(e.message || e)}</div>`;
}

// ---------------------------------------------------------------------------- routing

function currentRoute() {
  let h = location.hash.replace(/^#/, "");
  if (!h || h === "/") h = location.pathname === "/" ? "/overview" : location.pathname + location.search;
  const [path, query] = h.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] || "overview", arg: parts[1], params: new URLSearchParams(query || "") };
}

function route() {
  if (refreshTimer) { clearInterval(refreshTimer); refreshTimer = null; }
  const r = currentRoute();
  document.querySelectorAll("#nav a").forEach((a) =>
    a.classList.toggle("active", a.dataset.page === r.page));
  const pages = { overview, topics, groups, messages, dlq };
  (pages[r.page] || overview)(r);
}

window.addEventListener("hashchange", route);

// --------------------------------------------------------------------------- overview

async function overview() {
  main.innerHTML = `<h1>Overview</h1><div class="muted" id="updated"></div><div id="overview"></div>`;
  const draw = async () => {
    const box = document.getElementById("overview");
    if (!box) return;
    try {
      const d = await api("GET", "/api/overview");
      const rows = d.brokers.map((b) => `<tr data-broker="${esc(b.brokerName)}">
        <td>${esc(b.cluster)}</td><td>${esc(b.brokerName)}</td><td class="num">${b.brokerId}</td>
        <td>${esc(b.brokerAddr)}</td><td>${esc(b.role)}</td><td>${esc(b.version || (b.error ? "unreachable" : "-"))}</td>
        <td class="num">${num(b.inTps, 2)}</td><td class="num">${num(b.outTps, 2)}</td>
        <td>${b.diskUse == null ? "-" : `<span class="bar" style="width:${Math.round(b.diskUse * 80)}px"></span> ${(b.diskUse * 100).toFixed(1)}%`}</td>
        <td>${esc(haText(b))}</td><td class="error">${esc(b.error || "")}</td></tr>`).join("");
      box.innerHTML = `<p>Name servers: ${esc(d.nameServers.join("; "))}</p>
        <table id="brokers"><thead><tr><th>cluster</th><th>broker</th><th class="num">id</th><th>address</th>
        <th>role</th><th>version</th><th class="num">in TPS</th><th class="num">out TPS</th><th>disk use</th><th>replication</th><th></th></tr></thead>
        <tbody>${rows || `<tr><td colspan="11" class="muted">no broker registered</td></tr>`}</tbody></table>`;
      document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString() + " (refreshes every 5 s)";
    } catch (e) { showError(box, e); }
  };
  await draw();
  refreshTimer = setInterval(draw, 5000);
}

function haText(b) {
  if (b.haMasterAddr) return "from " + b.haMasterAddr;
  if (b.haSlaveCount == null) return "-";
  if (b.haSlaveCount === 0) return "no slave";
  return `${b.haSlaveCount} slave(s), ${b.haBehindBytes == null ? "-" : b.haBehindBytes} bytes behind`;
}

// ----------------------------------------------------------------------------- topics

async function topics(r) {
  if (r.arg) return topicDetail(r.arg);
  main.innerHTML = `<h1>Topics</h1>
    <div class="toolbar"><input id="topic-search" placeholder="search topics" value="${esc(r.params.get("q") || "")}">
      <label><input type="checkbox" id="show-system"> system topics</label></div>
    <div class="panel write"><b>Create or update a topic</b>
      <div class="toolbar"><input id="new-topic" placeholder="topic name">
        <label>read queues <input id="new-read" type="number" value="8" min="1" style="width:70px"></label>
        <label>write queues <input id="new-write" type="number" value="8" min="1" style="width:70px"></label>
        <label>perm <select id="new-perm"><option value="6">RW</option><option value="4">R</option><option value="2">W</option></select></label>
        <button class="primary" id="create-topic">Create / update</button></div>
      <div id="create-result"></div></div>
    <div id="topic-list-box">loading…</div>`;
  let list = [];
  const draw = () => {
    const q = document.getElementById("topic-search").value.toLowerCase();
    const sys = document.getElementById("show-system").checked;
    const rows = list.filter((t) => (sys || !t.system) && t.topic.toLowerCase().includes(q))
      .map((t) => `<tr><td><a href="#/topics/${enc(t.topic)}">${esc(t.topic)}</a></td><td>${t.system ? "system" : ""}</td></tr>`).join("");
    document.getElementById("topic-list-box").innerHTML =
      `<table id="topic-list"><thead><tr><th>topic</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  };
  document.getElementById("topic-search").oninput = draw;
  document.getElementById("show-system").onchange = draw;
  document.getElementById("create-topic").onclick = async () => {
    const out = document.getElementById("create-result");
    try {
      const d = await api("POST", "/api/topics", {
        topic: document.getElementById("new-topic").value.trim(),
        readQueueNums: +document.getElementById("new-read").value,
        writeQueueNums: +document.getElementById("new-write").value,
        perm: +document.getElementById("new-perm").value,
      });
      out.innerHTML = `<span class="ok">topic ${esc(d.topic)} ${d.brokers.map((b) => esc(b.brokerName + ": " + b.status)).join(", ")}</span>`;
      list = (await api("GET", "/api/topics")).topics;
      draw();
    } catch (e) { showError(out, e); }
  };
  try { list = (await api("GET", "/api/topics")).topics; draw(); }
  catch (e) { showError(document.getElementById("topic-list-box"), e); }
}

async function topicDetail(name) {
  main.innerHTML = `<h1>Topic ${esc(name)}</h1><div id="topic-detail">loading…</div>`;
  const box = document.getElementById("topic-detail");
  let d;
  try { d = await api("GET", `/api/topics/${enc(name)}`); } catch (e) { return showError(box, e); }
  const route = d.brokers.map((b) => `<tr><td>${esc(b.brokerName)}</td><td>${esc(b.cluster)}</td>
    <td>${esc(Object.entries(b.brokerAddrs || {}).map(([id, a]) => id + "=" + a).join(", "))}</td>
    <td class="num">${b.readQueueNums}</td><td class="num">${b.writeQueueNums}</td><td>${esc(b.permString)}</td></tr>`).join("");
  const queues = d.queues.map((q) => `<tr><td>${esc(q.brokerName)}</td><td class="num">${q.queueId}</td>
    <td class="num">${q.minOffset}</td><td class="num">${q.maxOffset}</td><td>${time(q.lastUpdateTimestamp)}</td></tr>`).join("");
  box.innerHTML = `<h2>Route</h2><table id="route"><thead><tr><th>broker</th><th>cluster</th><th>addresses</th>
      <th class="num">read queues</th><th class="num">write queues</th><th>perm</th></tr></thead><tbody>${route}</tbody></table>
    <h2>Queues</h2><table id="queues"><thead><tr><th>broker</th><th class="num">queue</th><th class="num">min offset</th>
      <th class="num">max offset</th><th>last update</th></tr></thead><tbody>${queues}</tbody></table>
    ${d.errors.map((e) => `<div class="error">${esc(e.brokerName)}: ${esc(e.error)}</div>`).join("")}
    <h2>Consumer groups</h2><p>${d.consumerGroups.map((g) => `<a href="#/groups/${enc(g)}">${esc(g)}</a>`).join(", ") || '<span class="muted">none</span>'}</p>
    <p><a href="#/messages?topic=${enc(name)}">Browse messages</a></p>
    <div class="panel write"><b>Send a test message</b>
      <div class="toolbar"><input id="send-tags" placeholder="tags"><input id="send-keys" placeholder="keys (space separated)"></div>
      <textarea id="send-body" placeholder="body">hello from rmq console</textarea>
      <div class="toolbar"><button class="primary" id="send">Send</button></div><div id="send-result"></div></div>
    <div class="panel write"><b>Update</b> (on the brokers of its route)
      <div class="toolbar"><label>read queues <input id="upd-read" type="number" min="1" style="width:70px" value="${d.brokers[0] ? d.brokers[0].readQueueNums : 8}"></label>
        <label>write queues <input id="upd-write" type="number" min="1" style="width:70px" value="${d.brokers[0] ? d.brokers[0].writeQueueNums : 8}"></label>
        <label>perm <select id="upd-perm">${[[6, "RW"], [4, "R"], [2, "W"]].map(([v, t]) =>
          `<option value="${v}" ${d.brokers[0] && (d.brokers[0].perm & 6) === v ? "selected" : ""}>${t}</option>`).join("")}</select></label>
        <button class="primary" id="update-topic">Update</button></div><div id="update-result"></div></div>
    <div class="panel write"><b>Delete</b> <button class="danger" id="delete-topic">Delete topic ${esc(name)}</button>
      <div id="delete-result"></div></div>`;
  document.getElementById("send").onclick = async () => {
    const out = document.getElementById("send-result");
    try {
      const s = await api("POST", `/api/topics/${enc(name)}/send`, {
        body: document.getElementById("send-body").value,
        tags: document.getElementById("send-tags").value || null,
        keys: document.getElementById("send-keys").value || null,
      });
      out.innerHTML = `<span class="ok">sent ${esc(s.msgId)} to ${esc(s.brokerName)} queue ${s.queueId} offset ${s.queueOffset} (${esc(s.status)})</span>`;
    } catch (e) { showError(out, e); }
  };
  document.getElementById("update-topic").onclick = async () => {
    const out = document.getElementById("update-result");
    try {
      const u = await api("POST", "/api/topics", {
        topic: name,
        brokers: d.brokers.map((b) => b.brokerName),
        readQueueNums: +document.getElementById("upd-read").value,
        writeQueueNums: +document.getElementById("upd-write").value,
        perm: +document.getElementById("upd-perm").value,
      });
      out.innerHTML = `<span class="ok">updated on ${esc(u.brokers.map((b) => b.brokerName).join(", "))}</span>`;
    } catch (e) { showError(out, e); }
  };
  document.getElementById("delete-topic").onclick = async () => {
    if (!(await confirmDialog(`Delete topic ${name} from every broker and name server? Its messages can no longer be consumed.`))) return;
    const out = document.getElementById("delete-result");
    try {
      await api("DELETE", `/api/topics/${enc(name)}`);
      out.innerHTML = `<span class="ok">deleted</span>`;
      location.hash = "#/topics";
    } catch (e) { showError(out, e); }
  };
}

// ----------------------------------------------------------------------------- groups

async function groups(r) {
  if (r.arg) return groupDetail(r.arg);
  main.innerHTML = `<h1>Consumer groups</h1>
    <div class="toolbar"><input id="group-search" placeholder="search groups">
      <label><input type="checkbox" id="show-system-groups"> system groups</label></div>
    <div id="group-list-box">loading…</div>`;
  let list = [];
  const draw = () => {
    const q = document.getElementById("group-search").value.toLowerCase();
    const sys = document.getElementById("show-system-groups").checked;
    const rows = list.filter((g) => (sys || !g.system) && g.groupName.toLowerCase().includes(q))
      .map((g) => `<tr><td><a href="#/groups/${enc(g.groupName)}">${esc(g.groupName)}</a></td><td>${esc(g.brokers.join(", "))}</td>
        <td class="num">${g.lag}</td><td class="num">${num(g.consumeTps, 2)}</td><td class="num">${g.clients}</td></tr>`).join("");
    document.getElementById("group-list-box").innerHTML = `<table id="group-list"><thead><tr><th>group</th><th>brokers</th>
      <th class="num">lag</th><th class="num">consume TPS</th><th class="num">clients</th></tr></thead><tbody>${rows}</tbody></table>`;
  };
  document.getElementById("group-search").oninput = draw;
  document.getElementById("show-system-groups").onchange = draw;
  try {
    const d = await api("GET", "/api/groups");
    list = d.groups;
    draw();
    document.getElementById("group-list-box").insertAdjacentHTML("beforeend",
      d.errors.map((e) => `<div class="error">${esc(e.brokerName)}: ${esc(e.error)}</div>`).join(""));
  }
  catch (e) { showError(document.getElementById("group-list-box"), e); }
}

async function groupDetail(name) {
  main.innerHTML = `<h1>Consumer group ${esc(name)}</h1><div id="group-detail">loading…</div>`;
  const box = document.getElementById("group-detail");
  let d;
  try { d = await api("GET", `/api/groups/${enc(name)}`); } catch (e) { return showError(box, e); }
  const topicsOf = [...new Set(d.queues.map((q) => q.topic).concat(d.subscriptions))].filter((t) => !t.startsWith("%RETRY%"));
  const rows = d.queues.map((q) => `<tr><td>${esc(q.topic)}</td><td>${esc(q.brokerName)}</td><td class="num">${q.queueId}</td>
    <td class="num">${q.brokerOffset}</td><td class="num">${q.consumerOffset}</td><td class="num">${q.lag}</td><td>${time(q.lastTimestamp)}</td></tr>`).join("");
  const conns = d.connections.map((c) => `<tr><td>${esc(c.clientId)}</td><td>${esc(c.clientAddr)}</td><td>${esc(c.language)}</td><td class="num">${c.version}</td></tr>`).join("");
  const mode = d.messageModel ? ` · ${esc(d.messageModel)} ${esc(d.consumeType || "")}` : "";
  box.innerHTML = `<p>lag <b id="group-lag">${d.lag}</b> · consume TPS ${num(d.consumeTps, 2)}${mode}
      · <a href="#/dlq/${enc(name)}">dead letters</a></p>
    <h2>Progress</h2><table id="progress"><thead><tr><th>topic</th><th>broker</th><th class="num">queue</th><th class="num">broker offset</th>
      <th class="num">consumer offset</th><th class="num">lag</th><th>last consumed</th></tr></thead><tbody>${rows || '<tr><td colspan="7" class="muted">no offsets</td></tr>'}</tbody></table>
    <h2>Connected clients</h2><table id="connections"><thead><tr><th>client id</th><th>address</th><th>language</th><th class="num">version</th></tr></thead>
      <tbody>${conns || '<tr><td colspan="4" class="muted">no client online</td></tr>'}</tbody></table>
    <div class="panel write"><b>Reset offsets</b>
      <div class="toolbar"><label>topic <select id="reset-topic">${topicsOf.map((t) => `<option>${esc(t)}</option>`).join("")}</select></label>
        <label>to <select id="reset-to"><option value="earliest">earliest</option><option value="latest">latest (skip backlog)</option><option value="time">time</option></select></label>
        <input id="reset-time" type="datetime-local" step="1">
        <label><input type="checkbox" id="reset-force" checked> move every queue</label>
        <button id="reset-preview">Preview</button><button class="danger" id="reset-apply" disabled>Apply</button></div>
      <div id="reset-plan"></div><div id="reset-result"></div></div>`;
  const request = (dryRun) => {
    const to = document.getElementById("reset-to").value;
    return {
      topic: document.getElementById("reset-topic").value,
      to: to === "time" ? new Date(document.getElementById("reset-time").value).getTime() : to,
      force: document.getElementById("reset-force").checked,
      dryRun,
    };
  };
  const planTable = (p, applied) => `<table id="${applied ? "reset-done" : "reset-plan-table"}"><thead><tr><th>broker</th><th class="num">queue</th>
    <th class="num">range</th><th>old → new</th>${applied ? "<th>mode</th><th class=num>read back</th>" : ""}</tr></thead><tbody>${p.queues.map((q) =>
    `<tr><td>${esc(q.brokerName)}</td><td class="num">${q.queueId}</td><td class="num">${q.minOffset}..${q.maxOffset}</td>
     <td><span class="old">${num(q.currentOffset)}</span> → <span class="new">${q.targetOffset}</span></td>
     ${applied ? `<td>${esc(q.mode)}</td><td class="num">${num(q.readBack)}</td>` : ""}</tr>`).join("")}</tbody></table>`;
  document.getElementById("reset-preview").onclick = async () => {
    const out = document.getElementById("reset-plan");
    try {
      const p = await api("POST", `/api/groups/${enc(name)}/reset`, request(true));
      out.innerHTML = `<p>Preview for ${esc(p.topic)}:</p>` + planTable(p, false);
      document.getElementById("reset-apply").disabled = false;
    } catch (e) { showError(out, e); }
  };
  document.getElementById("reset-apply").onclick = async () => {
    const req = request(false);
    if (!(await confirmDialog(`Reset the offsets of ${name} on ${req.topic} as previewed?`))) return;
    const out = document.getElementById("reset-result");
    try {
      const p = await api("POST", `/api/groups/${enc(name)}/reset`, req);
      out.innerHTML = `<p class="ok" id="reset-applied">Offsets reset.</p>` + planTable(p, true);
    } catch (e) { showError(out, e); }
  };
}

// --------------------------------------------------------------------------- messages

async function messages(r) {
  const p = r.params;
  main.innerHTML = `<h1>Messages</h1>
    <div class="panel"><b>By id</b><div class="toolbar"><input id="q-id" size="40" placeholder="message id (client or offset id)" value="${esc(p.get("id") || "")}">
      <button class="primary" id="find-id">Find</button></div></div>
    <div class="panel"><b>By key</b><div class="toolbar"><input id="q-key-topic" placeholder="topic" value="${esc(p.get("key") ? p.get("topic") || "" : "")}">
      <input id="q-key" placeholder="key" value="${esc(p.get("key") || "")}"><button class="primary" id="find-key">Find</button></div></div>
    <div class="panel"><b>By topic and time</b><div class="toolbar"><input id="q-topic" placeholder="topic" value="${esc(p.get("key") ? "" : p.get("topic") || "")}">
      <label>from <input id="q-begin" type="datetime-local" step="1"></label><label>to <input id="q-end" type="datetime-local" step="1"></label>
      <button class="primary" id="find-range">Find</button></div></div>
    <div id="message-results"></div><div id="message-detail"></div>`;
  const fromLocal = (id) => { const v = document.getElementById(id).value; return v ? new Date(v).getTime() : null; };
  const toLocal = (ms) => { const d = new Date(ms - new Date().getTimezoneOffset() * 60000); return d.toISOString().slice(0, 19); };
  if (p.get("begin")) document.getElementById("q-begin").value = toLocal(+p.get("begin"));
  if (p.get("end")) document.getElementById("q-end").value = toLocal(+p.get("end"));
  const go = (params) => { location.hash = "#/messages?" + new URLSearchParams(params).toString(); };
  document.getElementById("find-id").onclick = () => go({ id: document.getElementById("q-id").value.trim() });
  document.getElementById("find-key").onclick = () => go({ topic: document.getElementById("q-key-topic").value.trim(), key: document.getElementById("q-key").value.trim() });
  document.getElementById("find-range").onclick = () => {
    const q = { topic: document.getElementById("q-topic").value.trim(), page: 0 };
    const b = fromLocal("q-begin"), e = fromLocal("q-end");
    if (b) q.begin = b;
    if (e) q.end = e;
    go(q);
  };
  const query = {};
  for (const k of ["id", "key", "topic", "begin", "end", "page"]) if (p.get(k)) query[k] = p.get(k);
  if (!query.id && !query.topic) return;
  const out = document.getElementById("message-results");
  out.textContent = "searching…";
  try {
    const d = await api("GET", "/api/messages?" + new URLSearchParams(query).toString());
    const rows = d.messages.map((m, i) => `<tr data-index="${i}" class="message-row"><td><a href="javascript:void 0">${esc(m.msgId)}</a></td><td>${esc(m.topic)}</td>
      <td>${esc(m.tags || "")}</td><td>${esc(m.keys || "")}</td><td>${esc(m.brokerName)}/${m.queueId}@${m.queueOffset}</td><td>${time(m.storeTimestamp)}</td>
      <td>${esc(m.body.slice(0, 60))}</td></tr>`).join("");
    const page = +(query.page || 0), pages = Math.max(1, Math.ceil(d.total / d.pageSize));
    const paging = query.id || query.key ? "" : `<div class="toolbar">page ${page + 1} of ${pages} (${d.total} in range)
      <button id="page-prev" ${page <= 0 ? "disabled" : ""}>Previous</button><button id="page-next" ${page + 1 >= pages ? "disabled" : ""}>Next</button></div>`;
    out.innerHTML = `${paging}<table id="message-list"><thead><tr><th>message id</th><th>topic</th><th>tags</th><th>keys</th><th>queue</th><th>stored</th><th>body</th></tr></thead>
      <tbody>${rows || '<tr><td colspan="7" class="muted">no message found</td></tr>'}</tbody></table>`;
    if (paging) {
      document.getElementById("page-prev").onclick = () => go({ ...query, page: page - 1 });
      document.getElementById("page-next").onclick = () => go({ ...query, page: page + 1 });
    }
    out.querySelectorAll(".message-row").forEach((tr) => tr.onclick = () => showMessage(d.messages[+tr.dataset.index]));
    if (d.messages.length === 1) showMessage(d.messages[0]);
  } catch (e) { showError(out, e); }
}

function showMessage(m) {
  const box = document.getElementById("message-detail");
  const props = Object.entries(m.properties).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join("");
  const fields = ["msgId", "offsetMsgId", "topic", "brokerName", "queueId", "queueOffset", "commitLogOffset", "storeSize",
    "bornHost", "storeHost", "reconsumeTimes", "sysFlag", "flag"].map((k) => `<tr><td>${k}</td><td>${esc(m[k])}</td></tr>`).join("");
  box.innerHTML = `<div class="panel" id="message-view"><h2>Message ${esc(m.msgId)}</h2>
    <table><tbody>${fields}<tr><td>bornTimestamp</td><td>${time(m.bornTimestamp)}</td></tr><tr><td>storeTimestamp</td><td>${time(m.storeTimestamp)}</td></tr></tbody></table>
    <h2>Body <select id="body-format"><option value="text">text</option><option value="json">JSON</option><option value="hex">hex</option></select></h2>
    ${m.bodyCompression ? `<div class="error">${esc(m.bodyCompression)}</div>` : ""}<pre id="body-view"></pre>
    <h2>Properties</h2><table id="properties"><tbody>${props}</tbody></table></div>`;
  const render = () => {
    const f = document.getElementById("body-format").value;
    let text = m.body;
    if (f === "json") { try { text = JSON.stringify(JSON.parse(m.body), null, 2); } catch (e) { text = "not JSON: " + e.message; } }
    if (f === "hex") text = m.bodyHex.replace(/(.{2})/g, "$1 ").replace(/((?:.. ){16})/g, "$1\n");
    document.getElementById("body-view").textContent = text;
  };
  document.getElementById("body-format").onchange = render;
  render();
}

// -------------------------------------------------------------------------------- DLQ

async function dlq(r) {
  main.innerHTML = `<h1>Dead-letter queues</h1>
    <div class="toolbar"><input id="dlq-group" placeholder="consumer group" value="${esc(r.arg || "")}"><button class="primary" id="dlq-load">Show</button></div>
    <div id="dlq-box"></div>`;
  document.getElementById("dlq-load").onclick = () => { location.hash = "#/dlq/" + enc(document.getElementById("dlq-group").value.trim()); };
  if (!r.arg) return;
  const box = document.getElementById("dlq-box");
  box.textContent = "loading…";
  let d;
  try { d = await api("GET", `/api/dlq/${enc(r.arg)}`); } catch (e) { return showError(box, e); }
  if (!d.exists) { box.innerHTML = `<p class="muted" id="dlq-empty">${esc(d.topic)} does not exist: no message of ${esc(d.group)} died yet.</p>`; return; }
  const rows = d.messages.map((m) => `<tr><td class="write"><input type="checkbox" class="dlq-pick" value="${esc(m.msgId)}"></td>
    <td>${esc(m.msgId)}</td><td>${esc(m.uniqKey || "")}</td><td>${esc(m.originTopic || "")}</td><td class="num">${m.reconsumeTimes}</td>
    <td>${esc(m.keys || "")}</td><td>${esc(m.tags || "")}</td><td>${time(m.storeTimestamp)}</td></tr>`).join("");
  box.innerHTML = `<p>${esc(d.topic)}: ${d.messages.length} message(s)</p>
    ${d.warnings.map((w) => `<div class="error">${esc(w)}</div>`).join("")}
    <div class="toolbar write"><input id="resend-to" placeholder="to topic (default: origin topic)" size="32"><button id="resend-selected">Resend selected</button><button class="danger" id="resend-all">Resend all</button></div>
    <table id="dlq-list"><thead><tr><th class="write"></th><th>DLQ message id</th><th>client id</th><th>origin topic</th><th class="num">reconsumed</th>
      <th>keys</th><th>tags</th><th>stored</th></tr></thead><tbody>${rows}</tbody></table><div id="resend-result"></div>`;
  const resend = async (body, what) => {
    body.toTopic = document.getElementById("resend-to").value.trim() || null;
    if (!(await confirmDialog(`Send ${what} back to the origin topic?`))) return;
    const out = document.getElementById("resend-result");
    try {
      const s = await api("POST", `/api/dlq/${enc(r.arg)}/resend`, body);
      out.innerHTML = `<p class="ok" id="resent">${s.sent.length} message(s) re-sent</p>` +
        s.sent.map((x) => `<div>${esc(x.dlqMsgId)} → ${esc(x.topic)} ${esc(x.msgId)}</div>`).join("") +
        s.failed.map((x) => `<div class="error">${esc(x.dlqMsgId)}: ${esc(x.error)}</div>`).join("");
    } catch (e) { showError(out, e); }
  };
  document.getElementById("resend-selected").onclick = () => {
    const ids = [...document.querySelectorAll(".dlq-pick:checked")].map((c) => c.value);
    if (ids.length) resend({ ids }, `${ids.length} selected message(s)`);
  };
  document.getElementById("resend-all").onclick = () => resend({ all: true }, `all ${d.messages.length} message(s)`);
}

// ------------------------------------------------------------------------------ start

(async () => {
  try {
    const d = await api("GET", "/api/overview");
    readOnly = d.readOnly;
  } catch (e) { /* the overview page shows the error */ }
  if (readOnly) {
    document.body.classList.add("read-only");
    document.getElementById("mode").textContent = "read-only";
  }
  route();
})();
