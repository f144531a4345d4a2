"""The runtime file: which sandbox is running, and each lab's account on it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.aws import Account
from grader.errors import SandboxError
from grader.paths import data_dir
from grader.sandbox.client import create_account, is_alive


def process_running(pid: object) -> bool:
    """Whether process ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def runtime_path() -> Path:
    return data_dir() / "sandbox.json"


def read_runtime() -> dict[str, Any]:
    """The runtime record, or an empty one when there is none (or it is unreadable)."""
    try:
        data = json.loads(runtime_path().read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_runtime(data: dict[str, Any]) -> None:
    """Write the runtime record atomically, so a crash never leaves half a file."""
    path = runtime_path()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def publish(endpoint: str) -> None:
    """Record ``endpoint`` as the running sandbox (a new server: old lab accounts are gone)."""
    write_runtime({"endpoint": endpoint, "pid": os.getpid(), "started": time.time(),
                   "accounts": {}})


def running_endpoint() -> str | None:
    """The endpoint of the recorded sandbox if it still answers."""
    endpoint = read_runtime().get("endpoint")
    return endpoint if endpoint and is_alive(endpoint) else None


def lab_account(endpoint: str, lab_id: str, managed_policies: bool, fresh: bool = False,
                setup: Callable[[Account], None] | None = None) -> Account:
    """The lab's account on the recorded sandbox, created (and set up) on first use or reset.

    A lab whose saved state could not be restored at start is refused (the message says
    to reset it) rather than quietly given an empty account."""
    data = read_runtime()
    if data.get("endpoint") != endpoint:
        data = {"endpoint": endpoint, "pid": None, "started": time.time(), "accounts": {}}
    problem = data.get("unrestored", {}).get(lab_id)
    if problem and not fresh:
        raise SandboxError(str(problem))
    known = data.setdefault("accounts", {}).get(lab_id)
    if known and not fresh:
        return Account(**known)
    account = create_account(endpoint, managed_policies=managed_policies, lab=lab_id)
    if setup is not None:
        setup(account)
    data = read_runtime() if read_runtime().get("endpoint") == endpoint else data
    data.get("unrestored", {}).pop(lab_id, None)
    data.setdefault("accounts", {})[lab_id] = asdict(account)
    data["endpoint"] = endpoint
    write_runtime(data)
    return account
