"""Student ids: one-to-one from any name, and safe as a folder name.

A submission's name (a file stem, a folder, a roster id) can be anything a file system or a
spreadsheet holds: any script, spaces, case, control characters, undecodable bytes. The id
keeps it when it already is a safe folder name, and otherwise keeps its letters and digits
and adds a short hash of the whole name, so two different names never share an id::

    alice             -> alice
    名前               -> 名前
    José García       -> José_García-978edf99
    ../etc/passwd     -> _etc_passwd-7fef78f5
    -rf               -> _rf-686c39ac

Ids that differ only in case or Unicode normalisation (``Alice``/``alice``) are distinct
ids but would share a folder on macOS or Windows: ``id_key`` is what the batch compares to
keep one folder per row (see ``grader.classroom.identity``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

KEPT = "._@+-"
MAX_CHARS = 48  # in UTF-8 at most 4 bytes each: far below the 255-byte file-name limit
_HASHED = re.compile(r"-[0-9a-f]{8}$")


def name_hash(raw: str) -> str:
    """Eight hex digits of the name's SHA-256 (its exact code points, undecodable bytes
    included)."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _kept(char: str) -> bool:
    return char in KEPT or unicodedata.category(char)[0] in "LNM"


def cleaned(raw: str) -> str:
    """The name's letters, digits, combining marks and ``._@+-``; runs of anything else
    become one ``_``; no leading dot (a hidden folder), and no leading ``+ - @`` (a
    spreadsheet formula, a command-line option); at most ``MAX_CHARS``."""
    text = re.sub(r"_+", "_", "".join(c if _kept(c) else "_" for c in raw))
    text = text.lstrip(".")[:MAX_CHARS]
    if text[:1] in ("+", "-", "@"):
        text = "_" + text[1:]
    return text or "_"


def student_id(raw: str) -> str:
    """The one-to-one, folder-safe id for ``raw``.

    ``raw`` itself when it is already safe (and does not end like a hashed id), else
    ``cleaned(raw)`` + ``-`` + ``name_hash(raw)``: kept ids never end in ``-`` and eight hex
    digits and hashed ones always do, so no two names meet.
    """
    if cleaned(raw) == raw and not _HASHED.search(raw):
        return raw
    return f"{cleaned(raw)[:MAX_CHARS - 9]}-{name_hash(raw)}"


def id_key(student: str) -> str:
    """What a case-insensitive, normalising file system (macOS, Windows) compares."""
    return unicodedata.normalize("NFC", student).casefold()


def is_safe(name: str) -> bool:
    """Already fit to be a folder name (every id ``student_id`` returns is)."""
    return cleaned(name) == name
