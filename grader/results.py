"""Results and how they are written out.

``CheckResult`` and ``LabResult`` are shaped like Gradescope's results.json, so one type
serves the notebook panel, the CLI and batch grading. Every renderer here is a pure
function from a result to a string (HTML, Markdown, Gradescope JSON, JUnit XML): the faces
(``grader.ui``, ``grader.cli``, ``grader.classroom``) only put those strings somewhere.

Text from submissions and rosters reaches several sinks, each with its one escaping
function here, used by every writer: ``csv_cell`` (spreadsheet formulas), ``xml_text``
(JUnit), ``html_text``, ``markdown_text`` / ``markdown_code``, ``terminal_text`` (rich
markup and control characters).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any
from xml.etree import ElementTree as ET

# --- one escaping function per output sink ------------------------------------------------
# Student ids, names, file names and messages come from submissions and rosters: anything.
# Every writer (these renderers, grader.classroom.outputs, the CLI, LMS exports) passes
# such text through the function for its sink, and through nothing else.

# C0/C1 controls, lone surrogates, and bidi overrides (text that reads one way, runs another)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e"
                       "\u2066-\u2069]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_BREAKS = str.maketrans("\r\n\t\v\f\x85\u2028\u2029", "        ")
_BRACKET = re.compile(r"(\\*)\[")
_TAG = re.compile(r"[a-z#/@][^[]*?]")


def printable(text: str) -> str:
    """Control characters (ESC, NUL, C1) and undecodable bytes become U+FFFD; tab, CR and
    newline stay."""
    return _CONTROLS.sub("\ufffd", text)


def single_line(text: str) -> str:
    """``printable`` on one line: line breaks and tabs become spaces."""
    return printable(text).replace("\r\n", " ").translate(_BREAKS)


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, on one line (a bare CR would split the
    row for some readers): a cell starting, after spaces, with ``= + - @`` (or their
    full-width forms) would run as a formula, so it gets a leading ``'`` (OWASP's advice).
    The csv module does the quoting."""
    text = single_line(str(value))
    return "'" + text if text.lstrip(" ").startswith(_FORMULA) else text


def xml_text(value: object) -> str:
    """Text or an attribute value for XML 1.0 (``junit.xml``): characters XML cannot hold
    at all (most control characters, lone surrogates, U+FFFE/U+FFFF) become U+FFFD;
    ElementTree escapes ``< & > "``."""
    return _NOT_XML.sub("\ufffd", str(value))


def html_text(value: object) -> str:
    """Text for HTML element content or a quoted attribute."""
    return html.escape(printable(str(value)), quote=True)


def markdown_text(value: object) -> str:
    """One table cell or line of Markdown (feedback.md, a CI run summary): HTML escaped
    (Markdown passes HTML through), pipes and backticks escaped, on one line."""
    return html_text(single_line(str(value))).replace("|", "\\|").replace("`", "\\`")


def markdown_code(value: object) -> str:
    """A Markdown code span inside a table cell: fenced by more backticks than it holds
    (its text is shown literally, HTML included), pipes escaped, on one line."""
    text = single_line(str(value)).replace("|", "\\|")
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def terminal_text(value: object) -> str:
    """Text for rich console markup: no control characters (an ESC would drive the
    terminal), on one line, and shown as typed whatever markup follows it. Rich reads
    ``\\[`` as an escaped bracket and ``[x...]`` as a tag (``rich.markup``): a tag-like
    bracket after n backslashes gets 2n+1, any other bracket n+1, trailing backslashes are
    doubled. (Print with ``emoji=False``: ``:smile:`` has no escape.) Not importing rich
    keeps this module a core."""
    text = single_line(str(value))

    def escaped(match: re.Match[str]) -> str:
        slashes = len(match.group(1))
        if _TAG.match(text, match.end()):
            return "\\" * (2 * slashes + 1) + "["
        return "\\" * (slashes + 1 if slashes else 0) + "["

    text = _BRACKET.sub(escaped, text)
    return text + "\\" * (len(text) - len(text.rstrip("\\")))


class Status(StrEnum):
    """A check's or a lab's outcome (plain strings on the wire: ``"passed"``...)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the check, the submission or the grader broke: not the learner's answer
    TIMEOUT = "timeout"
    MISSING = "missing"  # a student on the roster without a submission


@dataclass
class CheckResult:
    """One check's outcome (a Gradescope ``tests[]`` entry)."""

    name: str
    title: str
    score: float
    max_score: float
    status: str  # a Status (plain strings are accepted and converted)
    output: str
    hint: str = ""
    resources: list[str] = field(default_factory=list)  # ids/names the message is about
    visibility: str = "visible"  # when the learner sees it (Gradescope's vocabulary)

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def passed(self) -> bool:
        return self.status == Status.PASSED


@dataclass
class LabResult:
    """A whole lab's outcome (Gradescope ``results.json``)."""

    lab: str
    tests: list[CheckResult] = field(default_factory=list)
    status: str = ""  # a Status; empty means "passed if every check passed"
    output: str = ""
    stamp: str = ""  # which grading produced it: ComputeLab version and the checks' hash
    later: int = 0  # checks the instructor runs only at grading (as they published it)

    def __post_init__(self) -> None:
        if not self.status:
            passed = bool(self.tests) and all(t.passed for t in self.tests)
            self.status = Status.PASSED if passed else Status.FAILED
        self.status = Status(self.status)

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def passed(self) -> bool:
        return self.status == Status.PASSED

    def to_dict(self) -> dict[str, Any]:
        return {"lab": self.lab, "score": self.score, "max_score": self.max_score,
                "status": str(self.status), "output": self.output, "stamp": self.stamp,
                **({"later": self.later} if self.later else {}),
                "tests": [_test_dict(t) for t in self.tests]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabResult:
        tests = [CheckResult(**t) for t in data.get("tests", [])]
        return cls(lab=data["lab"], tests=tests, status=data.get("status", ""),
                   output=data.get("output", ""), stamp=str(data.get("stamp", "")),
                   later=int(data.get("later", 0)))

    def later_text(self) -> str:
        """What the learner is told about checks that run only at grading ("" if none)."""
        if not self.later:
            return ""
        return (f"{self.later} more check{'s' if self.later != 1 else ''} run when your work "
                "is graded.")

    def for_learner(self) -> LabResult:
        """The part a learner may see now: visible checks only, and how many are held back
        (``hidden``, ``after_due_date``, ``after_published``) for a feedback file."""
        shown = [t for t in self.tests if t.visibility == "visible"]
        held = len(self.tests) - len(shown)
        note = (f"{held} more check{'s' if held != 1 else ''} graded; shown later by your "
                "instructor." if held else "")
        return LabResult(lab=self.lab, tests=shown, status=self.status,
                         output=" ".join(p for p in (self.output, note) if p),
                         stamp=self.stamp)

    def _repr_html_(self) -> str:
        return render_html(self)


def _test_dict(t: CheckResult) -> dict[str, Any]:
    """One check as stored; ``visibility`` only when it is not the default "visible"."""
    data = {**asdict(t), "status": str(t.status)}
    if t.visibility == "visible":
        del data["visibility"]
    return data


# Marks are white on a solid badge, so they keep at least 4.5:1 contrast (WCAG AA) in light
# and dark themes alike: (background, mark, label for screen readers).
MARKS = {
    Status.PASSED: ("#1a7f37", "&#x2714;", "passed"),
    Status.FAILED: ("#b42318", "&#x2718;", "failed"),
    Status.ERROR: ("#8a4b00", "&#x26A0;", "error"),
    Status.TIMEOUT: ("#8a4b00", "&#x26A0;", "timed out"),
    Status.MISSING: ("#8a4b00", "&#x26A0;", "missing"),
}


def _icon_html(t: CheckResult) -> str:
    # plain dingbats, not emoji: they render without an emoji font (e.g. headless Chromium)
    background, mark, label = MARKS[Status(t.status)]
    return (f"<span role='img' aria-label='{label}' style='background:{background};color:#fff;"
            f"border-radius:3px;padding:0 4px;margin-right:4px'>{mark}</span>")


def _did_html(lines: Sequence[str]) -> str:
    """The learner's own calls that touched a failing check's resources ("what you did")."""
    items = "".join(f"<li><code>{html_text(line)}</code></li>" for line in lines)
    return (f"<div class='computelab-did'><small>What you did:</small>"
            f"<ul style='margin:0'>{items}</ul></div>") if lines else ""


def render_html(result: LabResult, show_hints: bool = True, checked_at: str = "",
                did: Mapping[str, Sequence[str]] | None = None) -> str:
    """The results panel: one row per objective (mark beside its title; a message only
    where there is something to do, with ``did[check name]``: the learner's calls that
    touched what it names), then the total and when it was checked."""
    rows = []
    for t in result.tests:
        hint = ""
        if show_hints and t.hint and not t.passed:
            hint = (f"<details><summary>Hint</summary><code>{html_text(t.hint)}</code>"
                    "</details>")
        calls = _did_html((did or {}).get(t.name, ()))
        message = "" if t.passed else f"<br>{html_text(t.output)}{calls}{hint}"
        rows.append(
            f"<tr class='cl-{t.status}'><td style='text-align:left'>{_icon_html(t)}"
            f"<b>{html_text(t.title)}</b>{message}</td>"
            f"<td style='text-align:right'>{t.score:g}/{t.max_score:g}</td></tr>"
        )
    verdict = "All objectives done!" if result.passed else "Not there yet."
    when = f" <small>Checked at {html_text(checked_at)}.</small>" if checked_at else ""
    later = f"<p><i>{html_text(result.later_text())}</i></p>" if result.later else ""
    return (
        f"<div class='computelab-result' data-status='{result.status}'>"
        f"<table>{''.join(rows)}</table>"
        f"<p><b>Total: {result.score:g}/{result.max_score:g}</b> &mdash; {verdict}{when}</p>"
        f"{later}</div>"
    )


def render_html_page(result: LabResult, student: str) -> str:
    """A standalone feedback page (the panel plus a title and the run's note)."""
    title = html_text(f"{result.lab}: {result.score:g}/{result.max_score:g} — {student}")
    note = f"<p><b>Note:</b> {html_text(result.output)}</p>" if result.output else ""
    stamp = f"<p><small>Graded by {html_text(result.stamp)}.</small></p>" if result.stamp else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{note}{render_html(result)}{stamp}</body></html>\n")


def render_markdown(result: LabResult, student: str) -> str:
    """Feedback as a Markdown table (one row per objective)."""
    lines = [markdown_text(f"# {result.lab}: {result.score:g}/{result.max_score:g} — {student}"),
             "", f"Status: **{result.status}**", ""]
    if result.output:
        lines += [f"> {markdown_text(result.output)}", ""]
    lines += ["| | Objective | Points | Feedback |", "|---|---|---|---|"]
    for t in result.tests:
        mark = "✅" if t.passed else ("❌" if t.status == Status.FAILED else "⚠️")
        note = markdown_text(t.output)
        if t.hint and not t.passed:
            note += f"<br>Hint: {markdown_code(t.hint)}"
        lines.append(f"| {mark} | {markdown_text(t.title)} | {t.score:g}/{t.max_score:g} | "
                     f"{note} |")
    if result.stamp:
        lines += ["", f"Graded by {markdown_text(result.stamp)}."]
    return "\n".join(lines) + "\n"


def gradescope_results(result: LabResult, student: str = "") -> dict[str, Any]:
    """Gradescope's results.json for one submission (deterministic: no timings)."""
    tests = []
    for t in result.tests:
        output = t.output
        if t.hint and not t.passed:
            output += f"\nHint: {t.hint}"
        tests.append({"name": t.title, "number": t.name, "score": t.score,
                      "max_score": t.max_score,
                      "status": "passed" if t.passed else "failed",
                      "output": output, "visibility": t.visibility})
    output = result.output or ("All objectives done!" if result.passed else
                               "Some objectives are not done yet: see each test.")
    return {"score": result.score, "output": output, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"lab": result.lab, "status": str(result.status),
                           "student": student, "max_score": result.max_score,
                           "stamp": result.stamp}}


def render_junit(lab: str, suites: Iterable[tuple[str, LabResult, float]]) -> str:
    """JUnit XML: one ``<testsuite>`` per (student, result, seconds), a testcase per check."""
    root = ET.Element("testsuites", name=xml_text(f"computelab {lab}"))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for student, result, seconds in suites:
        tests = result.tests
        failures = sum(t.status == Status.FAILED for t in tests)
        errors = sum(t.status not in (Status.PASSED, Status.FAILED) for t in tests)
        suite = ET.SubElement(root, "testsuite", name=xml_text(student), tests=str(len(tests)),
                              failures=str(failures), errors=str(errors),
                              time=f"{seconds:.3f}")
        for key, value in (("tests", len(tests)), ("failures", failures), ("errors", errors)):
            totals[key] += value
        if result.stamp:
            ET.SubElement(ET.SubElement(suite, "properties"), "property", name="graded_by",
                          value=xml_text(result.stamp))
        if result.output:
            ET.SubElement(suite, "system-out").text = xml_text(result.output)
        for t in tests:
            case = ET.SubElement(suite, "testcase", classname=xml_text(f"{lab}.{student}"),
                                 name=xml_text(t.name), time="0")
            if not t.passed:
                tag = "failure" if t.status == Status.FAILED else "error"
                node = ET.SubElement(case, tag, message=xml_text(t.output), type=str(t.status))
                node.text = xml_text(f"{t.title}\n{t.output}\nHint: {t.hint}")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        root, encoding="unicode") + "\n"
