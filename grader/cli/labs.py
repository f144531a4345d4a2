"""Learner and lab-author commands: labs, sandbox, start, check, solve, reset, validate,
new-lab. Thin wrappers over core functions; heavy imports happen inside each command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from grader.cli.errors import friendly
from grader.results import LabResult, terminal_text

console = Console(emoji=False)  # names in messages stay text (":smile:" has no escape)

LAB_ARG = typer.Argument(..., help="Lab folder name or number, e.g. 01 or 01-ec2-from-ami.")
ENDPOINT_OPT = typer.Option(None, "--endpoint",
                            help="Sandbox URL (default: the one `computelab start` runs).")


@friendly
def labs_cmd() -> None:
    """List the labs with their minutes, your latest and best score and status, and
    whether you passed the lab's challenge version.

    Example: computelab labs
    """
    from grader import store
    from grader.ui.workspace import progress_rows

    rows = progress_rows()
    challenges = store.lab_progress(store.CHALLENGE)
    table = Table(title="ComputeLab labs")
    table.add_column("Lab", no_wrap=True,  # the id you type: never cut
                     min_width=max((len(lab.id) for lab, _ in rows), default=3))
    table.add_column("Title", ratio=1, min_width=12)
    for col in ("Min", "Latest", "Best", "Status", "Challenge"):
        table.add_column(col, no_wrap=True)
    for lab, progress in rows:
        if progress is None:
            latest = best = "-"
            status = "not started"
        else:
            latest = f"{progress.latest:g}/{progress.max_score:g}"
            best = f"{progress.best:g}/{progress.max_score:g}"
            status = progress.status
        hard = challenges.get(lab.id)
        table.add_row(lab.id, lab.title, str(lab.minutes), latest, best, status,
                      f"{hard.status} ({hard.best:g}/{hard.max_score:g})" if hard else "-")
    console.print(table)


@friendly
def sandbox_cmd(
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (0 = any free port)."),
) -> None:
    """Run only the sandbox, in the foreground; prints the environment lines to export.

    Example: computelab sandbox --port 5005
    """
    from grader.sandbox import REGION, Sandbox, publish

    with Sandbox(port=port) as sandbox:
        publish(sandbox.endpoint)
        typer.echo(f"Sandbox running at {sandbox.endpoint} (Ctrl-C to stop). For a shell:")
        typer.echo(f"export AWS_ENDPOINT_URL={sandbox.endpoint}")
        typer.echo(f"export AWS_DEFAULT_REGION={REGION}")
        typer.echo("export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing")
        _wait_forever()


def _wait_forever() -> None:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        typer.echo("Sandbox stopped.")


@friendly
def start_cmd(
    workspace: Path = typer.Option(Path("computelab-work"), "--workspace",
                                   help="Folder for your copies of the labs."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Don't open a browser."),
    port: int = typer.Option(8888, "--port", help="JupyterLab port on 127.0.0.1."),
    token: str | None = typer.Option(None, "--token",
                                     help="JupyterLab access token (default: a random one)."),
    challenge: bool = typer.Option(False, "--challenge",
                                   help="Lead with the challenge notebooks: objectives and "
                                        "facts, no instructions or hints."),
    student: str | None = typer.Option(None, "--student", help="Your student id, when your "
                                       "instructor gave you a course file (with --course)."),
    course: Path | None = typer.Option(None, "--course", help="The course.toml your "
                                       "instructor gave you (your labs' own values)."),
) -> None:
    """Start the sandbox and JupyterLab on your workspace (opens the welcome page).

    Each lab's AWS state from last time is restored first (one line says which labs came
    back). One trainer per user: if one runs already, this prints where it is and exits.
    Every lab has a guided and a challenge notebook; --challenge makes the welcome page lead
    with the challenges.

    Example: computelab start --workspace ~/aws-labs --port 8890
    """
    import secrets
    from dataclasses import asdict

    from grader.paths import data_dir
    from grader.sandbox import Sandbox, publish, read_runtime, write_runtime
    from grader.sandbox.journal import Journal, saved_labs, state_dir, summary
    from grader.ui.kernel_startup import write_startup
    from grader.ui.workspace import WELCOME, create_workspace

    if student is not None or course is not None:
        from grader.errors import CourseError
        from grader.labs.course import save_learner

        if student is None or course is None:
            raise CourseError("Give --student and --course together (your id and the "
                              "course.toml your instructor gave you).")
        save_learner(student, course)
    running = running_trainer()
    if running:
        typer.echo(f"ComputeLab is already running: {running['url']} (workspace "
                   f"{running.get('workspace', '?')}). Stop it with `computelab stop`.")
        return
    create_workspace(workspace, challenge=challenge)
    token = token if token is not None else secrets.token_hex(16)
    env = {**os.environ,
           "IPYTHONDIR": str(write_startup(data_dir() / "ipython")),  # guards every kernel
           "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                    os.environ.get("PATH", "")])}  # `computelab` in terminals
    saved = saved_labs(state_dir(workspace.resolve()))
    if saved:
        typer.echo(f"Restoring the AWS state of {len(saved)} lab{'' if len(saved) == 1 else 's'}"
                   " ...")
    with Sandbox(journal=Journal(state_dir(workspace.resolve()))) as sandbox:
        publish(sandbox.endpoint)
        url = f"http://127.0.0.1:{port}/lab?token={token}"
        runtime = read_runtime()
        runtime["accounts"] = {r.lab: asdict(r.account) for r in sandbox.restored
                               if r.account is not None and not r.problem}
        runtime["unrestored"] = {r.lab: r.problem for r in sandbox.restored if r.problem}
        runtime["workspace"] = str(workspace.resolve())
        runtime["trainer"] = {"pid": os.getpid(), "url": url,
                              "workspace": str(workspace.resolve())}
        write_runtime(runtime)
        command = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                   f"--LabApp.default_url=/lab/tree/{WELCOME}",
                   f"--IdentityProvider.token={token}"]
        if no_browser:
            command.append("--no-browser")
        if os.geteuid() == 0:
            command.append("--allow-root")
        for line in summary(sandbox.restored):
            typer.echo(line)
        typer.echo(f"Sandbox at {sandbox.endpoint}; starting JupyterLab in {workspace} ...")
        typer.echo(f"Open {url}")
        lab_server = subprocess.Popen(command, cwd=workspace, env=env)
        signal.signal(signal.SIGTERM, _raise_stop)  # `computelab stop`
        try:
            lab_server.wait()
        except (KeyboardInterrupt, _Stop):
            lab_server.terminate()  # jupyter_server stops cleanly on SIGTERM
            try:
                lab_server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                lab_server.kill()
                lab_server.wait()
        finally:
            _forget_trainer()


class _Stop(Exception):
    """SIGTERM arrived: shut JupyterLab and the sandbox down."""


def _raise_stop(signum: int, frame: Any) -> None:
    raise _Stop()


def running_trainer() -> dict[str, Any] | None:
    """The trainer recorded in the runtime file if its process still runs (else None: a
    record left by a crashed run is stale and gets replaced)."""
    from grader.sandbox import read_runtime, running_endpoint
    from grader.sandbox.runtime import process_running

    trainer = read_runtime().get("trainer")
    if isinstance(trainer, dict) and process_running(trainer.get("pid")) and running_endpoint():
        return trainer
    return None


def _forget_trainer() -> None:
    from grader.sandbox import read_runtime, write_runtime

    runtime = read_runtime()
    if isinstance(runtime.get("trainer"), dict) and runtime["trainer"].get("pid") == os.getpid():
        runtime.pop("trainer")
        write_runtime(runtime)


@friendly
def status_cmd() -> None:
    """Where the trainer runs (URL, workspace, sandbox) and which labs have sandbox state.

    Example: computelab status
    """
    from grader.paths import data_dir
    from grader.sandbox import read_runtime

    trainer = running_trainer()
    if not trainer:
        typer.echo("ComputeLab is not running. Start it with `computelab start`.")
        _print_saved_state()
        raise typer.Exit(1)
    runtime = read_runtime()
    labs = ", ".join(sorted(runtime.get("accounts", {}))) or "none yet"
    typer.echo(f"Running: {trainer['url']}")
    typer.echo(f"Workspace: {trainer.get('workspace', '?')}")
    typer.echo(f"Sandbox: {runtime.get('endpoint')} (labs with an account: {labs})")
    for problem in runtime.get("unrestored", {}).values():
        typer.echo(f"Not restored: {problem}")
    _print_saved_state()
    typer.echo(f"Data: {data_dir()}")


def last_state_dir() -> Path:
    """The sandbox-state folder of the workspace the trainer last ran on (the default
    workspace when it never ran)."""
    from grader.sandbox import read_runtime
    from grader.sandbox.journal import state_dir

    workspace = read_runtime().get("workspace")
    return state_dir(Path(workspace) if isinstance(workspace, str) else Path("computelab-work"))


def _print_saved_state() -> None:
    from grader.sandbox.journal import lab_number, saved_labs

    folder = last_state_dir()
    saved = saved_labs(folder)
    if not saved:
        typer.echo(f"Saved AWS state: none ({folder})")
        return
    labs = ", ".join(f"{lab_number(lab)} ({requests} request{'' if requests == 1 else 's'})"
                     for lab, requests, _ in saved)
    size = sum(size for _, _, size in saved)
    typer.echo(f"Saved AWS state: {labs}; {size / 1024:.0f} KB in {folder}")


@friendly
def stop_cmd() -> None:
    """Stop the running trainer (JupyterLab and the sandbox); each lab's AWS state is kept
    in the workspace, and the next `computelab start` restores it.

    Example: computelab stop
    """
    from grader.sandbox.runtime import process_running

    trainer = running_trainer()
    if not trainer:
        typer.echo("ComputeLab is not running.")
        return
    os.kill(int(trainer["pid"]), signal.SIGTERM)
    deadline = time.monotonic() + 60
    while process_running(trainer["pid"]):
        if time.monotonic() > deadline:
            typer.echo(f"ComputeLab (process {trainer['pid']}) is still shutting down; run "
                       "`computelab status` again in a moment.")
            raise typer.Exit(1)
        time.sleep(0.1)
    typer.echo("ComputeLab stopped. Your notebooks and each lab's AWS state are kept in your "
               "workspace; `computelab start` brings them back.")


REAL_AWS_OPT = typer.Option(False, "--real-aws",
                            help="Use your real AWS account (default credential chain) instead "
                                 "of the sandbox. Never implied.")


def _lab_and_aws(lab_name: str, endpoint: str | None, fresh: bool = False,
                 real_aws: bool = False) -> tuple[Any, Any]:
    from grader.labs import find_lab
    from grader.session import resolve_aws

    lab = find_lab(lab_name)
    return lab, resolve_aws(lab, endpoint, real_aws=real_aws, fresh=fresh)


def print_result(result: LabResult, show_hints: bool = True,
                 did: dict[str, list[str]] | None = None) -> None:
    """A rich table of one lab result; ``did``: check name -> the learner's calls that
    touched what its failure names."""
    table = Table(title=terminal_text(
        f"{result.lab}: {result.score:g}/{result.max_score:g} ({result.status})"))
    for col in ("", "Objective", "Points", "Feedback"):
        table.add_column(col)
    for t in result.tests:
        mark = "[green]✔[/]" if t.passed else "[red]✘[/]"
        calls = "".join(f"\n[cyan]You did: {terminal_text(line)}[/]"
                        for line in (did or {}).get(t.name, []))
        hint = f"\n[dim]Hint: {terminal_text(t.hint)}[/]" if show_hints else ""
        feedback = "" if t.passed else f"{terminal_text(t.output)}{calls}{hint}"
        table.add_row(mark, terminal_text(t.title), f"{t.score:g}/{t.max_score:g}", feedback)
    console.print(table)
    if result.output:
        console.print(terminal_text(result.output))
    if result.later:
        console.print(result.later_text())


@friendly
def check_cmd(
    lab: str = LAB_ARG,
    endpoint: str | None = ENDPOINT_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON result."),
    real_aws: bool = REAL_AWS_OPT,
    challenge: bool = typer.Option(False, "--challenge",
                                   help="You did the challenge notebook: no hints, and a pass "
                                        "counts as a challenge pass."),
) -> None:
    """Check your work in the running sandbox; exit 0 only when every check passes.

    A failing check also lists your own boto3 calls (from the lab's notebook) that touched
    what it names. --endpoint may also name LocalStack or another local server (your own
    credentials are used there); --real-aws checks your real account, read-only.

    Example: computelab check 01 --json
    """
    from grader import store
    from grader.session import check_lab
    from grader.ui.recorder import recorded_for

    found, aws = _lab_and_aws(lab, endpoint, real_aws=real_aws)
    result = check_lab(found, aws)
    store.record_check(found.id, result.to_dict(),
                       store.CHALLENGE if challenge else store.GUIDED)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        print_result(result, show_hints=not challenge,
                     did=recorded_for(found.id, aws.access_key_id, result))
    raise typer.Exit(0 if result.passed else 1)


@friendly
def solve_cmd(lab: str = LAB_ARG, endpoint: str | None = ENDPOINT_OPT) -> None:
    """Apply the reference solution to the lab's sandbox account (for instructors and demos).

    Example: computelab solve 01
    """
    found, aws = _lab_and_aws(lab, endpoint)
    found.solve_fn()(aws)
    typer.echo(f"Applied the reference solution for {found.id}.")


@friendly
def reset_cmd(
    lab: str | None = typer.Argument(None, help="Lab folder name or number, e.g. 01 "
                                                 "(or --all for every lab)."),
    every: bool = typer.Option(False, "--all", help="Reset every lab."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Don't ask for confirmation."),
    notebook: bool = typer.Option(
        False, "--notebook", help="Also replace your notebook with a fresh copy (yours goes to "
                                  "the workspace's backups/ folder)."),
    endpoint: str | None = ENDPOINT_OPT,
) -> None:
    """Wipe a lab's sandbox resources (also its saved state): it gets a fresh, empty account;
    your notebook stays (as the notebook's Reset button does) unless you add --notebook.
    Works whether the trainer runs or not.

    Example: computelab reset 01 --yes   (every lab: computelab reset --all)
    """
    from grader.errors import ComputeLabError
    from grader.labs import all_labs, find_lab
    from grader.sandbox import read_runtime, running_endpoint
    from grader.sandbox.journal import forget
    from grader.ui.workspace import restore_notebook

    if (lab is None) == (not every):
        raise ComputeLabError("Name one lab (`computelab reset 01`) or reset every lab with "
                              "`computelab reset --all`, not both.")
    chosen = all_labs() if every else [find_lab(lab or "")]
    what = "sandbox resources and notebook" if notebook else "sandbox resources"
    whose = "every lab's" if every else f"{chosen[0].id}'s"
    if not yes and not typer.confirm(f"Wipe {whose} {what}?"):
        raise typer.Exit(1)
    runtime = read_runtime()
    with_state = set(runtime.get("accounts", {})) | set(runtime.get("unrestored", {}))
    running = endpoint or running_endpoint()
    for found in chosen:
        forget(last_state_dir(), found.id)
        if running and (found.id in with_state or not every):
            _lab_and_aws(found.id, endpoint, fresh=True)
    fresh = ("a fresh, empty sandbox account" if running
             else "no saved sandbox state (a fresh, empty account when it next connects)")
    names = "Every lab" if every else chosen[0].id
    message = f"{names} has {fresh}; your notebook{'s are' if every else ' is'} unchanged."
    workspace = runtime.get("workspace")
    if notebook and workspace:
        backups = [restore_notebook(Path(workspace), found) for found in chosen]
        message = f"{names} has {fresh}, and a fresh notebook."
        kept = [str(b) for b in backups if b]
        if kept:
            message += (f" Yours: {', '.join(kept)}. If a notebook is open in JupyterLab, use "
                        "File > Reload Notebook from Disk before you save, or your old "
                        "version comes back.")
    typer.echo(message)


@friendly
def validate_cmd(lab: str = LAB_ARG) -> None:
    """For lab authors: solution -> full marks and untouched -> zero, in a fresh sandbox.

    Example: computelab validate 01
    """
    from grader.labs import find_lab
    from grader.labs.authoring import validate_lab

    report = validate_lab(find_lab(lab))
    for label, result in (("solved", report.solved), ("untouched", report.untouched)):
        typer.echo(f"{label}: {result.score:g}/{result.max_score:g}")
    for problem in report.problems:
        typer.echo(f"  problem: {problem}")
    if report.problems:
        raise typer.Exit(1)
    typer.echo(f"{report.lab} is valid.")


@friendly
def new_lab_cmd(
    lab_id: str = typer.Argument(..., help="NN-slug, e.g. 10-step-functions."),
    labs_dir: Path = typer.Option(Path("labs"), "--labs-dir", help="Where lab folders live."),
    tests_dir: Path = typer.Option(Path("tests/labs"), "--tests-dir",
                                   help="Where to put the lab's test file and corpus."),
) -> None:
    """For lab authors: scaffold a lab folder that passes `computelab validate` as it is.

    Example: computelab new-lab 10-step-functions
    """
    from grader.labs.authoring import scaffold_lab

    folder = scaffold_lab(labs_dir, lab_id, tests_dir if tests_dir.is_dir() else None)
    typer.echo(f"Created {folder}: edit lab.toml, checks.py and solution.py, run "
               f"`computelab build-lab {lab_id}`, then `computelab validate {lab_id}`.")


@friendly
def build_lab_cmd(
    labs: list[str] = typer.Argument(None, help="Lab ids or numbers (default: every lab)."),
    check_only: bool = typer.Option(False, "--check",
                                    help="Change nothing; exit 1 if a notebook is out of date."),
) -> None:
    """For lab authors: build lab.ipynb and solution.ipynb from each lab's solution.py.

    Example: computelab build-lab 01
    """
    from grader.labs import all_labs, find_lab
    from grader.labs.build import stale_notebooks, write_notebooks

    chosen = [find_lab(name) for name in labs] if labs else all_labs()
    if check_only:
        stale = [f"{lab.id}/{name}" for lab in chosen for name in stale_notebooks(lab)]
        for name in stale:
            typer.echo(f"out of date: {name}")
        if stale:
            typer.echo("Run `computelab build-lab` and commit the notebooks.")
            raise typer.Exit(1)
        typer.echo(f"{len(chosen)} lab(s): notebooks match solution.py.")
        return
    for lab in chosen:
        changed = write_notebooks(lab)
        names = ", ".join(path.name for path in changed) or "already up to date"
        typer.echo(f"{lab.id}: {names}")


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command("labs")(labs_cmd)
    app.command("sandbox")(sandbox_cmd)
    app.command("start")(start_cmd)
    app.command("status")(status_cmd)
    app.command("stop")(stop_cmd)
    app.command("check")(check_cmd)
    app.command("solve")(solve_cmd)
    app.command("reset")(reset_cmd)
    app.command("validate")(validate_cmd)
    app.command("new-lab")(new_lab_cmd)
    app.command("build-lab")(build_lab_cmd)
