"""The end-of-interview report: per-question grades, overall scores, the three improvement areas to
practise next, and a practice plan. As JSON (`model_dump_json`) and Markdown (`to_markdown`)."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from greenroom.interview.bank import Question, QuestionBank
from greenroom.interview.grading import Grade
from greenroom.interview.state import InterviewState

SCHEMA = "greenroom.interview-report/1"


class QuestionResult(BaseModel):
    question_id: str
    question: str
    track: str
    follow_ups: list[str] = Field(default_factory=list)
    answer_words: int = 0
    grade: Grade | None = None
    status: Literal["graded", "not graded", "grading failed", "skipped"] = Field(
        default="graded",
        description="graded; not graded (still pending); grading failed (see notes); skipped (unanswered, not scored).",
    )


class Report(BaseModel):
    schema_name: str = Field(default=SCHEMA, alias="schema")
    interview_id: str
    track: str
    role: str
    created_at: float = Field(default_factory=time.time)
    questions: list[QuestionResult]
    technical_score: float | None = None
    response_quality: float | None = None
    top_improvements: list[str] = Field(default_factory=list)
    practice_plan: list[str] = Field(default_factory=list)
    delivery: dict[str, Any] | None = None
    notes: list[str] = Field(default_factory=list)

    model_config = {"populate_by_name": True}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def overall(self) -> dict[str, Any]:
        """The headline figures in one place (the history page and the report page read these)."""
        counts = {s: sum(r.status == s for r in self.questions) for s in ("graded", "skipped", "grading failed")}
        return {
            "technical_score": self.technical_score,
            "response_quality": self.response_quality,
            "answered": counts["graded"],
            "skipped": counts["skipped"],
            "failed": counts["grading failed"],
        }

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)

    def to_markdown(self) -> str:
        lines = [f"# Interview report ({self.track}, {self.role})", ""]
        if self.technical_score is not None:
            lines += [
                f"**Technical score:** {self.technical_score:.1f}/10  ",
                f"**Response quality:** {self.response_quality:.1f}/10",
                "",
            ]
        if self.top_improvements:
            lines += ["## Top three things to practise", ""]
            lines += [f"{i}. {a}" for i, a in enumerate(self.top_improvements, 1)] + [""]
        lines += ["## Questions", ""]
        for i, r in enumerate(self.questions, 1):
            lines.append(f"### {i}. {r.question}")
            lines.append("")
            g = r.grade
            if g is None:
                lines += [f"_{r.status}_", ""]
                continue
            lines.append(f"Technical {g.technical_score:.1f}/10 · quality {g.response_quality:.1f}/10")
            lines.append("")
            notes = ([f"The grading model's judgement: {g.rubric_reasoning}"] if g.rubric_reasoning else []) + g.notes
            for title, items in (
                ("Strengths", g.strengths),
                ("To improve", g.improvement_areas),
                ("Stated wrongly", g.contradicted_points),
                ("A strong answer covers", g.better_answer_outline),
                ("How this was graded", notes),
            ):
                if items:
                    lines.append(f"**{title}:**")
                    lines += [f"- {x}" for x in items]
                    lines.append("")
        if self.delivery:
            lines += ["## Delivery", ""]
            lines += [f"- {k}: {v}" for k, v in self.delivery.items() if isinstance(v, int | float | str)]
            lines.append("")
        if self.practice_plan:
            lines += ["## Practice plan", ""]
            lines += [f"{i}. {s}" for i, s in enumerate(self.practice_plan, 1)] + [""]
        if self.notes:
            lines += ["## Notes", ""] + [f"- {n}" for n in self.notes] + [""]
        return "\n".join(lines).rstrip() + "\n"


def _delivery_advice(delivery: dict[str, Any]) -> list[str]:
    for key in ("advice", "suggestions", "tips"):
        val = delivery.get(key)
        if isinstance(val, list):
            return [str(v) for v in val if str(v).strip()]
    return []


def top_improvements(grades: list[tuple[Question, Grade]], delivery_advice: list[str], k: int = 3) -> list[str]:
    """The `k` improvement areas that matter most: weighted by how low each question scored."""
    weight: dict[str, float] = defaultdict(float)
    first_seen: dict[str, int] = {}
    for q, g in grades:
        w = 0.3 + (10 - g.technical_score) / 10
        for j, area in enumerate(g.improvement_areas):
            label = f'{area} (question: "{_short(q.text)}")' if area.startswith(QUESTION_SPECIFIC) else area
            weight[label] += w * (1.0 if j < 3 else 0.6)
            first_seen.setdefault(label, len(first_seen))
    for area in delivery_advice:
        weight[area] += 0.8
        first_seen.setdefault(area, len(first_seen))
    ranked = sorted(weight, key=lambda a: (-weight[a], first_seen[a]))
    return ranked[:k]


#: Improvement lines that only make sense with their question named.
QUESTION_SPECIFIC = ("Also cover this point", "Correct a false claim", "Answer the question that was asked")


def _short(text: str, n: int = 48) -> str:
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def practice_plan(
    state: InterviewState, graded: list[tuple[Question, Grade]], tops: list[str], bank: QuestionBank | None
) -> list[str]:
    steps: list[str] = []
    weakest = sorted(graded, key=lambda qg: qg[1].technical_score)[:2]
    for q, g in weakest:
        if g.contradicted_points:
            steps.append(
                f'Read up on "{q.text}": your answer stated {len(g.contradicted_points)} key point(s) wrongly '
                "(listed under that question), then answer it again out loud."
            )
        elif g.missed_points:
            n = len(g.missed_points)
            steps.append(
                f'Re-answer "{q.text}" out loud, adding the {n} missed key point{"s" if n > 1 else ""} '
                "listed under that question."
            )
    if any(q.track == "behavioral" for q, _ in graded) and any(
        "STAR" in a or "result" in a.lower() or "number" in a.lower() for a in tops
    ):
        steps.append(
            "Write two STAR stories (situation, task, action, result with a number) and tell each in under two minutes."
        )
    if any("specific" in a.lower() for a in tops):
        steps.append("For each answer, prepare one concrete example from your own work with a number in it.")
    if bank is not None:
        asked = {q.id for q in state.questions}
        nxt = [q for q in bank.all(state.track, state.role) if q.id not in asked][:2]
        for q in nxt:
            steps.append(f'Practise a new question: "{q.text}"')
    n = len(state.questions)
    steps.append(
        f"Then take another {state.track} interview of {n} question{'s' if n != 1 else ''} and compare your "
        "scores with this one on the History page."
    )
    return steps


def build_report(
    state: InterviewState,
    grades: dict[str, Grade],
    delivery: dict[str, Any] | None = None,
    bank: QuestionBank | None = None,
    errors: dict[str, str] | None = None,
) -> Report:
    """The report from the state and the grades by question id. A question with no answer is skipped (not
    scored, not averaged); a failed grade is reported as failed with its reason; a missing one as not graded."""
    results: list[QuestionResult] = []
    graded: list[tuple[Question, Grade]] = []
    asked = {t.question_id for t in state.turns}
    failures = errors or {}
    for q in state.questions:
        if q.id not in asked:
            continue
        turns = state.turns_for(q.id)
        answer = state.answer_for(q.id)
        g = grades.get(q.id)
        status: Literal["graded", "not graded", "grading failed", "skipped"] = "graded"
        if g is None:
            status = "skipped" if not answer else ("grading failed" if q.id in failures else "not graded")
        results.append(
            QuestionResult(
                question_id=q.id,
                question=q.text,
                track=q.track,
                follow_ups=[t.prompt for t in turns if t.kind == "follow_up"],
                answer_words=len(answer.split()),
                grade=g,
                status=status,
            )
        )
        if g is not None:
            graded.append((q, g))
    delivery_advice = _delivery_advice(delivery) if delivery else []
    tops = top_improvements(graded, delivery_advice)
    notes = list(state.degraded)
    missing = [r.question_id for r in results if r.status == "not graded"]
    if missing:
        notes.append(f"not graded in time: {', '.join(missing)}")
    notes += [
        f"grading failed: {r.question_id}: {failures[r.question_id]}" for r in results if r.status == "grading failed"
    ]
    if any(g.degraded for _, g in graded):
        notes.append("some grades are degraded (see each question's notes)")
    return Report(
        interview_id=state.id,
        track=state.track,
        role=state.role,
        questions=results,
        technical_score=round(statistics.fmean(g.technical_score for _, g in graded), 1) if graded else None,
        response_quality=round(statistics.fmean(g.response_quality for _, g in graded), 1) if graded else None,
        top_improvements=tops,
        practice_plan=practice_plan(state, graded, tops, bank),
        delivery=delivery,
        notes=notes,
    )
