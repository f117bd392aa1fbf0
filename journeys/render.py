"""Personalised reminder e-mails: Jinja2 templates per language and template name, each
rendered twice — HTML (autoescaped) and plain text — from the same blocks, so the two parts
never say different things."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import yaml
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from journeys.catalog import TEMPLATE_DIR, languages

FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


@lru_cache(maxsize=2)
def _environment(html: bool) -> Environment:
    # StrictUndefined: a template asking for a field we do not pass fails loudly here, instead
    # of silently sending a reminder with a blank amount.
    return Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=html, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@lru_cache(maxsize=8)
def labels(language: str) -> dict:
    return yaml.safe_load((TEMPLATE_DIR / language / "labels.yaml").read_text())


def language_of(code: str | None) -> str:
    available = {p.name for p in languages()}
    return code if code in available else FALLBACK_LANGUAGE


def context(message: dict, invoices: pd.DataFrame, brand: dict, contact_name: str | None) -> dict:
    """What a template may use: the message, its invoices (formatted for the language), the
    branding and who to call."""
    language = language_of(message.get("language_code"))
    words = labels(language)

    def money(amount) -> str:
        return format_currency(float(amount), message["currency_code"], locale=language)

    rows = [{"number": r.invoice_id, "po_number": r.po_number if isinstance(r.po_number, str) else None,
             "due_date": format_date(r.due_date.date(), format="long", locale=language),
             "amount": money(r.open_amount), "payment_link": brand["payment_link"].format(invoice_id=r.invoice_id)}
            for r in invoices.sort_values("due_date").itertuples()]
    owner = message.get("account_owner")
    return {
        "language": language, "labels": words, "brand": brand, "contact_name": contact_name,
        "invoices": rows, "invoice_count": len(rows), "total_due": money(invoices.open_amount.sum()),
        "first_due_date": rows[0]["due_date"] if rows else "", "tone": message["tone"],
        "max_days_past_due": max(int(message["max_days_past_due"]), 0),
        "incentive_text": words["incentives"].get(message.get("incentive") or "none", ""),
        "framing_text": words["framing"].get(message.get("variant") or "", ""),
        "owner_line": words["owner_line_with_owner"].format(owner=owner) if isinstance(owner, str) and owner else "",
    }


def render(message: dict, invoices: pd.DataFrame, brand: dict, contact_name: str | None = None) -> Rendered:
    ctx = context(message, invoices, brand, contact_name)
    name = f"{ctx['language']}/{message['template']}.j2"
    html = _environment(True).get_template(name).render(ctx | {"layout": "_layout.html.j2"})
    text = _environment(False).get_template(name).render(ctx | {"layout": "_layout.txt.j2"})
    subject, _, body = text.partition("\n")
    return Rendered(subject=subject.strip(), html=html, text=body.lstrip("\n"))
