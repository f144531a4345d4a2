"""A graded class as rows: one per student, and what a batch did."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.results import LabResult


@dataclass
class Row:
    """One gradebook row."""

    student: str
    submission: Path | None
    result: LabResult
    duration: float = 0.0
    skipped: bool = False
    name: str = ""
    warning: str = ""  # about who it belongs to (roster, ids), not about the work

    @property
    def note(self) -> str:
        """The gradebook's one-line note: the warning, then the run's note."""
        return "; ".join(filter(None, [self.warning, self.result.output]))

    def to_dict(self) -> dict[str, Any]:
        return {"student": self.student,
                "submission": str(self.submission) if self.submission else None,
                "skipped": self.skipped, "duration": self.duration, "warning": self.warning,
                **self.result.to_dict()}


@dataclass
class ClassReport:
    """What ``grade_class`` did."""

    lab: str
    out: Path
    rows: list[Row]
    graded: int = 0
    skipped: int = 0
    isolation: str = ""
    warnings: list[str] = field(default_factory=list)
