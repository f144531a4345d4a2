"""The "Check my work" buttons again, after a kernel restart, where the learner is working.

A widget's buttons live in the kernel that made them: after a restart JupyterLab hides the
old panel (its model went with the kernel), and the learner would have to find and re-run
the notebook's last cell. Instead, the first cell the learner runs in the new kernel shows
a working panel in its own output, once, with a line saying why. This happens only when the
learner has checked this lab before or the saved notebook shows a panel from an earlier
kernel (a lab never checked needs nothing), and not when that first cell is the check cell
itself. When the notebook's own check cell runs later in this kernel (Run All), the offered
panel hides itself: one set of buttons is enough.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_OFFERED: list[Any] = []  # panels shown by an offer in this kernel, hidden by retire_offers

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHECK_CALL = ".check()"
NOTE = ("<div class='computelab-restart-note'>This kernel is new (restarted or reopened), so the "
        "buttons at the end of this notebook work again only once their cell runs. Here they "
        "are now. Re-run the cells above to bring your variables back too.</div>")


def had_panel(notebook: Path) -> bool:
    """Whether the saved notebook shows a check panel made by an earlier kernel."""
    try:
        data = json.loads(notebook.read_text(encoding="utf-8"))
        cells = data["cells"] if isinstance(data, dict) else []
    except (OSError, ValueError, KeyError, RecursionError):
        return False
    return any(isinstance(cell, dict) and CHECK_CALL in "".join(cell.get("source") or "")
               and any(isinstance(out, dict) and WIDGET_VIEW in (out.get("data") or {})
                       for out in cell.get("outputs") or [])
               for cell in cells if isinstance(cell, dict))


def notebook_of(session_name: str) -> Path:
    """The kernel's notebook file: ``JPY_SESSION_NAME`` is its path, absolute or relative to
    the server's root; the kernel runs in the notebook's folder."""
    path = Path(session_name)
    return path if path.is_absolute() else Path.cwd() / path.name


def offer_after_restart(session: Any, notebook: Path, shell: Any = None,
                        checked_before: bool = False) -> bool:
    """Show ``session``'s panel after the first cell this kernel runs, when the lab was
    checked before or ``notebook`` had a panel; returns whether the offer is in place."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not (checked_before or had_panel(notebook)):
        return False

    def offer(result: Any) -> None:
        shell.events.unregister("post_run_cell", offer)
        if CHECK_CALL in (getattr(getattr(result, "info", None), "raw_cell", "") or ""):
            return  # that cell shows a fresh panel itself
        import ipywidgets as widgets
        from IPython.display import display

        box = widgets.VBox([widgets.HTML(NOTE), session.check()])
        _OFFERED.append(box)
        display(box)

    shell.events.register("post_run_cell", offer)
    return True


def retire_offers() -> None:
    """Hide the offered panels: the notebook's own check cell has just run."""
    while _OFFERED:
        _OFFERED.pop().layout.display = "none"
