"""Statutory late-payment charges on one invoice: interest and the fixed recovery compensation.

A pure function of the invoice, the jurisdiction's configuration and the notice date, returning
every figure a reader needs to redo the sum (the rate and its parts, the days, each half-year
part), because a formal notice whose arithmetic cannot be checked invites a dispute rather than
a payment. Money is Decimal, rounded half-up to the cent per part; the total is the sum of the
printed parts, so the printed arithmetic always adds up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from babel.numbers import format_decimal

from documents.text import amount, as_date, day, percent, words

CONFIG_PATH = Path(__file__).resolve().parent / "config" / "late_charges.yaml"
CENT = Decimal("0.01")
DAY_COUNTS = {"actual/365": 365, "actual/360": 360}
FIXINGS = ("half_year_first_day", "half_year_eve_at_due")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value) -> Decimal:
    """A float from a DataFrame becomes the Decimal of its shortest repr (1250.1 -> 1250.10, not
    1250.0999…), which is the amount the ERP meant."""
    return cents(Decimal(str(value)))


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    legal_basis: dict[str, str]  # per language
    countries: tuple[str, ...]
    reference: dict[str, str]  # the reference rate's name per language
    margin_points: Decimal
    fixing: str
    day_count: str
    currency: str
    # (below, amount) bands on the open amount; the last has below=None.
    compensation: tuple[tuple[Decimal | None, Decimal], ...]
    notice_days: int
    reference_rates: tuple[tuple[dt.date, Decimal], ...]

    def reference_rate_on(self, day: dt.date) -> Decimal:
        """The reference rate in force on ``day``: the last entry applying from that day or before."""
        applicable = [rate for start, rate in self.reference_rates if start <= day]
        if not applicable:
            raise ValueError(f"{self.code}: no reference rate in force on {day}; extend reference_rates")
        return applicable[-1]

    def compensation_for(self, open_amount: Decimal) -> Decimal:
        return next(amount for below, amount in self.compensation if below is None or open_amount < below)


@dataclass(frozen=True)
class Segment:
    """Days of delay charged at one rate: start and end both included."""

    start: dt.date
    end: dt.date
    days: int
    reference_rate: Decimal | None  # None when the terms agreed the rate
    rate: Decimal
    interest: Decimal


@dataclass(frozen=True)
class LateCharges:
    invoice_id: str
    jurisdiction: str
    as_of: dt.date
    due_date: dt.date
    currency: str
    open_amount: Decimal
    day_basis: int
    segments: tuple[Segment, ...]
    compensation: Decimal
    compensation_currency: str

    @property
    def interest(self) -> Decimal:
        return sum((s.interest for s in self.segments), Decimal("0.00"))

    @property
    def days(self) -> int:
        return sum(s.days for s in self.segments)

    @property
    def rate(self) -> Decimal | None:
        """The annual rate of the latest part (the one in force on the notice date)."""
        return self.segments[-1].rate if self.segments else None

    @property
    def arithmetic_text(self) -> str:
        return arithmetic(self, "en")


def _parse(code: str, raw: dict) -> Jurisdiction:
    where = f"{CONFIG_PATH.name}, jurisdiction {code}"
    if raw.get("fixing") not in FIXINGS:
        raise ValueError(f"{where}: fixing must be one of {FIXINGS}, not {raw.get('fixing')!r}")
    if raw.get("day_count") not in DAY_COUNTS:
        raise ValueError(f"{where}: day_count must be one of {tuple(DAY_COUNTS)}, not {raw.get('day_count')!r}")
    comp = raw["compensation"]
    bands = comp.get("bands") or [{"amount": comp["amount"]}]
    if "below" in bands[-1]:
        raise ValueError(f"{where}: the last compensation band must have no `below`")
    rates = tuple((r["from"], Decimal(str(r["rate"]))) for r in raw["reference_rates"])
    if [d for d, _ in rates] != sorted(d for d, _ in rates):
        raise ValueError(f"{where}: reference_rates must be in date order")
    return Jurisdiction(
        code=code,
        legal_basis=raw["legal_basis"],
        countries=tuple(raw.get("countries") or ()),
        reference=raw["reference"],
        margin_points=Decimal(str(raw["margin_points"])),
        fixing=raw["fixing"],
        day_count=raw["day_count"],
        currency=raw["currency"],
        notice_days=int(raw["notice_days"]),
        reference_rates=rates,
        compensation=tuple(
            (None if "below" not in b else Decimal(str(b["below"])), Decimal(str(b["amount"]))) for b in bands
        ),
    )


@lru_cache(maxsize=4)
def load_jurisdictions(path: Path = CONFIG_PATH) -> dict[str, Jurisdiction]:
    raw = yaml.safe_load(path.read_text())
    jurisdictions = {code: _parse(code, body) for code, body in raw["jurisdictions"].items()}
    if raw["default"] not in jurisdictions:
        raise ValueError(f"{path.name}: default {raw['default']!r} is not a jurisdiction")
    return jurisdictions | {"default": jurisdictions[raw["default"]]}


def jurisdiction_for(country_code: str | None, path: Path = CONFIG_PATH) -> Jurisdiction:
    """The jurisdiction whose `countries` list the customer's country, else the default one."""
    jurisdictions = load_jurisdictions(path)
    return next(
        (j for code, j in jurisdictions.items() if code != "default" and country_code in j.countries),
        jurisdictions["default"],
    )


def _half_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1 if day.month <= 6 else 7, 1)


def _next_half_year(day: dt.date) -> dt.date:
    start = _half_year_start(day)
    return dt.date(start.year, 7, 1) if start.month == 1 else dt.date(start.year + 1, 1, 1)


def _periods(start: dt.date, end: dt.date, jurisdiction: Jurisdiction) -> list[tuple[dt.date, dt.date, Decimal]]:
    """(first day, last day, reference rate) of each part of the delay."""
    if jurisdiction.fixing == "half_year_eve_at_due":
        return [(start, end, jurisdiction.reference_rate_on(_half_year_start(start) - dt.timedelta(days=1)))]
    periods, day = [], start
    while day <= end:
        last = min(end, _next_half_year(day) - dt.timedelta(days=1))
        periods.append((day, last, jurisdiction.reference_rate_on(_half_year_start(day))))
        day = last + dt.timedelta(days=1)
    return periods


def late_charges(
    invoice: Mapping, jurisdiction: Jurisdiction, as_of: dt.date, agreed_rate: Decimal | None = None
) -> LateCharges:
    """Interest and fixed compensation owed on ``invoice`` (invoice_id, due_date, open_amount,
    currency_code) on the notice date ``as_of``.

    Simple interest on the open amount from the day after the due date to ``as_of`` included, at
    the reference rate + margin, or at ``agreed_rate`` (percent per year) when the terms set one.
    Nothing is owed on an invoice not yet late or fully paid.
    """
    due = as_date(invoice["due_date"])
    as_of = as_date(as_of)
    open_amount = money(invoice["open_amount"])
    late = as_of > due and open_amount > 0
    basis = DAY_COUNTS[jurisdiction.day_count]
    segments = []
    for first, last, reference in _periods(due + dt.timedelta(days=1), as_of, jurisdiction) if late else []:
        rate = agreed_rate if agreed_rate is not None else reference + jurisdiction.margin_points
        days = (last - first).days + 1
        segments.append(
            Segment(
                first,
                last,
                days,
                None if agreed_rate is not None else reference,
                rate,
                cents(open_amount * rate / 100 * days / basis),
            )
        )
    return LateCharges(
        invoice_id=str(invoice["invoice_id"]),
        jurisdiction=jurisdiction.code,
        as_of=as_of,
        due_date=due,
        currency=str(invoice["currency_code"]),
        open_amount=open_amount,
        day_basis=basis,
        segments=tuple(segments),
        compensation=cents(jurisdiction.compensation_for(open_amount) if late else Decimal("0")),
        compensation_currency=jurisdiction.currency,
    )


def arithmetic(charges: LateCharges, language: str, path: Path = CONFIG_PATH) -> str:
    """The sum written out, one line per part of the delay and then the invoice's charges: what
    the debtor, or a judge, needs to check every figure."""
    w = words(language)
    name = load_jurisdictions(path)[charges.jurisdiction].reference[language]
    lines = []
    for s in charges.segments:
        rate = (
            w["agreed_rate"]
            if s.reference_rate is None
            else w["rate_parts"].format(
                reference=percent(s.reference_rate, language),
                reference_name=name,
                margin=format_decimal(s.rate - s.reference_rate, "0.##", locale=language),
            )
        )
        period = w["segment"].format(start=day(s.start, language), end=day(s.end, language))
        lines.append(
            f"{period}{w['colon']} {amount(charges.open_amount, charges.currency, language)} × "
            f"{percent(s.rate, language)} ({rate}) × {s.days}/{charges.day_basis} = "
            f"{amount(s.interest, charges.currency, language)}"
        )
    lines.append(
        w["charge_line"].format(
            number=charges.invoice_id,
            interest=amount(charges.interest, charges.currency, language),
            compensation=amount(charges.compensation, charges.compensation_currency, language),
        )
    )
    return "\n".join(lines)
