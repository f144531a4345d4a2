"""ECS lookups the ECS labs share (Fargate in lab 02, EC2 container instances in lab 10)."""

from __future__ import annotations

import functools
from typing import Any

from grader.aws import AWS
from grader.kit.regions import absent


def active_clusters(ecs: Any, name: str) -> list[dict[str, Any]]:
    """The ACTIVE clusters called ``name`` (none or one) as ``ecs`` sees them."""
    return [c for c in ecs.describe_clusters(clusters=[name])["clusters"]
            if c["status"] == "ACTIVE"]


def read_cluster(aws: AWS, name: str) -> list[dict[str, Any]]:
    """``active_clusters`` in the lab's Region, read once per run (a prefetch may call it)."""
    return aws.once("cluster", lambda: active_clusters(aws.client("ecs"), name))


def active_cluster(aws: AWS, name: str) -> dict[str, Any]:
    """The lab's ACTIVE cluster ``name``, or a failure that says how to create it and where
    else it was found."""
    clusters = read_cluster(aws, name)
    if not clusters:
        finder = functools.partial(active_clusters, name=name)
        absent(aws, f"No active ECS cluster named '{name}' yet: create it with "
                    f"ecs.create_cluster(clusterName='{name}').", "ecs", finder,
               key="cluster")
    return clusters[0]
