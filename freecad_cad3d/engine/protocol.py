"""JSON lines between the GUI (client) and the engine worker: one message per line.

Requests (client -> worker):
    {"type": "info"}                         -> one "info" message
    {"type": "convert", "job": int,
     "source": {"path": str, "page"?: int (0-based), "drawing_scale"?: "1:N", "dpi"?: float}
             | {"drawing": npz path},
     "method": str, "steps": int, "scale": float | None, "kind": str,
     "options": {...}, "preview": bool, "out": npz path}
    {"type": "quit"}
Messages (worker -> client):
    ready    {"version", "pid"}                                  once, at start
    info     {"methods", "devices", "learning"}
    progress {"job", "fraction", "message", "eta"}               eta: seconds left or null
    preview  {"job", "points"?: encoded (N, 3) float32 m, "labels"?: encoded (N,) uint8,
              "segments"?: encoded (M, 2, 3) float32 m}          see transfer.encode_array
    result   {"job", "path", "seconds"}
    error    {"job", "message", "code"}                          a one-line message, exit code
Cancel is not a message: the client kills the worker (it is busy in the conversion).
"""

from __future__ import annotations

import json
from typing import Any

VERSION = 1
REQUESTS = ("info", "convert", "quit")
MESSAGES = ("ready", "info", "progress", "preview", "result", "error")


def encode(msg: dict[str, Any]) -> bytes:
    """One message as a UTF-8 JSON line (no newline inside)."""
    assert msg.get("type") in REQUESTS + MESSAGES, msg.get("type")
    return (json.dumps(msg, separators=(",", ":")) + "\n").encode("utf-8")


def decode(line: bytes | str) -> dict[str, Any] | None:
    """A message from one line, or None for anything else (a stray print of a library)."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        msg = json.loads(line)
    except ValueError:
        return None
    if not isinstance(msg, dict) or msg.get("type") not in REQUESTS + MESSAGES:
        return None
    return msg


class LineBuffer:
    """Split a byte stream that arrives in arbitrary chunks into complete lines."""

    def __init__(self) -> None:
        self._tail = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        data = self._tail + chunk
        *lines, self._tail = data.split(b"\n")
        return lines
