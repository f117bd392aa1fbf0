"""What an automatic reply says and carries: the invoices the request is about, the PDF copies
(documents.account.invoice_copy, from the ERP's rows of the day) and the e-mail rendered from the
reply templates (journeys/templates/<language>/replies/<category>.j2).

Which invoices: the customer's own invoices whose number the customer wrote (their words first —
``clean_body`` drops the quoted thread — then the quoted reminder they answered, which names the
invoices it was about), else the customer's open invoices, oldest due first. A number is matched
whatever separators the customer typed ("INV 2026-0042" for INV-2026-0042), never inside a longer
token, and only among that customer's invoices, so a reply never discloses another account's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pandas as pd
from babel.dates import format_date

from documents.account import invoice_copy
from journeys import render
from journeys.schedule import send_day_of
from ml.inbound.text import clean_body

INVOICE_COLUMNS = ["invoice_id", "currency_code", "issue_date", "due_date", "po_number", "invoice_amount",
                   "paid_amount", "open_amount"]  # fmt: skip
INVOICE_SQL = """select invoice_id, currency_code, issue_date, due_date, po_number,
                        invoice_amount::DOUBLE as invoice_amount, paid_amount::DOUBLE as paid_amount,
                        open_amount::DOUBLE as open_amount
                 from marts.fct_invoices where customer_id = ? order by due_date, invoice_id"""
CUSTOMER_SQL = """select customer_id, customer_name, language_code, account_owner
                  from marts.dim_customer_360 where customer_id = ?"""
NEEDS_INVOICES = {"invoice_copy", "payment_link", "po_number"}
PDF = "application/pdf"


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime_type: str
    content: bytes


@dataclass(frozen=True)
class Reply:
    invoices: pd.DataFrame
    subject: str
    html: str
    text: str
    attachments: tuple[Attachment, ...]


def _number_pattern(invoice_id: str) -> re.Pattern:
    """The invoice number with any separator (or none) where the ERP's id has one."""
    parts = [re.escape(p) for p in re.split(r"[\W_]+", invoice_id) if p]
    return re.compile(r"(?<![A-Za-z0-9])" + r"[\W_]?".join(parts) + r"(?![A-Za-z0-9])", re.IGNORECASE)


def mentioned(text: str, invoice_ids: list[str]) -> list[str]:
    """The ids among ``invoice_ids`` written in ``text``, in the order they first appear."""
    found = {}
    for invoice_id in invoice_ids:
        if re.search(r"[A-Za-z0-9]", invoice_id) and (hit := _number_pattern(invoice_id).search(text)):
            found[invoice_id] = hit.start()
    return sorted(found, key=found.get)


def invoices_asked_about(message: dict, invoices: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The invoices a request is about (see the module's docstring), at most ``limit``."""
    ids = invoices.invoice_id.astype(str).tolist()
    subject, body = str(message.get("subject") or ""), message.get("body")
    for text in (f"{subject}\n{clean_body(body)}", f"{subject}\n{body or ''}"):
        if named := mentioned(text, ids):
            return invoices.set_index("invoice_id").loc[named[:limit]].reset_index()
    return invoices[invoices.open_amount > 0].head(limit).reset_index(drop=True)


def pdf_name(invoice_id: str) -> str:
    """A file name any mail client accepts, whatever characters the ERP's id holds."""
    return f"invoice-{re.sub(r'[^A-Za-z0-9.-]+', '_', invoice_id).strip('._') or 'copy'}.pdf"


def language_for(message: dict, customer: dict) -> str:
    """Answer in the language the customer wrote in when a template exists for it, else theirs."""
    written = message.get("language_code")
    return written if render.language_of(written) == written else render.language_of(customer.get("language_code"))


def load(con: duckdb.DuckDBPyConnection, customer_id: str) -> tuple[dict, pd.DataFrame]:
    """The customer's profile (dim_customer_360) and every invoice of theirs (fct_invoices)."""
    found = con.execute(CUSTOMER_SQL, [customer_id]).df()
    customer = found.iloc[0].to_dict() if len(found) else {"customer_id": customer_id, "customer_name": customer_id}
    return customer, con.execute(INVOICE_SQL, [customer_id]).df()


def build(
    message: dict,
    category: str,
    customer: dict,
    invoices: pd.DataFrame,
    brand: dict,
    as_of: str,
    contact_name: str | None,
    unsubscribe_url: str,
) -> Reply:
    """The reply to one request: ``invoices`` are the ones it is about (empty when the category
    needs none). Copies are printed as of the send day, as the e-mail's statuses are."""
    language = language_for(message, customer)
    send_day = send_day_of(pd.Timestamp(as_of))
    header = {
        "send_day": str(send_day.date()),
        "language_code": language,
        "currency_code": str(invoices.currency_code.iloc[0]) if len(invoices) else "EUR",
        "template": f"replies/{category}",
        "tone": "neutral",
        "incentive": "none",
        "variant": None,
        "account_owner": customer.get("account_owner"),
    }
    attachments = ()
    if category == "invoice_copy":
        printed = {**customer, "language_code": language}
        attachments = tuple(
            Attachment(pdf_name(str(row["invoice_id"])), PDF, invoice_copy(row, printed, brand, send_day.date()))
            for row in invoices.to_dict("records")
        )
    received = pd.Timestamp(message["received_at"]).date()
    extra = {
        "received_on": format_date(received, format="long", locale=language),
        "attachment_names": [a.filename for a in attachments],
    }
    out = render.render(header, invoices, brand, contact_name, unsubscribe_url, layout="_reply", extra=extra)
    return Reply(invoices, out.subject, out.html, out.text, attachments)
