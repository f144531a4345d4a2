"""Submissions that look alike: copies are found through renaming and reformatting, and
independent work (even when it follows the same notebook) is not flagged."""

from __future__ import annotations

import ast
import builtins
import difflib
import shutil
from pathlib import Path

import pytest

from grader.classroom.instructor_extra import MissingInstructorExtra, require
from grader.classroom.similarity import (
    base_code,
    class_pairs,
    normalise,
    similar_pairs,
    similarity_csv,
)
from grader.labs import all_labs, find_lab

CORPUS = Path(__file__).resolve().parents[1] / "labs" / "corpus"
LIBRARIES = {"boto3", "json", "time", "base64", "zipfile", "io", "os", "datetime"}


class _Rename(ast.NodeTransformer):
    """What a copier does: every variable renamed."""

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id not in dir(builtins) and node.id not in LIBRARIES:
            node.id = "my_" + node.id[::-1]
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = "my_" + node.arg[::-1]
        return node


def disguised(code: str) -> str:
    """A copy with names changed, comments dropped, layout and quotes redone, a line added."""
    tree = _Rename().visit(ast.parse(code))
    return "# my own work\n" + ast.unparse(tree) + "\nprint('finished!')\n"


def ok_files(lab_id: str) -> dict[str, str]:
    return {p.stem: p.read_text() for p in sorted((CORPUS / lab_id).glob("ok_*.py"))}


def test_renaming_comments_and_layout_do_not_change_the_tokens() -> None:
    mine = 'sg = ec2.create_security_group(GroupName="web-sg", Description="web")["GroupId"]\n'
    theirs = ("# security group\ngroup_id = ec2.create_security_group(\n"
              "    GroupName='web-sg',  # the name\n    Description='tier'\n)['GroupId']\n")
    vocabulary: dict[str, str] = {}
    assert normalise(mine, vocabulary) == normalise(theirs, vocabulary)


def test_names_renaming_cannot_change_are_kept() -> None:
    vocabulary: dict[str, str] = {}
    a = normalise("ec2.create_volume(Size=8)", vocabulary)
    b = normalise("client.create_volume(Size=8)", vocabulary)
    c = normalise("ec2.delete_volume(Size=8)", vocabulary)
    assert a == b and a != c


def test_a_cell_that_does_not_tokenize_still_counts() -> None:
    vocabulary: dict[str, str] = {}
    assert normalise("x = \"\"\"never closed", vocabulary)
    broken = normalise("ec2.create_key_pair((KeyName='web-key')", vocabulary)
    assert broken == normalise("client.create_key_pair((KeyName='k')", vocabulary)


@pytest.mark.parametrize("lab_id", [lab.id for lab in all_labs()
                                    if (CORPUS / lab.id).is_dir()])
def test_correct_submissions_are_flagged_only_when_they_are_near_copies(lab_id: str) -> None:
    """Every lab's correct corpus: styles written independently are never a pair; a pair
    is only ever two files that differ in a few lines (one was written from the other)."""
    files = ok_files(lab_id)
    for pair in similar_pairs(files, base_code(find_lab(lab_id))):
        a, b = files[pair.first].splitlines(), files[pair.second].splitlines()
        assert difflib.SequenceMatcher(None, a, b).ratio() > 0.9, pair


def test_a_planted_copy_is_flagged_among_twenty_independent(tmp_path: Path) -> None:
    lab = find_lab("01")
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    submissions: dict[str, Path] = {}
    for name, code in ok_files(lab.id).items():  # 15 styles
        submissions[name] = class_dir / f"{name}.py"
        submissions[name].write_text(code)
    for i in range(5):  # and 5 who handed in the lab's own solution notebook
        submissions[f"solved{i}"] = class_dir / f"solved{i}.ipynb"
        shutil.copy(lab.path / "solution.ipynb", submissions[f"solved{i}"])
    assert len(submissions) == 20
    assert class_pairs(lab, submissions) == []

    submissions["copier"] = class_dir / "copier.py"
    submissions["copier"].write_text(disguised(ok_files(lab.id)["ok_resource_api"]))
    pairs = class_pairs(lab, submissions)
    assert [(p.first, p.second) for p in pairs] == [("copier", "ok_resource_api")]
    assert pairs[0].score >= 0.9


def test_the_lab_s_own_code_is_never_a_reason() -> None:
    lab = find_lab("01")
    starter, solution = base_code(lab)
    codes = {"a": solution, "b": solution, "c": starter, "d": starter}
    assert similar_pairs(codes, base_code(lab), min_tokens=1) == []


def test_unreadable_submissions_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "target.py").write_text("x = 1\n")
    (tmp_path / "link.py").symlink_to(tmp_path / "target.py")
    (tmp_path / "broken.ipynb").write_text("{not json")
    pairs = class_pairs(find_lab("01"), {"link": tmp_path / "link.py",
                                         "broken": tmp_path / "broken.ipynb"})
    assert pairs == []


def test_csv_cells_are_escaped() -> None:
    from grader.classroom.similarity import Pair

    text = similarity_csv([Pair("=cmd()", "bob", 0.9, 0.5, 40)])
    assert text.splitlines() == ["student_a,student_b,share_a,share_b,shared_tokens",
                                 "'=cmd(),bob,0.90,0.50,40"]


def test_a_missing_extra_is_one_line_with_the_fix() -> None:
    with pytest.raises(MissingInstructorExtra, match=r"pip install 'computelab\[instructor\]'"):
        require("computelab_no_such_module")
