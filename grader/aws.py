"""``AWS``: the one handle checks, setup and solutions receive.

It binds boto3 clients to the lab's endpoint, region and credentials explicitly, so a
check never depends on the grader's own environment or ~/.aws files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from grader.safety import guard_session, is_loopback_url
from grader.sandbox import REGION, Account

T = TypeVar("T")
_SHARED_LOADER: list[Any] = []


def _shared_loader() -> Any:
    """One botocore data loader for every handle: service models are parsed once per process."""
    if not _SHARED_LOADER:
        import botocore.loaders

        _SHARED_LOADER.append(botocore.loaders.create_loader())
    return _SHARED_LOADER[0]


_CLIENT_CONFIG = {"retries": {"max_attempts": 2, "mode": "standard"},
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

    def _boto_session(self) -> Any:
        if self._session is None:
            import boto3
            import botocore.session

            core = botocore.session.Session()
            core.register_component("data_loader", _shared_loader())
            if not self.allow_remote:
                guard_session(core)
            self._session = boto3.session.Session(
                aws_access_key_id=self.access_key_id,
                aws_secret_access_key=self.secret_access_key,
                region_name=self.region, botocore_session=core,
            )
        return self._session

    def _endpoint_for(self) -> str | None:
        if self.endpoint and not self.allow_remote and not is_loopback_url(self.endpoint):
            from grader.errors import UnsafeEndpointError

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

    def resource(self, service: str) -> Any:
        """A boto3 resource (EC2, S3, IAM...) on the same endpoint and credentials."""
        return self._boto_session().resource(service, endpoint_url=self._endpoint_for())
