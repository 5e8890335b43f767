"""One live interview: the coordinator of the stages in `live.stages`, across reconnections.

The session is independent of any one WebSocket: `attach` a sender, `detach` it when the socket closes,
and a new socket resumes where the interview was (the resume state is saved after every turn). Every
blocking call (LLM, ASR, TTS, vision, storage) runs in a worker thread; every background step is owned
(`spawn`), reports its failure to the page, and is awaited before the report (`_settle`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from greenroom.config import Settings
from greenroom.errors import GreenroomError, InputError
from greenroom.live import engine as eng
from greenroom.live.base import Models
from greenroom.live.protocol import MAX_ANSWER_CHARS, error_event, event
from greenroom.live.stages.acknowledge import Acknowledgements
from greenroom.live.stages.barge_in import BargeInWindow
from greenroom.live.stages.events import NoAnswer, Partial, SpeechStarted, TurnDue, TurnEnded
from greenroom.live.stages.lag import CatchUp
from greenroom.live.stages.listening import ListeningStage
from greenroom.live.stages.metrics import measure_turn
from greenroom.live.stages.microphone import MicInput
from greenroom.live.stages.redaction import RedactionStage
from greenroom.live.stages.reply import ReplyStage
from greenroom.live.stages.saving import SavingStage
from greenroom.live.stages.speech_out import SpeechOut
from greenroom.live.stages.timing import TimingObserver
from greenroom.live.stages.vision import VisionStage

log = logging.getLogger("greenroom.live")
SendJson = Callable[[dict[str, Any]], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]
_BUSY = {"thinking": "The interviewer is thinking about your answer…", "finishing": "Grading your answers…"}


class LiveSession:
    """State and behaviour of one interview, across reconnections."""

    def __init__(
        self,
        interview_id: str,
        settings: Settings,
        resources: Models,
        store: Any,
        meta: dict[str, Any],
        resume: dict[str, Any] | None,
        turns: list[dict[str, Any]],
    ) -> None:
        """`resume`: the stored resume state (None once the interview finished); `turns`: the stored turns."""
        from greenroom.interview.service import ResumeState, StoredTurn

        self.id, self.settings, self.resources, self.store, self.meta = interview_id, settings, resources, store, meta
        self.setup = eng.Setup.model_validate(meta["setup"])
        keep = set(StoredTurn.model_fields)
        self._turns = [StoredTurn.model_validate({k: v for k, v in t.items() if k in keep}) for t in turns]
        saved = ResumeState.model_validate(resume) if resume is not None else None
        self._saved = saved
        self.phase = saved.phase if saved else "done"  # new | speaking | listening | thinking | finishing | done
        self.service: Any = None  # the `InterviewService`, built on the shared models in `_load`
        self.degraded: list[dict[str, str]] = []
        self.voice, self.camera = self.setup.voice, self.setup.camera
        self.timing = TimingObserver()
        self.timings = self.timing.turns  # the figures of every measured turn (benchmarks read them)
        self._send_json: SendJson | None = None
        self._send_bytes: SendBytes | None = None
        self.mic = MicInput()
        self._audio_task: asyncio.Task[None] | None = None
        self._listening: ListeningStage | None = None
        self._window: BargeInWindow | None = None  # after a spoken turn end: the candidate may still go on
        self._acks = Acknowledgements(lambda: resources.try_load("synthesizer"))
        self._acked_at: float | None = None  # when an acknowledgement was heard in this pause (perf_counter)
        self._ack_in_pause = False  # one was started in this pause
        self._acks_left = 0  # acknowledgements left in this turn
        self._reply: ReplyStage | None = None
        self._redact: RedactionStage | None = None
        self._vision: VisionStage | None = None
        self._holding = False  # background grading held while the candidate speaks
        # the live path behind real time: background work yields, and the room says it is catching up
        self.lag = CatchUp(settings.server_live_behind_s, resources.pause_background)
        self._calibration: str | None = None  # None, "waiting", "running", then "calibrated"/"skipped"/"failed"
        self._busy = asyncio.Lock()
        self._tasks: set[asyncio.Future[Any]] = set()
        self.report: dict[str, Any] | None = None  # built at the finish; stored with the turns by `saving`
        self.saving = SavingStage(self, settings.storage_retry_s)

    @property
    def state(self) -> Any:
        return self.service.state if self.service is not None else (self._saved.state if self._saved else None)

    @property
    def turns(self) -> list[Any]:
        return self.service.turns if self.service is not None else self._turns  # type: ignore[no-any-return]

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
        if self.phase != "done":
            await self._load()
        if self.phase == "listening":  # a socket lost while listening: replay the question, then listen again
            self.phase = "speaking"
        if self._audio_task is None or self._audio_task.done():
            self._audio_task = asyncio.create_task(self._audio_loop())
        asked = len({t.question_id for t in self.turns})
        await self.emit(
            "ready",
            interview_id=self.id,
            total=len(self.state.questions) if self.state is not None else asked,
            index=self.state.index if self.state is not None else asked,
            voice=self.voice,
            camera=self.camera,
            resumed=self.phase != "new",
            phase=self.phase,
            max_text_chars=min(self.settings.server_max_text_chars, MAX_ANSWER_CHARS),
            degraded=self.degraded + self.resources.degraded(),
            transcript=[{"q": t.question, "a": t.answer} for t in self.turns],
        )
        if self.phase == "done":
            await self.emit("finished", session_id=self.id)
        elif self.phase == "new":
            if hello.calibrate and self._vision is not None and self._calibration in (None, "waiting", "running"):
                self._calibration = "waiting"  # the first question follows the calibration step (or its skip)
                await self.emit("calibrate", seconds=3.0)
            else:
                if self._calibration in ("waiting", "running"):
                    self._calibration = "skipped"
                self.spawn(self._open())
        elif self.phase in ("thinking", "finishing"):  # the running turn or report goes to this socket when ready
            await self.emit("status", detail=_BUSY[self.phase], phase=self.phase)
        elif self.service.current is not None:  # resumed: a short welcome back, the current question, then listen
            self.spawn(self._ask(eng.welcome_back(self.state, self.service.current), again=True))

    def detach(self, send_json: SendJson | None = None) -> None:
        """Forget the socket (only if it is still the current one, when given)."""
        if send_json is not None and send_json != self._send_json:
            return
        self._send_json = self._send_bytes = None
        self._end_window()  # the answer is recorded now, not after a barge-in that cannot come
        self._hold_background(False)
        self.lag.end()
        if self.phase == "listening":
            self._listening = None

    async def emit(self, event_type: str, /, **fields: Any) -> None:
        if self._send_json is None:
            return
        try:
            await self._send_json(event(event_type, **fields))
        except Exception as exc:  # any failed send means the socket is gone (starlette raises several kinds)
            log.info("live %s: the socket went away (%s); a reconnect resumes", self.id[:8], type(exc).__name__)
            self.detach()

    async def emit_error(self, exc: GreenroomError | str, code: str = "error") -> None:
        ev = error_event(exc.code, exc.message) if isinstance(exc, GreenroomError) else error_event(code, exc)
        await self.emit(ev.pop("type"), **ev)

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run a step in the background, owned by the session; its failure is logged and shown as what it is."""

        async def wrapped() -> None:
            try:
                await coro
            except GreenroomError as exc:
                log.warning("live %s: %s", self.id[:8], exc.message)
                await self.emit_error(exc)
            except Exception as exc:
                log.exception("live session step failed")
                await self.emit_error(f"Internal error: {type(exc).__name__}: {exc}", "internal")

        task = asyncio.ensure_future(wrapped())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _settle(self) -> None:
        """Await every background step (turn metrics, timing events, a speculative reply) before the report."""
        while pending := [t for t in self._tasks if t is not asyncio.current_task() and not t.done()]:
            await asyncio.wait(pending)
        if self._reply is not None:
            await self._reply.settle()

    # --- models ---------------------------------------------------------------------------------------
    async def _load(self) -> None:
        if self.service is None:
            await self.emit("status", detail="Loading the interviewer…")
            s = self._saved
            assert s is not None
            self.service = await asyncio.to_thread(eng.new_service, self.resources, s.state, self._turns, s.current)
            self._redact = RedactionStage(self.service.interviewer.anonymize)
            self._reply = ReplyStage(self.service, self._redact)
        if self.voice and await asyncio.to_thread(self.resources.try_load, "transcriber") is None:
            self.voice = False
        if self.camera and self._vision is None:
            try:
                from greenroom.vision.stream import StreamingVisionAnalyzer

                analyzer = await asyncio.to_thread(StreamingVisionAnalyzer, self.settings)
                self._vision = VisionStage(analyzer, self.settings.server_vision_fps)
            except Exception as exc:  # any failure to load: run without camera analysis, and say so
                self.camera = False
                self.degraded.append({"code": "no_vision", "detail": f"Camera analysis unavailable: {exc}"})

    def _hold_background(self, on: bool) -> None:
        if on != self._holding:
            self._holding = on
            self.resources.pause_background(on)

    async def _track_lag(self, lag_s: float) -> None:
        """The live path is `lag_s` behind real time: past the setting, background work yields to it (grading
        held, no speculative reply, camera frames skipped) and the room says it is catching up."""
        if (change := self.lag.observe(lag_s)) is not None:
            await self.emit("catching_up", on=change, behind_s=round(self.lag.monitor.lag_s, 1))

    async def _caught_up(self) -> None:
        if self.lag.end():
            await self.emit("catching_up", on=False, behind_s=0.0)

    # --- asking ---------------------------------------------------------------------------------------
    async def _open(self) -> None:
        async with self._busy:
            self.phase = "thinking"
            asked = await asyncio.to_thread(self.service.start)
            self.phase = "speaking"
            await self.saving.save()
        self._prephrase(asked.question_id)
        await self._ask(asked)

    def _prephrase(self, question_id: str | None, taken_back: Callable[[], bool] = lambda: False) -> None:
        """A question is asked: phrase its possible follow-ups while it is spoken and answered. Not while the
        live path is catching up, nor once the candidate took the turn back: the rest is phrased when needed."""
        if self.settings.interview_prephrase and self._reply is not None:
            self._reply.prephrase(question_id, lambda: self.lag.behind or taken_back())

    async def _ask(self, utt: Any, *, again: bool = False) -> None:
        await self._asked(utt, await self._say(utt, again=again))

    async def _say(self, utt: Any, window: BargeInWindow | None = None, *, again: bool = False) -> bool:
        """Show and speak `utt`; False when there is no voice. A barge-in in `window` stops the voice."""
        if window is not None and window.barged:  # taken back before it was shown
            return True
        if not self.timing.active:
            self._hold_background(False)
        s = self.state
        await self.emit(
            "question", text=utt.text, kind=utt.kind, index=s.index, total=len(s.questions), done=utt.done, again=again
        )
        if utt.degraded:
            await self.emit("degraded", notes=[{"code": "interviewer", "detail": utt.degraded}])
        return await self._speak(utt.text, window)

    async def _asked(self, utt: Any, spoke: bool, *, listen: bool = False) -> None:
        """After the question: the report when it was the last, else listen (now when there was no audio to
        wait for, or `listen`: the page said it has played)."""
        self._hold_background(False)
        if utt.done:
            await self._finish()
        elif not spoke or listen:
            await self.start_listening()

    async def _speak(self, text: str, window: BargeInWindow | None = None) -> bool:
        """Stream the interviewer's voice, one sentence at a time. False when there is no voice."""
        synth = await asyncio.to_thread(self.resources.try_load, "synthesizer")
        if synth is None or self._send_bytes is None:
            return False
        out = SpeechOut(synth)
        if window is not None and window.barged:
            return True
        await self.emit("audio_start", **out.header)
        first = True
        frames = out.frames(text)
        try:
            async for frame in frames:
                if window is not None and window.barged:  # the candidate went on: the interviewer stops
                    return True
                if not await self._send_frame(frame, first):
                    return True
                first = False
        finally:
            await frames.aclose()
        await self.emit("audio_end")
        return True

    async def _send_frame(self, frame: bytes, first: bool) -> bool:
        """Send one frame of the interviewer's voice (the reply's first one closes the turn's timing); False
        when the socket is gone."""
        if first:
            self.timing.mark("first_audio")
            figures = self.timing.finish()
            if figures is not None:
                if observe := getattr(self.resources, "observe_turn", None):  # the server's latency metrics
                    observe(figures)
                self.spawn(self.emit("timing", **figures))
            self._hold_background(False)
        return await self._send_audio(frame)

    async def _send_audio(self, frame: bytes) -> bool:
        if self._send_bytes is None:
            return False
        try:
            await self._send_bytes(frame)
        except Exception as exc:  # as in `emit`: the socket is gone
            log.info("live %s: the socket went away while speaking (%s)", self.id[:8], type(exc).__name__)
            self.detach()
            return False
        return True

    async def _acknowledge(self, window: BargeInWindow | None = None) -> None:
        """A short acknowledgement at once (at most two a turn): when the silence would end the turn and the
        text is not in yet (`TurnDue`), or while the reply is prepared. A barge-in stops it."""
        if self._acks_left <= 0 or self._ack_in_pause:
            return
        self._acks_left -= 1
        self._ack_in_pause = True
        said = await self._acks.audio(self._acks.phrase(len(self.turns) + self._acks_left))
        if said is None or self._send_bytes is None or (window is not None and window.barged):
            return
        header, frames = said
        await self.emit("audio_start", **header)
        for i, frame in enumerate(frames):
            if window is not None and window.barged:
                return
            if i == 0:
                self._acked_at = time.perf_counter()
                self.timing.mark("ack", self._acked_at)
            if not await self._send_audio(frame):
                return

    # --- listening ------------------------------------------------------------------------------------
    async def start_listening(self) -> None:
        if self.phase in ("finishing", "done"):
            return
        if self._window is not None and self._window.open:  # the reply has played inside the barge-in window:
            self._window.close(played=True)  # the answer is recorded, then `_answer` listens
            return
        self.phase = "listening"
        await self._caught_up()
        if self._reply is not None:
            self._reply.drop()
        self._listening = None
        if self.voice:
            self._hold_background(True)
            from greenroom.speech.leadgate import LeadSilenceGate
            from greenroom.speech.listener import Listener

            listener = await asyncio.to_thread(Listener.from_settings, self.resources.transcriber(), self.settings)
            why = listener.detector.degraded  # no end-of-turn model: the rules alone, said once per interview
            if why and not any(d["code"] == "turn_rules" for d in self.degraded):
                self.degraded.append({"code": "turn_rules", "detail": why})
                await self.emit("degraded", notes=[{"code": "turn_rules", "detail": why}])
            self._listening = ListeningStage(listener, await asyncio.to_thread(LeadSilenceGate))
        if self._vision is not None:
            self._vision.start_turn(f"turn-{len(self.turns)}")
        self._acked_at, self._ack_in_pause = None, False
        self._acks_left = 2 if self.settings.server_acknowledge_s > 0 else 0
        if self.voice and self.settings.server_acknowledge_s > 0 and not self._acks.ready:
            self.spawn(self._acks.prepare())
        await self.emit(
            "listening",
            voice=self.voice,
            thinking_s=self.settings.speech_turn_thinking_s,
            end_silence_s=self.settings.speech_turn_end_silence_s,
            turn_model=self._listening is not None and self._listening.listener.detector.model is not None,
        )

    def on_audio(self, payload: bytes) -> None:
        if self.voice and (self.phase == "listening" or (self._window is not None and self._window.open)):
            self.mic.put(payload)

    def _end_window(self) -> None:
        """Close the barge-in window now (the candidate typed, skipped, ended or left): the turn end stands."""
        if self._window is not None:
            self._window.close()

    async def _barged_in(self, stage: ListeningStage) -> None:
        """The candidate went on inside the window: the interviewer stops, and the same turn listens on."""
        self._window = None
        self.phase = "listening"
        self._listening = stage
        self._hold_background(True)
        self._acked_at, self._ack_in_pause = None, False
        self.timing.barged_in()
        if self._reply is not None:
            self._reply.drop()
        cur, s = self.service.current, self.state
        await self.emit(
            "barge_in",
            question=cur.text if cur is not None else "",
            kind=cur.kind if cur is not None else "",
            index=s.index,
            total=len(s.questions),
            text=stage.listener.detector.text,
        )

    async def _audio_loop(self) -> None:
        """Feed the listening stage; audio that queued up while it was transcribing goes in one piece. A
        failure is reported and the loop goes on: the session must keep listening."""
        while (batch := await self.mic.batch(wait_s=0.25)) is not None:
            window = self._window if self._window is not None and self._window.open else None
            stage: ListeningStage | None = self._listening if self.phase == "listening" else None
            if stage is None and window is not None:
                stage = window.stage
            if stage is None or not (batch or stage.text_due):
                continue
            if batch:
                await self._track_lag(time.perf_counter() - batch[0][1])  # how long the oldest audio waited
            try:  # no audio for a while: a turn that waits only for its text ends once the text is in
                events = await asyncio.to_thread(stage.feed, batch) if batch else await asyncio.to_thread(stage.settle)
            except GreenroomError as exc:
                await self.emit_error(exc)
                continue
            except Exception as exc:
                log.exception("live audio processing failed")
                await self.emit_error(f"Audio processing failed ({type(exc).__name__}); press Done or type.", "audio")
                continue
            if batch and self.mic.queue.empty():  # nothing more waiting: how late the newest audio was handled
                await self._track_lag(time.perf_counter() - batch[-1][1])
            arrived = batch[0][1] if batch else time.perf_counter()
            await self._on_turn_events(events, stage, window, arrived)

    async def _on_turn_events(
        self, events: list[Any], stage: ListeningStage, window: BargeInWindow | None, arrived: float
    ) -> None:
        for ev in events:
            if window is not None and self._listening is not stage:  # after the turn end: only going on counts
                if isinstance(ev, SpeechStarted) and window.barge(arrived):
                    await self._barged_in(stage)
                continue
            if isinstance(ev, SpeechStarted):
                self._acked_at, self._ack_in_pause = None, False  # went on: an acknowledgement was not the end
                await self.emit("speech_start")
            elif isinstance(ev, TurnDue):
                self.spawn(self._acknowledge())
            elif isinstance(ev, Partial):
                await self.emit("partial", text=ev.text)
                if ev.sounds_finished and self._reply is not None and not self.lag.behind:
                    self._reply.speculate(ev.text)
            elif isinstance(ev, NoAnswer):
                await self.emit("no_answer", detail=ev.detail)
            elif isinstance(ev, TurnEnded) and self._listening is stage:
                self._listening = None
                if self.settings.speech_barge_in_s > 0 and self._send_json is not None:
                    self._window = BargeInWindow(stage, self.settings.speech_barge_in_s, ev.times["turn_end"])
                self.spawn(self._answer(ev.text, "voice", ev, stage))

    async def on_done(self) -> None:
        """The "done" button: end the spoken turn with what was heard."""
        stage = self._listening
        if self.phase != "listening" or stage is None:
            return
        self._listening = None
        ended = await asyncio.to_thread(stage.finish)
        if ended is None:
            await self.emit("no_answer", detail="Nothing was heard yet: speak, or type your answer.")
            self._listening = stage
            return
        await self._answer(ended.text, "voice", ended, stage)

    async def on_text(self, text: str) -> None:
        if self.phase not in ("listening", "speaking"):
            raise InputError("The interviewer is not waiting for an answer right now.")
        text = text.strip()
        if not text:
            raise InputError("The answer is empty.")
        if len(text) > self.settings.server_max_text_chars:
            raise InputError(f"The answer is over {self.settings.server_max_text_chars} characters.")
        self._end_window()
        self._listening = None
        await self._answer(text, "typed", None, None)

    async def on_skip(self) -> None:
        """The candidate skips the open question: recorded as unanswered, never scored."""
        if self.phase not in ("listening", "speaking"):
            raise InputError("The interviewer is not waiting for an answer right now.")
        self._end_window()
        self._listening = None
        await self._answer(None, "skipped", None, None)

    async def on_calibrate(self, action: str) -> None:
        """The room's look-at-the-camera step before the first question: start, end (or skip) it."""
        if self._calibration not in ("waiting", "running") or self._vision is None:
            raise InputError("There is no calibration step now.")
        if action == "start":
            await asyncio.to_thread(self._vision.calibrate, "start")
            self._calibration = "running"
            return
        measured = action == "end" and self._calibration == "running"
        self._calibration, detail = await asyncio.to_thread(self._vision.end_calibration, measured)
        await self.emit("calibration", state=self._calibration, detail=detail)
        self.spawn(self._open())

    async def on_frame(self, payload: bytes) -> None:
        """One JPEG camera frame: analysed at once and dropped."""
        if payload[:3] != b"\xff\xd8\xff":
            raise InputError("A camera frame must be a JPEG image.")
        if self._vision is None or (self.phase != "listening" and self._calibration != "running"):
            return
        if self.lag.behind and self._calibration != "running":  # the live path first: this frame is skipped
            return
        fields = await self._vision.push(payload)
        if fields is not None:
            await self.emit("frame", **fields)

    # --- answering ------------------------------------------------------------------------------------
    async def _answer(
        self, text: str | None, source: str, ended: TurnEnded | None, stage: ListeningStage | None
    ) -> None:
        """Answer (None: a skip) -> redaction -> reply -> record the turn -> ask what comes next. After a spoken
        turn end with a barge-in window open, the reply is spoken at once but recorded only when the window
        closes; if the candidate goes on meanwhile, it is thrown away (`_barged_in` listens on)."""
        assert self.service is not None and self._reply is not None
        window = (
            self._window if stage is not None and self._window is not None and self._window.stage is stage else None
        )
        speak: asyncio.Future[bool] | None = None
        try:
            async with self._busy:
                if self.phase in ("thinking", "finishing", "done") or (window is not None and window.barged):
                    return  # (taken back before this step began: `_barged_in` listens on)
                self.phase = "thinking"
                behind = self.lag.monitor.worst_s  # the worst delay behind real time while the candidate spoke
                await self._caught_up()
                await self.emit(
                    "turn_end",
                    text=text or "",
                    source=source,
                    reason=ended.reason if ended else source,
                    barge_in_s=window.seconds if window is not None else 0.0,
                )
                if ended is not None:
                    self.timing.begin(ended.times, ended.reason, behind)
                    if self._acked_at is not None:  # heard in this pause, before the turn ended
                        self.timing.mark("ack", self._acked_at)
                try:
                    reply, speculative = await self._prepare_reply(text, source, ended is not None, window)
                except Exception:
                    # the answer could not be processed: say so, and listen again (nothing of the state changed)
                    self._end_window()
                    self._window = None
                    self.phase = "speaking"
                    self.spawn(self.start_listening())
                    raise
                if window is not None and window.barged:  # the candidate went on: this reply is not needed
                    return
                self.timing.speculative = speculative
                self.timing.reply = reply.asked.kind
                if reply.asked.kind == "question":  # while it is spoken, before it is adopted
                    self._prephrase(reply.asked.question_id, lambda: window is not None and window.barged)
                self.timing.mark("text")
                if window is not None:  # spoken now, recorded once nobody goes on
                    self.phase = "speaking"
                    speak = asyncio.ensure_future(self._say(reply.asked, window))
                    if await window.wait():
                        await speak
                        return
                vision = await asyncio.to_thread(self._vision.end_turn) if self._vision is not None else None
                index = self.service.adopt(reply)
                self.phase = "speaking"
                await self.saving.save(index)  # the answer is safe before the next question is spoken
        finally:
            if window is not None:
                window.close()  # a return or an error above: the turn end stands (no-op after a barge-in)
                if self._window is window:
                    self._window = None
        audio = stage.turn_audio() if stage is not None else None
        if audio is not None or vision is not None:
            self.spawn(self._measure(index, audio, ended.transcript if ended else None, vision))
        if speak is None:
            await self._ask(reply.asked)
        else:
            await self._asked(reply.asked, await speak, listen=window is not None and window.played)

    async def _prepare_reply(
        self, text: str | None, source: str, spoken: bool, window: BargeInWindow | None
    ) -> tuple[Any, bool]:
        """The reply (and whether it was the speculative one); after a spoken turn, when it is not ready within
        `server_acknowledge_s`, a short acknowledgement is said meanwhile."""
        assert self._reply is not None
        task = asyncio.ensure_future(self._reply.reply(text, source))
        wait = self.settings.server_acknowledge_s
        if spoken and wait > 0 and self._send_bytes is not None:
            done, _ = await asyncio.wait({task}, timeout=wait)
            if not done:
                try:
                    await self._acknowledge(window)
                except Exception:  # the acknowledgement is a courtesy: the reply still comes
                    log.exception("live %s: the acknowledgement failed", self.id[:8])
        return await task

    async def _measure(self, index: int, audio: Any, transcript: Any, vision: dict[str, Any] | None) -> None:
        await measure_turn(self.turns[index], audio, transcript, vision)
        await self.saving.save(index)

    async def finish_early(self) -> None:
        """End the interview now: the report covers the answers given so far."""
        if self.phase in ("finishing", "done"):
            return
        self._end_window()
        async with self._busy:
            self._listening = None
        s = self.state
        await self.emit(
            "question",
            text="Let's stop here. Thank you.",
            kind="closing",
            index=s.index,
            total=len(s.questions),
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
        await self._settle()
        self.report = await asyncio.to_thread(self._build_report)
        self.meta = {**self.meta, "status": "done"}
        await self.saving.saver.save()
        await self.saving.saver.wait()  # the report is announced only once it is stored (retried while storage is away)
        report = self.report
        self.phase = "done"
        if self._vision is not None:
            await asyncio.to_thread(self._vision.close)
            self._vision = None
        failed = [n for n in report.get("notes", []) if n.startswith("grading failed:")]
        await self.emit("finished", session_id=self.id, overall=report.get("overall"), failures=failed)

    def _build_report(self) -> dict[str, Any]:
        """Wait for the grades and build the report (stored by `_write`)."""
        report = self.service.finish(timeout=None)
        return dict(report.model_dump(mode="json", by_alias=True))

    async def close(self) -> None:
        self._end_window()
        self._hold_background(False)
        self.lag.close()
        self.saving.saver.cancel()
        await self.mic.close()
        if self.service is not None:
            self.service.close()
        if self._vision is not None:
            await asyncio.to_thread(self._vision.close)
            self._vision = None
