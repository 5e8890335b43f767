"""The question guard: checks every interviewer utterance before it is shown or spoken.

Two stages, per sentence:

1. Rules (`rules.py`): a block pattern decides at once (score 1.0); otherwise a lawful-variant pattern
   (work authorisation, over 18, essential functions, travel, job languages, schedule, salary
   expectations) allows at once (score 0.0).
2. Otherwise a classifier on MiniLM embeddings. By default (`stage="head"`) the trained softmax head
   shipped in data/guard_head.json (`head.py`, trained by `greenroom train guard`). With
   `stage="exemplar"` (or in a build without the head file) the older nearest-neighbour margin against
   an exemplar bank of improper and proper questions (`similarity.py`: data/exemplars.yaml plus the
   `tune` half of the labelled set), with thresholds tuned leave-one-out on that `tune` half.

The rules stay as a second line beside the classifier: the classifier never overrides a block rule.

A text is blocked when any sentence is. Text the English-only model cannot read is blocked as
`unsupported_language` (fail closed). Empty or over-long text raises `InputError`. Each block is
counted as a privacy-safe event (category and time only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greenroom.ethics import rules, text
from greenroom.ethics.base import GuardVerdict
from greenroom.ethics.categories import UNSUPPORTED_LANGUAGE, lawful_variant
from greenroom.ethics.datasets import load_exemplars, load_labelled, with_tune_split
from greenroom.ethics.events import GuardMetrics, default_metrics
from greenroom.ethics.head import GuardHead, load_default_head
from greenroom.ethics.similarity import ExemplarIndex, Match, Thresholds

if TYPE_CHECKING:
    from greenroom.config import Settings

#: Tuned leave-one-out on the `tune` split of labelled_questions.yaml (see `evaluation.tune_thresholds` and
#: benchmarks/guard.py): the embedding stage alone, best recall at a false-block rate <= 2%, centre of the optimum.
DEFAULT_THRESHOLDS = Thresholds(min_similarity=0.54, margin=-0.07)


@dataclass(frozen=True)
class SentenceVerdict:
    """The verdict on one sentence, and the evidence for it (never stored; for debugging and tuning)."""

    sentence: str
    allowed: bool
    category: str | None
    score: float
    reason: str
    match: Match | None = None


class QuestionGuard:
    """`check(text)` -> `GuardVerdict(allowed, category, score, lawful_variant)`."""

    name = "question"

    def __init__(
        self,
        embedder: Any | None = None,
        *,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        exemplars: Path | None = None,
        include_tune_split: bool = True,
        metrics: GuardMetrics | None = None,
        max_chars: int = text.MAX_CHARS,
        stage: str = "head",
        head: GuardHead | None = None,
    ) -> None:
        if embedder is None:
            from greenroom.embeddings import get_embedder

            embedder = get_embedder()
        bank = load_exemplars(exemplars)
        if include_tune_split:
            bank = with_tune_split(bank, load_labelled())
        self.index = ExemplarIndex(embedder, bank.improper, bank.proper)
        self.thresholds = thresholds
        self.metrics = metrics if metrics is not None else default_metrics()
        self.max_chars = max_chars
        if stage not in ("head", "exemplar"):
            raise ValueError(f"Unknown guard stage {stage!r}. Valid: exemplar, head.")
        self.head = (head or load_default_head()) if stage == "head" else None
        #: Which second stage decides: "head" (the trained classifier) or "exemplar" (nearest neighbours).
        self.stage = "head" if self.head is not None else "exemplar"

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Any | None = None) -> QuestionGuard:
        th = Thresholds(
            min_similarity=settings.ethics_guard_min_similarity
            if settings.ethics_guard_min_similarity is not None
            else DEFAULT_THRESHOLDS.min_similarity,
            margin=settings.ethics_guard_margin
            if settings.ethics_guard_margin is not None
            else DEFAULT_THRESHOLDS.margin,
        )
        head = GuardHead.load(settings.ethics_guard_head) if settings.ethics_guard_head else None
        return cls(
            embedder,
            thresholds=th,
            max_chars=settings.ethics_max_text_chars,
            stage=settings.ethics_guard_stage,
            head=head,
        )

    # --- checking ------------------------------------------------------------------------------
    def check(self, text_in: str) -> GuardVerdict:
        """Check one utterance (any number of sentences)."""
        return self.check_many([text_in])[0]

    def check_many(self, texts: Sequence[str]) -> list[GuardVerdict]:
        """Check several utterances, embedding all their undecided sentences in one batch."""
        per_text = [self.explain_many_prepared(text.prepare(t, max_chars=self.max_chars)) for t in texts]
        verdicts = self._resolve(per_text)
        for v in verdicts:
            if not v.allowed:
                self.metrics.record(self.name, v.category, "blocked")
        return verdicts

    def explain(self, text_in: str) -> list[SentenceVerdict]:
        """Per-sentence verdicts with their evidence (rule name, nearest exemplars)."""
        pending = self.explain_many_prepared(text.prepare(text_in, max_chars=self.max_chars))
        return self._embed_pending([pending])[0]

    # --- internals -----------------------------------------------------------------------------
    def explain_many_prepared(self, clean: str) -> list[SentenceVerdict | str]:
        """Rule verdicts per sentence; sentences left for the embedding stage stay as plain strings."""
        if not text.is_probably_english(clean):
            return [SentenceVerdict(clean, False, UNSUPPORTED_LANGUAGE, 1.0, "language: not English")]
        out: list[SentenceVerdict | str] = []
        for sent in text.sentences(clean) or [clean]:
            low = sent.lower()
            # a technical design question about a product skips the block rules: the trained head decides
            blocked = [] if (self.head is not None and rules.is_design_question(low)) else rules.block_hits(low)
            if blocked:
                out.append(SentenceVerdict(sent, False, blocked[0].category, 1.0, f"rule:{blocked[0].rule}"))
                continue
            allowed = rules.allow_hits(low)
            if allowed:
                out.append(SentenceVerdict(sent, True, None, 0.0, f"lawful:{allowed[0].rule}"))
                continue
            out.append(sent)
        return out

    def _embed_pending(
        self, per_text: list[list[SentenceVerdict | str]], *, exclude_self: bool = False
    ) -> list[list[SentenceVerdict]]:
        pending = [s for items in per_text for s in items if isinstance(s, str)]
        if self.head is not None:
            return self._head_pending(per_text, pending)
        matches = iter(self.index.match(pending, exclude_self=exclude_self))
        resolved: list[list[SentenceVerdict]] = []
        for items in per_text:
            row = []
            for item in items:
                if isinstance(item, SentenceVerdict):
                    row.append(item)
                    continue
                m = next(matches)
                bad = self.thresholds.is_bad(m)
                row.append(
                    SentenceVerdict(
                        item,
                        not bad,
                        m.category if bad else None,
                        self.thresholds.score(m),
                        f"exemplar:{m.category} s_bad={m.s_bad:.3f} s_good={m.s_good:.3f}",
                        m,
                    )
                )
            resolved.append(row)
        return resolved

    def _head_pending(
        self, per_text: list[list[SentenceVerdict | str]], pending: list[str]
    ) -> list[list[SentenceVerdict]]:
        assert self.head is not None
        vecs = self.index.embedder.encode(pending) if pending else None
        preds = iter(self.head.predict(vecs) if vecs is not None else [])
        resolved: list[list[SentenceVerdict]] = []
        for items in per_text:
            row = []
            for item in items:
                if isinstance(item, SentenceVerdict):
                    row.append(item)
                    continue
                h = next(preds)
                row.append(
                    SentenceVerdict(
                        item,
                        not h.is_bad,
                        h.category if h.is_bad else None,
                        h.score,
                        f"head:{h.category} p_improper={h.p_improper:.3f}",
                    )
                )
            resolved.append(row)
        return resolved

    def _resolve(self, per_text: list[list[SentenceVerdict | str]]) -> list[GuardVerdict]:
        verdicts = []
        for row in self._embed_pending(per_text):
            blocked = [s for s in row if not s.allowed]
            if blocked:
                worst = max(blocked, key=lambda s: s.score)
                verdicts.append(
                    GuardVerdict(
                        allowed=False,
                        category=worst.category,
                        score=worst.score,
                        lawful_variant=lawful_variant(worst.category),
                        reason=worst.reason,
                    )
                )
            else:
                top = max(row, key=lambda s: s.score)
                verdicts.append(GuardVerdict(allowed=True, category=None, score=top.score, reason=top.reason))
        return verdicts
