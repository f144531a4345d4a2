"""lab.toml against labs/lab.schema.json, with errors that point at the file and line.

The JSON Schema is the one description of a lab's metadata: editors complete from it
(``#:schema ../lab.schema.json`` on the first line), and the loader checks every lab.toml
with it (fastjsonschema compiles it once; it is already nbformat's dependency).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.errors import LabDefinitionError
from grader.paths import labs_dir

SCHEMA_FILE = "lab.schema.json"
SCHEMA_DIRECTIVE = f"#:schema ../{SCHEMA_FILE}"


def schema_path() -> Path:
    return labs_dir() / SCHEMA_FILE


@functools.lru_cache(maxsize=1)
def _validator() -> Callable[[Any], Any]:
    import fastjsonschema

    return fastjsonschema.compile(_schema())


def key_line(text: str, key: str) -> int:
    """The 1-based line where top-level ``key`` (or its ``[key...]`` table) starts; 1 if none."""
    if not key:
        return 1
    pattern = re.compile(rf"^\s*(\[+\s*{re.escape(key)}\b|{re.escape(key)}\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 1


def validate_metadata(meta: dict[str, Any], toml_path: Path, text: str) -> None:
    """Raise one ``file:line: field: problem`` error for the first schema violation."""
    import fastjsonschema

    unknown = sorted(set(meta) - _known([]))
    if unknown:
        raise LabDefinitionError(
            f"{toml_path}:{key_line(text, unknown[0])}: unknown field {unknown[0]!r}"
            f"{_moved_hint(unknown[0])} (see labs/{SCHEMA_FILE}).")
    try:
        _validator()(meta)
    except fastjsonschema.JsonSchemaValueException as exc:
        field_path = [str(p) for p in (exc.path or [])][1:]  # drop fastjsonschema's "data"
        if exc.rule == "additionalProperties" and isinstance(exc.value, dict):
            extra = sorted(set(exc.value) - _known(field_path))
            key = field_path[0] if field_path else (extra[0] if extra else "")
            where = ".".join([*field_path, extra[0]]) if extra else ".".join(field_path)
            problem = f"unknown field {where!r}{_moved_hint(where)}"
        elif exc.rule == "required":
            missing = sorted(set(_required(field_path)) - set(exc.value or {}))
            key = field_path[0] if field_path else ""
            problem = f"missing field {'.'.join([*field_path, missing[0]]) if missing else ''!r}"
        elif exc.rule == "not":
            key = field_path[0] if field_path else ""
            problem = f"{_dotted(field_path)} may not be {exc.value!r}"
        else:
            key = field_path[0] if field_path else ""
            where = _dotted(field_path) or "lab.toml"
            problem = f"{where} {_message(exc.message)}"
        raise LabDefinitionError(
            f"{toml_path}:{key_line(text, key)}: {problem} (see labs/{SCHEMA_FILE})."
        ) from None


@functools.lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return dict(json.loads(schema_path().read_text(encoding="utf-8")))


def _known(field_path: list[str]) -> set[str]:
    """Field names the schema allows at ``field_path`` (top level only; deeper: none)."""
    return set() if field_path else set(_schema()["properties"])


def _required(field_path: list[str]) -> list[str]:
    """Required field names at ``field_path`` (top level, or one entry of a table)."""
    if not field_path:
        return list(_schema()["required"])
    entry = _schema()["properties"].get(field_path[0], {}).get("additionalProperties", {})
    return list(entry.get("required", [])) if isinstance(entry, dict) else []


_MOVED = {
    "id": "the folder name is the lab id",
    "lesson": "topics.yaml gives each topic's lesson",
    "topic": "use topics = [\"...\"]",
}


def _moved_hint(field: str) -> str:
    return f": remove it, {_MOVED[field]}" if field in _MOVED else ""


def _dotted(parts: list[str]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def _message(message: str) -> str:
    """fastjsonschema says ``data.x must be ...``; keep only ``must be ...``."""
    return re.sub(r"^data(\.[\w\[\]\.-]+)?\s+", "", message)
