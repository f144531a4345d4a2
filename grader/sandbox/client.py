"""Talking to a running sandbox from outside it (plain HTTP: no moto in the caller)."""

from __future__ import annotations

import json
import urllib.request

from grader.aws import Account
from grader.errors import SandboxError
from grader.sandbox.app import ACCOUNTS_ROUTE, PING_ROUTE


def is_alive(endpoint: str, timeout: float = 1.0) -> bool:
    """True when a ComputeLab sandbox answers at ``endpoint``."""
    try:
        with urllib.request.urlopen(endpoint + PING_ROUTE, timeout=timeout) as resp:
            return bool(json.load(resp).get("computelab"))
    except (OSError, ValueError):
        return False


def create_account(endpoint: str, managed_policies: bool = False,
                   lab: str | None = None) -> Account:
    """Ask the sandbox at ``endpoint`` for a fresh account (IAM user + access key); ``lab``
    names the lab it is for, so a sandbox that keeps state keeps it under that lab."""
    payload: dict[str, object] = {"managed_policies": managed_policies}
    if lab:
        payload["lab"] = lab
    request = urllib.request.Request(
        endpoint + ACCOUNTS_ROUTE, method="POST",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return Account(**json.load(resp))
    except (OSError, ValueError, TypeError) as exc:
        raise SandboxError(
            f"The sandbox at {endpoint} did not create an account ({exc}). "
            "Is it a ComputeLab sandbox? Start one with `computelab sandbox`."
        ) from exc
