"""Ship the course (labs/ and content/) inside the wheel as grader/_course.

pyproject.toml holds all metadata; this only extends build_py so a non-editable install
has the labs and lessons (grader.paths.course_root() looks there first).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

COURSE_DIRS = ("labs", "content")


class BuildWithCourse(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "grader" / "_course"
        for name in COURSE_DIRS:
            if target.joinpath(name).exists():
                shutil.rmtree(target / name)
            skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
            shutil.copytree(Path(name), target / name, ignore=skip)


setup(cmdclass={"build_py": BuildWithCourse})
