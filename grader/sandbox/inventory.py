"""Which boto3 operations the labs use, and what the sandbox does with each.

``scan()`` finds every operation a lab teaches or grades with: an AST walk over each lab's
checks.py and solution.py, ``grader/kit`` and the notebooks' code cells, plus the calls the
notebooks' instructions and hints name in markdown (``ecs.create_service(``). Paginators and
waiters count as the operations they call. ``load()`` reads ``inventory.toml`` (the data: a
status per operation, checked against a recorded moto version) and ``render()`` turns it into
the docs page ``content/sandbox.md``:

    python -m grader.sandbox.inventory          # rewrite content/sandbox.md
    python -m grader.sandbox.inventory --check  # exit 1 when page or inventory is stale
    python -m grader.sandbox.inventory --skeleton  # TOML entries for unlisted operations
"""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

from grader.paths import course_root

REPO_ROOT = course_root()

INVENTORY = Path(__file__).with_name("inventory.toml")
PAGE = REPO_ROOT / "content" / "sandbox.md"
STATUSES = ("same", "corrected", "differs", "not-emulated")
ALIASES = {"lam": "lambda", "awslambda": "lambda", "lambda_": "lambda", "elb": "elbv2",
           "asg": "autoscaling", "events_client": "events"}
# Where each service's API reference lives (the page of operation Op is API_Op.html)
API_REFERENCE = {
    "autoscaling": "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/",
    "batch": "https://docs.aws.amazon.com/batch/latest/APIReference/",
    "ec2": "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/",
    "ecr": "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/",
    "ecs": "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/",
    "eks": "https://docs.aws.amazon.com/eks/latest/APIReference/",
    "elbv2": "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/",
    "emr": "https://docs.aws.amazon.com/emr/latest/APIReference/",
    "emr-serverless": "https://docs.aws.amazon.com/emr-serverless/latest/APIReference/",
    "events": "https://docs.aws.amazon.com/eventbridge/latest/APIReference/",
    "iam": "https://docs.aws.amazon.com/IAM/latest/APIReference/",
    "kms": "https://docs.aws.amazon.com/kms/latest/APIReference/",
    "lambda": "https://docs.aws.amazon.com/lambda/latest/api/",
    "logs": "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/",
    "s3": "https://docs.aws.amazon.com/AmazonS3/latest/API/",
    "scheduler": "https://docs.aws.amazon.com/scheduler/latest/APIReference/",
    "sqs": "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/",
    "ssm": "https://docs.aws.amazon.com/systems-manager/latest/APIReference/",
    "sts": "https://docs.aws.amazon.com/STS/latest/APIReference/",
}
_MARKDOWN_CALL = re.compile(r"\b([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]+)\b")
_BARE_NAME = re.compile(r"`([a-z]+_[a-z0-9_]+)(?:\([^`]*\))?`")


@dataclass(frozen=True)
class Entry:
    """One operation: what the sandbox does with it, and what it was compared against."""

    service: str
    operation: str
    status: str
    note: str
    doc: str
    alternative: str = ""
    taught: bool = True  # False: no lab uses it yet, but the sandbox corrects it


@dataclass(frozen=True)
class Inventory:
    moto: str
    checked: str
    entries: tuple[Entry, ...]

    def keys(self) -> set[tuple[str, str]]:
        return {(e.service, e.operation) for e in self.entries}


@cache
def _api_names(service: str) -> dict[str, str]:
    """boto3 method name -> AWS operation name (from botocore's own model: no network)."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


@cache
def _operations(service: str) -> frozenset[str]:
    return frozenset(_api_names(service))


@cache
def _waiter_operations(service: str) -> dict[str, str]:
    import botocore.session
    from botocore import xform_name
    from botocore.exceptions import UnknownServiceError

    session = botocore.session.get_session()
    try:
        model = session.get_waiter_model(service)
    except (UnknownServiceError, ValueError, KeyError):
        return {}
    return {xform_name(name): xform_name(model.get_waiter(name).operation)
            for name in model.waiter_names}


def lab_services(repo: Path = REPO_ROOT) -> set[str]:
    """Every service a lab's lab.toml lists (the services the sandbox must answer for)."""
    services: set[str] = set()
    for toml in sorted((repo / "labs").glob("*/lab.toml")):
        services.update(tomllib.loads(toml.read_text())["services"])
    return services


def _service_for(receiver: str, operation: str, services: set[str],
                 bound: dict[str, str]) -> str | None:
    """The service a call ``receiver.operation(...)`` goes to, or None (not boto3)."""
    named = bound.get(receiver) or ALIASES.get(receiver) or receiver
    if named in services and operation in _operations(named):
        return named
    owners = [s for s in services if operation in _operations(s)]
    return owners[0] if len(owners) == 1 else None


def _client_service(node: ast.AST) -> str | None:
    """'ecs' for ``aws.client("ecs")`` / ``boto3.client("ecs")``."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "client" and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return None


def _receiver(node: ast.expr, bound: dict[str, str]) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return _client_service(node) or ""


def _python_calls(source: str, services: set[str]) -> Iterator[tuple[str, str]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a notebook cell with %magic or a learner TODO: skip it
        return
    bound: dict[str, str] = {}
    for node in ast.walk(tree):  # client variables: ecs = aws.client("ecs")
        if isinstance(node, ast.Assign):
            values = (node.value.elts if isinstance(node.value, ast.Tuple) else [node.value])
            targets = (node.targets[0].elts if isinstance(node.targets[0], ast.Tuple)
                       else node.targets)
            for target, value in zip(targets, values, strict=False):
                service = _client_service(value)
                if service and isinstance(target, ast.Name):
                    bound[target.id] = service
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = _receiver(node.func.value, bound)
        method = node.func.attr
        if method in ("get_paginator", "get_waiter") and node.args and isinstance(
                node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            yield from _helper_operation(receiver, method, node.args[0].value, services, bound)
            continue
        service = _service_for(receiver, method, services, bound)
        if service:
            yield service, method


def _helper_operation(receiver: str, method: str, name: str, services: set[str],
                      bound: dict[str, str]) -> Iterator[tuple[str, str]]:
    if method == "get_paginator":
        service = _service_for(receiver, name, services, bound)
        if service:
            yield service, name
        return
    named = bound.get(receiver) or ALIASES.get(receiver) or receiver
    for service in ([named] if named in services else sorted(services)):
        operation = _waiter_operations(service).get(name)
        if operation:
            yield service, operation
            return


def _markdown_calls(text: str, services: set[str]) -> Iterator[tuple[str, str]]:
    """``ecs.create_service`` anywhere, and a bare `create_service(...)` in backticks
    when exactly one of the lab's services has that operation."""
    for receiver, method in _MARKDOWN_CALL.findall(text):
        service = _service_for(receiver, method, services, {})
        if service and (receiver in services or receiver in ALIASES):
            yield service, method
    for name in _BARE_NAME.findall(text):
        service = _service_for("", name, services, {})
        if service:
            yield service, name
    for source in re.findall(r"`([^`\n]+)`", text):  # `get_waiter("image_available")`
        yield from _python_calls(source, services)


def _notebook_calls(path: Path, services: set[str]) -> Iterator[tuple[str, str]]:
    own = tomllib.loads(path.with_name("lab.toml").read_text())["services"]
    for cell in json.loads(path.read_text())["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            yield from _python_calls(text, services)
        elif cell["cell_type"] == "markdown":
            yield from _markdown_calls(text, set(own))


def sources(repo: Path = REPO_ROOT) -> list[Path]:
    """Every file the scan reads, in a stable order."""
    labs = repo / "labs"
    files = [*sorted(labs.glob("*/checks.py")), *sorted(labs.glob("*/solution.py")),
             *sorted((repo / "grader" / "kit").glob("*.py")),
             *sorted(labs.glob("*/*.ipynb"))]
    return files


def scan(repo: Path = REPO_ROOT) -> dict[tuple[str, str], set[str]]:
    """(service, operation) -> the labs (or 'kit') that use it."""
    services = lab_services(repo)
    found: dict[tuple[str, str], set[str]] = {}
    for path in sources(repo):
        where = path.parent.name if path.parent.parent.name == "labs" else "kit"
        text = path.read_text()
        calls: Iterable[tuple[str, str]] = (
            _notebook_calls(path, services) if path.suffix == ".ipynb"
            else _python_calls(text, services))
        for key in calls:
            found.setdefault(key, set()).add(where[:2] if where != "kit" else "kit")
    return found


def load(path: Path = INVENTORY) -> Inventory:
    data = tomllib.loads(path.read_text())
    entries = tuple(Entry(**row) for row in data["operation"])
    return Inventory(moto=data["moto"], checked=data["checked"], entries=entries)


def installed_moto() -> str:
    return version("moto")


def render(inventory: Inventory, used: dict[tuple[str, str], set[str]]) -> str:
    """The docs page, one table per service."""
    counts = {s: sum(e.status == s for e in inventory.entries) for s in STATUSES}
    lines = [
        "# What the sandbox emulates, and where it differs",
        "",
        "<!-- Generated by `python -m grader.sandbox.inventory` from "
        "grader/sandbox/inventory.toml: do not edit by hand. -->",
        "",
        "The labs run your boto3 code against a local sandbox built on "
        f"[moto](https://github.com/getmoto/moto) {inventory.moto}, plus a ComputeLab layer "
        "that makes it answer like AWS where moto does not. This page lists every operation "
        f"a lab uses ({len(inventory.entries)} operations, checked {inventory.checked}):",
        "",
        f"- **same** ({counts['same']}): answers like AWS for what the labs send, in the "
        "same response shape (compared with the AWS API reference linked in each row);",
        f"- **corrected** ({counts['corrected']}): moto alone differs from AWS here; the "
        "sandbox validates, resolves or translates the call so that it answers like AWS;",
        f"- **differs** ({counts['differs']}): answers, but differs from AWS as the note "
        "says; where that touches a lab's rules, the lab's checks apply the AWS rule;",
        f"- **not emulated** ({counts['not-emulated']}): the sandbox answers with an "
        "AWS-style error that names the operation and what to use instead.",
        "",
        "Any other operation moto does not implement also answers with an error naming it "
        "(`NotImplemented`), never a server error or unreadable XML.",
        "",
    ]
    for service in sorted({e.service for e in inventory.entries}):
        lines += [f"## {service}", "", "| Operation | Status | Labs | Notes |",
                  "|---|---|---|---|"]
        for entry in sorted((e for e in inventory.entries if e.service == service),
                            key=lambda e: e.operation):
            labs = ", ".join(sorted(used.get((entry.service, entry.operation), set()))) or "-"
            note = entry.note
            if entry.alternative:
                note += f" Instead: {entry.alternative}"
            status = entry.status.replace("-", " ")
            lines.append(f"| [`{entry.operation}`]({entry.doc}) | {status} | {labs} | "
                         f"{note.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def coverage_problems(inventory: Inventory, used: dict[tuple[str, str], set[str]]
                      ) -> list[str]:
    """Operations a lab uses without an entry, entries no lab uses, malformed entries."""
    out = [f"{s}.{o} is used by lab(s) {', '.join(sorted(w))} but has no inventory entry"
           for (s, o), w in sorted(used.items()) if (s, o) not in inventory.keys()]
    untaught = {(e.service, e.operation) for e in inventory.entries if not e.taught}
    out += [f"{s}.{o} is in the inventory but no lab uses it any more (or mark taught = false)"
            for s, o in sorted(inventory.keys() - used.keys() - untaught)]
    out += [f"{e.service}.{e.operation}: unknown status '{e.status}'"
            for e in inventory.entries if e.status not in STATUSES]
    out += [f"{e.service}.{e.operation} is not emulated but names no alternative"
            for e in inventory.entries if e.status == "not-emulated" and not e.alternative]
    return out


def version_problems(inventory: Inventory, installed: str) -> list[str]:
    """The inventory holds for the moto it was checked against, not for another one."""
    if installed == inventory.moto:
        return []
    return [f"moto {installed} is installed but the inventory was checked against "
            f"{inventory.moto}: re-verify every entry (and grader/sandbox/fidelity/patches.py), "
            "then update 'moto' in grader/sandbox/inventory.toml"]


def problems() -> list[str]:
    """Why the inventory or its page is stale (empty when both are current)."""
    inventory, used = load(), scan()
    out = coverage_problems(inventory, used) + version_problems(inventory, installed_moto())
    if not PAGE.exists() or PAGE.read_text() != render(inventory, used):
        out.append("content/sandbox.md is out of date: run python -m grader.sandbox.inventory")
    return out


def doc_url(service: str, operation: str) -> str:
    """The AWS API reference page of a boto3 operation (``ecs``, ``create_service``)."""
    name = _api_names(service)[operation]
    return f"{API_REFERENCE.get(service, 'https://docs.aws.amazon.com/')}API_{name}.html"


def skeleton(inventory: Inventory, used: dict[tuple[str, str], set[str]]) -> str:
    """TOML entries to fill in for operations a lab uses that the inventory lacks."""
    blocks = []
    for service, operation in sorted(set(used) - inventory.keys()):
        blocks.append("\n".join([
            "[[operation]]", f'service = "{service}"', f'operation = "{operation}"',
            'status = "same"  # same | corrected | differs | not-emulated',
            'note = "TODO: compare valid and invalid input with the AWS page below"',
            f'doc = "{doc_url(service, operation)}"', ""]))
    return "\n".join(blocks)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--skeleton" in args:
        print(skeleton(load(), scan()), end="")
        return 0
    if "--check" in args:
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    PAGE.write_text(render(load(), scan()))
    print(f"wrote {PAGE.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
