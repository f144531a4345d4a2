"""Shared fixtures: an isolated data directory and a real moto sandbox on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grader.aws import AWS
from grader.labs import Lab, find_lab
from grader.sandbox import Sandbox, create_account
from grader.session import setup_account

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def computelab_home(tmp_path_factory: pytest.TempPathFactory,
                    monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data directory (store + runtime file)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("COMPUTELAB_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """One real moto server for the session; tests isolate themselves with fresh accounts."""
    with Sandbox() as running:
        yield running


@pytest.fixture(scope="session")
def lab_account(sandbox: Sandbox) -> Callable[..., AWS]:
    """``lab_account(lab_id, managed_policies=None)``: a fresh account, set up for the lab,
    and its handle. Session-scoped so module fixtures can share one account between tests;
    ``managed_policies`` overrides the lab's lab.toml (an account without AWS managed
    policies is quicker to make)."""

    def make(lab_name: str, managed_policies: bool | None = None) -> AWS:
        lab: Lab = find_lab(lab_name)
        managed = lab.managed_policies if managed_policies is None else managed_policies
        account = create_account(sandbox.endpoint, managed_policies=managed)
        setup_account(lab, sandbox.endpoint, account)
        return AWS.for_account(sandbox.endpoint, account)

    return make


@pytest.fixture
def fresh_aws(lab_account: Callable[..., AWS]) -> Callable[[str], AWS]:
    """Make a fresh, set-up account for a lab and return its handle."""
    return lab_account
