"""Progress files: answers moved from the docs site, or between computers, and merged.

The docs site keeps every answer in the browser (localStorage) and its "Export my
answers" button downloads a progress file; ``computelab progress --export FILE`` writes the
same format from this computer's store. ``computelab quiz import FILE`` merges either:

```json
{"format": "computelab-progress", "version": 1, "exported": "2026-12-06T09:30:00Z",
 "answers": [{"id": "ecs-task-role", "at": "2026-12-05T18:02:11.512Z", "score": 1,
              "mode": "practice", "exam": null}]}
```

``score`` is 0-1 (practice scores partial credit; an exam scores all or nothing),
``mode`` is ``practice``, ``review`` or ``exam``, ``exam`` the exam session (or null).

The conflict rule: an answer is identified by its question and its time to the
millisecond. One already in the store is skipped, so importing the same file twice, or a
file that holds answers this computer gave, adds nothing; every other answer is added,
whichever device it came from; nothing is overwritten or deleted. The schedule of each
question that got new answers is rebuilt by replaying all its answers in time order, so
it is the schedule you would have had by answering everything on one computer; mastery
takes each question's latest answer by time. Answers to questions no longer in the banks
are skipped and counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.errors import QuizError
from grader.quiz import progress
from grader.quiz.model import Bank

FORMAT = "computelab-progress"
VERSION = 1
MODES = frozenset({"practice", "review", "exam"})


@dataclass(frozen=True)
class ImportResult:
    read: int           # answers in the file
    added: int          # answers stored
    known: int          # already in the store (skipped)
    unknown: int        # for questions no longer in the banks (skipped)
    rescheduled: int    # questions whose schedule was rebuilt

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


def dump(attempts: list[progress.Attempt], now: datetime | None = None) -> dict[str, Any]:
    """A progress file's content."""
    moment = now or datetime.now(UTC)
    return {"format": FORMAT, "version": VERSION,
            "exported": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "answers": [{"id": a.question_id, "at": _iso(a.at), "score": a.fraction,
                         "mode": a.mode, "exam": a.exam_session} for a in attempts]}


def _when(text: Any, where: str) -> float:
    if not isinstance(text, str):
        raise QuizError(f"{where}: 'at' must be an ISO date-time such as"
                        " 2026-12-05T18:02:11.512Z")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QuizError(f"{where}: '{text}' is not an ISO date-time such as"
                        " 2026-12-05T18:02:11.512Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _attempt(entry: Any, n: int) -> progress.Attempt:
    where = f"answer {n}"
    if not isinstance(entry, dict):
        raise QuizError(f"{where} is not an object with id, at, score and mode")
    qid, score, mode, exam = (entry.get(k) for k in ("id", "score", "mode", "exam"))
    if not isinstance(qid, str) or not qid:
        raise QuizError(f"{where}: 'id' must be a question id")
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise QuizError(f"{where} ({qid}): 'score' must be a number from 0 to 1")
    if mode not in MODES:
        raise QuizError(f"{where} ({qid}): 'mode' must be practice, review or exam")
    if exam is not None and not isinstance(exam, str):
        raise QuizError(f"{where} ({qid}): 'exam' must be a session id or null")
    return progress.Attempt(qid, _when(entry.get("at"), f"{where} ({qid})"), mode,
                            float(score), exam)


def parse(text: str, name: str = "the file") -> list[progress.Attempt]:
    """The answers of a progress file; QuizError names the first problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise QuizError(f"{name} is not JSON ({err.msg}, line {err.lineno}): export it again"
                        " from the site or with `computelab progress --export`") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise QuizError(f"{name} is not a ComputeLab progress file (no \"format\":"
                        f" \"{FORMAT}\"): export it from the site or with"
                        " `computelab progress --export`")
    if data.get("version") != VERSION:
        raise QuizError(f"{name} is progress format version {data.get('version')}; this"
                        f" computelab reads version {VERSION}: update computelab")
    answers = data.get("answers")
    if not isinstance(answers, list):
        raise QuizError(f"{name} has no \"answers\" list")
    return [_attempt(entry, n) for n, entry in enumerate(answers, start=1)]


def read(path: Path) -> list[progress.Attempt]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuizError(f"{path} does not exist: give the progress file's path") from None
    except (OSError, UnicodeDecodeError) as err:
        raise QuizError(f"cannot read {path}: {err}") from None
    return parse(text, str(path))


def merge(bank: Bank, attempts: list[progress.Attempt], *,
          fuzz: bool = True) -> ImportResult:
    """Add the new answers to the store and reschedule their questions (the rule above)."""
    topics = {q.id: q.topic for q in bank.questions}
    known = [a for a in attempts if a.question_id in topics]
    added = progress.merge_attempts(known, topics, fuzz=fuzz)
    return ImportResult(read=len(attempts), added=len(added), known=len(known) - len(added),
                        unknown=len(attempts) - len(known),
                        rescheduled=len({a.question_id for a in added}))
