"""The ERP input contract (v1) as data.

Everything that reads or writes ERP drops — the simulator, the adapters, ingestion, the Great
Expectations suites, and dbt's source and staging YAML (written by ``python -m erp.contract_codegen``)
— derives its behaviour from these declarations, so a contract change is made here once. The prose
version lives in ``shared/contract/erp_contract.md``.
"""

from __future__ import annotations

# The shape of a declaration (what a column, a row rule, a table may say).
from erp.contract_types import Column, RowRule, Table

# The contact history's channels, tones and incentives are the words Relance's own sends use
# (they come back through this contract): defined once, in erp/vocabulary.yaml.
from erp.vocabulary import CUSTOMER_FACING as CHANNELS
from erp.vocabulary import INCENTIVES, TONES

CONTRACT_VERSION = "v1"

# Value sets of the contract's enumerated string columns.
CONTACT_ROLES = ("billing", "accounts_payable", "owner", "other")
PAYMENT_METHODS = ("wire", "check", "card", "direct_debit", "ach", "other")
EMAIL_EVENTS = (
    "processed",
    "delivered",
    "open",
    "click",
    "bounce",
    "dropped",
    "deferred",
    "spamreport",
    "unsubscribe",
    "group_unsubscribe",
)
DISPUTE_REASONS = ("pricing", "quality", "delivery", "duplicate", "other")
INBOUND_CATEGORIES = (
    "dispute",
    "promise_to_pay",
    "invoice_copy",
    "payment_link",
    "po_number",
    "unsubscribe",
    "remittance_advice",
    "other",
)


def _id(name: str, **kw) -> Column:
    return Column(name, "id", **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "customers",
            required=True,
            key=("customer_id",),
            event_time="created_at",
            description="Customers of the as-of snapshot.",
            columns=(
                _id("customer_id", unique=True),
                Column("name", "string", staged_as="customer_name"),
                Column("country", "country", staged_as="country_code"),
                Column("currency", "currency", staged_as="currency_code"),
                Column("industry", "string", required=False),
                Column("credit_limit", "money", required=False, min_value=0),
                Column("payment_terms_days", "int", min_value=0, max_value=365),
                Column("account_owner", "string", required=False),
                Column("language", "lang", default="en", staged_as="language_code"),
                Column("timezone", "tz", default="from_country"),
                # A long-standing customer may predate any plausible invoice date.
                Column("created_at", "date", staged_as="created_on", earliest="1900-01-01"),
            ),
        ),
        Table(
            "contacts",
            key=("contact_id",),
            description="Contacts of the as-of snapshot. `opted_out_at` set means no more reminder e-mails to them.",
            columns=(
                _id("contact_id", unique=True),
                _id("customer_id", references="customers"),
                Column("email", "email"),
                Column("full_name", "string", required=False),
                Column("role", "enum", values=CONTACT_ROLES, staged_as="contact_role"),
                Column("is_primary", "bool"),
                Column("opted_out_at", "timestamp", required=False),
                Column("timezone", "tz", required=False, staged_as="contact_timezone"),
            ),
            rules=(
                RowRule(
                    "more than one primary contact for this customer",
                    "t.is_primary and count(*) filter (where t.is_primary) "
                    "over (partition by t.customer_id order by t._line "
                    "rows between unbounded preceding and current row) > 1",
                ),
            ),
        ),
        Table(
            "invoices",
            required=True,
            key=("invoice_id",),
            event_time="issue_date",
            description="Invoices of the as-of snapshot (every open one, settled ones over the history window).",
            columns=(
                _id("invoice_id", unique=True),
                _id("customer_id", references="customers"),
                Column("issue_date", "date"),
                Column("due_date", "date", horizon_days=400),  # payment terms reach 365 days
                Column("amount", "money", positive=True, staged_as="invoice_amount"),
                Column("currency", "currency", staged_as="currency_code"),
                Column("po_number", "string", required=False),
            ),
            rules=(RowRule("due_date before issue_date", "t.due_date < t.issue_date"),),
        ),
        Table(
            "payments",
            required=True,
            key=("payment_id", "invoice_id"),
            event_time="payment_date",
            description="One row per amount applied to one invoice; `is_unapplied` = cash on account.",
            columns=(
                _id("payment_id"),
                _id("customer_id", references="customers"),
                _id("invoice_id", required=False, references="invoices"),
                Column("payment_date", "date"),
                Column("amount", "money", positive=True, staged_as="payment_amount"),
                Column("currency", "currency", staged_as="currency_code"),
                Column("method", "enum", values=PAYMENT_METHODS, staged_as="payment_method"),
            ),
            rules=(
                RowRule(
                    "payment_date before the invoice's issue_date",
                    "t.payment_date < p.issue_date",
                    parent="invoices",
                    fk="invoice_id",
                ),
                RowRule(
                    "currency differs from the invoice's currency",
                    "t.currency <> p.currency",
                    parent="invoices",
                    fk="invoice_id",
                ),
            ),
        ),
        Table(
            "credit_notes",
            key=("credit_note_id",),
            event_time="issue_date",
            description="Credit notes of the as-of snapshot, each against one invoice.",
            columns=(
                _id("credit_note_id", unique=True),
                _id("invoice_id", references="invoices"),
                Column("issue_date", "date", staged_as="credited_on"),
                Column("amount", "money", positive=True, staged_as="credit_amount"),
                Column("reason", "string", required=False, staged_as="credit_reason"),
            ),
            rules=(
                RowRule("amount exceeds the invoice amount", "t.amount > p.amount", parent="invoices", fk="invoice_id"),
            ),
        ),
        Table(
            "disputes",
            key=("dispute_id",),
            event_time="opened_at",
            description="Disputes on invoices of the as-of snapshot; open while `resolved_on` is null.",
            columns=(
                _id("dispute_id", unique=True),
                _id("invoice_id", references="invoices"),
                Column("opened_at", "date", staged_as="opened_on"),
                Column("resolved_at", "date", required=False, staged_as="resolved_on"),
                Column("reason", "enum", values=DISPUTE_REASONS, staged_as="dispute_reason"),
                Column("amount", "money", positive=True, staged_as="disputed_amount"),
            ),
            rules=(RowRule("resolved_at before opened_at", "t.resolved_at < t.opened_at"),),
        ),
        Table(
            "promises_to_pay",
            key=("promise_id",),
            event_time="created_at",
            description="Promises to pay an invoice by a date, as recorded in the ERP.",
            columns=(
                _id("promise_id", unique=True),
                _id("invoice_id", references="invoices"),
                Column("created_at", "date", staged_as="promised_on"),
                Column("promised_date", "date", staged_as="promised_for", horizon_days=400),
                Column("amount", "money", positive=True, staged_as="promised_amount"),
            ),
            rules=(RowRule("promised_date before created_at", "t.promised_date < t.created_at"),),
        ),
        Table(
            "contact_history",
            key=("message_id",),
            event_time="sent_at",
            description="Every outbound collections touch, whichever system sent it.",
            columns=(
                _id("message_id", unique=True),
                _id("customer_id", references="customers"),
                _id("contact_id", required=False, references="contacts"),
                _id("invoice_id", required=False, references="invoices"),
                Column("channel", "enum", values=CHANNELS),
                Column("sent_at", "timestamp"),
                Column("journey", "string", required=False),
                Column("step", "string", required=False, staged_as="journey_step"),
                Column("tone", "enum", values=TONES),
                Column("incentive", "enum", values=INCENTIVES),
                Column("variant", "string", required=False),
            ),
        ),
        Table(
            "email_events",
            key=(),
            event_time="occurred_at",
            description="SendGrid events for the messages in contact history.",
            columns=(
                _id("message_id", references="contact_history"),
                Column("event", "enum", values=EMAIL_EVENTS, staged_as="event_type"),
                Column("occurred_at", "timestamp"),
            ),
            rules=(
                RowRule(
                    "occurred_at before the message's sent_at",
                    "t.occurred_at < p.sent_at",
                    parent="contact_history",
                    fk="message_id",
                ),
            ),
        ),
        Table(
            "exchange_rates",
            key=("rate_date", "from_currency", "to_currency"),
            event_time="rate_date",
            description=(
                "Optional, Relance's extension of the contract: the ERP's own exchange rates, one unit of "
                "`from_currency` in `to_currency` from `rate_date` on. Without it nothing is ever converted."
            ),
            columns=(
                Column("rate_date", "date"),
                Column("from_currency", "currency"),
                Column("to_currency", "currency"),
                Column("rate", "rate", positive=True),
            ),
            rules=(RowRule("from_currency equals to_currency", "t.from_currency = t.to_currency"),),
        ),
        Table(
            "inbound_messages",
            key=("inbound_id",),
            event_time="received_at",
            description="Customer e-mails received by the AR mailbox (sender address lower-cased for matching).",
            columns=(
                _id("inbound_id", unique=True),
                Column("from_email", "string"),
                _id("customer_id", required=False, references="customers"),
                Column("received_at", "timestamp"),
                Column("subject", "string", required=False),
                Column("body", "string", required=False),
                Column("category", "enum", required=False, values=INBOUND_CATEGORIES),
            ),
        ),
    )
}

REQUIRED_TABLES = [name for name, t in TABLES.items() if t.required]


def load_order() -> list[str]:
    """Tables ordered so that every parent is loaded before its children (foreign keys are
    checked against the parent rows loaded for the same extraction)."""
    ordered: list[str] = []
    pending = list(TABLES)
    while pending:
        for name in pending:
            if all(p in ordered for p in TABLES[name].parents if p != name):
                ordered.append(name)
                pending.remove(name)
                break
    return ordered
