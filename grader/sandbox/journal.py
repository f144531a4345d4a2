"""Each lab's AWS state kept across a restart: a log of the requests that changed it, replayed.

moto keeps everything in memory and has no way to save it, so the learner's sandbox keeps,
per lab, an append-only log (``<workspace>/.computelab/state/<lab>.jsonl``): a header line
(format version, lab, account, moto version) and one JSON line per request that changes
state — the request as it arrived (body included), and what the sandbox answered (status
and the ids in the answer). A line is written with one ``write`` before the answer leaves,
so a crash (even ``kill -9``) loses at most a request whose answer nobody saw.

Replaying gives the same ids because ``grader.sandbox.determinism`` reseeds moto's id
stream per request from names that are the same in both runs; requests are serialized (one
lock around the whole sandbox) so no other thread draws from the stream in between.
Replay compares each answer with the recorded one and stops at the first difference: that
lab is reported, by name, as not restored (never restored half-way in silence). Reads
(``Describe*``, ``List*``, ``Get*``...) are not recorded.

Only ``grader.sandbox.local`` with a journal records; grading servers never do.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import io
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.aws import Account
from grader.sandbox.app import ACCOUNTS_ROUTE, WSGIApp, new_account
from grader.sandbox.determinism import clock_at, make_ids_reproducible, reseed
from grader.sandbox.fidelity.wire import AwsRequest, Response, StartResponse, collect, parse
from grader.sandbox.refusals import normal_path

VERSION = 1  # bump when a log written before could no longer be replayed the same way
STATE_DIR = Path(".computelab") / "state"
SUFFIX = ".jsonl"
MAX_BODY = 16 * 1024 * 1024
MOTO_RESET = "/moto-api/reset"  # would wipe every lab behind the logs' back: refused
# operations that only read (not recorded); anything else is, failed calls included
READ_PREFIXES = ("Describe", "List", "Get", "Head", "Lookup", "Search", "Simulate", "Scan",
                 "Query", "BatchGet", "Filter", "Select", "Preview", "Estimate")
_LAB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}")
_ENVIRON_KEYS = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "REQUEST_URI", "RAW_URI",
                 "CONTENT_TYPE", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL")
# ids in an answer: prefixed hex (i-0abc..., vol-..., ami-...) and UUIDs (ECS, Lambda, Batch)
_IDS = re.compile(rb"\b[a-z][a-z0-9]{0,15}-[0-9a-f]{8,32}\b|\b[0-9a-f]{8}-[0-9a-f]{4}-"
                  rb"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_REQUEST_IDS = re.compile(rb"<(request_?id)>[^<]*</\1>|\"request_?id\"\s*:\s*\"[^\"]*\"",
                          re.IGNORECASE)
# what may differ between a request and its replay: times, the server's address, and key
# pair material (a new RSA key per process: speed_up_moto's pool)
_VARYING = re.compile(rb"<keyMaterial>[^<]*</keyMaterial>|<keyFingerprint>[^<]*</keyFingerprint>"
                      rb"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?"
                      rb"|\b1\d{9}(\.\d+)?\b|\b1\d{12}\b|127\.0\.0\.1:\d+|localhost:\d+")


def state_dir(workspace: Path) -> Path:
    """Where a workspace's sandbox state lives (hidden from JupyterLab's file browser)."""
    return workspace / STATE_DIR


def lab_number(lab: str) -> str:
    """``01`` for ``01-ec2-from-ami``: what a learner types."""
    return lab.split("-", 1)[0]


def reset_hint(lab: str) -> str:
    return f"run `computelab reset {lab_number(lab)}` to start that lab afresh"


def answer_ids(body: bytes) -> list[str]:
    """The ids an answer names (request ids left out: they need not repeat)."""
    found = {m.decode() for m in _IDS.findall(_REQUEST_IDS.sub(b"", body))}
    return sorted(found)[:64]


def answer_digest(body: bytes) -> str:
    """A fingerprint of an answer, blind to what may differ in a replay (times, port)."""
    return hashlib.sha256(_VARYING.sub(b"#", _REQUEST_IDS.sub(b"", body))).hexdigest()[:16]


def is_recorded(request: AwsRequest) -> bool:
    """Whether a call can change state (an unnamed REST call: unless it is a GET/HEAD)."""
    operation = request.operation_name()
    if " " in operation:  # no botocore route matched: judge by the method
        return operation.split(" ", 1)[0] not in ("GET", "HEAD", "OPTIONS")
    return not operation.startswith(READ_PREFIXES)


@dataclass
class Restored:
    """One lab after a replay: its account, how many requests, and what went wrong if any."""

    lab: str
    account: Account | None
    requests: int
    problem: str = ""


@dataclass
class _Log:
    """One lab's open log: its account and the number of the next request."""

    lab: str
    account: Account
    path: Path
    seq: int = 0
    fd: int = field(default=-1, repr=False)

    def append(self, record: dict[str, Any]) -> None:
        """One line, straight to the file (no buffer to lose): a crash leaves whole lines, at
        worst a cut last one, which ``read_log`` drops."""
        data = memoryview((json.dumps(record, separators=(",", ":")) + "\n").encode())
        while data:
            data = data[os.write(self.fd, data):]
        self.seq += 1

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _open_append(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


def moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


def header(lab: str, account: Account, managed_policies: bool) -> dict[str, Any]:
    return {"computelab_state": VERSION, "lab": lab, "account": asdict(account),
            "managed_policies": managed_policies, "moto": moto_version(),
            "created": time.time()}


def read_log(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A log's header and requests; a cut last line (a crash mid-write) is dropped.

    Raises ValueError naming the line when the file is damaged elsewhere."""
    lines = path.read_bytes().split(b"\n")
    complete, tail = lines[:-1], lines[-1]  # tail: '' after a final newline, else cut
    del tail
    if not complete:
        raise ValueError("it is empty")
    records = []
    for number, line in enumerate(complete, start=1):
        try:
            record = json.loads(line)
        except ValueError:
            raise ValueError(f"line {number} is damaged") from None
        if not isinstance(record, dict):
            raise ValueError(f"line {number} is damaged")
        records.append(record)
    return records[0], records[1:]


def saved_labs(folder: Path) -> list[tuple[str, int, int]]:
    """(lab, requests, bytes) for every log in ``folder``: what ``status`` shows."""
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
        with path.open("rb") as handle:
            lines = sum(1 for line in handle if line.endswith(b"\n"))
        found.append((path.stem, max(lines - 1, 0), path.stat().st_size))
    return found


def forget(folder: Path, lab: str | None = None) -> list[str]:
    """Delete one lab's log (``None``: every lab's); the labs whose logs went."""
    paths = [folder / f"{lab}{SUFFIX}"] if lab else sorted(folder.glob(f"*{SUFFIX}"))
    gone = []
    for path in paths:
        if path.is_file():
            path.unlink()
            gone.append(path.stem)
    return gone


def _capture(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """What is needed to send the request again: method, path, headers and body."""
    kept = {k: v for k, v in environ.items()
            if isinstance(v, str) and (k in _ENVIRON_KEYS or k.startswith("HTTP_"))}
    record: dict[str, Any] = {"environ": kept}
    try:
        record["body"] = body.decode()
    except UnicodeDecodeError:
        record["body64"] = base64.b64encode(body).decode()
    return record


def _environ(record: dict[str, Any]) -> dict[str, Any]:
    """A WSGI environ for a recorded request."""
    body = (base64.b64decode(record["body64"]) if "body64" in record
            else str(record.get("body", "")).encode())
    environ: dict[str, Any] = {
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "0", "SERVER_PROTOCOL": "HTTP/1.1",
        "QUERY_STRING": "", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "REMOTE_ADDR": "127.0.0.1",
    }
    environ.update(record["environ"])
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _refusal(start_response: StartResponse, request: AwsRequest | None, code: str,
             message: str, status: int = 400) -> list[bytes]:
    if request is not None:
        return request.error(code, message, status).send(start_response)
    body = json.dumps({"error": message}).encode()
    return Response(status, [("Content-Type", "application/json")], body).send(start_response)


class Journal:
    """The sandbox layer that records each lab's state-changing requests, and replays them.

    Use ``journal.wrap`` as a layer, just outside the accounts route; call ``restore`` before
    the server serves. Every request through it is serialized (see the module docstring).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.RLock()
        self.inner: WSGIApp | None = None
        self._logs: dict[str, _Log] = {}  # account id -> log
        self._retired: dict[str, str] = {}  # account id -> lab, after that lab was reset

    def wrap(self, inner: WSGIApp) -> WSGIApp:
        """The layer: remember the app inside (replay sends requests there) and stand in."""
        self.inner = inner
        make_ids_reproducible()
        return self

    def _app(self) -> WSGIApp:
        if self.inner is None:
            raise RuntimeError("Journal.wrap was never called")
        return self.inner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        with self.lock:
            if path == ACCOUNTS_ROUTE and environ.get("REQUEST_METHOD") == "POST":
                return self._new_account(environ, start_response)
            if normal_path(path) == MOTO_RESET:
                return _refusal(start_response, None, "Refused",
                                "This sandbox keeps each lab's state: reset labs with "
                                "`computelab reset LAB` or `computelab reset --all`.", 403)
            request = parse(environ)
            account = request.account_id if request is not None else ""
            log = self._logs.get(account)
            if request is None or not is_recorded(request):
                return collect(self._app(), environ).send(start_response)
            if log is None:
                if account in self._retired:
                    lab = self._retired[account]
                    return _refusal(
                        start_response, request, "ComputeLabLabWasReset",
                        f"Lab {lab_number(lab)} was reset, and this kernel still uses its old "
                        "sandbox account. Re-run the notebook's first cell.")
                return collect(self._app(), environ).send(start_response)
            body = request.buffer()
            if len(body) > MAX_BODY:
                return _refusal(
                    start_response, request, "RequestEntityTooLarge",
                    f"The sandbox keeps requests of at most {MAX_BODY // 2**20} MB so it can "
                    f"restore your lab after a restart; this one has {len(body) // 2**20} MB.")
            record = {"seq": log.seq, "t": time.time(), "op": request.operation_name(),
                      **_capture(environ, body)}
            reseed(account, log.seq)
            with clock_at(record["t"]):  # the same time in a replay
                response = collect(self._app(), environ)
            log.append({**record, "status": response.status, "ids": answer_ids(response.body),
                        "digest": answer_digest(response.body)})
            return response.send(start_response)

    def _new_account(self, environ: dict[str, Any], start_response: StartResponse
                     ) -> list[bytes]:
        """Let the accounts route make the account; start that lab's log (a reset: anew)."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            asked = json.loads(raw or b"{}")
        except ValueError:
            asked = {}
        response = collect(self._app(), environ)
        lab = asked.get("lab") if isinstance(asked, dict) else None
        if response.status == 200 and isinstance(lab, str) and _LAB_NAME.fullmatch(lab):
            self.start_log(lab, Account(**response.json()), bool(asked.get("managed_policies")))
        return response.send(start_response)

    def start_log(self, lab: str, account: Account, managed_policies: bool) -> None:
        """A new log for ``lab`` (replacing its old one, whose account is retired)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{lab}{SUFFIX}"
        tmp = path.with_suffix(".new")
        tmp.write_text(json.dumps(header(lab, account, managed_policies)) + "\n")
        os.replace(tmp, path)
        for old_id, old in list(self._logs.items()):
            if old.lab == lab:
                old.close()
                del self._logs[old_id]
                self._retired[old_id] = lab
        self._logs[account.account_id] = _Log(lab, account, path, 0, _open_append(path))

    def close(self) -> None:
        with self.lock:
            for log in self._logs.values():
                log.close()

    def restore(self) -> list[Restored]:
        """Replay every lab's log into this (fresh) sandbox; one ``Restored`` per lab."""
        results: dict[str, Restored] = {}
        queues: dict[str, list[dict[str, Any]]] = {}
        saved_with: dict[str, str] = {}  # lab -> the moto version that wrote its log
        with self.lock:
            for path in sorted(self.folder.glob(f"*{SUFFIX}")) if self.folder.is_dir() else []:
                lab = path.stem
                try:
                    account, entries, saved_with[lab] = self._recreate(path)
                except ValueError as exc:
                    results[lab] = Restored(lab, None, 0, f"lab {lab_number(lab)} could not be "
                                                          f"restored: {exc}; {reset_hint(lab)}.")
                    continue
                results[lab] = Restored(lab, account, 0)
                queues[lab] = entries
            for lab, entry in _in_time_order(queues):
                done = results[lab]
                if done.problem:
                    continue
                got = self._replay(done, entry)
                if got:
                    done.problem = _diverged(lab, entry, got, saved_with[lab])
                else:
                    done.requests += 1
            for lab, done in results.items():
                if done.account is not None and not done.problem:
                    path = self.folder / f"{lab}{SUFFIX}"
                    self._logs[done.account.account_id] = _Log(
                        lab, done.account, path, done.requests, _open_append(path))
        return sorted(results.values(), key=lambda r: r.lab)

    def _recreate(self, path: Path) -> tuple[Account, list[dict[str, Any]], str]:
        """The lab's account made again (same id and keys), its requests to replay, and the
        moto version that wrote them."""
        head, entries = read_log(path)
        version = head.get("computelab_state")
        if version != VERSION:
            raise ValueError(f"it was saved by a different ComputeLab (state format {version}, "
                             f"this one reads {VERSION})")
        try:
            saved = Account(**head["account"])
        except (KeyError, TypeError):
            raise ValueError("its first line is damaged") from None
        made = new_account(bool(head.get("managed_policies")), saved.account_id)
        if made != saved:
            raise ValueError("its account could not be made again with the same keys")
        for number, entry in enumerate(entries):
            if entry.get("seq") != number or not isinstance(entry.get("environ"), dict):
                raise ValueError(f"line {number + 2} is damaged")
        return saved, entries, str(head.get("moto"))

    def _replay(self, done: Restored, entry: dict[str, Any]) -> str:
        """Send one recorded request again; '' when the answer matches, else what it gave."""
        assert done.account is not None
        reseed(done.account.account_id, entry["seq"])
        try:
            with clock_at(float(entry.get("t", 0))):
                response = collect(self._app(), _environ(entry))
        except Exception as exc:  # noqa: BLE001 - any failure is a divergence to report
            got = f"the sandbox failed ({type(exc).__name__})"
        else:
            if response.status != entry.get("status"):
                got = f"status {response.status}, not {entry.get('status')}"
            elif answer_ids(response.body) != entry.get("ids"):
                got = "different ids in the answer"
            elif answer_digest(response.body) != entry.get("digest"):
                got = "a different answer"
            else:
                return ""
        return got


def _diverged(lab: str, entry: dict[str, Any], got: str, saved_with: str) -> str:
    """The loud, specific line for a replay that went another way than the original."""
    upgraded = (f" (saved with moto {saved_with}, now {moto_version()})"
                if saved_with != moto_version() else "")
    return (f"lab {lab_number(lab)} could not be restored: request {entry['seq'] + 1} "
            f"({entry.get('op', '?')}) gave {got}{upgraded}; {reset_hint(lab)}.")


def _in_time_order(queues: dict[str, list[dict[str, Any]]]
                   ) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every lab's requests merged in the order they first happened (labs can meet: an S3
    bucket name is global)."""
    def stream(lab: str, entries: list[dict[str, Any]]
               ) -> Iterator[tuple[float, str, int, dict[str, Any]]]:
        return ((float(e.get("t", 0)), lab, int(e["seq"]), e) for e in entries)

    streams = [stream(lab, entries) for lab, entries in queues.items()]
    for _, lab, _, entry in heapq.merge(*streams, key=lambda item: item[:3]):
        yield lab, entry


def summary(restored: list[Restored]) -> list[str]:
    """One line for what came back, one per lab that did not."""
    kept = [r for r in restored if not r.problem]
    lines = []
    if kept:
        labs = ", ".join(f"{lab_number(r.lab)} ({r.requests} request"
                         f"{'' if r.requests == 1 else 's'})" for r in kept)
        lines.append(f"Restored {len(kept)} lab{'' if len(kept) == 1 else 's'}: {labs}.")
    lines.extend(r.problem for r in restored if r.problem)
    return lines
