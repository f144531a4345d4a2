"""Every lab folder: metadata matches the shared vocabulary and the lab validates."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.authoring import validate_lab
from grader.errors import LabDefinitionError, LabNotFound
from grader.labs import all_labs, find_lab, load_lab

REPO = Path(__file__).resolve().parent.parent
TOPICS = yaml.safe_load((REPO / "content" / "topics.yaml").read_text())
LABS = all_labs()


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_lab_metadata_uses_shared_topics(lab):
    topics = {t["id"]: t for t in TOPICS["topics"]}
    assert lab.topic in topics
    assert lab.lesson == topics[lab.topic]["lesson"]
    assert (REPO / "content" / lab.lesson).is_file()
    assert topics[lab.topic].get("lab") == lab.id
    assert lab.objectives and lab.minutes > 0 and lab.rules
    assert {"lab.ipynb", "solution.ipynb", "checks.py", "solution.py"} <= {
        p.name for p in lab.path.iterdir()}


@pytest.mark.slow  # a private sandbox per lab; each lab file proves the same things faster
@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_lab_validates(lab):
    report = validate_lab(lab)
    assert report.problems == []
    assert report.solved.score == report.solved.max_score > 0
    assert report.untouched.score == 0


def test_find_lab_by_number_or_name():
    assert find_lab("1").id == find_lab("01").id == find_lab("01-ec2-from-ami").id
    with pytest.raises(LabNotFound, match="Known labs: 01-ec2-from-ami"):
        find_lab("nope")


def test_broken_lab_toml_is_an_author_error(tmp_path):
    folder = tmp_path / "07-broken"
    folder.mkdir()
    (folder / "lab.toml").write_text('title = "x"\n')
    with pytest.raises(LabDefinitionError, match="missing: topic"):
        load_lab(folder)


def test_checks_module_may_define_dataclasses(tmp_path):
    from grader.authoring import scaffold_lab

    folder = scaffold_lab(tmp_path, "44-dataclass")
    checks = folder / "checks.py"
    checks.write_text(checks.read_text().replace(
        "from grader import check\n",
        "from dataclasses import dataclass\n\nfrom grader import check\n\n\n"
        "@dataclass\nclass Rule:\n    name: str\n"))
    lab = find_lab("44", root=tmp_path)
    assert [spec.name for spec in lab.checks()] == ["bucket_created"]
