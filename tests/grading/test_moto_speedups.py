"""The grading servers' moto speed-ups answer as moto does, without the per-call cost."""

from __future__ import annotations

import os

import pytest

from grader.sandbox.moto_setup import speed_up_moto


def test_role_arn_check_needs_no_new_session_and_keeps_moto_errors(monkeypatch):
    speed_up_moto()
    import boto3
    import moto.eks.models as eks_models

    def no_session(*args, **kwargs):
        raise AssertionError("a boto3 Session was built for a role check")

    monkeypatch.setattr(boto3, "Session", no_session)
    eks_models.validate_role_arn("arn:aws:iam::123456789012:role/eks-cluster")
    monkeypatch.undo()
    from moto.eks.exceptions import InvalidParameterException

    for bad in ("arn:nowhere:iam::123456789012:role/x", "not-an-arn", ""):
        with pytest.raises(InvalidParameterException):
            eks_models.validate_role_arn(bad)


def test_module_folder_is_listed_once_with_the_same_answer():
    speed_up_moto()
    import moto
    import moto.backends as backends

    folder = os.path.dirname(moto.__file__)
    expected = sorted(name for name in os.listdir(folder)
                      if os.path.isdir(os.path.join(folder, name)) and not name.startswith("__"))
    assert list(backends.list_of_moto_modules()) == expected
    assert "ec2" in backends.list_of_moto_modules()
