"""The class report's charts as inline SVG (matplotlib, from the instructor extra).

SVG keeps the report one self-contained file that any browser opens offline, with no
script; text stays text (``svg.fonttype: none``) so screen readers and searches find the
numbers. Colours meet 3:1 against the white plot background (WCAG 1.4.11).
"""

from __future__ import annotations

import io
from typing import Any

from grader.classroom.class_data import ClassData
from grader.classroom.instructor_extra import require

BAR = "#1f5fa8"
PASS = "#1a7f37"
FAIL = "#b42318"
NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


def _pyplot() -> Any:
    matplotlib = require("matplotlib")
    matplotlib.use("svg", force=True)
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "computelab",
                                "font.size": 10})
    return require("matplotlib.pyplot")


def _svg(figure: Any, plt: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata=NO_METADATA)
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # inline: no XML declaration or DOCTYPE


def score_histogram(data: ClassData) -> str:
    """How many students got each score (submitted work only)."""
    plt = _pyplot()
    top = data.max_score
    scores = data.scores()
    values = sorted({*scores, 0.0, top})
    counts = [scores.count(v) for v in values]
    figure, axes = plt.subplots(figsize=(6.4, 2.8))
    labels = [f"{v:g}" for v in values]
    bars = axes.bar(labels, counts, color=[PASS if v == top else BAR for v in values])
    axes.bar_label(bars, labels=[str(c) if c else "" for c in counts])
    axes.set_xlabel(f"score (out of {top:g})")
    axes.set_ylabel("students")
    axes.set_title(f"Scores: {len(scores)} submitted")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure, plt)


def pass_rates(data: ClassData) -> str:
    """Each check's pass rate, hardest at the top."""
    plt = _pyplot()
    summaries = sorted(data.check_summaries(), key=lambda s: -s.pass_rate)
    figure, axes = plt.subplots(figsize=(6.4, 0.45 * len(summaries) + 1.0))
    rates = [100 * s.pass_rate for s in summaries]
    bars = axes.barh([s.name for s in summaries], rates,
                     color=[PASS if r >= 50 else FAIL for r in rates])
    axes.bar_label(bars, labels=[f"{r:.0f}%" for r in rates], padding=3)
    axes.set_xlim(0, 110)
    axes.set_xlabel("students who passed (%)")
    axes.set_title("Pass rate per check")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure, plt)
