"""A token bucket for one WebSocket: how many messages a client may send per second, with a short burst.

The page sends about 16 messages a second (100 ms audio chunks, ~5 camera frames, a few events); a
client far above the limit is flooding the server and is closed with a reason (`ws.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; `take()` spends one, False when none is left."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._t = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._t) * self.rate)
        self._t = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
