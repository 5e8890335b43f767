"""Interview commands: `practice` (a terminal mock interview), `grade` (one answer, as JSON) and `questions list`.

`practice` asks typed answers (finish an answer with an empty line; `/skip` skips a question, `/quit`
ends early), grades each finished question in the background while the next one is asked, and prints
the report (Markdown, optionally written as Markdown and JSON files) at the end.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from greenroom.config import Settings, get_settings
from greenroom.errors import InputError

questions_app = typer.Typer(help="Browse the question bank.", no_args_is_help=True)
REPORT_WAIT_S = 300.0


def _read_file(path: Path | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot read the {what} file {path}: {exc.strerror or exc}.") from None


def read_answer(stream: TextIO) -> str | None:
    """Lines up to an empty line (or a one-line command); None at end of input with nothing typed."""
    lines: list[str] = []
    while True:
        line = stream.readline()
        if not line:
            return "\n".join(lines) if lines else None
        line = line.rstrip("\n")
        if not line.strip():
            if lines:
                return "\n".join(lines)
            continue
        if not lines and line.strip().lower() in ("/skip", "/quit"):
            return line.strip().lower()
        lines.append(line)


def _privacy_anonymizer() -> Any:
    from greenroom.privacy.pii import Anonymizer

    return Anonymizer().anonymize


def run_practice(
    settings: Settings,
    *,
    track: str,
    role: str | None,
    n: int,
    difficulty: str | None,
    seed: int | None,
    job_description: str | None = None,
    resume: str | None = None,
    state_file: Path | None = None,
    follow_ups: int | None = None,
    report_md: Path | None = None,
    report_json: Path | None = None,
    save: bool = True,
    training_consent: bool = False,
    stream: TextIO | None = None,
    console: Console | None = None,
) -> Any:
    """The terminal interview, a face on `interview.service`; returns the `Report`."""
    from greenroom.embeddings import get_embedder
    from greenroom.ethics.guard import QuestionGuard
    from greenroom.interview.bank import QuestionBank, normalize_role, normalize_track
    from greenroom.interview.grading import create_grader
    from greenroom.interview.service import ResumeState, create_service, plan
    from greenroom.llm.factory import create_chat_model

    out = console or Console()
    stream = stream or sys.stdin
    track = normalize_track(track)
    role = normalize_role(role) if role else None
    bank = QuestionBank.load(settings)
    resumed = None
    if state_file is not None and state_file.exists():
        resumed = ResumeState.model_validate_json(state_file.read_text(encoding="utf-8"))
    state = resumed.state if resumed else plan(bank, track, role, difficulty, n=n, seed=seed)
    with out.status("Loading the interviewer (language model, embeddings, guards)..."):
        embedder = get_embedder()
        llm = create_chat_model(settings)
        service = create_service(
            state,
            llm=llm,
            grader=create_grader(settings, llm, embedder),
            embedder=embedder,
            guard=QuestionGuard.from_settings(settings, embedder),
            anonymize=_privacy_anonymizer(),
            max_follow_ups=settings.interview_max_follow_ups if follow_ups is None else follow_ups,
            bank=bank,
            current=resumed.current if resumed else None,
            turns=(resumed.turns or []) if resumed else None,
        )
    if resumed:
        out.print(f"[dim]Resuming interview {state.id} from {state_file}.[/]")
    elif job_description or resume:
        with out.status("Writing a question tailored to the job..."):
            service.tailor(job_description, resume)

    def save_state() -> None:
        if state_file is not None:
            state_file.write_text(service.resume_state("asking", with_turns=True).model_dump_json(), encoding="utf-8")

    out.print("[dim]Type your answer and finish it with an empty line. /skip skips a question, /quit ends.[/]\n")
    asked = service.start()
    save_state()
    label = {"question": "Interviewer", "follow_up": "Interviewer (follow-up)", "closing": "Interviewer"}
    while True:
        out.print(f"[bold cyan]{label[asked.kind]}:[/] {asked.text}")
        if asked.degraded:
            out.print(f"[yellow]note: {asked.degraded}[/]")
        if asked.done:
            break
        answer = read_answer(stream)
        if answer is None or answer == "/quit":
            service.end_early()
            save_state()
            break
        with out.status("..."):
            asked = service.skip() if answer == "/skip" else service.answer(answer)
        save_state()
    last_answer = time.perf_counter()
    with out.status("Grading your answers..."):
        report = service.finish(timeout=REPORT_WAIT_S)
    wait_s = time.perf_counter() - last_answer
    service.close()
    out.print()
    out.print(Markdown(report.to_markdown()))
    out.print(f"[dim]Report ready {wait_s:.1f} s after the last answer.[/]")
    if report_md is not None:
        report_md.write_text(report.to_markdown(), encoding="utf-8")
    if report_json is not None:
        report_json.write_text(report.to_json() + "\n", encoding="utf-8")
    if save:
        _save_session(settings, service, report, out, training_consent=training_consent)
    return report


def _save_session(
    settings: Settings, service: Any, report: Any, out: Console, *, training_consent: bool = False
) -> None:
    """Store the finished session encrypted (privacy package), subject to the retention period.

    `training_consent` (off by default) is the candidate's opt-in to `greenroom train data` using the session."""
    from greenroom.storage.repository import open_store

    state = service.state
    store = open_store(settings)
    try:
        meta = {
            "kind": "practice",
            "track": state.track,
            "role": state.role,
            "interview_id": state.id,
            "training_consent": bool(training_consent),
        }
        turns = [t.model_dump(mode="json") for t in service.turns]
        sid = store.save_session(meta, turns, json.loads(report.to_json()))
    finally:
        store.close()
    out.print(f"[dim]Saved (encrypted) as session {sid}; `greenroom sessions delete {sid}` removes it.[/]")


def register(app: typer.Typer) -> None:
    app.add_typer(questions_app, name="questions")

    @app.command()
    def practice(
        track: str = typer.Option("technical", help="technical, behavioral (behavioural) or system-design."),
        role: str = typer.Option(None, help="backend, frontend, data-ml, devops-sre or general."),
        questions: int = typer.Option(None, "--questions", "-n", min=1, max=30, help="How many bank questions."),
        difficulty: str = typer.Option(None, help="easy, medium or hard (default: a mix, easiest first)."),
        job_description: Path = typer.Option(None, help="A job description file: adds a tailored question."),
        resume: Path = typer.Option(None, help="A résumé file: adds a tailored question."),
        seed: int = typer.Option(None, help="Seed for a reproducible choice of questions."),
        state: Path = typer.Option(None, help="Keep the interview state in this file and resume from it (plaintext)."),
        follow_ups: int = typer.Option(None, min=0, max=2, help="Follow-ups per question (default: setting, 2)."),
        report: Path = typer.Option(None, help="Also write the report as Markdown to this file."),
        report_json: Path = typer.Option(None, help="Also write the report as JSON to this file."),
        save: bool = typer.Option(True, "--save/--no-save", help="Store the session, encrypted, in the data dir."),
        training_consent: bool = typer.Option(
            False,
            "--training-consent",
            help="Let `greenroom train data` use this saved session (anonymised) to improve the models. Off by default.",
        ),
    ) -> None:
        """A mock interview in the terminal: typed answers, follow-ups, and a graded report at the end."""
        s = get_settings()
        run_practice(
            s,
            track=track,
            role=role,
            n=questions or s.interview_questions,
            difficulty=difficulty,
            seed=seed,
            job_description=_read_file(job_description, "job description"),
            resume=_read_file(resume, "résumé"),
            state_file=state,
            follow_ups=follow_ups,
            report_md=report,
            report_json=report_json,
            save=save,
            training_consent=training_consent,
        )

    @app.command()
    def grade(
        question: str = typer.Option(..., "--question", "-q", help="The interview question."),
        answer: str = typer.Option(None, "--answer", "-a", help="The answer text (or --answer-file, or stdin)."),
        answer_file: Path = typer.Option(None, help="Read the answer from this file."),
        track: str = typer.Option(None, help="The question's track (default: the bank's, else technical)."),
        key_point: list[str] = typer.Option(None, "--key-point", "-k", help="A key point a strong answer covers."),
        as_json: bool = typer.Option(False, "--json", help="Print the grade as JSON."),
        rubric: bool = typer.Option(True, "--rubric/--no-rubric", help="Use the LLM rubric (default: on)."),
        anonymize: bool = typer.Option(True, "--anonymize/--no-anonymize", help="Remove personal data first."),
    ) -> None:
        """Grade one answer: technical score, response quality, covered/missed key points and advice."""
        from greenroom.embeddings import get_embedder
        from greenroom.interview.bank import Question, QuestionBank, normalize_track
        from greenroom.interview.grading import create_grader
        from greenroom.interview.tailor import write_key_points
        from greenroom.llm.factory import create_chat_model

        s = get_settings()
        if answer is not None and answer_file is not None:
            raise InputError("Give the answer once: --answer or --answer-file.")
        text = answer if answer is not None else _read_file(answer_file, "answer")
        if text is None:
            if sys.stdin.isatty():
                raise InputError("No answer given: use --answer, --answer-file or pipe it on stdin.")
            text = sys.stdin.read()
        if not question.strip():
            raise InputError("The question is empty.")
        t = normalize_track(track) if track else None
        llm = create_chat_model(s)
        emb = get_embedder()
        found = QuestionBank.load(s).find(question) if not key_point else None
        notes: list[str] = []
        if key_point:
            q = Question(id="cli", track=t or "technical", text=question, key_points=key_point, source="user")
        elif found is not None:
            q = found if t is None or t == found.track else found.model_copy(update={"track": t})
        else:
            points = write_key_points(llm, question, t or "technical")
            q = Question(id="cli", track=t or "technical", text=question, key_points=points, source="generated")
            notes.append("key points written by the model (the question is not in the bank)")
        if anonymize and text.strip():
            text = _privacy_anonymizer()(text)
        grader = create_grader(s, llm, emb)
        grader.use_rubric = rubric
        result = grader.grade(q, text)
        result = result.model_copy(update={"notes": [*result.notes, *notes]})
        if as_json:
            typer.echo(result.model_dump_json(indent=2))
            return
        out = Console()
        out.print(
            f"[bold]Technical score:[/] {result.technical_score}/10   [bold]Response quality:[/] {result.response_quality}/10"
        )
        for title, items in (
            ("Covered", result.covered_points),
            ("Missed", result.missed_points),
            ("Strengths", result.strengths),
            ("To improve", result.improvement_areas),
            ("Notes", result.notes),
        ):
            if items:
                out.print(f"[bold]{title}:[/]")
                for item in items:
                    out.print(f"  - {item}")

    @questions_app.command("list")
    def questions_list(
        track: str = typer.Option(None, help="Only this track."),
        role: str = typer.Option(None, help="Only questions for this role."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """List the question bank (packaged questions and your packs in <data_dir>/questions/)."""
        from greenroom.interview.bank import QuestionBank

        items = QuestionBank.load(get_settings()).all(track, role)
        if as_json:
            typer.echo(json.dumps([q.model_dump() for q in items], indent=2))
            return
        table = Table(title=f"{len(items)} questions")
        table.add_column("id", no_wrap=True)
        for col in ("track", "difficulty", "roles", "question"):
            table.add_column(col, overflow="fold")
        for q in items:
            table.add_row(q.id, q.track, q.difficulty, ", ".join(q.roles), q.text)
        Console().print(table)
