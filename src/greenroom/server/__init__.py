"""The web app: `create_app(settings)` (FastAPI), its JSON API under /api, the live WebSocket and the pages."""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    from greenroom.server.app import create_app as _create

    return _create(*args, **kwargs)


__all__ = ["create_app"]
