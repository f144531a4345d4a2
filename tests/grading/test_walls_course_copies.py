"""Class 3: every copy of the course is hidden from a submission, including the labs an
installed (non-editable) package carries in ``grader/_course`` inside a folder the
submission must still read (its ``site-packages``, bound back into the walls)."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from tests.grading.walls import attack, needs_walls

pytestmark = [pytest.mark.slow, needs_walls]


def test_an_installed_copys_solutions_are_hidden(tmp_path, monkeypatch):
    site = Path("/opt") / f"computelab-site-{secrets.token_hex(4)}" / "site-packages"
    lab = site / "grader" / "_course" / "labs" / "01-ec2-from-ami"
    try:
        lab.mkdir(parents=True)
        (lab / "solution.py").write_text("def solve(aws):\n    pass\n")
        for folder in [site.parent, *(p for p in lab.parents if site in p.parents), lab]:
            folder.chmod(0o755)
        (lab / "solution.py").chmod(0o644)
        (site / "marker.txt").write_text("the rest of site-packages stays readable")
        (site / "marker.txt").chmod(0o644)
        monkeypatch.setenv("PYTHONPATH", str(site))  # on the grader's sys.path, so kept
        code = f'''
import os
found(solution=os.path.exists({str(lab / "solution.py")!r}),
      site=os.path.exists({str(site / "marker.txt")!r}))
'''
        got = attack(tmp_path, {"snoop": code}, jobs=1)["snoop"]
    finally:
        shutil.rmtree(site.parent, ignore_errors=True)
    assert got == {"solution": False, "site": True}
