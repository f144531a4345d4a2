"""The lab model: lab.toml against its schema (errors name file and line), the shared
vocabulary of topics, and lab discovery."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from grader.errors import LabDefinitionError, LabNotFound
from grader.labs import all_labs, find_lab, labs_by_topic, load_lab
from grader.labs.authoring import scaffold_lab, static_problems, validate_lab
from grader.labs.schema import SCHEMA_DIRECTIVE, schema_path

REPO = Path(__file__).resolve().parents[2]
TOPICS = {t["id"]: t for t in yaml.safe_load((REPO / "content" / "topics.yaml").read_text())
          ["topics"]}
LABS = all_labs()


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_lab_metadata_uses_shared_topics(lab):
    assert set(lab.topics) <= set(TOPICS)
    assert lab.lesson == TOPICS[lab.topic]["lesson"]
    assert (REPO / "content" / lab.lesson).is_file()
    assert lab.objectives and lab.minutes > 0 and lab.rules
    assert {"lab.ipynb", "solution.ipynb", "checks.py", "solution.py"} <= {
        p.name for p in lab.path.iterdir()}


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_lab_toml_names_its_schema_and_repeats_nothing(lab):
    text = (lab.path / "lab.toml").read_text()
    assert text.splitlines()[0] == SCHEMA_DIRECTIVE
    assert (lab.path / SCHEMA_DIRECTIVE.split()[-1]).resolve() == schema_path().resolve()
    for repeated in ("id =", "lesson =", "topic ="):
        assert f"\n{repeated}" not in text


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_every_lab_passes_static_validation(lab):
    assert static_problems(lab) == []


def test_schema_is_json_schema_editors_can_use():
    schema = json.loads(schema_path().read_text())
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"id", "lesson", "topic"}.isdisjoint(schema["properties"])
    assert schema["properties"]["topics"]["type"] == "array"


def test_a_topic_may_have_several_labs_and_a_lab_several_topics():
    assert len(find_lab("02").topics) == 2
    assert len(labs_by_topic()["fargate"]) >= 2


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


@pytest.fixture
def lab_copy(tmp_path):
    """A copy of lab 08 (it has a learner data file) whose lab.toml a test may break."""
    folder = tmp_path / "08-ec2-purchasing"
    shutil.copytree(find_lab("08").path, folder)
    return folder


def _break(folder: Path, old: str, new: str) -> None:
    toml = folder / "lab.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("old, new, message", [
    ("minutes = 35", 'minutes = "35"', r"lab.toml:4: minutes must be integer"),
    ("minutes = 35\n", "", r"lab.toml:1: missing field 'minutes'"),
    ('topics = ["ec2-purchasing"]', 'topics = "ec2-purchasing"',
     r"lab.toml:3: topics must be array"),
    ('topics = ["ec2-purchasing"]', 'topics = ["ec2-purchasing"]\nid = "08-x"',
     r"lab.toml:4: unknown field 'id': remove it, the folder name is the lab id"),
    ('topics = ["ec2-purchasing"]', 'topic = "ec2-purchasing"',
     r"lab.toml:3: unknown field 'topic': remove it, use topics"),
    ('topics = ["ec2-purchasing"]', 'topics = ["ec2-purchase"]',
     r"lab.toml:3: unknown topic 'ec2-purchase'; use ids from content/topics.yaml"),
    ('learner_files = ["prices.json"]', 'learner_files = ["price.json"]',
     r"lab.toml:\d+: learner file 'price.json' is not in 08-ec2-purchasing/"),
    ('learner_files = ["prices.json"]', 'learner_files = ["solution.py"]',
     r"lab.toml:7: learner_files\[0\] may not be 'solution.py'"),
    ("minutes = 35", "minutes = ", r"lab.toml: not valid TOML"),
])
def test_bad_lab_toml_is_one_line_naming_file_line_and_field(lab_copy, old, new, message):
    _break(lab_copy, old, new)
    with pytest.raises(LabDefinitionError, match=message) as caught:
        load_lab(lab_copy)
    assert "\n" not in str(caught.value)


def test_unknown_check_option_names_its_table_line(lab_copy):
    toml = lab_copy / "lab.toml"
    lines = toml.read_text().count("\n")
    toml.write_text(toml.read_text() + "[checks.refund]\nretries = 2\n")
    with pytest.raises(LabDefinitionError,
                       match=rf"lab.toml:{lines + 1}: unknown field 'checks.refund.retries'"):
        load_lab(lab_copy)


def test_check_options_must_name_real_checks(lab_copy):
    toml = lab_copy / "lab.toml"
    toml.write_text(toml.read_text() + "\n[checks.no_such_check]\ntimeout = 5\n")
    problems = static_problems(load_lab(lab_copy))
    assert problems == ["lab.toml [checks.no_such_check]: checks.py has no check called "
                        "'no_such_check'"]


def test_checks_module_may_define_dataclasses(tmp_path):
    folder = scaffold_lab(tmp_path, "44-dataclass")
    checks = folder / "checks.py"
    checks.write_text(checks.read_text().replace(
        "from grader import check\n",
        "from dataclasses import dataclass\n\nfrom grader import check\n\n\n"
        "@dataclass\nclass Rule:\n    name: str\n"))
    lab = find_lab("44", root=tmp_path)
    assert [spec.name for spec in lab.checks()] == ["bucket_created"]


def test_a_placeholder_without_its_parameter_is_an_authoring_problem(lab_copy):
    solution = lab_copy / "solution.py"
    solution.write_text(solution.read_text().replace("# %% [markdown]\n",
                                                     "# %% [markdown]\n# Use {{ regoin }}.\n", 1))
    problems = static_problems(load_lab(lab_copy))
    assert "solution.py writes {{ regoin }}, but lab.toml declares no [parameters.regoin]" in \
        problems
