"""Export the banks: GIFT (for Moodle and other LMSs) and the JSON the docs site reads.

GIFT has single choice, multiple response (weights), true/false and matching; it has no
ordering type, so ordering questions are left out and listed. Matching needs at least
three pairs in Moodle; shorter ones are left out too. The JSON format is documented in
``content/quizzes/JSON-FORMAT.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.quiz.bank import load_bank
from grader.quiz.model import OPTION_TYPES, Bank, Question

SITE_JSON_VERSION = 1
_GIFT_SPECIAL = "\\~=#{}:"


@dataclass(frozen=True)
class GiftExport:
    text: str
    left_out: list[tuple[str, str]]   # (question id, reason)


def _esc(text: str) -> str:
    out = "".join(f"\\{c}" if c in _GIFT_SPECIAL else c for c in text)
    return out.replace("\n", "\\n")


def _weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _gift_question(q: Question) -> str:
    head = f"::{_esc(q.id)}:: {_esc(q.stem)} {{"
    general = f"\n\t####{_esc(q.explanation)}"
    if q.type == "true_false":
        right = next(o for o in q.options if o.correct)
        wrong = next(o for o in q.options if not o.correct)
        flag = "TRUE" if right.text == "True" else "FALSE"
        body = f"{flag}#{_esc(wrong.why)}#{_esc(right.why)}"
        return f"{head}{body}{general}\n}}"
    lines: list[str] = []
    if q.type == "single":
        for o in q.options:
            lines.append(f"{'=' if o.correct else '~'}{_esc(o.text)}#{_esc(o.why)}")
    elif q.type == "multiple":
        choose = q.choose or len(q.correct_options)
        gain, loss = _weight(100 / choose), _weight(-100 / choose)
        for o in q.options:
            weight = gain if o.correct else loss
            lines.append(f"~%{weight}%{_esc(o.text)}#{_esc(o.why)}")
    else:  # matching: GIFT has no per-pair feedback, so the whys go in the general feedback
        for p in q.pairs:
            lines.append(f"={_esc(p.item)} -> {_esc(p.match)}")
        whys = " ".join(f"{p.item}: {p.why}" for p in q.pairs)
        general = f"\n\t####{_esc(q.explanation + ' ' + whys)}"
    body = "".join(f"\n\t{line}" for line in lines)
    return f"{head}{body}{general}\n}}"


def gift(bank: Bank) -> GiftExport:
    """All questions GIFT can express, grouped by topic; the rest listed in ``left_out``."""
    left_out: list[tuple[str, str]] = []
    blocks: list[str] = []
    current_topic = None
    for q in sorted(bank.questions, key=lambda q: (q.topic, q.id)):
        if q.type == "ordering":
            left_out.append((q.id, "GIFT has no ordering question type"))
            continue
        if q.type == "matching" and len(q.pairs) < 3:
            left_out.append((q.id, "GIFT matching needs at least 3 pairs"))
            continue
        if q.topic != current_topic:
            current_topic = q.topic
            blocks.append(f"$CATEGORY: computelab/{q.topic}")
        blocks.append(f"// {q.id} ({q.type}, {q.difficulty})\n{_gift_question(q)}")
    header = ["// ComputeLab question banks in GIFT format (Moodle)."]
    if left_out:
        header.append("// Left out: " + "; ".join(f"{qid} ({why})" for qid, why in left_out))
    return GiftExport(text="\n".join(header) + "\n\n" + "\n\n".join(blocks) + "\n",
                      left_out=left_out)


def question_json(q: Question) -> dict[str, Any]:
    """One question in the site JSON shape."""
    item: dict[str, Any] = {
        "id": q.id, "type": q.type, "stem": q.stem, "topic": q.topic,
        "comparison": q.comparison, "difficulty": q.difficulty, "domains": dict(q.domains),
        "explanation": q.explanation,
        "source": list(q.sources), "verified": q.verified or None, "lesson": q.lesson or None,
    }
    if q.type in OPTION_TYPES:
        item["options"] = [{"text": o.text, "correct": o.correct, "why": o.why}
                           for o in q.options]
    if q.type == "multiple":
        item["choose"] = q.choose
    if q.type == "matching":
        item["pairs"] = [{"item": p.item, "match": p.match, "why": p.why} for p in q.pairs]
    if q.type == "ordering":
        item["steps"] = [{"text": s.text, "why": s.why} for s in q.steps]
    return item


def site_json(bank: Bank | None = None) -> dict[str, Any]:
    """The docs site's quiz data (schema: content/quizzes/JSON-FORMAT.md)."""
    bank = bank or load_bank()
    return {
        "version": SITE_JSON_VERSION,
        "topics": {t.id: {"title": t.title, "lesson": t.lesson}
                   for t in bank.catalog.topics.values()},
        "comparisons": dict(bank.catalog.comparisons),
        "questions": [question_json(q) for q in bank.questions],
    }
