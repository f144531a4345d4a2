"""One escaping function per output sink (``grader.results``), and the renderers every
writer of ``--out`` uses, fed hostile text from submissions and rosters."""

from __future__ import annotations

import csv
import io
import re
from xml.etree import ElementTree as ET

import pytest

from grader.results import (
    CheckResult,
    LabResult,
    csv_cell,
    html_text,
    markdown_code,
    markdown_text,
    render_html_page,
    render_junit,
    render_markdown,
    xml_text,
)

NASTY = "=HYPERLINK(\"x\")\x00\x1b[2J<script>alert(1)</script>|`\n\r\t\ud800\ufffe\u202e&'\""


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("  =x", "'  =x"), ("\t=x", "' =x"), ("\r=x", "' =x"), ("\uff1d1", "'\uff1d1"),
    ("a\nb", "a b"), ("nul\x00", "nul\ufffd"), ("alice", "alice"), ("1.5", "1.5"),
    ("a=b", "a=b"), ("", ""),
])
def test_csv_cells_never_start_a_formula_and_stay_on_one_line(value, cell):
    assert csv_cell(value) == cell


def test_a_csv_row_of_hostile_cells_reads_back_as_one_row():
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([csv_cell(NASTY), csv_cell("\r\r")])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert len(rows) == 1 and rows[0][0].startswith("'=")


def test_xml_text_holds_every_character_xml_can_and_replaces_the_rest():
    every = "".join(map(chr, range(0x0, 0x250))) + "\ud800\udfff\ufffe\uffff\U0001f600"
    root = ET.Element("t", name=xml_text(every))
    root.text = xml_text(every)
    back = ET.fromstring(ET.tostring(root, encoding="unicode"))
    assert back.text is not None and "\U0001f600" in back.text and "<" in back.text
    assert "\x00" not in back.text and "\ufffe" not in back.text


def test_html_and_markdown_text_cannot_open_a_tag_or_a_cell():
    assert "<script" not in html_text(NASTY) and "&lt;script&gt;" in html_text(NASTY)
    line = markdown_text(NASTY)
    assert "\n" not in line and "<" not in line
    assert re.search(r"(?<!\\)[|`]", line) is None  # every pipe and backtick escaped
    assert markdown_code("a ``b`` |c") == "```a ``b`` \\|c```"


def nasty_result() -> LabResult:
    return LabResult("01", [CheckResult("k", NASTY, 0, 2, "failed", NASTY, NASTY),
                            CheckResult("g", "ok", 1, 1, "passed", "Done.")], output=NASTY)


def test_renderers_stay_well_formed_with_hostile_text():
    result = nasty_result()
    ET.fromstring(render_junit("01", [(NASTY, result, 1.0)]))
    page = render_html_page(result, NASTY)
    assert "<script>" not in page and "\x1b" not in page
    table = [line for line in render_markdown(result, NASTY).splitlines()
             if line.startswith("| ")]
    assert all(len(re.findall(r"(?<!\\)\|", line)) == 5 for line in table), table
