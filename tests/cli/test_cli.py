"""Every `computelab` command, driven like a user would (no TTY)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from grader.cli import app
from grader.sandbox import publish, read_runtime

runner = CliRunner()
BIN = Path(sys.executable).parent / "computelab"


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and re.match(r"computelab \d+\.\d+", result.output)


def _commands(group: click.Group, prefix: str = ""):
    for name, sub in group.commands.items():
        yield f"{prefix}{name}", sub
        if isinstance(sub, click.Group):
            yield from _commands(sub, f"{prefix}{name} ")


def test_every_command_has_help_with_an_example():
    commands = dict(_commands(typer.main.get_command(app)))
    assert {"labs", "start", "sandbox", "check", "solve", "reset", "validate", "grade",
            "quiz", "exam", "progress"} <= set(commands)
    for name, command in commands.items():
        help_text = command.help or ""
        assert help_text.strip(), f"{name} has no help"
        assert "Example" in help_text, f"{name}: help has no example"


def test_labs_lists_every_id_uncut_with_latest_best_and_status(tmp_path, monkeypatch):
    from grader import store
    from grader.labs import all_labs

    monkeypatch.setenv("COMPUTELAB_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal must not cut the ids
    store.record_check("01-ec2-from-ami", {"score": 15, "max_score": 15, "status": "passed"})
    store.record_check("01-ec2-from-ami", {"score": 9, "max_score": 15, "status": "failed"})
    result = run("labs")
    assert result.exit_code == 0
    assert all(lab.id in result.output for lab in all_labs())
    row = next(line for line in result.output.splitlines() if "01-ec2-from-ami" in line)
    assert "9/15" in row and "15/15" in row and "in progress" in row
    assert "not started" in result.output


def test_unknown_lab_is_one_line_error():
    result = run("check", "42")
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error: No lab called '42'")
    assert "Traceback" not in result.output


def test_check_without_sandbox_says_how_to_start_one():
    result = run("check", "01")
    assert result.exit_code == 2
    assert "computelab start" in result.output


def test_solve_check_reset_round_trip(sandbox, tmp_path):
    publish(sandbox.endpoint)
    before = run("check", "01", "--json")
    assert before.exit_code == 1 and json.loads(before.output)["score"] == 0
    assert run("solve", "01").exit_code == 0
    after = run("check", "1", "--json")
    assert after.exit_code == 0, after.output
    assert json.loads(after.output)["score"] == json.loads(after.output)["max_score"]
    assert "passed" in run("labs").output

    workspace = tmp_path / "ws"
    notebook = workspace / "labs" / "01-ec2-from-ami" / "01-ec2-from-ami.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text("my work")
    runtime = read_runtime()
    runtime["workspace"] = str(workspace)
    from grader.sandbox import write_runtime
    write_runtime(runtime)
    assert run("reset", "01", input="n\n").exit_code == 1  # asks first
    reset = run("reset", "01", "--yes")
    assert reset.exit_code == 0 and "notebook is unchanged" in reset.output
    assert json.loads(run("check", "01", "--json").output)["score"] == 0
    assert notebook.read_text() == "my work"  # one reset meaning: like the notebook's button
    fresh = run("reset", "01", "--yes", "--notebook")
    assert fresh.exit_code == 0 and "Reload Notebook from Disk" in fresh.output
    backups = list((workspace / "backups").glob("01-ec2-from-ami-*.ipynb"))
    assert backups and backups[0].read_text() == "my work"
    assert not list(notebook.parent.glob("*backup*"))
    assert json.loads(notebook.read_text())["cells"]


def test_check_table_shows_feedback_and_hints(sandbox):
    publish(sandbox.endpoint)
    result = run("check", "01")
    assert result.exit_code == 1
    assert "Hint:" in result.output and "web-key" in result.output


def test_validate_prints_both_scores():
    result = run("validate", "01")
    assert result.exit_code == 0, result.output
    assert "solved: 15/15" in result.output and "untouched: 0/15" in result.output


def test_grade_json_is_only_json_in_input_order(tmp_path):
    lab = Path(__file__).resolve().parents[2] / "labs" / "01-ec2-from-ami"
    broken = tmp_path / "broken.ipynb"
    broken.write_text("")
    result = run("grade", "01", str(lab / "solution.ipynb"), str(broken), "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["submission"] for r in rows] == [str(lab / "solution.ipynb"), str(broken)]
    assert rows[0]["score"] == 15 and rows[1]["status"] == "error"


def _start(args, env):
    return subprocess.Popen([str(BIN), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env, start_new_session=True)


def test_sandbox_command_prints_exports_and_serves(computelab_home):
    proc = _start(["sandbox"], {**os.environ, "COMPUTELAB_HOME": str(computelab_home)})
    try:
        first = proc.stdout.readline()
        endpoint = re.search(r"http://127\.0\.0\.1:\d+", first).group(0)
        assert proc.stdout.readline().strip() == f"export AWS_ENDPOINT_URL={endpoint}"
        with urllib.request.urlopen(endpoint + "/_computelab/ping", timeout=5) as resp:
            assert json.load(resp)["computelab"] is True
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=10)
        proc.stdout.close()


@pytest.mark.slow
def test_start_serves_jupyterlab_on_the_workspace(computelab_home, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workspace = tmp_path / "work"
    env = {**os.environ, "COMPUTELAB_HOME": str(computelab_home)}
    log = (tmp_path / "start.log").open("w")  # a file, as a terminal would: never blocks
    proc = subprocess.Popen([str(BIN), "start", "--no-browser", "--port", str(port),
                             "--workspace", str(workspace)], stdout=log,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # answering (e.g. 403 without a token) is enough
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("computelab start exited: "
                                + (tmp_path / "start.log").read_text()[-2000:])
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 120 s")
        assert (workspace / "welcome.ipynb").is_file()
        assert (workspace / "labs" / "01-ec2-from-ami" / "01-ec2-from-ami.ipynb").is_file()
        assert not list(workspace.rglob("solution*"))
        assert read_runtime()["workspace"] == str(workspace.resolve())
        again = subprocess.run([str(BIN), "start", "--no-browser", "--port", str(port + 1)],
                               capture_output=True, text=True, env=env, timeout=60)
        assert again.returncode == 0 and "already running" in again.stdout
        assert f"127.0.0.1:{port}/lab?token=" in again.stdout
        status = subprocess.run([str(BIN), "status"], capture_output=True, text=True, env=env)
        assert status.returncode == 0 and f"127.0.0.1:{port}" in status.stdout
        stop = subprocess.run([str(BIN), "stop"], capture_output=True, text=True, env=env,
                              timeout=120)
        assert stop.returncode == 0 and "stopped" in stop.stdout
        proc.wait(timeout=30)
        after = subprocess.run([str(BIN), "status"], capture_output=True, text=True, env=env)
        assert after.returncode == 1 and "not running" in after.stdout
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.mark.slow
def test_a_trainer_kernel_is_guarded_before_the_first_cell(sandbox, tmp_path):
    """No connect cell: a task cell lands in the lab's own account, and an explicit remote
    endpoint or region is refused before anything is sent."""
    from jupyter_client.manager import start_new_kernel

    from grader.ui.kernel_startup import write_startup

    publish(sandbox.endpoint)
    env = {**os.environ, "IPYTHONDIR": str(write_startup(tmp_path / "ipython")),
           "JPY_SESSION_NAME": "labs/01-ec2-from-ami/01-ec2-from-ami.ipynb"}
    km, kc = start_new_kernel(kernel_name="python3", env=env, startup_timeout=120)
    outputs: list[str] = []

    def keep(msg):
        content = msg["content"]
        outputs.append(content.get("text", "") + content.get("evalue", ""))

    try:
        kc.execute_interactive(
            "import boto3\n"
            "print('ACCOUNT', boto3.client('sts').get_caller_identity()['Account'])\n"
            "try:\n"
            "    boto3.client('ec2', region_name='eu-west-1',\n"
            "                 endpoint_url='https://ec2.eu-west-1.amazonaws.com'"
            ").describe_instances()\n"
            "except Exception as exc:\n"
            "    print('REFUSED', type(exc).__name__, exc)\n",
            output_hook=keep, timeout=120)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    text = "".join(outputs)
    account = read_runtime()["accounts"]["01-ec2-from-ami"]["account_id"]
    assert f"ACCOUNT {account}" in text
    assert "REFUSED UnsafeEndpointError Refused a request to ec2.eu-west-1.amazonaws.com" in text


def test_check_against_another_local_endpoint_uses_own_credentials(sandbox, monkeypatch):
    """A loopback server that is not our sandbox (LocalStack-like) is checked as it is."""
    from grader.sandbox import create_account

    account = create_account(sandbox.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", account.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", account.secret_access_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr("grader.session.is_alive", lambda endpoint: False)
    result = run("check", "01", "--endpoint", sandbox.endpoint, "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["score"] == 0


def test_check_refuses_a_remote_endpoint_without_real_aws():
    result = run("check", "01", "--endpoint", "https://ec2.us-east-1.amazonaws.com")
    assert result.exit_code == 2
    assert "not on this machine" in result.output


@pytest.mark.parametrize("args, phrase", [
    (["nosuch"], "No such command 'nosuch'"),
    (["check"], "Missing argument 'lab'"),
    (["quiz", "-n", "abc"], "Invalid value for '-n'"),
    (["check", "01", "--bogus"], "No such option: --bogus"),
])
def test_usage_mistakes_are_one_line_errors(args, phrase, computelab_home):
    result = subprocess.run([str(BIN), *args], capture_output=True, text=True,
                            env={**os.environ, "COMPUTELAB_HOME": str(computelab_home)})
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and phrase in lines[0]


def test_bare_command_shows_help_and_exit_codes_pass_through(computelab_home):
    env = {**os.environ, "COMPUTELAB_HOME": str(computelab_home)}
    bare = subprocess.run([str(BIN)], capture_output=True, text=True, env=env)
    assert bare.returncode == 0 and "Commands" in bare.stdout
    no_sandbox = subprocess.run([str(BIN), "check", "01"], capture_output=True, text=True,
                                env=env)
    assert no_sandbox.returncode == 2 and no_sandbox.stderr.startswith("Error: No sandbox")


def test_command_map_matches_what_each_group_registers():
    """`computelab CMD` loads only CMD's group, found through COMMANDS: keep it true."""
    import importlib

    import typer

    from grader.cli.root import COMMANDS, groups_for

    for module, commands in COMMANDS.items():
        group = typer.Typer()
        importlib.import_module(module).register(group)
        click_group = typer.main.get_command(group)
        assert set(click_group.commands) == set(commands), module
        for command in commands:
            assert groups_for([command, "--help"]) == (module,)
    assert groups_for(["--help"]) == tuple(COMMANDS)


def test_listing_labs_does_not_load_the_quiz_engine_or_grading():
    code = ("import sys; from grader.cli import main\n"
            "try:\n    main(['labs'])\nexcept SystemExit:\n    pass\n"
            "loaded = [m for m in sys.modules if m.startswith(('grader.quiz', 'grader.grading',"
            " 'nbformat', 'moto'))]\n"
            "print('LOADED', loaded)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"})
    assert "LOADED []" in done.stdout, done.stdout[-500:] + done.stderr[-500:]
    assert "01-ec2-from-ami" in done.stdout


def test_check_table_prints_learner_text_literally(capsys):
    """A resource named like rich markup or an emoji code is shown as typed, never styled."""
    from grader.cli.labs import print_result
    from grader.results import CheckResult, LabResult

    bad = CheckResult("sg", "SSH [bold]open", 0, 2, "failed", "web-sg [/] :smile: [red]x",
                      "use [link=http://x]this[/link]")
    print_result(LabResult("01-ec2-from-ami", [bad]))
    shown = capsys.readouterr().out
    assert "[bold]open" in shown and ":smile:" in shown and "[red]x" in shown
    assert "[link=http://x]this[/link]" in shown
