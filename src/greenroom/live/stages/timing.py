"""The timing observer: when each stage of a spoken turn finished, and the latency figures from it
(end of speech -> end of turn -> ASR tail -> reply text -> first audio), with how far the live path fell
behind real time while the candidate spoke (`behind_s`). `first_sound` is the wait until the interviewer was
first heard: the acknowledgement said while the reply was prepared (mark `ack`), or else the reply itself."""

from __future__ import annotations

import time
from typing import Any

STAGES = ("end_of_turn", "asr_tail", "next_text", "first_audio", "total")


class TimingObserver:
    """Collects the marks of one turn at a time; `finish` turns them into rounded figures."""

    def __init__(self) -> None:
        self.turns: list[dict[str, Any]] = []
        self._marks: dict[str, float] | None = None
        self._heard = False  # the last figures in `turns` are the current turn's (its reply was heard)
        self.speculative = False
        self.reply = ""  # what the reply was: "question", "follow_up" or "closing"
        self.reason = ""
        self.behind_s = 0.0

    def begin(self, marks: dict[str, float], reason: str = "", behind_s: float = 0.0) -> None:
        """A spoken turn ended: `marks` has speech_end, turn_end and asr_done (perf_counter seconds);
        `reason` says why it ended (the silence waited, the end-of-turn model's verdict); `behind_s`: the
        worst delay of the live path behind real time during the turn."""
        self._marks = dict(marks)
        self._heard = False  # this turn's figures are not in `turns` yet
        self.speculative = False
        self.reply = ""
        self.reason = reason
        self.behind_s = behind_s

    def mark(self, name: str, at: float | None = None) -> None:
        if self._marks is not None:
            self._marks[name] = time.perf_counter() if at is None else at

    @property
    def active(self) -> bool:
        return self._marks is not None

    def finish(self) -> dict[str, Any] | None:
        """The figures of the turn, once its first audio went out (None for an unmeasured turn)."""
        t, self._marks = self._marks, None
        if t is None or not {"speech_end", "turn_end", "asr_done", "text", "first_audio"} <= set(t):
            return None
        base = t["speech_end"]
        stages = {
            "end_of_turn": t["turn_end"] - base,
            "asr_tail": t["asr_done"] - t["turn_end"],
            "next_text": t["text"] - t["asr_done"],
            "first_audio": t["first_audio"] - t["text"],
            "total": t["first_audio"] - base,
        }
        stages["first_sound"] = min(t.get("ack", t["first_audio"]), t["first_audio"]) - base
        figures: dict[str, Any] = {k: round(v, 3) for k, v in stages.items()}
        figures["acknowledged"] = "ack" in t
        figures["speculative"] = self.speculative
        figures["reply"] = self.reply
        figures["reason"] = self.reason
        figures["behind_s"] = round(self.behind_s, 3)
        self.turns.append(figures)
        self._heard = True
        return figures

    def barged_in(self) -> None:
        """The candidate went on after the turn end: a reply already heard is marked a false start
        (`barge_in`), one not yet heard is not measured; the turn's figures come from its next end."""
        if self._heard:
            self.turns[-1]["barge_in"] = True
        self._marks, self._heard = None, False
