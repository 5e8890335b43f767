// The set-up page: options from /api/options, the privacy notice, and POST /api/interviews.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const errBox = $("form-error");
  const showError = (msg) => { errBox.textContent = msg; errBox.hidden = false; errBox.focus(); };
  let opts;
  try { opts = await GR.api("/options"); } catch (e) { showError(e.message); return; }
  const fill = (sel, values, def) => {
    for (const v of values) sel.append(GR.el("option", { value: v, text: v.replace(/-/g, " "), selected: v === def }));
  };
  fill($("track"), opts.tracks, "technical");
  fill($("role"), opts.roles, "general");
  fill($("difficulty"), opts.difficulties, "medium");
  $("questions").max = opts.max_questions;
  for (const k of opts.privacy.kept) $("kept").append(GR.el("li", { text: k }));
  for (const k of opts.privacy.never_stored) $("never").append(GR.el("li", { text: k }));
  $("retention").textContent = opts.privacy.retention_days;
  GR.degraded(opts.degraded);

  $("resume_file").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    try {
      const r = await GR.api("/uploads/text", { method: "POST", body: file, headers: { "content-type": "text/plain" } });
      $("resume").value = r.text;
    } catch (e) { showError("Could not load the file: " + e.message); ev.target.value = ""; }
  });

  $("setup").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    errBox.hidden = true;
    if (!$("consent").checked) { showError("Please read the privacy notice and tick the consent box."); $("consent").focus(); return; }
    const voice = document.querySelector("input[name=mode]:checked").value === "voice";
    const body = {
      track: $("track").value, role: $("role").value, difficulty: $("difficulty").value,
      questions: Number($("questions").value), job_description: $("job_description").value, resume: $("resume").value,
      camera: $("camera").checked, voice, consent: true, training_consent: $("training_consent").checked,
    };
    $("start").disabled = true;
    try {
      const r = await GR.api("/interviews", { method: "POST", json: body });
      location.href = r.room;
    } catch (e) { showError(e.message); $("start").disabled = false; }
  });
})();
