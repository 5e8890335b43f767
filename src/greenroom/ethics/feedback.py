"""The feedback guard: generated feedback must be about the answer, never about who the candidate is.

It blocks three things, per sentence:

- `demeaning`: insults and contempt ("stupid", "pathetic", "no idea what you are talking about");
- `stereotype`: claims about a group ("as a woman...", "people your age...", "typical of...");
- `identity`: advice about the candidate's identity rather than the answer: accent, looks, weight,
  age, gender, ethnicity, religious dress, family.

Delivery advice (pace, filler words, pauses, volume, eye contact) is allowed. Same two stages as the
question guard: rules first, then a MiniLM exemplar margin (data/feedback.yaml).
"""

from __future__ import annotations

import re
from typing import Any

from greenroom.ethics import text
from greenroom.ethics.base import GuardVerdict
from greenroom.ethics.datasets import LabelledItem, data_path, load_yaml
from greenroom.ethics.events import GuardMetrics, default_metrics
from greenroom.ethics.similarity import ExemplarIndex, Thresholds

ADVICE = (
    "Comment on the answer (content, structure, specifics) and its delivery (pace, fillers, pauses), not on the person."
)

_F = re.IGNORECASE
FEEDBACK_RULES: dict[str, list[re.Pattern[str]]] = {
    "demeaning": [
        re.compile(p, _F)
        for p in (
            r"\b(stupid|idiotic|idiot|dumb|moronic|pathetic|hopeless|worthless|clueless|incompetent|embarrassing|laughable)\b",
            r"\bno idea what you('re| are) (talking|doing)\b",
            r"\bwast(e|ing) (the interviewer's|our|my|everyone's) time\b",
            r"\banyone could have\b",
            r"\byou (seem|are|sound|look) (too )?(slow|dim|thick|simple)\b",
        )
    ],
    "stereotype": [
        re.compile(p, _F)
        for p in (
            r"\b(as|for) (a|an) (woman|man|girl|guy|mother|mum|mom|father|dad|parent|foreigner|immigrant|older|younger|black|white|asian|muslim|christian|jewish)\b",
            r"\b(women|men|girls|mothers|fathers|foreigners|immigrants|older (people|candidates|developers|workers)|young people|millennials|boomers)\b.{0,30}\b(tend|usually|often|always|never|are (naturally|better|worse))\b",
            r"\b(people|candidates|someone|those) (of |from )?(your|their) (age|generation|country|background|culture|race|religion|gender)\b",
            r"\btypical (of|for) (a |an )?(candidates? |people )?(from )?(your|their|women|men)\b",
            r"\bfor someone your age\b",
        )
    ],
    "identity": [
        re.compile(p, _F)
        for p in (
            r"\baccent\b",
            r"\bsound (more )?(american|british|english|native|younger|older|masculine|feminine|white|local)\b",
            r"\b(look|seem|sound|appear) (younger|older|tired and old|old|more feminine|more masculine)\b",
            r"\b(lose|lost|losing) (some )?weight\b|\byour (weight|figure|body|hair(style)?|skin|face|looks|beard|headscarf|hijab|turban)\b",
            r"\b(wear|wearing) (makeup|make-up|a skirt|a dress)\b|\bdress(ing)? more (femininely|masculinely)\b",
            r"\b(hide|cover|remove) your (age|headscarf|hijab|turban|tattoos?|grey hair)\b",
            r"\b(your|mentioning your) (kids|children|husband|wife|partner|pregnancy|religion|faith)\b",
            r"\b(more|less) (feminine|masculine|ladylike|manly)\b",
        )
    ],
}

#: Set by hand (the question guard's first tuned values): the feedback labelled set (15 + 13 sentences) is
#: too small to tune on.
DEFAULT_FEEDBACK_THRESHOLDS = Thresholds(min_similarity=0.40, margin=0.10)


def load_feedback_labelled() -> list[LabelledItem]:
    data = load_yaml(data_path("feedback.yaml"))["labelled"]
    return [
        LabelledItem(str(t), side == "improper", str(label), split)  # type: ignore[arg-type]
        for side in ("improper", "proper")
        for label, splits in data[side].items()
        for split in ("tune", "heldout")
        for t in splits.get(split) or []
    ]


class FeedbackGuard:
    """`check(feedback)` -> `GuardVerdict`; `lawful_variant` carries advice on how to rephrase."""

    name = "feedback"

    def __init__(
        self,
        embedder: Any | None = None,
        *,
        thresholds: Thresholds = DEFAULT_FEEDBACK_THRESHOLDS,
        metrics: GuardMetrics | None = None,
        max_chars: int = text.MAX_CHARS,
    ) -> None:
        if embedder is None:
            from greenroom.embeddings import get_embedder

            embedder = get_embedder()
        ex = load_yaml(data_path("feedback.yaml"))["exemplars"]
        self.index = ExemplarIndex(embedder, ex["improper"], ex["proper"])
        self.thresholds = thresholds
        self.metrics = metrics if metrics is not None else default_metrics()
        self.max_chars = max_chars

    def check(self, feedback: str) -> GuardVerdict:
        clean = text.prepare(feedback, max_chars=self.max_chars)
        if not text.is_probably_english(clean):
            return self._blocked("unsupported_language", 1.0, "language: not English")
        pending: list[str] = []
        for sent in text.sentences(clean) or [clean]:
            for category, patterns in FEEDBACK_RULES.items():
                for i, pat in enumerate(patterns):
                    if pat.search(sent):
                        return self._blocked(category, 1.0, f"rule:{category}#{i}")
            pending.append(sent)
        top = 0.0
        reason = ""
        for m in self.index.match(pending):
            score = self.thresholds.score(m)
            if self.thresholds.is_bad(m):
                return self._blocked(m.category, score, f"exemplar:{m.category} s_bad={m.s_bad:.3f}")
            if score >= top:
                top, reason = score, f"exemplar s_bad={m.s_bad:.3f} s_good={m.s_good:.3f}"
        return GuardVerdict(allowed=True, category=None, score=top, reason=reason)

    def _blocked(self, category: str, score: float, reason: str) -> GuardVerdict:
        self.metrics.record(self.name, category, "blocked")
        return GuardVerdict(allowed=False, category=category, score=score, lawful_variant=ADVICE, reason=reason)
