"""Properties of a whole batch, for random names, rosters and messages (hypothesis).

Submissions are random file and folder names (any Unicode, spaces, case, undecodable
bytes), a random roster may claim them, and a tiny fake engine answers with random check
messages. Whatever is drawn: one row per submission, ids unique (also as a
case-insensitive file system sees them) and the same on a rerun, every output parses
(CSV, JUnit XML, JSON, HTML), and no CSV cell starts like a spreadsheet formula.
Examples are derandomized so the test is the same on every run.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.checks import zero_result
from grader.classroom import batch, grade_class
from grader.classroom.submissions import is_junk
from grader.grading import Graded
from grader.labs import find_lab
from grader.results import Status, single_line, terminal_text

LAB = find_lab("01")
SPECS = LAB.checks()
FORMULA = ("=", "+", "-", "@", "\t", "\r")
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
FAST = settings(SETTINGS, max_examples=8)  # make test-fast: a few seconds
THOROUGH = settings(SETTINGS, max_examples=150)

text = st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=24)


def _fits(name: str) -> bool:
    raw = os.fsencode(name)
    return bool(name) and "/" not in name and b"\0" not in raw and len(raw) < 200 \
        and not is_junk(name) and name not in (".", "..")


file_names = st.one_of(text, st.binary(min_size=1, max_size=24).map(os.fsdecode)).filter(_fits)
entries = st.lists(st.tuples(file_names, st.booleans()), min_size=1, max_size=8,
                   unique_by=lambda e: os.fsencode(e[0]))
rosters = st.one_of(st.none(), st.lists(st.tuples(text, text, text), max_size=8))


def fake_engine(messages: list[str]):
    def grade_iter(lab, paths, limits=None, jobs=None, hide=None, on_ready=None, **_):
        for index, _ in enumerate(paths):
            note = messages[index % len(messages)] if messages else ""
            result = zero_result(LAB.id, SPECS, Status.FAILED, note)
            for number, t in enumerate(result.tests):
                t.output = messages[number % len(messages)] if messages else ""
                t.hint = note
            yield Graded(index, result, 0.5)
    return grade_iter


def make_class(folder: Path, drawn: list[tuple[str, bool]]) -> int:
    """Files and folders named as drawn; each folder holds a lab.ipynb."""
    for name, is_folder in drawn:
        if is_folder:
            target = Path(os.fsdecode(os.fsencode(folder / name)))
            target.mkdir()
            (target / "lab.ipynb").write_text("{}")
        else:
            Path(os.fsdecode(os.fsencode(folder / f"{name}.ipynb"))).write_text("{}")
    return len(drawn)


def write_roster(path: Path, rows: list[tuple[str, str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "login", "name"])
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", errors="surrogatepass")


def check_outputs(out: Path) -> list[str]:
    """Parse every output; return the gradebook's student column."""
    table = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert all(len(row) == len(table[0]) for row in table)
    for row in table:
        for cell in row:
            assert not cell.lstrip(" ").startswith(FORMULA), cell
    ET.parse(out / "junit.xml")
    for folder in (out / "students").iterdir():
        for name in ("results.json", "record.json"):
            json.loads((folder / name).read_text(encoding="utf-8"))
        HTMLParser().feed((folder / "feedback.html").read_text(encoding="utf-8"))
        markdown = (folder / "feedback.md").read_text(encoding="utf-8")
        assert "<script" not in markdown.lower()
    return [row[0] for row in table[1:]]


def one_class(drawn, roster, messages, prefix) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch, "grade_iter", fake_engine(messages))
        root = Path(tmp)
        (root / "class").mkdir()
        count = make_class(root / "class", drawn)
        roster_path = None
        if roster is not None:
            roster_path = root / "roster.csv"
            write_roster(roster_path, roster)
        report = grade_class(LAB, [root / "class"], root / "out", roster=roster_path,
                             prefix=prefix)
        handed_in = [r for r in report.rows if r.result.status != Status.MISSING]
        assert len(handed_in) == count
        ids = [r.student for r in report.rows]
        keys = {unicodedata.normalize("NFC", i).casefold() for i in ids}
        assert len(set(ids)) == len(ids) == len(keys)
        assert check_outputs(root / "out") == [
            i if not i.startswith(FORMULA) else "'" + i for i in ids]
        again = grade_class(LAB, [root / "class"], root / "out", roster=roster_path,
                            prefix=prefix)
        assert [r.student for r in again.rows] == ids  # stable: a rerun finds the same ids
        assert again.graded == 0
        for line in report.warnings:
            assert "\n" not in single_line(line)
            terminal_text(line)


CLASSES = {"drawn": entries, "roster": rosters, "messages": st.lists(text, max_size=4),
           "prefix": st.sampled_from(["", "lab-01-"])}


@FAST
@given(**CLASSES)
def test_any_class_gets_one_row_per_submission_and_well_formed_outputs(
        drawn, roster, messages, prefix):
    one_class(drawn, roster, messages, prefix)


@pytest.mark.slow
@THOROUGH
@given(**CLASSES)
def test_many_classes_get_one_row_per_submission_and_well_formed_outputs(
        drawn, roster, messages, prefix):
    one_class(drawn, roster, messages, prefix)


@SETTINGS
@given(value=st.one_of(st.text(), st.text("\\[]/ab@#=\x1b\n")))
def test_terminal_text_shows_exactly_the_text_in_rich(value):
    """Whatever follows it in the markup (the CLI's ``[yellow]warning:[/] ...``) stays
    markup, and the text shows as itself, on one line, without control characters."""
    from rich.text import Text

    shown = Text.from_markup(f"[bold]{terminal_text(value)}[/bold]!", emoji=False).plain
    assert shown == single_line(value) + "!"
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in shown)
