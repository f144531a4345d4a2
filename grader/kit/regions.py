"""Where a missing resource went: "found in eu-west-1; the lab grades us-east-1".

A learner who passes ``region_name=...`` (or copies an ARN from another Region) makes the
resource where the lab does not look. Reporting it as missing sends them to create it
again; naming the Region sends them to the real fix. Only the failure path pays for the
search, once per run and resource (``aws.once``), over the Regions learners most often use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from grader.aws import AWS

# The commercial Regions a learner is most likely to pick (their home Region, a console
# default, a tutorial's example); the lab's own Region is skipped.
COMMON_REGIONS = ("us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
                  "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-southeast-1",
                  "ap-southeast-2", "ap-northeast-1", "ca-central-1", "sa-east-1")


def region_holding(aws: AWS, service: str, key: str, found: Callable[[Any], bool]) -> str | None:
    """The first common Region (other than the lab's) where ``found(client)`` is true.

    ``key`` names what is searched for, so checks that look for the same resource share
    one search. AWS errors in a Region (not enabled, not offered there) count as "not here".
    """

    def search() -> str | None:
        for region in COMMON_REGIONS:
            if region == aws.region:
                continue
            try:
                if found(aws.client(service, region)):
                    return region
            except (ClientError, BotoCoreError):
                continue
        return None

    return aws.once(f"elsewhere:{service}:{key}", search)


def found_elsewhere(aws: AWS, service: str, key: str, found: Callable[[Any], bool],
                    what: str) -> str | None:
    """The message for a resource that is missing here but exists in another Region
    ("<what> was found in eu-west-1; the lab grades us-east-1 ..."), else None: the check
    then says "not yet" in its own words."""
    region = region_holding(aws, service, key, found)
    if region is None:
        return None
    return (f"{what} was found in {region}; the lab grades {aws.region}. Create it in "
            f"{aws.region} (leave out region_name, or pass region_name='{aws.region}'), and "
            f"delete the copy in {region}.")
