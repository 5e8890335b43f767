"""The local model pool on real worker processes: dispatch, autoscaling, dead and hung workers."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from pydantic import BaseModel
from tests.serving.conftest import PROMPT, pool_settings, wait_for

from greenroom.errors import ConfigError, ServingError
from greenroom.llm.base import ChatModel, ChoiceScorer
from greenroom.serving.clients import PoolChatModel
from greenroom.serving.policy import threads_for, threads_per_worker
from greenroom.serving.pool import LocalPool

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]  # a hang fails here, not at the end of CI


class Yes(BaseModel):
    ok: bool


def test_threads_are_divided_among_cores() -> None:
    assert threads_per_worker(2, cores=2) == 1
    assert threads_per_worker(10, cores=32) == 3
    assert threads_per_worker(4, cores=2) == 1
    assert threads_for(1, cores=8) == 8  # a lone worker uses every core, as the single process does
    assert threads_for(2, cores=8) == 4 and threads_for(3, cores=2) == 1
    assert threads_for(1, cores=8, cap=7) == 7 and threads_for(2, cores=8, cap=7) == 4  # llm_threads caps


def test_min_above_max_is_refused(tmp_path, model_dir) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="above"):
        LocalPool(pool_settings(tmp_path, model_dir, serving_min_workers=3, serving_max_workers=2))


def test_pool_is_a_chat_model_and_spreads_requests(pool: LocalPool) -> None:
    model = pool.chat_model(high=True)
    assert isinstance(model, ChatModel)
    assert model.name == "qwen2.5-coder-0.5b"
    assert "".join(model.stream(PROMPT)).strip()
    assert isinstance(model.structured(PROMPT, Yes, max_tokens=12), Yes)
    assert isinstance(model, ChoiceScorer)  # the grader's truth check runs on a worker too
    scores = model.choice_logits(PROMPT, ["True", "False"])
    assert set(scores) == {"True", "False"} and scores["True"] != scores["False"]
    pool.worker_log.clear()
    threads = [threading.Thread(target=model.complete, args=(PROMPT,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({wid for _, wid, _, _ in pool.worker_log}) == 2  # least busy: one each


def test_a_burst_scales_up_to_max(pool: LocalPool) -> None:
    model = PoolChatModel(pool, high=False)
    for wid in pool.worker_ids():
        pool.inject_fault(wid, "latency", 1.0)  # each request holds its worker for a second
    t0 = time.monotonic()
    threads = [threading.Thread(target=model.complete, args=(PROMPT,)) for _ in range(8)]
    for t in threads:
        t.start()
    wait_for(lambda: pool.status()["workers"] == 3, 20, "a third worker")
    scaled = time.monotonic() - t0
    for t in threads:
        t.join()
    assert any(what == "scale up" for _, what, _ in pool.events)
    assert scaled < 10
    assert pool.status()["workers"] == 3  # never above max
    for wid in pool.worker_ids():
        pool.inject_fault(wid, "clear")


def _hold_all(pool: LocalPool, seconds: float) -> None:
    for wid in pool.worker_ids():
        pool.inject_fault(wid, "latency", seconds)


def test_a_dead_worker_is_replaced_and_its_request_retried(pool: LocalPool) -> None:
    wait_for(lambda: pool.status()["ready"] == pool.status()["workers"], 120, "all workers ready")
    _hold_all(pool, 1.5)
    req = pool.submit("complete", (PROMPT, {"max_tokens": 4}), high=True)
    wait_for(lambda: req.worker is not None, 5, "dispatch")
    first = req.worker
    pid = pool._workers[first].info["pid"]  # noqa: SLF001
    os.kill(pid, signal.SIGKILL)
    kind, text = req.out.get(timeout=60)
    assert kind == "done" and isinstance(text, str)
    assert req.worker != first and req.attempts == 2
    assert any(what == "replace (died)" and wid == first for _, what, wid in pool.events)
    wait_for(lambda: pool.status()["ready"] >= 2, 120, "a replacement")
    for wid in pool.worker_ids():
        pool.inject_fault(wid, "clear")


def test_a_second_failure_is_a_clear_error(pool: LocalPool) -> None:
    wait_for(lambda: pool.status()["ready"] == pool.status()["workers"], 120, "all workers ready")
    _hold_all(pool, 3.0)
    req = pool.submit("complete", (PROMPT, {"max_tokens": 4}), high=True)
    killed: list[int] = []
    for _ in range(2):
        wait_for(lambda: req.worker is not None and req.worker not in killed, 30, "dispatch")
        assert req.worker is not None
        killed.append(req.worker)
        os.kill(pool._workers[req.worker].info["pid"], signal.SIGKILL)  # noqa: SLF001
    kind, exc = req.out.get(timeout=30)
    assert kind == "error" and isinstance(exc, ServingError)
    assert "retry failed" in exc.message
    wait_for(lambda: pool.status()["ready"] >= 2, 120, "replacements")
    for wid in pool.worker_ids():
        pool.inject_fault(wid, "clear")


def test_a_hung_worker_is_replaced(pool: LocalPool) -> None:
    wait_for(lambda: pool.status()["ready"] == pool.status()["workers"], 120, "all workers ready")
    victim = pool.worker_ids()[0]
    pool.inject_fault(victim, "hang")
    wait_for(lambda: victim not in pool.worker_ids(), 15, "the hung worker to go")
    assert any(what == "replace (hung)" and wid == victim for _, what, wid in pool.events)
    wait_for(lambda: pool.status()["ready"] >= 2, 120, "a replacement")


def test_the_cores_follow_the_busy_workers(pool: LocalPool) -> None:
    wait_for(lambda: pool.status()["ready"] == pool.status()["workers"], 120, "all workers ready")
    workers = pool._workers  # noqa: SLF001
    _hold_all(pool, 1.5)  # each request holds its worker 1.5 s before the model runs
    reqs = [pool.submit("complete", (PROMPT, {"max_tokens": 2}), high=True) for _ in range(2)]
    wait_for(lambda: all(r.worker is not None for r in reqs), 5, "dispatch")
    busy = {r.worker for r in reqs}
    assert len(busy) == 2 and {workers[w].threads for w in busy if w is not None} == {
        threads_for(2, cores=pool.settings.llm_thread_count)
    }
    assert sum(workers[w].threads for w in busy if w is not None) <= max(2, os.cpu_count() or 1)
    for r in reqs:
        assert r.out.get(timeout=60)[0] == "done"
    alone = pool.submit("complete", (PROMPT, {"max_tokens": 2}), high=True)
    wait_for(lambda: alone.worker is not None, 5, "dispatch")
    assert alone.worker is not None
    w = workers[alone.worker]
    lone = threads_for(1, cores=pool.settings.llm_thread_count)
    assert w.threads == lone == pool.status()["threads_per_worker"]  # alone: all the LLM's cores
    assert alone.out.get(timeout=60)[0] == "done"
    wait_for(lambda: w.info.get("threads") == lone, 10, "the worker to report its threads")  # applied
    for wid in pool.worker_ids():
        pool.inject_fault(wid, "clear")
