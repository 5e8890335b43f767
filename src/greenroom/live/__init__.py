"""The real-time interview: audio and video in over one WebSocket, turns out, wiring interview, speech and vision.

`protocol` defines the typed messages, `resources` the models shared by every session (loaded once),
`engine` the bridge to the interview package, `session` one interview, and `manager` the running ones.
"""
