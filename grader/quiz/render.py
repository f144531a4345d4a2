"""HTML for notebooks: a question's stem and the feedback of a graded answer.

Plain escaped HTML with inline styles, so it reads the same in JupyterLab, VS Code and the
ipywidgets ``HTML`` widget. Terminal output is the CLI's own (rich). The stem gives no
hint (no topic, id or difficulty); the feedback names them once the question is answered.
"""

from __future__ import annotations

from html import escape

from grader.quiz.model import Question
from grader.quiz.present import Presented, format_reply, instruction, key, option_label, verdict
from grader.quiz.scoring import Graded, Line

_OK = "color:#1a7f37"
_BAD = "color:#cf222e"
_NEUTRAL = "color:#57606a"


def _mark(ok: bool) -> str:
    return f'<span style="{_OK}">&#10004;</span>' if ok else f'<span style="{_BAD}">&#10008;</span>'


def stem_html(shown: Presented, position: int | None = None, total: int | None = None) -> str:
    q = shown.question
    head = (f"<small>Question {position} of {total}</small>" if position and total else "")
    return (f'<div class="computelab-quiz-stem">{head}<p><b>{escape(q.stem)}</b>'
            f" <em>({escape(instruction(shown))})</em></p></div>")


def _line_html(shown: Presented, letter: str, line: Line) -> str:
    q = shown.question
    if q.type == "matching":
        body = f"{_mark(line.correct)} <b>{escape(line.text)}</b> &rarr; "
        body += escape(line.given) if line.given else "(no answer)"
        if not line.correct:
            body += f" (right: <b>{escape(line.expected)}</b>)"
    elif q.type == "ordering":
        body = f"{_mark(line.correct)} Position {line.index + 1}: "
        body += escape(line.given) if line.given else "(no answer)"
        if not line.correct:
            body += f" (right: <b>{escape(line.expected)}</b>)"
    else:
        mark = (_mark(line.correct) if line.chosen or line.correct
                else f'<span style="{_NEUTRAL}">&middot;</span>')
        body = (f"{mark} {escape(option_label(line))}: <b>{letter}) {escape(line.text)}</b>")
    return f"<li>{body}<br><small>{escape(line.why)}</small></li>"


def read_more_html(q: Question) -> str:
    """"Read more": the lesson section (a path: the notebook has no site URL) and links to
    the AWS documentation pages the question was checked against."""
    if not q.lesson and not q.sources:
        return ""
    items = [f"<li>Lesson: <code>{escape(q.lesson)}</code></li>"] if q.lesson else []
    items += [f'<li><a href="{escape(url)}" target="_blank" rel="noopener">{escape(url)}</a>'
              "</li>" for url in q.sources]
    checked = f" (checked {escape(q.verified)})" if q.verified else ""
    return (f'<div class="computelab-read-more"><p><b>Read more</b>{checked}:</p>'
            f"<ul>{''.join(items)}</ul></div>")


def graded_html(shown: Presented, graded: Graded) -> str:
    """Verdict, every option (chosen first) or every pair/step with its why, the right
    answer, the explanation, then the topic, difficulty and id."""
    q = graded.question
    colour = _OK if graded.correct else _BAD
    parts = [f'<div class="computelab-quiz-feedback"><p style="{colour}">'
             f"<b>{escape(verdict(graded))}</b> &mdash; {graded.fraction:.0%} of the marks."
             f" Right answer: <b>{escape(format_reply(shown, key(q)))}</b></p><ul>"]
    if q.type in ("single", "multiple", "true_false"):
        parts.extend(_line_html(shown, letter, line)
                     for letter, line in shown.explained(graded.lines))
    else:
        parts.extend(_line_html(shown, "", line) for line in graded.lines)
    parts.append(f"</ul><p>{escape(q.explanation)}</p>{read_more_html(q)}"
                 f'<p><small style="{_NEUTRAL}">{escape(q.topic)} &middot; '
                 f"{escape(q.difficulty)} &middot; {escape(q.id)}</small></p></div>")
    return "".join(parts)
