"""Run a learner's Lambda handler the way Lambda would, outside the grader's process.

Code never runs inside moto. A check that must judge what a handler returns takes the zip
from the S3 object the function was deployed from (the object whose SHA-256 equals the
function's ``CodeSha256``) and calls the handler in a separate Python process (``-I``, a
minimal environment that reaches nothing real, a 1 GiB address-space cap, CPU, file-size
and time limits); never in the grader's own process. When a class is graded as root, the
grading worker sets ``PREEXEC`` (``grader.grading.learner``): the process then starts
behind the same walls as a submission.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.aws import AWS

PREEXEC: Callable[[Path], Callable[[], None]] | None = None  # set while grading as root
MAX_UNZIPPED = 250 * 1024 * 1024  # Lambda's limit for a function's unzipped package
STARTUP_GRACE = 2  # seconds for the interpreter to start before the handler's own timeout


def code_sha256(data: bytes) -> str:
    """Lambda's ``CodeSha256``: the base64 of the package's SHA-256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def deployed_zip(aws: AWS, function: dict[str, Any]) -> bytes:
    """The bytes of the S3 object the function's code came from (matched by CodeSha256)."""
    name = function.get("FunctionName", "The function")
    assert function.get("PackageType", "Zip") == "Zip", (
        f"{name} is a container image function; this lab deploys a .zip archive.")
    s3 = aws.client("s3")
    wanted, size = function["CodeSha256"], function.get("CodeSize")
    for bucket in s3.list_buckets().get("Buckets", []):
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"])
        for page in pages:
            for obj in page.get("Contents", []):
                if size is not None and obj["Size"] != size:
                    continue
                body = s3.get_object(Bucket=bucket["Name"], Key=obj["Key"])["Body"].read()
                if code_sha256(body) == wanted:
                    return body
    raise AssertionError(
        f"No object in your S3 buckets has {name}'s CodeSha256, so the deployed code "
        "did not come from S3 (or the object changed since). Upload the .zip to a bucket and "
        "deploy with Code={'S3Bucket': ..., 'S3Key': ...} (or update_function_code with "
        "S3Bucket/S3Key).")


# --- the handler, run in a separate process ------------------------------------------------

_RUNNER = r"""
import importlib, json, sys
code_dir, handler, function_name, events_file, result_file, seconds = sys.argv[1:7]
try:  # a runaway handler cannot exhaust the machine: memory, CPU time, file size, no cores
    import resource
    for kind, value in ((resource.RLIMIT_AS, 1 << 30), (resource.RLIMIT_CPU, int(seconds)),
                        (resource.RLIMIT_FSIZE, 64 << 20), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(kind, (value, value))
except (ImportError, ValueError, OSError):
    pass
sys.path.insert(0, code_dir)


class Context:
    function_name = function_name
    function_version = "$LATEST"
    memory_limit_in_mb = 128
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    invoked_function_arn = ""
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "computelab"

    def get_remaining_time_in_millis(self):
        return 3000


def report(**data):
    with open(result_file, "w") as out:
        json.dump(data, out)


def one_line(exc):
    return (type(exc).__name__ + ": " + str(exc)).splitlines()[0][:200]


module_name, _, function = handler.rpartition(".")
try:
    fn = getattr(importlib.import_module(module_name.replace("/", ".")), function)
except BaseException as exc:
    report(stage="import", error=one_line(exc))
    sys.exit(0)
with open(events_file) as f:
    events = json.load(f)
results = []
for event in events:
    try:
        out = fn(event, Context())
    except BaseException as exc:
        report(stage="invoke", error=one_line(exc))
        sys.exit(0)
    try:
        results.append(json.loads(json.dumps(out)))
    except (TypeError, ValueError) as exc:
        report(stage="serialize", error=one_line(exc))
        sys.exit(0)
report(stage="done", results=results)
"""


def handler_module(handler: str | None) -> str:
    """The module a ``module.function`` handler setting names (fails with why)."""
    module, dot, function = (handler or "").rpartition(".")
    assert dot and module and function.isidentifier(), (
        f"The handler setting '{handler}' is not module.function: for app.py with "
        "def handler(event, context), set Handler='app.handler'.")
    return module.replace("/", ".")


def unpack(code: bytes, target: Path, module: str) -> None:
    """Extract a deployment zip, failing with a reason when Lambda could not run it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(code))
    except zipfile.BadZipFile:
        raise AssertionError("The deployed code object is not a valid .zip archive.") from None
    with archive:
        assert sum(info.file_size for info in archive.infolist()) <= MAX_UNZIPPED, (
            "The package unzips to more than 250 MB, above Lambda's limit for a .zip "
            "deployment (layers included): move big dependencies to a container image.")
        names = set(archive.namelist())
        path = module.replace(".", "/")
        shown = ", ".join(sorted(names)[:5]) or "nothing"
        assert f"{path}.py" in names or f"{path}/__init__.py" in names, (
            f"The handler names module '{module}', but the zip has no {path}.py at its root "
            f"(it holds: {shown}). Zip the file itself, not the folder around it.")
        archive.extractall(target)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def invoke(code_dir: Path, function: dict[str, Any], events: list[Any], workdir: Path,
           region: str, seconds: int) -> dict[str, Any]:
    """Call the handler on each event in a child Python process; return the runner's report."""
    events_file, result_file = workdir / "events.json", workdir / "result.json"
    events_file.write_text(json.dumps(events))
    env = {k: os.environ[k] for k in ("PATH", "SYSTEMROOT", "LANG") if k in os.environ}
    env.update({str(k): str(v) for k, v in
                function.get("Environment", {}).get("Variables", {}).items()})
    env.update({  # Lambda's own variables; boto3 in a handler reaches nothing real
        "AWS_LAMBDA_FUNCTION_NAME": function["FunctionName"], "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region, "LAMBDA_TASK_ROOT": str(code_dir),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
        "HOME": str(workdir), "PYTHONDONTWRITEBYTECODE": "1"})
    command = [sys.executable, "-I", "-c", _RUNNER, str(code_dir), function["Handler"],
               function["FunctionName"], str(events_file), str(result_file),
               str(seconds + STARTUP_GRACE)]
    proc = subprocess.Popen(command, cwd=code_dir, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=os.name == "posix",
                            preexec_fn=PREEXEC(workdir) if PREEXEC else None)
    try:
        proc.wait(timeout=seconds + STARTUP_GRACE)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.wait()
        return {"stage": "timeout"}
    finally:
        _kill(proc)
    if not result_file.is_file():
        return {"stage": "crash", "error": f"exit code {proc.returncode}"}
    report: dict[str, Any] = json.loads(result_file.read_text())
    return report
