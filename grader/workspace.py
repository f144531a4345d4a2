"""The learner's workspace: a copy of the labs (without solutions) plus a welcome notebook.

Learners work on copies so the course files stay pristine and "reset" can restore a lab's
notebook. Existing learner notebooks are never overwritten; a reset first keeps a backup.
"""

from __future__ import annotations

import html
import shutil
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader import store
from grader.labs import Lab, all_labs
from grader.sandbox import read_runtime

DEFAULT_WORKSPACE = Path("computelab-work")
WELCOME = "welcome.ipynb"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def lab_notebook(workspace: Path, lab: Lab) -> Path:
    return workspace / "labs" / lab.id / "lab.ipynb"


def create_workspace(workspace: Path) -> Path:
    """Copy every lab's notebook in (only where missing) and (re)write the welcome notebook."""
    workspace.mkdir(parents=True, exist_ok=True)
    for lab in all_labs():
        target = lab_notebook(workspace, lab)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(lab.notebook, target)
    nbformat.write(welcome_notebook(), workspace / WELCOME)
    return workspace


def restore_notebook(workspace: Path, lab: Lab) -> Path | None:
    """Put the pristine notebook back; the learner's version is kept as a timestamped backup."""
    target = lab_notebook(workspace, lab)
    backup = None
    if target.exists():
        backup = target.with_name(f"lab.backup-{time.strftime('%Y%m%d-%H%M%S')}.ipynb")
        shutil.copyfile(target, backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(lab.notebook, target)
    return backup


def welcome_notebook() -> nbformat.NotebookNode:
    links = "\n".join(f"- [{lab.number} — {lab.title}](labs/{lab.id}/lab.ipynb) "
                      f"({lab.minutes} min)" for lab in all_labs())
    intro = f"""# Welcome to ComputeLab

Hands-on AWS compute labs against a **local sandbox**: a moto server on this machine that
answers the AWS API like a real account would — no AWS account, no cost, nothing leaves
your computer. Each lab has its own sandbox account, so labs never see each other's resources.

**How it works:** open a lab, run its first cell (it connects plain `boto3` to the sandbox),
do the tasks, then click **Check my work** at the bottom. **Reset this lab** gives that lab a
fresh, empty account. From a terminal: `computelab check 01`, `computelab reset 01`.

## Labs
{links}

Run the cell below for your progress."""
    nb = new_notebook(cells=[new_markdown_cell(intro),
                             new_code_cell("from grader.workspace import welcome; welcome()")],
                      metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"welcome-{i}"
    return nb


def status_rows() -> list[tuple[Lab, str]]:
    """Each lab with its status from recorded check results."""
    return [(lab, store.lab_status(lab.id)) for lab in all_labs()]


def welcome_html() -> str:
    endpoint = read_runtime().get("endpoint") or "not running"
    rows = "".join(
        f"<tr data-lab='{lab.id}'><td><a href='labs/{lab.id}/lab.ipynb'>"
        f"{html.escape(lab.number)} — {html.escape(lab.title)}</a></td>"
        f"<td class='status'>{html.escape(status)}</td></tr>"
        for lab, status in status_rows())
    return (f"<div class='computelab-welcome'><p>Sandbox: <code>{html.escape(endpoint)}</code></p>"
            f"<table><tr><th>Lab</th><th>Status</th></tr>{rows}</table></div>")


def welcome() -> None:
    """Show the sandbox endpoint and every lab's status (the welcome notebook's cell)."""
    from IPython.display import HTML, display

    display(HTML(welcome_html()))
