"""Class 9: no_new_privs and the seccomp filter. No new namespaces (``unshare``,
``setns``, ``clone`` with CLONE_NEW*, ``clone3`` failing with ENOSYS so glibc falls back
to ``clone``), no ptrace, keyctl, mount, bpf or perf_event_open; ordinary work (fork,
subprocess) still runs."""

from __future__ import annotations

import json
import os

import pytest

from grader.grading import hardening
from tests.grading.walls import attack, needs_walls

needs_seccomp = pytest.mark.skipif(not hardening.available(),
                                   reason="needs libseccomp and pyseccomp")

# x86_64 numbers: ctypes' libc.syscall reaches calls glibc has no wrapper for
PROBE = '''
import ctypes, errno, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
def call(number, *args):
    ctypes.set_errno(0)
    result = libc.syscall(number, *[ctypes.c_long(a) for a in args])
    return "ok" if result >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
CLONE_NEWUSER, CLONE_NEWNET, SIGCHLD = 0x10000000, 0x40000000, 17
results = {
    "unshare_user": call(272, CLONE_NEWUSER),
    "unshare_net": call(272, CLONE_NEWNET),
    "setns": call(308, 0, 0),
    "clone3": call(435, 0, 0),
    "clone_newuser": call(56, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
    "ptrace": call(101, 16, 1, 0, 0),
    "keyctl": call(250, 0, 0, 0, 0),
    "mount": call(165, 0, 0, 0, 0, 0),
    "bpf": call(321, 0, 0, 0),
    "perf_event_open": call(298, 0, 0, -1, -1, 0),
    "io_uring_setup": call(425, 1, 0),
    "subprocess": subprocess.run(["true"]).returncode,
    "nnp": [l.split()[1] for l in open("/proc/self/status") if l.startswith("NoNewPrivs")][0],
}
'''
DENIED = {"unshare_user": "EPERM", "unshare_net": "EPERM", "setns": "EPERM",
          "clone3": "ENOSYS", "clone_newuser": "EPERM", "ptrace": "EPERM",
          "keyctl": "EPERM", "mount": "EPERM", "bpf": "EPERM", "perf_event_open": "EPERM",
          "io_uring_setup": "EPERM", "subprocess": 0, "nnp": "1"}


@needs_seccomp
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="system-call numbers are x86_64")
def test_the_filter_denies_escapes_and_keeps_ordinary_work():
    rules = hardening.build()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            hardening.apply(rules)
            scope: dict = {}
            exec(PROBE, scope)
            os.write(write, json.dumps(scope["results"]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        results = json.loads(pipe.read())
    os.waitpid(pid, 0)
    assert results == DENIED


@pytest.mark.slow
@needs_walls
@needs_seccomp
def test_a_graded_submission_cannot_escape_through_system_calls(tmp_path):
    got = attack(tmp_path, {"escape": PROBE + "found(**results)\n"}, jobs=1)["escape"]
    assert got == DENIED
