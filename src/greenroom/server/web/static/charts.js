// Charts with the locally served plotly.min.js; without it, a small table stands in (never a blank box).
"use strict";
const Charts = {
  layout(extra = {}) {
    return { margin: { l: 50, r: 20, t: 10, b: 45 }, height: 260, font: { family: "system-ui, sans-serif", size: 13 },
      legend: { orientation: "h", y: -0.25 }, ...extra };
  },
  plot(id, traces, layout, note) {
    const box = document.getElementById(id);
    if (!box) return;
    const usable = traces.filter((t) => (t.y || t.x || []).length);
    if (!usable.length) { box.replaceChildren(GR.el("p", { class: "muted", text: note || "Not measured in this session." })); box.style.minHeight = "0"; return; }
    if (window.Plotly) {
      window.Plotly.newPlot(box, traces, Charts.layout(layout), { displayModeBar: false, responsive: true, staticPlot: false });
    } else {
      const tbl = GR.el("table", {}, GR.el("caption", { class: "sr-only", text: box.getAttribute("aria-label") || "" }));
      for (const t of usable) {
        const xs = t.x || t.y.map((_, i) => i + 1);
        tbl.append(GR.el("tr", {}, GR.el("th", { scope: "row", text: t.name || "" }), GR.el("td", { text: xs.map((x, i) => `${x}: ${GR.fmt(t.y[i])}`).join(", ") })));
      }
      box.replaceChildren(tbl);
    }
    if (note) box.after(GR.el("p", { class: "muted", text: note }));
  },
};
window.Charts = Charts;
