"""Independent reads of one check run, made at the same time instead of one after another.

A lab whose checks judge several resources against each other (a load balancer, its target
group, the Auto Scaling group, the template, the groups and the subnets) needs a dozen
describe calls per "Check my work". Each waits mostly for a round trip, so starting them
together and letting each land in the run's memo (``aws.once``) cuts the click to about
the slowest call. Clients are built first, in this thread: boto3 sessions are not
thread-safe, clients are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


def read_concurrently(aws: Any, readers: Iterable[Callable[[Any], object]],
                      services: Iterable[str] = ("ec2", "elbv2", "autoscaling"),
                      workers: int = 6) -> None:
    """Call every ``reader(aws)`` concurrently; each should store its answer with
    ``aws.once``. An AWS error is left for the check that needs that read to meet again
    (and report) when it reads it itself."""
    for service in services:
        aws.client(service)

    def call(reader: Callable[[Any], object]) -> None:
        try:
            reader(aws)
        except (ClientError, BotoCoreError):
            pass

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(call, list(readers)))
