"""The local progress store: one SQLite file in the data directory.

Check results live here, each marked with the notebook's mode (``guided`` or
``challenge``), and so does each lab's record of the learner's boto3 calls ("what you
did", written by ``grader.ui.recorder``; never graded, never sent anywhere). The quiz engine
keeps its own tables in the same file (created by ``grader.quiz``). Writes are single
transactions so a crash loses at most the write in flight.
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
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    lab TEXT NOT NULL,
    account_key TEXT NOT NULL,
    call_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_lab ON calls(lab, account_key, id);
"""
GUIDED, CHALLENGE = "guided", "challenge"  # the two kinds of lab notebook
CALLS_KEPT = 200  # per lab: the newest calls; older ones explain no current failure


def _migrate(conn: sqlite3.Connection) -> None:
    """Stores written before challenge mode get the ``mode`` column (all their rows guided)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(check_results)")}
    if "mode" not in columns:
        conn.execute(f"ALTER TABLE check_results ADD COLUMN mode TEXT NOT NULL DEFAULT '{GUIDED}'")


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
        _migrate(conn)
        yield conn
        conn.commit()
    finally:
        conn.close()


def record_check(lab: str, result: dict[str, Any], mode: str = GUIDED) -> None:
    """Store one "Check my work" result (a Gradescope-shaped dict) of a guided or a
    challenge notebook."""
    with connect() as conn:
        conn.execute(
            "INSERT INTO check_results(lab, at, score, max_score, status, result_json, mode)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (lab, time.time(), result["score"], result["max_score"], result["status"],
             json.dumps(result), mode),
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


def lab_progress(mode: str = GUIDED) -> dict[str, LabProgress]:
    """Every lab with recorded checks in ``mode`` (guided or challenge), in one query."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT lab, MAX(score) AS best, MAX(at) AS at FROM check_results WHERE mode = ?"
            " GROUP BY lab", (mode,)).fetchall()
        out = {}
        for row in rows:
            latest = conn.execute(
                "SELECT score, max_score FROM check_results WHERE lab = ? AND at = ? AND mode = ?",
                (row["lab"], row["at"], mode)).fetchone()
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


# --- "what you did": the learner's calls, per lab and sandbox account ----------------------


def record_call(lab: str, account_key: str, call: dict[str, Any]) -> None:
    """Keep one of the learner's boto3 calls (already masked and trimmed); only the newest
    ``CALLS_KEPT`` per lab stay."""
    with connect() as conn:
        conn.execute("INSERT INTO calls(lab, account_key, call_json) VALUES (?, ?, ?)",
                     (lab, account_key, json.dumps(call)))
        conn.execute(
            "DELETE FROM calls WHERE lab = ? AND id <= (SELECT id FROM calls WHERE lab = ?"
            " ORDER BY id DESC LIMIT 1 OFFSET ?)", (lab, lab, CALLS_KEPT))


def lab_calls(lab: str, account_key: str) -> list[dict[str, Any]]:
    """The recorded calls of ``lab`` made with its current account's key, oldest first
    (calls into an account the lab no longer has explain nothing)."""
    with connect() as conn:
        rows = conn.execute("SELECT call_json FROM calls WHERE lab = ? AND account_key = ?"
                            " ORDER BY id", (lab, account_key)).fetchall()
    return [json.loads(row["call_json"]) for row in rows]


def forget_calls(lab: str) -> None:
    """Drop a lab's record of calls (its sandbox account was reset)."""
    with connect() as conn:
        conn.execute("DELETE FROM calls WHERE lab = ?", (lab,))
