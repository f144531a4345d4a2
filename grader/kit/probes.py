"""Probe learner code once per version: every sample in one process, outcomes cached by hash.

A check that judges a handler by what it returns must try it on many inputs (one sample
proves little), yet "Check my work" is clicked again and again on code that has not changed.
``probe`` runs all the samples in ONE child process (``grader.kit.handlers.invoke``, or any
runner with the same shape) and remembers the outcome under the code's hash, the handler
setting, the environment and the samples, so a second click with the same deployed code
starts no process at all. A changed zip has a new hash and is run again.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Outcome = dict[str, Any]
MAX_CACHED = 64  # outcomes kept per process (oldest dropped first)

_CACHE: OrderedDict[str, Outcome] = OrderedDict()


def probe_key(code_hash: str, settings: dict[str, Any], samples: list[Any]) -> str:
    """What an outcome depends on: the code, the settings it runs with, the samples."""
    text = json.dumps([code_hash, settings, samples], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def probe(code_hash: str, settings: dict[str, Any], samples: list[Any],
          run: Callable[[], Outcome]) -> Outcome:
    """``run()`` (which tries every sample in one process) unless an outcome for the same
    code, settings and samples is cached. Timeouts and crashes are not cached: they may
    come from a busy machine rather than from the code."""
    key = probe_key(code_hash, settings, samples)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    outcome = run()
    if outcome.get("stage") not in ("timeout", "crash"):
        _CACHE[key] = outcome
        while len(_CACHE) > MAX_CACHED:
            _CACHE.popitem(last=False)
    return outcome


def forget_probes() -> None:
    """Drop every cached outcome (tests; a course update that changes the samples)."""
    _CACHE.clear()
