"""Read the day's book from the marts: the dunning book (mart_dunning_book: open invoices with
their customer's profile and scores), the contacts and whether each can be e-mailed
(dim_contacts), the past touches that still decide something (fct_contacts and Relance's own
outbox) and the dunning blocks.

What the book holds is defined in dbt, with contracts and tests; this module only reads it and
gives the columns the dtypes a journey condition expects (journeys.catalog.INVOICE_COLUMNS).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from erp.warehouse import has_table
from journeys import store
from journeys.catalog import INVOICE_COLUMNS
from journeys.contact_list import EVIDENCE_COLUMNS, Book
from journeys.schedule import send_day_of
from journeys.touches import LOOKBACK
from ml.data import frame_of

CUSTOMER_COLUMNS = ["country_code", "timezone", "language_code", "account_owner", "customer_name"]
CONTACT_COLUMNS = [
    "contact_id",
    "customer_id",
    "email",
    "full_name",
    "role",
    "is_primary",
    "timezone",
    "is_emailable",
    "suppression_reason",
]


def open_invoices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = con.execute(f"""select {", ".join([*INVOICE_COLUMNS, *CUSTOMER_COLUMNS])}
                            from marts.mart_dunning_book order by invoice_id""").df()
    for column, dtype in INVOICE_COLUMNS.items():
        if dtype == "float":  # DECIMAL money and nullable integers become floats, as conditions expect
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        elif dtype == "bool":
            frame[column] = frame[column].fillna(False).astype(bool)
        elif dtype.startswith("datetime"):
            frame[column] = pd.to_datetime(frame[column])
    return frame


def contacts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Contacts with ``is_emailable``: an address that no opt-out, unsubscribe, spam report or
    unresolved bounce suppresses (dbt's int_contacts_suppression), nor an unsubscribe the
    automatic replies honoured since (journeys/replies.py: suppressed at once)."""
    return store.contacts_with_own_suppression(con, CONTACT_COLUMNS)[CONTACT_COLUMNS]


def history(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp, open_ids: pd.Series) -> pd.DataFrame:
    """The touches a contact rule or a journey can still see, one row per (message, invoice):
    every one sent within the rules' longest look-back (journeys.touches.LOOKBACK) and every one
    of an invoice still open (a journey step done on it is never planned again). Older touches of
    settled invoices decide nothing; at 100,000 customers the whole history was 7 M rows. The
    outbox's own rows count from the moment they are planned, so a message scheduled but not
    yet sent is never planned again. ``open_ids``: the book's open invoices (mart_dunning_book)."""
    since = send_day_of(as_of) - LOOKBACK - pd.Timedelta(days=1)  # a day's margin: sent_at is UTC
    relevant = "sent_at >= $since or invoice_id in (select invoice_id from marts.mart_dunning_book)"
    erp = frame_of(
        con.execute(
            f"""select message_id, customer_id, invoice_id, channel, sent_at, journey, journey_step as step, tone
                from marts.fct_contacts where {relevant}""",
            {"since": since},
        ).to_arrow_table()
    )
    own = store.touches(con, before=as_of.date())
    own = own[(own.sent_at >= since) | own.invoice_id.isin(open_ids)]
    # Relance's own record wins: it knows every invoice a statement covered and the step.
    return pd.concat([erp[~erp.message_id.isin(own.message_id)], own], ignore_index=True) if len(own) else erp


def experiment_evidence(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp) -> pd.DataFrame:
    """The latest experiment results computed before ``as_of``: what adaptive experiments
    allocate from. Strictly before, so a re-run of the day decides from the same evidence."""
    if not has_table(con, "marts.mart_experiment_results"):
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    return con.execute(
        f"""select {", ".join(EVIDENCE_COLUMNS)} from marts.mart_experiment_results
            where as_of_date = (select max(as_of_date) from marts.mart_experiment_results where as_of_date < ?)
              and not is_holdout""",
        [as_of.date()],
    ).df()


def load(con: duckdb.DuckDBPyConnection) -> Book:
    as_of = pd.Timestamp(con.execute("select max(as_of_date) from marts.fct_invoices").fetchall()[0][0])
    invoices = open_invoices(con)
    return Book(
        as_of=as_of,
        invoices=invoices,
        contacts=contacts(con),
        history=history(con, as_of, invoices.invoice_id),
        blocks=store.blocks(con),
        sent_today=store.handed_over(con, as_of.date()),
        experiment_evidence=experiment_evidence(con, as_of),
    )
