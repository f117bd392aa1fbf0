"""Each PDF is readable by a real PDF reader (pypdf) and carries its facts: invoice numbers,
amounts, dates, statuses, the interest with its arithmetic; French accents and the euro sign
survive the round trip. One page is rasterised with poppler's pdftoppm when it is installed."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import duckdb
import pandas as pd
import pytest
from pypdf import PdfReader

from documents.account import invoice_copy, statement
from documents.late_charges import jurisdiction_for
from documents.letters import letter, letter_batch
from documents.notice import formal_notice, notice_charges
from journeys.catalog import load_branding
from journeys.render import render

AS_OF = dt.date(2025, 4, 1)
FRENCH = {
    "customer_id": "C-0042",
    "customer_name": "Société Générale d'Éclairage",
    "language_code": "fr",
    "country_code": "FR",
}
BRITISH = {
    "customer_id": "C-0009",
    "customer_name": "Brit Widgets Ltd",
    "language_code": "en",
    "country_code": "GB",
    "contact_name": "Ms Jones",
    "postal_address": "1 High Street\nLeeds LS1 1AA",
}


def _invoice(invoice_id, currency, issued, due, amount, paid=0.0, po=None, customer="C-0042"):
    return {
        "invoice_id": invoice_id,
        "customer_id": customer,
        "currency_code": currency,
        "issue_date": issued,
        "due_date": due,
        "po_number": po,
        "invoice_amount": amount,
        "paid_amount": paid,
        "open_amount": amount - paid,
    }


FRENCH_INVOICES = pd.DataFrame(
    [
        _invoice("F-2025-0042", "EUR", "2025-01-16", "2025-02-15", 1500.0, paid=250.0, po="PO-77"),
        _invoice("F-2025-0107", "EUR", "2025-03-20", "2025-04-19", 980.5),
        _invoice("F-2025-0090", "USD", "2025-02-01", "2025-03-03", 300.0),
        _invoice("F-2024-0999", "EUR", "2024-11-02", "2024-12-02", 420.0, paid=420.0),
    ]
)
BRITISH_INVOICES = pd.DataFrame([_invoice("UK-7", "GBP", "2025-05-21", "2025-06-20", 4800.0, customer="C-0009")])


@pytest.fixture(scope="module")
def brand() -> dict:
    return load_branding()


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with Babel's no-break spaces and line breaks flattened to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(p.extract_text().replace("\u202f", " ").replace("\xa0", " ").split()) for p in reader.pages]


def text(pdf: bytes) -> str:
    return " ".join(pages_text(pdf))


def test_invoice_copy_in_french_carries_the_invoice_facts_and_accents(brand):
    content = text(invoice_copy(FRENCH_INVOICES.iloc[0], FRENCH, brand, AS_OF))
    for fact in (
        "Facture F-2025-0042 – duplicata",
        "Société Générale d'Éclairage",
        "N° client C-0042",
        "Le 1er avril 2025",
        "Date d'émission 16 janv. 2025",
        "Échéance 15 févr. 2025",
        "PO-77",
        "Montant de la facture 1 500,00 €",
        "Déjà réglé 250,00 €",
        "Reste dû 1 250,00 €",
        "en retard de 45 jours",
        brand["iban"],
        "https://pay.relance.example/invoices/F-2025-0042",
    ):
        assert fact in content


def test_invoice_copy_in_english_and_of_a_paid_invoice(brand):
    content = text(invoice_copy(BRITISH_INVOICES.iloc[0], BRITISH, brand, dt.date(2025, 6, 15)))
    assert "Invoice UK-7 – copy" in content and "Outstanding £4,800.00" in content and "due in 5 days" in content
    paid = text(invoice_copy(FRENCH_INVOICES.iloc[3], FRENCH, brand, AS_OF))
    assert "Reste dû 0,00 €" in paid and "Statut réglée" in paid and "Pour payer" not in paid


def test_statement_lists_open_invoices_with_status_and_totals_per_currency(brand):
    content = text(statement(FRENCH, FRENCH_INVOICES, brand, AS_OF))
    assert "Relevé de compte" in content and "F-2024-0999" not in content  # paid: not on the statement
    for fact in (
        "F-2025-0042 16 janv. 2025 15 févr. 2025 1 500,00 € 1 250,00 € en retard de 45 jours",
        "F-2025-0107 20 mars 2025 19 avr. 2025 980,50 € 980,50 € à échoir dans 18 jours",
        "Devise : EUR",
        "Total échu 1 250,00 €",
        "À échoir 980,50 €",
        "Total restant dû 2 230,50 €",
        "Devise : USD",
        "300,00 $US 300,00 $US en retard de 29 jours",
        "Total restant dû 300,00 $US",
    ):
        assert fact in content
    assert "3 530,50" not in content  # euros and dollars are never added up


def test_statement_of_an_account_with_nothing_open(brand):
    content = text(statement(FRENCH, FRENCH_INVOICES.iloc[[3]], brand, AS_OF))
    assert "Votre compte ne présente aucune facture ouverte au 1 avr. 2025." in content


def test_french_notice_carries_interest_compensation_and_arithmetic(brand):
    with duckdb.connect(":memory:") as con:
        france = jurisdiction_for("FR")
        charges = notice_charges(con, FRENCH_INVOICES, france, AS_OF)
        content = text(formal_notice(FRENCH, FRENCH_INVOICES, charges, france, brand, AS_OF))
    assert set(charges) == {"F-2025-0042", "F-2025-0090"}  # the invoice not yet due is not claimed
    for fact in (
        "Mise en demeure de payer",
        "Lettre recommandée avec accusé de réception",
        "article L441-10 du Code de commerce",
        "sous 8 jours",
        "F-2025-0042 15 févr. 2025 1 250,00 € 45 20,27 € 40,00 €",
        "du 16 février 2025 au 1er avril 2025 : 1 250,00 € × 13,15 % (3,15 % taux de refinancement de la BCE "
        "+ 10 points) × 45/365 = 20,27 €",
        "Facture F-2025-0042 : pénalités 20,27 € + indemnité forfaitaire 40,00 €",
        # 1,250.00 + 20.27 + 2 x 40.00 compensation in euros; 300.00 + 3.13 interest in dollars
        "Total réclamé 1 350,27 € + 303,13 $US",
    ):
        assert fact in content
    assert "F-2025-0107" not in content


def test_uk_notice_in_english(brand):
    with duckdb.connect(":memory:") as con:
        uk = jurisdiction_for("GB")
        as_of = dt.date(2025, 8, 19)
        content = text(
            formal_notice(BRITISH, BRITISH_INVOICES, notice_charges(con, BRITISH_INVOICES, uk, as_of), uk, brand, as_of)
        )
    for fact in (
        "Letter before action",
        "Late Payment of Commercial Debts (Interest) Act 1998",
        "within 14 days",
        "UK-7 Jun 20, 2025 £4,800.00 60 £100.60 £70.00",
        "£4,800.00 × 12.75% (4.75% Bank of England base rate + 8 points) × 60/365 = £100.60",
        "Total claimed £4,970.60",
    ):
        assert fact in content


def test_a_notice_sent_again_later_claims_the_recorded_charges(brand):
    france = jurisdiction_for("FR")
    with duckdb.connect(":memory:") as con:
        notice_charges(con, FRENCH_INVOICES, france, AS_OF)
        later = dt.date(2025, 6, 1)
        content = text(
            formal_notice(
                FRENCH, FRENCH_INVOICES, notice_charges(con, FRENCH_INVOICES, france, later), france, brand, later
            )
        )
    assert "× 45/365 = 20,27 €" in content and "47,74" not in content  # 106 days would be 47.74 €


def test_letter_states_what_the_reminder_email_states(brand):
    message = {
        "send_day": "2025-04-01",
        "currency_code": "EUR",
        "language_code": "fr",
        "tone": "neutral",
        "template": "reminder",
        "incentive": "late_fee_warning",
        "variant": None,
        "account_owner": "owner_03",
    }
    euros = FRENCH_INVOICES[(FRENCH_INVOICES.currency_code == "EUR") & (FRENCH_INVOICES.open_amount > 0)]
    email = " ".join(render(message, euros, brand).text.replace("\u202f", " ").replace("\xa0", " ").split())
    content = text(letter(message, euros, FRENCH, brand))
    for fact in (
        "F-2025-0042",
        "en retard de 45 jours",
        "F-2025-0107",
        "à échoir dans 18 jours",
        "1 250,00 €",
        "980,50 €",
        "2 230,50 €",
        "Léa Dubois",
        "+33 1 23 45 67 03",
        "40 € par facture",
    ):
        assert fact in email and fact in content
    assert "Votre compte : 2 factures en cours" in content and "Total échu 1 250,00 €" in content
    assert "https://pay.relance.example/invoices/F-2025-0107" in content


def test_daily_batch_starts_each_letter_on_its_own_page(brand):
    french = {
        "send_day": "2025-04-01",
        "currency_code": "EUR",
        "language_code": "fr",
        "tone": "firm",
        "incentive": "none",
        "variant": None,
        "account_owner": None,
    }
    british = french | {"send_day": "2025-08-19", "currency_code": "GBP", "language_code": "en"}
    euros = FRENCH_INVOICES[(FRENCH_INVOICES.currency_code == "EUR") & (FRENCH_INVOICES.open_amount > 0)]
    pages = pages_text(letter_batch([(french, euros, FRENCH), (british, BRITISH_INVOICES, BRITISH)], brand))
    assert len(pages) == 2
    assert "Société Générale d'Éclairage" in pages[0] and "notre service au +33 1 23 45 67 89" in pages[0]
    assert pages[1].count("Brit Widgets Ltd") == 1 and "Leeds LS1 1AA" in pages[1] and "Hello Ms Jones," in pages[1]
    assert "UK-7 June 20, 2025 £4,800.00 60 days overdue" in pages[1] and "Page 1" in pages[1]
    with pytest.raises(ValueError):
        letter_batch([], brand)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_notice_page_rasterises(brand, tmp_path):
    with duckdb.connect(":memory:") as con:
        france = jurisdiction_for("FR")
        pdf = formal_notice(
            FRENCH, FRENCH_INVOICES, notice_charges(con, FRENCH_INVOICES, france, AS_OF), france, brand, AS_OF
        )
    (tmp_path / "notice.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "notice.pdf"),
            str(tmp_path / "notice"),
        ],
        check=True,
        capture_output=True,
    )
    png = (tmp_path / "notice.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_long_documents_flow_onto_further_pages_each_numbered_from_one(brand):
    many = pd.DataFrame(
        [_invoice(f"F-2025-{n:04d}", "EUR", "2025-01-02", f"2025-03-{n % 28 + 1:02d}", 100.0 + n) for n in range(1, 46)]
    )
    pages = pages_text(statement(FRENCH, many, brand, AS_OF))
    assert len(pages) >= 2 and "Facture Date d'émission Échéance" in pages[1]  # headings repeated
    assert "F-2025-0045" in " ".join(pages) and pages[-1].endswith("Page " + str(len(pages)))
    message = {
        "send_day": "2025-04-01",
        "currency_code": "EUR",
        "language_code": "fr",
        "tone": "firm",
        "incentive": "none",
        "variant": None,
        "account_owner": None,
    }
    batch = pages_text(letter_batch([(message, many, FRENCH), (message, FRENCH_INVOICES.iloc[[0]], FRENCH)], brand))
    assert batch[1].endswith("Page 2") and batch[-1].endswith("Page 1") and "F-2025-0042" in batch[-1]
