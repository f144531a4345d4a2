"""Load and validate ``content/topics.yaml`` and the question banks in ``content/quizzes/``.

The rules are the ones ``content/instructor/question-format.md`` documents. Every problem
names the file, the question id and what is wrong; loading raises
:class:`grader.errors.QuizError` with the first problem (and how many more there are),
while :func:`check_file` returns them all for authors and tests.

``COMPUTELAB_QUIZ_CONTENT`` may point at another folder holding ``topics.yaml`` and
``quizzes/`` (the tests use small fixture banks that way).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from grader.errors import QuizError
from grader.labs import labs_by_topic
from grader.paths import content_dir, course_root
from grader.quiz import provenance
from grader.quiz.model import (
    DIFFICULTIES,
    OPTION_TYPES,
    QUESTION_TYPES,
    Bank,
    Catalog,
    ExamDomain,
    ExamSpec,
    Option,
    Pair,
    Question,
    Step,
    Topic,
)

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
_COMMON = {"id", "type", "stem", "explanation", "topic", "comparison", "domains", "difficulty",
           *provenance.FIELDS}
_TYPE_FIELDS = {
    "single": {"options"},
    "multiple": {"options", "choose"},
    "true_false": {"options"},
    "matching": {"pairs"},
    "ordering": {"steps"},
}

NEAR_DUPLICATE_RATIO = 0.9


def content_root() -> Path:
    """The folder holding ``topics.yaml`` and ``quizzes/``."""
    override = os.environ.get("COMPUTELAB_QUIZ_CONTENT")
    return Path(override) if override else content_dir()


def _show(path: Path) -> str:
    """A short path for messages: relative to the course root when possible."""
    try:
        return str(path.resolve().relative_to(course_root()))
    except ValueError:
        return str(path)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise QuizError(f"{_show(path)}: cannot be read ({err.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise QuizError(f"{_show(path)}: not valid YAML{where}: {problem}") from None


def _needs(key: str) -> str:
    return f"needs {'an' if key[0] in 'aeiou' else 'a'} {key}"


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


# -- topics.yaml ----------------------------------------------------------------------------

def load_catalog(path: Path | None = None) -> Catalog:
    """Read and check ``topics.yaml`` (topics, comparisons, exams with domain weights)."""
    path = path or content_root() / "topics.yaml"
    data = _read_yaml(path)
    where = _show(path)
    if not isinstance(data, dict):
        raise QuizError(f"{where}: expected a mapping with topics, comparisons and exams")

    topics: dict[str, Topic] = {}
    lab_ids = labs_by_topic()  # lab.toml names its topics; topics.yaml need not repeat it
    for i, t in enumerate(data.get("topics") or []):
        if not isinstance(t, dict) or not _text(t.get("id")) or not _text(t.get("title")):
            raise QuizError(f"{where}: topic #{i + 1} needs an id and a title")
        if t["id"] in topics:
            raise QuizError(f"{where}: topic '{t['id']}' is listed twice")
        topics[t["id"]] = Topic(id=t["id"], title=t["title"], track=str(t.get("track", "")),
                                lesson=str(t.get("lesson", "")),
                                lab=t.get("lab") or next(iter(lab_ids.get(t["id"], [])), None))
    if not topics:
        raise QuizError(f"{where}: no topics")

    comparisons: dict[str, str] = {}
    for i, c in enumerate(data.get("comparisons") or []):
        if not isinstance(c, dict) or not _text(c.get("id")) or not _text(c.get("title")):
            raise QuizError(f"{where}: comparison #{i + 1} needs an id and a title")
        if c["id"] in comparisons:
            raise QuizError(f"{where}: comparison '{c['id']}' is listed twice")
        comparisons[c["id"]] = c["title"]

    exams: dict[str, ExamSpec] = {}
    for exam_id, e in (data.get("exams") or {}).items():
        try:
            domains = tuple(
                ExamDomain(id=d_id, title=str(d["title"]), weight=float(d["weight"]))
                for d_id, d in e["domains"].items()
            )
            spec = ExamSpec(id=exam_id, title=str(e["title"]), questions=int(e["questions"]),
                            minutes=float(e["minutes"]), pass_score=int(e["pass_score"]),
                            domains=domains)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise QuizError(
                f"{where}: exam '{exam_id}' needs title, questions, minutes, pass_score and"
                " domains (each with title and weight)"
            ) from None
        if not domains or sum(d.weight for d in domains) <= 0:
            raise QuizError(f"{where}: exam '{exam_id}' needs domains with positive weights")
        exams[exam_id] = spec
    return Catalog(topics=topics, comparisons=comparisons, exams=exams, source=where)


# -- question banks -------------------------------------------------------------------------

def _check_options(q: dict[str, Any], kind: str, problems: list[str]) -> tuple[Option, ...]:
    raw = q.get("options")
    if not isinstance(raw, list) or not raw:
        problems.append("needs a list of options")
        return ()
    options: list[Option] = []
    for i, o in enumerate(raw, start=1):
        if not isinstance(o, dict):
            problems.append(f"option {i} must be a mapping with text, correct and why")
            continue
        extra = set(o) - {"text", "correct", "why"}
        if extra:
            problems.append(f"option {i} has unknown field(s): {', '.join(sorted(extra))}")
        if not _text(o.get("text")) and not isinstance(o.get("text"), bool):
            problems.append(f"option {i} needs a text")
        if not isinstance(o.get("correct"), bool):
            problems.append(f"option {i} needs correct: true or false")
        if not _text(o.get("why")):
            problems.append(f"option {i} needs a why (shown when a learner picks it)")
        text = o.get("text")
        # YAML reads a bare True/False as a boolean: accept it as the text "True"/"False".
        text = ("True" if text else "False") if isinstance(text, bool) else str(text or "")
        options.append(Option(text=text.strip(), correct=o.get("correct") is True,
                              why=str(o.get("why") or "").strip()))
    texts = [o.text.casefold() for o in options]
    if len(set(texts)) != len(texts):
        problems.append("two options have the same text")
    n_correct = sum(o.correct for o in options)
    if kind == "single":
        if len(options) < 4:
            problems.append(f"single needs 4 or more options, has {len(options)}")
        if n_correct != 1:
            problems.append(f"single needs exactly one correct option, has {n_correct}")
    elif kind == "multiple":
        if len(options) < 5:
            problems.append(f"multiple needs 5 or more options, has {len(options)}")
        if n_correct < 2:
            problems.append(f"multiple needs two or more correct options, has {n_correct}")
        choose = q.get("choose")
        if not isinstance(choose, int) or isinstance(choose, bool):
            problems.append(f"multiple needs choose: {n_correct} (the number of correct options)")
        elif choose != n_correct:
            problems.append(f"choose is {choose} but {n_correct} options are correct")
        else:
            word = _NUMBER_WORDS.get(choose, str(choose))
            if not re.search(rf"\bchoose\s+({word}|{choose})\b", str(q.get("stem", "")), re.I):
                problems.append(f'the stem must say "(Choose {word.upper()}.)"')
    elif kind == "true_false":
        if sorted(o.text for o in options) != ["False", "True"]:
            problems.append("true_false needs exactly two options, with texts True and False")
        if n_correct != 1:
            problems.append(f"true_false needs exactly one correct option, has {n_correct}")
    return tuple(options)


def _check_pairs(q: dict[str, Any], problems: list[str]) -> tuple[Pair, ...]:
    raw = q.get("pairs")
    if not isinstance(raw, list) or len(raw) < 2:
        problems.append("matching needs a list of 2 or more pairs")
        return ()
    pairs: list[Pair] = []
    for i, p in enumerate(raw, start=1):
        if not isinstance(p, dict):
            problems.append(f"pair {i} must be a mapping with item, match and why")
            continue
        extra = set(p) - {"item", "match", "why"}
        if extra:
            problems.append(f"pair {i} has unknown field(s): {', '.join(sorted(extra))}")
        for key in ("item", "match", "why"):
            if not _text(p.get(key)):
                problems.append(f"pair {i} {_needs(key)}")
        pairs.append(Pair(item=str(p.get("item") or "").strip(),
                          match=str(p.get("match") or "").strip(),
                          why=str(p.get("why") or "").strip()))
    items = [p.item.casefold() for p in pairs]
    if len(set(items)) != len(items):
        problems.append("two pairs have the same item")
    if len({p.match for p in pairs}) < 2:
        problems.append("matching needs at least two different matches")
    return tuple(pairs)


def _check_steps(q: dict[str, Any], problems: list[str]) -> tuple[Step, ...]:
    raw = q.get("steps")
    if not isinstance(raw, list) or len(raw) < 2:
        problems.append("ordering needs a list of 2 or more steps, in the correct order")
        return ()
    steps: list[Step] = []
    for i, s in enumerate(raw, start=1):
        if not isinstance(s, dict):
            problems.append(f"step {i} must be a mapping with text and why")
            continue
        extra = set(s) - {"text", "why"}
        if extra:
            problems.append(f"step {i} has unknown field(s): {', '.join(sorted(extra))}")
        for key in ("text", "why"):
            if not _text(s.get(key)):
                problems.append(f"step {i} {_needs(key)}")
        steps.append(Step(text=str(s.get("text") or "").strip(),
                          why=str(s.get("why") or "").strip()))
    texts = [s.text.casefold() for s in steps]
    if len(set(texts)) != len(texts):
        problems.append("two steps have the same text")
    return tuple(steps)


def check_question(raw: Any, catalog: Catalog, source: str = "", *,
                   require_provenance: bool = True) -> tuple[Question | None, list[str]]:
    """Validate one question mapping: ``(question or None, problems)``.

    ``source``, ``verified`` and ``lesson`` are checked whenever present; their absence is a
    problem only with ``require_provenance`` (authors and tests), so a learner's quiz still
    loads a question whose provenance is not written yet."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        return None, ["must be a mapping"]
    kind = raw.get("type")
    if kind not in QUESTION_TYPES:
        problems.append(f"type must be one of {', '.join(QUESTION_TYPES)}, got {kind!r}")
        return None, problems
    allowed = _COMMON | _TYPE_FIELDS[kind]
    extra = set(raw) - allowed
    if extra:
        problems.append(f"field(s) not allowed for {kind}: {', '.join(sorted(extra))}")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        problems.append("id must be lowercase letters, digits, '-', '.' or '_'")
    for key in ("stem", "explanation"):
        if not _text(raw.get(key)):
            problems.append(_needs(key))
    topic = raw.get("topic")
    if topic not in catalog.topics:
        problems.append(f"topic {topic!r} is not in topics.yaml")
    comparison = raw.get("comparison")
    if comparison is not None and comparison not in catalog.comparisons:
        problems.append(f"comparison {comparison!r} is not in topics.yaml")
    difficulty = raw.get("difficulty")
    if difficulty not in DIFFICULTIES:
        problems.append(f"difficulty must be one of {', '.join(DIFFICULTIES)}, got "
                        f"{difficulty!r}")
    domains = raw.get("domains")
    if not isinstance(domains, dict):
        problems.append("domains must map each exam guide to one of its domains, e.g."
                        " {clf-c02: technology, saa-c03: high-performing}")
        domains = {}
    else:
        if not domains:
            problems.append("domains must name at least one exam guide")
        for exam_id, spec in catalog.exams.items():
            if exam_id not in domains:
                continue      # a question may leave out an exam it does not fit
            if domains[exam_id] not in {d.id for d in spec.domains}:
                problems.append(
                    f"domains.{exam_id} must be one of "
                    f"{', '.join(d.id for d in spec.domains)}, got {domains[exam_id]!r}"
                )
        for exam_id in domains:
            if exam_id not in catalog.exams:
                problems.append(f"domains names unknown exam {exam_id!r}")

    options: tuple[Option, ...] = ()
    pairs: tuple[Pair, ...] = ()
    steps: tuple[Step, ...] = ()
    if kind in OPTION_TYPES:
        options = _check_options(raw, kind, problems)
    elif kind == "matching":
        pairs = _check_pairs(raw, problems)
    else:
        steps = _check_steps(raw, problems)
    sources, verified, lesson, found = provenance.check(raw, required=require_provenance,
                                                         roots=(catalog_root(catalog),))
    problems.extend(found)
    if problems:
        return None, problems
    question = Question(
        id=str(qid), type=kind, stem=raw["stem"].strip(), topic=str(topic),
        domains={str(k): str(v) for k, v in domains.items()}, difficulty=str(difficulty),
        explanation=raw["explanation"].strip(), comparison=comparison, options=options,
        choose=raw.get("choose") if kind == "multiple" else None, pairs=pairs, steps=steps,
        file=source, sources=sources, verified=verified, lesson=lesson,
    )
    return question, []


def catalog_root(catalog: Catalog) -> Path:
    """The content folder a catalog was read from (lessons are looked up there first)."""
    path = Path(catalog.source)
    if not path.is_absolute():
        path = course_root() / path
    return path.parent


def check_file(path: Path, catalog: Catalog, *,
               require_provenance: bool = True) -> tuple[list[Question], list[str]]:
    """Validate one bank file: ``(valid questions, problems)``; each problem names the
    file and the question."""
    where = _show(path)
    try:
        data = _read_yaml(path)
    except QuizError as err:
        return [], [str(err)]
    if not isinstance(data, dict) or set(data) != {"questions"} \
            or not isinstance(data["questions"], list):
        return [], [f"{where}: must be a mapping with one key, questions: a list"]
    questions: list[Question] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, raw in enumerate(data["questions"], start=1):
        qid = raw.get("id") if isinstance(raw, dict) else None
        label = f"question '{qid}'" if isinstance(qid, str) and qid else f"question #{n} (no id)"
        if isinstance(qid, str) and qid in seen:
            problems.append(f"{where}: {label}: id is used twice in this file")
        if isinstance(qid, str):
            seen.add(qid)
        question, found = check_question(raw, catalog, source=where,
                                         require_provenance=require_provenance)
        problems.extend(f"{where}: {label}: {p}" for p in found)
        if question is not None:
            questions.append(question)
    if not data["questions"]:
        problems.append(f"{where}: has no questions")
    return questions, problems


def bank_files(root: Path | None = None) -> list[Path]:
    folder = (root or content_root()) / "quizzes"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def _raise(problems: list[str]) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise QuizError(problems[0] + more)


def load_bank(root: Path | None = None) -> Bank:
    """Load every bank file under ``root/quizzes`` (default: the course content)."""
    root = root or content_root()
    catalog = load_catalog(root / "topics.yaml")
    questions: list[Question] = []
    problems: list[str] = []
    for path in bank_files(root):
        found, file_problems = check_file(path, catalog, require_provenance=False)
        questions.extend(found)
        problems.extend(file_problems)
    owner: dict[str, str] = {}
    for q in questions:
        if q.id in owner and owner[q.id] != q.file:
            problems.append(f"{q.file}: question '{q.id}': id is also used in {owner[q.id]}")
        owner.setdefault(q.id, q.file)
    _raise(problems)
    return Bank(catalog=catalog, questions=tuple(questions))


# -- near-duplicate stems -------------------------------------------------------------------

def _normal(stem: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", stem.casefold()).split())


def near_duplicates(questions: Iterable[Question],
                    ratio: float = NEAR_DUPLICATE_RATIO) -> list[tuple[str, str, float]]:
    """Pairs of question ids whose stems are the same or nearly so.

    Stems are compared lower-cased with punctuation removed, by ``difflib``'s similarity
    ratio (2 * matching characters / total characters); ``ratio`` or more is a duplicate.
    """
    items = [(q.id, _normal(q.stem)) for q in questions]
    found: list[tuple[str, str, float]] = []
    for i, (a_id, a) in enumerate(items):
        for b_id, b in items[i + 1:]:
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
            if matcher.real_quick_ratio() < ratio or matcher.quick_ratio() < ratio:
                continue
            score = matcher.ratio()
            if score >= ratio:
                found.append((a_id, b_id, round(score, 3)))
    return found
