"""Everything that crosses a process boundary while grading, in one place.

Messages are typed dataclasses sent as one JSON line each (``to_json`` / ``decode``),
tagged with their ``kind``::

    caller    -> pool       PoolConfig (stdin)
    pool      -> caller     PoolReady, PoolFatal, Graded (stdout lines)
    template  -> pool       TemplateReady (a pipe, once)
    worker   <-> template   ServerRequest (with the worker's network namespace as an fd),
                            ServerReply
    worker    -> pool       ServerStarted, Graded
    pool      -> zygote     ZygoteConfig (stdin; the zygote answers ZygoteReady on stdout)
    worker    -> zygote     SubmissionRequest (in a memfd, with the pipes as fds)
    relay     -> worker     SubmissionStarted, SubmissionEnded (a pipe)
    submission -> worker    Report (untrusted: ``Report.parse`` never raises)

A forked child gets a narrow context object (``SubmissionContext``), never its parent's
whole state.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from grader.aws import Account
from grader.grading.isolation import Capabilities
from grader.labs import Lab
from grader.results import LabResult, single_line

DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 2048
DEFAULT_OUTPUT_MB = 16
DEFAULT_CHECKS_TIMEOUT = 60.0
MAX_PROCESSES = 256
MAX_FILE_MB = 512
TMP_MB = 512
SERVER_MEMORY_MB = 1024  # each submission's sandbox server, in a cgroup of its own
WORKER_PORT = 5000  # each worker's server, inside the worker's own network namespace
MAX_REPORT_LINE = 65536
MAX_CELL = 100_000  # cell numbers a report may carry

M = TypeVar("M", bound="Message")


@dataclass(frozen=True)
class Limits:
    """Per-submission limits.

    ``memory_mb`` is the ceiling for the submission's whole process tree — its processes'
    memory and the files it writes to its private ``/tmp`` and ``/dev/shm`` — when the
    grader can make per-submission cgroups; otherwise (and also, per process, with them)
    what each process may allocate on top of the pre-loaded Python it starts from.
    ``checks_timeout`` bounds the checks run against what the submission created.
    """

    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    output_mb: int = DEFAULT_OUTPUT_MB
    require_isolation: bool = False  # refuse to grade unless every wall is in force
    checks_timeout: float = DEFAULT_CHECKS_TIMEOUT


class ProtocolError(ValueError):
    """A line that is not the message the reader expected (a bug or a dead peer)."""


@dataclass(frozen=True)
class Message:
    """A JSON-line message; subclasses set ``kind`` and list plain-JSON fields."""

    kind: ClassVar[str] = ""

    def payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls: type[M], data: dict[str, Any]) -> M:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, **self.payload()}) + "\n"

    def to_bytes(self) -> bytes:
        return self.to_json().encode()


def decode(line: str | bytes, *kinds: type[Message]) -> Message:
    """The message on ``line``, which must be one of ``kinds``."""
    try:
        data = json.loads(line)
        kind = data.pop("kind")
        cls = next(k for k in kinds if k.kind == kind)
        return cls.from_payload(data)
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration) as exc:
        names = ", ".join(k.__name__ for k in kinds)
        raise ProtocolError(f"expected {names}, got {str(line)[:120]!r}") from exc


def expect(line: str | bytes, kind: type[M]) -> M:
    """The message on ``line``, which must be a ``kind``."""
    message = decode(line, kind)
    assert isinstance(message, kind)
    return message


# --- caller <-> pool ------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolConfig(Message):
    """What the pool is asked to grade."""

    kind: ClassVar[str] = "config"
    lab: str
    paths: list[str]
    workers: int
    limits: Limits = field(default_factory=Limits)
    hide_dirs: list[str] = field(default_factory=list)
    overlay: str = ""  # the instructor-only checks folder (grader.labs.overlay), if any
    params: list[dict[str, Any]] = field(default_factory=list)  # per path: its values

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> PoolConfig:
        return cls(lab=data["lab"], paths=list(data["paths"]), workers=int(data["workers"]),
                   limits=Limits(**data.get("limits", {})),
                   hide_dirs=list(data.get("hide_dirs", [])),
                   overlay=str(data.get("overlay", "")),
                   params=[dict(p) for p in data.get("params", [])])


@dataclass(frozen=True)
class PoolReady(Message):
    """The pool is warm; ``isolation`` says which walls are in force on this machine."""

    kind: ClassVar[str] = "ready"
    isolation: str


@dataclass(frozen=True)
class PoolFatal(Message):
    """The pool could not start; ``reason`` is one line for the person at the keyboard."""

    kind: ClassVar[str] = "fatal"
    reason: str


@dataclass(frozen=True)
class Graded(Message):
    """One submission's outcome (worker -> pool -> caller)."""

    kind: ClassVar[str] = "graded"
    index: int
    result: LabResult
    duration: float
    phases: dict[str, float] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {"index": self.index, "result": self.result.to_dict(),
                "duration": self.duration, "phases": self.phases}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Graded:
        return cls(int(data["index"]), LabResult.from_dict(data["result"]),
                   float(data["duration"]), dict(data.get("phases", {})))


# --- server template <-> pool and workers ---------------------------------------------------


@dataclass(frozen=True)
class TemplateReady(Message):
    """The template is warm and holds ``account`` pristine (or failed: ``error``)."""

    kind: ClassVar[str] = "template"
    account: dict[str, str] | None = None
    error: str = ""

    def pristine(self) -> Account:
        if self.account is None:
            raise ProtocolError(self.error or "the server template sent no account")
        return Account(**self.account)


@dataclass(frozen=True)
class ServerRequest(Message):
    """A worker asks the template for a fresh server on ``port`` (0: any)."""

    kind: ClassVar[str] = "serve"
    port: int
    nonce: str
    uid: int = 0  # the server's own uid (0: the grader is not root)
    gid: int = 0
    cgroup: list[str] = field(default_factory=list)  # its cgroup folders (one per hierarchy)


@dataclass(frozen=True)
class ServerReply(Message):
    """The template forked server ``pid``, listening on ``port``, for request ``nonce``."""

    kind: ClassVar[str] = "served"
    nonce: str
    pid: int
    port: int


@dataclass(frozen=True)
class ServerStarted(Message):
    """A worker tells the pool its server's pid (so the pool can stop it if the worker dies)."""

    kind: ClassVar[str] = "server"
    pid: int


# --- submission -> worker: untrusted ----------------------------------------------------------


@dataclass(frozen=True)
class Report(Message):
    """Progress from the submission's own process. It only feeds feedback ("cell 3
    raised ..."), never a score; the submission can write anything on this pipe, so
    ``parse`` drops what is not well-formed instead of raising."""

    kind: ClassVar[str] = "report"
    cell: int | None = None
    error: str | None = None
    done: bool = False
    mark: str | None = None
    internal: str | None = None

    def payload(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}

    @classmethod
    def parse(cls, line: bytes) -> Report | None:
        """The report on ``line``, or None for anything else: too long, not UTF-8, not JSON,
        nested past the parser's limit, not an object. Each field is taken only with its
        own type (a cell number in range; text cut to one printable line of 300
        characters), so a well-formed line with wrong types still cannot raise."""
        if len(line) > MAX_REPORT_LINE:
            return None
        try:
            data = json.loads(line)
        except (ValueError, RecursionError, MemoryError):
            return None
        if not isinstance(data, dict):
            return None
        cell = data.get("cell")
        text = {k: single_line(data[k][:300]) for k in ("error", "mark", "internal")
                if isinstance(data.get(k), str)}
        if not (isinstance(cell, int) and not isinstance(cell, bool) and 0 < cell <= MAX_CELL):
            cell = None
        return cls(cell=cell, done=data.get("done") is True, **text)


# --- what a forked child is handed ------------------------------------------------------------


@dataclass(frozen=True)
class ZygoteConfig(Message):
    """What the submission zygote is told when it starts: the lab (found without its
    checks), the limits, the walls to build, and the folders to hide — coarsened, so no
    classmate is named (``grader.grading.caller.hidden_paths``)."""

    kind: ClassVar[str] = "zygote"
    lab: str
    limits: Limits
    caps: dict[str, Any]
    hide_dirs: list[str] = field(default_factory=list)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> ZygoteConfig:
        return cls(lab=data["lab"], limits=Limits(**data["limits"]), caps=dict(data["caps"]),
                   hide_dirs=list(data.get("hide_dirs", [])))


@dataclass(frozen=True)
class ZygoteReady(Message):
    """The zygote is warm (or failed: ``error``)."""

    kind: ClassVar[str] = "zygote-ready"
    error: str = ""


@dataclass(frozen=True)
class SubmissionRequest(Message):
    """A worker asks the zygote to run one submission: its code, its server, its uid and
    its cgroup folders. Sent in a memfd (code can be megabytes) with the pipes as fds."""

    kind: ClassVar[str] = "run"
    cells: list[str]
    notebook: bool
    endpoint: str
    ports: list[int] | None
    account: dict[str, str]
    uid: int
    gid: int
    cgroup: list[str] = field(default_factory=list)
    cgroup_v2: bool = False


@dataclass(frozen=True)
class SubmissionStarted(Message):
    """The relay forked the submission: ``pid`` is the process to kill to stop it all."""

    kind: ClassVar[str] = "started"
    pid: int


@dataclass(frozen=True)
class SubmissionEnded(Message):
    """The submission's top process ended with wait status ``status``."""

    kind: ClassVar[str] = "ended"
    status: int


# --- what a forked child is handed ------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionContext:
    """What the submission's processes need, and nothing more: no checks, no other
    submission's path, no grader clients. Built in the zygote, which never had them."""

    lab: Lab  # found without reading its folder
    limits: Limits
    caps: Capabilities
    keep: list[Path]
    data: dict[str, bytes]  # the lab's data files, copied into the submission's home
    shell: Any  # the warm IPython shell
    loader: Any  # the warm botocore data loader
    account: Account
    endpoint: str = ""
    ports: frozenset[int] | None = None  # loopback ports it may reach (None: all, netns)
    user: tuple[int, int] | None = None  # its slot's uid and gid (root only)
    seccomp: Any = None  # the filter (grader.grading.hardening.build)
