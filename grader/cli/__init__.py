"""The ``computelab`` command line (the console script is ``grader.cli:main``).

``root`` builds the app and registers each group explicitly (a command loads only its
group): ``labs`` (learner and author commands),
``classroom`` (grade, gradescope) and ``quiz`` (quiz, exam, progress); every command goes
through the one error wrapper in ``errors``.
"""

from typing import Any

from grader.cli.root import build_app, main

__all__ = ["app", "build_app", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":  # built on demand, so `computelab labs` imports only what it needs
        return build_app()
    raise AttributeError(name)
