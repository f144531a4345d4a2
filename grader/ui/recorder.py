""""What you did": the learner's boto3 calls, recorded in the kernel, shown beside a failure.

The kernel startup (``grader.ui.kernel_startup``) installs two botocore event handlers on
every botocore session the learner's code creates: ``before-parameter-build`` keeps the
call's parameters as the learner wrote them (before botocore encodes ``UserData``), and
``after-call`` writes one small record (cell number, time, operation, the parameters with
secrets masked and long values cut, the ids in the response, the error code) into the
lab's local store (``grader.store.record_call``). When a check fails, the panel and
``computelab check`` show the calls whose parameters or response name a resource the check
names (``CheckResult.resources``), e.g.
``cell [4]: authorize_security_group_ingress(GroupId='sg-1', IpPermissions=[...])``.

What is not recorded: reads (``Describe*``, ``List*``, ``Get*``...: they change nothing, so
they never explain a failing check, and waiters would flood the record), and the grader's
own calls (its ``AWS`` handle shares one botocore loader: sessions using it are skipped).
The record is per lab and sandbox account (so a reset, which makes a new account, starts it
afresh; reset also deletes it), kept in the learner's data directory across restarts,
never sent anywhere and never used for grading.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from grader.results import LabResult

READ_PREFIXES = ("Describe", "List", "Get", "Head", "BatchGet", "Search", "Lookup")
MASKED = "***"
_SECRET_KEY = re.compile(r"password|secret|token|privatekey|keymaterial|credential|"
                         r"passphrase|^variables$", re.IGNORECASE)  # Lambda env values too
_ID_KEY = re.compile(r"(Id|Arn|Ids|Arns)$")
_QUIET_IDS = {"RequestId", "OwnerId", "HostId"}
MAX_TEXT, MAX_ITEMS, MAX_DEPTH, MAX_IDS = 80, 8, 5, 20
MAX_ARG = 160  # one argument as shown: room for a security group rule's port and CIDR
SHOWN_PER_CHECK = 3  # the newest calls that touched a failing check's resources
_CALL_KEY = "computelab_call"  # where the parameters wait in botocore's request context
_HOOKED_FLAG = "_computelab_recorder"
_STATE: dict[str, str] = {}  # "lab": the lab this kernel's notebook belongs to


def trimmed(value: Any, key: str = "", depth: int = 0) -> Any:
    """A JSON-safe copy of ``value`` for the record: secrets masked, bytes and streams as a
    size, long text cut, long lists shortened, deep structures elided."""
    if key and _SECRET_KEY.search(key):
        return MASKED
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT - 1] + "…"
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        return {str(k): trimmed(v, str(k), depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [trimmed(v, "", depth + 1) for v in value[:MAX_ITEMS]]
        return items + ["…"] if len(value) > MAX_ITEMS else items
    return f"<{type(value).__name__}>"  # a file object, a stream: never read it


def response_ids(parsed: Any, key: str = "", depth: int = 0) -> list[str]:
    """The ids and ARNs in a response (``GroupId``, ``Instances[].InstanceId``...)."""
    found: list[str] = []
    if depth > MAX_DEPTH or key == "ResponseMetadata":
        return found
    if isinstance(parsed, Mapping):
        for k, v in parsed.items():
            found += response_ids(v, str(k), depth + 1)
    elif isinstance(parsed, list):
        for item in parsed[:50]:
            found += response_ids(item, key, depth + 1)
    elif isinstance(parsed, str) and _ID_KEY.search(key) and key not in _QUIET_IDS:
        found.append(parsed)
    return list(dict.fromkeys(found))[:MAX_IDS]


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


def call_record(operation: str, params: Any, parsed: Any, status: int, cell: int | None,
                at: float) -> dict[str, Any]:
    """One call as the record keeps it."""
    from botocore import xform_name

    error = parsed.get("Error", {}).get("Code", "") if status >= 300 and isinstance(
        parsed, Mapping) else ""
    return {"op": xform_name(operation), "params": params, "ids": response_ids(parsed),
            "error": str(error or (f"HTTP {status}" if status >= 300 else "")),
            "cell": cell, "at": at}


# --- the botocore hooks -------------------------------------------------------------------


def _cell_number() -> int | None:
    """The running cell's number as JupyterLab shows it ([4]), if a cell is running.

    Read from the running cell's ``ExecutionResult``: IPython 9 counts the cell up before
    running it, older versions after, so ``shell.execution_count`` is one off in one of them.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    running = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    count = getattr(running, "execution_count", None)
    return count if isinstance(count, int) else None


def _internal(session: Any) -> bool:
    """The grader's own sessions share one loader (``grader.aws.shared_loader``)."""
    from grader.aws import shared_loader

    return session.get_component("data_loader") is shared_loader()


def hook_session(session: Any) -> None:
    """Register the two handlers on one botocore session (idempotent)."""
    if vars(session).get(_HOOKED_FLAG):
        return

    def keep_params(params: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        try:
            if not is_read(model.name) and not _internal(session):
                context[_CALL_KEY] = trimmed(params)
        except Exception:  # never break the learner's call
            pass

    def record(http_response: Any, parsed: Any, model: Any, context: dict[str, Any],
               **_: Any) -> None:
        params = context.pop(_CALL_KEY, None)
        lab = _STATE.get("lab")
        if params is None or not lab:
            return
        try:
            from grader import store

            status = getattr(http_response, "status_code", 200)
            store.record_call(lab, os.environ.get("AWS_ACCESS_KEY_ID", ""),
                              call_record(model.name, params, parsed, status, _cell_number(),
                                          time.time()))
        except Exception:  # the record is a convenience: never break the learner's call
            pass

    session.register("before-parameter-build", keep_params)
    session.register("after-call", record)
    setattr(session, _HOOKED_FLAG, True)


def install(lab_id: str) -> None:
    """Record this kernel's calls for ``lab_id``: every botocore session from now on, and
    boto3's default session if it exists."""
    from grader.aws import on_every_session

    _STATE["lab"] = lab_id
    on_every_session(_HOOKED_FLAG, hook_session)


# --- showing the record -------------------------------------------------------------------


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield str(value)


def _names(resource: str) -> re.Pattern[str]:
    """``resource`` as a whole word: ``web`` is not in ``web-sg``, ``web-tg`` is in its ARN."""
    return re.compile(rf"(?<![\w-]){re.escape(resource)}(?![\w-])")


def touching(calls: Sequence[dict[str, Any]], resources: Sequence[str]) -> list[dict[str, Any]]:
    """The calls whose parameters or response name one of ``resources``."""
    patterns = [_names(r) for r in resources if r]
    return [call for call in calls
            if any(p.search(leaf) for p in patterns
                   for leaf in (*_leaves(call.get("params")), *call.get("ids", [])))]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_ARG else text[:MAX_ARG - 1] + "…"


def format_call(call: Mapping[str, Any]) -> str:
    """``cell [4]: authorize_security_group_ingress(GroupId='sg-1', ...)`` (one line)."""
    params = call.get("params") or {}
    args = ", ".join(f"{k}={_short(v)}" for k, v in params.items()) if isinstance(
        params, Mapping) else ""
    cell = call.get("cell")
    where = f"cell [{cell}]" if cell is not None else "outside a cell"
    failed = f" -> failed: {call['error']}" if call.get("error") else ""
    return f"{where}: {call.get('op', '?')}({args}){failed}"


def what_you_did(result: LabResult, calls: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Check name -> the newest calls that touched the resources its failure names."""
    out = {}
    for test in result.tests:
        if not test.passed and test.resources:
            found = touching(calls, test.resources)[-SHOWN_PER_CHECK:]
            if found:
                out[test.name] = [format_call(call) for call in found]
    return out


def recorded_for(lab_id: str, account_key: str | None, result: LabResult) -> dict[str, list[str]]:
    """``what_you_did`` from the lab's record (empty when nothing failed or nothing matches)."""
    if result.passed or not account_key:
        return {}
    from grader import store

    return what_you_did(result, store.lab_calls(lab_id, account_key))
