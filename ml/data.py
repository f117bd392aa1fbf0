"""The warehouse tables the models read, as DataFrames (one query each).

Each query's result comes through Arrow, so text columns are Arrow-backed strings (pandas'
``str`` dtype: NaN for missing, comparisons give plain booleans) and no Python object is made
per cell: at 1,000 customers the frames fell from 138 MB to 52 MB; at 100,000 they hold 2.0 GB
(measured, ``benchmarks/daily_large.py``). ``Marts`` reads each table only when a model asks."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from erp.warehouse import has_table
from ml.history import settled_history

QUERIES = {
    "invoices": """select invoice_id, customer_id, currency_code, issue_date, due_date,
                          invoice_amount::double as amount, open_amount::double as open_amount, settled_on,
                          days_late_at_settlement::double as days_late, invoice_status,
                          invoice_status = 'credited' and dispute_count > 0 as credited_by_dispute
                   from marts.fct_invoices""",
    "payments": """select invoice_id, payment_date, payment_amount::double as amount
                   from marts.fct_payments where not is_unapplied""",
    "disputes": "select invoice_id, opened_on, resolved_on from marts.fct_disputes",
    # a promise read in an e-mail is one once a person confirmed it (or it was accepted automatically)
    "promises": """select invoice_id, promised_on, promised_for from marts.fct_promises_to_pay
                   where confirmation_status = 'confirmed'""",
    "contacts": """select customer_id, invoice_id, sent_at, was_opened::double as was_opened
                   from marts.fct_contacts where channel = 'email'""",
    # each open at its own time (an open after the observation instant must not count before it)
    "opens": """select customer_id, first_opened_at as opened_at from marts.fct_contacts
                where channel = 'email' and first_opened_at is not null""",
    # behaviour-change alerts (ml.alerts): how each invoice was paid, why disputed, what each e-mail led to
    "payment_lines": """select invoice_id, customer_id, payment_date, payment_method
                        from marts.fct_payments where not is_unapplied and invoice_id is not null""",
    "dispute_reasons": "select invoice_id, customer_id, opened_on, dispute_reason from marts.fct_disputes",
    "emails": """select customer_id, invoice_id, sent_at, coalesce(was_bounced, false) as was_bounced, first_opened_at,
                        coalesce(was_replied, false) as was_replied
                 from marts.fct_contacts where channel = 'email'""",
    "inbound": """select inbound_id, customer_id, received_at, subject, body, category
                  from marts.fct_inbound_messages""",
    # P(> 30 days late) of the customer's open book; dim_customer_360 builds after the day's scoring
    # (it shows the scores), so this is its last build's
    "customer_risk": "select customer_id, payment_delay_risk::double as risk_score from marts.dim_customer_360",
    # every e-mail to a contact with its local send and open times and whether the customer acted
    # (paid the invoice, or wrote to us) within 24 hours: what the send-time model learns from
    "sends": """select c.message_id, c.contact_id, c.customer_id, c.timezone, c.sent_at, c.sent_at_local,
                       c.was_opened::double as was_opened, c.first_opened_local,
                       (c.was_replied_24h or coalesce(i.settled_on between cast(c.sent_at as date)
                                                      and cast(c.sent_at as date) + 1, false))::double as acted
                from marts.fct_contacts as c left join marts.fct_invoices as i using (invoice_id)
                where c.channel = 'email' and c.contact_id is not null and not c.was_bounced""",
    "mail_contacts": """select contact_id, customer_id, timezone from marts.dim_contacts where is_emailable""",
    # every touch with what it offered: the legacy policy's randomised incentives and holdout
    # are what the uplift model learns from (ml.uplift)
    "touches": """select customer_id, invoice_id, sent_at, journey, journey_step, incentive,
                         paid_within_7d::double as paid_within_7d
                  from marts.fct_contacts""",
    "payment_methods": """select customer_id, payment_date, payment_method from marts.fct_payments
                          where not is_unapplied""",
}
# Read before the day's build of their mart exists (empty on the very first run): mart -> columns.
LAST_BUILD = {"customer_risk": ("marts.dim_customer_360", ["customer_id", "risk_score"])}


TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
# DuckDB's .df() gives these pandas types to a boolean or integer column with a missing value
NULLABLE = {
    pa.bool_(): pd.BooleanDtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


# Every model reads these (the book's invoices, each customer's settlement history): they stay
# loaded from one model to the next (Marts.release); each model's other tables do not.
SHARED = ("invoices", "history")
DERIVED = {"history": lambda marts: settled_history(marts["invoices"])}


class Marts(Mapping):
    """The models' tables, read from ``con`` when a model first asks for one: a model loads only
    what it reads (at 100,000 customers all of them held 2 GB, and the five models' scoring
    peaked at 5 GB with them all in memory). The connection must stay open while it is used."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            if name not in self:
                raise KeyError(name)
            self._frames[name] = DERIVED[name](self) if name in DERIVED else _read(self._con, name)
        return self._frames[name]

    def __contains__(self, name) -> bool:  # without reading the table, as Mapping's own would
        return name in QUERIES or name in DERIVED

    def __iter__(self):
        return iter([*QUERIES, *DERIVED])

    def __len__(self) -> int:
        return len(QUERIES) + len(DERIVED)

    def release(self, keep: tuple[str, ...] = SHARED) -> None:
        """Forget every table read so far but ``keep``: the next model reads its own again."""
        self._frames = {name: frame for name, frame in self._frames.items() if name in keep}


def load(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Every table at once (benchmarks and tests that hand one model all of them)."""
    return dict(Marts(con))


def _read(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    frame = _last_build(con, name) if name in LAST_BUILD else frame_of(con.sql(QUERIES[name]).to_arrow_table())
    for col in frame.columns:
        if col.endswith(("_date", "_on", "_for", "_at")):
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")  # one resolution for merge_asof
    return frame


def frame_of(table: pa.Table) -> pd.DataFrame:
    """``table`` as pandas with the dtypes DuckDB's own ``.df()`` gives (float decimals, nullable
    booleans and integers where a value is missing), but text as Arrow strings."""
    floats = [pa.float64() if pa.types.is_decimal(f.type) else f.type for f in table.schema]
    table = table.cast(pa.schema([f.with_type(t) for f, t in zip(table.schema, floats, strict=True)]))
    frame = table.to_pandas(types_mapper={pa.string(): TEXT, pa.large_string(): TEXT}.get, date_as_object=False)
    for name, column in zip(table.column_names, table.columns, strict=True):
        if column.null_count and column.type in NULLABLE:
            frame[name] = column.to_pandas(types_mapper=NULLABLE.get)
    return frame


def _last_build(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    mart, columns = LAST_BUILD[name]
    return frame_of(con.sql(QUERIES[name]).to_arrow_table()) if has_table(con, mart) else pd.DataFrame(columns=columns)


def as_of_date(con: duckdb.DuckDBPyConnection) -> pd.Timestamp:
    # fetchall: a fetchone() leaves the result pending, and load's queries would then be refused
    return pd.Timestamp(con.execute("select max(as_of_date) from marts.fct_invoices").fetchall()[0][0])
