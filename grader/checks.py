"""Checks and their results.

A check is a plain function ``fn(aws)`` decorated with ``@check(points=..., hint=...)``. It
reads state through boto3 and fails with ``assert cond, "message for the learner"``. A check
earns all of its points or none; a lab's partial credit comes from its several checks.

Results are shaped like Gradescope's results.json so one type serves the notebook panel,
the CLI and batch grading.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

CheckFn = Callable[[Any], None]
_META = "__computelab_check__"

PASSED, FAILED, ERROR, TIMEOUT = "passed", "failed", "error", "timeout"


@dataclass(frozen=True)
class CheckSpec:
    """What the decorator records about a check function."""

    name: str
    title: str
    points: float
    hint: str
    fn: CheckFn


def check(points: float = 1, hint: str = "") -> Callable[[CheckFn], CheckFn]:
    """Mark ``fn`` as a check worth ``points``; its docstring's first line is the objective."""

    def mark(fn: CheckFn) -> CheckFn:
        title = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
        setattr(fn, _META, CheckSpec(fn.__name__, title, float(points), hint, fn))
        return fn

    return mark


def collect(namespace: dict[str, Any]) -> list[CheckSpec]:
    """The checks defined in a module namespace, in definition order."""
    return [getattr(v, _META) for v in namespace.values() if hasattr(v, _META)]


@dataclass
class CheckResult:
    """One check's outcome (a Gradescope ``tests[]`` entry)."""

    name: str
    title: str
    score: float
    max_score: float
    status: str
    output: str
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASSED


@dataclass
class LabResult:
    """A whole lab's outcome (Gradescope ``results.json``)."""

    lab: str
    tests: list[CheckResult] = field(default_factory=list)
    status: str = ""
    output: str = ""

    def __post_init__(self) -> None:
        if not self.status:
            self.status = PASSED if self.tests and all(t.passed for t in self.tests) else FAILED

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def to_dict(self) -> dict[str, Any]:
        return {"lab": self.lab, "score": self.score, "max_score": self.max_score,
                "status": self.status, "output": self.output,
                "tests": [asdict(t) for t in self.tests]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabResult:
        tests = [CheckResult(**t) for t in data.get("tests", [])]
        return cls(lab=data["lab"], tests=tests, status=data.get("status", ""),
                   output=data.get("output", ""))

    def _repr_html_(self) -> str:
        return render_html(self)


def run_check(spec: CheckSpec, aws: Any) -> CheckResult:
    """Run one check; turn assertion failures and AWS errors into learner-facing messages."""
    from botocore.exceptions import BotoCoreError, ClientError

    from grader.errors import ComputeLabError

    def result(status: str, output: str) -> CheckResult:
        score = spec.points if status == PASSED else 0.0
        return CheckResult(spec.name, spec.title, score, spec.points, status, output, spec.hint)

    try:
        spec.fn(aws)
    except AssertionError as exc:
        message = str(exc).split("\nassert ")[0]  # drop pytest's rewritten-assert detail
        return result(FAILED, message or f"Not done yet: {spec.title}")
    except ClientError as exc:
        err = exc.response.get("Error", {})
        return result(FAILED, f"AWS answered {err.get('Code', 'an error')}: "
                              f"{err.get('Message', '')}".strip())
    except ComputeLabError:
        raise  # e.g. an unsafe endpoint: the whole run stops with one clear line
    except BotoCoreError as exc:
        return result(ERROR, f"Could not reach the sandbox: {exc}")
    except Exception as exc:  # a bug in the check itself must not lose the other results
        return result(ERROR, f"The check itself failed ({type(exc).__name__}: {exc}); "
                             "tell your instructor.")
    return result(PASSED, "Done.")


def run_checks(lab: str, specs: Iterable[CheckSpec], aws: Any) -> LabResult:
    """Run every check (never stopping at the first failure) and total the points."""
    forget = getattr(aws, "forget", None)
    if forget is not None:
        forget()  # memoized reads belong to one run
    return LabResult(lab=lab, tests=[run_check(spec, aws) for spec in specs])


def zero_result(lab: str, specs: Iterable[CheckSpec], status: str, reason: str) -> LabResult:
    """A result for a submission that could not be checked (timeout, crash): every check 0."""
    tests = [CheckResult(s.name, s.title, 0.0, s.points, status, reason, s.hint) for s in specs]
    return LabResult(lab=lab, tests=tests, status=status, output=reason)


def render_html(result: LabResult, show_hints: bool = True) -> str:
    """The results panel: one row per objective, then the total."""
    rows = []
    for t in result.tests:
        # plain dingbats, not emoji: they render without an emoji font (e.g. headless Chromium)
        icon = ("<span style='color:#1a7f37'>&#x2714;</span>" if t.passed else
                "<span style='color:#cf222e'>&#x2718;</span>" if t.status == FAILED else
                "<span style='color:#9a6700'>&#x26A0;</span>")
        hint = ""
        if show_hints and t.hint and not t.passed:
            hint = (f"<details><summary>Hint</summary><code>{html.escape(t.hint)}</code>"
                    "</details>")
        rows.append(
            f"<tr class='cl-{t.status}'><td>{icon}</td><td><b>{html.escape(t.title)}</b>"
            f"<br>{html.escape(t.output)}{hint}</td>"
            f"<td style='text-align:right'>{t.score:g}/{t.max_score:g}</td></tr>"
        )
    verdict = "All objectives done!" if result.passed else "Not there yet."
    return (
        f"<div class='computelab-result' data-status='{result.status}'>"
        f"<table>{''.join(rows)}</table>"
        f"<p><b>Total: {result.score:g}/{result.max_score:g}</b> &mdash; {verdict}</p></div>"
    )
