"""Course-staff commands: grade a class, build a Gradescope bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from grader.cli.errors import friendly
from grader.cli.labs import LAB_ARG

console = Console(emoji=False)  # a student named :smile: stays text (no escape exists)


@friendly
def grade_cmd(
    lab: str = LAB_ARG,
    submissions: list[Path] = typer.Argument(
        ..., help="Notebooks (.ipynb), scripts (.py), or folders of them (one per student)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default ./grades/LAB)."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Submissions at once (default: cores)."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per submission."),
    memory: int = typer.Option(
        2048, "--memory", help="MB of memory per submission: its whole process tree and "
        "the files it writes to /tmp (as root with cgroups; otherwise per process)."),
    require_isolation: bool = typer.Option(
        False, "--require-isolation",
        help="Refuse to grade unless every wall is in force (for exams)."),
    roster: Path | None = typer.Option(None, "--roster",
                                       help="CSV mapping submissions to student ids."),
    prefix: str = typer.Option("", "--prefix", help="Strip this from submission names when "
                               "matching the roster (GitHub Classroom: 'lab-01-')."),
    force: bool = typer.Option(False, "--force", help="Regrade students already graded."),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON: one row per student."),
    labs_dir: Path | None = typer.Option(None, "--labs-dir", envvar="COMPUTELAB_LABS_DIR",
                                         help="Folder of lab folders (default: shipped labs)."),
    overlay: Path | None = typer.Option(None, "--checks-overlay", help="Your folder of "
                                        "instructor-only checks (DIR/LAB/checks.py)."),
    course: Path | None = typer.Option(None, "--course", help="course.toml: per-student "
                                       "variants (each student graded on their own values)."),
) -> None:
    """Grade a class: each submission isolated, in parallel, into a gradebook and feedback.

    Student ids come from file or folder names (alice.ipynb, alice/...) or --roster.
    Every submission gets one row; links, devices and unreadable entries get an error row.
    --out holds personal data: its files are private (0600). Rerunning grades only what is
    missing; --force regrades everyone.

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
    from grader.labs.course import read_course
    from grader.results import terminal_text

    found = find_lab(lab, root=labs_dir)
    out = out or Path("grades") / found.id
    limits = Limits(timeout=timeout, memory_mb=memory, require_isolation=require_isolation)
    err = Console(stderr=True, emoji=False)
    extra: dict[str, Any] = {"overlay": overlay,
                             "course": read_course(course) if course else None}
    if as_json:
        report = grade_class(found, submissions, out, limits=limits, jobs=jobs or None,
                             roster=roster, prefix=prefix, force=force, **extra)
        typer.echo(json.dumps([row.to_dict() for row in report.rows], indent=2))
        return
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                        TextColumn("{task.fields[last]}"), console=console, transient=False)
    task = progress.add_task(f"Grading {found.id}", total=None, last="")

    def planned(todo: int, skipped: int) -> None:
        progress.update(task, total=todo)
        if skipped:
            console.print(f"{skipped} already graded in {terminal_text(out)} (use --force to "
                          "regrade).")

    def finished(row: Any) -> None:
        if not row.skipped:
            progress.update(task, advance=1, last=terminal_text(
                f"{row.student}: {row.result.score:g}/{row.result.max_score:g}"))

    try:
        with progress:
            report = grade_class(
                found, submissions, out, limits=limits, jobs=jobs or None, roster=roster,
                prefix=prefix, force=force, on_plan=planned, on_row=finished, **extra,
                on_ready=lambda info: progress.console.print(
                    f"{info.workers} worker(s); {info.isolation}."))
    except KeyboardInterrupt:
        err.print(f"Interrupted. Finished students are saved in {terminal_text(out)}; rerun "
                  "the same command to grade the rest.")
        raise typer.Exit(130) from None
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {terminal_text(warning)}")
    table = Table(title=f"Grades for {found.id}")
    for col in ("Student", "Score", "Status", "Note"):
        table.add_column(col)
    for row in report.rows:
        table.add_row(terminal_text(row.student),
                      f"{row.result.score:g}/{row.result.max_score:g}",
                      row.result.status + (" (earlier run)" if row.skipped else ""),
                      terminal_text(row.note))
    console.print(table)
    # plain echo: rich would wrap long paths mid-name, which breaks copy-paste
    typer.echo(f"Gradebook (private to you): {out / 'gradebook.csv'}")
    typer.echo(f"Per-student results and feedback: {out / 'students'}")
    typer.echo(f"JUnit XML: {out / 'junit.xml'}")


@friendly
def gradescope_cmd(
    lab: str = LAB_ARG,
    out: Path | None = typer.Option(None, "--out", help="Zip to write (default "
                                    "gradescope-LAB.zip)."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per submission."),
    memory: int = typer.Option(2048, "--memory", help="MB of memory per submission."),
    labs_dir: Path | None = typer.Option(None, "--labs-dir", envvar="COMPUTELAB_LABS_DIR",
                                         help="Folder of lab folders (default: shipped labs)."),
    overlay: Path | None = typer.Option(None, "--checks-overlay", help="Your folder of "
                                        "instructor-only checks (DIR/LAB/checks.py)."),
    course: Path | None = typer.Option(None, "--course", help="course.toml: per-student "
                                       "variants (the student id is their Gradescope email)."),
) -> None:
    """Build a Gradescope autograder bundle (setup.sh, run_autograder, a wheel, the lab).

    Example: computelab gradescope 01 --out lab01-autograder.zip
    """
    from grader.classroom.gradescope import build_bundle
    from grader.labs import find_lab

    found = find_lab(lab, root=labs_dir)
    target = out or Path(f"gradescope-{found.id}.zip")
    build_bundle(found, target, timeout=timeout, memory_mb=memory, overlay=overlay,
                 course=course)
    typer.echo(f"Wrote {target}: upload it as the assignment's autograder (Ubuntu base image).")


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command("grade")(grade_cmd)
    app.command("gradescope")(gradescope_cmd)
