"""``report.html`` and ``similarity.csv``: the class at a glance, for course staff.

One self-contained HTML file (inline SVG charts and CSS, no script, nothing fetched), so it
opens from the grades folder in any browser, offline. Every text that came from a
submission or the roster goes through ``html_text``. Both files hold personal data and are
written ``0600`` like the rest of the folder; the similarity section says what a flag means.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from grader.classroom import report_plots
from grader.classroom.class_data import ClassData, StudentRow, read_class
from grader.classroom.outputs import write_atomic
from grader.classroom.similarity import (
    FILENAME,
    MIN_TOKENS,
    THRESHOLD,
    Pair,
    class_pairs,
    similarity_csv,
)
from grader.labs import Lab
from grader.results import Status, html_text

REPORT = "report.html"
SLOWEST = 10
STYLE = """
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #4b5563;
        --line: #d0d7de; --warn: #8a4b00; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #b1bac4; --line: #30363d; --warn: #f0b35a; }
}
body { font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg);
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left;
         vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.warning { border-left: 4px solid var(--warn); padding: .2rem .8rem; }
figure { margin: 0 0 1.5rem; background: #ffffff; padding: .5rem; border-radius: 4px; }
figure svg { max-width: 100%; height: auto; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
"""


def write_report(out: Path, lab: Lab, *, similarity: bool = True) -> Path:
    """Write ``out/report.html`` (and ``out/similarity.csv``) from the graded class."""
    data = read_class(out)
    pairs: list[Pair] | None = None
    if similarity:
        pairs = class_pairs(lab, {r.student: Path(r.submission) for r in data.submitted
                                  if r.submission})
        write_atomic(out / FILENAME, similarity_csv(pairs))
    write_atomic(out / REPORT, render(data, pairs))
    return out / REPORT


def render(data: ClassData, pairs: list[Pair] | None) -> str:
    """The whole report page."""
    sections: list[str] = [
        f"<h1>Class report: {html_text(data.lab)}</h1>",
        _summary(data),
        "<h2>Score distribution</h2>",
        f"<figure aria-label='score distribution'>{report_plots.score_histogram(data)}</figure>",
        "<h2>Checks</h2>",
        f"<figure aria-label='pass rate per check'>{report_plots.pass_rates(data)}</figure>",
        _checks_table(data),
        _problem_rows(data),
        _slowest(data),
        _similarity(pairs),
        _metadata(data),
    ]
    body = "\n".join(sections)
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>Class report: {html_text(data.lab)}</title><style>{STYLE}</style>"
            f"</head><body>\n{body}\n</body></html>\n")


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None,
           caption: str = "") -> str:
    """An HTML table; cells are already escaped."""
    numeric = numeric or set()

    def cls(i: int) -> str:
        return " class='num'" if i in numeric else ""

    head = "".join(f"<th scope='col'{cls(i)}>{h}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row))
                   + "</tr>" for row in rows)
    cap = f"<caption class='muted'>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary(data: ClassData) -> str:
    full = sum(1 for r in data.submitted if r.max_score and r.score == r.max_score)
    items = [("Students", len(data.rows)), ("Submitted", len(data.submitted)),
             ("Missing", len(data.with_status(Status.MISSING))),
             ("Full marks", full), ("Mean score", f"{data.mean():.2f} / {data.max_score:g}"),
             ("Median score", f"{data.median():g} / {data.max_score:g}"),
             ("Errors and timeouts", len(data.with_status(Status.ERROR, Status.TIMEOUT)))]
    return "<dl id='summary'>" + "".join(
        f"<dt>{html_text(k)}</dt><dd data-key='{html_text(k)}'>{html_text(v)}</dd>"
        for k, v in items) + "</dl>"


def _checks_table(data: ClassData) -> str:
    rows = []
    for s in data.check_summaries():
        failures = "<br>".join(f"{count} &times; {html_text(message) or '(no message)'}"
                               for message, count in s.failures) or "<span class='muted'>none"
        rows.append([f"<strong>{html_text(s.name)}</strong><br>"
                     f"<span class='muted'>{html_text(s.title)}</span>",
                     f"{s.passed} / {s.attempted}", f"{100 * s.pass_rate:.0f}%", failures])
    return _table(["Check", "Passed", "Rate", "Most common failure messages"], rows, {1, 2},
                  "Among graded submissions; messages as students saw them.")


def _problem_rows(data: ClassData) -> str:
    rows = data.with_status(Status.ERROR, Status.TIMEOUT)
    if not rows:
        return "<h2>Errors and timeouts</h2><p>None: every submission ran to the end.</p>"
    return "<h2>Errors and timeouts</h2>" + _student_table(
        rows, "Status", lambda r: html_text(r.status))


def _slowest(data: ClassData) -> str:
    return f"<h2>Slowest {SLOWEST} submissions</h2>" + _student_table(
        data.slowest(SLOWEST), "Seconds", lambda r: f"{r.duration:.2f}", numeric=True)


def _student_table(rows: list[StudentRow], label: str, value: Callable[[StudentRow], str],
                   numeric: bool = False) -> str:
    return _table(["Student", label, "Score", "Note"],
                  [[html_text(r.student), value(r), f"{r.score:g}/{r.max_score:g}",
                    html_text(r.note)] for r in rows], {1, 2} if numeric else {2})


def _similarity(pairs: list[Pair] | None) -> str:
    head = "<h2>Submissions that look alike</h2>"
    if pairs is None:
        return head + "<p class='muted'>Not computed (--no-similarity).</p>"
    warning = ("<p class='warning'>A pair here is a reason to look at both submissions, never "
               "a verdict: students may share an approach legitimately, and code the lab "
               "itself provides is already ignored. Pairs need one side to share at least "
               f"{THRESHOLD:.0%} of its own distinctive code and {MIN_TOKENS} tokens in "
               "common (see the instructor guide for the algorithm).</p>")
    if not pairs:
        return head + warning + "<p>No pair reached the threshold.</p>"
    return head + warning + _table(
        ["Student A", "Student B", "A's code shared", "B's code shared", "Tokens in common"],
        [[html_text(p.first), html_text(p.second), f"{p.first_share:.0%}",
          f"{p.second_share:.0%}", str(p.shared_tokens)] for p in pairs], {2, 3, 4})


def _metadata(data: ClassData) -> str:
    items = [("Lab", data.lab), ("Grading", data.stamp or "unknown"),
             ("Isolation", data.isolation or "not recorded"),
             ("Report written", time.strftime("%Y-%m-%d %H:%M %Z"))]
    return "<h2>Grading</h2><dl id='metadata'>" + "".join(
        f"<dt>{html_text(k)}</dt><dd>{html_text(v)}</dd>" for k, v in items) + "</dl>"
