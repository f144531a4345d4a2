"""Scale-out: shards split a class (submitters and non-submitters) into disjoint slices,
merge joins them into what one run gives, refuses what would make a gradebook lie, and a
late regrade keeps the rest of the class."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from classkit import LAB, untimed, write

from grader.classroom import grade_class
from grader.classroom.merge import merge
from grader.classroom.shards import Shard, shard_of
from grader.errors import SubmissionError

STUDENTS = [f"s{i:02d}" for i in range(14)]


@pytest.fixture
def klass(tmp_path):
    """14 roster students: 10 submit (half solved), one folder is broken, 3 do not submit;
    plus one submission nobody on the roster owns."""
    subs = tmp_path / "class"
    for n, student in enumerate(STUDENTS[:10]):
        write(subs / f"lab-01-{student}.ipynb", "solved" if n % 2 else "half")
    write(subs / f"lab-01-{STUDENTS[10]}" / "notes.md")
    write(subs / "stranger.ipynb", "solved")
    roster = write(tmp_path / "roster.csv", "student,github_username,name\n" + "".join(
        f"{s},{s},Name {s}\n" for s in STUDENTS))
    return subs, roster


def grade(subs: Path, roster: Path, out: Path, shard: str = ""):
    return grade_class(LAB, [subs], out, roster=roster, prefix="lab-01-",
                       shard=Shard.parse(shard) if shard else None)


def test_shard_spec_is_checked_with_a_one_line_reason():
    assert Shard.parse(" 2 / 4 ") == Shard(2, 4) and str(Shard(2, 4)) == "2/4"
    for text, reason in (("0/4", "1-based"), ("5/4", "between 1 and 4"), ("a", "I/N"),
                         ("1/0", "N must be")):
        with pytest.raises(SubmissionError, match=reason):
            Shard.parse(text)


def test_every_student_is_in_exactly_one_shard_whatever_n():
    names = [f"student-{i}" for i in range(300)] + ["Alice", "名前", "José García"]
    for n in (1, 2, 3, 7):
        owners = [[i for i in range(1, n + 1) if Shard(i, n).holds(s)] for s in names]
        assert all(len(o) == 1 for o in owners)
    assert shard_of("Alice", 5) == shard_of("alice", 5)  # one folder per id, one shard
    assert all(len([s for s in names if shard_of(s, 3) == i]) > 60 for i in (1, 2, 3))


def test_shards_merged_equal_one_unsharded_run(tmp_path, klass, fake_engine):
    subs, roster = klass
    whole = grade(subs, roster, tmp_path / "whole")
    parts = [tmp_path / f"part{i}" for i in (1, 2, 3)]
    shard_rows = [grade(subs, roster, part, f"{i}/3").rows for i, part in enumerate(parts, 1)]
    students = [r.student for rows in shard_rows for r in rows]
    assert sorted(students) == sorted(r.student for r in whole.rows)  # each exactly once
    assert all(rows for rows in shard_rows)
    missing = {r.student for r in whole.rows if r.result.status == "missing"}
    assert missing == set(STUDENTS[11:])  # non-submitters are in some shard too
    merged = merge(parts, tmp_path / "merged")
    assert [r.student for r in merged.rows] == [r.student for r in whole.rows]
    assert untimed(tmp_path / "merged") == untimed(tmp_path / "whole")


def test_merging_again_changes_nothing(tmp_path, klass, fake_engine):
    subs, roster = klass
    parts = [tmp_path / f"part{i}" for i in (1, 2)]
    for i, part in enumerate(parts, 1):
        grade(subs, roster, part, f"{i}/2")
    merge(parts, tmp_path / "merged")
    first = {p: p.read_bytes() for p in (tmp_path / "merged").rglob("*") if p.is_file()}
    merge(parts, tmp_path / "merged")
    assert {p: p.read_bytes() for p in (tmp_path / "merged").rglob("*")
            if p.is_file()} == first


def test_merge_refuses_overlaps_mixed_splits_and_mixed_stamps(tmp_path, klass, fake_engine):
    subs, roster = klass
    one, two = tmp_path / "one", tmp_path / "two"
    grade(subs, roster, one, "1/2")
    grade(subs, roster, two, "2/2")
    with pytest.raises(SubmissionError, match="Shard 1/2 is given twice"):
        merge([one, one], tmp_path / "m")
    whole, solo = tmp_path / "whole", tmp_path / "solo"
    grade(subs, roster, whole)
    grade_class(LAB, [subs / "stranger.ipynb"], solo)
    with pytest.raises(SubmissionError, match="'stranger' is in whole and in solo: shards "
                       "must not overlap"):
        merge([whole, solo], tmp_path / "m")
    with pytest.raises(SubmissionError, match="different shard counts"):
        merge([whole, one], tmp_path / "m")
    third = tmp_path / "third"
    grade(subs, roster, third, "1/3")
    with pytest.raises(SubmissionError, match="different shard counts"):
        merge([one, third], tmp_path / "m")
    data = json.loads((two / "rows.json").read_text())
    data["rows"][0]["result"]["stamp"] = "computelab 0.0.9, checks 000000000000"
    (two / "rows.json").write_text(json.dumps(data))
    with pytest.raises(SubmissionError, match="different ComputeLab versions or checks"):
        merge([one, two], tmp_path / "m")
    with pytest.raises(SubmissionError, match="no rows.json"):
        merge([tmp_path / "class"], tmp_path / "m")
    with pytest.raises(SubmissionError, match="is one of the shards"):
        merge([one], one)
    assert not (tmp_path / "m").exists()


def test_merge_warns_about_shards_not_given(tmp_path, klass, fake_engine):
    subs, roster = klass
    grade(subs, roster, tmp_path / "one", "1/3")
    merged = merge([tmp_path / "one"], tmp_path / "m")
    assert merged.warnings == ["shards not given, their students have no rows: 2/3, 3/3."]


def test_a_shard_folder_takes_only_its_own_shard(tmp_path, klass, fake_engine):
    subs, roster = klass
    grade(subs, roster, tmp_path / "one", "1/2")
    with pytest.raises(SubmissionError, match="holds shard 1/2 of 01-ec2-from-ami"):
        grade(subs, roster, tmp_path / "one", "2/2")
    with pytest.raises(SubmissionError, match="its own --out"):
        grade(subs, roster, tmp_path / "one")


def test_a_late_regrade_joins_the_gradebook_without_losing_rows(tmp_path, klass, fake_engine):
    subs, roster = klass
    out = tmp_path / "out"
    first = grade(subs, roster, out)
    late = write(tmp_path / "late" / f"lab-01-{STUDENTS[12]}.ipynb", "solved")
    again = grade_class(LAB, [late], out, roster=roster, prefix="lab-01-")
    assert fake_engine[-1] == [late.name]
    rows = {r.student: r for r in again.rows}
    assert set(rows) == {r.student for r in first.rows}
    assert rows[STUDENTS[12]].result.status == "passed"
    assert rows[STUDENTS[1]].result.status == "passed"  # not "missing" from this run
    book = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert len(book) == len(first.rows)
    assert {b["graded_by"] for b in book} == {first.rows[0].result.stamp}
