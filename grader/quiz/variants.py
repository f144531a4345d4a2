"""Generated numeric questions: the same seed gives the same question.

The prices are illustrative inputs chosen by the generator, NOT current AWS prices: the
point is the arithmetic of the purchasing options (upfront + hourly over a term; Spot vs
On-Demand over N hours). Generated questions do not count toward the bank's coverage and
are not scheduled for spaced repetition.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from grader.quiz.model import Option, Question

HOURS_PER_YEAR = 8760
ILLUSTRATIVE = "Prices here are illustrative inputs for the arithmetic, not current AWS prices."
_DOMAINS = {"clf-c02": "billing", "saa-c03": "cost-optimized"}
# Where the rules the arithmetic follows are documented (prices themselves are illustrative).
_SOURCES = ("https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-purchasing-options.html",)
_VERIFIED = "2026-12-05"
_LESSON = "compute-basics/ec2-purchasing.md#comparing-the-options"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _rate(value: float) -> str:
    """An hourly price with up to 4 decimals, exactly as used in the arithmetic."""
    text = f"{value:.4f}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return f"${text}/hour"


def _single(qid: str, stem: str, right: float, wrong: list[tuple[float, str]], right_why: str,
            explanation: str) -> Question:
    options = [Option(text=_money(right), correct=True, why=right_why)]
    seen = {round(right, 2)}
    for value, why in wrong:
        if round(value, 2) not in seen:
            seen.add(round(value, 2))
            options.append(Option(text=_money(value), correct=False, why=why))
    return Question(
        id=qid, type="single", stem=stem, topic="ec2-purchasing", domains=dict(_DOMAINS),
        difficulty="medium", explanation=explanation, comparison="purchasing-options",
        options=tuple(options), generated=True, sources=_SOURCES, verified=_VERIFIED,
        lesson=_LESSON,
    )


def reserved_total(seed: int) -> Question:
    """Total cost of a Partial Upfront or No Upfront Reserved Instance over its term."""
    rng = random.Random(seed)
    years = rng.choice((1, 3))
    hours = HOURS_PER_YEAR * years
    on_demand = rng.randrange(5, 60) / 100                       # $/hour
    discount = {1: 0.35, 3: 0.55}[years] + rng.randrange(0, 6) / 100
    no_upfront_rate = round(on_demand * (1 - discount + 0.05), 4)
    partial_upfront = round(on_demand * hours * (1 - discount) / 2)
    partial_rate = round(on_demand * (1 - discount) / 2, 4)
    kind = rng.choice(("Partial Upfront", "No Upfront"))
    stem = (
        f"A {years}-year Standard Reserved Instance ({hours:,} hours) is offered as No Upfront"
        f" at {_rate(no_upfront_rate)}, or Partial Upfront at {_money(partial_upfront)}"
        f" once plus {_rate(partial_rate)}. On-Demand is {_rate(on_demand)}. "
        f"What does the {kind} option cost in total over the term? ({ILLUSTRATIVE})"
    )
    if kind == "Partial Upfront":
        right = partial_upfront + partial_rate * hours
        wrong = [(float(partial_upfront), "That is only the upfront payment: the hourly rate is"
                  " charged for every hour of the term too."),
                 (partial_rate * hours, "That leaves out the upfront payment."),
                 (on_demand * hours, "That is the On-Demand cost for the same hours."),
                 (partial_upfront + partial_rate * HOURS_PER_YEAR * (4 - years),
                  "That uses the wrong number of years.")]
        right_why = "Upfront payment + hourly rate x every hour of the term."
    else:
        right = no_upfront_rate * hours
        wrong = [(on_demand * hours, "That is the On-Demand cost for the same hours."),
                 (no_upfront_rate * HOURS_PER_YEAR, "That is one year, not the whole term.")
                 if years == 3 else
                 (no_upfront_rate * HOURS_PER_YEAR * 3, "That is three years, not one."),
                 (partial_upfront + partial_rate * hours, "That is the Partial Upfront total."),
                 (no_upfront_rate * 730, "That is one month (730 hours).")]
        right_why = "No Upfront: the hourly rate is billed for every hour of the term."
    explanation = (
        "A Reserved Instance is a billing commitment for the whole term: you pay for every "
        "hour whether the instance runs or not. All Upfront costs least in total, No Upfront "
        f"most, but all are below On-Demand for a steady workload. {ILLUSTRATIVE}"
    )
    return _single(f"gen-ri-total-{seed}", stem, right, wrong, right_why, explanation)


def spot_savings(seed: int) -> Question:
    """What running N hours on Spot saves compared with On-Demand."""
    rng = random.Random(seed)
    hours = rng.randrange(50, 2001, 50)
    on_demand = rng.randrange(8, 120) / 100
    spot = round(on_demand * rng.randrange(20, 45) / 100, 4)
    stem = (
        f"A batch job needs {hours:,} instance-hours. On-Demand costs {_rate(on_demand)} "
        f"and the current Spot price is {_rate(spot)}. Ignoring interruptions, how much "
        f"does running it on Spot save? ({ILLUSTRATIVE})"
    )
    right = (on_demand - spot) * hours
    wrong = [(spot * hours, "That is what the job costs on Spot, not what it saves."),
             (on_demand * hours, "That is what the job costs On-Demand."),
             (on_demand - spot, "That is the saving for one hour only."),
             ((on_demand + spot) * hours, "Savings are the difference, not the sum.")]
    explanation = (
        "Saving = (On-Demand price - Spot price) x hours. Since 2017 there is no bidding: you "
        "pay the current Spot price (optionally capped by a maximum price), and AWS can "
        "reclaim the instance with a two-minute warning, so Spot suits interruptible work "
        f"such as batch jobs. {ILLUSTRATIVE}"
    )
    return _single(f"gen-spot-saving-{seed}", stem, right, wrong,
                   "(On-Demand - Spot) per hour, times the hours.", explanation)


GENERATORS: tuple[Callable[[int], Question], ...] = (reserved_total, spot_savings)


def generate(seed: int) -> Question:
    """One generated question, chosen and filled in from ``seed``."""
    return GENERATORS[seed % len(GENERATORS)](seed)
