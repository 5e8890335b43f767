// Charts with the locally served plotly.min.js; without it, a small table stands in (never a blank box).
// Every chart has a title, axis titles and units: the bundled plotly.js needs `title: {text: ...}`, so plain
// strings are converted here. A chart with no data is hidden with its heading (the caller says why).
"use strict";
const Charts = {
  layout(extra = {}) {
    const out = { margin: { l: 60, r: 20, t: 40, b: 55 }, height: 280, font: { family: "system-ui, sans-serif", size: 13 },
      legend: { orientation: "h", y: -0.3 }, ...extra };
    for (const [k, v] of Object.entries(out)) {
      if (/^[xy]axis\d*$/.test(k) && v && typeof v.title === "string") out[k] = { ...v, title: { text: v.title } };
    }
    if (typeof out.title === "string") out.title = { text: out.title, x: 0, xanchor: "left", font: { size: 14 } };
    return out;
  },
  hide(id) {
    const box = document.getElementById(id);
    if (!box) return;
    box.hidden = true;
    const h = box.previousElementSibling;
    if (h && /^H[2-4]$/.test(h.tagName)) h.hidden = true;
  },
  plot(id, traces, layout, note) {
    const box = document.getElementById(id);
    if (!box) return false;
    const usable = traces.filter((t) => (t.y || t.x || []).some((v) => v !== null && v !== undefined));
    if (!usable.length) { Charts.hide(id); return false; }
    if (window.Plotly) {
      window.Plotly.newPlot(box, usable, Charts.layout(layout), { displayModeBar: false, responsive: true, staticPlot: false });
    } else {
      const tbl = GR.el("table", {}, GR.el("caption", { class: "sr-only", text: box.getAttribute("aria-label") || "" }));
      for (const t of usable) {
        const xs = t.x || t.y.map((_, i) => i + 1);
        tbl.append(GR.el("tr", {}, GR.el("th", { scope: "row", text: t.name || "" }), GR.el("td", { text: xs.map((x, i) => `${x}: ${GR.fmt(t.y[i])}`).join(", ") })));
      }
      box.replaceChildren(tbl);
    }
    if (note) box.after(GR.el("p", { class: "muted", text: note }));
    return true;
  },
};
window.Charts = Charts;
