"""Timed practice exams on the compute part of an exam guide: a seeded draw by domain
weight, a clock, flags, resume, and a report with a readiness range per domain.

ComputeLab teaches compute, so an "exam" here is the compute part of CLF-C02 or SAA-C03:
compute questions, each mapped to the exam guide domain it belongs to. The report never
gives a pass/fail verdict for the certification (see ``grader.quiz.readiness``).

Only ``single`` and ``multiple`` questions are drawn, as on the real exams. The count per
domain follows the exam guide's weights (largest-remainder rounding; a domain short of
questions gives its share to the others). The same seed draws the same exam.

The time limit follows the real exam's pace (its minutes per question) for the number of
questions drawn, unless the learner sets it. The clock counts time spent in the session:
the time used is saved with every answer, and a resumed exam continues with the time that
was left at the last save (time while the program was not running is not counted).
Answers are saved one by one in the store (``grader.quiz.progress``), so an interrupted
exam loses at most the answer being typed.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from grader.errors import QuizError
from grader.quiz import forms, progress, readiness
from grader.quiz.allocation import allocate
from grader.quiz.model import EXAM_TYPES, Answer, Bank, ExamSpec, Question
from grader.quiz.present import Presented, format_reply, key, parse_reply, present, restore
from grader.quiz.scoring import Graded, grade, is_valid

SCOPE_NOTE = (
    "Compute questions only: ComputeLab covers EC2, containers (ECS, EKS, Fargate, ECR), "
    "Lambda, Batch, Elastic Beanstalk, EMR, Lightsail and similar services, each question "
    "filed under the exam guide domain it belongs to. The real exam also covers networking, "
    "storage, databases, security, management and other services, which this exam does not."
)
READINESS_NOTE = (
    "Each range is where your share of right answers on compute questions of that domain "
    "likely lies (a 90% Wilson interval): the fewer questions, the wider it is. It is not a "
    "pass/fail prediction for the certification: the real exam covers far more than compute, "
    "scores 50 of its 65 questions, and AWS does not publish how answers map to its "
    "100-1000 scaled score."
)


def label(spec: ExamSpec) -> str:
    """How an exam is named wherever a learner sees it: the compute part, not the exam."""
    return f"{spec.title}: compute part only"


def pace_minutes(spec: ExamSpec, questions: int) -> float:
    """The real exam's time per question times ``questions``, rounded up to a minute."""
    return float(math.ceil(spec.minutes * questions / spec.questions))


def find_exam(bank: Bank, exam_id: str) -> ExamSpec:
    spec = bank.catalog.exams.get(exam_id.strip().lower())
    if spec is None:
        known = ", ".join(s.upper() for s in bank.catalog.exams)
        raise QuizError(f"unknown exam '{exam_id}': choose one of {known}")
    return spec


def draw(bank: Bank, spec: ExamSpec, n: int, rng: random.Random) -> list[Question]:
    """Draw ``n`` exam questions (single/multiple) by domain weight, in shuffled order."""
    pools: dict[str, list[Question]] = {d.id: [] for d in spec.domains}
    for q in sorted(bank.questions, key=lambda q: q.id):
        domain = q.domains.get(spec.id)
        if q.type in EXAM_TYPES and domain in pools:
            pools[domain].append(q)
    counts = allocate({d.id: d.weight for d in spec.domains},
                      {d: len(p) for d, p in pools.items()}, n)
    chosen: list[Question] = []
    for domain, count in counts.items():
        chosen.extend(rng.sample(pools[domain], count))
    rng.shuffle(chosen)
    return chosen


@dataclass(frozen=True)
class DomainResult:
    """One exam guide domain: compute questions right of asked, and the readiness range."""

    id: str
    title: str
    weight: float
    correct: int
    total: int
    percent: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ExamReport:
    exam: str
    title: str
    label: str
    scope: str
    session: str
    seed: int
    finished: str
    questions: int
    answered: int
    dont_know: int
    correct: int
    percent: float
    low: float
    high: float
    note: str
    minutes: float
    used_minutes: float
    domains: list[DomainResult]
    items: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExamReport:
        """A stored report (``to_dict``) back as a report."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["domains"] = [DomainResult(**d) for d in data.get("domains", [])]
        return cls(**fields)


def _new_seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)


class ExamSession:
    """One exam attempt; positions are 1-based, as shown to the learner."""

    def __init__(self, *, bank: Bank, spec: ExamSpec, session_id: str, seed: int,
                 minutes: float, items: list[Presented], used_seconds: float = 0.0,
                 answers: dict[int, Answer] | None = None, flags: set[int] | None = None,
                 status: str = "open", now: float | None = None) -> None:
        self.bank = bank
        self.spec = spec
        self.id = session_id
        self.seed = seed
        self.minutes = minutes
        self.items = items
        self.answers: dict[int, Answer] = dict(answers or {})
        self.flags: set[int] = set(flags or set())
        self.status = status
        self._used = used_seconds
        self._since = time.time() if now is None else now

    # -- starting and resuming --------------------------------------------------------------

    @classmethod
    def start(cls, bank: Bank, *, exam: str = "clf-c02", n: int | None = None,
              minutes: float | None = None, seed: int | None = None,
              now: float | None = None, form: int | None = None) -> ExamSession:
        """A random draw from ``seed``, or mock exam ``form`` (1-3: a fixed set, shown in
        a fixed layout, see ``grader.quiz.forms``)."""
        spec = find_exam(bank, exam)
        if n is not None and n < 1:
            raise QuizError("the number of questions must be 1 or more")
        if minutes is not None and minutes <= 0:
            raise QuizError("minutes must be more than 0")
        if form is not None:
            seed = form
            questions = forms.form(bank, spec, form, n)
            rng = random.Random(f"{spec.id}:form:{form}")
        else:
            seed = _new_seed() if seed is None else seed
            rng = random.Random(seed)
            questions = draw(bank, spec, spec.questions if n is None else n, rng)
        if not questions:
            raise QuizError(f"no single or multiple questions are mapped to {spec.id} yet")
        items = [present(q, rng) for q in questions]
        moment = time.time() if now is None else now
        limit = pace_minutes(spec, len(items)) if minutes is None else minutes
        session = cls(bank=bank, spec=spec, session_id=uuid.uuid4().hex[:12], seed=seed,
                      minutes=limit, items=items, now=moment)
        plan: dict[str, Any] = {"questions": [{"id": p.question.id, "layout": p.layout()}
                                              for p in items]}
        if form is not None:
            plan["form"] = form
        progress.create_exam(progress.ExamRecord(
            id=session.id, exam=spec.id, seed=seed, minutes=session.minutes, used_seconds=0.0,
            created=moment, status="open", plan=plan,
        ))
        return session

    @classmethod
    def resume(cls, bank: Bank, *, session_id: str | None = None, exam: str | None = None,
               now: float | None = None) -> ExamSession:
        """Continue the given (or latest unfinished) exam with its answers and time left."""
        exam_id = find_exam(bank, exam).id if exam else None
        session_id = session_id or progress.latest_open_exam(exam_id)
        record = progress.load_exam(session_id) if session_id else None
        if record is None:
            raise QuizError("no unfinished exam to resume: start one with `computelab exam`")
        if record.status != "open":
            raise QuizError(f"exam {record.id} was already submitted")
        spec = find_exam(bank, record.exam)
        by_id = bank.by_id()
        items: list[Presented] = []
        for entry in record.plan["questions"]:
            question = by_id.get(entry["id"])
            if question is None:
                raise QuizError(f"question '{entry['id']}' of exam {record.id} is no longer in"
                                " the banks: start a new exam")
            items.append(restore(question, entry["layout"]))
        # an answer saved under an older rule (e.g. one pick on "choose two") is dropped
        answers = {p: a for p, a in record.answers.items()
                   if 1 <= p <= len(items) and is_valid(items[p - 1].question, a)}
        return cls(bank=bank, spec=spec, session_id=record.id, seed=record.seed,
                   minutes=record.minutes, items=items, used_seconds=record.used_seconds,
                   answers=answers, flags=record.flags, status=record.status, now=now)

    @classmethod
    def reopen(cls, bank: Bank, session_id: str | None = None) -> tuple[ExamSession, ExamReport]:
        """A submitted exam (default: the latest) and its report, to review again. A
        question removed from the banks (or whose options changed) since is left out of
        ``items``; the report keeps its line."""
        if session_id is None:
            reports = progress.exam_reports()
            if not reports:
                raise QuizError("no submitted exam to review yet: take one with"
                                " `computelab exam`")
            session_id = str(reports[-1]["session"])
        record = progress.load_exam(session_id)
        if record is None:
            known = ", ".join(str(r["session"]) for r in progress.exam_reports()[-5:])
            raise QuizError(f"no exam '{session_id}': "
                            + (f"recent ones are {known}" if known else "none submitted yet"))
        if record.status != "submitted" or record.report is None:
            raise QuizError(f"exam {record.id} is not submitted yet: continue it with"
                            f" `computelab exam --resume {record.id}`")
        by_id = bank.by_id()
        items = []
        for entry in record.plan["questions"]:
            try:
                items.append(restore(by_id[entry["id"]], entry["layout"]))
            except (KeyError, QuizError):
                continue                      # removed or reshaped since: the report says so
        session = cls(bank=bank, spec=find_exam(bank, record.exam), session_id=record.id,
                      seed=record.seed, minutes=record.minutes, items=items,
                      used_seconds=record.used_seconds, answers=record.answers,
                      flags=record.flags, status=record.status)
        return session, ExamReport.from_dict(record.report)

    # -- the clock --------------------------------------------------------------------------

    def used(self, now: float | None = None) -> float:
        moment = time.time() if now is None else now
        return self._used + max(0.0, moment - self._since)

    def remaining(self, now: float | None = None) -> float:
        """Seconds left (0 when time is up)."""
        return max(0.0, self.minutes * 60 - self.used(now))

    def expired(self, now: float | None = None) -> bool:
        return self.remaining(now) <= 0

    def pause(self, now: float | None = None) -> None:
        """Save the time used (called when the learner quits to resume later)."""
        moment = time.time() if now is None else now
        self._used, self._since = self.used(moment), moment
        progress.save_exam_time(self.id, self._used)

    # -- answering --------------------------------------------------------------------------

    def _position(self, position: int) -> Presented:
        if self.status != "open":
            raise QuizError("this exam has been submitted")
        if not 1 <= position <= len(self.items):
            raise QuizError(f"there is no question {position}: choose 1-{len(self.items)}")
        return self.items[position - 1]

    def _save(self, position: int, now: float | None) -> None:
        moment = time.time() if now is None else now
        self._used, self._since = self.used(moment), moment
        progress.save_exam_answer(self.id, position, self.answers.get(position),
                                  position in self.flags, self._used)

    def answer(self, position: int, answer: Answer, now: float | None = None) -> None:
        self._position(position)
        if self.expired(now):
            raise QuizError("time is up: submit the exam")
        self.answers[position] = answer
        self._save(position, now)

    def parse(self, position: int, reply: str) -> Answer:
        """A typed reply (``b``, ``a,c``, ``?``) as an answer; QuizError names the question."""
        shown = self._position(position)
        try:
            return parse_reply(shown, reply)
        except QuizError as err:
            raise QuizError(f"question {position}: {err}") from None

    def answer_reply(self, position: int, reply: str, now: float | None = None) -> None:
        """Answer with a typed reply; QuizError if it is not a valid answer."""
        self.answer(position, self.parse(position, reply), now)

    def answer_replies(self, replies: Mapping[int, str], now: float | None = None) -> None:
        """Answer several questions at once, all or nothing: every reply is checked before
        any is stored, so one bad reply stores none."""
        parsed = {position: self.parse(position, reply)
                  for position, reply in sorted(replies.items())}
        if self.expired(now):
            raise QuizError("time is up: submit the exam")
        for position, given in parsed.items():
            self.answer(position, given, now)

    def toggle_flag(self, position: int, now: float | None = None) -> bool:
        self._position(position)
        self.flags ^= {position}
        self._save(position, now)
        return position in self.flags

    def unanswered(self) -> list[int]:
        return [i for i in range(1, len(self.items) + 1) if i not in self.answers]

    def flagged(self) -> list[int]:
        return sorted(self.flags)

    # -- submitting -------------------------------------------------------------------------

    def grade_all(self) -> list[tuple[int, Graded | None]]:
        return [(i, grade(p.question, self.answers[i], "exam") if i in self.answers else None)
                for i, p in enumerate(self.items, start=1)]

    def submit(self, now: float | None = None, *, fuzz: bool = True) -> ExamReport:
        """Score everything (unanswered = wrong), store the report, schedule reviews."""
        if self.status != "open":
            raise QuizError("this exam has already been submitted")
        moment = time.time() if now is None else now
        used = min(self.used(moment), self.minutes * 60)
        results = self.grade_all()
        tally: dict[str, list[int]] = {d.id: [0, 0] for d in self.spec.domains}
        items: list[dict[str, Any]] = []
        for (position, graded), shown in zip(results, self.items, strict=True):
            q = shown.question
            domain = q.domains[self.spec.id]
            ok = graded is not None and graded.correct
            tally[domain][0] += int(ok)
            tally[domain][1] += 1
            items.append({
                "position": position, "id": q.id, "topic": q.topic,
                "difficulty": q.difficulty, "domain": domain, "correct": ok,
                "answer": format_reply(shown, self.answers[position])
                if position in self.answers else None,
                "dont_know": position in self.answers and self.answers[position].unknown,
                "key": format_reply(shown, key(q)), "flagged": position in self.flags,
            })
        total = len(self.items)
        correct = sum(1 for item in items if item["correct"])
        overall = readiness.estimate(correct, total)
        domains = []
        for d in self.spec.domains:
            right, count = tally[d.id]
            est = readiness.estimate(right, count)
            domains.append(DomainResult(id=d.id, title=d.title, weight=d.weight, correct=right,
                                        total=count, percent=right / count if count else None,
                                        low=est.low, high=est.high))
        report = ExamReport(
            exam=self.spec.id, title=self.spec.title, label=label(self.spec), scope=SCOPE_NOTE,
            session=self.id, seed=self.seed,
            finished=datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds"),
            questions=total, answered=len(self.answers),
            dont_know=sum(1 for a in self.answers.values() if a.unknown), correct=correct,
            percent=correct / total, low=overall.low or 0.0, high=overall.high or 0.0,
            note=READINESS_NOTE, minutes=self.minutes, used_minutes=round(used / 60, 2),
            domains=domains, items=items,
        )
        progress.finish_exam(self.id, used, report.to_dict(),
                             [g for _i, g in results if g is not None],
                             now=datetime.fromtimestamp(moment, UTC), fuzz=fuzz)
        self.status = "submitted"
        return report
