"""Keep lab code on loopback: environment overrides and a botocore hook that refuses real AWS.

Two layers, because either alone can be bypassed by accident:
1. ``lab_environment`` replaces every variable and config file that could point boto3 at a
   real account (profiles, per-service endpoints, real-looking keys).
2. ``install_loopback_guard`` registers a ``before-send`` hook on every botocore session —
   including ones created later with ``boto3.Session(profile_name=...)`` — that raises
   before a request whose endpoint is not loopback is sent.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from grader.errors import UnsafeEndpointError

_GUARD_FLAG = "_computelab_guarded"
_CLASS_FLAG = "_computelab_guard_installed"
_DROP_PREFIXES = ("AWS_ENDPOINT_URL_",)
_DROP_NAMES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs on 127.0.0.0/8, ::1 or localhost."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lab_environment(endpoint: str, access_key_id: str, secret_access_key: str,
                    region: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a lab (kernel or submission) runs with: only the sandbox is reachable."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if k not in _DROP_NAMES and not k.startswith(_DROP_PREFIXES)}
    env.update({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": access_key_id,
        "AWS_SECRET_ACCESS_KEY": secret_access_key,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


def apply_lab_environment(env: Mapping[str, str]) -> None:
    """Make this process's environment exactly ``env`` for AWS variables."""
    for name in list(os.environ):
        if name.startswith("AWS_") and name not in env:
            del os.environ[name]
    os.environ.update(env)
    import boto3

    boto3.DEFAULT_SESSION = None  # a cached default session would keep the old settings


def refuse_non_loopback(request: Any, **_: Any) -> None:
    """botocore ``before-send`` handler: stop any request that would leave the machine."""
    if not is_loopback_url(request.url):
        host = urlsplit(request.url).hostname
        raise UnsafeEndpointError(
            f"Refused a request to {host}: labs only talk to the local sandbox. "
            "Remove endpoint_url/profile_name overrides and use plain boto3.client(...)."
        )


def guard_session(session: Any) -> None:
    """Register the guard on one botocore session (idempotent)."""
    if not vars(session).get(_GUARD_FLAG, False):
        session.register("before-send", refuse_non_loopback)
        setattr(session, _GUARD_FLAG, True)


def install_loopback_guard() -> None:
    """Guard every botocore session: existing default ones and every one created from now on."""
    import boto3
    import botocore.session

    cls = botocore.session.Session
    if not getattr(cls, _CLASS_FLAG, False):
        original_init = cls.__init__

        def guarded_init(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            guard_session(self)

        cls.__init__ = guarded_init  # type: ignore[method-assign]
        setattr(cls, _CLASS_FLAG, True)
    if boto3.DEFAULT_SESSION is not None:
        guard_session(boto3.DEFAULT_SESSION._session)
