"""Grading a class: collect students' repositories (``collect``), find submissions
(``submissions``), decide whose they are (``ids``, ``roster``, ``identity``), grade them as
a batch, whole or one shard (``batch``, ``shards``), write the gradebook and per-student
files (``rows``, ``outputs``), join shards (``merge``), write LMS import files (``lms``),
and the Gradescope bundle (``gradescope``)."""

from grader.classroom.batch import grade_class
from grader.classroom.ids import student_id
from grader.classroom.roster import Roster
from grader.classroom.rows import ClassReport, Row
from grader.classroom.submissions import Submission, find_submissions

__all__ = ["ClassReport", "Roster", "Row", "Submission", "find_submissions", "grade_class",
           "student_id"]
