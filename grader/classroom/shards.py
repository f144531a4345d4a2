"""Which slice of a class one grading job takes (``computelab grade ... --shard i/N``).

Every student of the class (each submission's id and each roster student, submitted or
not) is in exactly one shard: shard ``1 + int(sha256(id_key(student))[:16], 16) % N``.
A hash rather than sorted round-robin, so a student's shard depends on their id alone:
adding a late student or a roster row never moves anyone else, and a rerun of one shard
grades the same people. The price is balance: shards differ in size by chance (for 200
students in 4 shards, typically by a few students).

``i`` is 1-based, as Slurm's ``SLURM_ARRAY_TASK_ID`` with ``--array=1-N``; a Kubernetes
Indexed Job's ``JOB_COMPLETION_INDEX`` is 0-based, so its recipe passes ``index + 1``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from grader.classroom.ids import id_key
from grader.errors import SubmissionError

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
MAX_SHARDS = 10_000


def shard_of(student: str, count: int) -> int:
    """The 1-based shard ``student`` (a student id) belongs to among ``count``."""
    digest = hashlib.sha256(id_key(student).encode("utf-8", "surrogatepass")).hexdigest()
    return 1 + int(digest[:16], 16) % count


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"``; a one-line ``SubmissionError`` naming the mistake otherwise."""
        match = _SPEC.fullmatch(text)
        if not match:
            raise SubmissionError(f"--shard {text!r}: write it as I/N, e.g. 2/4 (1-based).")
        index, count = int(match[1]), int(match[2])
        if not 1 <= count <= MAX_SHARDS:
            raise SubmissionError(f"--shard {text}: N must be between 1 and {MAX_SHARDS}.")
        if not 1 <= index <= count:
            hint = " (indexes are 1-based: a 0-based index needs + 1)" if index == 0 else ""
            raise SubmissionError(f"--shard {text}: I must be between 1 and {count}{hint}.")
        return cls(index, count)

    def holds(self, student: str) -> bool:
        return shard_of(student, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
