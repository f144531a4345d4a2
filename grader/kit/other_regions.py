"""Where a missing resource went: the same thing made in another Region than the lab's.

A learner who writes ``boto3.client("ec2", region_name="eu-west-1")`` (or whose shell has
another default Region) builds everything right in the wrong place. "No volume yet" is then
untrue and cannot lead to the fix; "found in eu-west-1; the lab grades us-east-1" can.

Only checks that have already found nothing ask, so a solved account pays nothing. Each
answer is memoized for the run (``aws.once``) and the Regions are read concurrently. Asking
every Region about every missing resource costs a client per Region and service (on the
sandbox a few seconds for a fresh account), so a lab first asks one cheap question that
any stray work would answer (its footprint, ``among=None``), then asks about each missing
resource only in the Regions that footprint found.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from grader.kit import regions

# The Regions a learner is likely to stray into: every commercial Region AWS listed in
# 2026 that is enabled by default for a new account (opt-in Regions are left out: a learner
# who opted into one chose it on purpose).
DEFAULT_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
    "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1",
)


def regions_with(aws: Any, service: str, found: Callable[[Any], bool], key: str,
                 among: Sequence[str] | None = None) -> list[str]:
    """The Regions other than the lab's (of ``among``, default all) where ``found(client)``
    is true, sorted; the search is ``grader.kit.regions.elsewhere`` (concurrent, errors
    count as "not there"), memoized per run under ``key``.
    """
    candidates = tuple(DEFAULT_REGIONS if among is None else among)
    return list(aws.once(f"other-regions:{key}", lambda: sorted(
        regions.elsewhere(aws, service, found, candidates) if candidates else [])))


def elsewhere(aws: Any, what: str, service: str, found: Callable[[Any], bool], key: str,
              among: Sequence[str] | None = None) -> str | None:
    """"<what>: found in eu-west-1; the lab grades us-east-1 ..." or None if nowhere."""
    regions = regions_with(aws, service, found, key, among)
    if not regions:
        return None
    where = ", ".join(regions)
    return (f"{what}: found in {where}; the lab grades {aws.region}. Redo that step in "
            f"{aws.region} (no region_name in boto3.client(...), or region_name="
            f"'{aws.region}') and delete what you made in {where}.")


Footprint = tuple[str, Callable[[Any], bool]]  # (service, found): any stray work of a lab


def missing(aws: Any, message: str, what: str, service: str, found: Callable[[Any], bool],
            key: str, among: Sequence[str] | None = None,
            footprint: Footprint | None = None) -> str:
    """``message`` (the "not there yet" text), unless ``what`` exists in another Region.

    With ``footprint``, only the Regions where it finds something are asked about ``what``
    (one scan of all Regions per run, shared by every check that uses the same footprint).
    """
    if footprint is not None:
        among = regions_with(aws, footprint[0], footprint[1], key="footprint")
    return elsewhere(aws, what, service, found, key, among) or message
