"""Shards as separate `computelab grade` processes, each grading for real behind its walls,
merged: the same files as one unsharded run, timings aside."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from classkit import LAB, untimed, write

COMPUTELAB = str(Path(sys.executable).with_name("computelab"))


@pytest.mark.slow
def test_shard_processes_merged_equal_one_run(tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    shutil.copy(LAB.path / "solution.ipynb", subs / "alice.ipynb")
    shutil.copy(LAB.path / "lab.ipynb", subs / "bob.ipynb")
    write(subs / "carol.ipynb", "{not a notebook")
    roster = write(tmp_path / "roster.csv", "student\nalice\nbob\ncarol\ndan\n")
    common = ["grade", "01", str(subs), "--roster", str(roster), "--jobs", "1", "--json"]
    runs = [subprocess.Popen([COMPUTELAB, *common, "--shard", f"{i}/2", "--out",
                              str(tmp_path / f"shard{i}")], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, env=os.environ.copy())
            for i in (1, 2)]
    whole = subprocess.run([COMPUTELAB, *common, "--out", str(tmp_path / "whole")],
                           capture_output=True, text=True)
    assert whole.returncode == 0, whole.stderr
    for run in runs:
        _, errors = run.communicate(timeout=600)
        assert run.returncode == 0, errors
    merged = subprocess.run([COMPUTELAB, "merge", str(tmp_path / "shard1"),
                             str(tmp_path / "shard2"), "--out", str(tmp_path / "merged")],
                            capture_output=True, text=True)
    assert merged.returncode == 0, merged.stderr
    files = untimed(tmp_path / "merged")
    assert files == untimed(tmp_path / "whole")
    assert "alice,01-ec2-from-ami,15,15,passed" in files["gradebook.csv"]
    assert "dan,01-ec2-from-ami,0,15,missing" in files["gradebook.csv"]
