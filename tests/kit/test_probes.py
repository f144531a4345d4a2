"""grader.kit.probes on its own: one run per code version and samples, failures retried."""

from __future__ import annotations

import pytest

from grader.kit.probes import forget_probes, probe


@pytest.fixture(autouse=True)
def empty_cache():
    forget_probes()
    yield
    forget_probes()


def runner(outcomes):
    """A run() that returns the next outcome and counts its calls."""
    calls = []

    def run():
        calls.append(1)
        return outcomes[len(calls) - 1]

    return run, calls


def test_same_code_settings_and_samples_run_once():
    run, calls = runner([{"stage": "done", "results": [1]}])
    first = probe("sha-A", {"handler": "app.handler"}, [{"Records": []}], run)
    again = probe("sha-A", {"handler": "app.handler"}, [{"Records": []}], run)
    assert first == again == {"stage": "done", "results": [1]} and len(calls) == 1


@pytest.mark.parametrize("change", [
    ("sha-B", {"handler": "app.handler"}, [{"Records": []}]),
    ("sha-A", {"handler": "other.handler"}, [{"Records": []}]),
    ("sha-A", {"handler": "app.handler"}, [{"Records": [{"body": "x"}]}]),
])
def test_new_code_settings_or_samples_run_again(change):
    run, calls = runner([{"stage": "done"}, {"stage": "import", "error": "x"}])
    probe("sha-A", {"handler": "app.handler"}, [{"Records": []}], run)
    assert probe(*change, run) == {"stage": "import", "error": "x"} and len(calls) == 2


@pytest.mark.parametrize("stage", ["timeout", "crash"])
def test_timeouts_and_crashes_are_not_remembered(stage):
    run, calls = runner([{"stage": stage}, {"stage": "done"}])
    probe("sha-A", {}, [], run)
    assert probe("sha-A", {}, [], run) == {"stage": "done"} and len(calls) == 2
