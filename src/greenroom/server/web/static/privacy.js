// Privacy: what is kept, retention, export, delete one session, delete everything.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const load = async () => {
    const p = await GR.api("/privacy");
    $("kept").replaceChildren(...p.kept.map((k) => GR.el("li", { text: k })));
    $("never").replaceChildren(...p.never_stored.map((k) => GR.el("li", { text: k })));
    $("retention").value = p.retention_days;
    $("purge").textContent = `Expired data is purged at start and every ${Math.round(p.purge_interval_s / 60)} minutes.`;
    const rows = await GR.api("/sessions");
    const body = $("sessions").tBodies[0];
    body.replaceChildren();
    $("empty").hidden = rows.length > 0;
    for (const r of rows) {
      const del = GR.el("button", { class: "secondary", text: "Delete", "aria-label": `Delete the session of ${GR.when(r.created_at)}` });
      del.addEventListener("click", async () => {
        if (!confirm("Delete this session for good?")) return;
        try { await GR.api(`/sessions/${r.id}`, { method: "DELETE" }); await load(); } catch (e) { GR.banner(e.message, "error"); }
      });
      body.append(GR.el("tr", { "data-id": r.id }, GR.el("td", {}, GR.el("a", { href: `/report?id=${r.id}`, text: GR.when(r.created_at) })),
        GR.el("td", { text: `${r.track || "–"} / ${r.role || "–"}` }),
        GR.el("td", { text: r.expires_at ? new Date(r.expires_at * 1000).toLocaleDateString() : "–" }),
        GR.el("td", {}, GR.el("a", { href: `/api/sessions/${r.id}/export`, text: "Export", download: true }), " ", del)));
    }
  };
  try { await load(); } catch (e) { GR.banner(e.message, "error"); return; }
  $("retention-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await GR.api("/privacy/retention", { method: "PUT", json: { retention_days: Number($("retention").value) } });
      GR.banner(`Saved: new sessions are deleted after ${r.retention_days} days.`, "warn");
    } catch (e) { GR.banner(e.message, "error"); }
  });
  $("delete-all").addEventListener("click", async () => {
    if (!confirm("Delete ALL your Greenroom data for good?")) return;
    try { const r = await GR.api("/delete-all", { method: "POST", json: { confirm: true } }); GR.banner(`Deleted ${r.deleted_sessions} sessions and every recording.`, "warn"); await load(); }
    catch (e) { GR.banner(e.message, "error"); }
  });
})();
