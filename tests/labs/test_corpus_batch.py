"""Every lab's corpus graded the way a class is graded: all of a lab's ok_*/bad_*.py go
through ``computelab grade``'s batch path (walled processes, a server per submission) and
must come out as their names say — the same verdicts test_shapes reaches directly."""

from __future__ import annotations

import pytest
from labkit import failed
from test_shapes import LABS, corpus, declared, declared_losses

from grader.grading import Limits, grade


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_corpus_through_the_batch_path(lab):
    files = [path for path in corpus(lab) if not declared(path, "SANDBOX_GAP")]
    if not files:
        pytest.skip("no corpus yet")
    results = grade(lab, files, Limits(timeout=120), jobs=2)
    wrong = []
    for path, result in zip(files, results, strict=True):
        expected = [] if path.name.startswith("ok_") else declared_losses(path)
        if failed(result) != expected:
            wrong.append(f"{path.name}: lost {failed(result)}, expected {expected} "
                         f"({result.output[:200]})")
    assert wrong == []
