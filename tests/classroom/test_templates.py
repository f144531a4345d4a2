"""The templates instructors copy: GitHub Actions (feedback for students; a sharded class
run), a Kubernetes Indexed Job and a Slurm array. Their index arithmetic is run for real
against a stand-in `computelab`, and every scheduler recipe refuses weaker walls."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from classkit import write

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PINNED = re.compile(r"computelab @ (https://\S+\.whl#sha256=\S+|git\+https://\S+@v[\d.]+)")


def load(name: str) -> dict:
    return yaml.safe_load((TEMPLATES / name).read_text())


@pytest.fixture
def stub(tmp_path) -> Path:
    """A `computelab` that prints its arguments, one per line."""
    return write(tmp_path / "bin" / "computelab", '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')


def run_stub(stub: Path, script: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    stub.chmod(0o755)
    path = f"{stub.parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(script, capture_output=True, text=True,
                          env={"PATH": path, "HOME": os.environ.get("HOME", "/"), **env})


def test_the_student_workflow_is_feedback_only_and_pinned():
    text = (TEMPLATES / "github-actions" / "student-feedback.yml").read_text()
    flow = load("github-actions/student-feedback.yml")
    assert flow["permissions"] == {"contents": "read"}
    assert "secrets." not in text and "--lms" not in text
    assert PINNED.search(flow["env"]["COMPUTELAB"])
    steps = " ".join(str(s) for s in flow["jobs"]["feedback"]["steps"])
    assert "GITHUB_STEP_SUMMARY" in steps and "upload-artifact" in steps
    assert not (TEMPLATES / "github-classroom.yml").exists()


def test_the_class_workflow_shards_over_its_whole_matrix_with_every_wall():
    flow = load("github-actions/grade-class.yml")
    assert PINNED.search(flow["env"]["COMPUTELAB"])
    grade = flow["jobs"]["grade"]
    shards = grade["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(flow["env"]["SHARDS"]) + 1))
    script = next(s["run"] for s in grade["steps"] if "computelab" in s.get("run", "")
                  and "grade" in s.get("run", ""))
    assert '--shard "${{ matrix.shard }}/$SHARDS"' in script
    assert "--require-isolation" in script and "sudo" in script
    merge = " ".join(s.get("run", "") for s in flow["jobs"]["merge"]["steps"])
    assert "computelab merge shards/shard-*" in merge and "--lms" in merge


def test_the_indexed_job_turns_its_0_based_index_into_a_1_based_shard(stub):
    job = load("kubernetes/grade-indexed-job.yaml")
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    container = spec["template"]["spec"]["containers"][0]
    assert container["securityContext"] == {"privileged": True}
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["SHARDS"]) == spec["completions"]
    done = run_stub(stub, [*container["command"], container["args"][0]],
                    {**env, "JOB_COMPLETION_INDEX": "0"})
    args = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert args[args.index("--shard") + 1] == "1/4" and "--require-isolation" in args
    assert args[args.index("--out") + 1] == "/class/grades/01-shard-1-of-4"


@pytest.mark.parametrize("first, task, expected", [(1, 3, "3/4"), (0, 0, "1/4")])
def test_the_slurm_array_grades_its_task_and_refuses_weaker_walls(stub, first, task, expected):
    script = str(TEMPLATES / "slurm" / "grade-array.sbatch")
    array = {"SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_MIN": str(first),
             "SLURM_ARRAY_TASK_MAX": str(first + 3), "SLURM_ARRAY_TASK_COUNT": "4"}
    done = run_stub(stub, ["bash", script], array)
    args = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert args[args.index("--shard") + 1] == expected and "--require-isolation" in args
    weaker = run_stub(stub, ["bash", script], {**array, "COMPUTELAB_ACCEPT_WEAKER_WALLS": "1"})
    assert "--require-isolation" not in weaker.stdout.splitlines()
    assert "WITHOUT --require-isolation" in weaker.stderr


def test_the_slurm_script_refuses_a_stepped_array_and_a_plain_job(stub):
    script = str(TEMPLATES / "slurm" / "grade-array.sbatch")
    stepped = run_stub(stub, ["bash", script], {
        "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7",
        "SLURM_ARRAY_TASK_COUNT": "4"})
    assert stepped.returncode == 2 and "plain range" in stepped.stderr
    plain = run_stub(stub, ["bash", script], {})
    assert plain.returncode != 0 and "sbatch --array=1-N" in plain.stderr
