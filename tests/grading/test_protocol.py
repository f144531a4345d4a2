"""Every message between grading processes round-trips, and the untrusted report channel
never raises on what a submission writes."""

from __future__ import annotations

import json

import pytest

from grader.grading.protocol import (
    Graded,
    Limits,
    PoolConfig,
    PoolFatal,
    PoolReady,
    ProtocolError,
    Report,
    ServerReply,
    ServerRequest,
    ServerStarted,
    SubmissionEnded,
    SubmissionRequest,
    SubmissionStarted,
    TemplateReady,
    ZygoteConfig,
    ZygoteReady,
    decode,
    expect,
)
from grader.results import CheckResult, LabResult, Status

RESULT = LabResult("01-ec2-from-ami", [CheckResult("a", "A", 2, 2, "passed", "Done.", "h"),
                                       CheckResult("b", "B", 0, 3, Status.FAILED, "No.", "")])


@pytest.mark.parametrize("message", [
    PoolConfig("/labs/01", ["/s/alice.ipynb"], 2, Limits(timeout=9.5), ["/a"]),
    ZygoteConfig("/labs/01", Limits(memory_mb=512, require_isolation=True), {"root": True},
                 ["/srv"]),
    ZygoteReady(error="ImportError: IPython"),
    SubmissionRequest(["print(1)"], True, "http://127.0.0.1:5000", None,
                      {"account_id": "1", "access_key_id": "k", "secret_access_key": "s"},
                      61000, 61000, ["/sys/fs/cgroup/memory/x"], False),
    SubmissionStarted(12),
    SubmissionEnded(9),
    PoolReady("submissions run as uid 65534"),
    PoolFatal("Could not start grading."),
    Graded(3, RESULT, 1.25, {"run": 0.5}),
    TemplateReady(account={"account_id": "1", "access_key_id": "k",
                           "secret_access_key": "s"}),
    TemplateReady(error="ImportError: moto"),
    ServerRequest(5000, "ab12"),
    ServerRequest(5000, "ab12", 61001, 61001, ["/sys/fs/cgroup/pids/x"]),
    ServerReply("ab12", 77, 5000),
    ServerStarted(77),
    Report(cell=3, error="KeyError: 'x'"),
    Report(done=True),
], ids=lambda m: type(m).__name__)
def test_messages_round_trip_as_one_json_line(message):
    line = message.to_bytes()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert expect(line, type(message)) == message


def test_graded_keeps_statuses_as_the_enum():
    back = expect(Graded(0, RESULT, 0.0).to_json(), Graded)
    assert [t.status for t in back.result.tests] == [Status.PASSED, Status.FAILED]
    assert back.result.score == 2 and back.result.max_score == 5


@pytest.mark.parametrize("line", [b"", b"not json", b"[]", b'{"kind": "ready"}',
                                  ServerStarted(1).to_bytes()])
def test_decode_refuses_what_it_was_not_asked_for(line):
    with pytest.raises(ProtocolError):
        decode(line, PoolReady, Graded)


@pytest.mark.parametrize("line", [
    b"[" * 100_000 + b"]" * 100_000,          # nesting deep enough to break a recursive parser
    b"x" * 70_000,                            # longer than any report line
    b"42", b'"done"', b"null", b"\xff\xfe",   # not an object
])
def test_a_malformed_report_line_is_dropped_not_raised(line):
    assert Report.parse(line) is None


def test_report_fields_are_checked_one_by_one():
    report = Report.parse(json.dumps({"cell": True, "done": "yes", "error": 7,
                                      "mark": "x" * 500}).encode())
    assert report == Report(mark="x" * 300)
    assert Report.parse(b'{"cell": 4, "error": "NameError: y", "done": true}') == Report(
        cell=4, error="NameError: y", done=True)
