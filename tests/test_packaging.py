"""The built wheel works as users install it: non-editable, in a fresh venv, outside the
checkout (with every subpackage, the labs and the lessons)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

import grader

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(REPO)], check=True, capture_output=True)
    return next(out.glob("computelab-*.whl"))


def test_wheel_ships_every_subpackage_labs_and_content(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package = Path(grader.__file__).parent
    for init in package.rglob("__init__.py"):
        relative = init.relative_to(package.parent).as_posix()
        if "_course" not in relative:
            assert relative in names, f"the wheel lacks {relative}"
    assert "grader/_course/labs/01-ec2-from-ami/lab.toml" in names
    assert "grader/_course/content/topics.yaml" in names


def test_installed_copy_finds_its_shipped_labs(wheel: Path, tmp_path: Path) -> None:
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = ("import grader.paths, grader.labs; "
            "print(grader.paths.course_root()); print(len(grader.labs.all_labs()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True,
                         capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path),
                                                              "PATH": "/usr/bin:/bin"}).stdout
    root, count = out.split()
    assert root == str(tmp_path / "grader" / "_course")
    assert int(count) >= 1


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with the wheel installed by a plain pip install."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                           str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return venv / "bin"


def _run(bin_dir: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "COMPUTELAB_HOME": str(home),
           "HOME": str(home), "LANG": "C.UTF-8", "COLUMNS": "200"}
    return subprocess.run(list(args), cwd=home, env=env, capture_output=True, text=True,
                          timeout=300)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_plain_pip_install_runs_the_cli_and_checks_a_lab(installed: Path,
                                                        tmp_path: Path) -> None:
    where = _run(installed, tmp_path, str(installed / "python"), "-c",
                 "import grader; print(grader.__file__)")
    assert where.stdout.strip().startswith(str(installed.parent)), where.stdout + where.stderr
    for args in (["--help"], ["quiz", "--help"], ["labs"]):
        done = _run(installed, tmp_path, "computelab", *args)
        assert done.returncode == 0, (args, done.stderr)
    assert "01-ec2-from-ami" in _run(installed, tmp_path, "computelab", "labs").stdout
    panel = _run(installed, tmp_path, str(installed / "python"), "-c",
                 "from grader.ui.check_panel import CheckPanel; print(CheckPanel.__name__)")
    assert panel.stdout.strip() == "CheckPanel", panel.stderr

    port = _free_port()
    env = {"PATH": f"{installed}:/usr/bin:/bin", "COMPUTELAB_HOME": str(tmp_path),
           "HOME": str(tmp_path)}
    sandbox = subprocess.Popen([str(installed / "computelab"), "sandbox", "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert sandbox.stdout is not None
        deadline = time.monotonic() + 120
        line = ""
        while "Sandbox running" not in line and time.monotonic() < deadline:
            line = sandbox.stdout.readline()
            assert line or sandbox.poll() is None, "computelab sandbox exited"
        untouched = _run(installed, tmp_path, "computelab", "check", "01", "--json")
        assert untouched.returncode == 1 and json.loads(untouched.stdout)["score"] == 0
        assert _run(installed, tmp_path, "computelab", "solve", "01").returncode == 0
        solved = _run(installed, tmp_path, "computelab", "check", "01", "--json")
        result = json.loads(solved.stdout)
        assert solved.returncode == 0 and result["score"] == result["max_score"] > 0
    finally:
        sandbox.terminate()
        sandbox.communicate(timeout=30)
