"""Real-browser helpers: a live server in a thread, Debian's Chromium through pip playwright (its own browser is
never downloaded), a fake microphone from an espeak-ng WAV and a fake camera from a Y4M made of a face photo
that scikit-image ships (Eileen Collins, `skimage.data.astronaut`)."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from greenroom.config import Settings
from greenroom.server.security import Auth

CHROMIUM = "/usr/bin/chromium"
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts" / "web"


def chromium_flags(wav: Path, y4m: Path) -> list[str]:
    """Exactly the flags of issue 8."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        f"--use-file-for-fake-video-capture={y4m}",
    ]


def espeak_wav(path: Path, text: str, *, lead_s: float = 1.0, tail_s: float = 7.0, rate: int = 150) -> Path:
    """A 16 kHz mono 16-bit WAV: silence, the spoken text, then a long silence (Chromium loops the file)."""
    import soundfile as sf

    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(rate), "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(path)], check=True, capture_output=True)
    speech, sr = sf.read(path, dtype="float32")
    audio = np.concatenate([np.zeros(int(lead_s * sr), np.float32), speech, np.zeros(int(tail_s * sr), np.float32)])
    sf.write(path, audio, sr, subtype="PCM_16")
    raw.unlink()
    return path


def face_y4m(path: Path, *, frames: int = 10, fps: int = 10, size: tuple[int, int] = (640, 480)) -> Path:
    """A Y4M (I420) clip of the astronaut photo centred on a grey canvas."""
    import cv2
    from skimage import data

    w, h = size
    img = data.astronaut()
    canvas = np.full((h, w, 3), 90, np.uint8)
    s = h / img.shape[0]
    im = cv2.resize(img, (int(img.shape[1] * s), int(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
    x0 = (w - im.shape[1]) // 2
    canvas[:, x0 : x0 + im.shape[1]] = im[:h]
    yuv = cv2.cvtColor(canvas, cv2.COLOR_RGB2YUV_I420).tobytes()
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n" + yuv)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    auth: Auth
    app: Any

    def sign_in_url(self) -> str:
        return f"{self.url}/auth?code={self.auth.new_login_code()}"


@contextmanager
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The app on uvicorn in a thread, on a free loopback port."""
    import uvicorn

    from greenroom.server.app import create_app

    port = free_port()
    settings = settings.model_copy(update={"server_port": port})
    auth = Auth()
    app = create_app(settings, auth=auth)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws_max_size=1 << 20))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", auth, app)
    finally:
        server.should_exit = True
        thread.join(30)


@contextmanager
def chromium(wav: Path, y4m: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=chromium_flags(wav, y4m), headless=True)
        try:
            yield browser
        finally:
            browser.close()


PHONE = {"width": 390, "height": 844}
_OVERFLOW = "document.scrollingElement.scrollWidth <= window.innerWidth"
_WIDEST = (
    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
    ".slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined "
    "? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right))"
)


def no_sideways_scroll_at_390(page: Any, settle_s: float = 3.0) -> None:
    """The page as it is now has no sideways scroll at 390 px wide (`scrollWidth <= innerWidth` of
    document.scrollingElement); the viewport goes back to its size afterwards. Charts get `settle_s` to re-lay out."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        deadline = time.monotonic() + settle_s
        while not page.evaluate(_OVERFLOW) and time.monotonic() < deadline:
            time.sleep(0.2)
        widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        assert page.evaluate(_OVERFLOW), (page.url, widths, page.evaluate(_WIDEST))
    finally:
        if size:
            page.set_viewport_size(size)
