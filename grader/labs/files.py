"""The one allow-list of lab files that may leave the course: learners and graders use it.

A learner gets the notebook and the data files lab.toml declares in ``learner_files``;
grading also needs lab.toml and checks.py. Anything else in a lab folder (the solution,
an author's notes) reaches nobody, whatever its name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.labs.model import Lab

NOTEBOOK = "lab.ipynb"
GRADING_FILES = ("lab.toml", "checks.py")
MAX_DATA_FILE_BYTES = 10 * 1024 * 1024


def learner_data_files(lab: Lab) -> list[Path]:
    """The declared data files (price tables, sample events...) the notebook may read."""
    return [lab.path / name for name in lab.learner_files]


def learner_files(lab: Lab) -> list[Path]:
    """What a learner's workspace gets from the lab: the notebook and its data files."""
    return [lab.path / NOTEBOOK, *learner_data_files(lab)]


def grading_files(lab: Lab) -> list[Path]:
    """What a grading bundle carries of the lab: the learner's files plus metadata and checks."""
    return [*(lab.path / name for name in GRADING_FILES), *learner_files(lab)]


def copy_learner_data(lab: Lab, target_dir: Path) -> None:
    """Put the lab's data files next to a learner's notebook."""
    for item in learner_data_files(lab):
        shutil.copyfile(item, target_dir / item.name)


def read_learner_data(lab: Lab) -> dict[str, bytes]:
    """The data files by name, for a submission's working directory (size-capped)."""
    return {item.name: item.read_bytes() for item in learner_data_files(lab)
            if item.stat().st_size <= MAX_DATA_FILE_BYTES}


def copy_grading_files(lab: Lab, target_dir: Path) -> None:
    """Copy exactly the grading files into ``target_dir`` (created)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    for item in grading_files(lab):
        if item.is_file():
            shutil.copyfile(item, target_dir / item.name)
