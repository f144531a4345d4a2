"""Grading a class: find submissions (``submissions``), grade them as a batch (``batch``),
write the gradebook and per-student files (``outputs``), and the Gradescope bundle
(``gradescope``)."""

from grader.classroom.batch import grade_class
from grader.classroom.rows import ClassReport, Row
from grader.classroom.submissions import Roster, Submission, find_submissions, safe_id

__all__ = ["ClassReport", "Roster", "Row", "Submission", "find_submissions", "grade_class",
           "safe_id"]
