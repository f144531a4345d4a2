"""Gradescope autograder bundle: build it, and the code ``run_autograder`` calls.

The bundle (a zip Gradescope unpacks into ``/autograder/source``)::

    setup.sh            once per image: Python >= 3.11, a venv, ComputeLab from the wheel
                        (its dependencies from PyPI; the wheel carries only each lab's
                        grading files), source folder readable by root only
    run_autograder      per submission: python -m grader.classroom.gradescope
    config.json         lab id and limits
    labs/<lab>/         lab.toml, checks.py, lab.ipynb and declared learner files (the
                        allow-list in grader.labs.files; never a solution or notes)
    overlay/<lab>/      checks.py: the instructor-only checks, with --checks-overlay
                        (grader.labs.overlay; root-only like the rest of the source)
    course.toml         with --course: per-student variants; the student id is the email
                        Gradescope writes in /autograder/submission_metadata.json
    wheels/computelab-*.whl

``run_autograder`` grades the notebook (or script) in ``/autograder/submission`` and writes
``/autograder/results/results.json``. ``COMPUTELAB_AUTOGRADER_ROOT`` moves ``/autograder``
(the tests run it against a fake tree) and ``COMPUTELAB_PYTHON`` picks the interpreter.
The labs in the bundle are found through ``COMPUTELAB_LABS_DIR`` (set by run_autograder),
not through the copy of the course inside the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from grader.checks import checks_stamp, zero_result
from grader.classroom.submissions import pick_notebook
from grader.errors import ComputeLabError, SubmissionError
from grader.grading import Limits, grade_iter
from grader.labs import Lab, all_labs, find_lab
from grader.labs.course import read_course
from grader.labs.files import copy_grading_files
from grader.labs.overlay import grading_checks, overlay_file
from grader.labs.schema import SCHEMA_FILE, schema_path
from grader.paths import PACKAGE_DIR
from grader.results import Status, gradescope_results

ROOT_ENV = "COMPUTELAB_AUTOGRADER_ROOT"

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (as root).
set -euo pipefail
SOURCE=/autograder/source
VENV=/autograder/venv
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
        'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
        PY="$candidate"; break
    fi
done
if [ -z "$PY" ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3.11 python3.11-venv
    PY=python3.11
fi
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
"$VENV/bin/python" -m pip install "$SOURCE"/wheels/computelab-*.whl
chmod -R a+rX "$VENV"
chmod 755 /autograder
chmod -R go-rwx "$SOURCE"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission (as root).
set -uo pipefail
ROOT="${COMPUTELAB_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${COMPUTELAB_PYTHON:-$ROOT/venv/bin/python}"
export COMPUTELAB_AUTOGRADER_ROOT="$ROOT"
export COMPUTELAB_LABS_DIR="$ROOT/source/labs"
export COMPUTELAB_HOME="${COMPUTELAB_HOME:-$(mktemp -d)}"
exec "$PYTHON" -m grader.classroom.gradescope
"""


def _wheel(target: Path) -> Path:
    """Build ComputeLab's wheel from the source checkout (offline: no dependencies)."""
    source = PACKAGE_DIR.parent
    if not (source / "pyproject.toml").is_file():
        raise ComputeLabError(
            "Build the Gradescope bundle from a source checkout of ComputeLab "
            "(the wheel is built from it).")
    # Build from a copy of just what the wheel needs, so the checkout gets no build/ folder.
    tree = target.parent / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "_course")
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "MANIFEST.in"):
        if (source / name).is_file():
            tree.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, tree / name)
    for name in ("grader", "content"):
        if (source / name).is_dir():
            shutil.copytree(source / name, tree / name, ignore=skip)
    copy_course_labs(source / "labs", tree / "labs")
    command = [sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "-q",
               "-w", str(target)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise ComputeLabError("Could not build ComputeLab's wheel: "
                              + (done.stderr.strip().splitlines() or ["pip failed"])[-1])
    wheels = sorted(target.glob("computelab-*.whl"))
    if not wheels:
        raise ComputeLabError("pip wheel produced no computelab wheel.")
    return wheels[-1]


def copy_course_labs(source: Path, target: Path) -> None:
    """The labs as graders get them: the schema and each lab's grading files, nothing else."""
    target.mkdir(parents=True, exist_ok=True)
    schema = source / SCHEMA_FILE if (source / SCHEMA_FILE).is_file() else schema_path()
    shutil.copy2(schema, target / SCHEMA_FILE)
    for lab in all_labs(source):
        copy_grading_files(lab, target / lab.id)


OVERLAY = "overlay"
COURSE = "course.toml"


def build_bundle(lab: Lab, out: Path, timeout: float = 120.0, memory_mb: int = 2048,
                 wheel: Path | None = None, overlay: Path | None = None,
                 course: Path | None = None) -> Path:
    """Write the autograder zip for ``lab`` to ``out`` (with ``overlay``'s instructor-only
    checks for it, and ``course``'s variants)."""
    grading_checks(lab, overlay)  # a broken overlay or course fails here, not on Gradescope
    if course is not None:
        read_course(course)
    with tempfile.TemporaryDirectory(prefix="computelab-bundle-") as tmp:
        staging = Path(tmp)
        built = wheel or _wheel(staging / "wheels")
        copy_grading_files(lab, staging / "labs" / lab.id)
        config: dict[str, object] = {"lab": lab.id, "timeout": timeout,
                                     "memory_mb": memory_mb}
        if overlay is not None:
            target = overlay_file(staging / OVERLAY, lab)
            target.parent.mkdir(parents=True)
            shutil.copyfile(overlay_file(overlay, lab), target)
            config["overlay"] = OVERLAY
        if course is not None:
            shutil.copyfile(course, staging / COURSE)
            config["course"] = COURSE
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER),
                               ("config.json", json.dumps(config, indent=2) + "\n")):
                info = zipfile.ZipInfo(name)
                info.external_attr = (0o755 if name != "config.json" else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, text)
            bundle.write(built, f"wheels/{built.name}")
            for path in sorted([*(staging / "labs").rglob("*"), *(staging / OVERLAY).rglob("*"),
                                *staging.glob(COURSE)]):
                if path.is_file():
                    bundle.write(path, path.relative_to(staging).as_posix())
    return out


def autograde(root: Path) -> dict[str, object]:
    """Grade ``root/submission`` and write ``root/results/results.json``; return it."""
    source = root / "source"
    config = json.loads((source / "config.json").read_text())
    lab = find_lab(config["lab"], root=source / "labs")
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chmod(results_dir, 0o700)
    overlay = source / config["overlay"] if config.get("overlay") else None
    specs = grading_checks(lab, overlay)
    values = student_values(root, lab, source / config["course"] if config.get("course")
                            else None)
    submission = root / "submission"
    path, problem = (pick_notebook(submission, lab) if submission.is_dir()
                     else (None, "Nothing was submitted."))
    if path is None:
        result = zero_result(lab.id, specs, Status.ERROR,
                             problem.replace(f"{submission.name}/ holds", "Your submission has"),
                             values)
    else:
        limits = Limits(timeout=float(config.get("timeout", 120)),
                        memory_mb=int(config.get("memory_mb", 2048)))
        try:
            result = [g.result for g in grade_iter(lab, [path], limits, jobs=1,
                                                   hide=[results_dir], overlay=overlay,
                                                   params=[values])][0]
            result.stamp = result.stamp or checks_stamp(lab.checks())
        except SubmissionError as exc:
            result = zero_result(lab.id, specs, Status.ERROR, str(exc), values)
    data = gradescope_results(result)
    tmp = results_dir / ".results.json.tmp"
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, results_dir / "results.json")
    return data


def student_values(root: Path, lab: Lab, course: Path | None) -> dict[str, Any]:
    """The submitter's values: from their email in Gradescope's submission metadata
    (the first user of a group submission), the defaults without variants."""
    if course is None:
        return lab.defaults
    try:
        users = json.loads((root / "submission_metadata.json").read_text())["users"]
        email = str(users[0]["email"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        email = ""
    return read_course(course).values(lab, email or None)


def main() -> None:
    autograde(Path(os.environ.get(ROOT_ENV, "/autograder")))


if __name__ == "__main__":
    main()
