"""Which submissions look alike: a reason for an instructor to look, never a verdict.

The algorithm is MOSS's (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for
document fingerprinting", SIGMOD 2003), through the ``copydetect`` library:

1. Each submission's code cells are tokenized (``tokenize``, the standard library's): every
   name the learner chose becomes ``V`` and every string ``S``, so renaming variables or
   changing messages changes nothing; comments, blank lines, layout and trailing commas
   are dropped. What renaming cannot change is kept: keywords, builtins, numbers, attribute
   and method names (``create_volume``) and keyword-argument names (``VolumeType=``).
2. Every ``K``-token substring (k-gram) is hashed and winnowed (a window of ``WINDOW``
   hashes keeps its minimum), which guarantees that any shared run of ``K + WINDOW - 1``
   tokens is noticed.
3. What the lab itself provides is the *base*: the starter notebook's code cells and the
   reference solution's own code. Its k-grams are removed from every submission first
   (MOSS's base file), so copying the lab's own code is never a reason to flag.
4. A passage found in more than ``common_limit(n)`` of the class's ``n`` submissions is
   common code (the way everybody writes this step), not evidence that two of them copied:
   it is removed too (MOSS's ``-m``).
5. Two submissions are a pair when one has at least ``THRESHOLD`` of its remaining
   (distinctive) code in common with the other (a copier who adds code of their own
   lowers only their own share), and they share at least ``MIN_TOKENS``
   normalised characters: an answer that differs from everybody else's in three lines
   cannot reach a "similar" verdict on so little.

Submissions are hostile input: they are read as the grader reads them (no links, size
capped) and only tokenized, never run or imported.
"""

from __future__ import annotations

import builtins
import csv
import io
import keyword
import tokenize
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from grader.classroom.instructor_extra import require
from grader.errors import SubmissionError
from grader.grading.cells import read_submission
from grader.labs import Lab
from grader.labs.source import audience_code, read_source
from grader.results import csv_cell

K = 12  # k-gram length in tokens: shorter shared runs are noise (`x = y.z(a=b)` is 10)
WINDOW = 4  # winnowing window: every shared run of K + WINDOW - 1 = 15 tokens is found
THRESHOLD = 0.9  # one side shares at least this much of its own non-base code
MIN_TOKENS = 30  # and at least this many tokens in common (about two lines of boto3)
FILENAME = "similarity.csv"
CELL_BREAK = "\n# %%\n"
_BUILTINS = frozenset(dir(builtins))
_DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER, tokenize.ENCODING}
_CLOSING = {")", "]", "}"}
FIRST_SYMBOL = 0xF0000  # Supplementary Private Use Area-A: never in source code
MAX_SYMBOLS = 0xFFFD
OTHER_SYMBOL = chr(FIRST_SYMBOL + MAX_SYMBOLS)
FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_INSIDE = {getattr(tokenize, n, -1) for n in ("FSTRING_MIDDLE", "FSTRING_END")}


@dataclass(frozen=True)
class Pair:
    """Two submissions that look alike, and how much (0..1 of each one's own code)."""

    first: str
    second: str
    first_share: float
    second_share: float
    shared_tokens: int

    @property
    def score(self) -> float:
        return max(self.first_share, self.second_share)


def base_code(lab: Lab) -> list[str]:
    """What the lab itself provides: its starter notebook's and its solved notebook's code,
    each as one document (cells in order), as a submission's code is read."""
    cells = [c for c in read_source(lab.path / "solution.py") if c.kind == "code"]
    return [CELL_BREAK.join(audience_code(c.text, solved) for c in cells)
            for solved in (False, True)]


def submission_code(path: Path) -> str | None:
    """A submission's code as one text, or None when it cannot be read."""
    try:
        cells, _ = read_submission(path)
    except SubmissionError:
        return None
    return CELL_BREAK.join(cells)


def normalise(code: str, vocabulary: dict[str, str]) -> str:
    """``code`` as the fingerprints see it (point 1 above), one character per token: the
    same token is the same character in every submission (``vocabulary``), so k-grams and
    shared lengths count tokens. Where a cell stops tokenizing (an unclosed bracket, a
    shell escape), the rest counts its characters as tokens."""
    return "".join(_symbol(token, vocabulary)
                   for cell in code.split(CELL_BREAK) for token in _tokens(cell))


def _symbol(token: str, vocabulary: dict[str, str]) -> str:
    if token not in vocabulary:
        vocabulary[token] = (chr(FIRST_SYMBOL + len(vocabulary))
                             if len(vocabulary) < MAX_SYMBOLS else OTHER_SYMBOL)
    return vocabulary[token]


def _tokens(cell: str) -> list[str]:
    tokens: list[tokenize.TokenInfo] = []
    try:
        tokens.extend(tokenize.generate_tokens(io.StringIO(cell).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # keep what tokenized; what could not (from the error on) counts character by character
        rest = cell.splitlines(keepends=True)[tokens[-1].end[0]:] if tokens else [cell]
        return _normalised(tokens) + list("".join("".join(rest).split()))
    return _normalised(tokens)


def _normalised(tokens: list[tokenize.TokenInfo]) -> list[str]:
    tokens = [t for t in tokens if t.type not in _DROPPED and t.type not in _FSTRING_INSIDE]
    out: list[str] = []
    previous = ""
    for i, tok in enumerate(tokens):
        following = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if tok.string == "," and following in _CLOSING:
            continue  # a trailing comma is layout
        if tok.type == tokenize.STRING or tok.type == FSTRING_START:
            out.append('"S"')
        elif tok.type == tokenize.NAME and not _kept_name(tok.string, previous, following):
            out.append("V")
        else:
            out.append(tok.string)
        previous = tok.string
    return out


def _kept_name(name: str, previous: str, following: str) -> bool:
    return (keyword.iskeyword(name) or name in _BUILTINS or previous == "."
            or (following == "=" and previous in ("(", ",")))


def _fingerprint(copydetect: Any, tokens: str, boilerplate: Any, window: int) -> Any:
    return copydetect.CodeFingerprint("submission.py", K, window, boilerplate, filter=False,
                                      fp=io.StringIO(tokens))


def common_limit(submissions: int) -> int:
    """How many submissions may share a passage before it counts as common code: a tenth
    of the class, and never fewer than two (a pair must be able to share)."""
    return max(2, submissions // 10)


def similar_pairs(codes: Mapping[str, str], base: Iterable[str], *,
                  threshold: float = THRESHOLD, min_tokens: int = MIN_TOKENS) -> list[Pair]:
    """Every pair of ``codes`` (student -> code) that look alike, most alike first."""
    copydetect = require("copydetect")
    vocabulary: dict[str, str] = {}
    base = [normalise(text, vocabulary) for text in base]
    codes = {student: normalise(code, vocabulary) for student, code in codes.items()}
    base_hashes = {h for text in base for h in _fingerprint(copydetect, text, None, 1).hashes}
    first_pass = {student: _fingerprint(copydetect, code, sorted(base_hashes), 1).hashes
                  for student, code in codes.items()}
    seen = Counter(h for hashes in first_pass.values() for h in hashes)
    limit = common_limit(len(codes))
    ignored = sorted(base_hashes | {h for h, count in seen.items() if count > limit})
    prints = {student: _fingerprint(copydetect, code, ignored, WINDOW)
              for student, code in codes.items()}
    pairs = []
    for first, second in combinations(sorted(prints), 2):
        if not prints[first].hashes & prints[second].hashes:
            continue
        shared, (share_a, share_b), _ = copydetect.compare_files(prints[first], prints[second])
        pair = Pair(first, second, float(share_a), float(share_b), int(shared))
        if pair.score >= threshold and pair.shared_tokens >= min_tokens:
            pairs.append(pair)
    return sorted(pairs, key=lambda p: (-p.score, p.first, p.second))


def class_pairs(lab: Lab, submissions: Mapping[str, Path]) -> list[Pair]:
    """The similar pairs among a graded class's submissions (unreadable ones skipped)."""
    codes = {student: code for student, path in submissions.items()
             if (code := submission_code(path)) is not None}
    return similar_pairs(codes, base_code(lab))


def similarity_csv(pairs: list[Pair]) -> str:
    """``similarity.csv``: one row per pair, most alike first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_a", "student_b", "share_a", "share_b", "shared_tokens"])
    for p in pairs:
        writer.writerow([csv_cell(p.first), csv_cell(p.second), f"{p.first_share:.2f}",
                         f"{p.second_share:.2f}", p.shared_tokens])
    return buffer.getvalue()
