"""Per-student variants: a lab's parameters, and the values each student gets.

A lab declares ``[parameters.NAME]`` in lab.toml with a ``default`` (today's value) and,
to vary, ``choices``, a ``range`` of integers or a hex ``suffix``. Its solution.py, notebook
text and check titles and hints write ``{{ NAME }}`` where the value goes, and the build
step (``grader.labs.build``), ``solve`` and ``run_check`` fill it in
(``grader.checks.resolve``); checks read the values from ``aws.params``. With variants off every
learner gets the defaults, so the notebooks are byte for byte what they were before.

With variants on, a student's value is picked by HMAC-SHA256 of the lab, the parameter and
the student id under the course secret: the same student always gets the same values on
every machine, and without the secret nobody can tell which values a student will get.
It deters copying (a copied notebook builds the classmate's resources, which the copier's
checks do not accept); it is not secrecy: a learner sees their own values, and whoever
holds the course file can compute anyone's.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from grader.checks import PLACEHOLDER
from grader.errors import LabDefinitionError

Values = dict[str, Any]


def defaults(parameters: Mapping[str, Mapping[str, Any]]) -> Values:
    """Every parameter's default: what every learner gets while variants are off."""
    return {name: spec["default"] for name, spec in parameters.items()}


def student_key(student: str) -> str:
    """The form of a student id that picks values (``Alice@Uni.edu `` = ``alice@uni.edu``),
    so the roster's spelling and the learner's typing agree."""
    return student.strip().casefold()


def _number(secret: str, lab: str, name: str, student: str) -> int:
    message = f"{lab}\x00{name}\x00{student_key(student)}".encode()
    return int.from_bytes(hmac.new(secret.encode(), message, hashlib.sha256).digest(), "big")


def derive(lab: str, parameters: Mapping[str, Mapping[str, Any]], student: str,
           secret: str) -> Values:
    """The values of ``student`` for ``lab``: a parameter without choices, range or suffix
    keeps its default."""
    values = defaults(parameters)
    for name, spec in parameters.items():
        number = _number(secret, lab, name, student)
        if "choices" in spec:
            values[name] = spec["choices"][number % len(spec["choices"])]
        elif "range" in spec:
            low, high = sorted(spec["range"])
            values[name] = low + number % (high - low + 1)
        elif "suffix" in spec:
            hexes = f"{number:064x}"[:int(spec["suffix"])]
            values[name] = f"{spec['default']}-{hexes}"
    return values


def unknown_placeholders(text: str, values: Mapping[str, Any]) -> list[str]:
    """Placeholders naming no parameter (a typo would otherwise reach a learner as-is)."""
    return sorted({m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1) not in values})


def check_parameters(where: str, parameters: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise when a parameter varies in two ways, or in a way its default's kind cannot."""
    for name, spec in parameters.items():
        default = spec["default"]
        if sum(k in spec for k in ("choices", "range", "suffix")) > 1:
            problem = "give one of choices, range or suffix"
        elif "range" in spec and not isinstance(default, int):
            problem = "a range needs an integer default"
        elif "suffix" in spec and not isinstance(default, str):
            problem = "a suffix needs a text default"
        else:
            continue
        raise LabDefinitionError(f"{where} [parameters.{name}]: {problem}.")
