"""Echo cancellation: does the room's `echoCancellation: true` change what the microphone hears?

Run: PYTHONPATH=src python benchmarks/echo_cancellation.py

Records the same looped espeak-ng file (Chromium's fake microphone) with echo cancellation on and off, without
and with other audio playing in the page (as the interviewer's acknowledgement would), and prints the level,
the share of frames over -40 dBFS and the peak of each, beside the source file's. Headless Chromium gives its
echo canceller no far-end signal, so this shows what the processing does to the candidate's voice, not how
well it removes an echo (that needs a loudspeaker and a microphone).
"""

import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.web.browser import chromium, espeak_wav, face_y4m  # noqa: E402

d = Path(tempfile.mkdtemp(prefix="greenroom-aec-"))
wav = espeak_wav(d / "mic.wav", "one two three four five six seven eight nine ten", lead_s=0.5, tail_s=1.5, rate=150)
far = espeak_wav(
    d / "far.wav", "Thank you. I see. Right. Okay. That is interesting, tell me more.", lead_s=0.2, tail_s=0.2, rate=170
)
y4m = face_y4m(d / "face.y4m")
(d / "page.html").write_text("""<!doctype html><html><body><script>
async function rec(ec, play, secs) {
  const s = await navigator.mediaDevices.getUserMedia({audio:{channelCount:1, echoCancellation:ec, noiseSuppression:false, autoGainControl:false}});
  const ctx = new AudioContext({sampleRate:16000});
  const src = ctx.createMediaStreamSource(s);
  const proc = ctx.createScriptProcessor(4096,1,1);
  const out=[]; proc.onaudioprocess = e => out.push(Array.from(e.inputBuffer.getChannelData(0)));
  src.connect(proc); proc.connect(ctx.destination);
  let pctx = null;
  if (play) { pctx = new AudioContext(); const buf = await pctx.decodeAudioData(await (await fetch('/far.wav')).arrayBuffer());
    const b = pctx.createBufferSource(); b.buffer = buf; b.loop = true; b.connect(pctx.destination); b.start(); }
  await new Promise(r=>setTimeout(r, secs*1000));
  s.getTracks().forEach(t=>t.stop()); await ctx.close(); if (pctx) await pctx.close();
  return out.flat();
}
</script></body></html>""")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


handler = functools.partial(Quiet, directory=str(d))
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{srv.server_address[1]}/page.html"
src, _ = sf.read(wav, dtype="float32")


def frames_rms(x: np.ndarray) -> np.ndarray:
    n = len(x) // 512
    return np.array([np.sqrt(np.mean(x[i * 512 : (i + 1) * 512] ** 2)) for i in range(n)])


ref = frames_rms(src)
print(
    f"source file: rms {np.sqrt(np.mean(src**2)):.4f}, frames over -40 dBFS {np.mean(ref > 0.01):.0%}, peak {np.abs(src).max():.3f}"
)
with chromium(wav, y4m) as browser:
    page = browser.new_page()
    page.goto(url)
    for ec in (False, True):
        for play in (False, True):
            x = np.array(page.evaluate(f"rec({str(ec).lower()}, {str(play).lower()}, 9)"), np.float32)
            e = frames_rms(x[16000:])  # the first second left out (the canceller starting)
            print(
                f"echoCancellation {ec!s:5} far-end playing {play!s:5}: rms {np.sqrt(np.mean(x[16000:] ** 2)):.4f}, "
                f"frames over -40 dBFS {np.mean(e > 0.01):.0%}, peak {np.abs(x).max():.3f}"
            )
srv.shutdown()
