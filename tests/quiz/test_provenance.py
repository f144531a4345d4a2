"""Provenance: heading anchors as mkdocs makes them, URL and date rules, stale questions."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import markdown
import pytest

from grader.quiz import provenance
from grader.quiz.model import Question

CONTENT = Path(__file__).resolve().parents[2] / "content"
LESSONS = sorted(p for p in CONTENT.rglob("*.md") if "instructor" not in p.parts)


@pytest.mark.parametrize("path", LESSONS, ids=[str(p.relative_to(CONTENT)) for p in LESSONS])
def test_heading_anchors_match_python_markdown_toc(path):
    """Our slugs are the ids mkdocs' toc extension gives the same headings."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):          # mkdocs strips YAML front matter before rendering
        text = text.split("\n---\n", 1)[1]
    md = markdown.Markdown(extensions=["toc", "attr_list", "fenced_code"])
    md.convert(text)

    def ids(tokens):
        for t in tokens:
            yield t["id"]
            yield from ids(t["children"])

    assert set(ids(md.toc_tokens)) <= provenance.heading_anchors(text)


@pytest.mark.parametrize("heading, slug", [
    ("Savings Plans: today's recommendation", "savings-plans-todays-recommendation"),
    ("`DeleteOnTermination`", "deleteontermination"),
    ("Storage: HDFS and Amazon S3", "storage-hdfs-and-amazon-s3"),
    ("[Linked](https://example.com) heading", "linked-heading"),
])
def test_slugify(heading, slug):
    assert provenance.slugify(heading) == slug


def test_repeated_headings_get_numbered_anchors_and_code_fences_are_skipped():
    text = "# A\n## Notes\n```\n# not a heading\n```\n## Notes\n"
    assert provenance.heading_anchors(text) == {"a", "notes", "notes_1"}


@pytest.mark.parametrize("url, ok", [
    ("https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-types.html", True),
    ("https://aws.amazon.com/vmware/", True),
    ("http://docs.aws.amazon.com/x", False),
    ("https://docs.aws.amazon.com.example.org/x", False),
    ("https://repost.aws/questions/1", False),
    (42, False),
])
def test_source_urls_must_be_aws_documentation(url, ok):
    assert (provenance.url_problem(url) is None) is ok


def _q(qid: str, verified: str) -> Question:
    return Question(id=qid, type="single", stem="s", topic="t", domains={}, difficulty="easy",
                    explanation="e", verified=verified, sources=("https://aws.amazon.com/x",))


def test_stale_lists_old_and_unchecked_questions_oldest_first():
    today = date(2026, 12, 5)
    qs = [_q("new", "2026-12-01"), _q("old", "2025-01-01"), _q("older", "2024-06-01"),
          _q("never", ""), dataclasses.replace(_q("gen", ""), generated=True)]
    found = provenance.stale(qs, older_than=180, today=today)
    assert [(q.id, age) for q, age in found] == [("never", None), ("older", 917), ("old", 703)]
    assert provenance.stale(qs, older_than=10_000, today=today)[0][0].id == "never"


def test_read_more_lists_the_lesson_then_the_sources():
    q = dataclasses.replace(_q("x", "2026-12-05"), lesson="containers/ecr.md#lifecycle-policies")
    assert provenance.read_more(q) == ["Lesson: containers/ecr.md#lifecycle-policies",
                                       "https://aws.amazon.com/x"]
