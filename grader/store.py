"""The local progress store: one SQLite file in the data directory.

Check results live here; the quiz engine keeps its own tables in the same file
(created by ``grader.quiz``). Writes are single transactions so a crash loses at most
the write in flight.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.paths import data_dir

_SCHEMA = """
CREATE TABLE IF NOT EXISTS check_results (
    id INTEGER PRIMARY KEY,
    lab TEXT NOT NULL,
    at REAL NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    result_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS check_results_lab ON check_results(lab, at);
"""


def db_path() -> Path:
    return data_dir() / "computelab.sqlite3"


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """Open the store, make sure the shared tables exist, commit on success."""
    conn = sqlite3.connect(db_path(), timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        yield conn
        conn.commit()
    finally:
        conn.close()


def record_check(lab: str, result: dict[str, Any]) -> None:
    """Store one "Check my work" result (a Gradescope-shaped dict)."""
    with connect() as conn:
        conn.execute(
            "INSERT INTO check_results(lab, at, score, max_score, status, result_json)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (lab, time.time(), result["score"], result["max_score"], result["status"],
             json.dumps(result)),
        )


@dataclass(frozen=True)
class LabProgress:
    """A lab's recorded checks: the latest and the best score, and when it last ran."""

    latest: float
    best: float
    max_score: float
    at: float

    @property
    def status(self) -> str:
        """``passed`` when the latest check got full marks (a later lower score counts)."""
        return "passed" if self.max_score > 0 and self.latest >= self.max_score else \
            "in progress"


def lab_progress() -> dict[str, LabProgress]:
    """Every lab with recorded checks, in one query."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT lab, MAX(score) AS best, MAX(at) AS at FROM check_results GROUP BY lab"
        ).fetchall()
        out = {}
        for row in rows:
            latest = conn.execute(
                "SELECT score, max_score FROM check_results WHERE lab = ? AND at = ?",
                (row["lab"], row["at"])).fetchone()
            out[row["lab"]] = LabProgress(latest["score"], row["best"], latest["max_score"],
                                          row["at"])
    return out


def lab_status(lab: str) -> str:
    """``not started`` / ``in progress`` / ``passed`` (from the latest recorded result)."""
    progress = lab_progress().get(lab)
    return progress.status if progress else "not started"


def best_scores() -> dict[str, tuple[float, float]]:
    """Best (score, max_score) per lab, for progress reports."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT lab, MAX(score) AS score, MAX(max_score) AS max_score"
            " FROM check_results GROUP BY lab"
        ).fetchall()
    return {r["lab"]: (r["score"], r["max_score"]) for r in rows}
