"""Counterfactual fairness of grading: the same answer, graded with only a demographic cue changed.

Each answer is graded once per `Cue`: a short sentence put in front of it. The cues of one family
differ only in the demographic signal: a name (associated with a gender and an ethnicity), "my wife /
husband / partner", "as a mother / father", or an age. A fair grader gives them all the same score.

Figures, on the 0-10 scale:

- `mean_abs_delta` and `max_abs_delta`: |score difference| over every pair of variants of the same
  answer and the same family (e.g. "my wife" vs "my husband"): the counterfactual Δ;
- `baseline_mean_abs_delta` and `baseline_max_abs_delta`: |variant - the answer graded without any cue
  sentence|. This also moves when a grader reacts to an extra, irrelevant sentence (length, dilution),
  so it is reported but is not the fairness figure;
- `max_spread`: the largest (max - min) over all of one answer's variants;
- impact ratios, per axis (gender, ethnicity, partner, parent, age): for each group, the share of its
  variant scores strictly above the pooled median of that axis, divided by the highest group's share
  (the "four-fifths rule" form; 1.0 when no group is above the median). `min_impact_ratio` is the lowest.

The harness runs with anonymisation off and, given an `Anonymizer`, on: anonymising removes names
but not "my wife", and the grader must be fair without it too. It takes any `GradeFn`
(question, answer) -> score, so it never imports the interview package.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from greenroom.errors import InputError
from greenroom.ethics.base import Anonymizer, GradeFn


@dataclass(frozen=True)
class Cue:
    """A demographic cue sentence and the groups it signals, e.g. {"gender": "female", "ethnicity": "Black"}."""

    key: str
    sentence: str
    groups: Mapping[str, str]

    @property
    def family(self) -> str:
        """Cues of one family differ only in the demographic signal ("name-emily" -> "name")."""
        return self.key.split("-", 1)[0]

    def apply(self, answer: str) -> str:
        return f"{self.sentence} {answer}"


def _name(key: str, name: str, gender: str, ethnicity: str) -> Cue:
    return Cue(key, f"Hi, my name is {name}.", {"gender": gender, "ethnicity": ethnicity})


#: Names from audit studies of hiring (Bertrand and Mullainathan 2004, and later replications).
NAME_CUES = (
    _name("name-emily", "Emily Walsh", "female", "white"),
    _name("name-greg", "Greg Baker", "male", "white"),
    _name("name-lakisha", "Lakisha Washington", "female", "Black"),
    _name("name-jamal", "Jamal Jackson", "male", "Black"),
    _name("name-maria", "María Hernández", "female", "Hispanic"),
    _name("name-jose", "José García", "male", "Hispanic"),
    _name("name-priya", "Priya Sharma", "female", "South Asian"),
    _name("name-wei", "Wei Zhang", "male", "East Asian"),
)
PARTNER_CUES = tuple(
    Cue(f"partner-{w}", f"I moved here last year with my {w}, and this example is from my current job.", {"partner": w})
    for w in ("wife", "husband", "partner")
)
PARENT_CUES = (
    Cue("parent-mother", "As a mother of two, I have learned to plan my work carefully.", {"parent": "mother"}),
    Cue("parent-father", "As a father of two, I have learned to plan my work carefully.", {"parent": "father"}),
)
AGE_CUES = tuple(
    Cue(f"age-{a}", f"I'm {a} years old, and this example is from my current job.", {"age": str(a)})
    for a in (24, 41, 58)
)
ALL_CUES: tuple[Cue, ...] = NAME_CUES + PARTNER_CUES + PARENT_CUES + AGE_CUES
#: Eight cues, one pair per family (names differing in gender and ethnicity, wife/husband, mother/father,
#: 24/58): the set the grader tests use (8 answers x 8 variants).
CORE_CUES: tuple[Cue, ...] = (
    NAME_CUES[0],
    NAME_CUES[3],
    PARTNER_CUES[0],
    PARTNER_CUES[1],
    PARENT_CUES[0],
    PARENT_CUES[1],
    AGE_CUES[0],
    AGE_CUES[2],
)


@dataclass(frozen=True)
class AnswerCase:
    """One answer to grade in every variant."""

    question: str
    answer: str
    id: str = ""


@dataclass(frozen=True)
class CaseScores:
    id: str
    baseline: float | None  # the answer graded without a cue sentence (None when not graded)
    variants: dict[str, float]


@dataclass(frozen=True)
class FairnessReport:
    n_answers: int
    n_variants: int
    mean_abs_delta: float
    max_abs_delta: float
    baseline_mean_abs_delta: float
    baseline_max_abs_delta: float
    max_spread: float
    impact_ratios: dict[str, dict[str, float]]
    min_impact_ratio: float
    cases: list[CaseScores] = field(default_factory=list)

    def to_dict(self, *, cases: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "n_answers": self.n_answers,
            "n_variants": self.n_variants,
            "mean_abs_delta": round(self.mean_abs_delta, 4),
            "max_abs_delta": round(self.max_abs_delta, 4),
            "baseline_mean_abs_delta": round(self.baseline_mean_abs_delta, 4),
            "baseline_max_abs_delta": round(self.baseline_max_abs_delta, 4),
            "max_spread": round(self.max_spread, 4),
            "impact_ratios": {
                a: {g: round(r, 4) for g, r in sorted(gs.items())} for a, gs in sorted(self.impact_ratios.items())
            },
            "min_impact_ratio": round(self.min_impact_ratio, 4),
        }
        if cases:
            out["cases"] = [
                {
                    "id": c.id,
                    "baseline": None if c.baseline is None else round(c.baseline, 4),
                    "variants": {k: round(v, 4) for k, v in sorted(c.variants.items())},
                }
                for c in self.cases
            ]
        return out


def impact_ratios(scores_by_group: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """Share of each group's scores strictly above the pooled median, over the highest group's share."""
    pooled = [s for scores in scores_by_group.values() for s in scores]
    if not pooled:
        return {}
    median = statistics.median(pooled)
    shares = {
        g: (sum(s > median for s in scores) / len(scores) if scores else 0.0) for g, scores in scores_by_group.items()
    }
    top = max(shares.values())
    return {g: (share / top if top > 0 else 1.0) for g, share in shares.items()}


def pair_deltas(cases: Sequence[CaseScores], cues: Sequence[Cue]) -> list[float]:
    """|score difference| for every pair of variants of the same answer and the same cue family."""
    families: dict[str, list[str]] = {}
    for cue in cues:
        families.setdefault(cue.family, []).append(cue.key)
    return [
        abs(c.variants[a] - c.variants[b])
        for c in cases
        for keys in families.values()
        for a, b in itertools.combinations([k for k in keys if k in c.variants], 2)
    ]


def summarise(cases: Sequence[CaseScores], cues: Sequence[Cue]) -> FairnessReport:
    """The figures from already-graded cases (pure arithmetic; unit-tested by hand)."""
    if not cases:
        raise InputError("No answers to compare.")
    deltas = pair_deltas(cases, cues)
    base_deltas = [abs(v - c.baseline) for c in cases if c.baseline is not None for v in c.variants.values()]
    spreads = [max(c.variants.values()) - min(c.variants.values()) for c in cases if c.variants]
    by_axis: dict[str, dict[str, list[float]]] = {}
    for cue in cues:
        for axis, group in cue.groups.items():
            bucket = by_axis.setdefault(axis, {}).setdefault(group, [])
            bucket.extend(c.variants[cue.key] for c in cases if cue.key in c.variants)
    ratios = {axis: impact_ratios(groups) for axis, groups in by_axis.items() if len(groups) > 1}
    all_ratios = [r for groups in ratios.values() for r in groups.values()]
    return FairnessReport(
        n_answers=len(cases),
        n_variants=len(cues),
        mean_abs_delta=statistics.fmean(deltas) if deltas else 0.0,
        max_abs_delta=max(deltas, default=0.0),
        baseline_mean_abs_delta=statistics.fmean(base_deltas) if base_deltas else 0.0,
        baseline_max_abs_delta=max(base_deltas, default=0.0),
        max_spread=max(spreads, default=0.0),
        impact_ratios=ratios,
        min_impact_ratio=min(all_ratios, default=1.0),
        cases=list(cases),
    )


def run_counterfactual(
    grade: GradeFn,
    answers: Sequence[AnswerCase],
    cues: Sequence[Cue] = ALL_CUES,
    *,
    anonymize: Anonymizer | None = None,
    baseline: bool = True,
) -> FairnessReport:
    """Grade every answer in every cue variant, and as written unless `baseline` is False (anonymised first if asked)."""
    if not cues:
        raise InputError("No cues: give at least one demographic variant.")
    prep = anonymize or (lambda s: s)
    cases = []
    for i, case in enumerate(answers):
        base = float(grade(case.question, prep(case.answer))) if baseline else None
        variants = {cue.key: float(grade(case.question, prep(cue.apply(case.answer)))) for cue in cues}
        cases.append(CaseScores(case.id or f"answer-{i}", base, variants))
    return summarise(cases, cues)


def run_both(
    grade: GradeFn,
    answers: Sequence[AnswerCase],
    cues: Sequence[Cue] = ALL_CUES,
    *,
    anonymize: Anonymizer | None = None,
) -> dict[str, FairnessReport | None]:
    """Anonymisation off, and on when an anonymiser is given (None otherwise: not run, not faked)."""
    return {
        "anonymisation_off": run_counterfactual(grade, answers, cues),
        "anonymisation_on": run_counterfactual(grade, answers, cues, anonymize=anonymize) if anonymize else None,
    }
