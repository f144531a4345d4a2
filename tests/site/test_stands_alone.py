"""Teaching that stands alone: no learner-facing text points at notes the learner never saw.

The course was written from source notes that learners are never given, so "the notes say
...", "as the course notes put it" or "the seed material" leaves a learner looking for a
document that does not exist for them. Where AWS changed, the text says what changed and
when instead ("Until November 2017 you bid for Spot capacity; today ...").

Scanned, one test per file: every lesson and page under content/ (instructor pages are for
instructors, who do have the notes), every string of every question bank (stems, options,
"why"s, explanations: the whole tree, so a new field is covered too), the topic catalog,
and each lab's lab.toml, lab.ipynb and solution.ipynb (markdown, code and text outputs).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"

_ADJ = r"(?:older|old|original|earlier|previous|course|source|seed|lecture|class|study|training)"
_DET = r"(?:the|these|those|our|my|your|this\s+course's)"
# Phrases that can only mean notes the learner never saw. "release notes", "AWS notes that",
# "note its AZ", "footnotes" and "the notes below" (text on the same page) stay allowed.
UNSEEN_NOTES = re.compile(
    "|".join([
        rf"\b(?:{_DET}\s+(?:{_ADJ}\s+)*|{_ADJ}\s+(?:{_ADJ}\s+)*)notes\b(?!\s+(?:below|above))",
        r"\b(?:one|other|another|two|both)\s+sets?\s+of\s+notes\b",
        r"\bseed\s+(?:notes|material|materials|course|text|content|documents?)\b",
        r"\bsource\s+(?:notes|material|materials|document|documents)\b",
        r"\bcourse\s+(?:handouts?|slides)\b",
        r"\bthe\s+(?:slides|handouts?|seed)\b",
    ]),
    re.IGNORECASE,
)


def unseen_references(text: str) -> list[str]:
    """Each phrase in ``text`` that refers to notes the learner has never seen, with context."""
    flat = " ".join(text.split())
    return [flat[max(0, m.start() - 40):m.end() + 40] for m in UNSEEN_NOTES.finditer(flat)]


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a parsed YAML/TOML tree, with where it is (``questions[3].why``)."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from strings(value, f"{path}[{i}]")


def notebook_texts(nb: Path) -> Iterator[tuple[str, str]]:
    """Cell sources and text outputs of a notebook, each labelled with its cell number."""
    for i, cell in enumerate(json.loads(nb.read_text(encoding="utf-8"))["cells"]):
        yield f"cell {i}", "".join(cell.get("source", ""))
        for out in cell.get("outputs", []):
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            yield f"cell {i} output", "".join(text)


def texts_of(path: Path) -> Iterator[tuple[str, str]]:
    """The learner-facing text of one file, as (where, text) pairs."""
    if path.suffix == ".md":
        yield "", path.read_text(encoding="utf-8")
    elif path.suffix == ".yaml":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield from strings(data)
    elif path.suffix == ".toml":
        yield from strings(tomllib.loads(path.read_text(encoding="utf-8")))
    elif path.suffix == ".ipynb":
        yield from notebook_texts(path)
    else:  # pragma: no cover - the file list below only holds the suffixes above
        raise AssertionError(f"don't know how to read {path}")


def learner_files() -> list[Path]:
    pages = [p for p in CONTENT.rglob("*.md") if "instructor" not in p.relative_to(CONTENT).parts]
    banks = sorted((CONTENT / "quizzes").glob("*.yaml"))
    labs = [p for lab in sorted((REPO / "labs").iterdir()) if lab.is_dir()
            for p in (lab / "lab.toml", lab / "lab.ipynb", lab / "solution.ipynb") if p.is_file()]
    return sorted(pages) + banks + [CONTENT / "topics.yaml"] + labs


FILES = learner_files()


def test_every_kind_of_learner_file_is_scanned() -> None:
    rel = {p.relative_to(REPO).as_posix() for p in FILES}
    assert "content/serverless-batch/lambda.md" in rel
    assert "content/quizzes/lambda.yaml" in rel
    assert "labs/01-ec2-from-ami/lab.ipynb" in rel
    assert "labs/01-ec2-from-ami/solution.ipynb" in rel
    assert not any(r.startswith("content/instructor/") for r in rel)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_reference_to_notes_the_learner_never_saw(path: Path) -> None:
    found = [f"{where}: ...{hit}..." if where else f"...{hit}..."
             for where, text in texts_of(path) for hit in unseen_references(text)]
    assert not found, (
        f"{path.relative_to(REPO)} refers to notes the learner never sees; teach the fact "
        "itself (and what AWS changed, and when):\n" + "\n".join(found))


@pytest.mark.parametrize("text", [
    "The notes say you pay per 100 ms.",
    "the course notes describe the connector role",
    "As the notes put it, Fargate relies on other orchestrators.",
    "This is the notes' advice.",
    "The older notes list four uses.",
    "what changed since the older notes",
    "the old course notes describe bidding",
    "Savings Plans, introduced after the course notes were written",
    "One set of notes says a job runs on EC2; the other set of notes says EKS.",
    "as noted in the notes",
    "The source notes are older.",
    "from the seed material",
    "Compare with the slides.",
    "in these notes",
    "THE NOTES call ECR a registry",
    "The notes\nsay it across a line break.",
])
def test_phrasings_that_point_at_unseen_notes_are_caught(text: str) -> None:
    assert unseen_references(text), text


@pytest.mark.parametrize("text", [
    "See the release notes for the Lambda runtime.",
    "Read the Amazon Linux 2023 release notes.",
    "AWS notes that there are no performance differences.",
    "Find the instance and note its AZ.",
    "Note: the sandbox keeps state.",
    "The footnotes explain the prices.",
    "The notes below list the limits.",
    "## Notes",
    "Notes on the sandbox: it runs on loopback.",
    "Older material calls this a configuration template.",
    "Seed the table with three items.",
])
def test_ordinary_uses_of_note_are_allowed(text: str) -> None:
    assert not unseen_references(text), unseen_references(text)
