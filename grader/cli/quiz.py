"""``computelab quiz``, ``quiz export``, ``exam`` and ``progress``: thin front ends.

Each command calls the core (``rounds``, ``exam``, ``progress``, ``export``) with keyword
arguments. Interactive in a terminal (rich prompts that re-ask on invalid input); for
scripts, ``--answers`` gives every answer at once and ``--json`` prints only JSON.

The ``--answers`` format: ``"1:b;2:a,c;3:bac;4:2-1-3"`` — question number, colon, reply;
``;`` between questions. Replies: one letter (single, true/false); letters (multiple
response); one letter per item, in item order (matching); the shown step numbers in the
correct order (ordering).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm, Prompt
from rich.table import Table

from grader.cli.errors import friendly
from grader.errors import QuizError
from grader.quiz import export as export_mod
from grader.quiz import progress, rounds
from grader.quiz.bank import load_bank
from grader.quiz.exam import ExamReport, ExamSession, find_exam
from grader.quiz.model import Bank
from grader.quiz.present import Presented, format_reply, key, parse_reply
from grader.quiz.scoring import Graded

ANSWERS_HELP = (
    'Answer without prompts, e.g. "1:b;2:a,c;3:bac;4:2-1-3": number:reply, ";" between '
    "questions. Reply with a letter (single, true/false), letters (multiple response), one "
    "letter per item in order (matching) or the shown step numbers in order (ordering)."
)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def _answer_map(text: str) -> dict[int, str]:
    """Split ``"1:b;2:a,c"`` into ``{1: "b", 2: "a,c"}``."""
    replies: dict[int, str] = {}
    for chunk in text.split(";"):
        if not chunk.strip():
            continue
        number, sep, reply = chunk.partition(":")
        if not sep or not number.strip().isdigit() or not reply.strip():
            raise QuizError(f"'{chunk.strip()}' is not NUMBER:REPLY (e.g. 2:a,c)")
        position = int(number)
        if position in replies:
            raise QuizError(f"question {position} is answered twice")
        replies[position] = reply.strip()
    if not replies:
        raise QuizError('no answers given: use e.g. --answers "1:b;2:a,c"')
    return replies


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _question_json(position: int, shown: Presented) -> dict[str, Any]:
    """A question as shown, without its answer key."""
    q = shown.question
    item: dict[str, Any] = {"position": position, "id": q.id, "type": q.type, "stem": q.stem,
                            "topic": q.topic, "difficulty": q.difficulty}
    if q.options:
        item["options"] = [{"letter": letter, "text": text}
                           for letter, text in shown.shown_options]
    if q.type == "multiple":
        item["choose"] = q.choose
    if q.type == "matching":
        item["items"] = [p.item for p in q.pairs]
        item["matches"] = [{"letter": letter, "text": text}
                           for letter, text in shown.shown_matches]
    if q.type == "ordering":
        item["steps"] = [{"number": n, "text": text} for n, text in shown.shown_steps]
    return item


def _hint(shown: Presented) -> str:
    q = shown.question
    if q.type == "multiple":
        return f"Answer ({q.choose} letters, e.g. a,c)"
    if q.type == "matching":
        return f"Answer ({len(q.pairs)} letters, one per item in order, e.g. bac)"
    if q.type == "ordering":
        return "Answer (the step numbers in order, e.g. 2-1-3)"
    return "Answer (one letter, e.g. b)"


def _print_question(console: Console, shown: Presented, header: str) -> None:
    q = shown.question
    console.print()
    console.print(f"[bold]{escape(header)}[/bold]  [dim]{escape(q.topic)} · {q.difficulty}"
                  f" · {escape(q.id)}[/dim]")
    console.print(escape(q.stem))
    if q.options:
        for letter, text in shown.shown_options:
            console.print(f"  [cyan]{letter})[/cyan] {escape(text)}")
    elif q.type == "matching":
        console.print("Match each item:")
        for n, pair in enumerate(q.pairs, start=1):
            console.print(f"  {n}. {escape(pair.item)}")
        console.print("with one of:")
        for letter, text in shown.shown_matches:
            console.print(f"  [cyan]{letter})[/cyan] {escape(text)}")
    else:
        console.print("Put these steps in order:")
        for n, text in shown.shown_steps:
            console.print(f"  [cyan]{n}.[/cyan] {escape(text)}")


def _feedback_lines(graded: Graded) -> list[dict[str, Any]]:
    return [{"text": line.text, "chosen": line.chosen, "correct": line.correct,
             "why": line.why, "given": line.given, "expected": line.expected}
            for line in graded.lines]


def _print_feedback(console: Console, shown: Presented, graded: Graded) -> None:
    q = graded.question
    colour = "green" if graded.correct else ("yellow" if graded.fraction > 0 else "red")
    verdict = "Correct" if graded.correct else ("Partly right" if graded.fraction else "Wrong")
    console.print(f"[{colour}]{verdict}[/{colour}] — {graded.fraction:.0%} of the marks."
                  f" Correct answer: [bold]{format_reply(shown, key(q))}[/bold]")
    for line in graded.lines:
        mark = "[green]✔[/green]" if line.correct else "[red]✘[/red]"
        if q.type == "matching":
            text = f"{escape(line.text)} → {escape(line.given)}"
            if not line.correct:
                text += f" (correct: {escape(line.expected)})"
        elif q.type == "ordering":
            text = escape(line.given)
            if not line.correct:
                text += f" (here: {escape(line.expected)})"
        elif line.chosen:
            text = f"you chose: {escape(line.text)}"
        else:
            text = f"correct answer: {escape(line.text)}"
        console.print(f"  {mark} {text}\n      [dim]{escape(line.why)}[/dim]")
    console.print(f"  {escape(q.explanation)}")


# -- quiz ------------------------------------------------------------------------------------

def _graded_json(position: int, shown: Presented, graded: Graded) -> dict[str, Any]:
    return {"position": position, "id": graded.question.id, "type": graded.question.type,
            "answer": format_reply(shown, graded.answer),
            "key": format_reply(shown, key(graded.question)),
            "score": graded.fraction, "correct": graded.correct,
            "feedback": _feedback_lines(graded), "explanation": graded.question.explanation}


def run_quiz(*, topic: str | None, comparison: str | None, domain: str | None, n: int | None,
             seed: int | None, due: bool, answers: str | None, as_json: bool) -> None:
    bank = load_bank()
    sel = rounds.selection(bank, topic=topic, comparison=comparison, domain=domain, due=due)
    seed, shown = rounds.pick(bank, sel, n=n, seed=seed)
    mode = "review" if due else "practice"
    if answers is None and as_json:
        _print_json({"mode": mode, "seed": seed,
                     "questions": [_question_json(i, s) for i, s in enumerate(shown, 1)]})
        return
    console = Console()
    if not shown:
        if as_json:
            _print_json({"mode": mode, "seed": seed, "questions": 0, "answered": 0,
                         "score": 0.0, "results": []})
        else:
            console.print("Nothing is due for review right now." if due
                          else "No questions match that choice.")
        return
    if answers is not None:
        replies = _answer_map(answers)
        parsed = {}
        for position, reply in sorted(replies.items()):
            if not 1 <= position <= len(shown):
                raise QuizError(f"there is no question {position}: this round has "
                                f"{len(shown)} (1-{len(shown)})")
            try:
                parsed[position] = parse_reply(shown[position - 1], reply)
            except QuizError as err:
                raise QuizError(f"question {position}: {err}") from None
        results = [(p, shown[p - 1], rounds.answer(shown[p - 1], a, review=due))
                   for p, a in parsed.items()]
        if as_json:
            _print_json({"mode": mode, "seed": seed, "questions": len(shown),
                         "answered": len(results),
                         "score": sum(g.fraction for _p, _s, g in results),
                         "results": [_graded_json(p, s, g) for p, s, g in results]})
        else:
            for p, s, g in results:
                _print_question(console, s, f"Question {p}/{len(shown)}")
                _print_feedback(console, s, g)
            total = sum(g.fraction for _p, _s, g in results)
            console.print(f"\nScore: {total:g} / {len(results)}")
        return
    _interactive_quiz(console, shown, seed=seed, review=due)


def _ask(console: Console, prompt: str) -> str | None:
    """A line from the learner, or None at end of input / Ctrl-C."""
    try:
        return Prompt.ask(prompt, console=console, default="", show_default=False)
    except (EOFError, KeyboardInterrupt):
        console.print()
        return None


def _interactive_quiz(console: Console, shown: list[Presented], *, seed: int,
                      review: bool) -> None:
    console.print(f"[bold]{'Review' if review else 'Practice'}[/bold]: {len(shown)} questions"
                  f" (seed {seed}). Type [bold]quit[/bold] to stop.")
    points = 0.0
    answered = 0
    for position, item in enumerate(shown, start=1):
        _print_question(console, item, f"Question {position}/{len(shown)}")
        while True:
            reply = _ask(console, _hint(item))
            if reply is None or reply.strip().lower() == "quit":
                console.print(f"Stopped. Score: {points:g} / {answered}")
                return
            try:
                given = parse_reply(item, reply)
                break
            except QuizError as err:
                console.print(f"[red]{escape(str(err))}[/red] — try again.")
        graded = rounds.answer(item, given, review=review)
        points += graded.fraction
        answered += 1
        _print_feedback(console, item, graded)
        console.print(f"[dim]Running score: {points:g} / {answered}[/dim]")
    console.print(f"\n[bold]Done.[/bold] Score: {points:g} / {answered}")


@friendly
def quiz_command(
    ctx: typer.Context,
    topic: str | None = typer.Option(None, "--topic", help="A topic id from topics.yaml."),
    comparison: str | None = typer.Option(None, "--comparison",
                                          help="A comparison id, e.g. ecs-vs-eks."),
    domain: str | None = typer.Option(None, "--domain",
                                      help="An exam domain as EXAM:DOMAIN, e.g. clf-c02:billing."),
    n: int | None = typer.Option(None, "-n", "--count",
                                 help="How many questions (default 10; all due with --due)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed to repeat the same round."),
    due: bool = typer.Option(False, "--due", help="Review the questions spaced repetition says"
                                                  " are due."),
    answers: str | None = typer.Option(None, "--answers", help=ANSWERS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON (without --answers: the"
                                                       " questions, to answer in a second run)."),
) -> None:
    """Practice questions with immediate feedback, or review what is due.

    Examples: computelab quiz --comparison ecs-vs-eks -n 5 ·
    computelab quiz --due ·
    computelab quiz --topic lambda --seed 7 --answers "1:b;2:a,c" --json
    """
    if ctx.invoked_subcommand is not None:
        return
    run_quiz(topic=topic, comparison=comparison, domain=domain, n=n, seed=seed, due=due,
             answers=answers, as_json=as_json)


@friendly
def export_command(
    fmt: str = typer.Option(..., "--format", "-f", help="gift (Moodle) or json (docs site)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of"
                                                              " standard output."),
) -> None:
    """Export every question bank as GIFT or as the docs site's JSON.

    Examples: computelab quiz export --format gift --out computelab.gift ·
    computelab quiz export --format json > quiz.json
    """
    fmt = fmt.strip().lower()
    if fmt not in ("gift", "json"):
        raise QuizError(f"unknown format '{fmt}': choose gift or json")
    bank = load_bank()
    if fmt == "json":
        text = json.dumps(export_mod.site_json(bank), indent=2, ensure_ascii=False) + "\n"
        count = len(bank.questions)
    else:
        result = export_mod.gift(bank)
        text = result.text
        count = len(bank.questions) - len(result.left_out)
        for qid, why in result.left_out:
            typer.echo(f"left out {qid}: {why}", err=True)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {count} questions to {out}", err=True)


# -- exam ------------------------------------------------------------------------------------

def _print_report(console: Console, report: ExamReport, session: ExamSession) -> None:
    table = Table(title=f"{report.title} — practice exam {report.session}")
    for column in ("Domain", "Weight", "Correct", "Score", "Verdict"):
        table.add_column(column)
    for d in report.domains:
        colour = "green" if d.verdict == "meets" else "yellow"
        table.add_row(d.title, f"{d.weight:g}%", f"{d.correct}/{d.total}",
                      "-" if d.percent is None else f"{d.percent:.0%}",
                      f"[{colour}]{d.verdict}[/{colour}]")
    console.print(table)
    verdict = "PASS" if report.passed_estimate else "FAIL"
    console.print(f"{report.correct}/{report.questions} correct ({report.percent:.0%}),"
                  f" {report.answered} answered, {report.used_minutes:g} of"
                  f" {report.minutes:g} minutes used.")
    console.print(f"Estimated scaled score: [bold]{report.scaled_estimate}[/bold] (pass"
                  f" {report.pass_score}) → estimated [bold]{verdict}[/bold]")
    console.print(f"[dim]{escape(report.note)}[/dim]")
    wrong = [item for item in report.items if not item["correct"]]
    if wrong:
        console.print("\n[bold]Review[/bold] (questions you missed):")
    for item in wrong:
        shown = session.items[item["position"] - 1]
        q = shown.question
        console.print(f"\n[bold]{item['position']}.[/bold] {escape(q.stem)}")
        console.print(f"  your answer: {item['answer'] or '(none)'} · correct:"
                      f" [bold]{item['key']}[/bold]")
        chosen = session.answers.get(item["position"])
        for index, (letter, text) in enumerate(shown.shown_options):
            option_index = shown.option_order[index]
            option = q.options[option_index]
            picked = chosen is not None and option_index in chosen.selected
            if option.correct or picked:
                mark = "[green]✔[/green]" if option.correct else "[red]✘[/red]"
                console.print(f"  {mark} {letter}) {escape(text)}: [dim]{escape(option.why)}"
                              "[/dim]")
        console.print(f"  [dim]{escape(q.explanation)}[/dim]")


def _review_screen(console: Console, session: ExamSession) -> None:
    table = Table(title=f"Review — {_clock(session.remaining())} left")
    table.add_column("#")
    table.add_column("Answer")
    table.add_column("Flag")
    for position, shown in enumerate(session.items, start=1):
        given = session.answers.get(position)
        table.add_row(str(position), format_reply(shown, given) if given else "[red]—[/red]",
                      "⚑" if position in session.flags else "")
    console.print(table)
    console.print(f"Unanswered: {session.unanswered() or 'none'} · Flagged:"
                  f" {session.flagged() or 'none'}")
    console.print("Type [bold]goto N[/bold] to revisit a question or [bold]submit[/bold].")


EXAM_COMMANDS = ("Commands: a reply (e.g. b or a,c) answers; Enter/next skips; back; flag;"
                 " goto N; review; submit; quit (saves, resume later with --resume).")


def _interactive_exam(console: Console, session: ExamSession) -> ExamReport | None:
    console.print(f"[bold]{escape(session.spec.title)}[/bold]: {len(session.items)} questions,"
                  f" {_clock(session.remaining())} left. Seed {session.seed}, session"
                  f" {session.id}. No feedback until you submit.")
    console.print(f"[dim]{EXAM_COMMANDS}[/dim]")
    total = len(session.items)
    unanswered = session.unanswered()
    position = unanswered[0] if unanswered else total + 1
    while True:
        if session.expired():
            console.print("[bold red]Time is up[/bold red]: submitting your answers.")
            return session.submit()
        if position > total:
            _review_screen(console, session)
            header = "Review"
        else:
            shown = session.items[position - 1]
            flag = " ⚑ flagged" if position in session.flags else ""
            _print_question(console, shown, f"Question {position}/{total} ·"
                                             f" {_clock(session.remaining())} left{flag}")
            given = session.answers.get(position)
            if given is not None:
                console.print(f"[dim]Your answer so far: {format_reply(shown, given)}[/dim]")
            header = _hint(shown)
        reply = _ask(console, header)
        if reply is None or reply.strip().lower() == "quit":
            session.pause()
            console.print(f"Exam saved with {_clock(session.remaining())} left: continue with"
                          " `computelab exam --resume`.")
            return None
        command = reply.strip().lower()
        if command in ("", "next"):
            position = min(position + 1, total + 1)
        elif command == "back":
            position = max(1, position - 1)
        elif command == "flag" and position <= total:
            state = session.toggle_flag(position)
            console.print("Flagged for review." if state else "Flag removed.")
        elif command == "review":
            position = total + 1
        elif command.startswith("goto"):
            target = command[4:].strip()
            if target.isdigit() and 1 <= int(target) <= total:
                position = int(target)
            else:
                console.print(f"[red]goto needs a question number 1-{total}[/red]")
        elif command == "submit":
            left, flagged = session.unanswered(), session.flagged()
            if (left or flagged) and position <= total:
                _review_screen(console, session)
            if left or flagged:
                question = (f"{len(left)} unanswered and {len(flagged)} flagged. Submit anyway?")
                try:
                    if not Confirm.ask(question, console=console, default=False):
                        continue
                except (EOFError, KeyboardInterrupt):
                    continue
            return session.submit()
        elif position > total:
            console.print("[red]On the review screen: goto N, submit, back or quit.[/red]")
        else:
            try:
                session.answer_reply(position, reply)
                position += 1
            except QuizError as err:
                console.print(f"[red]{escape(str(err))}[/red] — try again.")


def run_exam(*, exam: str, minutes: float | None, n: int | None, seed: int | None,
             resume: bool, answers: str | None, as_json: bool) -> None:
    bank: Bank = load_bank()
    if resume:
        if minutes is not None or n is not None or seed is not None:
            raise QuizError("--resume continues a saved exam: leave out --minutes, -n and --seed")
        session = ExamSession.resume(bank, exam=exam if exam else None)
    else:
        session = ExamSession.start(bank, exam=exam or "clf-c02", n=n, minutes=minutes,
                                    seed=seed)
    if answers is None and as_json:
        _print_json({"session": session.id, "exam": session.spec.id, "seed": session.seed,
                     "minutes": session.minutes, "remaining_seconds": round(session.remaining()),
                     "questions": [_question_json(i, s)
                                   for i, s in enumerate(session.items, 1)]})
        return
    console = Console()
    if answers is not None:
        replies = _answer_map(answers)
        for position, reply in sorted(replies.items()):
            try:
                session.answer_reply(position, reply)
            except QuizError as err:
                raise QuizError(f"{err} (exam {session.id} is saved: fix the answer and run"
                                " `computelab exam --resume --answers ...`)") from None
        report = session.submit()
    else:
        result = _interactive_exam(console, session)
        if result is None:
            return
        report = result
    if as_json:
        _print_json(report.to_dict())
    else:
        _print_report(console, report, session)


@friendly
def exam_command(
    exam: str = typer.Option("", "--exam", help="CLF-C02 (default) or SAA-C03."),
    minutes: float | None = typer.Option(None, "--minutes", help="Time limit (default: the"
                                                                 " exam's, 90 or 130)."),
    n: int | None = typer.Option(None, "-n", "--count", help="Number of questions (default 65)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed to draw the same exam again."),
    resume: bool = typer.Option(False, "--resume", help="Continue the last unfinished exam."),
    answers: str | None = typer.Option(None, "--answers", help=ANSWERS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON (without --answers: the"
                                                       " questions; the exam stays open)."),
) -> None:
    """A timed practice exam drawn by domain weight; report and estimated score at the end.

    Examples: computelab exam --exam SAA-C03 ·
    computelab exam -n 20 --minutes 30 --seed 42 ·
    computelab exam --resume ·
    computelab exam --seed 42 -n 3 --answers "1:b;2:a,d;3:c" --json
    """
    if exam:
        find_exam(load_bank(), exam)
    run_exam(exam=exam, minutes=minutes, n=n, seed=seed, resume=resume, answers=answers,
             as_json=as_json)


# -- progress --------------------------------------------------------------------------------

def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@friendly
def progress_command(
    as_json: bool = typer.Option(False, "--json", help="Print only JSON."),
) -> None:
    """Mastery by topic and exam domain, labs passed and reviews due.

    Examples: computelab progress · computelab progress --json
    """
    bank = load_bank()
    result = progress.report(bank)
    if as_json:
        _print_json(result.to_dict())
        return
    console = Console()
    topics = Table(title="Mastery by topic")
    for column in ("Topic", "Questions", "Seen", "Accuracy", "Mastery", "Lab"):
        topics.add_column(column)
    for m in result.topics:
        lab = bank.catalog.topics[m.key].lab
        topics.add_row(m.title, str(m.questions), str(m.seen), _percent(m.accuracy),
                       _percent(m.mastery), f"{lab}: {result.labs[lab]}" if lab else "")
    console.print(topics)
    for exam_id, rows in result.domains.items():
        table = Table(title=f"Mastery by domain — {bank.catalog.exams[exam_id].title}")
        for column in ("Domain", "Weight", "Questions", "Seen", "Mastery"):
            table.add_column(column)
        for m, d in zip(rows, bank.catalog.exams[exam_id].domains, strict=True):
            table.add_row(m.title, f"{d.weight:g}%", str(m.questions), str(m.seen),
                          _percent(m.mastery))
        console.print(table)
    passed = sorted(lab for lab, state in result.labs.items() if state == "passed")
    console.print(f"Labs passed: {len(passed)} of {len(result.labs)}"
                  + (f" ({', '.join(passed)})" if passed else ""))
    console.print(f"Reviews due: {result.due}"
                  + (" — run `computelab quiz --due`" if result.due else ""))
    for r in result.exams[-3:]:
        console.print(f"Exam {r['exam']} {r['finished']}: {r['percent']:.0%}, estimated"
                      f" {r['scaled_estimate']} ({'pass' if r['passed_estimate'] else 'fail'},"
                      " an estimate)")


# -- registration ----------------------------------------------------------------------------

def register(app: typer.Typer) -> None:
    """Add ``quiz`` (with ``quiz export``), ``exam`` and ``progress`` to the app (once)."""
    if any(c.name == "exam" for c in app.registered_commands):
        return
    quiz_app = typer.Typer(no_args_is_help=False)
    quiz_app.callback(invoke_without_command=True)(quiz_command)
    quiz_app.command("export")(export_command)
    app.add_typer(quiz_app, name="quiz")
    app.command("exam")(exam_command)
    app.command("progress")(progress_command)
