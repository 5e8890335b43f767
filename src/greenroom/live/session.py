"""One live interview: the candidate's audio and camera frames in, the interviewer's questions and voice out.

The session is independent of any one WebSocket: `attach` a sender, `detach` it when the socket closes,
and a new socket resumes where the interview was (its state is saved after every turn). Every blocking
call (LLM, ASR, TTS, vision, storage) runs in a worker thread.

A voice turn: listening starts when the page has played the question; audio goes through the VAD turn
detector with incremental ASR (`speech.listener`); at the end of the turn the interviewer's next
utterance is generated and spoken sentence by sentence, while delivery metrics, vision per turn and
grading are computed off the critical path.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np

from greenroom.config import Settings
from greenroom.errors import GreenroomError, InputError
from greenroom.live import engine as eng
from greenroom.live.base import Models
from greenroom.live.protocol import AUDIO_TAG, MAX_ANSWER_CHARS, error_event, event

log = logging.getLogger("greenroom.live")

SendJson = Callable[[dict[str, Any]], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]
#: Silence needed at the start of a listening window before speech counts (drops speech already under way).
LEAD_SILENCE_S = 0.8
_BUSY = {"thinking": "The interviewer is thinking about your answer…", "finishing": "Grading your answers…"}


class LiveSession:
    """State and behaviour of one interview, across reconnections."""

    def __init__(
        self, interview_id: str, settings: Settings, resources: Models, store: Any, meta: dict[str, Any]
    ) -> None:
        self.id = interview_id
        self.settings = settings
        self.resources = resources
        self.store = store
        self.meta = meta
        self.setup = eng.Setup.model_validate(meta["setup"])
        from greenroom.interview.state import InterviewState

        self.state = InterviewState.model_validate_json(meta["state"])
        self.turns: list[dict[str, Any]] = list(meta.get("turns_done", []))
        self.degraded: list[dict[str, str]] = []
        self.engine: eng.Engine | None = None
        self.phase = meta.get("phase", "new")  # new | speaking | listening | thinking | finishing | done
        self.current: dict[str, Any] | None = meta.get("current")  # the utterance being asked
        self._send_json: SendJson | None = None
        self._send_bytes: SendBytes | None = None
        self._audio_q: asyncio.Queue[tuple[bytes, float] | None] = asyncio.Queue(maxsize=6000)
        self._audio_task: asyncio.Task[None] | None = None
        self._listener: Any = None
        self._lead_vad: Any = None
        self._lead_silence = 0.0
        self._turn_audio: list[np.ndarray] = []
        self._arrivals: list[tuple[float, float]] = []  # (audio seconds received, wall time)
        self._fed_s = 0.0
        self._listen_offset = 0.0  # audio seconds received before the listener started
        self._vision: Any = None
        self._vision_busy = False
        self._vlock = threading.Lock()
        self._spec: tuple[str, asyncio.Future[Any]] | None = None
        self._holding = False  # background grading held while the candidate speaks
        self._last_frame_t = -1.0
        self._vision_t0 = time.monotonic()
        self._busy = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.timings: list[dict[str, Any]] = []
        self.voice = self.setup.voice
        self.camera = self.setup.camera

    # --- socket ---------------------------------------------------------------------------------------
    async def attach(self, send_json: SendJson, send_bytes: SendBytes, hello: Any) -> None:
        self._send_json, self._send_bytes = send_json, send_bytes
        self.degraded = [d for d in self.degraded if d["code"] not in ("no_camera", "no_mic")]
        if self.setup.camera and (not hello.camera or hello.camera_error):
            why = hello.camera_error or "camera off"
            self.degraded.append(
                {"code": "no_camera", "detail": f"No camera ({why}): no eye-contact or posture figures."}
            )
        if self.setup.voice and (not hello.voice or hello.mic_error):
            why = hello.mic_error or "microphone off"
            self.degraded.append({"code": "no_mic", "detail": f"No microphone ({why}): type your answers."})
        self.camera = self.setup.camera and hello.camera and not hello.camera_error
        self.voice = self.setup.voice and hello.voice and not hello.mic_error
        await self._load()
        if self.phase == "listening":  # a socket lost while listening: replay the question, then listen again
            self.phase = "speaking"
        if self._audio_task is None or self._audio_task.done():
            self._audio_task = asyncio.create_task(self._audio_loop())
        await self.emit(
            "ready",
            interview_id=self.id,
            total=len(self.state.questions),
            index=self.state.index,
            voice=self.voice,
            camera=self.camera,
            resumed=self.phase != "new",
            phase=self.phase,
            max_text_chars=min(self.settings.server_max_text_chars, MAX_ANSWER_CHARS),
            degraded=self.degraded + self.resources.degraded(),
            transcript=[{"q": t["question"], "a": t["answer"]} for t in self.turns],
        )
        if self.phase == "done":
            await self.emit("finished", session_id=self.id)
        elif self.phase == "new":
            self.spawn(self._open())
        elif self.phase in ("thinking", "finishing"):  # the running turn or report goes to this socket when ready
            await self.emit("status", detail=_BUSY[self.phase], phase=self.phase)
        elif self.current is not None:  # resumed: a short welcome back, the current question, then listen
            self.spawn(self._ask(self._welcome_back(self.current), again=True))

    def _welcome_back(self, utt: dict[str, Any]) -> dict[str, Any]:
        """The current utterance for a resumed socket: "Welcome back" and the question alone (not the welcome)."""
        if utt["done"]:
            return utt
        text = utt["text"]
        if utt["kind"] == "question" and utt["question_id"]:
            try:
                text = self.state.question(utt["question_id"]).text
            except KeyError:
                pass
        return {**utt, "text": f"Welcome back. {text}"}

    def detach(self, send_json: SendJson | None = None) -> None:
        """Forget the socket (only if it is still the current one, when given)."""
        if send_json is not None and send_json != self._send_json:
            return
        self._send_json = self._send_bytes = None
        self._hold_background(False)
        if self.phase == "listening":
            self._listener = None

    async def emit(self, event_type: str, /, **fields: Any) -> None:
        await self._send(event(event_type, **fields))

    async def _send(self, ev: dict[str, Any]) -> None:
        if self._send_json is None:
            return
        try:
            await self._send_json(ev)
        except Exception:  # the socket went away; the state is saved, a reconnect resumes
            self.detach()

    async def emit_error(self, exc: GreenroomError | str, code: str = "error") -> None:
        if isinstance(exc, GreenroomError):
            await self._send(error_event(exc.code, exc.message))
        else:
            await self._send(error_event(code, exc))

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run a step in the background, reporting its errors to the page."""

        async def wrapped() -> None:
            try:
                await coro
            except GreenroomError as exc:
                log.warning("live %s: %s", self.id[:8], exc.message)
                await self.emit_error(exc)
            except Exception as exc:
                log.exception("live session step failed")
                await self.emit_error(f"Internal error: {type(exc).__name__}.", "internal")

        task = asyncio.ensure_future(wrapped())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- models ---------------------------------------------------------------------------------------
    async def _load(self) -> None:
        if self.engine is None:
            await self.emit("status", detail="Loading the interviewer…")
            self.engine = await asyncio.to_thread(eng.Engine.create, self.resources, self.state)
        if self.voice and await asyncio.to_thread(self.resources.try_load, "transcriber") is None:
            self.voice = False
        if self.camera and self._vision is None:
            try:
                from greenroom.vision.stream import StreamingVisionAnalyzer

                self._vision = await asyncio.to_thread(StreamingVisionAnalyzer, self.settings)
            except Exception as exc:
                self.camera = False
                self.degraded.append({"code": "no_vision", "detail": f"Camera analysis unavailable: {exc}"})

    # --- asking ---------------------------------------------------------------------------------------
    async def _open(self) -> None:
        assert self.engine is not None
        async with self._busy:
            self.phase = "thinking"
            utt = await asyncio.to_thread(self.engine.start, self.state)
            self.current = self._utt(utt)
            self.phase = "speaking"
            await self._save()
        await self._ask(self.current)

    def _utt(self, utt: Any) -> dict[str, Any]:
        return {
            "text": utt.text,
            "kind": utt.kind,
            "question_id": utt.question_id,
            "done": bool(utt.done),
            "degraded": utt.degraded,
        }

    async def _ask(self, utt: dict[str, Any], *, again: bool = False, timing: dict[str, float] | None = None) -> None:
        if timing is None:
            self._hold_background(False)
        await self.emit(
            "question",
            text=utt["text"],
            kind=utt["kind"],
            index=self.state.index,
            total=len(self.state.questions),
            done=utt["done"],
            again=again,
        )
        if utt.get("degraded"):
            await self.emit("degraded", notes=[{"code": "interviewer", "detail": utt["degraded"]}])
        spoke = await self._speak(utt["text"], timing)
        self._hold_background(False)
        if utt["done"]:
            await self._finish()
        elif not spoke:  # no audio to wait for: listen now
            await self.start_listening()

    async def _speak(self, text: str, timing: dict[str, float] | None = None) -> bool:
        """Stream the interviewer's voice, one sentence at a time. False when there is no voice."""
        synth = await asyncio.to_thread(self.resources.try_load, "synthesizer")
        if synth is None or self._send_bytes is None:
            return False
        loop = asyncio.get_running_loop()
        it = iter(synth.stream(text))
        first = True
        await self.emit("audio_start", sample_rate=synth.sample_rate, voice=synth.name, fallback=bool(synth.fallback))
        while True:
            chunk = await loop.run_in_executor(None, next, it, None)
            if chunk is None:
                break
            pcm = (np.clip(chunk, -1, 1) * 32767).astype("<i2").tobytes()
            if first and timing is not None:
                timing["first_audio"] = time.perf_counter()
                self._record_timing(timing)
            if first:
                self._hold_background(False)
            first = False
            if self._send_bytes is None:
                return True
            try:
                await self._send_bytes(bytes([AUDIO_TAG]) + pcm)
            except Exception:
                self.detach()
                return True
        await self.emit("audio_end")
        return True

    def _record_timing(self, t: dict[str, float]) -> None:
        base = t["speech_end"]
        stages = {
            "end_of_turn": t["turn_end"] - base,
            "asr_tail": t["asr_done"] - t["turn_end"],
            "next_text": t["text"] - t["asr_done"],
            "first_audio": t["first_audio"] - t["text"],
            "total": t["first_audio"] - base,
        }
        rounded = {k: round(v, 3) for k, v in stages.items()}
        rounded["speculative"] = bool(t.get("speculative"))
        self.timings.append(rounded)
        task = asyncio.ensure_future(self.emit("timing", **rounded))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- listening ------------------------------------------------------------------------------------
    async def start_listening(self) -> None:
        if self.phase in ("finishing", "done"):
            return
        self.phase = "listening"
        self._turn_audio = []
        self._arrivals = []
        self._fed_s = 0.0
        self._listen_offset = 0.0
        self._spec = None
        if self.voice:
            self._hold_background(True)
            from greenroom.speech.listener import Listener
            from greenroom.speech.vad import StreamingVad

            self._listener = Listener.from_settings(self.resources.transcriber(), self.settings)
            self._lead_vad = await asyncio.to_thread(StreamingVad)
            self._lead_silence = 0.0
        if self._vision is not None:
            with self._vlock:
                self._vision.start_turn(f"turn-{len(self.turns)}")  # on the analyser's clock: after its last frame
        await self.emit(
            "listening",
            voice=self.voice,
            thinking_s=self.settings.speech_turn_thinking_s,
            end_silence_s=self.settings.speech_turn_end_silence_s,
        )

    def on_audio(self, payload: bytes) -> None:
        if self.phase != "listening" or not self.voice:
            return
        if len(payload) % 2:
            raise InputError("An audio frame must hold whole 16-bit samples.")
        try:
            self._audio_q.put_nowait((payload, time.perf_counter()))
        except asyncio.QueueFull as exc:
            raise InputError("Audio is arriving much faster than it can be processed; frames dropped.") from exc

    async def _audio_loop(self) -> None:
        """Run `_audio_steps`, reporting (and surviving) any failure: the session must keep listening."""
        while True:
            try:
                await self._audio_steps()
                return
            except Exception as exc:
                log.exception("live audio processing failed")
                await self.emit_error(f"Audio processing failed ({type(exc).__name__}); press Done or type.", "audio")

    async def _audio_steps(self) -> None:
        """Feed the listener; audio that queued up while it was transcribing is fed in one piece."""
        from greenroom.speech.audio import pcm16_to_float
        from greenroom.speech.base import SAMPLE_RATE
        from greenroom.speech.vad import WINDOW_S

        while True:
            item = await self._audio_q.get()
            if item is None:
                return
            batch = [item]
            while not self._audio_q.empty():
                nxt = self._audio_q.get_nowait()
                if nxt is None:
                    return
                batch.append(nxt)
            if self.phase != "listening" or self._listener is None:
                continue
            listener = self._listener
            for payload, arrived in batch:  # arrival times map audio time to wall time (latency figures)
                self._fed_s += len(payload) / 2 / SAMPLE_RATE
                self._arrivals.append((self._fed_s, arrived))
            audio = pcm16_to_float(b"".join(p for p, _ in batch))
            now = batch[-1][1]
            if self._lead_vad is not None:  # wait for a first silence: speech already under way is not an answer
                probs = await asyncio.to_thread(self._lead_vad.feed, audio)
                keep_from = None
                for k, pr in enumerate(probs):
                    self._lead_silence = self._lead_silence + WINDOW_S if pr < 0.35 else 0.0
                    if self._lead_silence >= LEAD_SILENCE_S:
                        keep_from = (k + 1) * 512
                        break
                if keep_from is None:
                    continue
                self._lead_vad = None
                self._listen_offset = self._fed_s - (len(audio) - keep_from) / SAMPLE_RATE
                audio = audio[keep_from:]
                if not len(audio):
                    continue
            self._turn_audio.append(audio)
            try:
                events = await asyncio.to_thread(listener.feed, audio)
            except GreenroomError as exc:
                await self.emit_error(exc)
                continue
            for ev in events:
                if ev.kind == "speech_start":
                    await self.emit("speech_start")
                elif ev.kind == "speech_end":
                    await self.emit("partial", text=ev.text)
                    self._speculate(listener, ev.text)
                elif ev.kind == "no_answer":
                    await self.emit("no_answer", detail=ev.reason)
                    listener.reset()
                elif ev.kind == "turn_end" and self._listener is listener:
                    self._listener = None
                    speech_end = self._wall_at(self._listen_offset + self._last_speech_s(listener, ev.time))
                    timing = {"speech_end": speech_end, "turn_end": now, "asr_done": time.perf_counter()}
                    self.spawn(self._answer(ev.text, "voice", ev.transcript, timing, ev.reason))

    def _hold_background(self, on: bool) -> None:
        if on != self._holding:
            self._holding = on
            self.resources.pause_background(on)

    def _speculate(self, listener: Any, text: str) -> None:
        """The answer sounds finished at a pause: prepare the interviewer's reply now, during the end-of-turn
        silence. Used only if the turn ends with this same text; otherwise thrown away."""
        if self.engine is None or not text.strip() or listener.detector.unfinished() is not None:
            return
        key = _norm(text)
        if self._spec is not None and self._spec[0] == key:
            return
        if self._spec is not None and not self._spec[1].done():
            return  # one at a time: two cores
        engine, state = self.engine, self.state
        task = asyncio.ensure_future(asyncio.to_thread(engine.respond, state, text))
        task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)
        self._spec = (key, task)

    def _last_speech_s(self, listener: Any, turn_end_s: float) -> float:
        return max(0.0, turn_end_s - listener.detector._run_silence * 0.032)

    def _wall_at(self, audio_s: float) -> float:
        for fed, wall in self._arrivals:
            if fed >= audio_s:
                return wall
        return self._arrivals[-1][1] if self._arrivals else time.perf_counter()

    async def on_done(self) -> None:
        """The "done" button: end the spoken turn with what was heard."""
        listener = self._listener
        if self.phase != "listening" or listener is None:
            return
        self._listener = None
        t0 = time.perf_counter()
        transcript = await asyncio.to_thread(listener.asr.finish)
        timing = {"speech_end": t0, "turn_end": t0, "asr_done": time.perf_counter()}
        if not transcript.text.strip():
            await self.emit("no_answer", detail="Nothing was heard yet: speak, or type your answer.")
            self._listener = listener
            return
        await self._answer(transcript.text, "voice", transcript, timing, "done button")

    async def on_text(self, text: str) -> None:
        if self.phase not in ("listening", "speaking"):
            raise InputError("The interviewer is not waiting for an answer right now.")
        text = text.strip()
        if not text:
            raise InputError("The answer is empty.")
        if len(text) > self.settings.server_max_text_chars:
            raise InputError(f"The answer is over {self.settings.server_max_text_chars} characters.")
        self._listener = None
        await self._answer(text, "typed", None, None, "typed")

    async def on_frame(self, payload: bytes) -> None:
        """One JPEG camera frame: analysed at once and dropped; a frame arriving while one is analysed is skipped."""
        if payload[:3] != b"\xff\xd8\xff":
            raise InputError("A camera frame must be a JPEG image.")
        if self._vision is None or self._vision_busy or self.phase != "listening":
            return
        now = self._vision_time()
        if now - self._last_frame_t < 1.0 / self.settings.server_vision_fps:
            return
        self._last_frame_t = now
        self._vision_busy = True
        try:
            fb = await asyncio.to_thread(self._push_frame, payload, now)
        finally:
            self._vision_busy = False
        if fb is not None and fb.analysed and (self._vision.frames_analysed % 5 == 1 if self._vision else False):
            hint = None
            if fb.face_count == 0:
                hint = "No face in view: centre yourself in the camera."
            elif fb.face_count > 1:
                hint = "More than one face in view."
            elif fb.too_dark:
                hint = "The picture is dark: add some light in front of you."
            elif fb.eye_contact is False:
                hint = "Look at the camera now and then."
            await self.emit("frame", face_count=fb.face_count, eye_contact=fb.eye_contact, hint=hint)

    def _push_frame(self, payload: bytes, t: float) -> Any:
        with self._vlock:
            if self._vision is None:
                return None
            return self._vision.push_frame(payload, t)

    def _end_vision_turn(self) -> Any:
        with self._vlock:
            if self._vision is None:
                return None, None
            try:
                summary = self._vision.end_turn()  # at its last frame (frames arrive only while listening)
            except GreenroomError:
                return None, None
            return summary, self._vision.timeline().model_dump(mode="json")

    # --- answering ------------------------------------------------------------------------------------
    async def _answer(
        self, text: str, source: str, transcript: Any, timing: dict[str, float] | None, reason: str
    ) -> None:
        assert self.engine is not None and self.current is not None
        async with self._busy:
            if self.phase in ("thinking", "finishing", "done"):
                return
            self.phase = "thinking"
            await self.emit("turn_end", text=text, source=source, reason=reason)
            asked = self.current
            audio = np.concatenate(self._turn_audio) if self._turn_audio else None
            self._turn_audio = []
            vision, timeline = await asyncio.to_thread(self._end_vision_turn)
            spec = self._spec
            self._spec = None
            result: tuple[Any, Any, str] | None = None
            if spec is not None and spec[0] == _norm(text):  # prepared while the candidate paused
                try:
                    result = await spec[1]
                    if timing is not None:
                        timing["speculative"] = 1.0
                except Exception:
                    result = None
            try:
                if result is None:
                    result = await asyncio.to_thread(self.engine.respond, self.state, text)
            except Exception:
                # the answer could not be processed: say so, and listen again (nothing of the state changed)
                self.phase = "speaking"
                self.spawn(self.start_listening())
                raise
            new_state, utt, redacted = result
            self.state = new_state
            self.engine.adopt(new_state)
            if timing is not None:
                timing["text"] = time.perf_counter()
            bank_text = None
            if asked["kind"] == "question" and asked["question_id"]:
                bank_text = self.state.question(asked["question_id"]).text
            turn = {
                "question": bank_text or asked["text"],
                "asked": asked["text"],
                "question_id": asked["question_id"],
                "kind": asked["kind"],
                "answer": redacted,
                "source": source,
            }
            self.turns.append(turn)
            self.current = self._utt(utt)
            self.phase = "speaking"
            await self._save()  # the answer is safe before the next question is spoken
        side = asyncio.create_task(self._turn_metrics(turn, audio, transcript, vision, timeline))
        self._tasks.add(side)
        side.add_done_callback(self._tasks.discard)
        await self._ask(self.current, timing=timing)

    async def _turn_metrics(
        self, turn: dict[str, Any], audio: Any, transcript: Any, vision: Any, timeline: dict[str, Any] | None
    ) -> None:
        """Delivery and vision figures of a turn, then save it (off the critical path)."""
        if audio is not None and transcript is not None:
            try:
                from greenroom.speech.delivery import analyze_delivery

                d = await asyncio.to_thread(analyze_delivery, audio, transcript)
                turn["delivery_metrics"] = d.model_dump(mode="json")
            except GreenroomError as exc:
                turn["delivery_note"] = exc.message
        if vision is not None:
            turn["vision_metrics"] = vision.model_dump(mode="json")
            # privacy.minimize drops any key named "frames" (raw media), even this count: keep it under another name
            turn["vision_metrics"]["frames_analysed"] = vision.frames
            if timeline is not None:
                turn["vision_metrics"]["timeline"] = _slice_timeline(timeline, vision.start_s, vision.end_s)
        await self._save()

    async def finish_early(self) -> None:
        """End the interview now: the report covers the answers given so far."""
        if self.phase in ("finishing", "done"):
            return
        async with self._busy:
            self._listener = None
        await self.emit(
            "question",
            text="Let's stop here. Thank you.",
            kind="closing",
            index=self.state.index,
            total=len(self.state.questions),
            done=True,
            again=False,
        )
        await self._finish()

    # --- ending ---------------------------------------------------------------------------------------
    async def _finish(self) -> None:
        if self.phase in ("finishing", "done"):
            return
        self._hold_background(False)
        self.phase = "finishing"
        await self.emit("status", detail="Preparing your report…")
        await asyncio.gather(*[t for t in self._tasks if t is not asyncio.current_task()], return_exceptions=True)
        report = await asyncio.to_thread(self._build_and_store)
        self.phase = "done"
        await self._save()
        if self._vision is not None:
            await asyncio.to_thread(self._vision.close)
            self._vision = None
        await self.emit("finished", session_id=self.id, overall=report.get("overall"))

    def _build_and_store(self) -> dict[str, Any]:
        """Wait for the grades (those lost to a restart are redone now), build the report, store the turns."""
        assert self.engine is not None
        grades = self.engine.grades(self.state, timeout=None)
        graded: set[str] = set()
        for turn in self.turns:  # the grade of a question goes with its first turn
            qid = turn.get("question_id")
            if qid in grades and qid not in graded:
                turn["grade"] = grades[qid].model_dump(mode="json")
                graded.add(qid)
        report = eng.build_report(self.state, grades, eng.delivery_for_report(self.turns))
        for i, turn in enumerate(self.turns):
            self.store.add_turn(self.id, i, turn)
        self.store.save_report(self.id, report)
        return report

    async def _save(self) -> None:
        meta = dict(self.meta)
        meta.update(
            state=self.state.model_dump_json(),
            phase=self.phase if self.phase != "listening" else "speaking",
            current=self.current,
            turns_done=self.turns,
            status="done" if self.phase == "done" else "in_progress",
        )
        self.meta = meta
        await asyncio.to_thread(self.store.update_session_meta, self.id, meta)

    def _vision_time(self) -> float:
        return time.monotonic() - self._vision_t0

    async def close(self) -> None:
        self._hold_background(False)
        await self._audio_q.put(None)
        if self.engine is not None:
            self.engine.close()
        if self._vision is not None:
            await asyncio.to_thread(self._vision.close)
            self._vision = None


def _norm(text: str) -> str:
    """Text compared for speculation: words only (Whisper may add a stray '.' on the trailing silence)."""
    return " ".join(re.findall(r"[\w']+", text.lower()))


def _slice_timeline(tl: dict[str, Any], start: float, end: float) -> dict[str, Any]:
    keep = [i for i, t in enumerate(tl.get("t", [])) if start - 1e-6 <= t <= end]
    return {k: ([v[i] for i in keep] if isinstance(v, list) else v) for k, v in tl.items()}
