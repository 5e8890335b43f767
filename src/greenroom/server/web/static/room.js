// The interview room: one WebSocket per interview; mic audio as PCM16 from an AudioWorklet, camera frames as
// JPEG at ~5 fps, the interviewer's voice played from PCM16 chunks. Reconnects resume the interview.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const id = GR.param("id");
  const AUDIO = 1, FRAME = 2;
  const state = {
    ws: null, voice: true, camera: true, micStream: null, camStream: null, capCtx: null, playCtx: null,
    playEnd: 0, audioRate: 22050, listening: false, finished: false, retries: 0, timerStart: 0, timer: null,
    camTimer: null, canvas: null, pendingEnd: null, micError: null, camError: null, maxChars: 20000, sentText: null,
    calibTimer: null, rejoinUntil: 0, sources: [], lastAnswer: null,
  };
  const DRAFT = `greenroom-draft-${id}`;
  window.__gr = { events: [], timings: [], firstAudioAt: [] };
  if (!id) { GR.banner("No interview id in the address: start from the set-up page.", "error"); return; }

  const setStatus = (t) => { $("status").textContent = t || ""; };
  // what the room is doing now: the interviewer speaking, listening to you, thinking, or grading
  const PHASES = { speaking: "Interviewer speaking", listening: "Listening: your turn", thinking: "Thinking…", grading: "Grading your answers…", done: "Finished" };
  const setPhase = (p) => { const b = $("phase"); b.textContent = PHASES[p] || ""; b.dataset.phase = p; b.hidden = !PHASES[p]; };
  // the typed answer: a counter, the limit, and a draft kept across reloads until the server has it
  const counter = () => {
    const n = $("typed").value.length;
    $("count").textContent = `${n.toLocaleString()} / ${state.maxChars.toLocaleString()} characters`;
    $("count").classList.toggle("over", n > state.maxChars);
    try { if (n) localStorage.setItem(DRAFT, $("typed").value); else localStorage.removeItem(DRAFT); } catch (e) { /* private mode */ }
  };
  const clock = () => {
    const s = Math.floor((performance.now() - state.timerStart) / 1000);
    $("timer").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };
  const startTimer = () => { state.timerStart = performance.now(); clearInterval(state.timer); state.timer = setInterval(clock, 250); clock(); };
  const stopTimer = () => { clearInterval(state.timer); state.timer = null; };

  async function setup() {
    const info = await GR.api(`/sessions/${id}`);
    state.voice = info.meta.voice !== false;
    state.camera = info.meta.camera !== false;
    if (state.voice) {
      try {
        state.micStream = await navigator.mediaDevices.getUserMedia({
          // echo cancellation on: after a turn end the mic stays open while the interviewer speaks (barge-in),
          // and its own voice must not count as the candidate going on; no noise suppression or gain control,
          // which would change the delivery figures
          audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false },
        });
        state.capCtx = new AudioContext({ sampleRate: 16000 });
        await state.capCtx.audioWorklet.addModule("/static/pcm-worklet.js");
        const src = state.capCtx.createMediaStreamSource(state.micStream);
        const node = new AudioWorkletNode(state.capCtx, "pcm-capture");
        node.port.onmessage = (ev) => onMic(ev.data);
        src.connect(node);
      } catch (e) {
        state.micError = (e && e.name) ? `${e.name}: ${e.message}` : String(e);
        state.voice = false;
      }
    }
    if (!state.voice) $("voice-box").hidden = true;
    if (state.camera) {
      try {
        state.camStream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, frameRate: 15 } });
        $("preview").srcObject = state.camStream;
        state.canvas = document.createElement("canvas");
        state.canvas.width = 320; state.canvas.height = 240;
        state.camTimer = setInterval(sendFrame, 200);
      } catch (e) {
        state.camError = (e && e.name) ? `${e.name}: ${e.message}` : String(e);
        state.camera = false;
      }
    }
    if (!state.camera) { $("preview").hidden = true; $("cam-h").hidden = true; $("framing").hidden = true; }
    state.playCtx = new AudioContext();
  }

  function onMic({ pcm, level }) {
    const pct = Math.min(100, Math.round(level * 140));
    $("level").firstElementChild.style.width = pct + "%";
    $("level").setAttribute("aria-valuenow", String(pct));
    // after a spoken turn end the mic stays open for the barge-in window: going on takes the turn back
    const rejoin = performance.now() < state.rejoinUntil;
    if ((!state.listening && !rejoin) || !state.ws || state.ws.readyState !== 1) return;
    const out = new Uint8Array(1 + pcm.byteLength);
    out[0] = AUDIO; out.set(new Uint8Array(pcm), 1);
    state.ws.send(out);
  }

  function sendFrame() {
    const v = $("preview");
    if (!state.ws || state.ws.readyState !== 1 || v.readyState < 2 || state.finished) return;
    if (state.ws.bufferedAmount > 256 * 1024) return; // the link is slow: skip this frame
    const ctx = state.canvas.getContext("2d");
    ctx.drawImage(v, 0, 0, state.canvas.width, state.canvas.height);
    state.canvas.toBlob(async (blob) => {
      if (!blob || !state.ws || state.ws.readyState !== 1) return;
      const bytes = new Uint8Array(await blob.arrayBuffer());
      const out = new Uint8Array(1 + bytes.length);
      out[0] = FRAME; out.set(bytes, 1);
      state.ws.send(out);
    }, "image/jpeg", 0.7);
  }

  function playChunk(buf) {
    const pcm = new Int16Array(buf.slice(1)); // the tag byte would misalign the samples
    if (!pcm.length) return;
    const ab = state.playCtx.createBuffer(1, pcm.length, state.audioRate);
    const ch = ab.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) ch[i] = pcm[i] / 32768;
    const src = state.playCtx.createBufferSource();
    src.buffer = ab; src.connect(state.playCtx.destination);
    const at = Math.max(state.playCtx.currentTime + 0.02, state.playEnd);
    src.onended = () => { state.sources = state.sources.filter((x) => x !== src); };
    state.sources.push(src);
    src.start(at);
    state.playEnd = at + ab.duration;
  }

  function afterPlayback() {
    const wait = Math.max(0, (state.playEnd - state.playCtx.currentTime) * 1000);
    clearTimeout(state.pendingEnd);
    state.pendingEnd = setTimeout(() => { state.rejoinUntil = 0; send({ type: "playback_done" }); }, wait + 150);
  }

  // the candidate went on after a turn end: the interviewer stops at once, and the same answer goes on
  function bargeIn(ev) {
    for (const src of state.sources) { try { src.stop(); } catch (e) { /* not started */ } }
    state.sources = []; state.playEnd = state.playCtx.currentTime;
    clearTimeout(state.pendingEnd); state.rejoinUntil = 0;
    if (state.lastAnswer) { state.lastAnswer.remove(); state.lastAnswer = null; }
    $("question").textContent = ev.question;
    $("progress").textContent = `(question ${Math.min(ev.index + 1, ev.total)} of ${ev.total})`;
    $("heard").textContent = ev.text ? "Heard: " + ev.text : "";
    state.listening = true;
    $("done").disabled = !state.voice;
    $("thinking").textContent = "Answering";
    setPhase("listening");
    setStatus("Go on: the interviewer stopped to let you finish.");
    clearInterval(state.timer); state.timer = setInterval(clock, 250); clock();
  }

  function send(msg) { if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify(msg)); }

  function onEvent(ev) {
    window.__gr.events.push(ev.type);
    switch (ev.type) {
      case "ready":
        GR.clearBanners("error");
        GR.degraded(ev.degraded);
        if (ev.max_text_chars) { state.maxChars = ev.max_text_chars; counter(); }
        if (ev.resumed) GR.banner("Welcome back: the interview goes on where it was.", "warn", "banners", "resumed");
        $("transcript").replaceChildren(...ev.transcript.map((t) => GR.el("li", {}, GR.el("strong", { text: t.q }), GR.el("br"), t.a)));
        break;
      case "status": setStatus(ev.detail); if (ev.phase) setPhase(ev.phase === "finishing" ? "grading" : ev.phase); break;
      case "question":
        $("question").textContent = ev.text;
        $("progress").textContent = ev.done ? "(closing)" : `(question ${Math.min(ev.index + 1, ev.total)} of ${ev.total})`;
        $("heard").textContent = "";
        setStatus(ev.kind === "follow_up" ? "A follow-up question." : "");
        state.listening = false; $("done").disabled = true; stopTimer(); $("timer").textContent = "0:00";
        GR.clearBanners("error");
        setPhase("speaking");
        break;
      case "audio_start":
        if (!ev.acknowledgement) setPhase("speaking"); // "Thank you." while the reply is made: still your turn
        state.audioRate = ev.sample_rate;
        state.playEnd = Math.max(state.playEnd, state.playCtx.currentTime);
        window.__gr.firstAudioAt.push(null);
        break;
      case "audio_end": afterPlayback(); break;
      case "listening":
        state.listening = true; state.lastAnswer = null; state.rejoinUntil = 0;
        $("done").disabled = !state.voice;
        $("thinking").textContent = state.voice ? `Thinking time: up to ${Math.round(ev.thinking_s)} s` : "";
        $("thinking").hidden = !state.voice;
        setPhase("listening");
        setStatus(state.voice ? "Your turn: answer aloud (or type)." : "Your turn: type your answer.");
        startTimer();
        break;
      case "speech_start": $("thinking").textContent = "Answering"; break;
      case "barge_in": bargeIn(ev); break;
      case "partial": $("heard").textContent = "Heard: " + ev.text; break;
      case "no_answer": setStatus(ev.detail + " Take your time, or type your answer."); break;
      case "turn_end":
        state.listening = false; $("done").disabled = true; stopTimer();
        state.lastAnswer = GR.el("li", {}, GR.el("strong", { text: $("question").textContent }), GR.el("br"), ev.text);
        $("transcript").append(state.lastAnswer);
        state.rejoinUntil = ev.barge_in_s ? performance.now() + ev.barge_in_s * 1000 : 0;
        setStatus("Thank you. The interviewer is thinking…");
        setPhase("thinking");
        if (ev.source === "typed" && state.sentText !== null && $("typed").value === state.sentText) { $("typed").value = ""; counter(); }
        state.sentText = null;
        break;
      case "calibrate": showCalibration(ev.seconds); break;
      case "calibration":
        clearInterval(state.calibTimer); $("calib").hidden = true;
        $("framing").textContent = ev.detail;
        break;
      case "frame": $("framing").textContent = ev.hint || (ev.face_count === 1 ? "Framing looks good." : ""); break;
      case "timing": window.__gr.timings.push(ev); break;
      case "catching_up": {
        const note = $("catching-up");
        note.hidden = !ev.on;
        note.textContent = ev.on ? `Catching up: the computer is busy and the room is ${ev.behind_s.toFixed(1)} s behind what you say. Keep going; nothing you say is lost.` : "";
        break;
      }
      case "degraded": GR.degraded(ev.notes); break;
      case "storage": {
        const old = document.querySelector('#banners [data-code="storage_unavailable"]');
        const back = document.querySelector('#banners [data-key="storage_back"]');
        if (old) old.remove();
        if (back) back.remove();
        if (ev.ok) GR.banner(ev.detail, "warn", "banners", "storage_back"); else GR.degraded([{ code: "storage_unavailable", detail: ev.detail }]);
        break;
      }
      case "finished":
        state.finished = true; state.listening = false;
        setStatus("Interview complete. Opening your report…");
        setPhase("done");
        setTimeout(() => { location.href = `/report?id=${ev.session_id}`; }, Math.max(0, (state.playEnd - state.playCtx.currentTime) * 1000));
        break;
      case "error":
        GR.banner(ev.detail + (state.sentText !== null ? " Your answer is still in the box." : ""), "error");
        state.sentText = null;
        if (ev.fatal) state.finished = true;
        break;
    }
  }

  // The eye-contact calibration before the first question: a few seconds looking at the lens, or a skip.
  function showCalibration(seconds) {
    $("calib").hidden = false; $("calib-start").disabled = false;
    $("calib-count").textContent = String(Math.round(seconds));
    setStatus("Before the first question: a short camera check.");
    $("calib-start").onclick = () => {
      $("calib-start").disabled = true;
      send({ type: "calibrate", action: "start" });
      let left = Math.round(seconds);
      clearInterval(state.calibTimer);
      state.calibTimer = setInterval(() => {
        left -= 1; $("calib-count").textContent = String(Math.max(0, left));
        if (left <= 0) { clearInterval(state.calibTimer); send({ type: "calibrate", action: "end" }); }
      }, 1000);
    };
    $("calib-skip").onclick = () => { clearInterval(state.calibTimer); send({ type: "calibrate", action: "skip" }); };
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}/api/interviews/${id}/live`);
    ws.binaryType = "arraybuffer";
    state.ws = ws;
    ws.onopen = () => {
      state.retries = 0;
      send({ type: "hello", voice: state.voice, camera: state.camera, mic_error: state.micError, camera_error: state.camError, calibrate: state.camera });
    };
    ws.onmessage = (m) => {
      if (typeof m.data === "string") { onEvent(JSON.parse(m.data)); return; }
      const tag = new Uint8Array(m.data, 0, 1)[0];
      if (tag === AUDIO) {
        const list = window.__gr.firstAudioAt;
        if (list.length && list[list.length - 1] === null) list[list.length - 1] = performance.now();
        playChunk(m.data);
      }
    };
    ws.onclose = () => {
      state.listening = false;
      if (state.finished) return;
      const delay = Math.min(10000, 500 * 2 ** state.retries++);
      GR.clearBanners("error");
      GR.banner(`Connection to the server lost; reconnecting in ${Math.round(delay / 1000)} s. Your answers so far are saved, and anything you type stays in the box.`, "error");
      setTimeout(connect, delay);
    };
  }

  $("begin").addEventListener("click", async () => {
    $("begin").disabled = true;
    try { await setup(); } catch (e) { GR.banner(e.message, "error"); $("begin").disabled = false; return; }
    $("intro").hidden = true; $("room").hidden = false;
    connect();
  });
  $("done").addEventListener("click", () => send({ type: "done" }));
  $("skip").addEventListener("click", () => send({ type: "skip" }));
  $("finish").addEventListener("click", () => { if (confirm("End the interview now? The report covers the answers so far.")) send({ type: "finish" }); });
  $("typed-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("typed").value.trim();
    if (!text) { setStatus("Type an answer first."); return; }
    if (text.length > state.maxChars) {
      setStatus(`Your answer is ${text.length.toLocaleString()} characters; the limit is ${state.maxChars.toLocaleString()}. Shorten it and send again: your text stays in the box.`);
      return;
    }
    if (!state.ws || state.ws.readyState !== 1) {
      setStatus("Not connected right now: your answer stays in the box. Send it again when the room has reconnected.");
      return;
    }
    state.sentText = $("typed").value;
    send({ type: "answer_text", text });
    // the box is cleared when the server confirms the turn (turn_end), so nothing is lost on an error
  });
  $("typed").addEventListener("input", counter);
  try { const d = localStorage.getItem(DRAFT); if (d) $("typed").value = d; } catch (e) { /* private mode */ }
  counter();
})();
