"""Where else a missing resource is: "found in eu-west-1; the lab grades us-east-1".

A learner whose boto3 pointed at another Region (``region_name=...`` on a client) made the
resource; "No X yet" would send them to create it again in the same wrong place. Checks call
``elsewhere`` only on their failure path, so a passing run pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from grader.aws import AWS

Finder = Callable[[Any], object]

# The Regions a learner plausibly lands in (the nearest other US Region, the busiest ones
# elsewhere). A short fixed list keeps the failure path quick: in the sandbox, the first call
# in a Region builds that Region's backend, and each Region costs a call per finder per run.
LIKELY_REGIONS = ("us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1",
                  "ap-southeast-1", "ap-northeast-1")


def _found(client: Any, finder: Finder) -> bool:
    try:
        return bool(finder(client))
    except Exception:  # a Region the service or account cannot answer for: not found there
        return False


def elsewhere(aws: AWS, service: str, finder: Finder,
              regions: tuple[str, ...] = LIKELY_REGIONS) -> list[str]:
    """The Regions other than the lab's where ``finder(client)`` finds something (truthy),
    asked concurrently."""
    others = [r for r in regions if r != aws.region]
    clients = [aws.client(service, r) for r in others]  # built here: sessions are not
    with ThreadPoolExecutor(max_workers=8) as pool:      # thread-safe, clients are
        hits = list(pool.map(lambda c: _found(c, finder), clients))
    return [region for region, hit in zip(others, hits, strict=True) if hit]


def wrong_region_note(aws: AWS, service: str, finder: Finder, key: str = "") -> str:
    """' Found in eu-west-1; the lab grades us-east-1: ...' for a failure message, or ''.

    With ``key``, the search runs once per check run however many checks ask (every check
    of a lab fails the same way when its one resource is missing)."""
    found = (aws.once(f"elsewhere:{service}:{key}", lambda: elsewhere(aws, service, finder))
             if key else elsewhere(aws, service, finder))
    if not found:
        return ""
    where = ", ".join(found)
    return (f" Found in {where}; the lab grades {aws.region}: create it there (a client made "
            f"with region_name='{found[0]}' sends everything to {found[0]}).")


def absent(aws: AWS, message: str, service: str, finder: Finder, *ids: str,
           key: str = "") -> NoReturn:
    """Fail with ``message`` (the thing is missing here) plus where else it was found
    (``key``: share the search within the run, see ``wrong_region_note``)."""
    from grader.checks import fail

    fail(message + wrong_region_note(aws, service, finder, key), *ids)


def region_holding(aws: AWS, service: str, key: str, found: Callable[[Any], bool]) -> str | None:
    """The first likely Region (other than the lab's) where ``found(client)`` is true; one
    search per run and ``key`` (checks looking for the same resource share it)."""
    hits = aws.once(f"elsewhere:{service}:{key}", lambda: elsewhere(aws, service, found))
    return hits[0] if hits else None


def found_elsewhere(aws: AWS, service: str, key: str, found: Callable[[Any], bool],
                    what: str) -> str | None:
    """The message for a resource missing here but present in another Region ("<what> was
    found in eu-west-1; the lab grades us-east-1 ..."), else None: the check then says
    "not yet" in its own words."""
    region = region_holding(aws, service, key, found)
    if region is None:
        return None
    return (f"{what} was found in {region}; the lab grades {aws.region}. Create it in "
            f"{aws.region} (leave out region_name, or pass region_name='{aws.region}'), and "
            f"delete the copy in {region}.")
