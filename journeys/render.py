"""Personalised reminder e-mails: Jinja2 templates per language and template name, each
rendered twice — HTML (autoescaped) and plain text — from the same blocks, so the two parts
never say different things.

Everything a customer reads about an invoice is computed here from the send day, once: whether
it is overdue (and by how many days), due that day or still to fall due, and the totals of each,
so no template can call an invoice due in three days "unpaid after its due date".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import pandas as pd
import yaml
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from journeys.catalog import TEMPLATE_DIR, languages

FALLBACK_LANGUAGE = "en"
# SendGrid replaces this tag with the recipient's unsubscribe link of the message's ASM group.
SENDGRID_UNSUBSCRIBE_TAG = "<%asm_group_unsubscribe_raw_url%>"


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


@lru_cache(maxsize=2)
def _environment(html: bool) -> Environment:
    # StrictUndefined: a template asking for a field we do not pass fails loudly here, instead
    # of silently sending a reminder with a blank amount.
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=8)
def labels(language: str) -> dict:
    return yaml.safe_load((TEMPLATE_DIR / language / "labels.yaml").read_text())


def language_of(code: str | None) -> str:
    available = {p.name for p in languages()}
    return code if code in available else FALLBACK_LANGUAGE


def plural(language: str, count: int, forms: dict | str) -> str:
    """The CLDR plural form of ``forms`` for ``count`` (French says "0 jour", English "0 days")."""
    if isinstance(forms, str):
        return forms.format(n=count)
    form = Locale.parse(language).plural_form(abs(count))
    return forms.get(form, forms["other"]).format(n=count)


def invoice_status(language: str, days_past_due: int) -> str:
    """ "3 days overdue" / "due today" / "due in 3 days", in the customer's language."""
    words = labels(language)["status"]
    if days_past_due > 0:
        return plural(language, days_past_due, words["overdue"])
    if days_past_due == 0:
        return words["due_today"]
    return plural(language, -days_past_due, words["upcoming"])


def payment_link(brand: dict, invoice_id: str) -> str:
    """The company's payment page for one invoice; the id is URL-encoded (ERP ids may hold
    ``/``, ``?``, ``#`` or spaces)."""
    return brand["payment_link"].format(invoice_id=quote(str(invoice_id), safe=""))


def whom_to_call(language: str, brand: dict, owner_id: str | None) -> str:
    """The account owner's name and phone when the configuration knows the ERP's owner id, else
    the team's number: the customer never reads an internal id."""
    words = labels(language)
    owner = (brand.get("account_owners") or {}).get(owner_id) if isinstance(owner_id, str) else None
    if owner:
        return words["call_owner"].format(name=owner["name"], phone=owner.get("phone") or brand["phone"])
    return words["call_team"].format(phone=brand["phone"])


def context(
    message: dict,
    invoices: pd.DataFrame,
    brand: dict,
    contact_name: str | None,
    unsubscribe_url: str = SENDGRID_UNSUBSCRIBE_TAG,
) -> dict:
    """What a template may use: the message, its invoices with their status on the send day
    (formatted for the language), totals split into overdue and falling due, the branding, whom
    to call and the unsubscribe link."""
    language = language_of(message.get("language_code"))
    words = labels(language)
    send_day = pd.Timestamp(message["send_day"]).normalize()

    def money(amount, currency: str | None = None) -> str:
        return format_currency(float(amount), currency or message["currency_code"], locale=language)

    lines = invoices.assign(due_date=pd.to_datetime(invoices.due_date)).sort_values(["due_date", "invoice_id"])
    days_late = (send_day - lines.due_date.dt.normalize()).dt.days.astype(int)
    rows = [
        {
            "number": r.invoice_id,
            "po_number": r.po_number if isinstance(r.po_number, str) and r.po_number else None,
            "due_date": format_date(r.due_date.date(), format="long", locale=language),
            "amount": money(r.open_amount, getattr(r, "currency_code", None)),  # a reply may span currencies
            "payment_link": payment_link(brand, r.invoice_id),
            "days_past_due": int(late),
            "overdue": late > 0,
            "status": invoice_status(language, int(late)),
        }
        for r, late in zip(lines.itertuples(), days_late, strict=True)
    ]
    overdue = [r for r in rows if r["overdue"]]
    upcoming = [r for r in rows if not r["overdue"]]
    return {
        "language": language,
        "labels": words,
        "brand": brand,
        "contact_name": contact_name,
        "tone": message["tone"],
        "invoices": rows,
        "invoice_count": len(rows),
        "overdue_count": len(overdue),
        "upcoming_count": len(upcoming),
        "overdue_invoices": overdue,
        "upcoming_invoices": upcoming,
        "total_due": money(lines.open_amount.sum()),
        "overdue_total": money(lines.open_amount[days_late > 0].sum()),
        "upcoming_total": money(lines.open_amount[days_late <= 0].sum()),
        "max_days_past_due": max(int(days_late.max()), 0) if len(rows) else 0,
        "max_days_text": plural(language, max(int(days_late.max()), 0) if len(rows) else 0, words["days"]),
        "first_upcoming_due_date": upcoming[0]["due_date"] if upcoming else "",
        "incentive_text": words["incentives"].get(message.get("incentive") or "none", ""),
        "framing_text": words["framing"].get(message.get("variant") or "", ""),
        "whom_to_call": whom_to_call(language, brand, message.get("account_owner")),
        "unsubscribe_url": unsubscribe_url,
        "say": lambda forms, count: plural(language, count, forms),
    }


def render(
    message: dict,
    invoices: pd.DataFrame,
    brand: dict,
    contact_name: str | None = None,
    unsubscribe_url: str = SENDGRID_UNSUBSCRIBE_TAG,
    layout: str = "_layout",
    extra: dict | None = None,
) -> Rendered:
    """The message in both parts; ``layout`` names the frame (``_reply`` for the automatic replies)
    and ``extra`` adds what only some templates use."""
    ctx = context(message, invoices, brand, contact_name, unsubscribe_url) | (extra or {})
    name = f"{ctx['language']}/{message['template']}.j2"
    html = _environment(True).get_template(name).render(ctx | {"layout": f"{layout}.html.j2"})
    text = _environment(False).get_template(name).render(ctx | {"layout": f"{layout}.txt.j2"})
    subject, _, body = text.partition("\n")
    return Rendered(subject=subject.strip(), html=html, text=body.lstrip("\n"))
