// The report page: scores, key points, strengths and improvements, better-answer outlines, the redacted
// transcript with fillers highlighted, delivery charts and the practice plan.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const id = GR.param("id");
  let data;
  try { data = await GR.api(`/sessions/${id}`); } catch (e) {
    const gone = e.status === 404;
    GR.banner(gone ? "This session no longer exists: it was deleted or has expired. Your other sessions are on the History page." : e.message, "error");
    $("overall-body").replaceChildren(GR.el("p", {}, GR.el("a", { href: "/history", text: "Go to your history" }), " or ", GR.el("a", { href: "/", text: "start a new interview" }), "."));
    for (const sel of ["#q-h", "#d-h", "#plan"]) { const n = document.querySelector(sel); if (n) (n.closest("section") || n).hidden = true; }
    $("export").hidden = true; $("delete").hidden = true;
    return;
  }
  const report = data.report || {};
  const turns = data.turns || [];
  const meta = data.meta || {};
  $("meta").textContent = `${meta.track || ""} · ${meta.role || ""} · ${meta.difficulty || ""} · ${GR.when(data.created_at)} · deleted automatically on ${new Date(data.expires_at * 1000).toLocaleDateString()}`;
  $("export").href = `/api/sessions/${id}/export`;
  if (!data.report) GR.banner("This interview is not finished: the report covers the answers given so far, without grades.", "warn");

  const list = (items) => {
    if (!items || !items.length) return GR.el("p", { class: "muted", text: "–" });
    const ul = GR.el("ul", { class: "tight" });
    for (const it of items) ul.append(GR.el("li", { text: typeof it === "string" ? it : JSON.stringify(it) }));
    return ul;
  };
  const pick = (obj, ...keys) => { for (const k of keys) if (obj && obj[k] !== undefined && obj[k] !== null) return obj[k]; return undefined; };

  // overall
  const overall = report.overall && typeof report.overall === "object" ? report.overall : report;
  const tech = pick(overall, "technical_score", "overall_technical", "technical");
  const qual = pick(overall, "response_quality", "overall_quality", "quality");
  const box = GR.el("div", { class: "grid2" },
    GR.el("div", {}, GR.el("div", { class: "score", id: "score-technical", text: GR.fmt(tech) }), "Technical score (0–10)"),
    GR.el("div", {}, GR.el("div", { class: "score", id: "score-quality", text: GR.fmt(qual) }), "Response quality (0–10)"));
  const top = pick(report, "top_improvements", "top_improvement_areas", "improvement_areas");
  $("overall-body").replaceChildren(box, GR.el("h3", { text: "Top areas to improve" }), list(top));
  // what the scores leave out, said as it is: skipped questions, failed grades, degraded parts
  const rnotes = (Array.isArray(report.notes) ? report.notes : []).filter(Boolean);
  if (rnotes.length) $("overall-body").append(GR.el("h3", { text: "Notes on this report" }), list(rnotes));

  // per question
  const fillerWords = new Set();
  for (const t of turns) for (const f of ((t.delivery_metrics || {}).fillers || [])) fillerWords.add(f.text.toLowerCase().replace(/[^\w' ]/g, ""));
  ["um", "uh", "erm", "er", "hmm", "uhm", "umm"].forEach((w) => fillerWords.add(w));
  const esc = (w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // Fillers Whisper wrote and restarts are marked in the text; fillers only heard in the audio (Whisper did not
  // write them) are listed after it with their times.
  const highlight = (text, d) => {
    const p = GR.el("p", { class: "transcript" });
    const restarts = ((d || {}).restarts || []).map((r) => r.text).filter((t) => t && t !== "(redacted)");
    const words = [...fillerWords].filter(Boolean).sort((a, b) => b.length - a.length).map(esc);
    const re = new RegExp(`${restarts.length ? `(${restarts.map(esc).join("|")})|` : ""}\\b(${words.join("|")})\\b`, "gi");
    let last = 0;
    for (const m of (text || "").matchAll(re)) {
      const restart = restarts.length && m[1];
      p.append(text.slice(last, m.index), GR.el("mark", restart ? { class: "restart", text: m[0], title: "restart or repetition" } : { class: "filler", text: m[0], title: "filler" }));
      last = m.index + m[0].length;
    }
    p.append((text || "").slice(last));
    const heard = ((d || {}).fillers || []).filter((f) => f.source === "acoustic");
    if (heard.length) p.append(" ", GR.el("span", { class: "muted" }, "Heard but not written: ", ...heard.map((f) => GR.el("mark", { class: "heard", text: `${f.text} (${GR.fmt(f.start)} s)`, title: "filled pause heard in the audio" }))));
    return p;
  };
  const eyeMethod = (f) => f.eye_contact_calibrated ? "calibrated" : f.eye_contact_method === "clip_mode" ? "baseline from the recording" : "uncalibrated";
  const groups = [];
  for (const t of turns) {
    const last = groups[groups.length - 1];
    if (last && t.question_id && last.id === t.question_id) last.turns.push(t);
    else groups.push({ id: t.question_id, turns: [t] });
  }
  groups.forEach((grp, i) => {
    const g = (grp.turns.find((t) => t.grade) || {}).grade || {};
    const card = GR.el("article", { class: "card", "aria-labelledby": `q${i}` },
      GR.el("h3", { id: `q${i}`, text: `${i + 1}. ${grp.turns[0].question}` }),
      GR.el("p", {}, GR.el("span", { class: "pill", text: `Technical ${GR.fmt(g.technical_score)}` }),
        GR.el("span", { class: "pill", text: `Quality ${GR.fmt(g.response_quality)}` }),
        GR.el("span", { class: "pill", text: grp.turns[0].source === "voice" ? "spoken" : grp.turns[0].source === "skipped" ? "skipped" : "typed" })));
    const result = (report.questions || []).find((q) => q.question_id === grp.id);
    if (result && result.status && result.status !== "graded") card.append(GR.el("p", { class: "muted", text: `Not scored: ${result.status}.` }));
    grp.turns.forEach((t, k) => {
      if (k > 0) card.append(GR.el("h4", { text: `Follow-up: ${t.question}` }));
      card.append(GR.el("h4", { class: "sr-only", text: "Your answer" }),
        GR.el("p", { class: "muted", text: "Your answer (names and contacts redacted; fillers and restarts highlighted):" }), highlight(t.answer, t.delivery_metrics));
      const d = t.delivery_metrics;
      const v = (t.vision_metrics || {}).face;
      if (d) card.append(GR.el("p", { class: "delivery" }, `Pace ${GR.fmt(d.wpm, 0)} wpm · ${d.pause_count} pauses (longest ${GR.fmt(d.pause_longest_s)} s) · ${d.filler_count} fillers (${GR.fmt(d.fillers_per_min)}/min) · ${d.restart_count || 0} restarts · pitch variation ${GR.fmt(d.pitch_sd_st)} st`));
      else if (t.delivery_note) card.append(GR.el("p", { class: "muted", text: `Delivery: ${t.delivery_note}` }));
      if (v) card.append(GR.el("p", { class: "vision" }, `Eye contact ${v.eye_contact_ratio === null ? "–" : Math.round(v.eye_contact_ratio * 100) + "%"} (${eyeMethod(v)}) · looking down ${v.looking_down_ratio == null ? "–" : Math.round(v.looking_down_ratio * 100) + "%"} · face in view ${Math.round(v.presence_ratio * 100)}%`));
    });
    card.append(GR.el("div", { class: "grid2" },
        GR.el("div", {}, GR.el("h4", { text: "Key points covered" }), list(g.covered_points)),
        GR.el("div", {}, GR.el("h4", { text: "Key points missed" }), list((g.missed_points || []).filter((k) => !(g.contradicted_points || []).includes(k)))),
        GR.el("div", {}, GR.el("h4", { text: "Strengths" }), list(g.strengths)),
        GR.el("div", {}, GR.el("h4", { text: "To improve" }), list((g.improvement_areas || []).filter((a) => !a.startsWith("Also cover this point"))))),
      GR.el("h4", { text: "A strong answer covers" }),
      Array.isArray(g.better_answer_outline) ? list(g.better_answer_outline) : GR.el("p", { text: g.better_answer_outline || "–" }));
    if ((g.contradicted_points || []).length) {
      card.append(GR.el("h4", { text: "Stated wrongly (the correct idea)" }), list(g.contradicted_points));
    }
    const gnotes = [];
    if (g.rubric_reasoning) gnotes.push(`The grading model's one-line judgement: “${g.rubric_reasoning}”`);
    for (const n of g.notes || []) gnotes.push(n.charAt(0).toUpperCase() + n.slice(1) + (/[.!?]$/.test(n) ? "" : "."));
    if (g.degraded && !gnotes.some((n) => /degraded/.test(n))) gnotes.push("This grade is degraded: it was made without part of the grading pipeline.");
    if (!grp.turns.some((t) => t.grade)) gnotes.push(grp.turns.every((t) => !t.answer) ? "Skipped: no answer was given." : "Not graded.");
    if (gnotes.length) card.append(GR.el("h4", { text: "How this was graded" }), list(gnotes));
    $("questions").append(card);
  });

  // delivery summary and charts; turns are labelled by the question they answer (Q2 follow-up 1 ...)
  const label = new Map();
  groups.forEach((grp, i) => grp.turns.forEach((t, k) => label.set(t, k ? `Q${i + 1} follow-up ${k}` : `Q${i + 1}`)));
  const ds = turns.map((t) => t.delivery_metrics).filter(Boolean);
  const vs = turns.map((t) => t.vision_metrics).filter(Boolean);
  const spoken = turns.some((t) => t.source === "voice");
  const mean = (xs) => { const v = xs.filter((x) => typeof x === "number"); return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null; };
  const summary = GR.el("dl", { id: "delivery-figures" });
  const add = (k, v) => summary.append(GR.el("dt", { text: k }), GR.el("dd", { text: v }));
  if (!ds.length) {
    add("Voice", spoken ? "not measured (no audio was analysed for these answers)" : "not measured: the answers were typed");
  } else {
    add("Speaking rate", `${GR.fmt(mean(ds.map((d) => d.wpm)), 0)} words per minute (target 100–165)`);
    add("Fillers", `${GR.fmt(mean(ds.map((d) => d.fillers_per_min)))} per minute (target 5 or fewer)`);
    add("Pitch variation", `${GR.fmt(mean(ds.map((d) => d.pitch_sd_st)))} semitones (2 or more avoids a monotone)`);
  }
  const eye = mean(vs.map((v) => (v.face || {}).eye_contact_ratio));
  const faces = vs.map((v) => v.face || {});
  const calibrated = faces.length && faces.every((f) => f.eye_contact_calibrated);
  add("Eye contact", eye === null ? "not measured (no camera)" : `${Math.round(eye * 100)}% of the time answering (${calibrated ? "calibrated" : "uncalibrated: the camera check was skipped or failed"})`);
  add("Restarts and repetitions", ds.length ? `${ds.reduce((a, d) => a + (d.restart_count || 0), 0)} in all` : "–");
  $("delivery-summary").replaceChildren(summary);
  if (!ds.length && !vs.length) {
    $("delivery-intro").textContent = spoken ? "Delivery was not measured in this session." : "Delivery was not measured: this interview was typed, so there is no voice or camera to analyse.";
  }

  let offset = 0;
  const wpmX = [], wpmY = [];
  const pitchX = [], pitchY = [];
  const pauseX = [], pauseY = [];
  turns.forEach((t) => {
    const d = t.delivery_metrics;
    if (!d) return;
    for (const p of d.timeline || []) { wpmX.push(offset + (p.start + p.end) / 2); wpmY.push(p.wpm); }
    pitchX.push(label.get(t)); pitchY.push(d.pitch_sd_st);
    (d.pauses || []).forEach((p, k) => { pauseX.push(`${label.get(t)} · ${k + 1}`); pauseY.push(p.duration); });
    offset += d.duration_s;
  });
  const xmax = Math.max(offset, 1);
  Charts.plot("chart-wpm", wpmY.length ? [
    { x: [0, xmax, xmax, 0], y: [100, 100, 165, 165], fill: "toself", mode: "none", name: "target 100–165 wpm", fillcolor: "rgba(26,127,55,0.15)", hoverinfo: "skip" },
    { x: wpmX, y: wpmY, mode: "lines+markers", name: "your pace (wpm)", line: { color: "#0969da" } },
  ] : [], { title: "Speaking rate over time", xaxis: { title: "time speaking (seconds)" }, yaxis: { title: "speaking rate (words per minute)", rangemode: "tozero" } },
  "Target: Microsoft PowerPoint Speaker Coach (100–165 wpm).");
  Charts.plot("chart-pauses", [{ type: "bar", x: pauseX, y: pauseY, name: "pause", marker: { color: "#0969da" } }],
    { title: "Pauses in each answer", xaxis: { title: "answer · pause number", type: "category" }, yaxis: { title: "pause length (seconds)", rangemode: "tozero" }, showlegend: false },
    "Pauses of 0.25 s or more; over 2 s reads as hesitation.");
  const counts = {};
  for (const d of ds) for (const [w, n] of Object.entries(d.filler_counts || {})) counts[w] = (counts[w] || 0) + n;
  const maxCount = Math.max(1, ...Object.values(counts));
  Charts.plot("chart-fillers", [{ type: "bar", x: Object.keys(counts), y: Object.values(counts), name: "fillers", marker: { color: "#bc4c00" } }],
    { title: "Filler words in the whole interview", xaxis: { title: "filler word", type: "category" }, yaxis: { title: "times said (count)", rangemode: "tozero", dtick: maxCount <= 10 ? 1 : undefined, tickformat: "d" }, showlegend: false },
    "About 5 fillers a minute is typical; fewer sounds more assured.");
  if (ds.length && !Object.keys(counts).length) $("chart-fillers").after(GR.el("p", { class: "muted", text: "No filler words counted." }));
  Charts.plot("chart-pitch", pitchX.length ? [{ type: "bar", x: pitchX, y: pitchY, name: "pitch variation (semitones)" }, { x: pitchX, y: pitchX.map(() => 2), mode: "lines", name: "monotone below 2 semitones", line: { dash: "dash", color: "#9a6700" } }] : [],
    { title: "Pitch variation per answer", xaxis: { title: "answer", type: "category" }, yaxis: { title: "pitch variation (semitones)", rangemode: "tozero" } }, "Pitch variation (F0 standard deviation); below 2 semitones sounds monotone.");
  let voff = 0;
  const ex = [], ey = [];
  for (const v of vs) {
    const tl = v.timeline || {};
    (tl.t || []).forEach((t, k) => { if (tl.eye_contact[k] !== null) { ex.push(voff + t - v.start_s); ey.push(Math.round(tl.eye_contact[k] * 100)); } });
    voff += Math.max(0, v.end_s - v.start_s);
  }
  Charts.plot("chart-eye", [{ x: ex, y: ey, mode: "lines", name: "share of each second looking at the camera", line: { shape: "hv", color: "#8250df" } }],
    { title: "Eye contact over time", yaxis: { title: "looking at the camera (%)", range: [0, 105] }, xaxis: { title: "time answering (seconds)" } }, "");

  // practice plan
  const plan = pick(report, "practice_plan", "plan");
  $("plan-body").replaceChildren(Array.isArray(plan) ? list(plan) : GR.el("p", { text: plan || "The plan appears when the interview is graded." }));

  $("delete").addEventListener("click", async () => {
    if (!confirm("Delete this session for good?")) return;
    try { await GR.api(`/sessions/${id}`, { method: "DELETE" }); location.href = "/history"; } catch (e) { GR.banner(e.message, "error"); }
  });
})();
