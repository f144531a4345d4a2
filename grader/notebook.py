"""What a lab notebook's first and last cells call: connect, check my work, reset.

``connect`` makes the kernel's plain boto3 land in this lab's sandbox account: it sets the
lab environment and installs the loopback guard. With no sandbox running it says how to
start the trainer and leaves boto3 pointing nowhere (tests may allow an in-kernel sandbox).
Under ``computelab grade`` (``COMPUTELAB_GRADING=1``) it only keeps the environment the
grader prepared, without reading any course file, and the check cell is inert.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from typing import Any

from grader import store
from grader.aws import AWS, apply_lab_environment, install_loopback_guard, lab_environment
from grader.errors import ComputeLabError, SandboxError
from grader.labs import Lab, find_lab
from grader.results import LabResult
from grader.sandbox import Sandbox, publish, running_endpoint
from grader.session import check_lab, lab_aws

GRADING_ENV = "COMPUTELAB_GRADING"
_KERNEL_SANDBOX: list[Sandbox] = []  # keeps a kernel-started sandbox alive with the kernel


def _display_html(markup: str) -> None:
    try:
        from IPython.display import HTML, display

        display(HTML(markup))
    except ImportError:  # plain Python: fall back to text
        print(markup)


def _code_spans(text: str) -> str:
    """`command` -> <code>command</code> in already-escaped text."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


KERNEL_SANDBOX_ENV = "COMPUTELAB_KERNEL_SANDBOX"  # "1": tests and nbval may start one here


def _ensure_sandbox() -> tuple[str, str]:
    """An endpoint to use, and a note for the learner when we had to start one.

    Without the trainer there is no sandbox to keep a lab's work, so connect says how to
    start it instead of quietly starting one that would vanish with the kernel; only
    ``COMPUTELAB_KERNEL_SANDBOX=1`` (tests, nbval) starts one inside the kernel.
    """
    endpoint = running_endpoint()
    if endpoint:
        return endpoint, ""
    if os.environ.get(KERNEL_SANDBOX_ENV) != "1":
        raise SandboxError(
            "No ComputeLab sandbox is running, so this notebook is not connected (and boto3 "
            "here reaches nothing). Start the trainer with `computelab start` in a terminal, "
            "open this lab from the JupyterLab it starts, and run this cell again.")
    sandbox = Sandbox().start()
    _KERNEL_SANDBOX.append(sandbox)
    publish(sandbox.endpoint)
    return sandbox.endpoint, (
        "No sandbox was running (was JupyterLab started without `computelab start`?), so one "
        "was started inside this kernel; its resources go when the kernel stops.")


@dataclass
class LabSession:
    """A connected lab: the objectives, the check button and the reset control."""

    lab: Lab
    aws: AWS
    challenge: bool = False  # a challenge notebook: no hints; its passes are kept apart
    # (default session, AWS_* environment) last found pointing at the sandbox: building a
    # client per service costs tens of ms, so an unchanged setup is not asked again per click
    _verified: tuple[Any, frozenset[tuple[str, str]]] | None = field(default=None, repr=False)

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(o)}</li>" for o in self.lab.objectives)
        mode = " (challenge)" if self.challenge else ""
        return (f"<div class='computelab-connected'><b>{html.escape(self.lab.title)}</b>{mode} "
                f"&mdash; connected to the sandbox (account {self.aws.account_id}, "
                f"{self.aws.region}).<br>Objectives:<ol>{items}</ol>"
                "Use plain <code>boto3.client(...)</code>: it already points at the sandbox.</div>")

    def misconfigured(self) -> str:
        """Why the kernel's boto3 would not reach this lab's account, or ``''``.

        Looks at the environment (what new sessions use) and asks the default session that
        plain ``boto3.client(...)`` uses, so per-service endpoint variables and
        ``boto3.setup_default_session(...)`` are caught too.
        """
        rerun = " Re-run the first cell of this notebook, then check again."
        if self.reset_elsewhere():
            return ("This lab was reset outside this notebook (computelab reset, or another "
                    "notebook's Reset button), so it has a new, empty account that this "
                    "kernel is not using yet. Re-run this notebook's cells from the top "
                    "(Run > Run All Cells), then check again.")
        if os.environ.get("AWS_ENDPOINT_URL") != self.aws.endpoint:
            return ("Your boto3 is not pointing at the sandbox (AWS_ENDPOINT_URL was changed)."
                    + rerun)
        if os.environ.get("AWS_ACCESS_KEY_ID") != self.aws.access_key_id:
            return ("Your boto3 credentials were changed, so your resources went to another "
                    "account." + rerun)
        import boto3
        from botocore.exceptions import BotoCoreError, UnknownServiceError

        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        session: Any = boto3.DEFAULT_SESSION  # plain boto3.client(...) uses this one
        setup = (session, frozenset((k, v) for k, v in os.environ.items()
                                    if k.startswith("AWS_")))
        if self._verified is not None and self._verified[0] is setup[0] and (
                self._verified[1] == setup[1]):
            return ""
        sandbox = (self.aws.endpoint or "").rstrip("/")
        try:
            for service in self.lab.services:
                try:
                    url = session.client(service).meta.endpoint_url
                except UnknownServiceError:
                    continue
                if url.rstrip("/") != sandbox:
                    return (f"Your boto3 sends {service} calls to {url}, not to the sandbox."
                            + rerun)
            credentials = session.get_credentials()
        except BotoCoreError as exc:
            return f"Your boto3 settings do not work ({exc})." + rerun
        if credentials is None or credentials.access_key != self.aws.access_key_id:
            return ("Your boto3 credentials were changed, so your resources went to another "
                    "account." + rerun)
        self._verified = setup
        return ""

    def reset_elsewhere(self) -> bool:
        """Whether the trainer now gives this lab another account than this kernel's (one
        reset meaning: a reset anywhere moves the lab to a new, empty account)."""
        from grader.sandbox.runtime import read_runtime

        runtime = read_runtime()
        if runtime.get("endpoint") != self.aws.endpoint:
            return False
        current = (runtime.get("accounts") or {}).get(self.lab.id) or {}
        return bool(current) and current.get("account_id") != self.aws.account_id

    def run_checks(self) -> LabResult:
        """Run the checks and record the result so progress shows it."""
        result = check_lab(self.lab, self.aws)
        store.record_check(self.lab.id, result.to_dict(),
                           store.CHALLENGE if self.challenge else store.GUIDED)
        return result

    def check(self) -> Any:
        """Show the "Check my work" button (and hide one offered after a restart)."""
        from grader.ui.check_panel import CheckPanel
        from grader.ui.panel_again import retire_offers

        retire_offers()
        return CheckPanel(self).widget

    def reset(self) -> LabSession:
        """Give this lab a fresh, empty account (other labs keep theirs)."""
        self.aws = lab_aws(self.lab, self.aws.endpoint or "", fresh=True)
        self._verified = None
        _use(self.aws)
        return self


def _use(aws: AWS) -> None:
    apply_lab_environment(lab_environment(aws.endpoint or "", aws.access_key_id or "",
                                          aws.secret_access_key or "", aws.region))
    install_loopback_guard()


def _disconnect() -> None:
    """Point boto3 nowhere (a closed port on this machine) behind the loopback guard, so
    later cells cannot reach a real account by accident."""
    from grader.aws import NOWHERE, REGION

    apply_lab_environment(lab_environment(NOWHERE, "testing", "testing", REGION))
    install_loopback_guard()


def _show_aws_errors_as_one_line() -> None:
    """In a notebook, a failed AWS call shows one line and what to do (see ui.aws_errors)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        from grader.ui.aws_errors import install

        install(shell)


@dataclass
class GradedSession:
    """What a notebook's connect() gives under batch grading: the grader prepared the
    environment and checks by itself, so nothing here needs the course's files (the walls
    hide them from a submission)."""

    aws: AWS
    grading: bool = True

    def check(self) -> None:
        print("Checked by the grader after your notebook runs.")


def connect(lab_name: str, challenge: bool = False) -> LabSession | GradedSession | None:
    """Connect the kernel to the lab's account; show the objectives (one sentence on errors).

    ``challenge``: the notebook is the lab's challenge version (checks show no hints)."""
    if os.environ.get(GRADING_ENV):
        install_loopback_guard()
        return GradedSession(AWS(endpoint=os.environ.get("AWS_ENDPOINT_URL"),
                                 access_key_id=os.environ.get("AWS_ACCESS_KEY_ID"),
                                 secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY")))
    try:
        lab = find_lab(lab_name)
        endpoint, note = _ensure_sandbox()
        aws = lab_aws(lab, endpoint)
        _use(aws)
    except ComputeLabError as exc:
        _disconnect()
        _display_html(f"<b>ComputeLab:</b> {_code_spans(html.escape(str(exc)))}")
        return None
    session = LabSession(lab, aws, challenge)
    _show_aws_errors_as_one_line()
    if note:
        _display_html(f"<p><b>Note:</b> {_code_spans(html.escape(note))}</p>")
    _display_html(session._repr_html_())
    return session
