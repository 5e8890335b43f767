"""The counterfactual harness's arithmetic, checked against hand-computed figures."""

from __future__ import annotations

import re

import pytest

from greenroom.errors import InputError
from greenroom.ethics.fairness import (
    ALL_CUES,
    CORE_CUES,
    AnswerCase,
    CaseScores,
    Cue,
    impact_ratios,
    run_both,
    run_counterfactual,
    summarise,
)

X = Cue("name-x", "Hi, my name is Emily Walsh.", {"gender": "female"})
Y = Cue("name-y", "Hi, my name is Greg Baker.", {"gender": "male"})
ANSWERS = [
    AnswerCase("Q1", "I would use a token bucket in Redis.", "a1"),
    AnswerCase("Q2", "I would add an index.", "a2"),
]


def test_impact_ratio_by_hand() -> None:
    # pooled median of [1..8] is 4.5: A has 0 of 4 above it, B 4 of 4
    assert impact_ratios({"A": [1, 2, 3, 4], "B": [5, 6, 7, 8]}) == {"A": 0.0, "B": 1.0}
    # pooled [2,3,4,6,7,8], median 5: A 2/3 above, B 1/3 -> B's ratio is (1/3)/(2/3)
    r = impact_ratios({"A": [2, 6, 7], "B": [3, 4, 8]})
    assert r["A"] == 1.0 and r["B"] == pytest.approx(0.5)
    # nobody above the median: no group is favoured
    assert impact_ratios({"A": [5, 5], "B": [5, 5]}) == {"A": 1.0, "B": 1.0}


def test_summary_by_hand() -> None:
    cases = [
        CaseScores("c1", 5.0, {"name-x": 5.5, "name-y": 4.0}),
        CaseScores("c2", 7.0, {"name-x": 7.0, "name-y": 7.25}),
    ]
    rep = summarise(cases, [X, Y])
    # name-x and name-y are one family ("name"): pair deltas |5.5-4.0| = 1.5 and |7.0-7.25| = 0.25
    assert rep.mean_abs_delta == pytest.approx(0.875)
    assert rep.max_abs_delta == pytest.approx(1.5)
    # against the no-cue baseline: 0.5, 1.0, 0.0, 0.25
    assert rep.baseline_mean_abs_delta == pytest.approx(0.4375)
    assert rep.baseline_max_abs_delta == pytest.approx(1.0)
    assert rep.max_spread == pytest.approx(1.5)
    # gender: female [5.5, 7.0], male [4.0, 7.25]; median 6.25; one above in each group
    assert rep.impact_ratios == {"gender": {"female": 1.0, "male": 1.0}}
    assert rep.min_impact_ratio == 1.0
    d = rep.to_dict(cases=True)
    assert d["mean_abs_delta"] == 0.875 and d["cases"][0]["variants"] == {"name-x": 5.5, "name-y": 4.0}


def test_harness_detects_a_biased_grader_and_anonymisation_removes_the_name_bias() -> None:
    def biased(question: str, answer: str) -> float:
        score = 6.0
        if "Greg" in answer:
            score += 1.0
        if "my husband" in answer:
            score -= 0.5
        return score

    def anonymise(text: str) -> str:
        return re.sub(r"my name is [^.]+\.", "my name is <PERSON>.", text)

    out = run_both(biased, ANSWERS, ALL_CUES, anonymize=anonymise)
    off, on = out["anonymisation_off"], out["anonymisation_on"]
    assert off is not None and on is not None
    n = len(ALL_CUES)
    assert off.n_answers == 2 and off.n_variants == n
    # pairs per answer: names C(8,2)=28, partner 3, parent 1, age 3 = 35; Greg differs from 7 names by 1.0,
    # husband from wife and partner by 0.5
    assert off.max_abs_delta == 1.0
    assert off.mean_abs_delta == pytest.approx((7 * 1.0 + 2 * 0.5) / 35)
    assert off.baseline_mean_abs_delta == pytest.approx((1.0 + 0.5) / n)
    assert off.impact_ratios["gender"]["female"] == 0.0  # only Greg's variants sit above the median
    # a known limit of "share above the median": husband's variants sit below it, wife's and partner's
    # on it, so no group is above and the ratio cannot see the shift (the deltas do)
    assert off.impact_ratios["partner"] == {"wife": 1.0, "husband": 1.0, "partner": 1.0}
    # with names removed only the partner cue remains
    assert on.max_abs_delta == 0.5
    assert on.mean_abs_delta == pytest.approx(2 * 0.5 / 35)
    assert on.impact_ratios["gender"] == {"female": 1.0, "male": 1.0}


def test_a_fair_grader_scores_zero() -> None:
    rep = run_counterfactual(lambda q, a: 7.0 if "token bucket" in a else 3.0, ANSWERS, CORE_CUES)
    assert rep.mean_abs_delta == 0.0 and rep.max_abs_delta == 0.0 and rep.min_impact_ratio == 1.0
    assert run_both(lambda q, a: 5.0, ANSWERS, CORE_CUES)["anonymisation_on"] is None


def test_without_baseline_only_the_pair_deltas_are_reported() -> None:
    rep = run_counterfactual(lambda q, a: 6.0 + ("Greg" in a), ANSWERS, CORE_CUES, baseline=False)
    assert rep.cases[0].baseline is None and rep.baseline_max_abs_delta == 0.0
    assert rep.max_abs_delta == 0.0  # Greg is not among the core cues


def test_cue_sets() -> None:
    assert len(CORE_CUES) == 8
    assert sorted(c.family for c in CORE_CUES) == sorted(["name", "partner", "parent", "age"] * 2)
    axes = {axis for c in ALL_CUES for axis in c.groups}
    assert axes == {"gender", "ethnicity", "partner", "parent", "age"}
    assert len({c.key for c in ALL_CUES}) == len(ALL_CUES)


def test_no_input_is_a_clear_error() -> None:
    with pytest.raises(InputError):
        run_counterfactual(lambda q, a: 1.0, [], CORE_CUES)
    with pytest.raises(InputError):
        run_counterfactual(lambda q, a: 1.0, ANSWERS, [])
