"""A built wheel carries the labs and lessons, so a non-editable install works."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(out), str(REPO)], check=True, capture_output=True)
    return next(out.glob("computelab-*.whl"))


def test_wheel_ships_labs_and_content(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "grader/_course/labs/01-ec2-from-ami/lab.toml" in names
    assert "grader/_course/content/topics.yaml" in names
    assert "grader/cli/app.py" in names


def test_installed_copy_finds_its_shipped_labs(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = ("import grader.paths, grader.labs; "
            "print(grader.paths.course_root()); print(len(grader.labs.all_labs()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True,
                         capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path),
                                                              "PATH": "/usr/bin:/bin"}).stdout
    root, count = out.split()
    assert root == str(tmp_path / "grader" / "_course")
    assert int(count) >= 1
