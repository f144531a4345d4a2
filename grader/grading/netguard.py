"""Refuse network traffic that would leave the machine, from inside a graded submission.

``install(ports)`` adds a ``sys.addaudithook`` hook (it cannot be removed afterwards) that
raises ``PermissionError`` before a socket connects, sends to, or looks up anything but
loopback (127.0.0.0/8, ::1, localhost) — optionally only the sandbox's own ports, so a
submission cannot reach another worker's server either. Unix sockets stay allowed.

This module imports only the standard library: a ``sitecustomize`` loads it by path in
Python grandchildren too. It is a speed bump for Python code; the wall is the network
namespace the grader gives each worker when it runs as root.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Iterable
from typing import Any

MESSAGE = "ComputeLab grading blocks network access outside the sandbox"
_INET = (socket.AF_INET, socket.AF_INET6)


def is_loopback_host(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_address(host: Any) -> bool:
    """An IP literal: resolving it sends nothing (connecting to it is checked separately)."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%")[0])
        return True
    except ValueError:
        return False


def refusal(target: str) -> PermissionError:
    return PermissionError(f"{MESSAGE}: refused {target}.")


def check_address(family: int, address: Any, ports: frozenset[int] | None) -> None:
    """Raise ``PermissionError`` unless ``address`` is allowed for a socket of ``family``."""
    if family == getattr(socket, "AF_UNIX", None):
        return
    if family not in _INET or not isinstance(address, tuple) or len(address) < 2:
        raise refusal(f"a connection to {address!r}")
    host, port = address[0], address[1]
    if not is_loopback_host(host):
        raise refusal(f"a connection to {host}:{port}")
    if ports is not None and port not in ports:
        raise refusal(f"a connection to {host}:{port} (only the sandbox's port is allowed)")


def install(ports: Iterable[int] | None = None) -> None:
    """Install the audit hook in this interpreter."""
    allowed = frozenset(ports) if ports is not None else None

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if not event.startswith("socket."):
            return
        if event in ("socket.connect", "socket.sendto"):
            check_address(args[0].family, args[1], allowed)
        elif event == "socket.sendmsg":
            if args[1] is not None:
                check_address(args[0].family, args[1], allowed)
        elif event in ("socket.getaddrinfo", "socket.gethostbyname",
                       "socket.gethostbyname_ex"):
            if not (is_loopback_host(args[0]) or _is_address(args[0])):
                raise refusal(f"a lookup of {args[0]!r}")  # a DNS query would leave
        elif event == "socket.gethostbyaddr":
            if not is_loopback_host(args[0]):
                raise refusal(f"a reverse lookup of {args[0]!r}")

    sys.addaudithook(hook)


SITECUSTOMIZE = """\
import importlib.util as _u
_s = _u.spec_from_file_location("computelab_netguard", {path!r})
_m = _u.module_from_spec(_s)
_s.loader.exec_module(_m)
_m.install({ports!r})
"""


def sitecustomize_source(ports: Iterable[int] | None) -> str:
    """A ``sitecustomize.py`` that installs the same guard in any Python grandchild."""
    return SITECUSTOMIZE.format(path=__file__, ports=None if ports is None else sorted(ports))
