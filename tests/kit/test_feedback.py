"""grader.kit.feedback on its own: a plain assert inside ``about`` names the resources."""

from __future__ import annotations

import pytest

from grader.checks import CheckFailed, fail
from grader.kit.feedback import about


def test_an_assert_inside_about_names_the_resources():
    with pytest.raises(CheckFailed) as failed, about("webserver:2", ""):
        mode = "bridge"
        assert mode == "awsvpc", "webserver:2 uses networkMode 'bridge'."
    assert str(failed.value) == "webserver:2 uses networkMode 'bridge'."
    assert failed.value.resources == ["webserver:2"]


def test_a_fail_that_names_its_own_resources_is_kept():
    with pytest.raises(CheckFailed) as failed, about("web"):
        fail("subnet-1 is gone.", "subnet-1")
    assert failed.value.resources == ["subnet-1"]


def test_nothing_happens_when_nothing_fails():
    with about("web"):
        value = 1
    assert value == 1
