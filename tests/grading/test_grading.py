"""`computelab grade` internals: isolated submissions, fresh servers, network guard, reasons."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.checks import resolve
from grader.grading import Limits, grade, isolation, netguard
from grader.grading.run import SubmissionRun as _Run
from grader.grading.worker import stable_text as _stable
from grader.labs import all_labs, find_lab
from grader.sandbox import Account

LAB = find_lab("01")


def notebook_with(tmp_path, name, transform=None):
    """A copy of the solved notebook, optionally with its code cells transformed."""
    nb = nbformat.read(LAB.path / "solution.ipynb", as_version=4)
    if transform:
        transform([c for c in nb.cells if c.cell_type == "code"])
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def break_cell(index, code):
    def transform(cells):
        cells[index].source = code
    return transform


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("subs")
    (tmp / "corrupt.ipynb").write_text("{ not json")
    (tmp / "notes.txt").write_text("hello")
    script = tmp / "script.py"
    # solution.py is a plain script; its {{ parameters }} take the defaults, as in lab.ipynb
    script.write_text(resolve((LAB.path / "solution.py").read_text(), LAB.defaults))
    paths = [
        notebook_with(tmp, "solved.ipynb"),
        LAB.path / "lab.ipynb",
        notebook_with(tmp, "middle-error.ipynb", break_cell(3, "raise RuntimeError('oops')")),
        notebook_with(tmp, "hangs.ipynb", break_cell(6, "while True: pass")),
        tmp / "corrupt.ipynb",
        tmp / "notes.txt",
        script,
    ]
    return dict(zip([p.stem for p in paths], grade(LAB, paths, Limits(timeout=8)),
                    strict=True))


def test_solved_notebook_gets_full_marks(graded):
    result = graded["solved"]
    assert result.score == result.max_score == 15 and result.status == "passed"


def test_untouched_notebook_gets_zero_with_messages(graded):
    result = graded["lab"]
    assert result.score == 0
    assert all(t.output for t in result.tests)


def test_error_in_a_middle_cell_keeps_later_work(graded):
    result = graded["middle-error"]
    # cell 3 (the builder launch) failed: everything needing the builder or golden AMI is lost,
    # the key pair and security group (earlier cells) still count.
    passed = {t.name for t in result.tests if t.passed}
    assert {"key_pair_created", "security_group_rules"} <= passed
    assert "builder_runs_latest_al2023" not in passed
    assert "RuntimeError: oops" in result.output


def test_hanging_submission_times_out_and_keeps_earlier_work(graded):
    result = graded["hangs"]
    assert result.status == "timeout"
    assert "8 s" in result.output
    passed = {t.name for t in result.tests if t.passed}
    assert "golden_ami_from_builder" in passed and "builder_terminated" not in passed


@pytest.mark.parametrize("name, phrase", [("corrupt", "not a readable notebook"),
                                          ("notes", "not a notebook")])
def test_unreadable_submissions_get_a_one_line_reason(graded, name, phrase):
    result = graded[name]
    assert result.status == "error" and result.score == 0
    assert phrase in result.output and "\n" not in result.output


def test_python_script_submission_is_graded(graded):
    assert graded["script"].score == 15


@pytest.mark.slow
def test_grading_is_deterministic(tmp_path):
    path = notebook_with(tmp_path, "twice.ipynb", break_cell(6, "pass"))
    first, second = grade(LAB, [path, path])
    assert first.to_dict() == second.to_dict()
    assert first.score == 14


# --- isolation details ---------------------------------------------------------------------

CAPS = isolation.probe()


@pytest.mark.parametrize("family, address, ports, allowed", [
    (socket.AF_INET, ("127.0.0.1", 5000), None, True),
    (socket.AF_INET, ("127.0.0.5", 80), None, True),
    (socket.AF_INET6, ("::1", 5000, 0, 0), None, True),
    (socket.AF_INET, ("localhost", 5000), None, True),
    (socket.AF_INET, ("127.0.0.1", 5001), frozenset({5000}), False),
    (socket.AF_INET, ("203.0.113.7", 80), None, False),
    (socket.AF_INET, ("10.0.0.1", 443), None, False),
    (socket.AF_INET6, ("2001:db8::1", 443, 0, 0), None, False),
    (socket.AF_INET, ("example.com", 80), None, False),
    (socket.AF_UNIX, "/run/some.sock", frozenset({5000}), True),
])
def test_network_guard_rules(family, address, ports, allowed):
    """The rule itself, checked without opening a single socket."""
    if allowed:
        netguard.check_address(family, address, ports)
    else:
        with pytest.raises(PermissionError, match="blocks network access outside the sandbox"):
            netguard.check_address(family, address, ports)


@pytest.mark.skipif(not CAPS.namespaces or not shutil.which("unshare"),
                    reason="needs root: the probe runs in an empty network namespace")
def test_network_guard_hook_refuses_connects_and_lookups():
    """The installed hook, in a process that has no route off the machine anyway."""
    code = (
        "import socket, sys\n"
        "from grader.grading import netguard\n"
        "netguard.install()\n"
        "for target in (lambda: socket.create_connection(('203.0.113.7', 80), timeout=1),\n"
        "               lambda: socket.getaddrinfo('example.com', 80),\n"
        "               lambda: socket.socket().connect_ex(('198.51.100.1', 443))):\n"
        "    try:\n"
        "        target()\n"
        "    except PermissionError as exc:\n"
        "        print(exc)\n"
        "socket.getaddrinfo('127.0.0.1', 80)\n"
    )
    done = subprocess.run(["unshare", "-n", sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=60)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines == [
        "ComputeLab grading blocks network access outside the sandbox: refused a connection "
        "to 203.0.113.7:80.",
        "ComputeLab grading blocks network access outside the sandbox: refused a lookup of "
        "'example.com'.",
        "ComputeLab grading blocks network access outside the sandbox: refused a connection "
        "to 198.51.100.1:443."]


def test_feedback_never_embeds_random_ids():
    account = Account("123456789012", "AKIAEXAMPLE12345678", "secret")
    text = ("Cell 5 raised ClientError: instance i-0123456789abcdef0 in sg-1234abcd of "
            "123456789012 (key AKIAEXAMPLE12345678), image ami-0d27e0fb3bac4d724")
    assert _stable(text, account) == (
        "Cell 5 raised ClientError: instance i-… in sg-… of <account> (key <access-key>), "
        "image ami-…")


@pytest.mark.parametrize("run, phrase", [
    (_Run(done=True, errors=[(3, "KeyError: 'x'"), (5, "NameError: y")]),
     "Cell 3 raised KeyError: 'x' (and 1 more)."),
    (_Run(timed_out=True, current=7), "Stopped after 9 s (time limit) while cell 7 was running"),
    (_Run(too_much_output=True, current=2), "printed more than 16 MB of output while cell 2"),
    (_Run(signal=9, current=6), "process was killed (SIGKILL) while cell 6 was running"),
    (_Run(exit_code=3, current=5), "ended its own process (exit code 3) while cell 5"),
    (_Run(signal=9, current=4, errors=[(4, "MemoryError")]),
     "killed (SIGKILL) after running out of memory (limit 2048 MB)"),
    (_Run(internal="OSError: mount"), "could not isolate this submission (OSError: mount)"),
])
def test_reasons_say_what_happened(run, phrase):
    reason = run.reason(Limits(timeout=9), notebook=True)
    assert phrase in reason and "\n" not in reason


@pytest.mark.slow
def test_a_submission_sees_only_its_own_fresh_server(tmp_path):
    """Whatever ran before or runs beside it, a submission's server starts pristine."""
    probe = [
        "import boto3, json, os, urllib.request\n"
        "ec2 = boto3.client('ec2')\n"
        "assert ec2.describe_key_pairs()['KeyPairs'] == [], 'state left by someone else'\n"
        "ec2.create_key_pair(KeyName='web-key')\n"
        "state = urllib.request.urlopen(os.environ['AWS_ENDPOINT_URL'] + '/moto-api/data.json')"
        ".read()\n"
        "assert state.count(b'web-key') == 1, 'another submission shares this server'\n"
    ]
    paths = []
    for number in range(4):
        path = tmp_path / f"probe{number}.ipynb"
        path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                    "cells": [{"cell_type": "code", "source": probe[0],
                                               "metadata": {}, "outputs": [],
                                               "execution_count": None}]}))
        paths.append(path)
    results = grade(LAB, paths, Limits(timeout=60), jobs=2)
    assert [r.output for r in results] == [""] * 4
    assert all({t.name for t in r.tests if t.passed} == {"key_pair_created"} for r in results)


def test_probe_reports_what_it_can_build():
    assert CAPS.root == (os.geteuid() == 0)
    assert CAPS.describe()


def _notebook(path, *cells):
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
         "execution_count": None} for c in cells]}))
    return path


@pytest.mark.slow
def test_without_namespaces_detached_grandchildren_are_still_killed(tmp_path, monkeypatch):
    """The fallback for graders that are not root: process group + child subreaper."""
    import time

    monkeypatch.setenv("COMPUTELAB_ISOLATION", "none")
    marker = tmp_path / "grandchild-survived"
    leave_behind = _notebook(tmp_path / "leave.ipynb", (
        "import subprocess, sys\n"
        "code = ('import os, time\\n'\n"
        "        'if os.fork(): os._exit(0)\\n'\n"
        "        'os.setsid(); time.sleep(3)\\n'\n"
        f"        'open({str(marker)!r}, \"w\").write(\"alive\")\\n')\n"
        "subprocess.Popen([sys.executable, '-c', code], start_new_session=True)\n"))
    paths = [leave_behind, LAB.path / "solution.ipynb",
             Path(__file__).resolve().parents[1] / "fixtures" / "hostile" / "kernel-killed.ipynb"]
    results = grade(LAB, paths, Limits(timeout=60), jobs=2)
    assert results[1].score == 15
    assert "killed (SIGKILL)" in results[2].output
    time.sleep(4)
    assert not marker.exists()


SOLVED_LABS = [lab for lab in all_labs()
               if (lab.path / "solution.ipynb").is_file()]


@pytest.mark.slow
@pytest.mark.parametrize("lab", SOLVED_LABS, ids=[lab.id for lab in SOLVED_LABS])
def test_every_lab_grades_solved_full_and_untouched_zero(lab):
    """The engine knows no lab: each lab's solved notebook passes under full isolation."""
    solved, untouched = grade(lab, [lab.path / "solution.ipynb", lab.notebook],
                              Limits(timeout=120), jobs=2)
    assert solved.score == solved.max_score and solved.output == "", solved.to_dict()
    assert untouched.score == 0


@pytest.mark.slow
def test_lab_data_files_sit_next_to_the_submission(tmp_path):
    lab = next((lab for lab in SOLVED_LABS
                if any(p.suffix == ".json" for p in lab.path.iterdir())), None)
    if lab is None:
        pytest.skip("no lab ships a data file")
    data = next(p.name for p in lab.path.iterdir() if p.suffix == ".json")
    probe = _notebook(tmp_path / "probe.ipynb",
                      f"import json\nassert json.load(open({data!r}))\n"
                      "assert not [p for p in __import__('os').listdir() "
                      "if p.startswith(('solution', 'checks'))]\n")
    (result,) = grade(lab, [probe], Limits(timeout=60), jobs=1)
    assert result.output == ""
