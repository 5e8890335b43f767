"""Greenroom: a self-hosted, privacy-first AI mock-interview coach.

Importing the package is cheap: heavy libraries (llama.cpp, torch, whisper, mediapipe) load lazily
inside the back-end that needs them.
"""

__version__ = "0.1.0"
