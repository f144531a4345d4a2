"""Class 2: nothing the grader holds reaches a submission — not the environment of the
command that started it (``/proc/self/environ`` survives ``os.environ.clear()``), not the
loaded checks, not the list of classmates' files. Submissions are forked from a zygote
that was exec'd with a minimal environment and never had either."""

from __future__ import annotations

import os
import secrets

import pytest

from tests.grading.walls import attack, needs_walls

pytestmark = [pytest.mark.slow, needs_walls]

# Each needle is written as two halves that never meet in the attack's own source or
# memory: only a copy the grader leaked can hold them side by side.
SCAN = '''
import os, re, sys
def in_memory(first, second):
    first, second = first.encode(), second.encode()
    hits = 0
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if "r" not in perms or line.rstrip().endswith(("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            try:
                mem.seek(start)
                chunk = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue
            at = chunk.find(first)
            while at >= 0:
                if chunk[at + len(first):at + len(first) + len(second)] == second:
                    hits += 1
                at = chunk.find(first, at + 1)
            del chunk
    return hits
def in_environ(first, second):
    seen = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                data = open(f"/proc/{pid}/environ", "rb").read()
            except OSError:
                continue
            at = data.find(first.encode())
            while at >= 0:
                if data[at + len(first):].startswith(second.encode()):
                    seen.append(pid)
                at = data.find(first.encode(), at + 1)
    return seen
'''


def test_environment_checks_and_classmates_stay_out_of_the_submission(tmp_path, monkeypatch):
    secret = secrets.token_hex(8)
    monkeypatch.setenv("INSTRUCTOR_API_TOKEN", "tok-" + secret)
    classmate = "zz-classmate-" + secrets.token_hex(6)
    attacker = SCAN + f'''
S1, S2 = "tok-", {secret!r}
C1, C2 = "zz-classmate-", {classmate[len("zz-classmate-"):]!r}
K1, K2 = "Ids of the newest ", "AL2023 x86_64 release"
checks = sorted(name for name, module in list(sys.modules.items())
                if str(getattr(module, "__file__", "")).endswith("checks.py")
                and name != "grader.checks")
found(environ=in_environ(S1, S2), secret=in_memory(S1, S2), classmate=in_memory(C1, C2),
      checks_text=in_memory(K1, K2), checks=checks, pid=os.getpid(),
      instructor="INSTRUCTOR" in open("/proc/self/environ").read())
'''
    seen = attack(tmp_path, {"attacker": attacker, classmate: "found(ok=True)"})
    got = seen["attacker"]
    assert got["environ"] == [] and got["secret"] == 0, got
    assert got["classmate"] == 0, got
    assert got["checks"] == [] and got["checks_text"] == 0, got
    assert got["instructor"] is False, got
    assert seen[classmate] == {"ok": True}


def test_the_scan_finds_what_is_really_there(tmp_path):
    """The attack is not blind: a needle that is in the submission's memory is found."""
    needle = secrets.token_hex(6)
    attacker = SCAN + f'''
first, second = "present-", {needle!r}
kept = (first + second) * 1
found(hits=in_memory(first, second))
'''
    assert attack(tmp_path, {"probe": attacker})["probe"]["hits"] >= 1
    assert os.environ.get("INSTRUCTOR_API_TOKEN") is None
