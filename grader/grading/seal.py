"""A MAC on every stored grade, so a result forged in ``--out`` is detected.

Without root, a submission runs as the grader's own user and could write into ``--out``
(say, a full-marks ``record.json`` for itself, which a rerun would then keep). Each record
is signed with HMAC-SHA256 under a key kept in ComputeLab's data folder (``COMPUTELAB_HOME``
or the platform's user data folder), never in ``--out``: a record whose MAC does not match
is treated as not graded, and graded again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from grader.paths import data_dir

KEY_FILE = "grading-mac.key"
FIELD = "mac"


def key_path() -> Path:
    return data_dir() / KEY_FILE


def _key() -> bytes:
    path = key_path()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        key = os.urandom(32)
        out.write(key)
    return key


def _digest(record: dict[str, Any]) -> str:
    body = json.dumps({k: v for k, v in record.items() if k != FIELD}, sort_keys=True)
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()


def sign(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with its MAC added."""
    return {**record, FIELD: _digest(record)}


def verify(record: dict[str, Any]) -> bool:
    """Whether ``record`` carries the MAC this machine's key gives it."""
    mac = record.get(FIELD)
    return isinstance(mac, str) and hmac.compare_digest(mac, _digest(record))
