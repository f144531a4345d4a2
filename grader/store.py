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


def lab_status(lab: str) -> str:
    """``not started`` / ``in progress`` / ``passed`` from the recorded results."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT score, max_score FROM check_results WHERE lab = ?", (lab,)
        ).fetchall()
    if not rows:
        return "not started"
    if any(r["max_score"] > 0 and r["score"] >= r["max_score"] for r in rows):
        return "passed"
    return "in progress"


def best_scores() -> dict[str, tuple[float, float]]:
    """Best (score, max_score) per lab, for progress reports."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT lab, MAX(score) AS score, MAX(max_score) AS max_score"
            " FROM check_results GROUP BY lab"
        ).fetchall()
    return {r["lab"]: (r["score"], r["max_score"]) for r in rows}
