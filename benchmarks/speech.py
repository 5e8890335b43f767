"""Speech benchmark: ASR real-time factor and WER (base, tiny.en), filler recall, TTS speed, delivery-analysis speed.

Run: `PYTHONPATH=src HF_HUB_OFFLINE=1 python benchmarks/speech.py [--threads 2]`. Test speech is generated
with espeak-ng (known words), so WER and filler recall are measured on clean synthetic speech: real
microphone speech will do worse. Prints one table.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.speech.fillerdata import FILLER_SENTENCES, recall  # noqa: E402

from greenroom.config import Settings  # noqa: E402
from greenroom.speech.asr import create_transcriber  # noqa: E402
from greenroom.speech.audio import decode_audio, wav_bytes  # noqa: E402
from greenroom.speech.delivery import analyze_delivery  # noqa: E402
from greenroom.speech.fillers import find_fillers  # noqa: E402
from greenroom.speech.tts import create_synthesizer  # noqa: E402

SR = 16_000
ANSWER = [
    "I designed the payment service and led a team of four engineers through the migration.",
    "We measured every release and rolled back quickly when the error rate went up.",
    "The hardest part was keeping the old and new systems consistent during the move.",
    "We wrote a reconciliation job that compared both databases every night.",
    "After three months the new platform handled all the traffic on its own.",
    "Looking back, I would invest in load testing much earlier in the project.",
    "I also learned to write design documents before writing any code.",
    "The team still uses that template for every new service today.",
]
FILLERS_COMMA = FILLER_SENTENCES
#: The same fillers run into the sentence without commas (espeak then makes no pause around them).
FILLERS_INLINE = [(s.replace(",", ""), f) for s, f in FILLERS_COMMA]


def espeak(text: str, rate: int = 150) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        raw = Path(d) / "a.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(rate), "-w", str(raw), text], check=True)
        audio = decode_audio(raw).samples
    idx = np.nonzero(np.abs(audio) > 0.003)[0]
    return audio[idx[0] : idx[-1] + 1]


def compose(sentences: list[str], gap: float = 0.6, rate: int = 150) -> np.ndarray:
    parts = []
    for s in sentences:
        parts += [espeak(s, rate), np.zeros(int(gap * SR), np.float32)]
    return np.concatenate(parts)


def wer(ref: str, hyp: str) -> float:
    import re

    r = re.sub(r"[^a-z0-9' ]", " ", ref.lower()).split()
    h = re.sub(r"[^a-z0-9' ]", " ", hyp.lower()).split()
    d = np.arange(len(h) + 1)
    for i in range(1, len(r) + 1):
        prev, d[0] = d.copy(), i
        for j in range(1, len(h) + 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r[i - 1] != h[j - 1]))
    return float(d[len(h)]) / max(1, len(r))


def filler_recall(transcriber, sentences) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    audio = compose([s for s, _ in sentences], rate=140)
    return recall(find_fillers(transcriber.transcribe(audio).words), [x for _, fs in sentences for x in fs])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    settings = Settings(speech_asr_threads=args.threads)
    rows: list[tuple[str, str, str]] = [
        ("load average (1 min) at start", f"{os.getloadavg()[0]:.1f}", f"{os.cpu_count()} CPUs"),
    ]

    answer = compose(ANSWER + ANSWER[:4])  # about 60 s
    ref = " ".join(ANSWER + ANSWER[:4])
    dur = len(answer) / SR
    rows.append(("test clip", f"{dur:.1f} s", "espeak-ng -s 150, 12 sentences, 0.6 s gaps"))

    transcripts = {}
    for name in ("whisper-base", "whisper-tiny.en"):
        t = create_transcriber(settings, name)
        t0 = time.perf_counter()
        t.load()  # type: ignore[attr-defined]
        load_s = time.perf_counter() - t0
        t.transcribe(answer[: 5 * SR])  # warm-up
        t0 = time.perf_counter()
        tr = t.transcribe(answer)
        rtf = (time.perf_counter() - t0) / dur
        transcripts[name] = tr
        rows.append(
            (f"ASR {name} RTF ({args.threads} threads)", f"{rtf:.3f}", f"load {load_s:.1f} s; goal <= 0.05 for base")
        )
        rows.append((f"ASR {name} WER", f"{wer(ref, tr.text):.3f}", "espeak speech"))
        for label, sents in (("comma", FILLERS_COMMA), ("inline", FILLERS_INLINE)):
            for keep in (True, False):
                tk = create_transcriber(settings.model_copy(update={"speech_asr_keep_fillers": keep}), name)
                got, total = filler_recall(tk, sents)
                rows.append(
                    (
                        f"filler recall {name}, {label}, {'prompt' if keep else 'no prompt'}",
                        f"{got}/{total} = {got / total:.2f}",
                        "fillers set off by commas" if label == "comma" else "fillers run into the sentence",
                    )
                )

    text = (
        "Thanks for joining me today. Let's start with your background. "
        "Tell me about a project you are proud of, and the hardest problem you solved in it. "
        "What would you do differently if you started again?"
    )
    for backend in ("piper", "espeak"):
        synth = create_synthesizer(settings, backend)
        synth.synthesize("Warm up.")
        ttfa, rtfs = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            chunks = []
            for i, c in enumerate(synth.stream(text)):
                if i == 0:
                    ttfa.append(time.perf_counter() - t0)
                chunks.append(c)
            total = time.perf_counter() - t0
            rtfs.append(total / (sum(map(len, chunks)) / synth.sample_rate))
        rows.append((f"TTS {synth.name} RTF", f"{np.median(rtfs):.3f}", "4 sentences, median of 3"))
        rows.append((f"TTS {synth.name} time to first audio", f"{1000 * np.median(ttfa):.0f} ms", "goal <= 250 ms"))
        if backend == "piper":
            audio = synth.synthesize(text)
            back = create_transcriber(settings, "whisper-base").transcribe(
                decode_audio(wav_bytes(audio.samples, audio.sample_rate)).samples
            )
            rows.append(("Piper -> Whisper base WER", f"{wer(text, back.text):.3f}", "intelligibility"))

    tr = transcripts["whisper-base"]
    t0 = time.perf_counter()
    m = analyze_delivery(answer, tr)
    spent = time.perf_counter() - t0
    rows.append(
        ("delivery analysis speed", f"{dur / spent:.0f}x real time", "VAD + pitch + energy + fillers, ASR excluded")
    )
    rows.append(("delivery wpm on the clip", f"{m.wpm:.0f}", f"true {len(ref.split()) / ((dur - 0.6) / 60):.0f} wpm"))
    rows.append(
        (
            "load average (1 min) at the end",
            f"{os.getloadavg()[0]:.1f}",
            f"{os.cpu_count()} CPUs; speeds scale with contention",
        )
    )
    rows.append(("peak RSS", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", "this process"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>18}  notes")
    print("-" * (width + 40))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>18}  {note}")


if __name__ == "__main__":
    main()
