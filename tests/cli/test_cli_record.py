"""`computelab check` with "what you did", `labs` with challenge passes, the challenge
workspace `start --challenge` writes, and the store migration for older progress files."""

from __future__ import annotations

import sqlite3

import nbformat
from typer.testing import CliRunner

from grader import store
from grader.cli import app
from grader.cli import labs as cli_labs
from grader.labs import find_lab
from grader.sandbox import publish
from grader.session import lab_aws
from grader.ui.recorder import call_record
from grader.ui.workspace import challenge_notebook, create_workspace, lab_notebook, welcome_html

runner = CliRunner()
LAB = find_lab("01")


def test_check_lists_the_learners_call_under_the_failing_check(sandbox, monkeypatch):
    monkeypatch.setattr(cli_labs.console, "_width", 250)  # whole lines, also under xdist
    publish(sandbox.endpoint)
    aws = lab_aws(LAB, sandbox.endpoint)
    ec2 = aws.client("ec2")
    sg = ec2.create_security_group(GroupName="web-sg", Description="web")["GroupId"]
    store.record_call(LAB.id, aws.access_key_id or "", call_record(
        "CreateSecurityGroup", {"GroupName": "web-sg"}, {"GroupId": sg}, 200, 2, 0.0))
    store.record_call(LAB.id, "an-old-account-key", call_record(
        "CreateKeyPair", {"KeyName": "web-sg"}, {}, 200, 1, 0.0))
    result = runner.invoke(app, ["check", LAB.id])
    assert result.exit_code == 1
    assert "You did: cell [2]: create_security_group(GroupName='web-sg')" in result.output
    assert "cell [1]" not in result.output  # another account's call explains nothing
    assert "Hint:" in result.output

    challenge = runner.invoke(app, ["check", LAB.id, "--challenge"])
    assert challenge.exit_code == 1 and "Hint:" not in challenge.output
    assert "You did: cell [2]" in challenge.output
    assert set(store.lab_progress(store.CHALLENGE)) == set(store.lab_progress()) == {LAB.id}


def test_labs_shows_challenge_passes_in_their_own_column(monkeypatch):
    monkeypatch.setattr(cli_labs.console, "_width", 200)
    store.record_check(LAB.id, {"score": 15, "max_score": 15, "status": "passed"},
                       store.CHALLENGE)
    result = runner.invoke(app, ["labs"])
    row = next(line for line in result.output.splitlines() if LAB.id in line)
    assert "Challenge" in result.output
    assert "not started" in row and "passed (15/15)" in row
    assert store.lab_status(LAB.id) == "not started"  # a challenge pass is kept apart


def test_challenge_workspace_has_both_notebooks_and_leads_with_the_challenge(tmp_path):
    work = create_workspace(tmp_path / "work", challenge=True)
    hard = nbformat.read(challenge_notebook(work, LAB), as_version=4)
    assert "challenge=True" in hard.cells[0].source
    assert lab_notebook(work, LAB).is_file()
    intro = nbformat.read(work / "welcome.ipynb", as_version=4).cells[0].source
    line = next(line for line in intro.splitlines() if line.startswith(f"- [{LAB.number}"))
    assert line.index("-challenge.ipynb") < line.index(f"{LAB.id}.ipynb)")
    store.record_check(LAB.id, {"score": 15, "max_score": 15, "status": "passed"},
                       store.CHALLENGE)
    assert "<td class='challenge' style='text-align:left'>passed</td>" in welcome_html(False)


def test_an_older_store_gets_the_mode_column_and_keeps_its_results(computelab_home):
    conn = sqlite3.connect(computelab_home / "computelab.sqlite3")
    conn.execute("CREATE TABLE check_results (id INTEGER PRIMARY KEY, lab TEXT NOT NULL, "
                 "at REAL NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL, "
                 "status TEXT NOT NULL, result_json TEXT NOT NULL)")
    conn.execute("INSERT INTO check_results(lab, at, score, max_score, status, result_json) "
                 "VALUES ('01-ec2-from-ami', 1, 15, 15, 'passed', '{}')")
    conn.commit()
    conn.close()
    assert store.lab_status(LAB.id) == "passed"
    assert store.lab_progress(store.CHALLENGE) == {}
