"""The pool's arithmetic, without workers: the cores divided among the live workers, and which worker (if
any) a latency alert replaces."""

from __future__ import annotations

from greenroom.serving.policy import slow_outlier, threads_for


def test_a_lone_worker_gets_every_core_and_more_workers_share_them() -> None:
    assert [threads_for(n, cores=8) for n in (1, 2, 3, 8, 9)] == [8, 4, 2, 1, 1]
    assert threads_for(1, cores=8, cap=7) == 7  # llm_threads caps a worker's share
    assert threads_for(4, cores=8, cap=7) == 2


def _rows(*secs: float) -> list[tuple[float, bool]]:
    return [(s, True) for s in secs]


def test_only_an_outlier_is_replaced() -> None:
    assert slow_outlier({1: _rows(4.0, 4.2), 2: _rows(0.5, 0.6)}, {}, 2.0) == 1
    assert slow_outlier({1: _rows(4.0, 4.2), 2: _rows(3.1, 3.5), 3: _rows(3.0)}, {}, 2.0) is None  # all slow
    assert slow_outlier({1: _rows(40.0)}, {1: [5.0, 6.0]}, 2.0) == 1  # alone, against its own past
    assert slow_outlier({1: _rows(9.0)}, {1: [5.0, 6.0]}, 2.0) is None
    assert slow_outlier({1: _rows(40.0)}, {}, 2.0) is None  # alone and no past: the machine, not the worker
