"""The Anki export: a real .apkg opened as Anki opens it (a zip holding a SQLite
collection), with ids that stay the same from one export to the next."""

from __future__ import annotations

import dataclasses
import html
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from grader.quiz import anki
from grader.quiz.bank import load_bank
from grader.quiz.model import Bank

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quiz"


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank(FIXTURES)


def collection(apkg: Path, tmp: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as z:
        z.extract("collection.anki2", tmp)
    conn = sqlite3.connect(tmp / "collection.anki2")
    conn.row_factory = sqlite3.Row
    return conn


def export(bank: Bank, tmp: Path, name: str) -> sqlite3.Connection:
    folder = tmp / name
    folder.mkdir()
    anki.write_apkg(bank, folder / "out.apkg")
    return collection(folder / "out.apkg", folder)


def notes(conn: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    """Notes by question id (the last field)."""
    return {r["flds"].split("\x1f")[-1]: r for r in conn.execute("SELECT * FROM notes")}


def test_ids_are_derived_so_a_re_export_updates_instead_of_duplicating(bank, tmp_path):
    first, second = export(bank, tmp_path, "a"), export(bank, tmp_path, "b")
    a, b = notes(first), notes(second)
    assert set(a) == {q.id for q in bank.questions}
    assert {k: r["guid"] for k, r in a.items()} == {k: r["guid"] for k, r in b.items()}
    assert len({r["guid"] for r in a.values()}) == len(a)
    assert {r["mid"] for r in a.values()} == {anki.MODEL_ID}
    models = json.loads(first.execute("SELECT models FROM col").fetchone()[0])
    assert anki.MODEL_ID in {int(k) for k in models}
    decks = json.loads(first.execute("SELECT decks FROM col").fetchone()[0])
    named = {d["name"]: int(k) for k, d in decks.items()}
    assert named["ComputeLab::Alpha service"] == anki.deck_id("alpha")
    assert decks == json.loads(second.execute("SELECT decks FROM col").fetchone()[0])
    # a corrected question keeps its note: new text, same GUID
    q = bank.get("fx-single-1")
    fixed = dataclasses.replace(q, explanation="A corrected explanation.")
    edited = dataclasses.replace(bank, questions=[fixed if x.id == q.id else x
                                                  for x in bank.questions])
    c = notes(export(edited, tmp_path, "c"))
    assert c[q.id]["guid"] == a[q.id]["guid"]
    assert "A corrected explanation." in c[q.id]["flds"]


def test_tags_per_topic_and_exam_domain(bank, tmp_path):
    rows = notes(export(bank, tmp_path, "t"))
    for q in bank.questions:
        tags = set(rows[q.id]["tags"].split())
        assert {"computelab", f"computelab::topic::{q.topic}"} <= tags
        assert {f"computelab::{e}::{d}" for e, d in q.domains.items()} <= tags
        assert not any(" " in t for t in tags)


def test_the_back_explains_every_option_and_the_front_gives_nothing_away(bank, tmp_path):
    rows = notes(export(bank, tmp_path, "f"))
    for q in bank.questions:
        front, answer, explained, explanation, more, qid = rows[q.id]["flds"].split("\x1f")
        assert qid == q.id and html.unescape(explanation) == q.explanation
        assert answer.startswith("Answer: ")
        assert "✔" not in front and "why" not in front
        whys = [o.why for o in q.options] + [p.why for p in q.pairs] + [s.why for s in q.steps]
        for why in whys:
            assert html.escape(why, quote=False) in explained
        if q.sources:
            assert all(url in more for url in q.sources)


def test_options_are_shuffled_the_same_way_every_time(bank):
    multi = bank.get("fx-multi-1")
    assert anki.front(anki.layout(multi)) == anki.front(anki.layout(multi))
    assert anki.stable_id("x") == anki.stable_id("x") and 1 << 30 <= anki.stable_id("x") < 1 << 31
