"""What leaves this client: a Flower mod that records every outgoing reply before it is sent.

`audit_mod` is the outermost mod of Greenroom's ClientApp, so it sees the reply exactly as it goes on the
wire (after clipping and SecAgg+ masking). For each reply it appends one JSON line to
`<audit-dir>/messages.jsonl`: the message type, round, serialised size in bytes, every array's dtype and
shape, every metric, and every string value found in config records (there should be none but status
words). With `audit-raw` on, the serialised protobuf bytes are also kept (`<n>.bin`) so a test, or a
sceptical user, can search them for text. The folder comes from the node config (`audit-dir`).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()
AUDIT_FILE = "messages.jsonl"


def summarise(msg: Any) -> dict[str, Any]:
    """A JSON-able description of an outgoing Flower message and its serialised size."""
    from flwr.common.serde import message_to_proto

    entry: dict[str, Any] = {
        "time": time.time(),
        "type": msg.metadata.message_type,
        "group": msg.metadata.group_id,
        "bytes": message_to_proto(msg).ByteSize(),
        "arrays": [],
        "metrics": {},
        "strings": [],
        "error": msg.error.reason if msg.has_error() else None,
    }
    if not msg.has_content():
        return entry
    for rname, arec in msg.content.array_records.items():
        for key, arr in arec.items():
            entry["arrays"].append({"record": rname, "key": key, "dtype": arr.dtype, "shape": list(arr.shape)})
    for rname, mrec in msg.content.metric_records.items():
        for key, value in mrec.items():
            entry["metrics"][f"{rname}.{key}"] = value
    for rname, crec in msg.content.config_records.items():
        for key, value in crec.items():
            values = value if isinstance(value, list) else [value]
            entry["strings"] += [{"key": f"{rname}.{key}", "value": v} for v in values if isinstance(v, str)]
    return entry


def record(msg: Any, audit_dir: Path, *, raw: bool = False) -> None:
    from flwr.common.serde import message_to_proto

    audit_dir.mkdir(parents=True, exist_ok=True)
    entry = summarise(msg)
    with _LOCK:
        log = audit_dir / AUDIT_FILE
        n = sum(1 for _ in log.open(encoding="utf-8")) if log.exists() else 0
        entry["n"] = n
        if raw:
            (audit_dir / f"{n}.bin").write_bytes(message_to_proto(msg).SerializeToString())
        with log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")


def audit_mod(msg: Any, ctxt: Any, call_next: Any) -> Any:
    """Flower mod: pass the message on, then record the reply if the node config names an `audit-dir`."""
    out = call_next(msg, ctxt)
    audit_dir = ctxt.node_config.get("audit-dir")
    if audit_dir:
        record(out, Path(str(audit_dir)), raw=bool(ctxt.node_config.get("audit-raw", False)))
    return out


def read_audit(audit_dir: Path) -> list[dict[str, Any]]:
    """The recorded entries, oldest first."""
    log = audit_dir / AUDIT_FILE
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
