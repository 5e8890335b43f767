"""Serving many candidates: a local autoscaling model pool, a Ray Serve engine, metrics and a monitor.

`create_engine(settings)` returns the configured `Engine` (see `base.py`); the server asks it for the
interviewer's and the grader's `ChatModel` and for a `Transcriber`, and never knows which engine runs.
"""
