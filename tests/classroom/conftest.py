"""Fixtures for class grading without the process pool."""

from __future__ import annotations

import pytest
from classkit import fake_grade_iter

from grader.classroom import batch


@pytest.fixture
def fake_engine(monkeypatch):
    """Replace the process pool: a submission's score is written in its file's text."""
    calls: list[list[str]] = []
    monkeypatch.setattr(batch, "grade_iter", fake_grade_iter(calls))
    return calls
