"""``computelab quiz``, ``quiz export``, ``exam`` and ``progress``: thin front ends.

Each command calls the core (``rounds``, ``exam``, ``progress``, ``export``) with keyword
arguments. Interactive in a terminal (rich prompts that re-ask on invalid input); for
scripts, ``--answers`` gives every answer at once and ``--json`` prints only JSON.

The ``--answers`` format: ``"1:b;2:a,c;3:bac;4:2-1-3;5:?"`` — question number, colon,
reply; ``;`` between questions. Replies: one letter (single, true/false); exactly ``choose``
letters (multiple response); one letter per item, in item order (matching); the shown step
numbers in the correct order (ordering); ``?`` for "I don't know". Every reply is checked
before any is recorded: one bad reply is a one-line error and nothing is stored.

An exam is labelled as the compute part of its exam guide everywhere; while answering it
shows no topic, id or difficulty; the report reviews every question (every option
explained, the chosen first) and gives readiness ranges, never a pass/fail verdict.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm, Prompt
from rich.table import Table

from grader.cli.errors import friendly
from grader.errors import QuizError
from grader.quiz import anki, forms, progress, provenance, rounds, srs, transfer
from grader.quiz import bank as bank_mod
from grader.quiz import export as export_mod
from grader.quiz.bank import load_bank
from grader.quiz.exam import SCOPE_NOTE, ExamReport, ExamSession, find_exam, label
from grader.quiz.model import DONT_KNOW, Bank, Question
from grader.quiz.present import (
    Presented,
    format_reply,
    instruction,
    key,
    option_label,
    parse_reply,
    verdict,
)
from grader.quiz.readiness import Estimate, describe, percent
from grader.quiz.scoring import Graded, grade

ANSWERS_HELP = (
    'Answer without prompts, e.g. "1:b;2:a,c;3:bac;4:2-1-3;5:?": number:reply, ";" between '
    "questions. Reply with a letter (single, true/false), exactly N letters (choose N), one "
    "letter per item in order (matching), the shown step numbers in order (ordering), or ? "
    "for I don't know. One bad reply and nothing is stored."
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


def _question_json(position: int, shown: Presented, *, exam: bool = False) -> dict[str, Any]:
    """A question as shown, without its answer key; in an exam also without the topic,
    difficulty and id (they are hints: the report gives them)."""
    q = shown.question
    item: dict[str, Any] = {"position": position}
    if not exam:
        item.update(id=q.id, topic=q.topic, difficulty=q.difficulty)
    item.update(type=q.type, stem=q.stem, instruction=instruction(shown))
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
        how = f"exactly {q.choose} letters, e.g. a,c"
    elif q.type == "matching":
        how = f"{len(q.pairs)} letters, one per item in order, e.g. bac"
    elif q.type == "ordering":
        how = "the step numbers in order, e.g. 2-1-3"
    else:
        how = "one letter, e.g. b"
    return f"Answer ({how}; ? if you don't know)"


def _print_question(console: Console, shown: Presented, header: str) -> None:
    """The question as the learner answers it: no topic, id or difficulty (hints)."""
    q = shown.question
    console.print()
    console.print(f"[bold]{escape(header)}[/bold]")
    console.print(f"{escape(q.stem)} [dim]({escape(instruction(shown))})[/dim]")
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
        console.print("The steps:")
        for n, text in shown.shown_steps:
            console.print(f"  [cyan]{n}.[/cyan] {escape(text)}")


def _feedback_lines(shown: Presented, graded: Graded) -> list[dict[str, Any]]:
    """Every option (chosen first, with its letter) or every pair/step, with its why."""
    if graded.question.type in ("single", "multiple", "true_false"):
        return [{"letter": letter, "text": line.text, "chosen": line.chosen,
                 "correct": line.correct, "why": line.why}
                for letter, line in shown.explained(graded.lines)]
    return [{"text": line.text, "chosen": line.chosen, "correct": line.correct,
             "why": line.why, "given": line.given, "expected": line.expected}
            for line in graded.lines]


def _print_explained(console: Console, shown: Presented, graded: Graded) -> None:
    """Every option with its why, the chosen ones first; or every pair or step."""
    q = graded.question
    if q.type in ("single", "multiple", "true_false"):
        for letter, line in shown.explained(graded.lines):
            mark = ("[green]✔[/green]" if line.correct else "[red]✘[/red]") \
                if line.chosen or line.correct else "[dim]·[/dim]"
            console.print(f"  {mark} {option_label(line)}: {letter}) {escape(line.text)}\n"
                          f"      [dim]{escape(line.why)}[/dim]")
        return
    for line in graded.lines:
        mark = "[green]✔[/green]" if line.correct else "[red]✘[/red]"
        given = escape(line.given) if line.given else "(no answer)"
        if q.type == "matching":
            text = f"{escape(line.text)} → {given}"
        else:
            text = f"position {line.index + 1}: {given}"
        if not line.correct:
            text += f" (right: {escape(line.expected)})"
        console.print(f"  {mark} {text}\n      [dim]{escape(line.why)}[/dim]")


def _meta(question: Question) -> str:
    return f"[dim]{escape(question.topic)} · {question.difficulty} · {escape(question.id)}[/dim]"


def _print_feedback(console: Console, shown: Presented, graded: Graded) -> None:
    q = graded.question
    colour = "green" if graded.correct else ("yellow" if graded.fraction > 0 else "red")
    console.print(f"[{colour}]{escape(verdict(graded))}[/{colour}] — {graded.fraction:.0%} of"
                  f" the marks. Right answer: [bold]{format_reply(shown, key(q))}[/bold]")
    _print_explained(console, shown, graded)
    console.print(f"  {escape(q.explanation)}")
    _print_read_more(console, q)
    console.print(f"  {_meta(q)}")


def _print_read_more(console: Console, q: Question) -> None:
    """The lesson section and the AWS documentation the question was checked against."""
    lines = provenance.read_more(q)
    if lines:
        checked = f" (checked {q.verified})" if q.verified else ""
        console.print(f"  [bold]Read more[/bold]{checked}:")
        for line in lines:
            console.print(f"    {escape(line)}", soft_wrap=True)


# -- quiz ------------------------------------------------------------------------------------

def _graded_json(position: int, shown: Presented, answered: rounds.Answered) -> dict[str, Any]:
    graded = answered.graded
    due = answered.due.isoformat(timespec="seconds") if answered.due else None
    return {"next_review": due, "learning": answered.learning,
            "position": position, "id": graded.question.id, "type": graded.question.type,
            "answer": format_reply(shown, graded.answer),
            "key": format_reply(shown, key(graded.question)),
            "score": graded.fraction, "correct": graded.correct,
            "feedback": _feedback_lines(shown, graded),
            "explanation": graded.question.explanation, "topic": graded.question.topic,
            "difficulty": graded.question.difficulty,
            "read_more": {"lesson": graded.question.lesson or None,
                          "source": list(graded.question.sources),
                          "verified": graded.question.verified or None}}


def run_quiz(*, topic: str | None, comparison: str | None, domain: str | None, n: int | None,
             seed: int | None, due: bool, answers: str | None, as_json: bool) -> None:
    bank = load_bank()
    sel = rounds.selection(bank, topic=topic, comparison=comparison, domain=domain, due=due)
    seed, shown = rounds.pick(bank, sel, n=n, seed=seed)
    mode = "review" if due else "practice"
    if answers is None and as_json:
        listing: dict[str, Any] = {
            "mode": mode, "seed": seed,
            "questions": [_question_json(i, s) for i, s in enumerate(shown, 1)]}
        if due:
            upcoming = srs.next_due(_known_cards(bank))
            listing["next_due"] = upcoming.isoformat(timespec="seconds") if upcoming else None
        _print_json(listing)
        return
    console = Console()
    if not shown:
        if as_json:
            _print_json({"mode": mode, "seed": seed, "questions": 0, "answered": 0,
                         "score": 0.0, "results": []})
        else:
            console.print(_nothing_due(bank) if due else "No questions match that choice.")
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
        results = [(p, shown[p - 1], rounds.respond(shown[p - 1], a, review=due))
                   for p, a in parsed.items()]
        if as_json:
            _print_json({"mode": mode, "seed": seed, "questions": len(shown),
                         "answered": len(results),
                         "score": sum(r.graded.fraction for _p, _s, r in results),
                         "results": [_graded_json(p, s, r) for p, s, r in results]})
        else:
            for p, s, r in results:
                _print_question(console, s, f"Question {p}/{len(shown)}")
                _print_feedback(console, s, r.graded)
                _print_next_review(console, r)
            total = sum(r.graded.fraction for _p, _s, r in results)
            console.print(f"\nScore: {total:g} / {len(results)}")
        return
    _interactive_quiz(console, shown, seed=seed, review=due)


def _print_next_review(console: Console, answered: rounds.Answered) -> None:
    text = answered.next_review()
    if text:
        why = " (a miss comes back once in this sitting)" if answered.learning else ""
        console.print(f"  [bold]{text}[/bold]{why}.")


def _known_cards(bank: Bank) -> dict[str, Any]:
    """The cards of questions still in the banks."""
    known = {q.id for q in bank.questions}
    return {qid: c for qid, c in progress.load_cards().items() if qid in known}


def _nothing_due(bank: Bank) -> str:
    """"Nothing is due", and when something will be."""
    upcoming = srs.next_due(_known_cards(bank))
    if upcoming is None:
        return ("Nothing is due for review: answer some questions first (computelab quiz);"
                " each answer is scheduled.")
    local = upcoming.astimezone().strftime("%a %d %b %H:%M")
    return (f"Nothing is due for review right now; the next review is due"
            f" {srs.in_words(upcoming)} ({local}).")


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
                console.print(f"[red]{escape(str(err))}[/red] — answer again.")
        result = rounds.respond(item, given, review=review)
        graded = result.graded
        points += graded.fraction
        answered += 1
        _print_feedback(console, item, graded)
        _print_next_review(console, result)
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
    fmt: str = typer.Option(..., "--format", "-f", help="gift (Moodle), json (docs site) or"
                                                        " anki (an Anki .apkg; needs --out)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of"
                                                              " standard output."),
) -> None:
    """Export every question bank as GIFT, the docs site's JSON or an Anki package.

    An Anki re-export updates the cards already imported (same note ids) rather than
    adding copies. Examples: computelab quiz export --format anki --out computelab.apkg ·
    computelab quiz export --format gift --out computelab.gift ·
    computelab quiz export --format json > quiz.json
    """
    fmt = fmt.strip().lower()
    if fmt not in ("gift", "json", "anki"):
        raise QuizError(f"unknown format '{fmt}': choose gift, json or anki")
    bank = load_bank()
    if fmt == "anki":
        if out is None:
            raise QuizError("an Anki package is a binary file: give --out FILE.apkg")
        result = anki.write_apkg(bank, out)
        typer.echo(f"Wrote {result.notes} notes in {result.decks} decks to {out}: import it"
                   " in Anki (File > Import); a newer export updates the same notes.", err=True)
        return
    if fmt == "json":
        text = json.dumps(export_mod.site_json(bank), indent=2, ensure_ascii=False) + "\n"
        count = len(bank.questions)
    else:
        result_gift = export_mod.gift(bank)
        text = result_gift.text
        count = len(bank.questions) - len(result_gift.left_out)
        for qid, why in result_gift.left_out:
            typer.echo(f"left out {qid}: {why}", err=True)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {count} questions to {out}", err=True)


@friendly
def import_command(
    file: Path = typer.Argument(..., help="A progress file: exported from the docs site"
                                          " (Export my answers) or by `computelab progress"
                                          " --export` on another computer."),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON."),
) -> None:
    """Merge answers from the docs site or another computer into your progress.

    An answer already here (same question, same time to the millisecond) is skipped, so
    importing twice changes nothing; every other answer is added and each question's
    review schedule is rebuilt from all its answers in time order.
    Example: computelab quiz import computelab-progress.json
    """
    bank = load_bank()
    result = transfer.merge(bank, transfer.read(file))
    if as_json:
        _print_json(result.to_dict())
        return
    skipped = []
    if result.known:
        skipped.append(f"{result.known} already here")
    if result.unknown:
        skipped.append(f"{result.unknown} for questions no longer in the banks")
    typer.echo(f"Imported {result.added} of {result.read} answers"
               + (f" ({'; '.join(skipped)} skipped)" if skipped else "")
               + f"; {result.rescheduled} questions rescheduled. See `computelab progress`.")


@friendly
def validate_command() -> None:
    """For authors: check every bank file strictly (schema, source/verified/lesson, ids
    unique across files, near-duplicate stems); one line per problem, exit 1 if any.

    Example: computelab quiz validate
    """
    catalog = bank_mod.load_catalog()
    problems: list[str] = []
    questions: list[Question] = []
    for path in bank_mod.bank_files():
        found, file_problems = bank_mod.check_file(path, catalog)
        questions.extend(found)
        problems.extend(file_problems)
    owner: dict[str, str] = {}
    for q in questions:
        if q.id in owner:
            problems.append(f"{q.file}: question '{q.id}': id is also used in {owner[q.id]}")
        owner.setdefault(q.id, q.file)
    problems += [f"near-duplicate stems: {a} and {b} ({ratio:.0%} alike)"
                 for a, b, ratio in bank_mod.near_duplicates(questions)]
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{len(questions)} questions in {len(bank_mod.bank_files())} files: all valid.")


@friendly
def stale_command(
    older_than: int = typer.Option(provenance.DEFAULT_STALE_DAYS, "--older-than",
                                   help="List questions last checked more than DAYS ago.",
                                   metavar="DAYS"),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON."),
) -> None:
    """For authors: questions whose facts were checked against AWS documentation more than
    DAYS ago (or never), oldest first, with the pages to re-check.

    Examples: computelab quiz stale · computelab quiz stale --older-than 90
    """
    if older_than < 0:
        raise QuizError("--older-than must be 0 or more days")
    found = provenance.stale(load_bank().questions, older_than=older_than)
    if as_json:
        _print_json([{"id": q.id, "file": q.file, "verified": q.verified or None,
                      "age_days": age, "source": list(q.sources)} for q, age in found])
        return
    if not found:
        typer.echo(f"No question was last checked more than {older_than} days ago.")
        return
    for q, age in found:
        when = f"checked {q.verified} ({age} days ago)" if age is not None else "never checked"
        typer.echo(f"{q.id}  {when}  {q.file}")
        for url in q.sources:
            typer.echo(f"    {url}")
    typer.echo(f"{len(found)} questions to re-check (older than {older_than} days).")


@friendly
def forms_command(
    exam: str = typer.Option("clf-c02", "--exam", help="CLF-C02, SAA-C03 or SOA-C03."),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON."),
) -> None:
    """For review: the three fixed mock exam forms of an exam guide, question ids by
    domain, and how much each pair of forms overlaps.

    Example: computelab quiz forms --exam SAA-C03
    """
    bank = load_bank()
    spec = find_exam(bank, exam)
    built = forms.build(bank, spec)
    pairs = {f"{i + 1}-{j + 1}": round(forms.overlap(built[i], built[j]), 3)
             for i in range(len(built)) for j in range(i + 1, len(built))}
    if as_json:
        _print_json({"exam": spec.id, "overlap": pairs, "forms": [
            {"form": n, "questions": [{"id": q.id, "domain": q.domains[spec.id]} for q in f]}
            for n, f in enumerate(built, start=1)]})
        return
    for n, f in enumerate(built, start=1):
        typer.echo(f"{label(spec)} — form {n}: {len(f)} questions")
        for d in spec.domains:
            ids = [q.id for q in f if q.domains[spec.id] == d.id]
            typer.echo(f"  {d.title} ({d.weight:g}%): {len(ids)} — {', '.join(ids)}")
    typer.echo("Overlap between forms: "
               + ", ".join(f"{k}: {v:.0%}" for k, v in pairs.items()))


# -- exam ------------------------------------------------------------------------------------

def _range(low: float | None, high: float | None) -> str:
    return "-" if low is None or high is None else f"{percent(low)}-{percent(high)}"


def _print_review(console: Console, report: ExamReport, session: ExamSession) -> None:
    """Every question: right or wrong, topic, difficulty and id, every option explained."""
    console.print("\n[bold]Review[/bold]: every question, with why each option is right or"
                  " wrong (your choice first).")
    titles = {d.id: d.title for d in session.spec.domains}
    shown_by_id = {s.question.id: s for s in session.items}
    for item in report.items:
        mark = "[green]✔[/green]" if item["correct"] else "[red]✘[/red]"
        shown = shown_by_id.get(item["id"])
        if shown is None:
            console.print(f"\n{mark} [bold]{item['position']}.[/bold] {escape(item['id'])}:"
                          f" no longer in the banks (your answer {item['answer'] or '-'},"
                          f" right answer {item['key']})")
            continue
        q = shown.question
        console.print(f"\n{mark} [bold]{item['position']}.[/bold] {escape(q.stem)}")
        flag = " · ⚑ flagged" if item.get("flagged") else ""
        console.print(f"  {_meta(q)} [dim]· {escape(titles[item['domain']])}{flag}[/dim]")
        given = session.answers.get(item["position"])
        answer = ("I don't know" if given is not None and given.unknown
                  else item["answer"] or "(not answered)")
        console.print(f"  your answer: {answer} · right answer: [bold]{item['key']}[/bold]")
        _print_explained(console, shown, grade(q, given or DONT_KNOW, "exam"))
        console.print(f"  [dim]{escape(q.explanation)}[/dim]")
        _print_read_more(console, q)


def _print_report(console: Console, report: ExamReport, session: ExamSession) -> None:
    _print_review(console, report, session)
    console.print()
    table = Table(title=f"{report.label} — practice exam {report.session}")
    for column in ("Domain", "Weight", "Right", "Readiness range (compute questions)"):
        table.add_column(column)
    for d in report.domains:
        table.add_row(d.title, f"{d.weight:g}%", f"{d.correct}/{d.total}",
                      describe(Estimate(d.correct, d.total, d.low, d.high)))
    console.print(table)
    unknown = f", {report.dont_know} \"I don't know\"" if report.dont_know else ""
    console.print(f"{report.correct}/{report.questions} compute questions right"
                  f" ({report.percent:.0%}): readiness range [bold]"
                  f"{_range(report.low, report.high)}[/bold]. {report.answered} answered"
                  f"{unknown}; {report.used_minutes:g} of {report.minutes:g} minutes used.")
    console.print(f"[dim]{escape(report.scope)}[/dim]")
    console.print(f"[dim]{escape(report.note)}[/dim]")


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


EXAM_COMMANDS = ("Commands: a reply (e.g. b or a,c) answers; ? = I don't know (a miss, the"
                 " answer is shown in the review); Enter/next skips; back; flag; goto N;"
                 " review; submit; quit (saves, resume later with --resume).")
TIME_UP = "[bold red]Time is up[/bold red]: your saved answers are submitted now."


def _interactive_exam(console: Console, session: ExamSession) -> ExamReport | None:
    console.print(f"[bold]{escape(label(session.spec))}[/bold]: {len(session.items)} compute"
                  f" questions, {_clock(session.remaining())} left. Seed {session.seed},"
                  f" session {session.id}. No feedback until you submit.")
    console.print(f"[dim]{escape(SCOPE_NOTE)}[/dim]")
    console.print(f"[dim]{EXAM_COMMANDS}[/dim]")
    total = len(session.items)
    unanswered = session.unanswered()
    position = unanswered[0] if unanswered else total + 1
    while True:
        if session.expired():
            console.print(TIME_UP)
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
        elif session.expired():
            continue                  # the answer came too late: the loop submits
        else:
            try:
                session.answer_reply(position, reply)
                position += 1
            except QuizError as err:
                console.print(f"[red]{escape(str(err))}[/red] — answer again.")


def _scripted_exam(session: ExamSession, answers: str) -> ExamReport:
    """``--answers``: all replies stored or none; then the exam is submitted."""
    replies = _answer_map(answers)
    if session.expired():
        typer.echo("Time is up: these answers came after the limit and were not stored;"
                   " the answers saved before it are submitted.", err=True)
        return session.submit()
    try:
        session.answer_replies(replies)
    except QuizError as err:
        raise QuizError(f"{err} (nothing was stored; exam {session.id} is still open: fix"
                        " the reply and run `computelab exam --resume --answers ...`)") from None
    return session.submit()


def review_exam(session_id: str | None, *, as_json: bool) -> None:
    """Reopen a submitted exam's report: every question with its review."""
    session, report = ExamSession.reopen(load_bank(), session_id)
    if as_json:
        _print_json(report.to_dict())
        return
    console = Console()
    _print_report(console, report, session)
    others = [r for r in progress.exam_reports() if r["session"] != report.session][-5:]
    if others:
        console.print("Other reports: " + " · ".join(
            f"{r['session']} ({str(r['exam']).upper()}, {r['finished']},"
            f" {r['correct']}/{r['questions']})" for r in reversed(others))
            + " — `computelab exam --review SESSION`")


def run_exam(*, exam: str, minutes: float | None, n: int | None, seed: int | None,
             resume: bool, answers: str | None, as_json: bool, form: int | None = None,
             session_id: str | None = None) -> None:
    bank: Bank = load_bank()
    if resume:
        if minutes is not None or n is not None or seed is not None or form is not None:
            raise QuizError("--resume continues a saved exam: leave out --minutes, -n, --seed"
                            " and --form")
        session = ExamSession.resume(bank, session_id=session_id, exam=exam if exam else None)
    else:
        if form is not None and seed is not None:
            raise QuizError("--form is a fixed mock exam: leave out --seed (a seed draws a"
                            " random practice exam)")
        session = ExamSession.start(bank, exam=exam or "clf-c02", n=n, minutes=minutes,
                                    seed=seed, form=form)
    if answers is None and as_json:
        _print_json({"session": session.id, "exam": session.spec.id,
                     "label": label(session.spec), "scope": SCOPE_NOTE, "seed": session.seed,
                     "minutes": session.minutes, "remaining_seconds": round(session.remaining()),
                     "questions": [_question_json(i, s, exam=True)
                                   for i, s in enumerate(session.items, 1)]})
        return
    console = Console()
    if answers is not None:
        report = _scripted_exam(session, answers)
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
    exam: str = typer.Option("", "--exam", help="CLF-C02 (default), SAA-C03 or SOA-C03: the"
                                                " compute part of that exam guide."),
    minutes: float | None = typer.Option(None, "--minutes", help="Time limit (default: the"
                                         " real exam's pace for the number of questions:"
                                         " 90 or 130 minutes for 65)."),
    n: int | None = typer.Option(None, "-n", "--count", help="Number of compute questions"
                                                              " (default 65)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed to draw the same exam again."),
    form: int | None = typer.Option(None, "--form", help="Mock exam form 1, 2 or 3: a fixed"
                                    " set (overlapping the other forms by 20% or less);"
                                    " without it each exam is a random draw."),
    resume: bool = typer.Option(False, "--resume", help="Continue the last unfinished exam"
                                                        " (or SESSION)."),
    review: bool = typer.Option(False, "--review", help="Reopen the report of the last"
                                                        " submitted exam (or SESSION): every"
                                                        " question reviewed again."),
    session: str | None = typer.Argument(None, metavar="[SESSION]",
                                         help="An exam session id, with --review or --resume."),
    answers: str | None = typer.Option(None, "--answers", help=ANSWERS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON (without --answers: the"
                                                       " questions; the exam stays open)."),
) -> None:
    """A timed practice exam on the compute part of CLF-C02, SAA-C03 or SOA-C03: questions
    drawn by the exam guide's domain weights, no hints while you answer, then a review of
    every question and a readiness range per domain (never a pass/fail verdict).

    Examples: computelab exam --exam SAA-C03 ·
    computelab exam --exam SAA-C03 --form 2 ·
    computelab exam -n 20 --seed 42 ·
    computelab exam --resume ·
    computelab exam --review · computelab exam --review 3f9a1c2b7d4e ·
    computelab exam --seed 42 -n 3 --answers "1:b;2:a,d;3:?" --json
    """
    if review:
        if resume or answers is not None or any(
                v is not None for v in (minutes, n, seed, form)) or exam:
            raise QuizError("--review reopens a submitted exam: give only the session id"
                            " (and --json), e.g. computelab exam --review 3f9a1c2b7d4e")
        review_exam(session, as_json=as_json)
        return
    if session is not None and not resume:
        raise QuizError(f"'{session}': a session id goes with --review or --resume")
    if exam:
        find_exam(load_bank(), exam)
    run_exam(exam=exam, minutes=minutes, n=n, seed=seed, resume=resume, answers=answers,
             as_json=as_json, form=form, session_id=session)


# -- progress --------------------------------------------------------------------------------

def _print_forecast(console: Console, result: progress.ProgressReport) -> None:
    """The next due time and how many reviews fall due on each of the next 14 days."""
    if result.next_due is not None:
        local = result.next_due.astimezone().strftime("%a %d %b %H:%M")
        console.print(f"Next review due {srs.in_words(result.next_due)} ({local}).")
    if not any(result.forecast):
        return
    today = datetime.now().astimezone().date()
    days = ["today"] + [f"{today + timedelta(days=i):%a %d}"
                        for i in range(1, len(result.forecast))]
    console.print(f"Reviews due, next {len(result.forecast)} days: "
                  + " · ".join(f"{day} {n}" for day, n in zip(days, result.forecast,
                                                               strict=True)))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@friendly
def progress_command(
    as_json: bool = typer.Option(False, "--json", help="Print only JSON."),
    export: Path | None = typer.Option(None, "--export", metavar="FILE",
                                       help="Write every answer to FILE, to merge on another"
                                            " computer with `computelab quiz import FILE`."),
) -> None:
    """Mastery by topic and exam domain, labs passed, reviews due and the next 14 days.

    Examples: computelab progress · computelab progress --json ·
    computelab progress --export progress.json
    """
    if export is not None:
        answers = progress.attempts()
        try:
            export.write_text(json.dumps(transfer.dump(answers), indent=1) + "\n",
                              encoding="utf-8")
        except OSError as err:
            raise QuizError(f"cannot write {export}: {err.strerror}") from None
        typer.echo(f"Wrote {len(answers)} answers to {export}: on the other computer run"
                   f" `computelab quiz import {export.name}`.", err=True)
        return
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
    _print_forecast(console, result)
    for r in result.exams[-3:]:
        right = (f"{r['correct']}/{r['questions']}" if r.get("questions")
                 else f"{r['percent']:.0%}")
        console.print(f"Exam {str(r['exam']).upper()} (compute part) {r['finished']}: {right}"
                      f" compute questions right, readiness range"
                      f" {_range(r.get('low'), r.get('high'))}")


# -- registration ----------------------------------------------------------------------------

def register(app: typer.Typer) -> None:
    """Add ``quiz`` (with ``quiz export``), ``exam`` and ``progress`` to the app (once)."""
    if any(c.name == "exam" for c in app.registered_commands):
        return
    quiz_app = typer.Typer(no_args_is_help=False)
    quiz_app.callback(invoke_without_command=True)(quiz_command)
    quiz_app.command("export")(export_command)
    quiz_app.command("import")(import_command)
    quiz_app.command("validate")(validate_command)
    quiz_app.command("stale")(stale_command)
    quiz_app.command("forms")(forms_command)
    app.add_typer(quiz_app, name="quiz")
    app.command("exam")(exam_command)
    app.command("progress")(progress_command)
