"""Ingest the Event Webhook files the receiver landed into ``journeys.sendgrid_events``.

One row per ``sg_event_id`` (SendGrid delivers at least once, so the same event can arrive in
two files); the message is identified by the ``message_id`` custom arg we sent, and the contact
through the outbox. Machine opens (``sg_machine_open``, e.g. Apple Mail privacy protection)
are kept but flagged: they do not count as reads. Unsubscribes, bounces and spam reports
suppress the contact from the same day's plan (this table is a dbt source: dbt's
int_contacts_suppression reads it).

Each event is validated on its own: a signed batch is SendGrid's word, so one malformed event
(no id, no kind, a timestamp that is not a plausible UNIX time) is quarantined alone in
``journeys.sendgrid_event_rejects`` with its reason while its neighbours — an unsubscribe among
them — land. A file that cannot be read at all goes to ``rejected/`` with its reason and the
ingest goes on: no landed file can block the ones after it, nor the day's contact list. A file
is moved only after its rows are committed, so a crash re-reads it and the key drops duplicates.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from journeys import store

log = logging.getLogger(__name__)

COLUMNS = ["sg_event_id", "event", "occurred_at", "message_id", "machine_open", "source_file"]
REJECT_COLUMNS = ["source_file", "position", "sg_event_id", "event", "message_id", "reason", "rejected_at"]
REJECTS_DDL = """create table if not exists journeys.sendgrid_event_rejects (
    source_file VARCHAR, position INTEGER, sg_event_id VARCHAR, event VARCHAR, message_id VARCHAR,
    reason VARCHAR, rejected_at TIMESTAMP)"""
FIRST_PLAUSIBLE = 1_230_768_000  # 2009-01-01: SendGrid did not send anything earlier
CLOCK_SKEW_SECONDS = 86_400  # an event from later than tomorrow is not a real one


@dataclass
class IngestReport:
    files: int = 0
    events: int = 0
    new: int = 0
    rejected_files: int = 0
    rejected_events: int = 0


def problem(event, now: float) -> str | None:
    """Why one event cannot be stored, or None. Only opaque fields are named: no address."""
    if not isinstance(event, dict):
        return "not a JSON object"
    if (
        not isinstance(event.get("sg_event_id"), str | int)
        or isinstance(event["sg_event_id"], bool)
        or not str(event["sg_event_id"]).strip()
    ):
        return "no sg_event_id (cannot be de-duplicated)"
    if not isinstance(event.get("event"), str) or not event["event"]:
        return "no event kind"
    stamp = event.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float) or not math.isfinite(stamp) or stamp != int(stamp):
        return f"timestamp is not a UNIX time: {str(stamp)[:40]!r}"
    if not FIRST_PLAUSIBLE <= stamp <= now + CLOCK_SKEW_SECONDS:
        return f"timestamp {stamp:.0f} is not a plausible time (before 2009 or in the future)"
    if event.get("message_id") is not None and not isinstance(event["message_id"], str):
        return "message_id is not a string"
    return None


def parse(path: Path, now: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The storable events of one landed body, and the rejected ones with their reasons. Raises
    ValueError (or RecursionError) when the file as a whole is not a JSON array."""
    batch = json.loads(path.read_bytes())
    if not isinstance(batch, list):
        raise ValueError("not a JSON array of events")
    rows, rejects = [], []
    for position, event in enumerate(batch):
        reason = problem(event, now)
        if reason:
            fields = event if isinstance(event, dict) else {}
            rejects.append(
                {
                    "source_file": path.name,
                    "position": position,
                    "reason": reason,
                    **{k: _text(fields.get(k)) for k in ("sg_event_id", "event", "message_id")},
                }
            )
            continue
        rows.append(
            {
                "sg_event_id": str(event["sg_event_id"]),
                "event": event["event"],
                "occurred_at": datetime.fromtimestamp(int(event["timestamp"]), UTC).replace(tzinfo=None),
                "message_id": event.get("message_id"),
                "machine_open": bool(event.get("sg_machine_open", False)),
                "source_file": path.name,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS), pd.DataFrame(rejects, columns=REJECT_COLUMNS[:-1])


def _text(value) -> str | None:
    return str(value)[:200] if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def ingest(con: duckdb.DuckDBPyConnection, events_dir: Path, clock: Callable[[], float] = time.time) -> IngestReport:
    store.ensure(con)
    con.execute(REJECTS_DDL)
    report = IngestReport()
    events_dir = Path(events_dir)
    for path in sorted(events_dir.glob("????-??-??/*.json")):
        try:
            frame, rejects = parse(path, clock())
        except (ValueError, RecursionError) as err:  # not JSON, not UTF-8, nested too deep, not an array
            _quarantine(con, path, events_dir, f"{type(err).__name__}: {str(err)[:200]}")
            report.rejected_files += 1
            continue
        report.new += _store(con, path.name, frame, rejects)
        report.files += 1
        report.events += len(frame)
        report.rejected_events += len(rejects)
        _move(path, events_dir / "ingested")
    if report.rejected_files or report.rejected_events:
        log.warning(
            "sendgrid events: %d file(s) and %d event(s) quarantined (journeys.sendgrid_event_rejects)",
            report.rejected_files,
            report.rejected_events,
        )
    return report


def _store(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, rejects: pd.DataFrame) -> int:
    """Insert one file's events and rejects in one transaction; returns how many events were new."""
    con.execute("begin transaction")
    try:
        before = con.execute("select count(*) from journeys.sendgrid_events").fetchall()[0][0]
        if len(frame):
            con.register("landed", frame)
            con.execute("""insert into journeys.sendgrid_events by name
                           select l.*, o.contact_id from landed l
                           left join journeys.outbox o using (message_id)
                           on conflict (sg_event_id) do nothing""")
            con.unregister("landed")
        con.execute("delete from journeys.sendgrid_event_rejects where source_file = ?", [name])
        if len(rejects):
            con.register("rejects", rejects.assign(rejected_at=pd.Timestamp.now(tz="UTC").tz_localize(None)))
            con.execute("insert into journeys.sendgrid_event_rejects by name select * from rejects")
            con.unregister("rejects")
        new = con.execute("select count(*) from journeys.sendgrid_events").fetchall()[0][0] - before
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return new


def _quarantine(con: duckdb.DuckDBPyConnection, path: Path, events_dir: Path, reason: str) -> None:
    """Set an unreadable file aside with its reason (a row, and a note beside the file)."""
    con.execute("delete from journeys.sendgrid_event_rejects where source_file = ? and position is null", [path.name])
    con.execute(
        "insert into journeys.sendgrid_event_rejects (source_file, reason, rejected_at) "
        "values (?, ?, now()::TIMESTAMP)",
        [path.name, reason],
    )
    target = _move(path, events_dir / "rejected")
    target.with_suffix(".reason.txt").write_text(reason + "\n")


def _move(path: Path, root: Path) -> Path:
    target = root / path.parent.name / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    path.replace(target)
    return target
