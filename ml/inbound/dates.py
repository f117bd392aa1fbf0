"""Dates a customer states in French or English, resolved against the day the message was received.

Why rules and not dateparser: measured here, dateparser 1.5.0 returns nothing for "vendredi
prochain", "fin mars", "end of March" or "fin de mois", and its search reads the English word "We"
as Wednesday. Searching only candidate spans avoids the second problem, but the spans have to be
found by patterns anyway, and once a pattern has matched "15 mars" or "in two weeks" its groups
already hold the answer; dateparser would add a dependency and ~20 ms a call to re-read them.

Conventions (a promise date is the day money is expected, so a vague span resolves to its end):
"fin de mois" / "end of the month" / "EOM" is the month's last day, "fin mars" the last day of
March, "mi-mars" / "mid-March" the 15th, "next week" / "la semaine prochaine" the Friday of next
week, "cette semaine" this week's Friday,
"sous huitaine" eight days, "next Friday" / "vendredi prochain" the first Friday after the received
day ("last Monday" the one before it), "le 15" / "by the 15th" the next 15th on or after it, a
date without a year the nearest one to the received day. Numeric dates are day first (FR and UK
usage) unless the second number cannot be a month and the separator is a slash ("03/20").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = {
    "janvier": 1, "janv": 1, "january": 1, "jan": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2,
    "fév": 2, "fev": 2, "february": 2, "feb": 2, "mars": 3, "march": 3, "mar": 3, "avril": 4, "avr": 4,
    "april": 4, "apr": 4, "mai": 5, "may": 5, "juin": 6, "june": 6, "jun": 6, "juillet": 7, "juil": 7,
    "july": 7, "jul": 7, "août": 8, "aout": 8, "august": 8, "aug": 8, "septembre": 9, "september": 9,
    "sept": 9, "sep": 9, "octobre": 10, "october": 10, "oct": 10, "novembre": 11, "november": 11,
    "nov": 11, "décembre": 12, "decembre": 12, "december": 12, "déc": 12, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
_NUMBER_WORDS = {
    "un": 1, "une": 1, "a": 1, "an": 1, "one": 1, "deux": 2, "two": 2, "a couple of": 2, "trois": 3,
    "three": 3, "quatre": 4, "four": 4, "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8,
    "eight": 8, "dix": 10, "ten": 10, "quinze": 15, "fifteen": 15, "trente": 30, "thirty": 30,
}  # fmt: skip


def _alternation(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


MONTH = rf"(?P<month>{_alternation(_MONTHS)})\.?"
WEEKDAY = _alternation(_WEEKDAYS)
_COUNT = rf"(?P<n>\d{{1,3}}|{_alternation(_NUMBER_WORDS)})"
_DAY = r"(?P<day>1er|[0-3]?\d)(?:er|e|ème|st|nd|rd|th)?"
# After a bare day number: not a quantity, an amount, a time or the start of a longer number.
_NOT_A_QUANTITY = r"(?!\s*(?:[%€$£/.,:h]\s*\d|[%€$£]|\d|euros?|jours?|days?|factures?|invoices?|mois|months?))"


@dataclass(frozen=True)
class DateMention:
    """A date found in the text: where it is (offsets into the text searched) and the day it means."""

    start: int
    end: int
    day: date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_later(received: date, months: int) -> tuple[int, int]:
    index = received.year * 12 + received.month - 1 + months
    return index // 12, index % 12 + 1


def _friday_of_week(received: date, weeks_ahead: int) -> date:
    friday = received + timedelta(days=4 - received.weekday() + 7 * weeks_ahead)
    return max(friday, received)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest_year(received: date, month: int, day: int) -> date | None:
    """A year-less date: the occurrence nearest the received day (so "15 mars" sent on 20 March is last week's)."""
    years = (received.year - 1, received.year, received.year + 1)
    options = [found for year in years if (found := _safe_date(year, month, day))]
    return min(options, key=lambda d: abs((d - received).days), default=None)


def _next_day_of_month(received: date, day: int) -> date | None:
    """Day-of-month alone ("le 15", "by the 15th"): this month's 15th if not past, else next month's."""
    for months in (0, 1, 2):
        year, month = _months_later(received, months)
        if (found := _safe_date(year, month, day)) and found >= received:
            return found
    return None


def _count(match: re.Match) -> int:
    raw = match["n"].lower()
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]


def _in_count(match: re.Match, received: date) -> date:
    unit = match["unit"].lower()
    if unit.startswith(("mois", "month")):
        year, month = _months_later(received, _count(match))
        return _safe_date(year, month, received.day) or _month_end(year, month)
    return received + timedelta(days=_count(match) * (7 if unit.startswith(("sem", "week")) else 1))


def _end_of_named_month(match: re.Match, received: date) -> date:
    month = _MONTHS[match["month"].lower()]
    year = received.year + (month < received.month)
    return _month_end(year, month)


def _middle_of_named_month(match: re.Match, received: date) -> date:
    month = _MONTHS[match["month"].lower()]
    return date(received.year + (month < received.month), month, 15)


def _explicit(match: re.Match, received: date) -> date | None:
    day = 1 if match["day"].lower() == "1er" else int(match["day"])
    month = _MONTHS[match["month"].lower()]
    return _safe_date(int(match["year"]), month, day) if match["year"] else _nearest_year(received, month, day)


def _numeric(match: re.Match, received: date) -> date | None:
    first, second = int(match["a"]), int(match["b"])
    us_order = match["sep"] == "/" and second > 12 >= first  # "03/20"; "10.30" is a time, not 30 October
    day, month = (second, first) if us_order else (first, second)
    if not match["year"]:
        return _nearest_year(received, month, day) if 1 <= month <= 12 else None
    year = int(match["year"])
    return _safe_date(year + 2000 if year < 100 else year, month, day) if 1 <= month <= 12 else None


def _weekday(match: re.Match, received: date) -> date:
    """The first such weekday after the received day; "last Monday" / "lundi dernier" the one before it."""
    target = _WEEKDAYS[match["weekday"].lower()]
    if match["last"] or match["dernier"]:
        return received - timedelta(days=(received.weekday() - target - 1) % 7 + 1)
    return received + timedelta(days=(target - received.weekday() - 1) % 7 + 1)


def _day_only(match: re.Match, received: date) -> date | None:
    return _next_day_of_month(received, 1 if match["day"].lower() == "1er" else int(match["day"]))


_Resolver = Callable[[re.Match, date], "date | None"]
_RULES: list[tuple[str, _Resolver]] = [
    (r"\bfin\s+(?:du\s+|de\s+)?mois\s+(?:prochain|suivant)|\bend\s+of\s+(?:the\s+)?(?:next|following)\s+month",
     lambda m, r: _month_end(*_months_later(r, 1))),
    (r"\bfin\s+(?:de\s+ce\s+|du\s+|de\s+)?mois\b|\bend\s+of\s+(?:the\s+|this\s+)?month\b|\bmonth[- ]end\b|\beom\b",
     lambda m, r: _month_end(r.year, r.month)),
    (rf"\b(?:fin\s+(?:du\s+mois\s+)?(?:de\s+|d')?|end\s+of\s+){MONTH}(?!\w)", _end_of_named_month),
    (rf"\bmid?[- ]{MONTH}(?!\w)", _middle_of_named_month),
    (r"\bmid?[- ]mois\b|\bmid[- ]month\b", lambda m, r: _next_day_of_month(r, 15)),
    (r"\bsous\s+huitaine\b", lambda m, r: r + timedelta(days=8)),
    (r"\bsous\s+quinzaine\b", lambda m, r: r + timedelta(days=15)),
    (rf"\b(?:dans|sous|d'ici|in|within)\s+(?:les\s+|the\s+next\s+|un\s+d[ée]lai\s+de\s+)?{_COUNT}\s+"
     r"(?P<unit>jours?|semaines?|mois|days?|weeks?|months?)\b", _in_count),
    (r"\b(?:la\s+)?semaine\s+prochaine\b|\bnext\s+week\b", lambda m, r: _friday_of_week(r, 1)),
    (r"\bcette\s+semaine\b|\bthis\s+week\b|\bfin\s+de\s+(?:la\s+)?semaine\b|\bend\s+of\s+(?:the\s+)?week\b",
     lambda m, r: _friday_of_week(r, 0)),
    (r"\bapr[èe]s[- ]demain\b|\bday\s+after\s+tomorrow\b", lambda m, r: r + timedelta(days=2)),
    (r"\bdemain\b|\btomorrow\b|\btmrw\b", lambda m, r: r + timedelta(days=1)),
    (r"\baujourd'hui\b|\btoday\b", lambda m, r: r),
    (rf"\b(?:(?P<last>last)\s+|(?:next|this|coming|on|by)\s+)?(?P<weekday>{WEEKDAY})"
     r"(?:\s+(?:prochain|(?P<dernier>dernier)))?\b", _weekday),
    (r"(?<![\w/.-])(?P<year>20\d\d)-(?P<month>\d\d?)-(?P<day>\d\d?)(?![\w/-]|\.\d)",
     lambda m, r: _safe_date(int(m["year"]), int(m["month"]), int(m["day"]))),
    (r"(?<![\w/.,-])(?P<a>[0-3]?\d)(?P<sep>[/.-])(?P<b>[0-3]?\d)(?:[/.-](?P<year>20\d\d|\d\d))?(?![\w/.,-]?\d)",
     _numeric),
    (rf"\b(?:(?:{WEEKDAY}),?\s+)?(?:le\s+|the\s+)?{_DAY}\s+(?:of\s+|de\s+)?{MONTH}(?:,?\s+(?P<year>20\d\d))?(?!\w)",
     _explicit),
    (rf"\b(?:(?:{WEEKDAY}),?\s+)?{MONTH}\s+(?:the\s+)?{_DAY}(?:,?\s+(?P<year>20\d\d))?\b", _explicit),
    (rf"\b(?:(?:d'ici|avant|pour|au\s+plus\s+tard)\s+)?(?:le\s+(?:(?:{WEEKDAY})\s+)?|(?:{WEEKDAY})\s+)"
     rf"{_DAY}\b{_NOT_A_QUANTITY}", _day_only),
    (rf"\b(?:(?:by|on|before|until)\s+the\s+{_DAY}|the\s+(?P<day2>[0-3]?\d)(?:st|nd|rd|th))\b{_NOT_A_QUANTITY}",
     lambda m, r: _next_day_of_month(r, int(m["day"] or m["day2"]))),
]  # fmt: skip
_COMPILED = [(re.compile(pattern, re.IGNORECASE), resolve) for pattern, resolve in _RULES]


def find_dates(text: str, received: date, skip: list[tuple[int, int]] = ()) -> list[DateMention]:
    """Every date stated in `text`, longest match first where two overlap, in reading order.

    `skip` holds spans already taken (amounts), so "15.03 €" is not also the 15th of March.
    """
    found = []
    for pattern, resolve in _COMPILED:
        for match in pattern.finditer(text):
            if (day := resolve(match, received)) is not None:
                found.append(DateMention(match.start(), match.end(), day))
    taken = list(skip)
    kept = []
    for mention in sorted(found, key=lambda m: (m.start - m.end, m.start)):
        if all(mention.end <= start or mention.start >= end for start, end in taken):
            taken.append((mention.start, mention.end))
            kept.append(mention)
    return sorted(kept, key=lambda m: m.start)
