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

import os
import signal
import socket
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.aws import AWS, Account
from grader.checks import run_checks
from grader.grading import isolation
from grader.grading.cgroups import Group
from grader.grading.protocol import ServerReply, ServerRequest, TemplateReady, expect
from grader.labs import load_lab
from grader.sandbox.app import WSGIApp, build_app, make_loopback_server, new_account
from grader.sandbox.moto_setup import configure_moto_for_teaching, speed_up_moto

SEED = 20261125


_WARM_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "ssm": ("get_parameters_by_path", {"Path": "/aws/service/ami-amazon-linux-latest"}),
    "ec2": ("describe_images", {"Owners": ["amazon"], "Filters": [
        {"Name": "name", "Values": ["al2023-ami-2023.*-x86_64"]}]}),
}


def _touch_services(aws: AWS, services: list[str]) -> None:
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


def warm_template(lab_path: Path) -> tuple[WSGIApp, Account]:
    """Build and warm the sandbox app for the lab; return it and the pristine account."""
    from moto.moto_api._internal.models import moto_api_backend

    configure_moto_for_teaching()
    speed_up_moto()
    lab = load_lab(lab_path)
    specs = lab.checks()
    setup = lab.setup_fn()
    app = build_app()
    server = make_loopback_server(app)
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
        warm.close()
        moto_api_backend.reset()
        account = new_account(lab.managed_policies)
        pristine = AWS.for_account(endpoint, account)
        _touch_services(pristine, lab.services)
        if setup is not None:
            setup(pristine)
        pristine.close()
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

    isolation.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # servers are reaped automatically
    try:
        app, account = warm_template(lab_path)
        from grader.grading import hardening
        from grader.grading.zygote import keep_paths

        _KEEP.extend(keep_paths())
        _FILTER.append(hardening.build())
        gc.collect()
        gc.freeze()
        ready = TemplateReady(account=asdict(account))
    except Exception as exc:
        ready = TemplateReady(error=f"{type(exc).__name__}: {exc}")
    os.write(ready_fd, ready.to_bytes())
    os.close(ready_fd)
    if ready.error:
        os._exit(1)
    selector = selectors.DefaultSelector()
    for conn in conns:
        selector.register(conn, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            conn = key.fileobj  # type: ignore[assignment]  # registered sockets only
            assert isinstance(conn, socket.socket)
            try:
                data, fds, _, _ = socket.recv_fds(conn, 256, 1)
            except OSError:
                data, fds = b"", []
            if not data:
                selector.unregister(conn)
                conn.close()
                continue
            request = expect(data, ServerRequest)
            _fork_server(app, conn, fds[0] if fds else None, conns, request)
            for fd in fds:
                os.close(fd)
    os._exit(0)


def _fork_server(app: WSGIApp, conn: socket.socket, netns: int | None,
                 conns: list[socket.socket], request: ServerRequest) -> None:
    pid = os.fork()
    if pid:
        return
    try:  # pragma: no cover - runs in the server
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        isolation.die_with_parent()  # the template goes (the grader was killed): so do we
        for other in conns:
            if other is not conn:
                other.close()
        if request.cgroup:
            Group(tuple(Path(p) for p in request.cgroup), v2=False).join()
        if netns is not None:
            isolation.setns(netns, isolation.CLONE_NEWNET)  # the worker's private loopback
        from moto.moto_api._internal import mock_random

        mock_random.seed(SEED)  # same submission, same resource ids
        try:
            server = make_loopback_server(app, request.port)
        except OSError:
            server = make_loopback_server(app, 0)
        port = server.server_address[1]
        wall_server(request, port, netns is not None)
        reply = ServerReply(request.nonce, os.getpid(), port)
        conn.sendall(reply.to_bytes())
        conn.close()
        server.serve_forever()
    finally:
        os._exit(1)


def wall_server(request: ServerRequest, port: int, namespaces: bool) -> None:
    """The walls around a submission's server, once it listens: private working and temp
    folders, its own unprivileged uid, no new privileges, the seccomp filter, and no
    connection to anything but its own port (moto sends some requests on a caller's
    behalf)."""
    from grader.grading import hardening, netguard

    if namespaces:
        isolation.unshare(isolation.CLONE_NEWNS | isolation.CLONE_NEWIPC)
        isolation.mount("none", "/", None, isolation.MS_REC | isolation.MS_PRIVATE)
        isolation.private_tmp(64, _KEEP)
        if request.uid:
            isolation.make_traversable(_KEEP, request.uid, request.gid)
    home = tempfile.mkdtemp(prefix="computelab-server-")
    if request.uid:
        os.chown(home, request.uid, request.gid)
    os.chdir(home)  # moto writes debugging files to its working folder
    os.environ["TMPDIR"] = home
    tempfile.tempdir = home
    isolation.limit_resources(None, None, 256 * 1024 * 1024)
    if request.uid:
        isolation.drop_privileges(request.uid, request.gid)
        isolation.set_dumpable(False)
        isolation.die_with_parent()  # (a change of uid clears the earlier request)
        if os.getppid() == 1:
            os._exit(1)  # the template died in between
    netguard.install({port})
    hardening.apply(_FILTER[0] if _FILTER else None)


_KEEP: list[Path] = []
_FILTER: list[Any] = []


def request_server(conn: socket.socket, netns: int | None, port: int = 0,
                   user: tuple[int, int] = (0, 0),
                   cgroup: list[str] | None = None) -> tuple[int, int]:
    """From a worker: ask the template for a fresh server (on ``port`` if it is free, as
    ``user``, in the ``cgroup`` folders); return its pid and port."""
    nonce = os.urandom(8).hex()
    request = ServerRequest(port, nonce, user[0], user[1], cgroup or [])
    socket.send_fds(conn, [request.to_bytes()], [netns] if netns is not None else [])
    buffer = b""
    while True:
        chunk = conn.recv(256)
        if not chunk:
            raise OSError("the server template is gone")
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            reply = expect(line, ServerReply)
            if reply.nonce == nonce:
                return reply.pid, reply.port
            stop_server(reply.pid)  # answered to a grading process that is gone


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
