"""The reliability report's figures, checked against hand-computed values."""

from __future__ import annotations

import json
import random

import pytest

from greenroom.errors import InputError
from greenroom.ethics.fairness import CORE_CUES
from greenroom.ethics.reliability import (
    SCHEMA,
    icc_1_1,
    load_grading_set,
    ordering_figures,
    reliability_report,
    retest_figures,
    scale_figures,
    to_json,
)


def test_icc_by_hand() -> None:
    assert icc_1_1([[1, 1], [3, 3]]) == 1.0
    assert icc_1_1([[1, 2], [2, 1]]) == pytest.approx(-1.0)
    # grand mean 5, row means 3 and 7: MSB = 2*(4+4)/1 = 16, MSW = 4/2 = 2 -> (16-2)/(16+2)
    assert icc_1_1([[2, 4], [6, 8]]) == pytest.approx(14 / 18)


def test_retest_scale_and_ordering_by_hand() -> None:
    r = retest_figures([[1, 2, 3], [4, 4, 4]])
    assert r["mean_abs_diff"] == pytest.approx(4 / 6)
    assert r["max_range"] == 2 and r["exact_agreement"] == 0.5
    s = scale_figures([0, 2.5, 10, 10])
    assert (s["min"], s["max"], s["range_used"], s["distinct_values"]) == (0, 10, 1.0, 3)
    assert s["histogram"]["00"] == 1 and s["histogram"]["02"] == 1 and s["histogram"]["10"] == 2
    assert list(s["histogram"]) == sorted(s["histogram"])
    o = ordering_figures([{"strong": 8, "medium": 5, "weak": 2}, {"strong": 6, "medium": 7, "weak": 1}])
    assert o["pair_accuracy"] == pytest.approx(5 / 6) and o["full_order_accuracy"] == 0.5


def test_grading_set_shape() -> None:
    items = load_grading_set()
    assert len(items) >= 10
    assert {it.track for it in items} == {"technical", "behavioral", "system-design"}
    for it in items:
        assert 3 <= len(it.key_points) <= 8
        assert len(it.answers["strong"]) > len(it.answers["medium"]) > 0


def _level_grader(noise: random.Random | None = None):  # type: ignore[no-untyped-def]
    items = load_grading_set()
    level = {it.answers[lvl]: lvl for it in items for lvl in ("strong", "medium", "weak")}

    def grade(question: str, answer: str) -> float:
        lvl = next(v for k, v in level.items() if answer.endswith(k))
        base = {"strong": 8.0, "medium": 5.0, "weak": 2.0}[lvl]
        return base + (noise.choice([-0.5, 0.0, 0.5]) if noise else 0.0)

    return grade


def test_report_of_a_consistent_grader() -> None:
    rep = reliability_report(_level_grader(), load_grading_set(), repeats=2, cues=CORE_CUES, fairness_answers=8)
    assert rep["schema"] == SCHEMA
    assert rep["retest"]["exact_agreement"] == 1.0 and rep["retest"]["icc"] == 1.0
    assert rep["ordering"]["pair_accuracy"] == 1.0
    assert rep["scale"]["min"] == 2.0 and rep["scale"]["max"] == 8.0 and rep["scale"]["range_used"] == 0.6
    off = rep["counterfactual"]["anonymisation_off"]
    assert off["n_answers"] == 8 and off["n_variants"] == 8 and off["max_abs_delta"] == 0.0
    assert rep["counterfactual"]["anonymisation_on"] is None


def test_report_of_a_noisy_grader_shows_the_noise() -> None:
    rep = reliability_report(_level_grader(random.Random(0)), load_grading_set(), repeats=3, cues=CORE_CUES)
    assert 0 < rep["retest"]["mean_abs_diff"] <= 1.0
    assert rep["retest"]["exact_agreement"] < 1.0
    assert rep["counterfactual"]["anonymisation_off"]["max_abs_delta"] > 0


def test_json_is_stable() -> None:
    rep = reliability_report(_level_grader(), load_grading_set(), repeats=2, cues=CORE_CUES)
    a, b = to_json(rep), to_json(rep)
    assert a == b
    data = json.loads(a)
    assert list(data) == sorted(data)
    assert set(data) == {"schema", "n_items", "n_answers", "repeats", "retest", "scale", "ordering", "counterfactual"}


def test_bad_repeats() -> None:
    with pytest.raises(InputError):
        reliability_report(_level_grader(), load_grading_set(), repeats=0)
