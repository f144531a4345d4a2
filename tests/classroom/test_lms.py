"""LMS import files: exact headers and rows as each LMS documents its import, ids from the
roster, a warning (and ComputeLab's ids) without one, and hostile text kept inert."""

from __future__ import annotations

import csv
import io

import pytest
from classkit import LAB, SPECS, partial_result

from grader.checks import zero_result
from grader.classroom.lms import lms_csv, lms_kinds, write_lms
from grader.classroom.roster import Roster
from grader.classroom.rows import Row
from grader.errors import SubmissionError

ROSTER = Roster.parse(
    "student,github_username,name,first_name,last_name,email,idnumber,Canvas ID,"
    "SIS User ID,SIS Login ID,Section,username,Student ID\n"
    "s001,alice-gh,Alice Adams,Alice,Adams,alice@uni.edu,A-1,101,sis-1,alice,CS 101 A,"
    "aadams,900001\n"
    "s002,bob-gh,\"Brown, Bob\",Bob,Brown,bob@uni.edu,A-2,102,sis-2,bob,CS 101 B,bbrown,"
    "900002\n")


def rows() -> list[Row]:
    alice = Row("s001", None, partial_result({s.name for s in SPECS}), name="Alice Adams")
    bob = Row("s002", None, zero_result(LAB.id, SPECS, "missing", "No submission found."),
              name="Brown, Bob", order=2)
    stranger = Row("eve", None, partial_result({"key_pair_created"}), order=1)
    return [alice, bob, stranger]


def parsed(text: str) -> list[list[str]]:
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text)))


def test_canvas_has_its_five_identity_columns_then_the_assignment():
    text, warnings = lms_csv("canvas", rows(), ROSTER, LAB.id, "Lab 1 (12345)")
    assert parsed(text) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 1 (12345)"],
        ["Alice Adams", "101", "sis-1", "alice", "CS 101 A", "15"],
        ["Brown, Bob", "102", "sis-2", "bob", "CS 101 B", "0"],
    ]
    assert warnings == ["canvas: not on the roster, left out (1): eve."]


def test_moodle_identifies_by_email_or_idnumber_and_carries_feedback_and_stamp():
    text, _ = lms_csv("moodle", rows(), ROSTER, LAB.id)
    table = parsed(text)
    assert table[0] == ["First name", "Last name", "ID number", "Email address",
                        "ComputeLab 01-ec2-from-ami", "ComputeLab 01-ec2-from-ami (feedback)"]
    assert table[1][:5] == ["Alice", "Adams", "A-1", "alice@uni.edu", "15"]
    stamp = rows()[0].result.stamp
    assert table[1][5] == f"15/15 passed (graded by {stamp})"
    assert table[2][:5] == ["Bob", "Brown", "A-2", "bob@uni.edu", "0"]
    assert table[2][5].startswith("0/15 missing; No submission found.")


def test_blackboard_quotes_every_cell_and_matches_on_username():
    text, _ = lms_csv("blackboard", rows(), ROSTER, LAB.id, "Lab 1 |998877")
    assert text.splitlines()[0] == ('"Last Name","First Name","Username","Student ID",'
                                    '"Lab 1 |998877"')
    assert parsed(text)[1:] == [["Adams", "Alice", "aadams", "900001", "15"],
                                ["Brown", "Bob", "bbrown", "900002", "0"]]


def test_without_a_roster_the_file_is_written_with_computelab_ids_and_a_warning(tmp_path):
    target, warnings = write_lms(tmp_path, "canvas", rows(), None, LAB.id)
    table = parsed(target.read_bytes().decode())
    assert target == tmp_path / "lms" / "canvas.csv"
    assert table[0][-1] == "ComputeLab 01-ec2-from-ami"
    assert [r[2] for r in table[1:]] == ["s001", "eve", "s002"]  # in class order
    assert warnings == ["canvas: no --roster: no LMS ids for 3 student(s) (s001, eve, s002); "
                        "their 'SIS User ID' is ComputeLab's student id: check it is the "
                        "LMS's before importing."]
    _, moodle = lms_csv("moodle", rows(), None, LAB.id)
    assert "their 'ID number' is ComputeLab's student id" in moodle[0]


def test_roster_names_split_when_there_are_no_name_columns_and_formulas_stay_text():
    roster = Roster.parse('student,name,email\ns001,"=HYPERLINK(""x"") Adams",a@x\n')
    text, _ = lms_csv("moodle", rows()[:1], roster, LAB.id)
    assert parsed(text)[1][:4] == ["'=HYPERLINK(\"x\")", "Adams", "", "a@x"]


def test_an_unknown_lms_is_a_one_line_error():
    assert lms_kinds(["Canvas", "canvas", "moodle"]) == ["canvas", "moodle"]
    with pytest.raises(SubmissionError, match="choose one of canvas, moodle, blackboard"):
        lms_kinds(["d2l"])
