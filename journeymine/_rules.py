"""Classification rules: which events are inbound, outbound or internal (private engine).

A rule set is an ordered list of rules, each a mapping::

    {"column": "activity", "pattern": "Resolve ticket", "direction": "outbound"}
    {"column": "activity", "pattern": "(?i)wait", "match": "regex", "direction": "outbound"}

=========  ====================================================================
column     an event column of the log (activity, channel, department, resource,
           direction, a kept column such as ``lifecycle:transition``)
pattern    text, or a list of texts (the rule matches when any of them does)
direction  ``"inbound"``, ``"outbound"`` or ``"internal"``
match      ``"exact"`` (default: the value equals a pattern) or ``"regex"``
           (:func:`re.search` of a pattern finds a match in the value)
=========  ====================================================================

Values are compared as text. The first rule that matches an event decides its
direction; an event no rule matches keeps the direction it had (missing if
none). The text ``"process"`` in place of a rule stands for the
:data:`PROCESS_RULES` at that point, and ``"process"`` alone for them only.

The engine works on the distinct values of each named column (tens to thousands),
never per event: a rule becomes a boolean per label, and events read it through
their codes. It knows no log: :func:`classify` takes a function giving a column's
codes and labels. :func:`journeymine.classify_direction` applies it to a log;
the configuration's ``direction_rules`` reuses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._validation import near_matches
from .errors import InvalidParameterError
from .schema import DIRECTIONS

__all__: list[str] = []

#: The keys a rule may have.
RULE_KEYS: tuple[str, ...] = ("column", "pattern", "direction", "match")
#: How a rule's pattern is compared with a value.
MATCHES: tuple[str, ...] = ("exact", "regex")

# word start: a letter may not come before (so "_SENT" and "T05 Send" match, "resent" not)
_W = "(?<![a-z])"

#: The default rules for process logs (``rules="process"``), in the order they are
#: tried; every pattern is a case-insensitive regular expression over ``activity``.
#: Built from the activity names of the helpdesk, receipt (WABO), BPI Challenge 2012
#: and running-example logs; see docs/guide/analyze.md for what they give there.
PROCESS_RULES: tuple[dict[str, str], ...] = tuple(
    {"column": "activity", "pattern": p, "match": "regex", "direction": d}
    for d, p in (
        # 1. the customer answers: whatever else the name says, the company's turn follows
        (
            "inbound",
            rf"(?i)sent[ _-]?back|{_W}returned|(from|by)[ _](the[ _])?(customer|client|applicant)"
            r"|(customer|client|applicant)[ _](repl|respon|answer|call|contact|wr[io]te)",
        ),
        # 2. the company waits for the customer
        (
            "outbound",
            r"(?i)wait(ing)?[ _-]*(for|on)[ _-]*(the[ _])?(customer|client|applicant|user|reply"
            rf"|response|feedback|information|documents?)|{_W}await|pending[ _-]*(customer|client)"
            r"|^\W*wait(ing)?\W*$",
        ),
        # 3. intake of a request that has just arrived (triage): the company acts next
        ("inbound", rf"(?i)triage|intake|seriousness|severity|{_W}priorit|{_W}categori[sz]"),
        # 4. the company's own work: checks, decisions, drafts (the turn does not change)
        (
            "internal",
            rf"(?i){_W}(check|determin|adjust|draft|validat|assess|review|verif|evaluat|examin"
            r"|assign|take[ _]in[ _]charge|schedul|escalat|investigat|analy[sz]|approv|decid"
            r"|external)",
        ),
        # 5. the company tells, sends or gives the customer something: the customer's turn
        (
            "outbound",
            rf"(?i){_W}(send|sent|repl(y|ied|ies)|respon[ds]|notif|inform|resolv|answer|offer"
            r"|deliver|dispatch|ship|remind|quot(e|ation))",
        ),
        # 6. the customer asks: a request is submitted, received, created or opened
        (
            "inbound",
            rf"(?i)submit|receiv|receipt|{_W}appl(y|ied|ication)|complain|enquir|inquir|incoming"
            rf"|{_W}(creat|regist|insert|open|log|new|raise)\w*[ _-]+(an?[ _]|the[ _])?(ticket|case"
            r"|request|order|application|incident|complaint|claim|issue|enquiry|inquiry)",
        ),
    )
)


@dataclass(frozen=True)
class Rule:
    """One validated rule: its column, direction code (0/1/2) and a matcher of labels."""

    column: str
    direction: int
    match: str
    patterns: tuple[str, ...]
    regexes: tuple[re.Pattern[str], ...]

    def matches(self, labels: pd.Index) -> np.ndarray:
        """A boolean per label: whether this rule matches it."""
        texts = [str(x) for x in labels]
        if self.match == "exact":
            wanted = set(self.patterns)
            return np.asarray([t in wanted for t in texts], dtype=bool)
        return np.asarray([any(r.search(t) for r in self.regexes) for t in texts], dtype=bool)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expand(rules: Any) -> tuple[list[Any], list[str]] | None:
    """The rules as a list with ``"process"`` items expanded, and each one's shown index."""
    if isinstance(rules, str):
        rules = [rules]
    if isinstance(rules, Mapping) or not isinstance(rules, Sequence):
        return None
    items: list[Any] = []
    where: list[str] = []
    for i, rule in enumerate(rules):
        if rule == "process":
            items += list(PROCESS_RULES)
            where += [f"[{i}] (process rule {j})" for j in range(len(PROCESS_RULES))]
        else:
            items.append(rule)
            where.append(f"[{i}]")
    return items, where


def rule_problems(rules: Any, name: str) -> list[str]:
    """Every problem of a rule set, each as ``"<name>[i].<key>: must be ... Got ...."``."""
    expanded = None if isinstance(rules, str) and rules != "process" else _expand(rules)
    if expanded is None:
        return [
            f"{name}: must be 'process' or a list of rules, each a table with keys 'column', "
            f"'pattern' and 'direction' (and optionally 'match'). Got {_show(rules)}."
        ]
    items, where = expanded
    if not items:
        return [f"{name}: must hold at least one rule. Got an empty list."]
    problems: list[str] = []
    for rule, at in zip(items, where, strict=True):
        problems += _problems_of(rule, f"{name}{at}")
    return problems


def _problems_of(rule: Any, at: str) -> list[str]:
    if not isinstance(rule, Mapping):
        return [
            f"{at}: must be a rule, a table with keys 'column', 'pattern' and 'direction', or "
            f"the text 'process'. Got {_show(rule)}."
        ]
    out: list[str] = []
    for key in rule:
        if key not in RULE_KEYS:
            near = near_matches(str(key), RULE_KEYS)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            out.append(f"{at}.{key}: unknown key; a rule has the keys {list(RULE_KEYS)!r}.{hint}")
    for key in ("column", "pattern", "direction"):
        if key not in rule:
            out.append(
                f"{at}.{key}: missing; every rule needs 'column', 'pattern' and 'direction'."
            )
    column = rule.get("column")
    if "column" in rule and (not isinstance(column, str) or not column):
        out.append(f"{at}.column: must be the name of an event column (text). Got {_show(column)}.")
    direction = rule.get("direction")
    if "direction" in rule and direction not in DIRECTIONS:
        near = near_matches(str(direction), DIRECTIONS) if isinstance(direction, str) else []
        hint = f" Did you mean {near[0]!r}?" if near else ""
        out.append(
            f"{at}.direction: must be one of {list(DIRECTIONS)!r}. Got {_show(direction)}.{hint}"
        )
    match = rule.get("match", "exact")
    if match not in MATCHES:
        out.append(f"{at}.match: must be one of {list(MATCHES)!r}. Got {_show(match)}.")
    if "pattern" in rule:
        patterns = _patterns(rule["pattern"])
        if patterns is None:
            out.append(
                f"{at}.pattern: must be text or a non-empty list of text. "
                f"Got {_show(rule['pattern'])}."
            )
        elif match == "regex":
            for p in patterns:
                try:
                    re.compile(p)
                except re.error as exc:
                    out.append(
                        f"{at}.pattern: must be a valid regular expression (Python re syntax). "
                        f"Got {_show(p)}: {exc}."
                    )
    return out


def _patterns(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and len(value) > 0 and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def parse_rules(
    rules: Any, param: str = "rules", func: str = "classify_direction"
) -> tuple[Rule, ...]:
    """Validated rules; InvalidParameterError naming every bad rule, key, expectation and value."""
    problems = rule_problems(rules, param)
    if problems:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be 'process' or a list of rules "
            "{column, pattern, direction[, match]}. " + " ".join(problems)
        )
    items, _ = _expand(rules)  # type: ignore[misc]
    out = []
    for rule in items:
        patterns = _patterns(rule["pattern"])
        assert patterns is not None
        match = rule.get("match", "exact")
        regexes = tuple(re.compile(p) for p in patterns) if match == "regex" else ()
        out.append(
            Rule(rule["column"], DIRECTIONS.index(rule["direction"]), match, patterns, regexes)
        )
    return tuple(out)


def column_problems(rules: Any, columns: Sequence[str], name: str) -> list[str]:
    """Rules (already valid) whose column is not one of ``columns``."""
    items, where = _expand(rules)  # type: ignore[misc]
    cols = [str(c) for c in columns]
    out = []
    for rule, at in zip(items, where, strict=True):
        if rule["column"] not in cols:
            near = near_matches(rule["column"], cols)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            out.append(
                f"{name}{at}.column: must name an event column of the log {cols!r}. "
                f"Got {_show(rule['column'])}.{hint}"
            )
    return out


def classify(
    rules: Sequence[Rule],
    codes_of: Callable[[str], tuple[np.ndarray, pd.Index]],
    current: np.ndarray,
) -> np.ndarray:
    """Direction codes (0 inbound, 1 outbound, 2 internal, -1 missing) after the rules.

    ``current`` are the events' direction codes before (kept where no rule matches);
    ``codes_of(column)`` gives a column's integer codes per event (-1 missing) and labels.
    """
    out = np.asarray(current, dtype=np.int8).copy()
    decided = np.zeros(len(out), dtype=bool)
    for rule in rules:
        codes, labels = codes_of(rule.column)
        hit = np.append(rule.matches(labels), False)  # missing values (-1) never match
        take = hit[np.asarray(codes)] & ~decided
        out[take] = rule.direction
        decided |= take
    return out
