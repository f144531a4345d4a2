"""AWS errors in a lab notebook: one line that says what happened and what to do.

A re-run cell that creates a key pair ends in a 25-line botocore traceback whose last line
is the only useful one. IPython's custom exception hook shows that line instead, with advice
for the usual cause (the cell ran before) and the full traceback one click away. The cell
still fails, so "Run All" stops there as before.
"""

from __future__ import annotations

import html
import re
import traceback
from typing import Any

# AWS error codes (or message phrases) -> what the learner should do.
_ALREADY = ("this cell ran before, so the resource is there already: keep going, or click "
            "Reset this lab (at the bottom) and Run All to start over")
_MISSING = ("run the cells above first, in order (after a kernel restart, Run All from the "
            "top), and check the name")
ADVICE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Duplicate|AlreadyExists|AlreadyOwnedByYou|ResourceConflict|ResourceInUse|"
                r"already exists", re.I), _ALREADY),
    (re.compile(r"NotFound|NoSuch|does not exist|not found", re.I), _MISSING),
    (re.compile(r"Validation|InvalidParameter|MissingParameter|ParamValidation", re.I),
     "a parameter is wrong: compare your call with the task's instructions"),
    (re.compile(r"AccessDenied|UnrecognizedClient|InvalidClientTokenId", re.I),
     "boto3 is not using this lab's account: run the first cell of the notebook again"),
)


def advice_for(code: str, message: str) -> str:
    """What to do about an AWS error, or ``""`` when there is nothing general to say."""
    for pattern, advice in ADVICE:
        if pattern.search(code) or pattern.search(message):
            return advice
    return ""


def summary(exc: BaseException) -> tuple[str, str]:
    """(one line naming the AWS error, advice) for a botocore exception."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {}) or {}
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        operation = getattr(exc, "operation_name", "") or "the call"
        line = f"AWS refused {operation}: {code}: {message}".strip().rstrip(":")
    else:
        code, message = type(exc).__name__, str(exc).replace("\n", " ")
        line = f"{code}: {message}"
    return " ".join(line.split()), advice_for(code, message)


def render(exc: BaseException) -> str:
    """The HTML shown for ``exc``: the line, the advice, the traceback folded away."""
    line, advice = summary(exc)
    full = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    hint = f"<br><b>What to do:</b> {html.escape(advice)}." if advice else ""
    return ("<div class='computelab-aws-error' style='border-left:4px solid #b42318;"
            "padding:4px 8px'>"
            f"<b>{html.escape(line)}</b>{hint}"
            "<details><summary>Full traceback</summary>"
            f"<pre>{html.escape(full)}</pre></details></div>")


def _handler(shell: Any, etype: type, value: BaseException, tb: Any,
             tb_offset: Any = None) -> list[str]:
    from IPython.display import HTML, display

    display(HTML(render(value)))
    return []  # nothing more to print: the cell is still marked as failed


def install(shell: Any) -> None:
    """Show botocore errors as one line in ``shell`` (an IPython InteractiveShell)."""
    from botocore.exceptions import BotoCoreError, ClientError

    shell.set_custom_exc((ClientError, BotoCoreError), _handler)
