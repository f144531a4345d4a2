"""Class 6: the submission's own moto server is walled too — debugging routes refused,
its own unprivileged uid, private working and temp folders, and no connection to anything
but its own port (some moto services send requests on a caller's behalf)."""

from __future__ import annotations

import json
import os
import socket

import pytest

from grader.grading.protocol import ServerRequest
from grader.sandbox.refusals import DebugRoutesRefused, refused
from tests.grading.walls import CAPS, attack, needs_walls


@pytest.mark.parametrize("path", ["/moto-api/recorder/start-recording", "/moto-api/config",
                                  "//moto-api/./config", "/moto-api/proxy/passthrough",
                                  "/moto-api/recorder/upload-recording",
                                  "/moto-api/reset-auth"])
def test_debugging_routes_are_refused(path):
    calls = []
    app = DebugRoutesRefused(lambda environ, start: calls.append(environ) or [b"moto"])
    statuses = []
    body = b"".join(app({"PATH_INFO": path}, lambda status, headers: statuses.append(status)))
    assert refused(path) and statuses == ["403 Forbidden"] and calls == []
    assert "debugging routes" in json.loads(body)["error"]


@pytest.mark.parametrize("path", ["/moto-api/reset", "/moto-api/data.json", "/",
                                  "/_computelab/ping"])
def test_other_routes_pass(path):
    app = DebugRoutesRefused(lambda environ, start: [b"moto"])
    assert not refused(path) and app({"PATH_INFO": path}, lambda *a: None) == [b"moto"]


@pytest.mark.skipif(not CAPS.namespaces, reason="needs root and namespaces")
def test_a_server_drops_to_its_uid_in_private_folders_and_reaches_only_itself(monkeypatch):
    from grader.grading.zygote import keep_paths
    from grader.sandbox import template
    from grader.sandbox.template import wall_server

    monkeypatch.setattr(template, "_KEEP", keep_paths())  # as template_main sets it

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    own = listener.getsockname()[1]
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            wall_server(ServerRequest(own, "n", 61001, 61001), own, namespaces=True)
            seen = {"uid": os.getuid(), "cwd": os.getcwd(), "tmp": os.listdir("/tmp") != [],
                    "shm": os.listdir("/dev/shm")}
            try:
                socket.create_connection(("127.0.0.1", other.getsockname()[1]), timeout=2)
                seen["other"] = "connected"
            except PermissionError:
                seen["other"] = "refused"
            except OSError as exc:
                seen["other"] = type(exc).__name__
            os.write(write, json.dumps(seen).encode())
        except BaseException as exc:
            os.write(write, json.dumps({"error": repr(exc)}).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        seen = json.loads(pipe.read() or "{}")
    os.waitpid(pid, 0)
    listener.close()
    other.close()
    assert seen.get("uid") == 61001, seen
    assert seen["cwd"].startswith("/tmp/computelab-server-")  # in its own private /tmp
    assert seen["other"] == "refused"
    assert not os.path.exists(seen["cwd"])  # the host's /tmp never had it


@pytest.mark.slow
@needs_walls
def test_a_submission_cannot_use_its_servers_debugging_routes(tmp_path):
    code = '''
import os, urllib.request, urllib.error
def status(path, method="POST"):
    request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + path, data=b"{}",
                                     method=method)
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code
found(record=status("/moto-api/recorder/start-recording"),
      config=status("/moto-api/config"), proxy=status("/moto-api/proxy/passthrough"),
      data=status("/moto-api/data.json", "GET"), cwd=os.listdir("."))
'''
    got = attack(tmp_path, {"debug": code}, jobs=1)["debug"]
    assert (got["record"], got["config"], got["proxy"], got["data"]) == (403, 403, 403, 200)
