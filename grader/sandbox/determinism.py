"""Make moto's ids reproducible, so a replayed request gets the id it got the first time.

moto draws every id from one process-wide generator (``moto.moto_api._internal.mock_random``).
Replaying one account's requests in a fresh process would draw them in a different order
from the original run, where labs (and a backend's lazy set-up) interleaved. So the stream
is reseeded from names that are the same in both runs:

- before a recorded request, from (account, the request's number in that account's log);
- while a backend is first built for (service, account, region) — default VPC, subnets,
  the AMI catalogue — from those three names, and the request's own stream is put back
  afterwards, so whether a read or a write happened to build it changes nothing;
- while an account is made, from its id (its access key comes out the same);
- names moto draws once, at import (an EKS cluster's OIDC issuer and API endpoint), are
  drawn per cluster instead, from the request's stream (as AWS gives each cluster its own).

Times are not ids, but checks order resources by them ("the newest volume"), so while a
recorded request runs, first and in a replay, moto's clock (``moto.core.utils.utcnow``,
behind most of its timestamps) reads the time the request arrived (``clock_at``).

Callers hold the journal's lock: the stream is shared by every thread of the server.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_INSTALLED: list[bool] = []
_CLOCK_NAME = "_computelab_replay_time"  # a global of moto.core.utils while a replay runs


def _stream() -> Any:
    from moto.moto_api._internal import mock_random

    return mock_random


def reseed(*names: object) -> None:
    """Seed moto's id stream from ``names`` (a string seed: the same in every process)."""
    _stream().seed(":".join(str(name) for name in names))


@contextmanager
def seeded(*names: object) -> Iterator[None]:
    """Draw from a stream seeded by ``names``, then put the caller's stream back."""
    stream = _stream()
    state = stream.getstate()
    reseed(*names)
    try:
        yield
    finally:
        stream.setstate(state)


def make_ids_reproducible() -> None:
    """Build every moto backend under a seed named after its service, account and region,
    and draw EKS's per-process names per cluster.

    Patches ``AccountSpecificBackend.__getitem__`` and two ``moto.eks.models`` templates
    (moto 5.2.5): re-check when upgrading. Idempotent and process-wide; harmless for servers
    that never replay (ids stay random across accounts, since account ids are)."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)
    _seed_backend_setup()
    _draw_eks_names_per_cluster()
    _clock_that_replays()


def _utcnow() -> datetime.datetime:  # the body moto's utcnow gets: runs in moto.core.utils
    recorded = globals().get("_computelab_replay_time")
    if recorded is not None:
        return datetime.datetime.fromtimestamp(recorded, datetime.UTC).replace(tzinfo=None)
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _clock_that_replays() -> None:
    """Give moto's ``utcnow`` a body that reads a recorded request's time when one is set.

    Its code object is swapped (the function is imported by name in ~90 moto modules, so
    rebinding the name would miss them); the new body runs with moto.core.utils' globals."""
    import moto.core.utils as moto_utils

    moto_utils.__dict__.setdefault(_CLOCK_NAME, None)
    moto_utils.__dict__.setdefault("datetime", datetime)
    moto_utils.utcnow.__code__ = _utcnow.__code__


@contextmanager
def clock_at(recorded: float) -> Iterator[None]:
    """moto's clock reads ``recorded`` (a Unix time) until the block ends."""
    import moto.core.utils as moto_utils

    moto_utils.__dict__[_CLOCK_NAME] = recorded
    try:
        yield
    finally:
        moto_utils.__dict__[_CLOCK_NAME] = None


class _PerCluster:
    """A template whose random part is drawn each time it is filled in (moto fills
    ``ISSUER_TEMPLATE``/``ENDPOINT_TEMPLATE`` once per cluster, with ``.format``)."""

    def __init__(self, make: Any) -> None:
        self.make = make

    def format(self, **values: str) -> str:
        return str(self.make()).format(**values)


def _draw_eks_names_per_cluster() -> None:
    import moto.eks.models as eks_models

    stream = _stream()
    eks_models.ISSUER_TEMPLATE = _PerCluster(  # type: ignore[assignment]
        lambda: "https://oidc.eks.{region}.amazonaws.com/id/"
                + stream.get_random_string(length=10))
    eks_models.ENDPOINT_TEMPLATE = _PerCluster(  # type: ignore[assignment]
        lambda: f"https://{stream.get_random_string()}.{stream.get_random_string(3)}"
                ".{region}.eks.amazonaws.com/")


def _seed_backend_setup() -> None:
    from moto.core.base_backend import AccountSpecificBackend

    original = AccountSpecificBackend.__getitem__

    def getitem(self: Any, region_name: str) -> Any:
        if region_name in self.keys() or (region_name == "global" and "aws" in self.keys()):
            return original(self, region_name)
        with seeded("backend", self.service_name, self.account_id, region_name):
            return original(self, region_name)

    AccountSpecificBackend.__getitem__ = getitem  # type: ignore[method-assign]
