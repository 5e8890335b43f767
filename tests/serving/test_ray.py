"""Ray Serve on a real local Ray cluster (`ray start --head` on 127.0.0.1, bounded memory) with the small
model: the interviewer deployment starts with 2 replicas, answers through its handle as a `ChatModel`,
and a burst raises the replica count; the grader and ASR deployments answer through theirs (Whisper
tiny.en on espeak-ng speech)."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.serving.conftest import pool_settings, wait_for

from greenroom.llm.base import ChatModel, user
from greenroom.serving.ray_local import local_ray

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),  # a hang fails here, not at the end of CI
    pytest.mark.skipif(shutil.which("ray", path=str(Path(sys.executable).parent)) is None, reason="ray not installed"),
]


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A one-node Ray cluster on loopback (`greenroom.serving.ray_local`). Teardown: Serve and the driver shut
    down, then the head's whole process group, so no Ray process outlives the module and nothing logs after
    pytest has closed its files. Token authentication is off for this loopback cluster only."""
    old_mode = os.environ.get("RAY_AUTH_MODE")
    try:
        with local_ray(num_cpus=4, log_path=tmp_path_factory.mktemp("ray") / "ray.log") as address:
            try:
                yield address
            finally:
                import ray

                if ray.is_initialized():
                    from ray import serve

                    serve.shutdown()
                    ray.shutdown()
    finally:
        if old_mode is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = old_mode


def test_ray_serve_answers_and_a_burst_adds_replicas(ray_cluster: str, tmp_path: Path, model_dir: Path) -> None:
    from greenroom.serving.ray_engine import RayEngine, autoscaling_config

    settings = pool_settings(
        tmp_path,
        model_dir,
        serving_engine="ray",
        serving_ray_address=ray_cluster,
        serving_ray_app=f"gr-test-{os.getpid()}",
        serving_min_workers=2,
        serving_max_workers=3,
        serving_upscale_delay_s=1.0,
        serving_request_timeout_s=120.0,
        llm_max_tokens=16,  # short calls, back to back: the demand stays, the end of the burst comes fast
    )
    cfg = autoscaling_config(settings)
    assert cfg["target_ongoing_requests"] == pytest.approx(0.7)
    assert (cfg["min_replicas"], cfg["max_replicas"]) == (2, 3)
    engine = RayEngine(settings, roles=("interviewer",))
    try:
        engine.start()
        assert engine.replicas() == {"interviewer": 2}
        model = engine.chat_model(high=True)
        assert isinstance(model, ChatModel) and model.name == "qwen2.5-coder-0.5b"
        assert "".join(model.stream([user("Say hi.")], max_tokens=4)).strip()
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                model.complete([user("Count from one to twenty in words.")])

        threads = [threading.Thread(target=hammer, daemon=True) for _ in range(6)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        wait_for(lambda: engine.replicas()["interviewer"] >= 3, 90, "a third replica")
        print(f"Ray scaled 2 -> 3 replicas {time.monotonic() - t0:.1f} s into the burst")
        stop.set()
        end = time.monotonic() + 90  # the calls in flight finish; one deadline for all of them
        for t in threads:
            t.join(timeout=max(0.1, end - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "calls still running 90 s after the burst"
        assert engine.status()["workers"] == 3
    finally:
        engine.close()


def test_ray_grader_and_asr_deployments_answer(ray_cluster: str, tmp_path: Path, model_dir: Path) -> None:
    from tests.speech.speechgen import espeak

    from greenroom.interview.rubric import Rubric, judge
    from greenroom.serving.ray_engine import RayEngine
    from greenroom.speech.base import Transcript

    settings = pool_settings(
        tmp_path,
        model_dir,
        serving_engine="ray",
        serving_ray_address=ray_cluster,
        serving_ray_app=f"gr-roles-{os.getpid()}",
        serving_min_workers=1,
        serving_max_workers=1,
        serving_request_timeout_s=120.0,
        speech_asr_model="whisper-tiny.en",
    )
    engine = RayEngine(settings, roles=("grader", "asr"))
    try:
        engine.start()
        assert engine.replicas() == {"grader": 1, "asr": 1}
        grader = engine.chat_model(high=False)  # no interviewer here: the grader deployment answers
        assert isinstance(grader, ChatModel)
        asr = engine.transcriber()
        assert asr is not None
        heard: list[Transcript] = []  # the two deployments answer at the same time
        listen = threading.Thread(target=lambda: heard.append(asr.transcribe(espeak("The payment service was slow."))))
        listen.start()
        verdict = judge(grader, "What does an index do?", ["speeds up lookups"], "It makes lookups faster.")
        assert isinstance(verdict, Rubric)  # the grader's real call: constrained JSON through the handle
        scores = grader.choice_logits([user("Is 2 + 2 = 4? Answer True or False.")], ["True", "False"])
        assert set(scores) == {"True", "False"}  # the truth check's logits through the handle
        listen.join(timeout=120)
        assert heard and isinstance(heard[0], Transcript) and heard[0].model.startswith("whisper")
        assert "payment" in heard[0].text.lower(), heard[0].text
    finally:
        engine.close()
    assert engine.status()["workers"] == 0  # disconnected: no Ray call (it would start a private cluster)
