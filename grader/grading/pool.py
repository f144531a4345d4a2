"""The grading pool: one process per batch (started by ``grader.grading.caller``) that
starts the server template and the submission zygote (``grader.grading.zygote``), loads
the checks, then forks a fresh grading process (``grader.grading.worker``) per
submission, at most ``workers`` at once. See ``grader.grading`` for the whole tree."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from grader.aws import AWS
from grader.checks import zero_result
from grader.errors import ComputeLabError, SandboxError
from grader.grading import cgroups, hardening, isolation
from grader.grading.protocol import (
    WORKER_PORT,
    Graded,
    Message,
    PoolConfig,
    PoolFatal,
    PoolReady,
    ProtocolError,
    ServerStarted,
    TemplateReady,
    ZygoteConfig,
    ZygoteReady,
    decode,
    expect,
)
from grader.grading.worker import GradingContext, grader_main
from grader.grading.zygote import keep_paths
from grader.grading.zygote import spawn as spawn_zygote
from grader.labs import Lab, load_lab
from grader.labs.overlay import grading_checks
from grader.results import Status


@dataclass
class Pool:
    """The pool process's state: what each grading process is handed, and the lines to the
    server template (one per worker slot)."""

    grading: GradingContext
    template_conns: list[Any] = field(default_factory=list)
    zygote: Any = None  # the submission zygote's Popen

    @property
    def lab(self) -> Lab:
        return self.grading.lab


def emit(stream: IO[str], message: Message) -> None:
    stream.write(message.to_json())
    stream.flush()


def pool_main() -> None:
    """Entry point of the pool process (started by ``grade_iter``)."""
    results = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # stray prints from libraries go to the log, not into the protocol
    isolation.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    config = expect(sys.stdin.read(), PoolConfig)
    try:
        pool = prepare(config)
    except Exception as exc:
        why = str(exc) if isinstance(exc, ComputeLabError) else f"{type(exc).__name__}: {exc}"
        emit(results, PoolFatal(f"Could not start grading. {why}"))
        os._exit(1)
    emit(results, PoolReady(pool.grading.caps.describe()))
    try:
        schedule(pool, [Path(p) for p in config.paths], config.workers, results)
    finally:
        if pool.grading.cgroups is not None:
            pool.grading.cgroups.remove()
    results.flush()
    os._exit(0)


def prepare(config: PoolConfig) -> Pool:
    """Start the server template and the submission zygote, then load the checks."""
    import socket

    caps = isolation.probe()
    if caps.root:
        isolation.set_dumpable(False)
    groups = cgroups.setup() if caps.root else None
    if groups is not None:
        caps = dataclasses.replace(caps, cgroups=groups.describe())
    if config.limits.require_isolation and caps.missing():
        raise SandboxError("--require-isolation: a wall is missing here: "
                           + "; ".join(caps.missing()) + ".")
    lab_path = Path(config.lab)

    def lines() -> list[tuple[socket.socket, socket.socket]]:  # one message per request
        return [socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                for _ in range(config.workers)]

    pairs, zygote_pairs = lines(), lines()
    zygote = spawn_zygote(ZygoteConfig(lab=str(lab_path), limits=config.limits,
                                       caps=dataclasses.asdict(caps),
                                       hide_dirs=config.hide_dirs),
                          [theirs for _, theirs in zygote_pairs])
    for _, theirs in zygote_pairs:
        theirs.close()
    ready_r, ready_w = os.pipe()
    if os.fork() == 0:  # pragma: no cover - the server template (grader.sandbox.template)
        try:
            os.close(ready_r)
            for ours, _ in pairs + zygote_pairs:
                ours.close()
            from grader.sandbox.template import template_main

            template_main(lab_path, [theirs for _, theirs in pairs], ready_w)
        finally:
            os._exit(1)
    os.close(ready_w)
    for _, theirs in pairs:
        theirs.close()
    lab = load_lab(lab_path)
    # loaded before any submission runs (never in the zygote), instructor-only ones too
    specs = grading_checks(lab, Path(config.overlay) if config.overlay else None)
    if caps.root and not caps.namespaces:
        _require_readable_python(caps, keep_paths())
    with os.fdopen(ready_r) as ready:
        line = ready.readline()
    try:
        account = expect(line, TemplateReady).pristine()
    except ProtocolError as exc:
        why = str(exc) if line else "the server template died"
        raise SandboxError(f"The sandbox server template failed: {why}") from exc
    assert zygote.stdout is not None
    zygote_line = zygote.stdout.readline()
    try:
        zygote_ready = expect(zygote_line, ZygoteReady)
    except ProtocolError as exc:
        raise SandboxError("The submission zygote failed to start.") from exc
    if zygote_ready.error:
        raise SandboxError(f"The submission zygote failed: {zygote_ready.error}")
    import gc

    handle = AWS.for_account(f"http://127.0.0.1:{WORKER_PORT}", account)
    for service in sorted(set(lab.services)):
        handle.client(service)  # created once here, used by every grading process
    gc.collect()
    gc.freeze()  # forked children then don't copy pages just to run the garbage collector
    grading = GradingContext(lab, specs, config.limits, caps, account, handle,
                             zygote_conns=[ours for ours, _ in zygote_pairs], cgroups=groups,
                             keep=keep_paths(), hide_dirs=[Path(p) for p in config.hide_dirs],
                             seccomp=hardening.build() if caps.seccomp else None,
                             params=config.params)
    return Pool(grading, template_conns=[ours for ours, _ in pairs], zygote=zygote)


def _require_readable_python(caps: isolation.Capabilities, keep: list[Path]) -> None:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            isolation.drop_privileges(*caps.user)
            for path in keep:
                if path.is_dir():
                    os.listdir(path)
            code = 0
        except Exception:
            pass
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        raise SandboxError(
            f"Submissions run as uid {caps.uid}, which cannot read this Python installation "
            f"({sys.base_prefix}), and this machine does not allow namespaces to fix that. "
            "Install ComputeLab in a world-readable location or grade in a privileged "
            "container.")


# --- scheduling: a fresh grading process per submission, at most ``workers`` at once ---------


def schedule(pool: Pool, paths: list[Path], workers: int, results: IO[str]) -> None:
    """Fork one grading process per submission (a clean copy of the pool: nothing of an
    earlier submission is in its memory), at most ``workers`` at a time, one per slot;
    each slot has its own line to the server template."""
    import selectors

    from grader.sandbox.template import stop_server

    queue = list(range(len(paths)))
    queue.reverse()
    free = list(range(min(workers, len(pool.template_conns))))
    free.reverse()
    selector = selectors.DefaultSelector()
    running: dict[int, dict[str, Any]] = {}
    done = 0
    while done < len(paths):
        while queue and free:
            index, slot = queue.pop(), free.pop()
            read_end, pid = _fork_grader(pool, slot, index, paths[index])
            running[pid] = {"slot": slot, "index": index, "buffer": b"", "result": None,
                            "server": 0, "fd": read_end}
            selector.register(read_end, selectors.EVENT_READ, pid)
        for key, _ in selector.select():
            pid = key.data
            job = running[pid]
            chunk = os.read(job["fd"], 1 << 20)
            job["buffer"] += chunk
            while b"\n" in job["buffer"]:
                line, job["buffer"] = job["buffer"].split(b"\n", 1)
                message = decode(line, ServerStarted, Graded)
                if isinstance(message, ServerStarted):
                    job["server"] = message.pid
                else:
                    job["result"] = message
            if chunk:
                continue
            selector.unregister(job["fd"])
            os.close(job["fd"])
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            del running[pid]
            free.append(job["slot"])
            message = job["result"]
            if message is None:  # the grading process died (it should not): say so
                if job["server"]:
                    stop_server(job["server"])
                reason = "The grader stopped while handling this submission (internal error)."
                message = Graded(job["index"], zero_result(
                    pool.lab.id, pool.grading.specs, Status.ERROR, reason,
                    pool.grading.values(job["index"])), 0.0)
            emit(results, message)
            done += 1


def _fork_grader(pool: Pool, slot: int, index: int, path: Path) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the grading process
        os.close(read_end)
        code = 0
        try:
            template = pool.template_conns[slot]
            for other in pool.template_conns + pool.grading.zygote_conns:
                if other is not template and other is not pool.grading.zygote_conns[slot]:
                    other.close()
            grader_main(pool.grading, template, slot, index, path, write_end)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        os._exit(code)
    os.close(write_end)
    return read_end, pid
