"""After a kernel restart the first cell run brings working buttons back, once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from grader.ui.panel_again import WIDGET_VIEW, had_panel, notebook_of, offer_after_restart


class FakeSession:
    def check(self) -> Any:
        import ipywidgets as widgets

        return widgets.HTML("<b>fresh panel</b>")


def _notebook(path: Path, panel_output: bool) -> Path:
    outputs = ([{"output_type": "display_data", "metadata": {},
                 "data": {WIDGET_VIEW: {"model_id": "abc", "version_major": 2,
                                        "version_minor": 0}, "text/plain": "VBox()"}}]
               if panel_output else [])
    cells = [{"cell_type": "code", "source": "lab = connect()", "outputs": [],
              "metadata": {}, "execution_count": 1},
             {"cell_type": "code", "source": ["lab.", "check()"], "outputs": outputs,
              "metadata": {}, "execution_count": 2}]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


@pytest.fixture()
def shell() -> Any:
    shell = InteractiveShell.instance()
    yield shell
    shell.events.callbacks["post_run_cell"] = [
        f for f in shell.events.callbacks["post_run_cell"] if "offer" not in f.__name__]


def _shown(shell: Any, code: str) -> list[str]:
    """The HTML of what ``code`` displayed (widgets: the HTML of their HTML children)."""
    with capture_output() as captured:
        shell.run_cell(code)
    return [html for o in captured.outputs for html in _html_of(o.data, o.metadata)]


def _html_of(data: dict[str, Any], _: Any) -> list[str]:
    if "text/html" in data:
        return [data["text/html"]]
    view = data.get("application/vnd.jupyter.widget-view+json")
    if view:
        from ipywidgets.widgets.widget import _instances

        box = _instances[view["model_id"]]
        return [getattr(child, "value", "") or repr(child) for child in box.children]
    return []


def test_first_cell_after_a_restart_shows_the_panel_once(tmp_path: Path, shell: Any) -> None:
    notebook = _notebook(tmp_path / "01-ec2-from-ami.ipynb", panel_output=True)
    assert offer_after_restart(FakeSession(), notebook, shell)
    first = _shown(shell, "x = 1")
    assert any("This kernel is new" in html for html in first)
    assert "<b>fresh panel</b>" in first
    assert _shown(shell, "y = 2") == []


def test_a_lab_never_checked_gets_nothing(tmp_path: Path, shell: Any) -> None:
    notebook = _notebook(tmp_path / "lab.ipynb", panel_output=False)
    assert not offer_after_restart(FakeSession(), notebook, shell)
    assert _shown(shell, "x = 1") == []


def test_a_lab_checked_before_gets_it_without_a_saved_panel(tmp_path: Path,
                                                            shell: Any) -> None:
    notebook = _notebook(tmp_path / "lab.ipynb", panel_output=False)
    assert offer_after_restart(FakeSession(), notebook, shell, checked_before=True)
    assert "<b>fresh panel</b>" in _shown(shell, "x = 1")


def test_the_check_cell_itself_is_not_doubled(tmp_path: Path, shell: Any) -> None:
    notebook = _notebook(tmp_path / "lab.ipynb", panel_output=True)
    offer_after_restart(FakeSession(), notebook, shell)
    shell.user_ns["lab"] = FakeSession()
    assert _shown(shell, "lab.check()") == []  # the cell's own value is not a display
    assert _shown(shell, "x = 1") == []


def test_the_notebook_s_own_check_cell_hides_the_offer(tmp_path: Path, shell: Any) -> None:
    """Run All after a restart: the first cell's offered panel hides when the check cell
    at the end shows its own."""
    from grader.ui import panel_again

    notebook = _notebook(tmp_path / "lab.ipynb", panel_output=True)
    offer_after_restart(FakeSession(), notebook, shell)
    _shown(shell, "x = 1")
    offered = panel_again._OFFERED[-1]
    assert offered.layout.display is None
    panel_again.retire_offers()  # what LabSession.check() does first
    assert offered.layout.display == "none"


def test_unreadable_notebooks_are_no_panel(tmp_path: Path) -> None:
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert not had_panel(tmp_path / "bad.ipynb")
    assert not had_panel(tmp_path / "missing.ipynb")


def test_the_notebook_is_found_from_the_session_name(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert notebook_of("labs/01-x/01-x.ipynb") == tmp_path / "01-x.ipynb"
    assert notebook_of("/abs/labs/01-x/01-x.ipynb") == Path("/abs/labs/01-x/01-x.ipynb")
