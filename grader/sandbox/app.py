"""The sandbox as a WSGI app: moto at the core, wrapped in a chain of small layers.

    request -> PingRoute -> AccountsRoute -> ... -> moto

Each layer is a class that takes the app it wraps; ``build_app`` stacks them. A layer that
makes moto answer like AWS, or refuses a route, is one more entry in ``DEFAULT_LAYERS``.
Both the learner's local sandbox (``grader.sandbox.local``) and every grading server
(``grader.sandbox.template``) serve this same app.

Accounts are made inside the server process (only there can AWS managed IAM policies be
switched on per account): an IAM user and access key in a brand-new account id. moto maps an
access key to the account whose IAM created it, so plain boto3 with that key lands there.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from typing import Any

from grader.aws import REGION, Account
from grader.sandbox.determinism import seeded
from grader.sandbox.fidelity import Fidelity, NoSilentGaps
from grader.sandbox.refusals import DebugRoutesRefused

ACCOUNTS_ROUTE = "/_computelab/accounts"
PING_ROUTE = "/_computelab/ping"
LEARNER_USER = "computelab-learner"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Layer = Callable[[WSGIApp], WSGIApp]

_ACCOUNT_LOCK = threading.Lock()


def new_account(managed_policies: bool, account_id: str | None = None) -> Account:
    """An IAM user + access key in a brand-new account id, created inside the server.

    The key is drawn from a stream seeded by the account id, so a journal replaying the
    account (``account_id`` given) gets the same credentials back."""
    from moto.core.config import default_user_config
    from moto.iam.models import iam_backends

    account_id = account_id or str(secrets.randbelow(9 * 10**11) + 10**11)
    # the managed-policy switch is process-wide while the account is made
    with _ACCOUNT_LOCK, seeded("account", account_id):
        iam_config = default_user_config.setdefault("iam", {})
        iam_config["load_aws_managed_policies"] = managed_policies
        try:
            iam = iam_backends[account_id]["aws"]
            iam.create_user(region_name=REGION, user_name=LEARNER_USER)
            key = iam.create_access_key(user_name=LEARNER_USER)
        finally:
            iam_config["load_aws_managed_policies"] = False
    return Account(account_id, key.access_key_id, key.secret_access_key)


def json_response(start_response: StartResponse, payload: dict[str, Any]) -> list[bytes]:
    data = json.dumps(payload).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


class PingRoute:
    """``GET /_computelab/ping``: tells a ComputeLab sandbox from any other server."""

    def __init__(self, inner: WSGIApp) -> None:
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        if environ.get("PATH_INFO", "") == PING_ROUTE:
            return json_response(start_response, {"computelab": True})
        return self.inner(environ, start_response)


class AccountsRoute:
    """``POST /_computelab/accounts {"managed_policies": bool, "lab": id}``: a fresh account
    (``lab`` names the lab it is for; a journal, outside this layer, keeps that lab's log)."""

    def __init__(self, inner: WSGIApp) -> None:
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        if (environ.get("PATH_INFO", "") == ACCOUNTS_ROUTE
                and environ.get("REQUEST_METHOD") == "POST"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            except ValueError:
                body = {}
            managed = bool(body.get("managed_policies")) if isinstance(body, dict) else False
            return json_response(start_response, asdict(new_account(managed)))
        return self.inner(environ, start_response)


# DebugRoutesRefused first: moto's recorder/config/proxy routes never reach moto.
# NoSilentGaps outside Fidelity: a correction that fails is still an AWS-shaped error.
DEFAULT_LAYERS: tuple[Layer, ...] = (DebugRoutesRefused, PingRoute, AccountsRoute,
                                     NoSilentGaps, Fidelity)


def moto_app() -> WSGIApp:
    """moto's own WSGI app (every service, dispatched by host and path)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def build_app(layers: Sequence[Layer] = DEFAULT_LAYERS) -> WSGIApp:
    """moto wrapped in ``layers``, the first one outermost."""
    app = moto_app()
    for layer in reversed(layers):
        app = layer(app)
    return app


def make_loopback_server(app: WSGIApp, port: int = 0) -> Any:
    """A threaded werkzeug server for ``app`` on 127.0.0.1 (``port`` 0: any free port)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    return make_server("127.0.0.1", port, app, threaded=True,
                       request_handler=MotoRequestHandler)
