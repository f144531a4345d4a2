"""The ``computelab`` command line: thin wrappers over core functions.

Every command catches ``ComputeLabError`` and prints one line (``Error: ...``), exit code 2.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from grader import __version__
from grader.errors import ComputeLabError

app = typer.Typer(
    name="computelab",
    help="ComputeLab: hands-on AWS compute labs on a local sandbox, an autograder and quizzes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
console = Console()
F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Turn ComputeLab errors into one line on stderr and exit code 2 (never a traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ComputeLabError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"computelab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """ComputeLab: hands-on AWS compute labs on a local sandbox, an autograder and quizzes."""


LAB_ARG = typer.Argument(..., help="Lab folder name or number, e.g. 01 or 01-ec2-from-ami.")
ENDPOINT_OPT = typer.Option(None, "--endpoint",
                            help="Sandbox URL (default: the one `computelab start` runs).")


@app.command("labs")
@friendly
def labs_cmd() -> None:
    """List the labs with their topic, minutes and your status.

    Example: computelab labs
    """
    from grader.workspace import status_rows

    table = Table(title="ComputeLab labs")
    for col in ("Lab", "Title", "Topic", "Minutes", "Status"):
        table.add_column(col)
    for lab, status in status_rows():
        table.add_row(lab.id, lab.title, lab.topic, str(lab.minutes), status)
    console.print(table)


@app.command("sandbox")
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


@app.command("start")
@friendly
def start_cmd(
    workspace: Path = typer.Option(Path("computelab-work"), "--workspace",
                                   help="Folder for your copies of the labs."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Don't open a browser."),
    port: int = typer.Option(8888, "--port", help="JupyterLab port on 127.0.0.1."),
    token: str | None = typer.Option(None, "--token",
                                     help="JupyterLab access token (default: a random one)."),
) -> None:
    """Start the sandbox and JupyterLab on your workspace (opens the welcome page).

    Example: computelab start --workspace ~/aws-labs --port 8890
    """
    from grader.sandbox import Sandbox, publish, read_runtime, write_runtime
    from grader.workspace import WELCOME, create_workspace

    create_workspace(workspace)
    with Sandbox() as sandbox:
        publish(sandbox.endpoint)
        runtime = read_runtime()
        runtime["workspace"] = str(workspace.resolve())
        write_runtime(runtime)
        command = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={port}", f"--LabApp.default_url=/lab/tree/{WELCOME}"]
        if no_browser:
            command.append("--no-browser")
        if token is not None:
            command.append(f"--IdentityProvider.token={token}")
        if os.geteuid() == 0:
            command.append("--allow-root")
        typer.echo(f"Sandbox at {sandbox.endpoint}; starting JupyterLab in {workspace} ...")
        lab_server = subprocess.Popen(command, cwd=workspace)
        try:
            lab_server.wait()
        except KeyboardInterrupt:
            lab_server.send_signal(signal.SIGINT)
            lab_server.wait(timeout=30)


REAL_AWS_OPT = typer.Option(False, "--real-aws",
                            help="Use your real AWS account (default credential chain) instead "
                                 "of the sandbox. Never implied.")


def _lab_and_aws(lab_name: str, endpoint: str | None, fresh: bool = False,
                 real_aws: bool = False) -> tuple[Any, Any]:
    from grader.labs import find_lab
    from grader.session import resolve_aws

    lab = find_lab(lab_name)
    return lab, resolve_aws(lab, endpoint, real_aws=real_aws, fresh=fresh)


def print_result(result: Any) -> None:
    """A rich table of one lab result."""
    table = Table(title=f"{result.lab}: {result.score:g}/{result.max_score:g} ({result.status})")
    for col in ("", "Objective", "Points", "Feedback"):
        table.add_column(col)
    for t in result.tests:
        mark = "[green]✔[/]" if t.passed else "[red]✘[/]"
        feedback = t.output if t.passed else f"{t.output}\n[dim]Hint: {t.hint}[/]"
        table.add_row(mark, t.title, f"{t.score:g}/{t.max_score:g}", feedback)
    console.print(table)
    if result.output:
        console.print(result.output)


@app.command("check")
@friendly
def check_cmd(
    lab: str = LAB_ARG,
    endpoint: str | None = ENDPOINT_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON result."),
    real_aws: bool = REAL_AWS_OPT,
) -> None:
    """Check your work in the running sandbox; exit 0 only when every check passes.

    --endpoint may also name LocalStack or another local server (your own credentials are
    used there); --real-aws checks your real account, read-only.

    Example: computelab check 01 --json
    """
    from grader import store
    from grader.session import check_lab

    found, aws = _lab_and_aws(lab, endpoint, real_aws=real_aws)
    result = check_lab(found, aws)
    store.record_check(found.id, result.to_dict())
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        print_result(result)
    raise typer.Exit(0 if result.passed else 1)


@app.command("solve")
@friendly
def solve_cmd(lab: str = LAB_ARG, endpoint: str | None = ENDPOINT_OPT) -> None:
    """Apply the reference solution to the lab's sandbox account (for instructors and demos).

    Example: computelab solve 01
    """
    found, aws = _lab_and_aws(lab, endpoint)
    found.solve_fn()(aws)
    typer.echo(f"Applied the reference solution for {found.id}.")


@app.command("reset")
@friendly
def reset_cmd(
    lab: str = LAB_ARG,
    yes: bool = typer.Option(False, "--yes", "-y", help="Don't ask for confirmation."),
    endpoint: str | None = ENDPOINT_OPT,
) -> None:
    """Give a lab a fresh sandbox account and restore its notebook (yours is backed up).

    Example: computelab reset 01 --yes
    """
    from grader.labs import find_lab
    from grader.sandbox import read_runtime
    from grader.workspace import restore_notebook

    found = find_lab(lab)
    if not yes and not typer.confirm(f"Wipe {found.id}'s sandbox resources and notebook?"):
        raise typer.Exit(1)
    _lab_and_aws(found.id, endpoint, fresh=True)
    workspace = read_runtime().get("workspace")
    message = f"{found.id} has a fresh, empty sandbox account."
    if workspace:
        backup = restore_notebook(Path(workspace), found)
        if backup:
            message += f" Your notebook was saved as {backup.name}."
    typer.echo(message)


@app.command("validate")
@friendly
def validate_cmd(lab: str = LAB_ARG) -> None:
    """For lab authors: solution -> full marks and untouched -> zero, in a fresh sandbox.

    Example: computelab validate 01
    """
    from grader.authoring import validate_lab
    from grader.labs import find_lab

    report = validate_lab(find_lab(lab))
    for label, result in (("solved", report.solved), ("untouched", report.untouched)):
        typer.echo(f"{label}: {result.score:g}/{result.max_score:g}")
    for problem in report.problems:
        typer.echo(f"  problem: {problem}")
    if report.problems:
        raise typer.Exit(1)
    typer.echo(f"{report.lab} is valid.")


@app.command("new-lab")
@friendly
def new_lab_cmd(
    lab_id: str = typer.Argument(..., help="NN-slug, e.g. 10-step-functions."),
    labs_dir: Path = typer.Option(Path("labs"), "--labs-dir", help="Where lab folders live."),
    tests_dir: Path = typer.Option(Path("tests"), "--tests-dir",
                                   help="Where to put the lab's test file."),
) -> None:
    """For lab authors: scaffold a lab folder that passes `computelab validate` as it is.

    Example: computelab new-lab 10-step-functions
    """
    from grader.authoring import scaffold_lab

    folder = scaffold_lab(labs_dir, lab_id, tests_dir if tests_dir.is_dir() else None)
    typer.echo(f"Created {folder}: edit lab.toml, checks.py, solution.py and the notebooks, "
               f"then run `computelab validate {lab_id}`.")


@app.command("grade")
@friendly
def grade_cmd(
    lab: str = LAB_ARG,
    submissions: list[Path] = typer.Argument(
        ..., help="Notebooks (.ipynb), scripts (.py), or folders of them (one per student)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default ./grades/LAB)."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Submissions at once (default: cores)."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per submission."),
    memory: int = typer.Option(2048, "--memory", help="MB of memory per submission."),
    roster: Path | None = typer.Option(None, "--roster",
                                       help="CSV mapping submissions to student ids."),
    force: bool = typer.Option(False, "--force", help="Regrade students already graded."),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON: one row per student."),
    labs_dir: Path | None = typer.Option(None, "--labs-dir", envvar="COMPUTELAB_LABS_DIR",
                                         help="Folder of lab folders (default: shipped labs)."),
) -> None:
    """Grade a class: each submission isolated, in parallel, into a gradebook and feedback.

    Student ids come from file or folder names (alice.ipynb, alice/...) or --roster.
    Rerunning grades only what is missing; --force regrades everyone.

    Example: computelab grade 01 submissions/ --out grades/01 --jobs 2
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from grader.classroom import grade_class
    from grader.grading import Limits
    from grader.labs import find_lab

    found = find_lab(lab, root=labs_dir)
    out = out or Path("grades") / found.id
    limits = Limits(timeout=timeout, memory_mb=memory)
    err = Console(stderr=True)
    if as_json:
        report = grade_class(found, submissions, out, limits=limits, jobs=jobs or None,
                             roster=roster, force=force)
        typer.echo(json.dumps([row.to_dict() for row in report.rows], indent=2))
        return
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                        TextColumn("{task.fields[last]}"), console=console, transient=False)
    task = progress.add_task(f"Grading {found.id}", total=None, last="")

    def planned(todo: int, skipped: int) -> None:
        progress.update(task, total=todo)
        if skipped:
            console.print(f"{skipped} already graded in {out} (use --force to regrade).")

    def finished(row: Any) -> None:
        if not row.skipped:
            progress.update(task, advance=1,
                            last=f"{row.student}: {row.result.score:g}/{row.result.max_score:g}")

    try:
        with progress:
            report = grade_class(
                found, submissions, out, limits=limits, jobs=jobs or None, roster=roster,
                force=force, on_plan=planned, on_row=finished,
                on_ready=lambda info: progress.console.print(
                    f"{info.workers} worker(s); {info.isolation}."))
    except KeyboardInterrupt:
        err.print(f"Interrupted. Finished students are saved in {out}; rerun the same "
                  "command to grade the rest.")
        raise typer.Exit(130) from None
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    table = Table(title=f"Grades for {found.id}")
    for col in ("Student", "Score", "Status", "Note"):
        table.add_column(col)
    for row in report.rows:
        table.add_row(row.student, f"{row.result.score:g}/{row.result.max_score:g}",
                      row.result.status + (" (earlier run)" if row.skipped else ""),
                      row.result.output)
    console.print(table)
    # plain echo: rich would wrap long paths mid-name, which breaks copy-paste
    typer.echo(f"Gradebook: {out / 'gradebook.csv'}")
    typer.echo(f"Per-student results and feedback: {out / 'students'}")
    typer.echo(f"JUnit XML: {out / 'junit.xml'}")


@app.command("gradescope")
@friendly
def gradescope_cmd(
    lab: str = LAB_ARG,
    out: Path | None = typer.Option(None, "--out", help="Zip to write (default "
                                    "gradescope-LAB.zip)."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per submission."),
    memory: int = typer.Option(2048, "--memory", help="MB of memory per submission."),
    labs_dir: Path | None = typer.Option(None, "--labs-dir", envvar="COMPUTELAB_LABS_DIR",
                                         help="Folder of lab folders (default: shipped labs)."),
) -> None:
    """Build a Gradescope autograder bundle (setup.sh, run_autograder, a wheel, the lab).

    Example: computelab gradescope 01 --out lab01-autograder.zip
    """
    from grader.gradescope import build_bundle
    from grader.labs import find_lab

    found = find_lab(lab, root=labs_dir)
    target = out or Path(f"gradescope-{found.id}.zip")
    build_bundle(found, target, timeout=timeout, memory_mb=memory)
    typer.echo(f"Wrote {target}: upload it as the assignment's autograder (Ubuntu base image).")


_registered: list[bool] = []


def _register_subcommands() -> None:
    """Add the quiz commands (kept in grader.quiz) once."""
    if not _registered:
        from grader.quiz import cli as quiz_cli

        quiz_cli.register(app)
        _registered.append(True)


# typer vendors click: its UsageError is the base of the public typer.BadParameter
_UsageError = typer.BadParameter.__bases__[0]


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage mistakes get one line, not a usage screen."""
    _register_subcommands()
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="computelab", standalone_mode=False)
    except _UsageError as exc:
        if exc.ctx is not None and type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(exc.ctx.get_help())  # bare `computelab` (or a group): show the help
            sys.exit(0)
        where = exc.ctx.command_path if exc.ctx is not None else "computelab"
        typer.echo(f"Error: {exc.format_message()} (see `{where} --help`)", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
