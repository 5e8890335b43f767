// Shared helpers for every page: API calls with the session cookie, errors as banners, small DOM helpers.
"use strict";
const GR = {
  async api(path, opts = {}) {
    const init = { credentials: "same-origin", headers: {}, ...opts };
    if (opts.json !== undefined) {
      init.body = JSON.stringify(opts.json);
      init.headers["content-type"] = "application/json";
    }
    const r = await fetch("/api" + path, init);
    const type = r.headers.get("content-type") || "";
    const body = type.includes("json") ? await r.json() : await r.text();
    if (!r.ok) {
      const msg = (body && body.detail) ? body.detail + (body.hint ? " " + body.hint : "") : ("HTTP " + r.status);
      const err = new Error(msg); err.status = r.status; err.body = body; throw err;
    }
    return body;
  },
  el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") e.textContent = v; else if (k === "class") e.className = v; else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) { if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c)); }
    return e;
  },
  banner(text, kind = "warn", where = "banners", key = null) {
    // each banner once: the same text (or key) is not shown twice
    const box = document.getElementById(where) || document.body;
    for (const old of box.querySelectorAll(".banner")) if (old.textContent === text || (key && old.dataset.key === key)) return old;
    const b = GR.el("div", { class: "banner" + (kind === "error" ? " error" : ""), role: kind === "error" ? "alert" : "status", text });
    if (key) b.dataset.key = key;
    box.append(b);
    return b;
  },
  clearBanners(kind = "error", where = "banners") {
    const box = document.getElementById(where);
    if (box) for (const b of box.querySelectorAll(kind === "error" ? ".banner.error" : ".banner")) b.remove();
  },
  degraded(notes) {
    const box = document.getElementById("banners");
    if (!box) return;
    for (const n of notes || []) {
      if (box.querySelector(`[data-code="${n.code}"]`)) continue;
      const b = GR.banner(n.detail, "warn"); b.dataset.code = n.code;
    }
  },
  when(ts) { return new Date(ts * 1000).toLocaleString(); },
  fmt(x, digits = 1) { return (x === null || x === undefined) ? "–" : Number(x).toFixed(digits); },
  param(name) { return new URLSearchParams(location.search).get(name); },
};
window.GR = GR;
