"""The learner's sandbox: the sandbox app on 127.0.0.1, in a background thread.

One server holds every lab: each lab gets its own account (``grader.sandbox.runtime``), so
"reset this lab" is just "issue a new account" and the other labs keep their state. Given a
journal (``grader.sandbox.journal``: the trainer's), it replays each lab's saved state
before it serves, and records from then on.
"""

from __future__ import annotations

import threading
from typing import Any

from grader.errors import SandboxError
from grader.sandbox.app import DEFAULT_LAYERS, AccountsRoute, Layer, build_app, make_loopback_server
from grader.sandbox.journal import Journal, Restored
from grader.sandbox.moto_setup import configure_moto_for_teaching, speed_up_moto


class Sandbox:
    """A moto server bound to 127.0.0.1 on a free port, running in a background thread."""

    def __init__(self, port: int = 0, journal: Journal | None = None) -> None:
        self._requested_port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.journal = journal
        self.restored: list[Restored] = []  # what the journal brought back at start

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise SandboxError("The sandbox is not running: start it first.")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Sandbox:
        configure_moto_for_teaching()
        speed_up_moto()  # as on every grading server: same answers, a faster first EC2 call
        app = build_app(journaled_layers(self.journal) if self.journal else DEFAULT_LAYERS)
        if self.journal is not None:
            self.restored = self.journal.restore()
        try:
            self._server = make_loopback_server(app, self._requested_port)
        except OSError as exc:
            raise SandboxError(
                f"Cannot start the sandbox on port {self._requested_port}: {exc.strerror}. "
                "Pick another port or stop the program using it."
            ) from exc
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="computelab-sandbox")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.journal is not None:
            self.journal.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def journaled_layers(journal: Journal) -> tuple[Layer, ...]:
    """The default layers with ``journal`` just outside the accounts route (it sees which lab
    each new account is for, and every request to it)."""
    at = DEFAULT_LAYERS.index(AccountsRoute)
    return (*DEFAULT_LAYERS[:at], journal.wrap, *DEFAULT_LAYERS[at:])
