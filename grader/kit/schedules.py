"""EventBridge schedule expressions: is this a valid recurring ``rate(...)``/``cron(...)``?

moto accepts any text as a schedule; AWS rejects malformed ones. ``schedule_problem`` says
why an expression is not valid (for the learner), or returns None when it is. The rules are
EventBridge's: six cron fields with ``?`` in exactly one of day-of-month and day-of-week,
and singular/plural rate units (``rate(1 hour)``, ``rate(5 hours)``).
"""

from __future__ import annotations

import re

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# name, lowest, highest, names allowed instead of numbers
_CRON_FIELDS = (("minutes", 0, 59, ()), ("hours", 0, 23, ()), ("day-of-month", 1, 31, ()),
                ("month", 1, 12, _MONTHS), ("day-of-week", 1, 7, _DAYS),
                ("year", 1970, 2199, ()))
_RATE_UNITS = ("minute", "hour", "day")


def _cron_value(token: str, index: int) -> bool:
    _, low, high, names = _CRON_FIELDS[index]
    if token.upper() in names:
        return True
    return token.isdigit() and low <= int(token) <= high


def _cron_item(item: str, index: int) -> bool:
    """One comma-separated item of a cron field: a value, range, step or special."""
    if index == 2 and (item in ("L", "LW") or (item.endswith("W")
                                                and _cron_value(item[:-1], index))):
        return True
    if index == 4:
        if item == "L" or (item.endswith("L") and _cron_value(item[:-1], index)):
            return True
        if "#" in item:
            day, _, nth = item.partition("#")
            return _cron_value(day, index) and nth in ("1", "2", "3", "4", "5")
    base, slash, step = item.partition("/")
    if slash and not (step.isdigit() and int(step) >= 1):
        return False
    if base == "*":
        return True
    start, dash, end = base.partition("-")
    if dash:
        return _cron_value(start, index) and _cron_value(end, index)
    return _cron_value(base, index)


def schedule_problem(expression: str | None) -> str | None:
    """Why ``expression`` is not a valid recurring EventBridge schedule, or None when it is."""
    text = (expression or "").strip()
    if text.startswith("at("):
        return (f"'{text}' is a one-time schedule; the job must recur, so use rate(...) or "
                "cron(...).")
    rate = re.fullmatch(r"rate\(\s*(\S+)\s+(\S+)\s*\)", text)
    if rate:
        value, unit = rate.groups()
        if not value.isdigit() or int(value) < 1:
            return f"In '{text}' the value must be a whole number of at least 1."
        if unit.rstrip("s") not in _RATE_UNITS:
            return (f"In '{text}' the unit must be minute(s), hour(s) or day(s).")
        if int(value) == 1 and unit.endswith("s"):
            return (f"'{text}' is rejected by EventBridge: a value of 1 takes the singular "
                    f"unit, as in rate(1 {unit[:-1]}).")
        if int(value) > 1 and not unit.endswith("s"):
            return (f"'{text}' is rejected by EventBridge: a value above 1 takes the plural "
                    f"unit, as in rate({value} {unit}s).")
        return None
    cron = re.fullmatch(r"cron\((.*)\)", text)
    if not cron:
        return (f"'{text}' is neither rate(value unit) nor cron(...), the two forms "
                "EventBridge accepts for a recurring schedule.")
    fields = cron.group(1).split()
    if len(fields) != 6:
        return (f"'{text}' has {len(fields)} fields; EventBridge cron takes six: minutes "
                "hours day-of-month month day-of-week year (e.g. cron(0 2 * * ? *)).")
    for index, field in enumerate(fields):
        name = _CRON_FIELDS[index][0]
        if field == "?":
            if index not in (2, 4):
                return f"In '{text}' '?' is only allowed in day-of-month or day-of-week."
            continue
        if "#" in field and "," in field:
            return f"In '{text}' a day-of-week with '#' must be a single expression."
        if not all(_cron_item(item, index) for item in field.split(",")):
            low, high = _CRON_FIELDS[index][1:3]
            return (f"In '{text}' the {name} field '{field}' is not valid ({name} takes "
                    f"{low}-{high} with the wildcards EventBridge allows there).")
    if (fields[2] == "?") == (fields[4] == "?"):
        return (f"In '{text}' exactly one of day-of-month and day-of-week must be '?': you "
                "cannot give both, so the one you don't use is '?'.")
    return None
