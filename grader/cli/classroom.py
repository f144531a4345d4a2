"""Course-staff commands: collect a class's repositories, grade a class (or a shard of it),
merge shards, export LMS gradebook files, build a Gradescope bundle."""

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
                               "matching the roster (repositories named lab-01-USER: 'lab-01-')."),
    force: bool = typer.Option(False, "--force", help="Regrade students already graded."),
    shard: str = typer.Option("", "--shard", help="Grade only shard I of N (1-based), e.g. "
                              "2/4; `computelab merge` joins the shards' --out folders."),
    lms: list[str] = typer.Option([], "--lms", help="Also write LMS import files: canvas, "
                                  "moodle or blackboard (repeat for several)."),
    lms_column: str = typer.Option("", "--lms-column", help="The LMS's grade column, e.g. "
                                   "'Lab 1 (12345)' (Canvas) or 'Lab 1 |12345' (Blackboard)."),
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
    from grader.classroom.lms import lms_kinds
    from grader.classroom.shards import Shard
    from grader.grading import Limits
    from grader.labs import find_lab
    from grader.labs.course import read_course
    from grader.results import terminal_text

    found = find_lab(lab, root=labs_dir)
    part = Shard.parse(shard) if shard else None
    kinds = lms_kinds(lms)
    out = out or Path("grades") / (f"{found.id}-shard-{part.index}-of-{part.count}" if part
                                   else found.id)
    limits = Limits(timeout=timeout, memory_mb=memory, require_isolation=require_isolation)
    err = Console(stderr=True, emoji=False)
    extra: dict[str, Any] = {"overlay": overlay,
                             "course": read_course(course) if course else None}
    if as_json:
        report = grade_class(found, submissions, out, limits=limits, jobs=jobs or None,
                             roster=roster, prefix=prefix, force=force, shard=part, **extra)
        _export(out, kinds, report.rows, roster, found.id, lms_column, err, quiet=True)
        typer.echo(json.dumps([row.to_dict() for row in report.rows], indent=2))
        _class_report(out, found, quiet=True)
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
                prefix=prefix, force=force, shard=part, on_plan=planned, on_row=finished,
                **extra,
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
    _export(out, kinds, report.rows, roster, found.id, lms_column, err)
    _class_report(out, found)


def _class_report(out: Path, lab: Any, quiet: bool = False) -> None:
    """Write the class report after grading (``quiet``: stdout is JSON, say nothing there);
    without the instructor extra, say how to get it."""
    from grader.classroom.instructor_extra import MissingInstructorExtra
    from grader.classroom.report import write_report

    try:
        written = write_report(out, lab)
        if not quiet:
            typer.echo(f"Class report: {written}")
    except MissingInstructorExtra as exc:
        # plain echo: rich would wrap the command mid-path
        typer.echo(f"No class report: {exc}; then run computelab report {out}", err=True)


@friendly
def report_cmd(
    grades: Path = typer.Argument(..., help="The --out folder of `computelab grade`."),
    similarity: bool = typer.Option(True, "--similarity/--no-similarity",
                                    help="Also look for submissions that look alike."),
    labs_dir: Path | None = typer.Option(None, "--labs-dir", envvar="COMPUTELAB_LABS_DIR",
                                         help="Folder of lab folders (default: shipped labs)."),
) -> None:
    """Write GRADES/report.html (and similarity.csv) for a graded class.

    Score distribution, pass rate and commonest failures per check, errors, the slowest
    submissions, and pairs of submissions that look alike (a reason to look, not a
    verdict). Needs the instructor extra: pip install 'computelab[instructor]'.

    Example: computelab report grades/01-ec2-from-ami
    """
    from grader.classroom.class_data import read_class
    from grader.classroom.report import write_report
    from grader.labs import find_lab

    lab = find_lab(read_class(grades).lab, root=labs_dir)
    typer.echo(f"Class report: {write_report(grades, lab, similarity=similarity)}")


def _export(out: Path, kinds: list[str], rows: list[Any], roster: Path | None, lab: str,
            column: str, err: Console, quiet: bool = False) -> None:
    """Write each LMS's import file into ``out/lms/``, warnings on stderr."""
    from grader.classroom.lms import write_lms
    from grader.classroom.roster import Roster
    from grader.results import terminal_text

    listed = Roster.read(roster) if roster and kinds else None
    for kind in kinds:
        target, warnings = write_lms(out, kind, rows, listed, lab, column)
        for warning in warnings:
            err.print(f"[yellow]warning:[/] {terminal_text(warning)}")
        if not quiet:
            typer.echo(f"{kind.capitalize()} import file: {target}")


@friendly
def export_cmd(
    grades: Path = typer.Argument(..., help="A --out folder of `computelab grade` or merge."),
    lms: list[str] = typer.Option(..., "--lms", help="canvas, moodle or blackboard "
                                  "(repeat for several)."),
    roster: Path | None = typer.Option(None, "--roster", help="CSV with the students' LMS "
                                       "ids (see the instructor guide)."),
    lms_column: str = typer.Option("", "--lms-column", help="The LMS's grade column."),
) -> None:
    """Write LMS gradebook import files from results already graded (into GRADES/lms/).

    Example: computelab export grades/01 --lms canvas --roster roster.csv
    """
    from grader.classroom.lms import lms_kinds
    from grader.classroom.outputs import read_rows
    from grader.errors import SubmissionError

    kinds = lms_kinds(lms)
    header, rows = read_rows(grades)
    if not header:
        raise SubmissionError(f"{grades} has no rows.json: give a --out folder of "
                              "`computelab grade` (rerun grade into it to write one).")
    _export(grades, kinds, rows, roster, str(header["lab"]), lms_column,
            Console(stderr=True, emoji=False))


@friendly
def merge_cmd(
    shards: list[Path] = typer.Argument(..., help="The shards' --out folders."),
    out: Path = typer.Option(..., "--out", help="The class's folder (new, or an earlier "
                             "merge: its rows are kept unless a shard has a newer one)."),
) -> None:
    """Merge the --out folders of `computelab grade --shard I/N` into one gradebook.

    Refuses overlapping shards, mixed labs and results of different ComputeLab versions
    or checks. Example: computelab merge grades/01-shard-*-of-4 --out grades/01
    """
    from grader.classroom.merge import merge
    from grader.results import terminal_text

    merged = merge(shards, out)
    err = Console(stderr=True, emoji=False)
    for warning in merged.warnings:
        err.print(f"[yellow]warning:[/] {terminal_text(warning)}")
    typer.echo(f"Merged {len(shards)} folder(s), {len(merged.rows)} students: "
               f"{out / 'gradebook.csv'}")


@friendly
def collect_cmd(
    out: Path = typer.Option(..., "--out", help="Folder for the clones (one per repository)."),
    repos: Path | None = typer.Option(None, "--repos", help="CSV with a 'repository' column "
                                      "of clone URLs or paths (optional 'folder')."),
    org: str = typer.Option("", "--org", help="GitHub organisation to list with `gh`."),
    prefix: str = typer.Option("", "--prefix", help="With --org: only repositories whose "
                               "name starts with this (e.g. lab-01-)."),
) -> None:
    """Clone (or update) a class's repositories, without GitHub Classroom.

    Example: computelab collect --repos repos.csv --out submissions/01
    """
    from grader.classroom.collect import collect, repos_from_csv, repos_from_org
    from grader.errors import SubmissionError
    from grader.results import terminal_text

    if bool(repos) == bool(org):
        raise SubmissionError("Give either --repos CSV or --org ORG (with --prefix).")
    listed = repos_from_csv(repos) if repos else repos_from_org(org, prefix)
    err = Console(stderr=True, emoji=False)
    done = collect(listed, out)
    for repo, reason in done.failed:
        err.print(f"[red]failed:[/] {terminal_text(repo.url)}: {terminal_text(reason)}")
    typer.echo(f"Collected {len(done.taken)} of {len(listed)} repositories into {out} "
               f"(commits in {out / '.collected.csv'}).")
    if done.failed:
        raise typer.Exit(1)


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
    app.command("collect")(collect_cmd)
    app.command("grade")(grade_cmd)
    app.command("merge")(merge_cmd)
    app.command("export")(export_cmd)
    app.command("gradescope")(gradescope_cmd)
    app.command("report")(report_cmd)
