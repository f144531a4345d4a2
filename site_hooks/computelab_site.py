"""mkdocs hooks for the ComputeLab site: everything generated at build time.

So that ``mkdocs build --strict`` works from a clean checkout with no manual step, this module
builds from the sources of truth on each build:

- **Navigation** (``on_config``): the ``"@tracks"`` item of ``nav`` in mkdocs.yml becomes one
  section per track of ``content/topics.yaml`` (lessons in topics.yaml order) and ``"@labs"``
  one page per lab folder ``labs/NN-*/``.
- **Lab pages** (``on_files``): ``labs/<lab id>.md`` from lab.toml (objectives, rules, how to
  start it) and lab.ipynb (markdown cells as Markdown, code cells as Python blocks; the
  notebook is not executed), plus the notebook itself as ``labs/<lab id>/lab.ipynb`` for
  download. mkdocs-jupyter is not used: its template loads MathJax and Mermaid from CDNs,
  and the site must work offline.
- **Quiz data** (``on_files``): ``assets/quiz.json`` from ``grader.quiz.export.site_json()``
  (content/quizzes/JSON-FORMAT.md), plus an ``exams`` object (exam guides, domain weights,
  and the compute-only label and notes of ``grader.quiz.exam``) for the practice exam page.
- **CLI reference** (``on_files``): ``cli.md`` from the help text of every command of the
  Typer app, so it cannot drift from the CLI.
- **Lessons** (``on_page_markdown``): a "Hands-on lab" section linking to the topic's lab
  pages (when the lab folder exists), or, for a topic without a lab, why (topics.yaml's
  ``no_lab``) and its ``closest_labs``; then a "Check yourself" quiz placeholder that
  ``assets/quiz.js`` fills in the browser.
"""

from __future__ import annotations

import html
import json
import logging
import posixpath
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

log = logging.getLogger(f"mkdocs.hooks.{__name__}")

TRACKS_MARKER = "@tracks"
LABS_MARKER = "@labs"
LABS_TABLE_MARKER = "<!-- computelab:labs-table -->"
TRACKS_LIST_MARKER = "<!-- computelab:tracks -->"
QUIZ_JSON = "assets/quiz.json"
CLI_PAGE = "cli.md"
QUIZ_COUNT = 3
HELP_WIDTH = 96


@dataclass
class SiteData:
    """What the hooks read once per build."""

    root: Path
    docs_dir: Path
    tracks: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    labs: list[Any]                      # grader.labs.Lab
    lesson_topic: dict[str, dict[str, Any]] = field(default_factory=dict)


_site: SiteData | None = None


def _data() -> SiteData:
    if _site is None:
        raise PluginError("computelab_site: on_config did not run")
    return _site


def lab_page(lab_id: str) -> str:
    """The src path of a lab's generated page."""
    return f"labs/{lab_id}.md"


def lab_notebook_uri(lab_id: str) -> str:
    """The src path of a lab's downloadable notebook."""
    return f"labs/{lab_id}/lab.ipynb"


def _rel(target: str, from_page: str) -> str:
    """A Markdown link from one src path to another (mkdocs resolves and validates it)."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


def _short_title(title: str) -> str:
    return title.split(":")[0].strip()


# -- configuration and navigation -----------------------------------------------------------

def _load_catalog(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PluginError(f"computelab_site: cannot read {path}: {exc}") from exc
    return list(raw.get("tracks") or []), list(raw.get("topics") or [])


def _load_labs(labs_root: Path) -> list[Any]:
    from grader.errors import ComputeLabError
    from grader.labs import all_labs

    try:
        return all_labs(labs_root)
    except ComputeLabError as exc:
        raise PluginError(f"computelab_site: {exc}") from exc


def _expand_nav(items: list[Any], data: SiteData) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item == TRACKS_MARKER:
            for track in data.tracks:
                lessons = [t["lesson"] for t in data.topics if t.get("track") == track["id"]]
                if lessons:
                    out.append({track["title"]: lessons})
        elif item == LABS_MARKER:
            out.extend({f"{lab.number} · {_short_title(lab.title)}": lab_page(lab.id)}
                       for lab in data.labs)
        elif isinstance(item, dict):
            out.append({k: _expand_nav(v, data) if isinstance(v, list) else v
                        for k, v in item.items()})
        else:
            out.append(item)
    return out


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _site
    root = Path(config.config_file_path).resolve().parent
    if str(root) not in sys.path:          # a checkout without `pip install -e .`
        sys.path.insert(0, str(root))
    docs_dir = Path(config.docs_dir)
    tracks, topics = _load_catalog(docs_dir / "topics.yaml")
    data = SiteData(root=root, docs_dir=docs_dir, tracks=tracks, topics=topics,
                    labs=_load_labs(root / "labs"))
    data.lesson_topic = {t["lesson"]: t for t in topics}
    _site = data
    if config.nav:
        config.nav = _expand_nav(list(config.nav), data)
    return config


# -- generated files ------------------------------------------------------------------------

def on_files(files: Files, config: MkDocsConfig) -> Files:
    data = _data()
    for lab in data.labs:
        files.append(File.generated(config, lab_page(lab.id), content=lab_markdown(lab, data)))
        if lab.notebook.is_file():
            files.append(File.generated(config, lab_notebook_uri(lab.id),
                                        abs_src_path=str(lab.notebook)))
        else:   # a lab still being written: its page says so (tests/test_labs.py requires it)
            log.info("computelab_site: %s has no lab.ipynb yet", lab.id)
    files.append(File.generated(config, QUIZ_JSON, content=quiz_json(data.docs_dir)))
    files.append(File.generated(config, CLI_PAGE, content=cli_markdown()))
    return files


def quiz_json(content: Path) -> str:
    """The banks as the site's quiz JSON, plus the exam guides for the exam page."""
    from grader.errors import ComputeLabError
    from grader.quiz.bank import load_bank
    from grader.quiz.exam import READINESS_NOTE, SCOPE_NOTE, label
    from grader.quiz.export import site_json

    try:
        bank = load_bank(content)
    except ComputeLabError as exc:
        raise PluginError(f"computelab_site: question banks: {exc}") from exc
    data = site_json(bank)
    # the exam page says what the CLI says: the compute part only, a range, no verdict
    data["exams"] = {
        spec.id: {"title": spec.title, "label": label(spec), "questions": spec.questions,
                  "minutes": spec.minutes, "scope": SCOPE_NOTE, "note": READINESS_NOTE,
                  "domains": [{"id": d.id, "title": d.title, "weight": d.weight}
                              for d in spec.domains],
                  "forms": _forms(bank, spec)}
        for spec in bank.catalog.exams.values()
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _forms(bank: Any, spec: Any) -> list[list[str]]:
    """The exam's three mock forms as question ids ([] while it has no questions)."""
    from grader.errors import QuizError
    from grader.quiz import forms

    try:
        return [[q.id for q in f] for f in forms.build(bank, spec)]
    except QuizError:
        return []


def cli_markdown() -> str:
    """The CLI reference: each command's own ``--help`` text, read from the Typer app."""
    import typer.main

    from grader.cli import app

    root = typer.main.get_command(app)
    sections: list[str] = []

    def walk(command: Any, parent: Any, name: str) -> None:
        ctx = command.context_class(command, info_name=name, parent=parent,
                                    terminal_width=HELP_WIDTH, max_content_width=HELP_WIDTH)
        text = command.get_help(ctx).rstrip()
        sections.append(f"## `{ctx.command_path}`\n\n```text\n{text}\n```\n")
        if hasattr(command, "list_commands"):
            for sub in command.list_commands(ctx):
                walk(command.get_command(ctx, sub), ctx, sub)

    walk(root, None, "computelab")
    head = (
        "# CLI reference\n\n"
        "Every `computelab` command and its options. This page is generated when the site is "
        "built, from the same help text that `computelab COMMAND --help` prints, so it always "
        "matches the installed version. New to the CLI? Start with "
        "[Getting started](getting-started.md).\n"
    )
    return head + "\n" + "\n".join(sections)


# -- lab pages ------------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})(\s)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _shift_headings(source: str, shift: int) -> str:
    """Move every ATX heading outside code fences down by ``shift`` levels (max h6)."""
    lines, in_fence = [], False
    for line in source.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            m = _HEADING.match(line)
            if m:
                level = min(6, len(m.group(1)) + shift)
                line = "#" * level + line[len(m.group(1)):]
        lines.append(line)
    return "\n".join(lines)


def _cell_source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _outputs_text(cell: dict[str, Any]) -> str:
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append(_cell_source({"source": out.get("text", "")}))
        elif "text/plain" in out.get("data", {}):
            texts.append(_cell_source({"source": out["data"]["text/plain"]}))
    return "".join(texts).rstrip()


def notebook_markdown(path: Path, top_level: int = 3) -> str:
    """A notebook as Markdown: its headings start at ``top_level``; code cells are fenced."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb.get("cells", [])
    levels = [len(m.group(1)) for c in cells if c.get("cell_type") == "markdown"
              for line in _cell_source(c).splitlines() if (m := _HEADING.match(line))]
    shift = top_level - min(levels) if levels else 0
    parts = []
    for cell in cells:
        source = _cell_source(cell).strip("\n")
        if not source.strip():
            continue
        if cell.get("cell_type") == "markdown":
            parts.append(_shift_headings(source, shift))
        elif cell.get("cell_type") == "code":
            parts.append(f"```python\n{source}\n```")
            output = _outputs_text(cell)
            if output:
                parts.append(f"```text\n{output}\n```")
    return "\n\n".join(parts)


def lab_markdown(lab: Any, data: SiteData) -> str:
    """The generated page of one lab."""
    page = lab_page(lab.id)
    topic = next((t for t in data.topics if t["id"] == lab.topic), None)
    lesson = lab.lesson or (topic or {}).get("lesson")
    topic_title = topic["title"] if topic else lab.topic
    services = ", ".join(s.upper() if len(s) <= 4 else s.capitalize() for s in lab.services)
    lines = [
        f"# Lab {lab.number}: {lab.title}",
        "",
        f"**Lesson:** [{topic_title}]({_rel(lesson, page)}) · "
        f"**Time:** about {lab.minutes} minutes · **Services:** {services}",
        "",
        "## What you will do",
        "",
        *[f"{i}. {objective}" for i, objective in enumerate(lab.objectives, 1)],
        "",
    ]
    if lab.rules:
        lines += ["## What the checker looks for", "", *[f"- {rule}" for rule in lab.rules], ""]
    lines += [
        "## Run it",
        "",
        "The lab runs on your computer against a local AWS sandbox: no AWS account, no cost. "
        f"[What the sandbox emulates]({_rel('sandbox.md', page)}) lists where it differs "
        f"from AWS. See [Install]({_rel('install.md', page)}) for the first-time setup, then:",
        "",
        "```bash",
        "computelab start        # sandbox + JupyterLab on ./computelab-work",
        "```",
        "",
        f"In JupyterLab open `labs/{lab.id}/lab.ipynb`, run the first cell, do the tasks and "
        "click **Check my work** at the end. From a terminal you can do the same:",
        "",
        "```bash",
        f"computelab check {lab.number}       # grade your work, with a hint for anything missing",
        f"computelab reset {lab.number} --yes # a fresh, empty sandbox account for this lab",
        "```",
        "",
    ]
    if not lab.notebook.is_file():
        lines += ["## The notebook", "", "This lab's notebook is not written yet.", ""]
        return "\n".join(lines)
    lines += [
        f'[Download the notebook]({lab.id}/lab.ipynb){{ .md-button download="{lab.id}.ipynb" }}',
        "",
        "## The notebook",
        "",
        '!!! note "Preview"',
        "    This is the notebook as you get it, not run. The code talks to the local "
        "sandbox, so run it in JupyterLab with `computelab start`.",
        "",
        notebook_markdown(lab.notebook),
        "",
    ]
    return "\n".join(lines)


def labs_table(from_page: str) -> str:
    data = _data()
    if not data.labs:
        return "No labs yet."
    topics = {t["id"]: t for t in data.topics}
    rows = ["| Lab | What you do | Lesson | Minutes |", "|---|---|---|---|"]
    for lab in data.labs:
        topic = topics.get(lab.topic)
        lesson = f"[{topic['title']}]({_rel(topic['lesson'], from_page)})" if topic else lab.topic
        rows.append(f"| [{lab.number}]({_rel(lab_page(lab.id), from_page)}) | "
                    f"[{lab.title}]({_rel(lab_page(lab.id), from_page)}) | {lesson} | "
                    f"{lab.minutes} |")
    return "\n".join(rows)


def tracks_list(from_page: str) -> str:
    """Every track with its lessons (and their labs), for the home page."""
    data = _data()
    labs_by_topic = {t["id"]: topic_labs(t) for t in data.topics}
    out = []
    for track in data.tracks:
        topics = [t for t in data.topics if t.get("track") == track["id"]]
        if not topics:
            continue
        out += [f"### {track['title']}", ""]
        for t in topics:
            line = f"- [{t['title']}]({_rel(t['lesson'], from_page)})"
            labs = labs_by_topic[t["id"]]
            if labs:
                line += " · " + ", ".join(
                    f"[lab {lab.number}]({_rel(lab_page(lab.id), from_page)})" for lab in labs)
            out.append(line)
        out.append("")
    return "\n".join(out)


# -- lessons --------------------------------------------------------------------------------

def topic_labs(topic: dict[str, Any]) -> list[Any]:
    """The lab folders whose lab.toml lists this topic."""
    return [lab for lab in _data().labs if topic["id"] in lab.topics]


def lesson_extras(topic: dict[str, Any], page_uri: str) -> str:
    parts = []
    labs = topic_labs(topic)
    if labs:
        parts += ["## Hands-on lab", ""]
        for lab in labs:
            parts += [
                f'!!! example "Lab {lab.number}: {lab.title}"',
                f"    About {lab.minutes} minutes in your local sandbox. "
                f"[Open the lab]({_rel(lab_page(lab.id), page_uri)}) for its objectives, "
                "the notebook and how to start it.",
                "",
            ]
    elif topic.get("no_lab"):
        parts += ["## Hands-on", "", '!!! note "No lab for this topic"',
                  f"    {' '.join(str(topic['no_lab']).split())} The closest labs:", ""]
        by_number = {lab.number: lab for lab in _data().labs}
        for number in topic.get("closest_labs") or []:
            lab = by_number.get(str(number))
            if lab is None:
                raise PluginError(f"computelab_site: topics.yaml: {topic['id']} names lab "
                                  f"{number} in closest_labs, but there is no such lab.")
            parts.append(f"    - [Lab {lab.number}: {lab.title}]"
                         f"({_rel(lab_page(lab.id), page_uri)})")
        parts.append("")
    tid = html.escape(topic["id"], quote=True)
    parts += [
        "## Check yourself",
        "",
        f'<div class="cl-quiz" data-topic="{tid}" data-count="{QUIZ_COUNT}">'
        '<p class="cl-quiz-fallback">The quiz needs JavaScript. Without it, run '
        f"<code>computelab quiz --topic {tid}</code>.</p></div>",
        "",
    ]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    data = _data()
    uri = page.file.src_uri
    topic = data.lesson_topic.get(uri)
    if topic is not None:
        return markdown.rstrip() + "\n\n" + lesson_extras(topic, uri)
    if LABS_TABLE_MARKER in markdown:
        markdown = markdown.replace(LABS_TABLE_MARKER, labs_table(uri))
    if TRACKS_LIST_MARKER in markdown:
        markdown = markdown.replace(TRACKS_LIST_MARKER, tracks_list(uri))
    return markdown
