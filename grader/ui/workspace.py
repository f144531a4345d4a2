"""The learner's workspace: a copy of the labs (without solutions) plus a welcome notebook.

Learners work on copies so the course files stay pristine and "reset" can restore a lab's
notebook. Existing learner notebooks are never overwritten; a reset first keeps a backup.
Each lab also gets its challenge notebook (``NN-slug-challenge.ipynb``: objectives and
facts, no instructions or hints, built by ``build_notebook(..., challenge=True)``); the
welcome page links both (the per-lab switch) and shows challenge passes in their own column.
"""

from __future__ import annotations

import html
import shutil
import time
from pathlib import Path
from typing import Any

from grader import store
from grader.labs import Lab, all_labs
from grader.labs.files import copy_learner_data
from grader.sandbox import running_endpoint

DEFAULT_WORKSPACE = Path("computelab-work")
WELCOME = "welcome.ipynb"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def lab_notebook(workspace: Path, lab: Lab) -> Path:
    """The learner's copy, named after its lab so JupyterLab's tabs tell labs apart."""
    return workspace / "labs" / lab.id / f"{lab.id}.ipynb"


def challenge_notebook(workspace: Path, lab: Lab) -> Path:
    """The learner's challenge copy, beside the guided one."""
    return workspace / "labs" / lab.id / f"{lab.id}-challenge.ipynb"


def place_notebook(lab: Lab, target: Path) -> None:
    """The lab's notebook as this learner gets it: the committed one, or, with variants
    on for their course, one built with their own values."""
    from grader.labs.build import notebook_text
    from grader.labs.course import current_learner

    values = current_learner().values(lab)
    target.parent.mkdir(parents=True, exist_ok=True)
    if values == lab.defaults:
        shutil.copyfile(lab.notebook, target)
    else:
        target.write_text(notebook_text(lab, solved=False, values=values), encoding="utf-8")


def migrate_notebook(workspace: Path, lab: Lab) -> None:
    """An older workspace's ``lab.ipynb`` takes the lab's name (never overwriting)."""
    old, new = workspace / "labs" / lab.id / "lab.ipynb", lab_notebook(workspace, lab)
    if old.is_file() and not new.exists():
        old.rename(new)


def create_workspace(workspace: Path, challenge: bool = False) -> Path:
    """Copy every lab's notebook in and build its challenge notebook (only where missing),
    and (re)write the welcome notebook (``challenge``: it leads with the challenges).

    A lab folder whose notebook is not written yet is left out rather than failing the start.
    """
    import nbformat

    from grader.labs.build import build_notebook

    workspace.mkdir(parents=True, exist_ok=True)
    for lab in all_labs():
        migrate_notebook(workspace, lab)
        target = lab_notebook(workspace, lab)
        if not lab.notebook.is_file():
            continue
        if not target.exists():
            place_notebook(lab, target)
        if not challenge_notebook(workspace, lab).exists():
            from grader.labs.course import current_learner

            values = current_learner().values(lab)
            nbformat.write(build_notebook(lab, solved=False, challenge=True, values=values),
                           challenge_notebook(workspace, lab))
        copy_learner_data(lab, target.parent)
    nbformat.write(welcome_notebook(challenge), workspace / WELCOME)
    return workspace


BACKUPS = "backups"  # one folder of the workspace for every replaced notebook


def restore_notebook(workspace: Path, lab: Lab) -> Path | None:
    """Put the pristine notebook back; the learner's version goes to ``backups/``."""
    target = lab_notebook(workspace, lab)
    backup = None
    if target.exists():
        folder = workspace / BACKUPS
        folder.mkdir(parents=True, exist_ok=True)
        backup = folder / f"{lab.id}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
        shutil.copyfile(target, backup)
    place_notebook(lab, target)
    return backup


def _lab_links(lab: Lab, challenge: bool) -> str:
    """One lab's line: its guided and its challenge notebook, the chosen mode first."""
    guided = f"labs/{lab.id}/{lab.id}.ipynb"
    hard = f"labs/{lab.id}/{lab.id}-challenge.ipynb"
    if challenge:
        return (f"- [{lab.number} — {lab.title} (challenge)]({hard}) ({lab.minutes} min) · "
                f"[guided version]({guided})")
    return (f"- [{lab.number} — {lab.title}]({guided}) ({lab.minutes} min) · "
            f"[challenge]({hard})")


def welcome_notebook(challenge: bool = False) -> Any:
    """The welcome notebook: links to every lab (guided and challenge) and a progress cell."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    links = "\n".join(_lab_links(lab, challenge) for lab in all_labs() if lab.notebook.is_file())
    intro = f"""# Welcome to ComputeLab

Hands-on AWS compute labs against a **local sandbox**: a moto server on this machine that
answers the AWS API like a real account would — no AWS account, no cost, nothing leaves
your computer. Each lab has its own sandbox account, so labs never see each other's resources.

**How it works:** open a lab, run its first cell (it connects plain `boto3` to the sandbox),
do the tasks, then click **Check my work** at the bottom. **Reset this lab** gives that lab a
fresh, empty account. From a terminal: `computelab check 01`, `computelab reset 01`.
`computelab stop` keeps your work: the next `computelab start` restores every lab's account.

**Guided or challenge:** every lab comes in two versions. The guided one walks you through
each task with hints; the **challenge** one gives only the objectives and the facts (names,
sizes, what the checks accept), with no instructions and no hints. The same checks grade
both; challenge passes are listed in their own column below.

## Labs
{links}

## Your progress
Below: each lab's status when JupyterLab started. Run the cell (**Shift+Enter**) to refresh it
after you check a lab."""
    progress = new_code_cell("from grader.ui.workspace import welcome; welcome()", outputs=[
        new_output("display_data", data={"text/html": welcome_html(live=False),
                                         "text/plain": welcome_text()})])
    nb = new_notebook(cells=[new_markdown_cell(intro), progress],
                      metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"welcome-{i}"
    return nb


def status_rows() -> list[tuple[Lab, str, str]]:
    """Each lab with its guided and its challenge status from recorded check results."""
    challenges = store.lab_progress(store.CHALLENGE)
    return [(lab, _status(progress), _status(challenges.get(lab.id)))
            for lab, progress in progress_rows()]


def _status(progress: store.LabProgress | None) -> str:
    return progress.status if progress else "not started"


def progress_rows(mode: str = store.GUIDED) -> list[tuple[Lab, store.LabProgress | None]]:
    """Each lab with its recorded progress in ``mode`` (None: never checked), one query."""
    progress = store.lab_progress(mode)
    return [(lab, progress.get(lab.id)) for lab in all_labs()]


def _link(lab: Lab) -> str:
    name = f"{html.escape(lab.number)} — {html.escape(lab.title)}"
    link = f"labs/{lab.id}/{lab.id}.ipynb"
    return f"<a href='{link}'>{name}</a>" if lab.notebook.is_file() else name


def welcome_text() -> str:
    """The progress table as plain text (for front ends that cannot show HTML)."""
    return "\n".join(f"{lab.number} {lab.title}: {status} (challenge: {hard})"
                     for lab, status, hard in status_rows())


def welcome_html(live: bool = True) -> str:
    """Each lab's status with a link to its notebook; ``live`` adds the sandbox address.

    ``live=False`` is the snapshot written into the welcome notebook before the sandbox runs.
    """
    left = "style='text-align:left'"  # JupyterLab right-aligns table cells by default
    rows = "".join(
        f"<tr data-lab='{lab.id}'><td {left}>{_link(lab)}</td>"
        f"<td class='status' {left}>{html.escape(status)}</td>"
        f"<td class='challenge' {left}>{html.escape(hard)}</td></tr>"
        for lab, status, hard in status_rows())
    if live:
        endpoint = running_endpoint()
        sandbox = (f"Sandbox: <code>{html.escape(endpoint)}</code>" if endpoint else
                   "Sandbox: <b>not running</b> — start it with <code>computelab start</code> "
                   "(a lab's first cell also starts one inside its kernel).")
        stamp = f"Progress as of {time.strftime('%H:%M:%S')}."
    else:
        sandbox, stamp = "", "Progress when JupyterLab started."
    return (f"<div class='computelab-welcome'><p>{sandbox} {stamp} Run this cell again to "
            f"refresh.</p><table><tr><th {left}>Lab</th><th {left}>Status</th>"
            f"<th {left}>Challenge</th></tr>{rows}</table>"
            "</div>")


def welcome() -> None:
    """Show the sandbox endpoint and every lab's status (the welcome notebook's cell)."""
    from IPython.display import HTML, display

    display(HTML(welcome_html()))
