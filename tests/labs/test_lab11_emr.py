"""Lab 11-emr: what is special to this lab.

tests/labs/test_shapes.py already proves, for every lab, that the solution gets full marks,
an untouched account scores zero with messages, and every corpus submission in
tests/labs/corpus/11-emr/ is graded as its name says (ok_*: full marks; bad_*: loses
exactly the checks its LOSES names). Add corpus files first; test here only what they can't.
"""

from __future__ import annotations
