"""How soon a person should read an inbound request: its type, what the customer owes, how risky
the customer is and how upset the message sounds, with the reason in words.

Why a product of factors: each one scales the others (a dispute on a large balance of a risky
customer is worth reading first; the same dispute from a customer owing nothing can wait), and
the reason names each factor so a collector sees why a row is on top. The balance counts on a
log scale (10 000 owed is not ten times as urgent as 1 000); an unknown balance or risk (an
e-mail from an unknown sender, a customer not scored yet) counts as the neutral middle.
Priority is in [0, 100].
"""

from __future__ import annotations

import math

# What the request puts at stake if nobody reads it today.
TYPE_WEIGHT = {
    "dispute": 1.0,  # a paused invoice and an unhappy customer
    "promise_to_pay": 0.8,  # to confirm, or dunning keeps chasing a customer who has promised
    "po_number": 0.6,  # the invoice is blocked in the customer's AP until reissued
    "payment_link": 0.6,  # cash offered now
    "invoice_copy": 0.5,  # the customer cannot pay what it cannot find
    "remittance_advice": 0.4,  # cash to allocate
    "other": 0.4,
    "unsubscribe": 0.3,  # handled by suppression; a person only confirms
}
BALANCE_SCALE = 100_000.0  # a balance this large gets the full balance factor
NEUTRAL_BALANCE = 5_000.0
NEUTRAL_RISK = 0.2


def _balance_factor(open_balance: float) -> float:
    balance = NEUTRAL_BALANCE if open_balance is None or math.isnan(open_balance) else max(open_balance, 0.0)
    return 0.3 + 0.7 * min(math.log10(1 + balance) / math.log10(1 + BALANCE_SCALE), 1.0)


def _risk_factor(risk: float) -> float:
    risk = NEUTRAL_RISK if risk is None or math.isnan(risk) else min(max(risk, 0.0), 1.0)
    return 0.5 + risk


def priority(category: str, open_balance: float, risk: float, tone: float) -> tuple[float, str]:
    """(priority in [0, 100], the reason) of one request."""
    weight = TYPE_WEIGHT.get(category, TYPE_WEIGHT["other"])
    upset = 1.0 + 0.5 * max(-tone, 0.0)
    score = 100 * weight * _balance_factor(open_balance) * _risk_factor(risk) * upset / 1.5 / 1.5
    parts = [category.replace("_", " ")]
    known = open_balance is not None and not math.isnan(open_balance)
    parts.append(f"open balance {open_balance:,.0f}" if known else "balance unknown")
    parts.append("risk unknown" if risk is None or math.isnan(risk) else f"risk {risk:.2f}")
    if tone < -0.2:
        parts.append("upset tone")
    return round(min(score, 100.0), 2), "; ".join(parts)
