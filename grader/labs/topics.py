"""Which lesson teaches a topic: read from content/topics.yaml, the shared vocabulary."""

from __future__ import annotations

import functools
from pathlib import Path

from grader.errors import LabDefinitionError
from grader.paths import content_dir


@functools.lru_cache(maxsize=4)
def _lessons(path: Path, mtime_ns: int) -> dict[str, str]:
    import yaml

    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_loader())
    except (OSError, yaml.YAMLError) as exc:
        raise LabDefinitionError(f"{path}: {exc}") from exc
    return {str(t["id"]): str(t.get("lesson", "")) for t in (raw or {}).get("topics") or []}


def _loader() -> type:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def topic_lessons() -> dict[str, str]:
    """Topic id -> lesson path (relative to content/), from the shipped topics.yaml."""
    path = content_dir() / "topics.yaml"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return {}
    return _lessons(path, mtime)
