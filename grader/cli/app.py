"""The ``computelab`` application: the Typer app, explicit command registration, and the
console-script entry point (usage mistakes get one line, not a usage screen)."""

from __future__ import annotations

import sys
from typing import Any

import typer

from grader import __version__
from grader.cli import classroom, labs, quiz

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


def build_app() -> typer.Typer:
    """The app with every command group registered, in the order ``--help`` lists them."""
    app = typer.Typer(name="computelab", help=HELP, no_args_is_help=True,
                      add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.callback()(_root)
    for group in (labs, classroom, quiz):
        group.register(app)
    return app


app = build_app()

# typer vendors click: its UsageError is the base of the public typer.BadParameter
_UsageError: Any = typer.BadParameter.__bases__[0]


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage mistakes get one line, not a usage screen."""
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
