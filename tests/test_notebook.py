"""The notebook experience: a real kernel runs the lab notebooks; the check panel headlessly."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from grader import store
from grader.labs import all_labs, find_lab
from grader.notebook import LabSession, _use
from grader.sandbox import publish
from grader.session import lab_aws

LAB = find_lab("01")


def execute(nb):
    NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=False).execute()
    return nb


def text_of(cell):
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


def test_solved_notebook_passes_in_a_real_kernel_and_records_progress(sandbox):
    publish(sandbox.endpoint)
    nb = nbformat.read(LAB.path / "solution.ipynb", as_version=4)
    nb.cells.append(new_code_cell("r = lab.run_checks(); print('SCORE', r.score, r.max_score)"))
    execute(nb)
    assert "Objectives" in text_of(nb.cells[0])
    assert "SCORE 15.0 15.0" in text_of(nb.cells[-1])
    assert store.lab_status(LAB.id) == "passed"


def test_untouched_notebook_runs_cleanly_to_the_check_cell(sandbox):
    publish(sandbox.endpoint)
    nb = nbformat.read(LAB.path / "lab.ipynb", as_version=4)
    nb.cells.append(new_code_cell("r = lab.run_checks(); print('SCORE', r.score)"))
    execute(nb)  # allow_errors=False: Run All must reach the check button
    assert "SCORE 0.0" in text_of(nb.cells[-1])


def test_a_rerun_cell_shows_one_line_and_what_to_do_not_a_traceback(sandbox):
    publish(sandbox.endpoint)
    create = "import boto3\nboto3.client('ec2').create_key_pair(KeyName='web-key')"
    nb = nbformat.v4.new_notebook(cells=[
        new_code_cell(f'from grader import connect; lab = connect("{LAB.id}")'),
        new_code_cell(create), new_code_cell(create)])
    client = NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True)
    client.execute()
    outputs = nb.cells[2].outputs
    shown = text_of(nb.cells[2])
    assert "AWS refused CreateKeyPair: InvalidKeyPair.Duplicate" in shown
    assert "this cell ran before" in shown and "Reset this lab" in shown
    assert "<details><summary>Full traceback</summary>" in shown
    assert not [o for o in outputs if o.output_type == "error"], "no raw traceback"
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]


@pytest.mark.parametrize("code, message, advice", [
    ("InvalidKeyPair.Duplicate", "The keypair already exists", "this cell ran before"),
    ("EntityAlreadyExists", "Role with name x already exists.", "this cell ran before"),
    ("ResourceConflictException", "Function already exist", "this cell ran before"),
    ("NoSuchEntity", "The role with name x cannot be found.", "run the cells above"),
    ("InvalidParameterValue", "Value (x) for parameter y is invalid", "a parameter is wrong"),
    ("Throttling", "Rate exceeded", ""),
])
def test_advice_matches_the_usual_cause(code, message, advice):
    from grader.ui.aws_errors import advice_for

    assert advice_for(code, message).startswith(advice) if advice else advice_for(
        code, message) == ""


def test_without_the_trainer_connect_explains_and_boto3_reaches_nothing():
    nb = nbformat.v4.new_notebook(cells=[
        new_code_cell(f'from grader import connect; lab = connect("{LAB.id}")'),
        new_code_cell("import boto3\ntry:\n    boto3.client('sts').get_caller_identity()\n"
                      "except Exception as exc:\n    print('UNREACHED', exc)"),
    ])
    execute(nb)
    assert "No ComputeLab sandbox is running" in text_of(nb.cells[0])
    assert "computelab start" in text_of(nb.cells[0])
    assert "UNREACHED" in text_of(nb.cells[1]) and "127.0.0.1:9" in text_of(nb.cells[1])


def test_first_cell_starts_a_sandbox_when_tests_allow_it(monkeypatch):
    monkeypatch.setenv("COMPUTELAB_KERNEL_SANDBOX", "1")
    nb = nbformat.v4.new_notebook(cells=[
        new_code_cell(f'from grader import connect; lab = connect("{LAB.id}")'),
        new_code_cell("import boto3; print('ACCOUNT', "
                      "boto3.client('sts').get_caller_identity()['Account'] == "
                      "lab.aws.account_id)"),
    ])
    execute(nb)
    assert "No sandbox was running" in text_of(nb.cells[0])
    assert "ACCOUNT True" in text_of(nb.cells[1])


@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.id)
def test_lab_notebooks_are_well_formed_and_in_sync(lab):
    learner = nbformat.read(lab.notebook, as_version=4)
    solved = nbformat.read(lab.path / "solution.ipynb", as_version=4)
    nbformat.validate(learner)
    assert learner.metadata.kernelspec.name == "python3"
    assert learner.cells[0].source == f'from grader import connect; lab = connect("{lab.id}")'
    assert learner.cells[-1].source.strip() == "lab.check()"
    markdown = [c.source for c in learner.cells if c.cell_type == "markdown"]
    assert markdown == [c.source for c in solved.cells if c.cell_type == "markdown"]
    assert not any(c.get("outputs") for c in learner.cells if c.cell_type == "code")


@pytest.fixture
def session(sandbox, monkeypatch):
    publish(sandbox.endpoint)
    aws = lab_aws(LAB, sandbox.endpoint)
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_CONFIG_FILE",
                 "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    _use(aws)
    yield LabSession(LAB, aws)
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_check_button_shows_each_objective_and_records(session):
    from grader.ui.check_panel import CheckPanel

    panel = CheckPanel(session)
    panel.check_button.click()
    html = panel.panel.value
    assert html.count("<tr") == len(LAB.checks())
    assert "Total: 0/15" in html and "Hint" in html
    assert store.lab_status(LAB.id) == "in progress"


def test_check_refuses_when_boto3_points_elsewhere(session, monkeypatch):
    from grader.ui.check_panel import CheckPanel

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    panel = CheckPanel(session)
    panel.check_button.click()
    assert "Not checked" in panel.panel.value and "sandbox" in panel.panel.value
    assert store.lab_status(LAB.id) == "not started"


def test_a_new_default_session_is_checked_again_after_a_good_click(session):
    """The boto3 setup is remembered once verified, but a new default session is asked again."""
    import boto3

    assert session.misconfigured() == ""
    assert session.misconfigured() == ""  # remembered: no clients built
    boto3.setup_default_session(aws_access_key_id="AKIAOTHER", aws_secret_access_key="x",
                                region_name="us-east-1")
    try:
        assert "credentials were changed" in session.misconfigured()
    finally:
        boto3.DEFAULT_SESSION = None


def test_reset_asks_for_confirmation_then_wipes_only_this_lab(session):
    from grader.ui.check_panel import CheckPanel

    session.aws.client("ec2").create_key_pair(KeyName="web-key")
    old_account = session.aws.account_id
    panel = CheckPanel(session)
    panel.reset_button.click()
    assert panel.confirm_button.layout.display is None and "Reset this lab?" in panel.panel.value
    panel.cancel_button.click()
    assert session.aws.account_id == old_account
    panel.reset_button.click()
    panel.confirm_button.click()
    assert session.aws.account_id != old_account
    assert session.aws.client("ec2").describe_key_pairs()["KeyPairs"] == []
    assert "fresh" in panel.panel.value


def test_a_reset_elsewhere_is_noticed_before_checking(session, sandbox):
    """One reset meaning: after `computelab reset` the open notebook does not check (or keep
    building in) the old account; it says how to move to the new one."""
    from grader.ui.check_panel import CheckPanel

    lab_aws(LAB, sandbox.endpoint, fresh=True)  # what `computelab reset 01` does
    panel = CheckPanel(session)
    panel.check_button.click()
    assert "reset outside this notebook" in panel.panel.value
    assert store.lab_status(LAB.id) == "not started"
    panel.reset_button.click()
    panel.confirm_button.click()  # this notebook's own reset adopts a fresh account
    assert session.reset_elsewhere() is False
