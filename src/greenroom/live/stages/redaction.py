"""Redaction: the candidate's answer with names, contacts and IDs replaced by placeholders, right after
ASR and before anything else sees it (the interviewer, the grader, storage)."""

from __future__ import annotations

from collections.abc import Callable


class RedactionStage:
    """`stage(text) -> redacted text`, one anonymiser per interview (placeholders stay consistent)."""

    def __init__(self, anonymize: Callable[[str], str] | None) -> None:
        if anonymize is None:
            raise ValueError("The redaction stage needs an anonymiser.")
        self.anonymize = anonymize

    def __call__(self, text: str) -> str:
        text = text.strip()
        return self.anonymize(text) if text else text
