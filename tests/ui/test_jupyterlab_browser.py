"""The learner's JupyterLab experience in a real headless Chromium.

Runs the real ``computelab start`` (sandbox + JupyterLab on a temporary workspace, loopback,
with a token) in its own process group, then drives Debian's Chromium through Playwright the
way a learner would: the welcome page, its link to lab 01, Run All + "Check my work" on the
untouched notebook (every objective fails, with messages) and on a solved copy (full marks),
the welcome page showing lab 01 as passed, "Reset this lab" making the next check fail, and
a notebook that opens SSH to the world getting "what you did": the offending call and its cell.
Then, in that notebook: re-running a cell that creates something gives a one-line AWS error
with advice, not a traceback; after a kernel restart the first cell run brings working
buttons back; `computelab reset` from a terminal while the notebook is open leaves the
notebook alone and the open notebook says it must move to the new account; and every
ComputeLab control and mark keeps 4.5:1 contrast in the dark theme.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
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
RUN_ALL_MS = 90_000  # a busy 2-core machine: every cell of the solution, a check
KERNEL_MS = 120_000  # a kernel starting (or reconnecting after a reload) on a busy machine
CELL_START_MS = 20_000  # a cell shows [*] right after Shift+Enter; else press it again

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


@contextmanager
def start_trainer(computelab_home: Path, tmp_path: Path, name: str = "computelab-start"
                  ) -> Iterator[LabServer]:
    """``computelab start`` on ``tmp_path/work``, loopback and a token; stopped after.
    ``name`` names its log (a second start on the same workspace gets its own)."""
    port, token = _free_port(), secrets.token_hex(16)
    workspace = tmp_path / "work"
    env = {**os.environ, "COMPUTELAB_HOME": str(computelab_home),
           # Keep JupyterLab's settings, layouts and connection files out of the home folder.
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN), "start", "--no-browser", "--port", str(port), "--workspace",
             str(workspace), "--token", token],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)
    server: LabServer | None = None
    try:
        candidate = LabServer(f"http://127.0.0.1:{port}", token, workspace, log)
        deadline = time.monotonic() + 120
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


@pytest.fixture
def lab_server(computelab_home: Path, tmp_path: Path) -> Iterator[LabServer]:
    """``computelab start`` on a temporary workspace, loopback and a token; stopped after."""
    with start_trainer(computelab_home, tmp_path) as server:
        yield server


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
#
# Nothing here waits for a fixed time: each step waits for the state it needs. The notebook
# toolbar's execution indicator is no proof of a kernel (it renders data-status="idle" before
# the notebook has a session), and a Run All issued before the session has a kernel silently
# clears every cell instead of running it. So a step that runs code first waits until the
# browser is connected to an idle kernel for that notebook (status bar) and the server agrees
# (GET /api/sessions: idle, with a connection), then checks that the run really started and
# re-issues it if nothing was executed, then waits for every code cell's execution count.

# A code cell's prompt: "[ ]:" never run (or cleared), "[*]:" queued or running, "[3]:" done.
_PROMPT_STARTED = re.compile(r"^\[(\*|\d+)\]:$")
_PROMPT_DONE = re.compile(r"^\[\d+\]:$")
_PROMPT_EMPTY = re.compile(r"^\[ \]:$")
_ATTEMPTS = 3  # issuing a run again only happens if the first one provably ran nothing


def _poll(condition: Callable[[], Any], timeout_ms: int, what: str) -> Any:
    """Poll ``condition`` until it returns something truthy (a deadline, not a fixed wait)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_ms / 1000:g} s waiting for {what}")
        time.sleep(0.2)


def _kernel_idle_on_server(server: LabServer, path: str) -> bool:
    """The notebook's kernel, as the Jupyter server sees it: idle, with a client connected."""
    try:
        sessions = server.api("sessions")
    except OSError:  # the server is busy: ask again
        return False
    return any(s["path"] == path and s["kernel"]["execution_state"] == "idle"
               and s["kernel"].get("connections", 0) > 0 for s in sessions)


def _current_notebook(page: Any) -> Any:
    """The notebook in the main area's current tab."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def _wait_for_kernel(page: Any, server: LabServer, path: str) -> None:
    """Wait until the current notebook, ``path``, is connected to an idle kernel."""
    from playwright.sync_api import expect

    # The status bar follows the current notebook and shows the browser's view of its
    # kernel ("No Kernel | Initializing", "... | Connecting", "... | Idle"): Idle means the
    # session has a kernel and its websocket is connected.
    name = PurePosixPath(path).name
    kernel = page.locator("#jp-main-statusbar .jp-StatusBar-TextItem"
                          f'[title="Change kernel for {name}"]')
    expect(kernel).to_have_text(re.compile(r"\|\s*Idle$"), timeout=KERNEL_MS)
    _poll(lambda: _kernel_idle_on_server(server, path), KERNEL_MS,
          f"the kernel of {path} to be idle and connected (GET /api/sessions)")
    expect(_current_notebook(page).locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle", timeout=RUN_ALL_MS)


def _wait_for_notebook(page: Any, server: LabServer, path: str) -> Any:
    """Wait until ``path`` is the current tab and its kernel is ready; return the notebook."""
    from playwright.sync_api import expect

    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
    expect(tab).to_have_text(re.compile(re.escape(PurePosixPath(path).name)))
    _wait_for_kernel(page, server, path)
    return _current_notebook(page)


def _prompts(notebook: Any) -> Any:
    return notebook.locator(".jp-CodeCell .jp-InputArea-prompt")


def _settled(page: Any) -> None:
    """Let the page finish what the last input started (two animation frames)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _expected_prompts(server: LabServer, path: str) -> list[re.Pattern[str]]:
    """After Run All: an execution count for every code cell with code (empty ones stay [ ])."""
    cells = json.loads((server.workspace / path).read_text())["cells"]
    return [_PROMPT_DONE if "".join(cell["source"]).strip() else _PROMPT_EMPTY
            for cell in cells if cell["cell_type"] == "code"]


def _run_all(page: Any, server: LabServer, path: str) -> Any:
    """Run > Run All Cells on ``path`` (the current notebook) and wait until every cell ran."""
    from playwright.sync_api import expect

    expected = _expected_prompts(server, path)
    notebook = _current_notebook(page)
    prompts = _prompts(notebook)
    for attempt in range(1, _ATTEMPTS + 1):
        _wait_for_kernel(page, server, path)
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        menu = page.locator(".lm-Menu")
        item = menu.locator(".lm-Menu-item:not(.lm-mod-hidden)").filter(
            has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")))
        expect(item).not_to_have_class(re.compile(r"\blm-mod-disabled\b"))
        item.click()
        # The menu runs the command on pointer-up and JupyterLab marks each cell [*] (or, with
        # no kernel, clears it) before yielding, so once the menu is gone the outcome shows.
        expect(menu).to_have_count(0)
        _settled(page)
        texts = [t.strip() for t in prompts.all_text_contents()]
        if any(_PROMPT_STARTED.match(t) for t in texts):
            break
        print(f"Run All on {path} executed nothing (attempt {attempt}, prompts {texts}):"
              " issuing it again")
    else:
        pytest.fail(f"Run All on {path} executed no cell in {_ATTEMPTS} attempts")
    expect(prompts).to_have_text(expected, timeout=RUN_ALL_MS)
    expect(notebook.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle", timeout=RUN_ALL_MS)
    return notebook


def _run_first_code_cell(page: Any, server: LabServer, path: str, index: int = 0) -> None:
    """Click into the first (or the ``index``-th) code cell and press Shift+Enter; wait
    until it has run."""
    from playwright.sync_api import expect

    notebook = _current_notebook(page)
    cell = notebook.locator(".jp-CodeCell").nth(index)
    prompt = cell.locator(".jp-InputArea-prompt")
    for attempt in range(1, _ATTEMPTS + 1):
        _wait_for_kernel(page, server, path)
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        _settled(page)
        try:  # running this cell twice is harmless: re-press only if it did not start
            expect(prompt).to_have_text(_PROMPT_STARTED, timeout=CELL_START_MS)
            break
        except AssertionError:
            print(f"Shift+Enter in {path} ran nothing (attempt {attempt}): pressing it again")
    else:
        pytest.fail(f"Shift+Enter in {path} ran no cell in {_ATTEMPTS} attempts")
    expect(prompt).to_have_text(_PROMPT_DONE, timeout=RUN_ALL_MS)
    expect(notebook.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle", timeout=RUN_ALL_MS)


def _check_my_work(page: Any) -> Any:
    from playwright.sync_api import expect

    notebook = _current_notebook(page)
    button = notebook.get_by_role("button", name="Check my work")
    expect(button).to_be_visible(timeout=RUN_ALL_MS)
    expect(notebook.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle", timeout=RUN_ALL_MS)
    button.click()
    result = notebook.locator(".computelab-result")
    expect(result).to_be_visible(timeout=RUN_ALL_MS)
    result.scroll_into_view_if_needed()
    return result


# The colours a learner sees: the element's text colour over the first opaque background
# behind it (WCAG's contrast ratio is computed from these in Python).
_COLOURS_JS = """el => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const fg = parse(getComputedStyle(el).color);
  for (let node = el; node; node = node.parentElement) {
    const bg = parse(getComputedStyle(node).backgroundColor);
    if (bg.length >= 3 && (bg.length < 4 || bg[3] > 0.99)) return [fg, bg];
  }
  return [fg, [255, 255, 255]];
}"""


def _contrast(page: Any, locator: Any) -> float:
    """WCAG 2 contrast ratio of ``locator``'s text against what is behind it."""
    fg, bg = locator.evaluate(_COLOURS_JS)

    def luminance(rgb: list[float]) -> float:
        channels = [c / 255 for c in rgb[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _menu(page: Any, *path: str) -> None:
    """Click through JupyterLab's menu bar: ``_menu(page, "Kernel", "Restart Kernel…")``."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{re.escape(path[0])}$")).click()
    for label in path[1:]:
        item = page.locator(".lm-Menu:visible .lm-Menu-item:not(.lm-mod-hidden)").filter(
            has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(label)}$")))
        item.last.click()


def shown(text: str) -> str:
    """A check's title or hint as the learner sees it: the lab's parameters filled in."""
    from grader.checks import resolve

    return resolve(text, LAB.defaults)


def _mistake_notebook() -> Any:
    """Lab 01's security group with SSH open to the world, made in cells [2] and [3]."""
    from nbformat.v4 import new_code_cell, new_notebook

    open_ssh = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    nb = new_notebook(cells=[
        new_code_cell(f'from grader import connect; lab = connect("{LAB.id}")'),
        new_code_cell("import boto3\nec2 = boto3.client('ec2')\nsg = ec2.create_security_group("
                      "GroupName='web-sg', Description='web')['GroupId']"),
        new_code_cell(f"ec2.authorize_security_group_ingress(GroupId=sg, "
                      f"IpPermissions={open_ssh!r})"),
        new_code_cell("lab.check()")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}})
    return nb


def test_learner_journey_in_jupyterlab(lab_server: LabServer, page: Any) -> None:
    from playwright.sync_api import expect

    steps = Steps(page)
    checks = LAB.checks()
    full = f"{sum(c.points for c in checks):g}"
    shutil.copyfile(LAB.path / "solution.ipynb",
                    lab_server.workspace / "labs" / LAB.id / "solved.ipynb")

    welcome_path, lab_path = "welcome.ipynb", f"labs/{LAB.id}/{LAB.id}.ipynb"
    solved_path = f"labs/{LAB.id}/solved.ipynb"
    mistake_path = f"labs/{LAB.id}/mistake.ipynb"
    nbformat.write(_mistake_notebook(), lab_server.workspace / mistake_path)
    sg_check = next(spec for spec in checks if spec.name == "security_group_rules")

    with steps.step("welcome"):
        page.goto(lab_server.url(welcome_path))
        welcome = _wait_for_notebook(page, lab_server, welcome_path)
        expect(welcome.locator("h1")).to_contain_text("Welcome to ComputeLab")
        progress = welcome.locator(".jp-OutputArea-output").first  # shown without running
        expect(progress).to_contain_text(re.compile(rf"{re.escape(LAB.title)}\s*not started"))

    with steps.step("follow-link-to-lab-01"):
        welcome.locator(".jp-MarkdownOutput a", has_text=LAB.title).click()
        notebook = _wait_for_notebook(page, lab_server, lab_path)
        expect(notebook.locator("h1").first).to_contain_text("Lab 01")

    with steps.step("untouched-run-all"):
        notebook = _run_all(page, lab_server, lab_path)
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
            title = shown(spec.title)
            expect(row).to_contain_text(title)
            message = row.inner_text().replace(title, "").replace("Hint", "").strip()
            assert message, f"no message for failing objective {title!r}"
        first_hint = rows.first.locator("details")
        first_hint.locator("summary").click()
        expect(first_hint.locator("code")).to_have_text(shown(checks[0].hint))

    with steps.step("solved-run-all"):
        page.goto(lab_server.url(solved_path))
        _wait_for_notebook(page, lab_server, solved_path)
        _run_all(page, lab_server, solved_path)

    with steps.step("solved-check-passes"):
        result = _check_my_work(page)
        expect(result).to_have_attribute("data-status", "passed")
        expect(result).to_contain_text(f"Total: {full}/{full}")
        expect(result.locator("tr.cl-passed")).to_have_count(len(checks))
        expect(result.locator("tr.cl-failed, tr.cl-error")).to_have_count(0)

    with steps.step("welcome-shows-passed"):
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=welcome_path).click()
        welcome = _wait_for_notebook(page, lab_server, welcome_path)
        _run_first_code_cell(page, lab_server, welcome_path)
        status = welcome.locator(f".computelab-welcome tr[data-lab='{LAB.id}'] .status")
        expect(status).to_have_text("passed")

    with steps.step("reset-lab"):
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="solved.ipynb").click()
        notebook = _wait_for_notebook(page, lab_server, solved_path)
        message = notebook.locator(".computelab-message")
        notebook.get_by_role("button", name="Reset this lab").click()
        expect(message).to_contain_text("Reset this lab?")
        notebook.get_by_role("button", name="Yes, wipe this lab").click()
        expect(message).to_contain_text("fresh, empty sandbox account", timeout=RUN_ALL_MS)

    with steps.step("check-after-reset-fails"):
        result = _check_my_work(page)
        expect(result).to_have_attribute("data-status", "failed", timeout=RUN_ALL_MS)
        expect(result).to_contain_text(f"Total: 0/{full}")

    with steps.step("mistake-shows-what-you-did"):
        # A learner opens SSH to the world in cell [3]: the failing check shows that call.
        page.goto(lab_server.url(mistake_path))
        _wait_for_notebook(page, lab_server, mistake_path)
        _run_all(page, lab_server, mistake_path)
        result = _check_my_work(page)
        row = result.locator("tr.cl-failed", has_text=shown(sg_check.title))
        did = row.locator(".computelab-did")
        expect(did).to_contain_text("What you did")
        expect(did).to_contain_text("cell [3]: authorize_security_group_ingress(GroupId='sg-")
        expect(did).to_contain_text("'FromPort': 22")
        expect(did).to_contain_text("'CidrIp': '0.0.0.0/0'")
        expect(did).to_contain_text("cell [2]: create_security_group(GroupName='web-sg'")

    with steps.step("rerun-cell-gives-one-line"):
        mistake = _current_notebook(page)
        _run_first_code_cell(page, lab_server, mistake_path, index=1)  # the group again
        error = mistake.locator(".jp-CodeCell").nth(1).locator(".computelab-aws-error")
        expect(error).to_contain_text("InvalidGroup.Duplicate")
        expect(error).to_contain_text("this cell ran before")
        expect(error.locator("pre")).not_to_be_visible()  # the traceback is one click away
        visible = mistake.locator(".jp-CodeCell").nth(1).locator(".jp-OutputArea").inner_text()
        assert "Traceback" not in visible, visible  # innerText: what is shown, not folded

    with steps.step("kernel-restart-brings-buttons-back"):
        _menu(page, "Kernel", "Restart Kernel…")
        page.locator(".jp-Dialog").get_by_role("button", name="Confirm Kernel Restart").click()
        expect(page.locator(".jp-Dialog")).to_have_count(0)
        _run_first_code_cell(page, lab_server, mistake_path)
        first = mistake.locator(".jp-CodeCell").first
        expect(first).to_contain_text("This kernel is new")
        first.get_by_role("button", name="Check my work").click()
        result = first.locator(".computelab-result")
        expect(result).to_have_attribute("data-status", "failed", timeout=RUN_ALL_MS)
        expect(result.locator("tr.cl-failed", has_text=shown(sg_check.title))).to_have_count(1)

    with steps.step("dark-theme-contrast"):
        _menu(page, "Settings", "Theme", "JupyterLab Dark")
        expect(page.locator("body")).to_have_attribute("data-jp-theme-name", "JupyterLab Dark")
        controls = [first.get_by_role("button", name=name)
                    for name in ("Check my work", "Reset this lab")]
        marks = first.locator(".computelab-result span[role='img']")
        texts = [first.locator(".computelab-result b").first]
        measured = [(target, _contrast(page, target)) for target in
                    [*controls, *marks.all(), *texts]]
        assert measured and all(ratio >= 4.5 for _, ratio in measured), [
            (target.inner_text()[:40], round(ratio, 2)) for target, ratio in measured]

    with steps.step("cli-reset-while-open"):
        saved = (lab_server.workspace / mistake_path).read_bytes()
        done = subprocess.run([str(BIN), "reset", LAB.id, "--yes"], capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "notebook is unchanged" in done.stdout
        assert (lab_server.workspace / mistake_path).read_bytes() == saved
        first.get_by_role("button", name="Check my work").click()
        expect(first.locator(".computelab-result")).to_contain_text(
            "reset outside this notebook", timeout=RUN_ALL_MS)
        expect(page.locator(".jp-Dialog")).to_have_count(0)  # no "file changed" prompt

def test_work_in_a_lab_survives_a_trainer_restart(computelab_home: Path, tmp_path: Path,
                                                  page: Any) -> None:
    """Solve lab 01 in JupyterLab, stop the trainer, start it again: the learner's own
    notebook connects to the restored account and "Check my work" gives full marks."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    from playwright.sync_api import expect

    steps = Steps(page)
    full = f"{sum(c.points for c in LAB.checks()):g}"
    lab_path, solved_path = f"labs/{LAB.id}/after-restart.ipynb", f"labs/{LAB.id}/solved.ipynb"
    with start_trainer(computelab_home, tmp_path, "first-start") as first:
        shutil.copyfile(LAB.path / "solution.ipynb", first.workspace / solved_path)
        # the learner's notebook without its task cells: the connect cell and the check cell
        learner = nbformat.read(first.workspace / f"labs/{LAB.id}/{LAB.id}.ipynb", 4)
        code = [cell for cell in learner.cells if cell.cell_type == "code"]
        nbformat.write(new_notebook(cells=[new_code_cell(code[0].source),
                                           new_code_cell(code[-1].source)],
                                    metadata=learner.metadata), first.workspace / lab_path)
        with steps.step("solve-before-restart"):
            page.goto(first.url(solved_path))
            _wait_for_notebook(page, first, solved_path)
            _run_all(page, first, solved_path)
            expect(_check_my_work(page)).to_contain_text(f"Total: {full}/{full}")
    with start_trainer(computelab_home, tmp_path, "second-start") as second:
        assert re.search(r"Restored 1 lab: 01 \(\d+ requests\)\.", second.log.read_text())
        with steps.step("check-after-restart"):
            page.goto(second.url(lab_path))
            _wait_for_notebook(page, second, lab_path)
            _run_all(page, second, lab_path)  # connect (to the restored account), check
            result = _check_my_work(page)
            expect(result).to_have_attribute("data-status", "passed")
            expect(result).to_contain_text(f"Total: {full}/{full}")
