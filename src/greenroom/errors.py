"""The error hierarchy: each error carries one clear line for the CLI and a 4xx status for HTTP."""

from __future__ import annotations

from collections.abc import Iterable


class GreenroomError(Exception):
    """Base of every error Greenroom reports to a user: the message is the one line they see."""

    http_status = 400
    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message} {hint}")

    def to_problem(self) -> dict[str, object]:
        """A JSON problem body for HTTP answers."""
        body: dict[str, object] = {"error": self.code, "detail": self.message}
        if self.hint:
            body["hint"] = self.hint
        return body


class ConfigError(GreenroomError):
    """A setting is missing or invalid."""

    code = "config_error"


class UnknownNameError(GreenroomError):
    """A name (preset, back-end, track, role...) that is not registered; lists the valid ones."""

    http_status = 404
    code = "unknown_name"

    def __init__(self, kind: str, name: str, valid: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"Unknown {kind} {name!r}. Valid: {', '.join(self.valid) or '(none)'}.")


class InputError(GreenroomError):
    """Bad input from the user: corrupt media, an empty answer, an oversized upload..."""

    http_status = 422
    code = "bad_input"


class NotFoundError(GreenroomError):
    """A record (session, file) that does not exist."""

    http_status = 404
    code = "not_found"


class ModelNotAvailableError(GreenroomError):
    """A model's files are not on this machine."""

    http_status = 503
    code = "model_not_available"


class ModelIntegrityError(GreenroomError):
    """A model file failed its checksum."""

    http_status = 503
    code = "model_corrupt"


class BackendUnavailableError(GreenroomError):
    """A model server could not be reached."""

    http_status = 503
    code = "backend_unavailable"


class ServingError(GreenroomError):
    """The model pool or cluster could not answer: it is full, or a worker failed on a request twice."""

    http_status = 503
    code = "serving_unavailable"


class ModelOutputError(GreenroomError):
    """A model produced output that could not be used (invalid structured output after a retry)."""

    http_status = 502
    code = "model_output_error"


class StorageUnavailableError(GreenroomError):
    """The database cannot be written or reached right now (a full disk, a stopped database server)."""

    http_status = 503
    code = "storage_unavailable"


class StorageCorruptError(GreenroomError):
    """The database file is damaged; it is never replaced silently."""

    http_status = 503
    code = "storage_corrupt"


class EgressBlockedError(GreenroomError, ConnectionRefusedError):
    """The egress guard refused a connection to a non-loopback address."""

    http_status = 403
    code = "egress_blocked"
