"""The shapes of the quiz: questions as loaded from the banks, and a learner's answer.

A question keeps its options, pairs and steps in the order the bank gives them (its
*canonical* order). How a question is shown — shuffled options, lettered choices — is
``grader.quiz.present``'s job; answers here are always in canonical terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

QuestionType = Literal["single", "multiple", "true_false", "matching", "ordering"]
QUESTION_TYPES: tuple[QuestionType, ...] = (
    "single", "multiple", "true_false", "matching", "ordering",
)
OPTION_TYPES: frozenset[str] = frozenset({"single", "multiple", "true_false"})
EXAM_TYPES: frozenset[str] = frozenset({"single", "multiple"})
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    why: str


@dataclass(frozen=True)
class Pair:
    item: str
    match: str
    why: str


@dataclass(frozen=True)
class Step:
    text: str
    why: str


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    stem: str
    topic: str
    domains: dict[str, str]
    difficulty: str
    explanation: str
    comparison: str | None = None
    options: tuple[Option, ...] = ()
    choose: int | None = None
    pairs: tuple[Pair, ...] = ()
    steps: tuple[Step, ...] = ()
    file: str = ""            # the bank file it came from ("" for generated questions)
    generated: bool = False   # a variant from grader.quiz.variants: not in coverage or SRS
    sources: tuple[str, ...] = ()  # AWS documentation pages its facts were checked against
    verified: str = ""        # ISO date the facts were last checked against those pages
    lesson: str = ""          # "<lesson path>#<heading anchor>": the section that teaches it

    @property
    def lesson_page(self) -> str:
        """The lesson path of :attr:`lesson` without its anchor."""
        return self.lesson.partition("#")[0]

    @property
    def lesson_anchor(self) -> str:
        return self.lesson.partition("#")[2]

    @property
    def correct_options(self) -> frozenset[int]:
        return frozenset(i for i, o in enumerate(self.options) if o.correct)

    @property
    def match_choices(self) -> tuple[str, ...]:
        """The distinct matches of a matching question, sorted: the list learners pick from."""
        return tuple(sorted({p.match for p in self.pairs}, key=str.casefold))

    @property
    def parts(self) -> int:
        """How many things the learner chooses: pairs, steps, or 1 for option questions."""
        if self.type == "matching":
            return len(self.pairs)
        if self.type == "ordering":
            return len(self.steps)
        return 1


@dataclass(frozen=True)
class Answer:
    """A learner's answer in canonical terms.

    - option questions: ``selected`` holds option indices;
    - matching: ``matches[i]`` is the index in ``question.match_choices`` chosen for pair i;
    - ordering: ``order`` lists step indices in the order the learner placed them;
    - ``unknown``: the learner said "I don't know" (a miss that reveals the answer).
    """

    selected: frozenset[int] = field(default_factory=frozenset)
    matches: tuple[int, ...] = ()
    order: tuple[int, ...] = ()
    unknown: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"selected": sorted(self.selected),
                                "matches": list(self.matches), "order": list(self.order)}
        if self.unknown:
            data["unknown"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        return cls(selected=frozenset(int(i) for i in data.get("selected", [])),
                   matches=tuple(int(i) for i in data.get("matches", [])),
                   order=tuple(int(i) for i in data.get("order", [])),
                   unknown=bool(data.get("unknown", False)))


DONT_KNOW = Answer(unknown=True)


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    track: str
    lesson: str
    lab: str | None = None


@dataclass(frozen=True)
class ExamDomain:
    id: str
    title: str
    weight: float


@dataclass(frozen=True)
class ExamSpec:
    id: str
    title: str
    questions: int
    minutes: float
    pass_score: int
    domains: tuple[ExamDomain, ...]

    def domain(self, domain_id: str) -> ExamDomain:
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise KeyError(domain_id)


@dataclass(frozen=True)
class Catalog:
    """``content/topics.yaml``: the shared vocabulary of topics, comparisons and exams."""

    topics: dict[str, Topic]
    comparisons: dict[str, str]
    exams: dict[str, ExamSpec]
    source: str = ""


@dataclass(frozen=True)
class Bank:
    """Every question of every bank file, validated against the catalog."""

    catalog: Catalog
    questions: tuple[Question, ...]

    def get(self, question_id: str) -> Question | None:
        for q in self.questions:
            if q.id == question_id:
                return q
        return None

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}
