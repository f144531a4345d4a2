"""A graded class as rows: one per student, and what a batch did.

A row is also stored (``to_record`` / ``from_record``) in ``rows.json`` of the ``--out``
folder: the machine-readable gradebook that ``merge``, ``export`` and a late regrade read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.classroom.ids import id_key
from grader.results import LabResult, Status


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
    order: int = 0  # its place in the whole class (submissions, then the roster's missing)
    graded_at: float = 0.0  # when its result was made (seconds since the epoch)

    @property
    def note(self) -> str:
        """The gradebook's one-line note: the warning, then the run's note."""
        return "; ".join(filter(None, [self.warning, self.result.output]))

    def to_dict(self) -> dict[str, Any]:
        return {"student": self.student,
                "submission": str(self.submission) if self.submission else None,
                "skipped": self.skipped, "duration": self.duration, "warning": self.warning,
                **self.result.to_dict()}

    def to_record(self) -> dict[str, Any]:
        """What ``rows.json`` keeps of the row (everything the outputs are built from)."""
        return {"student": self.student, "name": self.name, "warning": self.warning,
                "submission": str(self.submission) if self.submission else None,
                "duration": self.duration, "order": self.order, "graded_at": self.graded_at,
                "result": self.result.to_dict()}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Row:
        """The row ``to_record`` wrote (``KeyError``/``TypeError``/``ValueError`` when not)."""
        return cls(str(data["student"]),
                   Path(data["submission"]) if data.get("submission") else None,
                   LabResult.from_dict(data["result"]), float(data.get("duration", 0.0)),
                   skipped=True, name=str(data.get("name", "")),
                   warning=str(data.get("warning", "")), order=int(data.get("order", 0)),
                   graded_at=float(data.get("graded_at", 0.0)))


def preferred(old: Row, new: Row) -> Row:
    """Which of two rows for one student a gradebook keeps: a result beats ``missing`` (a
    late regrade never loses to a roster's "nothing submitted"), then the newer one."""
    old_missing = old.result.status == Status.MISSING
    new_missing = new.result.status == Status.MISSING
    if old_missing != new_missing:
        return new if old_missing else old
    return new if new.graded_at >= old.graded_at else old


def combine(earlier: list[Row], now: list[Row]) -> list[Row]:
    """``now``'s rows, each against an earlier row of the same student (``preferred``),
    then earlier rows of students ``now`` does not have: no row is ever lost."""
    before = {id_key(r.student): r for r in earlier}
    rows = []
    for row in now:
        old = before.pop(id_key(row.student), None)
        rows.append(row if old is None else preferred(old, row))
    return rows + list(before.values())


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
