"""Crash safety: a writer SIGKILLed at random points never leaves a corrupt database or loses a
session it reported as committed (SQLite, WAL, synchronous=FULL). 50 rounds here; the benchmark runs 200."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from crashtest import crash_rounds


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")
def test_sigkill_rounds_keep_every_committed_session(data_dir: Path) -> None:
    result = crash_rounds(data_dir, rounds=50, max_delay_s=0.6, seed=7)
    assert result.rounds == 50
    assert result.integrity_failures == 0
    assert result.missing_or_changed == []
    assert result.reported >= 30, "the child committed too few sessions for the test to mean anything"
    assert result.verified == result.reported
    # some kills must land before the first commit of a round (start-up, migration, unlock) and most after
    assert result.killed_before_first_commit < result.rounds
