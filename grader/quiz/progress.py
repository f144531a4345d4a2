"""Quiz progress in the local SQLite store (the same file as the check results).

Tables (created on first use):

- ``quiz_attempts``: one row per answer graded (practice, review or exam);
- ``quiz_cards``: the fsrs card of every question answered, with its due time;
- ``exam_sessions`` and ``exam_answers``: an exam's plan (seed, questions, layout, time
  used) and each answer, written in one transaction per answer, so losing power mid-exam
  loses at most the answer being typed.

Mastery of a topic (or exam domain) = the sum of the latest score of each of its questions
/ the number of its questions in the banks: unseen questions count 0. Accuracy = the mean
latest score of the questions seen.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from fsrs import Card

from grader import store
from grader.quiz import srs
from grader.quiz.model import Answer, Bank
from grader.quiz.scoring import Graded

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quiz_attempts (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    question_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    mode TEXT NOT NULL,
    fraction REAL NOT NULL,
    answer_json TEXT NOT NULL,
    exam_session TEXT
);
CREATE INDEX IF NOT EXISTS quiz_attempts_question ON quiz_attempts(question_id, at);
CREATE TABLE IF NOT EXISTS quiz_cards (
    question_id TEXT PRIMARY KEY,
    card_json TEXT NOT NULL,
    due TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exam_sessions (
    id TEXT PRIMARY KEY,
    exam TEXT NOT NULL,
    seed INTEGER NOT NULL,
    minutes REAL NOT NULL,
    used_seconds REAL NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    status TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    report_json TEXT
);
CREATE TABLE IF NOT EXISTS exam_answers (
    session_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    answer_json TEXT,
    flagged INTEGER NOT NULL DEFAULT 0,
    at REAL NOT NULL,
    PRIMARY KEY (session_id, position)
);
"""


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """The shared store with the quiz tables; commits on success."""
    with store.connect() as conn:
        conn.executescript(_SCHEMA)
        yield conn


# -- attempts and cards ---------------------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    """One answer as moved between devices: question, when (Unix seconds), practice/review/
    exam, the score, and the exam session it belonged to."""

    question_id: str
    at: float
    mode: str
    fraction: float
    exam_session: str | None = None


def load_cards() -> dict[str, Card]:
    with connect() as conn:
        rows = conn.execute("SELECT question_id, card_json FROM quiz_cards").fetchall()
    return {r["question_id"]: Card.from_json(r["card_json"]) for r in rows}


def _save_card(conn: sqlite3.Connection, question_id: str, card: Card) -> None:
    conn.execute(
        "INSERT INTO quiz_cards(question_id, card_json, due) VALUES (?, ?, ?)"
        " ON CONFLICT(question_id) DO UPDATE SET card_json = excluded.card_json,"
        " due = excluded.due",
        (question_id, card.to_json(), card.due.isoformat()),
    )


def _card(conn: sqlite3.Connection, question_id: str) -> Card | None:
    row = conn.execute("SELECT card_json FROM quiz_cards WHERE question_id = ?",
                       (question_id,)).fetchone()
    return Card.from_json(row["card_json"]) if row else None


def _insert_attempt(conn: sqlite3.Connection, graded: Graded, mode: str, at: float,
                    exam_session: str | None) -> None:
    q = graded.question
    conn.execute(
        "INSERT INTO quiz_attempts(at, question_id, topic, mode, fraction, answer_json,"
        " exam_session) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at, q.id, q.topic, mode, graded.fraction, json.dumps(graded.answer.to_dict()),
         exam_session),
    )


def _schedule(conn: sqlite3.Connection, graded: Graded, now: datetime, fuzz: bool,
              exam: bool = False) -> Card | None:
    if graded.question.generated:
        return None
    card = srs.review(_card(conn, graded.question.id), graded.question.id, graded.fraction,
                      now=now, fuzz=fuzz, exam=exam)
    _save_card(conn, graded.question.id, card)
    return card


def record_answer(graded: Graded, *, mode: str = "practice", now: datetime | None = None,
                  fuzz: bool = True) -> Card | None:
    """Store one graded answer and reschedule its card, in one transaction; the new card
    (None for a generated variant, which is not scheduled)."""
    moment = srs.utc(now)
    with connect() as conn:
        _insert_attempt(conn, graded, mode, moment.timestamp(), None)
        return _schedule(conn, graded, moment, fuzz)


def attempts() -> list[Attempt]:
    """Every stored answer, oldest first (what ``computelab progress --export`` writes)."""
    with connect() as conn:
        rows = conn.execute("SELECT question_id, at, mode, fraction, exam_session"
                            " FROM quiz_attempts ORDER BY at, id").fetchall()
    return [Attempt(r["question_id"], r["at"], r["mode"], r["fraction"], r["exam_session"])
            for r in rows]


def merge_attempts(new: list[Attempt], topics: dict[str, str], *,
                   fuzz: bool = True) -> list[Attempt]:
    """Add the attempts not stored yet (same question at the same millisecond = stored)
    and rebuild the card of every question they touch by replaying all its attempts in
    time order. ``topics`` maps the known question ids to their topic; returns the
    attempts added."""
    added: list[Attempt] = []
    with connect() as conn:
        for a in sorted(new, key=lambda a: a.at):
            if conn.execute("SELECT 1 FROM quiz_attempts WHERE question_id = ? AND"
                            " ABS(at - ?) < 0.001", (a.question_id, a.at)).fetchone():
                continue
            conn.execute(
                "INSERT INTO quiz_attempts(at, question_id, topic, mode, fraction, answer_json,"
                " exam_session) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (a.at, a.question_id, topics[a.question_id], a.mode, a.fraction,
                 json.dumps({"imported": True}), a.exam_session))
            added.append(a)
        for qid in sorted({a.question_id for a in added}):
            rows = conn.execute("SELECT at, fraction, mode FROM quiz_attempts"
                                " WHERE question_id = ?", (qid,)).fetchall()
            card = srs.replay(qid, [(datetime.fromtimestamp(r["at"], UTC), r["fraction"],
                                     r["mode"] == "exam") for r in rows], fuzz=fuzz)
            if card is not None:
                _save_card(conn, qid, card)
    return added


def latest_scores() -> dict[str, float]:
    """The most recent practice-scale score of every question attempted."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT question_id, fraction FROM quiz_attempts a WHERE id = ("
            " SELECT id FROM quiz_attempts b WHERE b.question_id = a.question_id"
            " ORDER BY at DESC, id DESC LIMIT 1)"
        ).fetchall()
    return {r["question_id"]: r["fraction"] for r in rows}


def attempt_count() -> int:
    with connect() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM quiz_attempts").fetchone()[0])


# -- exam sessions --------------------------------------------------------------------------

@dataclass
class ExamRecord:
    """An exam session as stored: enough to rebuild and resume it."""

    id: str
    exam: str
    seed: int
    minutes: float
    used_seconds: float
    created: float
    status: str
    plan: dict[str, Any]
    answers: dict[int, Answer] = field(default_factory=dict)
    flags: set[int] = field(default_factory=set)
    report: dict[str, Any] | None = None


def create_exam(record: ExamRecord) -> None:
    now = time.time()
    with connect() as conn:
        conn.execute(
            "INSERT INTO exam_sessions(id, exam, seed, minutes, used_seconds, created, updated,"
            " status, plan_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.id, record.exam, record.seed, record.minutes, record.used_seconds,
             record.created, now, record.status, json.dumps(record.plan)),
        )


def save_exam_answer(session_id: str, position: int, answer: Answer | None, flagged: bool,
                     used_seconds: float) -> None:
    """Save one answer (or flag) and the time used so far, atomically."""
    now = time.time()
    with connect() as conn:
        conn.execute(
            "INSERT INTO exam_answers(session_id, position, answer_json, flagged, at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(session_id, position) DO UPDATE SET"
            " answer_json = excluded.answer_json, flagged = excluded.flagged, at = excluded.at",
            (session_id, position, json.dumps(answer.to_dict()) if answer else None,
             int(flagged), now),
        )
        conn.execute("UPDATE exam_sessions SET used_seconds = ?, updated = ? WHERE id = ?",
                     (used_seconds, now, session_id))


def save_exam_time(session_id: str, used_seconds: float) -> None:
    with connect() as conn:
        conn.execute("UPDATE exam_sessions SET used_seconds = ?, updated = ? WHERE id = ?",
                     (used_seconds, time.time(), session_id))


def finish_exam(session_id: str, used_seconds: float, report: dict[str, Any],
                graded: list[Graded], *, now: datetime | None = None,
                fuzz: bool = True) -> None:
    """Store the report, the attempts and the card updates of a submitted exam at once."""
    moment = srs.utc(now)
    with connect() as conn:
        for g in graded:
            _insert_attempt(conn, g, "exam", moment.timestamp(), session_id)
            _schedule(conn, g, moment, fuzz, exam=True)
        conn.execute(
            "UPDATE exam_sessions SET status = 'submitted', used_seconds = ?, updated = ?,"
            " report_json = ? WHERE id = ?",
            (used_seconds, time.time(), json.dumps(report), session_id),
        )


def load_exam(session_id: str) -> ExamRecord | None:
    with connect() as conn:
        row = conn.execute("SELECT * FROM exam_sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        answers = conn.execute(
            "SELECT position, answer_json, flagged FROM exam_answers WHERE session_id = ?",
            (session_id,),
        ).fetchall()
    record = ExamRecord(
        id=row["id"], exam=row["exam"], seed=row["seed"], minutes=row["minutes"],
        used_seconds=row["used_seconds"], created=row["created"], status=row["status"],
        plan=json.loads(row["plan_json"]),
        report=json.loads(row["report_json"]) if row["report_json"] else None,
    )
    for a in answers:
        if a["answer_json"]:
            record.answers[a["position"]] = Answer.from_dict(json.loads(a["answer_json"]))
        if a["flagged"]:
            record.flags.add(a["position"])
    return record


def latest_open_exam(exam: str | None = None) -> str | None:
    query = "SELECT id FROM exam_sessions WHERE status = 'open'"
    params: tuple[str, ...] = ()
    if exam:
        query += " AND exam = ?"
        params = (exam,)
    with connect() as conn:
        row = conn.execute(query + " ORDER BY updated DESC LIMIT 1", params).fetchone()
    return row["id"] if row else None


def exam_reports() -> list[dict[str, Any]]:
    with connect() as conn:
        rows = conn.execute(
            "SELECT report_json FROM exam_sessions WHERE status = 'submitted'"
            " ORDER BY updated"
        ).fetchall()
    return [json.loads(r["report_json"]) for r in rows]


# -- mastery --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mastery:
    key: str
    title: str
    questions: int
    seen: int
    accuracy: float | None
    mastery: float


@dataclass(frozen=True)
class ProgressReport:
    topics: list[Mastery]
    domains: dict[str, list[Mastery]]
    labs: dict[str, str]
    due: int
    attempts: int
    exams: list[dict[str, Any]]
    forecast: list[int] = field(default_factory=list)   # due per day, today first
    next_due: datetime | None = None                     # the next card not due yet

    def to_dict(self) -> dict[str, Any]:
        return {
            "topics": [asdict(m) for m in self.topics],
            "domains": {e: [asdict(m) for m in ms] for e, ms in self.domains.items()},
            "labs": self.labs,
            "due": self.due,
            "forecast": self.forecast,
            "next_due": self.next_due.isoformat(timespec="seconds") if self.next_due else None,
            "attempts": self.attempts,
            "exams": [
                {k: r.get(k) for k in ("exam", "session", "finished", "questions", "correct",
                                       "percent", "low", "high")}
                for r in self.exams
            ],
        }


def _mastery(key: str, title: str, ids: list[str], latest: dict[str, float]) -> Mastery:
    seen = [latest[i] for i in ids if i in latest]
    return Mastery(key=key, title=title, questions=len(ids), seen=len(seen),
                   accuracy=sum(seen) / len(seen) if seen else None,
                   mastery=sum(seen) / len(ids) if ids else 0.0)


def _lab_status(best: tuple[float, float] | None) -> str:
    if best is None:
        return "not started"
    score, max_score = best
    return "passed" if max_score > 0 and score >= max_score else "in progress"


def report(bank: Bank, *, now: datetime | None = None,
           zone: tzinfo | None = None) -> ProgressReport:
    """Mastery by topic and exam domain, labs passed, reviews due now, the next due time
    and a 14-day forecast (calendar days in ``zone``, default this computer's)."""
    latest = latest_scores()
    topics = [
        _mastery(t.id, t.title, [q.id for q in bank.questions if q.topic == t.id], latest)
        for t in bank.catalog.topics.values()
    ]
    domains: dict[str, list[Mastery]] = {}
    for spec in bank.catalog.exams.values():
        domains[spec.id] = [
            _mastery(f"{spec.id}:{d.id}", d.title,
                     [q.id for q in bank.questions if q.domains.get(spec.id) == d.id], latest)
            for d in spec.domains
        ]
    best = store.best_scores()
    labs = {t.lab: _lab_status(best.get(t.lab)) for t in bank.catalog.topics.values() if t.lab}
    for lab, scores in best.items():
        labs.setdefault(lab, _lab_status(scores))
    known = {q.id for q in bank.questions}
    cards = {qid: c for qid, c in load_cards().items() if qid in known}
    return ProgressReport(topics=topics, domains=domains, labs=labs,
                          due=len(srs.due_ids(cards, now)), attempts=attempt_count(),
                          exams=exam_reports(), forecast=srs.forecast(cards, now, zone=zone),
                          next_due=srs.next_due(cards, now))
