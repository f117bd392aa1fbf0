"""The portal's pages and actions.

Every page depends on ``session`` (a valid link for one customer) and reads only that
customer's rows; an invoice id in a path is looked up among *their* open invoices, so someone
else's id answers 404 exactly like an unknown one. Every form carries the session's CSRF token
and is refused (403) without it. An action is validated by ``portal.events`` (the same rules the
ingest applies), landed as an event file, then answered with a redirect (Post/Redirect/Get).
Invoice ids go last in paths (``{invoice_id:path}``): ERP ids may contain ``/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlencode

import yaml
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from documents.account import invoice_copy, statement
from documents.text import amount, as_date, language_of, payment_link, short_day, status_on
from portal import events, warehouse
from portal.security import Refused, fingerprint

SESSION_COOKIE = "portal_session"
WORDS = Path(__file__).resolve().parent / "words.yaml"
router = APIRouter()


@lru_cache(maxsize=1)
def _all_words() -> dict:
    return yaml.safe_load(WORDS.read_text())


@dataclass(frozen=True)
class Session:
    """The verified visitor: one customer, through one link token."""

    token: str
    customer_id: str
    expires_at: int
    csrf: str


def session(request: Request) -> Session:
    """The FastAPI dependency of every customer page: 403 without a valid link, 429 beyond the
    per-token limit."""
    portal = request.app.state.portal
    token = request.cookies.get(SESSION_COOKIE, "")
    try:
        customer_id, expires_at = portal.links.customer_of(token)
    except Refused as err:
        raise HTTPException(403, "This link is not valid or has expired.") from err
    if not portal.token_window.allow(fingerprint(token)):
        raise HTTPException(429, "Too many requests, please try again in a minute.", {"Retry-After": "60"})
    return Session(token, customer_id, expires_at, portal.links.csrf(token))


Visitor = Annotated[Session, Depends(session)]


def _portal(request: Request):
    return request.app.state.portal


def problem(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
    """An error page that says what happened and nothing about any account."""
    return _portal(request).templates.TemplateResponse(
        request,
        "problem.html",
        {"message": message, "brand": _portal(request).brand},
        status_code=status,
        headers=headers,
    )


def _customer(request: Request, who) -> dict:
    customer = warehouse.customer(_portal(request).warehouse_path, who.customer_id)
    if customer is None:  # a valid link for a customer no longer in the warehouse
        raise HTTPException(403, "This link is not valid or has expired.")
    return customer


def _invoice(request: Request, who, invoice_id: str) -> dict:
    found = warehouse.invoice(_portal(request).warehouse_path, who.customer_id, invoice_id)
    if found is None:
        raise HTTPException(404, "No such open invoice on your account.")
    return found


def _page(request: Request, who, name: str, customer: dict, **context) -> Response:
    """A page in the customer's language, with the helpers templates format amounts and dates with."""
    language = language_of(customer.get("language_code"))
    as_of = as_date(customer["as_of_date"])
    helpers = {
        "amount": lambda value, currency: amount(value, currency, language),
        "day": lambda value: short_day(as_date(value), language),
        "status": lambda row: status_on(language, as_date(row["due_date"]), as_of, row["open_amount"]),
        "href": lambda prefix, invoice_id: f"{prefix}/{quote(str(invoice_id), safe='')}",
    }
    return _portal(request).templates.TemplateResponse(
        request,
        name,
        {
            "w": _all_words()[language],
            "brand": _portal(request).brand,
            "customer": customer,
            "as_of": as_of,
            "csrf": who.csrf,
            "lang": language,
            **helpers,
            **context,
        },
    )


async def _form(request: Request, who) -> dict:
    """The submitted fields without the CSRF token, which must match the session's."""
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    if not _portal(request).links.csrf_ok(who.token, fields.pop("csrf", None)):
        raise HTTPException(403, "This form has expired, please reload the page.")
    return fields


def _record(request: Request, who, kind: str, invoice_id: str | None, fields: dict) -> Response:
    """Land the action as an event and send the customer to the thank-you page."""
    now = dt.datetime.fromtimestamp(_portal(request).links.clock(), dt.UTC)
    try:
        events.write(_portal(request).events_dir, who.customer_id, kind, invoice_id, fields, now)
    except events.InvalidEvent as err:
        raise HTTPException(422, f"Please check the form: {err}.") from err
    return RedirectResponse("/done", status_code=303)


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}"},
    )


@router.get("/static/portal.css")
def stylesheet(request: Request) -> Response:
    """The stylesheet in the e-mails' brand colour (a file, so the CSP needs no inline style)."""
    css = _portal(request).templates.get_template("portal.css").render(brand=_portal(request).brand)
    return Response(css, media_type="text/css")


@router.get("/start/{token}")
def start(request: Request, token: str, then: str = "") -> Response:
    """The e-mail's link: swap the token in the URL for an HttpOnly cookie, then leave the URL
    (for the account page, or one of its forms: the e-mail's unsubscribe link opens that one)."""
    portal = _portal(request)
    try:
        _, expires_at = portal.links.customer_of(token)
    except Refused as err:
        raise HTTPException(403, "This link is not valid or has expired.") from err
    response = RedirectResponse(f"/{then}" if then in ACCOUNT_FORMS else "/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max(0, int(expires_at - portal.links.clock())),
        path="/",
        secure=True,  # browsers also keep Secure cookies on http://127.0.0.1, so local runs work
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/")
def account(request: Request, who: Visitor) -> Response:
    customer = _customer(request, who)
    invoices = warehouse.open_invoices(_portal(request).warehouse_path, who.customer_id)
    totals = invoices.groupby("currency_code").open_amount.sum().round(2).to_dict()
    return _page(request, who, "account.html", customer, invoices=invoices.to_dict("records"), totals=totals)


@router.get("/invoice/{invoice_id:path}")
def invoice_page(request: Request, invoice_id: str, who: Visitor) -> Response:
    customer = _customer(request, who)
    found = _invoice(request, who, invoice_id)
    return _page(
        request,
        who,
        "invoice.html",
        customer,
        invoice=found,
        reasons=events.DISPUTE_REASONS,
        today=as_date(customer["as_of_date"]).isoformat(),
    )


@router.get("/pdf/invoice/{invoice_id:path}")
def invoice_pdf(request: Request, invoice_id: str, who: Visitor) -> Response:
    customer = _customer(request, who)
    found = _invoice(request, who, invoice_id)
    content = invoice_copy(found, customer, _portal(request).brand, as_date(customer["as_of_date"]))
    return _pdf(content, f"invoice-{invoice_id}.pdf")


@router.get("/pdf/statement")
def statement_pdf(request: Request, who: Visitor) -> Response:
    customer = _customer(request, who)
    invoices = warehouse.open_invoices(_portal(request).warehouse_path, who.customer_id)
    content = statement(customer, invoices, _portal(request).brand, as_date(customer["as_of_date"]))
    return _pdf(content, "statement.pdf")


@router.post("/pay/{invoice_id:path}")
async def pay(request: Request, invoice_id: str, who: Visitor) -> Response:
    """Record the intent, then hand over to the company's payment page with amount and reference."""
    fields = await _form(request, who)
    found = _invoice(request, who, invoice_id)
    due = f"{found['open_amount']:.2f}"
    if fields:
        raise HTTPException(422, "Please check the form: unexpected fields.")
    _record(request, who, "pay_redirect", invoice_id, {"amount": due, "currency_code": found["currency_code"]})
    query = urlencode({"amount": due, "currency": found["currency_code"], "reference": invoice_id})
    return RedirectResponse(f"{payment_link(_portal(request).brand, invoice_id)}?{query}", status_code=303)


@router.post("/promise/{invoice_id:path}")
async def promise(request: Request, invoice_id: str, who: Visitor) -> Response:
    fields = await _form(request, who)
    _invoice(request, who, invoice_id)
    today = dt.datetime.fromtimestamp(_portal(request).links.clock(), dt.UTC).date().isoformat()
    if str(fields.get("promised_date", "")) < today:  # ISO dates order as text; the ingest re-checks the format
        raise HTTPException(422, "Please check the form: the promised date is in the past.")
    return _record(request, who, "promise_to_pay", invoice_id, fields)


@router.post("/dispute/{invoice_id:path}")
async def dispute(request: Request, invoice_id: str, who: Visitor) -> Response:
    fields = await _form(request, who)
    _invoice(request, who, invoice_id)
    return _record(request, who, "dispute", invoice_id, fields)


ACCOUNT_FORMS = {"plan": "payment_plan", "contact": "billing_contact", "unsubscribe": "unsubscribe"}


@router.post("/one-click-unsubscribe/{token}")
async def one_click_unsubscribe(request: Request, token: str) -> Response:
    """RFC 8058: a mail client's "Unsubscribe" button POSTs ``List-Unsubscribe=One-Click`` to the
    URL of the message's header, without cookies or a form: the signed token is the proof."""
    try:
        customer_id, _ = _portal(request).links.customer_of(token)
    except Refused as err:
        raise HTTPException(403, "This link is not valid or has expired.") from err
    if (await request.body()).strip() != b"List-Unsubscribe=One-Click":
        raise HTTPException(400, "Expected List-Unsubscribe=One-Click.")
    now = dt.datetime.fromtimestamp(_portal(request).links.clock(), dt.UTC)
    events.write(_portal(request).events_dir, customer_id, "unsubscribe", None, {}, now)
    return Response("Unsubscribed.", media_type="text/plain")


@router.get("/{form}", name="account_form")
def account_form(request: Request, form: str, who: Visitor) -> Response:
    if form not in ACCOUNT_FORMS and form != "done":
        raise HTTPException(404, "No such page.")
    customer = _customer(request, who)
    return _page(request, who, f"{form}.html", customer, today=as_date(customer["as_of_date"]).isoformat())


@router.post("/{form}")
async def account_action(request: Request, form: str, who: Visitor) -> Response:
    if form not in ACCOUNT_FORMS:
        raise HTTPException(404, "No such page.")
    fields = await _form(request, who)
    return _record(request, who, ACCOUNT_FORMS[form], None, fields)
