"""Statutory late-payment charges against figures worked out by hand, and charged once.

Each hand-worked case writes its arithmetic in the docstring: the test fails if the code and the
hand computation part ways by a cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from documents.charge_book import charge_once, recorded
from documents.late_charges import arithmetic, jurisdiction_for, late_charges, load_jurisdictions

FR_INVOICE = {"invoice_id": "F-2025-0042", "due_date": "2025-02-15", "open_amount": 1250.0, "currency_code": "EUR"}
UK_INVOICE = {"invoice_id": "UK-7", "due_date": dt.date(2025, 6, 20), "open_amount": 4800.0, "currency_code": "GBP"}
EU_INVOICE = {"invoice_id": "DE-9", "due_date": "2025-05-31", "open_amount": 10000.0, "currency_code": "EUR"}


def test_french_invoice_hand_worked():
    """FR, L441-10: EUR 1,250.00 due 15 Feb 2025, notice on 1 Apr 2025.

    Days: 16-28 Feb = 13, March = 31, 1 Apr = 1 -> 45.
    Rate: ECB main refinancing rate in force on 1 Jan 2025 (3.15 %, since 18 Dec 2024) + 10 points
    = 13.15 % for the whole first half-year (the 5 Feb and 12 Mar cuts do not count).
    Interest: 1,250.00 x 0.1315 = 164.375; x 45 / 365 = 20.2654... -> EUR 20.27.
    Compensation: EUR 40 per invoice (D441-5).
    """
    charges = late_charges(FR_INVOICE, jurisdiction_for("FR"), dt.date(2025, 4, 1))
    assert (charges.days, charges.rate, charges.interest, charges.compensation) == (
        45,
        Decimal("13.15"),
        Decimal("20.27"),
        Decimal("40.00"),
    )
    assert charges.compensation_currency == "EUR" and charges.jurisdiction == "FR"
    assert (
        "€1,250.00 × 13.15% (3.15% ECB main refinancing rate + 10 points) × 45/365 = €20.27" in charges.arithmetic_text
    )


def test_uk_invoice_hand_worked():
    """UK, Late Payment Act 1998: GBP 4,800.00 due 20 Jun 2025, notice on 19 Aug 2025.

    Days: 21-30 Jun = 10, July = 31, 1-19 Aug = 19 -> 60.
    Rate: fixed for the debt from the half-year in which it fell late (first late day 21 Jun 2025,
    half-year from 1 Jan 2025): Bank of England base rate on 31 Dec 2024 (4.75 %, since 7 Nov 2024)
    + 8 points = 12.75 %; the 8 May and 7 Aug 2025 cuts do not change it.
    Interest: 4,800.00 x 0.1275 = 612.00; x 60 / 365 = 100.6027... -> GBP 100.60.
    Compensation: GBP 4,800 is from 1,000 to under 10,000 -> GBP 70.
    """
    charges = late_charges(UK_INVOICE, jurisdiction_for("GB"), dt.date(2025, 8, 19))
    assert (charges.days, charges.rate, charges.interest, charges.compensation) == (
        60,
        Decimal("12.75"),
        Decimal("100.60"),
        Decimal("70.00"),
    )
    assert charges.compensation_currency == "GBP" and len(charges.segments) == 1
    assert (
        "£4,800.00 × 12.75% (4.75% Bank of England base rate + 8 points) × 60/365 = £100.60" in charges.arithmetic_text
    )


def test_eu_default_invoice_hand_worked_across_two_half_years():
    """EU default (a German customer), Directive 2011/7/EU: EUR 10,000.00 due 31 May 2025, notice
    on 30 Jul 2025; the delay spans two half-years, each at its own reference rate.

    1-30 Jun 2025: 30 days at (3.15 % on 1 Jan 2025 + 8) = 11.15 %:
        10,000 x 0.1115 x 30 / 365 = 3,345 x 30 / 365 = 91.6438... -> 91.64
    1-30 Jul 2025: 30 days at (2.15 % on 1 Jul 2025, since 11 Jun + 8) = 10.15 %:
        10,000 x 0.1015 x 30 / 365 = 83.4246... -> 83.42
    Interest: 91.64 + 83.42 = EUR 175.06 over 60 days; compensation EUR 40.
    """
    charges = late_charges(EU_INVOICE, jurisdiction_for("DE"), dt.date(2025, 7, 30))
    assert charges.jurisdiction == "EU"
    assert [(s.days, s.rate, s.interest) for s in charges.segments] == [
        (30, Decimal("11.15"), Decimal("91.64")),
        (30, Decimal("10.15"), Decimal("83.42")),
    ]
    assert (charges.days, charges.interest, charges.compensation) == (60, Decimal("175.06"), Decimal("40.00"))
    assert charges.rate == Decimal("10.15")  # the one in force on the notice date


def test_french_arithmetic_is_written_in_french():
    text = arithmetic(late_charges(FR_INVOICE, jurisdiction_for("FR"), dt.date(2025, 4, 1)), "fr")
    flat = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
    assert "du 16 février 2025 au 1er avril 2025 : 1 250,00 € × 13,15 % (3,15 % taux de refinancement" in flat
    assert "pénalités 20,27 € + indemnité forfaitaire 40,00 €" in flat


@pytest.mark.parametrize(("open_amount", "fixed_sum"), [(999.99, "40"), (1000, "70"), (9999.99, "70"), (10000, "100")])
def test_uk_fixed_sum_follows_the_size_of_the_debt(open_amount, fixed_sum):
    invoice = UK_INVOICE | {"open_amount": open_amount}
    assert late_charges(invoice, jurisdiction_for("GB"), dt.date(2025, 8, 19)).compensation == Decimal(fixed_sum)


def test_nothing_is_owed_before_the_day_after_the_due_date_or_once_paid():
    on_due_date = late_charges(FR_INVOICE, jurisdiction_for("FR"), dt.date(2025, 2, 15))
    paid = late_charges(FR_INVOICE | {"open_amount": 0}, jurisdiction_for("FR"), dt.date(2025, 4, 1))
    for charges in (on_due_date, paid):
        assert (charges.days, charges.interest, charges.compensation) == (0, Decimal("0.00"), Decimal("0.00"))
    one_day = late_charges(FR_INVOICE, jurisdiction_for("FR"), dt.date(2025, 2, 16))
    assert one_day.days == 1 and one_day.interest == Decimal("0.45")  # 1,250 x 13.15 % / 365 = 0.4503


def test_a_rate_agreed_in_the_terms_replaces_the_statutory_one():
    """Terms at 15 %: 1,250.00 x 0.15 x 45 / 365 = 23.1164... -> 23.12."""
    charges = late_charges(FR_INVOICE, jurisdiction_for("FR"), dt.date(2025, 4, 1), agreed_rate=Decimal("15"))
    assert charges.interest == Decimal("23.12") and charges.segments[0].reference_rate is None
    assert "rate agreed in our terms" in charges.arithmetic_text


def test_a_configuration_mistake_names_the_jurisdiction(tmp_path):
    path = tmp_path / "late_charges.yaml"
    path.write_text(
        "default: XX\njurisdictions:\n  XX: {legal_basis: {en: x}, reference: {en: r}, margin_points: 8,"
        " fixing: monthly, day_count: actual/365, currency: EUR, compensation: {amount: 40},"
        " notice_days: 8, reference_rates: [{from: 2025-01-01, rate: 2}]}\n"
    )
    with pytest.raises(ValueError, match="jurisdiction XX: fixing"):
        load_jurisdictions(path)


def test_charged_once_however_often_the_notice_is_sent(tmp_path):
    """The first notice (1 Apr 2025) fixes EUR 20.27; a notice re-sent on 1 Jun 2025, which would
    compute 1,250 x 13.15 % x 106 / 365 = 47.74, still claims the recorded 20.27, also from a
    new connection to the same warehouse file."""
    warehouse = tmp_path / "warehouse.duckdb"
    france = jurisdiction_for("FR")
    with duckdb.connect(str(warehouse)) as con:
        first = charge_once(con, FR_INVOICE, france, dt.date(2025, 4, 1))
        again = charge_once(con, FR_INVOICE, france, dt.date(2025, 6, 1))
    assert late_charges(FR_INVOICE, france, dt.date(2025, 6, 1)).interest == Decimal("47.74")
    with duckdb.connect(str(warehouse)) as con:
        later = charge_once(con, FR_INVOICE, france, dt.date(2025, 9, 1))
        row = con.execute(
            "select count(*), any_value(interest), any_value(as_of), any_value(arithmetic_text) "
            "from documents.late_charges"
        ).fetchone()
    assert first == again == later
    assert later.interest == Decimal("20.27") and later.as_of == dt.date(2025, 4, 1)
    assert row[:3] == (1, Decimal("20.27"), dt.date(2025, 4, 1)) and "= €20.27" in row[3]


def test_an_invoice_not_yet_late_is_not_recorded(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        charges = charge_once(con, FR_INVOICE, jurisdiction_for("FR"), dt.date(2025, 2, 10))
        assert charges.interest == 0 and recorded(con, FR_INVOICE["invoice_id"]) is None
        assert charge_once(con, FR_INVOICE, jurisdiction_for("FR"), dt.date(2025, 4, 1)).interest == Decimal("20.27")
