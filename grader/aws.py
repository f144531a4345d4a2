"""``AWS``: the one handle checks, setup and solutions receive, and the loopback guard.

The handle binds boto3 clients to the lab's endpoint, region and credentials explicitly, so
a check never depends on the grader's own environment or ~/.aws files.

The guard keeps lab code on loopback, in two layers, because either alone can be bypassed
by accident:
1. ``lab_environment`` replaces every variable and config file that could point boto3 at a
   real account (profiles, per-service endpoints, real-looking keys).
2. ``install_loopback_guard`` registers a ``before-send`` hook on every botocore session —
   including ones created later with ``boto3.Session(profile_name=...)`` — that raises
   before a request whose endpoint is not loopback is sent.

Nothing here imports moto: a handle works against the sandbox, LocalStack or a real account.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from grader.errors import UnsafeEndpointError

REGION = "us-east-1"
# Nothing listens here: with no sandbox running, a call fails on this machine, never leaves.
NOWHERE = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Account:
    """Credentials that land every plain boto3 call in one sandbox account."""

    account_id: str
    access_key_id: str
    secret_access_key: str


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


def on_every_session(flag: str, hook: Callable[[Any], None]) -> None:
    """Call ``hook`` on boto3's default botocore session, if there is one, and on every
    botocore session created from now on (``flag`` on the class: installed once)."""
    import boto3
    import botocore.session

    cls = botocore.session.Session
    if not getattr(cls, flag, False):
        original_init = cls.__init__

        def hooked_init(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            hook(self)

        cls.__init__ = hooked_init  # type: ignore[method-assign]
        setattr(cls, flag, True)
    if boto3.DEFAULT_SESSION is not None:
        hook(boto3.DEFAULT_SESSION._session)


def install_loopback_guard() -> None:
    """Guard every botocore session: existing default ones and every one created from now on."""
    on_every_session(_CLASS_FLAG, guard_session)


# --- the handle ----------------------------------------------------------------------

T = TypeVar("T")
_SHARED_LOADER: list[Any] = []


def shared_loader() -> Any:
    """One botocore data loader for every handle: service models are parsed once per process."""
    if not _SHARED_LOADER:
        import botocore.loaders

        _SHARED_LOADER.append(botocore.loaders.create_loader())
    return _SHARED_LOADER[0]


_CLIENT_CONFIG: dict[str, Any] = {"retries": {"max_attempts": 2, "mode": "standard"},
                                  "connect_timeout": 5, "read_timeout": 60}


@dataclass
class AWS:
    """Clients for one account on one endpoint (the sandbox, LocalStack or, explicitly, AWS)."""

    endpoint: str | None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    account_id: str = ""
    region: str = REGION
    allow_remote: bool = False
    params: dict[str, Any] = field(default_factory=dict)  # the lab's values for this run
    _session: Any = field(default=None, init=False, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def once(self, key: str, read: Callable[[], T]) -> T:
        """``read()`` at most once per check run: checks that need the same lookup share it.

        ``run_checks`` starts every run with an empty memo, so a result never outlives the
        run it was read in (state may change between two clicks of "Check my work").
        """
        if key not in self._memo:
            self._memo[key] = read()
        return cast(T, self._memo[key])

    def forget(self) -> None:
        """Drop memoized reads (called at the start of each check run)."""
        self._memo.clear()

    @classmethod
    def for_account(cls, endpoint: str, account: Account, region: str = REGION) -> AWS:
        return cls(endpoint=endpoint, access_key_id=account.access_key_id,
                   secret_access_key=account.secret_access_key,
                   account_id=account.account_id, region=region)

    def _botocore_session(self) -> Any:
        """A botocore session sharing the loaded service models, guarded unless remote."""
        import botocore.session

        core = botocore.session.Session()
        core.register_component("data_loader", shared_loader())
        if not self.allow_remote:
            guard_session(core)
        return core

    def _boto_session(self) -> Any:
        if self._session is None:
            import boto3

            self._session = boto3.session.Session(
                aws_access_key_id=self.access_key_id,
                aws_secret_access_key=self.secret_access_key,
                region_name=self.region, botocore_session=self._botocore_session(),
            )
        return self._session

    def _endpoint_for(self) -> str | None:
        if self.endpoint and not self.allow_remote and not is_loopback_url(self.endpoint):
            raise UnsafeEndpointError(
                f"{self.endpoint} is not on this machine; pass --allow-remote to target it."
            )
        return self.endpoint

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client for ``service`` (in ``region``, default the lab's), cached per handle."""
        key = f"{service}@{region or self.region}"
        if key not in self._clients:
            from botocore.config import Config

            self._clients[key] = self._boto_session().client(
                service, endpoint_url=self._endpoint_for(), region_name=region or self.region,
                config=Config(**_CLIENT_CONFIG),
            )
        return self._clients[key]

    def close(self) -> None:
        """Close every client's connections (errors closing are of no interest)."""
        for client in self._clients.values():
            try:
                client.close()
            except Exception:
                pass

    def resource(self, service: str) -> Any:
        """A boto3 resource (EC2, S3, IAM...) on the same endpoint and credentials."""
        return self._boto_session().resource(service, endpoint_url=self._endpoint_for())

    @contextlib.contextmanager
    def as_boto3_default(self) -> Iterator[None]:
        """While inside, plain ``boto3.client(...)``/``boto3.resource(...)`` use this handle.

        Script-style code (a lab's solution.py) then runs unchanged against the account,
        without touching ``os.environ``.
        """
        import boto3

        handle = self
        session_class: Any = boto3.session.Session  # untyped: boto3-stubs overload client()

        class _HandleSession(session_class):
            def client(self, service: str, *args: Any, **kwargs: Any) -> Any:
                kwargs.setdefault("endpoint_url", handle._endpoint_for())
                return super().client(service, *args, **kwargs)

            def resource(self, service: str, *args: Any, **kwargs: Any) -> Any:
                kwargs.setdefault("endpoint_url", handle._endpoint_for())
                return super().resource(service, *args, **kwargs)

        saved = boto3.DEFAULT_SESSION
        boto3.DEFAULT_SESSION = _HandleSession(
            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_access_key,
            region_name=self.region, botocore_session=self._botocore_session())
        try:
            yield
        finally:
            boto3.DEFAULT_SESSION = saved
