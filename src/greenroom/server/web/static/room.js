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
    camTimer: null, canvas: null, pendingEnd: null, micError: null, camError: null, calibTimer: null,
  };
  window.__gr = { events: [], timings: [], firstAudioAt: [] };
  if (!id) { GR.banner("No interview id in the address: start from the set-up page.", "error"); return; }

  const setStatus = (t) => { $("status").textContent = t || ""; };
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
          audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        });
        state.capCtx = new AudioContext({ sampleRate: 16000 });
        await state.capCtx.audioWorklet.addModule("/static/pcm-worklet.js");
        const src = state.capCtx.createMediaStreamSource(state.micStream);
        const node = new AudioWorkletNode(state.capCtx, "pcm-capture");
        node.port.onmessage = (ev) => onMic(ev.data);
        src.connect(node);
      } catch (e) {
        state.micError = (e && e.name) ? `${e.name}: ${e.message}` : String(e);
        GR.banner(`Microphone unavailable (${state.micError}). Type your answers instead.`, "error");
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
        GR.banner(`Camera unavailable (${state.camError}): no eye-contact or posture figures.`, "error");
        state.camera = false;
      }
    }
    if (!state.camera) $("preview").hidden = true;
    state.playCtx = new AudioContext();
  }

  function onMic({ pcm, level }) {
    const pct = Math.min(100, Math.round(level * 140));
    $("level").firstElementChild.style.width = pct + "%";
    $("level").setAttribute("aria-valuenow", String(pct));
    if (!state.listening || !state.ws || state.ws.readyState !== 1) return;
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
    src.start(at);
    state.playEnd = at + ab.duration;
  }

  function afterPlayback() {
    const wait = Math.max(0, (state.playEnd - state.playCtx.currentTime) * 1000);
    clearTimeout(state.pendingEnd);
    state.pendingEnd = setTimeout(() => send({ type: "playback_done" }), wait + 150);
  }

  function send(msg) { if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify(msg)); }

  function onEvent(ev) {
    window.__gr.events.push(ev.type);
    switch (ev.type) {
      case "ready":
        GR.degraded(ev.degraded);
        if (ev.resumed) GR.banner("Reconnected: the interview goes on where it was.", "warn");
        $("transcript").replaceChildren(...ev.transcript.map((t) => GR.el("li", {}, GR.el("strong", { text: t.q }), GR.el("br"), t.a)));
        break;
      case "status": setStatus(ev.detail); break;
      case "question":
        $("question").textContent = ev.text;
        $("progress").textContent = ev.done ? "(closing)" : `(question ${Math.min(ev.index + 1, ev.total)} of ${ev.total})`;
        $("heard").textContent = "";
        setStatus(ev.kind === "follow_up" ? "A follow-up question." : "");
        state.listening = false; $("done").disabled = true; stopTimer();
        break;
      case "audio_start":
        state.audioRate = ev.sample_rate;
        state.playEnd = Math.max(state.playEnd, state.playCtx.currentTime);
        window.__gr.firstAudioAt.push(null);
        break;
      case "audio_end": afterPlayback(); break;
      case "listening":
        state.listening = true;
        $("done").disabled = !state.voice;
        $("thinking").textContent = `Thinking time: up to ${Math.round(ev.thinking_s)} s`;
        setStatus(state.voice ? "Your turn: answer aloud (or type)." : "Your turn: type your answer.");
        startTimer();
        break;
      case "speech_start": $("thinking").textContent = "Answering"; break;
      case "partial": $("heard").textContent = "Heard: " + ev.text; break;
      case "no_answer": setStatus(ev.detail + " Take your time, or type your answer."); break;
      case "turn_end":
        state.listening = false; $("done").disabled = true; stopTimer();
        $("transcript").append(GR.el("li", {}, GR.el("strong", { text: $("question").textContent }), GR.el("br"), ev.text));
        setStatus("Thank you. The interviewer is thinking…");
        break;
      case "calibrate": showCalibration(ev.seconds); break;
      case "calibration":
        clearInterval(state.calibTimer); $("calib").hidden = true;
        $("framing").textContent = ev.detail;
        break;
      case "frame": $("framing").textContent = ev.hint || (ev.face_count === 1 ? "Framing looks good." : ""); break;
      case "timing": window.__gr.timings.push(ev); break;
      case "degraded": GR.degraded(ev.notes); break;
      case "finished":
        state.finished = true; state.listening = false;
        setStatus("Interview complete. Opening your report…");
        setTimeout(() => { location.href = `/report?id=${ev.session_id}`; }, Math.max(0, (state.playEnd - state.playCtx.currentTime) * 1000));
        break;
      case "error":
        GR.banner(ev.detail, "error");
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
      GR.banner(`Connection to the server lost; reconnecting in ${Math.round(delay / 1000)} s. Your answers so far are saved.`, "error");
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
    send({ type: "answer_text", text });
    $("typed").value = "";
  });
})();
