"""Mock exam forms: three fixed, reviewable question sets per exam guide.

A random practice exam draws afresh each time; a *form* is the same set every time, so a
learner can sit form 1, study, then sit form 2 and compare like with like. Forms are built
deterministically from the bank:

- the count per domain follows the exam guide's weights (``exam.allocate``). A domain with too
  few questions for the forms to stay distinct (fewer than ``FORMS`` times its share) gives
  part of its share to the others, but never goes below its minimum: ``MIN_SHARE`` of its
  weighted share (and at least ``MIN_PER_DOMAIN`` questions) when it has them;
- form by form, each domain's questions are picked greedily, preferring questions no earlier
  form used, then ones shared with the form we overlap least so far, then topics this form
  has fewest of, then a stable hash of (exam, form, id) — no random state, no clock;
- so forms overlap only when a domain has fewer questions than the forms need, and the
  overlap is spread across pairs of forms. ``overlap`` measures it (the tests hold it at
  ``MAX_OVERLAP`` or less).

Forms depend on the bank's content: adding questions can change them. ``computelab quiz
forms`` prints every form for review.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from itertools import combinations

from grader.errors import QuizError
from grader.quiz.allocation import allocate
from grader.quiz.model import EXAM_TYPES, Bank, ExamSpec, Question

FORMS = 3
MIN_PER_DOMAIN = 3
MIN_SHARE = 0.5
MAX_OVERLAP = 0.20


def _hash(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def pools(bank: Bank, spec: ExamSpec) -> dict[str, list[Question]]:
    """The exam's questions (single and multiple) by domain, in id order."""
    found: dict[str, list[Question]] = {d.id: [] for d in spec.domains}
    for q in sorted(bank.questions, key=lambda q: q.id):
        domain = q.domains.get(spec.id)
        if q.type in EXAM_TYPES and domain in found and not q.generated:
            found[domain].append(q)
    return found


def minimum(spec: ExamSpec, domain_id: str, n: int) -> int:
    """The fewest questions a form gives a domain (when the domain has them)."""
    total = sum(d.weight for d in spec.domains)
    share = n * spec.domain(domain_id).weight / total
    return min(n, max(MIN_PER_DOMAIN, math.ceil(MIN_SHARE * share)))


def domain_counts(spec: ExamSpec, available: dict[str, int], n: int,
                  forms: int = FORMS) -> dict[str, int]:
    """Questions per domain in each form: by weight, capped where a domain cannot fill
    ``forms`` distinct sets, but never below its :func:`minimum` (nor above what it has).
    When the caps leave the form short, the rest is shared out by weight again."""
    usable = {d.id: min(available.get(d.id, 0),
                        max(available.get(d.id, 0) // forms, minimum(spec, d.id, n)))
              for d in spec.domains}
    weights = {d.id: d.weight for d in spec.domains}
    counts = allocate(weights, usable, n)
    short = n - sum(counts.values())
    if short > 0:   # every domain is capped: the forms must share some questions
        extra = allocate(weights, {d: available.get(d, 0) - c for d, c in counts.items()}, short)
        counts = {d: c + extra[d] for d, c in counts.items()}
    return counts


def build(bank: Bank, spec: ExamSpec, n: int | None = None,
          forms: int = FORMS) -> list[list[Question]]:
    """The ``forms`` mock exams of ``n`` questions (default: the exam's count), each in a
    fixed order (domain by domain shuffled by hash)."""
    n = spec.questions if n is None else n
    by_domain = pools(bank, spec)
    counts = domain_counts(spec, {d: len(p) for d, p in by_domain.items()}, n)
    if sum(counts.values()) == 0:
        raise QuizError(f"no single or multiple questions are mapped to {spec.id} yet")
    uses: Counter[str] = Counter()
    member: dict[str, list[int]] = {}
    built: list[list[Question]] = []
    for form in range(1, forms + 1):
        chosen: list[Question] = []
        shared: Counter[int] = Counter()     # earlier form -> questions shared with it
        topics: Counter[str] = Counter()
        for domain, count in counts.items():
            left = list(by_domain[domain])
            for _ in range(count):
                best = min(left, key=lambda q: (
                    uses[q.id], sum(shared[g] for g in member.get(q.id, [])),
                    topics[q.topic], _hash(spec.id, form, q.id)))
                left.remove(best)
                chosen.append(best)
                topics[best.topic] += 1
                for g in member.get(best.id, []):
                    shared[g] += 1
        for q in chosen:
            uses[q.id] += 1
            member.setdefault(q.id, []).append(form)
        built.append(sorted(chosen, key=lambda q: _hash(spec.id, form, "order", q.id)))
    return built


def form(bank: Bank, spec: ExamSpec, number: int, n: int | None = None) -> list[Question]:
    """Form ``number`` (1-based) of the exam."""
    if not 1 <= number <= FORMS:
        raise QuizError(f"there is no form {number}: choose 1-{FORMS}")
    return build(bank, spec, n)[number - 1]


def overlap(a: list[Question], b: list[Question]) -> float:
    """The share of questions two forms have in common (of the smaller form)."""
    if not a or not b:
        return 0.0
    return len({q.id for q in a} & {q.id for q in b}) / min(len(a), len(b))


def max_overlap(built: list[list[Question]]) -> float:
    return max((overlap(a, b) for a, b in combinations(built, 2)), default=0.0)
