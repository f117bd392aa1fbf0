"""What people decide in the cockpit, kept apart from the warehouse (a SQLite file of its own)
so the cockpit never writes into a file the pipeline may be writing, and the next run reads it.

Dagster-free on purpose: delivery (journeys) calls these functions directly.

The contract for delivery, per plan day (``day`` = the contact list's ``as_of_date``, the run
that planned the messages; message ids are the plan's deterministic ids):

* every decision is appended with who and when; the latest decision on a message wins, so a
  row approved and then held is held (and the reverse);
* ``held_message_ids(day)``: never deliver these, whatever the mode;
* ``approved_message_ids(day)``: what a person approved (and has not held since);
* ``approval_mode()``: when on, nothing is delivered until a person approves it;
* ``deliverable_message_ids(day, planned)`` applies both: with approval mode on, exactly the
  approved planned ids; off, every planned id that is not held;
* ``worklist_actions(day)``: the latest done / snooze / reassign per call or task row.

Customers' commitments (not per plan day; the next run copies them into the warehouse,
journeys/commitments.py, and dbt keeps the latest per item): ``record_commitment`` confirms or
rejects a promise to pay read in an e-mail (item = the message id, fct_promises_to_pay.source_ref),
resolves a Relance-side dispute (item = fct_disputes.source_ref), accepts or declines a payment-plan
request (item = fct_payment_plan_requests.request_id); ``commitment_decisions()`` lists them all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

from cockpit import config

DECISIONS = ("approved", "held")
WORKLIST_ACTIONS = ("done", "snooze", "reassign")
COMMITMENT_DECISIONS = {
    "promise": ("confirmed", "rejected"),
    "dispute": ("resolved",),
    "payment_plan": ("accepted", "declined"),
}
SCHEMA = """
create table if not exists decisions (
    day TEXT NOT NULL, message_id TEXT NOT NULL, decision TEXT NOT NULL CHECK (decision in ('approved', 'held')),
    decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, note TEXT);
create index if not exists decisions_day on decisions (day, message_id);
create table if not exists worklist_actions (
    day TEXT NOT NULL, message_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action in ('done', 'snooze', 'reassign')),
    snooze_until TEXT, assignee TEXT, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, note TEXT);
create table if not exists commitment_decisions (
    item_kind TEXT NOT NULL, item_id TEXT NOT NULL, decision TEXT NOT NULL,
    decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, note TEXT);
create table if not exists settings (
    key TEXT NOT NULL, value TEXT NOT NULL, set_by TEXT NOT NULL, set_at TEXT NOT NULL);
"""
# The latest row per message: SQLite's rowid follows insertion, so max(rowid) is the last decision.
LATEST = """select * from {table} where rowid in (
    select max(rowid) from {table} where day = ? group by message_id) order by message_id"""


def _connect(path: Path | None) -> sqlite3.Connection:
    path = Path(path or config.decisions_db())
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.row_factory = sqlite3.Row
    con.execute("pragma journal_mode=wal")  # the cockpit writes while a run reads
    con.executescript(SCHEMA)
    return con


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _day(day: date | str) -> str:
    return str(day)[:10]


def record(
    day: date | str,
    message_ids: Iterable[str],
    decision: str,
    user: str,
    note: str | None = None,
    path: Path | None = None,
) -> int:
    """Approve or hold messages of a plan day, as ``user``, now. Returns how many rows were recorded."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    if not user:
        raise ValueError("a decision needs the name of who made it")
    at = _now()
    rows = [(_day(day), message_id, decision, user, at, note) for message_id in dict.fromkeys(message_ids)]
    with closing(_connect(path)) as con, con:
        con.executemany("insert into decisions values (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def current_decisions(day: date | str, path: Path | None = None) -> list[dict]:
    """The latest decision per message of the day, with who and when (what the review page shows)."""
    with closing(_connect(path)) as con:
        return [dict(row) for row in con.execute(LATEST.format(table="decisions"), [_day(day)])]


def _with_decision(day: date | str, decision: str, path: Path | None) -> set[str]:
    return {row["message_id"] for row in current_decisions(day, path) if row["decision"] == decision}


def approved_message_ids(day: date | str, path: Path | None = None) -> set[str]:
    """Messages of the plan day whose latest decision is an approval."""
    return _with_decision(day, "approved", path)


def held_message_ids(day: date | str, path: Path | None = None) -> set[str]:
    """Messages of the plan day whose latest decision is a hold: never delivered."""
    return _with_decision(day, "held", path)


def set_approval_mode(on: bool, user: str, path: Path | None = None) -> None:
    """Switch approval mode; kept as a history of who switched it when."""
    with closing(_connect(path)) as con, con:
        con.execute("insert into settings values ('approval_mode', ?, ?, ?)", ["on" if on else "off", user, _now()])


def approval_mode(path: Path | None = None) -> bool:
    """Whether delivery waits for a person's approval (off until someone switches it on)."""
    with closing(_connect(path)) as con:
        latest = "select value from settings where key = 'approval_mode' order by rowid desc limit 1"
        row = con.execute(latest).fetchone()
    return bool(row) and row["value"] == "on"


def deliverable_message_ids(day: date | str, planned: Iterable[str], path: Path | None = None) -> set[str]:
    """Of the day's planned message ids, those delivery may send now (see the module contract)."""
    planned = set(planned)
    decided = {row["message_id"]: row["decision"] for row in current_decisions(day, path)}
    if approval_mode(path):
        return {message_id for message_id in planned if decided.get(message_id) == "approved"}
    return {message_id for message_id in planned if decided.get(message_id) != "held"}


def record_worklist_action(
    day: date | str,
    message_id: str,
    action: str,
    user: str,
    snooze_until: date | None = None,
    assignee: str | None = None,
    note: str | None = None,
    path: Path | None = None,
) -> None:
    """Done, snooze (until a date) or reassign (to a colleague) a call or task row of the day."""
    if action not in WORKLIST_ACTIONS:
        raise ValueError(f"action must be one of {WORKLIST_ACTIONS}, not {action!r}")
    if action == "snooze" and snooze_until is None:
        raise ValueError("snooze needs a date")
    if action == "reassign" and not assignee:
        raise ValueError("reassign needs the colleague's name")
    if not user:
        raise ValueError("an action needs the name of who took it")
    with closing(_connect(path)) as con, con:
        con.execute(
            "insert into worklist_actions values (?, ?, ?, ?, ?, ?, ?, ?)",
            [_day(day), message_id, action, str(snooze_until) if snooze_until else None, assignee, user, _now(), note],
        )


def worklist_actions(day: date | str, path: Path | None = None) -> dict[str, dict]:
    """The latest action per call or task row of the plan day, keyed by message id."""
    with closing(_connect(path)) as con:
        rows = con.execute(LATEST.format(table="worklist_actions"), [_day(day)])
        return {row["message_id"]: dict(row) for row in rows}


def record_commitment(
    item_kind: str, item_id: str, decision: str, user: str, note: str | None = None, path: Path | None = None
) -> None:
    """A person's decision on a customer's commitment (see the module contract), as ``user``, now."""
    allowed = COMMITMENT_DECISIONS.get(item_kind)
    if allowed is None:
        raise ValueError(f"item kind must be one of {tuple(COMMITMENT_DECISIONS)}, not {item_kind!r}")
    if decision not in allowed:
        raise ValueError(f"a {item_kind} decision is one of {allowed}, not {decision!r}")
    if not item_id:
        raise ValueError("a decision needs the item it is about")
    if not user:
        raise ValueError("a decision needs the name of who made it")
    with closing(_connect(path)) as con, con:
        con.execute(
            "insert into commitment_decisions values (?, ?, ?, ?, ?, ?)",
            [item_kind, item_id, decision, user, _now(), note],
        )


def commitment_decisions(path: Path | None = None) -> list[dict]:
    """Every commitment decision in the order made (``decision_id``): what the next run copies."""
    with closing(_connect(path)) as con:
        rows = con.execute("select rowid as decision_id, * from commitment_decisions order by rowid")
        return [dict(row) for row in rows]
