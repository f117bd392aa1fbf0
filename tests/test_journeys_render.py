"""What the customer reads is true: each invoice says whether it is overdue (and by how many
days) or still to fall due on the send day, totals are split accordingly, grammar follows the
number of invoices in both languages, the account owner is a person with a phone (never the
ERP's id), French typography holds, and ids are encoded in links.

Golden files under tests/golden/render/ hold the whole rendered messages of representative cases;
after a deliberate wording change, regenerate them with
``UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_journeys_render.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from journeys import catalog, render

GOLDEN = Path(__file__).parent / "golden" / "render"
SEND_DAY = "2026-03-10"


def invoices(*rows: tuple[str, str, float, str | None]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["invoice_id", "due_date", "open_amount", "po_number"])


def message(template: str, language: str, tone: str = "neutral", **extra) -> dict:
    return {
        "send_day": SEND_DAY,
        "language_code": language,
        "currency_code": "EUR",
        "template": template,
        "tone": tone,
        "account_owner": "owner_07",
        "incentive": "none",
        "variant": None,
    } | extra


OVERDUE_AND_UPCOMING = invoices(("INV-1", "2026-02-06", 1200.0, "PO-77"), ("INV-2", "2026-03-13", 300.5, None))
CASES = {
    "en_reminder_overdue_and_upcoming": (message("reminder", "en"), OVERDUE_AND_UPCOMING),
    "fr_reminder_overdue_and_upcoming": (message("reminder", "fr"), OVERDUE_AND_UPCOMING),
    "fr_reminder_friendly_one": (
        message("reminder", "fr", tone="friendly"),
        invoices(("F-9", "2026-03-09", 80.0, None)),
    ),
    "en_firm_one_with_framing": (
        message("firm", "en", incentive="late_fee_warning", variant="loss_aversion"),
        invoices(("INV-3", "2026-01-08", 990.0, "PO-1")),
    ),
    "fr_pre_due_unknown_owner": (
        message("pre_due", "fr", tone="friendly", account_owner="owner_99"),
        invoices(("F-1", "2026-03-15", 50.0, None), ("F-2", "2026-03-20", 70.0, None)),
    ),
    "en_pre_due_one": (message("pre_due", "en", tone="friendly"), invoices(("INV-5", "2026-03-10", 10.0, None))),
}


def rendered(case: str) -> render.Rendered:
    msg, lines = CASES[case]
    return render.render(msg, lines, catalog.load_branding(), contact_name="Client Contact")


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_messages_match_their_golden_files(case):
    out = rendered(case)
    whole = f"Subject: {out.subject}\n\n{out.text}\n----- html -----\n{out.html}"
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(whole)
    assert whole == path.read_text()


def test_an_invoice_not_yet_due_is_never_called_overdue():
    text = rendered("en_reminder_overdue_and_upcoming").text
    assert "INV-1 (PO PO-77), due February 6, 2026, 32 days overdue" in text
    assert "INV-2, due March 13, 2026, due in 3 days" in text
    assert "Total overdue: €1,200.00" in text and "Falling due: €300.50" in text
    assert "Total outstanding: €1,500.50" in text
    assert "invoice INV-1 is still unpaid 32 days after its due date" in text


def test_french_says_overdue_or_not_yet_due_per_invoice_with_correct_grammar():
    text = rendered("fr_reminder_overdue_and_upcoming").text
    assert "INV-1 (Bon de commande PO-77), échéance le 6 février 2026, en retard de 32 jours" in text
    assert "à échoir dans 3 jours" in text
    assert "La facture INV-1 reste impayée 32 jours après son échéance." in text
    one = rendered("fr_reminder_friendly_one").text
    assert "la facture F-9 est en retard de 1 jour." in one and "Total échu" in one and "À échoir" not in one


def test_due_today_and_one_invoice_grammar_in_a_pre_due_message():
    text = rendered("en_pre_due_one")
    assert text.subject.startswith("Upcoming payment: 1 invoice due soon")
    assert "invoice INV-5 falls due on March 10, 2026" in text.text and "due today" in text.text
    several = rendered("fr_pre_due_unknown_owner")
    assert "2 factures" in several.subject and "à échoir dans 5 jours" in several.text


def test_the_account_owner_is_a_person_with_a_phone_never_the_erp_id():
    known, unknown = rendered("en_reminder_overdue_and_upcoming"), rendered("fr_pre_due_unknown_owner")
    assert "your account manager Emma Petit on +33 1 23 45 67 07" in known.text
    assert "owner_07" not in known.text + known.html
    assert "owner_99" not in unknown.text + unknown.html and "notre service au +33 1 23 45 67 89" in unknown.text


def test_the_framing_sentence_is_its_own_paragraph():
    text = rendered("en_firm_one_with_framing").text
    assert "agree a solution.\n\nSettling now keeps your account" in text


FRENCH_BAD_SPACING = re.compile(r"(?<![\u00a0\u202f])[:;!?](?=\s)|« | »")


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("fr_")])
def test_french_typography_puts_a_no_break_space_before_high_punctuation(case):
    out = rendered(case)
    assert not FRENCH_BAD_SPACING.findall(out.subject + "\n" + out.text)


def test_invoice_ids_are_url_encoded_in_payment_links():
    out = render.render(
        message("reminder", "en"), invoices(("../INV 1?x=#2", "2026-02-01", 10.0, None)), catalog.load_branding()
    )
    assert "https://pay.relance.example/invoices/..%2FINV%201%3Fx%3D%232" in out.text
    assert "/invoices/../" not in out.text + out.html
