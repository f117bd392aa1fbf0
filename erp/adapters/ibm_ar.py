"""IBM accounts-receivable late-payment sample → contract drop.

One row per settled invoice (customerID, invoiceNumber, InvoiceDate, DueDate, InvoiceAmount,
Disputed, SettledDate, PaperlessDate, PaperlessBill, countryCode). Mapping:

* customers: one per customerID; terms = the customer's usual DueDate − InvoiceDate; created_at =
  its first invoice; ``paperless_date`` kept as an extra column.
* invoices: invoiceNumber, dates, amount; ``paperless_bill`` kept as an extra column.
* payments: SettledDate is a payment of the full amount (method unknown: ``other``).
* disputes: Disputed = Yes becomes a dispute opened on the invoice date (the sample has no dispute
  date) and resolved at settlement, for the full amount.
* The sample's amounts carry no currency: USD is assumed.
* Extraction date: the last settlement in the file (the sample is one snapshot).

countryCode is an anonymised numeric code, not ISO 3166; it is mapped to these countries so that
time zones and holidays are defined. Change ``COUNTRY_CODES`` if you know the real mapping.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from erp.adapters.base import Drop

COUNTRY_CODES = {391: "US", 406: "CA", 770: "GB", 818: "FR", 897: "DE"}
CURRENCY = "USD"
DATE_FORMAT = "%m/%d/%Y"


def convert(path: Path) -> Drop:
    src = pd.read_csv(path, dtype={"customerID": str, "invoiceNumber": str})
    unknown = sorted(set(src.countryCode) - set(COUNTRY_CODES))
    if unknown:
        raise ValueError(f"{path}: column countryCode has codes with no mapping: {unknown}")
    for col in ("InvoiceDate", "DueDate", "SettledDate", "PaperlessDate"):
        src[col] = pd.to_datetime(src[col], format=DATE_FORMAT)
    src["terms"] = (src.DueDate - src.InvoiceDate).dt.days
    by_customer = src.groupby("customerID")
    customers = pd.DataFrame(
        {
            "customer_id": by_customer.customerID.first(),
            "name": by_customer.customerID.first(),
            "country": by_customer.countryCode.first().map(COUNTRY_CODES),
            "currency": CURRENCY,
            "payment_terms_days": by_customer.terms.agg(lambda s: s.mode().iloc[0]),
            "language": "en",
            "created_at": by_customer.InvoiceDate.min(),
            "paperless_date": by_customer.PaperlessDate.first(),
        }
    ).reset_index(drop=True)
    invoices = pd.DataFrame(
        {
            "invoice_id": src.invoiceNumber,
            "customer_id": src.customerID,
            "issue_date": src.InvoiceDate,
            "due_date": src.DueDate,
            "amount": src.InvoiceAmount.round(2).map("{:.2f}".format),
            "currency": CURRENCY,
            "paperless_bill": src.PaperlessBill,
        }
    )
    payments = pd.DataFrame(
        {
            "payment_id": "PAY-" + src.invoiceNumber,
            "customer_id": src.customerID,
            "invoice_id": src.invoiceNumber,
            "payment_date": src.SettledDate,
            "amount": invoices.amount,
            "currency": CURRENCY,
            "method": "other",
        }
    )
    disputed = src[src.Disputed.str.lower() == "yes"]
    disputes = pd.DataFrame(
        {
            "dispute_id": "DSP-" + disputed.invoiceNumber,
            "invoice_id": disputed.invoiceNumber,
            "opened_at": disputed.InvoiceDate,
            "resolved_at": disputed.SettledDate,
            "reason": "other",
            "amount": invoices.amount[disputed.index],
        }
    )
    return Drop(
        src.SettledDate.max().date(),
        {
            "customers": customers,
            "invoices": invoices,
            "payments": payments,
            "disputes": disputes,
        },
    )
