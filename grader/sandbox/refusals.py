"""A sandbox layer that refuses moto's debugging routes.

moto serves, next to the AWS APIs, routes meant for a developer at their own machine:
a request recorder that writes files into the server's working folder and replays them,
a ``config`` route that changes how the server behaves (for every caller), and a proxy
pass-through setting. None of them is part of AWS, no lab uses them, and in grading they
are an attack surface, so they answer ``403`` with a JSON error. ``/moto-api/reset`` and
``/moto-api/data.json`` stay: they reach only the caller's own sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

REFUSED_PREFIXES = ("/moto-api/recorder/", "/moto-api/config", "/moto-api/proxy/",
                    "/moto-api/reset-auth")
MESSAGE = "This ComputeLab sandbox does not offer moto's debugging routes."


def normal_path(path: str) -> str:
    """``//moto-api/./reset/`` -> ``/moto-api/reset``: how moto's router will read it."""
    return "/" + "/".join(part for part in path.split("/") if part not in ("", "."))


def refused(path: str) -> bool:
    """Whether ``path`` (a request's PATH_INFO) is one of the refused routes."""
    normal = normal_path(path)
    return any(normal.startswith(prefix.rstrip("/")) for prefix in REFUSED_PREFIXES)


class DebugRoutesRefused:
    """``403`` for moto's recorder, config and proxy routes; everything else passes."""

    def __init__(self, inner: WSGIApp) -> None:
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        if refused(environ.get("PATH_INFO", "")):
            body = json.dumps({"error": MESSAGE}).encode()
            start_response("403 Forbidden", [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(body)))])
            return [body]
        return self.inner(environ, start_response)
