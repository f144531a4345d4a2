"""The ``computelab`` application: the Typer app, explicit command registration, and the
console-script entry point (usage mistakes get one line, not a usage screen).

A command imports only its own group: ``computelab labs`` never loads the quiz engine or
the grading pool, so it starts fast. ``COMMANDS`` says which group registers which command
(a test keeps it equal to what the groups register).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from grader import __version__

# group module -> the top-level commands it registers, in --help order
COMMANDS: dict[str, tuple[str, ...]] = {
    "grader.cli.labs": ("labs", "sandbox", "start", "status", "stop", "check", "solve",
                        "reset", "validate", "new-lab", "build-lab"),
    "grader.cli.classroom": ("collect", "grade", "merge", "export", "gradescope",
                             "report"),
    "grader.cli.quiz": ("quiz", "exam", "progress"),
}

HELP = "ComputeLab: hands-on AWS compute labs on a local sandbox, an autograder and quizzes."


def _version(value: bool) -> None:
    if value:
        typer.echo(f"computelab {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """ComputeLab: hands-on AWS compute labs on a local sandbox, an autograder and quizzes."""


def build_app(groups: tuple[str, ...] = tuple(COMMANDS)) -> typer.Typer:
    """The app with ``groups`` registered (default: all, in the order ``--help`` lists)."""
    app = typer.Typer(name="computelab", help=HELP, no_args_is_help=True,
                      add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.callback()(_root)
    for name in groups:
        importlib.import_module(name).register(app)
    return app


def groups_for(argv: list[str]) -> tuple[str, ...]:
    """Only the group that owns the command in ``argv``; every group for help or a typo."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    owner = [name for name, commands in COMMANDS.items() if command in commands]
    return tuple(owner) if owner else tuple(COMMANDS)


def __getattr__(name: str) -> Any:
    if name == "app":  # the full app, built when asked for (tests, documentation)
        return build_app()
    raise AttributeError(name)

# typer vendors click: its UsageError is the base of the public typer.BadParameter
_UsageError: Any = typer.BadParameter.__bases__[0]


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage mistakes get one line, not a usage screen."""
    args = sys.argv[1:] if argv is None else argv
    command = typer.main.get_command(build_app(groups_for(args)))
    try:
        code = command.main(args=args, prog_name="computelab", standalone_mode=False)
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
