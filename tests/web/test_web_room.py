"""The room says what is happening and loses nothing (issue 18), in a real headless Chromium: a typed interview
with the camera off, reloaded while the interviewer speaks, while it listens and while the last answer is graded;
each reload resumes the same phase with a short "welcome back". An over-long answer stays in the box with a
counter and a plain message. Screenshots of set-up (also at 390 px), room, history and privacy go to
artefacts/web/; charts must have axis titles, and no console or page errors happen. At 390 px wide no page
(set-up, room, report, history, privacy, the HTML error pages) scrolls sideways: the same page is narrowed
in place (no extra browser session)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import CHROMIUM, PHONE, chromium, espeak_wav, face_y4m, live_server, no_sideways_scroll_at_390
from .test_web_browser import TYPED, _evaluate, _page, _screenshot, _settings, wait_js

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    d = tmp_path_factory.mktemp("media")
    with chromium(espeak_wav(d / "a.wav", "Hello.", tail_s=1.0), face_y4m(d / "face.y4m")) as b:
        yield b


def _events(page: Any, kind: str) -> int:
    return int(_evaluate(page, f"window.__gr ? window.__gr.events.filter(e => e === '{kind}').length : 0"))


def _resume(page: Any) -> None:
    """Reload the room and press Start again (the browser needs a click before it plays audio)."""
    page.reload()
    page.click("#begin")
    wait_js(page, "window.__gr && window.__gr.events.includes('ready')", 120)


def _event_type(frame: Any) -> str:
    """The type of one event the server sent over the room's socket ("" for audio frames)."""
    try:
        return str(json.loads(frame).get("type", "")) if isinstance(frame, str) else ""
    except ValueError:
        return ""


def _axis_titles(page: Any, chart: str) -> None:
    x = (page.locator(f"#{chart} .g-xtitle").text_content() or "").strip()
    y = (page.locator(f"#{chart} .g-ytitle").text_content() or "").strip()
    assert x and y, (chart, x, y)


def test_room_reloads_resume_the_same_phase_and_nothing_is_lost(browser: Any, tmp_path: Path, model_dir: Path) -> None:
    settings = _settings(tmp_path, model_dir, interview_max_follow_ups=0)
    with live_server(settings) as srv:
        page, errors = _page(browser)
        page.goto(srv.sign_in_url())
        page.wait_for_selector("#track option", state="attached")
        _screenshot(page, "setup.png", tmp_path)
        no_sideways_scroll_at_390(page)
        desktop = page.viewport_size
        page.set_viewport_size(PHONE)
        _screenshot(page, "setup-390.png", tmp_path)
        page.set_viewport_size(desktop)
        page.select_option("#track", "technical")
        page.fill("#questions", "1")
        page.check("input[name=mode][value=typed]")
        page.set_checked("#camera", False)
        page.check("#consent")
        page.click("#start")
        page.wait_for_url(re.compile(r"/room\?id=\w+"))
        page.click("#begin")

        # reload while the interviewer speaks the first question
        wait_js(page, "window.__gr.events.includes('audio_start')", 300)
        assert page.inner_text("#phase") == "Interviewer speaking"
        _resume(page)
        wait_js(page, "window.__gr.events.includes('question')", 120)
        assert page.inner_text("#question").startswith("Welcome back.")
        assert page.locator("#preview").is_hidden() and page.locator("#cam-h").is_hidden()  # camera off

        # reload while listening: listening starts again after the replay
        wait_js(page, "window.__gr.events.includes('listening')", 300)
        assert page.inner_text("#phase").startswith("Listening")
        assert page.locator("#thinking").is_hidden()  # no "thinking time" for typed answers
        _resume(page)
        wait_js(page, "window.__gr.events.includes('listening')", 300)
        assert page.inner_text("#question").startswith("Welcome back.")
        banners = page.inner_text("#banners")
        assert banners.count("Welcome back") == 1, banners
        no_sideways_scroll_at_390(page)  # the room, listening

        # an over-long answer is kept in the box, with a counter and a plain message
        page.fill("#typed", "x " * 12_500)
        assert "25,000 / 20,000" in page.inner_text("#count")
        page.click("#send")
        assert "the limit is 20,000" in page.inner_text("#status")
        assert len(page.input_value("#typed")) == 25_000
        _screenshot(page, "room.png", tmp_path)
        # the answer is sent; reload while it is being graded (one question: the closing, grading, the report)
        page.fill("#typed", TYPED[0])
        page.click("#send")
        wait_js(page, "window.__gr.events.includes('turn_end')", 120)
        assert page.input_value("#typed") == ""
        events: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: events.append(_event_type(f))))
        page.reload()
        page.click("#begin")
        page.wait_for_url(re.compile(r"/report\?id=\w+"), timeout=600_000)
        assert "ready" in events and "listening" not in events, events  # resumed, nothing to answer again
        page.wait_for_selector("article.card", timeout=60_000)
        assert len(page.query_selector_all("#questions article")) == 1
        assert "How this was graded" in page.inner_text("#questions")
        no_sideways_scroll_at_390(page)  # the report

        page.goto(f"{srv.url}/history")
        page.wait_for_selector("#chart-scores .main-svg")
        _axis_titles(page, "chart-scores")
        _screenshot(page, "history.png", tmp_path)
        no_sideways_scroll_at_390(page)
        page.goto(f"{srv.url}/privacy")
        page.wait_for_load_state("networkidle")
        _screenshot(page, "privacy.png", tmp_path)
        no_sideways_scroll_at_390(page)
        # the HTML error pages: an unknown address and a sign-in link used twice
        page.goto(f"{srv.url}/no-such-page")
        assert "Page not found" in page.inner_text("h1")
        no_sideways_scroll_at_390(page)
        link = srv.sign_in_url()
        page.goto(link)
        page.goto(link)
        assert page.locator("main a[href='/']").count() == 1, page.content()[:300]
        no_sideways_scroll_at_390(page)
        expected = ("status of 404", "status of 401")  # the error pages' own statuses, logged by Chromium
        errors[:] = [
            e for e in errors if not (e.startswith("Failed to load resource") and any(x in e for x in expected))
        ]
        assert not [e for e in errors if "favicon" not in e], errors
