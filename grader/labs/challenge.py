"""A lab's challenge notebook: the objectives and the facts, no worked instructions or hints.

Cloud-lab platforms call these challenge labs: the same checks grade it, but the learner is
told what to build, not how. Nothing here is written per lab; the challenge is derived from
the lab's own files by ``challenge_cells`` (a build transform; ``build_notebook(...,
challenge=True)`` applies it):

- the intro keeps only the lab's title line, then lists lab.toml's ``objectives`` (what to
  build) and ``rules`` (exactly what the checks accept: names, sizes, limits) and its
  ``learner_files``;
- each task keeps only its heading; its worked text ("Look at: ...", the API calls to use)
  goes;
- each code cell keeps the code the lab *gives* (data such as a price table, lookups of
  resources prepared for the learner, prints naming what the lab expects to exist) without
  its comment lines; every ``# BEGIN SOLUTION`` / ``# BEGIN STARTER`` block (the answer and
  the TODO hints) becomes one ``# Your code`` line;
- markdown not followed by code (ungraded asides, the guided "Check my work" text) goes, and
  a short "Check my work" cell ends the notebook.

``challenge_script`` is the same code with each block's solution in place of ``# Your
code``: the tests run it to prove a challenge notebook keeps everything the solution needs.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Callable

from grader.labs.model import Lab
from grader.labs.source import (
    BEGIN_SOLUTION,
    BEGIN_STARTER,
    END_SOLUTION,
    END_STARTER,
    SourceCell,
    read_source,
)

YOUR_CODE = "# Your code"
CHALLENGE_NOTE = (
    "**Challenge mode:** no worked instructions and no hints. The objectives say what to "
    "build and the rules say exactly what the checks accept. Write plain `boto3` where a cell "
    f"says `{YOUR_CODE}`; the code already in a cell is what the lab gives you (data, lookups "
    "of what was prepared for you, and prints of the variables it expects). The same checks as "
    "the guided notebook grade it, without hints, and a pass counts as a challenge pass.")
CHECK_NOTE = (
    "## Check my work\n\nClick **Check my work**: each objective passes or says what is wrong "
    "(no hints in challenge mode). A failing objective also lists your own calls that touched "
    "what it names.")


def _comment_lines(code: str) -> set[int]:
    """1-based numbers of the lines that hold only a comment (never text inside a string)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):  # not complete Python: judge by the text
        return {n for n, line in enumerate(code.splitlines(), 1)
                if line.strip().startswith("#")}
    return {t.start[0] for t in tokens
            if t.type == tokenize.COMMENT and t.line.strip().startswith("#")}


def challenge_code(text: str, filled: bool = False) -> str:
    """A code cell for the challenge: given code without comment lines, each block as
    ``# Your code`` (or, ``filled``, as its solution lines)."""
    given: list[str] = []
    slots: dict[int, list[str]] = {}  # index in given -> the solution lines of that block
    block = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in (BEGIN_SOLUTION, BEGIN_STARTER):
            if block is None and (not given or given[-1].strip() != YOUR_CODE):
                given.append(line[:len(line) - len(line.lstrip())] + YOUR_CODE)
                slots[len(given) - 1] = []
            block = stripped
        elif stripped in (END_SOLUTION, END_STARTER):
            block = None
        elif block == BEGIN_SOLUTION:
            slots[max(slots)].append(line)
        elif block is None:
            given.append(line)
    plain = "\n".join("" if i in slots else line for i, line in enumerate(given))
    comments = _comment_lines(plain)
    out: list[str] = []
    for index, line in enumerate(given, start=1):
        if index - 1 in slots:
            if filled:
                out += slots[index - 1]
            elif [x for x in out if x.strip()][-1:] == [line]:
                while not out[-1].strip():
                    out.pop()  # two blocks with only blank lines between: one place
            else:
                out.append(line)
        elif index not in comments and (line.strip() or (out and out[-1].strip())):
            out.append(line)
    return "\n".join(out).strip("\n") or YOUR_CODE


def _heading(text: str) -> str:
    return next((line for line in text.splitlines() if line.startswith("#")), "")


def challenge_intro(lab: Lab, intro: str) -> str:
    """The first cell: the lab's title line, the challenge note, objectives, rules, files."""
    title = _heading(intro) or f"# Lab {lab.number} — {lab.title}"
    objectives = "\n".join(f"{n}. {text}" for n, text in enumerate(lab.objectives, 1))
    rules = "\n".join(f"- {text}" for text in lab.rules)
    parts = [f"{title} (challenge)", CHALLENGE_NOTE, f"## Objectives\n\n{objectives}",
             f"## What the checks accept\n\n{rules}"]
    if lab.learner_files:
        files = ", ".join(f"`{name}`" for name in lab.learner_files)
        parts.append(f"## Files\n\nIn this lab's folder, for your code to read: {files}.")
    return "\n\n".join(parts)


def challenge_cells(lab: Lab, *, filled: bool = False
                    ) -> Callable[[list[SourceCell]], list[SourceCell]]:
    """The build transform that turns a lab's source cells into its challenge."""

    def transform(cells: list[SourceCell]) -> list[SourceCell]:
        out = [SourceCell("markdown", challenge_intro(lab, cells[0].text))]
        for number, cell in enumerate(cells[1:], start=1):
            if cell.kind == "code":
                out.append(SourceCell("code", challenge_code(cell.text, filled)))
                continue
            following = cells[number + 1] if number + 1 < len(cells) else None
            heading = _heading(cell.text)
            if heading and following is not None and following.kind == "code":
                out.append(SourceCell("markdown", heading))
        out.append(SourceCell("markdown", CHECK_NOTE))
        return out

    return transform


def challenge_script(lab: Lab) -> str:
    """The challenge's code cells with the solution in each ``# Your code`` place (a script
    that runs like solution.py: the proof that the challenge keeps what the solution needs)."""
    cells = challenge_cells(lab, filled=True)(read_source(lab.solution_source))
    return "\n\n".join(cell.text for cell in cells if cell.kind == "code") + "\n"
