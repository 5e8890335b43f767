// History: scores and delivery figures over time, and the list of sessions (open, delete).
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  let data;
  try { data = await GR.api("/history"); } catch (e) { GR.banner(e.message, "error"); return; }
  const rows = data.sessions;
  // one chart per measure, each with one y axis in one unit; sessions are numbered in time order
  const x = rows.map((r, i) => `${i + 1} · ${new Date(r.created_at * 1000).toLocaleDateString()}`);
  const xaxis = { title: "session (number · date)", type: "category" };
  const say = (id, text) => { const box = $(id); if (box && box.hidden) box.before(GR.el("p", { class: "muted", text })); };
  Charts.plot("chart-scores", [
    { x, y: rows.map((r) => r.technical_score), mode: "lines+markers", name: "technical" },
    { x, y: rows.map((r) => r.response_quality), mode: "lines+markers", name: "response quality" },
  ], { title: "Scores per session", xaxis, yaxis: { title: "score (0–10)", range: [0, 10.5] } });
  say("chart-scores", rows.length ? "No graded sessions yet." : "No sessions yet.");
  Charts.plot("chart-wpm", [{ x, y: rows.map((r) => r.wpm), mode: "lines+markers", name: "speaking rate" }],
    { title: "Speaking rate per session", xaxis, yaxis: { title: "words per minute", rangemode: "tozero" }, showlegend: false });
  Charts.plot("chart-fillers", [{ x, y: rows.map((r) => r.fillers_per_min), mode: "lines+markers", name: "fillers" }],
    { title: "Filler words per session", xaxis, yaxis: { title: "fillers per minute", rangemode: "tozero" }, showlegend: false });
  Charts.plot("chart-eye", [{ x, y: rows.map((r) => r.eye_contact_ratio === null || r.eye_contact_ratio === undefined ? null : Math.round(r.eye_contact_ratio * 100)), mode: "lines+markers", name: "eye contact" }],
    { title: "Eye contact per session", xaxis, yaxis: { title: "looking at the camera (%)", range: [0, 105] }, showlegend: false });
  if ($("chart-wpm").hidden && $("chart-fillers").hidden && $("chart-eye").hidden) say("chart-eye", "Delivery is measured in spoken interviews (eye contact needs the camera); none yet.");
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
