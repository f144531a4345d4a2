"""Tools for lab authors: prove a lab is passable and that an untouched lab scores zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.aws import AWS
from grader.labs.build import stale_notebooks, write_notebooks
from grader.labs.model import Lab, load_lab
from grader.labs.variants import unknown_placeholders
from grader.results import LabResult
from grader.sandbox import Sandbox, create_account
from grader.session import check_lab, setup_account


@dataclass
class ValidationReport:
    lab: str
    solved: LabResult
    untouched: LabResult
    problems: list[str] = field(default_factory=list)


def static_problems(lab: Lab) -> list[str]:
    """What is wrong without running anything: stale notebooks, options for unknown checks."""
    problems = [f"{name} is out of date with solution.py: run `computelab build-lab {lab.id}`"
                for name in stale_notebooks(lab)]
    names = {spec.name for spec in lab.checks()}
    problems += [f"lab.toml [checks.{name}]: checks.py has no check called {name!r}"
                 for name in lab.check_options if name not in names]
    problems += [f"lab.toml rule {rule[:40]!r}...: checks.py has no check called {name!r}"
                 for rule, checks in lab.rule_checks.items() for name in checks
                 if name not in names]
    texts = {"solution.py": lab.solution_source.read_text(encoding="utf-8")}
    texts.update({f"check {spec.name}": spec.title + spec.hint for spec in lab.checks()})
    problems += [f"{where} writes {{{{ {name} }}}}, but lab.toml declares no [parameters.{name}]"
                 for where, text in texts.items()
                 for name in unknown_placeholders(text, lab.defaults)]
    return problems


def validate_lab(lab: Lab) -> ValidationReport:
    """Solve in one fresh account, leave another untouched; both checked on a private sandbox."""
    static = static_problems(lab)
    with Sandbox() as sandbox:
        accounts = []
        for _ in range(2):
            account = create_account(sandbox.endpoint, managed_policies=lab.managed_policies)
            setup_account(lab, sandbox.endpoint, account)
            accounts.append(AWS.for_account(sandbox.endpoint, account))
        lab.solve_fn()(accounts[0])
        solved, untouched = check_lab(lab, accounts[0]), check_lab(lab, accounts[1])
    problems = static + [f"solution fails {t.name}: {t.output}"
                         for t in solved.tests if not t.passed]
    problems += [f"untouched passes {t.name}" for t in untouched.tests if t.score > 0]
    problems += [f"{t.name} has no hint" for t in solved.tests if not t.hint]
    return ValidationReport(lab.id, solved, untouched, problems)


_SCAFFOLD_TOML = '''#:schema ../lab.schema.json
title = "TODO: a title that says what the learner builds"
topics = ["{topic}"]
minutes = 20
services = ["s3"]
managed_policies = false
objectives = [
    "Create an S3 bucket named {bucket}",
]
rules = [
    {{text = "TODO: one sentence per AWS rule the checks enforce.", checks = ["bucket_created"]}},
]
'''

_SCAFFOLD_CHECKS = '''"""Checks for lab {lab_id}.

List every rule these checks enforce in lab.toml ``rules``.
"""

from __future__ import annotations

from grader import check


@check(points=1, hint="boto3.client('s3').create_bucket(Bucket='{bucket}')")
def bucket_created(aws):
    """Bucket {bucket} exists"""
    names = [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]]
    assert "{bucket}" in names, "No bucket named '{bucket}' yet."
'''

_SCAFFOLD_SOLUTION = '''# %% [markdown]
# # Lab {lab_id}
#
# TODO: what this lab teaches and why.

# %% [markdown]
# ## Task 1 — Create a bucket
#
# Create an S3 bucket named `{bucket}`.

# %%
import boto3

s3 = boto3.client("s3")
# BEGIN SOLUTION
s3.create_bucket(Bucket="{bucket}")
# END SOLUTION
# BEGIN STARTER
# # TODO: create the bucket
# END STARTER

# %% [markdown]
# ## Check my work
#
# Click **Check my work**.
'''

_SCAFFOLD_TEST = '''"""Lab {lab_id}: what is special to this lab.

tests/labs/test_shapes.py already proves, for every lab, that the solution gets full marks,
an untouched account scores zero with messages, and every corpus submission in
tests/labs/corpus/{lab_id}/ is graded as its name says (ok_*: full marks; bad_*: loses
exactly the checks its LOSES names). Add corpus files first; test here only what they can't.
"""

from __future__ import annotations
'''


def scaffold_lab(labs_root: Path, lab_id: str, tests_root: Path | None = None,
                 topic: str = "ec2-instances") -> Path:
    """Create a working lab skeleton that `computelab validate` accepts before it is edited."""
    from grader.errors import LabDefinitionError
    from grader.labs import LAB_DIR_PATTERN

    if not LAB_DIR_PATTERN.match(lab_id):
        raise LabDefinitionError(
            f"{lab_id!r} is not a lab id: use NN-slug, e.g. 10-step-functions.")
    folder = labs_root / lab_id
    if folder.exists():
        raise LabDefinitionError(f"{folder} already exists; pick another id.")
    folder.mkdir(parents=True)
    names = {"lab_id": lab_id, "bucket": f"{lab_id.lower()}-bucket", "topic": topic}
    for file_name, template in (("lab.toml", _SCAFFOLD_TOML), ("checks.py", _SCAFFOLD_CHECKS),
                                ("solution.py", _SCAFFOLD_SOLUTION)):
        (folder / file_name).write_text(template.format(**names))
    write_notebooks(load_lab(folder))
    if tests_root is not None:
        slug = lab_id.replace("-", "_")
        (tests_root / f"test_lab{slug}.py").write_text(_SCAFFOLD_TEST.format(**names))
        corpus = tests_root / "corpus" / lab_id
        corpus.mkdir(parents=True, exist_ok=True)
        (corpus / "bad_no_bucket.py").write_text(
            '"""Forgot the bucket."""\n\nLOSES = ["bucket_created"]\n')
    return folder
