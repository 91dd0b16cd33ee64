// simkit workshop pages: live updates by websocket, the capacity meter, forms sent as JSON.
// Every page works without this script (plain forms); with it, nothing reloads.
"use strict";
(function () {
  const body = document.body;
  const fragmentUrl = body.dataset.fragment;
  // a team page redraws when the round or the results change, not at every other team's
  // submission; the instructor's page redraws at every change (who submitted, too)
  const team = body.dataset.page === "team";
  const keyOf = (m) => (team ? [m.phase, m.round, m.closed, m.results].join("|") : m.version);
  let version = body.dataset.version || "";
  let drawn = null;  // the key of the state the page shows
  const status = document.getElementById("connection");

  function say(text, kind, field) {
    const box = document.getElementById("message");
    if (!box) return;
    box.textContent = text;          // textContent: a message is never HTML
    box.className = "message " + (kind || "");
    document.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
    if (field) {
      const el = document.getElementById("f-" + String(field).replace(".", "-"));
      if (el) el.classList.add("invalid");
    }
  }

  async function refresh() {
    const live = document.getElementById("live");
    if (!fragmentUrl || !live) return;
    const r = await fetch(fragmentUrl, { credentials: "same-origin" });
    if (r.ok) {
      live.innerHTML = await r.text();  // server-rendered, escaped by Jinja
      const state = live.querySelector("[data-version]");
      if (state) body.dataset.phase = state.dataset.phase;
      const settings = document.getElementById("settings");
      if (settings && state && state.dataset.phase !== "setup") settings.hidden = true;
    }
  }

  function connect() {
    if (!fragmentUrl) return;
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    let ping = null;
    let fresh = true;  // the first message after (re)connecting: was anything missed?
    ws.onopen = () => {
      if (status) status.textContent = "live";
      ping = setInterval(() => ws.readyState === 1 && ws.send("ping"), 25000);
    };
    ws.onmessage = (event) => {
      const m = JSON.parse(event.data);
      if (m.type !== "state") return;
      const key = keyOf(m);
      const stale = fresh ? m.version !== version : key !== drawn;
      fresh = false;
      version = m.version;
      body.dataset.version = version;
      if (stale) refresh();
      drawn = key;
    };
    ws.onclose = () => {
      clearInterval(ping);
      if (status) status.textContent = "reconnecting…";
      setTimeout(connect, 1000 + Math.random() * 2000);
    };
  }

  async function send(form, extra) {
    const r = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    let data = {};
    try { data = await r.json(); } catch (e) { data = { error: "the server answered " + r.status }; }
    return { ok: r.ok, data: data, ...extra };
  }

  // the decision form: save without reloading; the capacity meter follows every change
  const decisions = document.getElementById("decision-form");
  if (decisions) {
    decisions.addEventListener("submit", async (event) => {
      event.preventDefault();
      say("Saving…", "");
      const { ok, data } = await send(decisions);
      if (ok) { say(data.message, "ok"); refresh(); }
      else say(data.error, "error", data.field);
    });
    let timer = null;
    const meter = document.getElementById("capacity-meter");
    const text = document.getElementById("capacity-text");
    async function updateMeter() {
      const r = await fetch("/team/planned", {
        method: "POST", body: new FormData(decisions),
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const h = await r.json();
      if (!r.ok) { text.textContent = h.error; meter.value = 0; return; }
      meter.value = h.total_share;
      text.textContent = Math.round(h.expected_total) + " h of " + Math.round(h.capacity) +
        " h (" + h.total_share + " %): " + Math.round(h.proactive) + " h proactive";
      document.getElementById("capacity").classList.toggle("over", h.total_share > 100);
    }
    decisions.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(updateMeter, 150); });
    decisions.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(updateMeter, 50); });
  }

  // the instructor's buttons and settings: forms marked data-ajax, sent as JSON
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.dataset || !form.dataset.ajax) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const buttons = document.querySelectorAll("#round-controls button");
    buttons.forEach((b) => (b.disabled = true));
    say(form.dataset.busy || "Working…", "");
    const { ok, data } = await send(form);
    if (ok) say("Done: " + data.action + ".", "ok");
    else say(data.error, "error", data.field);
    await refresh();
  });

  connect();
})();
