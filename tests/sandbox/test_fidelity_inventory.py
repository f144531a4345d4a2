"""The inventory of operations the labs use: complete, current, and its page in sync."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from grader.sandbox import inventory as inv

REPO = Path(__file__).resolve().parents[2]


def test_scan_finds_calls_in_checks_solutions_notebooks_and_kit():
    used = inv.scan()
    assert {"02"} <= used[("ecs", "register_task_definition")]  # solution + checks
    assert "kit" in used[("iam", "get_policy_version")]  # grader/kit
    assert "07" in used[("autoscaling", "attach_load_balancer_target_groups")]  # markdown
    assert ("ec2", "describe_instances") in used  # a paginator counts as its operation
    assert used[("ec2", "describe_images")] >= {"01"}
    assert ("ecr", "describe_image_scan_findings") in used  # a waiter counts as its operation
    assert len({service for service, _ in used}) == 19  # lab 11 added emr, emr-serverless


def test_every_used_operation_has_a_status_and_the_page_is_current():
    assert inv.problems() == []


def test_a_new_operation_in_a_lab_without_an_entry_fails(tmp_path):
    for name in ("labs", "grader/kit"):
        shutil.copytree(REPO / name, tmp_path / name)
    solution = next((tmp_path / "labs").glob("01-*/solution.py"))
    solution.write_text(solution.read_text() + "\n\ndef extra(aws):\n"
                        "    aws.client('ec2').describe_host_reservations()\n")
    notebook = next((tmp_path / "labs").glob("03-*/lab.ipynb"))
    data = json.loads(notebook.read_text())
    data["cells"].append({"cell_type": "markdown", "metadata": {},
                          "source": ["Then call `lambda.publish_version(...)`."]})
    notebook.write_text(json.dumps(data))

    used = inv.scan(tmp_path)
    found = inv.coverage_problems(inv.load(), used)
    assert any(p.startswith("ec2.describe_host_reservations is used by lab(s) 01") for p in found)
    assert any(p.startswith("lambda.publish_version is used by lab(s) 03") for p in found)
    stubs = inv.skeleton(inv.load(), used)
    assert 'operation = "publish_version"' in stubs
    assert ("https://docs.aws.amazon.com/AWSEC2/latest/APIReference/"
            "API_DescribeHostReservations.html") in stubs


def test_every_doc_link_is_the_services_api_reference_page():
    for entry in inv.load().entries:
        assert entry.doc == inv.doc_url(entry.service, entry.operation), entry.operation


def test_an_entry_no_lab_uses_fails_unless_marked_untaught():
    inventory = inv.load()
    used = inv.scan()
    dropped = {k: v for k, v in used.items() if k != ("ssm", "put_parameter")}
    assert inv.coverage_problems(inventory, dropped) == [
        "ssm.put_parameter is in the inventory but no lab uses it any more "
        "(or mark taught = false)"]
    untaught = [e for e in inventory.entries if not e.taught]
    assert ("autoscaling", "attach_traffic_sources") in {(e.service, e.operation)
                                                          for e in untaught}


def test_a_different_moto_version_asks_for_re_verification():
    inventory = inv.load()
    assert inv.version_problems(inventory, inventory.moto) == []
    [message] = inv.version_problems(inventory, "9.9.9")
    assert "moto 9.9.9 is installed" in message and inventory.moto in message
    assert inv.installed_moto() == inventory.moto  # the pin and the inventory agree


def test_not_emulated_entries_name_an_alternative_and_every_entry_a_aws_doc():
    inventory = inv.load()
    for entry in inventory.entries:
        assert entry.doc.startswith("https://docs.aws.amazon.com/"), entry
        assert entry.status in inv.STATUSES, entry
        assert entry.note, entry
    gaps = [e for e in inventory.entries if e.status == "not-emulated"]
    assert gaps and all(e.alternative for e in gaps)


def test_the_page_lists_every_operation_once_with_its_status():
    page = inv.PAGE.read_text()
    assert page.startswith("# What the sandbox emulates, and where it differs")
    for entry in inv.load().entries:
        assert page.count(f"[`{entry.operation}`]({entry.doc})") == 1, entry.operation


def test_the_check_command_reports_and_exits_nonzero_when_stale(monkeypatch, capsys):
    monkeypatch.setattr(inv, "installed_moto", lambda: "0.0.1")
    assert inv.main(["--check"]) == 1
    assert "re-verify" in capsys.readouterr().err
