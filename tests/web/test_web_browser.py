"""End to end in a real headless Chromium (Debian's, through pip playwright) with a fake microphone (an espeak-ng
WAV) and a fake camera (a Y4M of a face photo): a typed-answer interview and a spoken one, each from set-up to
report, history and delete. The report is saved as a screenshot under artefacts/web/ (git-ignored)."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from greenroom.config import Settings

from .browser import ARTEFACTS, CHROMIUM, chromium, espeak_wav, face_y4m, live_server, no_sideways_scroll_at_390

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
SPOKEN = (
    "I would use a hash table. Each key is hashed to choose a slot, so every lookup takes constant time on average."
)
TYPED = [
    "An index is a separate data structure, usually a B-tree, that keeps column values sorted with pointers to "
    "the rows, so the database finds matching rows without scanning the whole table. It speeds up reads but "
    "slows down writes and takes extra space.",
    "I would profile first, then add the missing index, check the query plan with EXPLAIN, and cache hot results.",
]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("media")
    return espeak_wav(d / "answer.wav", SPOKEN, rate=140), face_y4m(d / "face.y4m")


@pytest.fixture(scope="module")
def browser(media: tuple[Path, Path]) -> Iterator[Any]:
    with chromium(*media) as b:
        yield b


def _settings(tmp: Path, model_dir: Path, **extra: Any) -> Settings:
    return Settings(
        data_dir=tmp / "data",
        models_dir=model_dir,
        server_preload_models=True,
        speech_turn_end_silence_s=1.5,
        **extra,
    )


def _page(browser: Any) -> tuple[Any, list[str]]:
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: d.accept())
    return page, errors


def _setup(page: Any, url: str, *, voice: bool, camera: bool) -> None:
    page.goto(url)
    page.wait_for_selector("#track option", state="attached")
    page.select_option("#track", "technical")
    page.select_option("#role", "backend")
    page.select_option("#difficulty", "easy")
    page.fill("#questions", "2")
    page.check("input[name=mode][value=voice]" if voice else "input[name=mode][value=typed]")
    page.set_checked("#camera", camera)
    assert "Nothing leaves this machine" in page.inner_text("#privacy-notice")
    page.check("#consent")
    page.click("#start")
    page.wait_for_url(re.compile(r"/room\?id=\w+"))
    page.click("#begin")
    if camera:  # the eye-contact calibration before the first question: look at the (fake) camera for 3 s
        page.wait_for_selector("#calib-start", state="visible", timeout=300_000)
        assert "Look into the camera" in page.inner_text("#calib")
        page.click("#calib-start")


def wait_js(page: Any, expr: str, timeout_s: float = 300) -> None:
    """Poll a JS expression from Python (the page's CSP forbids the eval that `wait_for_function` uses)."""
    deadline = time.monotonic() + timeout_s
    while not _evaluate(page, expr):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expr}")
        time.sleep(0.25)


def _evaluate(page: Any, expr: str) -> Any:
    """`page.evaluate`, asked again once the page has loaded when it navigated meanwhile (the room goes to the
    report by itself at the end: CI saw "Execution context was destroyed" in the typed interview)."""
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(10):
        try:
            return page.evaluate(expr)
        except PlaywrightError as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            page.wait_for_load_state("load")
    return page.evaluate(expr)


def _report_checks(page: Any, n_questions: int) -> str:
    page.wait_for_url(re.compile(r"/report\?id=\w+"), timeout=600_000)
    sid = page.url.split("id=")[1]
    page.wait_for_selector("article.card", timeout=60_000)
    assert len(page.query_selector_all("#questions article")) == n_questions
    tech = page.inner_text("#score-technical")
    assert re.fullmatch(r"\d+\.\d", tech), tech
    assert 0 <= float(tech) <= 10
    plan = page.inner_text("#plan-body")
    assert plan.strip() and "appears when" not in plan
    return str(sid)


def _screenshot(page: Any, name: str, tmp_path: Path) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    shutil.copy(shot, ARTEFACTS / name)
    assert shot.stat().st_size > 10_000


def _history_and_delete(page: Any, base: str, sid: str, store: Any) -> None:
    page.goto(f"{base}/history")
    row = page.wait_for_selector(f"tr[data-id='{sid}']")
    assert row is not None
    assert [s["id"] for s in store.list_sessions()] == [sid]
    row.query_selector("button").click()
    page.wait_for_selector(f"tr[data-id='{sid}']", state="detached")
    assert store.list_sessions() == []
    page.reload()
    page.wait_for_selector("#empty", state="visible")


def test_typed_interview_end_to_end(browser: Any, tmp_path: Path, model_dir: Path) -> None:
    settings = _settings(tmp_path, model_dir, interview_max_follow_ups=1)
    with live_server(settings) as srv:
        page, errors = _page(browser)
        _setup(page, srv.sign_in_url(), voice=False, camera=False)
        wait_js(page, "document.getElementById('question').textContent.length > 10")
        answered = 0
        while "/report" not in page.url and answered < 6:
            wait_js(
                page,
                f"!window.__gr || window.__gr.events.filter(e => e === 'listening').length > {answered} "
                "|| window.__gr.events.includes('finished')",
            )
            if _evaluate(page, "!window.__gr || window.__gr.events.includes('finished')"):
                break
            page.fill("#typed", TYPED[min(answered, 1)])
            page.click("#send")
            answered += 1
        assert answered >= 2
        sid = _report_checks(page, 2)
        transcript = page.inner_text("#questions")
        assert "B-tree" in transcript and "EXPLAIN" in transcript
        assert "not measured: the answers were typed" in page.inner_text("#delivery-figures")
        assert "Delivery was not measured" in page.inner_text("#delivery-intro")
        assert page.locator("#chart-wpm").is_hidden() and page.locator("#chart-pitch").is_hidden()
        _screenshot(page, "report-typed.png", tmp_path)
        assert not [e for e in errors if "favicon" not in e], errors
        _history_and_delete(page, srv.url, sid, srv.app.state.store)


def test_voice_interview_end_to_end(browser: Any, tmp_path: Path, model_dir: Path) -> None:
    settings = _settings(tmp_path, model_dir, interview_max_follow_ups=0)
    with live_server(settings) as srv:
        page, errors = _page(browser)
        _setup(page, srv.sign_in_url(), voice=True, camera=True)
        sid = _report_checks(page, 2)
        transcript = page.inner_text("#questions").lower()
        for word in ("hash table", "constant time", "average"):
            assert transcript.count(word) >= 2, (word, transcript)  # both spoken answers are on the report
        data = srv.app.state.store.get_session(sid)
        turns = data["turns"]
        assert len(turns) == 2 and all(t["source"] == "voice" for t in turns)
        spoken = set(re.findall(r"[a-z]{4,}", SPOKEN.lower()))
        for t in turns:
            heard = set(re.findall(r"[a-z]{4,}", t["answer"].lower()))
            assert len(spoken & heard) / len(spoken) >= 0.6, (spoken - heard, t["answer"])  # heard in full
            d, v = t["delivery_metrics"], t["vision_metrics"]
            assert 90 <= d["wpm"] <= 230, d["wpm"]  # espeak-ng at 150 wpm
            assert d["word_count"] >= 20, t["answer"]
            assert d["pause_longest_s"] is None or d["pause_longest_s"] < 3
            assert v["frames"] >= 5 and v["face"]["presence_ratio"] > 0.8, v["face"]
            assert 0.0 <= v["face"]["eye_contact_ratio"] <= 1.0
            assert v["face"]["eye_contact_calibrated"] and v["face"]["eye_contact_method"] == "calibration"
        figures = page.inner_text("#delivery-figures")
        assert re.search(r"\d+ words per minute", figures) and re.search(r"Eye contact\s+\d+% of the time", figures), (
            figures
        )
        assert "(calibrated)" in figures, figures
        page.wait_for_selector("#chart-wpm .main-svg")
        page.wait_for_selector("#chart-eye .main-svg")
        for chart in ("chart-wpm", "chart-eye", "chart-pitch"):  # titles, axis titles and units
            assert (page.locator(f"#{chart} .gtitle").text_content() or "").strip(), chart
            assert "(" in (page.locator(f"#{chart} .g-ytitle").text_content() or ""), chart
            assert (page.locator(f"#{chart} .g-xtitle").text_content() or "").strip(), chart
        pitch_ticks = page.locator("#chart-pitch .xtick").all_text_contents()
        assert pitch_ticks == ["Q1", "Q2"], pitch_ticks  # one per question asked
        _screenshot(page, "report-voice.png", tmp_path)
        no_sideways_scroll_at_390(page)  # the report with its charts, at phone width
        assert not errors, errors
        _history_and_delete(page, srv.url, sid, srv.app.state.store)
