"""The ``computelab`` command line (the console script is ``grader.cli:main``).

``app`` registers each group explicitly: ``labs`` (learner and author commands),
``classroom`` (grade, gradescope) and ``quiz`` (quiz, exam, progress); every command goes
through the one error wrapper in ``errors``.
"""

from grader.cli.app import app, build_app, main

__all__ = ["app", "build_app", "main"]
