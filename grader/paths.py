"""Where ComputeLab keeps things: the user's data directory and the shipped course files.

The data directory holds the SQLite store and the sandbox runtime file. It is the
platformdirs user data dir unless ``COMPUTELAB_HOME`` moves it (the tests do).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """Return (and create) the directory for the store and runtime files."""
    override = os.environ.get("COMPUTELAB_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir("computelab"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def course_root() -> Path:
    """The folder holding ``labs/`` and ``content/``.

    In a source checkout that is the repository root; in an installed wheel the course
    files are shipped inside the package as ``grader/_course``.
    """
    shipped = PACKAGE_DIR / "_course"
    if (shipped / "labs").is_dir():
        return shipped
    return PACKAGE_DIR.parent


def labs_dir() -> Path:
    """The folder of shipped labs (one subfolder per lab)."""
    return course_root() / "labs"


def content_dir() -> Path:
    """The folder of lessons, topics.yaml and question banks."""
    return course_root() / "content"
