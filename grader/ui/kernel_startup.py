"""What every kernel of the trainer runs before the learner's first cell.

``computelab start`` points JupyterLab's kernels at an IPython directory whose startup
script calls ``guard_kernel``: boto3 is aimed at the sandbox with the lab's own account (the
kernel knows its notebook from ``JPY_SESSION_NAME``) and the loopback guard is installed, so
a task cell run before the connect cell lands in the sandbox, and ``region_name=...`` or a
profile still cannot leave this machine. After a restart, the first cell run shows working
"Check my work" buttons again (``grader.ui.panel_again``). A lab's kernel also records the
learner's boto3 calls for "what you did" (``grader.ui.recorder``). The standard ``python3``
kernelspec is untouched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader.aws import (
    NOWHERE,
    REGION,
    apply_lab_environment,
    install_loopback_guard,
    lab_environment,
)

STARTUP_FILE = "00-computelab.py"
STARTUP_CODE = (
    "# Written by `computelab start`: guard boto3 before the first cell (see "
    "grader.ui.kernel_startup).\n"
    "try:\n"
    "    from grader.ui.kernel_startup import guard_kernel\n"
    "    guard_kernel()\n"
    "except Exception as exc:  # never stop a kernel from starting\n"
    "    print(f'ComputeLab: could not prepare this kernel ({exc}); run the first cell.')\n"
)
_LAB_IN_PATH = re.compile(r"(?:^|/)labs/(\d{2}-[a-z0-9-]+)/")


def lab_id_of(session_name: str) -> str | None:
    """The lab a notebook belongs to, from its path in the workspace (labs/NN-slug/...)."""
    found = _LAB_IN_PATH.search(session_name.replace("\\", "/"))
    return found.group(1) if found else None


def guard_kernel(environ: Mapping[str, str] | None = None) -> str:
    """Aim boto3 at the sandbox (the lab's account when known) and install the guard.

    Returns where boto3 now points, for the tests and the log.
    """
    from grader.errors import ComputeLabError
    from grader.labs import find_lab
    from grader.sandbox import running_endpoint
    from grader.session import lab_aws

    env = os.environ if environ is None else environ
    install_loopback_guard()
    endpoint = running_endpoint()
    lab_id = lab_id_of(env.get("JPY_SESSION_NAME", ""))
    if lab_id:
        from grader.ui.recorder import install

        install(lab_id)
    if endpoint and lab_id:
        try:
            aws = lab_aws(find_lab(lab_id), endpoint)
        except ComputeLabError:
            aws = None
        if aws is not None:
            apply_lab_environment(lab_environment(endpoint, aws.access_key_id or "",
                                                  aws.secret_access_key or "", aws.region))
            _panel_after_restart(lab_id, aws, env.get("JPY_SESSION_NAME", ""))
            return endpoint
    target = endpoint or NOWHERE
    apply_lab_environment(lab_environment(target, "testing", "testing", REGION))
    return target


def _panel_after_restart(lab_id: str, aws: Any, session_name: str) -> None:
    """Working "Check my work" buttons in the first cell run after a restart
    (``grader.ui.panel_again``)."""
    from grader import store
    from grader.labs import find_lab
    from grader.notebook import LabSession
    from grader.ui.panel_again import notebook_of, offer_after_restart

    offer_after_restart(LabSession(find_lab(lab_id), aws), notebook_of(session_name),
                        checked_before=store.lab_status(lab_id) != "not started")


def write_startup(ipython_dir: Path) -> Path:
    """Create ``ipython_dir`` with the startup script; returns the directory."""
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / STARTUP_FILE).write_text(STARTUP_CODE)
    return ipython_dir
