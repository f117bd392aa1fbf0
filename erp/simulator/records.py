"""Contract rows derived from the latent world: names and contacts, payment rows, credit notes,
disputes and e-mail events."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

FIRST_NAMES = {
    "fr": ["Camille", "Louis", "Chloé", "Hugo", "Léa", "Nicolas", "Manon", "Julien", "Inès", "Thomas"],
    "en": ["Emma", "James", "Olivia", "Noah", "Sophia", "Liam", "Ava", "Lucas", "Mia", "Ethan"],
}
LAST_NAMES = {
    "fr": ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux", "Fournier"],
    "en": ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Clarke", "Walker"],
}
COMPANY_WORDS = [
    "Atlas",
    "Boréal",
    "Cobalt",
    "Delta",
    "Étoile",
    "Fjord",
    "Granit",
    "Helios",
    "Iris",
    "Jade",
    "Kappa",
    "Lumen",
    "Mistral",
    "Nova",
    "Orion",
    "Pixel",
    "Quartz",
    "Rivage",
]
COMPANY_SUFFIX = {"FR": "SARL", "BE": "SRL", "DE": "GmbH", "GB": "Ltd", "US": "Inc.", "CA": "Inc.", "ES": "S.L."}
ROLES = ("billing", "accounts_payable", "owner", "other")


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def company_names(rng, customers: pd.DataFrame) -> list[str]:
    a = rng.choice(COMPANY_WORDS, len(customers))
    b = rng.choice(COMPANY_WORDS, len(customers))
    return [f"{x} {y} {COMPANY_SUFFIX[c]}" for x, y, c in zip(a, b, customers.country, strict=False)]


def contacts_for(rng, customers: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """One to three contacts per customer; the first is the primary billing contact."""
    counts = 1 + rng.binomial(2, 0.35, len(customers))
    row = np.repeat(np.arange(len(customers)), counts)
    c = customers.iloc[row].reset_index(drop=True)
    rank = c.groupby("customer_id").cumcount()
    lang = np.where(c.language == "fr", "fr", "en")
    first = [rng.choice(FIRST_NAMES[lg]) for lg in lang]
    last = [rng.choice(LAST_NAMES[lg]) for lg in lang]
    domains = [ascii_slug(n) + ".example" for n in c.name]
    contacts = pd.DataFrame(
        {
            "contact_id": [f"{cid}-K{r}" for cid, r in zip(c.customer_id, rank, strict=False)],
            "customer_id": c.customer_id,
            "email": [
                f"{ascii_slug(f)}.{ascii_slug(la)}{r or ''}@{d}"
                for f, la, r, d in zip(first, last, rank, domains, strict=False)
            ],
            "full_name": [f"{f} {la}" for f, la in zip(first, last, strict=False)],
            "role": np.where(rank == 0, "billing", rng.choice(ROLES[1:], len(c))),
            "is_primary": (rank == 0).to_numpy(),
            "timezone": np.where(rng.random(len(c)) < 0.05, "Europe/London", None),
        }
    )
    opted = rng.random(len(c)) < 0.01
    days = max((end - c.created_at.min()).days, 1)
    contacts["opted_out_at"] = (
        c.created_at + pd.to_timedelta(rng.integers(0, days, len(c)), unit="D") + pd.Timedelta(hours=10)
    ).where(opted)
    return contacts


def payment_rows(rng, inv: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Split each settled invoice into the payment rows a bank statement would show.

    Customers who switched to card after their onset pay in two or three smaller card payments;
    a few others pay in two parts. A payment on one day by check or wire covers all the
    invoices it settles (one payment_id, several rows).
    """
    paid = inv[inv.pay_date.notna() & (inv.amount > inv.credit_amount)]
    c = customers.set_index("customer_id").loc[paid.customer_id].reset_index()
    switched = ((c.change_type == "method_switch") & (paid.pay_date.to_numpy() >= c.change_onset)).to_numpy()
    parts = np.where(switched, rng.integers(2, 4, len(paid)), np.where(rng.random(len(paid)) < 0.04, 2, 1))
    row = np.repeat(np.arange(len(paid)), parts)
    p = paid.iloc[row].reset_index(drop=True)
    part = p.groupby("invoice_id").cumcount().to_numpy()
    n_parts = parts[row]
    spacing = rng.integers(3, 6, len(p))
    date = p.pay_date - pd.to_timedelta((n_parts - 1 - part) * spacing, unit="D")
    date = date.where(date >= p.issue_date, p.issue_date)
    due = (p.amount - p.credit_amount).to_numpy()
    weights = rng.uniform(0.3, 1.0, len(p))
    share = weights / pd.Series(weights).groupby(p.invoice_id).transform("sum").to_numpy()
    amount = np.round(due * share, 2)
    last = part == n_parts - 1
    paid_before = pd.Series(np.where(last, 0, amount)).groupby(p.invoice_id).transform("sum").to_numpy()
    amount = np.where(last, np.round(due - paid_before, 2), amount)
    method = np.where(switched[row], "card", c.method.to_numpy()[row])
    rows = pd.DataFrame(
        {
            "customer_id": p.customer_id,
            "invoice_id": p.invoice_id,
            "payment_date": date,
            "amount": amount,
            "currency": p.currency,
            "method": method,
        }
    )
    # Split invoices keep one id per part: two parts may fall on the same day.
    grouped = np.isin(method, ["check", "wire"]) & (n_parts == 1)
    rows["payment_id"] = np.where(
        grouped,
        "PAY-" + rows.customer_id + "-" + rows.payment_date.dt.strftime("%Y%m%d") + "-" + rows.method,
        "PAY-" + rows.invoice_id + "-" + pd.Series(part).astype(str),
    )
    return rows[rows.amount > 0].reset_index(drop=True)


def email_events(rng, sends: pd.DataFrame) -> pd.DataFrame:
    """SendGrid-style events for each e-mail sent."""
    if sends.empty:
        return pd.DataFrame(columns=["message_id", "event", "occurred_at"])
    base = sends.sent_at
    frames = [
        pd.DataFrame({"message_id": sends.message_id, "event": "processed", "occurred_at": base}),
    ]
    delivered = ~sends.bounced
    frames.append(
        pd.DataFrame(
            {
                "message_id": sends.message_id[delivered],
                "event": "delivered",
                "occurred_at": base[delivered] + pd.to_timedelta(rng.integers(2, 90, delivered.sum()), unit="s"),
            }
        )
    )
    frames.append(
        pd.DataFrame(
            {
                "message_id": sends.message_id[sends.bounced],
                "event": "bounce",
                "occurred_at": base[sends.bounced] + pd.Timedelta(seconds=30),
            }
        )
    )
    opened_at = base + pd.to_timedelta(sends.open_delay_h, unit="h")
    frames.append(
        pd.DataFrame(
            {"message_id": sends.message_id[sends.opened], "event": "open", "occurred_at": opened_at[sends.opened]}
        )
    )
    click_at = opened_at + pd.to_timedelta(rng.integers(5, 600, len(sends)), unit="s")
    frames.append(
        pd.DataFrame(
            {"message_id": sends.message_id[sends.clicked], "event": "click", "occurred_at": click_at[sends.clicked]}
        )
    )
    frames.append(
        pd.DataFrame(
            {
                "message_id": sends.message_id[sends.unsubscribed],
                "event": "unsubscribe",
                "occurred_at": click_at[sends.unsubscribed],
            }
        )
    )
    events = pd.concat(frames, ignore_index=True)
    events["occurred_at"] = events.occurred_at.dt.floor("s")
    return events


def dispute_rows(inv: pd.DataFrame) -> pd.DataFrame:
    d = inv[inv.dispute_opened.notna()]
    return pd.DataFrame(
        {
            "dispute_id": "DSP-" + d.invoice_id,
            "invoice_id": d.invoice_id,
            "opened_at": d.dispute_opened,
            "resolved_at": d.dispute_resolved,
            "reason": d.dispute_reason,
            "amount": np.where(d.credit_amount > 0, np.maximum(d.credit_amount, 0.01), d.amount),
        }
    )


def credit_note_rows(inv: pd.DataFrame) -> pd.DataFrame:
    c = inv[inv.credit_amount > 0]
    return pd.DataFrame(
        {
            "credit_note_id": "CN-" + c.invoice_id,
            "invoice_id": c.invoice_id,
            "issue_date": c.credit_date,
            "amount": c.credit_amount,
            "reason": c.credit_reason,
        }
    )
