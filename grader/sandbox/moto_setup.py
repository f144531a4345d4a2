"""How moto is configured for teaching, and two speed-ups that keep its answers the same."""

from __future__ import annotations

import logging
import os
from typing import Any

RSA_KEYS = 4
_SPED_UP: list[bool] = []
_VALIDATION_FLAGS = {
    "MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION": "EC2_ENABLE_INSTANCE_TYPE_VALIDATION",
    "MOTO_ENABLE_AMI_VALIDATION": "ENABLE_AMI_VALIDATION",
    "MOTO_ENABLE_KEYPAIR_VALIDATION": "ENABLE_KEYPAIR_VALIDATION",
}


def configure_moto_for_teaching() -> None:
    """Turn on the validation moto has (off by default) and run Lambda/Batch without Docker."""
    for env_name in _VALIDATION_FLAGS:
        os.environ[env_name] = "true"
    import moto.settings
    from moto.core.config import default_user_config

    for attr in _VALIDATION_FLAGS.values():
        setattr(moto.settings, attr, True)
    default_user_config["lambda"] = {"use_docker": False}
    default_user_config["batch"] = {"use_docker": False}
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def speed_up_moto() -> None:
    """Costs every submission would pay again in moto 5.2 (same results, less CPU):
    ~2,600 random ids drawn one hex digit at a time for each account's AMI catalogue; a
    fresh 2048-bit RSA key (~50 ms) per ``create_key_pair`` (keys come from a small pool
    made once, so the same submission also gets the same key material every time); a new
    ``boto3.Session`` built to list partitions on every EKS role check
    (``eks.utils.validate_role_arn``); and moto's own folder listed on every request
    (``backends.list_of_moto_modules``, asked by the dispatcher for each host).

    Both patch moto internals: re-check them when moto is upgraded (pinned at 5.2.5).
    Idempotent: every sandbox in a process shares the one patch."""
    if _SPED_UP:
        return
    _SPED_UP.append(True)
    import moto.ec2.models.key_pairs as key_pairs
    import moto.ec2.utils as ec2_utils
    from moto.moto_api._internal import mock_random

    def random_resource_id(size: int = 8) -> str:
        return f"{mock_random.getrandbits(4 * size):0{size}x}"

    ec2_utils.random_resource_id = random_resource_id
    pool = [ec2_utils.random_rsa_key_pair() for _ in range(RSA_KEYS)]
    served = [0]

    def pooled_rsa_key_pair() -> Any:
        served[0] += 1
        return dict(pool[(served[0] - 1) % len(pool)])

    key_pairs.random_rsa_key_pair = pooled_rsa_key_pair
    _cache_role_arn_partitions()
    _cache_module_folder()


def _cache_role_arn_partitions() -> None:
    import re

    import moto.eks.models as eks_models
    import moto.eks.utils as eks_utils
    from boto3 import Session

    original = eks_utils.validate_role_arn
    partitions = frozenset(Session().get_available_partitions())
    pattern = re.compile("arn:(?P<partition>.+):iam::(?P<account_id>[0-9]{12}):role/.+")

    def validate_role_arn(arn: str) -> None:
        match = pattern.match(arn) if arn else None
        if not (match and match.group("partition") in partitions):
            original(arn)  # moto's own error, worded as before

    eks_utils.validate_role_arn = validate_role_arn
    eks_models.validate_role_arn = validate_role_arn  # (imported by name there)


def _cache_module_folder() -> None:
    import moto.backends as backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
