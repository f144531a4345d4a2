"""The docs site: a real `mkdocs build --strict`, and what the build must contain.

The build runs once per module into a temporary folder, with the same mkdocs the project
installs (``.[docs]``), so broken links, anchors and hook errors fail here.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.labs import all_labs

REPO = Path(__file__).resolve().parents[2]
CATALOG = yaml.safe_load((REPO / "content" / "topics.yaml").read_text(encoding="utf-8"))
TOPICS = CATALOG["topics"]
LABS = all_labs(REPO / "labs")
ASSET_TAG = re.compile(r"<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*>",
                       re.IGNORECASE)
ASSET_URL = re.compile(r"\b(src|href|data|srcset)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]+)",
                       re.IGNORECASE)


def build_site(out: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the repository's mkdocs.yml into ``out``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(REPO / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = build_site(out)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-6000:]}"
    return out


def page(site: Path, src: str) -> str:
    """The built HTML of a source page such as ``containers/ecs.md`` (directory URLs)."""
    stem = src.removesuffix(".md")
    target = site / "index.html" if stem == "index" else site / stem / "index.html"
    if stem.endswith("/index"):
        target = site / stem.removesuffix("/index") / "index.html"
    assert target.is_file(), f"{src} was not built ({target})"
    return target.read_text(encoding="utf-8")


def url(src: str) -> str:
    """The site-relative URL of a source page (directory URLs)."""
    stem = src.removesuffix(".md")
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def plain(markdown: str) -> str:
    """Inline Markdown as the text it renders to (good enough for titles and objectives)."""
    return " ".join(re.sub(r"[`*]", "", markdown).split())


def nav_region(home_html: str) -> str:
    start = home_html.index("md-nav--primary")
    return home_html[start:home_html.index("md-sidebar--secondary", start)]


def primary_nav_links(home_html: str) -> list[str]:
    """The hrefs of the primary navigation (the whole nav tree), normalised, in order."""
    links = re.findall(r'class="md-nav__link[^"]*"[^>]*href="([^"]*)"|'
                       r'href="([^"]*)"[^>]*class="md-nav__link', nav_region(home_html))
    out = []
    for a, b in links:
        href = (a or b).removeprefix("./").split("#")[0]
        if href not in out:
            out.append(href)
    return out


def test_strict_build_passes_without_warnings(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "search" / "search_index.json").is_file()


def test_every_topic_has_a_lesson_and_it_is_in_the_nav_in_order(site: Path) -> None:
    nav = primary_nav_links(page(site, "index.md"))
    positions = []
    for topic in TOPICS:
        assert (REPO / "content" / topic["lesson"]).is_file(), f"no lesson for {topic['id']}"
        assert url(topic["lesson"]) in nav, f"{topic['lesson']} is not in the nav"
        positions.append(nav.index(url(topic["lesson"])))
    assert positions == sorted(positions), "lessons are not in topics.yaml order"
    nav_text = text_of(nav_region(page(site, "index.md")))
    for track in CATALOG["tracks"]:
        assert track["title"] in nav_text, f"track {track['title']} is not a nav section"


def test_fixed_pages_are_in_the_nav(site: Path) -> None:
    nav = primary_nav_links(page(site, "index.md"))
    for src in ("install.md", "getting-started.md", "exam.md", "cli.md", "labs/index.md",
                "instructor/index.md", "instructor/question-format.md"):
        page(site, src)
        assert url(src) in nav, f"{src} is not in the nav"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_lab_page_is_generated(site: Path, lab) -> None:
    text = page(site, f"labs/{lab.id}.md")
    shown = text_of(text)
    assert plain(lab.title) in shown
    for objective in lab.objectives:
        assert plain(objective) in shown
    assert "computelab start" in shown
    assert f"computelab check {lab.number}" in shown
    nav = primary_nav_links(page(site, "index.md"))
    assert f"labs/{lab.id}/" in nav
    assert f'href="{lab.id}/"' in page(site, "labs/index.md")
    if lab.notebook.is_file():
        copied = site / "labs" / lab.id / "lab.ipynb"
        assert copied.read_bytes() == lab.notebook.read_bytes()
        assert 'href="lab.ipynb"' in text and f'download="{lab.id}.ipynb"' in text
        cells = json.loads(lab.notebook.read_text(encoding="utf-8"))["cells"]
        squeezed = "".join(shown.split())   # code is split into highlighted spans
        for cell in cells:     # every code cell's first line is on the page
            lines = "".join(cell["source"]).strip().splitlines()
            if cell["cell_type"] == "code" and lines:
                assert "".join(lines[0].split()) in squeezed


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t["id"])
def test_lesson_ends_with_lab_link_and_quiz(site: Path, topic) -> None:
    text = page(site, topic["lesson"])
    assert f'<div class="cl-quiz" data-topic="{topic["id"]}" data-count="3">' in text
    assert 'id="check-yourself"' in text
    labs = [lab for lab in LABS if topic["id"] in lab.topics]
    if labs:
        assert 'id="hands-on-lab"' in text
        for lab in labs:
            assert f'href="../../labs/{lab.id}/"' in text
    else:  # a lesson without a lab says why and links the closest labs
        assert 'id="hands-on-lab"' not in text
        assert topic.get("no_lab") and topic.get("closest_labs"), (
            f"{topic['id']}: a topic without a lab needs no_lab and closest_labs in topics.yaml")
        assert 'id="hands-on"' in text and "No lab for this topic" in text
        by_number = {lab.number: lab for lab in LABS}
        for number in topic["closest_labs"]:
            assert f'href="../../labs/{by_number[number].id}/"' in text


def test_quiz_json_is_the_banks_export(site: Path) -> None:
    from grader.quiz.export import site_json

    built = json.loads((site / "assets" / "quiz.json").read_text(encoding="utf-8"))
    expected = site_json()
    assert built["version"] == expected["version"] == 1
    assert built["topics"] == expected["topics"]
    assert built["comparisons"] == expected["comparisons"]
    assert built["questions"] == expected["questions"]
    assert set(built["exams"]) == set(CATALOG["exams"])
    for exam_id, exam in built["exams"].items():
        weights = {d["id"]: d["weight"] for d in exam["domains"]}
        assert weights == {k: v["weight"] for k, v in CATALOG["exams"][exam_id]["domains"].items()}
        assert exam["label"].endswith("compute part only") and "pass_score" not in exam
        assert "Compute questions only" in exam["scope"] and "not a pass/fail" in exam["note"]
    assert {q["topic"] for q in built["questions"]} <= set(built["topics"])


def _commands() -> list[tuple[str, str]]:
    """(command path, first help line) of every registered command, from the Typer app."""
    import typer.main

    from grader.cli import app

    found: list[tuple[str, str]] = []

    def walk(command, parent, name: str) -> None:
        ctx = command.context_class(command, info_name=name, parent=parent)
        found.append((ctx.command_path, (command.help or "").strip().splitlines()[0]))
        if hasattr(command, "list_commands"):
            for sub in command.list_commands(ctx):
                walk(command.get_command(ctx, sub), ctx, sub)

    walk(typer.main.get_command(app), None, "computelab")
    return found


def test_cli_reference_documents_every_command(site: Path) -> None:
    text = text_of(page(site, "cli.md"))
    commands = _commands()
    assert len(commands) > 5
    for path, first_line in commands:
        assert f"Usage: {path}" in text, f"{path} is missing from the CLI reference"
        assert " ".join(first_line.split()[:6]) in text, f"help of {path} is missing"


def test_no_page_loads_anything_from_the_internet(site: Path) -> None:
    offenders = []
    for path in site.rglob("*.html"):
        for tag in ASSET_TAG.finditer(path.read_text(encoding="utf-8")):
            for match in ASSET_URL.finditer(tag.group(0)):
                offenders.append(f"{path.relative_to(site)}: {match.group(2)}")
    assert offenders == []
    for path in site.rglob("*.css"):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"@import\s+url\(\s*[\"']?(https?:)?//", text), path
        assert "fonts.googleapis" not in text, path


def test_mermaid_is_shipped_and_loaded_before_the_quiz(site: Path) -> None:
    assert (site / "assets" / "javascripts" / "mermaid.min.js").stat().st_size > 1_000_000
    text = page(site, "containers/ecs.md")
    assert '<pre class="mermaid"' in text
    scripts = re.findall(r'<script src="([^"]+)"', text)
    names = [s.split("/")[-1] for s in scripts]
    assert names.index("mermaid.min.js") < names.index("quiz.js")
    assert not any(s.startswith(("http:", "https:", "//")) for s in scripts)
