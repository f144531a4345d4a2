"""The local AWS sandbox: a moto server on loopback, with one moto account per lab.

Why an account per lab: moto maps an access key to the account whose IAM created it, so a
lab that gets its own IAM user + key sees only its own resources through plain boto3, and
"reset this lab" is just "issue a new account" — the other labs keep their state.

The server is moto's WSGI app behind a small middleware that adds one private route,
``POST /_computelab/accounts``, which creates such an account inside the server process
(only there can we choose whether AWS managed IAM policies are loaded for it).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from grader.errors import SandboxError
from grader.paths import data_dir

REGION = "us-east-1"
ACCOUNTS_ROUTE = "/_computelab/accounts"
PING_ROUTE = "/_computelab/ping"
_VALIDATION_FLAGS = {
    "MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION": "EC2_ENABLE_INSTANCE_TYPE_VALIDATION",
    "MOTO_ENABLE_AMI_VALIDATION": "ENABLE_AMI_VALIDATION",
    "MOTO_ENABLE_KEYPAIR_VALIDATION": "ENABLE_KEYPAIR_VALIDATION",
}


@dataclass(frozen=True)
class Account:
    """Credentials that land every plain boto3 call in one moto account."""

    account_id: str
    access_key_id: str
    secret_access_key: str


def configure_moto_for_teaching() -> None:
    """Turn on the validation moto has (off by default) and run Lambda/Batch without Docker."""
    for env_name in _VALIDATION_FLAGS:
        os.environ[env_name] = "true"
    import moto.settings
    from moto.core.config import default_user_config

    for attr in _VALIDATION_FLAGS.values():
        setattr(moto.settings, attr, True)
    default_user_config["lambda"] = {"use_docker": False}
    default_user_config["batch"] = {"use_docker": False}
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


class _ComputeLabRoutes:
    """WSGI middleware: our two private routes, everything else goes to moto."""

    def __init__(self, moto_app: Callable[..., Iterable[bytes]], endpoint: Callable[[], str]):
        self._moto_app = moto_app
        self._endpoint = endpoint
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == PING_ROUTE:
            return _json_response(start_response, {"computelab": True})
        if path == ACCOUNTS_ROUTE and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            account = self._create_account(bool(body.get("managed_policies")))
            return _json_response(start_response, asdict(account))
        return self._moto_app(environ, start_response)

    def _create_account(self, managed_policies: bool) -> Account:
        """Create an IAM user + key in a brand-new account id, with or without managed policies."""
        from moto.core.config import default_user_config

        account_id = str(secrets.randbelow(9 * 10**11) + 10**11)
        with self._lock:
            iam_config = default_user_config.setdefault("iam", {})
            iam_config["load_aws_managed_policies"] = managed_policies
            try:
                iam = _raw_client("iam", self._endpoint(), account_header=account_id)
                iam.create_user(UserName="computelab-learner")
                key = iam.create_access_key(UserName="computelab-learner")["AccessKey"]
            finally:
                iam_config["load_aws_managed_policies"] = False
        return Account(account_id, key["AccessKeyId"], key["SecretAccessKey"])


def _json_response(start_response: Callable[..., Any], payload: dict[str, Any]) -> list[bytes]:
    data = json.dumps(payload).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


def _raw_client(service: str, endpoint: str, account_header: str | None = None) -> Any:
    """A boto3 client for the sandbox itself (not for learners), optionally pinned to an account."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    client = session.client(service, endpoint_url=endpoint)
    if account_header:
        def add_header(request: Any, **_: Any) -> None:
            request.headers["x-moto-account-id"] = account_header

        client.meta.events.register("before-send", add_header)
    return client


class Sandbox:
    """A moto server bound to 127.0.0.1 on a free port, running in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self._requested_port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise SandboxError("The sandbox is not running: start it first.")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Sandbox:
        configure_moto_for_teaching()
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = _ComputeLabRoutes(DomainDispatcherApplication(create_backend_app),
                                lambda: self.endpoint)
        try:
            self._server = make_server("127.0.0.1", self._requested_port, app, threaded=True,
                                       request_handler=MotoRequestHandler)
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

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def is_alive(endpoint: str, timeout: float = 1.0) -> bool:
    """True when a ComputeLab sandbox answers at ``endpoint``."""
    try:
        with urllib.request.urlopen(endpoint + PING_ROUTE, timeout=timeout) as resp:
            return bool(json.load(resp).get("computelab"))
    except (OSError, ValueError):
        return False


def create_account(endpoint: str, managed_policies: bool = False) -> Account:
    """Ask the sandbox at ``endpoint`` for a fresh account (IAM user + access key)."""
    request = urllib.request.Request(
        endpoint + ACCOUNTS_ROUTE, method="POST",
        data=json.dumps({"managed_policies": managed_policies}).encode(),
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


# --- the runtime file: which sandbox is running and each lab's account -------------------


def runtime_path() -> Any:
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
    """The lab's account on the recorded sandbox, created (and set up) on first use or reset."""
    data = read_runtime()
    if data.get("endpoint") != endpoint:
        data = {"endpoint": endpoint, "pid": None, "started": time.time(), "accounts": {}}
    known = data.setdefault("accounts", {}).get(lab_id)
    if known and not fresh:
        return Account(**known)
    account = create_account(endpoint, managed_policies=managed_policies)
    if setup is not None:
        setup(account)
    data = read_runtime() if read_runtime().get("endpoint") == endpoint else data
    data.setdefault("accounts", {})[lab_id] = asdict(account)
    data["endpoint"] = endpoint
    write_runtime(data)
    return account
