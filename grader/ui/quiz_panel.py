"""The notebook quiz: one question at a time, Submit for feedback, Next, a running score.

Feedback is written into an ``HTML`` widget's ``value`` (not an ``Output``), so it shows in
any frontend and the handlers can be exercised without a kernel::

    panel = QuizPanel.from_selector("ecs-vs-eks", n=3, record=False)
    panel.choice.value = 0          # or panel.checks[i].value / panel.dropdowns[i].value
    panel.submit_button.click()
    panel.feedback.value            # every option's why (chosen first), the right answer

The rules are the CLI's: no topic, id or difficulty before answering; a "choose N" question
takes exactly N ticks; "I don't know" reveals the answer and counts as a miss; ordering is
"for each position, the step that goes there".
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as widgets

from grader.errors import QuizError
from grader.quiz import rounds
from grader.quiz.bank import load_bank
from grader.quiz.model import DONT_KNOW, Answer
from grader.quiz.present import Presented
from grader.quiz.render import graded_html, stem_html
from grader.quiz.scoring import choose_message

_PLACEHOLDER = "choose..."


class QuizPanel(widgets.VBox):
    """A practice round in a notebook; answers are recorded unless ``record=False``."""

    def __init__(self, questions: list[Presented], *, record: bool = True,
                 title: str = "Practice") -> None:
        self.questions = questions
        self.record = record
        self.position = 0
        self.points = 0.0
        self.answered = 0
        self.choice: widgets.RadioButtons | None = None
        self.checks: list[widgets.Checkbox] = []
        self.dropdowns: list[widgets.Dropdown] = []

        self.title = widgets.HTML(f"<h4>{escape(title)}</h4>")
        self.stem = widgets.HTML()
        self.inputs = widgets.VBox()
        self.submit_button = widgets.Button(description="Submit", button_style="primary")
        self.dont_know_button = widgets.Button(description="I don't know")
        self.next_button = widgets.Button(description="Next", disabled=True)
        self.feedback = widgets.HTML()
        self.score = widgets.HTML()
        self.submit_button.on_click(self._on_submit)
        self.dont_know_button.on_click(self._on_dont_know)
        self.next_button.on_click(self._on_next)
        super().__init__(children=[
            self.title, self.stem, self.inputs,
            widgets.HBox([self.submit_button, self.dont_know_button, self.next_button]),
            self.feedback, self.score,
        ])
        self._show_score()
        if questions:
            self._show_question()
        else:
            self.stem.value = "<p>No questions to show: nothing matches (or nothing is due).</p>"
            self.submit_button.disabled = True
            self.dont_know_button.disabled = True

    @classmethod
    def from_selector(cls, selector: str, *, n: int = 5, seed: int | None = None,
                      record: bool = True) -> QuizPanel:
        bank = load_bank()
        sel = rounds.parse_selector(bank, selector)
        _seed, shown = rounds.pick(bank, sel, n=n, seed=seed)
        return cls(shown, record=record, title=f"Practice: {selector}")

    @property
    def current(self) -> Presented:
        return self.questions[self.position]

    # -- building one question --------------------------------------------------------------

    def _show_question(self) -> None:
        shown = self.current
        q = shown.question
        self.stem.value = stem_html(shown, self.position + 1, len(self.questions))
        self.feedback.value = ""
        self.choice, self.checks, self.dropdowns = None, [], []
        rows: list[widgets.Widget] = []
        wide = widgets.Layout(width="auto")
        if q.type in ("single", "true_false"):
            self.choice = widgets.RadioButtons(
                options=[(f"{letter}) {text}", i) for i, (letter, text)
                         in enumerate(shown.shown_options)],
                value=None, layout=wide)
            rows.append(self.choice)
        elif q.type == "multiple":
            self.checks = [widgets.Checkbox(value=False, description=f"{letter}) {text}",
                                            indent=False, layout=wide)
                           for letter, text in shown.shown_options]
            rows.extend(self.checks)
        elif q.type == "matching":
            matches = [(f"{letter}) {text}", i) for i, (letter, text)
                       in enumerate(shown.shown_matches)]
            for pair in q.pairs:
                dropdown = widgets.Dropdown(options=[(_PLACEHOLDER, None), *matches], value=None)
                self.dropdowns.append(dropdown)
                rows.append(widgets.HBox([widgets.HTML(escape(pair.item)), dropdown]))
        else:
            steps = [(f"{n}. {text}", n - 1) for n, text in shown.shown_steps]
            for position in range(len(q.steps)):
                dropdown = widgets.Dropdown(options=[(_PLACEHOLDER, None), *steps], value=None,
                                            description=f"Position {position + 1}")
                self.dropdowns.append(dropdown)
                rows.append(dropdown)
        self.inputs.children = tuple(rows)
        self.submit_button.disabled = False
        self.dont_know_button.disabled = False
        self.next_button.disabled = True

    def _set_inputs_disabled(self, disabled: bool) -> None:
        for w in [self.choice, *self.checks, *self.dropdowns]:
            if w is not None:
                w.disabled = disabled

    # -- reading the answer -----------------------------------------------------------------

    def collect(self) -> Answer:
        """The answer currently selected, in canonical terms; QuizError if incomplete."""
        shown = self.current
        q = shown.question
        if q.type in ("single", "true_false"):
            if self.choice is None or self.choice.value is None:
                raise QuizError("Choose an option first.")
            return Answer(selected=frozenset({shown.option_order[self.choice.value]}))
        if q.type == "multiple":
            picked = [i for i, box in enumerate(self.checks) if box.value]
            if len(picked) != q.choose:
                message = choose_message(q.choose or 0, len(picked))
                raise QuizError(message[0].upper() + message[1:] + ".")
            return Answer(selected=frozenset(shown.option_order[i] for i in picked))
        values = [d.value for d in self.dropdowns]
        if any(v is None for v in values):
            raise QuizError("Choose something in every list first.")
        if q.type == "matching":
            return Answer(matches=tuple(int(v) for v in values))
        if len(set(values)) != len(values):
            raise QuizError("Use each step once.")
        return Answer(order=tuple(shown.step_order[int(v)] for v in values))

    # -- handlers ---------------------------------------------------------------------------

    def _on_submit(self, _button: Any = None) -> None:
        try:
            given = self.collect()
        except QuizError as err:
            self.feedback.value = f'<p style="color:#9a6700">{escape(str(err))}</p>'
            return
        self._grade(given)

    def _on_dont_know(self, _button: Any = None) -> None:
        """Reveal the answer; it counts (and is recorded) as a miss."""
        self._grade(DONT_KNOW)

    def _grade(self, given: Answer) -> None:
        result = rounds.respond(self.current, given, record=self.record)
        graded = result.graded
        self.points += graded.fraction
        self.answered += 1
        self.feedback.value = graded_html(self.current, graded)
        comes_back = result.next_review()
        if comes_back:
            self.feedback.value += f'<p class="cl-next-review"><b>{escape(comes_back)}</b>.</p>'

        self._set_inputs_disabled(True)
        self.submit_button.disabled = True
        self.dont_know_button.disabled = True
        self.next_button.disabled = self.position + 1 >= len(self.questions)
        self._show_score()
        if self.position + 1 >= len(self.questions):
            self.score.value += "<p><b>Done</b> &mdash; that was the last question.</p>"

    def _on_next(self, _button: Any = None) -> None:
        if self.position + 1 < len(self.questions):
            self.position += 1
            self._show_question()

    def _show_score(self) -> None:
        total = len(self.questions)
        percent = f" ({self.points / self.answered:.0%})" if self.answered else ""
        self.score.value = (f"<p>Score: {self.points:g} / {self.answered} answered{percent}"
                            f" &middot; {total} questions</p>")


def practice(selector: str = "all", n: int = 5, *, seed: int | None = None,
             record: bool = True) -> QuizPanel:
    """An interactive quiz widget: one question at a time, with per-option feedback.

    ``selector`` is a topic id (``ecs``), a comparison id (``ecs-vs-eks``), an exam domain
    (``clf-c02:billing``), ``due`` (spaced-repetition reviews) or ``all``. Answers are
    recorded in the local progress store unless ``record=False``.
    """
    return QuizPanel.from_selector(selector, n=n, seed=seed, record=record)
