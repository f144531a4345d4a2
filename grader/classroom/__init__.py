"""Grading a class: find submissions (``submissions``), decide whose they are (``ids``,
``roster``, ``identity``), grade them as a batch (``batch``), write the gradebook and
per-student files (``outputs``), and the Gradescope bundle (``gradescope``)."""

from grader.classroom.batch import grade_class
from grader.classroom.ids import student_id
from grader.classroom.roster import Roster
from grader.classroom.rows import ClassReport, Row
from grader.classroom.submissions import Submission, find_submissions

__all__ = ["ClassReport", "Roster", "Row", "Submission", "find_submissions", "grade_class",
           "student_id"]
