"""The customer 360: one customer's whole story, read from the marts and the journeys' records.

Messages come with their reasons: what the plan said (journeys.contact_list's reason_customer /
reason_now / reason_offer), where each one got to (journeys.outbox status), and what the rules
stopped (journeys.blocked_sends). Inbound e-mails have no mart yet; they are read from
intermediate.int_inbound_messages_resolved (subject and category only, never the body).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cockpit.data import query


def find_customers(source: Path, text: str = "", limit: int = 50) -> pd.DataFrame:
    """Customers whose id or name contains ``text``, largest overdue balance first."""
    return query(
        source,
        """select customer_id, customer_name, segment, currency_code,
                                   open_balance::double as open_balance,
                                   overdue_balance::double as overdue_balance, max_days_past_due
                            from marts.dim_customer_360
                            where customer_id ilike ? or customer_name ilike ?
                            order by overdue_balance desc nulls last, customer_id limit ?""",
        [f"%{text}%", f"%{text}%", limit],
        needs=("marts.dim_customer_360",),
    )


def profile(source: Path, customer_id: str) -> dict:
    """The customer's row of dim_customer_360 (terms, balances, behaviour, scores), or {}."""
    frame = query(
        source,
        "select * from marts.dim_customer_360 where customer_id = ?",
        [customer_id],
        needs=("marts.dim_customer_360",),
    )
    return frame.iloc[0].to_dict() if len(frame) else {}


def balance_history(source: Path, customer_id: str) -> pd.DataFrame:
    """Open amount per aging bucket on each as-of date the aging mart holds."""
    return query(
        source,
        """select as_of_date, aging_bucket, min(bucket_order) as bucket_order,
                                   sum(open_amount)::double as open_amount
                            from marts.mart_ar_aging where customer_id = ? group by 1, 2 order by 1, 3""",
        [customer_id],
        needs=("marts.mart_ar_aging",),
    )


def invoices(source: Path, customer_id: str) -> pd.DataFrame:
    return query(
        source,
        """select invoice_id, issue_date, due_date, invoice_amount::double as invoice_amount,
                                   open_amount::double as open_amount, invoice_status, days_past_due, aging_bucket,
                                   is_in_dispute, has_active_promise, active_promise_date
                            from marts.fct_invoices where customer_id = ? order by due_date desc""",
        [customer_id],
        needs=("marts.fct_invoices",),
    )


def payments(source: Path, customer_id: str) -> pd.DataFrame:
    return query(
        source,
        """select payment_date, invoice_id, payment_amount::double as payment_amount, currency_code,
                                   payment_method, days_after_due, is_partial, is_unapplied
                            from marts.fct_payments where customer_id = ? order by payment_date desc""",
        [customer_id],
        needs=("marts.fct_payments",),
    )


def disputes(source: Path, customer_id: str) -> pd.DataFrame:
    return query(
        source,
        """select dispute_id, invoice_id, opened_on, resolved_on, dispute_reason,
                                   disputed_amount::double as disputed_amount, is_open
                            from marts.fct_disputes where customer_id = ? order by opened_on desc""",
        [customer_id],
        needs=("marts.fct_disputes",),
    )


def promises(source: Path, customer_id: str) -> pd.DataFrame:
    return query(
        source,
        """select promise_id, invoice_id, promised_on, promised_for,
                                   promised_amount::double as promised_amount, promise_status
                            from marts.fct_promises_to_pay where customer_id = ? order by promised_on desc""",
        [customer_id],
        needs=("marts.fct_promises_to_pay",),
    )


def messages(source: Path, customer_id: str) -> pd.DataFrame:
    """Every planned touch with its status and why it was chosen (latest plan of each message)."""
    return query(
        source,
        """
        select o.send_at, o.channel, o.journey, o.step, o.tone, o.incentive, o.status, o.subject, o.invoice_ids,
               c.reason_customer, c.reason_now, c.reason_offer, o.message_id
        from journeys.outbox o
        left join (select * from journeys.contact_list
                   qualify row_number() over (partition by message_id order by as_of_date desc) = 1) c
               using (message_id)
        where o.customer_id = ? order by o.send_at desc""",
        [customer_id],
        needs=("journeys.outbox", "journeys.contact_list"),
    )


def blocked(source: Path, customer_id: str) -> pd.DataFrame:
    """What the contact rules stopped, with the rule and its detail: the "why not"."""
    return query(
        source,
        """select send_day, journey, step, channel, invoice_id, rule, detail
                            from journeys.blocked_sends where customer_id = ? order by send_day desc, rule""",
        [customer_id],
        needs=("journeys.blocked_sends",),
    )


def inbound(source: Path, customer_id: str) -> pd.DataFrame:
    return query(
        source,
        """select received_at, category, subject from intermediate.int_inbound_messages_resolved
                            where customer_id = ? order by received_at desc""",
        [customer_id],
        needs=("intermediate.int_inbound_messages_resolved",),
    )


def scores(source: Path, customer_id: str) -> pd.DataFrame:
    """The models' scores of the customer per day (risk of paying late, chance to pay unprompted)."""
    return query(
        source,
        """select as_of_date, payment_delay_risk, self_cure_probability, expected_days_late
                            from ml.customer_scores where customer_id = ? order by as_of_date""",
        [customer_id],
        needs=("ml.customer_scores",),
    )
