"""A policy judged by what it lets happen: IAM's verdict on probe requests, conditions included.

Reading a policy's text for one expected shape misgrades the many equivalent forms IAM
accepts (a one-element list or a string, StringLike without wildcards, a Deny that carves
an exception, NotAction, a harmless extra condition). Instead a check asks IAM's question
for a set of probe requests — who, which action, on what, with which request context —
and judges the answers: what must be allowed is, what must not be is not.

``verdict`` follows IAM's evaluation for one policy: an explicit Deny that applies wins;
otherwise an Allow that applies grants. A statement applies when its principal, action,
resource and every condition match the request. Conditions are evaluated for the string,
ARN, Bool and Null operators (with ...IfExists and the ForAnyValue:/ForAllValues:
prefixes); a statement with an operator not evaluated here (numeric, date, IP) never
applies, so such a policy is judged as if that statement were absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.kit.policies import Statement, covers_action, covers_resource, listed, matches


@dataclass(frozen=True)
class Probe:
    """One request to judge: ``principal`` is (kind, value), e.g. ("Service",
    "eks.amazonaws.com") or ("Federated", provider ARN), or None for an identity policy;
    ``context`` holds the request's condition keys (a key left out is absent)."""

    action: str
    principal: tuple[str, str] | None = None
    resource: str | None = None
    context: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """The probe in words, for a learner-facing message."""
        who = f"{self.principal[1]} " if self.principal else ""
        on = f" on {self.resource}" if self.resource else ""
        return f"{who}{self.action}{on}"


# --- principals --------------------------------------------------------------------------


def _names(block: Any, principal: tuple[str, str]) -> bool:
    """True when a Principal/NotPrincipal block names ``principal`` ('*' names everyone)."""
    if block == "*":
        return True
    if not isinstance(block, dict):
        return False
    if "*" in listed(block.get("AWS")):
        return True
    kind, value = principal
    values = [str(v) for v in listed(block.get(kind))]
    if value in values:
        return True
    if kind == "AWS" and value.count(":") >= 5:  # an account's principals: id or :root
        account = value.split(":")[4]
        return account in values or f"arn:aws:iam::{account}:root" in values
    return False


def applies_to_principal(statement: Statement, principal: tuple[str, str] | None) -> bool:
    """True when the statement's Principal (or NotPrincipal) covers ``principal``; identity
    policies (no principal element) apply to their own principal, whoever asks."""
    if principal is None:
        return True
    if "NotPrincipal" in statement:
        return not _names(statement["NotPrincipal"], principal)
    if "Principal" in statement:
        return _names(statement["Principal"], principal)
    return True


# --- conditions --------------------------------------------------------------------------

_NEGATED = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals",
            "ArnNotLike")


def _one(operator: str, wanted: list[Any], value: str) -> bool | None:
    """Does ``value`` satisfy ``operator`` against the policy's ``wanted`` values?"""
    base = operator.replace("Not", "", 1) if operator in _NEGATED else operator
    texts = [str(w) for w in wanted]
    if base == "StringEquals":
        hit = value in texts
    elif base == "StringEqualsIgnoreCase":
        hit = value.lower() in {t.lower() for t in texts}
    elif base in ("StringLike", "ArnLike", "ArnEquals"):
        hit = matches(texts, value)
    elif base == "Bool":
        hit = value.lower() in {t.lower() for t in texts}
    else:
        return None
    return (not hit) if operator in _NEGATED else hit


def _entry_holds(operator: str, key: str, wanted: list[Any],
                 context: Mapping[str, str]) -> bool | None:
    """One condition entry against the request context (keys compared without case)."""
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if operator.startswith(prefix):
            operator = operator[len(prefix):]
            set_operator = prefix
            break
    else:
        set_operator = ""
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    value = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    if operator == "Null":
        return any(str(w).lower() == ("true" if value is None else "false") for w in wanted)
    if value is None:
        # An absent key: ...IfExists and ForAllValues hold, negated operators hold
        # (nothing to be unequal to fails), every other operator does not.
        return if_exists or set_operator == "ForAllValues:" or operator in _NEGATED
    return _one(operator, wanted, value)


def conditions_hold(statement: Statement, context: Mapping[str, str]) -> bool | None:
    """True when every condition of the statement holds for ``context``; None when an
    operator is not one this module evaluates."""
    condition = statement.get("Condition") or {}
    if not isinstance(condition, dict):
        return None
    for operator, block in condition.items():
        for key, values in (block or {}).items():
            held = _entry_holds(operator, key, listed(values), context)
            if held is not True:
                return held
    return True


# --- verdicts ----------------------------------------------------------------------------


def applies(statement: Statement, probe: Probe) -> bool:
    """True when the statement matches the probe in every element, conditions included."""
    return (applies_to_principal(statement, probe.principal)
            and covers_action(statement, probe.action)
            and covers_resource(statement, probe.resource)
            and conditions_hold(statement, probe.context) is True)


def verdict(statements: Iterable[Statement], probe: Probe) -> bool:
    """IAM's answer for one probe: some Allow applies and no Deny does."""
    hits = [s for s in statements if applies(s, probe)]
    return (any(s.get("Effect") == "Allow" for s in hits)
            and not any(s.get("Effect") == "Deny" for s in hits))


def allowed_probes(statements: Iterable[Statement], probes: Iterable[Probe]) -> list[Probe]:
    """The probes the statements allow, in the order given."""
    found = list(statements)
    return [p for p in probes if verdict(found, p)]


def denied_probes(statements: Iterable[Statement], probes: Iterable[Probe]) -> list[Probe]:
    """The probes the statements do not allow, in the order given."""
    found = list(statements)
    return [p for p in probes if not verdict(found, p)]


# --- probes drawn from the policy itself -------------------------------------------------


def sample(pattern: str) -> str:
    """A concrete value an IAM pattern matches: each '*' and '?' becomes 'x'."""
    return pattern.replace("*", "x").replace("?", "x")


def condition_values(statements: Iterable[Statement], key_suffix: str) -> list[str]:
    """Every value the statements' conditions compare a key ending in ``key_suffix`` with,
    wildcards made concrete: the values a policy itself says it might let in, to probe
    beside a check's own list (a second service account named in a list, say)."""
    found: list[str] = []
    for statement in statements:
        condition = statement.get("Condition") or {}
        for block in condition.values() if isinstance(condition, dict) else ():
            for key, values in (block or {}).items():
                if key.lower().endswith(key_suffix.lower()):
                    found += [sample(str(v)) for v in listed(values)]
    return sorted(set(found))


def resources_named(statements: Iterable[Statement]) -> list[str]:
    """Every Resource/NotResource value the statements name, wildcards made concrete."""
    return sorted({sample(str(r)) for s in statements
                   for r in listed(s.get("Resource")) + listed(s.get("NotResource"))})
