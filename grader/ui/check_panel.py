"""The "Check my work" and "Reset this lab" controls shown at the end of a lab notebook.

A failing check shows, under its message, the learner's own calls that touched what it
names ("what you did", ``grader.ui.recorder``); a challenge notebook's panel shows no hints.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as widgets

from grader.errors import ComputeLabError
from grader.results import render_html
from grader.ui.recorder import recorded_for

# White text on these keeps at least 4.5:1 contrast in light and dark themes (the theme's
# own "warning" orange gives 2.7:1).
BUTTON_COLORS = {"check": "#1d4ed8", "reset": "#9a3412", "confirm": "#b42318"}


def _button(description: str, color: str, **kwargs: Any) -> Any:
    button = widgets.Button(description=description, **kwargs)
    button.style.button_color = color
    button.style.text_color = "#ffffff"
    return button


class CheckPanel:
    """A button that runs the checks into an HTML panel, and a two-step reset control."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.check_button = _button("Check my work", BUTTON_COLORS["check"], icon="check")
        self.reset_button = _button("Reset this lab", BUTTON_COLORS["reset"], icon="refresh")
        self.confirm_button = _button("Yes, wipe this lab", BUTTON_COLORS["confirm"],
                                      layout={"display": "none"})
        self.cancel_button = widgets.Button(description="Cancel", layout={"display": "none"})
        self.panel = widgets.HTML(value="")
        self.check_button.on_click(self.on_check)
        self.reset_button.on_click(self.on_reset)
        self.confirm_button.on_click(self.on_confirm)
        self.cancel_button.on_click(self.on_cancel)
        self.widget = widgets.VBox([
            widgets.HBox([self.check_button, self.reset_button, self.confirm_button,
                          self.cancel_button]),
            self.panel,
        ])

    def _show(self, markup: str) -> None:
        self.panel.value = markup

    def _say(self, markup: str) -> None:
        """A message that is not a result (progress, confirmations, errors)."""
        self._show(f"<div class='computelab-message'>{markup}</div>")

    def _confirming(self, on: bool) -> None:
        self.confirm_button.layout.display = None if on else "none"
        self.cancel_button.layout.display = None if on else "none"

    def on_check(self, _: Any = None) -> None:
        problem = self.session.misconfigured()
        if problem:
            self._show(f"<div class='computelab-result' data-status='error'>"
                       f"<b>Not checked:</b> {html.escape(problem)}</div>")
            return
        self._say("<i>Checking...</i>")
        try:
            result = self.session.run_checks()
            did = recorded_for(self.session.lab.id, self.session.aws.access_key_id, result)
            self._show(render_html(result, show_hints=not self.session.challenge,
                                   checked_at=time.strftime("%H:%M:%S"), did=did))
        except ComputeLabError as exc:
            self._say(f"<b>Could not check:</b> {html.escape(str(exc))}")

    def on_reset(self, _: Any = None) -> None:
        self._confirming(True)
        self._say("<b>Reset this lab?</b> Every resource you created in this lab's sandbox "
                  "account goes (your notebook stays as it is).")

    def on_cancel(self, _: Any = None) -> None:
        self._confirming(False)
        self._say("Reset cancelled.")

    def on_confirm(self, _: Any = None) -> None:
        self._confirming(False)
        try:
            self.session.reset()
        except ComputeLabError as exc:
            self._say(f"<b>Could not reset:</b> {html.escape(str(exc))}")
            return
        self._say("This lab now has a fresh, empty sandbox account. Re-run your cells from "
                  "the top.")
