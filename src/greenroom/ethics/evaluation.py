"""Figures of a guard on a labelled set (recall on improper, false-block rate on proper) and threshold tuning.

Tuning only ever looks at the `tune` split; the `heldout` split is only evaluated. The guard's exemplar
bank includes the `tune` split's sentences, so every evaluation here is leave-one-out: a sentence is
never matched against itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from greenroom.ethics.datasets import LabelledItem
from greenroom.ethics.guard import QuestionGuard, SentenceVerdict
from greenroom.ethics.similarity import Match, Thresholds


@dataclass(frozen=True)
class GuardFigures:
    """Recall on improper items, false-block rate on proper ones, and the misses by text."""

    n_improper: int
    n_proper: int
    recall: float
    false_block_rate: float
    category_accuracy: float
    missed: list[str] = field(default_factory=list)
    false_blocks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "n_improper": self.n_improper,
            "n_proper": self.n_proper,
            "recall": round(self.recall, 4),
            "false_block_rate": round(self.false_block_rate, 4),
            "category_accuracy": round(self.category_accuracy, 4),
            "missed": sorted(self.missed),
            "false_blocks": sorted(self.false_blocks),
        }


def _explain_all(guard: QuestionGuard, items: Sequence[LabelledItem]) -> list[list[SentenceVerdict]]:
    from greenroom.ethics import text

    pending = [guard.explain_many_prepared(text.prepare(it.text)) for it in items]
    return guard._embed_pending(pending, exclude_self=True)


def figures(items: Sequence[LabelledItem], verdicts: Sequence[tuple[bool, str | None]]) -> GuardFigures:
    """Figures from (allowed, category) verdicts aligned with `items`."""
    bad = [(it, v) for it, v in zip(items, verdicts, strict=True) if it.improper]
    good = [(it, v) for it, v in zip(items, verdicts, strict=True) if not it.improper]
    caught = [(it, v) for it, v in bad if not v[0]]
    return GuardFigures(
        n_improper=len(bad),
        n_proper=len(good),
        recall=len(caught) / len(bad) if bad else 1.0,
        false_block_rate=sum(not v[0] for _, v in good) / len(good) if good else 0.0,
        category_accuracy=sum(v[1] == it.label for it, v in caught) / len(caught) if caught else 1.0,
        missed=[it.text for it, v in bad if v[0]],
        false_blocks=[it.text for it, v in good if not v[0]],
    )


def evaluate(guard: QuestionGuard, items: Sequence[LabelledItem]) -> GuardFigures:
    """Run the guard (without recording events) over labelled items."""
    rows = _explain_all(guard, items)
    verdicts = []
    for row in rows:
        blocked = [s for s in row if not s.allowed]
        verdicts.append((not blocked, max(blocked, key=lambda s: s.score).category if blocked else None))
    return figures(items, verdicts)


def by_split(guard: QuestionGuard, items: Sequence[LabelledItem]) -> dict[str, GuardFigures]:
    return {
        "tune": evaluate(guard, [it for it in items if it.split == "tune"]),
        "heldout": evaluate(guard, [it for it in items if it.split == "heldout"]),
        "all": evaluate(guard, items),
    }


#: The grids searched for the embedding thresholds.
SIM_GRID = tuple(i / 100 for i in range(30, 81, 2))
MARGIN_GRID = tuple(i / 100 for i in range(-10, 31, 1))


def tune_thresholds(
    guard: QuestionGuard,
    items: Sequence[LabelledItem],
    *,
    max_false_block: float = 0.02,
    sims: Iterable[float] = SIM_GRID,
    margins: Iterable[float] = MARGIN_GRID,
) -> tuple[Thresholds, GuardFigures]:
    """Grid-search the embedding thresholds on the `tune` split only, on the embedding stage alone.

    The rules catch every improper question they were written for, so tuning the whole pipeline
    would leave the embedding stage idle. It is the second line, for what the rules miss, so it is
    tuned as if there were no block rules (sentences a lawful-variant rule allows are left out, as in
    the guard): the best recall (then the lowest false-block rate) with a
    false-block rate of at most `max_false_block`. Many grid points tie; the one returned is the
    centre of that optimal region (median on each axis), not its edge.
    """
    tune = [it for it in items if it.split == "tune"]
    matches = _sentence_matches(guard, tune)
    scored: list[tuple[tuple[float, float], Thresholds, GuardFigures]] = []
    for s in sims:
        for m in margins:
            th = Thresholds(s, m)
            fig = figures(tune, [_verdict(th, ms) for ms in matches])
            if fig.false_block_rate <= max_false_block:
                scored.append(((round(fig.recall, 6), -round(fig.false_block_rate, 6)), th, fig))
    if not scored:
        raise ValueError("no thresholds meet the false-block limit on the tune split")
    top = max(key for key, _, _ in scored)
    optimal = [(th, fig) for key, th, fig in scored if key == top]
    # The centre of the optimal region: the median threshold on each axis, snapped to an optimal point.
    ms = sorted(th.margin for th, _ in optimal)
    ss = sorted(th.min_similarity for th, _ in optimal)
    cm, cs = ms[len(ms) // 2], ss[len(ss) // 2]
    return min(optimal, key=lambda p: (abs(p[0].margin - cm) + abs(p[0].min_similarity - cs), p[0].margin))


def embedding_only(guard: QuestionGuard, items: Sequence[LabelledItem]) -> GuardFigures:
    """Figures of the embedding stage alone (no rules), sentence by sentence, with the guard's thresholds."""
    return figures(items, [_verdict(guard.thresholds, ms) for ms in _sentence_matches(guard, items)])


def _sentence_matches(guard: QuestionGuard, items: Sequence[LabelledItem]) -> list[list[Match]]:
    """Exemplar matches of the sentences of every item that could reach the embedding stage.

    Block rules are ignored (the stage must stand in for them on phrasings they miss), but a sentence
    that a lawful-variant rule allows never reaches the stage, so it does not count against it.
    """
    from greenroom.ethics import rules, text

    def reaches(sentence: str) -> bool:
        low = sentence.lower()
        return bool(rules.block_hits(low)) or not rules.allow_hits(low)

    split = [
        [s for s in (text.sentences(text.prepare(it.text)) or [text.prepare(it.text)]) if reaches(s)] for it in items
    ]
    flat = iter(guard.index.match([s for sents in split for s in sents], exclude_self=True))
    return [[next(flat) for _ in sents] for sents in split]


def _verdict(th: Thresholds, matches: Sequence[Match]) -> tuple[bool, str | None]:
    bad = [m for m in matches if th.is_bad(m)]
    return (not bad, max(bad, key=lambda m: m.margin).category if bad else None)
