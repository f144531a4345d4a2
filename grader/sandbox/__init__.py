"""The sandbox: the only package that imports moto (always lazily, inside functions).

- ``app``: the WSGI app, moto wrapped in small layers (private routes, accounts);
- ``moto_setup``: validation on, Docker off, and speed-ups that keep answers the same;
- ``local``: the learner's sandbox thread; ``runtime``: the runtime file and lab accounts;
- ``journal``: each lab's state kept across restarts (a log replayed at start), with
  ``determinism`` making moto's ids repeat in a replay;
- ``client``: talking to a running sandbox over HTTP;
- ``template``: the warmed server template that forks one server per graded submission.

Importing this package does not import moto.
"""

from grader.aws import REGION, Account
from grader.sandbox.client import create_account, is_alive
from grader.sandbox.local import Sandbox
from grader.sandbox.runtime import (
    lab_account,
    publish,
    read_runtime,
    running_endpoint,
    runtime_path,
    write_runtime,
)

__all__ = ["REGION", "Account", "Sandbox", "create_account", "is_alive", "lab_account",
           "publish", "read_runtime", "running_endpoint", "runtime_path", "write_runtime"]
