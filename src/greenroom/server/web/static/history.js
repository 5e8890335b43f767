// History: scores and delivery figures over time, and the list of sessions (open, delete).
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  let data;
  try { data = await GR.api("/history"); } catch (e) { GR.banner(e.message, "error"); return; }
  const rows = data.sessions;
  const x = rows.map((r) => new Date(r.created_at * 1000).toISOString());
  Charts.plot("chart-scores", [
    { x, y: rows.map((r) => r.technical_score), mode: "lines+markers", name: "technical (0–10)" },
    { x, y: rows.map((r) => r.response_quality), mode: "lines+markers", name: "response quality (0–10)" },
  ].filter((t) => t.y.some((v) => v !== null)), { yaxis: { range: [0, 10.5] } }, rows.length ? "" : "No sessions yet.");
  Charts.plot("chart-delivery", [
    { x, y: rows.map((r) => r.wpm), mode: "lines+markers", name: "wpm" },
    { x, y: rows.map((r) => r.fillers_per_min), mode: "lines+markers", name: "fillers/min", yaxis: "y2" },
    { x, y: rows.map((r) => r.eye_contact_ratio === null ? null : r.eye_contact_ratio * 100), mode: "lines+markers", name: "eye contact %", yaxis: "y2" },
  ].filter((t) => t.y.some((v) => v !== null)), { yaxis: { title: "wpm" }, yaxis2: { overlaying: "y", side: "right", title: "fillers/min, %" } },
  "Spoken answers only; eye contact needs the camera.");
  const body = $("sessions").tBodies[0];
  $("empty").hidden = rows.length > 0;
  for (const r of [...rows].reverse()) {
    const del = GR.el("button", { class: "secondary", "aria-label": `Delete the session of ${GR.when(r.created_at)}`, text: "Delete" });
    del.addEventListener("click", async () => {
      if (!confirm("Delete this session for good?")) return;
      try { await GR.api(`/sessions/${r.id}`, { method: "DELETE" }); tr.remove(); $("empty").hidden = body.rows.length > 0; }
      catch (e) { GR.banner(e.message, "error"); }
    });
    const tr = GR.el("tr", { "data-id": r.id },
      GR.el("td", {}, GR.el("a", { href: `/report?id=${r.id}`, text: GR.when(r.created_at) })),
      GR.el("td", { text: `${r.track || "–"} / ${r.role || "–"}${r.status === "in_progress" ? " (unfinished)" : ""}` }),
      GR.el("td", { text: r.turns }), GR.el("td", { text: GR.fmt(r.technical_score) }), GR.el("td", { text: GR.fmt(r.response_quality) }),
      GR.el("td", { text: GR.fmt(r.wpm, 0) }), GR.el("td", { text: GR.fmt(r.fillers_per_min) }),
      GR.el("td", { text: r.eye_contact_ratio === null ? "–" : Math.round(r.eye_contact_ratio * 100) + "%" }), GR.el("td", {}, del));
    body.append(tr);
  }
})();
