"""Customers' commitments that reach the warehouse from outside the ERP, landed before the day's
dbt build so that the promise, dispute and suppression handling (int_customer_commitments and
what reads it) treats them as it treats the ERP's.

- ``land_inbound``: the promises to pay and disputes the inbound triage read in customers' e-mails
  (ml.inbound_triage). The triage scores after the day's build (it reads the marts), so a run lands
  what *earlier* runs read, once per message, from the first triage that found a commitment: a
  message takes effect from the run after the one that read it, like a portal event or a cockpit
  decision. A promise lands pending (a person confirms it in the cockpit) unless ``auto_accept``.
- ``copy_decisions``: what people decided in the cockpit (cockpit/decisions.py, a SQLite file the
  pipeline never writes), copied whole into ``journeys.commitment_decisions``.

Both are idempotent: a re-run of the day lands nothing new and copies the same decisions.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from erp.warehouse import has_table
from ml.inbound.extract import DEFAULT_PROMISE_DAYS

INBOUND_DDL = """create table if not exists journeys.inbound_commitments (
    inbound_id VARCHAR PRIMARY KEY, commitment_kind VARCHAR NOT NULL, promise_date DATE,
    promise_date_stated BOOLEAN NOT NULL, promise_amount DOUBLE, triaged_as_of DATE NOT NULL,
    accepted_automatically BOOLEAN NOT NULL, landed_at TIMESTAMP NOT NULL)"""
DECISIONS_DDL = """create table if not exists journeys.commitment_decisions (
    decision_id BIGINT PRIMARY KEY, item_kind VARCHAR NOT NULL, item_id VARCHAR NOT NULL,
    decision VARCHAR NOT NULL, decided_by VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL, note VARCHAR)"""
DECISION_COLUMNS = ["decision_id", "item_kind", "item_id", "decision", "decided_by", "decided_at", "note"]
# A message that disputes and promises ("we will pay once the invoice is corrected") is a dispute:
# the invoice waits for a person either way, and a dispute pauses it at once.
FIRST_READ = """
with read as (
    select triage.inbound_id, triage.as_of_date,
           case when 'dispute' in (triage.category, triage.secondary_category) then 'dispute'
                else 'promise' end as commitment_kind,
           cast(triage.promise_date as date) as promise_date, triage.promise_amount,
           row_number() over (partition by triage.inbound_id order by triage.as_of_date) as nth
    from ml.inbound_triage as triage
    where triage.as_of_date < ?
      and (triage.category in ('dispute', 'promise_to_pay')
           or triage.secondary_category in ('dispute', 'promise_to_pay'))
)
select read.inbound_id, read.commitment_kind, read.promise_date, read.promise_amount,
       read.as_of_date as triaged_as_of, messages.received_at
from read
join marts.fct_inbound_messages as messages using (inbound_id)
where read.nth = 1 and read.inbound_id not in (select inbound_id from journeys.inbound_commitments)
"""


def land_inbound(con: duckdb.DuckDBPyConnection, as_of: date | str, auto_accept: bool) -> int:
    """Land the commitments earlier runs' triage read (before ``as_of``); returns how many are new.
    A promise without a stated date stands for the received day + DEFAULT_PROMISE_DAYS, marked
    as not stated so the person confirming it sees that."""
    con.execute("create schema if not exists journeys")
    con.execute(INBOUND_DDL)
    if not (has_table(con, "ml.inbound_triage") and has_table(con, "marts.fct_inbound_messages")):
        return 0  # no triage yet (a fresh warehouse, or before the model's first champion)
    found = con.execute(FIRST_READ, [pd.Timestamp(as_of).date()]).df()
    if found.empty:
        return 0
    promise = found.commitment_kind == "promise"
    default = pd.to_datetime(found.received_at).dt.normalize() + pd.Timedelta(days=DEFAULT_PROMISE_DAYS)
    found["promise_date_stated"] = promise & found.promise_date.notna()
    found["promise_date"] = pd.to_datetime(found.promise_date).where(~promise | found.promise_date.notna(), default)
    found.loc[~promise, ["promise_date", "promise_amount"]] = None
    found["accepted_automatically"] = promise & auto_accept
    con.register("found", found.drop(columns="received_at"))
    con.execute("insert into journeys.inbound_commitments by name select *, now()::TIMESTAMP as landed_at from found")
    con.unregister("found")
    return len(found)


def copy_decisions(con: duckdb.DuckDBPyConnection, decisions: list[dict]) -> int:
    """Replace ``journeys.commitment_decisions`` with the cockpit's decisions, in one transaction."""
    con.execute("create schema if not exists journeys")
    con.execute(DECISIONS_DDL)
    frame = pd.DataFrame(decisions, columns=DECISION_COLUMNS)
    frame["decided_at"] = pd.to_datetime(frame.decided_at, utc=True).dt.tz_localize(None)
    con.register("decisions", frame)
    con.execute("begin transaction")
    try:
        con.execute("delete from journeys.commitment_decisions")
        con.execute("insert into journeys.commitment_decisions by name select * from decisions")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("decisions")
    return len(frame)
