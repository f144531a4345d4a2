"""Learner code that a check runs (lab 03 calls the learner's Lambda handler) goes behind
the same walls as the submission itself.

``grader.kit.handlers.invoke`` starts the handler in a fresh ``python -I`` process; while
the grading worker runs the checks it installs ``walls_for`` here as that process's
``preexec_fn``: before ``exec`` the process joins a cgroup of its own (memory and process
ceilings), gets new mount, IPC, UTS and network namespaces (no network at all: the handler
reaches nothing), private ``/tmp``, ``/run`` and ``/dev/shm`` (its work folder bound back),
the course, every copy of the labs and the class's folders hidden, then drops to the
slot's uid with no new privileges and the seccomp filter. Without root, ``invoke`` keeps
its separate process with resource limits and a time limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.grading import hardening, isolation
from grader.grading.cgroups import Group

Preexec = Callable[[], None]


@dataclass(frozen=True)
class LearnerWalls:
    """What the walled process needs, fixed once per submission by the worker."""

    user: tuple[int, int]
    keep: list[Path]
    hide_dirs: list[Path]
    make_group: Callable[[], Group | None]  # a cgroup, made only when a handler runs
    seccomp: Any
    namespaces: bool
    groups: list[Group] = field(default_factory=list)  # to remove when the checks end

    def preexec(self, workdir: Path) -> Preexec:
        """The ``preexec_fn`` for a handler whose files are in ``workdir`` (called in the
        grading process, so its cgroup is made here)."""
        group = self.make_group()
        if group is not None:
            self.groups.append(group)

        def enter() -> None:
            import os

            if group is not None:
                group.join()
            for folder, dirs, files in os.walk(workdir):
                for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
                    os.chown(name, *self.user)
            if self.namespaces:
                isolation.unshare(isolation.CLONE_NEWNS | isolation.CLONE_NEWIPC
                                  | isolation.CLONE_NEWUTS | isolation.CLONE_NEWNET)
                isolation.mount("none", "/", None, isolation.MS_REC | isolation.MS_PRIVATE)
                isolation.set_hostname("handler")
                keep = [*self.keep, workdir]
                isolation.private_tmp(64, keep)
                isolation.hide_paths(self.hide_dirs, [], keep)
                from grader.grading.zygote import course_copies

                isolation.hide_course_copies(course_copies())
                isolation.make_traversable(keep, *self.user)
            os.chdir(os.getcwd())  # the work folder as this mount namespace shows it
            isolation.drop_privileges(*self.user)
            isolation.set_dumpable(False)
            isolation.die_with_parent()
            hardening.apply(self.seccomp)

        return enter


@contextmanager
def walled_handlers(walls: LearnerWalls | None) -> Iterator[None]:
    """While the checks run, every handler ``grader.kit.handlers`` starts is walled."""
    from grader.kit import handlers

    previous = handlers.PREEXEC
    handlers.PREEXEC = walls.preexec if walls is not None else None
    try:
        yield
    finally:
        handlers.PREEXEC = previous
        for group in walls.groups if walls is not None else []:
            group.remove()
