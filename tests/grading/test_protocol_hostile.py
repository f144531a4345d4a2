"""The report channel under attack: whatever a submission writes on it (deep nesting, huge
lines, bad UTF-8, wrong types, control characters) is dropped or cut to one printable
line, and the writing side never lets a report stop the submission."""

from __future__ import annotations

import json
import os

import pytest

from grader.grading.cells import Reporter, one_line
from grader.grading.protocol import MAX_REPORT_LINE, Report
from grader.grading.run import SubmissionRun, _parse_report

HOSTILE_LINES = [
    b"[" * 60_000,                               # nesting past any recursive parser
    b'{"cell": ' + b"[" * 30_000 + b"}",
    b"{" * 40_000,
    b"x" * (MAX_REPORT_LINE + 1),                # too long
    b'{"cell": 3, "error": "\xff\xfe"}',         # not UTF-8
    b'{"cell": 1' + b"0" * 5000 + b"}",          # an int past Python's digit limit
    b'{"cell": 1e999, "error": ["a"], "done": "yes", "mark": {}}',
    b'{"cell": -4, "error": null}', b'{"cell": 10000000}', b'{"cell": true}',
    b"\x00\x01\x02", b"NaN", b'"\\ud800"',
]


@pytest.mark.parametrize("line", HOSTILE_LINES, ids=range(len(HOSTILE_LINES)))
def test_a_hostile_report_line_never_raises_and_carries_no_cell(line):
    report = Report.parse(line)
    assert report is None or (report.cell is None and report.error is None
                               and report.done is False)


def test_report_text_is_one_printable_line():
    line = json.dumps({"cell": 2, "error": "\x1b[2J=cmd|' /C calc'!A0\nsecond\rthird",
                       "mark": "\u202e\x00"}).encode()
    report = Report.parse(line)
    assert report is not None and report.cell == 2
    assert report.error == "\ufffd[2J=cmd|' /C calc'!A0 second third"
    assert report.mark == "\ufffd\ufffd"


def test_the_worker_reader_survives_a_stream_of_garbage_and_keeps_good_lines():
    run = SubmissionRun()
    stream = b"\n".join([*HOSTILE_LINES, Report(cell=1).to_bytes().strip(),
                         Report(cell=1, error="KeyError: 'x'").to_bytes().strip(),
                         Report(done=True).to_bytes().strip()]) + b"\n"
    rest = b""
    for start in range(0, len(stream), 4096):  # as the pipe delivers it
        rest = _parse_report(run, rest + stream[start:start + 4096])
    assert run.done and run.errors == [(1, "KeyError: 'x'")] and run.current == 1


def test_the_reporter_survives_a_closed_pipe_and_stays_bounded():
    read, write = os.pipe()
    reporter = Reporter(write)
    reporter.send(Report(cell=1, error="e" * 100_000))
    os.close(write)
    reporter.send(Report(cell=2))  # broken pipe: reporting ends, nothing raises
    assert reporter.fd is None
    with os.fdopen(read, "rb") as f:
        assert f.read() == b""  # too long to be a report line: never sent


def test_one_line_of_an_exception_that_will_not_print():
    class Nasty(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert one_line(Nasty()) == "Nasty: (unprintable)"
