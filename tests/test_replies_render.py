"""The automatic replies say what is true in the customer's language: golden files of every reply
in French and English (regenerate after a deliberate wording change with
``UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_replies_render.py`` and review the
diff), French typography, the customer's invoice numbers found whatever separators they typed,
and never another account's."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from journeys import catalog, replies, reply_content

GOLDEN = Path(__file__).parent / "golden" / "render"
INVOICES = pd.DataFrame(
    [
        ("F-2026-0042", "EUR", "2026-01-05", "2026-02-04", "PO-881", 1250.0, 0.0, 1250.0),
        ("F-2026-0043", "EUR", "2026-02-01", "2026-03-13", None, 480.0, 80.0, 400.0),
    ],
    columns=reply_content.INVOICE_COLUMNS,
)
CUSTOMER = {
    "customer_id": "C1",
    "customer_name": "Dupont Industries",
    "language_code": "fr",
    "account_owner": "owner_07",
}
CASES = {
    f"reply_{language}_{category}": (category, language) for category in replies.ANSWERABLE for language in ("en", "fr")
}


def rendered(case: str) -> reply_content.Reply:
    category, language = CASES[case]
    invoices = {"po_number": INVOICES.iloc[:1], "unsubscribe": INVOICES.iloc[:0]}.get(category, INVOICES)
    message = {"received_at": "2026-03-09 09:30", "language_code": language}
    return reply_content.build(
        message,
        category,
        CUSTOMER,
        invoices,
        catalog.load_branding(),
        "2026-03-09",
        "Client Contact",
        "https://u.example",
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_replies_match_their_golden_files(case):
    out = rendered(case)
    names = ", ".join(a.filename for a in out.attachments)
    whole = f"Subject: {out.subject}\nAttachments: {names}\n\n{out.text}\n----- html -----\n{out.html}"
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(whole)
    assert whole == path.read_text()


@pytest.mark.parametrize("case", [c for c in CASES if "_fr_" in c])
def test_french_replies_put_a_no_break_space_before_high_punctuation(case):
    out = rendered(case)
    assert not re.findall(r"(?<![\u00a0\u202f])[:;!?](?=\s)", out.subject + "\n" + out.text)


def test_the_unsubscribe_confirmation_carries_no_unsubscribe_link():
    out = rendered("reply_en_unsubscribe")
    assert "https://u.example" not in out.text + out.html
    assert "https://u.example" in rendered("reply_en_payment_link").text


def test_a_copy_of_each_invoice_is_attached_only_to_the_invoice_copy_reply():
    assert [a.filename for a in rendered("reply_fr_invoice_copy").attachments] == [
        "invoice-F-2026-0042.pdf",
        "invoice-F-2026-0043.pdf",
    ]
    assert rendered("reply_fr_payment_link").attachments == ()


def test_the_reply_is_in_the_language_the_customer_wrote_when_a_template_exists():
    assert reply_content.language_for({"language_code": "en"}, {"language_code": "fr"}) == "en"
    assert reply_content.language_for({"language_code": "de"}, {"language_code": "fr"}) == "fr"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("copie de la facture F 2026 0042 svp", ["F-2026-0042"]),
        ("invoices f-2026-0043 and F20260042", ["F-2026-0043", "F-2026-0042"]),
        ("ref XF-2026-00421 and F-2026-00429", []),  # inside longer numbers: not the invoice
        ("INV-7 belongs to someone else", []),
    ],
)
def test_invoice_numbers_are_found_whatever_the_separators_and_only_the_customers(text, found):
    assert reply_content.mentioned(text, INVOICES.invoice_id.tolist()) == found


def test_the_customers_own_words_come_before_the_quoted_reminder():
    body = "Merci de m'envoyer la F-2026-0043.\n\nLe 3 mars 2026 à 10:12, AR <ar@x> a écrit :\n> facture F-2026-0042"
    about = reply_content.invoices_asked_about({"subject": "", "body": body}, INVOICES, 5)
    assert about.invoice_id.tolist() == ["F-2026-0043"]
    nothing = reply_content.invoices_asked_about({"subject": "", "body": "une copie svp"}, INVOICES, 1)
    assert nothing.invoice_id.tolist() == ["F-2026-0042"]  # the oldest open invoice
