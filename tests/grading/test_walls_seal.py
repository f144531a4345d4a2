"""Forged results are detectable: every stored grade carries a MAC under a key kept in
ComputeLab's data folder, outside ``--out``. A record edited (or written) by anyone without
the key is not trusted: a rerun grades that student again."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.grading import seal
from grader.paths import data_dir
from tests.grading.walls import LAB


def test_a_signed_record_verifies_and_any_change_breaks_it():
    record = seal.sign({"student": "alice", "result": {"score": 3}})
    assert seal.verify(record)
    assert not seal.verify({**record, "result": {"score": 15}})
    assert not seal.verify({k: v for k, v in record.items() if k != "mac"})
    assert not seal.verify({**record, "mac": "0" * 64})


def test_the_key_is_private_and_in_the_data_folder(tmp_path):
    seal.sign({"x": 1})
    key = seal.key_path()
    assert key.parent == data_dir() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) == 32


@pytest.mark.slow
def test_a_forged_full_marks_record_is_graded_again(tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    (subs / "mallory.py").write_text("print('nothing')\n")
    out = tmp_path / "out"
    first = CliRunner().invoke(app, ["grade", LAB.id, str(subs), "--out", str(out), "--json"])
    assert first.exit_code == 0, first.output
    record_file = out / "students" / "mallory" / "record.json"
    record = json.loads(record_file.read_text())
    assert json.loads(first.output)[0]["score"] == 0 and seal.verify(record)
    forged = dict(record)
    forged["result"] = {**record["result"], "score": 15.0,
                        "tests": [{**t, "score": t["max_score"], "status": "passed"}
                                  for t in record["result"]["tests"]]}
    record_file.write_text(json.dumps(forged))
    again = CliRunner().invoke(app, ["grade", LAB.id, str(subs), "--out", str(out), "--json"])
    assert again.exit_code == 0, again.output
    row = json.loads(again.output)[0]
    assert row["score"] == 0 and row["skipped"] is False
