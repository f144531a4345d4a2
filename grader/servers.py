"""Sandbox servers for grading: one fresh moto server per submission, forked warm.

A *template* process imports moto, warms it once for the lab (service catalogues, request
routes, response models: the lab's reads, its setup and its reference solution run against
a throwaway account), wipes that state, creates one pristine account (set up, backends
created), and then only forks. Each fork is a server for exactly one submission, in the
grading worker's network namespace, on 127.0.0.1: a submission that calls
``/moto-api/reset`` or reads ``/moto-api/data.json`` reaches its own server and nothing
else, and every submission starts from the same pristine account (which also makes
resource ids repeatable).

The template is never an ancestor of a submission, so no moto state — and nothing the
reference solution did — is in a submission's memory.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.checks import run_checks
from grader.sandbox import ACCOUNTS_ROUTE, PING_ROUTE, REGION, Account

RSA_KEYS = 4
SEED = 20261125


class GradingApp:
    """moto's WSGI app plus a ping and a fast fresh-account route (no HTTP to itself)."""

    def __init__(self, moto_app: Any) -> None:
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == PING_ROUTE:
            return _json_response(start_response, {"computelab": True})
        if path == ACCOUNTS_ROUTE and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            return _json_response(start_response,
                                  asdict(new_account(bool(body.get("managed_policies")))))
        return self.moto_app(environ, start_response)


def _json_response(start_response: Any, payload: dict[str, Any]) -> list[bytes]:
    data = json.dumps(payload).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


def new_account(managed_policies: bool) -> Account:
    """An IAM user + access key in a brand-new account id, created inside the server."""
    import secrets

    from moto.core.config import default_user_config
    from moto.iam.models import iam_backends

    account_id = str(secrets.randbelow(9 * 10**11) + 10**11)
    iam_config = default_user_config.setdefault("iam", {})
    iam_config["load_aws_managed_policies"] = managed_policies
    try:
        iam = iam_backends[account_id]["aws"]
        iam.create_user(region_name=REGION, user_name="computelab-learner")
        key = iam.create_access_key(user_name="computelab-learner")
    finally:
        iam_config["load_aws_managed_policies"] = False
    return Account(account_id, key.access_key_id, key.secret_access_key)


def speed_up_moto() -> None:
    """Two costs every submission would pay again in moto 5.2 (same results, less CPU):
    ~2,600 random ids drawn one hex digit at a time for each account's AMI catalogue, and
    a fresh 2048-bit RSA key (~50 ms) per ``create_key_pair``: keys come from a small pool
    made once, so the same submission also gets the same key material every time."""
    import moto.ec2.models.key_pairs as key_pairs
    import moto.ec2.utils as ec2_utils
    from moto.moto_api._internal import mock_random

    def random_resource_id(size: int = 8) -> str:
        return f"{mock_random.getrandbits(4 * size):0{size}x}"

    ec2_utils.random_resource_id = random_resource_id
    pool = [ec2_utils.random_rsa_key_pair() for _ in range(RSA_KEYS)]
    served = [0]

    def pooled_rsa_key_pair() -> Any:
        served[0] += 1
        return dict(pool[(served[0] - 1) % len(pool)])

    key_pairs.random_rsa_key_pair = pooled_rsa_key_pair  # type: ignore[attr-defined]


_WARM_CALLS = {
    "ssm": ("get_parameters_by_path", {"Path": "/aws/service/ami-amazon-linux-latest"}),
    "ec2": ("describe_images", {"Owners": ["amazon"], "Filters": [
        {"Name": "name", "Values": ["al2023-ami-2023.*-x86_64"]}]}),
}


def _touch_services(aws: Any, services: list[str]) -> None:
    """One read per service: creates the account's backends (and loads catalogues)."""
    for service in services:
        call = _WARM_CALLS.get(service)
        try:
            if call:
                getattr(aws.client(service), call[0])(**call[1])
            else:
                _cheapest_read(aws.client(service))
        except Exception:
            pass


def _cheapest_read(client: Any) -> None:
    """Call one List*/Describe* operation that needs no arguments."""
    model = client.meta.service_model
    methods = {api: py for py, api in client.meta.method_to_api_mapping.items()}
    for name in sorted(model.operation_names):
        if name.startswith(("List", "Describe")):
            shape = model.operation_model(name).input_shape
            if shape is None or not shape.required_members:
                getattr(client, methods[name])()
                return


def _close(aws: Any) -> None:
    for client in aws._clients.values():
        try:
            client.close()
        except Exception:
            pass


def warm_template(lab_path: Path) -> tuple[Any, Account]:
    """Build and warm the moto app for the lab; return it and the pristine account."""
    from moto.moto_api._internal.models import moto_api_backend
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from grader.aws import AWS
    from grader.labs import load_lab
    from grader.sandbox import configure_moto_for_teaching

    configure_moto_for_teaching()
    speed_up_moto()
    lab = load_lab(lab_path)
    specs = lab.checks()
    setup = lab.setup_fn()
    app = GradingApp(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        warm = AWS.for_account(endpoint, new_account(lab.managed_policies))
        _touch_services(warm, lab.services)
        if setup is not None:
            setup(warm)
        try:  # the write paths a submission will use (the template only: never forked into
            lab.solve_fn()(warm)  # a submission's memory, and wiped just below)
        except Exception:
            pass
        run_checks(lab.id, specs, warm)
        _close(warm)
        moto_api_backend.reset()
        account = new_account(lab.managed_policies)
        pristine = AWS.for_account(endpoint, account)
        _touch_services(pristine, lab.services)
        if setup is not None:
            setup(pristine)
        _close(pristine)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        deadline = time.monotonic() + 5
        while threading.active_count() > 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    return app, account


def template_main(lab_path: Path, conns: list[socket.socket], ready_fd: int) -> None:
    """The template process: warm up, report the pristine account, then fork servers on
    request (a worker sends one byte, with its network namespace when it has one)."""
    import gc
    import selectors

    from grader import isolation

    isolation.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # servers are reaped automatically
    try:
        app, account = warm_template(lab_path)
        gc.collect()
        gc.freeze()
        message = {"account": asdict(account)}
    except Exception as exc:
        message = {"error": f"{type(exc).__name__}: {exc}"}
    os.write(ready_fd, (json.dumps(message) + "\n").encode())
    os.close(ready_fd)
    if "error" in message:
        os._exit(1)
    selector = selectors.DefaultSelector()
    for conn in conns:
        selector.register(conn, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            conn = key.fileobj
            assert isinstance(conn, socket.socket)
            try:
                data, fds, _, _ = socket.recv_fds(conn, 64, 1)
            except OSError:
                data, fds = b"", []
            if not data:
                selector.unregister(conn)
                conn.close()
                continue
            port, _, nonce = data.decode("ascii", "replace").partition(" ")
            _fork_server(app, conn, fds[0] if fds else None, conns,
                         int(port) if port.isdigit() else 0, nonce.strip())
            for fd in fds:
                os.close(fd)
    os._exit(0)


def _fork_server(app: Any, conn: socket.socket, netns: int | None,
                 conns: list[socket.socket], port: int, nonce: str) -> None:
    pid = os.fork()
    if pid:
        return
    try:  # pragma: no cover - runs in the server
        from grader import isolation

        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for other in conns:
            if other is not conn:
                other.close()
        if netns is not None:
            isolation.setns(netns, isolation.CLONE_NEWNET)  # the worker's private loopback
        from moto.moto_api._internal import mock_random
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        mock_random.seed(SEED)  # same submission, same resource ids
        try:
            server = make_server("127.0.0.1", port, app, threaded=True,
                                 request_handler=MotoRequestHandler)
        except OSError:
            server = make_server("127.0.0.1", 0, app, threaded=True,
                                 request_handler=MotoRequestHandler)
        conn.sendall(f"{nonce} {os.getpid()} {server.server_address[1]}\n".encode())
        conn.close()
        server.serve_forever()
    finally:
        os._exit(1)


def request_server(conn: socket.socket, netns: int | None, port: int = 0) -> tuple[int, int]:
    """From a worker: ask the template for a fresh server (on ``port`` if it is free);
    return its pid and port."""
    nonce = os.urandom(8).hex()
    socket.send_fds(conn, [f"{port} {nonce}".encode()], [netns] if netns is not None else [])
    buffer = b""
    while True:
        chunk = conn.recv(256)
        if not chunk:
            raise OSError("the server template is gone")
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            parts = line.decode("ascii", "replace").split()
            if len(parts) != 3:
                continue
            if parts[0] == nonce:
                return int(parts[1]), int(parts[2])
            stop_server(int(parts[1]))  # answered to a grading process that is gone


def stop_server(pid: int) -> None:
    """Kill a server and wait (briefly) until it is gone, so its port is free again."""
    import select

    try:
        pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    except OSError:
        pidfd = None
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if pidfd is not None:
        select.select([pidfd], [], [], 2.0)
        os.close(pidfd)
