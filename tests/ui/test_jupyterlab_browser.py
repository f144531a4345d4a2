"""The learner's JupyterLab experience in a real headless Chromium.

Runs the real ``computelab start`` (sandbox + JupyterLab on a temporary workspace, loopback,
with a token) in its own process group, then drives Debian's Chromium through Playwright the
way a learner would: the welcome page, its link to lab 01, Run All + "Check my work" on the
untouched notebook (every objective fails, with messages) and on a solved copy (full marks),
the welcome page showing lab 01 as passed, and "Reset this lab" making the next check fail.
Screenshots of each step (and of a failure) go to ``test-artifacts/jupyterlab/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader.labs import find_lab

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent / "computelab"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "jupyterlab"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
LAB = find_lab("01")
TIMEOUT_MS = 60_000  # JupyterLab's first load on a busy 2-core machine
RUN_ALL_MS = 90_000  # a busy 2-core machine: kernel start + every cell of the solution

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    base: str
    token: str
    workspace: Path
    log: Path

    def url(self, path: str) -> str:
        return f"{self.base}/lab/tree/{path}?token={self.token}"

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(f"{self.base}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
        return json.loads(body) if body else None


def _leftovers(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (our temporary folder)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline:
                pids.append(int(entry.name))
    return pids


def _stop(proc: subprocess.Popen[bytes], server: LabServer | None, marker: str) -> None:
    """Shut JupyterLab down cleanly (kernels included), then make sure nothing is left."""
    if server is not None and proc.poll() is None:
        try:
            server.api("shutdown", method="POST")
        except OSError:
            pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:  # not shut down cleanly: stop the whole process group
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    # Kernels run in their own sessions; their command line names our runtime folder.
    for pid in _leftovers(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def lab_server(computelab_home: Path, tmp_path: Path) -> Iterator[LabServer]:
    """``computelab start`` on a temporary workspace, loopback and a token; stopped after."""
    port, token = _free_port(), secrets.token_hex(16)
    workspace = tmp_path / "work"
    env = {**os.environ, "COMPUTELAB_HOME": str(computelab_home),
           # Keep JupyterLab's settings, layouts and connection files out of the home folder.
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}
    log = tmp_path / "computelab-start.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN), "start", "--no-browser", "--port", str(port), "--workspace",
             str(workspace), "--token", token],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)
    server: LabServer | None = None
    try:
        candidate = LabServer(f"http://127.0.0.1:{port}", token, workspace, log)
        deadline = time.monotonic() + 60
        while True:
            try:
                candidate.api("status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("computelab start did not serve JupyterLab:\n"
                                + log.read_text(errors="replace")[-4000:])
                time.sleep(0.3)
        server = candidate
        yield server
    finally:
        _stop(proc, server, str(tmp_path))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, ARTIFACTS / log.name)  # the server side of a failure
    assert not _leftovers(str(tmp_path)), "processes outlived the test"


class Steps:
    """Numbered screenshots of each step; a failure screenshot names the step it was in."""

    def __init__(self, page: Any) -> None:
        self.page, self.n = page, 0
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.n += 1
        label = f"{self.n:02d}-{name}"
        started = time.monotonic()
        try:
            yield
        except BaseException:
            self.page.screenshot(path=str(ARTIFACTS / f"{label}-FAILED.png"))
            raise
        finally:
            print(f"step {label}: {time.monotonic() - started:.1f} s")
        self.page.screenshot(path=str(ARTIFACTS / f"{label}.png"))


@pytest.fixture
def page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium;"
                    " .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            sync_api.expect.set_options(timeout=TIMEOUT_MS)
            # JupyterLab's first start asks about news in a toast: answer it whenever it shows.
            news = page.locator(".Toastify__toast", has_text="Jupyter news")
            page.add_locator_handler(
                news, lambda toast: toast.get_by_role("button", name="No", exact=True).click())
            yield page
        finally:
            sync_api.expect.set_options(timeout=5_000)  # Playwright's default, for other tests
            browser.close()


# --- what a learner does in JupyterLab -----------------------------------------------------


def _current_notebook(page: Any) -> Any:
    """The notebook in the main area's current tab."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def _wait_for_notebook(page: Any, name: str) -> Any:
    from playwright.sync_api import expect

    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
    expect(tab).to_have_text(re.compile(re.escape(name)))
    notebook = _current_notebook(page)
    expect(notebook.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle", timeout=RUN_ALL_MS)
    return notebook


def _run_all(page: Any) -> None:
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item:not(.lm-mod-hidden)").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))).click()


def _check_my_work(page: Any) -> Any:
    from playwright.sync_api import expect

    notebook = _current_notebook(page)
    button = notebook.get_by_role("button", name="Check my work")
    expect(button).to_be_visible(timeout=RUN_ALL_MS)
    expect(notebook.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle", timeout=RUN_ALL_MS)
    button.click()
    result = notebook.locator(".computelab-result")
    expect(result).to_be_visible()
    result.scroll_into_view_if_needed()
    return result


def test_learner_journey_in_jupyterlab(lab_server: LabServer, page: Any) -> None:
    from playwright.sync_api import expect

    steps = Steps(page)
    checks = LAB.checks()
    full = f"{sum(c.points for c in checks):g}"
    shutil.copyfile(LAB.path / "solution.ipynb",
                    lab_server.workspace / "labs" / LAB.id / "solved.ipynb")

    with steps.step("welcome"):
        page.goto(lab_server.url("welcome.ipynb"))
        welcome = _wait_for_notebook(page, "welcome.ipynb")
        expect(welcome.locator("h1")).to_contain_text("Welcome to ComputeLab")
        progress = welcome.locator(".jp-OutputArea-output").first  # shown without running
        expect(progress).to_contain_text(re.compile(rf"{re.escape(LAB.title)}\s*not started"))

    with steps.step("follow-link-to-lab-01"):
        welcome.locator(".jp-MarkdownOutput a", has_text=LAB.title).click()
        notebook = _wait_for_notebook(page, "lab.ipynb")
        expect(notebook.locator("h1").first).to_contain_text("Lab 01")

    with steps.step("untouched-run-all"):
        _run_all(page)
        connected = notebook.locator(".computelab-connected")
        expect(connected).to_be_visible(timeout=RUN_ALL_MS)
        expect(connected.locator("li")).to_have_count(len(LAB.objectives))

    with steps.step("untouched-check-fails"):
        result = _check_my_work(page)
        expect(result).to_have_attribute("data-status", "failed")
        expect(result).to_contain_text(f"Total: 0/{full}")
        rows = result.locator("tr.cl-failed")
        expect(rows).to_have_count(len(checks))
        for row, spec in zip(rows.all(), checks, strict=True):
            expect(row).to_contain_text(spec.title)
            message = row.inner_text().replace(spec.title, "").replace("Hint", "").strip()
            assert message, f"no message for failing objective {spec.title!r}"
        first_hint = rows.first.locator("details")
        first_hint.locator("summary").click()
        expect(first_hint.locator("code")).to_have_text(checks[0].hint)

    with steps.step("solved-run-all"):
        page.goto(lab_server.url(f"labs/{LAB.id}/solved.ipynb"))
        notebook = _wait_for_notebook(page, "solved.ipynb")
        _run_all(page)

    with steps.step("solved-check-passes"):
        result = _check_my_work(page)
        expect(result).to_have_attribute("data-status", "passed")
        expect(result).to_contain_text(f"Total: {full}/{full}")
        expect(result.locator("tr.cl-passed")).to_have_count(len(checks))
        expect(result.locator("tr.cl-failed, tr.cl-error")).to_have_count(0)

    with steps.step("welcome-shows-passed"):
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="welcome.ipynb").click()
        welcome = _wait_for_notebook(page, "welcome.ipynb")
        welcome.locator(".jp-CodeCell .jp-InputArea-editor").first.click()
        page.keyboard.press("Shift+Enter")
        status = welcome.locator(f".computelab-welcome tr[data-lab='{LAB.id}'] .status")
        expect(status).to_have_text("passed")

    with steps.step("reset-lab"):
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="solved.ipynb").click()
        notebook = _wait_for_notebook(page, "solved.ipynb")
        message = notebook.locator(".computelab-message")
        notebook.get_by_role("button", name="Reset this lab").click()
        expect(message).to_contain_text("Reset this lab?")
        notebook.get_by_role("button", name="Yes, wipe this lab").click()
        expect(message).to_contain_text("fresh, empty sandbox account")

    with steps.step("check-after-reset-fails"):
        result = _check_my_work(page)
        expect(result).to_have_attribute("data-status", "failed")
        expect(result).to_contain_text(f"Total: 0/{full}")
