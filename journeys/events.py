"""Ingest the Event Webhook files the receiver landed into ``journeys.sendgrid_events``.

One row per ``sg_event_id`` (SendGrid delivers at least once, so the same event can arrive in
two files); the message is identified by the ``message_id`` custom arg we sent, and the contact
through the outbox. Machine opens (``sg_machine_open``, e.g. Apple Mail privacy protection)
are kept but flagged: they do not count as reads. Unsubscribes, bounces and spam reports
suppress the contact from the same day's plan (this table is a dbt source: dbt's
int_contacts_suppression reads it). A file is moved to ``ingested/`` only after its rows are
committed, so a crash re-reads it and the key drops the duplicates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from journeys import store

COLUMNS = ["sg_event_id", "event", "occurred_at", "message_id", "machine_open", "source_file"]


@dataclass
class IngestReport:
    files: int = 0
    events: int = 0
    new: int = 0
    rejected_files: int = 0


def parse(path: Path) -> pd.DataFrame:
    """Events of one landed body. An event without ``sg_event_id`` cannot be de-duplicated and
    is not ours to guess: it is skipped (counted in ``events`` but never inserted)."""
    rows = []
    for event in json.loads(path.read_bytes()):
        if not isinstance(event, dict) or not event.get("sg_event_id"):
            continue
        stamp = event.get("timestamp")
        rows.append({
            "sg_event_id": str(event["sg_event_id"]), "event": str(event.get("event", "")),
            "occurred_at": datetime.fromtimestamp(int(stamp), timezone.utc).replace(tzinfo=None) if stamp else None,
            "message_id": event.get("message_id"), "machine_open": bool(event.get("sg_machine_open", False)),
            "source_file": path.name,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def ingest(con: duckdb.DuckDBPyConnection, events_dir: Path) -> IngestReport:
    store.ensure(con)
    report = IngestReport()
    for path in sorted(Path(events_dir).glob("????-??-??/*.json")):
        try:
            frame = parse(path)
        except (ValueError, TypeError):  # landed bodies were JSON arrays: this one was altered
            _move(path, events_dir / "rejected")
            report.rejected_files += 1
            continue
        before = con.execute("select count(*) from journeys.sendgrid_events").fetchall()[0][0]
        if len(frame):
            con.register("landed", frame)
            con.execute("""insert into journeys.sendgrid_events by name
                           select l.*, o.contact_id from landed l
                           left join journeys.outbox o using (message_id)
                           on conflict (sg_event_id) do nothing""")
            con.unregister("landed")
        report.new += con.execute("select count(*) from journeys.sendgrid_events").fetchall()[0][0] - before
        report.files += 1
        report.events += len(frame)
        _move(path, events_dir / "ingested")
    return report


def _move(path: Path, root: Path) -> None:
    target = root / path.parent.name / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    path.replace(target)
