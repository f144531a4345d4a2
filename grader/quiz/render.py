"""HTML for notebooks: a question's stem and the feedback of a graded answer.

Plain escaped HTML with inline styles, so it reads the same in JupyterLab, VS Code and the
ipywidgets ``HTML`` widget. Terminal output is the CLI's own (rich).
"""

from __future__ import annotations

from html import escape

from grader.quiz.present import Presented
from grader.quiz.scoring import Graded

_OK = "color:#1a7f37"
_BAD = "color:#cf222e"


def _mark(ok: bool) -> str:
    return f'<span style="{_OK}">&#10004;</span>' if ok else f'<span style="{_BAD}">&#10008;</span>'


def stem_html(shown: Presented, position: int | None = None, total: int | None = None) -> str:
    q = shown.question
    head = f"Question {position} of {total} &middot; " if position and total else ""
    note = ""
    if q.type == "multiple":
        note = f" <em>(choose {q.choose})</em>"
    elif q.type == "matching":
        note = " <em>(pick a match for each item)</em>"
    elif q.type == "ordering":
        note = " <em>(put the steps in order)</em>"
    return (f'<div class="computelab-quiz-stem"><small>{head}{escape(q.topic)} &middot; '
            f"{escape(q.difficulty)}</small><p><b>{escape(q.stem)}</b>{note}</p></div>")


def graded_html(graded: Graded) -> str:
    """Score, the ``why`` of every option chosen, the right answer and the explanation."""
    q = graded.question
    verdict = ("Correct" if graded.correct
               else "Partly right" if graded.fraction > 0 else "Not quite")
    colour = _OK if graded.correct else _BAD
    parts = [f'<div class="computelab-quiz-feedback"><p style="{colour}"><b>{verdict}</b>'
             f" &mdash; {graded.fraction:.0%} of the marks</p><ul>"]
    for line in graded.lines:
        if q.type == "matching":
            body = (f"{_mark(line.correct)} <b>{escape(line.text)}</b> &rarr; "
                    f"{escape(line.given)}")
            if not line.correct:
                body += f" (correct: <b>{escape(line.expected)}</b>)"
        elif q.type == "ordering":
            body = f"{_mark(line.correct)} {escape(line.given)}"
            if not line.correct:
                body += f" (this position: <b>{escape(line.expected)}</b>)"
        elif line.chosen:
            body = f"{_mark(line.correct)} You chose <b>{escape(line.text)}</b>"
        else:
            body = f"{_mark(True)} Correct answer: <b>{escape(line.text)}</b>"
        parts.append(f"<li>{body}<br><small>{escape(line.why)}</small></li>")
    parts.append(f"</ul><p>{escape(q.explanation)}</p></div>")
    return "".join(parts)
