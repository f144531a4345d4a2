"""Export the banks as an Anki package (``.apkg``) with genanki.

Anki recognises what it already has by ids, so every id here is derived, never random:

- the note type ("ComputeLab question") has a fixed id and fixed fields, so every export
  uses the same note type;
- each topic is a deck ``ComputeLab::<topic title>`` whose id comes from the topic id;
- each note's GUID comes from the question id, so importing a newer export updates the
  notes already in the collection (and keeps their review history) instead of adding
  duplicates.

Options are shown in a fixed shuffle seeded by the question id (a bank often lists the
right option first), lettered as in the terminal. The back gives the right answer, then
every option (or pair, or step) with why it is right or wrong, the explanation and where
to read more. Tags: ``computelab``, ``computelab::topic::<id>``,
``computelab::<exam>::<domain>`` for every exam domain, the type and the difficulty.
"""

from __future__ import annotations

import html
import random
import zlib
from dataclasses import dataclass
from pathlib import Path

from grader.quiz.model import OPTION_TYPES, Bank, Question
from grader.quiz.present import Presented, format_reply, instruction, key, present
from grader.quiz.provenance import read_more

MODEL_NAME = "ComputeLab question"
DECK_ROOT = "ComputeLab"
FIELDS = ("Question", "Answer", "Explained", "Explanation", "ReadMore", "Id")
FRONT = '<div class="cl-stem">{{Question}}</div>'
BACK = ('{{FrontSide}}<hr id="answer"><div class="cl-answer">{{Answer}}</div>'
        '{{Explained}}<p class="cl-explanation">{{Explanation}}</p>'
        '<div class="cl-readmore">{{ReadMore}}</div><p class="cl-id">{{Id}}</p>')
CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; }
.cl-instruction, .cl-id, .cl-readmore { color: #555; font-size: 0.85em; }
.nightMode .cl-instruction, .nightMode .cl-id, .nightMode .cl-readmore { color: #bbb; }
.cl-answer { font-weight: bold; }
.cl-right { color: #1b5e20; } .nightMode .cl-right { color: #81c784; }
.cl-wrong { color: #b71c1c; } .nightMode .cl-wrong { color: #ef9a9a; }
"""


def stable_id(name: str) -> int:
    """An id in the range Anki and genanki use (2**30 to 2**31), the same every export."""
    return (1 << 30) + zlib.crc32(name.encode("utf-8")) % (1 << 30)


MODEL_ID = stable_id("computelab:model:question:v1")


def deck_id(topic_id: str) -> int:
    return stable_id(f"computelab:deck:{topic_id}")


def tags(q: Question) -> list[str]:
    """Anki tags (no spaces; ``::`` makes a hierarchy in Anki's browser)."""
    found = ["computelab", f"computelab::topic::{q.topic}", f"computelab::type::{q.type}",
             f"computelab::difficulty::{q.difficulty}"]
    found += [f"computelab::{exam}::{domain}" for exam, domain in sorted(q.domains.items())]
    return [t.replace(" ", "_") for t in found]


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _list(items: list[str], tag: str = "ul") -> str:
    return f"<{tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"


def layout(q: Question) -> Presented:
    """The fixed presentation of a question in Anki (seeded by its id)."""
    return present(q, random.Random(f"anki:{q.id}"))


def front(shown: Presented) -> str:
    q = shown.question
    parts = [_e(q.stem), f'<p class="cl-instruction">({_e(instruction(shown))})</p>']
    if q.type in OPTION_TYPES:
        parts.append(_list([f"{letter}) {_e(text)}" for letter, text in shown.shown_options]))
    elif q.type == "matching":
        parts.append("Items:" + _list([_e(p.item) for p in q.pairs], "ol"))
        parts.append("Matches:" + _list([f"{letter}) {_e(text)}"
                                          for letter, text in shown.shown_matches]))
    else:
        parts.append("Steps:" + _list([f"{n}. {_e(text)}" for n, text in shown.shown_steps]))
    return "".join(parts)


def _mark(correct: bool) -> str:
    return '<span class="cl-right">✔ right</span>' if correct \
        else '<span class="cl-wrong">✘ wrong</span>'


def explained(shown: Presented) -> str:
    """Every option (or pair, or step) with why it is right or wrong."""
    q = shown.question
    if q.type in OPTION_TYPES:
        rows = []
        for letter, i in sorted((shown.letter(i), i) for i in range(len(q.options))):
            o = q.options[i]
            rows.append(f"{_mark(o.correct)} {letter}) {_e(o.text)}: {_e(o.why)}")
        return _list(rows)
    if q.type == "matching":
        return _list([f"{_e(p.item)} → {_e(p.match)}: {_e(p.why)}" for p in q.pairs])
    return _list([f"{_e(s.text)}: {_e(s.why)}" for s in q.steps], "ol")


def _read_more(q: Question) -> str:
    lines = read_more(q)
    if not lines:
        return ""
    checked = f" (checked {q.verified})" if q.verified else ""
    items = [f'<a href="{html.escape(line)}">{_e(line)}</a>' if line.startswith("http")
             else _e(line) for line in lines]
    return f"Read more{checked}:" + _list(items)


def fields(q: Question) -> list[str]:
    """The note's fields, in :data:`FIELDS` order."""
    shown = layout(q)
    answer = f"Answer: {_e(format_reply(shown, key(q)))}"
    return [front(shown), answer, explained(shown), _e(q.explanation), _read_more(q), _e(q.id)]


@dataclass(frozen=True)
class AnkiExport:
    notes: int
    decks: int


def write_apkg(bank: Bank, path: Path) -> AnkiExport:
    """Write every bank question (generated variants are not in banks) to ``path``."""
    import genanki  # imported here: only this export needs it

    model = genanki.Model(
        MODEL_ID, MODEL_NAME, fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Question", "qfmt": FRONT, "afmt": BACK}], css=CSS)
    decks: dict[str, genanki.Deck] = {}
    count = 0
    for q in sorted(bank.questions, key=lambda q: (q.topic, q.id)):
        topic = bank.catalog.topics.get(q.topic)
        title = topic.title if topic else q.topic
        deck = decks.setdefault(q.topic, genanki.Deck(deck_id(q.topic),
                                                      f"{DECK_ROOT}::{title}"))
        deck.add_note(genanki.Note(model=model, fields=fields(q), tags=tags(q),
                                   guid=genanki.guid_for("computelab", q.id)))
        count += 1
    genanki.Package(list(decks.values())).write_to_file(str(path))
    return AnkiExport(notes=count, decks=len(decks))
