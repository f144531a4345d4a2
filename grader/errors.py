"""Every error ComputeLab raises on purpose, so front ends can show one line, not a traceback.

    ComputeLabError                 base: ``str(err)`` is the learner-facing sentence
     ├── LabNotFound                unknown lab id or number
     ├── LabDefinitionError         a lab folder whose lab.toml/checks.py is broken (for authors)
     ├── SubmissionError            a submission file that cannot be read or run
     ├── SandboxError               the moto sandbox is missing, unreachable or misconfigured
     │    └── UnsafeEndpointError   a request would leave loopback (real AWS) — refused
     ├── QuizError                  a malformed question bank or an invalid answer
     └── CourseError                a course file (variants, overlay checks) that cannot be used
"""

from __future__ import annotations


class ComputeLabError(Exception):
    """Base class: the message is written for the person at the keyboard."""


class LabNotFound(ComputeLabError):
    """No lab matches the id or number given."""


class LabDefinitionError(ComputeLabError):
    """A lab folder is malformed (author error, not learner error)."""


class SubmissionError(ComputeLabError):
    """A submission cannot be read or executed."""


class SandboxError(ComputeLabError):
    """The sandbox is not reachable or not set up."""


class UnsafeEndpointError(SandboxError):
    """A request targeted a non-loopback endpoint while in sandbox mode."""


class QuizError(ComputeLabError):
    """A question bank is malformed or an answer is out of range."""


class CourseError(ComputeLabError):
    """A course file or instructor-only checks folder cannot be used."""
