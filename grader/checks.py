"""Checks: the ``@check`` decorator, its frozen spec, and running checks into results.

A check is a plain function ``fn(aws)`` decorated with ``@check(points=..., hint=...)``. It
reads state through boto3 and fails with ``assert cond, "message for the learner"`` or, to
name the resources the message is about, ``fail("message", "sg-0123")``. A check
earns all of its points or none; a lab's partial credit comes from its several checks.
The results (``grader.results``) are what the notebook panel, the CLI and batch grading show.

A title or hint may write ``{{ NAME }}`` for one of the lab's parameters: it shows the value
the run was given (``aws.params``: the student's, or lab.toml's defaults).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from grader.errors import ComputeLabError
from grader.results import CheckResult, LabResult, Status

if TYPE_CHECKING:
    from grader.aws import AWS

CheckFn = Callable[["AWS"], None]
_META = "__computelab_check__"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
QUOTED = re.compile(r"([\"'])\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\1")


def resolve(text: str, values: Mapping[str, Any]) -> str:
    """``text`` with each ``{{ NAME }}`` of a known parameter replaced by its value (other
    double braces, such as a literal ``{{`` in an f-string, are left alone).

    A quoted ``"{{ NAME }}"`` of a number or boolean becomes the bare literal (``14``), so
    solution code stays valid Python before it is resolved."""
    if "{{" not in text:
        return text

    def literal(m: re.Match[str]) -> str:
        value = values.get(m.group(2))
        if m.group(2) not in values or isinstance(value, str):
            return m.group(0)
        return repr(value)

    text = QUOTED.sub(literal, text)
    return PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


@dataclass(frozen=True)
class CheckSpec:
    """What the decorator records about a check function."""

    name: str
    title: str
    points: float
    hint: str
    fn: CheckFn
    visibility: str = ""  # one of VISIBILITIES; "": where it comes from decides

    @property
    def shown(self) -> str:
        """Its visibility: "visible" unless the lab or the instructor said otherwise."""
        return self.visibility or "visible"


def check(points: float = 1, hint: str = "", visibility: str = "") -> Callable[[CheckFn], CheckFn]:
    """Mark ``fn`` as a check worth ``points``; its docstring's first line is the objective.

    ``visibility`` (Gradescope's words) says when a learner sees the result; instructor-only
    checks (``grader.labs.overlay``) are ``hidden`` unless they say otherwise."""
    if visibility and visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")

    def mark(fn: CheckFn) -> CheckFn:
        title = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
        setattr(fn, _META, CheckSpec(fn.__name__, title, float(points), hint, fn, visibility))
        return fn

    return mark


class CheckFailed(AssertionError):
    """A check's failure that names the resources (ids or names) it is about."""

    def __init__(self, message: str, resources: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.resources = [str(r) for r in resources]


def fail(message: str, *resources: str) -> NoReturn:
    """Fail the running check with ``message`` about ``resources`` (shown with the result,
    so the panel and reports can point at what the learner made)."""
    raise CheckFailed(message, resources)


def collect(namespace: dict[str, Any]) -> list[CheckSpec]:
    """The checks defined in a module namespace, in definition order."""
    return [getattr(v, _META) for v in namespace.values() if hasattr(v, _META)]


def run_check(spec: CheckSpec, aws: AWS) -> CheckResult:
    """Run one check; turn assertion failures and AWS errors into learner-facing messages."""
    from botocore.exceptions import BotoCoreError, ClientError

    values = getattr(aws, "params", None) or {}
    title, hint = resolve(spec.title, values), resolve(spec.hint, values)

    def result(status: Status, output: str, resources: Iterable[str] = ()) -> CheckResult:
        score = spec.points if status == Status.PASSED else 0.0
        return CheckResult(spec.name, title, score, spec.points, status, output, hint,
                           list(resources), spec.shown)

    try:
        spec.fn(aws)
    except AssertionError as exc:
        message = str(exc).split("\nassert ")[0]  # drop pytest's rewritten-assert detail
        return result(Status.FAILED, message or f"Not done yet: {title}",
                      getattr(exc, "resources", ()))
    except ClientError as exc:
        err = exc.response.get("Error", {})
        return result(Status.FAILED, f"AWS answered {err.get('Code', 'an error')}: "
                                     f"{err.get('Message', '')}".strip())
    except ComputeLabError:
        raise  # e.g. an unsafe endpoint: the whole run stops with one clear line
    except BotoCoreError as exc:
        return result(Status.ERROR, f"Could not reach the sandbox: {exc}")
    except Exception as exc:  # a bug in the check itself must not lose the other results
        return result(Status.ERROR, f"The check itself failed ({type(exc).__name__}: {exc}); "
                                    "tell your instructor.")
    return result(Status.PASSED, "Done.")


def checks_stamp(specs: Iterable[CheckSpec]) -> str:
    """``computelab VERSION, checks HASH``: which ComputeLab and which checks graded a result.

    The hash covers the source files the checks come from (a lab's checks.py, with the
    lab.toml beside it), so an instructor can tell two gradings of the same lab apart.
    """
    from grader import __version__

    files = sorted({f for spec in specs if (f := _source_file(spec.fn))})
    return f"computelab {__version__}, checks {_files_hash(tuple(files), _mtimes(files))}"


def _mtimes(files: list[str]) -> tuple[int, ...]:
    """Part of the cache key, so an edited checks.py gets a new hash."""
    out = []
    for name in files:
        try:
            out.append(Path(name).stat().st_mtime_ns)
        except OSError:
            out.append(0)
    return tuple(out)


def _source_file(fn: Callable[..., Any]) -> str:
    code = getattr(fn, "__code__", None)
    return str(code.co_filename) if code is not None else ""


@functools.lru_cache(maxsize=64)
def _files_hash(files: tuple[str, ...], mtimes: tuple[int, ...]) -> str:
    digest = hashlib.sha256()
    for name in files:
        for path in (Path(name), Path(name).with_name("lab.toml")):
            try:
                digest.update(path.read_bytes())
            except OSError:
                continue
    return digest.hexdigest()[:12]


def run_checks(lab: str, specs: Iterable[CheckSpec], aws: AWS) -> LabResult:
    """Run every check (never stopping at the first failure) and total the points."""
    forget = getattr(aws, "forget", None)  # (tests may run checks without a handle)
    if forget is not None:
        forget()  # memoized reads belong to one run
    specs = list(specs)
    return LabResult(lab=lab, tests=[run_check(spec, aws) for spec in specs],
                     stamp=checks_stamp(specs))


def zero_result(lab: str, specs: Iterable[CheckSpec], status: Status, reason: str,
                values: Mapping[str, Any] | None = None) -> LabResult:
    """A result for a submission that could not be checked (timeout, crash): every check 0
    (titles and hints show ``values``, the student's parameters, when given)."""
    specs = list(specs)
    tests = [CheckResult(s.name, resolve(s.title, values or {}), 0.0, s.points, status, reason,
                         resolve(s.hint, values or {}), visibility=s.shown) for s in specs]
    return LabResult(lab=lab, tests=tests, status=status, output=reason,
                     stamp=checks_stamp(specs))
